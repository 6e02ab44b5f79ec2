//! LK004: an exception kept with its traceback, and when clearing that traceback
//! (`e.with_traceback(None)`) is safe: only when nothing in the handler still uses it.

use tree_sitter::Node;

use super::findings::finding;
use super::scope::{method_of, rebindings, scope_of};
use super::{
    ancestors, collapse_long, contains_node, fixes, holder_of, positional_arguments, Cause, Context,
};
use crate::rules::Finding;
use crate::semantic::scope_bindings;
use crate::source::SourceFile;

impl<'a> Context<'a, '_> {
    // ---- Shape 6: exceptions kept with their tracebacks ------------------------------

    pub(super) fn check_handler(&self, handler: Node<'a>, out: &mut Vec<Finding>) {
        let Some(alias) = handler_alias(handler) else {
            return;
        };
        let function = scope_of(handler);
        if function.kind() != "function_definition" {
            return;
        }
        let name = self.text(alias);
        let mut cursor = handler.walk();
        let Some(block) = handler
            .named_children(&mut cursor)
            .find(|n| n.kind() == "block")
        else {
            return;
        };
        let rebound: Vec<usize> = rebindings(self.file, function)
            .into_iter()
            .filter(|r| r.name == name && block.byte_range().contains(&r.offset))
            .map(|r| r.offset)
            .collect();
        let mut uses = Vec::new();
        collect_names(self.file, block, name, &mut uses);
        let stores: Vec<(Node<'a>, Storage<'a>)> = uses
            .into_iter()
            .filter(|used| !rebound.iter().any(|&offset| offset <= used.start_byte()))
            .filter_map(|used| Some((used, self.storage(function, used)?)))
            .collect();
        for (used, storage) in &stores {
            let (used, storage) = (*used, storage);
            let (message, detail) =
                self.traceback_message(storage, &format!("the exception `{name}`"));
            let fix = match traceback_use(self, function, block, name, used) {
                Some(reason) => Err(format!(
                    "the handler still needs the traceback of `{name}`, which the fix would clear: {reason}"
                )),
                None => match self.traceback_read_elsewhere(function, handler, block, storage, &stores) {
                    Some(reason) => Err(format!(
                        "the traceback may still be read: {reason}, and `{name}.with_traceback(None)` clears it in place for every holder; store `traceback.format_exc()` text instead, or set the stored exception to `None` once it is handled"
                    )),
                    None => Ok(fixes::without_traceback(used, name)),
                },
            };
            out.push(finding(
                Cause::StoredException,
                storage.site,
                message,
                detail,
                fix,
            ));
        }
    }

    pub(super) fn check_exc_info(&self, call: Node<'a>, out: &mut Vec<Finding>) {
        let is_exc_info = call
            .child_by_field_name("function")
            .and_then(|f| self.bindings.resolve(self.file, f))
            .is_some_and(|q| q == "sys.exc_info");
        let in_handler = ancestors(call)
            .take_while(|a| {
                !matches!(
                    a.kind(),
                    "function_definition" | "lambda" | "class_definition"
                )
            })
            .any(|a| a.kind() == "except_clause");
        let function = scope_of(call);
        if !is_exc_info || !in_handler || function.kind() != "function_definition" {
            return;
        }
        let Some(storage) = self.storage(function, call) else {
            return;
        };
        let (message, detail) = self.traceback_message(&storage, "the `sys.exc_info()` tuple");
        out.push(finding(
            Cause::StoredException,
            storage.site,
            message,
            detail,
            Err("the stored tuple holds the traceback itself; store `traceback.format_exc()` text instead, or set it to `None` once handled".to_string()),
        ));
    }

    /// Where `value` (an exception or `sys.exc_info()`) is stored, maybe as an element of
    /// a tuple, list, set or dict display (`append(("failed", err))`), when it is stored
    /// on the method's receiver, in a module-level variable or container, in a `global`,
    /// or in a container or object local to the function (`failures[name] = exc`).
    fn storage(&self, function: Node<'a>, value: Node<'a>) -> Option<Storage<'a>> {
        let node = display_root(value);
        let parent = node.parent()?;
        let (site, target) = match parent.kind() {
            "assignment" if parent.child_by_field_name("right") == Some(node) => {
                (parent, parent.child_by_field_name("left")?)
            }
            "argument_list" => {
                let call = parent.parent()?;
                let arguments = positional_arguments(parent)?;
                let method = call
                    .child_by_field_name("function")?
                    .child_by_field_name("attribute")?;
                let position = match (self.text(method), arguments.len()) {
                    ("append" | "add", 1) => 0,
                    ("insert" | "setdefault", 2) => 1,
                    _ => return None,
                };
                if arguments.get(position) != Some(&node) {
                    return None;
                }
                (
                    call,
                    call.child_by_field_name("function")?
                        .child_by_field_name("object")?,
                )
            }
            _ => return None,
        };
        if is_explicit_chaining(self.file, target) {
            return None;
        }
        let (holder, depth) = holder_of(self.file, target)?;
        let holder = self.text(holder);
        if method_of(self.file, function).is_some_and(|m| m.receiver == holder) {
            let rebound = rebindings(self.file, function)
                .iter()
                .any(|r| r.name == holder);
            return (!rebound).then_some(Storage {
                site,
                target,
                holder,
                kind: StorageKind::Receiver,
            });
        }
        let global = if depth == 0 && site.kind() == "assignment" {
            declares_global_only(self.file, function, holder)
        } else {
            !scope_bindings(self.file, function).contains(holder) && self.is_module_variable(holder)
        };
        if global {
            return Some(Storage {
                site,
                target,
                holder,
                kind: StorageKind::Module,
            });
        }
        (local_container(self.file, function, holder, depth, site)
            && !self.breaks_cycle_later(function, holder, site))
        .then_some(Storage {
            site,
            target,
            holder,
            kind: StorageKind::Local,
        })
    }

    /// Whether the function drops its local `holder`'s exceptions itself after `site`:
    /// `holder.clear()`, `del holder`, or a rebinding (`exceptions = None` in a
    /// `finally`, as `socket.create_connection` and `asyncio` do), which breaks the cycle.
    fn breaks_cycle_later(&self, function: Node<'a>, holder: &str, site: Node<'a>) -> bool {
        let after = site.end_byte();
        let rebound = rebindings(self.file, function)
            .iter()
            .any(|r| r.name == holder && r.offset > after);
        let Some(body) = function.child_by_field_name("body") else {
            return rebound;
        };
        rebound
            || contains_node(body, |n| {
                n.start_byte() > after
                    && n.kind() == "call"
                    && n.child_by_field_name("function").is_some_and(|f| {
                        f.kind() == "attribute"
                            && f.child_by_field_name("object")
                                .is_some_and(|o| self.text(o) == holder)
                            && f.child_by_field_name("attribute")
                                .is_some_and(|a| self.text(a) == "clear")
                    })
            })
    }

    /// A name the module binds only by plain assignments: a variable, not an import,
    /// function or class.
    fn is_module_variable(&self, name: &str) -> bool {
        let mut rebound = self
            .module_rebindings()
            .iter()
            .filter(|r| r.name == name)
            .peekable();
        rebound.peek().is_some() && rebound.all(|r| r.value.is_some())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum StorageKind {
    /// On `self` or `cls`.
    Receiver,
    /// In a module-level variable or container, or a `global`.
    Module,
    /// In a container or object bound to a local name (a parameter included): the
    /// function's own frame, on the traceback, holds it.
    Local,
}

pub(super) struct Storage<'a> {
    pub(super) site: Node<'a>,
    /// What the store changes: `self.error` in `self.error = e`, `self.errors` in
    /// `self.errors.append(e)`.
    pub(super) target: Node<'a>,
    pub(super) holder: &'a str,
    pub(super) kind: StorageKind,
}

