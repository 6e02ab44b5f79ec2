; LK001: every parameter default, in `def` and in `lambda`.
; The Rust side decides which defaults are mutable and how to fix them.
(default_parameter
  name: (_) @name
  value: (_) @value) @parameter

(typed_default_parameter
  name: (_) @name
  type: (type) @annotation
  value: (_) @value) @parameter
