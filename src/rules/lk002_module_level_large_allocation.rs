//! LK002 module-level-large-allocation.
//!
//! What a module's top level builds lives as long as the module: normally until the
//! process exits, in every process that imports it. The rule estimates what each
//! module-level assignment builds, reports the large ones, and offers to release the name
//! after its last use, or to build the value on first use instead.

mod estimate;
mod fixes;
mod module;

use std::collections::HashSet;
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match_in, Finding, FixSafety, Rule};
use crate::prefilter::{
    for_each_logical_line, has_word, is_ident_byte, skip_trivia, word_positions, BlockKind,
};
use crate::semantic::{module_level_ranges, scope_bindings};
use crate::settings::Settings;
use crate::source::SourceFile;
use estimate::{Estimate, Sizer};
use fixes::plan_fix;
use module::Module;

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
With `target-version` py39 or later:
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
reads a name that is rebound or deleted, when a `match` pattern (`case NAME.attr:`) or an
f-string's `{NAME=}` reads it (a call cannot stand in a pattern, and `=` prints the name),
when a class body that also binds the name reads it (a read before the binding means the
global), when a decorator reads it other than as `@NAME` and the target is older than
Python 3.9 (`@_load_NAME().attr` needs PEP 614), when the module defines its own
`__getattr__`, and when `functools` (or the name the import would bind) names something
else in the file. An existing import of `functools` or `functools.cache` is used only
when a module-level statement before the loader binds it unconditionally; one inside
`if __name__ == "__main__":`, `try` or a function does not count, and `import
functools` is added to the module's import block.

The lazy fix rewrites only the reads that mean the module binding: a function's local of
the same name, by any binding form (parameters, assignments, `for`, `with`/`except ... as`,
imports, `def`/`class`, `del`, `nonlocal`, `:=`, `match` captures, `type` aliases), a PEP
695 type parameter of an enclosing `def`, `class` or `type` statement, a class attribute
seen from its own body, and a keyword pattern's attribute name (`case P(NAME=0)`) are left
alone.
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

    fn default_enabled(&self) -> bool {
        // Off: on 35 real projects it found nothing to measure (docs/precision/LK002.md),
        // and a rule is on by default only at a measured 90% precision.
        false
    }

    fn fix_safety(&self) -> FixSafety {
        FixSafety {
            safe: false,
            unsafe_fix: true,
            no_fix: true,
        }
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
        // A `def` line holds no module-level assignment: its body, even on the same line,
        // is inside the `def`. An `__init__` with its body on its own line
        // (`def __init__(self): self.data = ...`) may allocate, as a body does.
        let opened_def = line.opens.filter(|b| b.kind == BlockKind::Def);
        if let Some(def) = opened_def {
            if outside && def.name == "__init__" && line.text.contains('=') {
                assigning.push(line.text);
                init_allocates = init_allocates || may_allocate(line.text);
            }
            return;
        }
        if !(outside || in_init) || found || !line.text.contains('=') {
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
    // The concise message names the binding, the size and how long it lives; the
    // shape of the value and the full lifetime go to the detail.
    let (subject, verb, short_lifetime, lifetime) = match (target.form, placement) {
        (_, Placement::ClassBody(class)) => {
            let class_name = class
                .child_by_field_name("name")
                .map_or("?", |n| file.node_text(n));
            (
                format!("`{class_name}.{}`", names.join("`, `")),
                "keeps",
                format!("as long as class `{class_name}`"),
                format!("It stays alive as long as class `{class_name}`, normally until the process exits."),
            )
        }
        (Form::Chained, _) => (
            format!("`{}`", names.join("` and `")),
            "keep",
            "until exit".to_string(),
            "It stays alive from import until the process exits.".to_string(),
        ),
        (Form::Other, _) => (
            format!("`{}`", names[0]),
            "keeps",
            "as long as its holder".to_string(),
            "It stays alive as long as the object it is stored in, often until the process exits."
                .to_string(),
        ),
        _ => (
            format!("`{}`", names[0]),
            "keeps",
            "until exit".to_string(),
            "It stays alive from import until the process exits.".to_string(),
        ),
    };
    let message = format!(
        "{subject} {verb} {} alive {short_lifetime}",
        estimate.size_text()
    );
    let detail = format!(
        "The value is {}. {lifetime} Build it on first use (a function with `functools.cache`), or release it (`del`) once it is no longer needed.",
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
    Finding::new(CODE, assignment.byte_range(), message, detail, fix)
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
        .filter(|n| !n.is_extra())
        .collect()
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
            target_version: "py39".parse().unwrap(),
            ..Settings::default()
        };
        let outcome = crate::engine::fix_text(&examples[0], &settings).unwrap();
        assert_eq!(outcome.fixed, examples[1]);
    }
}
