//! How the body uses the parameter, for the fix's safety: the fix gives each call its
//! own object where every call shared one, which no caller can tell apart only when the
//! shared object never changes and never leaves the call. So the fix is safe only when
//! each use of the parameter in the body reads it without keeping, changing or handing
//! it on: its length or truth (`len(x)`, `if x:`, `not x`), and, when the default's
//! elements are immutable literals (`[]`, `{}`, `["a", 1]`), also iterating over it,
//! reading an item, `v in x`, formatting it, a builtin that builds a value from its
//! elements (`sorted`, `list`, `sum`, ...) and a non-mutating method (`get`, `keys`,
//! `count`, `copy`, ...). Anything else (returning it, storing it, passing it to a
//! call, `append`, `x[k] = v`, `x += ...`, `x == y`, `x is y`, `x or y`, `locals()`) makes
//! the fix unsafe: a caller, or the next call, could see the difference. A builtin's name
//! the module rebinds is not the builtin. ruff's B006 fix is always unsafe; this one is
//! safe where that is proven.

use tree_sitter::Node;

use crate::source::SourceFile;

/// Builtins that read only the container itself, never an element: its length or
/// truth.
const CONTAINER_BUILTINS: &[&str] = &["len", "bool"];

/// Builtins that read the elements and keep no reference to the container: a read only
/// when the elements are immutable (otherwise what they return, or the element methods
/// they call, can share or change an element).
const ELEMENT_BUILTINS: &[&str] = &[
    "str",
    "repr",
    "print",
    "sorted",
    "list",
    "tuple",
    "set",
    "frozenset",
    "sum",
    "any",
    "all",
    "min",
    "max",
];

/// Methods of `list`, `dict`, `set` and `bytearray` that change nothing and keep no
/// reference to the object (what they return holds its elements, not the object): a
/// read only when the elements are immutable.
const READING_METHODS: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "count",
    "index",
    "copy",
    "union",
    "intersection",
    "difference",
    "symmetric_difference",
    "issubset",
    "issuperset",
    "isdisjoint",
];

/// Names that reach a function's locals without naming them (`return locals()`).
const DYNAMIC_ACCESS: &[&str] = &[
    "locals",
    "vars",
    "globals",
    "eval",
    "exec",
    "_getframe",
    "f_locals",
    "inspect",
];

