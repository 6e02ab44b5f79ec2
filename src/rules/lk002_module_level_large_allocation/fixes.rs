//! LK002's fixes: release the name after its last use, or build the value on first use.

use tree_sitter::Node;

use super::module::{Module, Scope, Uses};
use crate::fix::{Applicability, Edit, Fix};
use crate::imports::{self, blank_lines_after, blank_lines_before, AddAs};
use crate::semantic::{contains_kind, expression_reads, statements};
use crate::settings::{PythonVersion, Settings};
use crate::source::{
    line_indentation, reindent, statement_line_end, statement_line_start, SourceFile,
};

pub(super) fn plan_fix<'a>(
    module: &Module<'_, 'a>,
    settings: &Settings,
    statement: Node<'a>,
    assignment: Node<'a>,
    name_node: Node<'a>,
    value: Node<'a>,
) -> Result<Fix, String> {
    let file = module.file;
    let name = file.node_text(name_node);
    if module.declared_global.contains(name) {
        return Err(format!(
            "a function declares `global {name}` and may rebind it"
        ));
    }
    if let Some(call) = module.dynamic_global_access() {
        let callee = call
            .child_by_field_name("function")
            .map_or("globals", |f| file.node_text(f));
        return Err(format!(
            "the file calls `{callee}()` (line {}), which can reach any module name",
            module.line(call)
        ));
    }
    let uses = module.uses(name);
    if let Some((class, _)) = uses.class_locals.first() {
        let class_name = class
            .child_by_field_name("name")
            .map_or("?", |n| file.node_text(n));
        return Err(format!(
            "the body of class `{class_name}` binds `{name}` too, so a read there may mean the global or the class attribute"
        ));
    }
    if let Some((class, _)) = uses.class_bodies.first() {
        let class_name = class
            .child_by_field_name("name")
            .map_or("?", |n| file.node_text(n));
        return Err(format!(
            "the body of class `{class_name}` reads it while the module is imported"
        ));
    }
    if uses.functions.is_empty() {
        let edit = plan_release(module, name, statement, &uses)?;
        Ok(Fix::new(
            format!("Delete `{name}` after its last use"),
            Applicability::Unsafe,
            vec![edit],
        ))
    } else {
        let edits = plan_lazy(
            module, settings, statement, assignment, name_node, value, &uses,
        )?;
        Ok(Fix::new(
            format!(
                "Build `{name}` on first use in a cached `_load_{name}()`, with a module `__getattr__` for importers"
            ),
            Applicability::Unsafe,
            edits,
        ))
    }
}

/// The `del NAME` edit, after the last statement of the binding's block that uses it.
fn plan_release<'a>(
    module: &Module<'_, 'a>,
    name: &str,
    statement: Node<'a>,
    uses: &Uses<'a>,
) -> Result<Edit, String> {
    let file = module.file;
    if module.exports(name) {
        return Err("it is listed in `__all__`".into());
    }
    if let Some(delete) = module.module_deletes(name).first() {
        return Err(format!(
            "it is already deleted at line {}, on a path this fix cannot follow",
            module.line(*delete)
        ));
    }
    // The block the `del` goes in: the binding's own, or one enclosing it through `with`
    // statements only, since every other compound statement may skip the binding.
    let mut block = statement.parent().ok_or("the statement has no parent")?;
    loop {
        let outside = uses
            .module
            .iter()
            .find(|u| !(block.start_byte() <= u.start_byte() && u.end_byte() <= block.end_byte()));
        let Some(outside) = outside else { break };
        let owner = block.parent().filter(|_| block.kind() == "block");
        match owner {
            Some(with) if with.kind() == "with_statement" => {
                block = with.parent().ok_or("the `with` statement has no parent")?;
            }
            Some(owner) => {
                return Err(format!(
                    "it is bound inside {} and used after it (line {}), where it may be unbound",
                    describe_compound(owner),
                    module.line(*outside)
                ))
            }
            None => return Err("its uses could not be placed in one block".into()),
        }
    }
    let in_loop = {
        let mut ancestor = statement.parent();
        let mut looped = false;
        while let Some(node) = ancestor {
            looped |= matches!(node.kind(), "for_statement" | "while_statement");
            ancestor = node.parent();
        }
        looped
    };
    if in_loop {
        if let Some(before) = uses
            .module
            .iter()
            .find(|u| u.start_byte() < statement.start_byte())
        {
            return Err(format!(
                "it is used before this binding (line {}) inside a loop",
                module.line(*before)
            ));
        }
    }
    let child_of_block = |node: Node<'a>| -> Option<Node<'a>> {
        let mut current = node;
        while let Some(parent) = current.parent() {
            if parent == block {
                return Some(current);
            }
            current = parent;
        }
        None
    };
    let mut last = child_of_block(statement).ok_or("the binding is not in its block")?;
    for node in &uses.module {
        if let Some(child) = child_of_block(*node) {
            if child.end_byte() > last.end_byte() {
                last = child;
            }
        }
    }
    Ok(del_after(file, last, name))
}

