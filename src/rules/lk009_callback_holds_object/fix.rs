//! LK009's one fix: `weakref.finalize(self, self.m, ...)` in `__init__` becomes
//! `weakref.finalize(self, C.m, types.SimpleNamespace(a=self.a, ...), ...)`, where `m`
//! uses `self` only to read attributes that this file proves hold, from the finalize call
//! on, the values they hold at it. Every condition is written in the rule's "Fix safety"
//! section; each refusal here says which one failed.

use tree_sitter::Node;

use super::{class_functions, class_of_method, first_parameter, reads_name, Context};
use crate::fix::{Applicability, Edit, Fix};
use crate::imports::{spell, AddAs};
use crate::semantic::{unparenthesize, visit_bindings, Binding};
use crate::source::SourceFile;

/// Attribute hooks that make an attribute read something other than a dictionary look-up.
const ATTRIBUTE_HOOKS: &[&str] = &[
    "__getattr__",
    "__getattribute__",
    "__setattr__",
    "__delattr__",
];

/// Names whose use anywhere in the file's code refuses the fix: each reaches attributes
/// or classes without spelling them as code (`object.__setattr__(r, "n", 7)`,
/// `eval("...")`, `globals()["R"]`, `class S(type(r))`), or runs `__init__` again on a
/// live object (`r.__init__(...)`, `super().__init__()`). Strings and comments do not
/// count: a string reaches something only through one of these.
const REFLECTION: &[&str] = &[
    "__setattr__",
    "__delattr__",
    "__dict__",
    "__class__",
    "__init__",
    "__builtins__",
    "__import__",
    "setattr",
    "delattr",
    "getattr",
    "vars",
    "eval",
    "exec",
    "globals",
    "locals",
    "type",
];

