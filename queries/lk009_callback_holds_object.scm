; LK009: calls that register a callback with something long-lived: `weakref.finalize`,
; `weakref.ref`, `weakref.proxy`, `atexit.register`, `signal.signal`, under any import
; alias (the Rust side resolves the callee; the last name is matched loosely here so
; that `from weakref import finalize as fin` is seen too).
(call
  function: [(identifier) (attribute)] @function
  arguments: (argument_list)) @call
