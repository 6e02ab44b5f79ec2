//! LK002's fixes must keep a module working: for each fixture that LK002 fixes, CPython
//! imports the original and the fixed module side by side and checks:
//!   - the fixed one imports, and binds the same names except those the fix releases or
//!     loads lazily (adding only `_load_*`, `functools` and `__getattr__`);
//!   - every value the original computed is unchanged (lazily loaded names read through
//!     the module `__getattr__`);
//!   - each released name is gone (and was there in the original);
//!   - the module's `__annotations__` are the same (a lazy name keeps its annotation
//!     as a bare `NAME: T`; `lazy.py`'s `LOOKUP`);
//!   - each lazy name is not bound at import and its loader has not run then; it is
//!     served by `getattr` and by `from module import NAME`, the same object every time;
//!   - every public function the module defines returns what it returned before (called
//!     with `1` for each required positional parameter; the original must return, not
//!     raise, or the comparison says nothing), and an unknown attribute raises the same
//!     `AttributeError` in both;
//!   - run as `__main__`, both print the same and end the same way;
//!   - every function the fix changes or adds (found with `ast`: the loaders, the module
//!     `__getattr__`, the functions whose reads now call a loader) ran during these
//!     checks, in both modules where it exists there, so no fix goes unexercised.
//!
//! Each fixture is fixed with the settings its first line asks for (`# fixture: ...`, as
//! in `tests/fixtures.rs`). `COVERED` says which names each fix is expected to release
//! and to load lazily; the fixed text must agree.
//! `every_lk002_fixture_is_covered_or_skipped_with_a_reason` compares the covered and
//! skipped lists with `tests/fixtures/lk002/`, so a fixture added later, or one that
//! gains a fix, cannot be forgotten. `numpy_arrays.py` runs with a stand-in `numpy`
//! (`STAND_INS`), so that no fixture with a fix goes unchecked.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use pyleak_fix::engine::fix_text;

mod common;
use common::{assert_every_fixture_listed, settings_for, NO_FINDING, NO_FIX};

/// The fixtures whose fixes change the module, with the names the fix releases
/// (`del NAME`) and the names it loads lazily (`_load_NAME()`).
const COVERED: &[(&str, &[&str], &[&str])] = &[
    ("article_example.py", &["leak"], &[]),
    ("crlf.py", &["TABLE"], &["LAZY"]),
    ("inline_init.py", &[], &["leak"]),
    ("instances.py", &["cache"], &["wrapper"]),
    (
        "estimates.py",
        &[
            "arithmetic",
            "as_dict",
            "as_list",
            "as_set",
            "as_tuple",
            "big",
            "binary",
            "buffer",
            "calls",
            "dashes",
            "evens",
            "flags",
            "float_calls",
            "floats",
            "floor_divided",
            "formatted",
            "formatted_by_method",
            "formatted_tuples",
            "from_generator",
            "frozen",
            "hexadecimal",
            "ints",
            "keys",
            "labels",
            "lengths",
            "mapped",
            "named",
            "nested",
            "octal",
            "pairs",
            "pairs_of_slots",
            "powered",
            "repeated",
            "scientific",
            "set_of_range",
            "shifted",
            "slots",
            "sorted_ints",
            "squares",
            "squares_by_number",
            "strs",
            "text",
            "tuple_slots",
            "underscored",
            "unknown",
            "wide",
            "zero_bytes",
            "zeros",
        ],
        &[],
    ),
    ("form_feeds.py", &["TABLE"], &[]),
    ("lazy.py", &[], &["LOOKUP", "SQUARES"]),
    ("lazy_existing_import.py", &[], &["BUFFER"]),
    ("lazy_after_comment.py", &[], &["TABLE"]),
    ("lazy_import_in_main_block.py", &[], &["TABLE"]),
    ("lazy_import_only_in_leading_main_block.py", &[], &["TABLE"]),
    ("lazy_local_bindings.py", &[], &["TABLE"]),
    ("lazy_main_block.py", &[], &["NAMES", "TABLE"]),
    ("lazy_py38.py", &[], &["TABLE"]),
    ("no_final_newline_lazy.py", &[], &["LAZY"]),
    ("no_final_newline_release.py", &["TABLE"], &[]),
    (
        "numpy_arrays.py",
        &[
            "aliased",
            "builtin_type",
            "by_char_code",
            "by_string",
            "complex_numbers",
            "counting",
            "filled",
            "fixed_strings",
            "flags",
            "flat",
            "grid",
            "halves",
            "small_ints",
            "stepping",
            "uninitialised",
            "unknown_dtype",
        ],
        &[],
    ),
    (
        "release.py",
        &[
            "buf", "content", "flags", "inline", "keys", "scratch", "squares", "table",
        ],
        &[],
    ),
    ("tabs.py", &["TABLE"], &["LAZY"]),
    ("two_space_indent.py", &[], &["TABLE"]),
];

