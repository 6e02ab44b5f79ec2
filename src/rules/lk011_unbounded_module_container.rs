//! LK011 unbounded-module-container.
//!
//! A dict, list or set bound at module level lives until the process exits. When
//! functions add to it and nothing in the module ever removes from it, it is a cache or
//! registry without a bound: it grows for as long as the process runs.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match, Finding, FixSafety, Rule};
use crate::prefilter::has_word;
use crate::semantic::{
    expression_reads, parameter_names, scope_bindings, unparenthesize, visit_bindings, Binding,
    FileBindings,
};
use crate::settings::Settings;
use crate::source::SourceFile;

const CODE: &str = "LK011";

static QUERY: LazyLock<Query> = LazyLock::new(|| {
    compile_query(include_str!(
        "../../queries/lk011_unbounded_module_container.scm"
    ))
});

/// Constructors of the containers this rule follows, by qualified name. The weak
/// containers are the cure, and `deque(maxlen=N)` is bounded.
const CONTAINER_CALLS: &[(&str, Kind)] = &[
    ("list", Kind::List),
    ("dict", Kind::Dict),
    ("set", Kind::Set),
    ("builtins.list", Kind::List),
    ("builtins.dict", Kind::Dict),
    ("builtins.set", Kind::Set),
    ("collections.defaultdict", Kind::DefaultDict),
    ("collections.OrderedDict", Kind::Dict),
    ("collections.Counter", Kind::Counter),
    ("collections.deque", Kind::List),
];

/// Methods that add to a list, dict, set or deque.
const ADDING: &[&str] = &[
    "append",
    "add",
    "setdefault",
    "update",
    "extend",
    "insert",
    "appendleft",
    "extendleft",
    "__setitem__",
];

/// Methods (and attributes) that remove from one, or empty it.
const REMOVING: &[&str] = &[
    "pop",
    "popitem",
    "popleft",
    "remove",
    "discard",
    "clear",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
    "subtract",
    "__delitem__",
];

/// Builtins that read a container they are given and keep no reference to it.
const READING_CALLS: &[&str] = &[
    "len",
    "list",
    "tuple",
    "sorted",
    "set",
    "frozenset",
    "dict",
    "bool",
    "str",
    "repr",
    "print",
    "any",
    "all",
    "sum",
    "min",
    "max",
    "enumerate",
    "reversed",
    "iter",
    "zip",
    "isinstance",
    "id",
    "hash",
    "format",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    List,
    Dict,
    Set,
    DefaultDict,
    Counter,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::List => "list",
            Kind::Dict => "dict",
            Kind::Set => "set",
            Kind::DefaultDict => "defaultdict",
            Kind::Counter => "Counter",
        }
    }

    /// Whether `X[k] = v` may add an entry (it replaces an element of a list).
    fn is_mapping(self) -> bool {
        matches!(self, Kind::Dict | Kind::DefaultDict | Kind::Counter)
    }
}

const DOC: &str = r#"# LK011 unbounded-module-container

## What it finds
A dict, list or set bound once at module level (a display, a comprehension, or a call
of `dict`, `list`, `set`, `collections.defaultdict`, `OrderedDict`, `Counter`, or
`deque` without `maxlen`; import aliases are followed) that a function adds to
(`X[k] = v`, `X.append`, `add`, `setdefault`, `update`, `extend`, `insert`,
`appendleft`, `X |= ...`, `X += ...`; for a `defaultdict` an entry grown in place,
`X[k].append(v)` or `X[k][j] = v`, whose read inserts a missing key (a bare read
`X[k]` is a lookup with a default and is not counted); for a `Counter` or
`defaultdict` also `X[k] += n`) while nothing in the
module removes from it (`del X[k]`, `pop`, `popitem`, `popleft`, `remove`, `discard`,
`clear`, `X -= ...`, `X &= ...`, slice assignment, rebinding under `global X`, `del X`).
Reported at the first adding expression inside a function.

