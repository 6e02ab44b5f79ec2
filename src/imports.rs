//! The imported names a fix writes (`weakref.ref`, `functools.cache`, `Optional`), and
//! the import it adds when the module cannot be trusted to have one yet.
//!
//! An existing import counts only when it binds the name at module level,
//! unconditionally, before the fix's code uses it: an import inside
//! `if __name__ == "__main__":`, `if TYPE_CHECKING:`, a `try`, a `with`, a function or a
//! class may not have run when the fix's code does. Every rule that writes an imported
//! name asks [`spell`]; a new import goes where a person would put it
//! ([`import_edit`]), and a new top-level `def` gets PEP 8's blank lines
//! ([`blank_lines_before`], [`blank_lines_after`]).

use tree_sitter::Node;

use crate::fix::Edit;
use crate::semantic::{is_docstring, statements, visit_bindings, Binding};
use crate::source::{line_end, line_start, previous_line_start, statement_line_end, SourceFile};

/// How a missing import is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddAs {
    /// `import functools`, then `functools.cache` (`import weakref` for a module).
    Module,
    /// `from typing import Optional`, then `Optional`.
    Member,
}

/// How the fix's code writes `qualified` (a module, `weakref`, or a module's member,
/// `typing.Optional`) at byte offset `use_at`, and the edit that adds the import it needs
/// when no module-level, unconditional import before `use_at` binds it. An error when
/// the name the new import would bind already names something else in the file.
pub fn spell(
    file: &SourceFile,
    qualified: &str,
    use_at: usize,
    add: AddAs,
) -> Result<(String, Vec<Edit>), String> {
    let bindings = file.bindings();
    let (module, member) = match qualified.rsplit_once('.') {
        Some((module, member)) => (module, Some(member)),
        None => (qualified, None),
    };
    // Locals bound only by importing the wanted object (`from typing import Optional as
    // O`) or its module (`import typing as t`) anywhere in the file, and by such an
    // import among the module's own statements before the use.
    let mut direct: Vec<String> = Vec::new();
    let mut through_module: Vec<String> = Vec::new();
    let deleted = deleted_names(file);
    for (local, imported) in unconditional_imports(file, use_at) {
        // A `del` of it anywhere counts (`del x` binds `x`, so the regions parse it).
        file.look_up(local);
        if deleted.contains(&local) {
            continue;
        }
        if member.is_some() && imported == qualified && bindings.is_import_of(local, qualified) {
            direct.push(local.to_string());
        } else if imported == module && bindings.is_import_of(local, module) {
            through_module.push(local.to_string());
        }
    }
    let prefer = |locals: &mut Vec<String>, name: &str| {
        locals.sort_by_key(|local| (local != name, local.clone()));
        locals.first().cloned()
    };
    if let Some(member) = member {
        if let Some(local) = prefer(&mut direct, member) {
            return Ok((local, Vec::new()));
        }
        if let Some(local) = prefer(&mut through_module, module) {
            return Ok((format!("{local}.{member}"), Vec::new()));
        }
    } else if let Some(local) = prefer(&mut through_module, module) {
        return Ok((local, Vec::new()));
    }
    match (member, add) {
        (Some(member), AddAs::Member) => {
            if bindings.is_bound(member) && !bindings.is_import_of(member, qualified) {
                return Err(format!("`{member}` names something else in this file"));
            }
            if deleted.contains(&member) {
                return Err(format!("the file deletes `{member}` with `del`"));
            }
            Ok((
                member.to_string(),
                from_import_edit(file, module, member, use_at),
            ))
        }
        _ => {
            let head = module.split('.').next().unwrap_or(module);
            if bindings.is_bound(head) && !bindings.is_import_of(head, head) {
                return Err(format!("`{head}` names something else in this file"));
            }
            if deleted.contains(&head) {
                return Err(format!("the file deletes `{head}` with `del`"));
            }
            let written = match member {
                Some(member) => format!("{module}.{member}"),
                None => module.to_string(),
            };
            Ok((
                written,
                import_edit(file, &format!("import {module}"), use_at),
            ))
        }
    }
}

