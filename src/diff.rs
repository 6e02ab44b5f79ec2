//! Unified diffs that `git apply` accepts byte for byte.
//!
//! Lines are split after each `\n` only, as git does, so a CRLF line keeps its `\r`
//! and a lone `\r` is ordinary content. Hunk headers follow git's spelling (a count of
//! one is left out; an empty range names the line before it), and a last line without
//! a newline is followed by git's `\ No newline at end of file` marker.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use similar::{capture_diff_slices, group_diff_ops, Algorithm, DiffOp, DiffTag};

/// Lines of unchanged context around each change, as git and diff default to.
pub const CONTEXT_LINES: usize = 3;

const NO_NEWLINE_MARKER: &str = "\\ No newline at end of file\n";

/// The diff turning `old` into `new`, with headers `--- a/PATH` and `+++ b/PATH`;
/// empty when the texts are equal. `path` is written as it is: see [`file_header`] for
/// a header that any name survives.
pub fn unified_diff(old: &str, new: &str, path: &str) -> String {
    unified_diff_with_context(old, new, path, CONTEXT_LINES)
}

/// [`unified_diff`] with `context` unchanged lines around each change.
pub fn unified_diff_with_context(old: &str, new: &str, path: &str, context: usize) -> String {
    if old == new {
        return String::new();
    }
    format!(
        "--- a/{path}\n+++ b/{path}\n{}",
        LineDiff::new(old, new).hunks(context)
    )
}

/// The lines of two texts and how one becomes the other: its hunks, and where each
/// line of the new text came from in the old one.
pub struct LineDiff<'a> {
    old_lines: Vec<&'a str>,
    new_lines: Vec<&'a str>,
    ops: Vec<DiffOp>,
}

impl<'a> LineDiff<'a> {
    pub fn new(old: &'a str, new: &'a str) -> Self {
        let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
        let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
        let ops = capture_diff_slices(Algorithm::Myers, &old_lines, &new_lines);
        LineDiff {
            old_lines,
            new_lines,
            ops,
        }
    }

    /// The hunks, without the `---`/`+++` header; empty when the texts are equal.
    pub fn hunks(&self, context: usize) -> String {
        let mut out = String::new();
        if self.ops.iter().all(|op| op.tag() == DiffTag::Equal) {
            return out;
        }
        for hunk in group_diff_ops(self.ops.clone(), context) {
            write_hunk(&mut out, &hunk, &self.old_lines, &self.new_lines);
        }
        out
    }

    /// Where the 1-based line `new_line` of the new text is in the old one: the same
    /// line when the change left it alone (`exact`), otherwise the first old line the
    /// change replaced or the line it was inserted before (the place to look), not
    /// `exact`. Used to locate findings of a fixed text in the file as it is on disk.
    pub fn old_line(&self, new_line: usize) -> (usize, bool) {
        let index = new_line.saturating_sub(1);
        let last_line = self.old_lines.len().max(1);
        for op in &self.ops {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            if new_range.contains(&index) {
                return match tag {
                    DiffTag::Equal => (old_range.start + (index - new_range.start) + 1, true),
                    _ => ((old_range.start + 1).min(last_line), false),
                };
            }
        }
        (last_line, false)
    }
}

/// `--- a/NAME` and `+++ b/NAME` for the file `name` (its path relative to the patch's
/// base directory, components joined with `/`, as raw bytes), quoted as git quotes it
/// when it must be ([`quote_name`]), and followed by a tab when it holds a space, as git
/// writes it, so that `git apply` and `patch` read the whole name.
pub fn file_header(name: &[u8]) -> Vec<u8> {
    let mut header = Vec::with_capacity(2 * name.len() + 16);
    for (marker, prefix) in [("--- ", "a/"), ("+++ ", "b/")] {
        header.extend_from_slice(marker.as_bytes());
        let mut prefixed = prefix.as_bytes().to_vec();
        prefixed.extend_from_slice(name);
        header.extend(quote_name(&prefixed));
        if name.contains(&b' ') {
            header.push(b'\t');
        }
        header.push(b'\n');
    }
    header
}

/// A file name as git writes it in a patch: as it is when every byte is printable
/// ASCII or part of valid UTF-8 and none is `"` or `\`; otherwise in double quotes
/// with C escapes (`\t`, `\n`, `\r`, `\"`, `\\`, ...) and three octal digits for any
/// other control byte and for each byte of invalid UTF-8. This is git's quoting with
/// `core.quotePath` off: UTF-8 names stay readable, and `git apply` and GNU `patch`
/// unquote it back to the same bytes.
pub fn quote_name(name: &[u8]) -> Vec<u8> {
    let valid = valid_utf8_mask(name);
    let needs_escape = |(index, &byte): (usize, &u8)| {
        byte < 0x20 || byte == 0x7f || byte == b'"' || byte == b'\\' || !valid[index]
    };
    if !name.iter().enumerate().any(needs_escape) {
        return name.to_vec();
    }
    let mut quoted = vec![b'"'];
    for (index, &byte) in name.iter().enumerate() {
        let escape: Option<&[u8]> = match byte {
            0x07 => Some(b"\\a"),
            0x08 => Some(b"\\b"),
            b'\t' => Some(b"\\t"),
            b'\n' => Some(b"\\n"),
            0x0b => Some(b"\\v"),
            0x0c => Some(b"\\f"),
            b'\r' => Some(b"\\r"),
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            _ => None,
        };
        match escape {
            Some(escape) => quoted.extend_from_slice(escape),
            None if byte < 0x20 || byte == 0x7f || !valid[index] => {
                quoted.extend_from_slice(format!("\\{byte:03o}").as_bytes())
            }
            None => quoted.push(byte),
        }
    }
    quoted.push(b'"');
    quoted
}

