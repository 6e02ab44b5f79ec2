//! End-to-end tests of what fits pyleak-fix into a Python toolchain: configuration
//! files, suppressions, output formats, stdin, and the discoverability commands. Each
//! runs the binary in its own temporary directory.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

mod common;
use common::{code, read, stderr, stdout, write, FIXABLE, FIXED};

/// [`common::tree`] of text files.
fn tree(files: &[(&str, &str)]) -> TempDir {
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, contents)| (*path, contents.as_bytes()))
        .collect();
    common::tree(&files)
}

/// The binary, with no output format or colour setting taken from the environment.
fn command(directory: &Path, args: &[&str]) -> Command {
    let mut command = common::command(directory, args);
    command
        .env_remove("PYLEAK_FIX_OUTPUT_FORMAT")
        .env_remove("NO_COLOR");
    command
}

fn run_in(directory: &Path, args: &[&str]) -> Output {
    command(directory, args).output().unwrap()
}

/// The `PATH:LINE` of each finding `--check` lists, sorted.
fn found(directory: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["--check"];
    all.extend_from_slice(args);
    let output = run_in(directory, &all);
    assert!(code(&output) < 2, "{}", stderr(&output));
    let mut lines: Vec<String> = stdout(&output)
        .lines()
        .map(|line| line.splitn(3, ':').take(2).collect::<Vec<_>>().join(":"))
        .collect();
    lines.sort();
    lines
}

// ---------------------------------------------------------------- configuration

#[test]
fn pyproject_tool_table_configures_the_files_below_it() {
    let directory = tree(&[
        (
            "pyproject.toml",
            "[tool.pyleak-fix]\nignore = [\"LK001\"]\n",
        ),
        ("a.py", FIXABLE),
        ("pkg/b.py", FIXABLE),
    ]);
    assert!(found(directory.path(), &[]).is_empty());
    // From inside a subdirectory too: the configuration is found by walking up.
    assert!(found(&directory.path().join("pkg"), &[]).is_empty());
}

#[test]
fn a_pyproject_without_the_table_does_not_count_and_the_closest_config_wins() {
    let directory = tree(&[
        ("pyleak-fix.toml", "ignore = [\"LK001\"]\n"),
        ("a.py", FIXABLE),
        // No [tool.pyleak-fix] here: the root's configuration still governs `plain/`.
        ("plain/pyproject.toml", "[project]\nname = \"plain\"\n"),
        ("plain/b.py", FIXABLE),
        // A closer configuration replaces the root's entirely.
        (
            "strict/pyproject.toml",
            "[tool.pyleak-fix]\nselect = [\"LK\"]\n",
        ),
        ("strict/c.py", FIXABLE),
    ]);
    assert_eq!(found(directory.path(), &[]), ["strict/c.py:1"]);
}

#[test]
fn pyleak_fix_toml_wins_over_pyproject_in_the_same_directory() {
    let directory = tree(&[
        ("pyleak-fix.toml", "ignore = [\"LK001\"]\n"),
        (
            "pyproject.toml",
            "[tool.pyleak-fix]\nselect = [\"LK001\"]\n",
        ),
        ("a.py", FIXABLE),
    ]);
    assert!(found(directory.path(), &[]).is_empty());
}

#[test]
fn config_flag_uses_one_file_for_everything_and_isolated_uses_none() {
    let directory = tree(&[
        ("pyleak-fix.toml", "ignore = [\"LK001\"]\n"),
        ("a.py", FIXABLE),
        ("ci/strict.toml", "select = [\"LK001\"]\n"),
    ]);
    assert!(found(directory.path(), &[]).is_empty());
    assert_eq!(
        found(directory.path(), &["--config", "ci/strict.toml"]),
        ["a.py:1"]
    );
    assert_eq!(found(directory.path(), &["--isolated"]), ["a.py:1"]);
    let output = run_in(
        directory.path(),
        &["--isolated", "--config", "ci/strict.toml"],
    );
    assert_eq!(code(&output), 2);
}

#[test]
fn the_command_line_wins_over_the_configuration() {
    let directory = tree(&[
        ("pyleak-fix.toml", "ignore = [\"LK001\"]\n"),
        ("a.py", FIXABLE),
    ]);
    assert_eq!(found(directory.path(), &["--select", "LK001"]), ["a.py:1"]);
    assert_eq!(
        found(directory.path(), &["--extend-select", "LK001"]),
        ["a.py:1"]
    );
    let directory = tree(&[
        ("pyleak-fix.toml", "select = [\"LK001\"]\n"),
        ("a.py", FIXABLE),
    ]);
    assert!(found(directory.path(), &["--ignore", "LK"]).is_empty());
}

