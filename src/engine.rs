//! Parsing, running the rules, and the fix loop. Pure functions over text: reading and
//! writing files is the caller's business.

use thiserror::Error;
use tree_sitter::{Node, Tree};

use crate::fix::{apply_fixes, compose, Applicability, AppliedFixes, Change, Fix};
use crate::noqa::{add_noqa_edits, noqa_line, Suppressions};
use crate::oracle;
use crate::prefilter::code_only;
use crate::regions::{self, Regions};
use crate::rules::{Finding, Rule};
use crate::scan;
use crate::settings::Settings;
use crate::source::{LineIndex, Location, SourceFile};

/// How many fix passes a file gets before the loop is judged not to converge.
pub const MAX_FIX_PASSES: usize = 16;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum EngineError {
    #[error("cannot parse Python at {}:{}; the file is left unchanged", .0.line, .0.column)]
    Syntax(Location),
    #[error("internal error in rule {rules}: its fix produced code that does not parse; the file is left unchanged (please report this)")]
    FixBrokeSyntax { rules: String },
    #[error("CPython rejects this file at {}:{}: {message}; the file is left unchanged", .at.line, .at.column)]
    Rejected { at: Location, message: String },
    #[error("internal error in rule {rules}: its fix produced code CPython rejects ({message} at {}:{} of the fixed text); the file is left unchanged (please report this)", .at.line, .at.column)]
    FixRejected {
        rules: String,
        at: Location,
        message: String,
    },
    #[error("internal error: {rules} produced a fix whose edits overlap; the file is left unchanged (please report this)")]
    MalformedFix { rules: String },
    #[error("internal error: the `# noqa` comments added for {rules} do not silence them; the file is left unchanged (please report this)")]
    NoqaNotSilencing { rules: String },
    #[error("internal error: the `# noqa` comments added make code CPython rejects ({message}); the file is left unchanged (please report this)")]
    NoqaRejected { message: String },
    #[error("internal error: fixes did not converge after {MAX_FIX_PASSES} passes ({rules}); the file is left unchanged (please report this)")]
    NoConvergence { rules: String },
    #[error("nested more than {MAX_NESTING} levels deep at {}:{} (far beyond what CPython compiles); the file is left unchanged", .0.line, .0.column)]
    TooDeep(Location),
    #[error("breaks a line with a lone carriage return (byte {0}), which CPython reads as a line break and tree-sitter does not, so their syntax trees differ; the file is left unchanged (convert its line endings to LF or CRLF)")]
    LoneCarriageReturn(usize),
}

/// Where `text` first breaks a line with a lone `\r`, if it does. tree-sitter-python
/// takes such a `\r` for whitespace where CPython ends the line, so the tree the rules
/// read would not be the program CPython runs: such text is refused whole.
fn lone_carriage_return(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    text.match_indices('\r')
        .map(|(at, _)| at)
        .find(|&at| bytes.get(at + 1) != Some(&b'\n'))
}

/// The deepest syntax tree a file may have. CPython refuses far shallower code (200
/// nested brackets, 100 indentation levels, a few thousand nested operators), so no
/// real program comes near; the limit bounds the rules' recursion and the time
/// tree-sitter's queries take on pathological input.
pub const MAX_NESTING: usize = 10_000;

/// Where the syntax tree first gets deeper than [`MAX_NESTING`], if it does; walked
/// with a cursor, so it needs no stack itself, and only into subtrees big enough to be
/// that deep.
pub fn too_deep(tree: &Tree) -> Option<Node<'_>> {
    let mut cursor = tree.walk();
    let mut depth = 0usize;
    loop {
        if depth > MAX_NESTING {
            return Some(cursor.node());
        }
        // A subtree of `n` nodes is at most `n - 1` levels deep below its root, and
        // `descendant_count` is stored in the tree, so nearly every subtree is passed over
        // without being walked.
        let deepest_below = depth + cursor.node().descendant_count() - 1;
        if deepest_below > MAX_NESTING && cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
            depth -= 1;
        }
    }
}

thread_local! {
    /// The code of the rule running on this thread, for reporting a panic in it.
    static CURRENT_RULE: std::cell::Cell<Option<&'static str>> = const { std::cell::Cell::new(None) };
}

/// The rule running on this thread, if any: set around each rule's `check`, and left
/// set when it panics, so that whoever catches the panic can name the rule.
pub fn current_rule() -> Option<&'static str> {
    CURRENT_RULE.with(std::cell::Cell::get)
}

