//! Name bindings, import resolution and scopes: the little semantic model the rules
//! need on top of the syntax tree. Deliberately conservative: a name bound in two
//! different ways anywhere in the file resolves to nothing.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use crate::source::SourceFile;

/// How one name is bound across a whole file.
#[derive(Debug, Default, Clone)]
struct NameBindings {
    /// Qualified names it is imported as (`collections.deque` for `from collections import deque`).
    imports: Vec<String>,
    /// Bound some other way somewhere: assignment, `def`, parameter, loop target...
    other: bool,
}

/// Every binding in the file, for resolving names to what they were imported as.
pub struct FileBindings<'a> {
    names: HashMap<&'a str, NameBindings>,
}

impl<'a> FileBindings<'a> {
    pub fn collect(file: &SourceFile<'a>) -> Self {
        let mut names: HashMap<&'a str, NameBindings> = HashMap::new();
        visit_bindings(
            file,
            file.tree.root_node(),
            true,
            &mut |binding| match binding {
                Binding::Import { local, qualified } => {
                    names.entry(local).or_default().imports.push(qualified)
                }
                Binding::Other(name) => names.entry(name).or_default().other = true,
            },
        );
        FileBindings { names }
    }

    /// Whether `local` is bound only by importing `qualified`.
    pub fn is_import_of(&self, local: &str, qualified: &str) -> bool {
        self.names.get(local).is_some_and(|b| {
            !b.other && !b.imports.is_empty() && b.imports.iter().all(|q| q == qualified)
        })
    }

    /// Whether `name` is bound anywhere in the file, by any means.
    pub fn is_bound(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }

    /// The qualified name an identifier or dotted attribute chain refers to: itself for
    /// an unbound name (a builtin), what it was imported as for an imported one, nothing
    /// when the name is shadowed or bound in conflicting ways.
    pub fn resolve(&self, file: &SourceFile, node: Node) -> Option<String> {
        match node.kind() {
            "identifier" => {
                let name = file.node_text(node);
                match self.names.get(name) {
                    None => Some(name.to_string()),
                    Some(binding) if binding.other => None,
                    Some(binding) => {
                        let first = binding.imports.first()?;
                        binding
                            .imports
                            .iter()
                            .all(|q| q == first)
                            .then(|| first.clone())
                    }
                }
            }
            "attribute" => {
                let object = self.resolve(file, node.child_by_field_name("object")?)?;
                let attribute = file.node_text(node.child_by_field_name("attribute")?);
                Some(format!("{object}.{attribute}"))
            }
            _ => None,
        }
    }

    /// The local name the file imports `module` as (`weakref`, or `wr` for
    /// `import weakref as wr`), when some name is bound only by importing it.
    pub fn local_name_for_module(&self, module: &str) -> Option<String> {
        let mut locals: Vec<&str> = self
            .names
            .iter()
            .filter(|(_, binding)| {
                !binding.other
                    && !binding.imports.is_empty()
                    && binding.imports.iter().all(|q| q == module)
            })
            .map(|(local, _)| *local)
            .collect();
        locals.sort_by_key(|local| (*local != module, *local));
        locals.first().map(|local| local.to_string())
    }

    /// A local name under which `qualified` (`typing.Optional`) can be written, if the
    /// file already imports it or its module.
    pub fn local_name_for(&self, qualified: &str) -> Option<String> {
        let (module, member) = qualified.rsplit_once('.')?;
        let sole_import = |binding: &NameBindings, wanted: &str| {
            !binding.other
                && !binding.imports.is_empty()
                && binding.imports.iter().all(|q| q == wanted)
        };
        let mut candidates: Vec<String> = self
            .names
            .iter()
            .filter(|(_, binding)| sole_import(binding, qualified))
            .map(|(local, _)| local.to_string())
            .collect();
        candidates.sort();
        if let Some(local) = candidates.into_iter().next() {
            return Some(local);
        }
        let mut modules: Vec<&str> = self
            .names
            .iter()
            .filter(|(_, binding)| sole_import(binding, module))
            .map(|(local, _)| *local)
            .collect();
        modules.sort();
        modules.first().map(|local| format!("{local}.{member}"))
    }
}

