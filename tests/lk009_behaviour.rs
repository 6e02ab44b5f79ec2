//! LK009's fixes, run: for every fixture whose fix applies, CPython loads the original
//! and the fixed text (each in a namespace of its own, with the cyclic collector off),
//! and for each case of the fixture's check creates the object, deletes its last name,
//! then runs every finalizer still alive, as the interpreter does at exit. The fix must:
//!   - let reference counting free the object (in the original it stays alive: the
//!     finalizer holds it, which is the finding);
//!   - run the finalizer when the object is freed, with everything it does done by then;
//!   - leave the same effects, in the same order, as the original's finalizer run at
//!     exit (same callback, same values).
//!
//! `weakref.finalize` is replaced, before the fixture loads, by a subclass that records
//! each finalizer made, so the check knows which belong to the object. Each case's
//! effects are what the fixture's callbacks record (`LOG`, or a list passed in).
//!
//! Each fixture is fixed with the settings its first line asks for (`# fixture: ...`, as
//! in `tests/fixtures.rs`). `every_lk009_fixture_is_covered_or_skipped_with_a_reason`
//! compares the covered and skipped lists with `tests/fixtures/lk009/`, so a fixture
//! added later, or one that gains a fix, cannot be forgotten.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use pyleak_fix::engine::fix_text;

mod common;
use common::{assert_every_fixture_listed, settings_for, NO_FINDING, NO_FIX, UNSAFE_OFF};

/// Runs the fixture in a fresh namespace and each case of `CASES` (a list of
/// `(label, make, effects)`: `make(ns)` returns a new object, `effects(ns)` what its
/// finalizer did). Prints one line per case: `LABEL<tab>collected<tab>AT_FREE<tab>AT_EXIT`,
/// where `collected` says whether deleting the last name freed the object, `AT_FREE` the
/// effects right after that, and `AT_EXIT` the effects once every finalizer still alive
/// has run.
const HARNESS: &str = r#"
import gc, sys, weakref
gc.disable()
path = sys.argv[1]
made = []

class RecordingFinalize(weakref.finalize):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        made.append(self)

weakref.finalize = RecordingFinalize
ns = {"__name__": "fixture"}
with open(path, encoding="utf-8") as handle:
    exec(compile(handle.read(), path, "exec"), ns)

CASES = [
CHECK
]

for label, make, effects in CASES:
    first = len(made)
    obj = make(ns)
    finalizers = made[first:]
    assert finalizers, f"{label}: no finalizer made"
    ref = weakref.ref(obj)
    del obj
    collected = ref() is None
    at_free = repr(effects(ns))
    for finalizer in finalizers:
        finalizer()
    at_exit = repr(effects(ns))
    print(f"{label}\t{collected}\t{at_free}\t{at_exit}")
"#;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lk009")
}

/// `(label, collected, effects at free, effects at exit)` per case.
fn run(dir: &Path, name: &str, text: &str, check: &str) -> Vec<(String, bool, String, String)> {
    let module = dir.join(name);
    fs::write(&module, text).unwrap();
    let output = Command::new("python3")
        .arg("-c")
        .arg(HARNESS.replace("CHECK", check))
        .arg(&module)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{name}: a finalizer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split('\t').collect();
            let [label, collected, at_free, at_exit] = parts[..] else {
                panic!("{name}: unexpected line {line:?}");
            };
            (
                label.to_string(),
                collected == "True",
                at_free.to_string(),
                at_exit.to_string(),
            )
        })
        .collect()
}

fn assert_fix_frees(fixture: &str, check: &str) {
    let original = fs::read_to_string(fixture_dir().join(fixture)).unwrap();
    let outcome = fix_text(&original, &settings_for("lk009", &original)).unwrap();
    assert!(outcome.changed(&original), "{fixture}: no fix applied");
    let dir = tempfile::tempdir().unwrap();
    let before = run(dir.path(), "original.py", &original, check);
    let after = run(dir.path(), "fixed.py", &outcome.fixed, check);
    assert_eq!(
        before.len(),
        after.len(),
        "{fixture}: the same cases in both"
    );
    assert!(!before.is_empty(), "{fixture}: the check has no case");
    for (original, fixed) in before.iter().zip(&after) {
        let label = &original.0;
        assert!(
            !original.1,
            "{fixture}: {label}: the original's finalizer should keep the object alive"
        );
        assert!(
            fixed.1,
            "{fixture}: {label}: the fixed version should be freed by reference counting"
        );
        assert_eq!(
            fixed.2, fixed.3,
            "{fixture}: {label}: the fixed finalizer should have run when the object was freed"
        );
        assert_eq!(
            original.3, fixed.3,
            "{fixture}: {label}: the finalizer should do the same as the original's at exit"
        );
        assert_ne!(
            original.3, original.2,
            "{fixture}: {label}: the check should observe the finalizer's effect"
        );
    }
}

/// One test per fixture, and `COVERED`, the list of fixtures they cover.
macro_rules! behaviour_tests {
    ($($test:ident: $fixture:literal => $check:expr;)*) => {
        const COVERED: &[&str] = &[$($fixture),*];
        $(
            #[test]
            fn $test() {
                assert_fix_frees($fixture, $check);
            }
        )*
    };
}

/// Fixtures not covered, and why; checked by
/// `every_lk009_fixture_is_covered_or_skipped_with_a_reason`.
const SKIPPED: &[(&str, &str)] = &[
    ("aliases.py", UNSAFE_OFF),
    ("atexit_and_signal.py", NO_FIX),
    ("finalize_holds_object.py", UNSAFE_OFF),
    ("fix_declines.py", NO_FIX),
    ("fix_declines_alias_subclass.py", NO_FIX),
    ("fix_declines_eval.py", NO_FIX),
    ("fix_declines_nested_class.py", NO_FIX),
    ("fix_declines_new.py", NO_FIX),
    ("fix_declines_caller_object.py", NO_FIX),
    ("fix_declines_object_setattr.py", NO_FIX),
    ("fix_declines_rebound_method.py", NO_FIX),
    ("fix_declines_reflection.py", NO_FIX),
    ("fix_declines_reinit.py", NO_FIX),
    ("fix_declines_star_import.py", NO_FIX),
    ("fix_declines_type_subclass.py", NO_FIX),
    ("fix_declines_used_by_name.py", NO_FIX),
    ("local_alias_and_getattr.py", NO_FIX),
    ("ok_callback_default_value.py", NO_FINDING),
    ("ok_look_alikes.py", NO_FINDING),
    ("weakref_callbacks.py", NO_FIX),
];

behaviour_tests! {
    a_finalizer_given_the_values_frees_the_object_and_does_the_same: "fix_finalize_method.py" => r#"
("Resource: close reads two attributes, gets a positional argument",
 lambda ns: ns["Resource"]("r", ["handle"]), lambda ns: list(ns["LOG"])),
("NoAttributes: say reads no attribute, gets a keyword argument",
 lambda ns: ns["NoAttributes"](), lambda ns: list(ns["LOG"])),
"#;
    the_import_the_file_already_has_is_used: "fix_imports.py" => r#"
("Spool: `t.SimpleNamespace`, `finalize` imported by name",
 lambda ns: ns["Spool"]("s"), lambda ns: list(ns["LOG"])),
"#;
}

/// Every LK009 fixture is covered above or skipped for a reason that holds.
#[test]
fn every_lk009_fixture_is_covered_or_skipped_with_a_reason() {
    assert_every_fixture_listed("lk009", COVERED, SKIPPED);
}