/// Forgets the rule [`current_rule`] names (before processing the next file).
pub fn clear_current_rule() {
    CURRENT_RULE.with(|rule| rule.set(None));
}

/// Parses the whole text with this thread's parser.
pub fn parse(text: &str) -> Tree {
    regions::parse_ranges(text, None)
}

/// The innermost, first error or missing node: where a person should look. Error nodes
/// often wrap a long stretch of good code, so descend while a child still holds the error.
pub fn first_syntax_error(tree: &Tree) -> Option<Node<'_>> {
    let mut node = tree.root_node();
    if !node.has_error() {
        return None;
    }
    loop {
        let mut cursor = node.walk();
        let inner = node
            .children(&mut cursor)
            .find(|child| child.has_error() || child.is_missing());
        match inner {
            Some(child) => node = child,
            None => return Some(node),
        }
    }
}

/// Runs every selected rule whose prefilter admits the text; findings in source order,
/// less those a `noqa` comment silences. The suppressions are applied here, before any
/// fix is chosen, so that a silenced finding is neither reported nor fixed.
pub fn run_rules(file: &SourceFile, settings: &Settings) -> Vec<Finding> {
    run_admitted_rules(file, settings, &admitted_rules(file.text, settings))
}

fn run_admitted_rules(
    file: &SourceFile,
    settings: &Settings,
    rules: &[&'static dyn Rule],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in rules {
        CURRENT_RULE.with(|current| current.set(Some(rule.code())));
        debug_panic(rule.code(), file.text);
        rule.check(file, settings, &mut findings);
        CURRENT_RULE.with(|current| current.set(None));
    }
    if !findings.is_empty() {
        let suppressions = Suppressions::collect(file);
        findings.retain_mut(|finding| {
            // Another tool's code for the rule, or this project's own code from before a
            // rule was split, silences it too.
            let aliases: Vec<&str> = settings
                .rules
                .iter()
                .find(|rule| rule.code() == finding.code)
                .map(|rule| [rule.aliases(), rule.former_codes()].concat())
                .unwrap_or_default();
            let line = noqa_line(file, finding.range.start);
            if suppressions.silences(line, finding.code, &aliases) {
                return false;
            }
            // ruff warns of such a comment; here the finding it fails to silence says so.
            if let Some(reason) = suppressions.invalid_on(line) {
                let note = format!("The `# noqa` comment on this line silences nothing: {reason}.");
                finding.detail = if finding.detail.is_empty() {
                    note
                } else {
                    format!("{} {note}", finding.detail)
                };
            }
            true
        });
    }
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.code).cmp(&(b.range.start, b.range.end, b.code))
    });
    findings
}

/// Debug builds only, for the end-to-end tests: `PYLEAK_FIX_DEBUG_PANIC=LK001` makes
/// that rule panic on a text containing `pyleak-fix-debug-panic`.
fn debug_panic(code: &str, text: &str) {
    if cfg!(debug_assertions)
        && text.contains("pyleak-fix-debug-panic")
        && std::env::var("PYLEAK_FIX_DEBUG_PANIC").is_ok_and(|rule| rule == code)
    {
        panic!("debug panic requested by PYLEAK_FIX_DEBUG_PANIC");
    }
}

/// The selected rules that must look at `text`: those whose prefilter admits it, or all
/// when prefilters are off. The prefilters read the text with comments and string
/// literals blanked ([`code_only`]), computed once for all of them.
pub fn admitted_rules(text: &str, settings: &Settings) -> Vec<&'static dyn Rule> {
    admitted_by(text, &code_only(text), settings)
}

/// [`admitted_rules`] with the blanked text already made.
fn admitted_by(text: &str, code: &str, settings: &Settings) -> Vec<&'static dyn Rule> {
    // Text with a lone `\r` is refused (see [`lone_carriage_return`]) once some rule is
    // admitted; the prefilters' line logic does not read it, so all are.
    if !settings.prefilter || lone_carriage_return(text).is_some() {
        return settings.rules.clone();
    }
    settings
        .rules
        .iter()
        .copied()
        .filter(|rule| rule.might_match(code, settings))
        .collect()
}