/// Whether `scope` declares `global NAME` (not `nonlocal`: that is a local of the
/// enclosing function).
fn declares_global_only(file: &SourceFile, scope: Node, name: &str) -> bool {
    let Some(body) = scope.child_by_field_name("body") else {
        return false;
    };
    contains_node(body, |n| {
        n.kind() == "global_statement" && {
            let mut cursor = n.walk();
            let names: Vec<Node> = n.named_children(&mut cursor).collect();
            names.iter().any(|id| file.node_text(*id) == name)
        }
    })
}

/// The identifiers `name` read in `node`, outside nested functions, classes and lambdas.
fn collect_names<'a>(file: &SourceFile<'a>, node: Node<'a>, name: &str, out: &mut Vec<Node<'a>>) {
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        match current.kind() {
            "identifier" if file.node_text(current) == name => out.push(current),
            "function_definition" | "class_definition" | "lambda" => {}
            "attribute" => stack.extend(current.child_by_field_name("object")),
            _ => {
                let mut cursor = current.walk();
                stack.extend(current.named_children(&mut cursor));
            }
        }
    }
    out.sort_by_key(|n| n.start_byte());
}

/// `new.__cause__ = exc` or `new.__context__ = exc`: chaining by hand, which keeps the
/// traceback on purpose (it is printed with the new exception).
fn is_explicit_chaining(file: &SourceFile, target: Node) -> bool {
    target.kind() == "attribute"
        && target
            .child_by_field_name("attribute")
            .is_some_and(|a| matches!(file.node_text(a), "__cause__" | "__context__"))
}

