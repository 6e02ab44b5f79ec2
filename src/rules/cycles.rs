//! What the five cycle rules share: one analysis of a file's reference cycles, run once
//! per file for every selected rule of the family.
//!
//! Objects that refer to each other are never freed by reference counting: they wait
//! for CPython's cyclic garbage collector, which runs on allocation counts, not on bytes.
//! The analysis finds, within one function, method or module, the statements that close
//! such a cycle, and tells them apart by cause ([`Cause`]): each cause is its own rule
//! (LK003 to LK007), which owns its documentation and query and takes the findings of
//! its cause from [`findings`]. The per-scope link graph (`graph`), the scope walking
//! (`scope`) and the prefilter scan (`prefilter`) live here once.

mod exceptions;
mod findings;
mod fixes;
mod graph;
mod methods;
mod prefilter;
mod scope;
mod weak_links;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::rc::Rc;
use std::sync::OnceLock;

use tree_sitter::{Node, Query};

use super::{compile_query, for_each_match_in, Finding, FixSafety, Rule};
use crate::prefilter::code_only;
use crate::semantic::{unparenthesize, FileBindings};
use crate::settings::Settings;
use crate::source::SourceFile;
use graph::{Graph, Vertex};
use scope::{arms, method_of, rebindings, scope_of, ClassMembers, Method};

/// The causes of a cycle, one rule each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// LK003: objects that refer to each other (mutual links, back-references, a
    /// back-link set in a loop over children, longer loops).
    ObjectCycle,
    /// LK004: an exception (or `sys.exc_info()`) kept with its traceback.
    StoredException,
    /// LK005: an object that refers to itself (`x.me = x`, `lst.append(lst)`).
    SelfReference,
    /// LK006: a bound method stored where its own instance holds it.
    BoundMethod,
    /// LK007: a closure over `self` stored on `self`.
    Closure,
}

impl Cause {
    pub const ALL: [Cause; 5] = [
        Cause::ObjectCycle,
        Cause::StoredException,
        Cause::SelfReference,
        Cause::BoundMethod,
        Cause::Closure,
    ];

    /// The rule's code.
    pub const fn code(self) -> &'static str {
        match self {
            Cause::ObjectCycle => "LK003",
            Cause::StoredException => "LK004",
            Cause::SelfReference => "LK005",
            Cause::BoundMethod => "LK006",
            Cause::Closure => "LK007",
        }
    }

    /// The rule's query: what it looks for in the tree.
    fn query(self) -> &'static str {
        match self {
            Cause::ObjectCycle => include_str!("../../queries/lk003_reference_cycle.scm"),
            Cause::StoredException => include_str!("../../queries/lk004_stored_exception.scm"),
            Cause::SelfReference => include_str!("../../queries/lk005_self_reference.scm"),
            Cause::BoundMethod => include_str!("../../queries/lk006_bound_method_on_self.scm"),
            Cause::Closure => include_str!("../../queries/lk007_closure_on_self.scm"),
        }
    }

    fn bit(self) -> u8 {
        1 << Cause::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }

    fn of_code(code: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// A set of causes, as bits of [`Cause::bit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Causes(u8);

impl Causes {
    fn has(self, cause: Cause) -> bool {
        self.0 & cause.bit() != 0
    }

    fn covers(self, other: Causes) -> bool {
        self.0 & other.0 == other.0
    }
}

/// The findings of `cause` in `file`. The analysis runs once per file for every cause
/// the settings select (and `cause`), whichever rule asks first; the others take their
/// share of its result.
pub fn findings(cause: Cause, file: &SourceFile, settings: &Settings) -> Vec<Finding> {
    let selected = settings
        .rules
        .iter()
        .filter_map(|rule| Cause::of_code(rule.code()))
        .fold(Causes(cause.bit()), |set, c| Causes(set.0 | c.bit()));
    file.shared(|memo: &mut Memo| {
        if !memo.done.covers(selected) {
            let wanted = Causes(memo.done.0 | selected.0);
            memo.findings = analyse(file, settings, wanted);
            memo.done = wanted;
        }
        memo.findings
            .iter()
            .filter(|finding| finding.code == cause.code())
            .cloned()
            .collect()
    })
}

/// What the analysis found in one file, and for which causes.
#[derive(Default)]
struct Memo {
    done: Causes,
    findings: Vec<Finding>,
}

/// The prefilter every rule of the family uses: `false` only when the file holds no
/// finding of any cause (see `prefilter`). Asked by each selected rule with the same
/// text, it is computed once: the last text's answer is kept.
pub fn might_match(text: &str) -> bool {
    !admitted_ranges(text).is_empty()
}

thread_local! {
    /// The last text the prefilter read, and its admitted ranges.
    static LAST_ADMITTED: RefCell<(String, Rc<Vec<Range<usize>>>)> =
        RefCell::new((String::new(), Rc::new(Vec::new())));
}

fn admitted_ranges(code: &str) -> Rc<Vec<Range<usize>>> {
    LAST_ADMITTED.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != code || last.0.is_empty() {
            *last = (code.to_string(), Rc::new(prefilter::admitted_ranges(code)));
        }
        last.1.clone()
    })
}

