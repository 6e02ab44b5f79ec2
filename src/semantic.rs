//! Name bindings, import resolution and scopes: the little semantic model the rules
//! need on top of the syntax tree. Deliberately conservative: a name bound in two
//! different ways anywhere in the file resolves to nothing.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use crate::regions::Regions;
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
    /// When only some statements are parsed: told of every name asked about, so that the
    /// engine parses the statements that may bind it and asks again.
    regions: Option<&'a Regions>,
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
        FileBindings {
            names,
            regions: file.regions,
        }
    }

    /// The bindings of `name`, telling the regions it was asked about.
    fn get(&self, name: &str) -> Option<&NameBindings> {
        if let Some(regions) = self.regions {
            regions.look_up(name);
        }
        self.names.get(name)
    }

    /// Every name's bindings: all statements must be parsed.
    fn all(&self) -> &HashMap<&'a str, NameBindings> {
        if let Some(regions) = self.regions {
            regions.look_up_all();
        }
        &self.names
    }

    /// Whether `local` is bound only by importing `qualified`.
    pub fn is_import_of(&self, local: &str, qualified: &str) -> bool {
        self.get(local).is_some_and(|b| {
            !b.other && !b.imports.is_empty() && b.imports.iter().all(|q| q == qualified)
        })
    }

    /// Whether `name` is bound anywhere in the file, by any means.
    pub fn is_bound(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The qualified name an identifier or dotted attribute chain refers to: itself for
    /// an unbound name (a builtin), what it was imported as for an imported one, nothing
    /// when the name is shadowed or bound in conflicting ways.
    pub fn resolve(&self, file: &SourceFile, node: Node) -> Option<String> {
        match node.kind() {
            "identifier" => {
                let name = file.node_text(node);
                match self.get(name) {
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

    /// [`FileBindings::resolve`] for a dotted name given as text (`abc.Sequence`), as
    /// in a string annotation.
    pub fn resolve_dotted(&self, dotted: &str) -> Option<String> {
        let mut parts = dotted.split('.').map(str::trim);
        let head = parts.next()?;
        if head.is_empty() || !head.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let mut qualified = match self.get(head) {
            None => head.to_string(),
            Some(binding) if binding.other => return None,
            Some(binding) => {
                let first = binding.imports.first()?;
                if !binding.imports.iter().all(|q| q == first) {
                    return None;
                }
                first.clone()
            }
        };
        for part in parts {
            qualified.push('.');
            qualified.push_str(part);
        }
        Some(qualified)
    }

    /// The local name the file imports `module` as (`weakref`, or `wr` for
    /// `import weakref as wr`), when some name is bound only by importing it.
    pub fn local_name_for_module(&self, module: &str) -> Option<String> {
        let mut locals: Vec<&str> = self
            .all()
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
            .all()
            .iter()
            .filter(|(_, binding)| sole_import(binding, qualified))
            .map(|(local, _)| local.to_string())
            .collect();
        candidates.sort();
        if let Some(local) = candidates.into_iter().next() {
            return Some(local);
        }
        let mut modules: Vec<&str> = self
            .all()
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
                if nested {
                    for name in type_parameter_names(node) {
                        on_binding(Binding::Other(file.node_text(name)));
                    }
                }
                descend = nested;
            }
            "function_definition" | "class_definition" => {
                // The scope's own name belongs to the enclosing scope. Its PEP 695 type
                // parameters (`def f[T]()`) live in an annotation scope between the two,
                // which the body sees as it sees its own names: counted as the scope's.
                for name in type_parameter_names(node) {
                    on_binding(Binding::Other(file.node_text(name)));
                }
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
            // `del x` makes `x` local to its scope as much as an assignment does, and
            // `nonlocal x` makes it name the enclosing function's: neither is the global.
            "delete_statement" => {
                let mut cursor = node.walk();
                let targets: Vec<Node> = node.named_children(&mut cursor).collect();
                for target in targets {
                    for_each_target(target, &mut |name| {
                        on_binding(Binding::Other(file.node_text(name)))
                    });
                }
                descend = false;
            }
            "nonlocal_statement" => {
                let mut cursor = node.walk();
                let names: Vec<Node> = node.named_children(&mut cursor).collect();
                for name in names.into_iter().filter(|n| n.kind() == "identifier") {
                    on_binding(Binding::Other(file.node_text(name)));
                }
            }
            // `match` capture patterns: `case x`, `case [a, *rest]`, `case {**kw}`,
            // `case Point(x=a)`, `case p as q`; a dotted name (`case Color.RED`) reads.
            "dotted_name" | "splat_pattern" | "as_pattern" => {
                if let Some(name) = capture_pattern_name(node) {
                    let name = file.node_text(name);
                    if name != "_" {
                        on_binding(Binding::Other(name));
                    }
                }
            }
            // `type X[T] = ...` binds `X`; its type parameters and value live in a scope
            // of their own.
            "type_alias_statement" => {
                if let Some(name) = type_alias_name(node) {
                    on_binding(Binding::Other(file.node_text(name)));
                }
                if nested {
                    for name in type_parameter_names(node) {
                        on_binding(Binding::Other(file.node_text(name)));
                    }
                }
                descend = false;
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

/// The name a `match` capture pattern binds, for a node that may be one: a lone name in
/// a pattern position (`case x`, `case [x]`, `case {"k": x}`, `case P(a=x)`), a
/// `*x`/`**x`, or the name after `as` in a pattern. `_` binds nothing but is returned.
fn capture_pattern_name(node: Node) -> Option<Node> {
    let parent = node.parent()?;
    match node.kind() {
        "dotted_name" => {
            let in_pattern = match parent.kind() {
                "case_pattern" => true,
                "keyword_pattern" => parent.named_child(0) != Some(node),
                _ => false,
            };
            (in_pattern && node.named_child_count() == 1)
                .then(|| node.named_child(0))
                .flatten()
                .filter(|n| n.kind() == "identifier")
        }
        "splat_pattern" => node.named_child(0).filter(|n| n.kind() == "identifier"),
        "as_pattern" if parent.kind() == "case_pattern" => {
            let count = node.named_child_count();
            node.named_child(count.checked_sub(1)?)
                .filter(|n| n.kind() == "identifier")
        }
        _ => None,
    }
}

/// The name a `type X[...] = ...` statement binds.
pub fn type_alias_name(statement: Node) -> Option<Node> {
    let left = statement.child_by_field_name("left")?;
    let mut node = left;
    loop {
        match node.kind() {
            "identifier" => return Some(node),
            "type" | "generic_type" => node = node.named_child(0)?,
            _ => return None,
        }
    }
}

/// The PEP 695 type parameters a `def`, `class` or `type` statement declares:
/// `T`, `*Ts`, `**P` in `[T: int, *Ts, **P]`.
pub fn type_parameter_names(definition: Node) -> Vec<Node> {
    let list = match definition.kind() {
        "type_alias_statement" => definition
            .child_by_field_name("left")
            .and_then(|left| left.named_child(0))
            .filter(|n| n.kind() == "generic_type")
            .and_then(|generic| {
                let mut cursor = generic.walk();
                let found = generic
                    .named_children(&mut cursor)
                    .find(|n| n.kind() == "type_parameter");
                found
            }),
        _ => definition.child_by_field_name("type_parameters"),
    };
    let Some(list) = list else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let mut cursor = list.walk();
    for parameter in list.named_children(&mut cursor) {
        let mut node = parameter;
        loop {
            match node.kind() {
                "identifier" => {
                    names.push(node);
                    break;
                }
                "type" | "constrained_type" | "splat_type" => match node.named_child(0) {
                    Some(first) => node = first,
                    None => break,
                },
                _ => break,
            }
        }
    }
    names
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

/// Whether the statement is a docstring as CPython sees one: an expression statement
/// whose expression, inside any parentheses, is a string literal or an implicit
/// concatenation of them (`("a" "b")` is one). An f-string or a bytes literal is not
/// (its `__doc__` stays `None`), nor is a concatenation holding one.
pub fn is_docstring(file: &SourceFile, statement: Node) -> bool {
    if statement.kind() != "expression_statement" || statement.named_child_count() != 1 {
        return false;
    }
    let Some(expression) = statement.named_child(0).map(unparenthesize) else {
        return false;
    };
    let plain = |string: Node| {
        string.kind() == "string"
            && string.named_child(0).is_some_and(|start| {
                start.kind() == "string_start"
                    && !file
                        .node_text(start)
                        .contains(['f', 'F', 'b', 'B', 't', 'T'])
            })
    };
    match expression.kind() {
        "string" => plain(expression),
        "concatenated_string" => {
            let mut cursor = expression.walk();
            let parts: Vec<Node> = expression
                .named_children(&mut cursor)
                .filter(|n| !n.is_extra())
                .collect();
            !parts.is_empty() && parts.into_iter().all(plain)
        }
        _ => false,
    }
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

/// The class statement named `name` in the block that holds `class`, or at module level:
/// the last one before `class` (the one its base names when the class is created).
pub fn local_class_named<'t>(file: &SourceFile, class: Node<'t>, name: &str) -> Option<Node<'t>> {
    let statement = class
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(class);
    let mut blocks = Vec::new();
    if let Some(block) = statement.parent() {
        blocks.push(block);
    }
    let mut root = class;
    while let Some(parent) = root.parent() {
        root = parent;
    }
    blocks.push(root);
    blocks.into_iter().find_map(|block| {
        statements(block)
            .into_iter()
            .filter(|s| s.start_byte() < statement.start_byte())
            .filter_map(|s| match s.kind() {
                "class_definition" => Some(s),
                "decorated_definition" => s.child_by_field_name("definition"),
                _ => None,
            })
            .filter(|c| c.kind() == "class_definition" && c.id() != class.id())
            .filter(|c| {
                c.child_by_field_name("name")
                    .is_some_and(|n| file.node_text(n) == name)
            })
            .last()
    })
}