#[test]
fn exclude_and_extend_exclude_skip_while_walking() {
    let directory = tree(&[
        (
            "pyproject.toml",
            "[tool.pyleak-fix]\nextend-exclude = [\"generated\", \"src/legacy/*.py\"]\n",
        ),
        ("generated/a.py", FIXABLE),
        ("src/legacy/old.py", FIXABLE),
        ("src/new.py", FIXABLE),
        ("build/b.py", FIXABLE),
    ]);
    assert_eq!(found(directory.path(), &[]), ["src/new.py:1"]);
    // `exclude` replaces the default list (build, dist, .venv, ...).
    write(
        directory.path(),
        "pyproject.toml",
        "[tool.pyleak-fix]\nexclude = [\"generated\"]\n",
    );
    assert_eq!(
        found(directory.path(), &[]),
        ["build/b.py:1", "src/legacy/old.py:1", "src/new.py:1"]
    );
}

#[test]
fn force_exclude_applies_excludes_to_files_named_on_the_command_line() {
    let directory = tree(&[
        (
            "pyproject.toml",
            "[tool.pyleak-fix]\nextend-exclude = [\"generated\"]\n",
        ),
        ("generated/a.py", FIXABLE),
        ("build/b.py", FIXABLE),
        ("c.py", FIXABLE),
    ]);
    let files = ["generated/a.py", "build/b.py", "c.py"];
    assert_eq!(
        found(directory.path(), &files),
        ["build/b.py:1", "c.py:1", "generated/a.py:1"]
    );
    let mut args = vec!["--force-exclude"];
    args.extend(files);
    assert_eq!(found(directory.path(), &args), ["c.py:1"]);
}

