//! Where a weak link may be offered: only to a referent the file shows accepts weak
//! references, and only on the side of a cycle that the code shows does not own the
//! other.

use std::collections::HashMap;

use tree_sitter::Node;

use super::scope::{self, method_of, rebindings, Receiver};
use super::{declares_global, Context, Link, LinkKind};
use crate::semantic::{parameter_names, statements, unparenthesize};

impl<'a> Context<'a, '_> {
    /// Why the link `weakened` (one of the two of `cycle`) may not become weak, by
    /// ownership: the other link must keep the weakened link's holder in a container of
    /// its value (`parent.children.append(self)`, `group.members[k] = self`), so the
    /// container's owner is the value and the weakened link is the element's way back.
    /// A one-to-one mutual link, or a longer cycle, shows no owner.
    pub(super) fn ownership_refusal(
        &self,
        links: &[Link<'a>],
        cycle: &[usize],
        weakened: &Link<'a>,
    ) -> Option<String> {
        let described: Vec<String> = cycle
            .iter()
            .map(|&i| format!("`{}`", self.describe(&links[i])))
            .collect();
        if cycle.len() != 2 {
            return Some(format!(
                "no container in the cycle shows which of the {} objects owns the others, so no link can be weakened without risking that an object still needed dies",
                cycle.len()
            ));
        }
        let other = cycle
            .iter()
            .map(|&i| &links[i])
            .find(|l| l.site != weakened.site)?;
        if other.kind != LinkKind::Attribute {
            return None;
        }
        Some(format!(
            "{} link the two objects one to one and nothing shows which owns the other: a weak link on either side may let an object still needed die (break the cycle by hand where ownership is known)",
            described.join(" and ")
        ))
    }

    /// Whether `name` in `scope` is known to hold an instance of a class of this file
    /// that accepts weak references: the method's receiver, a local bound only to calls
    /// of such a class, or a parameter annotated with one (never a builtin container,
    /// `int`, `str`, `tuple` or an unknown type).
    pub(super) fn is_weakrefable_instance(&self, scope: Node<'a>, name: &str) -> bool {
        let rebound: Vec<scope::Rebinding> = rebindings(self.file, scope)
            .into_iter()
            .filter(|r| r.name == name)
            .collect();
        if let Some(method) = method_of(self.file, scope) {
            if method.kind == Receiver::Instance && method.receiver == name {
                return rebound.is_empty() && self.weakrefable_class(method.class);
            }
        }
        if declares_global(self.file, scope, name) {
            return false;
        }
        let parameter = scope.child_by_field_name("parameters").and_then(|p| {
            parameter_names(p)
                .into_iter()
                .find(|n| self.text(*n) == name)
        });
        if let Some(parameter) = parameter {
            return rebound.is_empty()
                && self
                    .annotated_class(parameter)
                    .is_some_and(|class| self.weakrefable_class(class));
        }
        !rebound.is_empty()
            && rebound.iter().all(|r| {
                r.value.map(unparenthesize).is_some_and(|value| {
                    value.kind() == "call"
                        && value
                            .child_by_field_name("function")
                            .filter(|f| f.kind() == "identifier")
                            .and_then(|f| self.module_class(self.text(f)))
                            .is_some_and(|class| self.weakrefable_class(class))
                })
            })
    }

    /// The module class a parameter is annotated with: `parent: Tree` or
    /// `parent: "Tree"`.
    fn annotated_class(&self, parameter_name: Node<'a>) -> Option<Node<'a>> {
        let parameter = parameter_name.parent()?;
        if !matches!(
            parameter.kind(),
            "typed_parameter" | "typed_default_parameter"
        ) {
            return None;
        }
        let annotation = parameter.child_by_field_name("type")?;
        let annotation = unparenthesize(annotation.named_child(0).unwrap_or(annotation));
        let name = match annotation.kind() {
            "identifier" => self.text(annotation),
            "string" => {
                let text = self.text(annotation);
                text.strip_prefix(['"', '\''])?.strip_suffix(['"', '\''])?
            }
            _ => return None,
        };
        self.module_class(name.trim())
    }

    /// A class of this file whose instances, and those of every class of this file
    /// derived from it, accept weak references.
    pub(super) fn weakrefable_class(&self, class: Node<'a>) -> bool {
        self.class_accepts_weakrefs(class, 0) && self.subclasses_accept_weakrefs(class)
    }

    pub(super) fn is_module_class(&self, name: &str) -> bool {
        self.module_class(name).is_some()
    }

    /// The one module-level class named `name`, when the module binds that name only so.
    pub(super) fn module_class(&self, name: &str) -> Option<Node<'a>> {
        // Asked about for every link: the map of every name is built once.
        let classes = self.module_classes.get_or_init(|| {
            let root = self.file.tree.root_node();
            let classes: HashMap<usize, Node<'a>> = statements(root)
                .into_iter()
                .map(scope::definition_inner)
                .filter(|d| d.kind() == "class_definition")
                .map(|d| (d.start_byte(), d))
                .collect();
            // Each name with the offset of its one binding, or `None` when bound again.
            let mut bound: HashMap<&'a str, Option<usize>> = HashMap::new();
            for rebinding in self.module_rebindings() {
                bound
                    .entry(rebinding.name)
                    .and_modify(|offset| *offset = None)
                    .or_insert(Some(rebinding.offset));
            }
            bound
                .into_iter()
                .filter_map(|(name, offset)| Some((name, *classes.get(&offset?)?)))
                .collect()
        });
        classes.get(name).copied()
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

    /// A class whose `__slots__`, if any, name `__weakref__`, and whose bases are
    /// `object` or such classes of this file: its instances accept weak references.
    fn class_accepts_weakrefs(&self, class: Node<'a>, depth: usize) -> bool {
        if depth > 8
            || (self.members(class).has_slots && !self.slots_name_weakref(class))
            || self.decorated_with_slots(class)
        {
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

    /// Whether a class decorator may give the class `__slots__` without `__weakref__`:
    /// `@dataclass(slots=True)` (unless `weakref_slot=True`), `@attr.s(slots=True)`.
    fn decorated_with_slots(&self, class: Node<'a>) -> bool {
        scope::decorators(self.file, class)
            .into_iter()
            .any(|decorator| {
                let text: String = decorator.split_whitespace().collect();
                text.contains("slots=True") && !text.contains("weakref_slot=True")
            })
    }

    /// Whether every `__slots__ = ...` in the class body lists `"__weakref__"`.
    fn slots_name_weakref(&self, class: Node<'a>) -> bool {
        let Some(body) = class.child_by_field_name("body") else {
            return false;
        };
        let mut slots = statements(body).into_iter().filter_map(|statement| {
            let assignment = statement.named_child(0)?;
            let left = assignment.child_by_field_name("left")?;
            (statement.kind() == "expression_statement"
                && assignment.kind() == "assignment"
                && self.text(left) == "__slots__")
                .then(|| assignment.child_by_field_name("right"))
                .flatten()
        });
        let mut any = false;
        let all = slots.all(|value| {
            any = true;
            let text = self.text(value);
            text.contains("\"__weakref__\"") || text.contains("'__weakref__'")
        });
        any && all
    }
}