/// The outermost of the parentheses and tuple, list, set and dict displays (a value,
/// not a key) around `value`: what a store holding `value` as an element stores.
fn display_root(value: Node) -> Node {
    let mut node = value;
    while let Some(parent) = node.parent() {
        let holds = match parent.kind() {
            "parenthesized_expression" | "tuple" | "list" | "set" | "expression_list" => true,
            "pair" => parent.child_by_field_name("value") == Some(node),
            _ => false,
        };
        let parent = match parent.kind() {
            "pair" if holds => match parent.parent() {
                Some(dictionary) => dictionary,
                None => break,
            },
            _ if holds => parent,
            _ => break,
        };
        node = parent;
    }
    node
}

/// Whether `holder`, the root of a store's target `depth` steps away, is a name local
/// to `function` (a parameter or a local variable, not `global` or `nonlocal`) whose
/// contents the store changes: `failures[name] = exc`, `errors.append(exc)`,
/// `box.error = exc`. The frame, on the exception's traceback, holds the local: a
/// cycle. Rebinding the name itself (`last = exc`) is left alone.
fn local_container(
    file: &SourceFile,
    function: Node,
    holder: &str,
    depth: usize,
    site: Node,
) -> bool {
    let stores_inside = depth > 0 || site.kind() == "call";
    stores_inside
        && scope_bindings(file, function).contains(holder)
        && !super::declares_global(file, function, holder)
}

/// Calls that read the exception being handled, or a traceback, by themselves.
const TRACEBACK_READERS: &[&str] = &[
    "exception",
    "print_exc",
    "format_exc",
    "print_exception",
    "format_exception",
    "format_exception_only",
    "format_tb",
    "print_tb",
    "extract_tb",
    "walk_tb",
    "TracebackException",
    "exc_info",
    "post_mortem",
    "trace",
];

/// Calls that only read an exception's type or text, never its traceback, and keep no
/// reference to it.
const TEXT_ONLY: &[&str] = &[
    "str",
    "repr",
    "type",
    "isinstance",
    "issubclass",
    "print",
    "format",
    "len",
    "id",
    "hash",
    "bool",
];

