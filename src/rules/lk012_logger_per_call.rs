//! LK012 logger-per-call.
//!
//! `logging.getLogger(name)` creates a logger the first time it sees a name and keeps it
//! in the logging manager's dictionary for the life of the process. Called in a function
//! with a name built from run-time values, it keeps one logger per distinct value. The
//! rule reports such calls; it offers no fix (which names a call builds cannot be seen).

use std::collections::HashSet;
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match, Finding, FixSafety, Rule};
use crate::semantic::{for_each_target, parameter_names, scope_bindings, unparenthesize};
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
followed (`from logging import getLogger`, `import logging as log`), and so is
`logging.root.manager.getLogger`.

Not reported: a call at module level or in a class body that runs at import (a loop
over a fixed list there makes a bounded set); no name (the root logger); names built
only from literals, module-level names (constants such as `LOGGER_NAME`, and
`__name__`), and the `__name__`, `__module__` or `__qualname__` of anything
(`type(self).__name__`, `cls.__qualname__`): those name code, a set bounded by the
program. A `getLogger` method of another object (`self.getLogger(...)`, a class's own
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
        for (call, function, arguments) in calls {
            findings.extend(check_call(file, call, function, arguments));
        }
    }
}

fn check_call(file: &SourceFile, call: Node, function: Node, arguments: Node) -> Option<Finding> {
    // Cheap before resolving: the callee's last component is `getLogger` or an alias.
    let qualified = file.bindings().resolve(file, function)?;
    if !GET_LOGGER.contains(&qualified.as_str()) {
        return None;
    }
    let name = name_argument(file, arguments)?;
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

/// The logger name a `getLogger` call passes: its first positional argument or `name=`.
/// `None` for no name (the root logger) or one passed through `*args`/`**kwargs`.
fn name_argument<'t>(file: &SourceFile, arguments: Node<'t>) -> Option<Node<'t>> {
    let mut cursor = arguments.walk();
    let all: Vec<Node<'t>> = arguments
        .named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .collect();
    if let Some(value) = all.iter().find_map(|argument| {
        let name = argument.child_by_field_name("name")?;
        (argument.kind() == "keyword_argument" && file.node_text(name) == "name")
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
            run_time
                .contains(name)
                .then(|| format!("reads `{name}`, bound when the function runs"))
        }
        "attribute" => {
            let attribute = expression
                .child_by_field_name("attribute")
                .map_or("", |a| file.node_text(a));
            if CODE_NAMES.contains(&attribute) {
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
