//! Shared by the test files: the settings a fixture asks for, and what the end-to-end
//! tests need to run the binary in a temporary tree of files.
//!
//! Each test file is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use pyleak_fix::settings::Settings;
use tempfile::TempDir;

/// LK001's example: fixed safely in every mode.
pub const FIXABLE: &str = "def f(x=[]):\n    return x\n";
pub const FIXED: &str = "def f(x=None):\n    if x is None:\n        x = []\n    return x\n";

/// The settings for a fixture of `rule_dir` (`lk001`, ...): that rule alone, plus the
/// options of a first line of the form `# fixture: unsafe-fixes target-version=py38`.
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