/// One scan of `text` ([`scan::scan`]): the rules admitted, and what tree-sitter is to
/// parse for them ([`Regions::choose`]; the whole text when prefilters are off).
fn prepare(text: &str, settings: &Settings) -> (Vec<&'static dyn Rule>, Regions) {
    let scan = scan::scan(text);
    let rules = admitted_by(text, &scan.code, settings);
    let candidates = if settings.prefilter && !rules.is_empty() {
        let mut all = Vec::new();
        let every_rule_tells = rules.iter().all(|rule| {
            rule.candidate_ranges(&scan.code, settings)
                .map(|ranges| all.extend(ranges))
                .is_some()
        });
        every_rule_tells.then_some(all)
    } else {
        None
    };
    let regions = Regions::choose(text, scan, candidates);
    (rules, regions)
}

/// What the first pass over `text` parses, for measurement (`examples/stages.rs`): the
/// bytes tree-sitter reads (0 when no rule is admitted) and how many parses it took
/// (the rules' lookups can ask for more statements, [`Regions::grow`]).
pub fn parsed_share(text: &str, settings: &Settings) -> (usize, usize) {
    let (rules, mut regions) = prepare(text, settings);
    if rules.is_empty() {
        return (0, 0);
    }
    let mut parses = 0;
    loop {
        parses += 1;
        let tree = regions::parse(text, &regions);
        if syntax_error(text, &tree).is_some() {
            return (regions.parsed_bytes(text.len()), parses);
        }
        run_admitted_rules(
            &SourceFile::with_regions(text, &tree, &regions),
            settings,
            &rules,
        );
        if !regions.grow() {
            return (regions.parsed_bytes(text.len()), parses);
        }
    }
}

/// Parses what `regions` says of `text` and runs `rules` on it; while their lookups want
/// statements not parsed yet ([`Regions::grow`]), parses again with those and runs them
/// again. The findings come from the last run, on a tree holding every statement that
/// may bind a name they asked about.
fn parse_and_run(
    text: &str,
    regions: &mut Regions,
    rules: &[&'static dyn Rule],
    settings: &Settings,
) -> Result<(Tree, Vec<Finding>), EngineError> {
    loop {
        let tree = regions::parse(text, regions);
        if let Some(error) = syntax_error(text, &tree) {
            if regions.is_whole() {
                return Err(error);
            }
            // What a whole parse makes of the text decides, as without regions: the
            // error may be one the statements left out would explain, or the whole
            // parse may recover where CPython then refuses the text.
            regions.parse_whole();
            continue;
        }
        let findings = run_admitted_rules(
            &SourceFile::with_regions(text, &tree, regions),
            settings,
            rules,
        );
        if !regions.grow() {
            return Ok((tree, findings));
        }
    }
}

/// Why a parsed text is refused: a syntax error, or nesting deeper than the rules go.
fn syntax_error(text: &str, tree: &Tree) -> Option<EngineError> {
    if let Some(node) = first_syntax_error(tree) {
        let file = SourceFile::new(text, tree);
        return Some(EngineError::Syntax(file.location(node.start_byte())));
    }
    too_deep(tree).map(|node| {
        let file = SourceFile::new(text, tree);
        EngineError::TooDeep(file.location(node.start_byte()))
    })
}

/// A finding with its location resolved, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub finding: Finding,
    pub start: Location,
    pub end: Location,
    /// The 1-based line where a `# noqa` comment silences it ([`noqa_line`]): its start
    /// line, or where a string or logical line it starts in ends.
    pub noqa_line: usize,
}

fn locate(file: &SourceFile, findings: Vec<Finding>) -> Vec<Located> {
    findings
        .into_iter()
        .map(|finding| Located {
            start: file.location(finding.range.start),
            end: file.location(finding.range.end),
            noqa_line: noqa_line(file, finding.range.start) + 1,
            finding,
        })
        .collect()
}

/// Finds, without fixing anything.
pub fn check_text(text: &str, settings: &Settings) -> Result<Vec<Located>, EngineError> {
    let (rules, mut regions) = prepare(text, settings);
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(at) = lone_carriage_return(text) {
        return Err(EngineError::LoneCarriageReturn(at));
    }
    let (tree, findings) = parse_and_run(text, &mut regions, &rules, settings)?;
    let file = SourceFile::with_regions(text, &tree, &regions);
    if !findings.is_empty() {
        oracle_accepts(text)?;
    }
    Ok(locate(&file, findings))
}

