//! LK010 mutable-class-attribute.
//!
//! A list, dict or set bound in a class body is one object, held by the class. A method
//! that mutates it through `self.NAME` changes that one object for every instance: what
//! each instance adds stays alive as long as the class does. The fix builds the value in
//! `__init__` instead, one per instance.

use std::collections::HashMap;
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match, Finding, FixSafety, Rule};
use crate::prefilter::has_word;
use crate::semantic::{parameter_names, statements, unparenthesize, FileBindings};
use crate::settings::Settings;
use crate::source::SourceFile;

mod facts;
mod fix;

use facts::{use_of, Change, FileFacts, Use};

const CODE: &str = "LK010";

static QUERY: LazyLock<Query> = LazyLock::new(|| {
    compile_query(include_str!(
        "../../queries/lk010_mutable_class_attribute.scm"
    ))
});

/// Constructors of the containers this rule follows, by qualified name. The weak
/// containers (`weakref.WeakSet`...) are left out: they keep nothing alive.
const MUTABLE_CALLS: &[&str] = &[
    "list",
    "dict",
    "set",
    "bytearray",
    "builtins.list",
    "builtins.dict",
    "builtins.set",
    "builtins.bytearray",
    "collections.defaultdict",
    "collections.OrderedDict",
    "collections.Counter",
    "collections.deque",
];

/// Methods that change a list, dict, set, deque or bytearray in place.
pub(crate) const MUTATING_METHODS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "clear",
    "sort",
    "reverse",
    "update",
    "setdefault",
    "popitem",
    "add",
    "discard",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
    "appendleft",
    "extendleft",
    "popleft",
    "rotate",
    "subtract",
    "__setitem__",
    "__delitem__",
    "__iadd__",
    "__ior__",
];

/// Bases whose class attributes are not defaults of per-instance attributes: enum
/// members, the fields of a `NamedTuple` or `TypedDict`, a protocol's interface.
const SPECIAL_BASES: &[&str] = &[
    "Enum",
    "IntEnum",
    "StrEnum",
    "Flag",
    "IntFlag",
    "ReprEnum",
    "NamedTuple",
    "TypedDict",
    "Protocol",
];

const DOC: &str = r#"# LK010 mutable-class-attribute

## What it finds
A list, dict or set bound in a class body (a display, a comprehension, or a call of
`list`, `dict`, `set`, `bytearray`, `collections.defaultdict`, `OrderedDict`, `Counter`
or `deque`; import aliases are followed) that a method grows through its instance:
`self.NAME.append(...)` or another adding method (`extend`, `insert`, `add`,
`update`, `setdefault`, `appendleft`, ...), `self.NAME[k] = v`, or an augmented
assignment `self.NAME += [...]` or `|=` (which, on a list, dict or set, changes the
object in place before binding it on the instance). Nested functions in the method
count; a nested class or a function whose parameter reuses the receiver's name does
not. Reported at the value in the class body.

