; LK007: a store of a lambda or of a name that may be a nested `def`. The Rust side
; (src/rules/cycles) checks the closure reads the method's receiver, which holds it.

; `self.f = lambda: self.x`, `self.f = helper`
(assignment
  left: [(attribute) (subscript)]
  right: [
    (lambda)
    (identifier)
    (parenthesized_expression)
  ]) @store
