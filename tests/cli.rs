//! End-to-end tests of the `pyleak-fix` binary, each in its own temporary directory.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

mod common;
use common::{code, read, run_in, stderr, stdout, tree, FIXABLE, FIXED};

/// A finding LK001 reports without a fix: a lambda has no body for the `is None` check.
const UNFIXABLE: &str = "f = lambda x=[]: x\n";
const CLEAN: &str = "def f(x=None):\n    return len(x)\n";

/// Every file under `root`, relative to it, sorted, with its bytes.
fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            // The cache is the tool's own: "writes nothing" is about the user's files.
            if path
                .file_name()
                .is_some_and(|name| name == ".pyleak_fix_cache")
            {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.push((path.strip_prefix(root).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn fixes_in_place_and_exits_0_when_everything_is_fixed() {
    let directory = tree(&[("a.py", FIXABLE.as_bytes()), ("clean.py", CLEAN.as_bytes())]);
    let output = run_in(directory.path(), &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(read(directory.path(), "a.py"), FIXED);
    assert_eq!(read(directory.path(), "clean.py"), CLEAN);
    assert_eq!(stdout(&output), "Fixed 1 finding in 1 file.\n");
    assert_eq!(stderr(&output), "");
}

#[test]
fn findings_left_unfixed_are_listed_and_exit_1() {
    let directory = tree(&[("a.py", FIXABLE.as_bytes()), ("b.py", UNFIXABLE.as_bytes())]);
    let output = run_in(directory.path(), &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(read(directory.path(), "a.py"), FIXED);
    assert_eq!(read(directory.path(), "b.py"), UNFIXABLE);
    let stdout = stdout(&output);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("b.py:1:14: LK001 "), "{stdout}");
    assert_eq!(
        lines[1],
        "Fixed 1 finding in 1 file; 1 finding left unfixed (LK001: 1)."
    );
}

#[test]
fn check_lists_findings_with_character_columns_and_writes_nothing() {
    // `é` is two bytes: a byte column would say 17.
    let source = "def f(s=\"é\", x=[]):\n    return len(x)\n\n\ng = lambda y={}: y\n";
    let directory = tree(&[("m.py", source.as_bytes()), ("clean.py", CLEAN.as_bytes())]);
    let before = snapshot(directory.path());
    let output = run_in(directory.path(), &["--check"]);
    assert_eq!(code(&output), 1);
    assert_eq!(snapshot(directory.path()), before);
    let stdout = stdout(&output);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("m.py:1:16: LK001 "), "{stdout}");
    assert!(lines[1].starts_with("m.py:5:14: LK001 "), "{stdout}");
    assert_eq!(
        stderr(&output),
        "Found 2 findings in 1 file; 1 can be fixed by running without --check.\n"
    );
}

#[test]
fn check_with_nothing_found_exits_0() {
    let directory = tree(&[("clean.py", CLEAN.as_bytes())]);
    let output = run_in(directory.path(), &["--check"]);
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "No findings in 1 file.\n");
}

/// The shapes a patch must get right, byte for byte.
fn awkward_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("lf.py", FIXABLE.as_bytes().to_vec()),
        (
            "crlf.py",
            b"import os\r\n\r\ndef f(x=[]):\r\n    return len(x)\r\n".to_vec(),
        ),
        ("no_newline.py", b"def f(x=[]):\n    return len(x)".to_vec()),
        (
            "bom.py",
            b"\xef\xbb\xbfdef f(x=[]):\n    return len(x)\n".to_vec(),
        ),
        (
            "tabs.py",
            b"class A:\n\tdef f(self, x={}):\n\t\treturn len(x)\n".to_vec(),
        ),
        ("sub/deeper.py", FIXABLE.as_bytes().to_vec()),
        ("unfixable.py", UNFIXABLE.as_bytes().to_vec()),
        ("clean.py", CLEAN.as_bytes().to_vec()),
    ]
}

