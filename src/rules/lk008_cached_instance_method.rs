//! LK008 cached-instance-method.
//!
//! `functools.cache` and `functools.lru_cache` keep one cache per decorated function, for
//! as long as the function lives. On a method that is as long as the class, and every key
//! holds the `self` of the call: each instance the method is called on stays alive in the
//! cache. The rule reports the decorator (or a class body's `m = lru_cache(...)(_m)`); it
//! offers no fix, since no rewrite keeps the method's behaviour (see the docs).

use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match, Finding, FixSafety, Rule};
use crate::prefilter::has_word;
use crate::semantic::{
    enclosing_scopes, local_class_named, parameter_names, statements, unparenthesize,
};
use crate::settings::Settings;
use crate::source::SourceFile;

const CODE: &str = "LK008";

static QUERY: LazyLock<Query> = LazyLock::new(|| {
    compile_query(include_str!(
        "../../queries/lk008_cached_instance_method.scm"
    ))
});

/// Caches without a bound, by qualified name.
const UNBOUNDED_CACHES: &[&str] = &["functools.cache"];
/// `lru_cache` and its backports: bounded at 128 entries unless `maxsize` says otherwise.
const LRU_CACHES: &[&str] = &[
    "functools.lru_cache",
    "backports.functools_lru_cache.lru_cache",
    "functools32.lru_cache",
];
/// `lru_cache`'s default `maxsize`.
const LRU_DEFAULT_MAXSIZE: &str = "128";

/// Decorators after which the function is not called with an instance as its first
/// argument, by their last dotted component (a class-level or static cache then holds no
/// instance). Matched by name, even when the file rebinds the name: a finding must be a
/// method called on instances.
const NOT_INSTANCE_METHOD: &[&str] = &[
    "staticmethod",
    "classmethod",
    "abstractstaticmethod",
    "abstractclassmethod",
];

/// First parameter names that say the function gets a class, by convention.
const CLASS_PARAMETER_NAMES: &[&str] = &["cls", "mcs", "mcls", "metacls", "klass"];

/// Methods Python calls with the class, not an instance, without a decorator.
const IMPLICIT_CLASS_METHODS: &[&str] = &["__new__", "__init_subclass__", "__class_getitem__"];

const DOC: &str = r#"# LK008 cached-instance-method

## What it finds
A method cached with `functools.cache` or `functools.lru_cache`: the decorator on a
`def` in a class body (`@functools.lru_cache`, `@lru_cache()`, `@lru_cache(128)`,
`@lru_cache(maxsize=None)`, `@functools.cache`, also under `@property`), or a class
body's `get = lru_cache(maxsize=None)(_get)` wrapping a method defined there or a
lambda. Import aliases are followed (`from functools import lru_cache as memo`,
`import functools as ft`); a name the file binds otherwise (its own `lru_cache`) is not
assumed to be `functools`'. flake8-bugbear's and ruff's `B019` is an alias: `# noqa:
B019` silences it.

Not reported: a `staticmethod` or `classmethod`, whichever order the decorators are in
(`@staticmethod` above the cache caches a plain function, with no instance in its keys;
the cache above `@staticmethod` binds like a method but then passes the instance as an
extra argument, which such a function does not take; `@classmethod` above the cache keys
on the class, which lives as long as the cache anyway, and the cache above
`@classmethod` fails when the class is created, a class method object not being
callable); `__new__`, `__init_subclass__` and
`__class_getitem__`, which get the class, and a method whose first parameter is named
`cls`, `mcs`, `mcls`, `metacls` or `klass` (another decorator, such as a
`classproperty`, calls it with the class); methods of an `Enum` (its members live as
long as the class) or of a metaclass (a base `type`: its instances are classes), also
through bases the same file defines (`class Color(Base)` with `class Base(enum.Enum)`,
followed transitively); `lru_cache(maxsize=0)`, which stores nothing; a cache built per instance in `__init__`
(`self.get = lru_cache()(self._get)`) and `functools.cached_property`, which store the
result on the instance; a bounded cache (`lru_cache` with a literal or default
`maxsize`) on a value type: a `NamedTuple` or `namedtuple(...)` subclass, a frozen
dataclass or attrs class, or a class that defines `__hash__` or inherits it from a value
type the same file defines (as `ipaddress.IPv4Address` inherits `_BaseAddress`'s; not
when the class defines `__eq__` alone, itself or through a non-frozen `@dataclass` or
attrs class, which sets `__hash__` to `None`, or assigns `__hash__`). There equal
instances share an entry, so the cache is memoization by value, bounded, the same as a
module-level cache keyed on the values (the third cure below). An unbounded cache on a
value type is still reported: it keeps every distinct value ever asked for.

## Why it leaks
The cache belongs to the function object, which the class holds: it lives as long as
the class, normally until the process exits. Each entry's key holds the call's
arguments, `self` first, so every instance the method is called on stays reachable from
the class, with everything the instance refers to. With `functools.cache` or
`maxsize=None` the cache never forgets: every instance ever called stays alive until
exit. With a `maxsize`, the last `maxsize` distinct calls' instances stay alive (128 by
default), long after the program dropped them. `gc.collect()` cannot help: the class
really refers to them. The cache also makes instances that compare equal share results.

## Example
```python
import functools

