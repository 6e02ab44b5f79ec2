//! LK012 logger-per-call.
//!
//! `logging.getLogger(name)` creates a logger the first time it sees a name and keeps it
//! in the logging manager's dictionary for the life of the process. Called in a function
//! with a name built from run-time values, it keeps one logger per distinct value. The
//! rule reports such calls; it offers no fix (which names a call builds cannot be seen).

use std::collections::HashSet;
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

mod bounded;
use bounded::{bounded_loop_variable, is_class_constant};

use super::{compile_query, for_each_match, Finding, FixSafety, Rule};
use crate::semantic::{
    enclosing_scopes, for_each_target, is_docstring, parameter_names, scope_bindings, statements,
    unparenthesize,
};
use crate::settings::Settings;
use crate::source::SourceFile;

const CODE: &str = "LK012";

static QUERY: LazyLock<Query> =
    LazyLock::new(|| compile_query(include_str!("../../queries/lk012_logger_per_call.scm")));

/// What creates and registers a logger per name, by qualified name.
const GET_LOGGER: &[&str] = &[
    "logging.getLogger",
    "logging.root.manager.getLogger",
    "logging.Logger.manager.getLogger",
];

/// Attributes that name code (a module, class or function): a bounded set of values, as
/// many as there are definitions, so a logger named from them is not one per call.
const CODE_NAMES: &[&str] = &["__name__", "__module__", "__qualname__"];

/// String methods that build a name from their object and arguments only.
const STRING_METHODS: &[&str] = &[
    "format",
    "join",
    "lower",
    "upper",
    "strip",
    "lstrip",
    "rstrip",
    "replace",
    "title",
    "capitalize",
    "casefold",
    "removeprefix",
    "removesuffix",
];

/// Builtins that turn a value into a string and nothing else.
const STRING_BUILTINS: &[&str] = &["str", "repr", "format", "builtins.str", "builtins.repr"];

const DOC: &str = r#"# LK012 logger-per-call

## What it finds
A call of `logging.getLogger` in a function (or lambda) whose name is built at run time:
an f-string whose replacement fields read such a value, `%`, `+`, `.format(...)` or
`.join(...)` over one, or a parameter, local variable, loop variable or attribute of
one (`self.name`), or the result of any other call (`uuid.uuid4()`). Import aliases are
followed (`from logging import getLogger`, `import logging as log`), and so are a name
the file binds only to it (`make = logging.getLogger`) and
`logging.root.manager.getLogger`. `logger.getChild(suffix)` on a logger the file makes
(a `getLogger(...)` call, or a name or `self.` attribute bound only to one) is reported
the same way: it is `getLogger` of the longer name.

Not reported: a call at module level or in a class body that runs at import (a loop
over a fixed list there makes a bounded set); no name (the root logger); names built
only from literals, module-level names (constants such as `LOGGER_NAME`, and
`__name__`), and the `__name__`, `__module__` or `__qualname__` of anything
(`type(self).__name__`, `cls.__qualname__`): those name code, a set bounded by the
program. Also bounded, so not reported: a loop or comprehension variable over a literal
tuple, list or set of string constants, over a module-level name bound only to one, or
over `logging.root.manager.loggerDict` (loggers that exist already; also `.keys()`,
`list(...)`, `sorted(...)` of these), or over a dict literal's keys; unpacked, a fixed
item of each element (`for name, level in (("a", 10), ("b", 20))`, `LEVELS.items()` of
a constant dict, `enumerate(NAMES)`); a conditional expression whose branches are each
fixed (`__name__ if verbose else "quiet"`); `self.name` or `cls.name` where the
enclosing class body (or, when it binds none, a base class the same file defines) binds
`name` only to string literals and the file never assigns an attribute `name`. A pass-through wrapper, a function whose whole body (after a
docstring) is `return logging.getLogger(name)` with `name` its parameter (or a lambda
`lambda name: logging.getLogger(name)`), is not reported either: its caller decides the
name. A `getLogger` method of another object (`self.getLogger(...)`, a class's own
`getLogger`) is not `logging`'s. `logging.Logger(name)` makes a logger the manager does
not keep.

