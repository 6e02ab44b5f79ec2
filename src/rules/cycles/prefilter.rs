//! The cycle rules' prefilter (LK003 to LK007): which regions of a file may hold a finding, read from the text
//! (comments and strings blanked) without parsing it.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::prefilter::{
    for_each_logical_line, ident_at, is_ident_byte, skip_trivia, word_positions, BlockKind,
};

/// The prefilter. It reads the text with comments and string literals blanked (the
/// code of f-strings' replacement fields stays), and each shape needs code it looks for:
///
/// - shapes 1 to 3 (links): a cycle or self loop passes through a name that is both a
///   holder and a stored value (two such names, unless a stored name is also a word
///   before its own `=` or link call). A holder (not itself an attribute) starts a chain of `.name` and `[...]` that ends
///   in a lone `=` or an annotation's `:` (`a.f = b`, `a[k]: T = b`), or in
///   `.append(`, `.add(`, `.insert(`, `.setdefault(`. A stored value is a name, maybe
///   parenthesized, that ends an assignment whose target is not plainly a name (`= b`
///   then the end of the line, `;` or `#`), the argument of `append(b)`/`add(b)`, or an
///   argument after a comma of `insert`/`setdefault`;
/// - shape 4 (bound method): `x.m`, not called, where `def m` is an undecorated `def`
///   directly in a class body and `x` the first parameter of such a `def` and a word
///   before the `=` (the target's root: `self.f = self.m`), in the
///   value of such an assignment: first (`= x.m`), as a call's first argument
///   (`= partial(x.m, ...)`) or anywhere in a display or parenthesized value;
/// - shape 5 (closure): `= lambda` to such a target, or a stored value that is the name
///   of a `def` nested in another `def`;
/// - shape 6 (exception): a call of a name ending in `exc_info` (as the query says) that is an assignment's value or a
///   link call's argument, or the name after `as` in an `except` clause that
///   is a bare value assigned to anything (`g = e` for a global) or a link call's
///   argument.
///
/// The byte ranges of the regions (see `Outline::region`) where the prefilter sees
/// evidence of a finding, in order; empty when there is none. Every finding lies in a
/// scope of such a region, so the rule's query looks at these ranges only.
pub(super) fn admitted_ranges(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let may_store_exc_info = text.contains("exc_info");
    let outline = Outline::of(text);
    let mut admitted: HashSet<usize> = HashSet::new();
    // `x.m`, not called, at `at`, `x` the first parameter of a method and the root of
    // the target of the assignment at `eq`.
    let is_bound_method = |at: usize, eq: usize| {
        let Some(object) = ident_at(bytes, at) else {
            return false;
        };
        if !outline.is_receiver(object) || !may_be_target_root(bytes, eq, object) {
            return false;
        }
        let dot = skip_trivia(bytes, at + object.len(), true);
        if bytes.get(dot) != Some(&b'.') {
            return false;
        }
        let name_at = skip_trivia(bytes, dot + 1, true);
        ident_at(bytes, name_at).is_some_and(|name| {
            outline.is_plain_method(name)
                && bytes.get(skip_trivia(bytes, name_at + name.len(), true)) != Some(&b'(')
        })
    };
    // A lambda stored through its method's receiver reads that receiver (a closure
    // cycle): some word of the statement after `lambda`, not an attribute, is a receiver
    // and the root of the target.
    let lambda_may_read_receiver = |at: usize, eq: usize| {
        let mut depth = 0i64;
        let mut end = at;
        while end < bytes.len() {
            match bytes[end] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b'\\' => end += 1,
                b'\n' if depth <= 0 => break,
                _ => {}
            }
            end += 1;
        }
        let end = end.min(bytes.len());
        let statement = &text[at..end];
        statement
            .match_indices(|c: char| c.is_alphabetic() || c == '_')
            .any(|(offset, _)| {
                let start = at + offset;
                if start > 0 && is_ident_byte(bytes[start - 1]) {
                    return false;
                }
                ident_at(bytes, start).is_some_and(|word| {
                    outline.is_receiver(word)
                        && !follows_dot(bytes, start)
                        && may_be_target_root(bytes, eq, word)
                })
            })
    };
    // Bare names stored through an attribute or subscript, and bare names assigned or
    // passed to a link call at all, each with the region of the file where (a cycle's
    // links, a handler and what keeps its exception, a closure and where it is stored
    // are all in one scope, and so in one region: see `Outline::region`).
    let mut stored: HashSet<(usize, &str)> = HashSet::new();
    let mut assigned: HashSet<(usize, &str)> = HashSet::new();
    // The regions where some link may store a name in what that same name holds.
    let mut self_loops: HashSet<usize> = HashSet::new();
    for (eq, _) in text.match_indices('=') {
        let previous = eq.checked_sub(1).map(|p| bytes[p]);
        if bytes.get(eq + 1) == Some(&b'=')
            || previous.is_some_and(|p| b"=!<>+-*/%&|^@:".contains(&p))
        {
            continue;
        }
        let on_target = target_may_be_stored_through(bytes, eq);
        let mut at = skip_trivia(bytes, eq + 1, false);
        if matches!(bytes.get(at), Some(b'(' | b'[' | b'{')) {
            // An exception stored as an element: `x = ("failed", err)`.
            let region = outline.region(eq);
            for_each_word(text, at + 1, closing_bracket(bytes, at), |word| {
                assigned.insert((region, word));
            });
        }
        if on_target && matches!(bytes.get(at), Some(b'(' | b'[' | b'{')) {
            // A display or parenthesized value: any bound method in it.
            let end = closing_bracket(bytes, at);
            let mut inner = at + 1;
            while inner < end {
                if is_ident_byte(bytes[inner])
                    && !is_ident_byte(bytes[inner - 1])
                    && is_bound_method(inner, eq)
                {
                    admitted.insert(outline.region(eq));
                    break;
                }
                inner += 1;
            }
        }
        let mut parens = 0;
        while bytes.get(at) == Some(&b'(') {
            parens += 1;
            at = skip_trivia(bytes, at + 1, true);
        }
        let Some(name) = ident_at(bytes, at) else {
            continue;
        };
        let (callee, call) = called_chain(bytes, at);
        if may_store_exc_info && callee.is_some_and(|c| c.ends_with("exc_info")) {
            admitted.insert(outline.region(eq));
        }
        if on_target
            && ((name == "lambda" && lambda_may_read_receiver(at, eq))
                || is_bound_method(at, eq)
                // A call's first argument: `partial(self.m, ...)`.
                || (callee.is_some() && is_bound_method(skip_trivia(bytes, call + 1, true), eq)))
        {
            admitted.insert(outline.region(eq));
        }
        let end = skip_trivia(bytes, at + name.len(), false);
        let ends_statement = match bytes.get(end) {
            None | Some(b'\n' | b'\r' | b';' | b'#') => true,
            Some(b')') => parens > 0,
            _ => false,
        };
        if ends_statement {
            let region = outline.region(eq);
            assigned.insert((region, name));
            if on_target {
                stored.insert((region, name));
                if may_be_target_root(bytes, eq, name) {
                    self_loops.insert(region);
                }
            }
        }
    }
    for method in LINK_METHODS {
        for at in word_positions(text, method) {
            let open = skip_trivia(bytes, at + method.len(), false);
            if bytes.get(open) != Some(&b'(') {
                continue;
            }
            // Any name among the arguments may be an exception stored as an element:
            // `history.append(("failed", err))`.
            let region = outline.region(open);
            for_each_word(text, open + 1, closing_bracket(bytes, open), |word| {
                assigned.insert((region, word));
            });
            if matches!(method, "append" | "add") {
                let mut at = open;
                while bytes.get(at) == Some(&b'(') {
                    at = skip_trivia(bytes, at + 1, true);
                }
                if let Some(name) = ident_at(bytes, at) {
                    let region = outline.region(open);
                    stored.insert((region, name));
                    assigned.insert((region, name));
                    if may_be_target_root(bytes, open, name) {
                        self_loops.insert(region);
                    }
                    if may_store_exc_info
                        && called_chain(bytes, at)
                            .0
                            .is_some_and(|c| c.ends_with("exc_info"))
                    {
                        admitted.insert(region);
                    }
                }
            } else {
                let mut exc_info = false;
                let region = outline.region(open);
                later_arguments(bytes, open + 1, &mut |name, at| {
                    stored.insert((region, name));
                    assigned.insert((region, name));
                    if may_be_target_root(bytes, open, name) {
                        self_loops.insert(region);
                    }
                    exc_info |= may_store_exc_info
                        && called_chain(bytes, at)
                            .0
                            .is_some_and(|c| c.ends_with("exc_info"));
                });
                if exc_info {
                    admitted.insert(region);
                }
            }
        }
    }
    // `for NAME in ROOT...`: `NAME` is stored in what `ROOT` holds.
    let mut loops: Vec<(usize, &str, &str)> = Vec::new();
    for at in word_positions(text, "for") {
        let target_at = skip_trivia(bytes, at + 3, true);
        let Some(target) = ident_at(bytes, target_at) else {
            continue;
        };
        let in_at = skip_trivia(bytes, target_at + target.len(), true);
        if ident_at(bytes, in_at) != Some("in") {
            continue;
        }
        let Some(root) = ident_at(bytes, skip_trivia(bytes, in_at + 2, true)) else {
            continue;
        };
        let region = outline.region(at);
        stored.insert((region, target));
        loops.push((region, target, root));
    }
    // A closure stored where it was defined: the same region.
    for stored in &stored {
        if outline.nested.contains(stored) {
            admitted.insert(stored.0);
        }
    }
    for at in word_positions(text, "except") {
        let region = outline.region(at);
        if except_alias(bytes, at + 6).is_some_and(|name| assigned.contains(&(region, name))) {
            admitted.insert(region);
        }
    }
    // Holders: a stored name that starts a chain ending in a store or a link call. A
    // cycle of two or more objects has two or more names that are both, in one region
    // (a name in two lives is linked to itself only within one statement: a self loop,
    // whose holder is a word before the `=` or the link call on that line).
    if stored.is_empty() {
        return outline.ranges(&admitted);
    }
    let mut holders: HashSet<(usize, &str)> = HashSet::new();
    let mut holders_per_region: HashMap<usize, usize> = HashMap::new();
    let mut at = 0;
    while at < bytes.len() {
        if !is_ident_byte(bytes[at]) {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && is_ident_byte(bytes[at]) {
            at += 1;
        }
        // Cheap tests first: most names are followed by neither `.`, `[` nor `)`.
        let next = skip_trivia(bytes, at, true);
        if !matches!(bytes.get(next), Some(b'.' | b'[' | b')')) {
            continue;
        }
        let Ok(name) = std::str::from_utf8(&bytes[start..at]) else {
            continue;
        };
        let region = outline.region(start);
        if stored.contains(&(region, name))
            && !holders.contains(&(region, name))
            && !follows_dot(bytes, start)
            && starts_store_chain(bytes, at)
        {
            holders.insert((region, name));
            let count = holders_per_region.entry(region).or_default();
            *count += 1;
            if self_loops.contains(&region) || *count >= 2 {
                admitted.insert(region);
            }
        }
    }
    // A loop's target that is a holder, linked back to the loop's root: `for sub in
    // tree.children: sub.parent = tree`.
    for (region, target, root) in loops {
        if holders.contains(&(region, target)) && stored.contains(&(region, root)) {
            admitted.insert(region);
        }
    }
    outline.ranges(&admitted)
}