Not reported:
- when a method also takes out of it through the instance (`pop`, `remove`,
  `discard`, `clear`, `del self.NAME[k]`, `-=`): a shared pool the class manages on
  purpose (tornado's `IOLoop._pending_tasks`, a set of running tasks); mutations that
  neither add nor remove (`sort`, `reverse`) alone are not reported either;
- when anything in the file assigns or deletes an attribute of that name
  (`self.NAME = []` in `__init__` or any other method, `obj.NAME = ...`,
  `setattr(obj, "NAME", ...)`): instances may have their own;
- when the class writes it through the class on purpose: `cls.NAME.append(...)`,
  `Session.NAME[k] = v`, `type(self).NAME.clear()`; or when it is annotated
  `ClassVar[...]`, which declares it shared (type checkers then reject instance
  assignment); such a registry or counter is shared by design;
- a class whose methods set attributes by computed names (`setattr(self, name, v)`,
  `self.__dict__`, `vars(self)`);
- a class whose instances cannot have an attribute of their own or whose class
  attributes are not instance defaults: one with `__slots__`, an `Enum`, a
  `NamedTuple`, a `TypedDict`, a `Protocol`;
- an annotated attribute (`items: list[int] = []`) in a class that has a decorator or a
  base other than `object` or a plain class of the same file: dataclasses, attrs,
  pydantic and their kind read those as per-instance field defaults (dataclasses
  refuse a mutable one, pydantic copies it); `field(default_factory=list)` is never a
  display, so it is never reported;
- weak containers (`weakref.WeakSet`, ...), which keep nothing alive; names with two
  leading and trailing underscores (`__slots__`); targets other than one plain name.

## Why it leaks
The class body runs once, so the value is one object, stored in the class's
`__dict__`. `self.NAME` finds no instance attribute and reads the class's, so
`self.NAME.append(x)` changes that one object: every instance adds to it, every
instance sees what the others added, and all of it stays alive as long as the class,
which for a module-level class is until the process exits. A long-running service
that makes an instance per request grows it without bound.

## Example
```python
class Session:
    history = []

    def record(self, event):
        self.history.append(event)
```

## Fix
```python
class Session:
    def __init__(self):
        self.history = []

    def record(self, event):
        self.history.append(event)
```
The value's source text (annotation and trailing comment with it) moves into
`__init__` as `self.NAME = ...`: after a `super().__init__(...)` (or `Base.__init__`)
statement when the body has one, else at the top of the body after its docstring.
Without an `__init__`, one is created before the first method: `def __init__(self):`
for a class without bases, else `def __init__(self, *args, **kwargs):` calling
`super().__init__(*args, **kwargs)` first, so that a base's `__init__` the file cannot
see still gets its arguments.

## Fix safety
Always unsafe (applied with `--unsafe-fixes`): the class attribute is gone, so code in
other modules that reads `Session.NAME`, or subclasses elsewhere whose `__init__` does
not call this one, would fail; instances made without `__init__` (unpickled, or made by
`__new__`) lack it; and each instance now starts from the initial value instead of
seeing what the others added.

No fix is offered, with the reason, when the file shows a way it would fail or mean
something else: the class attribute is read through the class (`Session.NAME`,
`cls.NAME`, `type(self).NAME`, `super().NAME`, a subclass's name, its bare name in the
class body) or its name appears as a string (`getattr(obj, "NAME")`); a subclass in the
file rebinds it or has an `__init__` that calls no base `__init__`; the class defines
or calls `__new__`; a decorated class without `__init__` (the decorator may make one);
an `__init__` that is decorated, defined twice or bound otherwise, or whose body is on
its `def` line; the value reads a name of the class body or of `__init__`, or holds
`:=`, `await` or `yield`; the binding shares its line with another statement.
"#;

pub struct MutableClassAttribute;

impl Rule for MutableClassAttribute {
    fn code(&self) -> &'static str {
        CODE
    }

    fn name(&self) -> &'static str {
        "mutable-class-attribute"
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
            unsafe_fix: true,
            no_fix: true,
        }
    }

    fn aliases(&self) -> &'static [&'static str] {
        // ruff's mutable-class-default reports the same bindings (without asking
        // whether an instance mutates them): a `noqa` written for it says the author
        // knows the value is shared.
        &["RUF012"]
    }

    /// Every finding is in a class body: the word `class` is in the code.
    fn might_match(&self, text: &str, _settings: &Settings) -> bool {
        has_word(text, "class")
    }

    fn check(&self, file: &SourceFile, _settings: &Settings, findings: &mut Vec<Finding>) {
        let class_index = QUERY
            .capture_index_for_name("class")
            .expect("query defines @class");
        let mut classes = Vec::new();
        for_each_match(
            &QUERY,
            file.tree.root_node(),
            file.text.as_bytes(),
            |captures| {
                classes.extend(
                    captures
                        .iter()
                        .filter(|(index, _)| *index == class_index)
                        .map(|(_, node)| *node),
                );
            },
        );
        if classes.is_empty() {
            return;
        }
        let facts = FileFacts::collect(file, &classes);
        for class in classes {
            check_class(file, &facts, class, findings);
        }
    }
}

/// A candidate: `NAME = value` or `NAME: T = value` directly in a class body.
#[derive(Clone, Copy)]
pub(crate) struct Binding<'a> {
    pub name: &'a str,
    pub statement: Node<'a>,
    pub assignment: Node<'a>,
    pub value: Node<'a>,
    pub kind: &'static str,
}

