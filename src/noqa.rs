//! Suppression comments, as ruff and flake8 spell them:
//!
//! - `# noqa` on the line where a finding starts silences every finding there, and
//!   `# noqa: LK001, LK003` only those codes (or a rule's foreign aliases: `# noqa: B006`
//!   silences LK001, so suppressions written for ruff or flake8-bugbear keep working);
//! - `# pyleak-fix: noqa`, `# ruff: noqa` or `# flake8: noqa` on a line of its own
//!   silences the whole file, and `# pyleak-fix: noqa: LK001` (or `# ruff: noqa: B006`,
//!   `# flake8: noqa: B006`) those codes, and the rules they are aliases of, in it: the
//!   rules answer to ruff's and flake8's codes, so those tools' exemptions count here.
//!
//! Only real comments count: the tree tells them apart from `# noqa` inside a string.
//!
//! A finding that starts on a line no comment can end (inside a multi-line string, or a
//! line a backslash continues) is silenced, as in ruff, on the first line after it that
//! a comment can end: where the string or the logical line ends ([`noqa_line`]).
//! `--add-noqa` writes its comments there ([`add_noqa_edits`]).

use std::collections::BTreeMap;

use tree_sitter::Node;

use crate::fix::Edit;
use crate::rules::Finding;
use crate::source::SourceFile;

/// What a `noqa` directive silences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Codes {
    /// A bare `# noqa`: everything.
    All,
    /// `# noqa: LK001, B006`, as written (upper-cased).
    Listed(Vec<String>),
}

impl Codes {
    /// Whether a finding of `code`, whose rule also answers to `aliases`, is silenced.
    pub fn covers(&self, code: &str, aliases: &[&str]) -> bool {
        match self {
            Codes::All => true,
            Codes::Listed(listed) => listed
                .iter()
                .any(|listed| listed == code || aliases.contains(&listed.as_str())),
        }
    }
}

/// The suppressions of one file.
#[derive(Debug, Default)]
pub struct Suppressions {
    /// File-level directives.
    file: Vec<Codes>,
    /// Line-level directives: 0-based line, what it silences. Sorted by line.
    lines: Vec<(usize, Codes)>,
    /// Line-level directives ruff would refuse, which silence nothing: 0-based line, why.
    invalid: Vec<(usize, &'static str)>,
}

impl Suppressions {
    /// Reads every comment of `file` for directives. Most files have none, so the text
    /// is searched for `noqa` first and the tree is walked only when it is there.
    pub fn collect(file: &SourceFile) -> Self {
        let mut suppressions = Suppressions::default();
        if !contains_ignore_ascii_case(file.text, "noqa") {
            return suppressions;
        }
        let mut cursor = file.tree.walk();
        let mut pending = vec![file.tree.root_node()];
        while let Some(node) = pending.pop() {
            if node.kind() == "comment" {
                suppressions.read_comment(file, node);
                continue;
            }
            pending.extend(node.children(&mut cursor));
        }
        suppressions.lines.sort_by_key(|(line, _)| *line);
        suppressions
    }

    fn read_comment(&mut self, file: &SourceFile, comment: Node) {
        let text = file.node_text(comment);
        let line = comment.start_position().row;
        let own_line = file.text[..comment.start_byte()]
            .rsplit('\n')
            .next()
            .is_some_and(|before| before.trim().is_empty());
        // A comment may hold several `#` parts: `# type: ignore  # noqa: LK001`.
        let mut directive_seen = false;
        for part in text.split('#').skip(1) {
            let part = part.trim_start();
            if let Some(directive) = parse_directive(part) {
                // ruff reads the first `noqa` of a comment only: `# noqa: B006X  # noqa:
                // B006` silences nothing there, so nothing here either.
                if directive_seen {
                    continue;
                }
                directive_seen = true;
                match directive {
                    Ok(codes) => self.lines.push((line, codes)),
                    Err(reason) => self.invalid.push((line, reason)),
                }
            } else if own_line {
                if let Some(codes) = parse_file_directive(part) {
                    self.file.push(codes);
                }
            }
        }
    }

