//! LK009 callback-holds-object.
//!
//! A finalizer, weak-reference callback, exit hook or signal handler is held by
//! something that lives as long as the process (the finalizer registry, the weak
//! reference, `atexit`'s list, the signal table). When the callback, or an argument
//! registered with it, refers to the very object it is about, that object can no longer
//! be freed: a finalizer then never runs before exit, and an instance whose bound method
//! is an exit hook or a signal handler lives until exit or until the handler is replaced.

mod fix;

use std::cell::Cell;
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match, Finding, FixSafety, Rule};
use crate::prefilter::has_word;
use crate::semantic::{parameter_names, unparenthesize};
use crate::settings::Settings;
use crate::source::SourceFile;

const CODE: &str = "LK009";

static QUERY: LazyLock<Query> = LazyLock::new(|| {
    compile_query(include_str!(
        "../../queries/lk009_callback_holds_object.scm"
    ))
});

/// The last names of the callees this rule resolves; the prefilter looks for them.
const CALLEE_WORDS: &[&str] = &[
    "finalize",
    "ref",
    "ReferenceType",
    "proxy",
    "register",
    "signal",
];

const DOC: &str = r#"# LK009 callback-holds-object

## What it finds
A finalizer or registry callback that holds the object it belongs to. These shapes:

- `weakref.finalize(obj, func, *args, **kwargs)` where `func` or an argument refers to
  `obj`: `weakref.finalize(self, self.close)` (a bound method of `obj`), a lambda or a
  nested function that holds `obj` (reads it from an enclosing function, a closure, or
  has it as a parameter default: `lambda o=obj: ...`, `lambda m=obj.close: ...`; a
  module-level name read in the body is looked up at call time and not held), `obj` itself among the arguments or keyword
  arguments (also inside a tuple, list, set or dict display), a bound method of `obj`
  among the arguments (`self.m` where the class defines `m`), or any of these inside
  `functools.partial(...)` or `types.MethodType(...)`;
- `weakref.ref(obj, callback)` (also as `weakref.ReferenceType`) and
  `weakref.proxy(obj, callback)` where `callback` refers to `obj` in the same ways;
- `atexit.register(func, *args, **kwargs)` and `signal.signal(signum, handler)` inside a
  method, where the callback or an argument refers to the method's instance (`self`):
  `atexit.register(self.close)`, `atexit.register(cleanup, self)`,
  `signal.signal(signal.SIGTERM, self.on_term)`, a lambda over `self`,
  `functools.partial(f, self)`.

A local variable bound once, by `name = value` before the call, is followed to its value
(`cb = self.close` then `weakref.finalize(self, cb)`; a handler lambda assigned first);
`getattr(obj, "name")` as the callback is a bound method of `obj`; a `**{...}` display's
values are arguments like keyword arguments.

`obj` is a plain name (`self`, `conn`) or an attribute chain (`self._sock`); a callback
that holds `self` also holds `self._sock`. Import aliases are followed (`from weakref
import finalize`, `import atexit as ae`); a `finalize` the file defines itself is not
`weakref.finalize`. Not reported: an attribute's value passed as an argument
(`weakref.finalize(self, os.remove, self.path)`, the documented idiom), another
object (`weakref.finalize(obj, cleanup, handle)`), a parameter default holding an
attribute's value (`lambda f=self._file: f.close()`, `def cb(_, q=self._queue)`), a
staticmethod or classmethod of the class (`self._cleanup` when `_cleanup` is a
`@staticmethod`, or `_cleanup = staticmethod(os.remove)` in the class body: no bound
instance),
module-level functions registered with `atexit` or as signal handlers, and exit hooks
registered outside a method (a module-level object lives until exit anyway).

## Why it leaks
The finalizer registry keeps every live `weakref.finalize` with its callback and
arguments, strongly, until the finalizer runs. If they refer to `obj`, `obj` stays
reachable from the registry, so it is never freed and the finalizer never runs before
interpreter exit: whatever `obj` holds (buffers, files, sockets) stays allocated for the
life of the process, and so does every other object made the same way. The Python
documentation warns of exactly this: "It is important to ensure that func, args and
kwargs do not own any references to obj, either directly or indirectly, since otherwise
obj will never be garbage collected." A weak reference's callback is held by the
reference: while the reference lives, `obj` does too (and a callback that could run
would never see `obj` die). `atexit` keeps each registered function until exit, and the
signal table keeps a handler until it is replaced: a bound method or closure there keeps
its instance, and all it refers to, that long, even after the program is done with it.