#[test]
fn per_file_ignores_match_names_and_anchored_paths() {
    let directory = tree(&[
        (
            "pyleak-fix.toml",
            "[per-file-ignores]\n\"test_*.py\" = [\"LK001\"]\n\"scripts/**\" = [\"LK\"]\n",
        ),
        ("tests/test_a.py", FIXABLE),
        ("scripts/deep/run.py", FIXABLE),
        ("app.py", FIXABLE),
    ]);
    assert_eq!(found(directory.path(), &[]), ["app.py:1"]);
    let output = run_in(directory.path(), &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(read(directory.path(), "app.py"), FIXED);
    assert_eq!(read(directory.path(), "tests/test_a.py"), FIXABLE);
}

const ANNOTATED: &str = "def f(x: list = []):\n    return len(x)\n";

fn fixed_annotation(directory: &Path, args: &[&str]) -> String {
    let mut all = vec!["--dry-run"];
    all.extend_from_slice(args);
    let output = run_in(directory, &all);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    stdout(&output)
        .lines()
        .find(|line| line.starts_with("+def f") || line.starts_with("+from"))
        .unwrap()
        .to_string()
}

#[test]
fn target_version_comes_from_the_config_then_requires_python_then_py37() {
    let directory = tree(&[("a.py", ANNOTATED)]);
    // Nothing says which Python: the oldest, so the fix runs on any.
    assert_eq!(
        fixed_annotation(directory.path(), &[]),
        "+from typing import Optional"
    );
    write(
        directory.path(),
        "pyproject.toml",
        "[project]\nrequires-python = \">=3.8\"\n[tool.pyleak-fix]\n",
    );
    assert_eq!(
        fixed_annotation(directory.path(), &[]),
        "+from typing import Optional"
    );
    write(
        directory.path(),
        "pyproject.toml",
        "[project]\nrequires-python = \">=3.8\"\n[tool.pyleak-fix]\ntarget-version = \"py311\"\n",
    );
    assert_eq!(
        fixed_annotation(directory.path(), &[]),
        "+def f(x: list | None = None):"
    );
    assert_eq!(
        fixed_annotation(directory.path(), &["--target-version", "py39"]),
        "+from typing import Optional"
    );
    // A pyleak-fix.toml reads requires-python from the pyproject.toml beside it.
    write(
        directory.path(),
        "pyproject.toml",
        "[project]\nrequires-python = \">=3.9\"\n",
    );
    write(directory.path(), "pyleak-fix.toml", "");
    assert_eq!(
        fixed_annotation(directory.path(), &[]),
        "+from typing import Optional"
    );
}

#[test]
fn target_version_comes_from_the_closest_project_with_or_without_a_table() {
    const UNION: &str = "+def f(x: list | None = None):";
    const OPTIONAL: &str = "+from typing import Optional";
    // A pyproject.toml that configures nothing still says which Python the project needs.
    let directory = tree(&[
        ("pyproject.toml", "[project]\nrequires-python = \">=3.8\"\n"),
        ("a.py", ANNOTATED),
    ]);
    assert_eq!(fixed_annotation(directory.path(), &[]), OPTIONAL);
    assert_eq!(
        fixed_annotation(directory.path(), &["--isolated"]),
        OPTIONAL,
        "--isolated reads no project file, so the oldest Python is assumed"
    );
    assert_eq!(
        fixed_annotation(directory.path(), &["--target-version", "py310"]),
        UNION
    );
    // So does setup.cfg's `python_requires`, also written over continuation lines.
    for setup_cfg in [
        "[metadata]\nname = a\n\n[options]\npython_requires = >=3.7\n",
        "[options]\n# the oldest\nPython_Requires =\n    >=3.9,\n    <4\npackages = find:\n",
    ] {
        let directory = tree(&[("setup.cfg", setup_cfg), ("a.py", ANNOTATED)]);
        assert_eq!(
            fixed_annotation(directory.path(), &[]),
            OPTIONAL,
            "{setup_cfg}"
        );
    }
    // And a literal `python_requires=` in setup.py, where setup.cfg says nothing.
    let directory = tree(&[
        ("setup.cfg", "[flake8]\nmax-line-length = 100\n"),
        (
            "setup.py",
            "from setuptools import setup\n\nsetup(name='a', python_requires='>=3.6')\n",
        ),
        ("a.py", ANNOTATED),
    ]);
    assert_eq!(
        fixed_annotation(directory.path(), &[]),
        OPTIONAL,
        "setup.py"
    );
    let directory = tree(&[
        (
            "setup.cfg",
            "[options.extras_require]\npython_requires = >=3.7\n",
        ),
        ("a.py", ANNOTATED),
    ]);
    assert_eq!(
        fixed_annotation(directory.path(), &[]),
        OPTIONAL,
        "another section: nothing declared, the oldest Python"
    );
    // requires-python wins over setup.cfg in the same directory.
    let directory = tree(&[
        (
            "pyproject.toml",
            "[project]\nrequires-python = \">=3.10\"\n",
        ),
        ("setup.cfg", "[options]\npython_requires = >=3.7\n"),
        ("a.py", ANNOTATED),
    ]);
    assert_eq!(fixed_annotation(directory.path(), &[]), UNION);
    // The closest project decides, even one that declares nothing: a project never takes
    // its Python from another that encloses it.
    let directory = tree(&[
        (
            "pyproject.toml",
            "[project]\nrequires-python = \">=3.10\"\n",
        ),
        ("vendored/pyproject.toml", "[build-system]\n"),
        ("vendored/pkg/a.py", ANNOTATED),
        (
            "sub/pyproject.toml",
            "[project]\nrequires-python = \">=3.11\"\n",
        ),
        ("sub/a.py", ANNOTATED),
    ]);
    let output = run_in(directory.path(), &["--dry-run", "vendored", "sub"]);
    // `vendored` declares nothing (the oldest Python, not the enclosing 3.10), `sub` 3.11.
    assert_eq!(
        (
            stdout(&output).matches(UNION).count(),
            stdout(&output).matches(OPTIONAL).count()
        ),
        (1, 1),
        "{}",
        stdout(&output)
    );
    // A configuration's own target-version still wins over any project declaration, and
    // a configuration without one defers to the closest project.
    let directory = tree(&[
        (
            "pyproject.toml",
            "[project]\nrequires-python = \">=3.11\"\n[tool.pyleak-fix]\n",
        ),
        ("old/setup.cfg", "[options]\npython_requires = >=3.8\n"),
        ("old/a.py", ANNOTATED),
    ]);
    assert_eq!(fixed_annotation(directory.path(), &[]), OPTIONAL);
    write(
        directory.path(),
        "pyproject.toml",
        "[tool.pyleak-fix]\ntarget-version = \"py311\"\n",
    );
    assert_eq!(fixed_annotation(directory.path(), &[]), UNION);
    // A declaration that cannot be read stops the run, naming the file (nothing written).
    let directory = tree(&[
        ("setup.cfg", "[options]\npython_requires = ^3.8\n"),
        ("a.py", ANNOTATED),
    ]);
    let output = run_in(directory.path(), &[]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).starts_with(
            "error: setup.cfg: `options.python_requires`: `^3.8` is not a version specifier"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(directory.path(), "a.py"), ANNOTATED);
}

#[test]
fn help_names_the_default_target_version() {
    let output = run_in(Path::new("."), &["--help"]);
    let help = stdout(&output);
    let default = pyleak_fix::settings::PythonVersion::default().to_string();
    assert!(
        help.contains(&format!("else {default},")),
        "--help must say the default target version is {default}"
    );
}

#[test]
fn extend_mutable_calls_adds_constructors() {
    let source = "import mypkg\n\n\ndef f(r=mypkg.Registry()):\n    return r\n";
    let directory = tree(&[("a.py", source)]);
    assert!(found(directory.path(), &[]).is_empty());
    write(
        directory.path(),
        "pyleak-fix.toml",
        "extend-mutable-calls = [\"mypkg.Registry\"]\nunsafe-fixes = false\nlarge-allocation-bytes = 1000000\n",
    );
    assert_eq!(found(directory.path(), &[]), ["a.py:4"]);
}

/// Each bad configuration, the message it must produce (after `error: `), and proof
/// that nothing was written.
#[test]
fn each_bad_configuration_is_an_error_naming_file_key_and_what_is_allowed() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "pyproject.toml",
            "[tool.pyleak-fix]\nselct = [\"LK001\"]\n",
            "pyproject.toml: unknown key `tool.pyleak-fix.selct`; allowed keys: select, ignore, extend-select, exclude, extend-exclude, per-file-ignores, unsafe-fixes, target-version, large-allocation-bytes, extend-mutable-calls",
        ),
        (
            "pyleak-fix.toml",
            "selct = [\"LK001\"]\n",
            "pyleak-fix.toml: unknown key `selct`; allowed keys: select,",
        ),
        (
            "pyleak-fix.toml",
            "select = \"LK001\"\n",
            "pyleak-fix.toml: `select` must be a list of rule codes, such as [\"LK001\"]; not the string \"LK001\"",
        ),
        (
            "pyleak-fix.toml",
            "ignore = [\"LK999\"]\n",
            "pyleak-fix.toml: `ignore`: unknown rule selector `LK999`; known rules: LK001",
        ),
        (
            "pyleak-fix.toml",
            "extend-select = [1]\n",
            "pyleak-fix.toml: `extend-select` must be a list of rule codes",
        ),
        (
            "pyleak-fix.toml",
            "exclude = \"build\"\n",
            "pyleak-fix.toml: `exclude` must be a list of globs",
        ),
        (
            "pyleak-fix.toml",
            "extend-exclude = [\"src/[\"]\n",
            "pyleak-fix.toml: `extend-exclude`: `src/[` is not a valid glob",
        ),
        (
            "pyleak-fix.toml",
            "per-file-ignores = [\"tests\"]\n",
            "pyleak-fix.toml: `per-file-ignores` must be a table of glob = [rule codes]",
        ),
        (
            "pyleak-fix.toml",
            "[per-file-ignores]\n\"tests/**\" = \"LK001\"\n",
            "pyleak-fix.toml: `per-file-ignores` entry `tests/**` must be a list of rule codes",
        ),
        (
            "pyleak-fix.toml",
            "[per-file-ignores]\n\"tests/**\" = [\"XX1\"]\n",
            "pyleak-fix.toml: `per-file-ignores` entry `tests/**`: unknown rule selector `XX1`",
        ),
        (
            "pyleak-fix.toml",
            "unsafe-fixes = 1\n",
            "pyleak-fix.toml: `unsafe-fixes` must be true or false, not the integer 1",
        ),
        (
            "pyleak-fix.toml",
            "target-version = \"3.8\"\n",
            "pyleak-fix.toml: `target-version`: unknown Python version `3.8`; expected one of py37, py38, py39, py310, py311, py312, py313, py314",
        ),
        (
            "pyleak-fix.toml",
            "target-version = 38\n",
            "pyleak-fix.toml: `target-version` must be a string, one of py37,",
        ),
        (
            "pyleak-fix.toml",
            "large-allocation-bytes = 0\n",
            "pyleak-fix.toml: `large-allocation-bytes` must be a positive whole number of bytes, not the integer 0",
        ),
        (
            "pyleak-fix.toml",
            "large-allocation-bytes = \"10MB\"\n",
            "pyleak-fix.toml: `large-allocation-bytes` must be a positive whole number of bytes, not the string \"10MB\"",
        ),
        (
            "pyleak-fix.toml",
            "extend-mutable-calls = [\"my pkg.Thing\"]\n",
            "pyleak-fix.toml: `extend-mutable-calls`: `my pkg.Thing` is not a qualified name",
        ),
        (
            "pyleak-fix.toml",
            "select = [\"LK001\"\n",
            "pyleak-fix.toml: not valid TOML: TOML parse error at line 1",
        ),
        (
            "pyproject.toml",
            "[tool]\npyleak-fix = 3\n",
            "pyproject.toml: `tool.pyleak-fix` must be a table ([tool.pyleak-fix]), not the integer 3",
        ),
        (
            "pyproject.toml",
            "[project]\nrequires-python = \"three\"\n[tool.pyleak-fix]\n",
            "pyproject.toml: `project.requires-python`: `three` is not a version specifier such as \">=3.9\"",
        ),
    ];
    for (name, contents, expected) in cases {
        let directory = tree(&[(name, contents), ("pkg/a.py", FIXABLE)]);
        for args in [&[][..], &["--check"], &["pkg/a.py"]] {
            let output = run_in(directory.path(), args);
            assert_eq!(code(&output), 2, "{contents}");
            let message = stderr(&output);
            assert!(
                message.starts_with(&format!("error: {expected}")),
                "{contents}\nexpected: {expected}\ngot: {message}"
            );
            assert_eq!(stdout(&output), "", "{contents}");
            assert_eq!(read(directory.path(), "pkg/a.py"), FIXABLE);
        }
    }
}

