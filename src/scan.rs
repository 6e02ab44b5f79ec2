//! One fast pass over a file's bytes, before any parse: the text with comments and
//! string literals blanked (what the rules' prefilters read, [`Scan::code`]) and the byte
//! ranges of its top-level statements ([`Scan::statements`]), which is what the engine
//! hands tree-sitter when only some statements can matter (see `crate::regions`).
//!
//! The blanking is what the prefilters read (`crate::prefilter::code_only` is this
//! scan's): `memchr` jumps from one `#`, `'` or `"` to the next, and the output is the
//! input copied once and blanked in place, with no allocation per token.

use std::cell::OnceCell;
use std::ops::Range;

use memchr::{memchr, memchr3};

/// What one scan of a file found.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The text with the contents of comments and string literals replaced by spaces
    /// (line breaks kept); f-strings' replacement fields stay, as code.
    pub code: String,
    /// Whether every string literal found its end (else the layout cannot be read).
    complete: bool,
    /// The byte ranges of the string literals that span lines.
    multiline: Vec<Range<usize>>,
    /// [`Scan::statements`] and the logical lines, read on first use: most files are
    /// never parsed.
    layout: OnceCell<Option<Layout>>,
}

impl Scan {
    /// The byte ranges of the top-level statements, in order and disjoint: each from the
    /// start of its first line to the end of its last line, line break included (a
    /// decorated definition starts at its first decorator; `else`/`elif`/`except`/
    /// `finally` lines belong to the statement they continue). Blank and comment lines
    /// between statements belong to none. `None` when the layout cannot be read
    /// (unbalanced brackets, a string whose end cannot be found, a continuation at the
    /// end, indented code before the first statement): then the file can only be parsed
    /// whole.
    pub fn statements(&self) -> Option<&[Range<usize>]> {
        self.layout().map(|layout| layout.statements.as_slice())
    }

    fn layout(&self) -> Option<&Layout> {
        self.layout
            .get_or_init(|| {
                self.complete
                    .then(|| top_level_statements(&self.code, &self.multiline))
                    .flatten()
            })
            .as_ref()
    }

    /// The logical lines starting within `range` ([`Layout::lines`]); none when the
    /// layout cannot be read.
    fn logical_lines(&self, range: Range<usize>) -> &[(usize, usize, usize)] {
        let Some(layout) = self.layout() else {
            return &[];
        };
        let first = layout
            .lines
            .partition_point(|&(start, ..)| start < range.start);
        let end = layout
            .lines
            .partition_point(|&(start, ..)| start < range.end);
        &layout.lines[first..end]
    }
}

/// Scans `text` once.
pub fn scan(text: &str) -> Scan {
    let mut multiline = Vec::new();
    let (code, complete) = blank_recording(text, &mut multiline);
    Scan {
        code,
        complete,
        multiline,
        layout: OnceCell::new(),
    }
}

/// A file's layout, read from its blanked code in one pass.
#[derive(Debug, Clone)]
struct Layout {
    /// [`Scan::statements`].
    statements: Vec<Range<usize>>,
    /// Every logical line with code on it (not blank, not only a comment): the offset of
    /// its line's start, of its code within the line, and its indentation's width in
    /// bytes after the last form feed (which, in CPython's tokenizer, resets the column).
    /// A line inside brackets, a continuation or a multi-line string starts none.
    lines: Vec<(usize, usize, usize)>,
}

/// `text` with comments and string literals blanked (see [`Scan::code`]), and whether
/// every string found its end. A string whose end cannot be found is left as it is, and
/// so is everything after it.
pub fn blank(text: &str) -> (String, bool) {
    blank_recording(text, &mut Vec::new())
}