/// The directory every path in a patch is relative to, one for the whole patch so that
/// one command applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchBase {
    /// The current directory, when every patched file is inside it: `git apply PATCH`
    /// there (or `patch -p1 < PATCH`).
    CurrentDir,
    /// The root of the file system, when some patched file is outside the current
    /// directory (`/abs/app.py`, `../code/app.py`): each path is the file's absolute
    /// path without its leading `/`, and `patch -p1 -d / < PATCH` (or
    /// `git -C / apply PATCH`) applies it from anywhere.
    Root,
}

impl PatchBase {
    /// The command that applies a patch with this base, to tell the user.
    pub fn apply_command(self) -> &'static str {
        match self {
            PatchBase::CurrentDir => "git apply PATCH",
            PatchBase::Root => "patch -p1 -d / < PATCH",
        }
    }
}

/// The name of `path` in a patch based at `base`: its components joined with `/`, as
/// raw bytes (a name need not be UTF-8). `path` and `cwd` are absolute with symbolic
/// links resolved; `None` when [`PatchBase::CurrentDir`] is asked for a path outside
/// `cwd`.
pub fn patch_name(path: &Path, cwd: &Path, base: PatchBase) -> Option<Vec<u8>> {
    let relative = match base {
        PatchBase::CurrentDir => path.strip_prefix(cwd).ok()?,
        PatchBase::Root => path.strip_prefix("/").unwrap_or(path),
    };
    let mut name = Vec::new();
    for component in relative.components() {
        let Component::Normal(part) = component else {
            // `..`, a root or a prefix: not a name any tool applies a patch to.
            return None;
        };
        if !name.is_empty() {
            name.push(b'/');
        }
        name.extend_from_slice(&os_bytes(part));
    }
    (!name.is_empty()).then_some(name)
}

#[cfg(unix)]
fn os_bytes(part: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    part.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(part: &std::ffi::OsStr) -> Vec<u8> {
    part.to_string_lossy().into_owned().into_bytes()
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved by their names: the
/// file's place when it cannot be asked of the file system (a `--stdin-filename` that
/// does not exist).
pub fn lexical_absolute(path: &Path, cwd: &Path) -> PathBuf {
    let mut absolute = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                absolute.pop();
            }
            other => absolute.push(other),
        }
    }
    absolute
}

/// For each byte of `bytes`, whether it belongs to a valid UTF-8 sequence.
fn valid_utf8_mask(bytes: &[u8]) -> Vec<bool> {
    let mut mask = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(_) => {
                mask.extend(std::iter::repeat_n(true, rest.len()));
                break;
            }
            Err(error) => {
                let valid = error.valid_up_to();
                let invalid = error.error_len().unwrap_or(rest.len() - valid);
                mask.extend(std::iter::repeat_n(true, valid));
                mask.extend(std::iter::repeat_n(false, invalid));
                rest = &rest[valid + invalid..];
            }
        }
    }
    mask
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
    fn names_are_quoted_as_git_quotes_them() {
        assert_eq!(quote_name(b"a/x.py"), b"a/x.py");
        assert_eq!(quote_name("a/é y.py".as_bytes()), "a/é y.py".as_bytes());
        assert_eq!(quote_name(b"a/n\nt\tr\r.py"), b"\"a/n\\nt\\tr\\r.py\"");
        assert_eq!(quote_name(b"a/q\"b\\.py"), b"\"a/q\\\"b\\\\.py\"");
        assert_eq!(
            quote_name(b"a/\xe9\x01\x7f.py"),
            b"\"a/\\351\\001\\177.py\""
        );
        // A valid character next to an invalid byte stays as it is inside the quotes.
        assert_eq!(quote_name(b"a/\xc3\xa9\xff"), b"\"a/\xc3\xa9\\377\"");
    }

    #[test]
    fn headers_quote_each_side_and_end_a_name_with_a_space_with_a_tab() {
        assert_eq!(file_header(b"x.py"), b"--- a/x.py\n+++ b/x.py\n");
        assert_eq!(
            file_header(b"my x.py"),
            b"--- a/my x.py\t\n+++ b/my x.py\t\n"
        );
        assert_eq!(
            file_header(b"t\tx.py"),
            b"--- \"a/t\\tx.py\"\n+++ \"b/t\\tx.py\"\n"
        );
    }

    #[test]
    fn patch_names_are_relative_to_one_base() {
        let cwd = Path::new("/w/proj");
        let inside = Path::new("/w/proj/src/a.py");
        let outside = Path::new("/w/code/a.py");
        assert_eq!(
            patch_name(inside, cwd, PatchBase::CurrentDir).as_deref(),
            Some(&b"src/a.py"[..])
        );
        assert_eq!(patch_name(outside, cwd, PatchBase::CurrentDir), None);
        assert_eq!(
            patch_name(outside, cwd, PatchBase::Root).as_deref(),
            Some(&b"w/code/a.py"[..])
        );
        assert_eq!(
            lexical_absolute(Path::new("../code/./a.py"), cwd),
            Path::new("/w/code/a.py")
        );
    }

    #[test]
    fn lines_of_the_new_text_map_back_to_the_old() {
        let old = "def f(x=[]):\n    return x\ng = 1\n";
        let new = "def f(x=None):\n    if x is None:\n        x = []\n    return x\ng = 1\n";
        let diff = LineDiff::new(old, new);
        assert_eq!(diff.old_line(5), (3, true));
        assert_eq!(diff.old_line(4), (2, true));
        assert_eq!(diff.old_line(1), (1, false));
        assert_eq!(diff.old_line(2), (1, false));
        assert_eq!(LineDiff::new("a\n", "a\n").hunks(3), "");
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