#[test]
fn a_bad_config_in_a_subdirectory_names_that_file() {
    let directory = tree(&[
        ("a.py", FIXABLE),
        ("sub/pyleak-fix.toml", "bogus = 1\n"),
        ("sub/b.py", FIXABLE),
    ]);
    let output = run_in(directory.path(), &[]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).starts_with("error: sub/pyleak-fix.toml: unknown key `bogus`"),
        "{}",
        stderr(&output)
    );
    // Nothing is written while any configuration is broken.
    assert_eq!(read(directory.path(), "a.py"), FIXABLE);
}

#[test]
fn a_missing_config_flag_file_is_an_error() {
    let directory = tree(&[("a.py", FIXABLE)]);
    let output = run_in(directory.path(), &["--config", "nope.toml"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: nope.toml: cannot read: no such file or directory\n"
    );
}

// ---------------------------------------------------------------- suppressions

#[test]
fn noqa_comments_silence_findings_end_to_end() {
    let source = "def f(x=[]):  # noqa: LK001\n    return len(x)\n\n\ndef g(y=[]):  # noqa: B006\n    return len(y)\n\n\ndef h(z=[]):  # noqa: E501\n    return len(z)\n";
    let directory = tree(&[
        ("a.py", source),
        ("b.py", &format!("# pyleak-fix: noqa\n{FIXABLE}")),
    ]);
    assert_eq!(found(directory.path(), &[]), ["a.py:9"]);
    let output = run_in(directory.path(), &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let fixed = read(directory.path(), "a.py");
    assert!(fixed.contains("def f(x=[]):  # noqa: LK001\n"));
    assert!(fixed.contains("def g(y=[]):  # noqa: B006\n"));
    assert!(fixed.contains("def h(z=None):  # noqa: E501\n"));
    assert_eq!(stdout(&output), "Fixed 1 finding in 1 file.\n");
}

#[test]
fn flake8_and_ruff_file_exemptions_are_honoured_in_every_mode() {
    // A generated file marked for flake8 or ruff is neither reported nor rewritten;
    // with codes, only those codes (or the rules they are aliases of) are silenced;
    // `LK003` names the self-reference LK003 reported before the split (now LK005).
    let lk005 = "class Node:\n    def __init__(self):\n        self.me = self\n";
    let both = format!("{FIXABLE}\n\n{lk005}");
    let files = [
        ("flake8_bare.py", format!("# flake8: noqa\n{both}")),
        ("ruff_bare.py", format!("# ruff: noqa\n{both}")),
        (
            "flake8_alias.py",
            format!("#!/usr/bin/env python\n# flake8: noqa: B006\n{both}"),
        ),
        ("ruff_code.py", format!("# ruff: noqa: LK003\n{both}")),
        ("not_own_line.py", format!("x = 1  # flake8: noqa\n{both}")),
    ];
    let as_str: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    let directory = tree(&as_str);
    assert_eq!(
        found(directory.path(), &["--select", "LK001,LK005"]),
        [
            "flake8_alias.py:9",
            "not_own_line.py:2",
            "not_own_line.py:8",
            "ruff_code.py:2"
        ]
    );
    let output = run_in(directory.path(), &["--dry-run", "--select", "LK001,LK005"]);
    let patch = stdout(&output);
    for untouched in ["flake8_bare.py", "ruff_bare.py", "flake8_alias.py"] {
        assert!(!patch.contains(untouched), "{untouched}: {patch}");
    }
    let output = run_in(directory.path(), &["--select", "LK001,LK005"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    for (path, contents) in &files[..3] {
        assert_eq!(
            &read(directory.path(), path),
            contents,
            "{path} was rewritten"
        );
    }
    assert!(read(directory.path(), "ruff_code.py").contains("def f(x=None):"));
}

// ---------------------------------------------------------------- output formats

/// Two files: fixable and unfixable findings, a tab-indented body, a non-ASCII
/// character before a finding (columns count characters), and a clean file.
fn format_tree() -> TempDir {
    tree(&[
        (
            "app.py",
            "import os\n\n\ndef add(value, my_list: list = []):\n\tprint(len(my_list))  # é\n\treturn value in my_list\n",
        ),
        ("pkg/util.py", "label = \"é\"; f = lambda x={}: x\n"),
        ("clean.py", "def f(x=None):\n    return len(x)\n"),
    ])
}

/// The output with the temporary directory's path and the version made stable.
fn normalized(directory: &Path, text: &str) -> String {
    let root = directory.canonicalize().unwrap();
    text.replace(&root.to_string_lossy().to_string(), "[TMP]")
        .replace(&directory.to_string_lossy().to_string(), "[TMP]")
        .replace(
            &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
            "\"version\": \"[VERSION]\"",
        )
}

fn format_snapshot(format: &str, extra: &[&str]) -> (String, Output) {
    let directory = format_tree();
    let root = directory.path().canonicalize().unwrap();
    let mut args = vec!["--output-format", format];
    args.extend_from_slice(extra);
    let output = run_in(&root, &args);
    assert!(code(&output) < 2, "{}", stderr(&output));
    (normalized(&root, &stdout(&output)), output)
}

fn assert_format_snapshot(name: &str, content: &str) {
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, content);
    });
}

#[test]
fn output_format_concise() {
    let (out, output) = format_snapshot("concise", &["--check"]);
    assert_eq!(code(&output), 1);
    assert_format_snapshot("format__concise", &out);
}

#[test]
fn output_format_full() {
    let (out, output) = format_snapshot("full", &["--check"]);
    assert_eq!(code(&output), 1);
    assert_format_snapshot("format__full", &out);
}

#[test]
fn output_format_json() {
    let (out, output) = format_snapshot("json", &["--check"]);
    assert_eq!(code(&output), 1);
    // Only JSON on stdout; the summary goes to stderr.
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 2);
    assert!(stderr(&output).starts_with("Found 2 findings"));
    assert_format_snapshot("format__json", &out);
}

