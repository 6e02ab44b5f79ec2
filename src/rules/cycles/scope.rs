//! What the cycle rules need to know about scopes: where names are rebound, which branch of an
//! `if`/`try`/`match` a statement sits in, and the methods and members of classes.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use crate::semantic::{for_each_target, statements};
use crate::source::SourceFile;

/// The scope a node belongs to: the innermost function, class or lambda around it, or
/// the module.
pub fn scope_of<'t>(node: Node<'t>) -> Node<'t> {
    let mut current = node.parent();
    while let Some(scope) = current {
        if matches!(
            scope.kind(),
            "function_definition" | "class_definition" | "lambda" | "module"
        ) {
            return scope;
        }
        current = scope.parent();
    }
    node
}

/// A name (re)bound at `offset` in a scope, with the value of a plain `name = value`.
pub struct Rebinding<'a, 't> {
    pub offset: usize,
    pub name: &'a str,
    pub value: Option<Node<'t>>,
    /// For a name bound by unpacking (`a, b = pair`), the value unpacked.
    pub unpacked_from: Option<Node<'t>>,
}

/// Every place in `scope` (not in the scopes nested in it) where a name is bound or
/// deleted, in source order. A parameter is bound before the body and is not listed.
pub fn rebindings<'a, 't>(file: &SourceFile<'a>, scope: Node<'t>) -> Vec<Rebinding<'a, 't>> {
    let mut out = Vec::new();
    let body = match scope.kind() {
        "module" => Some(scope),
        _ => scope.child_by_field_name("body"),
    };
    let Some(body) = body else { return out };
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        let mut push_unpacked = |name: Node,
                                 offset: usize,
                                 value: Option<Node<'t>>,
                                 unpacked_from: Option<Node<'t>>| {
            out.push(Rebinding {
                offset,
                name: file.node_text(name),
                value,
                unpacked_from,
            })
        };
        match node.kind() {
            "function_definition" | "class_definition" => {
                if let Some(name) = node.child_by_field_name("name") {
                    push_unpacked(name, node.start_byte(), None, None);
                }
                continue;
            }
            "lambda"
            | "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => continue,
            "assignment" => {
                if let Some(left) = node.child_by_field_name("left") {
                    let right = node.child_by_field_name("right");
                    let plain = left.kind() == "identifier";
                    for_each_target(left, &mut |name| {
                        if plain {
                            push_unpacked(name, node.end_byte(), right, None)
                        } else {
                            push_unpacked(name, node.end_byte(), None, right)
                        }
                    });
                }
            }
            "augmented_assignment" | "for_statement" | "for_in_clause" => {
                if let Some(left) = node.child_by_field_name("left") {
                    for_each_target(left, &mut |name| {
                        push_unpacked(name, left.end_byte(), None, None)
                    });
                }
            }
            "as_pattern_target" | "delete_statement" => {
                for_each_target_or_self(node, &mut |name| {
                    push_unpacked(name, node.end_byte(), None, None)
                });
            }
            "except_clause" => {
                if let Some(alias) = node.child_by_field_name("alias") {
                    for_each_target(alias, &mut |name| {
                        push_unpacked(name, alias.end_byte(), None, None)
                    });
                }
            }
            "named_expression" => {
                if let Some(name) = node.child_by_field_name("name") {
                    push_unpacked(
                        name,
                        node.end_byte(),
                        node.child_by_field_name("value"),
                        None,
                    );
                }
            }
            "import_statement" | "import_from_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    let local = match name.kind() {
                        "aliased_import" => name.child_by_field_name("alias"),
                        _ => name.named_child(0),
                    };
                    if let Some(local) = local {
                        push_unpacked(local, node.end_byte(), None, None);
                    }
                }
                continue;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out.sort_by_key(|rebinding| rebinding.offset);
    out
}

/// `for_each_target` over the children of a `del` statement or an `as` target.
fn for_each_target_or_self<'t>(node: Node<'t>, on_name: &mut dyn FnMut(Node<'t>)) {
    let mut cursor = node.walk();
    let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
    for child in children {
        for_each_target(child, on_name);
    }
}

/// One alternative of a branching statement a node sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arm {
    /// The `if`, `try` or `match` statement.
    branch: usize,
    /// Which alternative: `if` body 0, then each `elif`/`else`; `try` body, `else` and
    /// `finally` 0, each `except` from 1; each `case` its own.
    index: usize,
    /// In a `try`, only two different `except` clauses exclude each other: the body can
    /// run partly before any of them.
    exclusive_with_zero: bool,
}