## Why it leaks
The logging manager (`logging.Logger.manager.loggerDict`) keeps every logger
`getLogger` ever created, and placeholders for each dotted parent, and never removes one:
that is what makes `getLogger(name)` return the same object every time. A name that
varies per request, connection, user or object (`getLogger(f"conn.{peer}")`) leaves one
`Logger` (a few hundred bytes, plus its level cache and whatever handlers or filters are
attached to it) per distinct value, until the process exits. Garbage collection cannot
free them: the manager holds them.

## Example
```python
import logging

def handle(request):
    log = logging.getLogger(f"app.request.{request.id}")
    log.info("start")
```

## Fix
None is offered. The cure: one logger per module, `log =
logging.getLogger(__name__)` at module level, with the varying context passed per
record (`log.info("start", extra={"request": request.id})`) or through a
`logging.LoggerAdapter(log, {"request": request.id})`, which is an ordinary object
freed with the request; or a name chosen from a bounded set (`"app.request.slow"`).

## Fix safety
No fix, and the finding says why: which names the call builds cannot be seen, and a
logger of another name has other levels, handlers, filters and propagation, so moving
the call changes what is logged where.
"#;

pub struct LoggerPerCall;

impl Rule for LoggerPerCall {
    fn code(&self) -> &'static str {
        CODE
    }

    fn name(&self) -> &'static str {
        "logger-per-call"
    }

    fn doc(&self) -> &'static str {
        DOC
    }

    fn default_enabled(&self) -> bool {
        // Off: measured precision is far below 90% (docs/precision/LK012.md).
        false
    }

    fn fix_safety(&self) -> FixSafety {
        FixSafety {
            safe: false,
            unsafe_fix: false,
            no_fix: true,
        }
    }

    /// Every finding calls a name that resolves to `logging.getLogger` or
    /// `logging.<...>.getLogger`: the file spells `getLogger` out, in the call or in the
    /// import that aliases it.
    fn might_match(&self, text: &str, _settings: &Settings) -> bool {
        text.contains("getLogger")
    }

    fn check(&self, file: &SourceFile, _settings: &Settings, findings: &mut Vec<Finding>) {
        let index = |name| {
            QUERY
                .capture_index_for_name(name)
                .unwrap_or_else(|| panic!("query defines @{name}"))
        };
        let (call_index, function_index, arguments_index) =
            (index("call"), index("function"), index("arguments"));
        let mut calls = Vec::new();
        for_each_match(
            &QUERY,
            file.tree.root_node(),
            file.text.as_bytes(),
            |captures| {
                let find = |wanted| {
                    captures
                        .iter()
                        .find(|(index, _)| *index == wanted)
                        .map(|(_, node)| *node)
                };
                if let (Some(call), Some(function), Some(arguments)) = (
                    find(call_index),
                    find(function_index),
                    find(arguments_index),
                ) {
                    calls.push((call, function, arguments));
                }
            },
        );
        let assignments = assignments(file);
        for (call, function, arguments) in calls {
            findings.extend(check_call(file, &assignments, call, function, arguments));
        }
    }
}