/// The query of the `causes` rules, compiled once per set of causes.
fn query(causes: Causes) -> &'static Query {
    static QUERIES: [OnceLock<Query>; 32] = [const { OnceLock::new() }; 32];
    QUERIES[usize::from(causes.0 & 31)].get_or_init(|| {
        let source: String = Cause::ALL
            .into_iter()
            .filter(|cause| causes.has(*cause))
            .map(Cause::query)
            .collect::<Vec<_>>()
            .join("\n");
        compile_query(&source)
    })
}

/// Every finding of the `causes`, each with its cause's code.
fn analyse(file: &SourceFile, settings: &Settings, causes: Causes) -> Vec<Finding> {
    // Every finding lies in a region where the prefilter sees its evidence, so the
    // query looks there only (everywhere when prefilters are off).
    let ranges: Rc<Vec<Range<usize>>> = if settings.prefilter {
        admitted_ranges(&code_only(file.text))
    } else {
        Rc::new(std::iter::once(0..usize::MAX).collect())
    };
    if ranges.is_empty() {
        return Vec::new();
    }
    let query = query(causes);
    let mut candidates = Candidates::default();
    let names: Vec<&str> = query.capture_names().to_vec();
    let root = file.tree.root_node();
    for_each_match_in(query, root, file.text.as_bytes(), &ranges, |captures| {
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
    // once in each, and a node two rules' queries find is matched once for each.
    candidates.dedup();
    if candidates.is_empty() {
        return Vec::new();
    }
    let context = Context::new(file);
    let mut out = Vec::new();
    if causes.has(Cause::ObjectCycle) || causes.has(Cause::SelfReference) {
        context.check_links(&candidates, &mut out);
    }
    if causes.has(Cause::BoundMethod) || causes.has(Cause::Closure) {
        for store in &candidates.stores {
            context.check_method_store(*store, &mut out);
        }
    }
    if causes.has(Cause::StoredException) {
        for handler in &candidates.handlers {
            context.check_handler(*handler, &mut out);
        }
        for call in &candidates.exc_infos {
            context.check_exc_info(*call, &mut out);
        }
    }
    let mut seen = HashSet::new();
    out.retain(|finding: &Finding| {
        seen.insert((finding.range.clone(), finding.code, finding.message.clone()))
    });
    out.retain(|finding| Cause::of_code(finding.code).is_some_and(|c| causes.has(c)));
    out
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

/// One cause's rule. LK003 to LK007 differ only in these facts; the analysis, the
/// prefilter and the findings are this module's.
pub struct CycleRule {
    pub cause: Cause,
    /// `reference-cycle`, ...
    pub name: &'static str,
    /// The rule's documentation (see [`Rule::doc`]).
    pub doc: &'static str,
    pub fix_safety: FixSafety,
    /// Codes this cause was reported under before the split (`LK003` for LK004 to
    /// LK007), so that their `# noqa` comments keep working.
    pub former_codes: &'static [&'static str],
}

impl Rule for CycleRule {
    fn code(&self) -> &'static str {
        self.cause.code()
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn doc(&self) -> &'static str {
        self.doc
    }

    fn default_enabled(&self) -> bool {
        // Every cause measured below 90% precision on real code (docs/precision.md).
        false
    }

    fn fix_safety(&self) -> FixSafety {
        self.fix_safety
    }

    fn former_codes(&self) -> &'static [&'static str] {
        self.former_codes
    }

    fn might_match(&self, text: &str, _settings: &Settings) -> bool {
        might_match(text)
    }

    fn check(&self, file: &SourceFile, settings: &Settings, findings: &mut Vec<Finding>) {
        findings.extend(self::findings(self.cause, file, settings));
    }
}