/// Why the fix is unsafe because of how the body uses `name`, if it is: the first use
/// that may keep, change or hand on the shared object, with its 1-based line.
/// `default` is the parameter's default value; `body` the function's body.
/// `is_bound` says whether the module binds a name (then a builtin's name is not the
/// builtin).
pub(super) fn escaping_use(
    file: &SourceFile,
    body: Node,
    name: &str,
    default: Node,
    is_bound: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let immutable_elements = has_immutable_elements(file, default);
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" && DYNAMIC_ACCESS.contains(&file.node_text(node)) {
            return Some(format!(
                "the body reaches its locals without naming them (`{}`, line {}), so it may hand on `{name}`",
                file.node_text(node),
                node.start_position().row + 1
            ));
        }
        if node.kind() == "identifier" && file.node_text(node) == name && is_reference(node) {
            if let Some(what) = escape(file, node, immutable_elements, is_bound) {
                return Some(format!(
                    "the body {what} `{name}` (line {}): a caller or a later call could see that the object is no longer shared",
                    node.start_position().row + 1
                ));
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

/// Whether the identifier is a reference to a variable, not an attribute's or a keyword
/// argument's name.
fn is_reference(node: Node) -> bool {
    node.parent().is_none_or(|parent| {
        !(parent.kind() == "attribute" && parent.child_by_field_name("attribute") == Some(node)
            || parent.kind() == "keyword_argument"
                && parent.child_by_field_name("name") == Some(node))
    })
}

/// What the use at `node` does that may let a caller see the change, or `None` for a
/// plain read.
fn escape(
    file: &SourceFile,
    node: Node,
    immutable_elements: bool,
    is_bound: &dyn Fn(&str) -> bool,
) -> Option<&'static str> {
    let Some(mut parent) = node.parent() else {
        return Some("uses");
    };
    let mut child = node;
    // `(x)` is `x`.
    while parent.kind() == "parenthesized_expression" {
        child = parent;
        parent = parent.parent()?;
    }
    let field_is = |field: &str| parent.child_by_field_name(field) == Some(child);
    match parent.kind() {
        // Rebinding the name drops the default; later uses are of the new object and
        // are judged as uses of the name all the same, which is conservative.
        "assignment" if field_is("left") => None,
        "pattern_list" | "tuple_pattern" | "list_pattern" => None,
        "augmented_assignment" => Some("changes"),
        "not_operator" => None,
        "if_statement" | "elif_clause" | "while_statement" if field_is("condition") => None,
        "conditional_expression" => {
            // `a if x else b` tests it; `x if c else d` hands it on.
            let mut cursor = parent.walk();
            let operands: Vec<Node> = parent.named_children(&mut cursor).collect();
            (operands.get(1) != Some(&child)).then_some("hands on")
        }
        "assert_statement" => None,
        // `v in x` asks the container, which compares `v` with its elements: a read when
        // they are immutable. Anything else (`x in y`, `x == y`, `x is y`) hands `x` to
        // the other operand's methods, or compares its identity.
        "comparison_operator" => {
            let mut cursor = parent.walk();
            let children: Vec<Node> = parent.children(&mut cursor).collect();
            let at = children.iter().position(|c| *c == child)?;
            let contained = at >= 1
                && children[at - 1].kind() == "in"
                && !(at >= 2 && children[at - 2].kind() == "is");
            (!(contained && immutable_elements)).then_some("compares or hands on")
        }
        "interpolation" => (!immutable_elements).then_some("formats the elements of"),
        "for_statement" | "for_in_clause" if field_is("right") => {
            (!immutable_elements).then_some("iterates over the elements of")
        }
        "subscript" if field_is("value") => {
            if is_store_target(parent) {
                Some("changes an item of")
            } else if immutable_elements {
                None
            } else {
                Some("reads an element of")
            }
        }
        "attribute" if field_is("object") => {
            let method = parent
                .child_by_field_name("attribute")
                .map(|a| file.node_text(a))
                .unwrap_or("");
            let called = parent.parent().is_some_and(|grand| {
                grand.kind() == "call" && grand.child_by_field_name("function") == Some(parent)
            });
            let reads = called && READING_METHODS.contains(&method) && immutable_elements;
            (!reads).then_some("calls a method of")
        }
        "argument_list" => {
            let call = parent.parent()?;
            let function = call.child_by_field_name("function")?;
            let callee = (function.kind() == "identifier").then(|| file.node_text(function));
            match callee {
                Some(callee) if is_bound(callee) => Some("passes on"),
                Some(callee) if CONTAINER_BUILTINS.contains(&callee) => None,
                Some(callee) if ELEMENT_BUILTINS.contains(&callee) && immutable_elements => None,
                _ => Some("passes on"),
            }
        }
        "return_statement" => Some("returns"),
        "yield" => Some("yields"),
        _ => Some("hands on"),
    }
}

/// Whether `node` is (part of) what a statement stores into or deletes: an assignment's
/// or augmented assignment's left side, a `for` target, a `del`, a `with ... as` target,
/// through any tuple or list of targets around it.
fn is_store_target(node: Node) -> bool {
    let mut child = node;
    while let Some(parent) = child.parent() {
        match parent.kind() {
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "expression_list"
            | "parenthesized_expression"
            | "tuple"
            | "list"
            | "list_splat_pattern" => {
                child = parent;
            }
            "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
                return parent.child_by_field_name("left") == Some(child);
            }
            "delete_statement" | "as_pattern_target" => return true,
            _ => return false,
        }
    }
    false
}

/// Whether the default's elements are immutable: an empty display or argument-less
/// `list()`, `dict()`, `set()`, `bytearray()`, or a display of immutable literals.
fn has_immutable_elements(file: &SourceFile, default: Node) -> bool {
    match default.kind() {
        "list" | "set" | "tuple" => {
            let mut cursor = default.walk();
            let all = default
                .named_children(&mut cursor)
                .filter(|c| !c.is_extra())
                .all(is_immutable_literal);
            all
        }
        "dictionary" => {
            let mut cursor = default.walk();
            let all = default
                .named_children(&mut cursor)
                .filter(|c| !c.is_extra())
                .all(|pair| {
                    pair.kind() == "pair"
                        && pair
                            .child_by_field_name("key")
                            .is_some_and(is_immutable_literal)
                        && pair
                            .child_by_field_name("value")
                            .is_some_and(is_immutable_literal)
                });
            all
        }
        "call" => {
            let function = default.child_by_field_name("function");
            let arguments = default.child_by_field_name("arguments");
            function
                .is_some_and(|f| matches!(file.node_text(f), "list" | "dict" | "set" | "bytearray"))
                && arguments.is_some_and(|a| a.named_child_count() == 0)
        }
        _ => false,
    }
}

/// Numbers, strings (not f-strings), `True`/`False`/`None`, and tuples of them.
fn is_immutable_literal(node: Node) -> bool {
    match node.kind() {
        "integer" | "float" | "true" | "false" | "none" | "ellipsis" => true,
        "string" => {
            let mut cursor = node.walk();
            let plain = node
                .named_children(&mut cursor)
                .all(|part| part.kind() != "interpolation");
            plain
        }
        "concatenated_string" | "tuple" | "parenthesized_expression" | "unary_operator" => {
            let mut cursor = node.walk();
            let all = node
                .named_children(&mut cursor)
                .filter(|c| !c.is_extra())
                .all(is_immutable_literal);
            all
        }
        _ => false,
    }
}