/// [`blank`], recording in `multiline` the byte ranges of the string literals that
/// span lines (a line starting inside one does not start a statement).
fn blank_recording(text: &str, multiline: &mut Vec<Range<usize>>) -> (String, bool) {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut at = 0;
    let mut complete = true;
    while let Some(found) = memchr3(b'#', b'\'', b'"', &bytes[at..]) {
        at += found;
        if bytes[at] == b'#' {
            let end = memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |p| at + p);
            fill(&mut out[at + 1..end]);
            at = end;
        } else {
            match scan_string(bytes, &mut out, at) {
                Some(end) => {
                    if memchr(b'\n', &bytes[at..end]).is_some() {
                        multiline.push(at..end);
                    }
                    at = end;
                }
                None => {
                    // Unblank what the unterminated string blanked: from here on the text
                    // stays as it is.
                    out[at..].copy_from_slice(&bytes[at..]);
                    complete = false;
                    break;
                }
            }
        }
    }
    let code = String::from_utf8(out).expect("only whole characters are blanked, with spaces");
    (code, complete)
}

/// Replaces every byte but line breaks by a space.
fn fill(span: &mut [u8]) {
    for byte in span {
        if *byte != b'\n' && *byte != b'\r' {
            *byte = b' ';
        }
    }
}

