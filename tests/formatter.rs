//! The code the fixes add looks hand-written: for every fixture whose fixes change it,
//! a formatter (`ruff format`, else `black`) must not complain about the lines the fixes
//! inserted or rewrote, nor about the blank lines around them, unless it already
//! complained about the same place in the original.
//!
//! The formatter is found as `ruff` or `black` on `PATH`, or `python3 -m ruff`/`black`
//! (`.ci/run` installs ruff from PyPI); without one the test prints why and passes.
//! A fixture whose own indentation is not four spaces is left out, with its reason: the
//! formatter re-indents the whole file, so every line a fix adds in the file's own style
//! would count against it.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pyleak_fix::engine::fix_text;
use similar::{DiffOp, TextDiff};

mod common;
use common::settings_for;

/// Fixtures whose complaints are about the user's own text that a fix moves, not about
/// code it adds, and why.
const MOVED_USER_TEXT: &[(&str, &str)] = &[
    (
        "lk001/displays.py",
        "LK001 moves the default `([])` into the body as written; the formatter drops the user's parentheses",
    ),
    (
        "lk001/multiline_default_shallow_line.py",
        "LK001 moves a multi-line default with its own line breaks and comment into the body",
    ),
];

/// A formatter command that reads Python on stdin and writes it formatted on stdout.
fn formatter() -> Option<Vec<String>> {
    let candidates: [&[&str]; 4] = [
        &["ruff", "format", "--isolated", "-"],
        &["python3", "-m", "ruff", "format", "--isolated", "-"],
        &["black", "--quiet", "-"],
        &["python3", "-m", "black", "--quiet", "-"],
    ];
    candidates.iter().find_map(|command| {
        let works = Command::new(command[0])
            .args(&command[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .and_then(|mut child| {
                child.stdin.take().unwrap().write_all(b"x = 1\n")?;
                child.wait_with_output()
            })
            .is_ok_and(|output| output.status.success() && output.stdout == b"x = 1\n");
        works.then(|| command.iter().map(|s| s.to_string()).collect())
    })
}

fn format(command: &[String], text: &str) -> Option<String> {
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .ok()?;
    let output = child.wait_with_output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).ok())
        .flatten()
}

/// Where the formatter would change `text`: `Line(n)` for a line it rewrites or removes,
/// `Gap(n)` for lines it adds before line `n` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Complaint {
    Line(usize),
    Gap(usize),
}

fn complaints(text: &str, formatted: &str) -> Vec<Complaint> {
    let mut out = Vec::new();
    for op in TextDiff::from_lines(text, formatted).ops() {
        match *op {
            DiffOp::Equal { .. } => {}
            DiffOp::Insert { old_index, .. } => out.push(Complaint::Gap(old_index)),
            DiffOp::Delete {
                old_index, old_len, ..
            }
            | DiffOp::Replace {
                old_index, old_len, ..
            } => out.extend((old_index..old_index + old_len).map(Complaint::Line)),
        }
    }
    out
}

/// For each line of `fixed`: the line of `original` it is, or `None` for a line the fix
/// wrote, with the original lines it replaced (empty for a pure insertion).
fn origins(original: &str, fixed: &str) -> Vec<Result<usize, Vec<usize>>> {
    let mut out = Vec::new();
    for op in TextDiff::from_lines(original, fixed).ops() {
        match *op {
            DiffOp::Equal { old_index, len, .. } => {
                out.extend((old_index..old_index + len).map(Ok))
            }
            DiffOp::Insert { new_len, .. } => out.extend((0..new_len).map(|_| Err(Vec::new()))),
            DiffOp::Delete { .. } => {}
            DiffOp::Replace {
                old_index,
                old_len,
                new_len,
                ..
            } => out.extend(
                (0..new_len).map(|_| Err((old_index..old_index + old_len).collect::<Vec<_>>())),
            ),
        }
    }
    out
}