/// The first name of [`REFLECTION`] the file's code uses: as a variable, or as an
/// attribute's name (`obj.__dict__`, `builtins.setattr`; but `node.type` is a plain
/// attribute), and `__init__` other than as the name of a `def`.
fn reflection_used<'a>(file: &SourceFile<'a>) -> Option<&'a str> {
    let mut stack = vec![file.tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" {
            let text = file.node_text(node);
            if REFLECTION.contains(&text) {
                let parent = node.parent();
                let is_attribute_name = parent.is_some_and(|p| {
                    p.kind() == "attribute" && p.child_by_field_name("attribute") == Some(node)
                });
                let is_def_name = parent.is_some_and(|p| {
                    p.kind() == "function_definition" && p.child_by_field_name("name") == Some(node)
                });
                let counts = match text {
                    "type" => !is_attribute_name,
                    "__init__" => !is_def_name,
                    _ => true,
                };
                if counts {
                    return Some(text);
                }
            }
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

/// The fix for a finalizer whose registering `call` holds `target` through `culprit`.
pub(super) fn finalize_fix<'a>(
    file: &SourceFile<'a>,
    call: Node<'a>,
    culprit: Node<'a>,
    target: &[&'a str],
) -> Result<Fix, String> {
    let [instance] = target else {
        return Err("the object is a chain of attributes, not `self`".to_string());
    };
    let callback = unparenthesize(culprit);
    let method = match super::chain(file, callback).as_deref() {
        Some([receiver, method]) if receiver == instance && culprit_is_callback(call, culprit) => {
            method.to_string()
        }
        _ => return Err(format!("the callback is not a method of `{instance}`")),
    };
    let init = enclosing_init(file, call, instance).ok_or_else(|| {
        "the finalizer is not registered by a statement of `__init__`".to_string()
    })?;
    let class = class_of_method(init).ok_or("no class")?;
    check_class(file, class)?;
    let class_name = file.node_text(class.child_by_field_name("name").ok_or("no class name")?);
    if let Some(word) = reflection_used(file) {
        return Err(format!(
            "the file uses `{word}`, which can rebind attributes, reach the class unseen or run `__init__` again"
        ));
    }
    if class_scope_mentions(file, class, &method) != 1 {
        return Err(format!(
            "`{class_name}`'s body binds or uses `{method}` other than by its one `def`, so `{class_name}.{method}` may not be that function"
        ));
    }

    // No other argument may hold the instance: the stand-in replaces the callback only.
    let context = Context {
        file,
        call,
        target,
        aliases: std::cell::Cell::new(0),
    };
    let (positional, keyword) = super::arguments(call);
    let others_hold = positional
        .iter()
        .skip(2)
        .chain(&keyword)
        .any(|value| context.holds(*value, false).is_some());
    if others_hold {
        return Err(format!("another argument refers to `{instance}` too"));
    }

    let functions = class_functions(file, class, &method);
    let [function] = functions[..] else {
        return Err(format!(
            "`{method}` is not one plain `def` of `{class_name}`"
        ));
    };
    if function
        .parent()
        .is_some_and(|p| p.kind() == "decorated_definition")
        || file.node_text(function).starts_with("async")
    {
        return Err(format!("`{method}` is decorated or async"));
    }
    if assigns_attribute_anywhere(file, &method) {
        return Err(format!("the file assigns an attribute `{method}`"));
    }
    let attributes = attributes_read(file, function)?;
    let statement = top_level_statement(init, call)
        .ok_or_else(|| "the call is not a statement of `__init__`'s body".to_string())?;
    for attribute in &attributes {
        if attribute.starts_with("__") {
            return Err(format!(
                "`{method}` reads the private name `{attribute}`, mangled per class"
            ));
        }
        if class_body_binds(file, class, attribute) {
            return Err(format!(
                "`{class_name}` binds `{attribute}` in its body (a method, property or class attribute)"
            ));
        }
        if !assigned_once_before(file, init, statement, instance, attribute) {
            return Err(format!(
                "`self.{attribute}` is not assigned exactly once in this file, by `__init__` before the call"
            ));
        }
        if acts_on(file, function, attribute) && assigned_from_parameter(file, init, attribute) {
            return Err(format!(
                "`{method}` acts on `self.{attribute}`, an object the caller passed to `__init__` and may still use: run early, the finalizer would close or change it under the caller"
            ));
        }
    }

    let (namespace, mut edits) = spell(
        file,
        "types.SimpleNamespace",
        call.start_byte(),
        AddAs::Module,
    )?;
    let values: Vec<String> = attributes
        .iter()
        .map(|attribute| format!("{attribute}={instance}.{attribute}"))
        .collect();
    edits.push(Edit::replace(
        culprit.byte_range(),
        format!("{class_name}.{method}, {namespace}({})", values.join(", ")),
    ));
    Ok(Fix::new(
        format!(
            "Call `{class_name}.{method}` with the attribute values it reads, not `{instance}` (unsafe: a subclass's `{method}`, or a later rebinding of them elsewhere, is no longer seen)"
        ),
        Applicability::Unsafe,
        edits,
    ))
}

/// Whether `culprit` is the call's second positional argument (the callback itself).
fn culprit_is_callback(call: Node, culprit: Node) -> bool {
    super::arguments(call).0.get(1) == Some(&culprit)
}

/// The `__init__` method holding `call` directly (no nested function or lambda between),
/// whose first parameter is `instance`.
fn enclosing_init<'t>(file: &SourceFile, call: Node<'t>, instance: &str) -> Option<Node<'t>> {
    let mut current = call.parent();
    while let Some(node) = current {
        match node.kind() {
            "lambda" | "class_definition" => return None,
            "function_definition" => {
                let name = file.node_text(node.child_by_field_name("name")?);
                let first = first_parameter(node.child_by_field_name("parameters")?)?;
                return (name == "__init__"
                    && file.node_text(first) == instance
                    && !has_decorator(file, node, &["staticmethod", "classmethod"]))
                .then_some(node);
            }
            _ => {}
        }
        current = node.parent();
    }
    None
}

/// The statement of `function`'s own body (not nested in an `if` or loop) whose value is
/// `call`: `weakref.finalize(...)` or `NAME = weakref.finalize(...)`.
fn top_level_statement<'t>(function: Node<'t>, call: Node<'t>) -> Option<Node<'t>> {
    let body = function.child_by_field_name("body")?;
    let statement = call.parent()?;
    let statement = match statement.kind() {
        "assignment" if statement.child_by_field_name("right") == Some(call) => {
            statement.parent()?
        }
        "expression_statement" => statement,
        _ => return None,
    };
    (statement.kind() == "expression_statement" && statement.parent() == Some(body))
        .then_some(statement)
}