#[test]
fn output_format_github() {
    let (out, output) = format_snapshot("github", &["--check"]);
    assert_eq!(code(&output), 1);
    assert_format_snapshot("format__github", &out);
}

#[test]
fn output_format_sarif() {
    let (out, output) = format_snapshot("sarif", &["--check"]);
    assert_eq!(code(&output), 1);
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed["version"], "2.1.0");
    assert_eq!(parsed["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert_format_snapshot("format__sarif", &out);
}

#[test]
fn machine_formats_list_what_is_left_after_fixing_in_place() {
    let (out, output) = format_snapshot("json", &[]);
    assert_eq!(code(&output), 1);
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    let left = parsed.as_array().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["fix"], serde_json::Value::Null);
    assert!(left[0]["filename"]
        .as_str()
        .unwrap()
        .ends_with("pkg/util.py"));
    assert!(stderr(&output).starts_with("Fixed 1 finding in 1 file; 1 finding left unfixed"));
    // Nothing found: an empty array, still valid JSON.
    let directory = tree(&[("clean.py", "x = 1\n")]);
    let output = run_in(directory.path(), &["--check", "--output-format", "json"]);
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), "[]\n");
}

#[test]
fn the_output_format_can_come_from_the_environment() {
    let directory = format_tree();
    let output = command(directory.path(), &["--check"])
        .env("PYLEAK_FIX_OUTPUT_FORMAT", "github")
        .output()
        .unwrap();
    assert!(stdout(&output).starts_with("::error file=app.py,line=4,col=32,"));
    let output = command(directory.path(), &["--check", "--output-format", "concise"])
        .env("PYLEAK_FIX_OUTPUT_FORMAT", "github")
        .output()
        .unwrap();
    assert!(stdout(&output).starts_with("app.py:4:32: LK001 "));
}

