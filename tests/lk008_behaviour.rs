//! LK008 offers no fix, so there is no fixed text to run. What runs instead is the rule's
//! claim: CPython loads each fixture and checks that every method the rule reports keeps
//! the instances it is called on (alive after their last name is deleted and the cyclic
//! collector has run), as many as the message says, and that the look-alikes it leaves
//! alone do not (a static method's cache holds no instance; a cache above
//! `@staticmethod` caches nothing through an instance; a per-instance cache dies with its
//! instance; a bounded cache on a value type shares one entry between equal instances).
//!
//! `every_lk008_fixture_is_checked_or_skipped_with_a_reason` compares the fixtures the
//! checks load with `tests/fixtures/lk008/`, and checks that no fixture gets a fix.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{assert_every_fixture_listed, NO_FINDING, NO_FIX};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lk008")
}

/// `load(name)` runs a fixture in a namespace of its own; `kept(make, use)` makes an
/// object, uses it, deletes it, collects, and says whether it is still alive.
const PRELUDE: &str = r#"
import asyncio, gc, os, sys, weakref
directory = sys.argv[1]
loaded = []

def load(name):
    loaded.append(name)
    ns = {"__name__": "fixture"}
    with open(os.path.join(directory, name), encoding="utf-8") as handle:
        exec(compile(handle.read(), name, "exec"), ns)
    return ns

def kept(make, use):
    obj = make()
    ref = weakref.ref(obj)
    use(obj)
    del obj
    gc.collect()
    return ref() is not None
"#;

const CHECKS: &str = r#"
d = load("decorators.py")
Report = d["Report"]
uses = {
    "total": lambda r: r.total(), "mean": lambda r: r.mean(), "above": lambda r: r.above(1),
    "below": lambda r: r.below(1), "nth": lambda r: r.nth(0), "every": lambda r: r.every(1), "scaled": lambda r: r.scaled(2),
    "shifted": lambda r: r.shifted(1), "first": lambda r: r.first(), "last": lambda r: r.last(),
    "size": lambda r: r.size, "parenthesized": lambda r: r.parenthesized(),
    "fetch": lambda r: asyncio.run(r.fetch(1)), "conditional": lambda r: r.conditional(),
    "variadic": lambda r: r.variadic(),
}
for name, use in uses.items():
    assert kept(lambda: Report([1, 2, 3]), use), f"Report.{name} does not keep its instance"
Local = d["make_class"]()
assert kept(Local, lambda o: o.get(1)), "Local.get"

class Concrete(d["Base"]):
    pass
# The cached abstract method stays abstract; a subclass that inherits it caches on `self`.
assert getattr(d["Base"].compute, "__isabstractmethod__", False)
Concrete.__abstractmethods__ = frozenset()
assert kept(Concrete, lambda o: o.compute(1)), "Base.compute"

# A bounded cache keeps the last `maxsize` calls' instances, and drops older ones.
reports = [Report([i]) for i in range(129)]
refs = [weakref.ref(r) for r in reports]
for r in reports:
    r.nth(0)
del reports, r
gc.collect()
alive = [ref() is not None for ref in refs]
assert alive == [False] + [True] * 128, "lru_cache(128) keeps the last 128 instances"
reports = [Report([i]) for i in range(2)]
refs = [weakref.ref(r) for r in reports]
for r in reports:
    r.last()
del reports, r
gc.collect()
assert [ref() is not None for ref in refs] == [False, True], "lru_cache(1) keeps the last one"

a = load("assignments.py")
Table = a["Table"]
for name, use in {"lookup": lambda t: t.lookup(1), "count": lambda t: t.count(),
                  "width": lambda t: t.width("ab"), "height": lambda t: t.height}.items():
    assert kept(Table, use), f"Table.{name} does not keep its instance"

n = load("noqa.py")
for name in ("silenced_by_bugbear_code", "silenced_by_own_code", "other_code_does_not_silence"):
    assert kept(n["Client"], lambda c: getattr(c, name)()), f"Client.{name}"

v = load("value_types_unbounded.py")
# A NamedTuple takes no weak reference: count the distinct points the cache holds.
for i in range(50):
    v["Point"](i, i).norm()
assert v["Point"].norm.cache_info().currsize == 50, "every distinct point is kept"
assert kept(lambda: v["Size"](1, 2), lambda s: s.area())
assert kept(lambda: v["Mutable"](3), lambda m: m.doubled())