/// The names the `def`s of a file bind, by where they are. When the file's lines cannot
/// be told apart, every `def` counts as nested and as a plain method, and every name as
/// a receiver.
struct Outline<'t> {
    complete: bool,
    /// Where each region starts, in order, and its number. A region is an outermost
    /// `def` (with everything nested in it), or else region 0: code at module level or
    /// in class bodies. Every scope the rule graphs lies within one region. One region,
    /// 0, when the lines cannot be told apart.
    region_starts: Vec<(usize, usize)>,
    /// `def`s inside another `def`, with their region.
    nested: HashSet<(usize, &'t str)>,
    /// Undecorated `def`s directly in a class body.
    methods: HashSet<&'t str>,
    /// The first parameters of the `def`s directly in a class body.
    receivers: HashSet<&'t str>,
}

impl<'t> Outline<'t> {
    fn of(code: &'t str) -> Self {
        let mut outline = Outline {
            complete: false,
            region_starts: vec![(0, 0)],
            nested: HashSet::new(),
            methods: HashSet::new(),
            receivers: HashSet::new(),
        };
        let mut regions = 0;
        let mut in_def = false;
        outline.complete = for_each_logical_line(code, |line| {
            let start = line.text.as_ptr() as usize - code.as_ptr() as usize;
            let inside_def = line.enclosing.iter().any(|b| b.kind == BlockKind::Def);
            let opens_def = line.opens.is_some_and(|b| b.kind == BlockKind::Def);
            if opens_def && !inside_def {
                regions += 1;
                outline.region_starts.push((start, regions));
                in_def = true;
            } else if in_def && !inside_def {
                outline.region_starts.push((start, 0));
                in_def = false;
            }
            let Some(opened) = line.opens.filter(|b| b.kind == BlockKind::Def) else {
                return;
            };
            if inside_def {
                outline.nested.insert((regions, opened.name));
            }
            if line
                .enclosing
                .last()
                .is_some_and(|b| b.kind == BlockKind::Class)
            {
                if !opened.decorated {
                    outline.methods.insert(opened.name);
                }
                let bytes = line.text.as_bytes();
                if let Some(open) = line.text.find('(') {
                    if let Some(first) = ident_at(bytes, skip_trivia(bytes, open + 1, true)) {
                        outline.receivers.insert(first);
                    }
                }
            }
        });
        if !outline.complete {
            outline.region_starts = vec![(0, 0)];
            let bytes = code.as_bytes();
            let all: HashSet<&str> = word_positions(code, "def")
                .filter_map(|at| ident_at(bytes, skip_trivia(bytes, at + 3, true)))
                .collect();
            outline.nested = all.iter().map(|&name| (0, name)).collect();
            outline.methods = all;
        }
        outline
    }