## Example
```python
import weakref

class Resource:
    def __init__(self, path):
        self._file = open(path)
        self._finalizer = weakref.finalize(self, self.close)

    def close(self):
        self._file.close()
```

## Fix
Pass the values the callback needs, not the object, and make the callback a function or
a staticmethod (the Python documentation's own advice):
```python
import types
import weakref

class Resource:
    def __init__(self, path):
        self._file = open(path)
        self._finalizer = weakref.finalize(self, Resource.close, types.SimpleNamespace(_file=self._file))

    def close(self):
        self._file.close()
```
The fix keeps `close` as it is and calls it, through the class, with a stand-in that
holds only the attribute values it reads. A hand-written cure may be plainer:
`weakref.finalize(self, self._file.close)`, or a `@staticmethod` taking the values.

## Fix safety
The fix is offered only for `weakref.finalize(self, self.m, ...)` in `__init__` where
this file proves the stand-in is indistinguishable from `self` for `m`, and that
`C.m` is the function `self.m` was bound to:
- the class `C` is defined at module level (from a nested class or a function,
  `C.m` would not be visible), has no base class other than `object`, no decorator, no
  metaclass, no attribute hooks (`__getattr__`, `__getattribute__`, `__setattr__`,
  `__delattr__`) and no `__new__` (which may hand `__init__` an object already set up,
  whose earlier finalizers would keep stale values);
- the name `C` is used nowhere else in the file (not to make one, not as a base, not
  in `Base = C` or `type("S", (C,), ...)`): any use could subclass or patch it; and
  the file has no `from ... import *`, which could rebind it;
- `m` is a plain `def` of the class, and the class body binds or uses the name `m`
  nowhere else, in any form and at any depth of its own scope (`m = wrap(m)`, `from x
  import y as m`, a second `def m` under an `if`, a `for`/`with` target, a walrus, `del
  m`); `m` is never assigned on an instance, and uses `self` only to read attributes (no
  method call, no store, no `super()`, no bare `self`);
- each attribute `m` reads is assigned exactly once in the file, by a statement of
  `__init__`'s body before the `weakref.finalize` call, is not a name the class body
  binds, and is not a private (`__x`) name; `m` does not act on (call a method of, or
  pass straight to a call) an attribute assigned from a parameter of `__init__` (an
  object the caller handed in: `self.stream = stream` then `self.stream.close()`); no
  other argument refers to `self`;
- the file's code never uses `setattr`, `delattr`, `getattr`, `vars`, `eval`, `exec`,
  `globals`, `locals`, `__import__`, `__builtins__`, `type`, `__setattr__`,
  `__delattr__`, `__dict__` or `__class__`, nor `__init__` other than as its `def` (a
  second `__init__` on a live object).

The fix is unsafe all the same (applied with `--unsafe-fixes`), and changes when the
finalizer runs: that is its purpose. Before, the object is never freed and the finalizer
runs at interpreter exit; after, it runs as soon as the object is collected, during the
program. Whatever cleanup it does happens that much earlier: if it closes or changes
something another part of the program still uses (a stream passed in by the caller and
written to after a temporary wrapper is gone, a list the caller reads), that part now
sees it closed or changed, and may fail. That is why an object the caller passed to
`__init__` must not be acted on by `m` (above); but this file cannot tell who else holds
an attribute's value it made itself (`self._file = open(path)`, then
`w._file` kept by a caller after `w` is gone), so check, before applying the fix, that
what `m` cleans up belongs to the object alone. Also: a subclass elsewhere that overrides `m` is no longer called
by the finalizer, and code elsewhere that rebinds one of the attributes is no longer
seen by it (the finalizer uses the values as they were at construction).

