//! LK005 self-reference: an object that refers to itself. The analysis lives in
//! [`super::cycles`], shared with LK003, LK004, LK006 and LK007.

use super::cycles::{Cause, CycleRule};
use super::FixSafety;

const DOC: &str = r#"# LK005 self-reference

## What it finds
A statement that makes an object refer to itself: `x.attr = x`, `self.me = self`,
`self.__dict__ = self`, `lst.append(lst)`, `d[k] = d`, within one function, method or
module body.

Look-alikes stay silent: `self.name = self.name.strip()`, `self.items = list(self.items)`,
`self.copy = copy.copy(self)`, `a[1:] = a` (a copy of the items), and storing on a class
(`cls.marker = cls`: a class refers to itself through `__mro__` already).

LK003 reported this before it was split into one rule per cause: a `# noqa: LK003`
still silences it.

Off by default: on real projects most self-references are deliberate markers or
singletons (docs/precision.md). Select it with `--extend-select LK005`.

## Why it leaks
An object that refers to itself is a cycle of one: its reference count never drops to
zero, so reference counting never frees it. It stays allocated, with everything it
holds, after its last name goes away, until the cyclic garbage collector runs, which
happens on allocation counts, not bytes.

## Example
```python
class Node:
    def __init__(self):
        self.root = self
```

## Fix
No automatic fix: what replaces the link depends on what reads it. The detail names the
usual cure: a property that returns `self` (`__getattr__` for `__dict__`), or keeping a
container out of its own items.

## Fix safety
No fix is offered, so none can change behaviour.
"#;

// LK003 reported this cause before the split: its `# noqa` keeps working.
pub static SELF_REFERENCE: CycleRule = CycleRule {
    cause: Cause::SelfReference,
    name: "self-reference",
    doc: DOC,
    fix_safety: FixSafety {
        safe: false,
        unsafe_fix: false,
        no_fix: true,
    },
    former_codes: &["LK003"],
};