Not reported:
- a registry filled at import time: by module-level code, by a decorator (a function
  that adds one of its parameters and returns it: `def register(fn): HANDLERS.append(fn);
  return fn`, also inside a decorator factory), by `__init_subclass__` or a metaclass
  adding the class, or by a function the file calls only from module level (or from
  class bodies, which run at import);
- a container the module hands out: passed to a call other than a reading builtin
  (`len`, `sorted`, `list`, ...), returned, yielded, stored elsewhere, used as a
  default: the code that gets it may remove from it;
- a name listed in `__all__`: the module exports it, and its users may remove from it;
- weak containers (`weakref.WeakValueDictionary`, ...), `deque(maxlen=N)`, names with
  two leading and trailing underscores (`__all__`), names bound more than once at
  module level.

## Why it leaks
A module-level object lives as long as its module, which is almost always until the
process exits. Every key or element a function adds stays, with everything it refers
to; in a long-running service each request, each new argument, each new object can add
one more. A cache without eviction and a registry without unregistration are the same
shape: memory that grows with the process's age, not with its work.

## Example
```python
_results = {}

def lookup(key):
    if key not in _results:
        _results[key] = compute(key)
    return _results[key]
```

## Fix
None: bounding it needs a size or an eviction policy that only the author can choose.
The usual cures: `functools.lru_cache(maxsize=N)` on the function that fills it (a cache
of computed values); `weakref.WeakValueDictionary` (a registry of objects owned
elsewhere, which then go when their owner drops them); `collections.deque(maxlen=N)`
(a log of recent events); or remove each entry when it is done with.

## Fix safety
No fix is offered; the finding's detail names the cures.
"#;

pub struct UnboundedModuleContainer;

impl Rule for UnboundedModuleContainer {
    fn code(&self) -> &'static str {
        CODE
    }

    fn name(&self) -> &'static str {
        "unbounded-module-container"
    }

    fn doc(&self) -> &'static str {
        DOC
    }

    fn default_enabled(&self) -> bool {
        false
    }

    fn fix_safety(&self) -> FixSafety {
        FixSafety {
            safe: false,
            unsafe_fix: false,
            no_fix: true,
        }
    }

    /// Every finding adds to the container inside a function: the code has a `def` or a
    /// `lambda`.
    fn might_match(&self, text: &str, _settings: &Settings) -> bool {
        has_word(text, "def") || has_word(text, "lambda")
    }

    fn check(&self, file: &SourceFile, _settings: &Settings, findings: &mut Vec<Finding>) {
        let statement_index = QUERY
            .capture_index_for_name("statement")
            .expect("query defines @statement");
        let mut statements = Vec::new();
        let root = file.tree.root_node();
        for_each_match(&QUERY, root, file.text.as_bytes(), |captures| {
            statements.extend(
                captures
                    .iter()
                    .filter(|(index, _)| *index == statement_index)
                    .map(|(_, node)| *node),
            );
        });
        let candidates: Vec<(Node, &str, Kind)> = statements
            .into_iter()
            .filter(|statement| is_module_level(*statement))
            .filter_map(|statement| candidate(file, file.bindings(), statement))
            .collect();
        if candidates.is_empty() {
            return;
        }
        let module = Module::collect(file);
        for (statement, name, kind) in candidates {
            if module.binding_counts.get(name) != Some(&1) || module.exported.contains(name) {
                continue;
            }
            if let Some(add) = module.first_unbounded_add(file, statement, name, kind) {
                let message = format!(
                    "module-level {} `{name}` only grows: functions add, nothing removes",
                    kind.word()
                );
                let detail = format!(
                    "`{}` adds to a {} that lives until the process exits, and nothing in the \
                     module removes from it: every entry stays, with what it refers to. Bound \
                     it: `functools.lru_cache(maxsize=N)` on the function that fills a cache, \
                     `weakref.WeakValueDictionary` for a registry of objects owned elsewhere, \
                     `collections.deque(maxlen=N)` for a log; or remove entries when done.",
                    single_line(file.node_text(add)),
                    kind.word()
                );
                findings.push(Finding::new(
                    CODE,
                    add.byte_range(),
                    message,
                    detail,
                    Err(
                        "bounding it needs a size or an eviction policy only the author can choose"
                            .into(),
                    ),
                ));
            }
        }
    }
}