Otherwise there is no fix, and the detail says why: the cure needs a decision about
which values the callback really needs. `atexit.register`, `signal.signal`, `weakref.ref`
and `weakref.proxy` findings have no fix: an exit hook or signal handler that must reach
the instance needs a weak reference (`weakref.WeakMethod`) or an explicit unregister
(`atexit.unregister`, restoring the previous handler), which is a design choice.
"#;

pub struct CallbackHoldsObject;

impl Rule for CallbackHoldsObject {
    fn code(&self) -> &'static str {
        CODE
    }

    fn name(&self) -> &'static str {
        "callback-holds-object"
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

    /// Every finding is a call whose callee resolves to `weakref.finalize`, `weakref.ref`,
    /// `weakref.proxy`, `atexit.register` or `signal.signal`: the callee's last name, or
    /// the name imported under an alias, is one of those words somewhere in the code.
    fn might_match(&self, text: &str, _settings: &Settings) -> bool {
        CALLEE_WORDS.iter().any(|word| has_word(text, word))
    }

    fn check(&self, file: &SourceFile, _settings: &Settings, findings: &mut Vec<Finding>) {
        let names = QUERY.capture_names();
        let mut calls = Vec::new();
        for_each_match(
            &QUERY,
            file.tree.root_node(),
            file.text.as_bytes(),
            |captures| {
                for (index, node) in captures {
                    if names[*index as usize] == "call" {
                        calls.push(*node);
                    }
                }
            },
        );
        for call in calls {
            if let Some(finding) = check_call(file, call) {
                findings.push(finding);
            }
        }
    }
}

/// The registering calls, by qualified callee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Registry {
    Finalize,
    WeakRef,
    Proxy,
    Atexit,
    Signal,
}

fn registry(file: &SourceFile, function: Node) -> Option<Registry> {
    let last = match function.kind() {
        "identifier" => file.node_text(function),
        _ => file.node_text(function.child_by_field_name("attribute")?),
    };
    let imported_as_alias = function.kind() == "identifier";
    if !CALLEE_WORDS.contains(&last) && !imported_as_alias {
        return None;
    }
    match file.bindings().resolve(file, function)?.as_str() {
        "weakref.finalize" => Some(Registry::Finalize),
        "weakref.ref" | "weakref.ReferenceType" => Some(Registry::WeakRef),
        "weakref.proxy" => Some(Registry::Proxy),
        "atexit.register" => Some(Registry::Atexit),
        "signal.signal" => Some(Registry::Signal),
        _ => None,
    }
}

/// One argument of a call: its value, and whether it is called (the callback) rather
/// than passed.
struct Argument<'t> {
    value: Node<'t>,
    callable: bool,
}

/// The positional arguments (splats included, as their inner expression) and keyword
/// argument values of a call, or `None` for a `**mapping` whose contents are unknown
/// (that one is skipped, not fatal).
fn arguments(call: Node) -> (Vec<Node>, Vec<Node>) {
    let mut positional = Vec::new();
    let mut keyword = Vec::new();
    let Some(list) = call.child_by_field_name("arguments") else {
        return (positional, keyword);
    };
    let mut cursor = list.walk();
    for argument in list.named_children(&mut cursor) {
        match argument.kind() {
            "keyword_argument" => keyword.extend(argument.child_by_field_name("value")),
            // `**{"x": obj}`: a display's values are known; another mapping's are not.
            "dictionary_splat" => keyword.extend(
                argument
                    .named_child(0)
                    .map(unparenthesize)
                    .filter(|n| n.kind() == "dictionary"),
            ),
            "comment" => {}
            "list_splat" => positional.extend(argument.named_child(0)),
            _ => positional.push(argument),
        }
    }
    (positional, keyword)
}

