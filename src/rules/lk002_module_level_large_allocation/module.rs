//! LK002's model of the module: the facts about its names that sizing and fixing need.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::{named_children, Placement};
use crate::semantic::{
    for_each_target, parameter_names, scope_bindings, statements, type_parameter_names,
    unparenthesize, visit_bindings, Binding, FileBindings,
};
use crate::source::SourceFile;

pub(super) struct Module<'f, 'a> {
    pub(super) file: &'f SourceFile<'a>,
    pub(super) bindings: &'f FileBindings<'a>,
    /// How many times each name is bound in the module's own scope.
    pub(super) module_binding_counts: HashMap<&'a str, usize>,
    /// Names some `global` statement declares.
    pub(super) declared_global: HashSet<&'a str>,
    /// Names some `del` statement deletes, anywhere.
    pub(super) deleted: HashSet<&'a str>,
    /// Names some comprehension binds as a loop variable, anywhere.
    pub(super) comprehension_bound: HashSet<&'a str>,
    /// The value of each module-scope `NAME = value` whose name is bound only there.
    pub(super) constants: HashMap<&'a str, Node<'a>>,
    /// Module-scope classes whose name is bound only by their `class` statement.
    pub(super) classes: HashMap<&'a str, Node<'a>>,
    /// The names each function, lambda or class binds in its own scope, by node id.
    scope_cache: RefCell<HashMap<usize, HashSet<&'a str>>>,
}

impl<'f, 'a> Module<'f, 'a> {
    pub(super) fn collect(file: &'f SourceFile<'a>) -> Self {
        let root = file.tree.root_node();
        let mut module_binding_counts: HashMap<&'a str, usize> = HashMap::new();
        visit_bindings(file, root, false, &mut |binding| {
            let name = match binding {
                Binding::Import { local, .. } => local,
                Binding::Other(name) => name,
            };
            *module_binding_counts.entry(name).or_default() += 1;
        });
        let mut declared_global = HashSet::new();
        let mut deleted = HashSet::new();
        let mut comprehension_bound = HashSet::new();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "global_statement" => {
                    for name in named_children(node) {
                        declared_global.insert(file.node_text(name));
                    }
                }
                "delete_statement" => {
                    for target in named_children(node) {
                        for_each_target(target, &mut |name| {
                            deleted.insert(file.node_text(name));
                        });
                    }
                }
                "for_in_clause" => {
                    if let Some(left) = node.child_by_field_name("left") {
                        for_each_target(left, &mut |name| {
                            comprehension_bound.insert(file.node_text(name));
                        });
                    }
                }
                _ => {}
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        let mut module = Module {
            file,
            bindings: file.bindings(),
            module_binding_counts,
            declared_global,
            deleted,
            comprehension_bound,
            constants: HashMap::new(),
            classes: HashMap::new(),
            scope_cache: RefCell::new(HashMap::new()),
        };
        module.collect_constants_and_classes(root);
        module
    }

    /// Whether `name` is bound once in the module scope, never `global` nor deleted: its
    /// one binding is the value it has whenever module code runs after it.
    fn is_stable(&self, name: &str) -> bool {
        self.module_binding_counts.get(name) == Some(&1)
            && !self.declared_global.contains(name)
            && !self.deleted.contains(name)
    }

    fn collect_constants_and_classes(&mut self, root: Node<'a>) {
        let file = self.file;
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "function_definition" | "lambda" => continue,
                "class_definition" => {
                    if let Some(name) = node.child_by_field_name("name") {
                        let name = file.node_text(name);
                        if self.is_stable(name) {
                            self.classes.insert(name, node);
                        }
                    }
                    continue;
                }
                "assignment" => {
                    if let (Some(left), Some(right)) = (
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                    ) {
                        let name = file.node_text(left);
                        if left.kind() == "identifier" && self.is_stable(name) {
                            self.constants.insert(name, right);
                        }
                    }
                }
                _ => {}
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }

