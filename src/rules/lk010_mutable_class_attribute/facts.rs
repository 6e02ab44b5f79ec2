//! What LK010 needs to know about the whole file: which attribute names are ever
//! assigned, which are written or read through a class, the string literals, the classes.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::{class_name, MUTATING_METHODS};
use crate::source::SourceFile;

/// How an `obj.NAME` expression is used.
pub(crate) enum Use<'a> {
    /// Assigned (`obj.NAME = v`, also in a tuple or `for` target) or deleted.
    Rebind,
    /// Changed in place, by the statement given: a mutating method call, an item
    /// assignment or deletion, an augmented assignment; with how.
    Mutate(Node<'a>, Change),
    Read,
}

/// What a mutation does to the container's size.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Adds,
    Removes,
    /// `sort`, `reverse`, `rotate`, `x[i] += 1` on a list: neither.
    Keeps,
}

/// Methods that take out of a list, dict, set or deque, or empty it.
const REMOVING_METHODS: &[&str] = &[
    "remove",
    "pop",
    "clear",
    "popitem",
    "discard",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
    "popleft",
    "subtract",
    "__delitem__",
];

/// Methods that change one in place without adding or removing.
const KEEPING_METHODS: &[&str] = &["sort", "reverse", "rotate"];

fn method_change(method: &str) -> Change {
    if REMOVING_METHODS.contains(&method) {
        Change::Removes
    } else if KEEPING_METHODS.contains(&method) {
        Change::Keeps
    } else {
        Change::Adds
    }
}

fn operator_change(file: &SourceFile, augmented: Node) -> Change {
    match augmented
        .child_by_field_name("operator")
        .map_or("", |o| file.node_text(o))
    {
        "-=" | "&=" | "^=" => Change::Removes,
        "+=" | "|=" => Change::Adds,
        _ => Change::Keeps,
    }
}

/// Receiver names that stand for a class by convention.
const CLASS_RECEIVERS: &[&str] = &["cls", "klass", "kls", "mcs", "mcls", "metacls"];

pub(crate) struct FileFacts<'a> {
    /// Attribute names some statement assigns or deletes on any object, or that
    /// `setattr`/`delattr` names with a string literal.
    pub assigned_attributes: HashSet<&'a str>,
    /// Attribute names written (assigned, mutated) through a class: `cls.NAME.append`,
    /// `Session.NAME = ...`, `type(self).NAME[k] = v`; each with the expression.
    pub written_through_class: HashMap<&'a str, Vec<Node<'a>>>,
    /// Attribute names read or written through a class, each with the expressions.
    pub read_through_class: HashMap<&'a str, Vec<Node<'a>>>,
    /// The contents of the file's plain string literals.
    pub strings: HashSet<&'a str>,
    /// The classes the file defines, by name.
    pub classes: HashMap<&'a str, Vec<Node<'a>>>,
}