    /// Whether a finding of `code` starting on the 0-based `line` is silenced.
    pub fn silences(&self, line: usize, code: &str, aliases: &[&str]) -> bool {
        self.file.iter().any(|codes| codes.covers(code, aliases))
            || self
                .lines
                .iter()
                .filter(|(at, _)| *at == line)
                .any(|(_, codes)| codes.covers(code, aliases))
    }

    /// Whether nothing is silenced.
    pub fn is_empty(&self) -> bool {
        self.file.is_empty() && self.lines.is_empty()
    }

    /// Why the `# noqa` comment on the 0-based `line` silences nothing, when it is one
    /// ruff would refuse (`# noqa:` without codes, `# noqa: B006X`).
    pub fn invalid_on(&self, line: usize) -> Option<&'static str> {
        self.invalid
            .iter()
            .find(|(at, _)| *at == line)
            .map(|(_, reason)| *reason)
    }
}

/// The 0-based line where a `# noqa` comment silences a finding that starts at byte
/// `offset`: its own line, unless that line ends inside a string (a triple-quoted
/// string, a string a backslash continues) or is continued by a backslash, where no
/// comment can go; then the first line after it that ends outside both, where the
/// string or the logical line ends. ruff maps a finding's `noqa` line the same way.
pub fn noqa_line(file: &SourceFile, offset: usize) -> usize {
    let text = file.text;
    let mut line = file.location(offset).line - 1;
    let mut end = line_content_end(text, offset);
    while end < text.len() && !comment_can_end_line(file, end) {
        line += 1;
        end = line_content_end(
            text,
            text[end..].find('\n').map_or(text.len(), |at| end + at + 1),
        );
    }
    line
}

/// The end of the content of the line holding `offset`: its `\r\n` or `\n`, or the
/// end of the text.
fn line_content_end(text: &str, offset: usize) -> usize {
    match text[offset.min(text.len())..].find('\n') {
        Some(at) => {
            let newline = offset + at;
            if text[..newline].ends_with('\r') {
                newline - 1
            } else {
                newline
            }
        }
        None => text.len(),
    }
}

/// Whether a comment may be put at the end of the line whose content ends at byte `end`
/// (the position of its line break): the break is not inside a string, and the line is
/// not continued by a backslash outside a comment.
fn comment_can_end_line(file: &SourceFile, end: usize) -> bool {
    let root = file.tree.root_node();
    if let Some(node) = root.descendant_for_byte_range(end, end) {
        let mut current = Some(node);
        while let Some(node) = current {
            if node.kind() == "string" && node.start_byte() < end && end < node.end_byte() {
                return false;
            }
            current = node.parent();
        }
    }
    if end > 0 && file.text.as_bytes()[end - 1] == b'\\' {
        let in_comment = root
            .descendant_for_byte_range(end - 1, end)
            .is_some_and(|node| node.kind() == "comment");
        return in_comment;
    }
    true
}

/// The edits that silence each of `findings` (in `file`) with a `# noqa: CODE` comment on
/// its [`noqa_line`]: codes a line's existing `# noqa: ...` directive lacks are added to
/// it (`# noqa: B006, LK003`); a line without one gets `  # noqa: CODES` at its end,
/// after any comment it has (trailing spaces and tabs give way to it). Codes are never
/// repeated; a line silenced for every code (`# noqa`) gets nothing.
pub fn add_noqa_edits(file: &SourceFile, findings: &[Finding]) -> Vec<Edit> {
    let mut codes_by_line: BTreeMap<usize, Vec<&'static str>> = BTreeMap::new();
    for finding in findings {
        let codes = codes_by_line
            .entry(noqa_line(file, finding.range.start))
            .or_default();
        if !codes.contains(&finding.code) {
            codes.push(finding.code);
        }
    }
    let comments = comments_on_lines(file, &codes_by_line);
    let mut edits = Vec::new();
    for (line, mut codes) in codes_by_line {
        codes.sort_unstable();
        let start = file.lines.line_start(line);
        let end = line_content_end(file.text, start);
        let comment = comments.get(&line);
        let existing = comment
            .and_then(|comment| directive_in(file.node_text(*comment), comment.start_byte()));
        match existing {
            Some(Existing::Directive(Codes::All, _)) => {}
            Some(Existing::Invalid) => {
                let at = comment.expect("a directive is in a comment").start_byte();
                edits.push(Edit::insert(at, format!("# noqa: {}  ", codes.join(", "))));
            }
            Some(Existing::Directive(Codes::Listed(listed), codes_end)) => {
                let missing: Vec<&str> = codes
                    .into_iter()
                    .filter(|code| !listed.iter().any(|listed| listed == code))
                    .collect();
                if !missing.is_empty() {
                    edits.push(Edit::insert(codes_end, format!(", {}", missing.join(", "))));
                }
            }
            None => {
                let content_end = start + file.text[start..end].trim_end_matches([' ', '\t']).len();
                edits.push(Edit::replace(
                    content_end..end,
                    format!("  # noqa: {}", codes.join(", ")),
                ));
            }
        }
    }
    edits
}

