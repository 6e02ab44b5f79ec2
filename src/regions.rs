//! Which of a file's top-level statements tree-sitter parses: all of them, or, when every
//! rule that must look at the file can say where its findings can be
//! ([`crate::rules::Rule::candidate_ranges`]), only those that can matter, in one parse
//! with `Parser::set_included_ranges`. A statement is parsed whole or not at all, so a
//! rule sees the subtree a whole-file parse gives it.
//!
//! The statements parsed, so that every rule reading regions sees what it would see in
//! a whole-file parse:
//! - each statement holding a candidate range;
//! - the first and the last statement (so that the module node spans the text), every
//!   statement up to the first with a block on lines of its own (the leading run of
//!   docstring, `__future__` imports, dunders and imports `crate::imports` reads, and the
//!   first block, where `crate::source::detect_indent_unit` reads the indentation unit),
//!   and every top-level simple statement spelling `import` (what `crate::imports` and
//!   the rules read as module-level imports, also after a `;`); a class among them is
//!   parsed as its header and the member nearest the text's edge;
//! - for a class holding a unit parsed, its header and each member that is not a `def`
//!   or `class` (its docstring and attributes);
//! - own-line comments mentioning `noqa` (file-level suppressions), as lines of their own;
//! - then, on demand, every statement that may bind a name a rule looks up in
//!   [`crate::semantic::FileBindings`], or whose `del` it asks about
//!   ([`Regions::look_up`]; `del x` counts as binding `x`): the engine parses again
//!   with them and runs the rules again ([`Regions::grow`]), until no lookup wants more.
//!
//! A statement is taken to bind a name unless its occurrences of the name are plainly
//! reads ([`may_bind`]), so this errs towards parsing more. When the layout cannot be read
//! ([`crate::scan::Scan::statements`] is `None`), a rule cannot say where its findings
//! are, or everything would be parsed anyway, the file is parsed whole.

use std::cell::RefCell;
use std::collections::HashSet;
use std::ops::Range;

use memchr::memmem;
use tree_sitter::{Parser, Point, Tree};

use crate::scan::is_ident_byte;
use crate::scan::Scan;

/// A part of the text parsed whole or not at all: a top-level statement, or a top-level
/// class's header or one member of its body ([`Scan::class_members`]).
#[derive(Debug, Clone)]
struct Unit {
    range: Range<usize>,
    /// A `def` or `class` (decorated or not).
    definition: bool,
    /// For a class's member, the index of the class's header unit.
    header: Option<usize>,
}

/// What tree-sitter parses of one text, and what the rules have asked of the rest.
pub struct Regions {
    /// The scan of the text: its blanked code and top-level statements.
    pub scan: Scan,
    /// The parts the text is parsed in, in order and disjoint.
    units: Vec<Unit>,
    /// Per unit, whether it is parsed; `None`: the whole text is.
    parsed: Option<Vec<bool>>,
    /// Own-line comments that mention `noqa`, as whole lines (byte ranges).
    noqa_lines: Vec<Range<usize>>,
    /// Names already looked up ([`Regions::look_up`]).
    looked_up: RefCell<HashSet<String>>,
    /// Units a lookup found may bind a name; parsed at the next [`Regions::grow`].
    wanted: RefCell<Vec<usize>>,
}

impl Regions {
    /// The whole text, parsed as one.
    pub fn whole(scan: Scan) -> Self {
        Regions {
            scan,
            units: Vec::new(),
            parsed: None,
            noqa_lines: Vec::new(),
            looked_up: RefCell::default(),
            wanted: RefCell::default(),
        }
    }