fn single_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or(text).trim();
    if line.chars().count() > 60 {
        let cut: String = line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        line.to_string()
    }
}

/// Outside every `def`, `lambda` and class body.
fn is_module_level(node: Node) -> bool {
    let mut current = node.parent();
    while let Some(parent) = current {
        if matches!(
            parent.kind(),
            "function_definition" | "lambda" | "class_definition"
        ) {
            return false;
        }
        current = parent.parent();
    }
    true
}

/// `NAME = container` or `NAME: T = container`, with its name and kind.
fn candidate<'a>(
    file: &SourceFile<'a>,
    bindings: &FileBindings<'a>,
    statement: Node<'a>,
) -> Option<(Node<'a>, &'a str, Kind)> {
    let assignment = statement
        .named_child(0)
        .filter(|n| n.kind() == "assignment")?;
    let left = assignment.child_by_field_name("left")?;
    let name = file.node_text(left);
    if name.starts_with("__") && name.ends_with("__") {
        return None;
    }
    let value = unparenthesize(assignment.child_by_field_name("right")?);
    let kind = match value.kind() {
        "list" | "list_comprehension" => Kind::List,
        "dictionary" | "dictionary_comprehension" => Kind::Dict,
        "set" | "set_comprehension" => Kind::Set,
        "call" => {
            let mut function = value.child_by_field_name("function")?;
            if function.kind() == "subscript" {
                function = function.child_by_field_name("value")?;
            }
            let qualified = bindings.resolve(file, function)?;
            let kind = CONTAINER_CALLS
                .iter()
                .find(|(known, _)| *known == qualified)
                .map(|(_, kind)| *kind)?;
            if qualified.ends_with("deque") {
                let arguments = value.child_by_field_name("arguments")?;
                let text = file.node_text(arguments);
                // `deque(maxlen=N)` or `deque(items, N)`: bounded.
                if text.contains("maxlen") || arguments.named_child_count() >= 2 {
                    return None;
                }
            }
            kind
        }
        _ => return None,
    };
    Some((statement, name, kind))
}

/// What the rule reads from the whole module, once per file.
struct Module<'a> {
    /// How many times each name is bound in the module's own scope.
    binding_counts: HashMap<&'a str, usize>,
    /// The strings of statements that bind or extend `__all__`.
    exported: HashSet<&'a str>,
    /// Every identifier in the file, by text.
    identifiers: HashMap<&'a str, Vec<Node<'a>>>,
}

/// How one occurrence of the container's name uses it.
enum Use<'a> {
    /// Adds to it, in the expression given.
    Add(Node<'a>),
    Remove,
    /// Hands it to code that may keep it.
    Escape,
    Read,
    /// Another binding of the name (a local, a parameter) or the statement under test.
    Other,
}

