//! The findings the link graph makes (LK003's object cycles, LK005's self-references),
//! and the words every cause's findings share: a concise message that says what and
//! where, and a detail that says why, what happens to the memory and the cure.

use tree_sitter::Node;

use super::exceptions::{Storage, StorageKind};
use super::scope::{method_of, Method, Receiver};
use super::{collapse_long, fixes, join_and, Cause, Context, Link, LinkKind};
use crate::fix::Fix;
use crate::rules::Finding;

/// The longest concise message, in characters.
const MESSAGE_LIMIT: usize = 100;

/// What happens to the objects of a cycle, for the details.
pub(super) const FREED_LATE: &str = "Reference counting never frees objects in a cycle: they stay allocated, with everything they hold, after their last name goes away, until the cyclic garbage collector runs (it runs on allocation counts, not bytes).";

/// The first of `messages` that fits the limit, or else the last one, cut.
pub(super) fn fit(messages: &[String]) -> String {
    let last = messages.last().cloned().unwrap_or_default();
    messages
        .iter()
        .find(|m| m.chars().count() <= MESSAGE_LIMIT)
        .cloned()
        .unwrap_or_else(|| {
            let cut: String = last.chars().take(MESSAGE_LIMIT - 3).collect();
            format!("{cut}...")
        })
}

/// A finding of `cause` at `site`.
pub(super) fn finding(
    cause: Cause,
    site: Node,
    message: String,
    detail: String,
    fix: Result<Fix, String>,
) -> Finding {
    Finding::new(cause.code(), site.byte_range(), message, detail, fix)
}

impl<'a> Context<'a, '_> {
    /// Where a link keeps its value, as written: `a.f` of `a.f = b`, `a.items` of
    /// `a.items.append(b)`, `tree.children` of `for sub in tree.children`.
    /// The concise message and the detail of a stored exception (`what`: "the exception
    /// `e`").
    pub(super) fn traceback_message(&self, storage: &Storage<'a>, what: &str) -> (String, String) {
        let target = collapse_long(self.text(storage.target));
        let site = collapse_long(self.text(storage.site));
        let holder = storage.holder;
        let cure = "The cure: keep `e.with_traceback(None)`, or the text of `traceback.format_exc()`, or drop the stored exception (set it to `None`) once it is handled.";
        match storage.kind {
            StorageKind::Receiver | StorageKind::Local => (
                fit(&[
                    format!("`{target}` keeps {what} with its traceback: a reference cycle"),
                    format!("`{holder}` keeps {what} with its traceback: a reference cycle"),
                ]),
                format!(
                    "`{site}` keeps {what}, whose traceback holds the frames of this call and every local in them, `{holder}` included: `{holder}`, the exception and the frames refer to each other. Reference counting never frees them: they stay allocated after their last name goes away, until the cyclic garbage collector runs (it runs on allocation counts, not bytes). {cure}"
                ),
            ),
            StorageKind::Module => (
                fit(&[
                    format!("`{target}` keeps {what} with its traceback and every frame's locals"),
                    format!("`{holder}` keeps {what} with its traceback and every frame's locals"),
                ]),
                format!(
                    "`{site}` keeps {what} with its traceback: every frame on it and all their locals stay allocated as long as the module-level `{holder}` holds it, possibly until the program exits. {cure}"
                ),
            ),
        }
    }

    fn link_place(&self, link: &Link<'a>) -> &'a str {
        match link.kind {
            LinkKind::Call => link
                .site
                .child_by_field_name("function")
                .and_then(|f| f.child_by_field_name("object"))
                .map_or("", |o| self.text(o)),
            _ => self.link_target_text(link),
        }
    }

    pub(super) fn self_loop_finding(&self, link: &Link<'a>) -> Finding {
        let name = link.holder;
        let snippet = collapse_long(&self.describe(link));
        let target = collapse_long(self.link_target_text(link));
        let (verb, cure) = match (link.kind, link.attribute) {
            (LinkKind::Attribute, Some("__dict__")) => (
                "refer to itself",
                "define `__getattr__` instead of pointing `__dict__` at the object itself".to_string(),
            ),
            (LinkKind::Attribute, attribute) => (
                "refer to itself",
                format!(
                    "if `{name}.{}` must give back the object itself, make it a property that returns `self`",
                    attribute.unwrap_or("attr")
                ),
            ),
            _ => (
                "contain itself",
                "a container that holds itself is always a cycle; keep the object out of its own items (a property or method can hand it back)".to_string(),
            ),
        };
        let message = fit(&[
            format!("`{snippet}` makes `{name}` {verb}: a reference cycle"),
            format!("`{target}` makes `{name}` {verb}: a reference cycle"),
        ]);
        let detail = format!(
            "`{snippet}` makes `{name}` a cycle of one object. Reference counting never frees it: it stays allocated, with everything it holds, after its last name goes away, until the cyclic garbage collector runs (it runs on allocation counts, not bytes)."
        );
        finding(Cause::SelfReference, link.site, message, detail, Err(cure))
    }

    pub(super) fn cycle_finding(
        &self,
        scope: Node<'a>,
        links: &[Link<'a>],
        cycle: &[usize],
    ) -> Finding {
        let closing = &links[*cycle.last().expect("a cycle has links")];
        let snippets: Vec<String> = cycle
            .iter()
            .map(|&i| format!("`{}`", collapse_long(&self.describe(&links[i]))))
            .collect();
        let targets: Vec<String> = cycle
            .iter()
            .map(|&i| format!("`{}`", collapse_long(self.link_place(&links[i]))))
            .collect();
        let mut holders: Vec<String> = Vec::new();
        for &i in cycle {
            let holder = format!("`{}`", links[i].holder);
            if !holders.contains(&holder) {
                holders.push(holder);
            }
        }
        let method = method_of(self.file, scope).filter(|m| m.kind == Receiver::Instance);
        let back_reference = method
            .filter(|m| cycle.len() == 2 && cycle.iter().any(|&i| links[i].holder == m.receiver));
        let message = if cycle.len() == 2 {
            fit(&[
                format!(
                    "{} refer to each other: a reference cycle",
                    targets.join(" and ")
                ),
                format!(
                    "{} refer to each other: a reference cycle",
                    holders.join(" and ")
                ),
            ])
        } else {
            fit(&[
                format!(
                    "{} link {} in a loop: a reference cycle",
                    join_and(&targets),
                    join_and(&holders)
                ),
                format!(
                    "{} refer to each other in a loop: a reference cycle",
                    join_and(&holders)
                ),
                format!(
                    "`{}` closes a reference cycle of {} objects",
                    collapse_long(self.link_place(closing)),
                    holders.len()
                ),
            ])
        };
        let kind = if back_reference.is_some() {
            "a back-reference"
        } else {
            "a reference cycle"
        };
        let detail = format!(
            "{} make {} refer to each other ({kind}). {FREED_LATE}",
            join_and(&snippets),
            join_and(&holders)
        );
        let fix = if let Some(method) = back_reference {
            let owning = cycle
                .iter()
                .map(|&i| &links[i])
                .find(|l| l.holder == method.receiver && l.kind == LinkKind::Attribute && l.direct);
            match owning {
                Some(owning) => self.property_fix(scope, &method, links, cycle, owning),
                None => self.proxy_fix(scope, links, cycle, closing),
            }
        } else {
            self.proxy_fix(scope, links, cycle, closing)
        };
        finding(Cause::ObjectCycle, closing.site, message, detail, fix)
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