/// The comment on each of the 0-based `lines`, if it has one (a comment runs to the
/// end of its line, so there is at most one).
fn comments_on_lines<'t, T>(
    file: &SourceFile<'t>,
    lines: &BTreeMap<usize, T>,
) -> BTreeMap<usize, Node<'t>> {
    let mut found = BTreeMap::new();
    let mut cursor = file.tree.walk();
    let mut pending = vec![file.tree.root_node()];
    while let Some(node) = pending.pop() {
        let rows = node.start_position().row..=node.end_position().row;
        if !lines.range(rows).any(|_| true) {
            continue;
        }
        if node.kind() == "comment" {
            found.insert(node.start_position().row, node);
            continue;
        }
        pending.extend(node.children(&mut cursor));
    }
    found
}

/// A comment's first `noqa` directive, for `--add-noqa`.
enum Existing {
    /// What it silences, and the byte just after its last code (where more codes go).
    Directive(Codes, usize),
    /// One ruff refuses (`# noqa: b006`), which silences nothing.
    Invalid,
}

/// The first `noqa` directive in a comment `text` that starts at byte `at` of the file.
fn directive_in(text: &str, at: usize) -> Option<Existing> {
    let mut part_start = 0;
    for part in text.split('#') {
        let offset = part_start;
        part_start += part.len() + 1;
        if offset == 0 {
            continue;
        }
        let trimmed = part.trim_start();
        let codes = match parse_directive(trimmed) {
            None => continue,
            Some(Ok(codes)) => codes,
            // The comment's first `noqa` is the one that counts, and it silences
            // nothing: a new directive must come before it.
            Some(Err(_)) => return Some(Existing::Invalid),
        };
        let after_noqa = offset + (part.len() - trimmed.len()) + "noqa".len();
        let list_start = match text[after_noqa..].trim_start().strip_prefix(':') {
            Some(list) => text.len() - list.len(),
            None => return Some(Existing::Directive(codes, at + after_noqa)),
        };
        let mut codes_end = list_start;
        let mut rest = &text[list_start..];
        loop {
            let word_start = rest.len()
                - rest
                    .trim_start_matches(|c: char| c == ',' || c.is_whitespace())
                    .len();
            let word = rest[word_start..]
                .split(|c: char| c == ',' || c.is_whitespace() || c == '#')
                .next()
                .unwrap_or("");
            if word.is_empty() || !is_code(word) {
                break;
            }
            codes_end = text.len() - rest.len() + word_start + word.len();
            rest = &text[codes_end..];
        }
        return Some(Existing::Directive(codes, at + codes_end));
    }
    None
}

/// `noqa`, `noqa: LK001,LK003`, `NOQA:B006 because...`: what the part after a `#`
/// silences, if it is a valid noqa directive. An invalid one (see [`parse_directive`])
/// silences nothing, as in ruff.
fn parse_noqa(part: &str) -> Option<Codes> {
    parse_directive(part)?.ok()
}

/// The part after a `#`, if it is a noqa directive at all: what it silences, or why it
/// is invalid and silences nothing. ruff's reading: after `noqa:` the first word must be
/// a code (upper-case letters, then digits) and no code may run into other characters
/// (`B006X`, `B006:`); the list ends at the first word that is not a code (`# noqa:
/// E501 reason`). A bare `noqa`, or `noqa` followed by anything but a colon, silences
/// everything. flake8 reads `# noqa:` without codes as bare; ruff refuses it, and so does
/// this tool, since a suppression that silences more than it says is the riskier reading.
fn parse_directive(part: &str) -> Option<Result<Codes, &'static str>> {
    let rest = strip_prefix_ignore_ascii_case(part, "noqa")?;
    // `# noqa` followed by a letter or digit is another word (`# noqasomething`).
    if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some(parse_codes(rest))
}