impl<'a> Module<'a> {
    fn collect(file: &SourceFile<'a>) -> Self {
        let root = file.tree.root_node();
        let mut binding_counts: HashMap<&'a str, usize> = HashMap::new();
        visit_bindings(file, root, false, &mut |binding| {
            let name = match binding {
                Binding::Import { local, .. } => local,
                Binding::Other(name) => name,
            };
            *binding_counts.entry(name).or_default() += 1;
        });
        let mut identifiers: HashMap<&'a str, Vec<Node<'a>>> = HashMap::new();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if node.kind() == "identifier" {
                identifiers
                    .entry(file.node_text(node))
                    .or_default()
                    .push(node);
                continue;
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        let mut exported = HashSet::new();
        for all in identifiers.get("__all__").into_iter().flatten() {
            let mut statement = *all;
            while let Some(parent) = statement.parent() {
                if matches!(parent.kind(), "module" | "block") {
                    break;
                }
                statement = parent;
            }
            let mut stack = vec![statement];
            while let Some(node) = stack.pop() {
                if node.kind() == "string_content" {
                    exported.insert(file.node_text(node));
                }
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
        }
        Module {
            binding_counts,
            exported,
            identifiers,
        }
    }

    /// The first expression that adds to the container inside a function that need not
    /// run at import, when nothing removes from it and nothing hands it out.
    fn first_unbounded_add(
        &self,
        file: &SourceFile<'a>,
        statement: Node<'a>,
        name: &str,
        kind: Kind,
    ) -> Option<Node<'a>> {
        let mut first: Option<Node<'a>> = None;
        for occurrence in self.identifiers.get(name).into_iter().flatten() {
            if statement.start_byte() <= occurrence.start_byte()
                && occurrence.end_byte() <= statement.end_byte()
            {
                continue;
            }
            let function = enclosing_function(*occurrence);
            if is_local(file, *occurrence, name) {
                continue;
            }
            match use_of(file, *occurrence, kind, function.is_some()) {
                Use::Remove | Use::Escape => return None,
                Use::Add(add) => {
                    let Some(function) = function else {
                        continue;
                    };
                    if self.runs_at_import(file, function, add) {
                        continue;
                    }
                    if first.is_none_or(|f| add.start_byte() < f.start_byte()) {
                        first = Some(add);
                    }
                }
                Use::Read | Use::Other => {}
            }
        }
        first
    }

    /// Whether the function (or one enclosing it) runs only while the module or its
    /// users are imported, as far as the file shows.
    fn runs_at_import(&self, file: &SourceFile<'a>, function: Node<'a>, add: Node<'a>) -> bool {
        let mut current = Some(function);
        while let Some(function) = current {
            if function.kind() == "function_definition"
                && (is_decorator_shaped(file, function, add)
                    || adds_class_at_creation(file, function)
                    || self.called_only_at_module_level(file, function))
            {
                return true;
            }
            current = function.parent().and_then(enclosing_function_of_node);
        }
        false
    }

    /// Every other occurrence of the function's name is a call or decorator outside
    /// every function body, and there is at least one.
    fn called_only_at_module_level(&self, file: &SourceFile, function: Node) -> bool {
        let Some(name_node) = function.child_by_field_name("name") else {
            return false;
        };
        let name = file.node_text(name_node);
        let others: Vec<&Node> = self
            .identifiers
            .get(name)
            .into_iter()
            .flatten()
            .filter(|n| **n != name_node)
            .collect();
        !others.is_empty()
            && others.iter().all(|occurrence| {
                let called = occurrence.parent().is_some_and(|p| {
                    p.kind() == "call" && p.child_by_field_name("function") == Some(**occurrence)
                        || p.kind() == "decorator"
                });
                called && enclosing_function(**occurrence).is_none()
            })
    }
}

/// The innermost `def` or `lambda` holding `node`.
fn enclosing_function(node: Node) -> Option<Node> {
    node.parent().and_then(enclosing_function_of_node)
}

fn enclosing_function_of_node(node: Node) -> Option<Node> {
    let mut current = Some(node);
    while let Some(n) = current {
        if matches!(n.kind(), "function_definition" | "lambda") {
            return Some(n);
        }
        current = n.parent();
    }
    None
}

/// Whether the name at `occurrence` is some function's own (a parameter or local not
/// declared `global`), or a class body's, rather than the module's.
fn is_local(file: &SourceFile, occurrence: Node, name: &str) -> bool {
    let mut current = occurrence.parent();
    let mut in_function_body = false;
    while let Some(node) = current {
        match node.kind() {
            "function_definition" | "lambda" => {
                if declares_global(file, node, name) {
                    return false;
                }
                if scope_bindings(file, node).contains(name) {
                    return true;
                }
                in_function_body = true;
            }
            "class_definition"
                if !in_function_body && scope_bindings(file, node).contains(name) =>
            {
                return true;
            }
            _ => {}
        }
        current = node.parent();
    }
    false
}

fn declares_global(file: &SourceFile, function: Node, name: &str) -> bool {
    let Some(body) = function.child_by_field_name("body") else {
        return false;
    };
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "function_definition" | "class_definition" | "lambda" => continue,
            "global_statement" => {
                let mut cursor = node.walk();
                if node
                    .named_children(&mut cursor)
                    .any(|n| file.node_text(n) == name)
                {
                    return true;
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// How the occurrence of the container's name uses it.
fn use_of<'a>(file: &SourceFile, node: Node<'a>, kind: Kind, in_function: bool) -> Use<'a> {
    let Some(parent) = node.parent() else {
        return Use::Read;
    };
    let is = |field: &str| parent.child_by_field_name(field) == Some(node);
    match parent.kind() {
        "attribute" if is("object") => {
            let method = parent
                .child_by_field_name("attribute")
                .map_or("", |a| file.node_text(a));
            let call = parent.parent().filter(|g| {
                g.kind() == "call" && g.child_by_field_name("function") == Some(parent)
            });
            if REMOVING.contains(&method) {
                Use::Remove
            } else if let (true, Some(call)) = (ADDING.contains(&method), call) {
                Use::Add(call)
            } else if call.is_some() || matches!(method, "get" | "keys" | "values" | "items") {
                Use::Read
            } else {
                // `X.append` handed out as a callback, or another attribute: unclear.
                Use::Escape
            }
        }
        "subscript" if is("value") => {
            let slice = parent
                .child_by_field_name("subscript")
                .is_some_and(|s| s.kind() == "slice");
            let grand = parent.parent();
            let target_of = |kinds: &[&str]| {
                grand.is_some_and(|g| {
                    kinds.contains(&g.kind()) && g.child_by_field_name("left") == Some(parent)
                })
            };
            if grand.is_some_and(|g| g.kind() == "delete_statement")
                || grand.is_some_and(|g| {
                    g.kind() == "expression_list"
                        && g.parent().is_some_and(|d| d.kind() == "delete_statement")
                })
            {
                Use::Remove
            } else if target_of(&["assignment"]) {
                if slice {
                    Use::Remove
                } else if kind.is_mapping() {
                    Use::Add(grand.expect("target_of checked it"))
                } else {
                    Use::Read
                }
            } else if target_of(&["augmented_assignment"]) {
                if matches!(kind, Kind::Counter | Kind::DefaultDict) {
                    Use::Add(grand.expect("target_of checked it"))
                } else {
                    Use::Read
                }
            } else if kind == Kind::DefaultDict && in_function && grows_entry(file, parent) {
                // `X[k].append(v)`, `X[k][j] = v`: the read inserts a missing key, and the
                // entry is grown. A bare read is a lookup with a default, as a table
                // (`LEVELS[name]`) is used; it is not counted.
                Use::Add(parent)
            } else {
                Use::Read
            }
        }
        "augmented_assignment" if is("left") => {
            let operator = parent
                .child_by_field_name("operator")
                .map_or("", |o| file.node_text(o));
            match operator {
                "|=" | "+=" => Use::Add(parent),
                _ => Use::Remove,
            }
        }
        "assignment" if is("left") => Use::Remove,
        "assignment" if is("type") => Use::Other,
        "delete_statement" => Use::Remove,
        "expression_list"
            if parent
                .parent()
                .is_some_and(|d| d.kind() == "delete_statement") =>
        {
            Use::Remove
        }
        "global_statement" => Use::Other,
        "comparison_operator" | "not_operator" => Use::Read,
        "if_statement" | "elif_clause" | "while_statement" if is("condition") => Use::Read,
        "for_statement" | "for_in_clause" if is("right") => Use::Read,
        "argument_list" => {
            let callee = parent
                .parent()
                .and_then(|call| call.child_by_field_name("function"))
                .map_or("", |f| file.node_text(f));
            if READING_CALLS.contains(&callee) || callee.ends_with(".join") {
                Use::Read
            } else {
                Use::Escape
            }
        }
        "keyword_argument" if is("name") => Use::Other,
        "attribute" if is("attribute") => Use::Other,
        "function_definition" | "class_definition" if is("name") => Use::Other,
        "parameters"
        | "lambda_parameters"
        | "typed_parameter"
        | "default_parameter"
        | "typed_default_parameter"
            if !is("value") =>
        {
            Use::Other
        }
        "aliased_import" | "dotted_name" | "import_from_statement" | "import_statement" => {
            Use::Other
        }
        _ => Use::Escape,
    }
}

/// Whether the subscript `X[k]` is grown in place: `X[k].append(v)` (an adding method),
/// `X[k][j] = v`, `X[k] += v`.
fn grows_entry(file: &SourceFile, subscript: Node) -> bool {
    let Some(parent) = subscript.parent() else {
        return false;
    };
    match parent.kind() {
        "attribute" => {
            let method = parent
                .child_by_field_name("attribute")
                .map_or("", |a| file.node_text(a));
            ADDING.contains(&method)
                && parent.parent().is_some_and(|call| {
                    call.kind() == "call" && call.child_by_field_name("function") == Some(parent)
                })
        }
        "subscript" => {
            parent.child_by_field_name("value") == Some(subscript)
                && parent.parent().is_some_and(|g| {
                    g.kind() == "assignment" && g.child_by_field_name("left") == Some(parent)
                })
        }
        "augmented_assignment" => parent.child_by_field_name("left") == Some(subscript),
        _ => false,
    }
}

/// A decorator: the function adds one of its parameters (what it adds reads it) and
/// returns that parameter.
fn is_decorator_shaped(file: &SourceFile, function: Node, add: Node) -> bool {
    let Some(parameters) = function.child_by_field_name("parameters") else {
        return false;
    };
    let names: Vec<&str> = parameter_names(parameters)
        .into_iter()
        .map(|n| file.node_text(n))
        .collect();
    let added = expression_reads(file, add);
    let Some(body) = function.child_by_field_name("body") else {
        return false;
    };
    names
        .iter()
        .any(|parameter| added.contains(parameter) && returns_name(file, body, parameter))
}

/// Whether some `return NAME` in the body (not in nested functions) returns the name.
fn returns_name(file: &SourceFile, body: Node, name: &str) -> bool {
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "function_definition" | "lambda" | "class_definition" => continue,
            "return_statement"
                if node
                    .named_child(0)
                    .is_some_and(|value| file.node_text(value) == name) =>
            {
                return true;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// `__init_subclass__`, or a metaclass's `__new__`/`__init__`: they run when a class
/// statement runs, at import.
fn adds_class_at_creation(file: &SourceFile, function: Node) -> bool {
    let Some(name) = function.child_by_field_name("name") else {
        return false;
    };
    let name = file.node_text(name);
    let class = function
        .parent()
        .and_then(|p| {
            if p.kind() == "decorated_definition" {
                p.parent()
            } else {
                Some(p)
            }
        })
        .and_then(|block| block.parent())
        .filter(|c| c.kind() == "class_definition");
    let Some(class) = class else {
        return false;
    };
    let is_metaclass = class
        .child_by_field_name("superclasses")
        .is_some_and(|bases| {
            let text = file.node_text(bases);
            text.contains("type") || text.contains("Meta")
        });
    name == "__init_subclass__" || is_metaclass && matches!(name, "__new__" | "__init__")
}