fn check_call<'a>(file: &SourceFile<'a>, call: Node<'a>) -> Option<Finding> {
    let kind = registry(file, call.child_by_field_name("function")?)?;
    let (positional, keyword) = arguments(call);
    let (target, candidates): (Vec<&str>, Vec<Argument>) = match kind {
        Registry::Finalize | Registry::WeakRef | Registry::Proxy => {
            let target = chain(file, *positional.first()?)?;
            let mut candidates: Vec<Argument> = Vec::new();
            for (index, value) in positional.iter().enumerate().skip(1) {
                candidates.push(Argument {
                    value: *value,
                    callable: index == 1,
                });
            }
            if kind == Registry::Finalize {
                candidates.extend(keyword.iter().map(|value| Argument {
                    value: *value,
                    callable: false,
                }));
            } else {
                // `weakref.ref(obj, callback)`: only the callback is kept.
                candidates.truncate(1);
            }
            (target, candidates)
        }
        Registry::Atexit | Registry::Signal => {
            let instance = instance_parameter(file, call)?;
            let mut candidates: Vec<Argument> = Vec::new();
            if kind == Registry::Signal {
                candidates.push(Argument {
                    value: *positional.get(1)?,
                    callable: true,
                });
            } else {
                for (index, value) in positional.iter().enumerate() {
                    candidates.push(Argument {
                        value: *value,
                        callable: index == 0,
                    });
                }
                candidates.extend(keyword.iter().map(|value| Argument {
                    value: *value,
                    callable: false,
                }));
            }
            (vec![instance], candidates)
        }
    };
    let context = Context {
        file,
        call,
        target: &target,
        aliases: Cell::new(0),
    };
    let (culprit, how) = candidates.iter().find_map(|argument| {
        context
            .holds(argument.value, argument.callable)
            .map(|how| (argument.value, how))
    })?;
    let object = short(&target.join("."));
    let (message, detail) = match kind {
        Registry::Finalize => (
            format!("finalizer of `{object}` holds it through {how}: it is never collected"),
            format!(
                "The finalizer registry keeps the callback and its arguments until the finalizer runs; through {how} they keep `{object}` reachable, so it is never freed and the finalizer runs only at exit. Pass the values the callback needs, not the object, and make the callback a function or staticmethod."
            ),
        ),
        Registry::WeakRef | Registry::Proxy => (
            format!("weak reference to `{object}` has a callback holding it through {how}"),
            format!(
                "The weak reference keeps its callback, which keeps `{object}` alive through {how} for as long as the reference lives (and the callback never sees it die). Give the callback what it needs without `{object}`, or use `weakref.finalize` with values."
            ),
        ),
        Registry::Atexit => (
            format!("`atexit.register` holds `{object}` through {how} until exit"),
            format!(
                "`atexit` keeps what is registered until the interpreter exits: the instance, held through {how}, and all it refers to stay allocated that long, and so does every instance made this way. Register a function of the values it needs, or unregister it (`atexit.unregister`) when the instance is done."
            ),
        ),
        Registry::Signal => (
            format!("signal handler holds `{object}` through {how} until it is replaced"),
            format!(
                "The signal table keeps the handler until another replaces it: the instance, held through {how}, and all it refers to stay allocated that long. Install a handler that does not hold the instance (a function, or a `weakref.WeakMethod`), or restore the previous handler when the instance is done."
            ),
        ),
    };
    let fix = match kind {
        Registry::Finalize => fix::finalize_fix(file, call, culprit, &target),
        Registry::WeakRef | Registry::Proxy => Err(
            "the callback's needs decide what it should hold instead".to_string(),
        ),
        Registry::Atexit | Registry::Signal => Err(
            "keeping the hook without the instance needs a weak reference or an unregister, a design choice"
                .to_string(),
        ),
    };
    // The concise message stays under about 100 characters: a long `how` is left to
    // the detail.
    let message = if message.chars().count() > MESSAGE_LIMIT {
        message.replacen(&format!(" through {how}"), "", 1)
    } else {
        message
    };
    Some(Finding::new(
        CODE,
        culprit.byte_range(),
        message,
        detail,
        fix,
    ))
}

/// The longest concise message, in characters.
const MESSAGE_LIMIT: usize = 100;

/// A name or attribute chain as its parts: `self._sock` is `["self", "_sock"]`.
fn chain<'a>(file: &SourceFile<'a>, node: Node) -> Option<Vec<&'a str>> {
    let node = unparenthesize(node);
    match node.kind() {
        "identifier" => Some(vec![file.node_text(node)]),
        "attribute" => {
            let mut parts = chain(file, node.child_by_field_name("object")?)?;
            parts.push(file.node_text(node.child_by_field_name("attribute")?));
            Some(parts)
        }
        _ => None,
    }
}