/// `pyleak-fix: noqa`, `ruff: noqa`, `flake8: noqa` (the whole file), or with codes
/// (`ruff: noqa: B006`: those codes). ruff honours its own and flake8's exemption, and a
/// file marked for those tools (generated code, vendored code) is one nobody wants
/// rewritten by this one either.
fn parse_file_directive(part: &str) -> Option<Codes> {
    for tool in ["pyleak-fix", "ruff", "flake8"] {
        let Some(rest) = strip_prefix_ignore_ascii_case(part, tool) else {
            continue;
        };
        let rest = rest.trim_start().strip_prefix(':')?.trim_start();
        return parse_noqa(rest);
    }
    None
}

/// Why a `# noqa: ...` list is refused: it names no code.
pub const NO_CODES: &str = "expected a comma-separated list of codes (e.g. `# noqa: LK001, B006`)";
/// Why a `# noqa: ...` list is refused: a code runs into other characters.
pub const BAD_CODE: &str =
    "expected each code to be upper-case letters followed by digits only (e.g. `B006`)";

/// After `noqa`: `: LK001, B006 trailing words` lists codes; no colon silences everything.
fn parse_codes(rest: &str) -> Result<Codes, &'static str> {
    let Some(list) = rest.trim_start().strip_prefix(':') else {
        return Ok(Codes::All);
    };
    // `# noqa:,B006`: ruff refuses a list that starts with a separator.
    if list.trim_start().starts_with(',') {
        return Err(NO_CODES);
    }
    let mut codes = Vec::new();
    for word in list.split(|c: char| c == ',' || c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if is_code(word) {
            codes.push(word.to_string());
            continue;
        }
        if starts_with_code(word) {
            return Err(BAD_CODE);
        }
        break;
    }
    if codes.is_empty() {
        Err(NO_CODES)
    } else {
        Ok(Codes::Listed(codes))
    }
}