    /// Where `assignment` runs, when that is at module level.
    pub(super) fn placement(&self, assignment: Node<'a>) -> Option<Placement<'a>> {
        let mut class = None;
        let mut child = assignment;
        while let Some(parent) = child.parent() {
            match parent.kind() {
                "function_definition" | "lambda" => return None,
                "class_definition" if class.is_none() => class = Some(parent),
                "if_statement"
                    if parent.child_by_field_name("consequence") == Some(child)
                        && parent
                            .child_by_field_name("condition")
                            .is_some_and(|c| self.is_skipped_condition(c)) =>
                {
                    return None
                }
                _ => {}
            }
            child = parent;
        }
        Some(class.map_or(Placement::Module, Placement::ClassBody))
    }

    /// `TYPE_CHECKING`, `typing.TYPE_CHECKING`, `__name__ == "__main__"`.
    fn is_skipped_condition(&self, condition: Node) -> bool {
        let condition = unparenthesize(condition);
        let text = self.file.node_text(condition);
        match condition.kind() {
            "identifier" | "attribute" => text.rsplit('.').next() == Some("TYPE_CHECKING"),
            _ => self.is_main_guard(condition),
        }
    }

    /// `__name__ == "__main__"`, either way round.
    pub(super) fn is_main_guard(&self, condition: Node) -> bool {
        let condition = unparenthesize(condition);
        match condition.kind() {
            "comparison_operator" => {
                let operands = named_children(condition);
                let is_eq = self.file.text[operands.first().map_or(0, |o| o.end_byte())
                    ..operands.get(1).map_or(0, |o| o.start_byte())]
                    .trim()
                    == "==";
                operands.len() == 2
                    && is_eq
                    && operands
                        .iter()
                        .any(|o| self.file.node_text(*o) == "__name__")
                    && operands
                        .iter()
                        .any(|o| string_value(self.file, *o).as_deref() == Some("__main__"))
            }
            _ => false,
        }
    }

    fn binds(&self, scope: Node<'a>, name: &str) -> bool {
        let mut cache = self.scope_cache.borrow_mut();
        cache
            .entry(scope.id())
            .or_insert_with(|| scope_bindings(self.file, scope))
            .contains(name)
    }

    /// Whether a module-level `del NAME` after `statement`, in its block or an enclosing
    /// one, releases what it binds.
    pub(super) fn is_released(&self, name: &str, statement: Node<'a>) -> bool {
        self.module_deletes(name).into_iter().any(|delete| {
            delete.start_byte() >= statement.end_byte()
                && delete.parent().is_some_and(|block| {
                    let mut ancestor = statement.parent();
                    while let Some(node) = ancestor {
                        if node == block {
                            return true;
                        }
                        ancestor = node.parent();
                    }
                    false
                })
        })
    }

    /// The module-scope `del` statements that delete `name`.
    pub(super) fn module_deletes(&self, name: &str) -> Vec<Node<'a>> {
        if !self.deleted.contains(name) {
            return Vec::new();
        }
        let mut found = Vec::new();
        let mut stack = vec![self.file.tree.root_node()];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "function_definition" | "class_definition" | "lambda" => continue,
                "delete_statement" => {
                    let mut deletes = false;
                    for target in named_children(node) {
                        for_each_target(target, &mut |n| {
                            deletes |= self.file.node_text(n) == name;
                        });
                    }
                    if deletes {
                        found.push(node);
                    }
                    continue;
                }
                _ => {}
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        found
    }