    /// The byte ranges of the `admitted` regions, in order, touching ones merged; the
    /// last runs to the end of the text.
    fn ranges(&self, admitted: &HashSet<usize>) -> Vec<Range<usize>> {
        let mut ranges: Vec<Range<usize>> = Vec::new();
        for (index, &(start, region)) in self.region_starts.iter().enumerate() {
            if !admitted.contains(&region) {
                continue;
            }
            let end = self
                .region_starts
                .get(index + 1)
                .map_or(usize::MAX, |&(next, _)| next);
            match ranges.last_mut() {
                Some(last) if last.end == start => last.end = end,
                _ => ranges.push(start..end),
            }
        }
        ranges
    }

    /// The region the byte at `at` is in.
    fn region(&self, at: usize) -> usize {
        let after = self
            .region_starts
            .partition_point(|&(start, _)| start <= at);
        self.region_starts[after.saturating_sub(1)].1
    }

    fn is_plain_method(&self, name: &str) -> bool {
        self.methods.contains(name)
    }

    fn is_receiver(&self, name: &str) -> bool {
        !self.complete || self.receivers.contains(name)
    }
}

const LINK_METHODS: [&str; 4] = ["append", "add", "insert", "setdefault"];

/// Calls `on_word` for each identifier that starts in `text[start..end]`.
fn for_each_word<'t>(text: &'t str, start: usize, end: usize, mut on_word: impl FnMut(&'t str)) {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut at = start;
    while at < end {
        if is_ident_byte(bytes[at]) && (at == 0 || !is_ident_byte(bytes[at - 1])) {
            if let Some(word) = ident_at(bytes, at) {
                on_word(word);
                at += word.len();
                continue;
            }
        }
        at += 1;
    }
}