impl<'a> FileFacts<'a> {
    pub(crate) fn collect(file: &SourceFile<'a>, classes: &[Node<'a>]) -> Self {
        let mut by_name: HashMap<&'a str, Vec<Node<'a>>> = HashMap::new();
        for class in classes {
            if let Some(name) = class_name(file, *class) {
                by_name.entry(name).or_default().push(*class);
            }
        }
        let mut facts = FileFacts {
            assigned_attributes: HashSet::new(),
            written_through_class: HashMap::new(),
            read_through_class: HashMap::new(),
            strings: HashSet::new(),
            classes: by_name,
        };
        let mut stack = vec![file.tree.root_node()];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "attribute" => facts.attribute(file, node),
                "string" => {
                    let mut cursor = node.walk();
                    let parts: Vec<Node> = node.named_children(&mut cursor).collect();
                    if let [_, content, _] = parts.as_slice() {
                        if content.kind() == "string_content" {
                            facts.strings.insert(file.node_text(*content));
                        }
                    }
                }
                "call" => facts.setattr(file, node),
                _ => {}
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        facts
    }

    fn attribute(&mut self, file: &SourceFile<'a>, node: Node<'a>) {
        let (Some(object), Some(attribute)) = (
            node.child_by_field_name("object"),
            node.child_by_field_name("attribute"),
        ) else {
            return;
        };
        let name = file.node_text(attribute);
        let usage = use_of(file, node);
        if matches!(usage, Use::Rebind) {
            self.assigned_attributes.insert(name);
        }
        if self.is_class_like(file, object) {
            if !matches!(usage, Use::Read) {
                self.written_through_class
                    .entry(name)
                    .or_default()
                    .push(node);
            }
            self.read_through_class.entry(name).or_default().push(node);
        }
    }

    /// `setattr(obj, "NAME", v)`, `delattr(obj, "NAME")`.
    fn setattr(&mut self, file: &SourceFile<'a>, call: Node<'a>) {
        let Some(function) = call.child_by_field_name("function") else {
            return;
        };
        if !matches!(file.node_text(function), "setattr" | "delattr") {
            return;
        }
        let Some(arguments) = call.child_by_field_name("arguments") else {
            return;
        };
        if let Some(name) = arguments.named_child(1).filter(|n| n.kind() == "string") {
            let text = file.node_text(name);
            self.assigned_attributes
                .insert(text.trim_matches(|c| c == '"' || c == '\''));
        }
    }

    /// A class of this file by name, a conventional class receiver (`cls`),
    /// `type(...)`, `x.__class__` or `super(...)`.
    pub(crate) fn is_class_like(&self, file: &SourceFile, object: Node) -> bool {
        match object.kind() {
            "identifier" => {
                let text = file.node_text(object);
                CLASS_RECEIVERS.contains(&text) || self.classes.contains_key(text)
            }
            "call" => object
                .child_by_field_name("function")
                .is_some_and(|f| matches!(file.node_text(f), "type" | "super")),
            "attribute" => object
                .child_by_field_name("attribute")
                .is_some_and(|a| file.node_text(a) == "__class__"),
            _ => false,
        }
    }

    /// The first of `accesses` (`X.NAME` expressions) that may reach `class`'s
    /// attribute: through `cls`, `type(...)`, `super()`, `__class__`, or the name of
    /// `class`, of a class it inherits from or of one that inherits from it, in this file.
    pub(crate) fn reaching<'n>(
        &self,
        file: &SourceFile,
        class: Node,
        accesses: Option<&'n Vec<Node<'a>>>,
    ) -> Option<Node<'a>> {
        let own = class_name(file, class)?;
        accesses?.iter().copied().find(|access| {
            let Some(object) = access.child_by_field_name("object") else {
                return false;
            };
            if object.kind() != "identifier" {
                return true;
            }
            let other = file.node_text(object);
            if !self.classes.contains_key(other) {
                return true;
            }
            other == own || self.inherits(file, other, own) || self.inherits(file, own, other)
        })
    }

    /// Whether the file's class `sub` inherits from `base`, through classes of the
    /// file. A search over names, each visited once: diamonds cost no more than chains.
    pub(crate) fn inherits(&self, file: &SourceFile, sub: &str, base: &str) -> bool {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut pending: Vec<&str> = vec![sub];
        while let Some(name) = pending.pop() {
            for class in self.classes.get(name).into_iter().flatten() {
                let Some(bases) = class.child_by_field_name("superclasses") else {
                    continue;
                };
                let mut cursor = bases.walk();
                let names: Vec<Node> = bases
                    .named_children(&mut cursor)
                    .filter(|b| b.kind() == "identifier")
                    .collect();
                for parent in names {
                    let parent = file.node_text(parent);
                    if parent == base {
                        return true;
                    }
                    if seen.insert(parent) {
                        pending.push(parent);
                    }
                }
            }
        }
        false
    }

    /// A class with no decorator whose bases are `object` or, recursively, plain
    /// classes of this file (each defined once): its annotated attributes are class
    /// attributes, not some framework's field defaults.
    pub(crate) fn is_plain_class(&self, file: &SourceFile, class: Node) -> bool {
        // Every class reached through the bases, each once.
        let mut seen: HashSet<usize> = HashSet::new();
        let mut pending = vec![class];
        while let Some(class) = pending.pop() {
            if !seen.insert(class.id()) {
                continue;
            }
            if class
                .parent()
                .is_some_and(|p| p.kind() == "decorated_definition")
            {
                return false;
            }
            let Some(bases) = class.child_by_field_name("superclasses") else {
                continue;
            };
            let mut cursor = bases.walk();
            let all: Vec<Node> = bases.named_children(&mut cursor).collect();
            for base in all {
                let text = file.node_text(base);
                if text == "object" {
                    continue;
                }
                match self.classes.get(text) {
                    Some(defs) if base.kind() == "identifier" && defs.len() == 1 => {
                        pending.push(defs[0])
                    }
                    _ => return false,
                }
            }
        }
        true
    }
}

