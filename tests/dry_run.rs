//! End-to-end tests of `--dry-run`'s patch: it applies with a standard tool from
//! wherever it was made, whatever the files are called and wherever they are, and equals
//! what fixing in place writes; the findings it leaves are listed on stderr.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

mod common;
use common::{code, run_in, stderr, stdout, write, FIXABLE, FIXED};

/// LK001 without a fix: a lambda has no body for the guard.
const UNFIXABLE: &str = "f = lambda x=[]: x\n";

/// Every file under `root` (links as their targets' text), relative to it, sorted.
fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = fs::read(&path) {
                files.push((path.strip_prefix(root).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

/// Runs a tool in `directory` on the patch `patch` (given on stdin), asserting it
/// succeeds.
fn apply(directory: &Path, program: &str, args: &[&str], patch: &[u8]) {
    let patch_file = tempfile::NamedTempFile::new().unwrap();
    fs::write(patch_file.path(), patch).unwrap();
    let output = Command::new(program)
        .args(args)
        .stdin(fs::File::open(patch_file.path()).unwrap())
        .current_dir(directory)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .unwrap_or_else(|error| panic!("{program} is installed: {error}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{}\n{}\npatch:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(patch)
    );
}

/// A directory holding `files`, named by raw bytes (names need not be UTF-8).
#[cfg(unix)]
fn tree_of_bytes(files: &[(&[u8], &str)]) -> TempDir {
    use std::os::unix::ffi::OsStrExt;
    let directory = TempDir::new().unwrap();
    for (name, contents) in files {
        fs::write(directory.path().join(OsStr::from_bytes(name)), contents).unwrap();
    }
    directory
}

/// Makes the dry run's patch in one copy of `files` and fixes another in place; each
/// tool (`git apply`, `patch -p1`) applied to a fresh copy gives the in-place result.
#[cfg(unix)]
fn assert_patch_applies_like_in_place(files: &[(&[u8], &str)], args: &[&str]) -> String {
    let dry = tree_of_bytes(files);
    let original = snapshot(dry.path());
    let mut dry_args = vec!["--dry-run"];
    dry_args.extend_from_slice(args);
    let output = run_in(dry.path(), &dry_args);
    assert_eq!(
        code(&output),
        1,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(snapshot(dry.path()), original, "--dry-run wrote");
    let patch = output.stdout.clone();

    let in_place = tree_of_bytes(files);
    let output = run_in(in_place.path(), args);
    assert!(
        code(&output) < 2,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = snapshot(in_place.path());
    assert_ne!(expected, original, "nothing was fixed");

    for (program, tool_args) in [("git", &["apply"][..]), ("patch", &["-p1", "-s"][..])] {
        let copy = tree_of_bytes(files);
        apply(copy.path(), program, tool_args, &patch);
        assert_eq!(snapshot(copy.path()), expected, "{program}");
    }
    String::from_utf8_lossy(&patch).into_owned()
}

#[cfg(unix)]
#[test]
fn names_with_control_characters_quotes_spaces_and_invalid_utf8_are_quoted_as_git_does() {
    let files: &[(&[u8], &str)] = &[
        (b"new\nline.py", FIXABLE),
        (b"tab\there.py", FIXABLE),
        (b"carriage\rreturn.py", FIXABLE),
        (b"with space.py", FIXABLE),
        (b"quote\"and\\backslash.py", FIXABLE),
        (b"latin1-\xe9.py", FIXABLE),
        ("caf\u{e9}.py".as_bytes(), FIXABLE),
        (b"bell\x07.py", FIXABLE),
        (b"plain.py", FIXABLE),
    ];
    let patch = assert_patch_applies_like_in_place(files, &[]);
    for header in [
        "--- \"a/new\\nline.py\"\n+++ \"b/new\\nline.py\"\n",
        "--- \"a/tab\\there.py\"\n+++ \"b/tab\\there.py\"\n",
        "--- \"a/carriage\\rreturn.py\"\n+++ \"b/carriage\\rreturn.py\"\n",
        // git ends a name holding a space with a tab, so that no tool cuts it short.
        "--- a/with space.py\t\n+++ b/with space.py\t\n",
        "--- \"a/quote\\\"and\\\\backslash.py\"\n",
        // Not UTF-8: the byte in octal, never a replacement character.
        "--- \"a/latin1-\\351.py\"\n+++ \"b/latin1-\\351.py\"\n",
        // UTF-8 stays readable (git's `core.quotePath` off); both tools take it.
        "--- a/caf\u{e9}.py\n+++ b/caf\u{e9}.py\n",
        "--- \"a/bell\\a.py\"\n",
        "--- a/plain.py\n+++ b/plain.py\n",
    ] {
        assert!(patch.contains(header), "no {header:?} in\n{patch}");
    }
    assert!(!patch.contains('\u{fffd}'));
}

#[cfg(unix)]
#[test]
fn awkward_contents_apply_with_both_tools() {
    let crlf = "import os\r\n\r\ndef f(x=[]):\r\n    return x\r\n";
    let bom = "\u{feff}def f(x=[]):\n    return x\n";
    let files: &[(&[u8], &str)] = &[
        (b"crlf.py", crlf),
        (b"no_newline.py", "def f(x=[]):\n    return x"),
        (b"bom.py", bom),
        (b"tabs.py", "class A:\n\tdef f(self, x={}):\n\t\treturn x\n"),
        (b"unfixable.py", UNFIXABLE),
    ];
    assert_patch_applies_like_in_place(files, &[]);
}

#[cfg(unix)]
#[test]
fn a_symlink_named_on_the_command_line_is_patched_where_fixing_writes() {
    // Fixing in place writes the link's target; the patch names the target too, so
    // applying it changes the same file and the link stays a link.
    let directory = TempDir::new().unwrap();
    write(directory.path(), "real/a.py", FIXABLE);
    std::os::unix::fs::symlink("real/a.py", directory.path().join("link.py")).unwrap();
    let output = run_in(directory.path(), &["--dry-run", "link.py"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let patch = output.stdout.clone();
    assert!(
        stdout(&output).starts_with("--- a/real/a.py\n+++ b/real/a.py\n"),
        "{}",
        stdout(&output)
    );
    apply(directory.path(), "git", &["apply"], &patch);
    assert_eq!(common::read(directory.path(), "real/a.py"), FIXED);
    assert!(fs::symlink_metadata(directory.path().join("link.py"))
        .unwrap()
        .file_type()
        .is_symlink());
}

/// `work/proj` (the working directory, with a file and a link to a file outside it)
/// and `work/code` (outside it), all fixable.
fn outside_tree() -> TempDir {
    let work = TempDir::new().unwrap();
    write(work.path(), "proj/inside.py", FIXABLE);
    write(
        work.path(),
        "code/app.py",
        format!("{FIXABLE}\n{UNFIXABLE}"),
    );
    write(work.path(), "code/sub/deep.py", FIXABLE);
    write(work.path(), "elsewhere/linked.py", FIXABLE);
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        work.path().join("elsewhere/linked.py"),
        work.path().join("proj/link.py"),
    )
    .unwrap();
    work
}

#[cfg(unix)]
#[test]
fn paths_outside_the_working_directory_are_based_at_the_root_and_apply_from_anywhere() {
    let work = outside_tree();
    let root = work.path().canonicalize().unwrap();
    let proj = root.join("proj");
    let absolute_app = root.join("code/app.py");
    let argument_sets: Vec<Vec<String>> = vec![
        vec!["../code".into(), "inside.py".into()],
        vec![absolute_app.to_str().unwrap().into()],
        vec!["link.py".into()],
    ];
    for arguments in argument_sets {
        let args: Vec<&str> = arguments.iter().map(String::as_str).collect();
        let original = snapshot(&root);
        let mut dry_args = vec!["--dry-run"];
        dry_args.extend_from_slice(&args);
        let output = run_in(&proj, &dry_args);
        assert_eq!(code(&output), 1, "{args:?}: {}", stderr(&output));
        let patch = output.stdout.clone();
        let text = stdout(&output);
        // Every name, inside the working directory or not, is absolute without its
        // leading `/`: one base for the whole patch, so one command applies it.
        for line in text.lines().filter(|line| line.starts_with("--- ")) {
            let name = line.strip_prefix("--- a/").unwrap();
            assert!(
                Path::new("/").join(name).starts_with(&root),
                "{args:?}: {line}"
            );
            assert!(!name.contains(".."), "{line}");
        }
        assert!(
            stderr(&output).contains("apply it from anywhere with `patch -p1 -d / < PATCH`"),
            "{}",
            stderr(&output)
        );

        let fixed_in_place = {
            let output = run_in(&proj, &args);
            assert!(code(&output) < 2, "{}", stderr(&output));
            snapshot(&root)
        };
        assert_ne!(fixed_in_place, original, "{args:?}");
        // Back to the original, then the patch from elsewhere, with each tool.
        for (program, tool_args, at) in [
            ("patch", &["-p1", "-s", "-d", "/"][..], Path::new("/tmp")),
            ("git", &["-C", "/", "apply"][..], Path::new("/tmp")),
        ] {
            for (path, bytes) in &original {
                let path = root.join(path);
                if !fs::symlink_metadata(&path).unwrap().is_symlink() {
                    fs::write(path, bytes).unwrap();
                }
            }
            assert_eq!(snapshot(&root), original);
            apply(at, program, tool_args, &patch);
            assert_eq!(snapshot(&root), fixed_in_place, "{args:?} {program}");
        }
        for (path, bytes) in &original {
            let path = root.join(path);
            if !fs::symlink_metadata(&path).unwrap().is_symlink() {
                fs::write(path, bytes).unwrap();
            }
        }
    }
}

#[test]
fn paths_inside_the_working_directory_stay_relative_with_no_note() {
    let work = outside_tree();
    let root = work.path().canonicalize().unwrap();
    let output = run_in(
        &root.join("proj"),
        &["--dry-run", "inside.py", "./inside.py"],
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(stdout(&output).starts_with("--- a/inside.py\n+++ b/inside.py\n"));
    assert_eq!(stdout(&output).matches("--- ").count(), 1);
    assert!(!stderr(&output).contains("note:"), "{}", stderr(&output));
    // From the parent, `proj/..` is inside too.
    let output = run_in(&root, &["--dry-run", "proj/../code/sub"]);
    assert!(stdout(&output).starts_with("--- a/code/sub/deep.py\n"));
}

#[test]
fn stdin_named_outside_the_working_directory_is_based_at_the_root() {
    let work = outside_tree();
    let root = work.path().canonicalize().unwrap();
    let output = common::command(
        &root.join("proj"),
        &["--dry-run", "--stdin-filename", "../code/new.py", "-"],
    )
    .write_stdin(FIXABLE)
    .output()
    .unwrap();
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let expected = format!("--- a{}/code/new.py\n", root.display());
    assert!(
        stdout(&output).starts_with(&expected),
        "{}",
        stdout(&output)
    );
}

// ---------------------------------------------------------------- what the patch leaves

#[test]
fn findings_the_patch_leaves_are_listed_on_stderr_where_they_are_on_disk() {
    // The fix adds two lines above the lambda: it is listed at its line in the file
    // as it is (5), which the patch's old side shows, not in the fixed text (7).
    let work = TempDir::new().unwrap();
    write(work.path(), "a.py", format!("{FIXABLE}\n\n{UNFIXABLE}"));
    write(work.path(), "b.py", UNFIXABLE);
    write(work.path(), "clean.py", "x = 1\n");
    let output = run_in(work.path(), &["--dry-run"]);
    assert_eq!(code(&output), 1);
    let patch = stdout(&output);
    assert!(patch.starts_with("--- a/a.py\n"), "{patch}");
    assert!(
        patch
            .lines()
            .all(|line| line.starts_with(['-', '+', ' ', '@'])),
        "stdout is the patch alone: {patch}"
    );
    let errors = stderr(&output);
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines.len(), 3, "{errors}");
    assert!(
        lines[0].starts_with("a.py:5:14: LK001 `x` defaults to one list"),
        "{errors}"
    );
    assert!(lines[1].starts_with("b.py:1:14: LK001 "), "{errors}");
    assert_eq!(
        lines[2],
        "Would fix 1 finding in 1 file; 2 findings have no fix (LK001: 2)."
    );
}

#[test]
fn nothing_to_fix_still_says_where_the_findings_are() {
    let work = TempDir::new().unwrap();
    write(
        work.path(),
        "b.py",
        format!("{UNFIXABLE}g = lambda y={{}}: y\n"),
    );
    for args in [
        &["--dry-run"][..],
        &["--dry-run", "--output-format", "json"],
    ] {
        let output = run_in(work.path(), args);
        assert_eq!(code(&output), 1);
        assert_eq!(stdout(&output), "", "{args:?}");
        let errors = stderr(&output);
        assert_eq!(errors.lines().count(), 3, "{errors}");
        assert!(errors.starts_with("b.py:1:14: LK001 "), "{errors}");
        assert!(errors.contains("\nb.py:2:14: LK001 "), "{errors}");
        assert!(
            errors.ends_with("Nothing to fix; 2 findings have no fix (LK001: 2).\n"),
            "{errors}"
        );
    }
}

#[test]
fn unsafe_fixes_left_off_are_listed_too() {
    // LK004's fix for a stored exception is unsafe: without --unsafe-fixes the
    // patch leaves it, and says so and where.
    let source = "class Job:\n    def run(self):\n        try:\n            work()\n        except OSError as error:\n            self.error = error\n";
    let work = TempDir::new().unwrap();
    write(work.path(), "job.py", source);
    let output = run_in(work.path(), &["--dry-run", "--select", "LK004"]);
    assert_eq!(code(&output), 1);
    assert_eq!(stdout(&output), "");
    let errors = stderr(&output);
    assert!(errors.starts_with("job.py:6:"), "{errors}");
    assert!(
        errors.contains("can be fixed with --unsafe-fixes"),
        "{errors}"
    );
    let output = run_in(
        work.path(),
        &["--dry-run", "--select", "LK004", "--unsafe-fixes"],
    );
    assert!(
        stdout(&output).starts_with("--- a/job.py\n"),
        "{}",
        stdout(&output)
    );
    assert!(!stderr(&output).contains("job.py:"), "{}", stderr(&output));
}

#[cfg(unix)]
#[test]
fn a_file_named_twice_under_two_names_is_fixed_and_patched_once() {
    // `link.py` and `real/a.py` are one file, and so are `real` and `real/../real`:
    // a patch naming it twice would apply nothing, and fixing it twice would fail.
    let files: &[(&str, &[u8])] = &[("real/a.py", FIXABLE.as_bytes())];
    for args in [
        &["link.py", "real/a.py"][..],
        &["real", "real/../real/a.py"],
        &["real", "real/../real"],
    ] {
        let make = || {
            let directory = common::tree(files);
            std::os::unix::fs::symlink("real/a.py", directory.path().join("link.py")).unwrap();
            directory
        };
        let dry = make();
        let mut dry_args = vec!["--dry-run"];
        dry_args.extend_from_slice(args);
        let output = run_in(dry.path(), &dry_args);
        assert_eq!(code(&output), 1, "{args:?}: {}", stderr(&output));
        assert_eq!(
            stdout(&output).matches("--- a/real/a.py\n").count(),
            1,
            "{args:?}"
        );
        apply(dry.path(), "git", &["apply"], &output.stdout);
        assert_eq!(common::read(dry.path(), "real/a.py"), FIXED);

        let in_place = make();
        let output = run_in(in_place.path(), args);
        assert_eq!(code(&output), 0, "{args:?}: {}", stderr(&output));
        assert_eq!(stdout(&output), "Fixed 1 finding in 1 file.\n");
        assert_eq!(common::read(in_place.path(), "real/a.py"), FIXED);
    }
}
