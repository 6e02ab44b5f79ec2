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
    pub const PY310: PythonVersion = PythonVersion {
        major: 3,
        minor: 10,
    };
    /// The versions `--target-version` accepts, ruff's spelling.
    pub const KNOWN: &'static [&'static str] = &[
        "py37", "py38", "py39", "py310", "py311", "py312", "py313", "py314",
    ];

    /// `X | None` is valid at run time from 3.10 on.
    pub fn has_union_operator(self) -> bool {
        self >= Self::PY310
    }
}

impl Default for PythonVersion {
    fn default() -> Self {
        Self::PY310
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

/// Everything a rule or the fix loop may consult.
#[derive(Clone)]
pub struct Settings {
    pub rules: Vec<&'static dyn Rule>,
    pub unsafe_fixes: bool,
    pub target_version: PythonVersion,
    /// LK002's threshold.
    pub large_allocation_bytes: u64,
    /// More qualified names (`mypkg.Registry`) whose calls LK001 treats as mutable.
    pub extend_mutable_calls: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rules: rules::ALL.to_vec(),
            unsafe_fixes: false,
            target_version: PythonVersion::default(),
            large_allocation_bytes: 10_000_000,
            extend_mutable_calls: Vec::new(),
        }
    }
}

impl Settings {
    /// Keeps the rules named by `select` (all when empty) less those named by `ignore`.
    /// Codes are matched by prefix, as ruff does (`LK` selects every rule).
    pub fn select_rules(&mut self, select: &[String], ignore: &[String]) -> Result<(), String> {
        for code in select.iter().chain(ignore) {
            if !rules::ALL
                .iter()
                .any(|rule| rule.code().starts_with(code.as_str()))
                && code != "ALL"
            {
                let known: Vec<&str> = rules::ALL.iter().map(|rule| rule.code()).collect();
                return Err(format!(
                    "unknown rule selector `{code}`; known rules: {}",
                    known.join(", ")
                ));
            }
        }
        let matches = |code: &str, selectors: &[String]| {
            selectors
                .iter()
                .any(|s| s == "ALL" || code.starts_with(s.as_str()))
        };
        self.rules = rules::ALL
            .iter()
            .copied()
            .filter(|rule| select.is_empty() || matches(rule.code(), select))
            .filter(|rule| !matches(rule.code(), ignore))
            .collect();
        Ok(())
    }
}