#[test]
fn github_annotations_escape_what_would_end_a_property() {
    let directory = tree(&[("a,b:c.py", FIXABLE)]);
    let output = run_in(
        directory.path(),
        &["--check", "--output-format", "github", "a,b:c.py"],
    );
    assert!(
        stdout(&output).starts_with("::error file=a%2Cb%3Ac.py,line=1,col=9,endLine=1,endColumn=11,title=pyleak-fix (LK001)::`x` defaults"),
        "{}",
        stdout(&output)
    );
}

// ---------------------------------------------------------------- standard input

fn run_stdin(directory: &Path, args: &[&str], input: &str) -> Output {
    command(directory, args)
        .write_stdin(input.as_bytes().to_vec())
        .output()
        .unwrap()
}

const WITH_LAMBDA: &str = "def f(x=[]):\n    return len(x)\ng = lambda y=[]: y\n";

#[test]
fn stdin_fixing_writes_the_fixed_source_to_stdout_and_findings_to_stderr() {
    let directory = tree(&[]);
    let output = run_stdin(
        directory.path(),
        &["--stdin-filename", "pkg/m.py", "-"],
        WITH_LAMBDA,
    );
    assert_eq!(code(&output), 1);
    assert_eq!(
        stdout(&output),
        "def f(x=None):\n    if x is None:\n        x = []\n    return len(x)\ng = lambda y=[]: y\n"
    );
    let stderr = stderr(&output);
    assert!(stderr.starts_with("pkg/m.py:5:14: LK001 "), "{stderr}");
    assert!(stderr.ends_with("Fixed 1 finding in 1 file; 1 finding left unfixed (LK001: 1).\n"));
    // Nothing is written anywhere: the file named need not even exist.
    assert!(!directory.path().join("pkg").exists());
    // `--stdin-filename` alone implies `-`; a clean source comes back byte for byte.
    let output = run_stdin(directory.path(), &["--stdin-filename", "m.py"], "x = 1\r\n");
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), "x = 1\r\n");
}