/// Whether `prefix` is a prefix of `whole` (or equal): holding `self` holds `self._sock`.
fn is_prefix(prefix: &[&str], whole: &[&str]) -> bool {
    prefix.len() <= whole.len() && prefix.iter().zip(whole).all(|(a, b)| a == b)
}

/// The first parameter of the method `node` is in (through nested functions and lambdas
/// that do not rebind it), when the method is a plain or decorated method of a class,
/// not a staticmethod or classmethod: the instance.
fn instance_parameter<'a>(file: &SourceFile<'a>, node: Node) -> Option<&'a str> {
    let mut inner_bound: Vec<&str> = Vec::new();
    let mut current = node.parent();
    while let Some(scope) = current {
        match scope.kind() {
            "lambda" => {
                if let Some(parameters) = scope.child_by_field_name("parameters") {
                    inner_bound.extend(
                        parameter_names(parameters)
                            .iter()
                            .map(|n| file.node_text(*n)),
                    );
                }
            }
            "function_definition" => {
                let parameters = scope.child_by_field_name("parameters")?;
                if class_of_method(scope).is_some() {
                    if fix::has_decorator(file, scope, &["staticmethod", "classmethod"]) {
                        return None;
                    }
                    let first = first_parameter(parameters)?;
                    let name = file.node_text(first);
                    return (!inner_bound.contains(&name)).then_some(name);
                }
                inner_bound.extend(
                    parameter_names(parameters)
                        .iter()
                        .map(|n| file.node_text(*n)),
                );
            }
            "class_definition" => return None,
            _ => {}
        }
        current = scope.parent();
    }
    None
}

/// The first parameter of a parameter list, when it is a plain name.
pub(crate) fn first_parameter(parameters: Node) -> Option<Node> {
    let mut cursor = parameters.walk();
    let first = parameters
        .named_children(&mut cursor)
        .find(|n| n.kind() != "comment")?;
    match first.kind() {
        "identifier" => Some(first),
        "typed_parameter" => first.named_child(0).filter(|n| n.kind() == "identifier"),
        _ => None,
    }
}

/// The class a function is defined in directly (its body holds the `def`, decorated or
/// not).
pub(crate) fn class_of_method(function: Node) -> Option<Node> {
    let mut holder = function.parent()?;
    if holder.kind() == "decorated_definition" {
        holder = holder.parent()?;
    }
    let class = holder.parent()?;
    (holder.kind() == "block" && class.kind() == "class_definition").then_some(class)
}

/// The `def NAME` statements directly in a class body (decorated or not).
pub(crate) fn class_functions<'t>(file: &SourceFile, class: Node<'t>, name: &str) -> Vec<Node<'t>> {
    let Some(body) = class.child_by_field_name("body") else {
        return Vec::new();
    };
    let mut cursor = body.walk();
    body.named_children(&mut cursor)
        .filter_map(|statement| match statement.kind() {
            "function_definition" => Some(statement),
            "decorated_definition" => statement
                .child_by_field_name("definition")
                .filter(|d| d.kind() == "function_definition"),
            _ => None,
        })
        .filter(|function| {
            function
                .child_by_field_name("name")
                .is_some_and(|n| file.node_text(n) == name)
        })
        .collect()
}

/// Whether the class body assigns `name = staticmethod(...)` or `classmethod(...)`
/// (directly, or under a `builtins.` prefix): like the decorator forms, no instance is
/// bound.
fn class_attribute_is_static(file: &SourceFile, class: Node, name: &str) -> bool {
    let Some(body) = class.child_by_field_name("body") else {
        return false;
    };
    let mut cursor = body.walk();
    let statements: Vec<Node> = body.named_children(&mut cursor).collect();
    statements.into_iter().any(|statement| {
        let Some(assignment) = statement
            .named_child(0)
            .filter(|_| statement.kind() == "expression_statement")
            .filter(|a| a.kind() == "assignment")
        else {
            return false;
        };
        let left = assignment.child_by_field_name("left");
        let right = assignment.child_by_field_name("right").map(unparenthesize);
        let callee = right
            .filter(|r| r.kind() == "call")
            .and_then(|r| r.child_by_field_name("function"))
            .map(|f| file.node_text(f));
        left.is_some_and(|l| l.kind() == "identifier" && file.node_text(l) == name)
            && matches!(
                callee,
                Some(
                    "staticmethod"
                        | "classmethod"
                        | "builtins.staticmethod"
                        | "builtins.classmethod"
                )
            )
    })
}