/// Upper-case letters then digits: `LK001`, `B006`, `E501`.
fn is_code(word: &str) -> bool {
    let digits = word.trim_start_matches(|c: char| c.is_ascii_uppercase());
    digits.len() < word.len() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A code with something after it: `B006X`, `B006:`, `B006-fix`.
fn starts_with_code(word: &str) -> bool {
    let digits = word.trim_start_matches(|c: char| c.is_ascii_uppercase());
    digits.len() < word.len() && digits.starts_with(|c: char| c.is_ascii_digit())
}

fn strip_prefix_ignore_ascii_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn contains_ignore_ascii_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(codes: &[&str]) -> Option<Codes> {
        Some(Codes::Listed(codes.iter().map(|c| c.to_string()).collect()))
    }

    #[test]
    fn noqa_comments_parse_like_ruffs() {
        assert_eq!(parse_noqa("noqa"), Some(Codes::All));
        assert_eq!(parse_noqa("NOQA  because"), Some(Codes::All));
        assert_eq!(parse_noqa("noqa: LK001"), listed(&["LK001"]));
        assert_eq!(parse_noqa("noqa:LK001,LK003"), listed(&["LK001", "LK003"]));
        assert_eq!(
            parse_noqa("noqa: LK001, B006 shared on purpose"),
            listed(&["LK001", "B006"])
        );
        assert_eq!(parse_noqa("noqa: E501, reason B006"), listed(&["E501"]));
        assert_eq!(parse_noqa("noqa:E501,,B006"), listed(&["E501", "B006"]));
        assert_eq!(parse_noqa("noqa - reason"), Some(Codes::All));
        // What ruff refuses (with a warning) silences nothing.
        for refused in [
            "noqa:",
            "noqa:,B006",
            "noqa: ",
            "noqa: lk001",
            "noqa: some words",
            "noqa: 123",
        ] {
            assert_eq!(parse_directive(refused), Some(Err(NO_CODES)), "{refused}");
        }
        for refused in [
            "noqa: B006X",
            "noqa: B006:",
            "noqa: B006-fix",
            "noqa: E501 B006X",
        ] {
            assert_eq!(parse_directive(refused), Some(Err(BAD_CODE)), "{refused}");
        }
        assert_eq!(parse_noqa("noqasomething"), None);
        assert_eq!(parse_noqa("type: ignore"), None);
    }

    #[test]
    fn file_directives_of_this_tool_ruff_and_flake8_count() {
        for tool in ["pyleak-fix", "ruff", "flake8", "Flake8", "RUFF"] {
            assert_eq!(
                parse_file_directive(&format!("{tool}: noqa")),
                Some(Codes::All),
                "{tool}"
            );
            assert_eq!(
                parse_file_directive(&format!("{tool}: noqa: B006, LK003")),
                listed(&["B006", "LK003"]),
                "{tool}"
            );
            assert_eq!(parse_file_directive(&format!("{tool}: noqa: b006")), None);
            assert_eq!(parse_file_directive(&format!("{tool}: noqa:")), None);
            assert_eq!(
                parse_file_directive(&format!("{tool}:noqa:LK001")),
                listed(&["LK001"])
            );
        }
        assert_eq!(parse_file_directive("pylint: noqa"), None);
        assert_eq!(parse_file_directive("flake8 noqa"), None);
        assert_eq!(parse_file_directive("flake8: noqasomething"), None);
    }

    fn with_file<T>(text: &str, work: impl FnOnce(&SourceFile) -> T) -> T {
        let tree = crate::engine::parse(text);
        work(&SourceFile::new(text, &tree))
    }

    #[test]
    fn a_noqa_line_is_where_the_string_or_the_logical_line_ends() {
        let text = "a = 1\nf(x=[], y=\"\"\"\nline\n\"\"\")\ng = 1 + \\\n    2 + \\\n    3\nh = 2  # \\\nm = (1,\n     2)\n";
        with_file(text, |file| {
            let line_of = |needle: &str| noqa_line(file, text.find(needle).unwrap());
            assert_eq!(line_of("a = 1"), 0);
            assert_eq!(line_of("x=[]"), 3, "the string ends on line 3");
            assert_eq!(line_of("g = 1"), 6, "two backslashes continue it");
            assert_eq!(
                line_of("h = 2"),
                7,
                "a backslash in a comment continues nothing"
            );
            assert_eq!(
                line_of("m = (1"),
                8,
                "inside brackets a comment can end the line"
            );
        });
    }

    #[test]
    fn added_directives_merge_into_existing_ones_without_repeating_a_code() {
        let text = "a = 1  # noqa: E501 reason\nb = 2   \nc = 3  # note\nd = 4  # noqa\ne = 5  # noqa: LK001\n";
        with_file(text, |file| {
            let finding = |needle: &str, code: &'static str| Finding {
                code,
                range: text.find(needle).unwrap()..text.find(needle).unwrap() + 1,
                message: String::new(),
                detail: String::new(),
                fix: None,
            };
            let findings = [
                finding("a =", "LK003"),
                finding("a =", "LK001"),
                finding("1", "LK001"),
                finding("b =", "LK002"),
                finding("c =", "LK001"),
                finding("d =", "LK001"),
                finding("e =", "LK001"),
                finding("e =", "LK002"),
            ];
            let edits = add_noqa_edits(file, &findings);
            let fix = crate::fix::Fix::new("noqa", crate::fix::Applicability::Safe, edits);
            let added = crate::fix::apply_fixes(text, &[&fix]).text;
            assert_eq!(
                added,
                "a = 1  # noqa: E501, LK001, LK003 reason\nb = 2  # noqa: LK002\nc = 3  # note  # noqa: LK001\nd = 4  # noqa\ne = 5  # noqa: LK001, LK002\n"
            );
        });
    }

    #[test]
    fn aliases_count_as_the_code() {
        let codes = Codes::Listed(vec!["B006".into()]);
        assert!(codes.covers("LK001", &["B006"]));
        assert!(!codes.covers("LK001", &[]));
        assert!(!codes.covers("LK002", &[]));
    }
}
