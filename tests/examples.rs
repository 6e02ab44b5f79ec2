//! The README's first run command, `cargo run --release -- --dry-run examples/leaky`, on
//! the demo tree the repository ships: run the same way (this test's debug build, from
//! the repository's root, with nothing else installed) and snapshotted, stdout and stderr.
//! The tree holds the background article's three shapes and one file per rule, as a
//! user would write them; its diff must apply and equal the in-place result.

use std::fs;
use std::path::Path;
use std::process::Command as Process;

mod common;
use common::{code, run_in, stderr, stdout};

const COMMAND: &str = "cargo run --release -- --dry-run examples/leaky";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of `examples/leaky` under a new temporary directory, at the same relative path.
fn copy_of_the_demo() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let to = directory.path().join("examples/leaky");
    fs::create_dir_all(&to).unwrap();
    for entry in fs::read_dir(root().join("examples/leaky")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    directory
}

#[test]
fn the_readmes_first_command_shows_real_diffs_and_the_findings_without_a_fix() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(COMMAND),
        "the README's first run command is `{COMMAND}`"
    );
    let output = run_in(root(), &["--dry-run", "examples/leaky"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let diff = stdout(&output);
    assert!(diff.contains("+    if my_list is None:\n"), "{diff}");
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => COMMAND,
    }, {
        insta::assert_snapshot!(
            "examples__leaky_dry_run",
            format!("exit status: 1\n--- stdout\n{diff}--- stderr\n{}", stderr(&output))
        );
    });

    // The diff applies and gives what fixing in place gives.
    let patched = copy_of_the_demo();
    fs::write(patched.path().join("fix.patch"), &diff).unwrap();
    let applied = Process::new("git")
        .current_dir(patched.path())
        .args(["apply", "fix.patch"])
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let fixed = copy_of_the_demo();
    run_in(fixed.path(), &["examples/leaky"]);
    for entry in fs::read_dir(root().join("examples/leaky")).unwrap() {
        let name = Path::new("examples/leaky").join(entry.unwrap().file_name());
        assert_eq!(
            fs::read(patched.path().join(&name)).unwrap(),
            fs::read(fixed.path().join(&name)).unwrap(),
            "{}",
            name.display()
        );
    }
}

/// Each Python file of the demo has a finding, and together they show every rule on by
/// default, each of the article's three shapes, and a finding that has no fix.
#[test]
fn the_demo_shows_every_rule_and_each_of_the_articles_shapes() {
    let output = run_in(root(), &["--check", "examples/leaky"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let findings = stdout(&output);
    let mut files = 0;
    for entry in fs::read_dir(root().join("examples/leaky")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".py") {
            files += 1;
            let prefix = format!("examples/leaky/{name}:");
            assert!(
                findings.lines().any(|line| line.starts_with(&prefix)),
                "{name} has no finding:\n{findings}"
            );
        }
    }
    assert!(files >= 6);
    // A default run shows the rules on by default; the others need `--select`.
    for rule in pyleak_fix::rules::ALL
        .iter()
        .filter(|r| r.default_enabled())
    {
        assert!(
            findings.contains(&format!(": {} ", rule.code())),
            "{}",
            rule.code()
        );
    }
    for (file, code) in [
        ("article_global.py", "LK002"),
        ("article_cycle.py", "LK003"),
        ("article_default.py", "LK001"),
    ] {
        let prefix = format!("examples/leaky/{file}:");
        assert!(
            findings
                .lines()
                .any(|line| line.starts_with(&prefix) && line.contains(&format!(": {code} "))),
            "{file}: {code}\n{findings}"
        );
    }
}
