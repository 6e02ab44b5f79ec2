//! What one run is asked to do: which rules, which fixes, which Python.

use std::fmt;
use std::str::FromStr;

use crate::rules::{self, Rule};

/// The oldest Python the checked code must run on; decides how fixes spell things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PythonVersion {
    pub major: u8,
    pub minor: u8,
}

impl PythonVersion {
    pub const PY37: PythonVersion = PythonVersion { major: 3, minor: 7 };
    pub const PY310: PythonVersion = PythonVersion {
        major: 3,
        minor: 10,
    };
    /// The versions `--target-version` accepts, ruff's spelling.
    pub const KNOWN: &'static [&'static str] = &[
        "py37", "py38", "py39", "py310", "py311", "py312", "py313", "py314",
    ];

    /// The oldest version a `requires-python` specifier (`>=3.9`, `~=3.10`,
    /// `>=3.8,<4`) admits, kept within the versions this tool knows. Without a lower
    /// bound every Python 3 is admitted, so the oldest known is the answer.
    pub fn from_requires_python(specifier: &str) -> Result<Self, String> {
        let known = |minor: u8| PythonVersion { major: 3, minor };
        let oldest = Self::KNOWN[0].parse::<Self>().expect("known");
        let newest = Self::KNOWN[Self::KNOWN.len() - 1]
            .parse::<Self>()
            .expect("known");
        let mut lowest: Option<PythonVersion> = None;
        for clause in specifier
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let operator_end = clause
                .find(|c: char| c.is_ascii_digit() || c.is_whitespace())
                .unwrap_or(clause.len());
            let (operator, version) = clause.split_at(operator_end);
            let version = version.trim();
            let mut parts = version.split('.');
            let invalid = || format!("`{specifier}` is not a version specifier such as \">=3.9\"");
            let major: u8 = parts
                .next()
                .and_then(|p| p.parse().ok())
                .ok_or_else(invalid)?;
            let minor: u8 = match parts.next() {
                None | Some("*") => 0,
                Some(text) => text.parse().map_err(|_| invalid())?,
            };
            match operator {
                ">=" | "~=" | "==" | "===" | ">" => {
                    let bound = if major < 3 {
                        oldest
                    } else if major > 3 {
                        newest
                    } else {
                        known(minor)
                    };
                    lowest = Some(lowest.map_or(bound, |l| l.max(bound)));
                }
                "<" | "<=" | "!=" => {}
                _ => return Err(invalid()),
            }
        }
        Ok(lowest.unwrap_or(oldest).clamp(oldest, newest))
    }

    /// `X | None` is valid at run time from 3.10 on.
    pub fn has_union_operator(self) -> bool {
        self >= Self::PY310
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_python_gives_its_lower_bound() {
        let version = |s: &str| PythonVersion::from_requires_python(s).map(|v| v.to_string());
        assert_eq!(version(">=3.9").unwrap(), "py39");
        assert_eq!(version(">= 3.11, <4").unwrap(), "py311");
        assert_eq!(version("~=3.10.2").unwrap(), "py310");
        assert_eq!(version("==3.12.*").unwrap(), "py312");
        assert_eq!(version("<4").unwrap(), "py37");
        assert_eq!(version(">=3.6").unwrap(), "py37");
        assert_eq!(version(">=3.99").unwrap(), "py314");
        assert!(version("newest").is_err());
    }
}

/// When nothing says which Python the code runs on, fixes are spelled for the oldest
/// one this tool knows: a "safe" fix must not write `T | None` (3.10) or
/// `functools.cache` (3.9) into a project that still supports 3.8, which would fail
/// when the module is imported there.
impl Default for PythonVersion {
    fn default() -> Self {
        Self::PY37
    }
}

impl FromStr for PythonVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || {
            format!(
                "unknown Python version `{s}`; expected one of {}",
                Self::KNOWN.join(", ")
            )
        };
        if !Self::KNOWN.contains(&s) {
            return Err(unknown());
        }
        let minor = s[3..].parse().map_err(|_| unknown())?;
        Ok(PythonVersion { major: 3, minor })
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "py{}{}", self.major, self.minor)
    }
}

/// The default `max-file-bytes`: 100 MB, five times the largest Python file seen in the
/// wild (generated code), far less than a run can hold in memory for one file.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 100_000_000;

/// Everything a rule or the fix loop may consult.
#[derive(Clone)]
pub struct Settings {
    pub rules: Vec<&'static dyn Rule>,
    pub unsafe_fixes: bool,
    pub target_version: PythonVersion,
    /// LK002's threshold.
    pub large_allocation_bytes: u64,
    /// Files larger than this many bytes are refused unread ([`DEFAULT_MAX_FILE_BYTES`]).
    pub max_file_bytes: u64,
    /// More qualified names (`mypkg.Registry`) whose calls LK001 treats as mutable.
    pub extend_mutable_calls: Vec<String>,
    /// Whether the rules' prefilters may skip files (always, except to test them).
    pub prefilter: bool,
    /// `--add-noqa`: after fixing, silence each finding left with a `# noqa` comment.
    pub add_noqa: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rules: rules::ALL
                .iter()
                .copied()
                .filter(|rule| rule.default_enabled())
                .collect(),
            unsafe_fixes: false,
            target_version: PythonVersion::default(),
            large_allocation_bytes: 10_000_000,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            extend_mutable_calls: Vec::new(),
            prefilter: true,
            add_noqa: false,
        }
    }
}

/// One layer of rule selection, as a configuration file or the command line gives it.
/// Codes are matched by prefix, as ruff does (`LK` names every rule; `ALL` too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSelection {
    /// When given, replaces what the layers before chose.
    pub select: Option<Vec<String>>,
    /// Added to what is selected.
    pub extend_select: Vec<String>,
    /// Removed from what is selected.
    pub ignore: Vec<String>,
}