/// The names a `del` anywhere in the file deletes (`del weakref`): an import of such a
/// name may be gone when the fix's code runs.
fn deleted_names<'a>(file: &SourceFile<'a>) -> Vec<&'a str> {
    let mut deleted = Vec::new();
    let mut stack = vec![file.tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "delete_statement" {
            let mut targets = vec![node];
            while let Some(target) = targets.pop() {
                let mut cursor = target.walk();
                for child in target.named_children(&mut cursor) {
                    match child.kind() {
                        "identifier" => deleted.push(file.node_text(child)),
                        "expression_list" | "tuple" | "list" | "parenthesized_expression" => {
                            targets.push(child)
                        }
                        _ => {}
                    }
                }
            }
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    deleted
}

/// `(local, qualified)` for every name an import among the module's own statements
/// (not nested in any block) binds, for the imports that end before `use_at`.
fn unconditional_imports<'a>(file: &SourceFile<'a>, use_at: usize) -> Vec<(&'a str, String)> {
    let mut found = Vec::new();
    for statement in statements(file.tree.root_node()) {
        if statement.end_byte() > use_at {
            break;
        }
        if !matches!(
            statement.kind(),
            "import_statement" | "import_from_statement"
        ) {
            continue;
        }
        visit_bindings(file, statement, false, &mut |binding| {
            if let Binding::Import { local, qualified } = binding {
                found.push((local, qualified));
            }
        });
    }
    found
}

/// `from MODULE import NAME`: merged into a one-line, module-level
/// `from MODULE import ...` before `use_at` when the line stays short, else a line of
/// its own, right after such a statement or else in the import block.
fn from_import_edit(file: &SourceFile, module: &str, name: &str, use_at: usize) -> Vec<Edit> {
    let line = format!("from {module} import {name}");
    let existing = statements(file.tree.root_node())
        .into_iter()
        .take_while(|s| s.end_byte() <= use_at)
        .filter(|s| {
            s.kind() == "import_from_statement"
                && s.child_by_field_name("module_name")
                    .is_some_and(|m| file.node_text(m) == module)
        })
        .last();
    let Some(existing) = existing else {
        return import_edit(file, &line, use_at);
    };
    let mut cursor = existing.walk();
    let names: Vec<Node> = existing
        .children_by_field_name("name", &mut cursor)
        .collect();
    let text = file.node_text(existing);
    let one_line = !text.contains(['\n', '\r', '(', '\\', '#', ';']);
    let width = existing.start_position().column + text.chars().count() + name.len() + 2;
    let edit = match names.last() {
        Some(last) if one_line && width <= 88 => Edit::insert(last.end_byte(), format!(", {name}")),
        _ => Edit::insert(
            statement_line_end(file.text, existing.end_byte()),
            format!("{}{line}", file.newline),
        ),
    };
    vec![edit]
}

/// An edit that adds the import statement `line` (`import weakref`) to the module's
/// import block: after the last import of the leading run of docstring, `from
/// __future__` imports, module dunders (`__all__ = ...`) and imports; or, with no import
/// there, after the docstring, `__future__` imports and dunders, one blank line apart;
/// or, with none of them, at the top below leading comments. The lines after it keep
/// (or get) the blank lines PEP 8 wants: two before a `def` or `class` (or before the
/// statement holding `use_at`, which the fix may turn into one), one otherwise; the
/// edit adding them is the one [`blank_lines_before`] makes, so that a fix asking for
/// the same gap adds it once.
pub fn import_edit(file: &SourceFile, line: &str, use_at: usize) -> Vec<Edit> {
    let newline = file.newline;
    let top = statements(file.tree.root_node());
    let mut last_import: Option<Node> = None;
    let mut last_header: Option<Node> = None;
    for (index, statement) in top.iter().enumerate() {
        match statement.kind() {
            "import_statement" | "import_from_statement" => last_import = Some(*statement),
            "future_import_statement" => last_header = Some(*statement),
            _ if (index == 0 && is_docstring(file, *statement))
                || is_dunder_assignment(file, *statement) =>
            {
                last_header = Some(*statement)
            }
            _ => break,
        }
    }
    if let Some(last) = last_import {
        return vec![Edit::insert(
            statement_line_end(file.text, last.end_byte()),
            format!("{newline}{line}"),
        )];
    }
    let next = top
        .iter()
        .find(|s| last_header.is_none_or(|h| s.start_byte() > h.start_byte()));
    // A fix that adds a top-level `def` (LK002's module `__getattr__`) writes it in front
    // of an `if __name__ == "__main__":` block, so that block's gap is a `def`'s too.
    let wanted_after: usize = if next.is_some_and(|n| {
        is_definition(*n) || n.byte_range().contains(&use_at) || is_main_block(file, *n)
    }) {
        2
    } else {
        1
    };
    if let Some(header) = last_header {
        let at = statement_line_end(file.text, header.end_byte());
        let mut edits = vec![Edit::insert(at, format!("{newline}{newline}{line}"))];
        edits.extend(next.and_then(|n| blank_lines_before(file, n.start_byte(), wanted_after)));
        return edits;
    }
    // At the top, right above the first statement: below a shebang, coding line,
    // licence and any other leading comment.
    let Some(first) = next else {
        let at = file.text.len();
        let before = if file.text.is_empty() || file.text.ends_with(['\n', '\r']) {
            ""
        } else {
            newline
        };
        return vec![Edit::insert(at, format!("{before}{line}{newline}"))];
    };
    let at = crate::source::statement_line_start(file.text, first.start_byte());
    vec![Edit::insert(
        at,
        format!("{line}{}", newline.repeat(1 + wanted_after)),
    )]
}