/// The alternatives of the branching statements between `node` and its scope.
pub fn arms(node: Node, scope: Node) -> Vec<Arm> {
    let mut out = Vec::new();
    let mut child = node;
    let mut current = node.parent();
    while let Some(parent) = current {
        if parent == scope {
            break;
        }
        let position = || {
            let mut cursor = parent.walk();
            let named: Vec<Node> = parent.named_children(&mut cursor).collect();
            named.iter().position(|n| *n == child).unwrap_or(0)
        };
        match parent.kind() {
            "if_statement" | "match_statement" => {
                let index = if parent.kind() == "if_statement"
                    && parent.child_by_field_name("consequence") == Some(child)
                {
                    0
                } else {
                    position() + 1
                };
                if parent.child_by_field_name("condition") != Some(child) {
                    out.push(Arm {
                        branch: parent.id(),
                        index,
                        exclusive_with_zero: true,
                    });
                }
            }
            "block"
                if parent
                    .parent()
                    .is_some_and(|p| p.kind() == "match_statement") =>
            {
                // `case` clauses sit in the match statement's block.
                out.push(Arm {
                    branch: parent.id(),
                    index: position() + 1,
                    exclusive_with_zero: true,
                });
            }
            "try_statement" => {
                let index = if child.kind() == "except_clause" {
                    position() + 1
                } else {
                    0
                };
                out.push(Arm {
                    branch: parent.id(),
                    index,
                    exclusive_with_zero: false,
                });
            }
            _ => {}
        }
        child = parent;
        current = parent.parent();
    }
    out
}

/// Whether two statements can both run in one pass through their scope.
pub fn compatible(a: &[Arm], b: &[Arm]) -> bool {
    !a.iter().any(|x| {
        b.iter().any(|y| {
            x.branch == y.branch
                && x.index != y.index
                && (x.exclusive_with_zero || (x.index != 0 && y.index != 0))
        })
    })
}

/// The arms of the edges on a path, counted so that [`compatible`] with all of them is
/// decided in time proportional to one edge's arms, however long the path.
#[derive(Default)]
pub struct ArmsOnPath {
    /// Per branching statement: the arms on the path, those of a non-zero alternative,
    /// and how many of each alternative.
    branches: HashMap<usize, (usize, usize, HashMap<usize, usize>)>,
}

impl ArmsOnPath {
    /// Whether a statement in `arms` can run together with every one on the path.
    pub fn admits(&self, arms: &[Arm]) -> bool {
        arms.iter().all(|arm| {
            let Some((all, nonzero, per_index)) = self.branches.get(&arm.branch) else {
                return true;
            };
            let same = per_index.get(&arm.index).copied().unwrap_or(0);
            if arm.exclusive_with_zero {
                all - same == 0
            } else {
                arm.index == 0 || nonzero - same == 0
            }
        })
    }

    pub fn add(&mut self, arms: &[Arm]) {
        for arm in arms {
            let (all, nonzero, per_index) = self.branches.entry(arm.branch).or_default();
            *all += 1;
            *nonzero += usize::from(arm.index != 0);
            *per_index.entry(arm.index).or_default() += 1;
        }
    }

    pub fn remove(&mut self, arms: &[Arm]) {
        for arm in arms {
            if let Some((all, nonzero, per_index)) = self.branches.get_mut(&arm.branch) {
                *all -= 1;
                *nonzero -= usize::from(arm.index != 0);
                if let Some(count) = per_index.get_mut(&arm.index) {
                    *count -= 1;
                }
            }
        }
    }
}

/// The decorators on a `def` or `class`, as written without the `@`.
pub fn decorators<'a>(file: &SourceFile<'a>, definition: Node) -> Vec<&'a str> {
    let Some(decorated) = definition
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    else {
        return Vec::new();
    };
    let mut cursor = decorated.walk();
    let found: Vec<&'a str> = decorated
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "decorator")
        .map(|n| file.node_text(n).trim_start_matches('@').trim())
        .collect();
    found
}

/// The last dotted segment of a decorator, without a call: `functools.cached_property`
/// and `cached_property(...)` both give `cached_property`.
pub fn decorator_name(decorator: &str) -> &str {
    let head = decorator.split('(').next().unwrap_or(decorator).trim();
    head.rsplit('.').next().unwrap_or(head)
}

/// The statement a definition occupies in its block: the decorated definition when it
/// has decorators.
pub fn definition_statement(definition: Node) -> Node {
    definition
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(definition)
}

/// The `def` or `class` inside a decorated definition; any other statement as it is.
pub fn definition_inner(statement: Node) -> Node {
    if statement.kind() == "decorated_definition" {
        statement
            .child_by_field_name("definition")
            .unwrap_or(statement)
    } else {
        statement
    }
}

/// How a method receives its first argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    Instance,
    Class,
}

/// A function defined directly in a class body, with its first parameter.
#[derive(Clone, Copy)]
pub struct Method<'a, 't> {
    pub function: Node<'t>,
    pub class: Node<'t>,
    pub receiver: &'a str,
    pub kind: Receiver,
}

