//! LK003 reference-cycle.
//!
//! Objects that refer to each other are never freed by reference counting: they wait
//! for CPython's cyclic garbage collector, which runs on allocation counts, not on bytes.
//! This rule finds, within one function, method or module, the statements that close
//! such a cycle. Only a stored exception gets a fix (`e.with_traceback(None)`, where
//! nothing else can read the traceback): a weak link may hold the only reference to its
//! referent, which one function cannot rule out.

mod exceptions;
mod fixes;
mod graph;
mod methods;
mod prefilter;
mod scope;
mod weak_links;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;
use std::sync::LazyLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match_in, Finding, FixSafety, Rule};
use crate::fix::Fix;
use crate::prefilter::code_only;
use crate::semantic::{unparenthesize, FileBindings};
use crate::settings::Settings;
use crate::source::SourceFile;
use graph::{Graph, Vertex};
use prefilter::{admitted_ranges, might_match};
use scope::{arms, method_of, rebindings, scope_of, ClassMembers, Method, Receiver};

const CODE: &str = "LK003";

static QUERY: LazyLock<Query> =
    LazyLock::new(|| compile_query(include_str!("../../queries/lk003_reference_cycle.scm")));

/// What every message says happens to the objects of a cycle.
const FREED_LATE: &str =
    "stay allocated after their last name goes away, until the cyclic garbage collector runs";

const DOC: &str = r#"# LK003 reference-cycle

## What it finds
Statements that close a reference cycle, within one function, method or module body:

1. **Mutual links** between names: `a.f = b`, `a[k] = b`, `a.append(b)`, `a.add(b)`,
   `a.insert(i, b)`, `a.setdefault(k, b)` make `a` refer to `b`; the statement that lets
   the names reach themselves again is reported, once per cycle. Rebinding or deleting a
   name forgets its links; two statements in different branches of one `if`, `match`,
   or in two `except` clauses of one `try`, are never combined.
2. **Self loops**: `x.attr = x`, `self.me = self`, `lst.append(lst)`, `d[k] = d`.
3. **Back-references** in one method: `self.parent = parent` together with
   `parent.children.append(self)` (or `.add(self)`, `parent.children[k] = self`,
   `parent.child = self`), and `child.parent = self` with `self.children.append(child)`.
4. **A bound method stored on its own instance**: `self.callback = self.on_done`, also
   inside `functools.partial(self.on_done, ...)` or a dict, list, set or tuple display,
   when `on_done` is a plain `def` of the class (no decorator, never assigned on the
   instance).
5. **A closure over `self` stored on `self`**: `self.f = lambda: self.x`, or a nested `def`
   that reads `self`, assigned to `self.*`.
6. **An exception kept with its traceback**: inside `except E as e:`, `e` stored on
   `self`/`cls`, in a module-level variable or container, in a `global`, or in a
   container or object local to the function (`failures[name] = e`: the function's
   frame, on the traceback, holds the container), also as an element of a tuple, list
   or dict (`self.history.append(("failed", e))`); also `sys.exc_info()` stored the
   same way.

Look-alikes that create no cycle stay silent: `self.name = self.name.strip()`,
`self.items = list(self.items)`, `self.copy = copy.copy(self)`, a class-level alias
`h = m`, `a.next = b; b.prev = c`, and a link whose value is already a `weakref`.

## Why it leaks
Reference counting frees an object the moment its last reference goes away, but the
objects of a cycle keep each other's counts above zero. They are freed only when the
cyclic garbage collector runs, and it runs after a number of allocations, not of bytes:
a cycle holding a large buffer, a GPU tensor, a socket or a traceback's frames (with
every local of every frame) stays allocated long after the last name is gone. A bound
method, a closure over `self` and a caught exception's traceback all refer back to the
object they are stored on.

## Example
```python
class Leaf:
    def __init__(self, parent: Tree):
        self.parent = parent
        parent.children.append(self)
```