/// An `if` at module level whose condition reads `__name__`: the script part, in front
/// of which fixes put new definitions.
fn is_main_block(file: &SourceFile, statement: Node) -> bool {
    statement.kind() == "if_statement"
        && statement
            .child_by_field_name("condition")
            .is_some_and(|c| file.node_text(c).contains("__name__"))
}

/// `__all__ = ...`, `__author__: str = ...`, `__all__ += ...` at module level.
fn is_dunder_assignment(file: &SourceFile, statement: Node) -> bool {
    if statement.kind() != "expression_statement" || statement.named_child_count() != 1 {
        return false;
    }
    let Some(assignment) = statement
        .named_child(0)
        .filter(|a| matches!(a.kind(), "assignment" | "augmented_assignment"))
    else {
        return false;
    };
    assignment
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")
        .is_some_and(|l| {
            let name = file.node_text(l);
            name.len() > 4 && name.starts_with("__") && name.ends_with("__")
        })
}

/// A `def`, `class` or decorated one: PEP 8 wants two blank lines around it at module
/// level.
pub fn is_definition(statement: Node) -> bool {
    matches!(
        statement.kind(),
        "function_definition" | "class_definition" | "decorated_definition"
    )
}

/// An edit adding the blank lines missing before the top-level statement starting at
/// `start` (above the comment lines attached to it), for `wanted` in all; none at the
/// top of the file or when there are enough. Two fixes asking for the same gap compute
/// the same edit, which is applied once.
pub fn blank_lines_before(file: &SourceFile, start: usize, wanted: usize) -> Option<Edit> {
    let at = attached_comments_start(file.text, line_start(file.text, start));
    if file.text[..at].trim().is_empty() {
        return None;
    }
    let above = previous_line_start(file.text, at);
    let mut blank = 0;
    let mut line = above;
    while let Some(start) = line {
        if !file.text[start..line_end(file.text, start)]
            .trim()
            .is_empty()
        {
            break;
        }
        blank += 1;
        line = previous_line_start(file.text, start);
    }
    (blank < wanted).then(|| Edit::insert(at, file.newline.repeat(wanted - blank)))
}

/// An edit adding the blank lines missing after the top-level statement ending at `end`
/// before what follows it, for `wanted` in all; none at the end of the file. The same
/// edit as [`blank_lines_before`] computes for the next statement.
pub fn blank_lines_after(file: &SourceFile, end: usize, wanted: usize) -> Option<Edit> {
    let mut at = next_line_start(file.text, statement_line_end(file.text, end))?;
    let mut blank = 0;
    while file.text[at..line_end(file.text, at)].trim().is_empty() {
        blank += 1;
        at = next_line_start(file.text, at)?;
    }
    (blank < wanted).then(|| Edit::insert(at, file.newline.repeat(wanted - blank)))
}

/// The start of the line after the one holding `offset`, if there is one.
fn next_line_start(text: &str, offset: usize) -> Option<usize> {
    let end = line_end(text, offset);
    if end == text.len() {
        return None;
    }
    Some(
        end + if text[end..].starts_with("\r\n") {
            2
        } else {
            1
        },
    )
}

