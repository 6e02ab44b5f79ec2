//! LK002 module-level-large-allocation.
//!
//! What a module's top level builds lives as long as the module: normally until the
//! process exits, in every process that imports it. The rule estimates what each
//! module-level assignment builds, reports the large ones, and offers to release the name
//! after its last use, or to build the value on first use instead.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match_in, Finding, FixAvailability, Rule};
use crate::fix::{Applicability, Edit, Fix};
use crate::prefilter::{
    for_each_logical_line, has_word, is_ident_byte, skip_trivia, word_positions, BlockKind,
};
use crate::semantic::{
    add_import, contains_kind, expression_reads, for_each_target, module_level_ranges,
    parameter_names, scope_bindings, statements, unparenthesize, visit_bindings, Binding,
    FileBindings,
};
use crate::settings::{PythonVersion, Settings};
use crate::source::{line_end, line_indentation, line_start, reindent, SourceFile};

const CODE: &str = "LK002";

static QUERY: LazyLock<Query> = LazyLock::new(|| {
    compile_query(include_str!(
        "../../queries/lk002_module_level_large_allocation.scm"
    ))
});

const DOC: &str = r#"# LK002 module-level-large-allocation

## What it finds
An assignment at module level whose value is estimated to take at least
`--large-allocation-bytes` (default 10 MB) on 64-bit CPython. Module level means outside
any `def` or `lambda`: top-level `if`, `try`, `with` and `for` blocks count, and so do
class bodies (a class attribute lives as long as its class). `if TYPE_CHECKING:` blocks
and `if __name__ == "__main__":` blocks are skipped: the first never runs, the second
only runs as a script.

Sizes are estimated from the code alone. Integer constants are folded (`10**6`, `1 << 20`,
`1_000_000`, `0x10000`, `int(1e6)`, and module-level names bound once to such an
expression, like `N = 10**6`). Estimated shapes:

| shape | estimate |
| --- | --- |
| list comprehension, `list(range(N))`, `tuple(range(N))` | ~40 B per int, ~32 B per float, ~63 B per short string, 8 B per reference to one shared object |
| set comprehension, `set(range(N))` | ~65 B per int element |
| dict comprehension, `dict.fromkeys(range(N))` | ~74 B per entry with an int key, plus the value |
| `[x] * N`, `(x,) * N` | 8 B per slot |
| `[[0] * M for _ in range(N)]` | N × (8 + 56 + 8M) |
| `bytearray(N)`, `bytes(N)`, `b"x" * N`, `"x" * N` | N × the literal's length (in bytes) |
| `numpy.zeros`, `ones`, `empty`, `full`, `arange` (import aliases followed) | items × the dtype's item size (float64 by default) |
| `Name()` for a class defined in the file | what its `__init__` stores on `self` |

Nested `for` clauses multiply; an `if` clause makes the estimate an upper bound ("up
to"); an element the rule cannot size counts only its slot, and the estimate becomes a
lower bound ("at least"). Lazy objects (`range`, generator expressions, `map`) cost
nothing and are never reported. A name deleted with `del` later in the same block is not
reported: it is released.

## Why it leaks
A module's globals are referenced from the module object, which `sys.modules` keeps until
the interpreter exits. Whatever the top level builds and binds to a name is therefore
never freed, whether or not anything uses it after import, and it is paid for again in
every process that imports the module: every `multiprocessing` worker started with
`spawn` or `forkserver` re-runs the whole top level of the modules it imports.

## Example
```python
import numpy as np

TABLE = [i * i for i in range(10**6)]
TOTAL = sum(TABLE)
GRID = np.zeros((5000, 5000))

def cell(x, y):
    return GRID[x, y]
```

## Fix
```python
import numpy as np
import functools

TABLE = [i * i for i in range(10**6)]
TOTAL = sum(TABLE)
del TABLE
@functools.cache
def _load_GRID():
    return np.zeros((5000, 5000))

def cell(x, y):
    return _load_GRID()[x, y]


def __getattr__(name):
    if name == "GRID":
        return _load_GRID()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
```
- **Release after last use**, when only module-level code uses the name: `del NAME` goes
  after the last top-level statement that uses it (after the whole compound statement
  when the use is nested in one), in the same block as the binding. A name never used
  again is released right after it is bound. The memory is still allocated during import,
  but it is freed there instead of at exit.
- **Load lazily**, when functions read the name: the value is built by a
  `functools.cache`-decorated loader `_load_NAME()` (`functools.lru_cache(maxsize=None)`
  before Python 3.9), every read in the file calls it, and a module `__getattr__`
  (PEP 562) keeps `module.NAME` and `from module import NAME` working for other modules.
  The trade-off: the memory is not saved, only deferred. The first call builds the value
  and the cache pins it until exit, exactly as before; what is saved is the memory (and
  import time) of every process that never calls a function that needs it, such as
  `multiprocessing` workers that import the module for something else. A program that
  uses the value everywhere gains nothing.

## Fix safety
Both fixes are unsafe: other modules may import the name (`from module import NAME`
stops working after `del`; with the lazy loader, `dir(module)` no longer lists it), and
deferring the value moves its construction, with any side effects or errors, from import
time to first use.

No fix is offered, and the message says why, for a class attribute; a target that is not
a plain name (`obj.attr = ...`, `a, b = ...`, `a = b = ...`); a name declared `global` in
a function; a file that calls `globals()`, `eval` or `exec` (or `vars()`/`locals()` at
module level); a name a class body reads. Release is declined for a name listed in
`__all__`, a name bound inside an `if`, `for`, `while` or `try` block and used after it
(it may be unbound there), one read before its binding inside a loop, and one already
deleted elsewhere. Lazy loading is declined when module-level code also reads, mutates or
rebinds the name (it would be built at import anyway), when it is bound inside a compound
statement or shares its line, when a comprehension binds the same name, when the value
reads a name that is rebound or deleted, and when the module defines its own
`__getattr__`.
"#;

pub struct ModuleLevelLargeAllocation;

impl Rule for ModuleLevelLargeAllocation {
    fn code(&self) -> &'static str {
        CODE
    }

    fn name(&self) -> &'static str {
        "module-level-large-allocation"
    }

    fn doc(&self) -> &'static str {
        DOC
    }

    fn fix_availability(&self) -> FixAvailability {
        FixAvailability::Sometimes
    }

    fn might_match(&self, text: &str, _settings: &Settings) -> bool {
        might_match(text)
    }

    fn check(&self, file: &SourceFile, settings: &Settings, findings: &mut Vec<Finding>) {
        let assignment_index = QUERY
            .capture_index_for_name("assignment")
            .expect("query defines @assignment");
        let statement_index = QUERY
            .capture_index_for_name("statement")
            .expect("query defines @statement");
        let mut assignments = Vec::new();
        // Only module-level code can hold a finding, so the query skips function bodies.
        let root = file.tree.root_node();
        let ranges = module_level_ranges(root);
        for_each_match_in(&QUERY, root, file.text.as_bytes(), &ranges, |captures| {
            let find = |wanted| {
                captures
                    .iter()
                    .find(|(index, _)| *index == wanted)
                    .map(|(_, node)| *node)
            };
            if let (Some(statement), Some(assignment)) =
                (find(statement_index), find(assignment_index))
            {
                assignments.push((statement, assignment));
            }
        });
        assignments.dedup_by_key(|(statement, _)| statement.id());
        if assignments.is_empty() {
            return;
        }
        let module = Module::collect(file);
        for (statement, assignment) in assignments {
            let Some(placement) = module.placement(assignment) else {
                continue;
            };
            let sizer = match placement {
                Placement::Module => Sizer::new(&module, HashSet::new()),
                Placement::ClassBody(class) => Sizer::new(&module, scope_bindings(file, class)),
            };
            for target in targets_of(assignment) {
                let Some(estimate) = sizer.estimate(target.value, 0) else {
                    continue;
                };
                if estimate.bytes < u128::from(settings.large_allocation_bytes) {
                    continue;
                }
                if let (Form::Name, Placement::Module) = (target.form, placement) {
                    let name = file.node_text(target.names[0]);
                    if module.is_released(name, statement) {
                        continue;
                    }
                }
                findings.push(finding(
                    &module, settings, statement, assignment, &target, placement, &estimate,
                ));
            }
        }
    }
}