/// The class conditions: defined at module level (the finalizer names it), no decorator,
/// no base class but `object`, no keywords, no attribute hooks, no `__new__`, and its
/// name used nowhere else in the file (any use could subclass or patch it).
fn check_class(file: &SourceFile, class: Node) -> Result<(), String> {
    let name = file.node_text(class.child_by_field_name("name").ok_or("no class name")?);
    if class
        .parent()
        .is_some_and(|p| p.kind() == "decorated_definition")
    {
        return Err(format!("`{name}` is decorated; a decorator may change it"));
    }
    if let Some(bases) = class.child_by_field_name("superclasses") {
        let mut cursor = bases.walk();
        let other = bases
            .named_children(&mut cursor)
            .any(|base| base.kind() == "comment" || file.node_text(base) != "object");
        if other {
            return Err(format!(
                "`{name}` has a base class, which may define what its attributes read"
            ));
        }
    }
    if class.parent().map(|p| p.kind()) != Some("module") {
        return Err(format!(
            "`{name}` is not defined at module level, so the finalizer could not name it"
        ));
    }
    if let Some(hook) = ATTRIBUTE_HOOKS
        .iter()
        .find(|hook| class_scope_mentions(file, class, hook) > 0)
    {
        return Err(format!("`{name}` defines the attribute hook `{hook}`"));
    }
    if class_scope_mentions(file, class, "__new__") > 0 {
        return Err(format!(
            "`{name}` defines `__new__`, which may hand `__init__` an object already set up (a singleton re-initialised)"
        ));
    }
    if has_wildcard_import(file) {
        return Err(format!(
            "the file has a `from ... import *`, which may rebind `{name}` unseen"
        ));
    }
    let own_name = class.child_by_field_name("name").ok_or("no class name")?;
    if name_occurs_elsewhere(file, name, own_name) {
        return Err(format!(
            "this file refers to `{name}` besides defining it, and may subclass or patch it"
        ));
    }
    let mut count = 0;
    visit_bindings(file, file.tree.root_node(), true, &mut |binding| {
        let bound = match binding {
            Binding::Import { local, .. } => local,
            Binding::Other(bound) => bound,
        };
        count += usize::from(bound == name);
    });
    if count != 1 {
        return Err(format!("the file binds `{name}` more than once"));
    }
    let mut stack = vec![file.tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "class_definition" {
            if let Some(bases) = node.child_by_field_name("superclasses") {
                if reads_name(file, bases, name) {
                    return Err(format!(
                        "a class in this file derives from `{name}` and may override the method"
                    ));
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    Ok(())
}

/// The attributes `function` reads through its first parameter, in order of first
/// read; an error when it uses the parameter any other way.
fn attributes_read<'a>(file: &SourceFile<'a>, function: Node) -> Result<Vec<&'a str>, String> {
    let parameters = function
        .child_by_field_name("parameters")
        .ok_or("no parameters")?;
    let instance = file.node_text(first_parameter(parameters).ok_or("no first parameter")?);
    let body = function.child_by_field_name("body").ok_or("no body")?;
    let method = file.node_text(function.child_by_field_name("name").ok_or("no name")?);
    let mut attributes: Vec<&'a str> = Vec::new();
    let mut found: Vec<Node> = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" => {
                let name = file.node_text(node);
                if name == "super" || name == "__class__" {
                    return Err(format!("`{method}` uses `{name}`"));
                }
                if name == instance {
                    found.push(node);
                }
                continue;
            }
            "function_definition" | "lambda" => {
                let rebinds = node.child_by_field_name("parameters").is_some_and(|p| {
                    crate::semantic::parameter_names(p)
                        .iter()
                        .any(|n| file.node_text(*n) == instance)
                });
                if rebinds {
                    return Err(format!("a function inside `{method}` rebinds `{instance}`"));
                }
            }
            "keyword_argument" => {
                stack.extend(node.child_by_field_name("value"));
                continue;
            }
            "attribute" => {
                // The attribute's own name is not a read of a variable.
                stack.extend(node.child_by_field_name("object"));
                continue;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found.sort_by_key(|n| n.start_byte());
    for use_ in found {
        let attribute = use_
            .parent()
            .filter(|p| p.kind() == "attribute" && p.child_by_field_name("object") == Some(use_))
            .ok_or_else(|| {
                format!("`{method}` uses `{instance}` itself, not only its attributes")
            })?;
        if is_store(attribute) {
            return Err(format!(
                "`{method}` assigns or deletes an attribute of `{instance}`"
            ));
        }
        if attribute.parent().is_some_and(|p| {
            p.kind() == "call" && p.child_by_field_name("function") == Some(attribute)
        }) {
            return Err(format!(
                "`{method}` calls a method of `{instance}`, which needs the instance"
            ));
        }
        let name = file.node_text(
            attribute
                .child_by_field_name("attribute")
                .ok_or("no name")?,
        );
        if !attributes.contains(&name) {
            attributes.push(name);
        }
    }
    Ok(attributes)
}

/// Whether an attribute node is assigned, augmented, deleted or bound by a `for`,
/// `with ... as` or `except ... as` (through any tuple or list of targets).
fn is_store(attribute: Node) -> bool {
    let mut node = attribute;
    loop {
        let Some(parent) = node.parent() else {
            return false;
        };
        match parent.kind() {
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "parenthesized_expression"
            | "expression_list"
            | "list_splat"
            | "list_splat_pattern"
            | "as_pattern_target" => node = parent,
            "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
                return parent.child_by_field_name("left") == Some(node);
            }
            "delete_statement" => return true,
            // `with x as self.a`: the target, not the value, is stored.
            "as_pattern" => return node.kind() == "as_pattern_target",
            _ => return false,
        }
    }
}

/// Whether the class body binds `name` directly (a method, property, class attribute,
/// import...).
fn class_body_binds(file: &SourceFile, class: Node, name: &str) -> bool {
    class
        .child_by_field_name("body")
        .is_some_and(|_| crate::semantic::scope_bindings(file, class).contains(name))
}

/// Whether `attribute` is stored exactly once in the whole file (on any object), by a
/// plain `instance.attribute = ...` that is a statement of `init`'s own body before
/// `statement`.
fn assigned_once_before(
    file: &SourceFile,
    init: Node,
    statement: Node,
    instance: &str,
    attribute: &str,
) -> bool {
    let stores = attribute_stores(file, attribute);
    let [store] = stores[..] else {
        return false;
    };
    let Some(assignment) = store
        .parent()
        .filter(|p| p.kind() == "assignment" && p.child_by_field_name("left") == Some(store))
    else {
        return false;
    };
    let object = store.child_by_field_name("object");
    let Some(holder) = assignment.parent() else {
        return false;
    };
    object.is_some_and(|o| o.kind() == "identifier" && file.node_text(o) == instance)
        && holder.kind() == "expression_statement"
        && holder.parent() == init.child_by_field_name("body")
        && holder.end_byte() <= statement.start_byte()
}

/// Whether `function` acts on the value of `self.attribute` (its first parameter's):
/// calls a method of it (`self.stream.close()`) or passes it straight to a call
/// (`os.close(self.fd)`).
fn acts_on(file: &SourceFile, function: Node, attribute: &str) -> bool {
    let Some(instance) = function
        .child_by_field_name("parameters")
        .and_then(first_parameter)
        .map(|n| file.node_text(n))
    else {
        return true;
    };
    let Some(body) = function.child_by_field_name("body") else {
        return true;
    };
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        let is_use = node.kind() == "attribute"
            && node
                .child_by_field_name("object")
                .is_some_and(|o| o.kind() == "identifier" && file.node_text(o) == instance)
            && node
                .child_by_field_name("attribute")
                .is_some_and(|a| file.node_text(a) == attribute);
        if is_use {
            let parent = node.parent();
            let method_call = parent.is_some_and(|p| {
                p.kind() == "attribute"
                    && p.parent().is_some_and(|call| {
                        call.kind() == "call" && call.child_by_field_name("function") == Some(p)
                    })
            });
            let argument = parent.is_some_and(|p| p.kind() == "argument_list");
            if method_call || argument {
                return true;
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// Whether the one store of `self.attribute` assigns a parameter of `init` (other than
/// the instance), or an attribute of one: an object the caller handed in.
fn assigned_from_parameter(file: &SourceFile, init: Node, attribute: &str) -> bool {
    let stores = attribute_stores(file, attribute);
    let Some(value) = stores
        .first()
        .and_then(|store| store.parent())
        .and_then(|assignment| assignment.child_by_field_name("right"))
    else {
        return true;
    };
    let Some(parts) = super::chain(file, value) else {
        return false;
    };
    let Some(parameters) = init.child_by_field_name("parameters") else {
        return true;
    };
    let first = first_parameter(parameters);
    crate::semantic::parameter_names(parameters)
        .iter()
        .any(|n| Some(*n) != first && file.node_text(*n) == parts[0])
}

/// Every attribute node named `attribute` that is stored (see [`is_store`]).
fn attribute_stores<'t>(file: &SourceFile<'t>, attribute: &str) -> Vec<Node<'t>> {
    let mut stores = Vec::new();
    let mut stack = vec![file.tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "attribute"
            && node
                .child_by_field_name("attribute")
                .is_some_and(|n| file.node_text(n) == attribute)
            && is_store(node)
        {
            stores.push(node);
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    stores
}

/// Whether the file stores an attribute named `name` anywhere.
fn assigns_attribute_anywhere(file: &SourceFile, name: &str) -> bool {
    !attribute_stores(file, name).is_empty()
}

/// Whether a method of `class` assigns `instance.name` (on its own first parameter,
/// whatever the method calls it: approximated by any object named `instance`).
pub(super) fn assigns_attribute(
    file: &SourceFile,
    class: Node,
    instance: &str,
    name: &str,
) -> bool {
    attribute_stores(file, name).into_iter().any(|store| {
        store
            .child_by_field_name("object")
            .is_some_and(|o| file.node_text(o) == instance)
            && store.start_byte() >= class.start_byte()
            && store.end_byte() <= class.end_byte()
    })
}

/// How many times `name` occurs as a variable (bound or read) in the class's own scope:
/// its body, and the decorators, defaults, annotations and bases of what it defines, but
/// not the bodies of nested functions, lambdas and classes (their own scopes). The `def`
/// of the method is one; any other (`close = wrap(close)`, `from os import x as close`,
/// a second `def close` under an `if`, a `for close in ...`, a walrus) may rebind it.
fn class_scope_mentions(file: &SourceFile, class: Node, name: &str) -> usize {
    let Some(body) = class.child_by_field_name("body") else {
        return 0;
    };
    let mut count = 0;
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" => {
                count += usize::from(file.node_text(node) == name);
                continue;
            }
            "attribute" => {
                stack.extend(node.child_by_field_name("object"));
                continue;
            }
            "keyword_argument" => {
                stack.extend(node.child_by_field_name("value"));
                continue;
            }
            "function_definition" | "class_definition" | "lambda" => {
                let mut cursor = node.walk();
                for (index, child) in node.children(&mut cursor).enumerate() {
                    if node.field_name_for_child(index as u32) != Some("body") {
                        stack.push(child);
                    }
                }
                continue;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    count
}

/// Whether the file has a `from ... import *` anywhere.
fn has_wildcard_import(file: &SourceFile) -> bool {
    let mut stack = vec![file.tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "wildcard_import" {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    false
}

/// Whether the identifier `name` occurs anywhere in the file other than at `except`.
fn name_occurs_elsewhere(file: &SourceFile, name: &str, except: Node) -> bool {
    let mut stack = vec![file.tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" && node != except && file.node_text(node) == name {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    false
}

/// Whether `function` carries a decorator whose last name is one of `names`.
pub(super) fn has_decorator(file: &SourceFile, function: Node, names: &[&str]) -> bool {
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
        let last = text.rsplit('.').next().unwrap_or(text);
        names.contains(&last)
    })
}