/// The start of the run of comment lines directly above the line starting at `start`
/// (no blank line between), or `start`.
fn attached_comments_start(text: &str, start: usize) -> usize {
    let mut at = line_start(text, start);
    while let Some(previous) = previous_line_start(text, at) {
        let line = text[previous..line_end(text, previous)].trim_start();
        if !line.starts_with('#') {
            break;
        }
        at = previous;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_fixes;
    use crate::fix::{Applicability, Fix};

    fn with_file<T>(text: &str, f: impl FnOnce(&SourceFile) -> T) -> T {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(text, None).unwrap();
        let file = SourceFile::new(text, &tree);
        f(&file)
    }

    /// The spelling of `qualified` at the first `USE` in `text`, and the text with the
    /// import edits applied.
    fn spelled(text: &str, qualified: &str, add: AddAs) -> Result<(String, String), String> {
        let use_at = text.find("USE").expect("a USE marker");
        with_file(text, |file| {
            let (written, edits) = spell(file, qualified, use_at, add)?;
            let fix = Fix::new("import", Applicability::Safe, edits);
            Ok((written, apply_fixes(text, &[&fix]).text))
        })
    }

    #[test]
    fn only_module_level_unconditional_imports_before_the_use_count() {
        let text = "import os\n\nif __name__ == \"__main__\":\n    import weakref\n\nUSE = 1\n";
        let (written, fixed) = spelled(text, "weakref", AddAs::Module).unwrap();
        assert_eq!(written, "weakref");
        assert!(fixed.starts_with("import os\nimport weakref\n\nif __name__"));
        for guarded in [
            "try:\n    import weakref\nexcept ImportError:\n    pass\nUSE = 1\n",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import weakref\nUSE = 1\n",
            "def f():\n    import weakref\nUSE = 1\n",
            "USE = 1\nimport weakref\n",
        ] {
            let (_, fixed) = spelled(guarded, "weakref", AddAs::Module).unwrap();
            assert_ne!(fixed, guarded, "{guarded:?}: an import is added");
        }
        let (written, fixed) =
            spelled("import weakref as wr\nUSE = 1\n", "weakref", AddAs::Module).unwrap();
        assert_eq!(
            (written.as_str(), fixed.as_str()),
            ("wr", "import weakref as wr\nUSE = 1\n")
        );
    }

    #[test]
    fn members_are_spelled_through_the_module_or_imported() {
        let (written, _) =
            spelled("import typing\nUSE = 1\n", "typing.Optional", AddAs::Member).unwrap();
        assert_eq!(written, "typing.Optional");
        let (written, fixed) = spelled(
            "from typing import List\nUSE = 1\n",
            "typing.Optional",
            AddAs::Member,
        )
        .unwrap();
        assert_eq!(written, "Optional");
        assert_eq!(fixed, "from typing import List, Optional\nUSE = 1\n");
        let (written, fixed) = spelled(
            "\"\"\"Doc.\"\"\"\n\n\ndef f():\n    USE\n",
            "functools.cache",
            AddAs::Module,
        )
        .unwrap();
        assert_eq!(written, "functools.cache");
        assert_eq!(
            fixed,
            "\"\"\"Doc.\"\"\"\n\nimport functools\n\n\ndef f():\n    USE\n"
        );
        assert!(spelled("Optional = 3\nUSE = 1\n", "typing.Optional", AddAs::Member).is_err());
        assert!(spelled("weakref = None\nUSE = 1\n", "weakref", AddAs::Module).is_err());
        assert!(spelled(
            "import weakref\ndel weakref\nUSE = 1\n",
            "weakref",
            AddAs::Module
        )
        .is_err());
    }

    #[test]
    fn a_new_import_goes_after_future_imports_and_dunders() {
        let text = "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n__all__ = [\"f\"]\n__docformat__ = \"x\"\n\n\ndef f():\n    USE\n";
        let (_, fixed) = spelled(text, "weakref", AddAs::Module).unwrap();
        assert_eq!(
            fixed,
            "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n__all__ = [\"f\"]\n__docformat__ = \"x\"\n\nimport weakref\n\n\ndef f():\n    USE\n"
        );
        let bare = "# licence\nclass C:\n    USE = 1\n";
        let (_, fixed) = spelled(bare, "weakref", AddAs::Module).unwrap();
        assert_eq!(
            fixed,
            "# licence\nimport weakref\n\n\nclass C:\n    USE = 1\n"
        );
    }

    #[test]
    fn blank_lines_before_and_after_ask_for_the_same_gap_with_the_same_edit() {
        let text = "x = 1\n# about y\ny = 2\nz = 3\n";
        with_file(text, |file| {
            let y = text.find("y = 2").unwrap();
            let before = blank_lines_before(file, y, 2).unwrap();
            assert_eq!(before, Edit::insert(text.find("# about").unwrap(), "\n\n"));
            let x_end = "x = 1".len();
            assert_eq!(blank_lines_after(file, x_end, 2), Some(before));
            assert_eq!(blank_lines_before(file, 0, 2), None);
            assert_eq!(blank_lines_after(file, text.len() - 1, 2), None);
        });
    }
}
