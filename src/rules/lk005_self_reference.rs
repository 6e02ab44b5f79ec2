//! LK005 self-reference: an object that refers to itself. The analysis lives in
//! [`super::cycles`], shared with LK003, LK004, LK006 and LK007.

use super::cycles::{self, Cause};
use super::{Finding, FixSafety, Rule};
use crate::settings::Settings;
use crate::source::SourceFile;

const CAUSE: Cause = Cause::SelfReference;

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

pub struct SelfReference;

impl Rule for SelfReference {
    fn code(&self) -> &'static str {
        CAUSE.code()
    }

    fn name(&self) -> &'static str {
        "self-reference"
    }

    fn doc(&self) -> &'static str {
        DOC
    }

    fn default_enabled(&self) -> bool {
        false
    }

    fn fix_safety(&self) -> FixSafety {
        FixSafety {
            safe: false,
            unsafe_fix: false,
            no_fix: true,
        }
    }

    fn former_codes(&self) -> &'static [&'static str] {
        // LK003 reported this cause before the split: its `# noqa` keeps working.
        &["LK003"]
    }

    fn might_match(&self, text: &str, _settings: &Settings) -> bool {
        cycles::might_match(text)
    }

    fn check(&self, file: &SourceFile, settings: &Settings, findings: &mut Vec<Finding>) {
        findings.extend(cycles::findings(CAUSE, file, settings));
    }
}