## Fix
```python
class Job:
    def run(self):
        try:
            self.work()
        except OSError as e:
            self.error = e.with_traceback(None)
```
Only a stored exception gets a fix: `e` is stored as `e.with_traceback(None)`, and only
where the file shows that nothing else reads the traceback (see Fix safety).

Weak links are not offered. A weak link is safe only while something else owns the
referent, and one function cannot show that: in `Leaf(Tree())` or `Tree().grow()` the
link is the only reference to the tree, and a `weakref.proxy` raises `ReferenceError`
(a `weakref.ref`-backed property reads `None`) in a program that worked. Back-references,
mutual links and longer cycles are reported with no fix, and the message says why and
names the cure: where the code shows the referent has an owner, make the link weak by
hand (`weakref.ref`, or a property backed by it), or break the cycle explicitly when
done (set the link to `None`). The older declines still say why a weak link would not
even fit (a one-to-one link, a container item, a class with `__slots__`, a referent not
shown to accept weak references).

Self loops, bound methods and closures are reported without a fix: the message names the
usual cure (a property returning the object, calling the method directly, or
`weakref.WeakMethod`).

## Fix safety
The one fix is unsafe. `with_traceback(None)` clears the traceback of the exception
object in place, so every holder of that object loses it. It is offered only when all of
these hold, and otherwise reported with no fix and the reason ("the traceback may still
be read: ..."):
- the handler itself does not need the traceback: no re-raise (`raise`, `raise e`), no
  other `raise` that chains `e` (`raise X`, `raise X from e`; `raise X from None` is
  fine), no read of `e.__traceback__`, no call that reads the handled exception or a
  traceback (`logging`'s `exception()` or `exc_info=`, `traceback.*`, `sys.exc_info()`),
  `e` passed to no call but `str`, `repr`, `type`, `isinstance` and the like, not
  returned, yielded, stored where this rule does not report it, or read by a nested
  function or lambda;
- after the store the handler calls nothing but harmless builtins (`str`, `repr`, `len`,
  `isinstance`, `print`, a builtin exception's constructor): a helper may call
  `sys.exc_info()` or `traceback.print_exc()`;
- the `try` body does not receive an exception that something else holds: no `await`,
  `yield`, `.result()` or `.exception()` (a future keeps its exception), and no `raise`
  of an existing object;
- the stored place is read nowhere else in the file but to write it, add to it, test it,
  or through `str()`, `repr()`, `len()` or `.args`: for `self.error = e` no other read
  of an attribute `error`, for `self.errors.append(e)`, a module-level `ERRORS` or a
  local container no other read of that attribute or name; the file names the attribute
  in no string, uses no `vars()` or `__dict__`, and a local container is no parameter.

Exceptions chained to the stored one keep their tracebacks. A read from another module
(`job.error` imported elsewhere) cannot be seen from this file.
"#;

pub struct ReferenceCycle;

impl Rule for ReferenceCycle {
    fn code(&self) -> &'static str {
        CODE
    }

    fn name(&self) -> &'static str {
        "reference-cycle"
    }

    fn doc(&self) -> &'static str {
        DOC
    }

    fn default_enabled(&self) -> bool {
        true
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
        // Every finding lies in a region where the prefilter sees its evidence, so the
        // query looks there only (everywhere when prefilters are off).
        let ranges = if settings.prefilter {
            admitted_ranges(&code_only(file.text))
        } else {
            std::iter::once(0..usize::MAX).collect()
        };
        let mut candidates = Candidates::default();
        let names: Vec<&str> = QUERY.capture_names().to_vec();
        let root = file.tree.root_node();
        for_each_match_in(&QUERY, root, file.text.as_bytes(), &ranges, |captures| {
            for (index, node) in captures {
                match names[*index as usize] {
                    "store" => candidates.stores.push(*node),
                    "link_call" => candidates.calls.push(*node),
                    "handler" => candidates.handlers.push(*node),
                    "loop" => candidates.loops.push(*node),
                    "exc_info" => candidates.exc_infos.push(*node),
                    _ => {}
                }
            }
        });
        // A node that spans two ranges (a module-level `try` around a `def`) is matched
        // once in each.
        candidates.dedup();
        if candidates.is_empty() {
            return;
        }
        let context = Context::new(file);
        let mut out = Vec::new();
        context.check_links(&candidates, &mut out);
        for store in &candidates.stores {
            context.check_method_store(*store, &mut out);
        }
        for handler in &candidates.handlers {
            context.check_handler(*handler, &mut out);
        }
        for call in &candidates.exc_infos {
            context.check_exc_info(*call, &mut out);
        }
        let mut seen = HashSet::new();
        out.retain(|finding: &Finding| {
            seen.insert((finding.range.clone(), finding.message.clone()))
        });
        findings.extend(out);
    }
}