/// The method `function` is, if it is one with a plain first parameter (not a
/// `staticmethod`).
pub fn method_of<'a, 't>(file: &SourceFile<'a>, function: Node<'t>) -> Option<Method<'a, 't>> {
    if function.kind() != "function_definition" {
        return None;
    }
    let block = definition_statement(function).parent()?;
    let class = block.parent().filter(|c| c.kind() == "class_definition")?;
    let names: Vec<&str> = decorators(file, function)
        .into_iter()
        .map(decorator_name)
        .collect();
    if names.contains(&"staticmethod") {
        return None;
    }
    let kind = if names.contains(&"classmethod")
        || matches!(
            file.node_text(function.child_by_field_name("name")?),
            "__new__" | "__init_subclass__" | "__class_getitem__"
        ) {
        Receiver::Class
    } else {
        Receiver::Instance
    };
    let parameters = function.child_by_field_name("parameters")?;
    let first = parameters.named_child(0)?;
    let receiver = match first.kind() {
        "identifier" => first,
        "typed_parameter" => first.named_child(0).filter(|n| n.kind() == "identifier")?,
        _ => return None,
    };
    Some(Method {
        function,
        class,
        receiver: file.node_text(receiver),
        kind,
    })
}

/// What a class body defines, as far as the cycle rules care.
#[derive(Default)]
pub struct ClassMembers<'a> {
    /// `def NAME` in the body, each with its decorator names.
    pub functions: HashMap<&'a str, Vec<Vec<&'a str>>>,
    /// Names bound or annotated at class level other than by `def`.
    pub attributes: HashSet<&'a str>,
    pub has_slots: bool,
    /// The bodies of `@NAME.setter` functions.
    pub setters: HashMap<&'a str, Vec<Node<'a>>>,
    /// Attributes the methods assign on their receiver (`self.NAME = ...`).
    pub instance_attributes: HashSet<&'a str>,
    /// Attributes the methods delete from their receiver (`del self.NAME`).
    pub deleted: HashSet<&'a str>,
    /// For each attribute assigned on the receiver, the values assigned (the innermost
    /// right side of a chained assignment; none for an augmented or unpacking one).
    pub instance_values: HashMap<&'a str, Vec<Node<'a>>>,
    /// For each attribute assigned on the receiver, the first method that assigns it.
    pub first_assigner: HashMap<&'a str, Node<'a>>,
}

impl<'a> ClassMembers<'a> {
    pub fn collect(file: &SourceFile<'a>, class: Node<'a>) -> Self {
        let mut members = ClassMembers::default();
        let Some(body) = class.child_by_field_name("body") else {
            return members;
        };
        for statement in statements(body) {
            let definition = match statement.kind() {
                "decorated_definition" => statement.child_by_field_name("definition"),
                _ => Some(statement),
            };
            let Some(definition) = definition else {
                continue;
            };
            match definition.kind() {
                "function_definition" | "class_definition" => {
                    if let Some(name) = definition.child_by_field_name("name") {
                        let name = file.node_text(name);
                        if definition.kind() == "function_definition" {
                            let written = decorators(file, definition);
                            if written.contains(&format!("{name}.setter").as_str()) {
                                members
                                    .setters
                                    .entry(name)
                                    .or_default()
                                    .extend(definition.child_by_field_name("body"));
                            }
                            let names = written.into_iter().map(decorator_name).collect();
                            members.functions.entry(name).or_default().push(names);
                            members.collect_receiver_stores(file, definition);
                        } else {
                            members.attributes.insert(name);
                        }
                    }
                }
                "expression_statement" => {
                    let mut cursor = definition.walk();
                    for child in definition.named_children(&mut cursor) {
                        let mut node = child;
                        while node.kind() == "assignment" {
                            if let Some(left) = node.child_by_field_name("left") {
                                for_each_target(left, &mut |name| {
                                    members.attributes.insert(file.node_text(name));
                                });
                            }
                            match node.child_by_field_name("right") {
                                Some(right) => node = right,
                                None => break,
                            }
                        }
                    }
                }
                _ => {
                    // Names bound in `if`/`try` blocks at class level.
                    for name in crate::semantic::scope_bindings(file, definition) {
                        members.attributes.insert(name);
                    }
                }
            }
        }
        members.has_slots = members.attributes.contains("__slots__");
        members
    }