/// Modules a fixture imports that the machine may not have, as stand-ins written beside
/// it: `(fixture, module, source)`. The `numpy` one builds plain lists (the fix does not
/// care what the constructors return) and defines the `my_dtype` the fixture reads, so
/// that the original imports too.
const STAND_INS: &[(&str, &str, &str)] = &[(
    "numpy_arrays.py",
    "numpy",
    r#"import builtins
builtins.my_dtype = "f8"
uint8 = float16 = float32 = "dtype"
def _array(shape, *args, **kwargs):
    size = 1
    for side in shape if isinstance(shape, tuple) else (shape,):
        size *= side
    return [0] * size
def zeros(shape, dtype=None):
    return _array(shape)
ones = empty = zeros
def full(shape, value, dtype=None):
    return _array(shape)
def arange(*args):
    return list(range(*args))
"#,
)];

/// Fixtures not covered, and why; checked by
/// `every_lk002_fixture_is_covered_or_skipped_with_a_reason`.
const SKIPPED: &[(&str, &str)] = &[
    ("declines.py", NO_FIX),
    ("declines_getattr.py", NO_FIX),
    ("declines_globals.py", NO_FIX),
    ("declines_class_local_and_fstring.py", NO_FIX),
    ("declines_decorator_py38.py", NO_FIX),
    ("declines_match_value_pattern.py", NO_FIX),
    ("ok_function_local.py", NO_FINDING),
    ("ok_lazy_objects.py", NO_FINDING),
    ("ok_released.py", NO_FINDING),
    ("ok_script_blocks.py", NO_FINDING),
    ("ok_small.py", NO_FINDING),
    ("ok_unknown_sizes.py", NO_FINDING),
];

const COMPARE: &str = r#"
import ast, contextlib, importlib, inspect, io, os, runpy, sys, types

directory, original_name, fixed_name, released, lazy = sys.argv[1:6]
released = set(filter(None, released.split(",")))
lazy = set(filter(None, lazy.split(",")))
sys.path.insert(0, directory)
paths = {name: os.path.join(directory, name + ".py") for name in (original_name, fixed_name)}

called = set()
def profile(frame, event, arg):
    if event == "call" and frame.f_code.co_filename in paths.values():
        code = frame.f_code
        called.add((code.co_filename, code.co_qualname, code.co_firstlineno))

sys.setprofile(profile)
original = importlib.import_module(original_name)
fixed = importlib.import_module(fixed_name)
ran_at_import = set(called)
problems = []

def same(a, b, depth=0):
    if type(a).__name__ != type(b).__name__:
        return False
    if depth < 5 and hasattr(a, "__dict__") and not isinstance(a, (type, types.ModuleType)) and not callable(a):
        left, right = vars(a), vars(b)
        return left.keys() == right.keys() and all(same(left[k], right[k], depth + 1) for k in left)
    return a == b

def is_value(value):
    return not (callable(value) or isinstance(value, types.ModuleType))

