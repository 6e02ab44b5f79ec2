//! LK010's fixes, run: for every fixture whose fix changes the file, CPython loads the
//! original and the fixed module side by side and, for each case listed (a class, the
//! arguments to make an instance, a method that adds to the attribute with its
//! arguments, the attribute), checks what the fix promises:
//!   - the original class has the attribute; the fixed class (and its bases) no longer
//!     holds it, the fixed instance does;
//!   - a first instance behaves the same in both: the method returns the same and leaves
//!     the attribute with the same contents, which differ from the initial value (the
//!     method does grow it);
//!   - in the original a second instance sees the very object the first one grew (the
//!     bug is real); in the fixed module a second instance starts from the initial value,
//!     with an object of its own.
//!
//! Every class attribute the fix removes (found with `ast`) must be the subject of a
//! case, so no fix goes unexercised. `every_lk010_fixture_is_covered_or_skipped_with_a_reason`
//! compares the covered and skipped lists with `tests/fixtures/lk010/`.

use std::fs;
use std::path::Path;
use std::process::Command;

use pyleak_fix::engine::fix_text;

mod common;
use common::{assert_every_fixture_listed, settings_for, NO_FINDING, NO_FIX};

const HARNESS: &str = r#"
import ast, re, sys

def load(path):
    ns = {"__name__": "fixture"}
    with open(path, "rb") as handle:
        exec(compile(handle.read(), path, "exec", dont_inherit=True), ns)
    return ns

def describe(value):
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))

def class_attributes(path):
    """{(class name, attribute)} for `NAME = ...` statements directly in class bodies."""
    with open(path, "rb") as handle:
        tree = ast.parse(handle.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                targets = []
                if isinstance(statement, ast.Assign):
                    targets = statement.targets
                elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                    targets = [statement.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        found.add((node.name, target.id))
    return found

CASES = [CASES_HERE]
exercised = set()
for class_name, made_with, method, args, attribute in CASES:
    where = f"{class_name}.{method}{args!r} on {attribute}"
    original, fixed = load(sys.argv[1]), load(sys.argv[2])
    O, F = original[class_name], fixed[class_name]
    assert hasattr(O, attribute), f"{where}: the original class has no `{attribute}`"
    assert not hasattr(F, attribute), f"{where}: the fixed class still has `{attribute}`"
    if attribute in vars(O):
        exercised.add((class_name, attribute))
    initial = describe(getattr(O, attribute))

    o1, f1 = O(*made_with), F(*made_with)
    assert attribute in vars(f1), f"{where}: the fixed instance has no `{attribute}` of its own"
    r1, q1 = getattr(o1, method)(*args), getattr(f1, method)(*args)
    assert describe(r1) == describe(q1), f"{where}: returns {describe(r1)} then {describe(q1)}"
    s1, t1 = describe(getattr(o1, attribute)), describe(getattr(f1, attribute))
    assert s1 == t1, f"{where}: the first instance holds {s1} in the original, {t1} fixed"
    assert s1 != initial, f"{where}: the method does not grow `{attribute}` ({s1})"

    o2, f2 = O(*made_with), F(*made_with)
    assert getattr(o2, attribute) is getattr(o1, attribute), f"{where}: the original does not share it"
    assert describe(getattr(f2, attribute)) == initial, f"{where}: a second fixed instance starts from {describe(getattr(f2, attribute))}, not {initial}"
    assert getattr(f2, attribute) is not getattr(f1, attribute), f"{where}: the fixed instances share it"

removed = class_attributes(sys.argv[1]) - class_attributes(sys.argv[2])
assert removed == exercised, f"the fix removed {sorted(removed)}, the cases exercise {sorted(exercised)}"
print(len(CASES))
"#;

/// Fixes the fixture with its own settings and runs the harness over `cases`, Python
/// tuples `(class, constructor arguments, method, method arguments, attribute)`.
fn assert_fix_keeps_behaviour(fixture: &str, cases: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lk010")
        .join(fixture);
    let original = fs::read_to_string(&path).unwrap();
    let outcome = fix_text(&original, &settings_for("lk010", &original)).unwrap();
    assert!(outcome.changed(&original), "{fixture}: no fix applied");
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("original.py"), dir.path().join("fixed.py"));
    fs::write(&before, &original).unwrap();
    fs::write(&after, &outcome.fixed).unwrap();
    let output = Command::new("python3")
        .arg("-c")
        .arg(HARNESS.replace("CASES_HERE", cases))
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

macro_rules! behaviour_tests {
    ($($test:ident: $fixture:literal => $cases:literal)*) => {
        const COVERED: &[&str] = &[$($fixture),*];
        $(
            #[test]
            fn $test() {
                assert_fix_keeps_behaviour($fixture, $cases);
            }
        )*
    };
}

behaviour_tests! {
    session_example: "session_example.py" => r#"
        ("Session", (), "record", ("login",), "history"),
    "#
    mutations: "mutations.py" => r#"
        ("Appends", (), "add", (1,), "items"),
        ("Extends", (), "add", ([1, 2],), "items"),
        ("Inserts", (), "add", (5,), "items"),
        ("ItemAssignment", (), "put", ("k", 1), "table"),
        ("AugmentedList", (), "add", (1,), "log"),
        ("AugmentedSet", (), "add", (1,), "seen"),
        ("SetDefault", (), "add", ("k", 1), "groups"),
        ("Defaults", (), "add", ("k",), "groups"),
        ("Ordered", (), "touch", ("k",), "recent"),
        ("Counts", (), "see", ("w",), "counts"),
        ("Queue", (), "push", (1,), "pending"),
        ("Comprehension", (), "add", (5,), "squares"),
        ("InClosure", (), "on", (print,), "callbacks"),
        ("OtherReceiver", (), "join", ("m",), "members"),
        ("SortedToo", (), "add", (0,), "order"),
    "#
    existing_init: "existing_init.py" => r#"
        ("Plain", ("n",), "add", (1,), "items"),
        ("Documented", (), "add", (1,), "items"),
        ("OnlyDocstring", (), "add", (1,), "items"),
        ("CallsSuper", ("m",), "note", ("k", 1), "details"),
        ("CallsBaseByName", (), "push", (1,), "extra"),
        ("Annotated", (), "see", ("x",), "names"),
        ("MultiLine", (), "put", ("c",), "table"),
    "#
    no_init: "no_init.py" => r#"
        ("Unseen", (), "push", (1,), "queue"),
        ("FromLocal", (), "hit", ("k",), "hits"),
        ("ExplicitObject", (), "add", (1,), "first"),
        ("ExplicitObject", (), "add", (2,), "second"),
        ("Subclassed", (), "add", (1,), "items"),
        ("Child", ("n",), "add", (1,), "items"),
    "#
}

#[test]
fn every_lk010_fixture_is_covered_or_skipped_with_a_reason() {
    assert_every_fixture_listed(
        "lk010",
        COVERED,
        &[("declines.py", NO_FIX), ("ok_look_alikes.py", NO_FINDING)],
    );
}