    /// The parts to parse first (see the module docs) for the rules' `candidates` (the
    /// byte ranges where their findings can be, [`crate::rules::Rule::candidate_ranges`]),
    /// or the whole text when they are `None`.
    pub fn choose(text: &str, scan: Scan, candidates: Option<Vec<Range<usize>>>) -> Self {
        let Some(mut candidates) = candidates else {
            return Regions::whole(scan);
        };
        let Some(statements) = scan.statements() else {
            return Regions::whole(scan);
        };
        // A non-ASCII name may be another's spelling (NFKC: `ｌｉｓｔ` is `list`), which
        // a lookup by bytes would miss: such files are parsed whole.
        if statements.len() < 3 || !scan.code.is_ascii() {
            return Regions::whole(scan);
        }
        candidates.sort_by_key(|range| (range.start, range.end));
        let code = scan.code.as_bytes();
        let last = statements.len() - 1;
        let mut units: Vec<Unit> = Vec::with_capacity(statements.len());
        let mut parsed: Vec<bool> = Vec::with_capacity(statements.len());
        let mut block_seen = false;
        for (index, statement) in statements.iter().enumerate() {
            let own = &code[statement.clone()];
            let definition = is_definition(own);
            // The first statement, the last and every one up to the first block: whole,
            // or for a class its header and the member nearest the text's edge.
            let anchor = index == 0 || index == last || !block_seen;
            block_seen |= scan.has_block_line(statement.clone());
            let members = if definition {
                scan.class_members(statement.clone())
            } else {
                None
            };
            match members {
                Some((header, members)) => {
                    let header_index = units.len();
                    units.push(Unit {
                        range: header,
                        definition: true,
                        header: None,
                    });
                    parsed.push(false);
                    let count = members.len();
                    for (position, member) in members.into_iter().enumerate() {
                        let edge = if index == last {
                            position + 1 == count
                        } else {
                            position == 0
                        };
                        units.push(Unit {
                            definition: is_definition(&code[member.clone()]),
                            range: member,
                            header: Some(header_index),
                        });
                        parsed.push(anchor && edge);
                    }
                }
                None => {
                    units.push(Unit {
                        range: statement.clone(),
                        definition,
                        header: None,
                    });
                    // After the leading run, the module-level statements a rule reads
                    // as such are imports; the others it meets through the names they
                    // bind ([`Regions::look_up`]).
                    // Anywhere in a simple statement's line: after a `;` or a form feed.
                    // An import inside an `if`, `try`, `with` or loop is no module-level
                    // import to the rules; they meet it through its name.
                    let rest = &own[skip_space(own, 0, true)..];
                    let compound = [&b"if"[..], b"try", b"with", b"for", b"while", b"async"]
                        .iter()
                        .any(|word| starts_with_word(rest, word));
                    let import = !compound
                        && memmem::find_iter(own, b"import").any(|at| is_word(own, at, 6));
                    parsed.push(anchor || import);
                }
            }
        }
        // The units holding a candidate range (an empty one inside counts).
        let mut next_candidate = 0;
        for (unit, parsed) in units.iter().zip(parsed.iter_mut()) {
            let range = &unit.range;
            while next_candidate < candidates.len()
                && candidates[next_candidate].end <= range.start
                && candidates[next_candidate].start < range.start
            {
                next_candidate += 1;
            }
            *parsed |= candidates[next_candidate..]
                .iter()
                .take_while(|candidate| candidate.start < range.end)
                .any(|candidate| candidate.end > range.start || candidate.start >= range.start);
        }
        let mut regions = Regions {
            noqa_lines: noqa_comment_lines(text, &scan.code),
            scan,
            units,
            parsed: Some(parsed),
            looked_up: RefCell::default(),
            wanted: RefCell::default(),
        };
        regions.close();
        regions
    }

    /// Makes the parsed units a text tree-sitter reads as the whole would be read: a
    /// class with a member parsed gets its header and every member that is not a `def`
    /// or `class` (its attributes, its docstring) parsed too; a class header wanted alone
    /// gets its first member. All parsed is the whole text.
    fn close(&mut self) {
        let Some(parsed) = self.parsed.as_mut() else {
            return;
        };
        let mut entered: HashSet<usize> = HashSet::new();
        for (index, unit) in self.units.iter().enumerate() {
            if let Some(header) = unit.header {
                if parsed[index] || parsed[header] {
                    entered.insert(header);
                }
            }
        }
        for (index, unit) in self.units.iter().enumerate() {
            if entered.contains(&index) {
                parsed[index] = true;
            }
            if let Some(header) = unit.header {
                if entered.contains(&header) && !unit.definition {
                    parsed[index] = true;
                }
            }
        }
        // A header with only definitions as members, entered through the header.
        for header in entered {
            if !self
                .units
                .iter()
                .enumerate()
                .any(|(i, u)| u.header == Some(header) && parsed[i])
            {
                parsed[header + 1] = true;
            }
        }
        if parsed.iter().all(|&p| p) {
            self.parsed = None;
        }
    }

