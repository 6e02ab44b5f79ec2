; LK003: the places where one object is linked to another. The Rust side (src/rules/cycles)
; builds each scope's graph of which name refers to which, and decides what closes a cycle.

; `a.f = b`, `a[k] = b`
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