/// Every `TARGET = VALUE` (and `TARGET: T = VALUE`) in the file, with the target's text:
/// what a local alias of `getLogger`, or a name holding a logger, was bound to.
fn assignments<'a>(file: &SourceFile<'a>) -> Vec<(&'a str, Node<'a>)> {
    let mut found = Vec::new();
    let mut stack = vec![file.tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "assignment" {
            if let (Some(left), Some(right)) = (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            ) {
                found.push((file.node_text(left), right));
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

/// Whether the callee is `logging.getLogger` (or the manager's), through imports or a
/// name every assignment of the file binds to it (`make = logging.getLogger`).
fn is_get_logger(file: &SourceFile, assignments: &[(&str, Node)], function: Node) -> bool {
    let resolves = |node: Node| {
        file.bindings()
            .resolve(file, unparenthesize(node))
            .is_some_and(|q| GET_LOGGER.contains(&q.as_str()))
    };
    if resolves(function) {
        return true;
    }
    if function.kind() != "identifier" {
        return false;
    }
    let name = file.node_text(function);
    // A parameter of the same name is whatever the caller passes.
    let is_parameter = enclosing_scopes(function).into_iter().any(|scope| {
        scope
            .child_by_field_name("parameters")
            .is_some_and(|parameters| {
                parameter_names(parameters)
                    .into_iter()
                    .any(|p| file.node_text(p) == name)
            })
    });
    let mut values = assignments
        .iter()
        .filter(|(target, _)| *target == name)
        .peekable();
    !is_parameter && values.peek().is_some() && values.all(|(_, value)| resolves(*value))
}

/// Whether an expression is a logger the logging manager keeps: a `getLogger(...)` or
/// `.getChild(...)` call, or a name or attribute (`log`, `self.log`) every assignment of
/// the file binds to one.
fn is_logger(file: &SourceFile, assignments: &[(&str, Node)], expression: Node) -> bool {
    is_logger_at(file, assignments, expression, 0)
}

fn is_logger_at(
    file: &SourceFile,
    assignments: &[(&str, Node)],
    expression: Node,
    depth: usize,
) -> bool {
    // Deep enough for `a = b.getChild(...)` chains, and a stop for `a = a.getChild(x)`.
    if depth > 8 {
        return false;
    }
    let expression = unparenthesize(expression);
    match expression.kind() {
        "call" => expression
            .child_by_field_name("function")
            .map(unparenthesize)
            .is_some_and(|callee| {
                is_get_logger(file, assignments, callee)
                    || (callee.kind() == "attribute"
                        && callee
                            .child_by_field_name("attribute")
                            .is_some_and(|a| file.node_text(a) == "getChild")
                        && callee.child_by_field_name("object").is_some_and(|object| {
                            is_logger_at(file, assignments, object, depth + 1)
                        }))
            }),
        "identifier" | "attribute" => {
            let text = file.node_text(expression);
            let mut values = assignments
                .iter()
                .filter(|(target, _)| *target == text)
                .peekable();
            values.peek().is_some()
                && values.all(|(_, value)| is_logger_at(file, assignments, *value, depth + 1))
        }
        _ => false,
    }
}

fn check_call(
    file: &SourceFile,
    assignments: &[(&str, Node)],
    call: Node,
    function: Node,
    arguments: Node,
) -> Option<Finding> {
    // `logger.getChild(suffix)` calls `getLogger` with the longer name: the manager keeps
    // one logger per suffix too.
    let get_child = function.kind() == "attribute"
        && function
            .child_by_field_name("attribute")
            .is_some_and(|a| file.node_text(a) == "getChild");
    let name = if get_child {
        if !is_logger(file, assignments, function.child_by_field_name("object")?) {
            return None;
        }
        argument_named(file, arguments, "suffix")?
    } else {
        if !is_get_logger(file, assignments, function) {
            return None;
        }
        argument_named(file, arguments, "name")?
    };
    if is_pass_through(file, call, name) {
        return None;
    }
    let (owner, run_time_names) = run_time_scope(file, call)?;
    let reason = run_time_part(file, name, &run_time_names)?;
    let callee = file.node_text(function);
    let mut message =
        format!("a logger per run-time name: `{callee}` in `{owner}`, each kept until exit");
    if message.chars().count() > 100 {
        message = format!("a logger per run-time name: `{callee}`, each kept until exit");
    }
    let detail = format!(
        "The name {reason}. The logging manager keeps every logger `getLogger` creates, with its handlers and level cache, until exit: one per distinct name this call builds. Cure: one module-level `logging.getLogger(__name__)`, with the varying context passed as `extra=` or through a `logging.LoggerAdapter`; or a name from a bounded set."
    );
    Some(Finding::new(
        CODE,
        call.byte_range(),
        message,
        detail,
        Err("which names the call builds cannot be seen, and a logger of another name has other levels, handlers and filters".into()),
    ))
}

/// The logger name a `getLogger` (`getChild`) call passes: its first positional argument
/// or the keyword `keyword` (`name=`, `suffix=`). `None` for no name (the root logger) or
/// one passed through `*args`/`**kwargs`.
fn argument_named<'t>(file: &SourceFile, arguments: Node<'t>, keyword: &str) -> Option<Node<'t>> {
    let mut cursor = arguments.walk();
    let all: Vec<Node<'t>> = arguments
        .named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .collect();
    if let Some(value) = all.iter().find_map(|argument| {
        let name = argument.child_by_field_name("name")?;
        (argument.kind() == "keyword_argument" && file.node_text(name) == keyword)
            .then(|| argument.child_by_field_name("value"))
            .flatten()
    }) {
        return Some(value);
    }
    let first = *all.first()?;
    (!matches!(
        first.kind(),
        "keyword_argument" | "list_splat" | "dictionary_splat"
    ))
    .then_some(first)
}

/// Where the call runs once per call of a function: the innermost function's (or
/// lambda's) name, and the names bound at run time around the call (the parameters and
/// locals of every enclosing function and lambda whose body holds it, the bodies of
/// classes defined in them, the loop variables of enclosing comprehensions). `None` when
/// the call runs at import: in no function body (decorators and defaults of a `def` run
/// where the `def` is).
fn run_time_scope<'a>(file: &SourceFile<'a>, call: Node) -> Option<(String, HashSet<&'a str>)> {
    let mut names = HashSet::new();
    let mut owner = None;
    let mut child = call;
    let mut current = call.parent();
    while let Some(node) = current {
        let in_body = node
            .child_by_field_name("body")
            .is_some_and(|body| body == child);
        match node.kind() {
            "function_definition" if in_body => {
                names.extend(scope_bindings(file, node));
                owner.get_or_insert_with(|| {
                    node.child_by_field_name("name")
                        .map_or("<function>".to_string(), |n| file.node_text(n).to_string())
                });
            }
            "lambda" if in_body => {
                if let Some(parameters) = node.child_by_field_name("parameters") {
                    names.extend(
                        parameter_names(parameters)
                            .into_iter()
                            .map(|n| file.node_text(n)),
                    );
                }
                owner.get_or_insert_with(|| "<lambda>".to_string());
            }
            "class_definition" if in_body => names.extend(scope_bindings(file, node)),
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => {
                let mut cursor = node.walk();
                let clauses: Vec<Node> = node
                    .named_children(&mut cursor)
                    .filter(|n| n.kind() == "for_in_clause")
                    .collect();
                for clause in clauses {
                    if let Some(left) = clause.child_by_field_name("left") {
                        for_each_target(left, &mut |n| {
                            names.insert(file.node_text(n));
                        });
                    }
                }
            }
            _ => {}
        }
        child = node;
        current = node.parent();
    }
    owner.map(|owner| (owner, names))
}

/// What in the name expression varies at run time, said for the detail (`reads `peer`,
/// bound in the function`), or `None` when it is built only from literals, module-level
/// names and the names of code.
fn run_time_part(file: &SourceFile, expression: Node, run_time: &HashSet<&str>) -> Option<String> {
    let expression = unparenthesize(expression);
    match expression.kind() {
        "identifier" => {
            let name = file.node_text(expression);
            (run_time.contains(name) && !bounded_loop_variable(file, expression, run_time))
                .then(|| format!("reads `{name}`, bound when the function runs"))
        }
        "attribute" => {
            let attribute = expression
                .child_by_field_name("attribute")
                .map_or("", |a| file.node_text(a));
            if CODE_NAMES.contains(&attribute) || is_class_constant(file, expression) {
                return None;
            }
            run_time_part(file, expression.child_by_field_name("object")?, run_time)
        }
        "call" => {
            let callee = unparenthesize(expression.child_by_field_name("function")?);
            let builds_a_string = match callee.kind() {
                "attribute" => callee
                    .child_by_field_name("attribute")
                    .is_some_and(|a| STRING_METHODS.contains(&file.node_text(a))),
                "identifier" => file
                    .bindings()
                    .resolve(file, callee)
                    .is_some_and(|q| STRING_BUILTINS.contains(&q.as_str())),
                _ => false,
            };
            if !builds_a_string {
                return Some(format!(
                    "is the result of a call of `{}`",
                    file.node_text(callee)
                ));
            }
            let object = (callee.kind() == "attribute")
                .then(|| callee.child_by_field_name("object"))
                .flatten();
            object
                .and_then(|object| run_time_part(file, object, run_time))
                .or_else(|| {
                    let arguments = expression.child_by_field_name("arguments")?;
                    run_time_part(file, arguments, run_time)
                })
        }
        "keyword_argument" => {
            run_time_part(file, expression.child_by_field_name("value")?, run_time)
        }
        // `a if test else b`: the name is one of the branches, whatever the test reads.
        "conditional_expression" => {
            let mut cursor = expression.walk();
            let parts: Vec<Node> = expression
                .named_children(&mut cursor)
                .filter(|n| !n.is_extra())
                .collect();
            let branches = [parts.first().copied(), parts.get(2).copied()];
            branches
                .into_iter()
                .flatten()
                .find_map(|branch| run_time_part(file, branch, run_time))
        }
        "await" | "named_expression" | "yield" => Some(format!(
            "is computed by `{}`",
            file.node_text(expression).lines().next().unwrap_or("")
        )),
        _ => {
            let mut cursor = expression.walk();
            let children: Vec<Node> = expression.named_children(&mut cursor).collect();
            children
                .into_iter()
                .filter(|n| !n.is_extra())
                .find_map(|child| run_time_part(file, child, run_time))
        }
    }
}

/// Whether the call is a pass-through wrapper's: the whole body of the innermost function
/// (after a docstring) is `return <call>`, and the name is one of that function's
/// parameters (`def get_logger(name): return logging.getLogger(name)`), or a lambda
/// whose body is the call with its parameter. Its caller
/// decides the name; a call there with a run-time name is the one to report.
fn is_pass_through(file: &SourceFile, call: Node, name: Node) -> bool {
    let name = unparenthesize(name);
    if name.kind() != "identifier" {
        return false;
    }
    let is_parameter = |parameters: Node| {
        parameter_names(parameters)
            .into_iter()
            .any(|p| file.node_text(p) == file.node_text(name))
    };
    // `get_logger = lambda name: logging.getLogger(name)`.
    if let Some(lambda) = call.parent().filter(|p| p.kind() == "lambda") {
        return lambda.child_by_field_name("body") == Some(call)
            && lambda
                .child_by_field_name("parameters")
                .is_some_and(is_parameter);
    }
    let Some(statement) = call.parent().filter(|p| p.kind() == "return_statement") else {
        return false;
    };
    let Some(function) = statement
        .parent()
        .and_then(|block| block.parent())
        .filter(|f| f.kind() == "function_definition")
    else {
        return false;
    };
    let Some(body) = function.child_by_field_name("body") else {
        return false;
    };
    let rest: Vec<Node> = statements(body)
        .into_iter()
        .filter(|s| !is_docstring(file, *s))
        .collect();
    rest.len() == 1
        && rest[0] == statement
        && function
            .child_by_field_name("parameters")
            .is_some_and(is_parameter)
}
