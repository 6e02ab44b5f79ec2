//! LK002's fixes must keep a module working: for each fixture that LK002 fixes, CPython
//! imports the original and the fixed module side by side and checks that the fixed one
//! still imports, that every value the original computed is unchanged (lazily loaded
//! names through the module `__getattr__` and `from module import NAME`), that every
//! public function returns what it returned before, and that each released name is gone.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use pyleak_fix::engine::fix_text;
use pyleak_fix::settings::Settings;

/// The fixtures whose fixes change the module.
const FIXED_FIXTURES: &[&str] = &[
    "article_example",
    "crlf",
    "instances",
    "lazy",
    "lazy_existing_import",
    "lazy_main_block",
    "lazy_py38",
    "no_final_newline_lazy",
    "no_final_newline_release",
    "release",
    "tabs",
    "two_space_indent",
];

const COMPARE: &str = r#"
import importlib, inspect, sys, types

directory, original_name, fixed_name, released, lazy = sys.argv[1:6]
released = set(filter(None, released.split(",")))
lazy = set(filter(None, lazy.split(",")))
sys.path.insert(0, directory)
original = importlib.import_module(original_name)
fixed = importlib.import_module(fixed_name)
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
    exec(f"from {fixed_name} import {name}", namespace)
    if not same(namespace[name], getattr(original, name)):
        problems.append(f"`from ... import {name}` differs")
for name in sorted(released - set(vars(original))):
    problems.append(f"released `{name}` was never bound")
for name, function in sorted(vars(original).items()):
    if name.startswith("_") or not callable(function) or isinstance(function, type):
        continue
    parameters = inspect.signature(function).parameters.values()
    arguments = [1 for p in parameters if p.default is p.empty and p.kind <= p.POSITIONAL_OR_KEYWORD]
    results = []
    for module in (original, fixed):
        try:
            results.append(("returned", getattr(module, name)(*arguments)))
        except Exception as error:
            results.append(("raised", type(error).__name__))
    if not same(results[0][1], results[1][1]) or results[0][0] != results[1][0]:
        problems.append(f"`{name}()` differs: {results[0]!r:.60} != {results[1]!r:.60}")
added = set(vars(fixed)) - set(vars(original))
unexpected = {n for n in added if not (n.startswith("_load_") or n in ("functools", "__getattr__"))}
if unexpected:
    problems.append(f"unexpected new names: {sorted(unexpected)}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
"#;

fn settings_for(text: &str) -> Settings {
    let mut settings = Settings::default();
    settings.select_rules(&["LK002".into()], &[]).unwrap();
    let options = text
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# fixture:"))
        .unwrap_or("");
    for option in options.split_whitespace() {
        match option.split_once('=') {
            None if option == "unsafe-fixes" => settings.unsafe_fixes = true,
            Some(("large-allocation-bytes", bytes)) => {
                settings.large_allocation_bytes = bytes.parse().unwrap()
            }
            Some(("target-version", version)) => settings.target_version = version.parse().unwrap(),
            _ => panic!("unknown fixture option `{option}`"),
        }
    }
    settings
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

#[test]
fn fixed_fixtures_import_and_compute_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lk002");
    let directory = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for stem in FIXED_FIXTURES {
        let text = fs::read_to_string(root.join(format!("{stem}.py"))).unwrap();
        let fixed = fix_text(&text, &settings_for(&text)).unwrap().fixed;
        assert_ne!(fixed, text, "{stem}: the fix changed nothing");
        let released: Vec<String> = deleted_names(&fixed)
            .difference(&deleted_names(&text))
            .cloned()
            .collect();
        let lazy: Vec<String> = lazy_names(&fixed).into_iter().collect();
        assert!(
            !released.is_empty() || !lazy.is_empty(),
            "{stem}: neither released nor lazy"
        );
        let original_name = format!("original_{stem}");
        let fixed_name = format!("fixed_{stem}");
        fs::write(directory.path().join(format!("{original_name}.py")), &text).unwrap();
        fs::write(directory.path().join(format!("{fixed_name}.py")), &fixed).unwrap();
        let output = Command::new("python3")
            .arg("-c")
            .arg(COMPARE)
            .arg(directory.path())
            .arg(&original_name)
            .arg(&fixed_name)
            .arg(released.join(","))
            .arg(lazy.join(","))
            .output()
            .expect("python3 runs");
        if !output.status.success() {
            failures.push(format!(
                "{stem}:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
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
    fs::write(directory.path().join("original_bad.py"), original).unwrap();
    fs::write(directory.path().join("fixed_bad.py"), broken).unwrap();
    let output = Command::new("python3")
        .arg("-c")
        .arg(COMPARE)
        .arg(directory.path())
        .args(["original_bad", "fixed_bad", "TABLE", ""])
        .output()
        .expect("python3 runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("`TOTAL` differs"));
}
