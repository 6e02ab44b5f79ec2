; LK012: every call of a name or attribute. The Rust side keeps those that resolve to
; `logging.getLogger`, run in a function, with a name built at run time.
(call
  function: [(identifier) (attribute)] @function
  arguments: (argument_list) @arguments) @call