#[derive(Default)]
struct Candidates<'a> {
    stores: Vec<Node<'a>>,
    calls: Vec<Node<'a>>,
    handlers: Vec<Node<'a>>,
    exc_infos: Vec<Node<'a>>,
    loops: Vec<Node<'a>>,
}

impl Candidates<'_> {
    fn dedup(&mut self) {
        for nodes in [
            &mut self.stores,
            &mut self.calls,
            &mut self.handlers,
            &mut self.exc_infos,
            &mut self.loops,
        ] {
            let mut seen = HashSet::new();
            nodes.retain(|node| seen.insert(node.id()));
        }
    }

    fn is_empty(&self) -> bool {
        self.stores.is_empty()
            && self.calls.is_empty()
            && self.handlers.is_empty()
            && self.exc_infos.is_empty()
            && self.loops.is_empty()
    }
}

/// How a link stores its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    /// `a.f = b`
    Attribute,
    /// `a[k] = b`
    Item,
    /// `a.append(b)` and the like.
    Call,
    /// `for b in a.items:`: `b` is an element of what `a` holds.
    Loop,
}

/// One statement that makes the object named `holder` refer to the object named `value`.
struct Link<'a> {
    /// The assignment or call: where a cycle it closes is reported.
    site: Node<'a>,
    /// The name at the root of the target: `a` in `a.f.g[k] = b`.
    holder: &'a str,
    /// Whether the target is on the name itself: `a.f = b`, `a[k] = b`, `a.append(b)`.
    direct: bool,
    kind: LinkKind,
    /// The attribute of a direct `a.f = b`.
    attribute: Option<&'a str>,
    /// The stored name.
    value: Node<'a>,
    /// Where the link takes effect, in the scope's order of events: the statement's
    /// start, or a loop's iterable (after the loop has bound its target).
    at: usize,
}

struct Context<'a, 'f> {
    file: &'f SourceFile<'a>,
    bindings: &'f FileBindings<'a>,
    classes: RefCell<HashMap<usize, Rc<ClassMembers<'a>>>>,
    /// The module's own bindings, asked about for every link: computed once.
    module_rebindings: std::cell::OnceCell<Vec<scope::Rebinding<'a, 'a>>>,
    /// [`Context::module_class`] of every name, asked about for every link: computed once.
    module_classes: std::cell::OnceCell<HashMap<&'a str, Node<'a>>>,
}

impl<'a, 'f> Context<'a, 'f> {
    fn new(file: &'f SourceFile<'a>) -> Self {
        Context {
            file,
            bindings: file.bindings(),
            classes: RefCell::new(HashMap::new()),
            module_rebindings: std::cell::OnceCell::new(),
            module_classes: std::cell::OnceCell::new(),
        }
    }

    fn module_rebindings(&self) -> &[scope::Rebinding<'a, 'a>] {
        self.module_rebindings
            .get_or_init(|| rebindings(self.file, self.file.tree.root_node()))
    }

