//! LK003 reference-cycle.
//!
//! Objects that refer to each other are never freed by reference counting: they wait
//! for CPython's cyclic garbage collector, which runs on allocation counts, not on bytes.
//! This rule finds, within one function, method or module, the statements that close
//! such a cycle, and offers weak-reference rewrites where they keep the structure usable.

mod fixes;
mod graph;
mod scope;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::rc::Rc;
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match_in, Finding, FixSafety, Rule};
use crate::fix::Fix;
use crate::prefilter::{
    code_only, for_each_logical_line, ident_at, is_ident_byte, skip_trivia, word_positions,
    BlockKind,
};
use crate::semantic::{parameter_names, scope_bindings, unparenthesize, FileBindings};
use crate::settings::Settings;
use crate::source::SourceFile;
use graph::{Graph, Vertex};
use scope::{arms, method_of, reads_name, rebindings, scope_of, ClassMembers, Method, Receiver};

const CODE: &str = "LK003";

static QUERY: LazyLock<Query> =
    LazyLock::new(|| compile_query(include_str!("../../queries/lk003_reference_cycle.scm")));

/// What every message says happens to the objects of a cycle.
const FREED_LATE: &str =
    "stay allocated after their last name goes away, until the cyclic garbage collector runs";

const DOC: &str = r#"# LK003 reference-cycle

## What it finds
Statements that close a reference cycle, within one function, method or module body:

1. **Mutual links** between names: `a.f = b`, `a[k] = b`, `a.append(b)`, `a.add(b)`,
   `a.insert(i, b)`, `a.setdefault(k, b)` make `a` refer to `b`; the statement that lets
   the names reach themselves again is reported, once per cycle. Rebinding or deleting a
   name forgets its links; two statements in different branches of one `if`, `match`,
   or in two `except` clauses of one `try`, are never combined.
2. **Self loops**: `x.attr = x`, `self.me = self`, `lst.append(lst)`, `d[k] = d`.
3. **Back-references** in one method: `self.parent = parent` together with
   `parent.children.append(self)` (or `.add(self)`, `parent.children[k] = self`,
   `parent.child = self`), and `child.parent = self` with `self.children.append(child)`.
4. **A bound method stored on its own instance**: `self.callback = self.on_done`, also
   inside `functools.partial(self.on_done, ...)` or a dict, list, set or tuple display,
   when `on_done` is a plain `def` of the class (no decorator, never assigned on the
   instance).
5. **A closure over `self` stored on `self`**: `self.f = lambda: self.x`, or a nested `def`
   that reads `self`, assigned to `self.*`.
6. **An exception kept with its traceback**: inside `except E as e:`, `e` stored on
   `self`/`cls`, in a module-level variable or container, or in a `global`; also
   `sys.exc_info()` stored the same way.

Look-alikes that create no cycle stay silent: `self.name = self.name.strip()`,
`self.items = list(self.items)`, `self.copy = copy.copy(self)`, a class-level alias
`h = m`, `a.next = b; b.prev = c`, and a link whose value is already a `weakref`.

## Why it leaks
Reference counting frees an object the moment its last reference goes away, but the
objects of a cycle keep each other's counts above zero. They are freed only when the
cyclic garbage collector runs, and it runs after a number of allocations, not of bytes:
a cycle holding a large buffer, a GPU tensor, a socket or a traceback's frames (with
every local of every frame) stays allocated long after the last name is gone. A bound
method, a closure over `self` and a caught exception's traceback all refer back to the
object they are stored on.

## Example
```python
class Leaf:
    def __init__(self, parent):
        self.parent = parent
        parent.children.append(self)
```

## Fix
```python
import weakref

class Leaf:
    def __init__(self, parent):
        self.parent = parent
        parent.children.append(self)

    @property
    def parent(self):
        ref = self._parent_ref
        return None if ref is None else ref()

    @parent.setter
    def parent(self, value):
        self._parent_ref = None if value is None else weakref.ref(value)
```
A back-reference `self.ATTR = P` becomes a property backed by `weakref.ref`, added after
the first method that assigns it, so `leaf.parent is tree` stays true. For other mutual
links, the value of the closing `a.f = b` becomes `weakref.proxy(b)` when `b` is known to
be an instance of a class of this file that accepts weak references. An exception stored
from an `except` clause is stored as `e.with_traceback(None)`. `import weakref` is added
when the file has no module-level import of it.

Self loops, bound methods and closures are reported without a fix: the message names the
usual cure (a property returning the object, calling the method directly, or
`weakref.WeakMethod`).

## Fix safety
Every fix is unsafe. A weak link no longer keeps its target alive: once nothing else
refers to the parent, `leaf.parent` is `None` and a proxy raises `ReferenceError`, where
the code may have relied on the link to keep it. An object holding a `weakref.ref`
cannot be pickled, and `copy.deepcopy` of it shares the referent instead of copying it,
so a property-fixed class needs `__getstate__`/`__deepcopy__` if it is pickled or
deep-copied. A proxy is not the object (`is` is false). `with_traceback(None)` clears
the exception's traceback in place, so a later re-raise of it loses the original stack;
exceptions chained to it (`__context__`, `__cause__`) keep theirs. The property fix is declined for classes with `__slots__`,
when the attribute is already a method, property, descriptor or class attribute, when
its name is mangled, or when the class deletes it; the proxy fix when the value's type
is not known; the traceback fix when the handler re-raises the exception.
"#;

