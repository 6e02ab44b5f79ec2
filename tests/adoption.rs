//! End-to-end tests of what turning the tool on in an old code base takes:
//! `--add-noqa` (start clean, fix over time) and `--statistics` (size it up first).

use std::fs;
use std::path::Path;
use std::process::Command;

mod common;
use common::{code, read, run_in, stderr, stdout, tree, FIXABLE, FIXED};

/// Findings without a fix in the awkward places a comment must not go.
const LEFT: &str = concat!(
    "g = lambda y=[]: y  # noqa: E501\n",
    "h = lambda y={}: y   \n",
    "k = lambda z=[]: z  # keep this\n",
    "two = (lambda a=[]: a, lambda b={}: b)\n",
    "f = lambda x=[], y=\"\"\"\n",
    "in a string\"\"\": x\n",
    "c = lambda x=[]: \\\n",
    "    x\n",
    "m = (lambda a=[]:\n",
    "     a)\n",
    "r = lambda x=[]: x  # noqa:E501 a long line\n",
    "t = lambda x=[]: x  # type: ignore # noqa: E501\n",
);

const LEFT_SILENCED: &str = concat!(
    "g = lambda y=[]: y  # noqa: E501, LK001\n",
    "h = lambda y={}: y  # noqa: LK001\n",
    "k = lambda z=[]: z  # keep this  # noqa: LK001\n",
    "two = (lambda a=[]: a, lambda b={}: b)  # noqa: LK001\n",
    "f = lambda x=[], y=\"\"\"\n",
    "in a string\"\"\": x  # noqa: LK001\n",
    "c = lambda x=[]: \\\n",
    "    x  # noqa: LK001\n",
    "m = (lambda a=[]:  # noqa: LK001\n",
    "     a)\n",
    "r = lambda x=[]: x  # noqa:E501, LK001 a long line\n",
    "t = lambda x=[]: x  # type: ignore # noqa: E501, LK001\n",
);

