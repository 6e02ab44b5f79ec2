; LK003: the places where a reference is stored or an exception is caught.
; The Rust side builds each scope's graph of which name refers to which, and decides
; what closes a cycle.

; `a.f = b`, `a[k] = b`, `self.f = self.m`, `self.f = lambda: ...`
(assignment
  left: [(attribute) (subscript)] @target
  right: (_) @value) @store

; `a.append(b)`, `a.add(b)`, `a.insert(i, b)`, `a.setdefault(k, b)`
((call
  function: (attribute
    attribute: (identifier) @method)
  arguments: (argument_list)) @link_call
  (#any-of? @method "append" "add" "insert" "setdefault"))

; `for child in tree.children:`: each `child` is an element of what `tree` holds.
(for_statement
  left: (identifier)
  right: [(identifier) (attribute) (subscript)]) @loop

; `except E as e:`
(except_clause) @handler

; `sys.exc_info()`, `exc_info()`
((call
  function: [(identifier) (attribute)] @function) @exc_info
  (#match? @function "exc_info$"))
