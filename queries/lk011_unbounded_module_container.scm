; LK011: every assignment of a value to one name. The Rust side keeps the module-level
; ones that build a container, then reads every use of the name in the file.
(expression_statement
  (assignment
    left: (identifier) @name
    right: (_) @value) @assignment) @statement
