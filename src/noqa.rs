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

use tree_sitter::Node;

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
        for part in text.split('#').skip(1) {
            let part = part.trim_start();
            if let Some(codes) = parse_noqa(part) {
                self.lines.push((line, codes));
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

    pub fn is_empty(&self) -> bool {
        self.file.is_empty() && self.lines.is_empty()
    }
}

/// `noqa`, `noqa: LK001,LK003`, `NOQA:B006 because...`: what the part after a `#`
/// silences, if it is a noqa directive at all.
fn parse_noqa(part: &str) -> Option<Codes> {
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

/// After `noqa`: `: LK001, B006 trailing words` lists codes; anything else, or a colon
/// with no code after it (which flake8 also reads as bare), silences everything.
fn parse_codes(rest: &str) -> Codes {
    let Some(list) = rest.trim_start().strip_prefix(':') else {
        return Codes::All;
    };
    let mut codes = Vec::new();
    for word in list.split(|c: char| c == ',' || c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if !is_code(word) {
            break;
        }
        codes.push(word.to_ascii_uppercase());
    }
    if codes.is_empty() {
        Codes::All
    } else {
        Codes::Listed(codes)
    }
}

/// Letters then digits: `LK001`, `B006`, `E501`.
fn is_code(word: &str) -> bool {
    let digits = word.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    digits.len() < word.len() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
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
            parse_noqa("noqa: lk001, B006 shared on purpose"),
            listed(&["LK001", "B006"])
        );
        assert_eq!(parse_noqa("noqa:"), Some(Codes::All));
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
                parse_file_directive(&format!("{tool}: noqa: B006, lk003")),
                listed(&["B006", "LK003"]),
                "{tool}"
            );
            assert_eq!(
                parse_file_directive(&format!("{tool}:noqa:LK001")),
                listed(&["LK001"])
            );
        }
        assert_eq!(parse_file_directive("pylint: noqa"), None);
        assert_eq!(parse_file_directive("flake8 noqa"), None);
        assert_eq!(parse_file_directive("flake8: noqasomething"), None);
    }

    #[test]
    fn aliases_count_as_the_code() {
        let codes = Codes::Listed(vec!["B006".into()]);
        assert!(codes.covers("LK001", &["B006"]));
        assert!(!codes.covers("LK001", &[]));
        assert!(!codes.covers("LK002", &[]));
    }
}