#[test]
fn stdin_dry_run_prints_the_diff_and_check_the_findings() {
    let directory = tree(&[]);
    let output = run_stdin(
        directory.path(),
        &["--dry-run", "--stdin-filename", "m.py", "-"],
        FIXABLE,
    );
    assert_eq!(code(&output), 1);
    assert!(stdout(&output).starts_with("--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,4 @@\n"));
    let output = run_stdin(directory.path(), &["--check", "-"], FIXABLE);
    assert_eq!(code(&output), 1);
    assert!(
        stdout(&output).starts_with("-:1:9: LK001 "),
        "{}",
        stdout(&output)
    );
    let output = run_stdin(
        directory.path(),
        &[
            "--check",
            "--output-format",
            "json",
            "--stdin-filename",
            "m.py",
        ],
        FIXABLE,
    );
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(parsed[0]["filename"].as_str().unwrap().ends_with("/m.py"));
}

#[test]
fn stdin_filename_drives_configuration_per_file_ignores_and_force_exclude() {
    let directory = tree(&[(
        "pyproject.toml",
        "[tool.pyleak-fix]\nextend-exclude = [\"generated\"]\n[tool.pyleak-fix.per-file-ignores]\n\"tests/**\" = [\"LK001\"]\n",
    )]);
    let check = |name: &str, extra: &[&str]| {
        let mut args = vec!["--check", "--stdin-filename", name];
        args.extend_from_slice(extra);
        code(&run_stdin(directory.path(), &args, FIXABLE))
    };
    assert_eq!(check("src/a.py", &[]), 1);
    assert_eq!(check("tests/test_a.py", &[]), 0);
    assert_eq!(check("generated/a.py", &[]), 1);
    assert_eq!(check("generated/a.py", &["--force-exclude"]), 0);
    // Excluded while fixing: the source comes back unchanged.
    let output = run_stdin(
        directory.path(),
        &["--force-exclude", "--stdin-filename", "generated/a.py", "-"],
        FIXABLE,
    );
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), FIXABLE);
}

#[test]
fn stdin_that_cannot_be_parsed_comes_back_unchanged_with_exit_2() {
    let directory = tree(&[]);
    let broken = "def f(x=[:\n";
    let output = run_stdin(directory.path(), &["--stdin-filename", "m.py"], broken);
    assert_eq!(code(&output), 2);
    assert_eq!(stdout(&output), broken);
    assert!(stderr(&output).starts_with("error: m.py: cannot parse Python"));
    let output = run_stdin(directory.path(), &["-", "a.py"], FIXABLE);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: `-` (standard input) cannot be mixed with other paths\n"
    );
}

// ---------------------------------------------------------------- discoverability

