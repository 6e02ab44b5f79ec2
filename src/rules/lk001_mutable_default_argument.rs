//! LK001 mutable-default-argument.
//!
//! A default value is evaluated once, when `def` runs, and the one object it builds is
//! shared by every call. The fix moves the construction into the body behind an
//! `if NAME is None:` guard, so every call that omits the argument gets a fresh object.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match_in, Finding, FixSafety, Rule};
use crate::fix::{Applicability, Edit, Fix};
use crate::prefilter::{ident_at, skip_trivia, word_positions};
use crate::semantic::{
    contains_kind, enclosing_scopes, expression_reads, is_docstring, scope_bindings, statements,
    unparenthesize, FileBindings,
};
use crate::settings::Settings;
use crate::source::SourceFile;

mod annotation;
mod guard;
mod safety;
mod uses;

use annotation::{annotation_edits, is_read_only};
use guard::{earlier_parameters, guard_edit, leading_statements_to_keep};

const CODE: &str = "LK001";

static QUERY: LazyLock<Query> = LazyLock::new(|| {
    compile_query(include_str!(
        "../../queries/lk001_mutable_default_argument.scm"
    ))
});

/// Constructors whose result is mutable, by qualified name.
const MUTABLE_CALLS: &[&str] = &[
    "list",
    "dict",
    "set",
    "bytearray",
    "builtins.list",
    "builtins.dict",
    "builtins.set",
    "builtins.bytearray",
    "collections.defaultdict",
    "collections.OrderedDict",
    "collections.Counter",
    "collections.deque",
    "collections.ChainMap",
    "collections.UserDict",
    "collections.UserList",
    "weakref.WeakValueDictionary",
    "weakref.WeakKeyDictionary",
    "weakref.WeakSet",
    "array.array",
    "io.StringIO",
    "io.BytesIO",
];

const DOC: &str = r#"# LK001 mutable-default-argument

## What it finds
A parameter default that builds a mutable object: a list, dict or set display or
comprehension, or a call of `list`, `dict`, `set`, `bytearray`, `collections.defaultdict`,
`OrderedDict`, `Counter`, `deque`, `ChainMap`, `UserDict`, `UserList`,
`weakref.WeakValueDictionary`, `WeakKeyDictionary`, `WeakSet`, `array.array`,
`io.StringIO` or `io.BytesIO` (import aliases are followed; a name the file rebinds is
not assumed to be the builtin; type arguments change nothing: `OrderedDict[str, int]()`
is `OrderedDict()`). `def`, `async def`, methods, nested functions, lambdas,
positional-only, keyword-only and annotated parameters are all covered.

## Why it leaks
A default is evaluated once, when the `def` statement runs, and the object it builds is
stored on the function (`f.__defaults__`). Every call that omits the argument gets that
same object. Whatever one call appends or inserts stays reachable from the function, so
the object grows with each call and is freed only when the function itself is: for a
module-level function or a method, at interpreter exit.

## Example
```python
def add_to_list(value, my_list=[]):
    my_list.append(value)
    return my_list
```

## Fix
```python
def add_to_list(value, my_list=None):
    if my_list is None:
        my_list = []
    my_list.append(value)
    return my_list
```
The default becomes `None`; an annotation `T` becomes `T | None` when the target version
is 3.10 or later, else `Optional[T]` (`from typing import Optional` is added unless a
module-level, unconditional import before the `def` binds it; also under `from __future__
import annotations`, since `typing.get_type_hints` still evaluates it), unless it already
admits `None`. The guard goes after the docstring and any `global`/`nonlocal`
statements, in the body's own indentation, and carries the default's original source
text, comments included. A body written on the `def`'s logical line (a backslash may carry
it to the next physical line) is first expanded into a block. Docstrings are the ones
CPython sees (a parenthesized or implicitly concatenated string is one; an f-string or a
bytes literal is not), and indentation is counted as CPython counts it (a form feed
resets the column).

## Fix safety
The fix evaluates the default at each call that omits the argument, in the function's
own scope, instead of once when the `def` runs, in the enclosing one.