/// Asks the [`oracle`] whether CPython accepts `text` (an input file): tree-sitter,
/// which found the findings, recovers from some text CPython rejects.
fn oracle_accepts(text: &str) -> Result<(), EngineError> {
    oracle::check(text).map_err(|rejection| EngineError::Rejected {
        at: LineIndex::new(text).location(text, rejection.offset),
        message: rejection.message,
    })
}

/// What fixing one text produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixOutcome {
    /// The findings in the original text, located there.
    pub initial: Vec<Located>,
    /// The text with every applicable fix applied (equal to the input when none was).
    pub fixed: String,
    /// The code of each fix applied, one entry per fix, in the order applied.
    pub applied: Vec<&'static str>,
    /// The findings left in the fixed text, located there.
    pub remaining: Vec<Located>,
    /// `--add-noqa`: the code of each finding left after fixing that a `# noqa` comment
    /// added to `fixed` now silences (then `remaining` is empty).
    pub silenced: Vec<&'static str>,
    /// Where `fixed` differs from the input, in bytes of each: what a diff looks at.
    pub changes: Vec<Change>,
}

impl FixOutcome {
    pub fn changed(&self, original: &str) -> bool {
        self.fixed != original
    }
}

fn is_applicable(fix: &Fix, settings: &Settings) -> bool {
    match fix.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => settings.unsafe_fixes,
    }
}

fn codes_of(findings: &[&Finding]) -> String {
    let mut codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
    codes.sort_unstable();
    codes.dedup();
    codes.join(", ")
}

/// Applies the applicable fixes pass by pass, re-parsing after each, until no finding has
/// an applicable fix left. A file that does not parse is refused; a pass whose result
/// does not parse abandons the whole file, so that no half-fixed text is ever returned.
pub fn fix_text(text: &str, settings: &Settings) -> Result<FixOutcome, EngineError> {
    let (first_rules, first_regions) = prepare(text, settings);
    if first_rules.is_empty() {
        return Ok(FixOutcome {
            fixed: text.to_string(),
            ..FixOutcome::default()
        });
    }
    if let Some(at) = lone_carriage_return(text) {
        return Err(EngineError::LoneCarriageReturn(at));
    }
    let mut current = text.to_string();
    let mut outcome = FixOutcome::default();
    let mut next = Some((first_rules, first_regions));
    // The codes of the fixes the last pass applied: a text that does not parse after it
    // is their fault.
    let mut last_applied = String::new();
    for pass in 0..=MAX_FIX_PASSES {
        // Each pass scans the text it reads: a fix moves statements and may add some.
        let (rules, mut regions) = next.take().unwrap_or_else(|| prepare(&current, settings));
        if rules.is_empty() {
            // After a pass (the first returned above): no rule can find anything in the
            // fixed text, so tree-sitter need not read it; CPython must accept it.
            accept_fixed(&outcome, &current)?;
            outcome.fixed = current;
            return Ok(outcome);
        }
        let parsed = parse_and_run(&current, &mut regions, &rules, settings);
        let (tree, findings) = match parsed {
            Ok(parsed) => parsed,
            // The input is refused as it is; a text a fix made, as the fix's fault.
            Err(error) if pass == 0 => return Err(error),
            Err(_) => {
                return Err(EngineError::FixBrokeSyntax {
                    rules: std::mem::take(&mut last_applied),
                })
            }
        };
        let file = SourceFile::with_regions(&current, &tree, &regions);
        if pass == 0 && !findings.is_empty() {
            // A file CPython rejects is reported, never fixed, whatever tree-sitter made of it.
            oracle_accepts(text)?;
        }
        let fixable: Vec<&Finding> = findings
            .iter()
            .filter(|finding| {
                finding
                    .fix
                    .as_ref()
                    .is_some_and(|fix| is_applicable(fix, settings))
            })
            .collect();
        if fixable.is_empty() {
            if pass == 0 {
                outcome.initial = locate(&file, findings.clone());
            }
            // `--add-noqa`: the findings left are silenced rather than left.
            let with_noqa = if settings.add_noqa && !findings.is_empty() {
                outcome.silenced = findings.iter().map(|finding| finding.code).collect();
                let noqa = add_noqa(&file, &findings, settings)?;
                // The comments are changes too: the dry run's diff must show them.
                outcome.changes = compose(&outcome.changes, &noqa.spans);
                Some(noqa.text)
            } else {
                outcome.remaining = locate(&file, findings);
                None
            };
            drop(file);
            if pass > 0 {
                accept_fixed(&outcome, &current)?;
            }
            outcome.fixed = with_noqa.unwrap_or(current);
            return Ok(outcome);
        }
        if pass == MAX_FIX_PASSES {
            return Err(EngineError::NoConvergence {
                rules: codes_of(&fixable),
            });
        }
        let fixes: Vec<&Fix> = fixable
            .iter()
            .map(|finding| finding.fix.as_ref().expect("filtered above"))
            .collect();
        let applied = apply_fixes(&current, &fixes);
        if !applied.malformed.is_empty() {
            let culprits: Vec<&Finding> = applied.malformed.iter().map(|&i| fixable[i]).collect();
            return Err(EngineError::MalformedFix {
                rules: codes_of(&culprits),
            });
        }
        let applied_findings: Vec<&Finding> = applied.applied.iter().map(|&i| fixable[i]).collect();
        if pass == 0 {
            outcome.initial = locate(&file, findings.clone());
        }
        // The old tree goes before the next is built: two trees of a big file at once
        // would double the peak memory.
        drop(file);
        drop(tree);
        last_applied = codes_of(&applied_findings);
        outcome
            .applied
            .extend(applied_findings.iter().map(|finding| finding.code));
        outcome.changes = compose(&outcome.changes, &applied.spans);
        current = applied.text;
    }
    unreachable!("the last pass returns")
}