fn assert_python_parses(path: &Path) {
    let output = Command::new("python3")
        .args([
            "-c",
            "import ast, sys; ast.parse(open(sys.argv[1], 'rb').read())",
        ])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn add_noqa_fixes_then_silences_what_is_left_so_the_next_run_is_clean() {
    let crlf = "f = lambda x=[]: x\r\ng = 1\r\n";
    let directory = tree(&[
        ("left.py", LEFT.as_bytes()),
        ("mixed.py", format!("{FIXABLE}\n\n{LEFT}").as_bytes()),
        ("crlf.py", crlf.as_bytes()),
        ("clean.py", b"x = 1\n"),
    ]);
    let output = run_in(directory.path(), &["--add-noqa"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "Fixed 1 finding in 1 file. Silenced 21 findings with `# noqa` (LK001: 21).\n"
    );
    assert_eq!(read(directory.path(), "left.py"), LEFT_SILENCED);
    assert_eq!(
        read(directory.path(), "mixed.py"),
        format!("{FIXED}\n\n{LEFT_SILENCED}")
    );
    assert_eq!(
        read(directory.path(), "crlf.py"),
        "f = lambda x=[]: x  # noqa: LK001\r\ng = 1\r\n"
    );
    assert_eq!(read(directory.path(), "clean.py"), "x = 1\n");
    for name in ["left.py", "mixed.py", "crlf.py"] {
        assert_python_parses(&directory.path().join(name));
    }
    // Clean now, in every mode; and a second --add-noqa changes nothing.
    let output = run_in(directory.path(), &["--check"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    let output = run_in(directory.path(), &["--add-noqa"]);
    assert_eq!(code(&output), 0);
    assert_eq!(read(directory.path(), "left.py"), LEFT_SILENCED);
}

#[test]
fn add_noqa_as_a_dry_run_is_a_patch_of_the_same_change() {
    let files: [(&str, &[u8]); 2] = [
        ("left.py", LEFT.as_bytes()),
        ("sub/mixed.py", FIXABLE.as_bytes()),
    ];
    let patched = tree(&files);
    let in_place = tree(&files);
    let output = run_in(patched.path(), &["--dry-run", "--add-noqa"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(read(patched.path(), "left.py"), LEFT, "--dry-run wrote");
    assert!(
        stderr(&output).ends_with(
            "Would fix 1 finding in 1 file. Would silence 10 findings with `# noqa` (LK001: 10).\n"
        ),
        "{}",
        stderr(&output)
    );
    fs::write(patched.path().join("fix.patch"), &output.stdout).unwrap();
    let git = Command::new("git")
        .args(["apply", "fix.patch"])
        .current_dir(patched.path())
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    assert!(
        git.status.success(),
        "{}",
        String::from_utf8_lossy(&git.stderr)
    );
    run_in(in_place.path(), &["--add-noqa"]);
    for name in ["left.py", "sub/mixed.py"] {
        assert_eq!(read(patched.path(), name), read(in_place.path(), name));
    }
}

#[test]
fn add_noqa_respects_the_selection_and_unsafe_fixes() {
    // Only the selected rule's findings get a comment; with --unsafe-fixes an unsafe
    // fix is applied instead of silenced.
    let cycle = "class Job:\n    def run(self):\n        try:\n            work()\n        except OSError as error:\n            self.error = error\n";
    let source = format!("{cycle}\n\nf = lambda x=[]: x\n");
    let directory = tree(&[("a.py", source.as_bytes()), ("b.py", source.as_bytes())]);
    let output = run_in(
        directory.path(),
        &["--add-noqa", "--select", "LK004", "a.py"],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let a = read(directory.path(), "a.py");
    assert!(
        a.contains("            self.error = error  # noqa: LK004\n"),
        "{a}"
    );
    assert!(a.ends_with("f = lambda x=[]: x\n"), "{a}");
    let output = run_in(
        directory.path(),
        &["--add-noqa", "--unsafe-fixes", "--select", "LK004", "b.py"],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let b = read(directory.path(), "b.py");
    assert!(!b.contains("noqa"), "{b}");
    assert!(b.contains("with_traceback(None)"), "{b}");
}

#[test]
fn add_noqa_with_check_or_statistics_is_a_usage_error() {
    let directory = tree(&[("a.py", FIXABLE.as_bytes())]);
    for args in [
        &["--add-noqa", "--check"][..],
        &["--add-noqa", "--statistics"],
    ] {
        let output = run_in(directory.path(), args);
        assert_eq!(code(&output), 2, "{args:?}");
        assert_eq!(read(directory.path(), "a.py"), FIXABLE);
    }
}

// ---------------------------------------------------------------- statistics

fn statistics_tree() -> tempfile::TempDir {
    let cycle = "class Node:\n    def __init__(self):\n        self.me = self\n";
    tree(&[
        ("a.py", format!("{FIXABLE}\n\n{cycle}").as_bytes()),
        ("b.py", format!("{FIXABLE}f = lambda x=[]: x\n").as_bytes()),
        ("c.py", b"g = lambda y={}: y\n"),
    ])
}

#[test]
fn statistics_count_each_rule_instead_of_listing_findings() {
    let directory = statistics_tree();
    let output = run_in(
        directory.path(),
        &["--check", "--statistics", "--extend-select", "LK005"],
    );
    assert_eq!(code(&output), 1);
    assert_eq!(
        stdout(&output),
        "4\tLK001\t[*] mutable-default-argument\n1\tLK005\t[ ] self-reference\n"
    );
    assert_eq!(
        stderr(&output),
        "Found 5 findings in 3 files; 2 can be fixed by running without --check.\n"
    );
    let output = run_in(
        directory.path(),
        &[
            "--check",
            "--statistics",
            "--extend-select",
            "LK005",
            "--output-format",
            "json",
        ],
    );
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        parsed,
        serde_json::json!([
            {"code": "LK001", "name": "mutable-default-argument", "count": 4, "fixable": true},
            {"code": "LK005", "name": "self-reference", "count": 1, "fixable": false},
        ])
    );
    // Fixing: what is left, none of it fixable (no marker column then).
    let output = run_in(
        directory.path(),
        &["--statistics", "--extend-select", "LK005"],
    );
    assert_eq!(code(&output), 1);
    assert_eq!(
        stdout(&output),
        "2\tLK001\tmutable-default-argument\n1\tLK005\tself-reference\n\
         Fixed 2 findings in 2 files; 3 findings left unfixed (LK001: 2, LK005: 1).\n"
    );
    let output = run_in(directory.path(), &["--statistics", "--dry-run"]);
    assert_eq!(code(&output), 2);
}