for name in sorted(lazy):
    if name in vars(fixed):
        problems.append(f"lazy `{name}` is bound at import")
    if any(f == paths[fixed_name] and q == f"_load_{name}" for f, q, _ in ran_at_import):
        problems.append(f"lazy `{name}` is built at import: `_load_{name}` ran")
    if name not in vars(original):
        problems.append(f"lazy `{name}` is not bound in the original")
annotations = vars(original).get("__annotations__", {})
gone = set(vars(original)) - set(vars(fixed))
if gone != released | lazy:
    problems.append(f"names gone from the fixed module {sorted(gone)}, expected {sorted(released | lazy)}")
added = set(vars(fixed)) - set(vars(original))
unexpected = {n for n in added if not (n.startswith("_load_") or n in ("functools", "__getattr__"))}
if unexpected:
    problems.append(f"unexpected new names: {sorted(unexpected)}")

if annotations != vars(fixed).get("__annotations__", {}):
    problems.append(f"module annotations: {vars(fixed).get('__annotations__', {})!r:.60}, expected {annotations!r:.60}")

for name, value in sorted(vars(original).items()):
    if name.startswith("__") or not is_value(value):
        continue
    if name in released:
        if hasattr(fixed, name):
            problems.append(f"released `{name}` is still there")
        continue
    try:
        other = getattr(fixed, name)
    except AttributeError:
        problems.append(f"`{name}` is missing")
        continue
    if not same(value, other):
        problems.append(f"`{name}` differs: {value!r:.60} != {other!r:.60}")
for name in sorted(lazy):
    namespace = {}
    try:
        exec(f"from {fixed_name} import {name}", namespace)
    except ImportError as error:
        problems.append(f"`from ... import {name}`: {error}")
        continue
    if not same(namespace[name], getattr(original, name)):
        problems.append(f"`from ... import {name}` differs")
    if not (namespace[name] is getattr(fixed, name) is getattr(fixed, name)):
        problems.append(f"lazy `{name}` is a new object on each access")
for name in sorted(released - set(vars(original))):
    problems.append(f"released `{name}` was never bound")

for name, function in sorted(vars(original).items()):
    if name.startswith("_") or not callable(function) or isinstance(function, type):
        continue
    if getattr(function, "__module__", None) != original.__name__:
        continue  # imported, not the module's own
    parameters = inspect.signature(function).parameters.values()
    arguments = [1 for p in parameters if p.default is p.empty and p.kind <= p.POSITIONAL_OR_KEYWORD]
    results = []
    for module in (original, fixed):
        try:
            results.append(("returned", getattr(module, name)(*arguments)))
        except Exception as error:
            results.append(("raised", type(error).__name__))
    if results[0][0] != "returned":
        problems.append(f"`{name}{tuple(arguments)}` raises {results[0][1]} in the original: call it otherwise")
    if not same(results[0][1], results[1][1]) or results[0][0] != results[1][0]:
        problems.append(f"`{name}()` differs: {results[0]!r:.60} != {results[1]!r:.60}")

def lookup_error(module):
    try:
        getattr(module, "no_such_name")
    except AttributeError as error:
        return str(error).replace(module.__name__, "MODULE")
    return "no error"
if lookup_error(original) != lookup_error(fixed):
    problems.append(f"an unknown name: {lookup_error(original)!r} != {lookup_error(fixed)!r}")

def run_as_main(path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(path, run_name="__main__")
            ending = "ran"
        except BaseException as error:
            ending = f"raised {type(error).__name__}: {error}"
    return ending, out.getvalue()
as_main = [run_as_main(paths[name]) for name in (original_name, fixed_name)]
if as_main[0] != as_main[1]:
    problems.append(f"run as __main__: {as_main[0]!r:.80} != {as_main[1]!r:.80}")
sys.setprofile(None)

DEFINITIONS
found = {path: definitions(path) for path in paths.values()}
before, after = found.values()
changed = {name for name in before.keys() | after.keys()
           if [d for _, d in before.get(name, [])] != [d for _, d in after.get(name, [])]}
for path, definitions in found.items():
    missed = sorted(f"{name} (line {line})" for name in changed for line, _ in definitions.get(name, [])
                    if (path, name, line) not in called)
    if missed:
        problems.append(f"{os.path.basename(path)}: never ran these functions the fix changes: {missed}")

print("\n".join(problems))
sys.exit(1 if problems else 0)
"#;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lk002")
}

