//! LK001 mutable-default-argument.
//!
//! A default value is evaluated once, when `def` runs, and the one object it builds is
//! shared by every call. The fix moves the construction into the body behind an
//! `if NAME is None:` guard, so every call that omits the argument gets a fresh object.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match_in, Finding, FixAvailability, Rule};
use crate::fix::{Applicability, Edit, Fix};
use crate::prefilter::{code_only, ident_at, skip_trivia, word_positions};
use crate::semantic::{
    add_from_import, contains_kind, enclosing_scopes, expression_reads, is_docstring,
    parameter_names, scope_bindings, statements, unparenthesize, FileBindings,
};
use crate::settings::Settings;
use crate::source::{
    line_indentation, reindent, statement_line_end, statement_line_start, SourceFile,
};

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
not assumed to be the builtin). `def`, `async def`, methods, nested functions, lambdas,
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
is 3.10 or later, else `Optional[T]` (the import is added; also under `from __future__
import annotations`, since `typing.get_type_hints` still evaluates it), unless it already
admits `None`. The guard goes after the docstring and any `global`/`nonlocal`
statements, in the body's own indentation, and carries the default's original source
text, comments included. A body written on the `def` line is first expanded into a block.

## Fix safety
Safe: a call that passes the argument behaves as before; a call that omits it gets a
fresh object instead of the shared one, which is the point. No fix is offered, and the
message says why, when moving the expression would change its meaning or cannot be
written: in a lambda; for a parameter named like a deliberate memo cache (`_cache`,
`memo`: use `functools.cache`); in an `@overload` or a stub; when the default contains
`:=`; when it reads a name other than a module-level global, an import or a builtin
(inside the body that name could mean something else); when the body already compares
the parameter with `None` (a caller may pass `None` on purpose).
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

    fn fix_availability(&self) -> FixAvailability {
        FixAvailability::Sometimes
    }

    fn aliases(&self) -> &'static [&'static str] {
        // ruff's and flake8-bugbear's mutable-argument-default.
        &["B006"]
    }

    fn might_match(&self, text: &str, settings: &Settings) -> bool {
        might_match(text, settings)
    }

    fn check(&self, file: &SourceFile, settings: &Settings, findings: &mut Vec<Finding>) {
        let parameter_index = QUERY
            .capture_index_for_name("parameter")
            .expect("query defines @parameter");
        // Every finding's parameter holds an `=` the prefilter saw, so the query looks
        // there only (everywhere when prefilters are off).
        let ranges = if settings.prefilter {
            admitted_ranges(&code_only(file.text), settings)
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
        let bindings = file.bindings();
        for parameter in parameters {
            if let Some(finding) = check_parameter(file, settings, bindings, parameter) {
                findings.push(finding);
            }
        }
    }
}