    /// The scope an identifier is evaluated in: a function's or lambda's body and its
    /// parameter names belong to it, but its defaults, annotations and decorators are
    /// evaluated where the `def` runs.
    pub(super) fn scope_of(&self, node: Node<'a>) -> Scope<'a> {
        let mut child = node;
        while let Some(parent) = child.parent() {
            match parent.kind() {
                "function_definition" | "lambda" => {
                    if parent.child_by_field_name("body") == Some(child) {
                        return Scope::Function(parent);
                    }
                    if let Some(parameters) = parent.child_by_field_name("parameters") {
                        if parameters == child && parameter_names(parameters).contains(&node) {
                            return Scope::Function(parent);
                        }
                    }
                }
                "class_definition" if parent.child_by_field_name("body") == Some(child) => {
                    return Scope::Class(parent)
                }
                _ => {}
            }
            child = parent;
        }
        Scope::Module
    }

    /// Every identifier `name` in the file that refers to, or binds, the module global,
    /// sorted by where it is evaluated.
    pub(super) fn uses(&self, name: &str) -> Uses<'a> {
        let mut uses = Uses::default();
        let mut stack = vec![self.file.tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.kind() == "identifier" {
                if self.file.node_text(node) == name
                    && is_reference(node)
                    && !self.is_type_parameter(node, name)
                {
                    match self.scope_of(node) {
                        Scope::Module => uses.module.push(node),
                        Scope::Class(class) if self.binds(class, name) => {
                            // A class body reads a name it binds by name lookup: before
                            // the binding, the read means the global.
                            if !is_store(node) && self.refers_to_global(name, self.scope_of(class))
                            {
                                uses.class_locals.push((class, node));
                            }
                        }
                        scope => {
                            if self.refers_to_global(name, scope) {
                                match scope {
                                    Scope::Class(class) if self.is_module_class(class) => {
                                        uses.class_bodies.push((class, node))
                                    }
                                    _ => uses.functions.push(node),
                                }
                            }
                        }
                    }
                }
                continue;
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        uses.module.sort_by_key(|n| n.start_byte());
        uses.functions.sort_by_key(|n| n.start_byte());
        uses
    }

    /// Whether the identifier `name` at `node` means a PEP 695 type parameter of an
    /// enclosing `def`, `class` or `type` statement: it declares it, or sits in the
    /// annotation scope those parameters live in (everything of the statement but its
    /// name and, for a `def`, its parameters' defaults).
    fn is_type_parameter(&self, node: Node<'a>, name: &str) -> bool {
        let mut child = node;
        while let Some(parent) = child.parent() {
            if matches!(
                parent.kind(),
                "function_definition" | "class_definition" | "type_alias_statement"
            ) && parent.child_by_field_name("name") != Some(child)
                && type_parameter_names(parent)
                    .into_iter()
                    .any(|parameter| self.file.node_text(parameter) == name)
            {
                let in_default = parent.child_by_field_name("parameters") == Some(child) && {
                    let mut cursor = child.walk();
                    let parameters: Vec<Node> = child.named_children(&mut cursor).collect();
                    parameters.into_iter().any(|parameter| {
                        parameter.child_by_field_name("value").is_some_and(|value| {
                            value.start_byte() <= node.start_byte()
                                && node.end_byte() <= value.end_byte()
                        })
                    })
                };
                if !in_default {
                    return true;
                }
            }
            child = parent;
        }
        false
    }

    fn is_module_class(&self, class: Node<'a>) -> bool {
        matches!(self.scope_of(class), Scope::Module | Scope::Class(_))
            && !enclosing_function(class)
    }

    /// Whether `name`, read in `scope`, means the module global: no enclosing function
    /// binds it (a class body hides it only from its own statements).
    fn refers_to_global(&self, name: &str, scope: Scope<'a>) -> bool {
        let mut current = scope;
        let mut innermost = true;
        loop {
            match current {
                Scope::Module => return true,
                Scope::Function(function) => {
                    if self.binds(function, name) {
                        return false;
                    }
                    current = self.scope_of(function);
                }
                Scope::Class(class) => {
                    // A class body's own names are hidden from the functions in it, but
                    // its PEP 695 type parameters (`class C[T]`) are not: they live in an
                    // annotation scope around the class, which its methods see.
                    if innermost && self.binds(class, name)
                        || type_parameter_names(class)
                            .into_iter()
                            .any(|parameter| self.file.node_text(parameter) == name)
                    {
                        return false;
                    }
                    current = self.scope_of(class);
                }
            }
            innermost = false;
        }
    }

    /// The first call, anywhere, that can read or write globals by name: `globals()`,
    /// `eval`, `exec`, and `vars()`/`locals()` at module level.
    pub(super) fn dynamic_global_access(&self) -> Option<Node<'a>> {
        let mut stack = vec![self.file.tree.root_node()];
        let mut found: Option<Node> = None;
        while let Some(node) = stack.pop() {
            if node.kind() == "call" {
                if let Some(function) = node.child_by_field_name("function") {
                    let name = self.file.node_text(function);
                    let builtin = function.kind() == "identifier"
                        && self.bindings.resolve(self.file, function).as_deref() == Some(name);
                    let no_arguments = node
                        .child_by_field_name("arguments")
                        .is_some_and(|a| named_children(a).is_empty());
                    let reaches_globals = match name {
                        "globals" | "eval" | "exec" => true,
                        "vars" | "locals" => {
                            no_arguments && matches!(self.scope_of(node), Scope::Module)
                        }
                        _ => false,
                    };
                    if builtin
                        && reaches_globals
                        && found.is_none_or(|f| node.start_byte() < f.start_byte())
                    {
                        found = Some(node);
                    }
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        found
    }

    /// Whether a module-level `__all__` lists `name`.
    pub(super) fn exports(&self, name: &str) -> bool {
        statements(self.file.tree.root_node())
            .into_iter()
            .any(|statement| {
                let text = self.file.node_text(statement);
                text.contains("__all__") && {
                    let mut stack = vec![statement];
                    let mut listed = false;
                    while let Some(node) = stack.pop() {
                        if node.kind() == "string" {
                            listed |= string_value(self.file, node).as_deref() == Some(name);
                            continue;
                        }
                        let mut cursor = node.walk();
                        stack.extend(node.named_children(&mut cursor));
                    }
                    listed
                }
            })
    }

    pub(super) fn line(&self, node: Node) -> usize {
        node.start_position().row + 1
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Scope<'a> {
    Module,
    Function(Node<'a>),
    Class(Node<'a>),
}

/// Where a module global's name occurs.
#[derive(Default)]
pub(super) struct Uses<'a> {
    /// At module level, bindings included.
    pub(super) module: Vec<Node<'a>>,
    /// Read directly by the body of a module-level class.
    pub(super) class_bodies: Vec<(Node<'a>, Node<'a>)>,
    /// In the body of a class that binds the name too: before that binding a read means
    /// the global, after it the class attribute.
    pub(super) class_locals: Vec<(Node<'a>, Node<'a>)>,
    /// Read by a function or lambda (as the global).
    pub(super) functions: Vec<Node<'a>>,
}

fn enclosing_function(node: Node) -> bool {
    let mut current = node.parent();
    while let Some(parent) = current {
        if matches!(parent.kind(), "function_definition" | "lambda") {
            return true;
        }
        current = parent.parent();
    }
    false
}

/// Whether an identifier is only written there, not read: an assignment or `for`
/// target (possibly inside a tuple or list of targets), the name after `as`, or the name
/// a `def`, `class` or import binds. (`NAME += 1` reads it.)
fn is_store(node: Node) -> bool {
    let mut target = node;
    while let Some(parent) = target.parent() {
        match parent.kind() {
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "parenthesized_expression"
            | "list_splat_pattern"
            | "as_pattern_target" => target = parent,
            "assignment" | "for_statement" => {
                return parent.child_by_field_name("left") == Some(target)
            }
            "as_pattern" => return parent.child_by_field_name("alias") == Some(target),
            "function_definition" | "class_definition" => {
                return parent.child_by_field_name("name") == Some(target)
            }
            "aliased_import" | "dotted_name" | "import_statement" | "import_from_statement" => {
                return true
            }
            _ => return false,
        }
    }
    false
}

/// Whether an identifier names a variable: not an attribute name (`x.NAME`), a keyword
/// argument name, a module path in an import, or a `global`/`nonlocal` declaration.
fn is_reference(node: Node) -> bool {
    let Some(parent) = node.parent() else {
        return true;
    };
    match parent.kind() {
        "attribute" => parent.child_by_field_name("attribute") != Some(node),
        "keyword_argument" => parent.child_by_field_name("name") != Some(node),
        // `case Point(NAME=0)`: an attribute name, like a keyword argument's.
        "keyword_pattern" => parent.named_child(0) != Some(node),
        "global_statement" | "nonlocal_statement" => false,
        "dotted_name" => {
            // `import a.b` binds `a`; `from a import b` binds `b`; the rest are paths.
            let first = parent.named_child(0) == Some(node);
            let in_module_path = parent.parent().is_some_and(|grand| {
                matches!(grand.kind(), "import_from_statement" | "relative_import")
                    && grand.child_by_field_name("module_name") == Some(parent)
                    || grand.kind() == "relative_import"
            });
            first && !in_module_path
        }
        _ => true,
    }
}

/// The value of a plain string literal (no interpolation, no escapes needed).
pub(super) fn string_value(file: &SourceFile, node: Node) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let parts = named_children(node);
    if parts.iter().any(|p| p.kind() == "interpolation") {
        return None;
    }
    Some(
        parts
            .iter()
            .filter(|p| p.kind() == "string_content")
            .map(|p| file.node_text(*p))
            .collect(),
    )
}

/// Python 3.12 syntax (PEP 695), which the fixtures cannot hold while CI's CPython is
/// 3.11; the fixed text here was run under CPython 3.12 against the original.
#[cfg(test)]
mod pep695_tests {
    use crate::engine::fix_text;
    use crate::settings::Settings;

    #[test]
    fn the_lazy_fix_leaves_type_parameters_and_type_aliases_alone() {
        let source = "TABLE = list(range(1000))\n\n\ndef lookup(i):\n    return TABLE[i]\n\n\ndef generic[TABLE](x: TABLE) -> TABLE:\n    return x\n\n\nclass Box[TABLE]:\n    def get(self, x: TABLE) -> TABLE:\n        return x\n\n    def size(self):\n        return len(str(TABLE))\n\n\ndef aliases():\n    type TABLE = int\n    return TABLE\n\n\ndef alias_params():\n    type Pair[TABLE] = tuple[TABLE, TABLE]\n    return Pair.__value__\n";
        let mut settings = Settings::default();
        settings.select_rules(&["LK002".into()], &[]).unwrap();
        settings.unsafe_fixes = true;
        settings.large_allocation_bytes = 1000;
        let fixed = fix_text(source, &settings).unwrap().fixed;
        // The loader's `def`, the read in `lookup`, and the module `__getattr__`.
        assert_eq!(fixed.matches("_load_TABLE()").count(), 3, "{fixed}");
        assert!(fixed.contains("    return _load_TABLE()[i]\n"), "{fixed}");
        for kept in [
            "def generic[TABLE](x: TABLE) -> TABLE:",
            "return len(str(TABLE))",
            "type TABLE = int\n    return TABLE\n",
            "type Pair[TABLE] = tuple[TABLE, TABLE]",
        ] {
            assert!(fixed.contains(kept), "{kept} changed:\n{fixed}");
        }
    }
}