/// How a method gets its first argument.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Receiver {
    Instance,
    Class,
    Static,
}

/// A function defined directly in a class body.
#[derive(Clone, Copy)]
pub(crate) struct Method<'a> {
    pub function: Node<'a>,
    pub name: &'a str,
    pub receiver: Option<&'a str>,
    pub kind: Receiver,
    pub decorated: bool,
}

fn check_class<'a>(
    file: &SourceFile<'a>,
    facts: &FileFacts<'a>,
    class: Node<'a>,
    findings: &mut Vec<Finding>,
) {
    let Some(body) = class.child_by_field_name("body") else {
        return;
    };
    if has_special_base(file, class) || defines(file, body, "__slots__") {
        return;
    }
    let bindings = file.bindings();
    let candidates = candidates(file, bindings, facts, class, body);
    if candidates.is_empty() {
        return;
    }
    let methods = methods(file, body);
    if methods
        .iter()
        .any(|m| m.kind == Receiver::Instance && sets_computed_attributes(file, *m))
    {
        return;
    }
    for binding in candidates {
        if facts.assigned_attributes.contains(binding.name)
            || facts
                .reaching(file, class, facts.written_through_class.get(binding.name))
                .is_some()
        {
            continue;
        }
        let Some(first) = first_mutation(file, &methods, binding.name) else {
            continue;
        };
        let (name, kind) = (binding.name, binding.kind);
        let line = file.location(first.start_byte()).line;
        let message = format!(
            "class-level {kind} `{name}` is shared by every instance, which add to it (line {line})"
        );
        let detail = format!(
            "The {kind} is built once, when the class body runs, and belongs to the class: \
             `{}` changes that one {kind}, so what every instance adds stays alive as long \
             as the class (for a module-level class, until exit) and every instance sees it. \
             Build it in `__init__` (`self.{name} = ...`) for one per instance, or annotate it \
             `ClassVar` if sharing is intended.",
            single_line(file.node_text(first))
        );
        let fix = fix::plan(file, facts, class, body, &methods, binding);
        findings.push(Finding::new(
            CODE,
            binding.value.byte_range(),
            message,
            detail,
            fix,
        ));
    }
}

/// The first line of a statement's text, shortened for the detail.
fn single_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or(text).trim();
    if line.chars().count() > 60 {
        let cut: String = line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        line.to_string()
    }
}

/// Enum, NamedTuple, TypedDict, Protocol bases (by their last dotted name, with or
/// without type arguments), or an enum metaclass.
fn has_special_base(file: &SourceFile, class: Node) -> bool {
    let Some(bases) = class.child_by_field_name("superclasses") else {
        return false;
    };
    let mut cursor = bases.walk();
    let found = bases.named_children(&mut cursor).any(|base| {
        let text = match base.kind() {
            "keyword_argument" => base
                .child_by_field_name("value")
                .map_or("", |v| file.node_text(v)),
            _ => file.node_text(base),
        };
        let head = text.split('[').next().unwrap_or(text).trim();
        let last = head.rsplit('.').next().unwrap_or(head);
        SPECIAL_BASES.contains(&last) || last.ends_with("Enum") || last.ends_with("EnumMeta")
    });
    found
}

/// Whether the class body binds `name` by a statement of its own.
fn defines(file: &SourceFile, body: Node, name: &str) -> bool {
    statements(body).into_iter().any(|statement| {
        assignment_of(statement).is_some_and(|assignment| {
            assignment
                .child_by_field_name("left")
                .is_some_and(|left| file.node_text(left) == name)
        })
    })
}

/// The assignment an expression statement holds.
fn assignment_of(statement: Node) -> Option<Node> {
    (statement.kind() == "expression_statement" && statement.named_child_count() == 1)
        .then(|| statement.named_child(0))
        .flatten()
        .filter(|n| n.kind() == "assignment")
}