fn describe_compound(node: Node) -> &'static str {
    match node.kind() {
        "if_statement" | "elif_clause" | "else_clause" => "an `if`",
        "for_statement" => "a `for` loop",
        "while_statement" => "a `while` loop",
        "try_statement" | "except_clause" | "finally_clause" | "except_group_clause" => "a `try`",
        "match_statement" | "case_clause" => "a `match`",
        _ => "a compound statement",
    }
}

/// `del NAME` after `statement`: on a line of its own in the statement's indentation, or
/// after a `;` when the statement shares its line or sits in a one-line block.
fn del_after(file: &SourceFile, statement: Node, name: &str) -> Edit {
    let shares_line = statement
        .next_named_sibling()
        .filter(|next| !next.is_extra())
        .is_some_and(|next| next.start_position().row == statement.end_position().row);
    let one_line_block = statement.parent().is_some_and(|block| {
        block.kind() == "block"
            && block
                .parent()
                .is_some_and(|owner| owner.start_position().row == block.start_position().row)
    });
    if shares_line || one_line_block {
        return Edit::insert(statement.end_byte(), format!("; del {name}"));
    }
    let indent = line_indentation(file.text, statement.start_byte());
    Edit::insert(
        statement_line_end(file.text, statement.end_byte()),
        format!("{}{indent}del {name}", file.newline),
    )
}

