//! Which run-time names LK012 can see are bounded: loop variables over fixed sets of
//! names, and class constants read through `self` or `cls`.

use std::collections::HashSet;

use tree_sitter::Node;

use crate::semantic::{
    contains_kind, enclosing_scopes, for_each_target, local_class_named, statements, unparenthesize,
};
use crate::source::SourceFile;

/// Whether `identifier` reads the variable of the innermost loop or comprehension that
/// binds it, in the same function, and that loop runs over a bounded set of names: a
/// literal tuple, list or set of string constants, a module-level name bound only to
/// one, or the logging manager's `loggerDict` (loggers that exist already).
pub(super) fn bounded_loop_variable(
    file: &SourceFile,
    identifier: Node,
    run_time: &HashSet<&str>,
) -> bool {
    let name = file.node_text(identifier);
    let mut child = identifier;
    let mut current = identifier.parent();
    while let Some(node) = current {
        match node.kind() {
            "for_statement" => {
                let in_body = node
                    .child_by_field_name("body")
                    .is_some_and(|body| body == child);
                if let (true, Some(left), Some(right)) = (
                    in_body,
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    if let Some(binding) = target_position(file, left, name) {
                        return bounded_binding(file, right, binding, run_time);
                    }
                }
            }
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => {
                let mut cursor = node.walk();
                let clauses: Vec<Node> = node
                    .named_children(&mut cursor)
                    .filter(|n| n.kind() == "for_in_clause")
                    .collect();
                for clause in clauses.into_iter().rev() {
                    if let (Some(left), Some(right)) = (
                        clause.child_by_field_name("left"),
                        clause.child_by_field_name("right"),
                    ) {
                        if let Some(binding) = target_position(file, left, name) {
                            return bounded_binding(file, right, binding, run_time);
                        }
                    }
                }
            }
            "function_definition" | "lambda" | "class_definition" => return false,
            _ => {}
        }
        child = node;
        current = node.parent();
    }
    false
}

/// How a loop target binds a name.
enum TargetBinding {
    /// The target is the name: the whole element.
    Whole,
    /// The `i`-th name of a flat tuple target (`for name, level in ...`).
    Item(usize),
    /// Some other way (nested, starred): not followed.
    Other,
}

/// How a loop target binds `name`, if it does.
fn target_position(file: &SourceFile, left: Node, name: &str) -> Option<TargetBinding> {
    let left = unparenthesize(left);
    if left.kind() == "identifier" {
        return (file.node_text(left) == name).then_some(TargetBinding::Whole);
    }
    if matches!(
        left.kind(),
        "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list"
    ) {
        if let Some(position) = children(left)
            .iter()
            .position(|p| p.kind() == "identifier" && file.node_text(*p) == name)
        {
            return Some(TargetBinding::Item(position));
        }
    }
    let mut bound = false;
    for_each_target(left, &mut |n| bound |= file.node_text(n) == name);
    bound.then_some(TargetBinding::Other)
}

/// Whether the elements a loop binds `binding` from are a bounded set of names.
fn bounded_binding(
    file: &SourceFile,
    iterable: Node,
    binding: TargetBinding,
    run_time: &HashSet<&str>,
) -> bool {
    match binding {
        TargetBinding::Whole => bounded_names(file, iterable, None, run_time),
        TargetBinding::Item(i) => bounded_names(file, iterable, Some(i), run_time),
        TargetBinding::Other => false,
    }
}

/// The logging manager's dictionary of the loggers created so far.
const LOGGER_DICTS: &[&str] = &[
    "logging.root.manager.loggerDict",
    "logging.Logger.manager.loggerDict",
];

