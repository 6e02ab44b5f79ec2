//! LK006 bound-method-on-self: a bound method stored where its own instance holds it.
//! The analysis lives in [`super::cycles`], shared with LK003, LK004, LK005 and LK007.

use super::cycles::{Cause, CycleRule};
use super::FixSafety;

const DOC: &str = r#"# LK006 bound-method-on-self

## What it finds
In a method, a bound method of the instance stored where that instance holds it:
`self.callback = self.on_done`, also inside `functools.partial(self.on_done, ...)` or a
dict, list, set or tuple display, when `on_done` is a plain `def` of the class (no
decorator, never assigned on the instance).

Where it is stored does not change the cycle, so all of these are this rule: on an
attribute of the instance (`self.callback = self.on_done`), on an object the instance
holds (`self.parser.print_help = self._help`), and in a dict or list the instance holds
(`self.handlers = {KEY: self.on_key}`, `self.handlers[KEY] = self.on_key`).

LK003 reported this before it was split into one rule per cause: a `# noqa: LK003`
still silences it.

Off by default: on real projects these are mostly deliberate dispatch tables, state
machines and callbacks that live as long as their object (docs/precision.md). Select it
with `--extend-select LK006`.

## Why it leaks
A bound method holds its instance (`self.on_done.__self__ is self`). Stored where the
instance holds it, it makes the instance refer to itself: reference counting never
frees the instance, which stays allocated, with everything it holds, after its last name
goes away, until the cyclic garbage collector runs (on allocation counts, not bytes).

## Example
```python
class Download:
    def __init__(self):
        self.callback = self.on_done
```

## Fix
No automatic fix: a `weakref.WeakMethod` must be called to get the method back, which
changes every caller. The detail names the cure: call the method directly where it is
needed, or store `weakref.WeakMethod(self.on_done)`.

## Fix safety
No fix is offered, so none can change behaviour.
"#;

// LK003 reported this cause before the split: its `# noqa` keeps working.
pub static BOUND_METHOD_ON_SELF: CycleRule = CycleRule {
    cause: Cause::BoundMethod,
    name: "bound-method-on-self",
    doc: DOC,
    fix_safety: FixSafety {
        safe: false,
        unsafe_fix: false,
        no_fix: true,
    },
    former_codes: &["LK003"],
};
