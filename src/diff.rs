//! Unified diffs that `git apply` accepts byte for byte.
//!
//! Lines are split after each `\n` only, as git does, so a CRLF line keeps its `\r`
//! and a lone `\r` is ordinary content. Hunk headers follow git's spelling (a count of
//! one is left out; an empty range names the line before it), and a last line without
//! a newline is followed by git's `\ No newline at end of file` marker.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use similar::{capture_diff_slices, group_diff_ops, Algorithm, DiffOp, DiffTag};

use crate::fix::{apply_fixes, Applicability, Change, Edit, Fix};
use crate::source::LineIndex;

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
            write_hunk(&mut out, &hunk, &self.old_lines, &self.new_lines, (0, 0));
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

/// Lines of a fixed text mapped back to the original through the changes that made it
/// ([`crate::engine::FixOutcome::changes`]): a binary search per line, so mapping every
/// finding left costs near-linear time however many changes there are (a whole-text
/// diff would cost the text's length times the changes).
pub struct LineMap<'a> {
    old: &'a str,
    new: &'a str,
    old_lines: LineIndex,
    new_lines: LineIndex,
    changes: &'a [Change],
}

impl<'a> LineMap<'a> {
    /// `changes` must be sorted and disjoint, in bytes of `old` and `new`.
    pub fn new(old: &'a str, new: &'a str, changes: &'a [Change]) -> Self {
        LineMap {
            old,
            new,
            old_lines: LineIndex::new(old),
            new_lines: LineIndex::new(new),
            changes,
        }
    }