/// Scans the string literal whose opening quote is at `at`, blanking its literal text in
/// `out`; returns where it ends, or `None` when it does not end.
fn scan_string(bytes: &[u8], out: &mut [u8], at: usize) -> Option<usize> {
    let (formatted, raw) = string_prefix(bytes, at);
    let quote = bytes[at];
    let triple = bytes.get(at + 1) == Some(&quote) && bytes.get(at + 2) == Some(&quote);
    let open = if triple { at + 3 } else { at + 1 };
    let mut literal_start = open;
    let mut i = open;
    while i < bytes.len() {
        // Jump to the next byte that can matter: a backslash, the quote, a brace in an
        // f-string, a line break in a one-line string.
        let rest = &bytes[i..];
        let next = if formatted {
            memchr3(b'\\', quote, b'{', rest)
        } else if triple {
            memchr::memchr2(b'\\', quote, rest)
        } else {
            memchr3(b'\\', quote, b'\n', rest)
        };
        // A one-line f-string must still stop at a line break.
        let next = match (formatted && !triple, next) {
            (true, found) => {
                let newline = memchr(b'\n', rest);
                match (found, newline) {
                    (Some(f), Some(n)) => Some(f.min(n)),
                    (f, n) => f.or(n),
                }
            }
            (false, found) => found,
        };
        i += next?;
        match bytes[i] {
            // In an f-string a backslash does not escape a brace: `f"\{x}"` has a field.
            b'\\' if formatted && bytes.get(i + 1) == Some(&b'{') => i += 1,
            // `\N{DASH}` names a character; its braces hold no field.
            b'\\'
                if formatted
                    && !raw
                    && bytes.get(i + 1) == Some(&b'N')
                    && bytes.get(i + 2) == Some(&b'{') =>
            {
                i += 3 + memchr(b'}', &bytes[i + 3..])? + 1;
            }
            b'\\' => i += 2,
            b'\n' if !triple => return None,
            b'{' if formatted => {
                if bytes.get(i + 1) == Some(&b'{') {
                    i += 2;
                    continue;
                }
                fill(&mut out[literal_start..i]);
                i = scan_field(bytes, out, i + 1)?;
                literal_start = i;
            }
            byte if byte == quote => {
                if !triple {
                    fill(&mut out[literal_start..i]);
                    return Some(i + 1);
                }
                if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                    fill(&mut out[literal_start..i]);
                    return Some(i + 3);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// Whether the string literal whose opening quote is at `at` is formatted (an f- or
/// t-string) and whether it is raw, from its prefix: the identifier just before the
/// quote, when that is a prefix Python has (`rb`, `Rf`, `t`...). Any other identifier
/// there (`if'...'`) is a word of its own, and the string has no prefix.
fn string_prefix(bytes: &[u8], at: usize) -> (bool, bool) {
    let mut start = at;
    while start > 0 && is_ident_byte(bytes[start - 1]) {
        start -= 1;
    }
    let prefix: Vec<u8> = bytes[start..at]
        .iter()
        .map(u8::to_ascii_lowercase)
        .collect();
    let valid = matches!(
        prefix.as_slice(),
        b"" | b"r" | b"u" | b"b" | b"f" | b"t" | b"br" | b"rb" | b"fr" | b"rf" | b"tr" | b"rt"
    );
    if !valid {
        return (false, false);
    }
    (
        prefix.iter().any(|b| matches!(b, b'f' | b't')),
        prefix.contains(&b'r'),
    )
}

/// Whether `byte` can be part of an identifier (ASCII letters, digits, `_`, or any byte
/// of a non-ASCII character, which the prefilters take as a letter).
pub fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// Scans an f-string replacement field from just after its `{`: code, then an optional
/// format spec after a `:` outside brackets, whose literal text is blanked and whose
/// nested fields are scanned in turn. Returns the offset after the closing `}`.
fn scan_field(bytes: &[u8], out: &mut [u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                i = scan_string(bytes, out, i)?;
                continue;
            }
            // A comment in a field that spans lines (Python 3.12): blanked to its line's
            // end, so that a quote in it opens no string.
            b'#' => {
                let end = memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |p| i + p);
                fill(&mut out[i + 1..end]);
                i = end;
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' if depth == 0 => return Some(i + 1),
            b'}' => depth -= 1,
            b':' if depth == 0 => {
                // The format spec: literal text with nested fields, up to the `}`.
                let mut literal_start = i + 1;
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'{' => {
                            fill(&mut out[literal_start..i]);
                            i = scan_field(bytes, out, i + 1)?;
                            literal_start = i;
                            continue;
                        }
                        b'}' => {
                            fill(&mut out[literal_start..i]);
                            return Some(i + 1);
                        }
                        _ => i += 1,
                    }
                }
                return None;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The top-level statements of blanked text (see [`Scan::statements`]).
fn top_level_statements(code: &str, multiline: &[Range<usize>]) -> Option<Layout> {
    let bytes = code.as_bytes();
    let mut strings = multiline.iter().peekable();
    let mut statements: Vec<Range<usize>> = Vec::new();
    let mut lines: Vec<(usize, usize, usize)> = Vec::new();
    // Whether the statement being read so far is only decorators.
    let mut only_decorators = false;
    let mut depth = 0usize;
    let mut continued = false;
    // After lines holding only a `\`: where the logical line started, and the width of
    // its indentation so far.
    let mut pending: Option<(usize, usize)> = None;
    let mut line_start = 0;
    while line_start < bytes.len() {
        let end = memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |p| line_start + p);
        let next = (end + 1).min(bytes.len());
        let line = &bytes[line_start..end];
        while strings
            .peek()
            .is_some_and(|string| string.end <= line_start)
        {
            strings.next();
        }
        let in_string = strings
            .peek()
            .is_some_and(|string| string.start < line_start);
        if (depth == 0 && !continued && !in_string) || pending.is_some() {
            // A logical line starts here, or its code does after lone continuations.
            let content = line
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\x0c' | b'\r'));
            // The indentation's width after the last form feed, which resets the column.
            let width_to = |at: usize| {
                at - line[..at]
                    .iter()
                    .rposition(|&b| b == b'\x0c')
                    .map_or(0, |p| p + 1)
            };
            match content {
                // A blank line or a comment right after a lone continuation: read the
                // file whole rather than guess.
                None | Some(_)
                    if pending.is_some() && content.is_none_or(|at| line[at] == b'#') =>
                {
                    return None
                }
                // Blank, or a comment: trivia, unless inside a statement (an indented
                // comment line is inside it, but it is only extended by code lines).
                None => {}
                Some(at) if line[at] == b'#' => {}
                // A lone `\`: the logical line goes on, its indentation counted on into
                // the next line (as CPython's tokenizer counts it).
                Some(at) if line[at] == b'\\' && matches!(&line[at + 1..], b"" | b"\r") => {
                    let (start, before) = pending.unwrap_or((line_start, 0));
                    pending = Some((start, before + width_to(at)));
                }
                Some(at) => {
                    let (start, before) = pending.take().unwrap_or((line_start, 0));
                    let width = before + width_to(at);
                    lines.push((start, line_start + at - start, width));
                    let column_zero = width == 0;
                    let word = leading_word(&line[at..]);
                    let continues = !column_zero
                        || matches!(word, b"else" | b"elif" | b"except" | b"finally")
                        || only_decorators;
                    if continues && !statements.is_empty() {
                        statements.last_mut().expect("not empty").end = next;
                        if column_zero && only_decorators {
                            only_decorators = line[at] == b'@';
                        }
                    } else if !column_zero {
                        // Indented code before any statement: tree-sitter and CPython
                        // both refuse it; read the file whole.
                        return None;
                    } else {
                        statements.push(start..next);
                        only_decorators = line[at] == b'@';
                    }
                }
            }
        } else if let Some(last) = statements.last_mut() {
            last.end = next;
        }
        for &byte in line {
            match byte {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.checked_sub(1)?,
                _ => {}
            }
        }
        let trimmed = line.strip_suffix(b"\r").unwrap_or(line);
        continued = trimmed.last() == Some(&b'\\');
        line_start = next;
        if end == bytes.len() {
            break;
        }
    }
    (depth == 0 && !continued && pending.is_none()).then_some(Layout { statements, lines })
}

impl Scan {
    /// A top-level `class` statement's parts (`statement` is one of [`Scan::statements`]):
    /// the header, from the statement's start (decorators included) to the first member,
    /// with the comment lines before it; and each member of its body, from the start of
    /// its first line (its first decorator) to the start of the next member, with the
    /// comment and blank lines after it. `None` when the statement is not a class with a
    /// body on lines of its own, or its layout cannot be read.
    pub fn class_members(
        &self,
        statement: Range<usize>,
    ) -> Option<(Range<usize>, Vec<Range<usize>>)> {
        let code = self.code.as_bytes();
        let own = &code[statement.clone()];
        // A class statement has `class` at the start of a line (after its decorators): most
        // statements are told apart without reading their lines.
        if !own.starts_with(b"class") && memchr::memmem::find(own, b"\nclass").is_none() {
            return None;
        }
        let mut first = 0;
        while own.get(first) == Some(&b'@') || matches!(own.get(first), Some(b' ' | b'\t')) {
            // Past the decorators: each a logical line of its own.
            let &(start, at, _) = self
                .logical_lines(statement.start + first..statement.end)
                .get(1)?;
            first = start + at - statement.start;
        }
        if leading_word(&own[first..]) != b"class" {
            return None;
        }
        let lines = self.logical_lines(statement.start + first..statement.end);
        let mut body = lines.iter().skip(1);
        let &(body_start, body_code, indent) = body.next()?;
        if indent == 0 {
            return None;
        }
        let mut members: Vec<Range<usize>> = Vec::new();
        members.push(body_start..statement.end);
        // Whether the member read so far is only decorators.
        let mut only_decorators = code[body_start + body_code] == b'@';
        for &(start, at, width) in body {
            if width > indent {
                continue;
            }
            if width < indent {
                return None;
            }
            let word = leading_word(&code[start + at..]);
            if only_decorators || matches!(word, b"else" | b"elif" | b"except" | b"finally") {
                only_decorators &= code[start + at] == b'@';
                continue;
            }
            members.last_mut().expect("one member").end = start;
            members.push(start..statement.end);
            only_decorators = code[start + at] == b'@';
        }
        // The comment lines above the first member are the header's.
        let header = statement.start..line_start(code, body_start);
        members[0].start = header.end;
        for member in &mut members[1..] {
            member.start = line_start(code, member.start);
        }
        for index in 0..members.len() - 1 {
            members[index].end = members[index + 1].start;
        }
        Some((header, members))
    }
}

impl Scan {
    /// Whether a statement (one of [`Scan::statements`]) has a logical line after its
    /// first that starts indented: a block on lines of its own.
    pub fn has_block_line(&self, statement: Range<usize>) -> bool {
        let code = self.code.as_bytes();
        let lines = self.logical_lines(statement);
        // Where the statement or the block's line starts with anything but its code (a
        // form feed, a lone `\` line), the syntax tree's block may not tell the
        // indentation unit: such a block does not count, so more statements are parsed.
        let plain = |&(start, at, _): &(usize, usize, usize)| {
            memchr(b'\n', &code[start..start + at]).is_none()
                && !code[start..start + at].contains(&b'\x0c')
        };
        lines.first().is_some_and(|first| first.1 == 0)
            && lines.iter().skip(1).any(|line| line.2 > 0 && plain(line))
    }
}

/// The start of the line holding `at`.
fn line_start(code: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', &code[..at]).map_or(0, |p| p + 1)
}

/// The identifier (ASCII letters, digits, `_`) a line's code starts with.
fn leading_word(code: &[u8]) -> &[u8] {
    let end = code
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .unwrap_or(code.len());
    &code[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statements_of(text: &str) -> Vec<&str> {
        scan(text)
            .statements()
            .expect("readable")
            .iter()
            .map(|range| &text[range.clone()])
            .collect()
    }

    #[test]
    fn top_level_statements_are_whole_lines() {
        let text = "\"\"\"doc\n\"\"\"\nx = '''\n'''\nimport os\n\n# c\n@d\n\n@e(\n1)\ndef f(x=[\n]):\n    pass\n\n  # indented comment\n    y = 1\n# after\nif a:\n    pass\nelif b: pass\nelse:\n    pass\nx = 1; y = \\\n  2\nclass C: pass";
        assert_eq!(
            statements_of(text),
            [
                "\"\"\"doc\n\"\"\"\n",
                "x = '''\n'''\n",
                "import os\n",
                "@d\n\n@e(\n1)\ndef f(x=[\n]):\n    pass\n\n  # indented comment\n    y = 1\n",
                "if a:\n    pass\nelif b: pass\nelse:\n    pass\n",
                "x = 1; y = \\\n  2\n",
                "class C: pass",
            ]
        );
        assert!(scan("x = (\n").statements().is_none());
        assert!(scan("x = (\n").statements().is_none());
        assert!(scan("x = 'a\n").statements().is_none());
        assert!(scan("  x = 1\n").statements().is_none());
    }

    #[test]
    fn a_comment_in_a_field_is_blanked_and_a_lone_backslash_joins_lines() {
        // PEP 701: a quote in a comment inside a multi-line field opens no string.
        let text = "s = f\"\"\"{1 # '''\n}\"\"\"\nlist = tuple\n";
        assert_eq!(
            blank(text).0,
            "s = f\"\"\"{1 #    \n}\"\"\"\nlist = tuple\n"
        );
        let text = "def f():\n    x = 1\n\\\n    return x\nz = 1\n";
        assert_eq!(
            statements_of(text),
            ["def f():\n    x = 1\n\\\n    return x\n", "z = 1\n"]
        );
    }

    #[test]
    fn a_class_splits_into_its_header_and_members() {
        let text = "@dec\nclass C(\n    B):\n    # about x\n    \"\"\"doc\n    \"\"\"\n    x = [\n  1]\n\n    @property\n    def f(self):\n        pass\n    # between\n    def g(self, a=[]): pass\n    if a:\n        pass\n    else:\n        pass\n";
        let scan = scan(text);
        let statement = scan.statements().expect("readable")[0].clone();
        let (header, members) = scan.class_members(statement).expect("a class");
        assert_eq!(&text[header], "@dec\nclass C(\n    B):\n    # about x\n");
        let members: Vec<&str> = members.into_iter().map(|m| &text[m]).collect();
        assert_eq!(
            members,
            [
                "    \"\"\"doc\n    \"\"\"\n",
                "    x = [\n  1]\n\n",
                "    @property\n    def f(self):\n        pass\n    # between\n",
                "    def g(self, a=[]): pass\n",
                "    if a:\n        pass\n    else:\n        pass\n",
            ]
        );
        assert!(scan.class_members(0..4).is_none());
        for text in [
            "class C: pass\n",
            "def f():\n    pass\n",
            "@d\ndef f():\n    pass\n",
        ] {
            let scan = super::scan(text);
            assert!(scan.class_members(0..text.len()).is_none(), "{text:?}");
        }
    }
}
