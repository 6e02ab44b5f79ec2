//! Shared by the test files: the settings a fixture asks for, and what the end-to-end
//! tests need to run the binary in a temporary tree of files.
//!
//! Each test file is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use pyleak_fix::fix::Applicability;
use pyleak_fix::settings::Settings;
use tempfile::TempDir;

/// LK001's example: fixed safely in every mode.
pub const FIXABLE: &str = "def f(x=[]):\n    return x\n";
pub const FIXED: &str = "def f(x=None):\n    if x is None:\n        x = []\n    return x\n";

/// The settings for a fixture of `rule_dir` (`lk001`, ...): that rule alone, plus the
/// options of a first line of the form `# fixture: unsafe-fixes target-version=py38`
/// (`extend-select=LK005,LK006` runs those rules too, for a look-alike that guards them).
pub fn settings_for(rule_dir: &str, text: &str) -> Settings {
    let code = rule_dir.to_ascii_uppercase();
    let mut settings = Settings::default();
    settings
        .select_rules(&[code], &[])
        .expect("fixture directory names a rule");
    if let Some(options) = text
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# fixture:"))
    {
        for option in options.split_whitespace() {
            match option.split_once('=') {
                None if option == "unsafe-fixes" => settings.unsafe_fixes = true,
                Some(("target-version", version)) => {
                    settings.target_version = version.parse().unwrap()
                }
                Some(("large-allocation-bytes", bytes)) => {
                    settings.large_allocation_bytes = bytes.parse().unwrap()
                }
                Some(("extend-select", codes)) => {
                    // A look-alike that guards several rules: they run beside the
                    // directory's own.
                    let mut all: Vec<String> = settings
                        .rules
                        .iter()
                        .map(|r| r.code().to_string())
                        .collect();
                    all.extend(codes.split(',').map(str::to_string));
                    settings
                        .select_rules(&all, &[])
                        .expect("fixture option names rules");
                }
                Some(("extend-mutable-calls", calls)) => {
                    settings.extend_mutable_calls = calls.split(',').map(str::to_string).collect()
                }
                _ => panic!("unknown fixture option `{option}`"),
            }
        }
    }
    settings
}

/// A temporary directory holding `files`, each a path relative to it and its contents.
pub fn tree(files: &[(&str, &[u8])]) -> TempDir {
    let directory = TempDir::new().unwrap();
    for (path, contents) in files {
        write(directory.path(), path, contents);
    }
    directory
}

/// Writes `root/path`, creating the directories it needs.
pub fn write(root: &Path, path: &str, contents: impl AsRef<[u8]>) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

pub fn read(root: &Path, path: &str) -> String {
    fs::read_to_string(root.join(path)).unwrap()
}

/// The binary, to run in `directory` with `args`.
pub fn command(directory: &Path, args: &[&str]) -> Command {
    let mut command = Command::cargo_bin("pyleak-fix").unwrap();
    command.current_dir(directory).args(args);
    command
}