/// One binding occurrence.
pub enum Binding<'a> {
    Import { local: &'a str, qualified: String },
    Other(&'a str),
}

/// Calls `on_binding` for every name bound under `root`. With `nested` false it stays in
/// `root`'s own scope: it records the names of nested `def`s and classes but does not
/// enter their bodies, nor lambdas, nor comprehensions' loop variables.
pub fn visit_bindings<'a>(
    file: &SourceFile<'a>,
    root: Node,
    nested: bool,
    on_binding: &mut dyn FnMut(Binding<'a>),
) {
    // A pre-order walk with one cursor: no allocation per node.
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        let mut descend = true;
        // Tokens (`lambda`, `for`) are leaves that bind nothing.
        match if node.is_named() { node.kind() } else { "" } {
            "function_definition" | "class_definition" if node != root => {
                if let Some(name) = node.child_by_field_name("name") {
                    on_binding(Binding::Other(file.node_text(name)));
                }
                descend = nested;
            }
            "function_definition" | "class_definition" => {
                // The scope's own name belongs to the enclosing scope.
            }
            "lambda" if node != root => descend = nested,
            "parameters" | "lambda_parameters" => {
                for name in parameter_names(node) {
                    on_binding(Binding::Other(file.node_text(name)));
                }
            }
            "assignment" | "augmented_assignment" | "for_statement" => {
                if let Some(left) = node.child_by_field_name("left") {
                    for_each_target(left, &mut |name| {
                        on_binding(Binding::Other(file.node_text(name)))
                    });
                }
            }
            "for_in_clause" if nested => {
                if let Some(left) = node.child_by_field_name("left") {
                    for_each_target(left, &mut |name| {
                        on_binding(Binding::Other(file.node_text(name)))
                    });
                }
            }
            "as_pattern_target" => {
                for_each_target(node, &mut |name| {
                    on_binding(Binding::Other(file.node_text(name)))
                });
            }
            "named_expression" => {
                if let Some(name) = node.child_by_field_name("name") {
                    on_binding(Binding::Other(file.node_text(name)));
                }
            }
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    if name.kind() == "aliased_import" {
                        if let (Some(dotted), Some(alias)) = (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) {
                            let qualified = file.node_text(dotted).to_string();
                            on_binding(Binding::Import {
                                local: file.node_text(alias),
                                qualified,
                            });
                        }
                    } else {
                        // `import a.b.c` binds `a` to the package `a`.
                        let text = file.node_text(name);
                        let head = text.split('.').next().unwrap_or(text).trim();
                        on_binding(Binding::Import {
                            local: head,
                            qualified: head.to_string(),
                        });
                    }
                }
                descend = false;
            }
            "import_from_statement" | "future_import_statement" => {
                let module = node
                    .child_by_field_name("module_name")
                    .map_or("__future__", |module| file.node_text(module));
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    let (imported, local) = if name.kind() == "aliased_import" {
                        match (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) {
                            (Some(imported), Some(alias)) => {
                                (file.node_text(imported), file.node_text(alias))
                            }
                            _ => continue,
                        }
                    } else {
                        (file.node_text(name), file.node_text(name))
                    };
                    on_binding(Binding::Import {
                        local,
                        qualified: format!("{module}.{imported}"),
                    });
                }
                descend = false;
            }
            _ => {}
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == root {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// The names a parameter list binds, including `*args` and `**kwargs`.
pub fn parameter_names(parameters: Node) -> Vec<Node> {
    let mut names = Vec::new();
    let mut cursor = parameters.walk();
    for parameter in parameters.named_children(&mut cursor) {
        let name = match parameter.kind() {
            "identifier" => Some(parameter),
            "default_parameter" | "typed_default_parameter" => {
                parameter.child_by_field_name("name")
            }
            "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                let mut inner = parameter.walk();
                let first = parameter.named_children(&mut inner).next();
                first.and_then(|n| match n.kind() {
                    "identifier" => Some(n),
                    "list_splat_pattern" | "dictionary_splat_pattern" => n.named_child(0),
                    _ => None,
                })
            }
            _ => None,
        };
        names.extend(name.filter(|n| n.kind() == "identifier"));
    }
    names
}

/// Calls `on_name` for each identifier an assignment target binds: `a`, `a, b`, `[a, *b]`,
/// but not `a.x` or `a[i]`, which bind no name.
pub fn for_each_target<'t>(target: Node<'t>, on_name: &mut dyn FnMut(Node<'t>)) {
    match target.kind() {
        "identifier" => on_name(target),
        "pattern_list"
        | "tuple_pattern"
        | "list_pattern"
        | "tuple"
        | "list"
        | "parenthesized_expression"
        | "list_splat_pattern"
        | "list_splat"
        | "as_pattern_target"
        | "expression_list" => {
            let mut cursor = target.walk();
            let children: Vec<Node<'t>> = target.named_children(&mut cursor).collect();
            for child in children {
                for_each_target(child, on_name);
            }
        }
        _ => {}
    }
}

/// The names bound in one scope (a function with its parameters, a class body, a
/// lambda, or the module), not counting nested scopes.
pub fn scope_bindings<'a>(file: &SourceFile<'a>, scope: Node) -> HashSet<&'a str> {
    let mut names = HashSet::new();
    visit_bindings(file, scope, false, &mut |binding| {
        names.insert(match binding {
            Binding::Import { local, .. } => local,
            Binding::Other(name) => name,
        });
    });
    names
}