Safe when nothing can tell the difference: the default is built only from literals,
builtin classes (`defaultdict(list)`), the listed constructors and pure builtins
(`range`, `tuple`, `zip`, `len`, ...) called with such arguments (a module-level name is
not enough: other modules, and tests, can rebind it); no nested `def`, `lambda` or class
in the body reads the parameter; and the body only reads the object: its length or
truth (`len(x)`, `if x:`), and, when the default's elements are immutable literals
(`[]`, `{}`, `["a", 1]`), also iterating over it, reading an item, `v in x`, formatting
it, a builtin that builds a value from its elements (`sorted`, `list`, `sum`, ...) and a
non-mutating method (`get`, `keys`, `count`, `copy`, ...). Then every call that omits the
argument gets a value equal to the one the `def`-time default held, nothing ever changes
it or lets it out of the call, so no caller and no later call can tell one shared object
from a new one per call. What still differs, as with ruff's fix: an explicit `None`
argument now means the default (`f(None)` used to pass `None`), the function's
`__defaults__` and signature show `None`, and a program that replaces a builtin in the
`builtins` module is not followed.

Unsafe (applied with `--unsafe-fixes`; the fix's title says why) when the default reads
state that can change between the `def` and a call (any other name, such as one the
module rebinds or mutates or a function declares `global`, an attribute such as
`os.environ`, a subscript, or a call of anything else: `dict(os.environ)` is an
import-time snapshot, after the fix a call-time one; a module-level name, which other
modules can rebind), or when a nested `def`, `lambda`
or class reads the parameter (code that outlives the call may rely on the one shared
object), or when the body may keep, change or hand on the object: returns, yields or
stores it, passes it to a call, changes it (`append`, `x[k] = v`, `x += ...`), compares
its identity, or reads elements that may be mutable, or when the file has non-ASCII names
(Python compares names after NFKC normalisation, so `ｌｉｓｔ = tuple` rebinds `list`;
these checks compare them as written). A function that remembers state in
its default on purpose (`def remember(x, last=[""]): ... last[0] = x`) then changes
behaviour, and a caller that keeps the returned default sees a new object per call:
ruff marks its B006 fix unsafe for the same reasons.

No fix is offered, and the message says why, when moving the expression would change its
meaning or cannot be written: in a lambda; for a parameter named like a deliberate memo
cache (`_cache`, `memo`: use `functools.cache`); in an `@overload` or a stub; when the
default contains `:=`, `await`, `yield`, `yield from` or an async comprehension; when it
reads a name that the function or an enclosing function, lambda or class binds, by any
binding form (assignment, augmented or annotated assignment, `for`, `with ... as`,
`except ... as`, `import`, `def`, `class`, `del`, `nonlocal`, `:=`, a `match` capture, a
`type` alias, a PEP 695 type parameter): inside the body that name could mean something
else; when the body declares `global` for a name the default reads after the place of
the `is None` check (a `SyntaxError`); when a `del` removes a global the default reads (a
call could fail with `NameError`); when the body already compares the parameter with
`None` (a caller may pass `None` on purpose).

A parameter annotated with a read-only interface (`Sequence`, `Mapping`, `AbstractSet`,
`Collection`, `Iterable`, `Container`, from `typing` or `collections.abc`, bare,
subscripted, in an `Optional`, or as a string forward reference) is not reported: the annotation promises the function
does not change it.
"#;

pub struct MutableDefaultArgument;

impl Rule for MutableDefaultArgument {
    fn code(&self) -> &'static str {
        CODE
    }

    fn name(&self) -> &'static str {
        "mutable-default-argument"
    }

    fn doc(&self) -> &'static str {
        DOC
    }

    fn default_enabled(&self) -> bool {
        true
    }

    fn fix_safety(&self) -> FixSafety {
        FixSafety {
            safe: true,
            unsafe_fix: true,
            no_fix: true,
        }
    }

    fn aliases(&self) -> &'static [&'static str] {
        // ruff's and flake8-bugbear's mutable-argument-default.
        &["B006"]
    }

    fn might_match(&self, text: &str, settings: &Settings) -> bool {
        might_match(text, settings)
    }

    fn candidate_ranges(&self, code: &str, settings: &Settings) -> Option<Vec<Range<usize>>> {
        // Every finding is a default holding one of the prefilter's `=`; it reads the
        // tree only within its `def` (and the scopes enclosing it), and the file's
        // bindings, imports and `del`s, which the engine parses for it.
        let ranges = admitted_ranges(code, settings);
        (ranges.first() != Some(&(0..usize::MAX))).then_some(ranges)
    }

    fn check(&self, file: &SourceFile, settings: &Settings, findings: &mut Vec<Finding>) {
        let parameter_index = QUERY
            .capture_index_for_name("parameter")
            .expect("query defines @parameter");
        // Every finding's parameter holds an `=` the prefilter saw, so the query looks
        // there only (everywhere when prefilters are off).
        let ranges = if settings.prefilter {
            admitted_ranges(file.code(), settings)
        } else {
            std::iter::once(0..usize::MAX).collect()
        };
        let mut parameters = Vec::new();
        let root = file.tree.root_node();
        for_each_match_in(&QUERY, root, file.text.as_bytes(), &ranges, |captures| {
            parameters.extend(
                captures
                    .iter()
                    .filter(|(index, _)| *index == parameter_index)
                    .map(|(_, node)| *node),
            );
        });
        // One parameter can meet two ranges (a default holding a lambda's default).
        let mut seen = HashSet::new();
        parameters.retain(|parameter| seen.insert(parameter.id()));
        if parameters.is_empty() {
            return;
        }
        let shared = Shared {
            file,
            settings,
            bindings: file.bindings(),
            facts: OnceCell::new(),
        };
        for parameter in parameters {
            if let Some(finding) = check_parameter(&shared, parameter) {
                findings.push(finding);
            }
        }
    }
}

