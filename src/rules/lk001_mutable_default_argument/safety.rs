//! Whether LK001's fix keeps the program's meaning (safe), may change it (unsafe, with
//! the reason), or cannot be written at all (no fix, with the reason).
//!
//! A safe fix must give every call that omits the argument a value equal to what the
//! `def`-time default held, and must not end a sharing the code relies on. Moving the
//! default into the body evaluates it at each call instead of once, in the function's
//! own scope instead of the enclosing one; each check here names one way that differs.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use crate::semantic::{contains_kind, statements, FileBindings};
use crate::settings::Settings;
use crate::source::SourceFile;

/// Builtins that build a value from their arguments alone, with no state of their own:
/// called with arguments that are themselves stable, they give an equal value at any
/// time.
const PURE_BUILTIN_CALLS: &[&str] = &[
    "range",
    "tuple",
    "frozenset",
    "int",
    "float",
    "complex",
    "str",
    "bytes",
    "bool",
    "zip",
    "enumerate",
    "reversed",
    "sorted",
    "len",
    "min",
    "max",
    "abs",
    "sum",
    "round",
    "chr",
    "ord",
];

/// Builtins a default may name as a value (`defaultdict(list)`): classes, which no
/// program rebinds unless the file does (then they do not resolve to the builtin).
const BUILTIN_CLASSES: &[&str] = &[
    "list",
    "dict",
    "set",
    "frozenset",
    "tuple",
    "int",
    "float",
    "complex",
    "str",
    "bytes",
    "bytearray",
    "bool",
    "object",
];