o = load("ok_not_instance_methods.py")
Registry = o["Registry"]
assert Registry.parse("a b") == ["a", "b"]
assert not kept(lambda: object.__new__(Registry), lambda r: r.parse("a b")), "staticmethod above"
try:
    object.__new__(Registry).parse_again("a b")
except TypeError:
    pass
else:
    raise AssertionError("the cache above @staticmethod passes the instance")
assert Registry.parse_again.cache_info().currsize == 0, "nothing cached through an instance"
assert Registry.parse_again("a b") == ["a", "b"]

l = load("ok_lookalikes.py")
Widget = l["Widget"]
assert not kept(lambda: Widget({1: 2}), lambda w: w.lookup(1)), "a per-instance cache"
assert not kept(lambda: Widget({1: 2}), lambda w: w.uncached()), "maxsize=0"
assert not kept(lambda: Widget({1: 2}), lambda w: w.negative()), "a negative maxsize"
assert not kept(lambda: Widget({1: 2}), lambda w: w.render()), "the file's own cache"
assert not kept(lambda: Widget({1: 2}), lambda w: w.method()), "a nested function's cache"
assert not kept(lambda: Widget([1, 2]), lambda w: w.total), "cached_property"
assert l["Color"].RED.describe() == "red"

b = load("ok_value_types_bounded.py")
Region = b["Region"]
Region(2, 3).area()
Region(2, 3).area()
assert Region.area.cache_info().currsize == 1, "equal values share one entry"
Style = b["Style"]
Style("a").combine(Style("b"))
Style("a").combine(Style("b"))
assert Style.combine.cache_info().currsize == 1

lb = load("local_bases.py")
assert kept(lb["Child"], lambda o: o.total()), "Child.total"
assert kept(lb["Address"], lambda o: o.is_private()), "Address.is_private"
assert kept(lb["IdentityHashed"], lambda o: o.check()), "IdentityHashed.check"
assert kept(lb["Color"].RED.helper(), lambda o: o.get()), "Inner.get"

ob = load("ok_local_bases.py")
assert ob["Color"].RED.label() == "red"
assert ob["Shade"].DARK.upper() == "DARK"
Registered = ob["SubSubMeta"]("Registered", (), {})
assert Registered.registry() == {} and Registered.plugins() == []
for name, method in (("Address", "is_private"), ("Address6", "is_private"), ("Scoped", "scope")):
    cls = ob[name]
    getattr(cls("10.0.0.1%eth0"), method)()
    getattr(cls("10.0.0.1%eth0"), method)()
    assert getattr(cls, method).cache_info().currsize == 1, f"{name}: equal values share one entry"

s = load("ok_shadowed.py")
assert "cache_info" not in dir(s["Thing"].value)
print("\n".join("LOADED " + name for name in sorted(set(loaded))))
"#;

#[test]
fn reported_methods_keep_their_instances_and_look_alikes_do_not() {
    let output = Command::new("python3")
        .arg("-c")
        .arg(format!("{PRELUDE}{CHECKS}"))
        .arg(fixture_dir())
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let loaded: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("LOADED "))
        .map(str::to_string)
        .collect();
    let mut listed: Vec<String> = SKIPPED.iter().map(|(name, _)| name.to_string()).collect();
    listed.sort();
    assert_eq!(loaded, listed, "the checks load every fixture");
}

/// No fixture gets a fix (the rule offers none): each is listed with why it has no
/// behaviour test of a fix. The leak checks above load every one of them.
const SKIPPED: &[(&str, &str)] = &[
    ("assignments.py", NO_FIX),
    ("decorators.py", NO_FIX),
    ("local_bases.py", NO_FIX),
    ("noqa.py", NO_FIX),
    ("ok_local_bases.py", NO_FINDING),
    ("ok_lookalikes.py", NO_FINDING),
    ("ok_not_instance_methods.py", NO_FINDING),
    ("ok_shadowed.py", NO_FINDING),
    ("ok_value_types_bounded.py", NO_FINDING),
    ("value_types_unbounded.py", NO_FIX),
];

#[test]
fn every_lk008_fixture_is_checked_or_skipped_with_a_reason() {
    assert_every_fixture_listed("lk008", &[], SKIPPED);
}