/// Whether iterating the expression gives a bounded set of logger names (see
/// [`bounded_loop_variable`]): the elements themselves (`position` `None`), or their
/// `i`-th items (`for name, level in (("a", 10), ("b", 20))`, `CONSTANTS.items()`).
fn bounded_names(
    file: &SourceFile,
    iterable: Node,
    position: Option<usize>,
    run_time: &HashSet<&str>,
) -> bool {
    let iterable = unparenthesize(iterable);
    match iterable.kind() {
        "tuple" | "list" | "set" => children(iterable)
            .into_iter()
            .all(|element| match position {
                None => is_constant_string(element),
                Some(i) => {
                    matches!(element.kind(), "tuple" | "list")
                        && children(element)
                            .get(i)
                            .is_some_and(|item| is_constant_string(*item))
                }
            }),
        // Iterating a dict gives its keys.
        "dictionary" => {
            position.is_none()
                && children(iterable).into_iter().all(|pair| {
                    pair.kind() == "pair"
                        && pair
                            .child_by_field_name("key")
                            .is_some_and(|key| is_constant_string(unparenthesize(key)))
                })
        }
        "identifier" => {
            let name = file.node_text(iterable);
            if run_time.contains(name) {
                return false;
            }
            let root = file.tree.root_node();
            let mut values = statements(root)
                .into_iter()
                .filter(|s| s.kind() == "expression_statement")
                .filter_map(|s| s.named_child(0))
                .filter(|a| a.kind() == "assignment")
                .filter(|a| {
                    a.child_by_field_name("left")
                        .is_some_and(|l| file.node_text(l) == name)
                })
                .peekable();
            values.peek().is_some()
                && values.all(|a| {
                    a.child_by_field_name("right").is_some_and(|r| {
                        matches!(
                            unparenthesize(r).kind(),
                            "tuple" | "list" | "set" | "dictionary"
                        ) && bounded_names(file, r, position, run_time)
                    })
                })
        }
        "attribute" => {
            position.is_none()
                && file
                    .bindings()
                    .resolve(file, iterable)
                    .is_some_and(|q| LOGGER_DICTS.contains(&q.as_str()))
        }
        // `.keys()`, `.items()`, `list(...)`, `sorted(...)`, `enumerate(...)`.
        "call" => {
            let Some(callee) = iterable.child_by_field_name("function").map(unparenthesize) else {
                return false;
            };
            let arguments = iterable
                .child_by_field_name("arguments")
                .map(children)
                .unwrap_or_default();
            match callee.kind() {
                "attribute" if arguments.is_empty() => {
                    let method = callee
                        .child_by_field_name("attribute")
                        .map_or("", |a| file.node_text(a));
                    let keys = matches!((method, position), ("keys", None) | ("items", Some(0)));
                    keys && callee
                        .child_by_field_name("object")
                        .is_some_and(|object| bounded_names(file, object, None, run_time))
                }
                "identifier" if arguments.len() == 1 => {
                    let Some(builtin) = file.bindings().resolve(file, callee) else {
                        return false;
                    };
                    match (builtin.as_str(), position) {
                        ("list" | "tuple" | "sorted" | "set" | "frozenset", _) => {
                            bounded_names(file, arguments[0], position, run_time)
                        }
                        ("enumerate", Some(1)) => bounded_names(file, arguments[0], None, run_time),
                        _ => false,
                    }
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// The named children of a node, without extras, unparenthesized.
fn children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .map(unparenthesize)
        .collect()
}

/// A string literal with no replacement fields (`"a"`, `"a" "b"`).
fn is_constant_string(node: Node) -> bool {
    matches!(node.kind(), "string" | "concatenated_string") && !contains_kind(node, "interpolation")
}

/// Whether `self.NAME` / `cls.NAME` reads a constant string of the enclosing class: its
/// body (or, when it does not bind `NAME`, a base the same file defines) binds `NAME`
/// only to string literals, and the file never assigns `<x>.NAME`.
pub(super) fn is_class_constant(file: &SourceFile, attribute: Node) -> bool {
    let (Some(object), Some(name)) = (
        attribute.child_by_field_name("object"),
        attribute.child_by_field_name("attribute"),
    ) else {
        return false;
    };
    if !matches!(file.node_text(object), "self" | "cls") {
        return false;
    }
    let name = file.node_text(name);
    // The class whose method reads it: the first class around the innermost function.
    let Some(class) = enclosing_scopes(attribute)
        .into_iter()
        .skip_while(|scope| scope.kind() != "function_definition")
        .find(|scope| scope.kind() == "class_definition")
    else {
        return false;
    };
    // The class, then its bases the same file defines, depth first and left first (the
    // method resolution order for the usual single-inheritance chains): the first body
    // that binds the name decides.
    let mut pending = vec![(class, 0)];
    let mut constant = false;
    while let Some((class, depth)) = pending.pop() {
        if let Some(binds_constant) = class_body_constant(file, class, name) {
            constant = binds_constant;
            break;
        }
        if depth >= 16 {
            continue;
        }
        if let Some(bases) = class.child_by_field_name("superclasses") {
            let bases: Vec<Node> = children(bases)
                .into_iter()
                .filter(|b| b.kind() == "identifier")
                .filter_map(|b| local_class_named(file, class, file.node_text(b)))
                .collect();
            pending.extend(bases.into_iter().rev().map(|b| (b, depth + 1)));
        }
    }
    constant && !assigns_attribute(file, file.tree.root_node(), name)
}

/// Whether the class body binds `name` only to string literals; `None` when it does not
/// bind it.
fn class_body_constant(file: &SourceFile, class: Node, name: &str) -> Option<bool> {
    let body = class.child_by_field_name("body")?;
    let mut values = statements(body)
        .into_iter()
        .filter(|s| s.kind() == "expression_statement")
        .filter_map(|s| s.named_child(0))
        .filter(|a| a.kind() == "assignment")
        .filter(|a| {
            a.child_by_field_name("left")
                .is_some_and(|l| file.node_text(l) == name)
        })
        .peekable();
    values.peek()?;
    Some(values.all(|a| {
        a.child_by_field_name("right")
            .is_some_and(|r| is_constant_string(unparenthesize(r)))
    }))
}

/// Whether anything under `node` assigns an attribute called `name` (`self.name = ...`,
/// `obj.name += ...`, `for self.name in ...`, `self.name: str = ...`).
fn assigns_attribute(file: &SourceFile, node: Node, name: &str) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        let left = match node.kind() {
            "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
                node.child_by_field_name("left")
            }
            "named_expression" => node.child_by_field_name("name"),
            _ => None,
        };
        if let Some(left) = left {
            let mut targets = vec![left];
            while let Some(target) = targets.pop() {
                if target.kind() == "attribute"
                    && target
                        .child_by_field_name("attribute")
                        .is_some_and(|a| file.node_text(a) == name)
                {
                    return true;
                }
                if target.kind() != "attribute" {
                    let mut cursor = target.walk();
                    targets.extend(target.named_children(&mut cursor));
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}