#[test]
fn dry_run_writes_nothing_and_git_apply_of_it_reproduces_the_in_place_fix() {
    let files = awkward_files();
    let as_slices: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (*p, b.as_slice())).collect();
    let patched = tree(&as_slices);
    let in_place = tree(&as_slices);
    let original = snapshot(patched.path());

    let output = run_in(patched.path(), &["--dry-run"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(snapshot(patched.path()), original, "--dry-run wrote");
    let patch = output.stdout.clone();
    let text = String::from_utf8_lossy(&patch);
    for path in [
        "bom.py",
        "crlf.py",
        "lf.py",
        "no_newline.py",
        "sub/deeper.py",
        "tabs.py",
    ] {
        assert!(
            text.contains(&format!("--- a/{path}\n+++ b/{path}\n")),
            "{text}"
        );
    }
    assert!(!text.contains("unfixable.py") && !text.contains("clean.py"));
    assert!(text.contains("\\ No newline at end of file\n"));
    assert!(text.contains("+def f(x=None):\r\n"));
    let errors = stderr(&output);
    assert!(errors.starts_with("unfixable.py:1:14: LK001 "), "{errors}");
    assert!(
        errors.ends_with("\nWould fix 6 findings in 6 files; 1 finding has no fix (LK001: 1).\n"),
        "{errors}"
    );

    let applied = run_in(in_place.path(), &[]);
    assert_eq!(code(&applied), 1, "{}", stderr(&applied));

    fs::write(patched.path().join("fix.patch"), &patch).unwrap();
    let git = std::process::Command::new("git")
        .args(["apply", "fix.patch"])
        .current_dir(patched.path())
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git is installed");
    assert!(
        git.status.success(),
        "git apply failed: {}",
        String::from_utf8_lossy(&git.stderr)
    );
    fs::remove_file(patched.path().join("fix.patch")).unwrap();
    assert_eq!(snapshot(patched.path()), snapshot(in_place.path()));
    // And the in-place result is the fix, with each file's own bytes kept.
    assert_eq!(read(in_place.path(), "lf.py"), FIXED);
    assert_eq!(
        read(in_place.path(), "crlf.py"),
        "import os\r\n\r\ndef f(x=None):\r\n    if x is None:\r\n        x = []\r\n    return len(x)\r\n"
    );
    assert_eq!(
        read(in_place.path(), "no_newline.py"),
        FIXED.strip_suffix('\n').unwrap()
    );
    assert_eq!(read(in_place.path(), "bom.py"), format!("\u{feff}{FIXED}"));
    assert!(read(in_place.path(), "tabs.py").contains("\n\t\tif x is None:\n\t\t\tx = {}\n"));
}

#[test]
fn dry_run_paths_are_relative_to_the_working_directory() {
    let directory = tree(&[("pkg/a.py", FIXABLE.as_bytes())]);
    let absolute = directory.path().canonicalize().unwrap().join("pkg/a.py");
    for argument in ["./pkg/a.py", "pkg", absolute.to_str().unwrap()] {
        let output = run_in(
            &directory.path().canonicalize().unwrap(),
            &["--diff", argument],
        );
        assert_eq!(code(&output), 1, "{argument}: {}", stderr(&output));
        assert!(
            stdout(&output).starts_with("--- a/pkg/a.py\n+++ b/pkg/a.py\n@@ -1,2 +1,4 @@\n"),
            "{argument}: {}",
            stdout(&output)
        );
    }
}

#[test]
fn files_are_reported_in_sorted_order() {
    let names: Vec<String> = (0..40).map(|n| format!("m{n:02}.py")).collect();
    let mut files: Vec<(&str, &[u8])> = names
        .iter()
        .map(|name| (name.as_str(), UNFIXABLE.as_bytes()))
        .collect();
    files.push(("a/z.py", UNFIXABLE.as_bytes()));
    files.push(("z/a.py", UNFIXABLE.as_bytes()));
    let directory = tree(&files);
    let output = run_in(directory.path(), &["--check", "z", ".", "a"]);
    assert_eq!(code(&output), 1);
    let paths: Vec<String> = stdout(&output)
        .lines()
        .map(|line| line.split(':').next().unwrap().to_string())
        .collect();
    let mut expected = vec!["a/z.py".to_string()];
    expected.extend(names.iter().cloned());
    expected.push("z/a.py".to_string());
    assert_eq!(paths, expected, "each file once, in sorted order");
}

#[test]
fn walking_skips_environments_build_output_ignored_files_stubs_and_non_python() {
    let directory = tree(&[
        ("kept.py", UNFIXABLE.as_bytes()),
        ("pkg/.hidden_module.py", UNFIXABLE.as_bytes()),
        (".venv/lib/x.py", UNFIXABLE.as_bytes()),
        ("venv/x.py", UNFIXABLE.as_bytes()),
        ("build/x.py", UNFIXABLE.as_bytes()),
        ("pkg/__pycache__/x.py", UNFIXABLE.as_bytes()),
        ("node_modules/x.py", UNFIXABLE.as_bytes()),
        ("generated.py", UNFIXABLE.as_bytes()),
        ("scratch/x.py", UNFIXABLE.as_bytes()),
        (".gitignore", b"generated.py\n"),
        (".ignore", b"scratch/\n"),
        ("stub.pyi", UNFIXABLE.as_bytes()),
        ("script", UNFIXABLE.as_bytes()),
        ("notes.txt", UNFIXABLE.as_bytes()),
    ]);
    let output = run_in(directory.path(), &["--check"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let paths: Vec<String> = stdout(&output)
        .lines()
        .map(|line| line.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(paths, ["kept.py", "pkg/.hidden_module.py"]);
}

#[test]
fn a_file_named_explicitly_is_processed_even_where_walking_would_skip_it() {
    let directory = tree(&[
        (".venv/lib/x.py", FIXABLE.as_bytes()),
        ("generated.py", FIXABLE.as_bytes()),
        (".gitignore", b"generated.py\n"),
        ("script", FIXABLE.as_bytes()),
        ("stub.pyi", b"def f(x=[]): ...\n"),
    ]);
    let output = run_in(
        directory.path(),
        &[
            "--check",
            ".venv/lib/x.py",
            "generated.py",
            "script",
            "stub.pyi",
        ],
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let paths: Vec<String> = stdout(&output)
        .lines()
        .map(|line| line.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(paths, [".venv/lib/x.py", "generated.py", "script"]);

    let output = run_in(directory.path(), &[".venv/lib/x.py"]);
    assert_eq!(code(&output), 0);
    assert_eq!(read(directory.path(), ".venv/lib/x.py"), FIXED);
}

#[test]
fn an_unknown_rule_code_is_a_usage_error() {
    let directory = tree(&[("a.py", FIXABLE.as_bytes())]);
    for args in [["--select", "LK999"], ["--ignore", "LK001,XYZ"]] {
        let output = run_in(directory.path(), &args);
        assert_eq!(code(&output), 2, "{args:?}");
        let message = stderr(&output);
        assert!(
            message.starts_with("error: unknown rule selector"),
            "{message}"
        );
        assert_eq!(read(directory.path(), "a.py"), FIXABLE);
    }
}

#[test]
fn select_and_ignore_choose_the_rules() {
    let directory = tree(&[("a.py", FIXABLE.as_bytes())]);
    let output = run_in(directory.path(), &["--check", "--ignore", "LK001"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let output = run_in(directory.path(), &["--check", "--select", "LK"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(stdout(&output).starts_with("a.py:1:9: LK001 "));
}

#[test]
fn bad_arguments_exit_2() {
    let directory = tree(&[("a.py", FIXABLE.as_bytes())]);
    for args in [
        &["--check", "--dry-run"][..],
        &["--check", "--diff"],
        &["--target-version", "py27"],
        &["--no-such-option"],
    ] {
        let output = run_in(directory.path(), args);
        assert_eq!(code(&output), 2, "{args:?}");
        assert!(!stderr(&output).is_empty());
        assert_eq!(read(directory.path(), "a.py"), FIXABLE);
    }
    let output = run_in(directory.path(), &["--target-version", "py38", "--check"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
}

#[test]
fn a_file_that_does_not_parse_is_an_error_and_the_others_are_still_fixed() {
    let directory = tree(&[
        ("a.py", FIXABLE.as_bytes()),
        ("broken.py", b"def f(x=[]:\n    return len(x)\n"),
        ("c.py", FIXABLE.as_bytes()),
    ]);
    let output = run_in(directory.path(), &[]);
    assert_eq!(code(&output), 2);
    let errors = stderr(&output);
    assert!(
        errors.starts_with("error: broken.py: cannot parse Python at "),
        "{errors}"
    );
    assert_eq!(read(directory.path(), "a.py"), FIXED);
    assert_eq!(read(directory.path(), "c.py"), FIXED);
    assert_eq!(
        read(directory.path(), "broken.py"),
        "def f(x=[]:\n    return len(x)\n"
    );
    assert_eq!(
        stdout(&output),
        "Fixed 2 findings in 2 files. 1 path could not be processed.\n"
    );
}

#[test]
fn a_file_that_is_not_utf8_is_an_error_naming_it() {
    let directory = tree(&[
        ("latin1.py", b"# caf\xe9\ndef f(x=[]):\n    return len(x)\n"),
        ("a.py", FIXABLE.as_bytes()),
    ]);
    let output = run_in(directory.path(), &["--check"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output).lines().next().unwrap(),
        "error: latin1.py: not valid UTF-8 (byte 5); pyleak-fix reads UTF-8 source unless a PEP 263 declaration names another encoding it knows (latin-1, cp1252, ascii)"
    );
    assert!(stdout(&output).starts_with("a.py:1:9: LK001 "));
}

#[test]
fn a_missing_path_is_an_error_and_the_others_are_still_processed() {
    let directory = tree(&[("a.py", FIXABLE.as_bytes())]);
    let output = run_in(directory.path(), &["nowhere.py", "a.py"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("error: nowhere.py: no such file or directory"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(directory.path(), "a.py"), FIXED);
}

#[test]
fn fixing_leaves_no_temporary_file_behind() {
    let directory = tree(&[("pkg/a.py", FIXABLE.as_bytes())]);
    let output = run_in(directory.path(), &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let names: Vec<PathBuf> = snapshot(directory.path())
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert_eq!(names, [PathBuf::from("pkg/a.py")]);
}

#[cfg(unix)]
#[test]
fn fixing_keeps_the_files_mode_bits() {
    use std::os::unix::fs::PermissionsExt;
    let directory = tree(&[("a.py", FIXABLE.as_bytes())]);
    let path = directory.path().join("a.py");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o754)).unwrap();
    let output = run_in(directory.path(), &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(read(directory.path(), "a.py"), FIXED);
    let mode = fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o754);
}

#[cfg(unix)]
#[test]
fn fixing_through_a_symlink_replaces_its_target_and_keeps_the_link() {
    let directory = tree(&[("real/a.py", FIXABLE.as_bytes())]);
    std::os::unix::fs::symlink("real/a.py", directory.path().join("link.py")).unwrap();
    // Walking does not follow links: only the real file is found, and fixed once.
    let output = run_in(directory.path(), &["--check"]);
    assert_eq!(stdout(&output).lines().count(), 1, "{}", stdout(&output));
    let output = run_in(directory.path(), &["link.py"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let link = directory.path().join("link.py");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(read(directory.path(), "real/a.py"), FIXED);
}

#[test]
fn version_is_printed() {
    let directory = TempDir::new().unwrap();
    let output = run_in(directory.path(), &["--version"]);
    assert_eq!(code(&output), 0);
    assert_eq!(
        stdout(&output),
        format!("pyleak-fix {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_explains_each_mode_and_the_exit_codes() {
    let directory = TempDir::new().unwrap();
    for flag in ["--help", "-h"] {
        let output = run_in(directory.path(), &[flag]);
        assert_eq!(code(&output), 0);
        let help = stdout(&output);
        for needle in [
            "--check",
            "--dry-run",
            "--diff",
            "git apply",
            "Fix the files in place",
            "--unsafe-fixes",
            "--select",
            "--ignore",
            "--target-version",
            ".pyi",
            "Examples:",
            "Exit status:",
            "--statistics",
            "--add-noqa",
            "patch -p1 -d /",
            "flake8: noqa",
        ] {
            assert!(help.contains(needle), "{flag} lacks {needle}:\n{help}");
        }
    }
}

#[test]
fn an_empty_directory_is_not_an_error() {
    let directory = TempDir::new().unwrap();
    let output = run_in(directory.path(), &["--check"]);
    assert_eq!(code(&output), 0);
    assert_eq!(stderr(&output), "No Python files found.\n");
}

#[test]
fn large_allocation_bytes_sets_lk002s_threshold() {
    // ~4.1 kB: silent at the default 10 MB, reported at 1 kB, and fixed with unsafe fixes.
    let source = "TABLE = [i for i in range(100)]\nTOTAL = sum(TABLE)\n";
    let directory = tree(&[("a.py", source.as_bytes())]);
    let output = run_in(directory.path(), &["--check", "--select", "LK002"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let output = run_in(
        directory.path(),
        &[
            "--check",
            "--select",
            "LK002",
            "--large-allocation-bytes",
            "1_000",
        ],
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("a.py:1:1: LK002 `TABLE` keeps ~4.1 kB alive"),
        "{}",
        stdout(&output)
    );
    let output = run_in(
        directory.path(),
        &[
            "--large-allocation-bytes=1000",
            "--unsafe-fixes",
            "--select=LK002",
        ],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        read(directory.path(), "a.py"),
        format!("{source}del TABLE\n")
    );
    let output = run_in(directory.path(), &["--large-allocation-bytes", "ten"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("not a whole number of bytes"));
}