impl RuleSelection {
    /// Each selector that names no rule, for the caller to report.
    pub fn unknown_selectors(&self) -> Vec<&str> {
        self.select
            .iter()
            .flatten()
            .chain(&self.extend_select)
            .chain(&self.ignore)
            .map(String::as_str)
            .filter(|selector| !is_known_selector(selector))
            .collect()
    }
}

/// Whether `selector` is `ALL` or the prefix of some rule's code.
pub fn is_known_selector(selector: &str) -> bool {
    selector == "ALL"
        || rules::ALL
            .iter()
            .any(|rule| rule.code().starts_with(selector))
}

/// What an unknown selector error says is allowed.
pub fn known_selectors_hint() -> String {
    let known: Vec<&str> = rules::ALL.iter().map(|rule| rule.code()).collect();
    format!(
        "known rules: {} (a prefix such as `LK`, or ALL, selects several)",
        known.join(", ")
    )
}

/// Whether `code` is named by any of `selectors`.
pub fn selects(selectors: &[String], code: &str) -> bool {
    selectors
        .iter()
        .any(|selector| selector == "ALL" || code.starts_with(selector.as_str()))
}

/// The rules of `all` that `layers` leave on, starting from those on by default.
fn selected(all: &[&'static dyn Rule], layers: &[&RuleSelection]) -> Vec<&'static dyn Rule> {
    let mut enabled: Vec<bool> = all.iter().map(|rule| rule.default_enabled()).collect();
    for layer in layers {
        for (rule, on) in all.iter().zip(enabled.iter_mut()) {
            let code = rule.code();
            if let Some(select) = &layer.select {
                *on = selects(select, code);
            }
            if selects(&layer.extend_select, code) {
                *on = true;
            }
            if selects(&layer.ignore, code) {
                *on = false;
            }
        }
    }
    all.iter()
        .zip(enabled)
        .filter(|(_, on)| *on)
        .map(|(rule, _)| *rule)
        .collect()
}

impl Settings {
    /// Keeps the rules named by `select` (all when empty) less those named by `ignore`.
    pub fn select_rules(&mut self, select: &[String], ignore: &[String]) -> Result<(), String> {
        let selection = RuleSelection {
            select: (!select.is_empty()).then(|| select.to_vec()),
            extend_select: Vec::new(),
            ignore: ignore.to_vec(),
        };
        if let Some(unknown) = selection.unknown_selectors().first() {
            return Err(format!(
                "unknown rule selector `{unknown}`; {}",
                known_selectors_hint()
            ));
        }
        self.apply_selections(&[&selection]);
        Ok(())
    }

    /// Starts from the rules on by default and applies each layer in turn: its `select`
    /// replaces the choice so far, `extend-select` adds, `ignore` removes. Selectors are
    /// assumed known.
    pub fn apply_selections(&mut self, layers: &[&RuleSelection]) {
        self.rules = selected(rules::ALL, layers);
    }

    /// Drops the rules `codes` name (per-file ignores).
    pub fn ignore_rules(&mut self, codes: &[String]) {
        self.rules.retain(|rule| !selects(codes, rule.code()));
    }
}

#[cfg(test)]
mod selection_tests {
    use super::*;
    use crate::rules::{Finding, FixSafety};
    use crate::source::SourceFile;

    /// A rule with only what selection reads.
    struct Fake(&'static str, bool);

    impl Rule for Fake {
        fn code(&self) -> &'static str {
            self.0
        }
        fn name(&self) -> &'static str {
            "fake"
        }
        fn doc(&self) -> &'static str {
            ""
        }
        fn default_enabled(&self) -> bool {
            self.1
        }
        fn fix_safety(&self) -> FixSafety {
            FixSafety {
                safe: false,
                unsafe_fix: false,
                no_fix: true,
            }
        }
        fn check(&self, _: &SourceFile, _: &Settings, _: &mut Vec<Finding>) {}
    }

    static ON: Fake = Fake("XX001", true);
    static OFF: Fake = Fake("XX002", false);
    static ALL: [&dyn Rule; 2] = [&ON, &OFF];

    fn codes(layers: &[&RuleSelection]) -> Vec<&'static str> {
        selected(&ALL, layers)
            .iter()
            .map(|rule| rule.code())
            .collect()
    }

    #[test]
    fn a_rule_off_by_default_runs_only_when_selected() {
        assert_eq!(codes(&[]), ["XX001"]);
        assert_eq!(codes(&[&RuleSelection::default()]), ["XX001"]);
        let extend = RuleSelection {
            extend_select: vec!["XX002".into()],
            ..RuleSelection::default()
        };
        assert_eq!(codes(&[&extend]), ["XX001", "XX002"]);
        let select = |selector: &str| RuleSelection {
            select: Some(vec![selector.into()]),
            ..RuleSelection::default()
        };
        assert_eq!(codes(&[&select("XX")]), ["XX001", "XX002"]);
        assert_eq!(codes(&[&select("ALL")]), ["XX001", "XX002"]);
        assert_eq!(codes(&[&select("XX002")]), ["XX002"]);
    }

    #[test]
    fn the_default_set_is_the_rules_on_by_default() {
        // Changing a rule's default is a decision (90% precision on real code): the
        // README's rule table and `--list-rules` say which rules run by default.
        let on: Vec<&str> = rules::ALL
            .iter()
            .filter(|rule| rule.default_enabled())
            .map(|rule| rule.code())
            .collect();
        assert_eq!(on, ["LK001"]);
        let default: Vec<&str> = Settings::default().rules.iter().map(|r| r.code()).collect();
        assert_eq!(default, on);
    }
}
