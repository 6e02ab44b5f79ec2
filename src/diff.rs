//! Unified diffs that `git apply` accepts byte for byte.
//!
//! Lines are split after each `\n` only, as git does, so a CRLF line keeps its `\r`
//! and a lone `\r` is ordinary content. Hunk headers follow git's spelling (a count of
//! one is left out; an empty range names the line before it), and a last line without
//! a newline is followed by git's `\ No newline at end of file` marker.

use std::fmt::Write as _;

use similar::{capture_diff_slices, group_diff_ops, Algorithm, DiffOp, DiffTag};

/// Lines of unchanged context around each change, as git and diff default to.
pub const CONTEXT_LINES: usize = 3;

const NO_NEWLINE_MARKER: &str = "\\ No newline at end of file\n";

/// The diff turning `old` into `new`, with headers `--- a/PATH` and `+++ b/PATH`;
/// empty when the texts are equal.
pub fn unified_diff(old: &str, new: &str, path: &str) -> String {
    unified_diff_with_context(old, new, path, CONTEXT_LINES)
}

/// [`unified_diff`] with `context` unchanged lines around each change.
pub fn unified_diff_with_context(old: &str, new: &str, path: &str, context: usize) -> String {
    if old == new {
        return String::new();
    }
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = capture_diff_slices(Algorithm::Myers, &old_lines, &new_lines);
    let mut out = String::with_capacity(old.len().min(4096) + 128);
    let _ = writeln!(out, "--- a/{path}");
    let _ = writeln!(out, "+++ b/{path}");
    for hunk in group_diff_ops(ops, context) {
        write_hunk(&mut out, &hunk, &old_lines, &new_lines);
    }
    out
}

fn write_hunk(out: &mut String, hunk: &[DiffOp], old_lines: &[&str], new_lines: &[&str]) {
    let (Some(first), Some(last)) = (hunk.first(), hunk.last()) else {
        return;
    };
    let old_start = first.old_range().start;
    let new_start = first.new_range().start;
    let old_len = last.old_range().end - old_start;
    let new_len = last.new_range().end - new_start;
    let _ = writeln!(
        out,
        "@@ -{} +{} @@",
        hunk_range(old_start, old_len),
        hunk_range(new_start, new_len)
    );
    for op in hunk {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => write_lines(out, ' ', &old_lines[old_range]),
            DiffTag::Delete => write_lines(out, '-', &old_lines[old_range]),
            DiffTag::Insert => write_lines(out, '+', &new_lines[new_range]),
            DiffTag::Replace => {
                write_lines(out, '-', &old_lines[old_range]);
                write_lines(out, '+', &new_lines[new_range]);
            }
        }
    }
}

/// `start` is 0-based. Git writes `N` for one line, `N,COUNT` otherwise, and for an
/// empty range the number of the line after which the change goes.
fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

fn write_lines(out: &mut String, sign: char, lines: &[&str]) {
    for line in lines {
        out.push(sign);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push('\n');
            out.push_str(NO_NEWLINE_MARKER);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified_diff("a\n", "a\n", "x.py"), "");
    }

    #[test]
    fn one_changed_line_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified_diff(old, new, "d/x.py"),
            "--- a/d/x.py\n+++ b/d/x.py\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn a_single_line_range_leaves_out_its_count() {
        assert_eq!(
            unified_diff("a\n", "b\n", "x.py"),
            "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n"
        );
        assert_eq!(
            unified_diff("", "b\n", "x.py"),
            "--- a/x.py\n+++ b/x.py\n@@ -0,0 +1 @@\n+b\n"
        );
    }

    #[test]
    fn missing_final_newline_gets_the_marker_on_both_sides() {
        let old = "def f(x=[]):\n    return x";
        let new = "def f(x=None):\n    if x is None:\n        x = []\n    return x";
        assert_eq!(
            unified_diff(old, new, "x.py"),
            "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,4 @@\n-def f(x=[]):\n+def f(x=None):\n+    if x is None:\n+        x = []\n     return x\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn adding_a_final_newline_changes_the_last_line() {
        assert_eq!(
            unified_diff("a\nb", "a\nb\n", "x.py"),
            "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        );
    }

    #[test]
    fn crlf_lines_keep_their_carriage_returns() {
        let old = "def f(x=[]):\r\n    return x\r\n";
        let new = "def f(x=None):\r\n    if x is None:\r\n        x = []\r\n    return x\r\n";
        assert_eq!(
            unified_diff(old, new, "x.py"),
            "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,4 @@\n-def f(x=[]):\r\n+def f(x=None):\r\n+    if x is None:\r\n+        x = []\r\n     return x\r\n"
        );
    }

    #[test]
    fn distant_changes_make_separate_hunks() {
        let old: String = (1..=20).map(|n| format!("{n}\n")).collect();
        let new: String = (1..=20)
            .map(|n| match n {
                2 => "two\n".to_string(),
                19 => "nineteen\n".to_string(),
                _ => format!("{n}\n"),
            })
            .collect();
        let diff = unified_diff(&old, &new, "x.py");
        let headers: Vec<&str> = diff.lines().filter(|l| l.starts_with("@@")).collect();
        assert_eq!(headers, ["@@ -1,5 +1,5 @@", "@@ -16,5 +16,5 @@"]);
    }
}
