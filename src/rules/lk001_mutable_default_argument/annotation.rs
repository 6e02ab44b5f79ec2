//! LK001's annotation edits: an annotation `T` of a parameter whose default becomes
//! `None` must admit `None`; and the read-only annotations that make a mutable default
//! harmless.

use tree_sitter::Node;

use crate::fix::Edit;
use crate::imports::{self, AddAs};
use crate::semantic::FileBindings;
use crate::settings::Settings;
use crate::source::SourceFile;

/// Edits that make the annotation admit `None`, or none when it already does.
pub(super) fn annotation_edits(
    file: &SourceFile,
    settings: &Settings,
    annotation: Node,
) -> Result<Vec<Edit>, String> {
    let expression = annotation.named_child(0).unwrap_or(annotation);
    if admits_none(file, expression) {
        return Ok(Vec::new());
    }
    let range = annotation.byte_range();
    // `X | None` only where the running Python can evaluate it: `from __future__ import
    // annotations` keeps the annotation a string, but `typing.get_type_hints` (and every
    // library built on it) still evaluates it, and fails below 3.10.
    if settings.target_version.has_union_operator() {
        if expression.kind() == "string" {
            // `"Foo" | None` fails at run time; the union goes inside the quotes.
            if let Some(end) = single_string_end(expression) {
                return Ok(vec![Edit::insert(end, " | None")]);
            }
        } else {
            let loose = matches!(
                expression.kind(),
                "conditional_expression"
                    | "lambda"
                    | "boolean_operator"
                    | "not_operator"
                    | "comparison_operator"
            );
            return Ok(if loose {
                vec![
                    Edit::insert(range.start, "("),
                    Edit::insert(range.end, ") | None"),
                ]
            } else {
                vec![Edit::insert(range.end, " | None")]
            });
        }
    }
    let mut edits = Vec::new();
    let (optional, import) = imports::spell(file, "typing.Optional", range.start, AddAs::Member)
        .map_err(|reason| format!("{reason}, so the annotation cannot admit `None`"))?;
    edits.extend(import);
    edits.push(Edit::insert(range.start, format!("{optional}[")));
    edits.push(Edit::insert(range.end, "]"));
    Ok(edits)
}

/// Where the closing quote of a plain (not f-, not concatenated) string starts.
fn single_string_end(string: Node) -> Option<usize> {
    let mut cursor = string.walk();
    let parts: Vec<Node> = string.named_children(&mut cursor).collect();
    let plain = parts
        .iter()
        .all(|p| matches!(p.kind(), "string_start" | "string_content" | "string_end"));
    let end = parts.iter().find(|p| p.kind() == "string_end")?;
    plain.then(|| end.start_byte())
}

fn admits_none(file: &SourceFile, node: Node) -> bool {
    let last_segment = |n: Node| {
        file.node_text(n)
            .rsplit('.')
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    };
    match node.kind() {
        "none" => true,
        // `list[int] | None` in an annotation: tree-sitter's `union_type`.
        "union_type" => {
            let mut cursor = node.walk();
            let any = node
                .named_children(&mut cursor)
                .any(|side| admits_none(file, side));
            any
        }
        "type" | "parenthesized_expression" => node
            .named_child(0)
            .is_some_and(|inner| admits_none(file, inner)),
        "binary_operator" => {
            let operator = node
                .child_by_field_name("operator")
                .map(|o| file.node_text(o));
            operator == Some("|")
                && [
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ]
                .into_iter()
                .flatten()
                .any(|side| admits_none(file, side))
        }
        "identifier" | "attribute" => {
            matches!(last_segment(node).as_str(), "Any" | "object" | "None")
        }
        "generic_type" | "subscript" => {
            let head = node
                .child_by_field_name("value")
                .or_else(|| node.named_child(0));
            let Some(head) = head else { return false };
            match last_segment(head).as_str() {
                "Optional" => true,
                "Union" => {
                    let mut cursor = node.walk();
                    let arguments: Vec<Node> = node.named_children(&mut cursor).skip(1).collect();
                    arguments
                        .into_iter()
                        .any(|argument| admits_none_in(file, argument))
                }
                _ => false,
            }
        }
        "string" => {
            let inner = file.node_text(node);
            ["None", "Optional", "Any"].iter().any(|word| {
                inner.match_indices(word).any(|(i, _)| {
                    let before = inner[..i]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !c.is_alphanumeric() && c != '_');
                    let after = inner[i + word.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric() && c != '_');
                    before && after
                })
            })
        }
        _ => false,
    }
}