/// The prefilter. Every finding is a default, so it sits in the parameter list of a `def`
/// (from the word `def` to the `:` that ends the signature) or of a `lambda` (up to its
/// `:`), after an `=`, and its text starts with `[`, `{` or `(` (displays and
/// comprehensions, parenthesized or not) or is a call `a.b.c(...)` of a name that
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
            b'\\' if matches!(bytes.get(at + 1), Some(b'\n' | b'\r')) => {
                at += 2;
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
    if matches!(bytes.get(at), Some(b'[' | b'{' | b'(')) {
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
            let qualified = bindings.resolve(file, value.child_by_field_name("function")?)?;
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

fn check_parameter(
    file: &SourceFile,
    settings: &Settings,
    bindings: &FileBindings,
    parameter: Node,
) -> Option<Finding> {
    let value = parameter.child_by_field_name("value")?;
    let kind = mutable_kind(file, settings, bindings, value)?;
    let name_node = parameter.child_by_field_name("name")?;
    let name = file.node_text(name_node);
    let message = format!(
        "`{name}` defaults to one {kind} shared by every call: what a call stores in it stays alive as long as the function does"
    );
    let owner = parameter.parent().and_then(|list| list.parent())?;
    let fix = match plan_fix(file, settings, bindings, parameter, name_node, value, owner) {
        Ok(edits) => Some(Fix::new(
            format!("Default `{name}` to `None` and build a new {kind} in the body"),
            Applicability::Safe,
            edits,
        )),
        Err(reason) => {
            return Some(Finding {
                code: CODE,
                range: value.byte_range(),
                message: format!("{message}; no fix: {reason}"),
                fix: None,
            })
        }
    };
    Some(Finding {
        code: CODE,
        range: value.byte_range(),
        message,
        fix,
    })
}

/// The edits of the fix, or why there is none.
fn plan_fix(
    file: &SourceFile,
    settings: &Settings,
    bindings: &FileBindings,
    parameter: Node,
    name_node: Node,
    value: Node,
    function: Node,
) -> Result<Vec<Edit>, String> {
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
    if is_overload(file, function) || is_stub(body) {
        return Err("an `@overload` or stub has no body to hold the `is None` check".into());
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

    let mut edits = vec![Edit::replace(value.byte_range(), "None")];
    if let Some(annotation) = parameter.child_by_field_name("type") {
        edits.extend(annotation_edits(file, settings, bindings, annotation)?);
    }
    edits.push(guard_edit(file, function, body, name, value)?);
    Ok(edits)
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
fn is_stub(body: Node) -> bool {
    let all = statements(body);
    let rest = match all.first() {
        Some(first) if is_docstring(*first) => &all[1..],
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

/// Edits that make the annotation admit `None`, or none when it already does.
fn annotation_edits(
    file: &SourceFile,
    settings: &Settings,
    bindings: &FileBindings,
    annotation: Node,
) -> Result<Vec<Edit>, String> {
    let expression = annotation.named_child(0).unwrap_or(annotation);
    if admits_none(file, expression) {
        return Ok(Vec::new());
    }
    let range = annotation.byte_range();
    // `X | None` only where the running Python can evaluate it: `from __future__ import
    // annotations` keeps the annotation a string, but `typing.get_type_hints` (and every
    // library built on it) still evaluates it, and fails below 3.10.
    if settings.target_version.has_union_operator() {
        if expression.kind() == "string" {
            // `"Foo" | None` fails at run time; the union goes inside the quotes.
            if let Some(end) = single_string_end(expression) {
                return Ok(vec![Edit::insert(end, " | None")]);
            }
        } else {
            let loose = matches!(
                expression.kind(),
                "conditional_expression"
                    | "lambda"
                    | "boolean_operator"
                    | "not_operator"
                    | "comparison_operator"
            );
            return Ok(if loose {
                vec![
                    Edit::insert(range.start, "("),
                    Edit::insert(range.end, ") | None"),
                ]
            } else {
                vec![Edit::insert(range.end, " | None")]
            });
        }
    }
    let mut edits = Vec::new();
    let optional = match bindings.local_name_for("typing.Optional") {
        Some(local) => local,
        None if !bindings.is_bound("Optional") => {
            edits.push(add_from_import(file, "typing", "Optional"));
            "Optional".to_string()
        }
        None => return Err(
            "`Optional` names something else in this file, so the annotation cannot admit `None`"
                .into(),
        ),
    };
    edits.push(Edit::insert(range.start, format!("{optional}[")));
    edits.push(Edit::insert(range.end, "]"));
    Ok(edits)
}

/// Where the closing quote of a plain (not f-, not concatenated) string starts.
fn single_string_end(string: Node) -> Option<usize> {
    let mut cursor = string.walk();
    let parts: Vec<Node> = string.named_children(&mut cursor).collect();
    let plain = parts
        .iter()
        .all(|p| matches!(p.kind(), "string_start" | "string_content" | "string_end"));
    let end = parts.iter().find(|p| p.kind() == "string_end")?;
    plain.then(|| end.start_byte())
}

fn admits_none(file: &SourceFile, node: Node) -> bool {
    let last_segment = |n: Node| {
        file.node_text(n)
            .rsplit('.')
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    };
    match node.kind() {
        "none" => true,
        "type" | "parenthesized_expression" => node
            .named_child(0)
            .is_some_and(|inner| admits_none(file, inner)),
        "binary_operator" => {
            let operator = node
                .child_by_field_name("operator")
                .map(|o| file.node_text(o));
            operator == Some("|")
                && [
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ]
                .into_iter()
                .flatten()
                .any(|side| admits_none(file, side))
        }
        "identifier" | "attribute" => {
            matches!(last_segment(node).as_str(), "Any" | "object" | "None")
        }
        "generic_type" | "subscript" => {
            let head = node
                .child_by_field_name("value")
                .or_else(|| node.named_child(0));
            let Some(head) = head else { return false };
            match last_segment(head).as_str() {
                "Optional" => true,
                "Union" => {
                    let mut cursor = node.walk();
                    let arguments: Vec<Node> = node.named_children(&mut cursor).skip(1).collect();
                    arguments
                        .into_iter()
                        .any(|argument| admits_none_in(file, argument))
                }
                _ => false,
            }
        }
        "string" => {
            let inner = file.node_text(node);
            ["None", "Optional", "Any"].iter().any(|word| {
                inner.match_indices(word).any(|(i, _)| {
                    let before = inner[..i]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !c.is_alphanumeric() && c != '_');
                    let after = inner[i + word.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric() && c != '_');
                    before && after
                })
            })
        }
        _ => false,
    }
}

/// `admits_none` over the members of a `Union[...]` argument list.
fn admits_none_in(file: &SourceFile, node: Node) -> bool {
    if admits_none(file, node) {
        return true;
    }
    if matches!(
        node.kind(),
        "type_parameter" | "tuple" | "expression_list" | "type"
    ) {
        let mut cursor = node.walk();
        let members: Vec<Node> = node.named_children(&mut cursor).collect();
        return members
            .into_iter()
            .any(|member| admits_none_in(file, member));
    }
    false
}

/// The edit that adds `if NAME is None: NAME = <default>` to the body.
fn guard_edit(
    file: &SourceFile,
    function: Node,
    body: Node,
    name: &str,
    value: Node,
) -> Result<Edit, String> {
    let text = file.text;
    let newline = file.newline;
    let unit = file.indent_unit.as_str();
    let all = statements(body);
    if all.is_empty() {
        return Err("the function body is empty".into());
    }
    let earlier = earlier_parameters(file, function, name);
    let skip = leading_statements_to_keep(file, &all, &earlier);
    let colon = colon_before_body(function, body).ok_or("cannot find the `:` of the `def`")?;
    let inline = body.start_position().row == colon.start_position().row;
    let body_indent = if inline {
        format!("{}{unit}", line_indentation(text, function.start_byte()))
    } else {
        line_indentation(text, all[0].start_byte()).to_string()
    };
    let mut default = reindent(file, value, &format!("{body_indent}{unit}"));
    if breaks_outside_brackets(file.node_text(value)) {
        // Inside the parameter list's brackets a default may break its line anywhere
        // (`dq\n(maxlen=3)`); as a statement it needs brackets of its own.
        default = format!("({default})");
    }
    let guard =
        format!("{body_indent}if {name} is None:{newline}{body_indent}{unit}{name} = {default}");

    if inline {
        // `def f(x=[]): a; return x` becomes a block, one statement a line.
        let mut block = String::new();
        for (index, statement) in all.iter().enumerate() {
            if index == skip {
                block.push_str(newline);
                block.push_str(&guard);
            }
            block.push_str(newline);
            block.push_str(&body_indent);
            block.push_str(file.node_text(*statement));
        }
        if skip == all.len() {
            block.push_str(newline);
            block.push_str(&guard);
        }
        let last = all[all.len() - 1];
        return Ok(Edit::replace(colon.end_byte()..last.end_byte(), block));
    }
    if skip == all.len() {
        let last = all[all.len() - 1];
        return Ok(Edit::insert(
            statement_line_end(text, last.end_byte()),
            format!("{newline}{guard}"),
        ));
    }
    let target = all[skip];
    // What the guard follows: the statements kept before it, else the `:`.
    let previous_end = if skip > 0 {
        all[skip - 1].end_byte()
    } else {
        colon.end_byte()
    };
    if statement_line_end(text, previous_end) >= target.start_byte() {
        // `"""doc"""; x.append(1)` on one line, or lines a backslash joins: split the
        // logical line where the guard goes.
        return Ok(Edit::replace(
            previous_end..target.start_byte(),
            format!("{newline}{guard}{newline}{body_indent}"),
        ));
    }
    Ok(Edit::insert(
        statement_line_start(text, target.start_byte()),
        format!("{guard}{newline}"),
    ))
}

/// Whether `text` has a line break outside any bracket of its own. Brackets are counted
/// naively (one in a string counts too), which can only ask for parentheses that were
/// not needed; parentheses around an expression change nothing.
fn breaks_outside_brackets(text: &str) -> bool {
    let mut depth = 0i64;
    text.bytes().any(|byte| {
        match byte {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        matches!(byte, b'\n' | b'\r') && depth <= 0
    })
}

/// Parameters declared before `name`, whose guards must stay ahead of this one.
fn earlier_parameters<'a>(file: &SourceFile<'a>, function: Node, name: &str) -> HashSet<&'a str> {
    let Some(parameters) = function.child_by_field_name("parameters") else {
        return HashSet::new();
    };
    parameter_names(parameters)
        .into_iter()
        .map(|n| file.node_text(n))
        .take_while(|n| *n != name)
        .collect()
}

/// How many leading statements the guard goes after: the docstring, `global` and
/// `nonlocal` statements, and the guards of earlier parameters.
fn leading_statements_to_keep(file: &SourceFile, all: &[Node], earlier: &HashSet<&str>) -> usize {
    let mut index = 0;
    if all.first().is_some_and(|first| is_docstring(*first)) {
        index = 1;
    }
    while index < all.len() {
        let statement = all[index];
        let keep = match statement.kind() {
            "global_statement" | "nonlocal_statement" => true,
            "if_statement" => is_guard_of(file, statement, earlier),
            _ => false,
        };
        if !keep {
            break;
        }
        index += 1;
    }
    index
}

/// `if P is None:` with no `elif`/`else`, for a parameter P in `names`.
fn is_guard_of(file: &SourceFile, statement: Node, names: &HashSet<&str>) -> bool {
    if statement.child_by_field_name("alternative").is_some() {
        return false;
    }
    let Some(condition) = statement.child_by_field_name("condition") else {
        return false;
    };
    if condition.kind() != "comparison_operator" {
        return false;
    }
    let mut cursor = condition.walk();
    let operands: Vec<Node> = condition.named_children(&mut cursor).collect();
    operands.len() == 2
        && operands[0].kind() == "identifier"
        && names.contains(file.node_text(operands[0]))
        && operands[1].kind() == "none"
        && file.text[operands[0].end_byte()..operands[1].start_byte()]
            .split_whitespace()
            .eq(["is"])
}

fn colon_before_body<'t>(function: Node<'t>, body: Node<'t>) -> Option<Node<'t>> {
    let mut cursor = function.walk();
    let children: Vec<Node<'t>> = function.children(&mut cursor).collect();
    children
        .into_iter()
        .rev()
        .find(|child| child.kind() == ":" && child.end_byte() <= body.start_byte())
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
        assert!(ranges("def f(a=1, b=None, c=(1, 2)[0]):\n    '''def g(x=[])'''\n").len() == 1);
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