    /// From now on, the whole text is parsed.
    pub fn parse_whole(&mut self) {
        self.parsed = None;
        self.wanted.get_mut().clear();
    }

    /// Whether the whole text is parsed.
    pub fn is_whole(&self) -> bool {
        self.parsed.is_none()
    }

    /// The byte ranges to parse, sorted and disjoint (neighbours merged); `None` for the
    /// whole text. The first unit starts at 0 and the last ends at the text's end, as
    /// they do in the module node of a whole parse.
    pub fn ranges(&self, text_len: usize) -> Option<Vec<Range<usize>>> {
        let parsed = self.parsed.as_ref()?;
        let mut wanted: Vec<Range<usize>> = Vec::new();
        let last = self.units.len() - 1;
        for (index, unit) in self.units.iter().enumerate() {
            if !parsed[index] {
                continue;
            }
            let mut range = unit.range.clone();
            if index == 0 {
                range.start = 0;
            }
            if index == last {
                range.end = text_len;
            }
            wanted.push(range);
        }
        // A suppression comment inside a parsed unit is parsed with it.
        for line in &self.noqa_lines {
            if !wanted
                .iter()
                .any(|range| range.start <= line.start && line.end <= range.end)
            {
                wanted.push(line.clone());
            }
        }
        wanted.sort_by_key(|range| range.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(wanted.len());
        for range in wanted {
            match merged.last_mut() {
                Some(previous) if previous.end >= range.start => {
                    previous.end = previous.end.max(range.end)
                }
                _ => merged.push(range),
            }
        }
        Some(merged)
    }

    /// How many bytes of a `text_len`-byte text are parsed.
    pub fn parsed_bytes(&self, text_len: usize) -> usize {
        self.ranges(text_len)
            .map_or(text_len, |ranges| ranges.iter().map(|r| r.len()).sum())
    }

    /// A rule looks up `name` in the file's bindings: every unit not parsed yet that may
    /// bind it is wanted, for the next [`Regions::grow`].
    pub fn look_up(&self, name: &str) {
        let Some(parsed) = self.parsed.as_ref() else {
            return;
        };
        if name.is_empty() || !self.looked_up.borrow_mut().insert(name.to_string()) {
            return;
        }
        let code = self.scan.code.as_bytes();
        let mut wanted = self.wanted.borrow_mut();
        for at in memmem::find_iter(code, name.as_bytes()) {
            if !is_word(code, at, name.len()) {
                continue;
            }
            let index = self.units.partition_point(|u| u.range.end <= at);
            let Some(unit) = self.units.get(index).filter(|u| u.range.start <= at) else {
                continue; // between statements: a comment or blank line
            };
            if parsed[index] || wanted.contains(&index) {
                continue;
            }
            let range = unit.range.clone();
            if may_bind(&code[range.clone()], at - range.start, name.len()) {
                wanted.push(index);
            }
        }
    }

    /// A rule asks something only a walk of every binding can answer (every name
    /// imported from a module): the whole file is wanted.
    pub fn look_up_all(&self) {
        if let Some(parsed) = self.parsed.as_ref() {
            let mut wanted = self.wanted.borrow_mut();
            wanted.extend((0..parsed.len()).filter(|&i| !parsed[i]));
        }
    }

    /// Marks the wanted units parsed; whether there were any (then the text must be
    /// parsed again and the rules run again). Lookups start afresh.
    pub fn grow(&mut self) -> bool {
        let wanted = std::mem::take(self.wanted.get_mut());
        self.looked_up.get_mut().clear();
        let Some(parsed) = self.parsed.as_mut() else {
            return false;
        };
        if wanted.is_empty() {
            return false;
        }
        for index in wanted {
            parsed[index] = true;
        }
        self.close();
        true
    }
}

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new({
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("tree-sitter-python matches the tree-sitter version it was built for");
        parser
    });
}

/// Bytes handed to tree-sitter and parses made, by every thread since the process
/// started: the measurement `examples/stages.rs` prints.
pub static PARSED: [std::sync::atomic::AtomicUsize; 2] = [
    std::sync::atomic::AtomicUsize::new(0),
    std::sync::atomic::AtomicUsize::new(0),
];

/// Parses what `regions` says of `text`, with this thread's parser.
pub fn parse(text: &str, regions: &Regions) -> Tree {
    let ranges = regions.ranges(text.len());
    let bytes = ranges
        .as_ref()
        .map_or(text.len(), |ranges| ranges.iter().map(|r| r.len()).sum());
    PARSED[0].fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
    PARSED[1].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    parse_ranges(text, ranges.as_deref())
}