fn candidates<'a>(
    file: &SourceFile<'a>,
    bindings: &FileBindings<'a>,
    facts: &FileFacts<'a>,
    class: Node<'a>,
    body: Node<'a>,
) -> Vec<Binding<'a>> {
    let all = statements(body);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut found = Vec::new();
    for statement in &all {
        let inner = match statement.kind() {
            "decorated_definition" => statement.child_by_field_name("definition"),
            _ => Some(*statement),
        };
        if let Some(name) = inner
            .filter(|n| matches!(n.kind(), "function_definition" | "class_definition"))
            .and_then(|n| n.child_by_field_name("name"))
        {
            *counts.entry(file.node_text(name)).or_default() += 1;
        }
        let Some(assignment) = assignment_of(*statement) else {
            continue;
        };
        let Some(left) = assignment.child_by_field_name("left") else {
            continue;
        };
        if left.kind() != "identifier" {
            continue;
        }
        let name = file.node_text(left);
        *counts.entry(name).or_default() += 1;
        let Some(value) = assignment.child_by_field_name("right") else {
            continue;
        };
        if value.kind() == "assignment" || name.starts_with("__") && name.ends_with("__") {
            continue;
        }
        let Some(kind) = mutable_kind(file, bindings, value) else {
            continue;
        };
        if let Some(annotation) = assignment.child_by_field_name("type") {
            let text = file.node_text(annotation);
            if text.contains("ClassVar") || !facts.is_plain_class(file, class) {
                continue;
            }
        }
        found.push(Binding {
            name,
            statement: *statement,
            assignment,
            value,
            kind,
        });
    }
    // Bound twice in the body (or also a `def`): which one instances see depends on order.
    found.retain(|binding| counts.get(binding.name) == Some(&1));
    found
}

/// `list`, `dict`, `set`... when the value builds a fresh mutable container.
fn mutable_kind(file: &SourceFile, bindings: &FileBindings, value: Node) -> Option<&'static str> {
    let value = unparenthesize(value);
    match value.kind() {
        "list" | "list_comprehension" => Some("list"),
        "dictionary" | "dictionary_comprehension" => Some("dict"),
        "set" | "set_comprehension" => Some("set"),
        "call" => {
            let mut function = value.child_by_field_name("function")?;
            if function.kind() == "subscript" {
                // `OrderedDict[str, int]()` is still the constructor.
                function = function.child_by_field_name("value")?;
            }
            let qualified = bindings.resolve(file, function)?;
            MUTABLE_CALLS
                .iter()
                .find(|known| **known == qualified)
                .map(|known| match known.rsplit('.').next().unwrap_or(known) {
                    "list" => "list",
                    "dict" => "dict",
                    "set" => "set",
                    "bytearray" => "bytearray",
                    "defaultdict" => "defaultdict",
                    "OrderedDict" => "OrderedDict",
                    "Counter" => "Counter",
                    _ => "deque",
                })
        }
        _ => None,
    }
}

/// The functions defined directly in a class body.
pub(crate) fn methods<'a>(file: &SourceFile<'a>, body: Node<'a>) -> Vec<Method<'a>> {
    let mut found = Vec::new();
    for statement in statements(body) {
        let (function, decorators) = match statement.kind() {
            "function_definition" => (statement, Vec::new()),
            "decorated_definition" => {
                let Some(inner) = statement
                    .child_by_field_name("definition")
                    .filter(|n| n.kind() == "function_definition")
                else {
                    continue;
                };
                let mut cursor = statement.walk();
                let decorators: Vec<&str> = statement
                    .named_children(&mut cursor)
                    .filter(|n| n.kind() == "decorator")
                    .map(|n| {
                        let text = file.node_text(n).trim_start_matches('@').trim();
                        let head = text.split('(').next().unwrap_or(text).trim();
                        head.rsplit('.').next().unwrap_or(head)
                    })
                    .collect();
                (inner, decorators)
            }
            _ => continue,
        };
        let Some(name) = function.child_by_field_name("name") else {
            continue;
        };
        let name = file.node_text(name);
        let kind = if decorators.contains(&"staticmethod") {
            Receiver::Static
        } else if decorators.contains(&"classmethod")
            || matches!(name, "__new__" | "__init_subclass__" | "__class_getitem__")
        {
            Receiver::Class
        } else {
            Receiver::Instance
        };
        let receiver = function
            .child_by_field_name("parameters")
            .and_then(|p| parameter_names(p).into_iter().next())
            .filter(|first| {
                first
                    .parent()
                    .is_some_and(|p| matches!(p.kind(), "parameters" | "typed_parameter"))
            })
            .map(|n| file.node_text(n));
        found.push(Method {
            function,
            name,
            receiver: if kind == Receiver::Static {
                None
            } else {
                receiver
            },
            kind,
            decorated: !decorators.is_empty(),
        });
    }
    found
}

