//! The rules. Each one is a module here plus a query in `queries/`; it owns its
//! documentation, its detection and its fix.

use std::cell::RefCell;
use std::ops::Range;

use tree_sitter::{Node, Query, QueryCursor, StreamingIterator};

use crate::fix::Fix;
use crate::settings::Settings;
use crate::source::SourceFile;

pub mod cycles;
pub mod lk001_mutable_default_argument;
pub mod lk002_module_level_large_allocation;
pub mod lk003_reference_cycle;
pub mod lk004_stored_exception;
pub mod lk005_self_reference;
pub mod lk006_bound_method_on_self;
pub mod lk007_closure_on_self;
pub mod lk008_cached_instance_method;
pub mod lk009_callback_holds_object;
pub mod lk010_mutable_class_attribute;
pub mod lk011_unbounded_module_container;
pub mod lk012_logger_per_call;

/// Which fixes a rule's findings can get, for `--list-rules` and `pyleak-fix rule`:
/// a safe fix (applied by default), an unsafe one (applied only with `--unsafe-fixes`),
/// or none (the finding's message then says why). A rule sets each that can happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixSafety {
    pub safe: bool,
    pub unsafe_fix: bool,
    pub no_fix: bool,
}

impl FixSafety {
    /// The kinds that can happen, in this order: `safe`, `unsafe`, `none`.
    pub fn kinds(self) -> Vec<&'static str> {
        [
            (self.safe, "safe"),
            (self.unsafe_fix, "unsafe"),
            (self.no_fix, "none"),
        ]
        .into_iter()
        .filter_map(|(can, kind)| can.then_some(kind))
        .collect()
    }

    /// `safe or none`, `unsafe`, ...
    pub fn describe(self) -> String {
        self.kinds().join(" or ")
    }
}

/// One reported problem.
///
/// `message` is what the concise output shows: what and where, in under about 100
/// characters. `detail` is the rest a reader may want: why the shape keeps memory, what
/// happens to that memory, the cure, and, when `fix` is `None`, why no fix is offered.
/// It goes to `--output-format full`, the JSON `detail` field and SARIF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    /// Byte range in the file's text.
    pub range: Range<usize>,
    pub message: String,
    pub detail: String,
    pub fix: Option<Fix>,
}

impl Finding {
    /// A finding with its fix, or with the reason there is none (added to `detail` as
    /// `No fix: REASON.`).
    pub fn new(
        code: &'static str,
        range: Range<usize>,
        message: String,
        detail: String,
        fix: Result<Fix, String>,
    ) -> Finding {
        match fix {
            Ok(fix) => Finding {
                code,
                range,
                message,
                detail,
                fix: Some(fix),
            },
            Err(reason) => {
                let reason = reason.trim_end_matches('.');
                let detail = if detail.is_empty() {
                    format!("No fix: {reason}.")
                } else {
                    format!("{} No fix: {reason}.", detail.trim_end())
                };
                Finding {
                    code,
                    range,
                    message,
                    detail,
                    fix: None,
                }
            }
        }
    }
}

pub trait Rule: Sync + Send {
    /// `LK001`.
    fn code(&self) -> &'static str;
    /// `mutable-default-argument`.
    fn name(&self) -> &'static str;
    /// The rule's documentation, Markdown under fixed headings: What it finds, Why it
    /// leaks, Example, Fix, Fix safety.
    fn doc(&self) -> &'static str;
    /// Whether the rule runs when the configuration selects nothing. A rule is on by
    /// default only once it reports what people change on real code (90% precision);
    /// each rule says so explicitly.
    fn default_enabled(&self) -> bool;
    /// Which fixes its findings can get; the rule's "Fix safety" section says when.
    fn fix_safety(&self) -> FixSafety;
    /// Other tools' codes for the same problem (`B006` for LK001): a `# noqa` naming one
    /// of them silences this rule too, so existing suppressions keep working.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// This project's own older codes for findings this rule now makes (`LK003` for the
    /// causes split out of it): a `# noqa` naming one still silences this rule, so
    /// suppressions written before the split keep working. Not a selector.
    fn former_codes(&self) -> &'static [&'static str] {
        &[]
    }
    /// Where the rule is documented on the web. By convention the README has a section
    /// `### CODE in detail` per rule; a rule documented elsewhere overrides this.
    fn url(&self) -> String {
        format!(
            "{}#{}-in-detail",
            env!("CARGO_PKG_REPOSITORY"),
            self.code().to_ascii_lowercase()
        )
    }
    /// A cheap, conservative test on the raw bytes: `false` only when the file cannot
    /// contain anything this rule reports, with these settings, so it need not be parsed
    /// for this rule. Each rule's prefilter is a necessary textual condition of its
    /// findings, explained where it is defined.
    fn might_match(&self, _text: &str, _settings: &Settings) -> bool {
        true
    }
    /// Where in `code` (the text with comments and strings blanked,
    /// [`crate::scan::Scan::code`]) this rule's findings can be: byte ranges each finding
    /// meets (an empty range at a spot counts). `Some` promises that the rule reads
    /// nothing of the tree but the top-level statements holding these ranges, the
    /// module-level context the engine parses with them (see `crate::regions`) and the
    /// bindings it asks [`crate::semantic::FileBindings`] about; then the engine parses
    /// only those statements. `None` (the default, or when the rule cannot tell): the
    /// file is parsed whole.
    fn candidate_ranges(&self, _code: &str, _settings: &Settings) -> Option<Vec<Range<usize>>> {
        None
    }
    fn check(&self, file: &SourceFile, settings: &Settings, findings: &mut Vec<Finding>);
}

