//! LK004 stored-exception: an exception kept with its traceback. The analysis lives in
//! [`super::cycles`], shared with LK003, LK005, LK006 and LK007.

use super::cycles::{Cause, CycleRule};
use super::FixSafety;

const DOC: &str = r#"# LK004 stored-exception

## What it finds
Inside `except E as e:`, the exception `e` stored where it outlives the handler with its
traceback: on `self`/`cls`, in a module-level variable or container, in a `global`, or
in a container or object local to the function (`failures[name] = e`: the function's
frame, on the traceback, holds the container), also as an element of a tuple, list or
dict (`self.history.append(("failed", e))`); and `sys.exc_info()` stored the same way.

Look-alikes stay silent: chaining by hand (`new.__cause__ = e`), a name rebound before
the store, a local container the function clears, deletes or rebinds afterwards (as
`socket.create_connection` does), and `e` stored in a plain local variable.

LK003 reported this before it was split into one rule per cause: a `# noqa: LK003`
still silences it.

On by default: on real projects these findings are worth changing
(docs/precision.md).

## Why it leaks
An exception's `__traceback__` holds every frame it passed through, and each frame holds
all its local variables. Stored on `self` or in a local container, the exception closes
a cycle (the frame holds `self` or the container, which holds the exception, which holds
the frame): reference counting never frees it, and the objects wait for the cyclic
garbage collector, which runs on allocation counts, not bytes. Stored in a module-level
name, nothing is a cycle, but every frame's locals stay allocated as long as the name
holds the exception, often until exit.

## Example
```python
class Job:
    def run(self):
        try:
            self.work()
        except OSError as e:
            self.error = e
```

## Fix
```python
class Job:
    def run(self):
        try:
            self.work()
        except OSError as e:
            self.error = e.with_traceback(None)
```
`e` is stored as `e.with_traceback(None)`, only where the file shows that nothing else
reads the traceback (see Fix safety). Otherwise no fix, and the detail says why and
names the cure (store `traceback.format_exc()` text, or set the stored exception to
`None` once it is handled).

## Fix safety
The one fix is unsafe. `with_traceback(None)` clears the traceback of the exception
object in place, so every holder of that object loses it. It is offered only when all of
these hold, and otherwise reported with no fix and the reason ("the traceback may still
be read: ..."):
- the handler itself does not need the traceback: no re-raise (`raise`, `raise e`), no
  other `raise` that chains `e` (`raise X`, `raise X from e`; `raise X from None` is
  fine), no read of `e.__traceback__`, no call that reads the handled exception or a
  traceback (`logging`'s `exception()` or `exc_info=`, `traceback.*`, `sys.exc_info()`),
  `e` passed to no call but `str`, `repr`, `type`, `isinstance` and the like, not
  returned, yielded, stored where this rule does not report it, or read by a nested
  function or lambda;
- after the store the handler calls nothing but harmless builtins (`str`, `repr`, `len`,
  `isinstance`, `print`, a builtin exception's constructor): a helper may call
  `sys.exc_info()` or `traceback.print_exc()`;
- the `try` body does not receive an exception that something else holds: no `await`,
  `yield`, `.result()` or `.exception()` (a future keeps its exception), and no `raise`
  of an existing object;
- the stored place is read nowhere else in the file but to write it, add to it, test it,
  or through `str()`, `repr()`, `len()` or `.args`: for `self.error = e` no other read
  of an attribute `error`, for `self.errors.append(e)`, a module-level `ERRORS` or a
  local container no other read of that attribute or name; the file names the attribute
  in no string, uses no `vars()` or `__dict__`, and a local container is no parameter.

Exceptions chained to the stored one keep their tracebacks. A read from another module
(`job.error` imported elsewhere) cannot be seen from this file.
"#;

// Off by default: 51 of 80 findings (64%) worth changing on 37 real projects
// (docs/precision.md); most of the rest keep the exception for its traceback on
// purpose (re-raised later, or handed out by an API that promises it).
pub static STORED_EXCEPTION: CycleRule = CycleRule {
    cause: Cause::StoredException,
    name: "stored-exception",
    doc: DOC,
    fix_safety: FixSafety {
        safe: false,
        unsafe_fix: true,
        no_fix: true,
    },
    former_codes: &["LK003"],
};