    /// Where the 1-based line `new_line` of the new text is in the old one: the same
    /// line when no change touches it (`exact`), otherwise the old line where the change
    /// that touches it starts (the place to look), not `exact`.
    pub fn old_line(&self, new_line: usize) -> (usize, bool) {
        let index = new_line.saturating_sub(1);
        let line_start = self
            .new_lines
            .try_line_start(index)
            .unwrap_or(self.new.len());
        let line_end = self
            .new_lines
            .try_line_start(index + 1)
            .unwrap_or(self.new.len());
        let old_line_of = |offset: usize| self.old_lines.location(self.old, offset).line;
        // Changes are sorted and disjoint, so both ends only grow: the first change that
        // ends after the line starts (or starts there) is the only one that can touch it.
        let next = self.changes.partition_point(|change| {
            change.new.end <= line_start && change.new.start < line_start
        });
        if let Some(change) = self.changes.get(next) {
            if change.new.start < line_end {
                return (old_line_of(change.old.start), false);
            }
        }
        // Untouched: moved by what the changes before it added or removed.
        let shift = self.changes[..next].last().map_or(0, |change| {
            change.new.end as isize - change.old.end as isize
        });
        let old_offset = (line_start as isize - shift).clamp(0, self.old.len() as isize);
        (old_line_of(old_offset as usize), true)
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
    // GNU patch drops whitespace at either end of an unquoted name; quoted, it keeps it.
    let edge_space = name
        .rsplit(|&byte| byte == b'/')
        .next()
        .is_some_and(|last| last.first() == Some(&b' ') || last.last() == Some(&b' '));
    if !edge_space && !name.iter().enumerate().any(needs_escape) {
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

/// [`unified_diff`] for a `new` text whose differences from `old` are known to lie within
/// `changes` (as [`crate::engine::FixOutcome::changes`] gives them): only the lines those
/// touch are compared, so the cost is linear in the texts plus the cost of diffing each
/// changed stretch, however many there are. Outside the changes the texts must agree.
pub fn unified_diff_of_changes(old: &str, new: &str, path: &str, changes: &[Change]) -> String {
    if old == new {
        return String::new();
    }
    format!(
        "--- a/{path}\n+++ b/{path}\n{}",
        hunks_of_changes(old, new, changes)
    )
}

/// The hunks of [`unified_diff_of_changes`], without the `---`/`+++` header (which
/// [`file_header`] writes for any name); empty when the texts are equal.
pub fn hunks_of_changes(old: &str, new: &str, changes: &[Change]) -> String {
    if old == new {
        return String::new();
    }
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let old_starts = line_starts(&old_lines);
    let new_starts = line_starts(&new_lines);
    let mut ops: Vec<DiffOp> = Vec::new();
    let (mut old_line, mut new_line) = (0, 0); // the first line not yet in `ops`
    for chunk in line_chunks(old.as_bytes(), new.as_bytes(), changes) {
        let old_first = old_starts.partition_point(|&start| start < chunk.old.start);
        let new_first = new_starts.partition_point(|&start| start < chunk.new.start);
        let old_end = old_starts.partition_point(|&start| start < chunk.old.end);
        let new_end = new_starts.partition_point(|&start| start < chunk.new.end);
        debug_assert_eq!(old_first - old_line, new_first - new_line);
        push_op(&mut ops, equal(old_line, new_line, old_first - old_line));
        let inner = capture_diff_slices(
            Algorithm::Myers,
            &old_lines[old_first..old_end],
            &new_lines[new_first..new_end],
        );
        // Myers takes the lines compared times the differences found.
        crate::work::add((old_end - old_first + new_end - new_first) * inner.len().max(1));
        for op in inner {
            push_op(&mut ops, shifted(op, old_first, new_first));
        }
        (old_line, new_line) = (old_end, new_end);
    }
    push_op(
        &mut ops,
        equal(old_line, new_line, old_lines.len() - old_line),
    );
    let mut out = String::with_capacity(4096);
    for hunk in group_diff_ops(ops, CONTEXT_LINES) {
        write_hunk(&mut out, &hunk, &old_lines, &new_lines, (0, 0));
    }
    out
}

/// The diff of `edits` (one fix's, sorted and disjoint) applied to `source`, with
/// `context` lines around each change: the same as [`unified_diff_with_context`] of the
/// whole texts, but only the lines near the edits are read, so showing every fix of a
/// big file costs the fixes' size, not the file's times their number. `lines` indexes
/// `source`. Empty when the edits are not sorted and disjoint.
pub fn fix_diff(
    source: &str,
    lines: &LineIndex,
    edits: &[Edit],
    path: &str,
    context: usize,
) -> String {
    let fix = Fix::new("", Applicability::Safe, edits.to_vec());
    if !fix.is_well_formed(source.len()) {
        return String::new();
    }
    let bytes = source.as_bytes();
    let line_start = |at: usize| {
        bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
    };
    let next_line = |at: usize| {
        bytes[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| at + i + 1)
    };
    // Each edit's lines with `context` lines on each side; windows that meet are one.
    let mut windows: Vec<(usize, usize, Vec<Edit>)> = Vec::new();
    for edit in &fix.edits {
        let mut start = line_start(edit.range.start);
        for _ in 0..context {
            if start == 0 {
                break;
            }
            start = line_start(start - 1);
        }
        let mut end = next_line(edit.range.end);
        for _ in 0..context {
            end = next_line(end);
        }
        let shifted = |start: usize| {
            Edit::replace(
                edit.range.start - start..edit.range.end - start,
                edit.content.clone(),
            )
        };
        match windows.last_mut() {
            Some(last) if start <= last.1 => {
                last.1 = last.1.max(end);
                let edit = shifted(last.0);
                last.2.push(edit);
            }
            _ => windows.push((start, end, vec![shifted(start)])),
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "--- a/{path}");
    let _ = writeln!(out, "+++ b/{path}");
    let mut growth = 0isize; // lines added by the windows before
    for (start, end, edits) in windows {
        let old = &source[start..end];
        let new = apply_fixes(old, &[&Fix::new("", Applicability::Safe, edits)]).text;
        let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
        let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
        let first_line = lines.location(source, start).line - 1;
        let new_first = (first_line as isize + growth) as usize;
        growth += new_lines.len() as isize - old_lines.len() as isize;
        let ops = capture_diff_slices(Algorithm::Myers, &old_lines, &new_lines);
        for hunk in group_diff_ops(ops, context) {
            write_hunk(
                &mut out,
                &hunk,
                &old_lines,
                &new_lines,
                (first_line, new_first),
            );
        }
    }
    out
}

/// The byte offset where each line starts.
fn line_starts(lines: &[&str]) -> Vec<usize> {
    let mut at = 0;
    lines
        .iter()
        .map(|line| {
            let start = at;
            at += line.len();
            start
        })
        .collect()
}

/// `changes` widened to whole lines (the same number of unchanged bytes on each side, so
/// that what lies between the chunks stays equal), and merged where they share a line.
fn line_chunks(old: &[u8], new: &[u8], changes: &[Change]) -> Vec<Change> {
    let at_line_start = |text: &[u8], at: usize| at == 0 || text[at - 1] == b'\n';
    let mut chunks: Vec<Change> = Vec::new();
    for change in changes {
        // The bytes before a change are unchanged (changes never touch), so both sides
        // go back the same distance to the line start.
        let back = change.old.start
            - old[..change.old.start]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |at| at + 1);
        // The bytes after are unchanged too, but the last byte of the change may end a
        // line on one side only: then both take the rest of that line.
        let forward = if at_line_start(old, change.old.end) && at_line_start(new, change.new.end) {
            0
        } else {
            old[change.old.end..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(old.len() - change.old.end, |at| at + 1)
        };
        let chunk = Change {
            old: change.old.start - back..change.old.end + forward,
            new: change.new.start - back..change.new.end + forward,
        };
        match chunks.last_mut() {
            Some(last) if chunk.old.start < last.old.end => {
                last.old.end = chunk.old.end;
                last.new.end = chunk.new.end;
            }
            _ => chunks.push(chunk),
        }
    }
    chunks
}

fn equal(old_index: usize, new_index: usize, len: usize) -> DiffOp {
    DiffOp::Equal {
        old_index,
        new_index,
        len,
    }
}

/// Appends `op`, joining it to the op before it when both keep lines or both change
/// them, as one diff of the whole texts would (its hunks split and its `-` lines come
/// before its `+` lines the same way); an empty op is dropped.
fn push_op(ops: &mut Vec<DiffOp>, op: DiffOp) {
    let (tag, old, new) = op.as_tag_tuple();
    if old.is_empty() && new.is_empty() {
        return;
    }
    let Some(last) = ops.last_mut() else {
        ops.push(op);
        return;
    };
    let (last_tag, last_old, last_new) = last.as_tag_tuple();
    let keeps = |tag: DiffTag| tag == DiffTag::Equal;
    if keeps(tag) != keeps(last_tag) {
        ops.push(op);
        return;
    }
    let (old, new) = (last_old.start..old.end, last_new.start..new.end);
    *last = if keeps(tag) {
        equal(old.start, new.start, old.len())
    } else if new.is_empty() {
        DiffOp::Delete {
            old_index: old.start,
            old_len: old.len(),
            new_index: new.start,
        }
    } else if old.is_empty() {
        DiffOp::Insert {
            old_index: old.start,
            new_index: new.start,
            new_len: new.len(),
        }
    } else {
        DiffOp::Replace {
            old_index: old.start,
            old_len: old.len(),
            new_index: new.start,
            new_len: new.len(),
        }
    };
}

fn shifted(op: DiffOp, old: usize, new: usize) -> DiffOp {
    match op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => equal(old_index + old, new_index + new, len),
        DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        } => DiffOp::Delete {
            old_index: old_index + old,
            old_len,
            new_index: new_index + new,
        },
        DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        } => DiffOp::Insert {
            old_index: old_index + old,
            new_index: new_index + new,
            new_len,
        },
        DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => DiffOp::Replace {
            old_index: old_index + old,
            old_len,
            new_index: new_index + new,
            new_len,
        },
    }
}

/// Writes one hunk of ops over `old_lines` and `new_lines`, whose first lines are the
/// lines numbered `offsets` (0-based) of the files.
fn write_hunk(
    out: &mut String,
    hunk: &[DiffOp],
    old_lines: &[&str],
    new_lines: &[&str],
    offsets: (usize, usize),
) {
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
        hunk_range(old_start + offsets.0, old_len),
        hunk_range(new_start + offsets.1, new_len)
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

    /// Every diff of changes equals the diff of the whole texts, on fixes of several
    /// passes, lines that lose or gain their line break, and changes sharing a line.
    #[test]
    fn a_diff_of_changes_is_the_diff_of_the_texts() {
        use crate::fix::{apply_fixes, compose, Applicability, Edit, Fix};
        let original = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np";
        let passes: Vec<Vec<Vec<Edit>>> = vec![
            vec![vec![Edit::replace(2..3, "B")]],
            vec![vec![Edit::delete(1..2)], vec![Edit::insert(8, "x\ny\n")]],
            vec![vec![Edit::replace(0..1, "A"), Edit::replace(4..5, "C\n")]],
            vec![vec![Edit::insert(30, "!")], vec![Edit::replace(24..25, "")]],
            vec![vec![Edit::replace(28..31, "p\nq\n")]],
            vec![vec![Edit::insert(0, "top\n")], vec![Edit::insert(31, "\n")]],
        ];
        for count in 1..=passes.len() {
            let mut text = original.to_string();
            let mut changes = Vec::new();
            for pass in &passes[..count] {
                let fixes: Vec<Fix> = pass
                    .iter()
                    .map(|edits| Fix::new("t", Applicability::Safe, edits.clone()))
                    .collect();
                let refs: Vec<&Fix> = fixes.iter().collect();
                let applied = apply_fixes(&text, &refs);
                changes = compose(&changes, &applied.spans);
                text = applied.text;
            }
            assert_eq!(
                unified_diff_of_changes(original, &text, "x.py", &changes),
                unified_diff(original, &text, "x.py"),
                "after {count} passes: {text:?}"
            );
        }
    }

    /// A fix's diff read from windows around its edits is the diff of the whole texts.
    #[test]
    fn a_fix_diff_is_the_diff_of_the_texts() {
        let source: String = (1..=30).map(|n| format!("line {n}\n")).collect::<String>() + "end";
        let lines = LineIndex::new(&source);
        let at = |line: usize| {
            source
                .match_indices('\n')
                .nth(line - 2)
                .map_or(0, |(i, _)| i + 1)
        };
        let fixes: Vec<Vec<Edit>> = vec![
            vec![Edit::insert(0, "import weakref\n")],
            vec![
                Edit::insert(0, "import x\n"),
                Edit::replace(at(20)..at(21), "twenty\n"),
            ],
            vec![
                Edit::replace(at(5)..at(5) + 4, "LINE"),
                Edit::insert(at(8), "new\n"),
            ],
            vec![
                Edit::replace(at(3)..at(4), ""),
                Edit::insert(at(12), "a\nb\n"),
            ],
            vec![Edit::replace(at(29)..source.len(), "last\n")],
            vec![Edit::insert(source.len(), "\n")],
            vec![Edit::insert(at(10), "x"), Edit::insert(at(10), "y\n")],
        ];
        for edits in fixes {
            let fix = Fix::new("t", Applicability::Safe, edits.clone());
            let fixed = apply_fixes(&source, &[&fix]).text;
            for context in [0, 1, 3] {
                assert_eq!(
                    fix_diff(&source, &lines, &edits, "x.py", context),
                    unified_diff_with_context(&source, &fixed, "x.py", context),
                    "{edits:?} with {context} lines of context"
                );
            }
        }
    }

    #[test]
    fn names_are_quoted_as_git_quotes_them() {
        assert_eq!(quote_name(b"a/x.py"), b"a/x.py");
        assert_eq!(quote_name(b"a/in side.py"), b"a/in side.py");
        // GNU patch strips an unquoted name's edge spaces (found by a tester).
        assert_eq!(quote_name(b"a/ ab.py "), b"\"a/ ab.py \"");
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
        // The change-based map agrees with the whole diff's.
        let (old, new) = ("a\nb\nc\nd\ne\n", "a\nB\nx\nc\nd\ne!\n");
        let changes = [
            Change {
                old: 2..3,
                new: 2..5,
            },
            Change {
                old: 9..9,
                new: 11..12,
            },
        ];
        let map = LineMap::new(old, new, &changes);
        let whole = LineDiff::new(old, new);
        for line in [1, 4, 5] {
            assert_eq!(map.old_line(line), whole.old_line(line), "line {line}");
        }
        assert_eq!(map.old_line(2), (2, false));
        assert_eq!(map.old_line(3), (2, false));
        assert_eq!(map.old_line(6), (5, false));
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
