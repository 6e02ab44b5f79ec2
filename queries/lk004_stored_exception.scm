; LK004: where an exception is caught, and `sys.exc_info()`. The Rust side (src/rules/cycles)
; finds where the handler stores the exception and whether its traceback may be cleared.

; `except E as e:`
(except_clause) @handler

; `sys.exc_info()`, `exc_info()`
((call
  function: [(identifier) (attribute)] @function) @exc_info
  (#match? @function "exc_info$"))