pub struct ReferenceCycle;

impl Rule for ReferenceCycle {
    fn code(&self) -> &'static str {
        CODE
    }

    fn name(&self) -> &'static str {
        "reference-cycle"
    }

    fn doc(&self) -> &'static str {
        DOC
    }

    fn default_enabled(&self) -> bool {
        true
    }

    fn fix_safety(&self) -> FixSafety {
        FixSafety {
            safe: false,
            unsafe_fix: true,
            no_fix: true,
        }
    }

    fn might_match(&self, text: &str, _settings: &Settings) -> bool {
        might_match(text)
    }

    fn check(&self, file: &SourceFile, settings: &Settings, findings: &mut Vec<Finding>) {
        // Every finding lies in a region where the prefilter sees its evidence, so the
        // query looks there only (everywhere when prefilters are off).
        let ranges = if settings.prefilter {
            admitted_ranges(&code_only(file.text))
        } else {
            std::iter::once(0..usize::MAX).collect()
        };
        let mut candidates = Candidates::default();
        let names: Vec<&str> = QUERY.capture_names().to_vec();
        let root = file.tree.root_node();
        for_each_match_in(&QUERY, root, file.text.as_bytes(), &ranges, |captures| {
            for (index, node) in captures {
                match names[*index as usize] {
                    "store" => candidates.stores.push(*node),
                    "link_call" => candidates.calls.push(*node),
                    "handler" => candidates.handlers.push(*node),
                    "exc_info" => candidates.exc_infos.push(*node),
                    _ => {}
                }
            }
        });
        // A node that spans two ranges (a module-level `try` around a `def`) is matched
        // once in each.
        candidates.dedup();
        if candidates.is_empty() {
            return;
        }
        let context = Context::new(file);
        let mut out = Vec::new();
        context.check_links(&candidates, &mut out);
        for store in &candidates.stores {
            context.check_method_store(*store, &mut out);
        }
        for handler in &candidates.handlers {
            context.check_handler(*handler, &mut out);
        }
        for call in &candidates.exc_infos {
            context.check_exc_info(*call, &mut out);
        }
        let mut seen = HashSet::new();
        out.retain(|finding: &Finding| {
            seen.insert((finding.range.clone(), finding.message.clone()))
        });
        findings.extend(out);
    }
}

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
fn might_match(text: &str) -> bool {
    !admitted_ranges(text).is_empty()
}

/// The byte ranges of the regions (see `Outline::region`) where the prefilter sees
/// evidence of a finding, in order; empty when there is none. Every finding lies in a
/// scope of such a region, so the rule's query looks at these ranges only.
fn admitted_ranges(text: &str) -> Vec<Range<usize>> {
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
        if at >= 2 && bytes[at - 1] == b'\n' && bytes[at - 2] == b'\\' {
            at -= 2;
            continue;
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
    let continued = start >= 2 && bytes[start - 2] == b'\\';
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

#[derive(Default)]
struct Candidates<'a> {
    stores: Vec<Node<'a>>,
    calls: Vec<Node<'a>>,
    handlers: Vec<Node<'a>>,
    exc_infos: Vec<Node<'a>>,
}

impl Candidates<'_> {
    fn dedup(&mut self) {
        for nodes in [
            &mut self.stores,
            &mut self.calls,
            &mut self.handlers,
            &mut self.exc_infos,
        ] {
            let mut seen = HashSet::new();
            nodes.retain(|node| seen.insert(node.id()));
        }
    }

    fn is_empty(&self) -> bool {
        self.stores.is_empty()
            && self.calls.is_empty()
            && self.handlers.is_empty()
            && self.exc_infos.is_empty()
    }
}

/// How a link stores its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    /// `a.f = b`
    Attribute,
    /// `a[k] = b`
    Item,
    /// `a.append(b)` and the like.
    Call,
}

/// One statement that makes the object named `holder` refer to the object named `value`.
struct Link<'a> {
    /// The assignment or call: where a cycle it closes is reported.
    site: Node<'a>,
    /// The name at the root of the target: `a` in `a.f.g[k] = b`.
    holder: &'a str,
    /// Whether the target is on the name itself: `a.f = b`, `a[k] = b`, `a.append(b)`.
    direct: bool,
    kind: LinkKind,
    /// The attribute of a direct `a.f = b`.
    attribute: Option<&'a str>,
    /// The stored name.
    value: Node<'a>,
}

struct Context<'a, 'f> {
    file: &'f SourceFile<'a>,
    bindings: &'f FileBindings<'a>,
    classes: RefCell<HashMap<usize, Rc<ClassMembers<'a>>>>,
    /// The module's own bindings, asked about for every link: computed once.
    module_rebindings: std::cell::OnceCell<Vec<scope::Rebinding<'a, 'a>>>,
}

impl<'a, 'f> Context<'a, 'f> {
    fn new(file: &'f SourceFile<'a>) -> Self {
        Context {
            file,
            bindings: file.bindings(),
            classes: RefCell::new(HashMap::new()),
            module_rebindings: std::cell::OnceCell::new(),
        }
    }

    fn module_rebindings(&self) -> &[scope::Rebinding<'a, 'a>] {
        self.module_rebindings
            .get_or_init(|| rebindings(self.file, self.file.tree.root_node()))
    }