    fn text(&self, node: Node) -> &'a str {
        self.file.node_text(node)
    }

    fn members(&self, class: Node<'a>) -> Rc<ClassMembers<'a>> {
        self.classes
            .borrow_mut()
            .entry(class.id())
            .or_insert_with(|| Rc::new(ClassMembers::collect(self.file, class)))
            .clone()
    }

    fn method(&self, node: Node<'a>) -> Option<Method<'a, 'a>> {
        let scope = scope_of(node);
        method_of(self.file, scope)
    }

    // ---- Shapes 1, 2 and 3: the links of each scope -------------------------------

    fn check_links(&self, candidates: &Candidates<'a>, out: &mut Vec<Finding>) {
        let links: Vec<Link<'a>> = candidates
            .stores
            .iter()
            .filter_map(|store| self.store_link(*store))
            .chain(
                candidates
                    .calls
                    .iter()
                    .filter_map(|call| self.call_link(*call)),
            )
            .chain(candidates.loops.iter().filter_map(|l| self.loop_link(*l)))
            .collect();
        let mut by_scope: BTreeMap<usize, (Node<'a>, Vec<usize>)> = BTreeMap::new();
        for (index, link) in links.iter().enumerate() {
            let scope = scope_of(link.site);
            by_scope
                .entry(scope.start_byte())
                .or_insert((scope, Vec::new()))
                .1
                .push(index);
        }
        for (scope, members) in by_scope.into_values() {
            self.check_scope(scope, &links, &members, out);
        }
    }

    fn store_link(&self, store: Node<'a>) -> Option<Link<'a>> {
        let target = store.child_by_field_name("left")?;
        let value = bare_name(store.child_by_field_name("right")?)?;
        if target.kind() == "subscript" && has_child_kind(target, "slice") {
            // `a[1:] = a` copies the items of `a`; it does not store `a`.
            return None;
        }
        let (holder, depth) = holder_of(self.file, target)?;
        let kind = match target.kind() {
            "attribute" => LinkKind::Attribute,
            _ => LinkKind::Item,
        };
        let attribute = (kind == LinkKind::Attribute && depth == 1)
            .then(|| {
                target
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a))
            })
            .flatten();
        Some(Link {
            site: store,
            holder: self.text(holder),
            direct: depth == 1,
            kind,
            attribute,
            value,
            at: store.start_byte(),
        })
    }

    fn call_link(&self, call: Node<'a>) -> Option<Link<'a>> {
        let function = call.child_by_field_name("function")?;
        let method = self.text(function.child_by_field_name("attribute")?);
        let object = function.child_by_field_name("object")?;
        let arguments = positional_arguments(call.child_by_field_name("arguments")?)?;
        let position = match (method, arguments.len()) {
            ("append" | "add", 1) => 0,
            ("insert" | "setdefault", 2) => 1,
            _ => return None,
        };
        let value = bare_name(arguments[position])?;
        let (holder, depth) = holder_of(self.file, object)?;
        Some(Link {
            site: call,
            holder: self.text(holder),
            direct: depth == 0,
            kind: LinkKind::Call,
            attribute: None,
            value,
            at: call.start_byte(),
        })
    }

    /// `for child in tree.children:` as a link from `tree` to `child`: the loop's target
    /// is an element of what the iterable's root holds.
    fn loop_link(&self, for_statement: Node<'a>) -> Option<Link<'a>> {
        let value = for_statement
            .child_by_field_name("left")
            .filter(|l| l.kind() == "identifier")?;
        let iterable = for_statement.child_by_field_name("right")?;
        let (holder, depth) = holder_of(self.file, iterable)?;
        if self.text(holder) == self.text(value) {
            // `for token in token:` iterates the old object and rebinds the name to each
            // element: no link from a name to itself.
            return None;
        }
        Some(Link {
            site: for_statement,
            holder: self.text(holder),
            direct: depth == 0,
            kind: LinkKind::Loop,
            attribute: None,
            value,
            at: iterable.start_byte(),
        })
    }

    /// Whether a link holds its value only weakly: the value was bound to a `weakref`
    /// call, or the attribute is a property whose setter stores a weak reference.
    fn is_weak_link(&self, link: &Link<'a>, value_binding: Option<Node<'a>>) -> bool {
        if value_binding
            .is_some_and(|value| self.is_weakref_call(value) || self.is_weak_attribute(value))
        {
            return true;
        }
        let (Some(attribute), Some(method)) = (link.attribute, self.method(link.site)) else {
            return false;
        };
        if link.holder != method.receiver {
            return false;
        }
        let members = self.members(method.class);
        members.setters.get(attribute).is_some_and(|bodies| {
            bodies
                .iter()
                .any(|body| contains_node(*body, |n| self.is_weakref_call(n)))
        })
    }

    /// `self.X` where every method of the class assigns `X` a weak reference.
    fn is_weak_attribute(&self, value: Node<'a>) -> bool {
        let value = unparenthesize(value);
        let (Some(method), Some(object), Some(attribute)) = (
            self.method(value),
            value.child_by_field_name("object"),
            value.child_by_field_name("attribute"),
        ) else {
            return false;
        };
        if value.kind() != "attribute" || self.text(object) != method.receiver {
            return false;
        }
        let members = self.members(method.class);
        members
            .instance_values
            .get(self.text(attribute))
            .is_some_and(|values| values.iter().all(|v| self.is_weakref_call(*v)))
    }

    fn is_weakref_call(&self, node: Node) -> bool {
        let node = unparenthesize(node);
        node.kind() == "call"
            && node
                .child_by_field_name("function")
                .and_then(|f| self.bindings.resolve(self.file, f))
                .is_some_and(|q| {
                    matches!(
                        q.as_str(),
                        "weakref.ref"
                            | "weakref.proxy"
                            | "weakref.WeakMethod"
                            | "_weakref.ref"
                            | "_weakref.proxy"
                    )
                })
    }

    fn check_scope(
        &self,
        scope: Node<'a>,
        links: &[Link<'a>],
        members: &[usize],
        out: &mut Vec<Finding>,
    ) {
        enum Event {
            Rebind(usize),
            Link(usize),
        }
        let rebound = rebindings(self.file, scope);
        let mut events: Vec<(usize, Event)> = rebound
            .iter()
            .enumerate()
            .map(|(i, r)| (r.offset, Event::Rebind(i)))
            .chain(members.iter().map(|&i| (links[i].at, Event::Link(i))))
            .collect();
        events.sort_by_key(|(offset, _)| *offset);
        // Every link's two ends, known before the first is added, so that the graph
        // searches only where a cycle can close.
        let mut lives: HashMap<&str, u32> = HashMap::new();
        let mut planned: Vec<(Vertex<'a>, Vertex<'a>)> = Vec::new();
        for (_, event) in &events {
            match event {
                Event::Rebind(i) => *lives.entry(rebound[*i].name).or_default() += 1,
                Event::Link(i) => {
                    let (holder, value) = (links[*i].holder, self.text(links[*i].value));
                    let life = |name| lives.get(name).copied().unwrap_or(0);
                    planned.push(((holder, life(holder)), (value, life(value))));
                }
            }
        }
        let mut graph = Graph::new(&planned);
        let mut lives: HashMap<&str, u32> = HashMap::new();
        let mut bound_to: HashMap<&str, Node<'a>> = HashMap::new();
        // Names bound by unpacking a value read out of a structure
        // (`prev, next, key = self.map.pop(key)`): elements of that structure.
        let mut read_out: HashSet<&str> = HashSet::new();
        let mut reported: HashSet<Vec<Vertex<'a>>> = HashSet::new();
        let mut self_loops: HashSet<(Vertex<'a>, &str)> = HashSet::new();
        let mut holders: HashMap<usize, Vertex<'a>> = HashMap::new();
        for (_, event) in events {
            let index = match event {
                Event::Rebind(i) => {
                    let rebinding = &rebound[i];
                    *lives.entry(rebinding.name).or_default() += 1;
                    match rebinding.value {
                        Some(value) => bound_to.insert(rebinding.name, value),
                        None => bound_to.remove(rebinding.name),
                    };
                    if rebinding
                        .unpacked_from
                        .is_some_and(is_read_out_of_structure)
                    {
                        read_out.insert(rebinding.name);
                    } else {
                        read_out.remove(rebinding.name);
                    }
                    continue;
                }
                Event::Link(i) => i,
            };
            let link = &links[index];
            let value = self.text(link.value);
            let from = (link.holder, lives.get(link.holder).copied().unwrap_or(0));
            let to = (value, lives.get(value).copied().unwrap_or(0));
            if self.is_weak_link(link, bound_to.get(value).copied())
                || self.is_module_class(link.holder)
                || self.is_module_class(value)
            {
                // A class is in cycles of its own (`C.__mro__` holds `C`) and lives as
                // long as its module: storing on it or linking it adds no leak.
                continue;
            }
            if from == to {
                let target = self.link_target_text(link);
                if link.direct && self_loops.insert((from, target)) {
                    out.push(self.self_loop_finding(link));
                }
                continue;
            }
            holders.insert(index, from);
            let Some(cycle) = graph.add(from, to, index, arms(link.site, scope)) else {
                continue;
            };
            // Objects all read out of an existing structure (`prev = link.prev`) are
            // being re-linked: whether that structure's links are strong or weak was
            // decided where it was built, which this scope does not show.
            let relinked = cycle.iter().all(|i| {
                let holder = links[*i].holder;
                read_out.contains(holder)
                    || bound_to.get(holder).is_some_and(|value| {
                        matches!(unparenthesize(*value).kind(), "attribute" | "subscript")
                    })
            });
            if relinked {
                continue;
            }
            // A cycle is known by its names, each in its life: it is reported once.
            let mut vertices: Vec<Vertex<'a>> = cycle.iter().map(|i| holders[i]).collect();
            vertices.sort();
            if reported.insert(vertices) {
                out.push(self.cycle_finding(scope, links, &cycle));
            }
        }
    }

    /// `a.f`, `a[k]` or `a` of `a.append(b)`, or the iterable of a loop, as written.
    fn link_target_text(&self, link: &Link<'a>) -> &'a str {
        match link.kind {
            LinkKind::Loop => link
                .site
                .child_by_field_name("right")
                .map_or("", |r| self.text(r)),
            LinkKind::Call => link
                .site
                .child_by_field_name("function")
                .map_or("", |f| self.text(f)),
            _ => link
                .site
                .child_by_field_name("left")
                .map_or("", |l| self.text(l)),
        }
    }

    /// The link as a short snippet: `a.f = b`, `a.append(b)`, `a.insert(..., b)`.
    fn describe(&self, link: &Link<'a>) -> String {
        let value = self.text(link.value);
        let target = collapse(self.link_target_text(link));
        match link.kind {
            LinkKind::Call => {
                let many = link
                    .site
                    .child_by_field_name("arguments")
                    .is_some_and(|a| a.named_child_count() > 1);
                if many {
                    format!("{target}(..., {value})")
                } else {
                    format!("{target}({value})")
                }
            }
            LinkKind::Loop => format!("for {value} in {target}"),
            _ => format!("{target} = {value}"),
        }
    }

    fn self_loop_finding(&self, link: &Link<'a>) -> Finding {
        let name = link.holder;
        let snippet = self.describe(link);
        let (message, cure) = match (link.kind, link.attribute) {
            (LinkKind::Attribute, Some("__dict__")) => (
                format!("`{snippet}` makes `{name}` refer to itself: it will {}", freed_late_one()),
                "define `__getattr__` instead of pointing `__dict__` at the object itself".to_string(),
            ),
            (LinkKind::Attribute, attribute) => (
                format!("`{snippet}` makes `{name}` refer to itself: it will {}", freed_late_one()),
                format!(
                    "if `{name}.{}` must give back the object itself, make it a property that returns `self`",
                    attribute.unwrap_or("attr")
                ),
            ),
            _ => (
                format!("`{snippet}` makes `{name}` contain itself: it will {}", freed_late_one()),
                "a container that holds itself is always a cycle; keep the object out of its own items (a property or method can hand it back)".to_string(),
            ),
        };
        Finding::new(
            CODE,
            link.site.byte_range(),
            message,
            String::new(),
            Err(cure),
        )
    }

    fn cycle_finding(&self, scope: Node<'a>, links: &[Link<'a>], cycle: &[usize]) -> Finding {
        let closing = &links[*cycle.last().expect("a cycle has links")];
        let snippets: Vec<String> = cycle
            .iter()
            .map(|&i| format!("`{}`", self.describe(&links[i])))
            .collect();
        let method = method_of(self.file, scope).filter(|m| m.kind == Receiver::Instance);
        let back_reference = method
            .filter(|m| cycle.len() == 2 && cycle.iter().any(|&i| links[i].holder == m.receiver));
        let (message, fix) = if let Some(method) = back_reference {
            let other = cycle
                .iter()
                .map(|&i| links[i].holder)
                .find(|h| *h != method.receiver)
                .unwrap_or("");
            let message = format!(
                "back-reference: {} make `{}` and `{other}` refer to each other: both {FREED_LATE}",
                snippets.join(" and "),
                method.receiver
            );
            let owning = cycle
                .iter()
                .map(|&i| &links[i])
                .find(|l| l.holder == method.receiver && l.kind == LinkKind::Attribute && l.direct);
            let fix = match owning {
                Some(owning) => self.property_fix(scope, &method, links, cycle, owning),
                None => self.proxy_fix(scope, links, cycle, closing),
            };
            (message, fix)
        } else {
            let message = format!(
                "reference cycle: {} make these objects refer to each other in a loop: they {FREED_LATE}",
                join_and(&snippets)
            );
            (message, self.proxy_fix(scope, links, cycle, closing))
        };
        finding(closing.site, message, fix)
    }

    fn proxy_fix(
        &self,
        scope: Node<'a>,
        links: &[Link<'a>],
        cycle: &[usize],
        closing: &Link<'a>,
    ) -> Result<Fix, String> {
        if closing.kind != LinkKind::Attribute {
            let by_hand = cycle
                .iter()
                .map(|&i| &links[i])
                .find(|l| l.kind == LinkKind::Attribute)
                .map(|l| format!("make `{}` weak by hand", self.describe(l)))
                .unwrap_or_else(|| {
                    "hold weak references in one of the containers (`weakref.WeakSet`, `weakref.WeakValueDictionary`)".to_string()
                });
            return Err(format!(
                "the link that closes the cycle is a container item, and a weak proxy there would be its only reference; {by_hand}"
            ));
        }
        if let Some(reason) = self.ownership_refusal(links, cycle, closing) {
            return Err(reason);
        }
        fixes::proxy(self, scope, closing).and_then(|_| Err(no_weak_fix(self.text(closing.value))))
    }

    /// The weak property for `self.ATTR = P`, when `P` is the owner (it keeps `self` in
    /// a container) and is known to accept weak references.
    fn property_fix(
        &self,
        scope: Node<'a>,
        method: &Method<'a, 'a>,
        links: &[Link<'a>],
        cycle: &[usize],
        owning: &Link<'a>,
    ) -> Result<Fix, String> {
        if let Some(reason) = self.ownership_refusal(links, cycle, owning) {
            return Err(reason);
        }
        let value = self.text(owning.value);
        if !self.is_weakrefable_instance(scope, value) {
            return Err(format!(
                "cannot show that `{value}` is an instance of a class of this file that accepts weak references (a `list`, `dict`, `str`, `int`, `tuple`, a class with `__slots__` but no `__weakref__`, or an unannotated parameter may not be)"
            ));
        }
        fixes::weak_property(self, method, owning)
            .and_then(|_| Err(no_weak_fix(self.text(owning.value))))
    }
}

/// Why a back-reference that passes every other check still gets no weak link. The
/// proxy and weak-property edits are still built (their own refusals are the more
/// precise reason), but never offered: one function cannot show that anything but the
/// link owns the referent (`Leaf(Tree())`, `Tree().grow()`), and then a weak link
/// turns a working program into a `ReferenceError` or an `AttributeError` on `None`.
fn no_weak_fix(value: &str) -> String {
    format!(
        "the link may hold the only reference to `{value}` (as in `Leaf(Tree())` or `Tree().grow()`), and a weak link would let it be freed while still in use; where the code shows `{value}` has an owner, make the link weak by hand (`weakref.ref` or a property backed by it), or break the cycle explicitly when done (set the link to `None`)"
    )
}

fn finding(site: Node, message: String, fix: Result<Fix, String>) -> Finding {
    Finding::new(CODE, site.byte_range(), message, String::new(), fix)
}

fn freed_late_one() -> &'static str {
    "stay allocated after its last name goes away, until the cyclic garbage collector runs"
}

/// Whether an unpacked value is read out of an existing structure: an attribute, a
/// subscript, or a method's result (`self.map.pop(key)`), whose elements were linked
/// where that structure was built. Unpacking a plain call (`a, b = make_pair()`) is not.
fn is_read_out_of_structure(value: Node) -> bool {
    let value = unparenthesize(value);
    match value.kind() {
        "attribute" | "subscript" => true,
        "call" => value
            .child_by_field_name("function")
            .is_some_and(|f| f.kind() == "attribute"),
        _ => false,
    }
}

/// The value when it is a plain name.
fn bare_name(value: Node) -> Option<Node> {
    Some(unparenthesize(value)).filter(|v| v.kind() == "identifier")
}

/// The name at the root of an attribute and subscript chain, and how many steps away it
/// is: `(a, 2)` for `a.f[k]`. Nothing for a chain through a call, or through `__class__`
/// (storing on the class is not storing on the object).
fn holder_of<'a>(file: &SourceFile<'a>, mut node: Node<'a>) -> Option<(Node<'a>, usize)> {
    let mut depth = 0;
    loop {
        node = unparenthesize(node);
        match node.kind() {
            "identifier" => return Some((node, depth)),
            "attribute" => {
                let attribute = node.child_by_field_name("attribute")?;
                if file.node_text(attribute) == "__class__" {
                    return None;
                }
                node = node.child_by_field_name("object")?;
            }
            "subscript" => node = node.child_by_field_name("value")?,
            _ => return None,
        }
        depth += 1;
    }
}

fn has_child_kind(node: Node, kind: &str) -> bool {
    let mut cursor = node.walk();
    let found = node
        .named_children(&mut cursor)
        .any(|child| child.kind() == kind);
    found
}

/// The arguments of a call when all are positional and plain (no keywords, no splats).
fn positional_arguments(arguments: Node) -> Option<Vec<Node>> {
    let mut cursor = arguments.walk();
    let all: Vec<Node> = arguments
        .named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .collect();
    all.iter()
        .all(|n| {
            !matches!(
                n.kind(),
                "keyword_argument" | "list_splat" | "dictionary_splat" | "generator_expression"
            )
        })
        .then_some(all)
}

fn contains_node<'t>(node: Node<'t>, predicate: impl Fn(Node<'t>) -> bool) -> bool {
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        if predicate(current) {
            return true;
        }
        let mut cursor = current.walk();
        stack.extend(current.named_children(&mut cursor));
    }
    false
}

fn ancestors(node: Node) -> impl Iterator<Item = Node> {
    std::iter::successors(node.parent(), |n| n.parent())
}

/// Whether `scope` declares `global NAME` (or `nonlocal NAME`).
fn declares_global(file: &SourceFile, scope: Node, name: &str) -> bool {
    let Some(body) = scope.child_by_field_name("body") else {
        return false;
    };
    contains_node(body, |n| {
        matches!(n.kind(), "global_statement" | "nonlocal_statement") && {
            let mut cursor = n.walk();
            let names: Vec<Node> = n.named_children(&mut cursor).collect();
            names.iter().any(|id| file.node_text(*id) == name)
        }
    })
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Whitespace runs, line breaks included, as one space.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `collapse`, cut to a readable length.
fn collapse_long(text: &str) -> String {
    let short = collapse(text);
    if short.chars().count() > 80 {
        let cut: String = short.chars().take(77).collect();
        format!("{cut}...")
    } else {
        short
    }
}