/// The prefilter, independent of the threshold. A finding is an assignment statement
/// (so an `=`) outside every `def` and `lambda`, whose value [`Sizer::estimate`] can
/// size. Every estimate bottoms out in a comprehension (`for`), a repetition (`*`), a
/// call of the builtins `list`, `tuple`, `set`, `frozenset`, `sorted`, `bytes`,
/// `bytearray` (only the unbound names resolve to them, so they are spelled so),
/// `dict.fromkeys`, or a name resolving into `numpy` (so the file says `numpy`, if only
/// in its import); or in an instance of a class of the file (not in a `def`), called by
/// name, sized by the same shapes in the assignments of its `__init__`. So some logical
/// line (a whole statement, or a compound statement's header) outside `def` bodies must
/// hold an `=` and one of those words; or a line of an `__init__` must, and a line with
/// an `=` outside `def` bodies, or in an `__init__`, must name a class. The text comes
/// with comments and strings blanked; when its lines cannot be told apart, the whole
/// text is read.
fn might_match(code: &str) -> bool {
    if !code.contains('=') {
        return false;
    }
    if code.contains("numpy") {
        return true;
    }
    let mut found = false;
    let mut init_allocates = false;
    let mut classes: Vec<&str> = Vec::new();
    let mut assigning: Vec<&str> = Vec::new();
    let complete = for_each_logical_line(code, |line| {
        let defs = line.enclosing.iter().filter(|b| b.kind == BlockKind::Def);
        let (mut outside, mut in_init) = (true, false);
        for (index, def) in defs.enumerate() {
            outside = false;
            in_init = index == 0 && def.name == "__init__";
        }
        if let Some(class) = line.opens.filter(|b| b.kind == BlockKind::Class) {
            if outside {
                classes.push(class.name);
            }
        }
        // A `def` line holds no assignment statement: its body, even on the same line,
        // is inside the `def`.
        let is_def = line.opens.is_some_and(|b| b.kind == BlockKind::Def);
        if !(outside || in_init) || is_def || found || !line.text.contains('=') {
            return;
        }
        assigning.push(line.text);
        if outside {
            found = may_allocate(line.text);
        } else {
            init_allocates = init_allocates || may_allocate(line.text);
        }
    });
    if !complete {
        return may_allocate(code);
    }
    found
        || (init_allocates
            && classes
                .iter()
                .any(|class| assigning.iter().any(|line| has_word(line, class))))
}

/// An `=`, and a `for`, a multiplication `*` (not `**`, not a `*args` splat: after an
/// operand), or a call of one of the builtins or of `fromkeys`.
fn may_allocate(code: &str) -> bool {
    const CALLS: &[&str] = &[
        "list",
        "tuple",
        "set",
        "frozenset",
        "sorted",
        "bytes",
        "bytearray",
        "fromkeys",
    ];
    let bytes = code.as_bytes();
    let multiplies = code.match_indices('*').any(|(at, _)| {
        let mut before = at;
        while before > 0 && matches!(bytes[before - 1], b' ' | b'\t' | b'\n' | b'\r' | b'\\') {
            before -= 1;
        }
        let operand = before > 0
            && (is_ident_byte(bytes[before - 1])
                || matches!(bytes[before - 1], b')' | b']' | b'}' | b'\'' | b'"'));
        operand && !matches!(bytes.get(at + 1), Some(b'*' | b'='))
    });
    let calls = || {
        CALLS.iter().any(|name| {
            word_positions(code, name)
                .any(|at| bytes.get(skip_trivia(bytes, at + name.len(), true)) == Some(&b'('))
        })
    };
    code.contains('=') && (multiplies || has_word(code, "for") || calls())
}

fn finding<'a>(
    module: &Module<'_, 'a>,
    settings: &Settings,
    statement: Node<'a>,
    assignment: Node<'a>,
    target: &Target<'a>,
    placement: Placement<'a>,
    estimate: &Estimate,
) -> Finding {
    let file = module.file;
    let names: Vec<&str> = target.names.iter().map(|n| file.node_text(*n)).collect();
    let (subject, verb, lifetime) = match (target.form, placement) {
        (_, Placement::ClassBody(class)) => {
            let class_name = class
                .child_by_field_name("name")
                .map_or("?", |n| file.node_text(n));
            (
                format!("class attribute `{class_name}.{}`", names.join("`, `")),
                "keeps",
                format!("alive as long as class `{class_name}`, normally until the process exits"),
            )
        }
        (Form::Chained, _) => (
            format!("`{}`", names.join("` and `")),
            "keep",
            "alive from import until the process exits".to_string(),
        ),
        (Form::Other, _) => (
            format!("`{}`", names[0]),
            "keeps",
            "alive as long as the object it is stored in, often until the process exits"
                .to_string(),
        ),
        _ => (
            format!("`{}`", names[0]),
            "keeps",
            "alive from import until the process exits".to_string(),
        ),
    };
    let message = format!(
        "{subject} {verb} {} ({}) {lifetime}",
        estimate.size_text(),
        estimate.shape
    );
    let fix = match (target.form, placement) {
        (Form::Name, Placement::Module) => plan_fix(
            module,
            settings,
            statement,
            assignment,
            target.names[0],
            target.value,
        ),
        (_, Placement::ClassBody(_)) => Err(
            "a class attribute is read through the class and its instances, which this file cannot follow"
                .to_string(),
        ),
        (Form::Chained, _) => Err("the value is bound to several names at once".to_string()),
        (Form::Unpacked, _) => Err("the name is bound by an unpacking assignment".to_string()),
        (Form::Other, _) => Err("the target is not a plain name".to_string()),
    };
    let (message, fix) = match fix {
        Ok(fix) => (message, Some(fix)),
        Err(reason) => (format!("{message}; no fix: {reason}"), None),
    };
    Finding {
        code: CODE,
        range: assignment.byte_range(),
        message,
        fix,
    }
}

// ---------------------------------------------------------------------------------------
// Where an assignment is, and what it binds.

/// Where a module-level assignment runs.
#[derive(Debug, Clone, Copy)]
enum Placement<'a> {
    /// In the module's own scope, possibly inside top-level compound statements.
    Module,
    /// In the body of this class (at module level).
    ClassBody(Node<'a>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `NAME = value`, `NAME: T = value`.
    Name,
    /// `a = b = value`.
    Chained,
    /// `a, b = x, y`: one element of the unpacking.
    Unpacked,
    /// `obj.attr = value`, `obj[key] = value`.
    Other,
}