/// Why the handler's block still needs the traceback of `name` (so clearing it in
/// place, at the store `used`, would change what the program reports), or `None`. The
/// members of the class: a re-raise (bare `raise`, `raise NAME`); any other `raise`,
/// which chains `NAME` as the new exception's `__cause__` (`raise X from NAME`) or
/// `__context__` (`raise X`), and whose report prints `NAME`'s frames (`raise X from
/// None` suppresses that, and `from` another exception hides it); a read of
/// `NAME.__traceback__` or `NAME.with_traceback`; a call that reads the current
/// exception or a traceback (`logging`'s `exception`, `exc_info=`, `traceback.*`,
/// `sys.exc_info()`, `pdb.post_mortem`); `NAME` passed to a call that may keep it or read
/// its traceback later (anything but `str`, `repr`, `type`, `isinstance` and the like),
/// returned, yielded, or bound or stored anywhere but a store this rule reports; and a
/// nested function or lambda that reads `NAME`.
fn traceback_use<'a>(
    context: &Context<'a, '_>,
    function: Node<'a>,
    block: Node<'a>,
    name: &str,
    used: Node<'a>,
) -> Option<String> {
    let file = context.file;
    let mut stack = vec![block];
    while let Some(n) = stack.pop() {
        let reason = match n.kind() {
            "raise_statement" => raise_reason(file, n, name),
            "call" => n.child_by_field_name("function").and_then(|f| {
                let text = file.node_text(f);
                TRACEBACK_READERS
                    .contains(&text.rsplit('.').next().unwrap_or(text))
                    .then(|| {
                        format!(
                            "calls `{}`, which reads the exception being handled or a traceback",
                            collapse_long(text)
                        )
                    })
            }),
            "keyword_argument" => n
                .child_by_field_name("name")
                .filter(|k| file.node_text(*k) == "exc_info")
                .map(|_| "logs with `exc_info=`, which prints the traceback".to_string()),
            "function_definition" | "lambda" if reads_name(file, n, name) => Some(format!(
                "a nested function or lambda reads `{name}` and may read its traceback later"
            )),
            "identifier" if file.node_text(n) == name && n != used => {
                escape_reason(context, function, n, name)
            }
            _ => None,
        };
        if reason.is_some() {
            return reason;
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    None
}

/// Whether `name` appears as an identifier anywhere under `node`.
fn reads_name(file: &SourceFile, node: Node, name: &str) -> bool {
    contains_node(node, |n| {
        n.kind() == "identifier" && file.node_text(n) == name
    })
}

/// Why a `raise` in the handler needs the traceback of `name`, or `None`.
fn raise_reason(file: &SourceFile, raise: Node, name: &str) -> Option<String> {
    let Some(raised) = raise.named_child(0).filter(|r| !r.is_extra()) else {
        return Some("a bare `raise` re-raises it with its traceback".to_string());
    };
    let cause = raise.child_by_field_name("cause");
    if raised.kind() == "identifier" && file.node_text(raised) == name && cause.is_none() {
        return Some(format!("`raise {name}` re-raises it with its traceback"));
    }
    match cause {
        Some(cause) if cause.kind() == "identifier" && file.node_text(cause) == name => {
            Some(format!(
                "`raise ... from {name}` chains it, and the chained report prints its traceback"
            ))
        }
        Some(_) => None,
        None => Some(format!(
            "`{}` chains it as `__context__`, and the report prints its traceback",
            collapse_long(file.node_text(raise))
        )),
    }
}

/// Why the occurrence `occurrence` of `name` (not the store being fixed) may keep the
/// exception or read its traceback later, or `None` when it only reads its type or text.
fn escape_reason<'a>(
    context: &Context<'a, '_>,
    function: Node<'a>,
    occurrence: Node<'a>,
    name: &str,
) -> Option<String> {
    let file = context.file;
    // An attribute's or a keyword argument's name is no read of the variable.
    if let Some(parent) = occurrence.parent() {
        let is_field = |field: &str| parent.child_by_field_name(field) == Some(occurrence);
        if (parent.kind() == "attribute" && is_field("attribute"))
            || (parent.kind() == "keyword_argument" && is_field("name"))
        {
            return None;
        }
    }
    let mut node = occurrence;
    while let Some(parent) = node
        .parent()
        .filter(|p| p.kind() == "parenthesized_expression")
    {
        node = parent;
    }
    let parent = node.parent()?;
    match parent.kind() {
        "attribute" if parent.child_by_field_name("object") == Some(node) => {
            let attribute = parent
                .child_by_field_name("attribute")
                .map_or("", |a| file.node_text(a));
            matches!(attribute, "__traceback__" | "with_traceback")
                .then(|| format!("it reads `{name}.{attribute}`"))
        }
        "argument_list" => {
            let call = parent.parent()?;
            let callee = call
                .child_by_field_name("function")
                .map_or("", |f| file.node_text(f));
            if TEXT_ONLY.contains(&callee) {
                return None;
            }
            if context.storage(function, occurrence).is_some() {
                // Another store this rule reports: the fix clears the traceback there too.
                return None;
            }
            Some(format!(
                "it passes `{name}` to `{}(...)`, which may keep it or read its traceback later",
                collapse_long(callee)
            ))
        }
        "interpolation"
        | "comparison_operator"
        | "boolean_operator"
        | "not_operator"
        | "if_statement"
        | "elif_clause"
        | "while_statement"
        | "expression_statement"
        | "conditional_expression"
        | "format_expression"
        | "raise_statement" => None,
        "binary_operator" => None,
        _ => {
            if context.storage(function, occurrence).is_some() {
                return None;
            }
            let statement = std::iter::successors(Some(parent), |n| n.parent())
                .find(|n| n.parent().is_some_and(|p| p.kind() == "block"))
                .unwrap_or(parent);
            Some(format!(
                "`{}` keeps `{name}` where it may be read later",
                collapse_long(file.node_text(statement))
            ))
        }
    }
}

/// The name `except E as NAME:` binds.
fn handler_alias(handler: Node) -> Option<Node> {
    let alias = handler.child_by_field_name("alias").or_else(|| {
        let mut cursor = handler.walk();
        let pattern = handler
            .named_children(&mut cursor)
            .find(|n| n.kind() == "as_pattern")?;
        pattern.child_by_field_name("alias")?.named_child(0)
    })?;
    (alias.kind() == "identifier").then_some(alias)
}

/// Calls a handler may make after the store without anything reading the traceback:
/// builtins that see only the exception's type or text.
const HARMLESS_CALLS: &[&str] = &[
    "str",
    "repr",
    "len",
    "type",
    "isinstance",
    "issubclass",
    "print",
    "format",
    "id",
    "bool",
];

/// Methods called on a stored place that neither hand its exceptions out nor read
/// their tracebacks.
const HARMLESS_METHODS: &[&str] = &[
    "append", "add", "clear", "extend", "insert", "remove", "discard",
];

impl<'a> Context<'a, '_> {
    /// Why something other than the handler may still read the traceback the fix would
    /// clear in place (`with_traceback(None)` changes the one exception object every
    /// holder shares), or `None` when the file shows nothing does: the handler calls only
    /// harmless builtins after the store, the `try` body does not receive the exception
    /// from elsewhere (`await`, `yield`, `.result()`, `.exception()`, `raise` of an
    /// existing object), and the stored place is read nowhere else in the file but
    /// through `str`, `repr`, `len`, `.args` or a test.
    fn traceback_read_elsewhere(
        &self,
        function: Node<'a>,
        handler: Node<'a>,
        block: Node<'a>,
        storage: &Storage<'a>,
        stores: &[(Node<'a>, Storage<'a>)],
    ) -> Option<String> {
        let file = self.file;
        let after = storage.site.end_byte();
        let late_call = find_in(block, |n| {
            if n.kind() != "call"
                || n.start_byte() < after
                || stores.iter().any(|(_, other)| other.site == n)
            {
                return None;
            }
            let callee = n
                .child_by_field_name("function")
                .map_or("", |f| file.node_text(f));
            (!HARMLESS_CALLS.contains(&callee) && !self.is_builtin_exception(callee))
                .then_some(callee)
        });
        if let Some(callee) = late_call {
            return Some(format!(
                "the handler calls `{}(...)` after the store, which may read it (`sys.exc_info()`, `traceback.print_exc()`) or the stored exception",
                collapse_long(callee)
            ));
        }
        if let Some(body) = handler.parent().and_then(|t| t.child_by_field_name("body")) {
            if let Some(reason) = self.shared_source(body) {
                return Some(reason);
            }
        }
        let root = file.tree.root_node();
        let by_name = contains_node(root, |n| {
            (n.kind() == "identifier" && file.node_text(n) == "vars")
                || (n.kind() == "attribute"
                    && n.child_by_field_name("attribute")
                        .is_some_and(|a| file.node_text(a) == "__dict__"))
        });
        if by_name {
            return Some("the file reads attributes by `vars()` or `__dict__`".to_string());
        }
        // Every holder the handler gives the exception to shares the cleared traceback.
        stores
            .iter()
            .find_map(|(_, other)| self.place_read(function, other))
    }

    /// Whether `callee` names a builtin exception class (`RuntimeError`), whose
    /// constructor reads no traceback: a plain name ending in `Error`, `Exception` or
    /// `Warning` that this file does not bind.
    fn is_builtin_exception(&self, callee: &str) -> bool {
        ["Error", "Exception", "Warning"]
            .iter()
            .any(|end| callee.ends_with(end))
            && callee.chars().all(|c| c.is_ascii_alphanumeric())
            && !self.module_rebindings().iter().any(|r| r.name == callee)
            && !self.file.text.contains(&format!("class {callee}"))
            && !self.file.text.contains(&format!("import {callee}"))
            && !self.file.text.contains(&format!("as {callee}"))
    }

    /// Why the place `storage` stores in may be read elsewhere in the file, or `None`.
    fn place_read(&self, function: Node<'a>, storage: &Storage<'a>) -> Option<String> {
        let file = self.file;
        let root = file.tree.root_node();
        match storage.kind {
            StorageKind::Receiver => {
                // The first attribute after the receiver: `error` in `self.error[k] = e`.
                let mut place = storage.target;
                while let Some(object) = place.child_by_field_name("object").or_else(|| {
                    (place.kind() == "subscript")
                        .then(|| place.child_by_field_name("value"))
                        .flatten()
                }) {
                    if object.kind() == "identifier" {
                        break;
                    }
                    place = object;
                }
                let attribute = place
                    .child_by_field_name("attribute")
                    .map(|a| file.node_text(a))?;
                let quoted = contains_node(root, |n| {
                    n.kind() == "string_content" && file.node_text(n) == attribute
                });
                if quoted {
                    return Some(format!("the file names `{attribute}` in a string"));
                }
                self.first_read(root, storage, |n| {
                    n.kind() == "attribute"
                        && n.child_by_field_name("attribute")
                            .is_some_and(|a| file.node_text(a) == attribute)
                })
            }
            StorageKind::Module => self.first_read(root, storage, |n| {
                n.kind() == "identifier" && file.node_text(n) == storage.holder
            }),
            StorageKind::Local => {
                let parameter = function
                    .child_by_field_name("parameters")
                    .is_some_and(|p| reads_name(file, p, storage.holder));
                if parameter {
                    return Some(format!(
                        "`{}` is a parameter, so the caller holds it too",
                        storage.holder
                    ));
                }
                self.first_read(function, storage, |n| {
                    n.kind() == "identifier" && file.node_text(n) == storage.holder
                })
            }
        }
    }

    /// Why the `try` body may receive an exception object that something else holds too.
    fn shared_source(&self, body: Node<'a>) -> Option<String> {
        let file = self.file;
        find_in(body, |n| match n.kind() {
            "await" => Some(
                "the `try` body awaits, and a task or future keeps the exception it raises"
                    .to_string(),
            ),
            "yield" => Some(
                "the `try` body yields, and the exception may be thrown in by the caller"
                    .to_string(),
            ),
            "call" => n
                .child_by_field_name("function")
                .and_then(|f| f.child_by_field_name("attribute"))
                .map(|a| file.node_text(a))
                .filter(|a| matches!(*a, "result" | "exception"))
                .map(|a| {
                    format!(
                        "the `try` body calls `.{a}()`, whose future keeps the exception it raises"
                    )
                }),
            "raise_statement" => n
                .named_child(0)
                .filter(|r| matches!(r.kind(), "identifier" | "attribute" | "subscript"))
                .map(|r| {
                    format!(
                        "the `try` body raises `{}`, an exception held elsewhere",
                        collapse_long(file.node_text(r))
                    )
                }),
            _ => None,
        })
    }

    /// The first read under `scope`, of a node `is_place` accepts and outside the store's
    /// own target, that may hand out the stored exception or its traceback.
    fn first_read(
        &self,
        scope: Node<'a>,
        storage: &Storage<'a>,
        is_place: impl Fn(Node<'a>) -> bool,
    ) -> Option<String> {
        let file = self.file;
        let own = storage.target.byte_range();
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            if is_place(n) && !(own.start <= n.start_byte() && n.end_byte() <= own.end) {
                if !harmless_read(file, n) {
                    let statement = std::iter::successors(Some(n), |p| p.parent())
                        .find(|p| {
                            p.parent()
                                .is_some_and(|q| q.kind() == "block" || q.kind() == "module")
                        })
                        .unwrap_or(n);
                    return Some(format!(
                        "`{}` reads `{}`, where it is stored",
                        collapse_long(file.node_text(statement)),
                        collapse_long(file.node_text(n))
                    ));
                }
                continue;
            }
            let mut cursor = n.walk();
            stack.extend(n.named_children(&mut cursor));
        }
        None
    }
}

