//! The cycle rules' fixes. Only `without_traceback` (LK004) is ever offered; the weak-link edits
//! (`proxy`, `weak_property`) are still built for their refusals (a `__slots__` class, a
//! mangled name, ...), but the rule turns every one it could build into "no fix": the
//! link may hold the only reference to its referent.

use tree_sitter::Node;

use super::scope::{definition_statement, Method};
use super::{collapse, Context, Link};
use crate::fix::{Applicability, Edit, Fix};
use crate::imports::{self, AddAs};
use crate::source::{line_indentation, statement_line_end};

/// How this file can write `weakref` at `use_at`, and the import to add when it cannot yet.
fn weakref_module(context: &Context, use_at: usize) -> Result<(String, Vec<Edit>), String> {
    imports::spell(context.file, "weakref", use_at, AddAs::Module)
}

/// `a.f = b` becomes `a.f = weakref.proxy(b)`.
pub(super) fn proxy<'a>(
    context: &Context<'a, '_>,
    scope: Node<'a>,
    closing: &Link<'a>,
) -> Result<Fix, String> {
    let value = context.text(closing.value);
    if !context.is_weakrefable_instance(scope, value) {
        return Err(format!(
            "cannot tell that `{value}` is an instance of a class that accepts weak references"
        ));
    }
    let (module, import) = weakref_module(context, closing.value.start_byte())?;
    let mut edits = vec![Edit::replace(
        closing.value.byte_range(),
        format!("{module}.proxy({value})"),
    )];
    edits.extend(import);
    let target = collapse(context.link_target_text(closing));
    Ok(Fix::new(
        format!(
            "Store a `weakref.proxy` of `{value}` in `{target}`, which then no longer keeps `{value}` alive"
        ),
        Applicability::Unsafe,
        edits,
    ))
}

/// `self.ATTR = P` is kept, and `ATTR` becomes a property that stores `weakref.ref(P)`.
pub(super) fn weak_property<'a>(
    context: &Context<'a, '_>,
    method: &Method<'a, 'a>,
    owning: &Link<'a>,
) -> Result<Fix, String> {
    let attribute = owning
        .attribute
        .ok_or("the link is not a plain attribute")?;
    let target = context.text(owning.value);
    let members = context.members(method.class);
    if members.has_slots {
        return Err(
            "the class defines `__slots__`, which has no room for the weak reference".into(),
        );
    }
    if members.functions.contains_key(attribute) {
        return Err(format!(
            "`{attribute}` is already a method or property of the class"
        ));
    }
    if members.attributes.contains(attribute) {
        return Err(format!(
            "`{attribute}` is already a class attribute or descriptor, which a property would replace"
        ));
    }
    if attribute.starts_with("__") {
        return Err(format!("`{attribute}` is a name-mangled private attribute"));
    }
    if members.deleted.contains(attribute) {
        return Err(format!(
            "the class deletes `{}.{attribute}`, which the property does not support",
            method.receiver
        ));
    }
    let private = format!("_{}_ref", attribute.trim_start_matches('_'));
    if context.text(method.class).contains(&private) {
        return Err(format!("the class already uses the name `{private}`"));
    }
    let host = members
        .first_assigner
        .get(attribute)
        .copied()
        .unwrap_or(method.function);
    let text = context.file.text;
    let newline = context.file.newline;
    let unit = context.file.indent_unit.as_str();
    let statement = definition_statement(host);
    let at = statement_line_end(text, statement.end_byte());
    let (module, import) = weakref_module(context, at)?;
    let outer = line_indentation(text, statement.start_byte());
    let inner = format!("{outer}{unit}");
    let lines = [
        String::new(),
        String::new(),
        format!("{outer}@property"),
        format!("{outer}def {attribute}(self):"),
        format!("{inner}ref = self.{private}"),
        format!("{inner}return None if ref is None else ref()"),
        String::new(),
        format!("{outer}@{attribute}.setter"),
        format!("{outer}def {attribute}(self, value):"),
        format!("{inner}self.{private} = None if value is None else {module}.ref(value)"),
    ];
    let property = lines[1..]
        .iter()
        .fold(String::new(), |out, line| out + newline + line);
    let mut edits = vec![Edit::insert(at, property)];
    edits.extend(import);
    Ok(Fix::new(
        format!(
            "Make `{attribute}` a property backed by `weakref.ref`, so `{}.{attribute}` no longer keeps `{target}` alive (it reads `None` once `{target}` is gone)",
            method.receiver
        ),
        Applicability::Unsafe,
        edits,
    ))
}

/// `self.error = e` becomes `self.error = e.with_traceback(None)`.
pub(super) fn without_traceback(used: Node, name: &str) -> Fix {
    Fix::new(
        format!(
            "Store `{name}` without its traceback (`{name}.with_traceback(None)`); a later re-raise of `{name}` loses the original stack"
        ),
        Applicability::Unsafe,
        vec![Edit::replace(
            used.byte_range(),
            format!("{name}.with_traceback(None)"),
        )],
    )
}
