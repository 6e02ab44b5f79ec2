//! LK003 reference-cycle: objects that refer to each other (mutual links,
//! back-references, a back-link set in a loop over children). The analysis lives in
//! [`super::cycles`], shared with LK004 to LK007.

use super::cycles::{Cause, CycleRule};
use super::FixSafety;

const DOC: &str = r#"# LK003 reference-cycle

## What it finds
Statements that close a reference cycle between two or more objects, within one
function, method or module body:

1. **Mutual links** between names: `a.f = b`, `a[k] = b`, `a.append(b)`, `a.add(b)`,
   `a.insert(i, b)`, `a.setdefault(k, b)` make `a` refer to `b`; the statement that lets
   the names reach themselves again is reported, once per cycle. Rebinding or deleting a
   name forgets its links; two statements in different branches of one `if`, `match`,
   or in two `except` clauses of one `try`, are never combined.
2. **Back-references** in one method: `self.parent = parent` together with
   `parent.children.append(self)` (or `.add(self)`, `parent.children[k] = self`,
   `parent.child = self`), and `child.parent = self` with `self.children.append(child)`.
3. **A back-link set in a loop** over the children: `for sub in tree.children:
   sub.parent = tree`.

Look-alikes that create no cycle stay silent: `a.next = b; b.prev = c`, a link whose
value is already a `weakref`, names unpacked out of an existing structure
(`prev, nxt, key = self.map.pop(key)`: re-linking what was built elsewhere), and
storing on a class (a class is in a cycle of its own through `__mro__` and lives as
long as its module). An object that refers to itself is LK005.

Off by default: on real projects most such cycles are by design (trees with parent
links, doubly linked structures); see docs/precision.md. Select it with
`--extend-select LK003`.

## Why it leaks
Reference counting frees an object the moment its last reference goes away, but the
objects of a cycle keep each other's counts above zero. They are freed only when the
cyclic garbage collector runs, and it runs after a number of allocations, not of bytes:
a cycle holding a large buffer, a GPU tensor or a socket stays allocated long after the
last name is gone. The memory is not lost for good; it is freed late, and a program
that makes such cycles in a loop can grow much larger than its live data.

## Example
```python
class Leaf:
    def __init__(self, parent: Tree):
        self.parent = parent
        parent.children.append(self)
```

## Fix
No automatic fix. A weak link is safe only while something else owns the referent, and
one function cannot show that: in `Leaf(Tree())` or `Tree().grow()` the link is the
only reference to the tree, and a `weakref.proxy` raises `ReferenceError` (a
`weakref.ref`-backed property reads `None`) in a program that worked. The finding's
detail names the cure: where the code shows the referent has an owner, make the link
weak by hand (`weakref.ref`, or a property backed by it), or break the cycle explicitly
when done (set the link to `None`). It also says when a weak link would not even fit (a
one-to-one link, a container item, a class with `__slots__`, a referent not shown to
accept weak references).

## Fix safety
No fix is offered, so none can change behaviour.
"#;

pub static REFERENCE_CYCLE: CycleRule = CycleRule {
    cause: Cause::ObjectCycle,
    name: "reference-cycle",
    doc: DOC,
    fix_safety: FixSafety {
        safe: false,
        unsafe_fix: false,
        no_fix: true,
    },
    former_codes: &[],
};
