//! Byte-level helpers for the rules' prefilters (`Rule::might_match`).
//!
//! A prefilter decides, without parsing, that a file cannot contain anything a rule
//! reports. Each one is a necessary textual condition of the rule's findings, so every
//! helper here errs towards "maybe": it may see identifiers inside strings and comments
//! (harmless: more files are parsed), and where the text is hard to read without a
//! parser (an f-string inside a scanned span, an unterminated string) the caller gives up
//! and admits the file.

/// Bytes that can be part of a Python identifier. Every non-ASCII byte counts: a
/// non-ASCII identifier is then read whole (and a non-ASCII operator never matters).
pub use crate::scan::is_ident_byte;

/// Offsets of `word` in `text` where it stands alone: not preceded or followed by an
/// identifier byte.
pub fn word_positions<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    let bytes = text.as_bytes();
    // memchr's SIMD substring search: several times `str::match_indices` on short words.
    memchr::memmem::find_iter(bytes, word.as_bytes()).filter(move |&at| {
        let end = at + word.len();
        (at == 0 || !is_ident_byte(bytes[at - 1]))
            && (end >= bytes.len() || !is_ident_byte(bytes[end]))
    })
}

/// Whether `word` occurs in `text` standing alone.
pub fn has_word(text: &str, word: &str) -> bool {
    word_positions(text, word).next().is_some()
}

/// Skips spaces, tabs, form feeds, carriage returns and backslash continuations; with
/// `newlines`, also line feeds and comments (inside brackets they are trivia too).
pub fn skip_trivia(bytes: &[u8], mut at: usize, newlines: bool) -> usize {
    while at < bytes.len() {
        match bytes[at] {
            b' ' | b'\t' | b'\x0c' | b'\r' => at += 1,
            // A continuation: `\` and a line break (LF, CRLF or CR).
            b'\\' if bytes.get(at + 1) == Some(&b'\r') && bytes.get(at + 2) == Some(&b'\n') => {
                at += 3
            }
            b'\\' if matches!(bytes.get(at + 1), Some(b'\n' | b'\r')) => at += 2,
            b'\n' if newlines => at += 1,
            b'#' if newlines => {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
            }
            _ => break,
        }
    }
    at
}

/// The identifier starting at `at`, if one does.
pub fn ident_at(bytes: &[u8], at: usize) -> Option<&str> {
    let first = *bytes.get(at)?;
    if first.is_ascii_digit() || !is_ident_byte(first) {
        return None;
    }
    let mut end = at;
    while end < bytes.len() && is_ident_byte(bytes[end]) {
        end += 1;
    }
    std::str::from_utf8(&bytes[at..end]).ok()
}

/// `text` with the contents of comments and string literals replaced by spaces (line
/// breaks kept, so lines stay lines), for the prefilters to read code only. The
/// replacement fields of f-strings and t-strings (`{expr}`, format specs' nested fields)
/// are code and stay, with their own strings blanked. A string whose end cannot be
/// found is left as it is, and so is everything after it: blanking less only admits
/// more.
pub fn code_only(text: &str) -> String {
    // One scanner for the engine and the prefilters: what `crate::scan` blanks.
    crate::scan::blank(text).0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Def,
    Class,
}

/// A `def` or `class` whose body a logical line is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block<'t> {
    pub kind: BlockKind,
    pub indent: usize,
    pub name: &'t str,
    /// A decorator line came right before it.
    pub decorated: bool,
}

/// One logical line of code-only text (see [`code_only`]): its physical lines joined by
/// brackets or backslashes, with the `def` and `class` bodies it is in, outermost first
/// (by indentation, counted as the parser does: a tab is 8 columns).
pub struct LogicalLine<'t, 'b> {
    pub text: &'t str,
    pub enclosing: &'b [Block<'t>],
    /// What this line opens, when it is a `def` or `class` line.
    pub opens: Option<Block<'t>>,
}