/// Names a `del NAME` statement deletes in `text` (on its own line or after a `;`).
fn deleted_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .flat_map(|line| line.split(';'))
        .filter_map(|part| part.trim().strip_prefix("del "))
        .map(|name| name.trim().to_string())
        .collect()
}

/// Names the fix turned into `_load_NAME()` loaders.
fn lazy_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("def _load_"))
        .filter_map(|rest| rest.split('(').next())
        .map(str::to_string)
        .collect()
}

/// Runs `COMPARE` over `original` and `fixed`, written as modules `original_STEM` and
/// `fixed_STEM` in `directory`; the problems it found, if any.
fn compare(
    directory: &Path,
    stem: &str,
    original: &str,
    fixed: &str,
    released: &[&str],
    lazy: &[&str],
) -> Result<(), String> {
    let original_name = format!("original_{stem}");
    let fixed_name = format!("fixed_{stem}");
    fs::write(directory.join(format!("{original_name}.py")), original).unwrap();
    fs::write(directory.join(format!("{fixed_name}.py")), fixed).unwrap();
    let output = Command::new("python3")
        .arg("-c")
        .arg(COMPARE.replace("DEFINITIONS\n", common::PYTHON_DEFINITIONS))
        .arg(directory)
        .arg(&original_name)
        .arg(&fixed_name)
        .arg(released.join(","))
        .arg(lazy.join(","))
        .output()
        .expect("python3 runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[test]
fn fixed_fixtures_import_and_compute_the_same() {
    let directory = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (fixture, released, lazy) in COVERED {
        let text = fs::read_to_string(fixture_dir().join(fixture)).unwrap();
        let fixed = fix_text(&text, &settings_for("lk002", &text))
            .unwrap()
            .fixed;
        assert_ne!(fixed, text, "{fixture}: the fix changed nothing");
        let deleted: Vec<String> = deleted_names(&fixed)
            .difference(&deleted_names(&text))
            .cloned()
            .collect();
        assert_eq!(deleted, *released, "{fixture}: the names released");
        let loaded: Vec<String> = lazy_names(&fixed).into_iter().collect();
        assert_eq!(loaded, *lazy, "{fixture}: the names loaded lazily");
        let stem = fixture.trim_end_matches(".py");
        for (needing, module, source) in STAND_INS {
            if needing == fixture {
                fs::write(directory.path().join(format!("{module}.py")), source).unwrap();
            }
        }
        if let Err(problems) = compare(directory.path(), stem, &text, &fixed, released, lazy) {
            failures.push(format!("{fixture}:\n{problems}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_behaviour_check_catches_a_broken_release() {
    // The checker itself must fail when a released name is still used: here the `del`
    // comes before the last use.
    let directory = tempfile::tempdir().unwrap();
    let original = "TABLE = [1, 2]\nTOTAL = sum(TABLE)\n";
    let broken = "TABLE = [1, 2]\nTOTAL = 0\ndel TABLE\n";
    let problems = compare(directory.path(), "bad", original, broken, &["TABLE"], &[])
        .expect_err("a broken release passes");
    assert!(problems.contains("`TOTAL` differs"), "{problems}");
}

/// Every LK002 fixture is covered above or skipped for a reason that holds.
#[test]
fn every_lk002_fixture_is_covered_or_skipped_with_a_reason() {
    let covered: Vec<&str> = COVERED.iter().map(|(name, _, _)| *name).collect();
    assert_every_fixture_listed("lk002", &covered, SKIPPED);
}