pub fn run_in(directory: &Path, args: &[&str]) -> Output {
    command(directory, args).output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

/// Why a fixture has no behaviour test: it has no finding.
pub const NO_FINDING: &str = "no finding";
/// Why a fixture has no behaviour test: none of its findings has a fix.
pub const NO_FIX: &str = "no finding has a fix";
/// Why a fixture has no behaviour test: its fixes are unsafe and left off.
pub const UNSAFE_OFF: &str = "its fixes are unsafe and its settings do not turn unsafe fixes on";

/// The behaviour tests' meta-check: every fixture of `rule_dir` (`lk001`, ...) is in
/// `covered` or in `skipped`; each skip reason still holds under the fixture's own
/// settings; and each covered fixture's fix changes its text. A fixture added later, or
/// one that gains a fix, fails here until it is listed.
pub fn assert_every_fixture_listed(rule_dir: &str, covered: &[&str], skipped: &[(&str, &str)]) {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rule_dir);
    let mut on_disk: Vec<String> = fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".py"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = covered
        .iter()
        .chain(skipped.iter().map(|(name, _)| name))
        .map(|name| name.to_string())
        .collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "list each {rule_dir} fixture in COVERED (a behaviour test) or in SKIPPED"
    );
    for name in &on_disk {
        let text = fs::read_to_string(directory.join(name)).unwrap();
        let settings = settings_for(rule_dir, &text);
        let findings = pyleak_fix::engine::check_text(&text, &settings).unwrap();
        let fixable = findings.iter().any(|f| f.finding.fix.is_some());
        let outcome = pyleak_fix::engine::fix_text(&text, &settings).unwrap();
        let changed = outcome.changed(&text);
        // What the behaviour test runs is the text with every applicable fix in it: a
        // fix left over would go unchecked.
        let left_over = outcome.remaining.iter().any(|f| {
            f.finding.fix.as_ref().is_some_and(|fix| {
                settings.unsafe_fixes || fix.applicability == Applicability::Safe
            })
        });
        assert!(
            !left_over,
            "{name}: a fix is left unapplied in the fixed text"
        );
        match skipped.iter().find(|(skipped, _)| skipped == name) {
            Some((_, NO_FINDING)) => assert!(findings.is_empty(), "{name}: has findings"),
            Some((_, NO_FIX)) => assert!(!findings.is_empty() && !fixable, "{name}: has a fix"),
            Some((_, UNSAFE_OFF)) => assert!(
                fixable && !settings.unsafe_fixes && !changed,
                "{name}: not a fixture whose unsafe fixes are left off"
            ),
            Some((_, reason)) => panic!("{name}: unknown reason {reason:?}"),
            None => assert!(changed, "{name}: covered, but its fix changes nothing"),
        }
    }
}

/// Python for the behaviour harnesses (spliced in where they say `DEFINITIONS`):
/// `definitions(file)` maps each def's and lambda's qualified name to its
/// `(first line, ast dump)` pairs, so that a harness can tell which functions a fix
/// changed or added.
pub const PYTHON_DEFINITIONS: &str = r#"def definitions(file):
    """`{qualname: [(first line, dump), ...]}` for every def and lambda in `file`."""
    with open(file, "rb") as handle:
        tree = ast.parse(handle.read())
    found = {}
    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                name = prefix + getattr(child, "name", "<lambda>")
                first = min([child.lineno] + [d.lineno for d in getattr(child, "decorator_list", [])])
                found.setdefault(name, []).append((first, ast.dump(child)))
                walk(child, name + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                walk(child, prefix + child.name + ".")
            else:
                walk(child, prefix)
    walk(tree, "")
    return found
"#;

/// Whether the effective user is root, for whom permissions do not bind.
#[cfg(unix)]
pub fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The user whose permissions the ownership and permission tests take when run as root.
#[cfg(unix)]
pub const NOBODY: u32 = 65534;

/// As root, runs the binary as user nobody through `setpriv`, for whom permissions
/// bind. `Err` says why this machine cannot: setpriv is missing or refuses. (setpriv
/// keeps root's capabilities until its `execve`, so the binary need not be reachable by
/// nobody; the process it starts has none.)
#[cfg(unix)]
pub fn as_nobody(directory: &Path, args: &[&str]) -> Result<std::process::Command, String> {
    let setpriv = |program: &Path| {
        let mut command = std::process::Command::new("setpriv");
        command
            .arg(format!("--reuid={NOBODY}"))
            .arg(format!("--regid={NOBODY}"))
            .arg("--clear-groups")
            .arg(program);
        command
    };
    let probe = setpriv(Path::new("true"))
        .output()
        .map_err(|error| format!("setpriv cannot be run: {error}"))?;
    if !probe.status.success() {
        return Err(format!(
            "setpriv refuses to switch to user {NOBODY}: {}",
            stderr(&probe).trim()
        ));
    }
    let mut command = setpriv(&assert_cmd::cargo::cargo_bin("pyleak-fix"));
    command.current_dir(directory).args(args);
    Ok(command)
}
