; LK008: every decorated `def`, and every assignment of a call (a class body's
; `get = lru_cache(maxsize=None)(_get)`). The Rust side keeps those in a class body whose
; cache decorator resolves to `functools.cache` or `functools.lru_cache`.
(decorated_definition
  definition: (function_definition) @function) @decorated

(assignment
  left: (identifier) @target
  right: (call) @value) @assignment