/// The edits that build the value in a cached loader instead, or why there are none.
fn plan_lazy<'a>(
    module: &Module<'_, 'a>,
    settings: &Settings,
    statement: Node<'a>,
    assignment: Node<'a>,
    name_node: Node<'a>,
    value: Node<'a>,
    uses: &Uses<'a>,
) -> Result<Vec<Edit>, String> {
    let file = module.file;
    let name = file.node_text(name_node);
    let newline = file.newline;
    let unit = file.indent_unit.as_str();
    let read_by = {
        let first = uses.functions[0];
        let function = match module.scope_of(first) {
            Scope::Function(f) if f.kind() == "function_definition" => f
                .child_by_field_name("name")
                .map(|n| format!("`{}`", file.node_text(n))),
            _ => None,
        };
        function.unwrap_or_else(|| format!("a function (line {})", module.line(first)))
    };
    let prefix = format!("{read_by} reads it, and ");
    if statement.parent().is_none_or(|p| p.kind() != "module") {
        return Err(format!(
            "{prefix}it is bound inside a compound statement, which a loader cannot reproduce"
        ));
    }
    if module.module_binding_counts.get(name) != Some(&1) {
        return Err(format!("{prefix}it is rebound at module level"));
    }
    if module.deleted.contains(name) {
        return Err(format!("{prefix}it is deleted with `del`"));
    }
    if module.comprehension_bound.contains(name) {
        return Err(format!(
            "{prefix}a comprehension binds `{name}` too, so not every `{name}` means the global"
        ));
    }
    if let Some(other) = uses.module.iter().find(|u| **u != name_node) {
        let verb = if is_mutation(*other) {
            "mutates"
        } else {
            "reads"
        };
        return Err(format!(
            "{prefix}module-level code {verb} it (line {}), so it would still be built at import",
            module.line(*other)
        ));
    }
    if let Some(read) = uses.functions.iter().find(|u| {
        u.parent()
            .is_some_and(|p| matches!(p.kind(), "delete_statement" | "expression_list"))
    }) {
        return Err(format!(
            "{prefix}a function deletes or unpacks it (line {})",
            module.line(*read)
        ));
    }
    let relaxed_decorators = PythonVersion { major: 3, minor: 9 };
    if settings.target_version < relaxed_decorators {
        // Before Python 3.9 (PEP 614) a decorator is a dotted name, optionally called:
        // `@NAME` may become `@_load_NAME()`, but `@NAME.register` may not.
        if let Some(read) = uses.functions.iter().find(|u| {
            let mut ancestor = u.parent();
            while let Some(node) = ancestor {
                if node.kind() == "decorator" {
                    return node.named_child(0) != Some(**u);
                }
                ancestor = node.parent();
            }
            false
        }) {
            return Err(format!(
                "{prefix}a decorator reads it (line {}), and before Python 3.9 a decorator cannot hold a call followed by more",
                module.line(*read)
            ));
        }
    }
    if let Some(read) = uses.functions.iter().find(|u| in_match_pattern(**u)) {
        return Err(format!(
            "{prefix}a `match` pattern reads it (line {}), where a call cannot stand",
            module.line(*read)
        ));
    }
    if let Some(read) = uses.functions.iter().find(|u| {
        u.parent().is_some_and(|p| {
            let mut cursor = p.walk();
            let shows_name =
                p.kind() == "interpolation" && p.children(&mut cursor).any(|c| c.kind() == "=");
            shows_name
        })
    }) {
        return Err(format!(
            "{prefix}an f-string prints its name with `=` (line {})",
            module.line(*read)
        ));
    }
    if contains_kind(value, "named_expression") {
        return Err(format!(
            "{prefix}the value contains `:=`, which would bind inside the loader instead"
        ));
    }
    if let Some(unstable) = expression_reads(file, value).into_iter().find(|read| {
        module
            .module_binding_counts
            .get(read)
            .is_some_and(|n| *n > 1)
            || module.deleted.contains(read)
            || module.declared_global.contains(read)
    }) {
        return Err(format!(
            "{prefix}the value reads `{unstable}`, which is rebound or deleted at module level, so a loader could see another value"
        ));
    }
    let shares_line = |sibling: Option<Node>, row: usize| {
        sibling
            .filter(|s| !s.is_extra())
            .is_some_and(|s| s.start_position().row == row || s.end_position().row == row)
    };
    if shares_line(
        statement.prev_named_sibling(),
        statement.start_position().row,
    ) || shares_line(statement.next_named_sibling(), statement.end_position().row)
    {
        return Err(format!("{prefix}it shares a line with another statement"));
    }
    let loader = format!("_load_{name}");
    if module.bindings.is_bound(&loader) {
        return Err(format!("{prefix}`{loader}` is already bound in this file"));
    }

    let mut edits = Vec::new();
    let cache_version = PythonVersion { major: 3, minor: 9 };
    let (qualified, arguments) = if settings.target_version >= cache_version {
        ("functools.cache", "")
    } else {
        ("functools.lru_cache", "(maxsize=None)")
    };
    let decorator = match imports::spell(file, qualified, statement.start_byte(), AddAs::Module) {
        Ok((written, import)) => {
            edits.extend(import);
            format!("@{written}{arguments}")
        }
        Err(reason) => return Err(format!("{prefix}{reason}")),
    };
    // An annotated name keeps its annotation as a bare `NAME: T`, which binds nothing
    // (so `__getattr__` still serves it) but keeps the module's `__annotations__` and
    // `typing.get_type_hints` as they were; the loader returns the same type.
    let (declaration, annotation) = match assignment.child_by_field_name("type") {
        Some(t) => (
            format!("{name}: {}{newline}{newline}{newline}", file.node_text(t)),
            format!(" -> {}", file.node_text(t)),
        ),
        None => (String::new(), String::new()),
    };
    let body = reindent(file, value, unit);
    // PEP 8's two blank lines around the new top-level `def` (a bare annotation stays
    // where the assignment was, the `def` two blank lines below it). A loader next to
    // another asks for the same gap with the same edit, which is applied once.
    if declaration.is_empty() {
        edits.extend(blank_lines_before(file, statement.start_byte(), 2));
    }
    edits.extend(blank_lines_after(file, statement.end_byte(), 2));
    edits.push(Edit::replace(
        statement.byte_range(),
        format!(
            "{declaration}{decorator}{newline}def {loader}(){annotation}:{newline}{unit}return {body}"
        ),
    ));
    for read in &uses.functions {
        edits.push(Edit::replace(read.byte_range(), format!("{loader}()")));
    }
    let branch = |indent: &str| {
        format!("{indent}if name == \"{name}\":{newline}{indent}{unit}return {loader}(){newline}")
    };
    match module_getattr(module)? {
        Some(raise) => {
            let indent = line_indentation(file.text, raise.start_byte());
            edits.push(Edit::insert(
                statement_line_start(file.text, raise.start_byte()),
                branch(indent),
            ));
        }
        None => {
            // Written by replacing one fixed character (never a pure insertion), so that a
            // second lazy fix in the same pass overlaps this one and waits for the next
            // pass, where it extends this `__getattr__` instead of defining another.
            let text = file.text;
            let ends_with_newline = text.ends_with('\n');
            let definition = format!(
                "def __getattr__(name):{newline}{}{unit}raise {MISSING_ATTRIBUTE}",
                branch(unit)
            );
            let appended = if ends_with_newline {
                format!("{newline}{newline}{definition}{newline}")
            } else {
                format!("{newline}{newline}{newline}{definition}")
            };
            // Before a top-level `if __name__ == "__main__":` block, so that the script
            // part still comes last; its first byte is the anchor.
            let main_block = statements(file.tree.root_node()).into_iter().find(|s| {
                s.kind() == "if_statement"
                    && s.child_by_field_name("condition")
                        .is_some_and(|c| module.is_main_guard(c))
            });
            if let Some(main_block) = main_block {
                let at = main_block.start_byte();
                if let Some(gap) = blank_lines_before(file, at, 2) {
                    if !edits.contains(&gap) {
                        edits.push(gap);
                    }
                }
                edits.push(Edit::replace(
                    at..at + 1,
                    format!(
                        "{definition}{newline}{newline}{newline}{}",
                        &text[at..at + 1]
                    ),
                ));
                return Ok(edits);
            }
            let last = text.chars().next_back().ok_or("the file is empty")?;
            let tail = text.len() - last.len_utf8();
            match edits
                .iter_mut()
                .find(|e| e.range.end == text.len() && e.range.start <= tail && !e.range.is_empty())
            {
                Some(edit) => edit.content.push_str(&appended),
                None => edits.push(Edit::replace(tail..text.len(), format!("{last}{appended}"))),
            }
        }
    }
    Ok(edits)
}