#[test]
fn rule_prints_the_rules_documentation() {
    let directory = tree(&[]);
    let output = run_in(directory.path(), &["rule", "LK001"]);
    assert_eq!(code(&output), 0);
    let doc = stdout(&output);
    assert!(
        doc.starts_with("# LK001 mutable-default-argument\n"),
        "{doc}"
    );
    assert!(doc.contains("## Why it leaks"));
    assert!(
        doc.contains(
            "\n\nOn by default: yes. Fix: safe or unsafe or none (see Fix safety). Documentation: "
        ),
        "{doc}"
    );
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    assert_eq!(stdout(&run_in(directory.path(), &["rule", "lk001"])), doc);
    assert!(stdout(&run_in(directory.path(), &["rule", "--all"])).contains("# LK001"));
    let output = run_in(directory.path(), &["rule", "LK999"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: unknown rule `LK999`; known rules: LK001, LK002, LK003, LK004, LK005, LK006, \
         LK007, LK008, LK009, LK010, LK011, LK012 (see --list-rules)\n"
    );
}

#[test]
fn a_path_named_rule_is_reached_as_dot_slash_rule() {
    let directory = tree(&[("rule/a.py", FIXABLE)]);
    let output = run_in(directory.path(), &["--check", "./rule"]);
    assert_eq!(code(&output), 1);
    assert!(stdout(&output).starts_with("rule/a.py:1:9: LK001 "));
    let output = run_in(directory.path(), &["--check", "rule"]);
    assert_eq!(code(&output), 1);
}

/// Another tool's code for a rule (`B006`, which `# noqa` already honours) finds the
/// rule, and a note on stderr says it is an alias; stdout is the rule's documentation.
#[test]
fn rule_finds_a_rule_by_its_alias_and_says_so() {
    let directory = tree(&[]);
    let doc = stdout(&run_in(directory.path(), &["rule", "LK001"]));
    for alias in ["B006", "b006"] {
        let output = run_in(directory.path(), &["rule", alias]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        assert_eq!(stdout(&output), doc);
        assert_eq!(
            stderr(&output),
            "note: `B006` is an alias of LK001: another tool's code for the same problem, \
             which `# noqa: B006` also silences\n"
        );
    }
}

#[test]
fn list_rules_shows_code_name_default_and_fix_safety() {
    let directory = tree(&[]);
    let output = run_in(directory.path(), &["--list-rules"]);
    assert_eq!(code(&output), 0);
    assert_eq!(
        stdout(&output),
        "CODE   NAME                           DEFAULT  FIX\n\
         LK001  mutable-default-argument       on       safe or unsafe or none\n\
         LK002  module-level-large-allocation  off      unsafe or none\n\
         LK003  reference-cycle                off      none\n\
         LK004  stored-exception               off      unsafe or none\n\
         LK005  self-reference                 off      none\n\
         LK006  bound-method-on-self           off      none\n\
         LK007  closure-on-self                off      none\n\
         LK008  cached-instance-method         off      none\n\
         LK009  callback-holds-object          off      unsafe or none\n\
         LK010  mutable-class-attribute        off      unsafe or none\n\
         LK011  unbounded-module-container     off      none\n\
         LK012  logger-per-call                off      none\n"
    );
    assert!(!stdout(&output).contains("sometimes"));
    let output = run_in(
        directory.path(),
        &["--list-rules", "--output-format", "json"],
    );
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(parsed[0]["code"], "LK001");
    assert_eq!(parsed[0]["default"], true);
    assert_eq!(
        parsed[0]["fix"],
        serde_json::json!(["safe", "unsafe", "none"])
    );
    assert_eq!(parsed[0]["aliases"], serde_json::json!(["B006"]));
    assert_eq!(parsed[2]["default"], false);
    assert_eq!(parsed[2]["fix"], serde_json::json!(["none"]));
    assert_eq!(parsed[3]["code"], "LK004");
    assert_eq!(parsed[3]["default"], false);
    assert_eq!(parsed[3]["fix"], serde_json::json!(["unsafe", "none"]));
}

#[test]
fn show_files_lists_what_would_be_processed_and_changes_nothing() {
    let directory = tree(&[
        ("pyleak-fix.toml", "extend-exclude = [\"gen\"]\n"),
        ("b.py", FIXABLE),
        ("a/c.py", FIXABLE),
        ("gen/d.py", FIXABLE),
        (".venv/e.py", FIXABLE),
        ("notes.txt", "x"),
    ]);
    let output = run_in(directory.path(), &["--show-files"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "a/c.py\nb.py\n");
    assert_eq!(read(directory.path(), "b.py"), FIXABLE);
}

#[test]
fn exit_zero_and_exit_non_zero_on_fix_as_in_ruff() {
    let directory = tree(&[("a.py", "f = lambda x=[]: x\n")]);
    let output = run_in(directory.path(), &["--check", "--exit-zero"]);
    assert_eq!(code(&output), 0);
    assert!(!stdout(&output).is_empty());
    let directory = tree(&[("a.py", FIXABLE)]);
    let output = run_in(directory.path(), &["--dry-run", "--exit-zero"]);
    assert_eq!(code(&output), 0);
    let output = run_in(directory.path(), &["--exit-non-zero-on-fix"]);
    assert_eq!(code(&output), 1, "fixed, nothing left, but a file changed");
    assert_eq!(read(directory.path(), "a.py"), FIXED);
    let output = run_in(directory.path(), &["--exit-non-zero-on-fix"]);
    assert_eq!(code(&output), 0, "nothing to fix the second time");
    // Errors stay errors. (The file must hold something a rule might report: a file
    // no rule's prefilter admits is not parsed, so its syntax is not checked.)
    let directory = tree(&[("bad.py", "def f(x=[]:\n")]);
    let output = run_in(directory.path(), &["--exit-zero"]);
    assert_eq!(code(&output), 2);
    let output = run_in(directory.path(), &["--exit-zero", "--exit-non-zero-on-fix"]);
    assert_eq!(code(&output), 2);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_never_with_no_color() {
    let directory = tree(&[("a.py", FIXABLE)]);
    // Not a terminal: plain, the default.
    let output = run_in(directory.path(), &["--check"]);
    assert!(!stdout(&output).contains('\x1b'));
    let output = run_in(directory.path(), &["--check", "--color", "always"]);
    assert!(
        stdout(&output).contains("\x1b[1;31mLK001\x1b[0m"),
        "{}",
        stdout(&output)
    );
    let output = run_in(directory.path(), &["--dry-run", "--color", "always"]);
    assert!(stdout(&output).contains("\x1b[32m+def f(x=None):\x1b[0m"));
    let output = command(directory.path(), &["--check", "--color", "auto"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout(&output).contains('\x1b'));
    // Machine formats are never coloured.
    let output = run_in(
        directory.path(),
        &["--check", "--color", "always", "--output-format", "json"],
    );
    assert!(!stdout(&output).contains('\x1b'));
}