/// `admits_none` over the members of a `Union[...]` argument list.
fn admits_none_in(file: &SourceFile, node: Node) -> bool {
    if admits_none(file, node) {
        return true;
    }
    if matches!(
        node.kind(),
        "type_parameter" | "tuple" | "expression_list" | "type"
    ) {
        let mut cursor = node.walk();
        let members: Vec<Node> = node.named_children(&mut cursor).collect();
        return members
            .into_iter()
            .any(|member| admits_none_in(file, member));
    }
    false
}

/// The read-only collection interfaces: a parameter annotated with one promises not to
/// change its argument, so a shared default does not grow (ruff skips these too).
const READ_ONLY: &[&str] = &[
    "Sequence",
    "Mapping",
    "AbstractSet",
    "Collection",
    "Iterable",
    "Container",
];

/// Whether the annotation is a read-only interface from `typing` or `collections.abc`,
/// bare or subscripted (`Sequence[int]`), or an `Optional`/`Union`/`| None` of them.
pub(super) fn is_read_only(file: &SourceFile, bindings: &FileBindings, annotation: Node) -> bool {
    let expression = if annotation.kind() == "type" {
        annotation.named_child(0).unwrap_or(annotation)
    } else {
        annotation
    };
    read_only_or_none(file, bindings, expression, false)
}

fn read_only_or_none(
    file: &SourceFile,
    bindings: &FileBindings,
    node: Node,
    none_ok: bool,
) -> bool {
    let qualified = |node: Node| bindings.resolve(file, node).unwrap_or_default();
    let is_interface = |qualified: &str| {
        ["typing.", "collections.abc.", "typing_extensions."]
            .iter()
            .filter_map(|module| qualified.strip_prefix(module))
            .any(|member| READ_ONLY.contains(&member))
    };
    match node.kind() {
        "none" => none_ok,
        "type" | "parenthesized_expression" => node
            .named_child(0)
            .is_some_and(|inner| read_only_or_none(file, bindings, inner, none_ok)),
        "identifier" | "attribute" => is_interface(&qualified(node)),
        // A forward reference: `"Sequence[int]"`, `"abc.Mapping"`.
        "string" if single_string_end(node).is_some() => {
            let text = file.node_text(node);
            let inner = text.trim_matches(|c| c == '"' || c == '\'');
            let head = inner.split('[').next().unwrap_or(inner);
            bindings
                .resolve_dotted(head)
                .is_some_and(|q| is_interface(&q))
        }
        "binary_operator" => {
            let operator = node
                .child_by_field_name("operator")
                .map(|o| file.node_text(o));
            operator == Some("|")
                && [
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ]
                .into_iter()
                .all(|side| side.is_some_and(|side| read_only_or_none(file, bindings, side, true)))
                && contains_read_only(file, bindings, node)
        }
        "generic_type" | "subscript" => {
            let Some(head) = node
                .child_by_field_name("value")
                .or_else(|| node.named_child(0))
            else {
                return false;
            };
            let head = qualified(head);
            if is_interface(&head) {
                return true;
            }
            let arguments = type_arguments(node);
            match head.as_str() {
                "typing.Optional" => {
                    arguments.len() == 1 && read_only_or_none(file, bindings, arguments[0], true)
                }
                "typing.Union" => {
                    !arguments.is_empty()
                        && arguments
                            .iter()
                            .all(|argument| read_only_or_none(file, bindings, *argument, true))
                        && arguments
                            .iter()
                            .any(|argument| read_only_or_none(file, bindings, *argument, false))
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether some member of a `|` union is a read-only interface (not only `None`s).
fn contains_read_only(file: &SourceFile, bindings: &FileBindings, node: Node) -> bool {
    match node.kind() {
        "binary_operator" => [
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ]
        .into_iter()
        .flatten()
        .any(|side| contains_read_only(file, bindings, side)),
        _ => read_only_or_none(file, bindings, node, false),
    }
}

/// The type arguments of `X[a, b]`, whichever way tree-sitter shaped them.
fn type_arguments(node: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).skip(1).collect();
    for child in children {
        match child.kind() {
            "type_parameter" | "tuple" | "expression_list" => {
                let mut inner = child.walk();
                out.extend(child.named_children(&mut inner).filter(|n| !n.is_extra()));
            }
            _ if !child.is_extra() => out.push(child),
            _ => {}
        }
    }
    out
}