/// The scopes enclosing `node`, innermost first, stopping before the module.
pub fn enclosing_scopes(node: Node) -> Vec<Node> {
    let mut scopes = Vec::new();
    let mut current = node.parent();
    while let Some(scope) = current {
        if matches!(
            scope.kind(),
            "function_definition" | "class_definition" | "lambda"
        ) {
            scopes.push(scope);
        }
        current = scope.parent();
    }
    scopes
}

/// The byte ranges of the code that runs at module level, class bodies included: the
/// whole text less the bodies of functions (a function's decorators, name, parameters
/// and annotations run where it is defined, and stay in). In source order.
pub fn module_level_ranges(root: Node) -> Vec<std::ops::Range<usize>> {
    let mut function_bodies = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "function_definition" => {
                if let Some(body) = node.child_by_field_name("body") {
                    function_bodies.push(body.byte_range());
                }
            }
            // Statements that can hold other statements, and so a `def`.
            "module"
            | "block"
            | "class_definition"
            | "decorated_definition"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "try_statement"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "with_statement"
            | "for_statement"
            | "while_statement"
            | "match_statement"
            | "case_clause" => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
            _ => {}
        }
    }
    function_bodies.sort_by_key(|body| body.start);
    let mut ranges = Vec::with_capacity(function_bodies.len() + 1);
    let mut start = 0;
    for body in function_bodies {
        ranges.push(start..body.start);
        start = body.end;
    }
    ranges.push(start..root.end_byte());
    ranges
}

/// Whether the statement is a docstring: an expression statement holding only a string.
pub fn is_docstring(statement: Node) -> bool {
    statement.kind() == "expression_statement"
        && statement.named_child_count() == 1
        && statement
            .named_child(0)
            .is_some_and(|s| matches!(s.kind(), "string" | "concatenated_string"))
}

/// The expression inside any number of parentheses: `((x))` is `x`.
pub fn unparenthesize(mut node: Node) -> Node {
    while node.kind() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) if inner.kind() != "comment" => node = inner,
            _ => break,
        }
    }
    node
}

/// Whether `node` or anything under it is of `kind`. An explicit stack: expressions may
/// nest thousands of levels deep.
pub fn contains_kind(node: Node, kind: &str) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if node.kind() == kind {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// The statements of a block or module, without comments and other extras (a
/// `line_continuation`, which tree-sitter leaves in the block when a backslash joins a
/// statement to a line holding only `;`).
pub fn statements(block: Node) -> Vec<Node> {
    let mut cursor = block.walk();
    block
        .named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .collect()
}

/// Identifiers an expression reads, in source order: not attribute names, keyword
/// argument names, nor names bound inside it by comprehensions or lambdas.
pub fn expression_reads<'a>(file: &SourceFile<'a>, expression: Node) -> Vec<&'a str> {
    let mut read = Vec::new();
    collect_reads(file, expression, &mut HashSet::new(), &mut read);
    read
}

/// Identifiers read by an expression, not counting attribute names, keyword argument
/// names, and names bound inside it by comprehensions or lambdas.
fn collect_reads<'a>(
    file: &SourceFile<'a>,
    node: Node,
    inner: &mut HashSet<&'a str>,
    out: &mut Vec<&'a str>,
) {
    match node.kind() {
        "identifier" => {
            let name = file.node_text(node);
            if !inner.contains(name) {
                out.push(name);
            }
            return;
        }
        "attribute" => {
            if let Some(object) = node.child_by_field_name("object") {
                collect_reads(file, object, inner, out);
            }
            return;
        }
        "keyword_argument" => {
            if let Some(value) = node.child_by_field_name("value") {
                collect_reads(file, value, inner, out);
            }
            return;
        }
        "for_in_clause" => {
            if let Some(left) = node.child_by_field_name("left") {
                for_each_target(left, &mut |n| {
                    inner.insert(file.node_text(n));
                });
            }
        }
        "lambda" => {
            if let Some(parameters) = node.child_by_field_name("parameters") {
                for n in parameter_names(parameters) {
                    inner.insert(file.node_text(n));
                }
            }
        }
        _ => {}
    }
    // Comprehension targets must be known before the element expression is read.
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).collect();
    for child in children.iter().filter(|c| c.kind() == "for_in_clause") {
        if let Some(left) = child.child_by_field_name("left") {
            for_each_target(left, &mut |n| {
                inner.insert(file.node_text(n));
            });
        }
    }
    for child in children {
        collect_reads(file, child, inner, out);
    }
}