/// tree-sitter accepted what it read of every pass; the fixed text must satisfy CPython
/// too, whole. Refused, it is the applied fixes' fault.
fn accept_fixed(outcome: &FixOutcome, fixed: &str) -> Result<(), EngineError> {
    oracle::check(fixed).map_err(|rejection| {
        let mut rules = outcome.applied.clone();
        rules.sort_unstable();
        rules.dedup();
        EngineError::FixRejected {
            rules: rules.join(", "),
            at: LineIndex::new(fixed).location(fixed, rejection.offset),
            message: rejection.message,
        }
    })
}

/// `--add-noqa`: `file`'s text with a `# noqa: CODE` comment for each of `findings`
/// ([`add_noqa_edits`]). Held to the fixes' standard: tree-sitter and the [`oracle`]
/// must accept the result, and the rules must find nothing left in it; otherwise the
/// file is left as it is.
/// Returns the comments applied: the text, and where they went
/// ([`AppliedFixes::spans`]).
fn add_noqa(
    file: &SourceFile,
    findings: &[Finding],
    settings: &Settings,
) -> Result<AppliedFixes, EngineError> {
    let fix = Fix::new(
        "Add `# noqa` comments",
        Applicability::Safe,
        add_noqa_edits(file, findings),
    );
    let applied = apply_fixes(file.text, &[&fix]);
    let broken = || EngineError::NoqaNotSilencing {
        rules: codes_of(&findings.iter().collect::<Vec<_>>()),
    };
    if applied.applied.is_empty() {
        return Err(broken());
    }
    let tree = parse(&applied.text);
    if tree.root_node().has_error() {
        return Err(EngineError::NoqaRejected {
            message: "a syntax error".to_string(),
        });
    }
    if let Err(rejection) = oracle::check(&applied.text) {
        return Err(EngineError::NoqaRejected {
            message: rejection.message,
        });
    }
    if !run_rules(&SourceFile::new(&applied.text, &tree), settings).is_empty() {
        return Err(broken());
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::Edit;
    use crate::rules::{FixSafety, Rule};

    /// The first node deeper than [`MAX_NESTING`] in preorder, found by visiting every node.
    fn first_too_deep_node(tree: &Tree) -> Option<usize> {
        fn visit(node: Node, depth: usize) -> Option<usize> {
            if depth > MAX_NESTING {
                return Some(node.start_byte());
            }
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            children
                .into_iter()
                .find_map(|child| visit(child, depth + 1))
        }
        let mut result = None;
        // The naive walk recurses once per level.
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(scope, || result = visit(tree.root_node(), 0))
                .unwrap()
                .join()
                .unwrap();
        });
        result
    }

    #[test]
    fn too_deep_finds_the_node_a_full_walk_finds() {
        let deep_operand = "-".repeat(MAX_NESTING + 5);
        let shallow_operand = "-".repeat(MAX_NESTING - 10);
        let texts = [
            format!("def f():\n    x = 1\n\ny = {deep_operand}1\n"),
            format!("y = {shallow_operand}1\nz = [{shallow_operand}2]\n"),
            format!("class C:\n    def m(self):\n        return {deep_operand}x\n"),
            "x = 1\n".repeat(20_000),
        ];
        for text in &texts {
            let tree = parse(text);
            assert_eq!(
                too_deep(&tree).map(|node| node.start_byte()),
                first_too_deep_node(&tree),
                "{}",
                &text[..40]
            );
        }
        assert!(too_deep(&parse(&texts[0])).is_some());
        assert!(too_deep(&parse(&texts[1])).is_none());
    }

    /// A test rule that offers one fix at the first `pass`, built by `make_fix`.
    struct Misbehaving {
        code: &'static str,
        make_fix: fn(usize) -> Fix,
    }

    impl Rule for Misbehaving {
        fn code(&self) -> &'static str {
            self.code
        }
        fn name(&self) -> &'static str {
            "misbehaving"
        }
        fn doc(&self) -> &'static str {
            ""
        }
        fn default_enabled(&self) -> bool {
            true
        }
        fn fix_safety(&self) -> FixSafety {
            FixSafety {
                safe: true,
                unsafe_fix: true,
                no_fix: false,
            }
        }
        fn check(&self, file: &SourceFile, _settings: &Settings, findings: &mut Vec<Finding>) {
            if let Some(at) = file.text.find("pass") {
                let fix = (self.make_fix)(at);
                findings.push(Finding {
                    code: self.code,
                    range: at..at + 4,
                    message: "m".into(),
                    detail: String::new(),
                    fix: Some(fix),
                });
            }
        }
    }

    fn settings_with(rule: &'static Misbehaving) -> Settings {
        Settings {
            rules: vec![rule],
            ..Settings::default()
        }
    }

    static BREAKS_SYNTAX: Misbehaving = Misbehaving {
        code: "XX901",
        make_fix: |at| {
            Fix::new(
                "break",
                Applicability::Safe,
                vec![Edit::replace(at..at + 4, "pass(")],
            )
        },
    };
    static NEVER_DONE: Misbehaving = Misbehaving {
        code: "XX902",
        make_fix: |at| {
            Fix::new(
                "grow",
                Applicability::Safe,
                vec![Edit::insert(at, "pass; ")],
            )
        },
    };
    static OVERLAPPING: Misbehaving = Misbehaving {
        code: "XX903",
        make_fix: |at| {
            Fix::new(
                "bad",
                Applicability::Safe,
                vec![
                    Edit::replace(at..at + 3, "a"),
                    Edit::replace(at + 1..at + 4, "b"),
                ],
            )
        },
    };
    static UNSAFE_ONLY: Misbehaving = Misbehaving {
        code: "XX904",
        make_fix: |at| {
            Fix::new(
                "unsafe",
                Applicability::Unsafe,
                vec![Edit::replace(at..at + 4, "...")],
            )
        },
    };

    #[test]
    fn a_fix_that_breaks_syntax_is_refused_naming_the_rule() {
        let error = fix_text("def f():\n    pass\n", &settings_with(&BREAKS_SYNTAX)).unwrap_err();
        assert_eq!(
            error,
            EngineError::FixBrokeSyntax {
                rules: "XX901".into()
            }
        );
        assert!(error.to_string().contains("XX901"));
    }

    /// tree-sitter-python still reads Python 2's `print` statement; CPython does not.
    static PYTHON2_PRINT: Misbehaving = Misbehaving {
        code: "XX905",
        make_fix: |at| {
            Fix::new(
                "py2",
                Applicability::Safe,
                vec![Edit::replace(at..at + 4, "print 'x'")],
            )
        },
    };

    #[test]
    fn a_fix_tree_sitter_accepts_and_cpython_rejects_is_refused_naming_the_rule() {
        let text = "def f():\n    pass\n";
        assert!(!parse("def f():\n    print 'x'\n").root_node().has_error());
        let error = fix_text(text, &settings_with(&PYTHON2_PRINT)).unwrap_err();
        let EngineError::FixRejected { rules, at, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!((rules.as_str(), at.line), ("XX905", 2));
        assert!(
            error
                .to_string()
                .starts_with("internal error in rule XX905: "),
            "{error}"
        );
    }

    #[test]
    fn a_file_cpython_rejects_is_reported_and_never_fixed() {
        // Each parses in tree-sitter without an error node, and holds an LK001 finding.
        let deep = format!(
            "y = {}1{}\ndef f(x=[]):\n    return x\n",
            "(".repeat(300),
            ")".repeat(300)
        );
        let texts = [
            "def f(x=[]):\n    print 'x'\n    return x\n",
            "def f(x=[]):\n\tif x:\n        pass\n    return x\n",
            &deep,
        ];
        for text in texts {
            assert!(!parse(text).root_node().has_error(), "{text:?}");
            let error = fix_text(text, &Settings::default()).unwrap_err();
            assert!(
                matches!(error, EngineError::Rejected { .. }),
                "{text:?}: {error:?}"
            );
            let error = check_text(text, &Settings::default()).unwrap_err();
            assert!(
                matches!(error, EngineError::Rejected { .. }),
                "{text:?}: {error:?}"
            );
        }
    }

    #[test]
    fn fixes_that_never_settle_are_reported() {
        let error = fix_text("pass\n", &settings_with(&NEVER_DONE)).unwrap_err();
        assert_eq!(
            error,
            EngineError::NoConvergence {
                rules: "XX902".into()
            }
        );
    }

    #[test]
    fn a_fix_with_overlapping_edits_is_refused() {
        let error = fix_text("pass\n", &settings_with(&OVERLAPPING)).unwrap_err();
        assert_eq!(
            error,
            EngineError::MalformedFix {
                rules: "XX903".into()
            }
        );
    }

    #[test]
    fn unsafe_fixes_wait_for_the_flag() {
        let mut settings = settings_with(&UNSAFE_ONLY);
        let outcome = fix_text("pass\n", &settings).unwrap();
        assert_eq!(outcome.fixed, "pass\n");
        assert_eq!(outcome.remaining.len(), 1);
        settings.unsafe_fixes = true;
        let outcome = fix_text("pass\n", &settings).unwrap();
        assert_eq!(outcome.fixed, "...\n");
        assert!(outcome.remaining.is_empty());
    }

    #[test]
    fn syntax_error_points_inside_the_error_node() {
        let text = "import os\n\ndef f():\n    return (1,\n\nx = [\n";
        // No prefilter admits this text: a file no rule can match is not parsed, so
        // its syntax errors are found only when it is.
        assert_eq!(check_text(text, &Settings::default()), Ok(Vec::new()));
        let settings = Settings {
            prefilter: false,
            ..Settings::default()
        };
        let error = check_text(text, &settings).unwrap_err();
        let EngineError::Syntax(location) = error else {
            panic!("{error:?}")
        };
        assert!(location.line > 1, "{location:?}");
    }

    #[test]
    fn a_file_without_findings_comes_back_byte_identical() {
        let text = "def f(x=()):\r\n\treturn x";
        let outcome = fix_text(text, &Settings::default()).unwrap();
        assert_eq!(outcome.fixed, text);
        assert!(outcome.initial.is_empty() && outcome.applied.is_empty());
    }

    #[test]
    fn fixes_run_to_a_fixed_point_across_passes() {
        // Both defaults need the one-line body expanded: the second fix waits a pass.
        let text = "def f(a=[], b={}): return len(a), len(b)\n";
        let outcome = fix_text(text, &Settings::default()).unwrap();
        assert_eq!(outcome.applied, vec!["LK001", "LK001"]);
        assert!(outcome.remaining.is_empty());
        assert_eq!(
            outcome.fixed,
            "def f(a=None, b=None):\n    if a is None:\n        a = []\n    if b is None:\n        b = {}\n    return len(a), len(b)\n"
        );
    }

    fn codes_found(text: &str) -> Vec<usize> {
        check_text(text, &Settings::default())
            .unwrap()
            .iter()
            .map(|located| located.start.line)
            .collect()
    }

    #[test]
    fn noqa_on_the_reported_line_silences_it_and_it_is_not_fixed() {
        let text = "def f(x=[]):  # noqa\n    return x\n\ndef g(y=[]):\n    return len(y)\n";
        assert_eq!(codes_found(text), [4]);
        let outcome = fix_text(text, &Settings::default()).unwrap();
        assert!(outcome.fixed.starts_with("def f(x=[]):  # noqa\n"));
        assert!(outcome.fixed.contains("def g(y=None):"));
        assert_eq!(outcome.applied, ["LK001"]);
    }

    #[test]
    fn noqa_codes_must_name_the_rule_or_an_alias() {
        assert!(codes_found("def f(x=[]): pass  # noqa: LK001\n").is_empty());
        assert!(codes_found("def f(x=[]): pass  # noqa: E501, B006\n").is_empty());
        assert_eq!(codes_found("def f(x=[]): pass  # noqa: E501\n"), [1]);
        // In a string it is not a comment.
        assert_eq!(codes_found("def f(x=[], y='# noqa'): pass\n"), [1]);
    }

    #[test]
    fn a_noqa_comment_ruff_refuses_silences_nothing_and_the_finding_says_why() {
        // ruff warns of these and silences nothing; a malformed code is not a blanket noqa.
        for comment in [
            "# noqa: B006X",
            "# noqa:",
            "# noqa: b006",
            "# noqa: some words",
        ] {
            let text = format!("def f(x=[]):  {comment}\n    return x\n");
            let found = check_text(&text, &Settings::default()).unwrap();
            assert_eq!(found.len(), 1, "{comment}");
            assert!(
                found[0]
                    .finding
                    .detail
                    .contains("`# noqa` comment on this line silences nothing"),
                "{comment}: {}",
                found[0].finding.detail
            );
        }
        assert!(codes_found("def f(x=[]): pass  # noqa: E501,,B006\n").is_empty());
        // Only a comment's first `noqa` counts, as in ruff.
        for comment in [
            "# noqa: B006X  # noqa: B006",
            "# noqa: E501  # noqa: B006",
            "# noqa:  # noqa",
        ] {
            let text = format!("def f(x=[]): pass  {comment}\n");
            assert_eq!(codes_found(&text), [1], "{comment}");
        }
        assert_eq!(
            codes_found("def f(x=[]): pass  # noqa: E501, reason B006\n"),
            [1]
        );
        assert!(codes_found("# ruff: noqa: b006\ndef f(x=[]): pass\n").len() == 1);
    }

    #[test]
    fn a_multi_line_signature_is_silenced_on_the_defaults_own_line() {
        let text = "def f(\n    a,\n    x=[],  # noqa: LK001\n    y={},\n):\n    pass\n";
        assert_eq!(codes_found(text), [4]);
        let on_def_line = "def f(  # noqa\n    x=[],\n):\n    pass\n";
        assert_eq!(codes_found(on_def_line), [2]);
    }

    #[test]
    fn a_finding_on_a_line_no_comment_can_end_is_silenced_where_the_string_ends() {
        let text = "f = lambda x=[], y=\"\"\"\ndoc\"\"\": x  # noqa: LK001\n";
        assert!(codes_found(text).is_empty());
        let continued = "g = lambda x=[]: \\\n    x  # noqa: B006\n";
        assert!(codes_found(continued).is_empty());
        let on_the_first_line = "f = lambda x=[], y=(  # noqa\n  1): x\n";
        assert!(codes_found(on_the_first_line).is_empty());
    }

    #[test]
    fn a_file_level_directive_on_its_own_line_silences_the_file() {
        let text = "# pyleak-fix: noqa\ndef f(x=[]): pass\n";
        assert!(codes_found(text).is_empty());
        let outcome = fix_text(text, &Settings::default()).unwrap();
        assert_eq!(outcome.fixed, text);
        assert!(codes_found("# ruff: noqa: B006\ndef f(x=[]): pass\n").is_empty());
        assert!(codes_found("# ruff: noqa\ndef f(x=[]): pass\n").is_empty());
        assert!(codes_found("# flake8: noqa\ndef f(x=[]): pass\n").is_empty());
        assert!(codes_found("# flake8: noqa: B006\ndef f(x=[]): pass\n").is_empty());
        assert_eq!(
            codes_found("# flake8: noqa: E501\ndef f(x=[]): pass\n"),
            [2]
        );
        assert!(codes_found("# pyleak-fix: noqa: LK001\ndef f(x=[]): pass\n").is_empty());
        assert_eq!(
            codes_found("# pyleak-fix: noqa: LK002\ndef f(x=[]): pass\n"),
            [2]
        );
        assert_eq!(
            codes_found("x = 1  # pyleak-fix: noqa\ndef f(x=[]): pass\n"),
            [2]
        );
    }
}