/// Parses `text` whole (`ranges` `None`) or only its sorted, disjoint byte `ranges`, with
/// this thread's parser: the one every parse in the engine goes through.
pub fn parse_ranges(text: &str, ranges: Option<&[Range<usize>]>) -> Tree {
    PARSER
        .with(|parser| {
            let mut parser = parser.borrow_mut();
            let included = ranges.map(|ranges| included_ranges(text, ranges));
            parser
                .set_included_ranges(included.as_deref().unwrap_or(&[]))
                .expect("the ranges are sorted and disjoint");
            parser.parse(text, None)
        })
        .expect("a parser with a language and no timeout always returns a tree")
}

/// tree-sitter's ranges for sorted byte `ranges` of `text`, with their rows and byte
/// columns.
fn included_ranges(text: &str, ranges: &[Range<usize>]) -> Vec<tree_sitter::Range> {
    let bytes = text.as_bytes();
    let mut row = 0;
    let mut line_start = 0;
    let mut at = 0;
    let mut point = |offset: usize| {
        for found in memchr::memchr_iter(b'\n', &bytes[at..offset]) {
            row += 1;
            line_start = at + found + 1;
        }
        at = offset;
        Point::new(row, offset - line_start)
    };
    ranges
        .iter()
        .map(|range| tree_sitter::Range {
            start_byte: range.start,
            start_point: point(range.start),
            end_byte: range.end,
            end_point: point(range.end),
        })
        .collect()
}

/// Whether `len` bytes at `at` of `code` are a whole identifier.
fn is_word(code: &[u8], at: usize, len: usize) -> bool {
    (at == 0 || !is_ident_byte(code[at - 1]))
        && code.get(at + len).is_none_or(|&b| !is_ident_byte(b))
}

/// Whether a top-level statement's code is a `def` or `class` (decorated or not).
fn is_definition(code: &[u8]) -> bool {
    let rest = &code[skip_space(code, 0, true)..];
    if rest.starts_with(b"@") || starts_with_word(rest, b"def") || starts_with_word(rest, b"class")
    {
        return true;
    }
    starts_with_word(rest, b"async") && starts_with_word(&rest[skip_space(rest, 5, true)..], b"def")
}

fn starts_with_word(code: &[u8], word: &[u8]) -> bool {
    code.starts_with(word) && code.get(word.len()).is_none_or(|&b| !is_ident_byte(b))
}

/// Skips spaces, tabs, form feeds and carriage returns from `at`; with `lines`, line
/// feeds and backslash continuations too.
fn skip_space(code: &[u8], mut at: usize, lines: bool) -> usize {
    while at < code.len()
        && (matches!(code[at], b' ' | b'\t' | b'\x0c' | b'\r')
            || (lines && matches!(code[at], b'\n' | b'\\')))
    {
        at += 1;
    }
    at
}

/// Python's keywords and soft keywords: a word before `(` that is one of them does not
/// call anything.
const KEYWORDS: &[&[u8]] = &[
    b"False",
    b"None",
    b"True",
    b"and",
    b"as",
    b"assert",
    b"async",
    b"await",
    b"break",
    b"case",
    b"class",
    b"continue",
    b"def",
    b"del",
    b"elif",
    b"else",
    b"except",
    b"finally",
    b"for",
    b"from",
    b"global",
    b"if",
    b"import",
    b"in",
    b"is",
    b"lambda",
    b"match",
    b"nonlocal",
    b"not",
    b"or",
    b"pass",
    b"raise",
    b"return",
    b"try",
    b"type",
    b"while",
    b"with",
    b"yield",
];

/// Where the code before `end` ends, skipping back spaces, tabs, form feeds and
/// backslash continuations, and with `lines` line breaks too.
fn skip_back(code: &[u8], end: usize, lines: bool) -> usize {
    let mut at = end;
    loop {
        while at > 0 && matches!(code[at - 1], b' ' | b'\t' | b'\x0c') {
            at -= 1;
        }
        // A line break, when `lines` or when a backslash continues the line before it.
        let mut before = at;
        if before > 0 && code[before - 1] == b'\n' {
            before -= 1;
            if before > 0 && code[before - 1] == b'\r' {
                before -= 1;
            }
        } else if before > 0 && code[before - 1] == b'\r' {
            before -= 1;
        } else {
            return at;
        }
        if before > 0 && code[before - 1] == b'\\' {
            at = before - 1;
        } else if lines {
            at = before;
        } else {
            return at;
        }
    }
}

