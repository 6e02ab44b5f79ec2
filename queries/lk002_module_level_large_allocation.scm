; LK002: every assignment statement (the outer one of a chain `a = b = value`).
; The Rust side keeps those at module level whose value it can size, and sizes them.
(expression_statement
  (assignment) @assignment) @statement