/// The prefilter. Every finding is a default, so it sits in the parameter list of a `def`
/// (from the word `def` to the `:` that ends the signature) or of a `lambda` (up to its
/// `:`), after an `=`, and its text, past any opening parentheses (a tuple or generator
/// expression is never mutable), starts with `[` or `{` (displays and comprehensions) or
/// is a call `a.b.c(...)` of a name that
/// resolves to a mutable constructor. Such a name ends in the last component of one of
/// [`MUTABLE_CALLS`] or of `extend-mutable-calls`, unless it is a bare name the file binds
/// by `import ... as NAME`, which is checked for too. The text comes with comments and
/// string literals blanked (f-strings' replacement fields, which may hold a `lambda`,
/// stay); every `def` and `lambda` word is scanned, and a scan that meets a nested
/// `lambda` admits the file: so this is conservative.
fn might_match(text: &str, settings: &Settings) -> bool {
    !admitted_ranges(text, settings).is_empty()
}

/// Where the prefilter sees a default that may be mutable: the `=` of each, as a byte
/// range, in order (the whole text when a scan cannot tell). Every finding's parameter
/// holds one of them, so the rule's query looks there only.
fn admitted_ranges(text: &str, settings: &Settings) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let accepted = |name: &str| {
        MUTABLE_CALLS
            .iter()
            .map(|q| q.as_str_last())
            .chain(
                settings
                    .extend_mutable_calls
                    .iter()
                    .map(|q| q.as_str_last()),
            )
            .any(|last| last == name)
    };
    let defs = word_positions(text, "def").map(|at| (at + 3, false));
    let lambdas = word_positions(text, "lambda").map(|at| (at + 6, true));
    let mut ranges = Vec::new();
    for (start, is_lambda) in defs.chain(lambdas) {
        if let Unclear = scan_signature(text, bytes, start, is_lambda, &accepted, &mut ranges) {
            return std::iter::once(0..usize::MAX).collect();
        }
    }
    ranges.sort_by_key(|range| range.start);
    ranges.dedup();
    ranges
}

/// How a signature's scan ended.
enum Scan {
    /// Its end was found; every default that may be mutable was recorded.
    Done,
    /// A nested `lambda` in a `lambda`'s parameters: the scan cannot tell the signatures
    /// apart, so the whole text must be looked at.
    Unclear,
}
use Scan::{Done, Unclear};

trait LastComponent {
    fn as_str_last(&self) -> &str;
}

impl<T: AsRef<str>> LastComponent for T {
    fn as_str_last(&self) -> &str {
        let s = self.as_ref();
        s.rsplit('.').next().unwrap_or(s)
    }
}

/// Scans a `def`'s or `lambda`'s parameters from `start` to the `:` that ends them,
/// recording in `ranges` the `=` of each default that may be mutable.
fn scan_signature(
    text: &str,
    bytes: &[u8],
    start: usize,
    is_lambda: bool,
    accepted: &dyn Fn(&str) -> bool,
    ranges: &mut Vec<Range<usize>>,
) -> Scan {
    let mut depth = 0usize;
    let mut at = start;
    while at < bytes.len() {
        match bytes[at] {
            b'#' => {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
                continue;
            }
            // A continuation: `\` and a line break (LF, CRLF or CR).
            b'\\' if matches!(bytes.get(at + 1), Some(b'\n' | b'\r')) => {
                at += if bytes.get(at + 1..at + 3) == Some(b"\r\n") {
                    3
                } else {
                    2
                };
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return Done,
            },
            b'\n' | b':' if depth == 0 => return Done,
            b'l' if is_lambda && depth == 0 && text[at..].starts_with("lambda") => return Unclear,
            b'=' => {
                let previous = at.checked_sub(1).map(|p| bytes[p]);
                if bytes.get(at + 1) == Some(&b'=') {
                    at += 2;
                    continue;
                }
                if !matches!(previous, Some(b'=' | b'!' | b'<' | b'>' | b':'))
                    && value_may_be_mutable(text, bytes, at + 1, accepted)
                {
                    ranges.push(at..at + 1);
                }
            }
            _ => {}
        }
        at += 1;
    }
    Done
}

