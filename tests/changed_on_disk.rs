//! A file that changes or disappears between being read and being written, end to end:
//! the debug build's `PYLEAK_FIX_DEBUG_SLOW_WRITE_MS` holds each temporary file before its
//! rename, the test waits until the temporary file of `victim.py` exists (so the file has
//! been read and its fix computed), then changes or removes `victim.py`. The run must
//! refuse to write it, say so naming it, exit 2, leave what is on disk alone and no
//! temporary file behind, and still fix the other file.

use std::fs;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

mod common;
use common::{FIXABLE, FIXED};

const EDITED: &str = "def f(x=[]):\n    return len(x)  # edited meanwhile\n";

fn start(directory: &Path) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("pyleak-fix"))
        .current_dir(directory)
        .args(["--select", "LK001", "."])
        .env("PYLEAK_FIX_DEBUG_SLOW_WRITE_MS", "1500")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn names(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Waits until `victim.py`'s temporary file is in the directory.
fn wait_for_temporary_file(directory: &Path) {
    let started = Instant::now();
    while !names(directory)
        .iter()
        .any(|name| name.starts_with(".victim.py.pyleak-fix-"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn run_with_interference(interfere: impl FnOnce(&Path)) -> (TempDir, i32, String) {
    let directory = TempDir::new().unwrap();
    fs::write(directory.path().join("victim.py"), FIXABLE).unwrap();
    fs::write(directory.path().join("other.py"), FIXABLE).unwrap();
    let child = start(directory.path());
    wait_for_temporary_file(directory.path());
    interfere(directory.path());
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    (directory, output.status.code().unwrap(), err)
}

#[test]
fn a_file_changed_after_it_was_read_is_not_overwritten() {
    let (directory, code, err) = run_with_interference(|directory| {
        fs::write(directory.join("victim.py"), EDITED).unwrap();
    });
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: victim.py: changed on disk while being fixed; left as it is"),
        "{err}"
    );
    let victim = fs::read_to_string(directory.path().join("victim.py")).unwrap();
    assert_eq!(victim, EDITED, "the edit made meanwhile is kept");
    let other = fs::read_to_string(directory.path().join("other.py")).unwrap();
    assert_eq!(other, FIXED, "the other file is still fixed");
    assert_eq!(names(directory.path()), ["other.py", "victim.py"]);
}

#[test]
fn a_file_removed_after_it_was_read_is_not_written_back() {
    let (directory, code, err) = run_with_interference(|directory| {
        fs::remove_file(directory.join("victim.py")).unwrap();
    });
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: victim.py: removed on disk while being fixed; not written"),
        "{err}"
    );
    let other = fs::read_to_string(directory.path().join("other.py")).unwrap();
    assert_eq!(other, FIXED, "the other file is still fixed");
    assert_eq!(names(directory.path()), ["other.py"]);
}
