//! The cycle rules' fixes (LK003 to LK007), run: for each fixture with a fix (since weak
//! links are no longer offered, only LK004's stored exceptions get one), CPython runs the original and the fixed
//! text, checks the structure still works (the stored exception's type and arguments),
//! then, with the cyclic
//! collector disabled, deletes the last names of the objects and asks weak references
//! whether reference counting alone freed them. Each group of objects a check tracks
//! (one per cycle the fixture closes) must still be alive in the original (they wait for
//! the collector) and must be gone in the fixed version. For a stored exception, the
//! group is an object local to a frame on the exception's traceback: the original keeps
//! it alive through the stored exception, the fixed version (`e.with_traceback(None)`)
//! does not (for an exception stored in a global, with the global still holding it).
//!
//! Every function the fix changes or adds (found with `ast`, by qualified name: the
//! property a back-reference becomes, the method whose statement it rewrites) must run
//! during the check, in both versions where it exists there, so no fix goes unexercised.
//!
//! Each fixture is fixed with the settings its first line asks for (`# fixture: ...`, as
//! in `tests/fixtures.rs`). `every_cycle_fixture_is_covered_or_skipped_with_a_reason`
//! compares the covered and skipped lists, each entry `RULE_DIR/FILE`, with
//! `tests/fixtures/lk003/` to `lk007/`, so a fixture added later, or one that gains a
//! fix, cannot be forgotten.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use pyleak_fix::engine::fix_text;

mod common;
use common::{assert_every_fixture_listed, settings_for, NO_FINDING, NO_FIX};

/// Runs the fixture as a module in a namespace of its own, then `check`, which calls
/// `track(label, *objects)` for each group of objects it created and deletes its names
/// for them. Prints each group's fate once `check` is done, `FATE<tab>LABEL` a line:
/// `kept` if any of its objects is still alive, `freed` if reference counting freed them
/// all. The fixture's namespace is then cleared and the cyclic collector must free
/// everything.
///
/// With a second path (the other version of the fixture), every function whose
/// definition differs between the two files, or exists in one only, must have run.
const HARNESS: &str = r#"
import ast, gc, sys, weakref
gc.disable()
path, other = sys.argv[1], sys.argv[2]
groups = {}

def track(label, *objects):
    groups.setdefault(label, []).extend(weakref.ref(o) for o in objects)

class Marker:
    """An object to leave in a frame's locals."""

called = set()
def profile(frame, event, arg):
    if event == "call" and frame.f_code.co_filename == path:
        called.add((frame.f_code.co_qualname, frame.f_code.co_firstlineno))

DEFINITIONS

sys.setprofile(profile)
ns = {"__name__": "fixture"}
with open(path, encoding="utf-8") as handle:
    exec(compile(handle.read(), path, "exec"), ns)
CHECK
sys.setprofile(None)
assert groups, "the check tracks no object"
states = {label: "freed" if all(ref() is None for ref in refs) else "kept"
          for label, refs in groups.items()}
ns.clear()
gc.collect()
for label, refs in groups.items():
    assert all(ref() is None for ref in refs), f"{label}: the cyclic collector frees them in any case"

if other:
    mine, theirs = definitions(path), definitions(other)
    changed = {name for name in mine.keys() | theirs.keys()
               if [d for _, d in mine.get(name, [])] != [d for _, d in theirs.get(name, [])]}
    missed = sorted(f"{name} (line {line})" for name in changed for line, _ in mine.get(name, [])
                    if (name, line) not in called)
    assert not missed, f"the check never runs these functions the fix changes: {missed}"
for label, state in sorted(states.items()):
    print(f"{state}\t{label}")
"#;

/// The rule directories of the cycle rules.
const RULE_DIRS: &[&str] = &["lk003", "lk004", "lk005", "lk006", "lk007"];

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Each tracked group's fate (`kept` or `freed`) once `check` has run over `text`, gc
/// disabled. `other` is the other version of the text, whose changed functions the check
/// must run; `None` skips that.
fn run(dir: &Path, name: &str, text: &str, other: Option<&str>, check: &str) -> String {
    let module = dir.join(name);
    fs::write(&module, text).unwrap();
    let other_path = dir.join(format!("other_{name}"));
    if let Some(other) = other {
        fs::write(&other_path, other).unwrap();
    }
    let script = HARNESS
        .replace("DEFINITIONS\n", common::PYTHON_DEFINITIONS)
        .replace("CHECK", check);
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&module)
        .arg(if other.is_some() {
            other_path.as_os_str()
        } else {
            "".as_ref()
        })
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// The `FATE<tab>LABEL` lines of `run` as `(label, fate)`.
fn fates(output: &str) -> Vec<(String, String)> {
    output
        .lines()
        .map(|line| {
            let (fate, label) = line.split_once('\t').expect("FATE<tab>LABEL");
            (label.to_string(), fate.to_string())
        })
        .collect()
}