/// Whether the expression at `at` starts with a bracket or is a call of a name that may
/// resolve to a mutable constructor.
fn value_may_be_mutable(
    text: &str,
    bytes: &[u8],
    at: usize,
    accepted: &dyn Fn(&str) -> bool,
) -> bool {
    let mut at = skip_trivia(bytes, at, true);
    // A parenthesized value counts for what it holds (`mutable_kind` unwraps it): a tuple
    // or a generator expression is never mutable, `([])` is.
    while bytes.get(at) == Some(&b'(') {
        at = skip_trivia(bytes, at + 1, true);
    }
    if matches!(bytes.get(at), Some(b'[' | b'{')) {
        return true;
    }
    let mut last = None;
    let mut dotted = false;
    while let Some(name) = ident_at(bytes, at) {
        last = Some(name);
        at = skip_trivia(bytes, at + name.len(), true);
        if bytes.get(at) != Some(&b'.') {
            break;
        }
        dotted = true;
        at = skip_trivia(bytes, at + 1, true);
    }
    let Some(last) = last else {
        return false;
    };
    if bytes.get(at) == Some(&b'[') {
        // Type arguments: `OrderedDict[str, int]()` is still the constructor.
        let mut depth = 0usize;
        while at < bytes.len() {
            match bytes[at] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            at += 1;
        }
        at = skip_trivia(bytes, at + 1, true);
    }
    if bytes.get(at) != Some(&b'(') {
        return false;
    }
    accepted(last) || (!dotted && is_import_alias(text, last))
}

/// Whether `name` follows an `as` somewhere (`import a.b as name`, `from m import x as
/// name`): then it may stand for any imported name.
fn is_import_alias(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    word_positions(text, "as")
        .any(|at| ident_at(bytes, skip_trivia(bytes, at + 2, true)) == Some(name))
}

/// What a default builds, when it builds something mutable: `list`, `deque`...
fn mutable_kind(
    file: &SourceFile,
    settings: &Settings,
    bindings: &FileBindings,
    value: Node,
) -> Option<String> {
    let value = unparenthesize(value);
    match value.kind() {
        "list" | "list_comprehension" => Some("list".into()),
        "dictionary" | "dictionary_comprehension" => Some("dict".into()),
        "set" | "set_comprehension" => Some("set".into()),
        "call" => {
            let function = safety::callee_name(value.child_by_field_name("function")?);
            let qualified = bindings.resolve(file, function)?;
            let known = MUTABLE_CALLS.contains(&qualified.as_str())
                || settings.extend_mutable_calls.contains(&qualified);
            known.then(|| {
                qualified
                    .rsplit('.')
                    .next()
                    .unwrap_or(&qualified)
                    .to_string()
            })
        }
        _ => None,
    }
}

/// What every parameter's check in one file shares.
struct Shared<'c, 'a> {
    file: &'c SourceFile<'a>,
    settings: &'c Settings,
    bindings: &'c FileBindings<'a>,
    /// Collected when the first default needs them.
    facts: OnceCell<safety::ModuleFacts<'a>>,
}

fn check_parameter(shared: &Shared, parameter: Node) -> Option<Finding> {
    let (file, settings, bindings) = (shared.file, shared.settings, shared.bindings);
    let value = parameter.child_by_field_name("value")?;
    let kind = mutable_kind(file, settings, bindings, value)?;
    if parameter
        .child_by_field_name("type")
        .is_some_and(|annotation| is_read_only(file, bindings, annotation))
    {
        // `values: Sequence[int] = [1, 2]` promises not to change it, as ruff reads it.
        return None;
    }
    let name_node = parameter.child_by_field_name("name")?;
    let name = file.node_text(name_node);
    let message = format!("`{name}` defaults to one {kind} shared by every call");
    let detail = "The default is built once, when the function is defined: what a call stores in it stays alive as long as the function does, and the next call sees it.".to_string();
    let owner = parameter.parent().and_then(|list| list.parent())?;
    let fix = plan_fix(shared, parameter, name_node, value, owner).map(|(edits, reason)| {
        let title = format!("Default `{name}` to `None` and build a new {kind} in the body");
        match reason {
            None => Fix::new(title, Applicability::Safe, edits),
            Some(reason) => Fix::new(
                format!("{title} (unsafe: {reason})"),
                Applicability::Unsafe,
                edits,
            ),
        }
    });
    Some(Finding::new(CODE, value.byte_range(), message, detail, fix))
}

