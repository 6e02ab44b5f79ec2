//! Shapes 4 and 5: a bound method, or a closure over `self`, stored on `self`.

use tree_sitter::Node;

use super::findings::{finding, fit, FREED_LATE};
use super::scope::{self, reads_name, rebindings, Method, Receiver};
use super::{collapse_long, holder_of, Cause, Context};
use crate::rules::Finding;
use crate::semantic::{scope_bindings, unparenthesize};

impl<'a> Context<'a, '_> {
    // ---- Shapes 4 and 5: bound methods and closures stored on `self` -----------------

    pub(super) fn check_method_store(&self, store: Node<'a>, out: &mut Vec<Finding>) {
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
        let target_text = collapse_long(self.text(target));
        let receiver = method.receiver;
        let value = unparenthesize(value);
        if let Some(bound) = self.stored_bound_method(&method, value) {
            let message = fit(&[
                format!("`{target_text}` holds `{bound}`, a bound method of `{receiver}`: a reference cycle"),
                format!("`{bound}` stored where `{receiver}` holds it: a reference cycle"),
            ]);
            let detail = format!(
                "A bound method refers to its instance (`{bound}.__self__` is `{receiver}`), and `{target_text}` is held by `{receiver}`: `{receiver}` refers to itself. {FREED_LATE}"
            );
            out.push(finding(
                Cause::BoundMethod,
                store,
                message,
                detail,
                Err(format!(
                    "call `{bound}` directly where it is needed, or store `weakref.WeakMethod({bound})`"
                )),
            ));
            return;
        }
        if self.is_closure_over(&method, value) {
            let message = fit(&[
                format!("`{target_text}` holds a closure that reads `{receiver}`: a reference cycle"),
                format!("a closure that reads `{receiver}` is stored on `{receiver}`: a reference cycle"),
            ]);
            let detail = format!(
                "The closure keeps `{receiver}` in its cell, and `{receiver}` keeps the closure in `{target_text}`: `{receiver}` refers to itself. {FREED_LATE}"
            );
            out.push(finding(
                Cause::Closure,
                store,
                message,
                detail,
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