/// Calls `on_line` for every logical line of `code` (text from [`code_only`]). Returns
/// `false`, having called it for none, when the brackets do not balance (a string that
/// could not be blanked): then lines cannot be told apart and the caller must read the
/// whole text.
pub fn for_each_logical_line<'t>(
    code: &'t str,
    mut on_line: impl FnMut(&LogicalLine<'t, '_>),
) -> bool {
    let bytes = code.as_bytes();
    // First pass: where logical lines start, and whether the brackets balance.
    let mut starts = Vec::new();
    let mut depth = 0i64;
    let mut continued = false;
    let mut line_start = 0;
    while line_start < bytes.len() {
        let end = memchr_newline(bytes, line_start);
        if depth == 0 && !continued {
            starts.push(line_start);
        }
        for &byte in &bytes[line_start..end] {
            match byte {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth < 0 {
                        return false;
                    }
                }
                _ => {}
            }
        }
        let line = &bytes[line_start..end];
        let trimmed = line.strip_suffix(b"\r").unwrap_or(line);
        continued = trimmed.last() == Some(&b'\\');
        line_start = end + 1;
    }
    if depth != 0 || continued {
        return false;
    }
    let mut stack: Vec<Block<'t>> = Vec::new();
    let mut decorated = false;
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(bytes.len());
        let text = &code[start..end];
        let mut indent = 0;
        let mut at = 0;
        while at < text.len() {
            match text.as_bytes()[at] {
                b' ' => indent += 1,
                b'\t' => indent += 8,
                b'\x0c' => indent = 0,
                _ => break,
            }
            at += 1;
        }
        let rest = &text[at..];
        // Blank lines, comment lines (blanked to `#`) and lone continuations are not
        // statements and change no block.
        let first = rest.trim_start().as_bytes().first().copied();
        if matches!(first, None | Some(b'#' | b'\\')) {
            on_line(&LogicalLine {
                text,
                enclosing: &stack,
                opens: None,
            });
            continue;
        }
        while stack.last().is_some_and(|block| block.indent >= indent) {
            stack.pop();
        }
        let head = rest
            .strip_prefix("async")
            .filter(|after| after.starts_with(|c: char| c.is_whitespace()))
            .map_or(rest, str::trim_start);
        let opens = [("def", BlockKind::Def), ("class", BlockKind::Class)]
            .into_iter()
            .find_map(|(keyword, kind)| {
                let after = head.strip_prefix(keyword)?;
                if !after.starts_with(|c: char| c.is_whitespace() || c == '\\') {
                    return None;
                }
                let after = after.as_bytes();
                let name_at = skip_trivia(after, 0, true);
                let name = ident_at(after, name_at).unwrap_or("");
                Some(Block {
                    kind,
                    indent,
                    name,
                    decorated,
                })
            });
        decorated = rest.starts_with('@');
        on_line(&LogicalLine {
            text,
            enclosing: &stack,
            opens,
        });
        if let Some(block) = opens {
            stack.push(block);
        }
    }
    true
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_stand_alone() {
        let found: Vec<usize> = word_positions("default def undef def", "def").collect();
        assert_eq!(found, [8, 18]);
    }

    #[test]
    fn strings_and_comments_are_blanked_but_not_fields() {
        assert_eq!(
            code_only("x = 'a#b' # c\ny = \"\"\"p\nq\"\"\" + r'\\''\n"),
            "x = '   ' #  \ny = \"\"\" \n \"\"\" + r'  '\n"
        );
        assert_eq!(
            code_only("f'a{x[\"k\"]!r:>{w}} b' + f\"{{no}}\""),
            "f' {x[\" \"]!r: {w}}  ' + f\"      \""
        );
        // PEP 701: the same quote inside a field.
        assert_eq!(code_only("f\"{d[\"k\"]}\" # c"), "f\"{d[\" \"]}\" #  ");
        // Unterminated: the rest stays.
        assert_eq!(code_only("x = 'abc\ny = 1 # c"), "x = 'abc\ny = 1 # c");
        // A keyword before a quote is no prefix; a backslash does not escape a field's
        // brace; `\N{...}` names a character.
        assert_eq!(
            code_only("if'{x:':\n e = 0  # }'"),
            "if'   ':\n e = 0  #   "
        );
        assert_eq!(code_only("rf\"\\{(a := 3)}\""), "rf\" {(a := 3)}\"");
        assert_eq!(code_only("f\"\\{b}\""), "f\" {b}\"");
        assert_eq!(code_only("f\"\\N{DASH}{c}\""), "f\"        {c}\"");
    }

    #[test]
    fn logical_lines_know_their_blocks() {
        let text = "X = (1,\n2)\nclass A:\n\t@d\n\tdef f(self,\nx):\n\t\tdef g(): pass\n        y = \\\n1\n";
        let mut seen = Vec::new();
        assert!(for_each_logical_line(text, |line| {
            let blocks: Vec<String> = line
                .enclosing
                .iter()
                .map(|b| {
                    format!(
                        "{:?} {}{}",
                        b.kind,
                        b.name,
                        if b.decorated { " @" } else { "" }
                    )
                })
                .collect();
            seen.push(format!("{} | {}", line.text.trim(), blocks.join(", ")));
        }));
        assert_eq!(
            seen,
            [
                "X = (1,\n2) | ",
                "class A: | ",
                "@d | Class A",
                "def f(self,\nx): | Class A",
                "def g(): pass | Class A, Def f @",
                "y = \\\n1 | Class A",
            ]
        );
        assert!(!for_each_logical_line("x = (\n", |_| {}));
    }
}