class Report:
    def __init__(self, rows):
        self.rows = rows

    @functools.lru_cache(maxsize=None)
    def total(self):
        return sum(self.rows)
```

## Fix
None is offered. The usual cures:
- a method that takes only `self`: `functools.cached_property` stores the value on the
  instance (callers then write `report.total`, not `report.total()`);
- a per-instance cache, created in `__init__`
  (`self.total = functools.lru_cache(maxsize=None)(self._total)`), which dies with the
  instance (a self-reference: the cyclic collector frees it);
- a module-level cached function keyed on the stable values the method reads
  (`_total(tuple(self.rows))`), so that no instance is in a key.

## Fix safety
No fix, and the finding says why: none of the cures keeps what callers see.
`cached_property` changes how the method is called; a per-instance cache stops instances
that compare equal from sharing results and removes `cache_info()`/`cache_clear()` from
the class's function; a module-level function keyed on other values needs to know which
values the result depends on. Removing the cache changes how often the body runs, and
whether callers get the same object back.
"#;

pub struct CachedInstanceMethod;

impl Rule for CachedInstanceMethod {
    fn code(&self) -> &'static str {
        CODE
    }

    fn name(&self) -> &'static str {
        "cached-instance-method"
    }

    fn doc(&self) -> &'static str {
        DOC
    }

    fn default_enabled(&self) -> bool {
        // Off: measured precision is far below 90% (docs/precision/LK008.md).
        false
    }

    fn fix_safety(&self) -> FixSafety {
        FixSafety {
            safe: false,
            unsafe_fix: false,
            no_fix: true,
        }
    }

    fn aliases(&self) -> &'static [&'static str] {
        // flake8-bugbear's and ruff's cached-instance-method.
        &["B019"]
    }

    /// Every finding is in a class body, so the file holds the word `class`; and its cache
    /// resolves to a name ending in `cache` or `lru_cache`, which the file spells out
    /// somewhere (in the import when the name is an alias).
    fn might_match(&self, text: &str, _settings: &Settings) -> bool {
        text.contains("cache") && has_word(text, "class")
    }

    fn check(&self, file: &SourceFile, _settings: &Settings, findings: &mut Vec<Finding>) {
        let index = |name| {
            QUERY
                .capture_index_for_name(name)
                .unwrap_or_else(|| panic!("query defines @{name}"))
        };
        let (decorated_index, function_index) = (index("decorated"), index("function"));
        let (target_index, value_index) = (index("target"), index("value"));
        let mut definitions = Vec::new();
        let mut assignments = Vec::new();
        for_each_match(
            &QUERY,
            file.tree.root_node(),
            file.text.as_bytes(),
            |captures| {
                let find = |wanted| {
                    captures
                        .iter()
                        .find(|(index, _)| *index == wanted)
                        .map(|(_, node)| *node)
                };
                if let (Some(decorated), Some(function)) =
                    (find(decorated_index), find(function_index))
                {
                    definitions.push((decorated, function));
                }
                if let (Some(target), Some(value)) = (find(target_index), find(value_index)) {
                    assignments.push((target, value));
                }
            },
        );
        for (decorated, function) in definitions {
            findings.extend(check_definition(file, decorated, function));
        }
        for (target, value) in assignments {
            findings.extend(check_assignment(file, target, value));
        }
    }
}

/// How many entries a cache keeps.
enum Bound<'a> {
    /// `functools.cache`, `maxsize=None`.
    Unbounded,
    /// A literal `maxsize`, or `lru_cache`'s default (its text: `128`).
    Entries(&'a str),
    /// A `maxsize` computed at run time.
    Computed,
}

/// A cache decorator: what it resolves to and its bound.
struct Cache<'a> {
    qualified: String,
    bound: Bound<'a>,
}

/// The cache a decorator expression applies, if it is one: `functools.cache`,
/// `lru_cache` (bare, the default bound), or `lru_cache(...)` (a factory whose arguments
/// give the bound). `None` too for `lru_cache(maxsize=0)`, which caches nothing.
fn cache_decorator<'a>(file: &SourceFile<'a>, expression: Node) -> Option<Cache<'a>> {
    let expression = unparenthesize(expression);
    match expression.kind() {
        "identifier" | "attribute" => {
            let qualified = file.bindings().resolve(file, expression)?;
            let bound = if UNBOUNDED_CACHES.contains(&qualified.as_str()) {
                Bound::Unbounded
            } else if LRU_CACHES.contains(&qualified.as_str()) {
                Bound::Entries(LRU_DEFAULT_MAXSIZE)
            } else {
                return None;
            };
            Some(Cache { qualified, bound })
        }
        "call" => {
            let callee = unparenthesize(expression.child_by_field_name("function")?);
            let qualified = file.bindings().resolve(file, callee)?;
            if !LRU_CACHES.contains(&qualified.as_str()) {
                return None;
            }
            let arguments = expression.child_by_field_name("arguments")?;
            let bound = match maxsize_argument(file, arguments) {
                None => Bound::Entries(LRU_DEFAULT_MAXSIZE),
                Some(value) => maxsize_bound(file, value)?,
            };
            Some(Cache { qualified, bound })
        }
        _ => None,
    }
}

/// `lru_cache`'s `maxsize`: its first positional argument or the `maxsize=` keyword.
fn maxsize_argument<'t>(file: &SourceFile, arguments: Node<'t>) -> Option<Node<'t>> {
    let mut cursor = arguments.walk();
    let all: Vec<Node<'t>> = arguments
        .named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .collect();
    all.iter()
        .copied()
        .find_map(|argument| {
            if argument.kind() == "keyword_argument" {
                let name = argument.child_by_field_name("name")?;
                (file.node_text(name) == "maxsize")
                    .then(|| argument.child_by_field_name("value"))
                    .flatten()
            } else {
                None
            }
        })
        .or_else(|| {
            all.first().copied().filter(|first| {
                !matches!(
                    first.kind(),
                    "keyword_argument" | "list_splat" | "dictionary_splat"
                )
            })
        })
}

/// The bound a `maxsize` value gives; `None` when it stores nothing (zero or negative).
fn maxsize_bound<'a>(file: &SourceFile<'a>, value: Node) -> Option<Bound<'a>> {
    let value = unparenthesize(value);
    match value.kind() {
        "none" => Some(Bound::Unbounded),
        "integer" => {
            let text = file.node_text(value);
            let digits: String = text.chars().filter(|c| *c != '_').collect();
            let zero = digits
                .trim_start_matches("0x")
                .trim_start_matches("0o")
                .trim_start_matches("0b")
                .chars()
                .all(|c| c == '0');
            (!zero).then_some(Bound::Entries(text))
        }
        "unary_operator" if file.node_text(value).trim_start().starts_with('-') => None,
        _ => Some(Bound::Computed),
    }
}

/// The last dotted component of a decorator's callee: `abc.abstractmethod` and
/// `functools.lru_cache(maxsize=None)` give `abstractmethod` and `lru_cache`.
fn decorator_name<'a>(file: &SourceFile<'a>, decorator: Node) -> &'a str {
    let mut expression = decorator.named_child(0).map(unparenthesize);
    while let Some(node) = expression {
        match node.kind() {
            "call" => expression = node.child_by_field_name("function").map(unparenthesize),
            "attribute" => {
                return node
                    .child_by_field_name("attribute")
                    .map_or("", |a| file.node_text(a))
            }
            "identifier" => return file.node_text(node),
            _ => break,
        }
    }
    ""
}

fn decorators(decorated: Node) -> Vec<Node> {
    let mut cursor = decorated.walk();
    decorated
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "decorator")
        .collect()
}

/// The class whose body defines `node` directly (not inside a nested function), if any.
fn owning_class(node: Node) -> Option<Node> {
    enclosing_scopes(node)
        .into_iter()
        .next()
        .filter(|scope| scope.kind() == "class_definition")
}

/// Whether the class's instances live as long as the class anyway: an `Enum` (its members
/// are created with the class) or a metaclass (its instances are classes), directly or
/// through bases the same file defines (`class Color(Base)` with `class Base(enum.Enum)`).
fn instances_live_with_class(file: &SourceFile, class: Node) -> bool {
    class_or_local_base(file, class, &mut |file, class| {
        bases(class).into_iter().any(|base| {
            let Some(qualified) = file.bindings().resolve(file, base) else {
                return false;
            };
            qualified.starts_with("enum.")
                || matches!(
                    qualified.as_str(),
                    "type" | "builtins.type" | "abc.ABCMeta" | "enum.EnumMeta" | "enum.EnumType"
                )
        })
    })
}

/// The base expressions of a class, unparenthesized.
fn bases(class: Node) -> Vec<Node> {
    let Some(bases) = class.child_by_field_name("superclasses") else {
        return Vec::new();
    };
    let mut cursor = bases.walk();
    bases
        .named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .map(unparenthesize)
        .collect()
}

/// How deep same-file bases are followed: enough for real hierarchies, and a stop for
/// a file whose classes name each other in a cycle.
const MAX_LOCAL_BASE_DEPTH: usize = 16;

/// Whether `test` holds for the class or for a base the same file defines, transitively:
/// a base spelled as a bare name that a class statement in the class's own block (or the
/// module) binds.
fn class_or_local_base(
    file: &SourceFile,
    class: Node,
    test: &mut dyn FnMut(&SourceFile, Node) -> bool,
) -> bool {
    let mut pending = vec![(class, 0)];
    let mut seen = Vec::new();
    while let Some((class, depth)) = pending.pop() {
        if seen.contains(&class.id()) {
            continue;
        }
        seen.push(class.id());
        if test(file, class) {
            return true;
        }
        if depth >= MAX_LOCAL_BASE_DEPTH {
            continue;
        }
        for base in bases(class) {
            if base.kind() == "identifier" {
                if let Some(local) = local_class_named(file, class, file.node_text(base)) {
                    pending.push((local, depth + 1));
                }
            }
        }
    }
    false
}

/// Whether the class's instances are values, compared and hashed by what they hold: a
/// `NamedTuple` or `namedtuple(...)` subclass, a frozen dataclass or attrs class, or a
/// class body that defines `__hash__`. A bounded cache on such a class is memoization by
/// value (equal instances share an entry), the same as a module-level cache keyed on the
/// values: at most `maxsize` values are kept, which is what the cache is for.
fn is_value_type(file: &SourceFile, class: Node) -> bool {
    let bindings = file.bindings();
    let named_tuple_base = class
        .child_by_field_name("superclasses")
        .is_some_and(|bases| {
            let mut cursor = bases.walk();
            let bases: Vec<Node> = bases.named_children(&mut cursor).collect();
            bases.into_iter().any(|base| {
                let base = unparenthesize(base);
                let callee = if base.kind() == "call" {
                    base.child_by_field_name("function")
                } else {
                    Some(base)
                };
                callee
                    .and_then(|c| bindings.resolve(file, c))
                    .is_some_and(|q| {
                        matches!(
                            q.as_str(),
                            "typing.NamedTuple"
                                | "typing_extensions.NamedTuple"
                                | "collections.namedtuple"
                        )
                    })
            })
        });
    let frozen = class
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .is_some_and(|decorated| {
            decorators(decorated).into_iter().any(|decorator| {
                let text = file.node_text(decorator);
                let name = decorator_name(file, decorator);
                (matches!(name, "dataclass" | "s" | "attrs" | "define" | "mutable")
                    && text.contains("frozen=True"))
                    || name == "frozen"
            })
        });
    named_tuple_base
        || frozen
        || class_method_named(file, class, "__hash__").is_some()
        || inherits_hash(file, class)
}

/// Whether the class inherits a `__hash__` from a base the same file defines (as
/// `ipaddress.IPv4Address` does from `_BaseAddress`), the base being a value type itself.
/// A class that defines `__eq__` without `__hash__` (itself, or through `@dataclass` or
/// attrs' `@define`) gets `__hash__ = None` instead, and one that assigns `__hash__` in
/// its body decides for itself: neither inherits. (A frozen one is a value type anyway.)
fn inherits_hash(file: &SourceFile, class: Node) -> bool {
    let defines_eq = class_method_named(file, class, "__eq__").is_some()
        || assigns_in_body(file, class, "__eq__");
    // `@dataclass` / attrs `@define` (not frozen) compare by fields and set `__hash__`
    // to `None` unless the body defines it.
    let generated_eq = class
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .is_some_and(|decorated| {
            decorators(decorated).into_iter().any(|decorator| {
                matches!(
                    decorator_name(file, decorator),
                    "dataclass" | "s" | "attrs" | "define" | "mutable"
                )
            })
        });
    if defines_eq || generated_eq || assigns_in_body(file, class, "__hash__") {
        return false;
    }
    bases(class).into_iter().any(|base| {
        base.kind() == "identifier"
            && local_class_named(file, class, file.node_text(base))
                .is_some_and(|local| is_value_type(file, local))
    })
}

/// Whether the class body binds `name` by a plain assignment (`__hash__ = None`).
fn assigns_in_body(file: &SourceFile, class: Node, name: &str) -> bool {
    let Some(body) = class.child_by_field_name("body") else {
        return false;
    };
    statements(body).into_iter().any(|statement| {
        statement.kind() == "expression_statement"
            && statement.named_child(0).is_some_and(|assignment| {
                assignment.kind() == "assignment"
                    && assignment
                        .child_by_field_name("left")
                        .is_some_and(|left| file.node_text(left) == name)
            })
    })
}

/// Whether a `def` in a class body is called with an instance first: it has a parameter
/// to receive one, is not a static or class method by decorator, and is not one Python
/// calls with the class.
fn is_instance_method(file: &SourceFile, function: Node) -> bool {
    let Some(name) = function.child_by_field_name("name") else {
        return false;
    };
    if IMPLICIT_CLASS_METHODS.contains(&file.node_text(name)) {
        return false;
    }
    if let Some(decorated) = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    {
        if decorators(decorated)
            .into_iter()
            .any(|d| NOT_INSTANCE_METHOD.contains(&decorator_name(file, d)))
        {
            return false;
        }
    }
    takes_an_instance(function) && !first_parameter_names_a_class(file, function)
}

/// Whether the first parameter is named as a class by convention (`cls`, `mcs`...): a
/// method some other decorator (`classproperty`) or a later `class_or_instance_method`
/// wrapping calls with the class, which lives as long as the cache anyway.
fn first_parameter_names_a_class(file: &SourceFile, function: Node) -> bool {
    function
        .child_by_field_name("parameters")
        .and_then(|parameters| parameter_names(parameters).into_iter().next())
        .is_some_and(|first| CLASS_PARAMETER_NAMES.contains(&file.node_text(first)))
}

/// Whether a `def`'s or lambda's parameters can receive the instance: a first
/// positional parameter or `*args`.
fn takes_an_instance(function: Node) -> bool {
    let Some(parameters) = function.child_by_field_name("parameters") else {
        return false;
    };
    let mut cursor = parameters.walk();
    let first = parameters
        .named_children(&mut cursor)
        .find(|n| !n.is_extra());
    first.is_some_and(|first| {
        matches!(
            first.kind(),
            "identifier"
                | "typed_parameter"
                | "default_parameter"
                | "typed_default_parameter"
                | "list_splat_pattern"
        ) && !parameter_names(parameters).is_empty()
    })
}

fn check_definition(file: &SourceFile, decorated: Node, function: Node) -> Option<Finding> {
    let class = owning_class(decorated)?;
    if !is_instance_method(file, function) || instances_live_with_class(file, class) {
        return None;
    }
    let (decorator, cache) = decorators(decorated)
        .into_iter()
        .find_map(|d| Some((d, cache_decorator(file, d.named_child(0)?)?)))?;
    if !matches!(cache.bound, Bound::Unbounded) && is_value_type(file, class) {
        return None;
    }
    let method = file.node_text(function.child_by_field_name("name")?);
    Some(finding(file, class, method, decorator, &cache))
}

/// A class body's `name = lru_cache(maxsize=None)(function)` or `name = cache(function)`,
/// where `function` is a lambda or a method the class body defines.
fn check_assignment(file: &SourceFile, target: Node, value: Node) -> Option<Finding> {
    let assignment = target.parent()?;
    let class = owning_class(assignment)?;
    if instances_live_with_class(file, class) {
        return None;
    }
    let value = unwrap_property(file, value).unwrap_or(value);
    let callee = unparenthesize(value.child_by_field_name("function")?);
    // `lru_cache(maxsize=None)(f)`: the factory gives the bound; `cache(f)` and
    // `lru_cache(f)`, applied directly, have the default one.
    let cache = cache_decorator(file, callee)?;
    if !matches!(cache.bound, Bound::Unbounded) && is_value_type(file, class) {
        return None;
    }
    let arguments = value.child_by_field_name("arguments")?;
    let mut cursor = arguments.walk();
    let wrapped = arguments
        .named_children(&mut cursor)
        .find(|n| !n.is_extra())
        .map(unparenthesize)?;
    let is_method = match wrapped.kind() {
        "lambda" => takes_an_instance(wrapped),
        "identifier" => {
            let name = file.node_text(wrapped);
            class_method_named(file, class, name).is_some_and(|f| is_instance_method(file, f))
        }
        _ => false,
    };
    if !is_method {
        return None;
    }
    Some(finding(file, class, file.node_text(target), value, &cache))
}

/// The call inside `property(CALL)`: a property's getter is called with the instance.
fn unwrap_property<'t>(file: &SourceFile, value: Node<'t>) -> Option<Node<'t>> {
    let callee = unparenthesize(value.child_by_field_name("function")?);
    let qualified = file.bindings().resolve(file, callee)?;
    if !matches!(qualified.as_str(), "property" | "builtins.property") {
        return None;
    }
    let arguments = value.child_by_field_name("arguments")?;
    let mut cursor = arguments.walk();
    let getter = arguments
        .named_children(&mut cursor)
        .find(|n| !n.is_extra())
        .map(unparenthesize)?;
    (getter.kind() == "call").then_some(getter)
}

/// The `def NAME` directly in the class body (possibly decorated), the last if several.
fn class_method_named<'t>(file: &SourceFile, class: Node<'t>, name: &str) -> Option<Node<'t>> {
    let body = class.child_by_field_name("body")?;
    statements(body)
        .into_iter()
        .filter_map(|statement| match statement.kind() {
            "function_definition" => Some(statement),
            "decorated_definition" => statement.child_by_field_name("definition"),
            _ => None,
        })
        .filter(|f| f.kind() == "function_definition")
        .filter(|f| {
            f.child_by_field_name("name")
                .is_some_and(|n| file.node_text(n) == name)
        })
        .last()
}

fn finding(file: &SourceFile, class: Node, method: &str, at: Node, cache: &Cache) -> Finding {
    let class_name = class
        .child_by_field_name("name")
        .map_or("", |n| file.node_text(n));
    let qualified = &cache.qualified;
    let short = qualified.rsplit('.').next().unwrap_or(qualified);
    let keeps = match cache.bound {
        Bound::Unbounded => "keeps every instance it is called on alive".to_string(),
        Bound::Entries("1") => "keeps the instance of its last call alive".to_string(),
        Bound::Entries(n) => format!("keeps the instances of its last {n} calls alive"),
        Bound::Computed => "keeps the instances of its last `maxsize` calls alive".to_string(),
    };
    let mut message = format!("`{short}` on method `{class_name}.{method}` {keeps}");
    if message.chars().count() > 100 {
        message = format!("`{short}` on method `{method}` {keeps}");
    }
    if message.chars().count() > 100 {
        message = format!("`{short}` on a method {keeps}");
    }
    let how_long = match cache.bound {
        Bound::Unbounded => {
            "it never drops an entry, so every instance the method is called on stays alive until exit, with everything it refers to"
                .to_string()
        }
        Bound::Entries(n) => format!(
            "it keeps the last {n} distinct calls, so their instances stay alive after the program dropped them, with everything they refer to"
        ),
        Bound::Computed => "it keeps the last `maxsize` distinct calls, so their instances stay alive after the program dropped them, with everything they refer to".to_string(),
    };
    let detail = format!(
        "`{qualified}`: the cache belongs to the function the class holds and lives as long as the class; each key holds the call's `self`: {how_long}. Cures: `functools.cached_property` for a method taking only `self`; a per-instance cache made in `__init__`; a module-level cached function keyed on the stable values the method reads."
    );
    Finding::new(
        CODE,
        at.byte_range(),
        message,
        detail,
        Err("no rewrite keeps what callers see: `cached_property` changes the call syntax, a per-instance cache stops equal instances sharing results".into()),
    )
}