/// Every rule, in code order.
pub static ALL: &[&dyn Rule] = &[
    &lk001_mutable_default_argument::MutableDefaultArgument,
    &lk002_module_level_large_allocation::ModuleLevelLargeAllocation,
    &lk003_reference_cycle::REFERENCE_CYCLE,
    &lk004_stored_exception::STORED_EXCEPTION,
    &lk005_self_reference::SELF_REFERENCE,
    &lk006_bound_method_on_self::BOUND_METHOD_ON_SELF,
    &lk007_closure_on_self::CLOSURE_ON_SELF,
    &lk008_cached_instance_method::CachedInstanceMethod,
    &lk009_callback_holds_object::CallbackHoldsObject,
    &lk010_mutable_class_attribute::MutableClassAttribute,
    &lk011_unbounded_module_container::UnboundedModuleContainer,
    &lk012_logger_per_call::LoggerPerCall,
];

/// The rule's "What it finds" section up to its first colon or full stop: a one-line
/// summary ("A parameter default that builds a mutable object.").
pub fn summary(rule: &dyn Rule) -> String {
    let doc = rule.doc();
    let section = doc
        .split_once("## What it finds")
        .map_or(doc, |(_, rest)| rest);
    let paragraph: Vec<&str> = section
        .trim_start()
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let paragraph = paragraph.join(" ");
    let end = [": ", ". "]
        .iter()
        .filter_map(|stop| paragraph.find(stop))
        .min()
        .unwrap_or(paragraph.len());
    format!("{}.", paragraph[..end].trim_end_matches('.'))
}

pub fn by_code(code: &str) -> Option<&'static dyn Rule> {
    ALL.iter()
        .copied()
        .find(|rule| rule.code().eq_ignore_ascii_case(code))
}

/// The rule `code` names, as its own code or as one of its aliases (`B006`, another
/// tool's code for LK001), case-insensitively; with the alias when that is what matched.
pub fn by_code_or_alias(code: &str) -> Option<(&'static dyn Rule, Option<&'static str>)> {
    by_code(code).map(|rule| (rule, None)).or_else(|| {
        ALL.iter().find_map(|rule| {
            rule.aliases()
                .iter()
                .find(|alias| alias.eq_ignore_ascii_case(code))
                .map(|alias| (*rule, Some(*alias)))
        })
    })
}

/// Compiles a rule's embedded query. The queries ship inside the binary and are tested,
/// so a failure here is a bug in this crate, not a user error.
pub fn compile_query(source: &str) -> Query {
    Query::new(&tree_sitter_python::LANGUAGE.into(), source)
        .unwrap_or_else(|error| panic!("embedded query does not compile: {error}"))
}

thread_local! {
    static QUERY_CURSOR: RefCell<QueryCursor> = RefCell::new(QueryCursor::new());
}

/// Runs `query` over `node` with this thread's cursor, handing each match's captures
/// (capture index, node) to `on_match`.
pub fn for_each_match<'tree>(
    query: &Query,
    node: Node<'tree>,
    text: &[u8],
    on_match: impl FnMut(&[(u32, Node<'tree>)]),
) {
    let everything = 0..usize::MAX;
    for_each_match_in(
        query,
        node,
        text,
        std::slice::from_ref(&everything),
        on_match,
    );
}

/// [`for_each_match`] over the matches that meet the byte `ranges` only: the cursor does
/// not descend into the rest of the tree, which is what makes it cheaper. A match that
/// meets two ranges is handed over once per range.
pub fn for_each_match_in<'tree>(
    query: &Query,
    node: Node<'tree>,
    text: &[u8],
    ranges: &[Range<usize>],
    mut on_match: impl FnMut(&[(u32, Node<'tree>)]),
) {
    QUERY_CURSOR.with(|cursor| {
        let mut cursor = cursor.borrow_mut();
        let mut captures = Vec::new();
        for range in ranges {
            cursor.set_byte_range(range.clone());
            let mut matches = cursor.matches(query, node, text);
            while let Some(found) = matches.next() {
                captures.clear();
                captures.extend(found.captures.iter().map(|c| (c.index, c.node)));
                on_match(&captures);
            }
        }
        cursor.set_byte_range(0..usize::MAX);
    });
}
