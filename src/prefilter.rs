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
pub fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// Offsets of `word` in `text` where it stands alone: not preceded or followed by an
/// identifier byte.
pub fn word_positions<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    let bytes = text.as_bytes();
    text.match_indices(word)
        .map(|(at, _)| at)
        .filter(move |&at| {
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
    let bytes = text.as_bytes();
    let mut blank: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'#' => {
                let start = at;
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
                blank.push((start + 1, at));
            }
            b'\'' | b'"' => {
                let mark = blank.len();
                match scan_string(bytes, at, &mut blank) {
                    Some(end) => at = end,
                    None => {
                        blank.truncate(mark);
                        break;
                    }
                }
            }
            _ => at += 1,
        }
    }
    let mut out = bytes.to_vec();
    for (start, end) in blank {
        for byte in &mut out[start..end] {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }
    String::from_utf8(out).expect("only whole characters are blanked, with ASCII spaces")
}

/// Scans the string literal whose opening quote is at `at`, recording the ranges of its
/// literal text in `blank`; returns where it ends, or `None` when it does not end.
fn scan_string(bytes: &[u8], at: usize, blank: &mut Vec<(usize, usize)>) -> Option<usize> {
    let mut start = at;
    while start > 0 && bytes[start - 1].is_ascii_alphabetic() {
        start -= 1;
    }
    let formatted = bytes[start..at]
        .iter()
        .any(|b| matches!(b, b'f' | b'F' | b't' | b'T'));
    let quote = bytes[at];
    let triple = bytes.get(at + 1) == Some(&quote) && bytes.get(at + 2) == Some(&quote);
    let open = if triple { at + 3 } else { at + 1 };
    let mut literal_start = open;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if !triple => return None,
            b'{' if formatted => {
                if bytes.get(i + 1) == Some(&b'{') {
                    i += 2;
                    continue;
                }
                blank.push((literal_start, i));
                i = scan_field(bytes, i + 1, blank)?;
                literal_start = i;
            }
            byte if byte == quote => {
                if !triple {
                    blank.push((literal_start, i));
                    return Some(i + 1);
                }
                if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                    blank.push((literal_start, i));
                    return Some(i + 3);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// Scans an f-string replacement field from just after its `{`: code, then an optional
/// format spec after a `:` outside brackets, whose literal text is blanked and whose
/// nested fields are scanned in turn. Returns the offset after the closing `}`.
fn scan_field(bytes: &[u8], mut i: usize, blank: &mut Vec<(usize, usize)>) -> Option<usize> {
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                i = scan_string(bytes, i, blank)?;
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
                            blank.push((literal_start, i));
                            i = scan_field(bytes, i + 1, blank)?;
                            literal_start = i;
                            continue;
                        }
                        b'}' => {
                            blank.push((literal_start, i));
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

/// The text of each line that is not inside a `def` body, by indentation as the parser
/// counts it (a tab is 8 columns). A line of a `def` body is any line after the `def`
/// line that is indented deeper than it; a shallower line (a comment, a string's or a
/// bracket's continuation) ends the body early, which only adds lines. The `def` line
/// itself is left out too: no assignment statement can sit on it outside the body.
pub fn for_each_line_outside_defs<'t>(
    text: &'t str,
    keep_def: impl Fn(&str) -> bool,
    mut on_line: impl FnMut(&'t str),
) {
    let mut def_indent: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let bytes = line.as_bytes();
        let mut indent = 0;
        let mut at = 0;
        while at < bytes.len() {
            match bytes[at] {
                b' ' => indent += 1,
                b'\t' => indent += 8,
                b'\x0c' => indent = 0,
                _ => break,
            }
            at += 1;
        }
        let rest = &line[at..];
        if rest.trim().is_empty() {
            continue;
        }
        if let Some(outer) = def_indent {
            if indent > outer {
                continue;
            }
            def_indent = None;
        }
        let head = rest.strip_prefix("async").map_or(rest, str::trim_start);
        if let Some(after) = head.strip_prefix("def") {
            if after.starts_with(|c: char| c.is_whitespace() || c == '\\') && !keep_def(after) {
                def_indent = Some(indent);
                continue;
            }
        }
        on_line(line);
    }
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
    }

    #[test]
    fn def_bodies_are_left_out() {
        let text = "X = 1\ndef f():\n    y = 2\n\n    z = 3\n# c\nclass A:\n\tdef g(self):\n\t\tpass\n        w = 4\n";
        let mut lines = Vec::new();
        for_each_line_outside_defs(text, |_| false, |line| lines.push(line.trim()));
        assert_eq!(lines, ["X = 1", "# c", "class A:", "w = 4"]);
    }
}
