; LK010: every class body. The Rust side finds the mutable values bound there and the
; methods that mutate them through their instance.
(class_definition
  name: (identifier) @name
  body: (block) @body) @class