/// What the module `__getattr__` this rule writes raises for any other name: the message
/// Python itself gives for a missing module attribute.
const MISSING_ATTRIBUTE: &str =
    "AttributeError(f\"module {__name__!r} has no attribute {name!r}\")";

/// The `raise` that ends a module `__getattr__` this rule wrote before, to add a branch
/// in front of; `None` when the module has no `__getattr__`; an error for any other.
fn module_getattr<'a>(module: &Module<'_, 'a>) -> Result<Option<Node<'a>>, String> {
    let file = module.file;
    if !module.module_binding_counts.contains_key("__getattr__") {
        return Ok(None);
    }
    let declined = Err("the module already defines its own `__getattr__`".to_string());
    if module.module_binding_counts.get("__getattr__") != Some(&1) {
        return declined;
    }
    let Some(function) = statements(file.tree.root_node()).into_iter().find(|s| {
        s.kind() == "function_definition"
            && s.child_by_field_name("name")
                .is_some_and(|n| file.node_text(n) == "__getattr__")
    }) else {
        return declined;
    };
    let parameters = function
        .child_by_field_name("parameters")
        .map(|p| file.node_text(p));
    let Some(body) = function.child_by_field_name("body") else {
        return declined;
    };
    let body = statements(body);
    let Some((raise, branches)) = body.split_last() else {
        return declined;
    };
    let generated = parameters == Some("(name)")
        && raise.kind() == "raise_statement"
        && file.node_text(*raise) == format!("raise {MISSING_ATTRIBUTE}")
        && branches.iter().all(|branch| {
            let text: String = file
                .node_text(*branch)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            branch.kind() == "if_statement"
                && text.starts_with("if name == \"")
                && text.contains(": return _load_")
                && text.ends_with("()")
        });
    if generated {
        Ok(Some(*raise))
    } else {
        declined
    }
}

/// Whether an identifier sits in a `match` pattern (`case NAME.attr:`), where only
/// dotted names may stand, not calls.
fn in_match_pattern(node: Node) -> bool {
    let mut current = node.parent();
    while let Some(parent) = current {
        match parent.kind() {
            "case_pattern" => return true,
            "case_clause" | "block" | "module" => return false,
            _ => current = parent.parent(),
        }
    }
    false
}

/// Whether a module-level occurrence changes the object: `NAME[i] = x`, `NAME.a = x`,
/// `NAME += x`, `del NAME[i]`, `NAME.append(x)`.
fn is_mutation(occurrence: Node) -> bool {
    let Some(parent) = occurrence.parent() else {
        return false;
    };
    let assigned = |node: Node| {
        node.parent().is_some_and(|p| {
            matches!(p.kind(), "assignment" | "augmented_assignment")
                && p.child_by_field_name("left") == Some(node)
                || p.kind() == "delete_statement"
        })
    };
    match parent.kind() {
        "subscript" | "attribute" => {
            assigned(parent)
                || parent.kind() == "attribute"
                    && parent.parent().is_some_and(|p| {
                        p.kind() == "call" && p.child_by_field_name("function") == Some(parent)
                    })
        }
        "augmented_assignment" => parent.child_by_field_name("left") == Some(occurrence),
        _ => false,
    }
}