/// The complaints about `fixed` that the fix caused: about a line it wrote, or about a
/// gap next to one, unless the formatter complained about the original lines it
/// replaced or about the original line beside the gap. A rewritten line of the user's
/// code that only grew past the formatter's line length is a note, not a complaint
/// (line length is the project's setting; the formatter wraps the line).
fn caused_by_fix(
    original: &str,
    fixed: &str,
    command: &[String],
) -> Option<(Vec<String>, Vec<String>)> {
    let before = complaints(original, &format(command, original)?);
    let after = complaints(fixed, &format(command, fixed)?);
    let origin = origins(original, fixed);
    let lines: Vec<&str> = fixed.lines().collect();
    let complained = |old: usize| {
        before.contains(&Complaint::Line(old)) || before.contains(&Complaint::Gap(old))
    };
    let written = |n: usize| match origin.get(n) {
        Some(Err(replaced)) => !replaced.iter().any(|old| complained(*old)),
        _ => false,
    };
    let kept_complained = |n: usize| matches!(origin.get(n), Some(Ok(old)) if complained(*old) || before.contains(&Complaint::Gap(old + 1)));
    let mut caused = Vec::new();
    let mut notes = Vec::new();
    for complaint in after {
        match complaint {
            Complaint::Line(n) if written(n) => {
                let rewritten =
                    matches!(origin.get(n), Some(Err(replaced)) if !replaced.is_empty());
                let message = format!("line {}: {:?}", n + 1, lines[n]);
                if rewritten && lines[n].chars().count() > 88 {
                    notes.push(message);
                } else {
                    caused.push(message);
                }
            }
            Complaint::Gap(n)
                if ((n > 0 && written(n - 1)) || written(n))
                    && !(n > 0 && kept_complained(n - 1))
                    && !kept_complained(n) =>
            {
                let around = |k: usize| lines.get(k).copied().unwrap_or("<end>");
                caused.push(format!(
                    "blank lines before line {}: between {:?} and {:?}",
                    n + 1,
                    n.checked_sub(1).map_or("<start>", around),
                    around(n)
                ));
            }
            _ => {}
        }
    }
    Some((caused, notes))
}

fn fixtures() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut all = Vec::new();
    for rule in fs::read_dir(&root).unwrap() {
        let rule = rule.unwrap().path();
        let name = rule.file_name().unwrap().to_string_lossy().to_string();
        for file in fs::read_dir(&rule).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "py") {
                all.push((name.clone(), path));
            }
        }
    }
    all.sort();
    all
}

#[test]
fn the_formatter_accepts_the_code_fixes_add() {
    let Some(command) = formatter() else {
        println!("skipped: neither `ruff` nor `black` runs here (`pip install ruff`)");
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for (rule, path) in fixtures() {
        let original = fs::read_to_string(&path).unwrap();
        let name = format!("{rule}/{}", path.file_name().unwrap().to_string_lossy());
        let fixed = fix_text(&original, &settings_for(&rule, &original))
            .unwrap()
            .fixed;
        if fixed == original {
            continue;
        }
        let first_indent = original
            .lines()
            .find(|l| l.starts_with([' ', '\t']) && !l.trim().is_empty())
            .map(|l| &l[..l.len() - l.trim_start().len()]);
        if first_indent.is_some_and(|indent| indent != "    ") {
            println!("{name}: left out: not indented by four spaces, which the formatter rewrites everywhere");
            continue;
        }
        if let Some((_, why)) = MOVED_USER_TEXT.iter().find(|(n, _)| *n == name) {
            println!("{name}: left out: {why}");
            continue;
        }
        match caused_by_fix(&original, &fixed, &command) {
            None => println!("{name}: left out: the formatter rejects it"),
            Some((caused, notes)) => {
                checked += 1;
                for note in notes {
                    println!("{name}: note: a rewritten line grew past 88 characters: {note}");
                }
                if !caused.is_empty() {
                    failures.push(format!("{name}:\n    {}", caused.join("\n    ")));
                }
            }
        }
    }
    assert!(checked > 0, "no fixture was checked");
    assert!(
        failures.is_empty(),
        "`{}` complains about code the fixes add:\n{}",
        command.join(" "),
        failures.join("\n")
    );
}