/// `setattr(self, name, ...)` with a name that is not a string literal, `self.__dict__`,
/// `vars(self)`: the method may give the instance attributes of any name.
fn sets_computed_attributes(file: &SourceFile, method: Method) -> bool {
    let Some(receiver) = method.receiver else {
        return false;
    };
    let mut found = false;
    walk_receiver_scope(
        method.function,
        receiver,
        file,
        &mut |node| match node.kind() {
            "attribute"
                if node
                    .child_by_field_name("attribute")
                    .is_some_and(|a| file.node_text(a) == "__dict__")
                    && node
                        .child_by_field_name("object")
                        .is_some_and(|o| file.node_text(o) == receiver) =>
            {
                found = true;
            }
            "call" => {
                let function = node.child_by_field_name("function");
                let arguments = node.child_by_field_name("arguments");
                if let (Some(function), Some(arguments)) = (function, arguments) {
                    let callee = file.node_text(function);
                    let mut cursor = arguments.walk();
                    let args: Vec<Node> = arguments.named_children(&mut cursor).collect();
                    let on_receiver = args
                        .first()
                        .is_some_and(|first| file.node_text(*first) == receiver);
                    if on_receiver
                        && (callee == "vars"
                            || callee == "setattr"
                                && args.get(1).is_none_or(|name| name.kind() != "string"))
                    {
                        found = true;
                    }
                }
            }
            _ => {}
        },
    );
    found
}

/// Calls `visit` on every node of `function`'s body where `receiver` still names the
/// method's first argument: not in nested classes, nor in nested functions or lambdas
/// with a parameter of that name.
pub(crate) fn walk_receiver_scope<'a>(
    function: Node<'a>,
    receiver: &str,
    file: &SourceFile,
    visit: &mut dyn FnMut(Node<'a>),
) {
    let Some(body) = function.child_by_field_name("body") else {
        return;
    };
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "class_definition" => continue,
            "function_definition" | "lambda" => {
                let rebinds = node.child_by_field_name("parameters").is_some_and(|p| {
                    parameter_names(p)
                        .into_iter()
                        .any(|n| file.node_text(n) == receiver)
                });
                if rebinds {
                    continue;
                }
            }
            _ => {}
        }
        visit(node);
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
}

/// The first statement (in source order) of an instance method that adds to
/// `receiver.name`, unless some method rebinds or deletes it on its receiver or
/// removes from it.
fn first_mutation<'a>(
    file: &SourceFile<'a>,
    methods: &[Method<'a>],
    name: &str,
) -> Option<Node<'a>> {
    let mut first: Option<Node<'a>> = None;
    for method in methods {
        let Some(receiver) = method.receiver else {
            continue;
        };
        let mut rebound = false;
        let mut removed = false;
        let mut mutations = Vec::new();
        walk_receiver_scope(method.function, receiver, file, &mut |node| {
            if node.kind() != "attribute" {
                return;
            }
            let (Some(object), Some(attribute)) = (
                node.child_by_field_name("object"),
                node.child_by_field_name("attribute"),
            ) else {
                return;
            };
            if object.kind() != "identifier"
                || file.node_text(object) != receiver
                || file.node_text(attribute) != name
            {
                return;
            }
            match use_of(file, node) {
                Use::Rebind => rebound = true,
                Use::Mutate(_, Change::Removes) => removed = true,
                Use::Mutate(statement, Change::Adds) if method.kind == Receiver::Instance => {
                    mutations.push(statement)
                }
                _ => {}
            }
        });
        if rebound || removed {
            return None;
        }
        for statement in mutations {
            if first.is_none_or(|f| statement.start_byte() < f.start_byte()) {
                first = Some(statement);
            }
        }
    }
    first
}

/// Names of classes in `classes`, for [`FileFacts`].
pub(crate) fn class_name<'a>(file: &SourceFile<'a>, class: Node) -> Option<&'a str> {
    class
        .child_by_field_name("name")
        .map(|name| file.node_text(name))
}
