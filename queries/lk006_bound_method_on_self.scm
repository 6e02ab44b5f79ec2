; LK006: a store of what may be a bound method, in a method. The Rust side
; (src/rules/cycles) checks the method is a plain `def` of the class and the target is
; held by the same instance.

; `self.f = self.m`, `self.f = partial(self.m, ...)`, `self.handlers = {k: self.m}`
(assignment
  left: [(attribute) (subscript)]
  right: [
    (attribute)
    (call)
    (dictionary)
    (list)
    (tuple)
    (set)
    (parenthesized_expression)
  ]) @store