/// What one registering call is checked against.
struct Context<'c, 'a> {
    file: &'c SourceFile<'a>,
    call: Node<'a>,
    /// The object the callback must not hold.
    target: &'c [&'a str],
    /// How many local names are being followed to their values now (`cb = self.close`
    /// then `cb`): bounded, so `a = b` with `b = a` cannot loop.
    aliases: Cell<u8>,
}

impl<'a> Context<'_, 'a> {
    /// How `value` (called when `callable`) refers to the target, for the message: the
    /// expression in backticks, or what kind of thing holds it. An explicit stack would
    /// be needed only for absurd nesting; displays nest a few levels at most, and the
    /// engine refuses trees deeper than the rules go.
    fn holds(&self, value: Node<'a>, callable: bool) -> Option<String> {
        let value = unparenthesize(value);
        let text = self.file.node_text(value);
        match value.kind() {
            "identifier" | "attribute" => {
                let parts = chain(self.file, value)?;
                if is_prefix(&parts, self.target) {
                    let itself = if parts.len() == self.target.len() {
                        " itself"
                    } else {
                        ""
                    };
                    return Some(format!("`{}`{itself}", short(text)));
                }
                if parts.len() >= 2 {
                    let receiver = &parts[..parts.len() - 1];
                    let method = parts[parts.len() - 1];
                    if is_prefix(receiver, self.target)
                        && self.is_bound_method(receiver, method, callable)
                    {
                        return Some(format!("`{}`", short(text)));
                    }
                }
                if parts.len() == 1 && callable {
                    let name = parts[0];
                    if self.nested_function_reads(name) {
                        return Some(format!("`{name}` (reads `{}`)", self.target[0]));
                    }
                }
                if parts.len() == 1 && self.aliases.get() < 4 {
                    let value = self.local_value(parts[0])?;
                    self.aliases.set(self.aliases.get() + 1);
                    let held = self.holds(value, callable);
                    self.aliases.set(self.aliases.get() - 1);
                    return held.map(|how| format!("`{}` (= {how})", parts[0]));
                }
                None
            }
            "lambda" => self
                .closes_over(value)
                .then(|| format!("a lambda reading `{}`", self.target[0])),
            "call" => {
                let function = value.child_by_field_name("function")?;
                let qualified = self.file.bindings().resolve(self.file, function)?;
                let (positional, keyword) = arguments(value);
                match qualified.as_str() {
                    // `getattr(self, "close")` called back is a bound method of `self`.
                    "getattr" if callable && self.is_getattr_with_a_name(&positional) => {
                        let receiver = chain(self.file, *positional.first()?)?;
                        is_prefix(&receiver, self.target).then(|| format!("`{}`", short(text)))
                    }
                    "functools.partial" => {
                        let held = positional
                            .iter()
                            .enumerate()
                            .find_map(|(index, arg)| self.holds(*arg, index == 0))
                            .or_else(|| keyword.iter().find_map(|arg| self.holds(*arg, false)))?;
                        Some(format!("`partial` over {held}"))
                    }
                    "types.MethodType" => {
                        let held = positional
                            .get(1)
                            .and_then(|arg| self.holds(*arg, false))
                            .or_else(|| {
                                positional.first().and_then(|arg| self.holds(*arg, true))
                            })?;
                        Some(format!("`MethodType` over {held}"))
                    }
                    _ => None,
                }
            }
            "tuple" | "list" | "set" | "expression_list" => {
                let mut cursor = value.walk();
                let children: Vec<Node> = value.named_children(&mut cursor).collect();
                children.into_iter().find_map(|child| {
                    let child = if child.kind() == "list_splat" {
                        child.named_child(0)?
                    } else {
                        child
                    };
                    self.holds(child, false)
                })
            }
            "dictionary" => {
                let mut cursor = value.walk();
                let pairs: Vec<Node> = value.named_children(&mut cursor).collect();
                pairs.into_iter().find_map(|pair| match pair.kind() {
                    "pair" => pair
                        .child_by_field_name("key")
                        .and_then(|k| self.holds(k, false))
                        .or_else(|| {
                            pair.child_by_field_name("value")
                                .and_then(|v| self.holds(v, false))
                        }),
                    "dictionary_splat" => pair.named_child(0).and_then(|v| self.holds(v, false)),
                    _ => None,
                })
            }
            "conditional_expression" => {
                let mut cursor = value.walk();
                let children: Vec<Node> = value.named_children(&mut cursor).collect();
                // `a if cond else b`: either branch may be what is registered.
                let branches = [children.first().copied(), children.get(2).copied()];
                branches
                    .into_iter()
                    .flatten()
                    .find_map(|branch| self.holds(branch, callable))
            }
            _ => None,
        }
    }

    /// Whether `receiver.method` is a bound method of the receiver. Called as the
    /// callback, an attribute is taken for a method unless the class of the enclosing
    /// method (when the receiver is its instance) says otherwise; passed as an argument,
    /// only a method the class defines counts (`self.path` is a value).
    fn is_bound_method(&self, receiver: &[&str], method: &str, callable: bool) -> bool {
        let class = (receiver.len() == 1)
            .then(|| self.instance_class(receiver[0]))
            .flatten();
        let Some(class) = class else {
            return callable;
        };
        if class_attribute_is_static(self.file, class, method) {
            return false;
        }
        let defined = class_functions(self.file, class, method);
        if defined.is_empty() {
            // Not a `def` of this class: an inherited method when called, but an
            // attribute holding a plain function when the class stores one under that
            // name (`self._close = os.close`).
            return callable && !fix::assigns_attribute(self.file, class, receiver[0], method);
        }
        !defined.iter().any(|function| {
            fix::has_decorator(
                self.file,
                *function,
                &["staticmethod", "classmethod", "property"],
            )
        })
    }

    /// The class whose method binds `name` as its instance (first) parameter, for the
    /// registering call.
    fn instance_class(&self, name: &str) -> Option<Node<'a>> {
        let mut current = self.call.parent();
        while let Some(scope) = current {
            match scope.kind() {
                "lambda" => {
                    let parameters = scope.child_by_field_name("parameters");
                    if parameters.is_some_and(|p| {
                        parameter_names(p)
                            .iter()
                            .any(|n| self.file.node_text(*n) == name)
                    }) {
                        return None;
                    }
                }
                "function_definition" => {
                    let parameters = scope.child_by_field_name("parameters")?;
                    let binds = parameter_names(parameters)
                        .iter()
                        .any(|n| self.file.node_text(*n) == name);
                    if binds {
                        let first = first_parameter(parameters)?;
                        if self.file.node_text(first) != name {
                            return None;
                        }
                        return class_of_method(scope);
                    }
                }
                "class_definition" => return None,
                _ => {}
            }
            current = scope.parent();
        }
        None
    }

    /// Whether a lambda or `def` holds the target's first name: a parameter default
    /// holds the target (the default is kept on the function: `o=self`, `m=self.close`,
    /// a lambda over `self`; not an attribute's value, `f=self._file`), or the body reads
    /// it as a free variable of an enclosing function (a closure cell). A module-level
    /// name read in the body is looked up when the function runs: the function does not
    /// hold it.
    fn closes_over(&self, function: Node<'a>) -> bool {
        let head = self.target[0];
        let default_reads = function
            .child_by_field_name("parameters")
            .is_some_and(|parameters| {
                let mut cursor = parameters.walk();
                let defaults: Vec<Node> = parameters
                    .named_children(&mut cursor)
                    .filter_map(|p| p.child_by_field_name("value"))
                    .collect();
                defaults
                    .into_iter()
                    .any(|value| self.holds(value, false).is_some())
            });
        default_reads || (self.is_local(head) && reads_free(self.file, function, head))
    }

    /// Whether a `getattr` call has the two or three arguments of the builtin.
    fn is_getattr_with_a_name(&self, positional: &[Node]) -> bool {
        (2..=3).contains(&positional.len())
            && positional
                .get(1)
                .is_some_and(|n| unparenthesize(*n).kind() == "string")
    }

    /// The value of `name` when it is a local variable of the function enclosing the
    /// call (no lambda between), bound exactly once there, by a plain `name = value`
    /// statement before the call: `cb = self.close` then `weakref.finalize(self, cb)`.
    fn local_value(&self, name: &str) -> Option<Node<'a>> {
        let mut current = self.call.parent();
        let function = loop {
            let node = current?;
            match node.kind() {
                "function_definition" => break node,
                "lambda" | "class_definition" | "module" => return None,
                _ => current = node.parent(),
            }
        };
        let mut count = 0;
        crate::semantic::visit_bindings(self.file, function, false, &mut |binding| {
            let bound = match binding {
                crate::semantic::Binding::Import { local, .. } => local,
                crate::semantic::Binding::Other(bound) => bound,
            };
            count += usize::from(bound == name);
        });
        if count != 1 {
            return None;
        }
        let mut stack = vec![function.child_by_field_name("body")?];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "function_definition" | "lambda" | "class_definition" => continue,
                "assignment" => {
                    let left = node.child_by_field_name("left")?;
                    if left.kind() == "identifier"
                        && self.file.node_text(left) == name
                        && node.end_byte() <= self.call.start_byte()
                    {
                        return node.child_by_field_name("right");
                    }
                }
                _ => {}
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        None
    }

    /// Whether `name` is bound by a function (or lambda) enclosing the call.
    fn is_local(&self, name: &str) -> bool {
        crate::semantic::enclosing_scopes(self.call)
            .into_iter()
            .filter(|scope| scope.kind() != "class_definition")
            .any(|scope| crate::semantic::scope_bindings(self.file, scope).contains(name))
    }

    /// Whether `name` is a `def` in the function enclosing the call (or the module) that
    /// holds the target's first name (see [`Context::closes_over`]).
    fn nested_function_reads(&self, name: &str) -> bool {
        let mut current = self.call.parent();
        let scope = loop {
            match current {
                Some(node) if matches!(node.kind(), "function_definition" | "module") => {
                    break node
                }
                Some(node) => current = node.parent(),
                None => return false,
            }
        };
        let Some(body) = (if scope.kind() == "module" {
            Some(scope)
        } else {
            scope.child_by_field_name("body")
        }) else {
            return false;
        };
        let mut stack = vec![body];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "function_definition" => {
                    let is_it = node
                        .child_by_field_name("name")
                        .is_some_and(|n| self.file.node_text(n) == name);
                    if is_it && self.closes_over(node) {
                        return true;
                    }
                    // Its own nested functions are not in the call's scope.
                    continue;
                }
                "class_definition" | "lambda" => continue,
                _ => {}
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        false
    }
}