/// Whether the chain after a name, from `at`, is a store target or a link call's
/// object: `.f`, `[k]` (and `)` closing a parenthesized name) repeated at least once,
/// then a lone `=` or a `:`, or `.append(` and the like.
fn starts_store_chain(bytes: &[u8], mut at: usize) -> bool {
    let mut links = 0;
    loop {
        at = skip_trivia(bytes, at, true);
        match bytes.get(at) {
            Some(b')') => at += 1,
            Some(b'.') => {
                at = skip_trivia(bytes, at + 1, true);
                let Some(name) = ident_at(bytes, at) else {
                    return false;
                };
                at += name.len();
                if LINK_METHODS.contains(&name)
                    && bytes.get(skip_trivia(bytes, at, true)) == Some(&b'(')
                {
                    return true;
                }
                links += 1;
            }
            Some(b'[') => {
                at = closing_bracket(bytes, at) + 1;
                links += 1;
            }
            Some(b'=') => return links > 0 && bytes.get(at + 1) != Some(&b'='),
            Some(b':') => return links > 0 && annotation_assigns(bytes, at + 1),
            _ => return false,
        }
    }
}

/// Whether the name at `at` is an attribute (`.name`), looking back on its line and
/// across backslash continuations only: a name that starts a line is not taken for an
/// attribute, which only admits more.
fn follows_dot(bytes: &[u8], mut at: usize) -> bool {
    loop {
        while at > 0 && matches!(bytes[at - 1], b' ' | b'\t' | b'\x0c' | b'\r') {
            at -= 1;
        }
        // A backslash continuation, LF or CRLF.
        if at >= 2 && bytes[at - 1] == b'\n' {
            let mut before = at - 1;
            if bytes[before - 1] == b'\r' {
                before -= 1;
            }
            if before > 0 && bytes[before - 1] == b'\\' {
                at = before - 1;
                continue;
            }
        }
        return at > 0 && bytes[at - 1] == b'.';
    }
}