/// The edits of the fix and, when it is unsafe, why; or why there is none.
fn plan_fix(
    shared: &Shared,
    parameter: Node,
    name_node: Node,
    value: Node,
    function: Node,
) -> Result<(Vec<Edit>, Option<String>), String> {
    let (file, settings, bindings) = (shared.file, shared.settings, shared.bindings);
    let name = file.node_text(name_node);
    if function.kind() == "lambda" {
        return Err("a lambda has no body to hold the `is None` check; make it a `def`".into());
    }
    if name_node.kind() != "identifier" {
        return Err("the parameter is not a plain name".into());
    }
    let lowered = name.to_ascii_lowercase();
    if name.starts_with('_') || lowered.contains("cache") || lowered.contains("memo") {
        return Err(format!(
            "`{name}` looks like a deliberate memo cache; if it is one, `functools.lru_cache(maxsize=...)` bounds it"
        ));
    }
    let body = function
        .child_by_field_name("body")
        .ok_or("the function has no body")?;
    if is_overload(file, function) || is_stub(file, body) {
        return Err("an `@overload` or stub has no body to hold the `is None` check".into());
    }
    if has_lone_continuation(file.text, function) {
        return Err(
            "a line holding only a `\\` joins lines of this function, whose indentation the fix would misread"
                .into(),
        );
    }
    if let Some(reason) = safety::immovable(file, value) {
        return Err(reason);
    }
    if contains_kind(value, "named_expression") {
        return Err(
            "the default contains `:=`, which would bind its name inside the body instead".into(),
        );
    }
    if let Some(local) = first_non_global_name(file, bindings, value, function) {
        return Err(format!(
            "the default reads `{local}`, which inside the body could name something else"
        ));
    }
    if compares_with_none(file, body, name) {
        return Err(format!(
            "the body already compares `{name}` with `None`, so `None` may mean something there"
        ));
    }

    let reads = expression_reads(file, value);
    let kept = leading_statements_to_keep(
        file,
        &statements(body),
        &earlier_parameters(file, function, name),
    );
    if let Some(reason) = safety::late_global(file, body, kept, &reads) {
        return Err(reason);
    }
    let facts = shared
        .facts
        .get_or_init(|| safety::ModuleFacts::collect(file));
    // A `del` of a name the default reads counts wherever it is (`del x` binds `x`).
    for name in &reads {
        file.look_up(name);
    }
    if let Some(reason) = safety::deleted_global(facts, &reads) {
        return Err(reason);
    }
    let cx = safety::Context {
        file,
        settings,
        bindings,
        facts,
    };
    let unsafe_reason = safety::unsafe_reason(&cx, MUTABLE_CALLS, value, body, name)
        .or_else(|| {
            uses::escaping_use(file, body, name, value, &|builtin| {
                bindings.is_bound(builtin)
            })
        })
        .or_else(|| {
            // Python compares identifiers after NFKC normalisation (`ｌｉｓｔ` is `list`);
            // the checks above compare them as written, so they cannot vouch for it.
            (!file.code().is_ascii()).then(|| {
                "the file has non-ASCII names, which Python may read as others (`ｌｉｓｔ` is `list`)"
                    .to_string()
            })
        });

    let mut edits = vec![Edit::replace(value.byte_range(), "None")];
    if let Some(annotation) = parameter.child_by_field_name("type") {
        edits.extend(annotation_edits(file, settings, annotation)?);
    }
    edits.push(guard_edit(file, function, body, name, value)?);
    Ok((edits, unsafe_reason))
}

