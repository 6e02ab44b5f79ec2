//! LK007 closure-on-self: a closure over `self` stored on `self`. The analysis lives in
//! [`super::cycles`], shared with LK003, LK004, LK005 and LK006.

use super::cycles::{Cause, CycleRule};
use super::FixSafety;

const DOC: &str = r#"# LK007 closure-on-self

## What it finds
In a method, a closure that reads the instance stored on the instance:
`self.f = lambda: self.x`, or a nested `def` that reads `self`, assigned to `self.*` (or
an item of what `self` holds).

Look-alikes stay silent: a lambda that takes `self` as its own parameter, a closure that
does not read `self`, and a nested `def` that is also bound to something else.

LK003 reported this before it was split into one rule per cause: a `# noqa: LK003`
still silences it.

Off by default: on real projects these are mostly deliberate (a calling convention
chosen once, a callback that lives as long as its object; docs/precision.md). Select it
with `--extend-select LK007`.

## Why it leaks
A closure keeps the variables it reads in cells: a closure over `self` holds the
instance, and stored on the instance it makes the instance refer to itself. Reference
counting never frees it: it stays allocated, with everything it holds, after its last
name goes away, until the cyclic garbage collector runs (on allocation counts, not
bytes).

## Example
```python
class Button:
    def __init__(self):
        self.on_click = lambda: self.press()
```

## Fix
No automatic fix. The detail names the cure: make the closure a method of the class and
call it directly.

## Fix safety
No fix is offered, so none can change behaviour.
"#;

// LK003 reported this cause before the split: its `# noqa` keeps working.
pub static CLOSURE_ON_SELF: CycleRule = CycleRule {
    cause: Cause::Closure,
    name: "closure-on-self",
    doc: DOC,
    fix_safety: FixSafety {
        safe: false,
        unsafe_fix: false,
        no_fix: true,
    },
    former_codes: &["LK003"],
};