/// Why the default cannot move into the body at all: `await`, `yield`, `yield from` or
/// an async comprehension there would be a syntax error in a plain `def`, or would turn
/// the function into a generator or run at another time in an `async def`.
pub(super) fn immovable(file: &SourceFile, value: Node) -> Option<String> {
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "await" => return Some("the default contains `await`, which cannot move into the body".into()),
            "yield" => {
                return Some(
                    "the default contains `yield` or `yield from`, which in the body would make the function a generator"
                        .into(),
                )
            }
            "for_in_clause" if file.node_text(node).starts_with("async") => {
                return Some(
                    "the default contains an async comprehension, which cannot move into the body"
                        .into(),
                )
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    None
}

/// Why the guard would read a name before the body's own `global` declaration of it
/// (CPython: `SyntaxError: name 'G' is used prior to global declaration`): a `global`
/// statement naming a name the default reads that is not among the statements the
/// guard goes after (`kept` of the body's statements).
pub(super) fn late_global(
    file: &SourceFile,
    body: Node,
    kept: usize,
    reads: &[&str],
) -> Option<String> {
    let all = statements(body);
    let kept: Vec<Node> = all.iter().take(kept).copied().collect();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "function_definition" | "class_definition" | "lambda" => continue,
            "global_statement" if !kept.contains(&node) => {
                let mut cursor = node.walk();
                let names: Vec<Node> = node.named_children(&mut cursor).collect();
                if let Some(name) = names
                    .into_iter()
                    .map(|n| file.node_text(n))
                    .find(|n| reads.contains(n))
                {
                    return Some(format!(
                        "the body declares `global {name}` after the place of the `is None` check, which reads it"
                    ));
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

/// What the checks read: the file, the run's settings, the file's bindings, and the
/// facts about its globals.
pub(super) struct Context<'c, 'a> {
    pub(super) file: &'c SourceFile<'a>,
    pub(super) settings: &'c Settings,
    pub(super) bindings: &'c FileBindings<'a>,
    pub(super) facts: &'c ModuleFacts<'a>,
}

/// What the safety checks need to know about the module's globals, collected in one
/// walk of the file the first time a default asks (so that many findings in one file
/// cost one walk, not one each).
pub(super) struct ModuleFacts<'a> {
    /// Globals some `del` removes (at module level, or in a function declaring them
    /// `global`), with the 1-based line of the first such `del`.
    deleted: HashMap<&'a str, usize>,
    /// Whether the module has a `from m import *`, which may bind any name.
    star_import: bool,
}

impl<'a> ModuleFacts<'a> {
    pub(super) fn collect(file: &SourceFile<'a>) -> Self {
        let root = file.tree.root_node();
        let star_import = statements(root).into_iter().any(|statement| {
            statement.kind() == "import_from_statement"
                && contains_kind(statement, "wildcard_import")
        });
        // Without the word `del` in its code the file deletes nothing: no walk needed.
        if !crate::prefilter::has_word(file.code(), "del") {
            return ModuleFacts {
                deleted: HashMap::new(),
                star_import,
            };
        }
        // `del` targets, each with the function it runs in (`None`: module level).
        let mut deletes: Vec<(&'a str, Option<Node>, usize)> = Vec::new();
        let mut globals_of: HashMap<usize, HashSet<&'a str>> = HashMap::new();
        let mut stack = vec![(root, None::<Node>)];
        while let Some((node, function)) = stack.pop() {
            let function = match node.kind() {
                "function_definition" | "lambda" => Some(node),
                _ => function,
            };
            match node.kind() {
                "global_statement" => {
                    let mut cursor = node.walk();
                    for name in node.named_children(&mut cursor) {
                        let name = file.node_text(name);
                        if let Some(f) = function {
                            globals_of.entry(f.id()).or_default().insert(name);
                        }
                    }
                    continue;
                }
                "delete_statement" => {
                    let mut cursor = node.walk();
                    let targets: Vec<Node> = node.named_children(&mut cursor).collect();
                    for target in targets {
                        crate::semantic::for_each_target(target, &mut |n| {
                            deletes.push((
                                file.node_text(n),
                                function,
                                node.start_position().row + 1,
                            ));
                        });
                    }
                    continue;
                }
                _ => {}
            }
            let mut cursor = node.walk();
            stack.extend(
                node.named_children(&mut cursor)
                    .map(|child| (child, function)),
            );
        }
        let mut deleted: HashMap<&'a str, usize> = HashMap::new();
        for (name, function, line) in deletes {
            let global = function.is_none_or(|f| {
                globals_of
                    .get(&f.id())
                    .is_some_and(|names| names.contains(name))
            });
            if global {
                let first = deleted.entry(name).or_insert(line);
                *first = (*first).min(line);
            }
        }
        ModuleFacts {
            deleted,
            star_import,
        }
    }
}

/// Why the fix could make a call fail: the default reads a global that some `del`
/// removes (at module level, or in a function declaring it `global`), so at call time it
/// may not exist any more (`NameError`) though it did when the `def` ran.
pub(super) fn deleted_global(facts: &ModuleFacts, reads: &[&str]) -> Option<String> {
    reads.iter().find_map(|name| {
        facts.deleted.get(name).map(|line| {
            format!(
                "the default reads `{name}`, which a `del` (line {line}) removes, so a call could fail with `NameError`"
            )
        })
    })
}

/// Why the fix may change what the program does, when it may: the default reads state
/// that can change between the `def` and a call, or code that outlives the call (a
/// nested function, lambda or class) reads the parameter and so shares the default on
/// purpose.
pub(super) fn unsafe_reason(
    cx: &Context,
    mutable_calls: &[&str],
    value: Node,
    body: Node,
    name: &str,
) -> Option<String> {
    let file = cx.file;
    if let Some(reason) = changing_state(cx, mutable_calls, value) {
        return Some(reason);
    }
    if let Some(line) = nested_reader(file, body, name) {
        return Some(format!(
            "a nested function, class or generator expression (line {line}) reads `{name}` and may rely on the one shared object outliving the call"
        ));
    }
    None
}

/// Whether a call of `function` (a name, a dotted name, or one subscripted with type
/// arguments: `OrderedDict[str, int]`) is one of the listed constructors or a pure
/// builtin.
fn is_allowed_callee(cx: &Context, mutable_calls: &[&str], function: Node) -> bool {
    let (file, settings, bindings) = (cx.file, cx.settings, cx.bindings);
    let function = callee_name(function);
    let Some(qualified) = bindings.resolve(file, function) else {
        return false;
    };
    mutable_calls.contains(&qualified.as_str())
        || settings.extend_mutable_calls.contains(&qualified)
        || PURE_BUILTIN_CALLS.contains(&qualified.as_str())
}

/// The name a call's function position holds, less type arguments: `OrderedDict` in
/// `OrderedDict[str, int]()`.
pub(super) fn callee_name(function: Node) -> Node {
    let mut function = function;
    while matches!(function.kind(), "subscript" | "generic_type") {
        match function
            .child_by_field_name("value")
            .or_else(|| function.named_child(0))
        {
            Some(inner) => function = inner,
            None => break,
        }
    }
    function
}

/// The first thing the default reads whose value may differ at call time from what it
/// was when the `def` ran, as the reason the fix is unsafe.
fn changing_state(cx: &Context, mutable_calls: &[&str], value: Node) -> Option<String> {
    let file = cx.file;
    // Names the default's own comprehensions bind: not reads of the enclosing scope.
    let mut inner: HashSet<&str> = HashSet::new();
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        if node.kind() == "for_in_clause" {
            if let Some(left) = node.child_by_field_name("left") {
                crate::semantic::for_each_target(left, &mut |n| {
                    inner.insert(file.node_text(n));
                });
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "call" => {
                if let Some(function) = node.child_by_field_name("function") {
                    if !is_allowed_callee(cx, mutable_calls, function) {
                        return Some(format!(
                            "the default calls `{}`, which the fix would run at every call instead of once when the `def` runs",
                            file.node_text(function)
                        ));
                    }
                }
                // The callee is judged; its type arguments do nothing at run time.
                if let Some(arguments) = node.child_by_field_name("arguments") {
                    stack.push(arguments);
                }
                continue;
            }
            "lambda" => {
                // Its body runs when it is called, in the original as after the fix; its
                // parameters' defaults run now.
                if let Some(parameters) = node.child_by_field_name("parameters") {
                    stack.push(parameters);
                }
                continue;
            }
            "attribute" => {
                // `os.environ`: whatever the object, its attribute may change.
                return Some(format!(
                    "the default reads `{}`, which can change between the `def` and a call",
                    file.node_text(node)
                ));
            }
            "keyword_argument" => {
                if let Some(argument) = node.child_by_field_name("value") {
                    stack.push(argument);
                }
                continue;
            }
            "identifier" => {
                let name = file.node_text(node);
                if !inner.contains(name) && !is_stable_name(cx, node) {
                    return Some(format!(
                        "the default reads `{name}`, which can change between the `def` and a call"
                    ));
                }
                continue;
            }
            "subscript" => {
                return Some(format!(
                    "the default reads `{}`, which can change between the `def` and a call",
                    file.node_text(node)
                ));
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

/// Whether the name holds the same value whenever it is read: a builtin class the file
/// does not rebind (and no star import could), or a module constant
/// ([`ModuleFacts::is_constant`]).
fn is_stable_name(cx: &Context, node: Node) -> bool {
    let (bindings, facts) = (cx.bindings, cx.facts);
    let name = cx.file.node_text(node);
    // A module-level name, even one bound once to a literal, is an attribute other
    // modules can rebind (a test's `monkeypatch.setattr(settings, "LIMIT", 99)`): read at
    // call time after the fix, it may differ from what the `def` saw.
    !bindings.is_bound(name) && !facts.star_import && BUILTIN_CLASSES.contains(&name)
}

/// The 1-based line of a nested `def`, `lambda`, class or generator expression in the
/// body that reads `name`: each may run after the call returns (a generator expression
/// reads lazily), so it may rely on the one shared object.
fn nested_reader(file: &SourceFile, body: Node, name: &str) -> Option<usize> {
    let mut stack = vec![(body, None::<Node>)];
    while let Some((node, nested)) = stack.pop() {
        let nested = match node.kind() {
            "function_definition" | "class_definition" | "lambda" | "generator_expression"
                if nested.is_none() =>
            {
                Some(node)
            }
            _ => nested,
        };
        if node.kind() == "identifier" && file.node_text(node) == name {
            if let Some(scope) = nested {
                let is_attribute_name = node.parent().is_some_and(|p| {
                    p.kind() == "attribute" && p.child_by_field_name("attribute") == Some(node)
                        || p.kind() == "keyword_argument"
                            && p.child_by_field_name("name") == Some(node)
                });
                if !is_attribute_name {
                    return Some(scope.start_position().row + 1);
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(
            node.named_children(&mut cursor)
                .map(|child| (child, nested)),
        );
    }
    None
}

/// Python 3.12 syntax (PEP 695), which the fixtures cannot hold while CI's CPython is
/// 3.11; each outcome here was checked against CPython 3.12.
#[cfg(test)]
mod pep695_tests {
    use crate::engine::check_text;
    use crate::settings::Settings;

    /// Each finding's detail and its fix's applicability (`None` when it has no fix).
    fn outcomes(source: &str) -> Vec<(String, Option<&'static str>)> {
        let mut settings = Settings::default();
        settings.select_rules(&["LK001".into()], &[]).unwrap();
        check_text(source, &settings)
            .unwrap()
            .into_iter()
            .map(|located| {
                let fix = located
                    .finding
                    .fix
                    .as_ref()
                    .map(|f| f.applicability.as_str());
                (located.finding.detail, fix)
            })
            .collect()
    }

    #[test]
    fn a_type_parameter_of_the_function_is_a_local_name() {
        // `T` in the default is the module's; in the body, the type parameter.
        let found = outcomes("T = 1\n\n\ndef f[T](x=[T]) -> T:\n    return x\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].0.contains("No fix: the default reads `T`"),
            "{found:?}"
        );
    }

    #[test]
    fn a_type_alias_in_the_body_is_a_local_name() {
        let found = outcomes("G = 1\n\n\ndef f(x=[G]):\n    type G = int\n    return x, G\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].0.contains("No fix: the default reads `G`"),
            "{found:?}"
        );
    }

    #[test]
    fn a_type_parameter_of_another_function_changes_nothing() {
        let found = outcomes(
            "T = 1\n\n\ndef g[T](y: T) -> T:\n    return y\n\n\ndef f(x=[T]):\n    return len(x)\n",
        );
        // As without `g`: a fix (unsafe, since `T` is a module name other modules may
        // rebind), not the refusal a local `T` would get.
        assert_eq!(found, [(found[0].0.clone(), Some("unsafe"))]);
    }
}
