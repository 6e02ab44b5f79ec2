; LK005: a name stored in what that same name holds. The Rust side (src/rules/cycles) checks
; the link is direct and the name the same object on both sides.

; `x.f = x`, `x[k] = x`, `x.f = (x)`
((assignment
  left: [
    (attribute object: (identifier) @holder)
    (subscript value: (identifier) @holder)
  ]
  right: [
    (identifier) @value
    (parenthesized_expression (identifier) @value)
  ]) @store
  (#eq? @holder @value))

; `x.append(x)`, `x.add(x)`, `x.insert(i, x)`, `x.setdefault(k, x)`
((call
  function: (attribute
    object: (identifier) @holder
    attribute: (identifier) @method)
  arguments: (argument_list
    [
      (identifier) @value
      (parenthesized_expression (identifier) @value)
    ])) @link_call
  (#eq? @holder @value)
  (#any-of? @method "append" "add" "insert" "setdefault"))