/// For a chain `a.b.c` at `at` followed by `(`: the last name, and where the `(` is.
fn called_chain(bytes: &[u8], mut at: usize) -> (Option<&str>, usize) {
    let mut last = None;
    while let Some(part) = ident_at(bytes, at) {
        last = Some(part);
        at = skip_trivia(bytes, at + part.len(), true);
        if bytes.get(at) != Some(&b'.') {
            break;
        }
        at = skip_trivia(bytes, at + 1, true);
    }
    if bytes.get(at) == Some(&b'(') {
        (last, at)
    } else {
        (None, at)
    }
}

/// Whether the annotation from `at` (after its `:`) is followed by a lone `=` before
/// the statement ends (a line break or `;` outside brackets).
fn annotation_assigns(bytes: &[u8], mut at: usize) -> bool {
    let mut depth = 0usize;
    while at < bytes.len() {
        match bytes[at] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            b'\\' => at += 1,
            b'\n' | b';' if depth == 0 => return false,
            b'=' if depth == 0 => {
                return !matches!(bytes.get(at + 1), Some(b'='))
                    && !matches!(bytes[at - 1], b'=' | b'!' | b'<' | b'>');
            }
            _ => {}
        }
        at += 1;
    }
    false
}

/// Whether `name` may be the root of the target of the assignment whose `=` is at `eq`
/// (or of the object of a link call there): it is a word before the `=` on the `=`'s
/// line, not after a dot, or that line does not hold the whole
/// target (it closes brackets opened before it, or continues a backslashed line).
fn may_be_target_root(bytes: &[u8], eq: usize, name: &str) -> bool {
    let start = bytes[..eq]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let line = &bytes[start..eq];
    let mut depth = 0i64;
    for byte in line {
        match byte {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return true;
        }
    }
    // The line before ends in a backslash continuation (LF or CRLF).
    let continued = (start >= 2 && bytes[start - 2] == b'\\')
        || (start >= 3 && bytes[start - 2] == b'\r' && bytes[start - 3] == b'\\');
    let text = std::str::from_utf8(line).unwrap_or("");
    continued || word_positions(text, name).any(|at| !follows_dot(bytes, start + at))
}

/// The offset of the bracket closing the one at `at`, or the end of the text.
fn closing_bracket(bytes: &[u8], at: usize) -> usize {
    let mut depth = 0usize;
    for (offset, byte) in bytes.iter().enumerate().skip(at) {
        match byte {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return offset;
                }
            }
            _ => {}
        }
    }
    bytes.len()
}

/// The name an `except` clause starting at `at` (just after the keyword) binds with
/// `as`: looked for up to the clause's `:` outside brackets (a `lambda` there has a `:`
/// of its own).
fn except_alias(bytes: &[u8], mut at: usize) -> Option<&str> {
    let mut depth = 0usize;
    let mut lambdas = 0usize;
    while at < bytes.len() {
        match bytes[at] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'l' if depth == 0 && bytes[at..].starts_with(b"lambda") => lambdas += 1,
            b':' if depth == 0 && lambdas > 0 => lambdas -= 1,
            b':' | b'\n' if depth == 0 => return None,
            b'a' if bytes.get(at + 1) == Some(&b's')
                && !is_ident_byte(bytes[at - 1])
                && !bytes.get(at + 2).is_some_and(|b| is_ident_byte(*b)) =>
            {
                return ident_at(bytes, skip_trivia(bytes, at + 2, true));
            }
            b'\\' => at += 1,
            _ => {}
        }
        at += 1;
    }
    None
}