/// One value an assignment binds, and to what.
struct Target<'a> {
    names: Vec<Node<'a>>,
    value: Node<'a>,
    form: Form,
}

fn targets_of(assignment: Node) -> Vec<Target> {
    let mut lefts = Vec::new();
    let mut current = assignment;
    let value = loop {
        let (Some(left), Some(right)) = (
            current.child_by_field_name("left"),
            current.child_by_field_name("right"),
        ) else {
            return Vec::new();
        };
        lefts.push(left);
        if right.kind() == "assignment" {
            current = right;
        } else {
            break right;
        }
    };
    if lefts.len() > 1 {
        return vec![Target {
            names: lefts,
            value,
            form: Form::Chained,
        }];
    }
    let left = lefts[0];
    match left.kind() {
        "identifier" => vec![Target {
            names: vec![left],
            value,
            form: Form::Name,
        }],
        "attribute" | "subscript" => vec![Target {
            names: vec![left],
            value,
            form: Form::Other,
        }],
        "pattern_list" | "tuple_pattern" | "list_pattern" if value.kind() == "expression_list" => {
            let names = named_children(left);
            let values = named_children(value);
            let plain = |nodes: &[Node]| {
                nodes
                    .iter()
                    .all(|n| !matches!(n.kind(), "list_splat_pattern" | "list_splat" | "comment"))
            };
            if names.len() != values.len() || !plain(&names) || !plain(&values) {
                return Vec::new();
            }
            names
                .into_iter()
                .zip(values)
                .map(|(name, value)| Target {
                    names: vec![name],
                    value,
                    form: Form::Unpacked,
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

fn named_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect()
}

// ---------------------------------------------------------------------------------------
// The module: the facts about its names that sizing and fixing need.

struct Module<'f, 'a> {
    file: &'f SourceFile<'a>,
    bindings: &'f FileBindings<'a>,
    /// How many times each name is bound in the module's own scope.
    module_binding_counts: HashMap<&'a str, usize>,
    /// Names some `global` statement declares.
    declared_global: HashSet<&'a str>,
    /// Names some `del` statement deletes, anywhere.
    deleted: HashSet<&'a str>,
    /// Names some comprehension binds as a loop variable, anywhere.
    comprehension_bound: HashSet<&'a str>,
    /// The value of each module-scope `NAME = value` whose name is bound only there.
    constants: HashMap<&'a str, Node<'a>>,
    /// Module-scope classes whose name is bound only by their `class` statement.
    classes: HashMap<&'a str, Node<'a>>,
    /// The names each function, lambda or class binds in its own scope, by node id.
    scope_cache: RefCell<HashMap<usize, HashSet<&'a str>>>,
}

impl<'f, 'a> Module<'f, 'a> {
    fn collect(file: &'f SourceFile<'a>) -> Self {
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
    fn placement(&self, assignment: Node<'a>) -> Option<Placement<'a>> {
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
    fn is_main_guard(&self, condition: Node) -> bool {
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
    fn is_released(&self, name: &str, statement: Node<'a>) -> bool {
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
    fn module_deletes(&self, name: &str) -> Vec<Node<'a>> {
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
    fn scope_of(&self, node: Node<'a>) -> Scope<'a> {
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
    fn uses(&self, name: &str) -> Uses<'a> {
        let mut uses = Uses::default();
        let mut stack = vec![self.file.tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.kind() == "identifier" {
                if self.file.node_text(node) == name && is_reference(node) {
                    match self.scope_of(node) {
                        Scope::Module => uses.module.push(node),
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
                    if innermost && self.binds(class, name) {
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
    fn dynamic_global_access(&self) -> Option<Node<'a>> {
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
    fn exports(&self, name: &str) -> bool {
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

    fn line(&self, node: Node) -> usize {
        node.start_position().row + 1
    }
}

#[derive(Debug, Clone, Copy)]
enum Scope<'a> {
    Module,
    Function(Node<'a>),
    Class(Node<'a>),
}

/// Where a module global's name occurs.
#[derive(Default)]
struct Uses<'a> {
    /// At module level, bindings included.
    module: Vec<Node<'a>>,
    /// Read directly by the body of a module-level class.
    class_bodies: Vec<(Node<'a>, Node<'a>)>,
    /// Read by a function or lambda (as the global).
    functions: Vec<Node<'a>>,
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

/// Whether an identifier names a variable: not an attribute name (`x.NAME`), a keyword
/// argument name, a module path in an import, or a `global`/`nonlocal` declaration.
fn is_reference(node: Node) -> bool {
    let Some(parent) = node.parent() else {
        return true;
    };
    match parent.kind() {
        "attribute" => parent.child_by_field_name("attribute") != Some(node),
        "keyword_argument" => parent.child_by_field_name("name") != Some(node),
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
fn string_value(file: &SourceFile, node: Node) -> Option<String> {
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

// ---------------------------------------------------------------------------------------
// Size estimates.

/// How deep constant folding and nested shapes may go: enough for real code, and a stop
/// for names defined in terms of each other.
const MAX_DEPTH: usize = 12;

/// 64-bit CPython sizes, in bytes (what `sys.getsizeof` reports, rounded to the allocator).
const SLOT: u128 = 8;
const LIST_HEADER: u128 = 56;
const TUPLE_HEADER: u128 = 40;
const INT_OBJECT: u128 = 32;
const FLOAT_OBJECT: u128 = 24;
const SHORT_STR_OBJECT: u128 = 55;
/// A set's hash table per element, at its usual load.
const SET_ENTRY: u128 = 33;
/// A dict's index and entry tables per entry, at their usual load.
const DICT_ENTRY: u128 = 42;

/// Which way an estimate may be off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    About,
    /// Some part could not be sized and counts as nothing but its slot.
    AtLeast,
    /// An `if` clause may drop elements.
    AtMost,
}

impl Bound {
    fn and(self, other: Bound) -> Bound {
        match (self, other) {
            (a, b) if a == b => a,
            (Bound::About, x) | (x, Bound::About) => x,
            _ => Bound::About,
        }
    }
}

#[derive(Debug, Clone)]
struct Estimate {
    bytes: u128,
    /// What was sized: "a list comprehension of 1,000,000 ints".
    shape: String,
    bound: Bound,
}

impl Estimate {
    fn size_text(&self) -> String {
        let size = format_size(self.bytes);
        match self.bound {
            Bound::About => format!("~{size}"),
            Bound::AtLeast => format!("at least ~{size}"),
            Bound::AtMost => format!("up to ~{size}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Str,
    /// The same object in every slot: a constant, or a name bound outside.
    Shared,
    Other,
}

/// What each element of a container costs beyond its slot.
#[derive(Debug, Clone)]
struct Element {
    bytes: u128,
    plural: String,
    bound: Bound,
    kind: Kind,
}

impl Element {
    fn new(bytes: u128, plural: impl Into<String>, kind: Kind) -> Self {
        Element {
            bytes,
            plural: plural.into(),
            bound: Bound::About,
            kind,
        }
    }
    fn int() -> Self {
        Self::new(INT_OBJECT, "ints", Kind::Int)
    }
    fn float() -> Self {
        Self::new(FLOAT_OBJECT, "floats", Kind::Float)
    }
    fn short_str() -> Self {
        Self::new(SHORT_STR_OBJECT, "short strings", Kind::Str)
    }
    fn shared() -> Self {
        Self::new(0, "references to one shared object", Kind::Shared)
    }
    fn unknown() -> Self {
        Element {
            bound: Bound::AtLeast,
            ..Self::new(0, "items", Kind::Other)
        }
    }
}

/// Loop variables of the comprehensions being sized, and what each takes.
type Vars<'a> = HashMap<&'a str, Element>;

/// A sequence built by a display or a repetition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SequenceKind {
    List,
    Tuple,
    Str,
    Bytes,
}

struct Sequence {
    kind: SequenceKind,
    items: u128,
    /// Bytes per item: a slot, or the width of one character.
    item_bytes: u128,
}

impl Sequence {
    fn bytes(&self) -> u128 {
        let header = match self.kind {
            SequenceKind::List => LIST_HEADER,
            SequenceKind::Tuple => TUPLE_HEADER,
            SequenceKind::Str => 49,
            SequenceKind::Bytes => 33,
        };
        header.saturating_add(self.items.saturating_mul(self.item_bytes))
    }

    fn shape(&self) -> String {
        let items = thousands(self.items);
        match self.kind {
            SequenceKind::List => format!("a list of {items} slots"),
            SequenceKind::Tuple => format!("a tuple of {items} slots"),
            SequenceKind::Str => format!("a str of {items} characters"),
            SequenceKind::Bytes => format!("a bytes object of {items} bytes"),
        }
    }
}

/// Sizes values, in one scope: names that scope binds hide module constants.
struct Sizer<'m, 'f, 'a> {
    module: &'m Module<'f, 'a>,
    shadowed: HashSet<&'a str>,
}

impl<'m, 'f, 'a> Sizer<'m, 'f, 'a> {
    fn new(module: &'m Module<'f, 'a>, shadowed: HashSet<&'a str>) -> Self {
        Sizer { module, shadowed }
    }

    fn text(&self, node: Node) -> &'a str {
        self.module.file.node_text(node)
    }

    /// The qualified name a callee refers to, unless this scope hides its first name.
    fn resolve(&self, node: Node<'a>) -> Option<String> {
        let mut head = node;
        while head.kind() == "attribute" {
            head = head.child_by_field_name("object")?;
        }
        if self.shadowed.contains(self.text(head)) {
            return None;
        }
        self.module.bindings.resolve(self.module.file, node)
    }

    fn estimate(&self, value: Node<'a>, depth: usize) -> Option<Estimate> {
        if depth > MAX_DEPTH {
            return None;
        }
        let value = unparenthesize(value);
        match value.kind() {
            "list_comprehension" | "set_comprehension" | "dictionary_comprehension" => {
                self.comprehension_estimate(value, &Vars::new(), depth)
            }
            "binary_operator" => {
                let sequence = self.sequence(value, depth)?;
                Some(Estimate {
                    bytes: sequence.bytes(),
                    shape: sequence.shape(),
                    bound: Bound::About,
                })
            }
            "call" => self.call_estimate(value, depth),
            _ => None,
        }
    }

    /// Folds an integer constant expression.
    fn fold_int(&self, node: Node<'a>, depth: usize) -> Option<i128> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = unparenthesize(node);
        match node.kind() {
            "integer" => parse_int(self.text(node)),
            "unary_operator" => {
                let value = self.fold_int(node.child_by_field_name("argument")?, depth + 1)?;
                match self.text(node.child_by_field_name("operator")?) {
                    "-" => value.checked_neg(),
                    "+" => Some(value),
                    "~" => Some(!value),
                    _ => None,
                }
            }
            "binary_operator" => {
                let left = self.fold_int(node.child_by_field_name("left")?, depth + 1)?;
                let right = self.fold_int(node.child_by_field_name("right")?, depth + 1)?;
                match self.text(node.child_by_field_name("operator")?) {
                    "+" => left.checked_add(right),
                    "-" => left.checked_sub(right),
                    "*" => left.checked_mul(right),
                    "**" => left.checked_pow(u32::try_from(right).ok()?),
                    "<<" => left.checked_mul(1i128.checked_shl(u32::try_from(right).ok()?)?),
                    ">>" => Some(left >> u32::try_from(right).ok()?.min(127)),
                    "//" if right != 0 => {
                        let quotient = left / right;
                        let inexact = left % right != 0;
                        Some(if inexact && (left < 0) != (right < 0) {
                            quotient - 1
                        } else {
                            quotient
                        })
                    }
                    _ => None,
                }
            }
            "call" => {
                let function = node.child_by_field_name("function")?;
                if self.resolve(function).as_deref() != Some("int") {
                    return None;
                }
                let argument = single_positional(node)?;
                let argument = unparenthesize(argument);
                if argument.kind() == "float" {
                    let value = parse_float(self.text(argument))?;
                    (value.is_finite() && value.fract() == 0.0 && value.abs() < 1e30)
                        .then_some(value as i128)
                } else {
                    self.fold_int(argument, depth + 1)
                }
            }
            "identifier" => {
                let name = self.text(node);
                if self.shadowed.contains(name) {
                    return None;
                }
                let value = *self.module.constants.get(name)?;
                // A constant's own value is read in the module scope.
                Sizer::new(self.module, HashSet::new()).fold_int(value, depth + 1)
            }
            _ => None,
        }
    }

    fn fold_count(&self, node: Node<'a>, depth: usize) -> Option<u128> {
        Some(u128::try_from(self.fold_int(node, depth)?.max(0)).unwrap_or(0))
    }

    /// A list, tuple, str or bytes literal, or a repetition of one (`[0] * N`).
    fn sequence(&self, node: Node<'a>, depth: usize) -> Option<Sequence> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = unparenthesize(node);
        match node.kind() {
            "list" | "tuple" => {
                let items = named_children(node);
                if items
                    .iter()
                    .any(|i| matches!(i.kind(), "list_splat" | "parenthesized_list_splat"))
                {
                    return None;
                }
                Some(Sequence {
                    kind: if node.kind() == "list" {
                        SequenceKind::List
                    } else {
                        SequenceKind::Tuple
                    },
                    items: items.len() as u128,
                    item_bytes: SLOT,
                })
            }
            "string" => string_literal(self.text(node)),
            "binary_operator" => {
                if self.text(node.child_by_field_name("operator")?) != "*" {
                    return None;
                }
                let left = node.child_by_field_name("left")?;
                let right = node.child_by_field_name("right")?;
                let (sequence, times) = match self.sequence(left, depth + 1) {
                    Some(sequence) => (sequence, self.fold_count(right, depth + 1)?),
                    None => (
                        self.sequence(right, depth + 1)?,
                        self.fold_count(left, depth + 1)?,
                    ),
                };
                Some(Sequence {
                    items: sequence.items.saturating_mul(times),
                    ..sequence
                })
            }
            _ => None,
        }
    }

    /// How many elements an iterable yields, and what each is.
    fn iterable(&self, node: Node<'a>, vars: &Vars<'a>, depth: usize) -> Option<(u128, Element)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = unparenthesize(node);
        match node.kind() {
            "call" => {
                let function = self.resolve(node.child_by_field_name("function")?)?;
                let arguments = positional_arguments(node)?;
                match function.as_str() {
                    "range" => {
                        let values: Vec<i128> = arguments
                            .iter()
                            .map(|a| self.fold_int(*a, depth + 1))
                            .collect::<Option<_>>()?;
                        let (start, stop, step) = match values[..] {
                            [stop] => (0, stop, 1),
                            [start, stop] => (start, stop, 1),
                            [start, stop, step] if step != 0 => (start, stop, step),
                            _ => return None,
                        };
                        Some((range_length(start, stop, step), Element::int()))
                    }
                    "map" if arguments.len() == 2 => {
                        let (count, _) = self.iterable(arguments[1], vars, depth + 1)?;
                        Some((count, Element::unknown()))
                    }
                    _ => None,
                }
            }
            "list" | "tuple" | "set" => {
                let items = named_children(node);
                if items
                    .iter()
                    .any(|i| matches!(i.kind(), "list_splat" | "parenthesized_list_splat"))
                {
                    return None;
                }
                // The display's own items: built once, whatever iterates them.
                Some((
                    items.len() as u128,
                    Element {
                        plural: "items".into(),
                        ..Element::shared()
                    },
                ))
            }
            "generator_expression" | "list_comprehension" | "set_comprehension" => {
                let (count, bound, inner) = self.comprehension(node, vars, depth + 1)?;
                let mut element = self.element(node.child_by_field_name("body")?, &inner, depth);
                element.bound = element.bound.and(bound);
                Some((count, element))
            }
            _ => None,
        }
    }

    /// A comprehension's element count (the product of its `for` clauses), whether an
    /// `if` clause makes it an upper bound, and its loop variables.
    fn comprehension(
        &self,
        node: Node<'a>,
        outer: &Vars<'a>,
        depth: usize,
    ) -> Option<(u128, Bound, Vars<'a>)> {
        let mut vars = outer.clone();
        let mut count: u128 = 1;
        let mut bound = Bound::About;
        for clause in named_children(node) {
            match clause.kind() {
                "for_in_clause" => {
                    let rights: Vec<Node> = {
                        let mut cursor = clause.walk();
                        clause
                            .children_by_field_name("right", &mut cursor)
                            .filter(|n| n.is_named())
                            .collect()
                    };
                    let [right] = rights[..] else { return None };
                    let (n, element) = self.iterable(right, &vars, depth + 1)?;
                    count = count.saturating_mul(n);
                    let left = clause.child_by_field_name("left")?;
                    if left.kind() == "identifier" {
                        vars.insert(self.text(left), element);
                    } else {
                        for_each_target(left, &mut |name| {
                            vars.insert(self.module.file.node_text(name), Element::unknown());
                        });
                    }
                }
                "if_clause" => bound = Bound::AtMost,
                _ => {}
            }
        }
        Some((count, bound, vars))
    }

    fn comprehension_estimate(
        &self,
        node: Node<'a>,
        outer: &Vars<'a>,
        depth: usize,
    ) -> Option<Estimate> {
        let (count, bound, vars) = self.comprehension(node, outer, depth + 1)?;
        let up_to = if bound == Bound::AtMost { "up to " } else { "" };
        let n = thousands(count);
        let body = node.child_by_field_name("body")?;
        let (bytes, shape, element_bound) = match node.kind() {
            "list_comprehension" => {
                let e = self.element(body, &vars, depth + 1);
                (
                    LIST_HEADER.saturating_add(count.saturating_mul(SLOT + e.bytes)),
                    format!("a list comprehension of {up_to}{n} {}", e.plural),
                    e.bound,
                )
            }
            "set_comprehension" => {
                let e = self.element(body, &vars, depth + 1);
                (
                    count.saturating_mul(SET_ENTRY + e.bytes),
                    format!("a set comprehension of {up_to}{n} {}", e.plural),
                    e.bound,
                )
            }
            _ => {
                let key = body.child_by_field_name("key")?;
                let value = body.child_by_field_name("value")?;
                let k = self.element(key, &vars, depth + 1);
                let v = if self.text(key) == self.text(value) {
                    Element::shared()
                } else {
                    self.element(value, &vars, depth + 1)
                };
                (
                    count.saturating_mul(DICT_ENTRY + k.bytes + v.bytes),
                    format!("a dict comprehension of {up_to}{n} entries"),
                    k.bound.and(v.bound),
                )
            }
        };
        Some(Estimate {
            bytes,
            shape,
            bound: bound.and(element_bound),
        })
    }

    /// What one element built by `expression` costs, beyond its slot.
    fn element(&self, expression: Node<'a>, vars: &Vars<'a>, depth: usize) -> Element {
        if depth > MAX_DEPTH {
            return Element::unknown();
        }
        let expression = unparenthesize(expression);
        let depends = || {
            expression_reads(self.module.file, expression)
                .iter()
                .any(|name| vars.contains_key(name))
        };
        match expression.kind() {
            "identifier" => vars
                .get(self.text(expression))
                .cloned()
                .unwrap_or_else(Element::shared),
            "integer"
            | "float"
            | "true"
            | "false"
            | "none"
            | "ellipsis"
            | "concatenated_string" => Element::shared(),
            "string" => {
                if named_children(expression)
                    .iter()
                    .any(|p| p.kind() == "interpolation")
                {
                    Element::short_str()
                } else {
                    Element::shared()
                }
            }
            // `True` and `False` are singletons.
            "comparison_operator" | "not_operator" => Element {
                plural: "bools".into(),
                ..Element::shared()
            },
            "binary_operator" | "unary_operator" => {
                if let Some(sequence) = self.sequence(expression, depth + 1) {
                    return self.sequence_element(&sequence);
                }
                let formats_a_literal = expression.kind() == "binary_operator"
                    && expression
                        .child_by_field_name("operator")
                        .is_some_and(|o| self.text(o) == "%")
                    && expression
                        .child_by_field_name("left")
                        .is_some_and(|l| unparenthesize(l).kind() == "string");
                if formats_a_literal && depends() {
                    return Element::short_str();
                }
                if !depends() && is_literal_arithmetic(expression) {
                    // CPython folds constant arithmetic into one constant.
                    return Element::shared();
                }
                match self.number_kind(expression, vars) {
                    Some(Kind::Int) => Element::int(),
                    Some(Kind::Float) => Element::float(),
                    Some(Kind::Str) => Element::short_str(),
                    _ => Element::unknown(),
                }
            }
            "call" => {
                let callee = expression.child_by_field_name("function");
                let formats_a_literal = callee.is_some_and(|f| {
                    f.kind() == "attribute"
                        && f.child_by_field_name("attribute")
                            .is_some_and(|a| self.text(a) == "format")
                        && f.child_by_field_name("object")
                            .is_some_and(|o| unparenthesize(o).kind() == "string")
                });
                if formats_a_literal {
                    return Element::short_str();
                }
                let function = callee.and_then(|f| self.resolve(f));
                match function.as_deref() {
                    Some("float") => Element::float(),
                    Some("int" | "len" | "abs" | "ord" | "hash") => Element::int(),
                    Some("str" | "repr" | "hex" | "oct" | "bin" | "chr" | "ascii" | "format") => {
                        Element::short_str()
                    }
                    _ => match self.estimate(expression, depth + 1) {
                        Some(estimate) => Element {
                            bytes: estimate.bytes,
                            plural: format!("objects of {}", estimate.size_text()),
                            bound: estimate.bound,
                            kind: Kind::Other,
                        },
                        None => Element::unknown(),
                    },
                }
            }
            "list" | "tuple" => {
                let items = named_children(expression);
                let Some(sequence) = self.sequence(expression, depth + 1) else {
                    return Element::unknown();
                };
                let mut element = self.sequence_element(&sequence);
                for item in items {
                    let inner = self.element(item, vars, depth + 1);
                    element.bytes = element.bytes.saturating_add(inner.bytes);
                    element.bound = element.bound.and(inner.bound);
                }
                element
            }
            "list_comprehension" | "set_comprehension" | "dictionary_comprehension" => {
                match self.comprehension_estimate(expression, vars, depth + 1) {
                    Some(estimate) => Element {
                        bytes: estimate.bytes,
                        plural: match expression.kind() {
                            "list_comprehension" => "lists".to_string(),
                            "set_comprehension" => "sets".to_string(),
                            _ => "dicts".to_string(),
                        } + &format!(" of {} each", estimate.size_text()),
                        bound: estimate.bound,
                        kind: Kind::Other,
                    },
                    None => Element::unknown(),
                }
            }
            _ => Element::unknown(),
        }
    }

    /// A fresh sequence as the element of a container: "lists of 1,000 slots".
    fn sequence_element(&self, sequence: &Sequence) -> Element {
        let items = thousands(sequence.items);
        let plural = match sequence.kind {
            SequenceKind::List => format!("lists of {items} slots"),
            SequenceKind::Tuple => format!("tuples of {items} items"),
            SequenceKind::Str => format!("strings of {items} characters"),
            SequenceKind::Bytes => format!("bytes objects of {items} bytes"),
        };
        Element::new(sequence.bytes(), plural, Kind::Other)
    }

    /// The type of a numeric or string expression over loop variables and literals.
    fn number_kind(&self, node: Node<'a>, vars: &Vars<'a>) -> Option<Kind> {
        let node = unparenthesize(node);
        match node.kind() {
            "integer" => Some(Kind::Int),
            "float" => Some(Kind::Float),
            "string" => Some(Kind::Str),
            "identifier" => vars.get(self.text(node)).map(|e| e.kind),
            "unary_operator" => self.number_kind(node.child_by_field_name("argument")?, vars),
            "call" => match self
                .resolve(node.child_by_field_name("function")?)?
                .as_str()
            {
                "float" => Some(Kind::Float),
                "int" | "len" | "abs" | "ord" | "hash" => Some(Kind::Int),
                _ => None,
            },
            "binary_operator" => {
                let left = self.number_kind(node.child_by_field_name("left")?, vars)?;
                let right = self.number_kind(node.child_by_field_name("right")?, vars)?;
                let operator = self.text(node.child_by_field_name("operator")?);
                match (left, right) {
                    (Kind::Str, _) | (_, Kind::Str) => {
                        matches!(operator, "%" | "+").then_some(Kind::Str)
                    }
                    (Kind::Int | Kind::Float, Kind::Int | Kind::Float) => {
                        if operator == "/" || left == Kind::Float || right == Kind::Float {
                            Some(Kind::Float)
                        } else {
                            Some(Kind::Int)
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn call_estimate(&self, call: Node<'a>, depth: usize) -> Option<Estimate> {
        let function = call.child_by_field_name("function")?;
        let Some(qualified) = self.resolve(function) else {
            return self.instance_estimate(function, depth);
        };
        match qualified.as_str() {
            "list" | "tuple" | "set" | "frozenset" | "sorted" => {
                let argument = single_positional(call)?;
                let (count, element) = self.iterable(argument, &Vars::new(), depth + 1)?;
                let n = thousands(count);
                let (bytes, container) = match qualified.as_str() {
                    "tuple" => (
                        TUPLE_HEADER.saturating_add(count.saturating_mul(SLOT + element.bytes)),
                        "a tuple",
                    ),
                    "set" | "frozenset" => (
                        count.saturating_mul(SET_ENTRY + element.bytes),
                        if qualified == "set" {
                            "a set"
                        } else {
                            "a frozenset"
                        },
                    ),
                    _ => (
                        LIST_HEADER.saturating_add(count.saturating_mul(SLOT + element.bytes)),
                        "a list",
                    ),
                };
                Some(Estimate {
                    bytes,
                    shape: format!("{container} of {n} {}", element.plural),
                    bound: element.bound,
                })
            }
            "bytearray" | "bytes" => {
                let argument = single_positional(call)?;
                let count = self.fold_count(argument, depth + 1)?;
                Some(Estimate {
                    bytes: count,
                    shape: format!(
                        "{} of {} zero bytes",
                        if qualified == "bytes" {
                            "a bytes object"
                        } else {
                            "a bytearray"
                        },
                        thousands(count)
                    ),
                    bound: Bound::About,
                })
            }
            "dict.fromkeys" => {
                let arguments = positional_arguments(call)?;
                let (count, key) = self.iterable(*arguments.first()?, &Vars::new(), depth + 1)?;
                Some(Estimate {
                    bytes: count.saturating_mul(DICT_ENTRY + key.bytes),
                    shape: format!("a dict of {} entries", thousands(count)),
                    bound: key.bound,
                })
            }
            numpy if numpy.starts_with("numpy.") => self.numpy_estimate(call, &numpy[6..], depth),
            _ => self.instance_estimate(function, depth),
        }
    }

    /// `numpy.zeros/ones/empty/full/arange`: items times the dtype's item size.
    fn numpy_estimate(&self, call: Node<'a>, function: &str, depth: usize) -> Option<Estimate> {
        let arguments = call.child_by_field_name("arguments")?;
        let mut positional = Vec::new();
        let mut keywords = HashMap::new();
        for argument in named_children(arguments) {
            match argument.kind() {
                "keyword_argument" => {
                    keywords.insert(
                        self.text(argument.child_by_field_name("name")?),
                        argument.child_by_field_name("value")?,
                    );
                }
                "list_splat" | "dictionary_splat" => return None,
                _ => positional.push(argument),
            }
        }
        let argument = |keyword: &str, index: usize| {
            keywords
                .get(keyword)
                .copied()
                .or_else(|| positional.get(index).copied())
        };
        let (dimensions, dtype_index, default) = match function {
            "zeros" | "ones" | "empty" | "full" => {
                let shape = argument("shape", 0)?;
                let dimensions = self.shape(shape, depth + 1)?;
                let default = if function == "full" {
                    match argument("fill_value", 1).map(|v| unparenthesize(v).kind()) {
                        Some("true" | "false") => (1, "bool".to_string()),
                        Some("integer") => (8, "int64".to_string()),
                        _ => (8, "float64".to_string()),
                    }
                } else {
                    (8, "float64".to_string())
                };
                (dimensions, if function == "full" { 2 } else { 1 }, default)
            }
            "arange" => {
                let values: Vec<i128> = positional
                    .iter()
                    .take(3)
                    .map(|a| self.fold_int(*a, depth + 1))
                    .collect::<Option<_>>()?;
                let (start, stop, step) = match values[..] {
                    [stop] => (0, stop, 1),
                    [start, stop] => (start, stop, 1),
                    [start, stop, step] if step != 0 => (start, stop, step),
                    _ => return None,
                };
                (
                    vec![range_length(start, stop, step)],
                    3,
                    (8, "int64".to_string()),
                )
            }
            _ => return None,
        };
        let (item_bytes, dtype, bound) = match argument("dtype", dtype_index) {
            None => (default.0, default.1, Bound::About),
            Some(dtype) => match self.dtype(dtype) {
                Some((bytes, name)) => (bytes, name, Bound::About),
                None => (1, "items of an unknown dtype".to_string(), Bound::AtLeast),
            },
        };
        let items = dimensions
            .iter()
            .fold(1u128, |product, d| product.saturating_mul(*d));
        let mut shape = format!("a numpy array of {} {dtype}", thousands(items));
        if !dtype.starts_with("items") {
            shape.push_str(" items");
        }
        if dimensions.len() > 1 {
            let parts: Vec<String> = dimensions.iter().map(|d| thousands(*d)).collect();
            shape.push_str(&format!(", shape {}", parts.join(" x ")));
        }
        Some(Estimate {
            bytes: items.saturating_mul(item_bytes),
            shape,
            bound,
        })
    }

    /// An array shape: `N` or a tuple or list of integers.
    fn shape(&self, node: Node<'a>, depth: usize) -> Option<Vec<u128>> {
        let node = unparenthesize(node);
        match node.kind() {
            "tuple" | "list" => named_children(node)
                .into_iter()
                .map(|d| self.fold_count(d, depth + 1))
                .collect(),
            _ => Some(vec![self.fold_count(node, depth + 1)?]),
        }
    }

    /// A numpy dtype's item size and name: `np.float32`, `"f4"`, `int`, `"U10"`.
    fn dtype(&self, node: Node<'a>) -> Option<(u128, String)> {
        let node = unparenthesize(node);
        let name = match node.kind() {
            "string" => {
                let value = string_value(self.module.file, node)?;
                value.trim_start_matches(['<', '>', '=', '|']).to_string()
            }
            "identifier" | "attribute" => {
                let qualified = self.resolve(node)?;
                match qualified.strip_prefix("numpy.") {
                    Some(member) => member.to_string(),
                    None if !qualified.contains('.') => qualified,
                    None => return None,
                }
            }
            _ => return None,
        };
        let base = name.split('[').next().unwrap_or(&name);
        let bytes = match base {
            "bool" | "bool_" | "bool8" | "?" | "b1" | "int8" | "byte" | "i1" | "b" | "uint8"
            | "ubyte" | "u1" | "B" => 1,
            "int16" | "short" | "i2" | "h" | "uint16" | "ushort" | "u2" | "H" | "float16"
            | "half" | "f2" | "e" => 2,
            "int32" | "intc" | "i4" | "i" | "uint32" | "uintc" | "u4" | "I" | "float32"
            | "single" | "f4" | "f" => 4,
            "int64" | "int" | "int_" | "intp" | "i8" | "l" | "q" | "longlong" | "uint64"
            | "uint" | "uintp" | "u8" | "L" | "Q" | "ulonglong" | "float64" | "float"
            | "double" | "float_" | "f8" | "d" | "complex64" | "csingle" | "c8" | "F"
            | "object" | "object_" | "O" | "datetime64" | "timedelta64" | "M8" | "m8" | "M"
            | "m" => 8,
            "complex128" | "complex" | "cdouble" | "complex_" | "c16" | "D" | "longdouble"
            | "float128" | "f16" | "g" => 16,
            "complex256" | "clongdouble" | "c32" | "G" => 32,
            other => {
                // Fixed-width strings: `S10`/`a10` are bytes, `U10` is 4 bytes a character.
                let (width, digits) = match other.split_at_checked(1)? {
                    ("S" | "a", digits) => (1, digits),
                    ("U", digits) => (4, digits),
                    _ => return None,
                };
                width * digits.parse::<u128>().ok()?
            }
        };
        Some((bytes, name))
    }

    /// An instance of a class defined in this file: what its `__init__` stores on `self`.
    fn instance_estimate(&self, function: Node<'a>, depth: usize) -> Option<Estimate> {
        if function.kind() != "identifier" || depth > MAX_DEPTH {
            return None;
        }
        let class_name = self.text(function);
        if self.shadowed.contains(class_name) {
            return None;
        }
        let class = *self.module.classes.get(class_name)?;
        let init = statements(class.child_by_field_name("body")?)
            .into_iter()
            .map(|statement| match statement.kind() {
                "decorated_definition" => statement.child_by_field_name("definition"),
                _ => Some(statement),
            })
            .find_map(|definition| {
                definition.filter(|d| {
                    d.kind() == "function_definition"
                        && d.child_by_field_name("name")
                            .is_some_and(|n| self.text(n) == "__init__")
                })
            })?;
        let self_name =
            self.text(*parameter_names(init.child_by_field_name("parameters")?).first()?);
        let sizer = Sizer::new(self.module, scope_bindings(self.module.file, init));
        let mut stored: Vec<(&str, Estimate)> = Vec::new();
        let mut stack = vec![init.child_by_field_name("body")?];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "function_definition" | "class_definition" | "lambda" => continue,
                "assignment" => {
                    if let (Some(left), Some(right)) = (
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                    ) {
                        let on_self = left.kind() == "attribute"
                            && left
                                .child_by_field_name("object")
                                .is_some_and(|o| self.text(o) == self_name);
                        if on_self {
                            if let Some(estimate) = sizer.estimate(right, depth + 1) {
                                stored.push((self.text(left), estimate));
                            }
                        }
                    }
                }
                _ => {}
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        if stored.is_empty() {
            return None;
        }
        stored.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(b.0)));
        let bytes = stored
            .iter()
            .fold(0u128, |sum, (_, e)| sum.saturating_add(e.bytes));
        let bound = stored
            .iter()
            .fold(Bound::About, |bound, (_, e)| bound.and(e.bound));
        // The two largest by name; a nested instance by its class alone.
        let mut parts: Vec<String> = stored
            .iter()
            .take(2)
            .map(|(target, e)| {
                let shape = e
                    .shape
                    .split(", whose `__init__`")
                    .next()
                    .unwrap_or(&e.shape);
                format!("{shape} in `{target}`")
            })
            .collect();
        match stored.len() {
            0..=2 => {}
            3 => parts.push("1 smaller object".to_string()),
            n => parts.push(format!("{} smaller objects", n - 2)),
        }
        let listed = match parts.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => return None,
        };
        Some(Estimate {
            bytes,
            shape: format!("an instance of `{class_name}`, whose `__init__` stores {listed}"),
            bound,
        })
    }
}

/// A call's arguments when all are positional.
fn positional_arguments(call: Node) -> Option<Vec<Node>> {
    let arguments = call.child_by_field_name("arguments")?;
    if arguments.kind() == "generator_expression" {
        return Some(vec![arguments]);
    }
    let all = named_children(arguments);
    all.iter()
        .all(|a| {
            !matches!(
                a.kind(),
                "keyword_argument" | "list_splat" | "dictionary_splat"
            )
        })
        .then_some(all)
}

/// The one positional argument of a call like `list(x)` or `list(x for x in y)`.
fn single_positional(call: Node) -> Option<Node> {
    match positional_arguments(call)?[..] {
        [argument] => Some(argument),
        _ => None,
    }
}

/// Whether an operator expression has only literals at its leaves.
fn is_literal_arithmetic(node: Node) -> bool {
    match node.kind() {
        "integer" | "float" | "string" | "true" | "false" | "none" => true,
        "binary_operator" | "unary_operator" | "parenthesized_expression" => {
            named_children(node).into_iter().all(|child| {
                child.kind().starts_with(|c: char| !c.is_alphanumeric())
                    || is_literal_arithmetic(child)
            })
        }
        _ => false,
    }
}

fn range_length(start: i128, stop: i128, step: i128) -> u128 {
    let span = if step > 0 {
        stop.saturating_sub(start)
    } else {
        start.saturating_sub(stop)
    };
    if span <= 0 {
        return 0;
    }
    let step = step.unsigned_abs();
    (span as u128).div_ceil(step)
}

/// A Python integer literal: `1_000`, `0x10`, `0o7`, `0b1`.
fn parse_int(text: &str) -> Option<i128> {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = match lower.get(..2) {
        Some("0x") => (16, &lower[2..]),
        Some("0o") => (8, &lower[2..]),
        Some("0b") => (2, &lower[2..]),
        _ => (10, lower.as_str()),
    };
    i128::from_str_radix(body, radix).ok()
}

fn parse_float(text: &str) -> Option<f64> {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    if digits.ends_with(['j', 'J']) {
        return None;
    }
    digits.parse().ok()
}

/// A plain str or bytes literal as a sequence: its length, counting each escape as one
/// character, and its bytes per character (the widest character decides, as in CPython).
fn string_literal(text: &str) -> Option<Sequence> {
    let quote = text.find(['"', '\''])?;
    let prefix = text[..quote].to_ascii_lowercase();
    if prefix.contains('f') || prefix.contains('t') {
        return None;
    }
    let body = &text[quote..];
    let delimiter = if body.starts_with("\"\"\"") || body.starts_with("'''") {
        3
    } else {
        1
    };
    let inner = body.get(delimiter..body.len().checked_sub(delimiter)?)?;
    let raw = prefix.contains('r');
    let mut items: u128 = 0;
    let mut width: u128 = 1;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && !raw {
            match chars.next() {
                Some('\n') => continue,
                Some('x') => {
                    chars.nth(1);
                }
                Some('u') => {
                    chars.nth(3);
                    width = width.max(2);
                }
                Some('U') => {
                    chars.nth(7);
                    width = width.max(4);
                }
                Some('N') => {
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                    }
                    width = width.max(2);
                }
                Some('0'..='7') => {
                    for _ in 0..2 {
                        if chars.peek().is_some_and(|c| ('0'..='7').contains(c)) {
                            chars.next();
                        }
                    }
                }
                _ => {}
            }
        } else {
            width = width.max(match c as u32 {
                0..=0xFF => 1,
                0x100..=0xFFFF => 2,
                _ => 4,
            });
        }
        items += 1;
    }
    Some(if prefix.contains('b') {
        Sequence {
            kind: SequenceKind::Bytes,
            items,
            item_bytes: 1,
        }
    } else {
        Sequence {
            kind: SequenceKind::Str,
            items,
            item_bytes: width,
        }
    })
}

/// `1234567` as `1,234,567`.
fn thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Decimal units, one or two significant digits: `40 MB`, `8.1 MB`, `1.5 GB`.
fn format_size(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let mut rounded = if value >= 100.0 {
        (value / 10.0).round() * 10.0
    } else if value >= 10.0 {
        value.round()
    } else {
        (value * 10.0).round() / 10.0
    };
    if rounded >= 1000.0 && unit < UNITS.len() - 1 {
        rounded = 1.0;
        unit += 1;
    }
    let number = if rounded >= 10.0 || rounded.fract() == 0.0 {
        format!("{}", rounded as u64)
    } else {
        format!("{rounded:.1}")
    };
    format!("{number} {}", UNITS[unit])
}

// ---------------------------------------------------------------------------------------
// Fixes.

fn plan_fix<'a>(
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
        .filter(|next| next.kind() != "comment")
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
        line_end(file.text, statement.end_byte()),
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
            .filter(|s| s.kind() != "comment")
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
    let decorator = match module.bindings.local_name_for(qualified) {
        Some(local) => format!("@{local}{arguments}"),
        None if !module.bindings.is_bound("functools") => {
            edits.push(add_import(file, "functools"));
            format!("@{qualified}{arguments}")
        }
        None => {
            return Err(format!(
                "{prefix}`functools` names something else in this file"
            ))
        }
    };
    // An annotated name keeps its annotation as a bare `NAME: T`, which binds nothing
    // (so `__getattr__` still serves it) but keeps the module's `__annotations__` and
    // `typing.get_type_hints` as they were; the loader returns the same type.
    let (declaration, annotation) = match assignment.child_by_field_name("type") {
        Some(t) => (
            format!("{name}: {}{newline}", file.node_text(t)),
            format!(" -> {}", file.node_text(t)),
        ),
        None => (String::new(), String::new()),
    };
    let body = reindent(file, value, unit);
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
                line_start(file.text, raise.start_byte()),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The `python` code blocks of the rule's documentation, in order.
    fn doc_examples() -> Vec<String> {
        DOC.split("```python\n")
            .skip(1)
            .map(|block| block.split("```").next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_documented_fix_is_what_the_fix_does() {
        let examples = doc_examples();
        let settings = Settings {
            rules: vec![&ModuleLevelLargeAllocation],
            unsafe_fixes: true,
            ..Settings::default()
        };
        let outcome = crate::engine::fix_text(&examples[0], &settings).unwrap();
        assert_eq!(outcome.fixed, examples[1]);
    }

    #[test]
    fn sizes_read_like_ruff_would_print_them() {
        assert_eq!(format_size(40_000_056), "40 MB");
        assert_eq!(format_size(8_064_000), "8.1 MB");
        assert_eq!(format_size(123_456_789), "120 MB");
        assert_eq!(format_size(999_700_000), "1 GB");
        assert_eq!(format_size(1_500_000_000), "1.5 GB");
        assert_eq!(format_size(10_000_000), "10 MB");
        assert_eq!(format_size(65_000), "65 kB");
        assert_eq!(format_size(12), "12 B");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(12_345), "12,345");
    }

    #[test]
    fn integer_literals_in_every_base() {
        assert_eq!(parse_int("1_000_000"), Some(1_000_000));
        assert_eq!(parse_int("0x10_00"), Some(4096));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("0B101"), Some(5));
        assert_eq!(parse_float("1e6"), Some(1e6));
        assert_eq!(parse_float("2j"), None);
    }

    #[test]
    fn ranges_have_pythons_lengths() {
        assert_eq!(range_length(0, 10, 1), 10);
        assert_eq!(range_length(0, 10, 3), 4);
        assert_eq!(range_length(10, 0, -2), 5);
        assert_eq!(range_length(5, 0, 1), 0);
    }

    #[test]
    fn string_literals_count_characters_and_width() {
        let s = string_literal("'ab'").unwrap();
        assert_eq!((s.items, s.item_bytes), (2, 1));
        let s = string_literal("b'\\x00\\n'").unwrap();
        assert_eq!((s.kind, s.items), (SequenceKind::Bytes, 2));
        let s = string_literal("'é€'").unwrap();
        assert_eq!((s.items, s.item_bytes), (2, 2));
        let s = string_literal("r'\\n'").unwrap();
        assert_eq!(s.items, 2);
        assert!(string_literal("f'{x}'").is_none());
    }
}
