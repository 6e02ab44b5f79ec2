//! LK001's fixes, run: for fixtures whose fix is meant to keep behaviour, CPython loads
//! the original and the fixed module side by side (in one process, so that set orders
//! agree) and, for each call listed, checks what the fix promises:
//!   - the first call without the argument gives the same result in both;
//!   - a second call without it gives the first call's result again in the fixed module
//!     (a fresh default each call: nothing accumulates), and a new object;
//!   - in the original, the accumulating functions do accumulate (the bug is real);
//!   - with the argument passed, both give the same results.

use std::fs;
use std::path::Path;
use std::process::Command;

use pyleak_fix::engine::fix_text;
use pyleak_fix::settings::Settings;

/// `CALLS` is a list of `(function path, positional args, keyword args, argument that
/// replaces the default, accumulates)`. Results are compared by `repr`.
const HARNESS: &str = r#"
import copy, sys

def load(path):
    ns = {"__name__": "fixture"}
    with open(path, encoding="utf-8") as handle:
        exec(compile(handle.read(), path, "exec"), ns)
    return ns

def lookup(ns, dotted):
    head, *rest = dotted.split(".")
    value = ns[head]
    for name in rest:
        if isinstance(value, type):
            value = value()
        value = getattr(value, name)
    return value

def call(ns, dotted, args, kwargs):
    result = lookup(ns, dotted)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    return result, repr(result)

CALLS = [CALLS_HERE]
for dotted, args, kwargs, passed, accumulates in CALLS:
    # Fresh modules for each case: the first call is the first.
    original, fixed = load(sys.argv[1]), load(sys.argv[2])
    where = f"{dotted}{tuple(args)}"
    first_orig = call(original, dotted, args, kwargs)[1]
    fixed_first, fixed_first_repr = call(fixed, dotted, args, kwargs)
    assert first_orig == fixed_first_repr, f"{where}: first call {first_orig} != {fixed_first_repr}"
    fixed_second, fixed_second_repr = call(fixed, dotted, args, kwargs)
    assert fixed_second_repr == fixed_first_repr, f"{where}: the fixed default accumulates: {fixed_second_repr}"
    if fixed_first is not None and not isinstance(fixed_first, (int, str, tuple)):
        assert fixed_second is not fixed_first, f"{where}: the fixed function returns a shared object"
    second_orig = call(original, dotted, args, kwargs)[1]
    if accumulates:
        assert second_orig != first_orig, f"{where}: the original was expected to accumulate"
    if passed is not None:
        name, value = passed
        with_arg = dict(kwargs, **{name: value})
        a = call(original, dotted, args, with_arg)[1]
        b = call(fixed, dotted, args, with_arg)[1]
        assert a == b, f"{where} with {name}={value!r}: {a} != {b}"
print(len(CALLS))
"#;

fn settings() -> Settings {
    let mut settings = Settings::default();
    settings.select_rules(&["LK001".to_string()], &[]).unwrap();
    settings.unsafe_fixes = true;
    settings
}

/// Fixes the fixture, then runs the harness over `calls` (Python tuples, one a line).
fn assert_fix_keeps_behaviour(fixture: &str, calls: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lk001")
        .join(fixture);
    let original = fs::read_to_string(&path).unwrap();
    let outcome = fix_text(&original, &settings()).unwrap();
    assert!(outcome.changed(&original), "{fixture}: no fix applied");
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("original.py"), dir.path().join("fixed.py"));
    fs::write(&before, &original).unwrap();
    fs::write(&after, &outcome.fixed).unwrap();
    let output = Command::new("python3")
        .arg("-c")
        .arg(HARNESS.replace("CALLS_HERE", calls))
        .arg(&before)
        .arg(&after)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{fixture}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let checked: usize = String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(checked > 0);
}

#[test]
fn displays_get_a_fresh_default_per_call() {
    assert_fix_keeps_behaviour(
        "displays.py",
        r#"
("add_to_list", [1], {}, ("my_list", [0]), True),
("register", ["k", "v"], {}, ("registry", {"a": 1}), False),
("register", ["k2", "v"], {}, None, False),
("remember", [3], {}, ("seen", {9}), False),
("remember", [5], {}, None, False),
("squares", [4], {}, ("table", [7]), True),
("index", [["x"]], {}, ("by_len", {}), False),
("unique", ["z"], {}, ("pool", set()), False),
("parenthesized", [1], {}, ("acc", [2]), True),
"#,
    );
}

#[test]
fn constructor_calls_get_a_fresh_default_per_call() {
    assert_fix_keeps_behaviour(
        "calls.py",
        r#"
("builtins_", [], {}, ("a", [1]), False),
("from_collections", [], {}, ("b", {}), False),
("more_collections", [], {}, ("a", {}), False),
"#,
    );
}

#[test]
fn every_parameter_kind_gets_a_fresh_default_per_call() {
    assert_fix_keeps_behaviour(
        "parameter_kinds.py",
        r#"
("positional_only", [1], {}, None, False),
("keyword_only", [1], {}, ("b", {"x": 1}), False),
("mixed", [], {}, ("d", {1}), False),
("mixed", [[1], {2: 3}, 4, 5], {"e": 6}, None, False),
"#,
    );
}

#[test]
fn one_line_bodies_get_a_fresh_default_per_call() {
    assert_fix_keeps_behaviour(
        "one_liners.py",
        r#"
("simple", [], {}, ("x", [1]), False),
("several", [1], {}, ("acc", [0]), True),
("with_docstring", [], {}, ("acc", {1: 2}), False),
("C.method", [], {}, ("acc", [3]), False),
"#,
    );
}