/// Whether a function or lambda reads `name` without binding it itself (a parameter, or
/// any assignment in its body): then it closes over the enclosing `name`.
fn reads_free(file: &SourceFile, function: Node, name: &str) -> bool {
    if let Some(parameters) = function.child_by_field_name("parameters") {
        if parameter_names(parameters)
            .iter()
            .any(|n| file.node_text(*n) == name)
        {
            return false;
        }
    }
    let Some(body) = function.child_by_field_name("body") else {
        return false;
    };
    if function.kind() == "function_definition"
        && crate::semantic::scope_bindings(file, function).contains(name)
    {
        return false;
    }
    reads_name(file, body, name)
}

/// Whether `name` is read as a variable under `node`: not as an attribute name or a
/// keyword argument's name, and not inside a nested function or lambda that binds it.
pub(crate) fn reads_name(file: &SourceFile, node: Node, name: &str) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" => {
                if file.node_text(node) == name {
                    return true;
                }
                continue;
            }
            "attribute" => {
                stack.extend(node.child_by_field_name("object"));
                continue;
            }
            "keyword_argument" => {
                stack.extend(node.child_by_field_name("value"));
                continue;
            }
            "function_definition" | "lambda" => {
                if reads_free(file, node, name) {
                    return true;
                }
                continue;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// An expression's text for a message: itself when short, else its start and `...`.
fn short(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 30 {
        one_line
    } else {
        format!("{}...", one_line.chars().take(27).collect::<String>())
    }
}