    /// Records what `function`, if it is a method, assigns or deletes on its receiver.
    fn collect_receiver_stores(&mut self, file: &SourceFile<'a>, function: Node<'a>) {
        let Some(method) = method_of(file, function) else {
            return;
        };
        let Some(body) = function.child_by_field_name("body") else {
            return;
        };
        let mut stack = vec![body];
        while let Some(node) = stack.pop() {
            let mut targets = Vec::new();
            match node.kind() {
                "class_definition" => continue,
                "assignment" | "augmented_assignment" => {
                    targets.extend(node.child_by_field_name("left"));
                }
                "delete_statement" => {
                    let mut cursor = node.walk();
                    targets.extend(node.named_children(&mut cursor));
                }
                _ => {}
            }
            let mut flat = Vec::new();
            for target in targets {
                if matches!(target.kind(), "expression_list" | "pattern_list" | "tuple") {
                    let mut cursor = target.walk();
                    flat.extend(target.named_children(&mut cursor));
                } else {
                    flat.push(target);
                }
            }
            // `__new__` builds the instance it returns, conventionally named `self`.
            let is_new = function
                .child_by_field_name("name")
                .is_some_and(|name| file.node_text(name) == "__new__");
            for target in flat {
                let on_receiver = target.kind() == "attribute"
                    && target.child_by_field_name("object").is_some_and(|o| {
                        o.kind() == "identifier"
                            && (file.node_text(o) == method.receiver
                                || (is_new && file.node_text(o) == "self"))
                    });
                let Some(attribute) = target
                    .child_by_field_name("attribute")
                    .filter(|_| on_receiver)
                else {
                    continue;
                };
                let attribute = file.node_text(attribute);
                if node.kind() == "delete_statement" {
                    self.deleted.insert(attribute);
                } else {
                    self.instance_attributes.insert(attribute);
                    self.first_assigner.entry(attribute).or_insert(function);
                    let values = self.instance_values.entry(attribute).or_default();
                    match innermost_value(node) {
                        Some(value) if node.kind() == "assignment" => values.push(value),
                        // An unknown value: an unpacking or augmented assignment.
                        _ => values.push(node),
                    }
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }

    /// `def NAME` with no decorator: a plain method, bound to the instance on access.
    pub fn is_plain_method(&self, name: &str) -> bool {
        !self.attributes.contains(name)
            && self
                .functions
                .get(name)
                .is_some_and(|defs| defs.iter().all(|decorators| decorators.is_empty()))
    }
}

/// The value of `a = b = value`: the right side of the innermost assignment.
fn innermost_value(mut assignment: Node) -> Option<Node> {
    loop {
        let right = assignment.child_by_field_name("right")?;
        if right.kind() == "assignment" {
            assignment = right;
        } else {
            return Some(right);
        }
    }
}

/// Whether `name` is read anywhere under `node`, as a free variable: not as an
/// attribute name or keyword, and not inside a nested function or lambda that binds it
/// itself.
pub fn reads_name(file: &SourceFile, node: Node, name: &str) -> bool {
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        match current.kind() {
            "identifier" => {
                if file.node_text(current) == name {
                    return true;
                }
                continue;
            }
            "attribute" => {
                if let Some(object) = current.child_by_field_name("object") {
                    stack.push(object);
                }
                continue;
            }
            "keyword_argument" => {
                if let Some(value) = current.child_by_field_name("value") {
                    stack.push(value);
                }
                continue;
            }
            "function_definition" | "lambda"
                if current != node
                    && crate::semantic::scope_bindings(file, current).contains(name) =>
            {
                continue;
            }
            _ => {}
        }
        let mut cursor = current.walk();
        stack.extend(current.named_children(&mut cursor));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every arm of two branches (an `if` and a `try`) with three alternatives.
    fn all_arms() -> Vec<Arm> {
        let mut arms = Vec::new();
        for (branch, exclusive_with_zero) in [(1, true), (2, false)] {
            for index in 0..3 {
                arms.push(Arm {
                    branch,
                    index,
                    exclusive_with_zero,
                });
            }
        }
        arms
    }

    #[test]
    fn arms_on_a_path_admit_what_pairwise_checks_admit() {
        let arms = all_arms();
        // Paths of up to three edges, each edge in up to one arm per branch.
        let edges: Vec<Vec<Arm>> = std::iter::once(Vec::new())
            .chain(arms.iter().map(|arm| vec![*arm]))
            .chain(
                arms[..3]
                    .iter()
                    .flat_map(|a| arms[3..].iter().map(move |b| vec![*a, *b])),
            )
            .collect();
        for first in &edges {
            for second in &edges {
                let path = [first.clone(), second.clone()];
                let mut on_path = ArmsOnPath::default();
                for edge in &path {
                    on_path.add(edge);
                }
                for edge in &edges {
                    let pairwise = path.iter().all(|other| compatible(edge, other));
                    assert_eq!(on_path.admits(edge), pairwise, "{edge:?} after {path:?}");
                }
                on_path.remove(second);
                for edge in &edges {
                    assert_eq!(on_path.admits(edge), compatible(edge, first));
                }
            }
        }
    }
}