/// Whether the target before the `=` at `eq` may be an attribute or a subscript: not
/// when it is clearly a plain name (`x = ...` at the start of a line or after `;`) or a
/// keyword argument or parameter default (`f(x=...)`, `, x=...`).
fn target_may_be_stored_through(bytes: &[u8], eq: usize) -> bool {
    let mut at = eq;
    while at > 0 && matches!(bytes[at - 1], b' ' | b'\t') {
        at -= 1;
    }
    if at == 0 || !is_ident_byte(bytes[at - 1]) {
        return true;
    }
    while at > 0 && is_ident_byte(bytes[at - 1]) {
        at -= 1;
    }
    while at > 0 && matches!(bytes[at - 1], b' ' | b'\t' | b'\x0c') {
        at -= 1;
    }
    // A line a backslash continues is no statement start: `self.\` then `attr = v`.
    let mut before_break = at.saturating_sub(1);
    if at > 0 && bytes[at - 1] == b'\n' && before_break > 0 && bytes[before_break - 1] == b'\r' {
        before_break -= 1;
    }
    if at > 0
        && matches!(bytes[at - 1], b'\n' | b'\r')
        && before_break > 0
        && bytes[before_break - 1] == b'\\'
    {
        return true;
    }
    !(at == 0 || matches!(bytes[at - 1], b'\n' | b'\r' | b';' | b'(' | b','))
}

/// Hands each name that starts an argument after a comma of the call whose arguments
/// start at `at`, up to its closing parenthesis.
fn later_arguments<'t>(bytes: &'t [u8], mut at: usize, on_name: &mut dyn FnMut(&'t str, usize)) {
    let mut depth = 0usize;
    while at < bytes.len() {
        match bytes[at] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return,
            },
            b',' if depth == 0 => {
                let mut next = skip_trivia(bytes, at + 1, true);
                while bytes.get(next) == Some(&b'(') {
                    next = skip_trivia(bytes, next + 1, true);
                }
                if let Some(name) = ident_at(bytes, next) {
                    on_name(name, next);
                }
            }
            _ => {}
        }
        at += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::admitted_ranges;
    use crate::prefilter::code_only;

    fn might_match(code: &str) -> bool {
        !admitted_ranges(code).is_empty()
    }

    fn admits(source: &str) -> bool {
        might_match(&code_only(source))
    }

    #[test]
    fn a_cycle_within_one_function_is_admitted() {
        assert!(admits("def link(a, b):\n    a.next = b\n    b.next = a\n"));
        assert!(admits("a = A()\nb = B()\na.peer = b\nb.peer = a\n"));
        assert!(admits("def grow(items):\n    items.append(items)\n"));
    }

    #[test]
    fn links_in_two_functions_are_not_one_cycle() {
        assert!(!admits(
            "def first(a, b):\n    a.next = b\n\ndef second(a, b):\n    b.next = a\n"
        ));
        assert!(!admits(
            "class C:\n    def m(self, a, b):\n        a.next = b\n\n    def n(self, a, b):\n        b.next = a\n"
        ));
    }

    #[test]
    fn a_stored_lambda_counts_only_when_it_reads_the_receiver() {
        let reads = "class C:\n    def m(self):\n        self.cb = lambda: self.done()\n";
        let ignores = "class C:\n    def m(self):\n        self.cb = lambda x: x + 1\n";
        assert!(admits(reads));
        assert!(!admits(ignores));
    }

    #[test]
    fn a_handler_and_its_store_must_share_a_function() {
        let together =
            "def f(self):\n    try:\n        pass\n    except E as e:\n        self.error = e\n";
        assert!(admits(together));
        let apart = "def f():\n    try:\n        pass\n    except E as e:\n        pass\n\ndef g(self, e):\n    self.error = e\n";
        assert!(!admits(apart));
    }

    #[test]
    fn only_the_functions_with_evidence_are_admitted_ranges() {
        let source = "import x\n\ndef quiet(a):\n    a.b = 1\n\ndef loud(a, b):\n    a.next = b\n    b.next = a\n\nclass C:\n    def m(self):\n        pass\n";
        let loud = source.find("def loud").unwrap();
        let class = source.find("class C").unwrap();
        assert_eq!(
            admitted_ranges(&code_only(source)),
            std::iter::once(loud..class).collect::<Vec<_>>()
        );
        let module_level = "a = A()\nb = B()\na.peer = b\n\ndef f():\n    pass\n\nb.peer = a\n";
        let def = module_level.find("def f").unwrap();
        let after = module_level.find("b.peer = a").unwrap();
        assert_eq!(
            admitted_ranges(&code_only(module_level)),
            [0..def, after..usize::MAX]
        );
        assert!(admitted_ranges(&code_only("def f(a):\n    a.b = 1\n")).is_empty());
    }

    #[test]
    fn a_closure_stored_where_it_is_defined_is_admitted() {
        let source = "class C:\n    def m(self):\n        def inner():\n            return self\n        self.cb = inner\n";
        assert!(admits(source));
    }
}