/// Whether the occurrence `node` of a stored place only writes it, adds to it, tests it,
/// or reads its text, `len` or `.args`: nothing that hands out the exception.
fn harmless_read(file: &SourceFile, node: Node) -> bool {
    let mut node = node;
    while let Some(parent) = node
        .parent()
        .filter(|p| p.kind() == "parenthesized_expression")
    {
        node = parent;
    }
    let Some(parent) = node.parent() else {
        return false;
    };
    let is_field = |field: &str| parent.child_by_field_name(field) == Some(node);
    match parent.kind() {
        "assignment" | "augmented_assignment" => is_field("left"),
        "global_statement" | "delete_statement" | "comparison_operator" | "not_operator" => true,
        "if_statement" | "elif_clause" | "while_statement" => is_field("condition"),
        "attribute" if is_field("object") => {
            let attribute = parent
                .child_by_field_name("attribute")
                .map_or("", |a| file.node_text(a));
            attribute == "args"
                || (HARMLESS_METHODS.contains(&attribute)
                    && parent.parent().is_some_and(|c| {
                        c.kind() == "call" && c.child_by_field_name("function") == Some(parent)
                    }))
        }
        "argument_list" => parent
            .parent()
            .and_then(|c| c.child_by_field_name("function"))
            .is_some_and(|f| {
                matches!(file.node_text(f), "str" | "repr" | "len" | "print" | "bool")
            }),
        _ => false,
    }
}

/// The first answer `probe` gives for `node` or a node under it, in document order.
fn find_in<'t, T>(node: Node<'t>, mut probe: impl FnMut(Node<'t>) -> Option<T>) -> Option<T> {
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        if let Some(found) = probe(current) {
            return Some(found);
        }
        let mut cursor = current.walk();
        let children: Vec<Node> = current.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    None
}