/// How the attribute expression `node` is used by the code around it.
pub(crate) fn use_of<'a>(file: &SourceFile, node: Node<'a>) -> Use<'a> {
    let Some(parent) = node.parent() else {
        return Use::Read;
    };
    match parent.kind() {
        "assignment" if parent.child_by_field_name("left") == Some(node) => Use::Rebind,
        "augmented_assignment" if parent.child_by_field_name("left") == Some(node) => {
            Use::Mutate(statement_of(parent), operator_change(file, parent))
        }
        "pattern_list" | "tuple_pattern" | "list_pattern" | "expression_list" | "tuple"
            if is_target(parent) =>
        {
            Use::Rebind
        }
        "for_statement" if parent.child_by_field_name("left") == Some(node) => Use::Rebind,
        "delete_statement" => Use::Rebind,
        "subscript" if parent.child_by_field_name("value") == Some(node) => {
            let Some(grand) = parent.parent() else {
                return Use::Read;
            };
            match grand.kind() {
                "assignment" if grand.child_by_field_name("left") == Some(parent) => {
                    Use::Mutate(statement_of(grand), Change::Adds)
                }
                "augmented_assignment" if grand.child_by_field_name("left") == Some(parent) => {
                    Use::Mutate(statement_of(grand), Change::Keeps)
                }
                "delete_statement" => Use::Mutate(grand, Change::Removes),
                "expression_list"
                    if grand
                        .parent()
                        .is_some_and(|g| g.kind() == "delete_statement") =>
                {
                    Use::Mutate(grand.parent().unwrap_or(grand), Change::Removes)
                }
                _ => Use::Read,
            }
        }
        "attribute" if parent.child_by_field_name("object") == Some(node) => {
            let method = parent
                .child_by_field_name("attribute")
                .map_or("", |a| file.node_text(a));
            let called = parent.parent().filter(|g| {
                g.kind() == "call" && g.child_by_field_name("function") == Some(parent)
            });
            match called {
                Some(call) if MUTATING_METHODS.contains(&method) => {
                    Use::Mutate(statement_of(call), method_change(method))
                }
                _ => Use::Read,
            }
        }
        _ => Use::Read,
    }
}

/// Whether a tuple or list node is (part of) an assignment's or `for`'s target.
fn is_target(mut node: Node) -> bool {
    while let Some(parent) = node.parent() {
        match parent.kind() {
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "expression_list"
            | "tuple"
            | "list"
            | "parenthesized_expression" => node = parent,
            "assignment" | "for_statement" | "for_in_clause" => {
                return parent.child_by_field_name("left") == Some(node)
            }
            "delete_statement" => return true,
            _ => return false,
        }
    }
    false
}

/// The statement holding `node`, or the node itself when it is in no statement (a
/// lambda's body).
fn statement_of(node: Node) -> Node {
    let mut current = node;
    loop {
        if current.kind().ends_with("_statement") {
            return current;
        }
        match current.parent() {
            Some(parent) if !matches!(parent.kind(), "block" | "module" | "lambda") => {
                current = parent
            }
            _ => return current,
        }
    }
}