/// Whether a physical line holding only indentation and a `\` lies in `function` or just
/// before its first line: the logical line after it takes its indentation from the
/// column of the `\` (CPython 3.11, tabs 8 wide in both of its measures), not from its
/// own physical line, which is where the fix's guard reads it. (A `\` at column 0 is
/// harmless: the count goes on into the next line.)
fn has_lone_continuation(text: &str, function: Node) -> bool {
    let start = crate::source::line_start(text, function.start_byte());
    // Back over the lone continuation lines that open the `def`'s logical line.
    let before = text[..start].trim_end_matches(['\n', '\r']);
    let previous = before.rfind(['\n', '\r']).map_or(0, |at| at + 1);
    let is_lone = |line: &str| {
        line.trim_end_matches('\r')
            .strip_suffix('\\')
            .is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\x0c'))
            })
    };
    (start > 0 && is_lone(&before[previous..]))
        || text[start..function.end_byte()].lines().any(is_lone)
}

fn is_overload(file: &SourceFile, function: Node) -> bool {
    let Some(decorated) = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    else {
        return false;
    };
    let mut cursor = decorated.walk();
    let decorators: Vec<Node> = decorated
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "decorator")
        .collect();
    decorators.into_iter().any(|decorator| {
        let text = file.node_text(decorator).trim_start_matches('@').trim();
        text == "overload" || text.ends_with(".overload")
    })
}

/// A body of `...` alone, after an optional docstring.
fn is_stub(file: &SourceFile, body: Node) -> bool {
    let all = statements(body);
    let rest = match all.first() {
        Some(first) if is_docstring(file, *first) => &all[1..],
        _ => &all[..],
    };
    !rest.is_empty()
        && rest.iter().all(|statement| {
            statement.kind() == "expression_statement"
                && statement.named_child_count() == 1
                && statement
                    .named_child(0)
                    .is_some_and(|n| n.kind() == "ellipsis")
        })
}

/// The first name the default reads that is bound in the function itself or in an
/// enclosing function, lambda or class: moved into the body, it could mean something else.
fn first_non_global_name<'a>(
    file: &SourceFile<'a>,
    bindings: &FileBindings,
    value: Node,
    function: Node,
) -> Option<&'a str> {
    let read = expression_reads(file, value);
    if read.is_empty() {
        return None;
    }
    let mut scopes = vec![function];
    scopes.extend(enclosing_scopes(function));
    let local: Vec<HashSet<&str>> = scopes
        .iter()
        .map(|scope| scope_bindings(file, *scope))
        .collect();
    read.into_iter()
        .find(|name| bindings.is_bound(name) && local.iter().any(|names| names.contains(name)))
}

/// `NAME is None`, `NAME is not None`, `NAME == None`, `NAME != None` anywhere in the body.
fn compares_with_none(file: &SourceFile, body: Node, name: &str) -> bool {
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "comparison_operator" {
            let mut cursor = node.walk();
            let operands: Vec<Node> = node.named_children(&mut cursor).collect();
            let has_name = operands
                .iter()
                .any(|n| n.kind() == "identifier" && file.node_text(*n) == name);
            if has_name && operands.iter().any(|n| n.kind() == "none") {
                return true;
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

#[cfg(test)]
mod prefilter_tests {
    use super::admitted_ranges;
    use crate::prefilter::code_only;
    use crate::settings::Settings;

    fn ranges(source: &str) -> Vec<std::ops::Range<usize>> {
        admitted_ranges(&code_only(source), &Settings::default())
    }

    #[test]
    fn each_default_that_may_be_mutable_is_a_range_at_its_equals_sign() {
        let source =
            "def f(a=1, b=[]):\n    pass\n\ng = lambda c={}: c\n\ndef h(d=dict()):\n    pass\n";
        let at = |needle: &str| {
            let eq = source.find(needle).unwrap() + 1;
            eq..eq + 1
        };
        assert_eq!(ranges(source), [at("b=[]"), at("c={}"), at("d=dict()")]);
    }

    #[test]
    fn immutable_defaults_and_strings_give_no_range() {
        assert!(ranges("def f(a=1, b=None, c=(1, 2)[0]):\n    '''def g(x=[])'''\n").is_empty());
        assert!(ranges("def f(a=(x for x in y), b=( (1, 2) )):\n    pass\n").is_empty());
        assert_eq!(
            ranges("def f(a=([]), b=(\n  dict())):\n    pass\n").len(),
            2
        );
        assert!(ranges("def f(a=1, b=None):\n    '''def g(x=[])'''\n").is_empty());
    }

    #[test]
    fn a_lambda_in_a_lambdas_parameters_means_the_whole_text() {
        assert_eq!(
            ranges("f = lambda a=lambda: []: a\n"),
            std::iter::once(0..usize::MAX).collect::<Vec<_>>()
        );
    }
}