/// The identifier ending just before `end` (after skipping back as [`skip_back`] does),
/// with its start.
fn word_before(code: &[u8], end: usize, lines: bool) -> Option<(usize, &[u8])> {
    let mut at = skip_back(code, end, lines);
    let stop = at;
    while at > 0 && is_ident_byte(code[at - 1]) {
        at -= 1;
    }
    (at < stop).then(|| (at, &code[at..stop]))
}

/// Whether the occurrence of a name at `at` (`len` bytes) in a statement's `code` may
/// bind it, in any of the ways [`crate::semantic::visit_bindings`] counts. `false` only
/// for plain reads: the name followed by `(`, `[` or `.` (a call, a subscript, an
/// attribute) not after `def`, `class`, `import`..., or standing as an argument or index
/// (followed by `,`, `)` or `]`) inside a call's or subscript's brackets, with no
/// `lambda` or `for` between, in a statement that has no `case`.
pub fn may_bind(code: &[u8], at: usize, len: usize) -> bool {
    let after = skip_space(code, at + len, false);
    let next = code.get(after).copied();
    // Skipping line breaks too: a keyword cannot end a line unless brackets or a
    // backslash continue it, so this errs towards binding.
    let binding_before = |code: &[u8], at: usize| {
        word_before(code, at, true).is_some_and(|(_, word)| {
            matches!(
                word,
                b"def"
                    | b"class"
                    | b"import"
                    | b"as"
                    | b"from"
                    | b"global"
                    | b"nonlocal"
                    | b"del"
                    | b"for"
                    | b"lambda"
                    | b"case"
                    | b"type"
            )
        })
    };
    match next {
        Some(b'(' | b'[' | b'.') => {
            if binding_before(code, at) {
                return true;
            }
            // `import a, b.c` binds `b`.
            let before = {
                let mut i = at;
                while i > 0 && matches!(code[i - 1], b' ' | b'\t' | b'\x0c' | b'\r' | b'\n' | b'\\')
                {
                    i -= 1;
                }
                i
            };
            before > 0 && code[before - 1] == b',' && next == Some(b'.')
        }
        Some(b',' | b')' | b']') => {
            if binding_before(code, at)
                || memmem::find_iter(code, b"case").any(|c| is_word(code, c, 4))
            {
                return true;
            }
            // The innermost bracket open at `at`; a tuple or list nested directly in
            // another bracket (`isinstance(x, (list, tuple))`) is read as that one is.
            let mut depth = 0usize;
            let mut opener = None;
            let mut i = at;
            while i > 0 {
                i -= 1;
                match code[i] {
                    b')' | b']' | b'}' => depth += 1,
                    b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
                    b'(' | b'[' | b'{' => {
                        opener = Some(i);
                        let mut before = i;
                        while before > 0
                            && matches!(
                                code[before - 1],
                                b' ' | b'\t' | b'\x0c' | b'\r' | b'\n' | b'\\'
                            )
                        {
                            before -= 1;
                        }
                        if code[i] == b'{'
                            || before == 0
                            || !matches!(code[before - 1], b'(' | b'[' | b',')
                        {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(opener) = opener.filter(|&o| code[o] != b'{') else {
                return true;
            };
            // A `lambda`'s parameters or a comprehension's targets between.
            let between = &code[opener..at];
            if memmem::find_iter(between, b"lambda").any(|c| is_word(between, c, 6))
                || memmem::find_iter(between, b"for").any(|c| is_word(between, c, 3))
            {
                return true;
            }
            !is_call_opener(code, opener)
        }
        _ => true,
    }
}

/// Whether the bracket at `opener` opens a call's arguments or a subscript: it follows
/// a name that is not a keyword and is not being defined (`def f(`, `class C[`), or a
/// closing bracket.
fn is_call_opener(code: &[u8], opener: usize) -> bool {
    let at = skip_back(code, opener, false);
    if at > 0 && matches!(code[at - 1], b')' | b']') {
        // A call of a call's result or of a subscript (`f(a)(b)`, `d[k](b)`), unless the
        // brackets before are a definition's type parameters (`def g[T](a, b)`).
        let mut depth = 0usize;
        let mut i = at;
        while i > 0 {
            i -= 1;
            match code[i] {
                b')' | b']' | b'}' => depth += 1,
                b'(' | b'[' | b'{' => {
                    depth -= 1;
                    if depth == 0 {
                        return !names_a_definition(code, i);
                    }
                }
                _ => {}
            }
        }
        return false;
    }
    match word_before(code, opener, false) {
        Some((_, word)) => {
            !word[0].is_ascii_digit()
                && !KEYWORDS.contains(&word)
                && !names_a_definition(code, opener)
        }
        None => false,
    }
}

/// Whether the bracket at `opener` follows the name a `def`, `class` or `type` statement
/// defines (`def f(`, `class C[`), line breaks and continuations between counting too.
fn names_a_definition(code: &[u8], opener: usize) -> bool {
    word_before(code, opener, true).is_none_or(|(start, word)| {
        KEYWORDS.contains(&word)
            || word_before(code, start, true)
                .is_some_and(|(_, before)| matches!(before, b"def" | b"class" | b"type"))
    })
}

/// Own-line comments of `text` that mention `noqa` (any case), each as its whole line,
/// line break included; `code` is `text` blanked, where a comment starts at a `#`.
fn noqa_comment_lines(text: &str, code: &str) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let lower = text.to_ascii_lowercase();
    if !lower.contains("noqa") {
        return lines;
    }
    let bytes = code.as_bytes();
    for at in memchr::memchr_iter(b'#', bytes) {
        let start = bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        if !bytes[start..at]
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\x0c'))
        {
            continue;
        }
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |p| at + p + 1);
        if lower[at..end].contains("noqa") {
            lines.push(start..end);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::may_bind;

    fn binds(statement: &str, name: &str) -> Vec<bool> {
        let code = statement.as_bytes();
        statement
            .match_indices(name)
            .map(|(at, _)| may_bind(code, at, name.len()))
            .collect()
    }

    #[test]
    fn plain_reads_do_not_bind() {
        assert_eq!(binds("x = list(y)\n", "list"), [false]);
        assert_eq!(
            binds("if isinstance(x, (tuple, list)):\n    pass\n", "list"),
            [false]
        );
        assert_eq!(binds("f(a, list)[list]\n", "list"), [false, false]);
        assert_eq!(binds("os.path.join(a)\n", "os"), [false]);
        assert_eq!(binds("f(a, [b, (c, list)])\n", "list"), [false]);
        assert_eq!(
            binds("@functools.wraps(f)\ndef g(): pass\n", "functools"),
            [false]
        );
    }

    #[test]
    fn anything_that_may_bind_does() {
        for (statement, name) in [
            ("list = 1\n", "list"),
            ("def list(): pass\n", "list"),
            ("class list(object): pass\n", "list"),
            ("def f(a, list): pass\n", "list"),
            ("def f[list](): pass\n", "list"),
            ("import os.path\n", "os"),
            ("import sys, os.path\n", "os"),
            ("from m import (a, list)\n", "list"),
            ("for list in x: pass\n", "list"),
            ("f(x for a, list in y)\n", "list"),
            ("f(lambda a, list: 0)\n", "list"),
            ("with a as list: pass\n", "list"),
            ("match x:\n    case Point(list, y): pass\n", "list"),
            ("(list := 3)\n", "list"),
            ("global list\n", "list"),
            ("a, list = 1, 2\n", "list"),
            ("for (a, list) in x: pass\n", "list"),
            ("for a, (b, list) in x: pass\n", "list"),
            ("[a, (b, list)] = x\n", "list"),
            ("try: pass\nexcept E as list: pass\n", "list"),
            ("f(\n    list=1)\n", "list"),
            ("def \\\nlist(): pass\n", "list"),
            ("class \\\r\nlist: pass\n", "list"),
            ("def \\\ng(a, list): pass\n", "list"),
            ("def g[T](a, list): pass\n", "list"),
            ("class C[list]: pass\n", "list"),
            ("def f():\n    import \\\n        list.x\n", "list"),
            ("x = 1\n(list, b) = c\n", "list"),
        ] {
            assert!(binds(statement, name).contains(&true), "{statement:?}");
        }
    }
}