/// `fixture` is `RULE_DIR/FILE`.
fn assert_fix_frees(fixture: &str, check: &str) {
    let original = fs::read_to_string(fixture_root().join(fixture)).unwrap();
    let (rule_dir, _) = fixture.split_once('/').expect("RULE_DIR/FILE");
    let outcome = fix_text(&original, &settings_for(rule_dir, &original)).unwrap();
    assert!(outcome.changed(&original), "{fixture}: no fix applied");
    let dir = tempfile::tempdir().unwrap();
    let before = run(
        dir.path(),
        "original.py",
        &original,
        Some(&outcome.fixed),
        check,
    );
    let after = run(
        dir.path(),
        "fixed.py",
        &outcome.fixed,
        Some(&original),
        check,
    );
    let (before, after) = (fates(&before), fates(&after));
    let labels =
        |fates: &[(String, String)]| fates.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>();
    assert_eq!(
        labels(&before),
        labels(&after),
        "{fixture}: the same groups in both"
    );
    for (label, fate) in before {
        assert_eq!(
            fate, "kept",
            "{fixture}: {label}: the original should wait for the cyclic collector"
        );
    }
    for (label, fate) in after {
        assert_eq!(
            fate, "freed",
            "{fixture}: {label}: the fixed version should be freed by reference counting"
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
/// `every_cycle_fixture_is_covered_or_skipped_with_a_reason`.
const SKIPPED: &[(&str, &str)] = &[
    ("lk003/back_reference_declines.py", NO_FIX),
    ("lk006/bound_methods.py", NO_FIX),
    ("lk007/closures.py", NO_FIX),
    ("lk004/exception_traceback_declines.py", NO_FIX),
    ("lk004/exception_traceback_still_used.py", NO_FIX),
    ("lk003/mixin_self_no_proxy.py", NO_FIX),
    ("lk003/mutual_links.py", NO_FIX),
    ("lk003/mutual_links_no_fix.py", NO_FIX),
    ("lk003/mutual_links_unpacked_from_call.py", NO_FIX),
    ("lk003/weak_link_declines.py", NO_FIX),
    ("lk003/weakref_import_deleted.py", NO_FIX),
    ("lk005/self_loops.py", NO_FIX),
    ("lk003/attribute_split_by_backslash.py", NO_FIX),
    ("lk003/back_link_in_a_loop.py", NO_FIX),
    ("lk003/back_reference.py", NO_FIX),
    ("lk003/back_reference_child.py", NO_FIX),
    ("lk003/crlf_tabs.py", NO_FIX),
    ("lk004/exception_from_a_future.py", NO_FIX),
    ("lk004/exception_helper_prints_traceback.py", NO_FIX),
    ("lk004/exception_reraised_from_another_method.py", NO_FIX),
    ("lk003/import_after_backslash_continuation.py", NO_FIX),
    ("lk003/weak_link_temporary_parent.py", NO_FIX),
    ("lk003/weak_property_temporary_parent.py", NO_FIX),
    ("lk003/weakref_alias.py", NO_FIX),
    ("lk003/weakref_import_after_dunders.py", NO_FIX),
    ("lk003/weakref_import_conditional.py", NO_FIX),
    ("lk003/weakref_import_in_main_block.py", NO_FIX),
    ("lk004/ok_exception_chaining.py", NO_FINDING),
    ("lk004/ok_noqa_former_code.py", NO_FINDING),
    ("lk005/ok_look_alikes.py", NO_FINDING),
    ("lk003/ok_loop_look_alikes.py", NO_FINDING),
    ("lk006/ok_not_methods.py", NO_FINDING),
    ("lk003/ok_rebinding_and_branches.py", NO_FINDING),
    ("lk004/ok_stdlib_nonlocal_exception.py", NO_FINDING),
    ("lk003/ok_stdlib_ordered_dict.py", NO_FINDING),
    ("lk005/ok_stdlib_slices_and_classes.py", NO_FINDING),
    ("lk003/ok_unpacked_from_structure.py", NO_FINDING),
    ("lk003/ok_weak_links.py", NO_FINDING),
];

behaviour_tests! {
    stored_exceptions_without_traceback_keep_the_exception_and_free_the_frames: "lk004/exception_traceback.py" => r#"
# `self.error = error`: the job, through the traceback's frame of `run`.
job = ns["Job"]()
job.run()
assert isinstance(job.error, ValueError) and job.error.args == ("no",)
track("the job whose `run` stored the error", job)
del job

# `self.errors.append(err)`: the job, and the raising frame's locals.
def fail_with_key():
    marker = Marker()
    track("the job whose `run_quietly` stored the error, and its frames' locals", marker)
    raise KeyError("k")

job = ns["Job"]()
job.errors = []
job.work = fail_with_key
job.run_quietly()
assert len(job.errors) == 1 and isinstance(job.errors[0], KeyError) and job.errors[0].args == ("k",)
track("the job whose `run_quietly` stored the error, and its frames' locals", job)
del job, fail_with_key

# `cls.failure = exc`: a class is always in a cycle of its own, so what the fix frees is
# the locals of the frames on the traceback.
class Prepared(ns["Job"]):
    @classmethod
    def prepare(cls):
        marker = Marker()
        track("the locals of the frames under `setup`", marker)
        raise OSError("disk")

Prepared.setup()
assert isinstance(Prepared.failure, OSError) and Prepared.failure.args == ("disk",)
del Prepared

# `LAST = e` and `ERRORS.append(e)`: no cycle, but the globals keep the frames' locals
# alive for as long as they hold the exception.
def risky():
    marker = Marker()
    track("the locals of the frames under `remember`, while `LAST` and `ERRORS` hold it", marker)
    raise RuntimeError("risky")

ns["risky"] = risky
ns["remember"]()
assert isinstance(ns["LAST"], RuntimeError) and ns["LAST"].args == ("risky",)
assert ns["ERRORS"] == [ns["LAST"]] and ns["ERRORS"][0] is ns["LAST"]
del risky, ns["risky"]
"#;
    an_exception_read_only_for_its_text_is_stored_without_its_traceback: "lk004/exception_traceback_text_only.py" => r#"
def failing_send():
    marker = Marker()
    track("the uploader, and the locals of the raising frame", marker)
    raise OSError("down")

uploader = ns["Uploader"]()
uploader.send = failing_send
uploader.describes()
assert isinstance(uploader.error, OSError) and uploader.error.args == ("down",)
assert uploader.text == "upload failed: down (OSError, ('down',))" and uploader.kind == "OSError('down')"
uploader.errors = []
try:
    uploader.replaces()
except RuntimeError as error:
    assert error.__suppress_context__ and error.__cause__ is None
else:
    raise AssertionError("replaces() raises")
assert len(uploader.errors) == 1 and uploader.errors[0].args == ("down",)
track("the uploader, and the locals of the raising frame", uploader)
del uploader, failing_send
"#;
    an_exception_stored_as_an_element_is_stored_without_its_traceback: "lk004/exception_in_container_element.py" => r#"
def failing_send():
    marker = Marker()
    track("the uploader, and the locals of the raising frame", marker)
    raise OSError("down")

uploader = ns["Uploader"]()
uploader.send = failing_send
uploader.upload()
(state, error), = uploader.history
assert state == "failed" and isinstance(error, OSError) and error.args == ("down",)
track("the uploader, and the locals of the raising frame", uploader)
del uploader, state, error

def failing_send_again():
    marker = Marker()
    track("the locals of the frames under `remember`, while `HISTORY` holds it", marker)
    raise OSError("again")

remembering = ns["Uploader"]()
remembering.send = failing_send_again
remembering.remember()
(entry,) = ns["HISTORY"]
assert entry["when"] == "now" and entry["error"].args == ("again",)
del remembering, entry, failing_send, failing_send_again
"#;
    exceptions_in_a_local_container_are_kept_without_their_tracebacks: "lk004/exception_local_container.py" => r#"
def failing(value):
    raise ValueError(value)

value = Marker()
try:
    ns["first_passing"]({"a": failing, "b": failing}, value)
except LookupError as error:
    assert error.args == (["a", "b"],)
else:
    raise AssertionError("first_passing raises")
assert ns["first_passing"]({"ok": lambda v: None}, value) == "ok"
# `first_passing` raises the keys of its failures: the stored exceptions may be read
# there, so no fix (the value stays until the collector runs).
del value

collected = Marker()
assert ns["collect"]([failing, failing, lambda v: None], collected) == 2
track("the value `collect` was checking", collected)
del collected, failing
"#;
}

/// Every fixture of the cycle rules is covered above or skipped for a reason that holds.
#[test]
fn every_cycle_fixture_is_covered_or_skipped_with_a_reason() {
    for rule_dir in RULE_DIRS {
        let prefix = format!("{rule_dir}/");
        let covered: Vec<&str> = COVERED
            .iter()
            .filter_map(|f| f.strip_prefix(&prefix))
            .collect();
        let skipped: Vec<(&str, &str)> = SKIPPED
            .iter()
            .filter_map(|(f, why)| Some((f.strip_prefix(&prefix)?, *why)))
            .collect();
        assert_every_fixture_listed(rule_dir, &covered, &skipped);
    }
    let listed = COVERED.len() + SKIPPED.len();
    let prefixed = COVERED
        .iter()
        .chain(SKIPPED.iter().map(|(f, _)| f))
        .filter(|f| RULE_DIRS.iter().any(|d| f.starts_with(&format!("{d}/"))))
        .count();
    assert_eq!(
        listed, prefixed,
        "every entry is RULE_DIR/FILE of a cycle rule"
    );
}