    fn text(&self, node: Node) -> &'a str {
        self.file.node_text(node)
    }

    fn members(&self, class: Node<'a>) -> Rc<ClassMembers<'a>> {
        self.classes
            .borrow_mut()
            .entry(class.id())
            .or_insert_with(|| Rc::new(ClassMembers::collect(self.file, class)))
            .clone()
    }

    fn method(&self, node: Node<'a>) -> Option<Method<'a, 'a>> {
        let scope = scope_of(node);
        method_of(self.file, scope)
    }

    // ---- Shapes 1, 2 and 3: the links of each scope -------------------------------

    fn check_links(&self, candidates: &Candidates<'a>, out: &mut Vec<Finding>) {
        let links: Vec<Link<'a>> = candidates
            .stores
            .iter()
            .filter_map(|store| self.store_link(*store))
            .chain(
                candidates
                    .calls
                    .iter()
                    .filter_map(|call| self.call_link(*call)),
            )
            .collect();
        let mut by_scope: BTreeMap<usize, (Node<'a>, Vec<usize>)> = BTreeMap::new();
        for (index, link) in links.iter().enumerate() {
            let scope = scope_of(link.site);
            by_scope
                .entry(scope.start_byte())
                .or_insert((scope, Vec::new()))
                .1
                .push(index);
        }
        for (scope, members) in by_scope.into_values() {
            self.check_scope(scope, &links, &members, out);
        }
    }

    fn store_link(&self, store: Node<'a>) -> Option<Link<'a>> {
        let target = store.child_by_field_name("left")?;
        let value = bare_name(store.child_by_field_name("right")?)?;
        if target.kind() == "subscript" && has_child_kind(target, "slice") {
            // `a[1:] = a` copies the items of `a`; it does not store `a`.
            return None;
        }
        let (holder, depth) = holder_of(self.file, target)?;
        let kind = match target.kind() {
            "attribute" => LinkKind::Attribute,
            _ => LinkKind::Item,
        };
        let attribute = (kind == LinkKind::Attribute && depth == 1)
            .then(|| {
                target
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a))
            })
            .flatten();
        Some(Link {
            site: store,
            holder: self.text(holder),
            direct: depth == 1,
            kind,
            attribute,
            value,
        })
    }

    fn call_link(&self, call: Node<'a>) -> Option<Link<'a>> {
        let function = call.child_by_field_name("function")?;
        let method = self.text(function.child_by_field_name("attribute")?);
        let object = function.child_by_field_name("object")?;
        let arguments = positional_arguments(call.child_by_field_name("arguments")?)?;
        let position = match (method, arguments.len()) {
            ("append" | "add", 1) => 0,
            ("insert" | "setdefault", 2) => 1,
            _ => return None,
        };
        let value = bare_name(arguments[position])?;
        let (holder, depth) = holder_of(self.file, object)?;
        Some(Link {
            site: call,
            holder: self.text(holder),
            direct: depth == 0,
            kind: LinkKind::Call,
            attribute: None,
            value,
        })
    }

    /// Whether a link holds its value only weakly: the value was bound to a `weakref`
    /// call, or the attribute is a property whose setter stores a weak reference.
    fn is_weak_link(&self, link: &Link<'a>, value_binding: Option<Node<'a>>) -> bool {
        if value_binding
            .is_some_and(|value| self.is_weakref_call(value) || self.is_weak_attribute(value))
        {
            return true;
        }
        let (Some(attribute), Some(method)) = (link.attribute, self.method(link.site)) else {
            return false;
        };
        if link.holder != method.receiver {
            return false;
        }
        let members = self.members(method.class);
        members.setters.get(attribute).is_some_and(|bodies| {
            bodies
                .iter()
                .any(|body| contains_node(*body, |n| self.is_weakref_call(n)))
        })
    }

    /// `self.X` where every method of the class assigns `X` a weak reference.
    fn is_weak_attribute(&self, value: Node<'a>) -> bool {
        let value = unparenthesize(value);
        let (Some(method), Some(object), Some(attribute)) = (
            self.method(value),
            value.child_by_field_name("object"),
            value.child_by_field_name("attribute"),
        ) else {
            return false;
        };
        if value.kind() != "attribute" || self.text(object) != method.receiver {
            return false;
        }
        let members = self.members(method.class);
        members
            .instance_values
            .get(self.text(attribute))
            .is_some_and(|values| values.iter().all(|v| self.is_weakref_call(*v)))
    }

    fn is_weakref_call(&self, node: Node) -> bool {
        let node = unparenthesize(node);
        node.kind() == "call"
            && node
                .child_by_field_name("function")
                .and_then(|f| self.bindings.resolve(self.file, f))
                .is_some_and(|q| {
                    matches!(
                        q.as_str(),
                        "weakref.ref"
                            | "weakref.proxy"
                            | "weakref.WeakMethod"
                            | "_weakref.ref"
                            | "_weakref.proxy"
                    )
                })
    }

    fn check_scope(
        &self,
        scope: Node<'a>,
        links: &[Link<'a>],
        members: &[usize],
        out: &mut Vec<Finding>,
    ) {
        enum Event {
            Rebind(usize),
            Link(usize),
        }
        let rebound = rebindings(self.file, scope);
        let mut events: Vec<(usize, Event)> = rebound
            .iter()
            .enumerate()
            .map(|(i, r)| (r.offset, Event::Rebind(i)))
            .chain(
                members
                    .iter()
                    .map(|&i| (links[i].site.start_byte(), Event::Link(i))),
            )
            .collect();
        events.sort_by_key(|(offset, _)| *offset);
        let mut lives: HashMap<&str, u32> = HashMap::new();
        let mut bound_to: HashMap<&str, Node<'a>> = HashMap::new();
        let mut graph = Graph::default();
        let mut reported: HashSet<Vec<Vertex<'a>>> = HashSet::new();
        let mut self_loops: HashSet<(Vertex<'a>, &str)> = HashSet::new();
        let mut holders: HashMap<usize, Vertex<'a>> = HashMap::new();
        for (_, event) in events {
            let index = match event {
                Event::Rebind(i) => {
                    let rebinding = &rebound[i];
                    *lives.entry(rebinding.name).or_default() += 1;
                    match rebinding.value {
                        Some(value) => bound_to.insert(rebinding.name, value),
                        None => bound_to.remove(rebinding.name),
                    };
                    continue;
                }
                Event::Link(i) => i,
            };
            let link = &links[index];
            let value = self.text(link.value);
            let from = (link.holder, lives.get(link.holder).copied().unwrap_or(0));
            let to = (value, lives.get(value).copied().unwrap_or(0));
            if self.is_weak_link(link, bound_to.get(value).copied())
                || self.is_module_class(link.holder)
                || self.is_module_class(value)
            {
                // A class is in cycles of its own (`C.__mro__` holds `C`) and lives as
                // long as its module: storing on it or linking it adds no leak.
                continue;
            }
            if from == to {
                let target = self.link_target_text(link);
                if link.direct && self_loops.insert((from, target)) {
                    out.push(self.self_loop_finding(link));
                }
                continue;
            }
            holders.insert(index, from);
            let Some(cycle) = graph.add(from, to, index, arms(link.site, scope)) else {
                continue;
            };
            // Objects all read out of an existing structure (`prev = link.prev`) are
            // being re-linked: whether that structure's links are strong or weak was
            // decided where it was built, which this scope does not show.
            let relinked = cycle.iter().all(|i| {
                bound_to.get(links[*i].holder).is_some_and(|value| {
                    matches!(unparenthesize(*value).kind(), "attribute" | "subscript")
                })
            });
            if relinked {
                continue;
            }
            // A cycle is known by its names, each in its life: it is reported once.
            let mut vertices: Vec<Vertex<'a>> = cycle.iter().map(|i| holders[i]).collect();
            vertices.sort();
            if reported.insert(vertices) {
                out.push(self.cycle_finding(scope, links, &cycle));
            }
        }
    }

    /// `a.f`, `a[k]` or `a` of `a.append(b)`, as written.
    fn link_target_text(&self, link: &Link<'a>) -> &'a str {
        match link.kind {
            LinkKind::Call => link
                .site
                .child_by_field_name("function")
                .map_or("", |f| self.text(f)),
            _ => link
                .site
                .child_by_field_name("left")
                .map_or("", |l| self.text(l)),
        }
    }

    /// The link as a short snippet: `a.f = b`, `a.append(b)`, `a.insert(..., b)`.
    fn describe(&self, link: &Link<'a>) -> String {
        let value = self.text(link.value);
        let target = collapse(self.link_target_text(link));
        match link.kind {
            LinkKind::Call => {
                let many = link
                    .site
                    .child_by_field_name("arguments")
                    .is_some_and(|a| a.named_child_count() > 1);
                if many {
                    format!("{target}(..., {value})")
                } else {
                    format!("{target}({value})")
                }
            }
            _ => format!("{target} = {value}"),
        }
    }

    fn self_loop_finding(&self, link: &Link<'a>) -> Finding {
        let name = link.holder;
        let snippet = self.describe(link);
        let (message, cure) = match (link.kind, link.attribute) {
            (LinkKind::Attribute, Some("__dict__")) => (
                format!("`{snippet}` makes `{name}` refer to itself: it will {}", freed_late_one()),
                "define `__getattr__` instead of pointing `__dict__` at the object itself".to_string(),
            ),
            (LinkKind::Attribute, attribute) => (
                format!("`{snippet}` makes `{name}` refer to itself: it will {}", freed_late_one()),
                format!(
                    "if `{name}.{}` must give back the object itself, make it a property that returns `self`",
                    attribute.unwrap_or("attr")
                ),
            ),
            _ => (
                format!("`{snippet}` makes `{name}` contain itself: it will {}", freed_late_one()),
                "a container that holds itself is always a cycle; keep the object out of its own items (a property or method can hand it back)".to_string(),
            ),
        };
        Finding {
            code: CODE,
            range: link.site.byte_range(),
            message: format!("{message}; no fix: {cure}"),
            fix: None,
        }
    }

    fn cycle_finding(&self, scope: Node<'a>, links: &[Link<'a>], cycle: &[usize]) -> Finding {
        let closing = &links[*cycle.last().expect("a cycle has links")];
        let snippets: Vec<String> = cycle
            .iter()
            .map(|&i| format!("`{}`", self.describe(&links[i])))
            .collect();
        let method = method_of(self.file, scope).filter(|m| m.kind == Receiver::Instance);
        let back_reference = method
            .filter(|m| cycle.len() == 2 && cycle.iter().any(|&i| links[i].holder == m.receiver));
        let (message, fix) = if let Some(method) = back_reference {
            let other = cycle
                .iter()
                .map(|&i| links[i].holder)
                .find(|h| *h != method.receiver)
                .unwrap_or("");
            let message = format!(
                "back-reference: {} make `{}` and `{other}` refer to each other: both {FREED_LATE}",
                snippets.join(" and "),
                method.receiver
            );
            let owning = cycle
                .iter()
                .map(|&i| &links[i])
                .find(|l| l.holder == method.receiver && l.kind == LinkKind::Attribute && l.direct);
            let fix = match owning {
                Some(owning) => fixes::weak_property(self, &method, owning),
                None => self.proxy_fix(scope, links, cycle, closing),
            };
            (message, fix)
        } else {
            let message = format!(
                "reference cycle: {} make these objects refer to each other in a loop: they {FREED_LATE}",
                join_and(&snippets)
            );
            (message, self.proxy_fix(scope, links, cycle, closing))
        };
        finding(closing.site, message, fix)
    }

    fn proxy_fix(
        &self,
        scope: Node<'a>,
        links: &[Link<'a>],
        cycle: &[usize],
        closing: &Link<'a>,
    ) -> Result<Fix, String> {
        if closing.kind != LinkKind::Attribute {
            let by_hand = cycle
                .iter()
                .map(|&i| &links[i])
                .find(|l| l.kind == LinkKind::Attribute)
                .map(|l| format!("make `{}` weak by hand", self.describe(l)))
                .unwrap_or_else(|| {
                    "hold weak references in one of the containers (`weakref.WeakSet`, `weakref.WeakValueDictionary`)".to_string()
                });
            return Err(format!(
                "the link that closes the cycle is a container item, and a weak proxy there would be its only reference; {by_hand}"
            ));
        }
        fixes::proxy(self, scope, closing)
    }

    /// Whether `name` in `scope` is known to hold an instance of a class of this file
    /// that accepts weak references.
    fn is_weakrefable_instance(&self, scope: Node<'a>, name: &str) -> bool {
        let rebound: Vec<scope::Rebinding> = rebindings(self.file, scope)
            .into_iter()
            .filter(|r| r.name == name)
            .collect();
        if let Some(method) = method_of(self.file, scope) {
            if method.kind == Receiver::Instance && method.receiver == name {
                return rebound.is_empty()
                    && self.class_accepts_weakrefs(method.class, 0)
                    && self.subclasses_accept_weakrefs(method.class);
            }
        }
        let is_parameter = scope
            .child_by_field_name("parameters")
            .is_some_and(|p| parameter_names(p).iter().any(|n| self.text(*n) == name));
        if is_parameter || rebound.is_empty() || declares_global(self.file, scope, name) {
            return false;
        }
        rebound.iter().all(|r| {
            r.value.map(unparenthesize).is_some_and(|value| {
                value.kind() == "call"
                    && value
                        .child_by_field_name("function")
                        .filter(|f| f.kind() == "identifier")
                        .and_then(|f| self.module_class(self.text(f)))
                        .is_some_and(|class| self.class_accepts_weakrefs(class, 0))
            })
        })
    }

    fn is_module_class(&self, name: &str) -> bool {
        self.module_class(name).is_some()
    }

    /// The one module-level class named `name`, when the module binds that name only so.
    fn module_class(&self, name: &str) -> Option<Node<'a>> {
        let root = self.file.tree.root_node();
        let mut found = None;
        for rebinding in self.module_rebindings() {
            if rebinding.name == name {
                if found.is_some() {
                    return None;
                }
                found = Some(rebinding.offset);
            }
        }
        let offset = found?;
        crate::semantic::statements(root)
            .into_iter()
            .map(scope::definition_inner)
            .find(|d| d.kind() == "class_definition" && d.start_byte() == offset)
    }

    /// Whether every class of this module that derives from `class` accepts weak
    /// references: a mixin's `self` may be a `tuple` subclass, which does not.
    fn subclasses_accept_weakrefs(&self, class: Node<'a>) -> bool {
        let Some(name) = class.child_by_field_name("name").map(|n| self.text(n)) else {
            return false;
        };
        let mut stack = vec![self.file.tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.kind() == "class_definition" && node != class {
                let derives = node
                    .child_by_field_name("superclasses")
                    .is_some_and(|bases| {
                        let mut cursor = bases.walk();
                        let found = bases
                            .named_children(&mut cursor)
                            .any(|base| self.text(base) == name);
                        found
                    });
                if derives && !self.class_accepts_weakrefs(node, 0) {
                    return false;
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        true
    }

    /// A class without `__slots__` whose bases are `object` or such classes of this file:
    /// its instances accept weak references.
    fn class_accepts_weakrefs(&self, class: Node<'a>, depth: usize) -> bool {
        if depth > 8 || self.members(class).has_slots {
            return false;
        }
        let Some(bases) = class.child_by_field_name("superclasses") else {
            return true;
        };
        let mut cursor = bases.walk();
        let all: Vec<Node> = bases.named_children(&mut cursor).collect();
        all.into_iter().all(|base| match base.kind() {
            "keyword_argument" => true,
            "identifier" => {
                let name = self.text(base);
                name == "object"
                    || self
                        .module_class(name)
                        .is_some_and(|c| self.class_accepts_weakrefs(c, depth + 1))
            }
            "comment" => true,
            _ => false,
        })
    }

    // ---- Shapes 4 and 5: bound methods and closures stored on `self` -----------------

    fn check_method_store(&self, store: Node<'a>, out: &mut Vec<Finding>) {
        let Some(method) = self.method(store).filter(|m| m.kind == Receiver::Instance) else {
            return;
        };
        let (Some(target), Some(value)) = (
            store.child_by_field_name("left"),
            store.child_by_field_name("right"),
        ) else {
            return;
        };
        let Some((holder, _)) = holder_of(self.file, target) else {
            return;
        };
        if self.text(holder) != method.receiver {
            return;
        }
        let target_text = collapse(self.text(target));
        let value = unparenthesize(value);
        if let Some(bound) = self.stored_bound_method(&method, value) {
            let message = format!(
                "`{target_text}` holds the bound method `{bound}`, which refers back to `{}`: the object will {}",
                method.receiver,
                freed_late_one()
            );
            out.push(finding(
                store,
                message,
                Err(format!(
                    "call `{bound}` directly where it is needed, or store `weakref.WeakMethod({bound})`"
                )),
            ));
            return;
        }
        if self.is_closure_over(&method, value) {
            let message = format!(
                "`{target_text}` holds a closure that reads `{}`, so the object refers to itself through it: it will {}",
                method.receiver,
                freed_late_one()
            );
            out.push(finding(
                store,
                message,
                Err("make the closure a method of the class and call it directly".to_string()),
            ));
        }
    }

    /// `self.m`, `functools.partial(self.m, ...)`, or a display holding either, where `m`
    /// is a plain method of the class: the bound method's text.
    fn stored_bound_method(&self, method: &Method<'a, 'a>, value: Node<'a>) -> Option<String> {
        let value = unparenthesize(value);
        match value.kind() {
            "attribute" => {
                let object = value.child_by_field_name("object")?;
                let name = self.text(value.child_by_field_name("attribute")?);
                let members = self.members(method.class);
                (object.kind() == "identifier"
                    && self.text(object) == method.receiver
                    && members.is_plain_method(name)
                    && !members.instance_attributes.contains(name))
                .then(|| format!("{}.{name}", method.receiver))
            }
            "call" => {
                let function = value.child_by_field_name("function")?;
                let qualified = self.bindings.resolve(self.file, function)?;
                if qualified != "functools.partial" {
                    return None;
                }
                let first = value.child_by_field_name("arguments")?.named_child(0)?;
                (first.kind() == "attribute")
                    .then(|| self.stored_bound_method(method, first))
                    .flatten()
            }
            "dictionary" | "list" | "tuple" | "set" => {
                let mut cursor = value.walk();
                let items: Vec<Node> = value.named_children(&mut cursor).collect();
                items.into_iter().find_map(|item| {
                    let item = if item.kind() == "pair" {
                        item.child_by_field_name("value")?
                    } else {
                        item
                    };
                    match item.kind() {
                        "attribute" | "call" => self.stored_bound_method(method, item),
                        _ => None,
                    }
                })
            }
            _ => None,
        }
    }

    /// A lambda reading the receiver, or the name of a nested `def` reading it.
    fn is_closure_over(&self, method: &Method<'a, 'a>, value: Node<'a>) -> bool {
        let receiver = method.receiver;
        match value.kind() {
            "lambda" => {
                !scope_bindings(self.file, value).contains(receiver)
                    && value
                        .child_by_field_name("body")
                        .is_some_and(|body| reads_name(self.file, body, receiver))
            }
            "identifier" => {
                let name = self.text(value);
                let rebound: Vec<scope::Rebinding> = rebindings(self.file, method.function)
                    .into_iter()
                    .filter(|r| r.name == name)
                    .collect();
                if rebound.is_empty() {
                    return false;
                }
                let Some(body) = method.function.child_by_field_name("body") else {
                    return false;
                };
                // Every binding of the name must be a nested `def` that reads the receiver.
                rebound.iter().all(|r| {
                    nested_def_at(body, r.offset).is_some_and(|def| {
                        !scope_bindings(self.file, def).contains(receiver)
                            && def
                                .child_by_field_name("body")
                                .is_some_and(|b| reads_name(self.file, b, receiver))
                    })
                })
            }
            _ => false,
        }
    }

    // ---- Shape 6: exceptions kept with their tracebacks ------------------------------

    fn check_handler(&self, handler: Node<'a>, out: &mut Vec<Finding>) {
        let Some(alias) = handler_alias(handler) else {
            return;
        };
        let function = scope_of(handler);
        if function.kind() != "function_definition" {
            return;
        }
        let name = self.text(alias);
        let mut cursor = handler.walk();
        let Some(block) = handler
            .named_children(&mut cursor)
            .find(|n| n.kind() == "block")
        else {
            return;
        };
        let rebound: Vec<usize> = rebindings(self.file, function)
            .into_iter()
            .filter(|r| r.name == name && block.byte_range().contains(&r.offset))
            .map(|r| r.offset)
            .collect();
        let mut uses = Vec::new();
        collect_names(self.file, block, name, &mut uses);
        for used in uses {
            if rebound.iter().any(|&offset| offset <= used.start_byte()) {
                continue;
            }
            let Some(storage) = self.storage(function, used) else {
                continue;
            };
            let message = self.traceback_message(&storage, &format!("exception `{name}`"));
            let fix = if uses_traceback(self.file, block, name) {
                Err(format!(
                    "the handler still uses the traceback of `{name}` (a re-raise, or a call that logs or formats it), which the fix would clear"
                ))
            } else {
                Ok(fixes::without_traceback(used, name))
            };
            out.push(finding(storage.site, message, fix));
        }
    }

    fn check_exc_info(&self, call: Node<'a>, out: &mut Vec<Finding>) {
        let is_exc_info = call
            .child_by_field_name("function")
            .and_then(|f| self.bindings.resolve(self.file, f))
            .is_some_and(|q| q == "sys.exc_info");
        let in_handler = ancestors(call)
            .take_while(|a| {
                !matches!(
                    a.kind(),
                    "function_definition" | "lambda" | "class_definition"
                )
            })
            .any(|a| a.kind() == "except_clause");
        let function = scope_of(call);
        if !is_exc_info || !in_handler || function.kind() != "function_definition" {
            return;
        }
        let Some(storage) = self.storage(function, call) else {
            return;
        };
        let message = self.traceback_message(&storage, "`sys.exc_info()` tuple");
        out.push(finding(
            storage.site,
            message,
            Err("the stored tuple holds the traceback itself; store `traceback.format_exc()` text instead, or set it to `None` once handled".to_string()),
        ));
    }

    fn traceback_message(&self, storage: &Storage<'a>, what: &str) -> String {
        let site = collapse_long(self.text(storage.site));
        match storage.kind {
            StorageKind::Receiver => format!(
                "`{site}` keeps the {what} with its traceback, whose frames hold every local of this call, `{holder}` included: a reference cycle, so `{holder}`, the exception and the frames {FREED_LATE}",
                holder = storage.holder
            ),
            StorageKind::Module => format!(
                "`{site}` keeps the {what} with its traceback: every frame on it and all their locals stay allocated as long as `{}` holds it",
                storage.holder
            ),
        }
    }

    /// Where `value` (an exception or `sys.exc_info()`) is stored, when it is stored on
    /// the method's receiver, in a module-level variable or container, or in a `global`.
    fn storage(&self, function: Node<'a>, value: Node<'a>) -> Option<Storage<'a>> {
        let mut node = value;
        while let Some(parent) = node
            .parent()
            .filter(|p| p.kind() == "parenthesized_expression")
        {
            node = parent;
        }
        let parent = node.parent()?;
        let (site, target) = match parent.kind() {
            "assignment" if parent.child_by_field_name("right") == Some(node) => {
                (parent, parent.child_by_field_name("left")?)
            }
            "argument_list" => {
                let call = parent.parent()?;
                let arguments = positional_arguments(parent)?;
                let link = self.call_link(call)?;
                let position = if arguments.len() == 1 { 0 } else { 1 };
                if arguments.get(position) != Some(&node) || link.kind != LinkKind::Call {
                    return None;
                }
                (
                    call,
                    call.child_by_field_name("function")?
                        .child_by_field_name("object")?,
                )
            }
            _ => return None,
        };
        let (holder, depth) = holder_of(self.file, target)?;
        let holder = self.text(holder);
        if method_of(self.file, function).is_some_and(|m| m.receiver == holder) {
            let rebound = rebindings(self.file, function)
                .iter()
                .any(|r| r.name == holder);
            return (!rebound).then_some(Storage {
                site,
                holder,
                kind: StorageKind::Receiver,
            });
        }
        let global = if depth == 0 && site.kind() == "assignment" {
            declares_global_only(self.file, function, holder)
        } else {
            !scope_bindings(self.file, function).contains(holder) && self.is_module_variable(holder)
        };
        global.then_some(Storage {
            site,
            holder,
            kind: StorageKind::Module,
        })
    }

    /// A name the module binds only by plain assignments: a variable, not an import,
    /// function or class.
    fn is_module_variable(&self, name: &str) -> bool {
        let mut rebound = self
            .module_rebindings()
            .iter()
            .filter(|r| r.name == name)
            .peekable();
        rebound.peek().is_some() && rebound.all(|r| r.value.is_some())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StorageKind {
    /// On `self` or `cls`.
    Receiver,
    /// In a module-level variable or container, or a `global`.
    Module,
}

struct Storage<'a> {
    site: Node<'a>,
    holder: &'a str,
    kind: StorageKind,
}

fn finding(site: Node, message: String, fix: Result<Fix, String>) -> Finding {
    match fix {
        Ok(fix) => Finding {
            code: CODE,
            range: site.byte_range(),
            message,
            fix: Some(fix),
        },
        Err(reason) => Finding {
            code: CODE,
            range: site.byte_range(),
            message: format!("{message}; no fix: {reason}"),
            fix: None,
        },
    }
}

fn freed_late_one() -> &'static str {
    "stay allocated after its last name goes away, until the cyclic garbage collector runs"
}

/// The value when it is a plain name.
fn bare_name(value: Node) -> Option<Node> {
    Some(unparenthesize(value)).filter(|v| v.kind() == "identifier")
}

/// The name at the root of an attribute and subscript chain, and how many steps away it
/// is: `(a, 2)` for `a.f[k]`. Nothing for a chain through a call, or through `__class__`
/// (storing on the class is not storing on the object).
fn holder_of<'a>(file: &SourceFile<'a>, mut node: Node<'a>) -> Option<(Node<'a>, usize)> {
    let mut depth = 0;
    loop {
        node = unparenthesize(node);
        match node.kind() {
            "identifier" => return Some((node, depth)),
            "attribute" => {
                let attribute = node.child_by_field_name("attribute")?;
                if file.node_text(attribute) == "__class__" {
                    return None;
                }
                node = node.child_by_field_name("object")?;
            }
            "subscript" => node = node.child_by_field_name("value")?,
            _ => return None,
        }
        depth += 1;
    }
}

fn has_child_kind(node: Node, kind: &str) -> bool {
    let mut cursor = node.walk();
    let found = node
        .named_children(&mut cursor)
        .any(|child| child.kind() == kind);
    found
}

/// The arguments of a call when all are positional and plain (no keywords, no splats).
fn positional_arguments(arguments: Node) -> Option<Vec<Node>> {
    let mut cursor = arguments.walk();
    let all: Vec<Node> = arguments
        .named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .collect();
    all.iter()
        .all(|n| {
            !matches!(
                n.kind(),
                "keyword_argument" | "list_splat" | "dictionary_splat" | "generator_expression"
            )
        })
        .then_some(all)
}

fn contains_node<'t>(node: Node<'t>, predicate: impl Fn(Node<'t>) -> bool) -> bool {
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        if predicate(current) {
            return true;
        }
        let mut cursor = current.walk();
        stack.extend(current.named_children(&mut cursor));
    }
    false
}

fn ancestors(node: Node) -> impl Iterator<Item = Node> {
    std::iter::successors(node.parent(), |n| n.parent())
}

/// Whether `scope` declares `global NAME` (or `nonlocal NAME`).
fn declares_global(file: &SourceFile, scope: Node, name: &str) -> bool {
    let Some(body) = scope.child_by_field_name("body") else {
        return false;
    };
    contains_node(body, |n| {
        matches!(n.kind(), "global_statement" | "nonlocal_statement") && {
            let mut cursor = n.walk();
            let names: Vec<Node> = n.named_children(&mut cursor).collect();
            names.iter().any(|id| file.node_text(*id) == name)
        }
    })
}

/// Whether `scope` declares `global NAME` (not `nonlocal`: that is a local of the
/// enclosing function).
fn declares_global_only(file: &SourceFile, scope: Node, name: &str) -> bool {
    let Some(body) = scope.child_by_field_name("body") else {
        return false;
    };
    contains_node(body, |n| {
        n.kind() == "global_statement" && {
            let mut cursor = n.walk();
            let names: Vec<Node> = n.named_children(&mut cursor).collect();
            names.iter().any(|id| file.node_text(*id) == name)
        }
    })
}

/// The identifiers `name` read in `node`, outside nested functions, classes and lambdas.
fn collect_names<'a>(file: &SourceFile<'a>, node: Node<'a>, name: &str, out: &mut Vec<Node<'a>>) {
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        match current.kind() {
            "identifier" if file.node_text(current) == name => out.push(current),
            "function_definition" | "class_definition" | "lambda" => {}
            "attribute" => stack.extend(current.child_by_field_name("object")),
            _ => {
                let mut cursor = current.walk();
                stack.extend(current.named_children(&mut cursor));
            }
        }
    }
    out.sort_by_key(|n| n.start_byte());
}

/// Whether the handler's block needs the traceback after all: a bare `raise` or
/// `raise NAME`, or a call that logs or formats the current exception.
fn uses_traceback(file: &SourceFile, block: Node, name: &str) -> bool {
    const USERS: &[&str] = &[
        "exception",
        "print_exc",
        "format_exc",
        "print_exception",
        "format_exception",
        "format_tb",
        "print_tb",
        "exc_info",
        "post_mortem",
    ];
    contains_node(block, |n| match n.kind() {
        "raise_statement" => {
            let raised = n.named_child(0);
            raised.is_none()
                || raised.is_some_and(|r| r.kind() == "identifier" && file.node_text(r) == name)
        }
        "call" => n.child_by_field_name("function").is_some_and(|f| {
            let text = file.node_text(f);
            USERS.contains(&text.rsplit('.').next().unwrap_or(text))
        }),
        "keyword_argument" => n
            .child_by_field_name("name")
            .is_some_and(|k| file.node_text(k) == "exc_info"),
        _ => false,
    })
}

/// The name `except E as NAME:` binds.
fn handler_alias(handler: Node) -> Option<Node> {
    let alias = handler.child_by_field_name("alias").or_else(|| {
        let mut cursor = handler.walk();
        let pattern = handler
            .named_children(&mut cursor)
            .find(|n| n.kind() == "as_pattern")?;
        pattern.child_by_field_name("alias")?.named_child(0)
    })?;
    (alias.kind() == "identifier").then_some(alias)
}

/// The nested `def` of `body` that starts at `offset`.
fn nested_def_at(body: Node, offset: usize) -> Option<Node> {
    let mut stack = vec![body];
    while let Some(current) = stack.pop() {
        if current.kind() == "function_definition" && current.start_byte() == offset {
            return Some(current);
        }
        if current.start_byte() > offset || current.end_byte() < offset {
            continue;
        }
        if matches!(
            current.kind(),
            "function_definition" | "class_definition" | "lambda"
        ) && current != body
        {
            continue;
        }
        let mut cursor = current.walk();
        stack.extend(current.named_children(&mut cursor));
    }
    None
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Whitespace runs, line breaks included, as one space.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `collapse`, cut to a readable length.
fn collapse_long(text: &str) -> String {
    let short = collapse(text);
    if short.chars().count() > 80 {
        let cut: String = short.chars().take(77).collect();
        format!("{cut}...")
    } else {
        short
    }
}

#[cfg(test)]
mod prefilter_tests {
    use super::{admitted_ranges, might_match};
    use crate::prefilter::code_only;

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
