//! The summary line: the counts a run's report is made of, and the sentence they make.

use std::collections::BTreeMap;

use crate::engine::Located;
use crate::fix::Applicability;

/// The counts the summary line is made of.
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// Files processed without error.
    pub(super) files: usize,
    /// Paths that could not be processed.
    pub(super) errors: usize,
    /// `--check`: findings, files holding any, and how many a run without `--check`
    /// would fix, with and without `--unsafe-fixes`.
    pub(super) findings: usize,
    pub(super) files_with_findings: usize,
    pub(super) fixable: usize,
    pub(super) fixable_unsafely: usize,
    /// Fixing: fixes applied, files changed, and the findings left by code.
    pub(super) fixes: usize,
    pub(super) files_changed: usize,
    pub(super) left_by_code: BTreeMap<&'static str, usize>,
    /// Of the findings left, those `--unsafe-fixes` would fix.
    pub(super) left_fixable_unsafely: usize,
    /// `--add-noqa`: the findings left that a `# noqa` comment now silences, by code.
    pub(super) silenced_by_code: BTreeMap<&'static str, usize>,
}

impl Tally {
    pub(super) fn count_fix(&mut self, located: &Located, unsafe_fixes: bool) {
        match located.finding.fix.as_ref().map(|fix| fix.applicability) {
            Some(Applicability::Safe) => self.fixable += 1,
            Some(Applicability::Unsafe) if unsafe_fixes => self.fixable += 1,
            Some(Applicability::Unsafe) => self.fixable_unsafely += 1,
            None => {}
        }
    }

    pub(super) fn count_left(&mut self, located: &Located, unsafe_fixes: bool) {
        *self.left_by_code.entry(located.finding.code).or_default() += 1;
        let unsafe_only = located
            .finding
            .fix
            .as_ref()
            .is_some_and(|fix| fix.applicability == Applicability::Unsafe);
        if unsafe_only && !unsafe_fixes {
            self.left_fixable_unsafely += 1;
        }
    }

    fn left(&self) -> usize {
        self.left_by_code.values().sum()
    }

    /// `(LK001: 2, LK002: 1)`.
    fn left_codes(&self) -> String {
        by_code(&self.left_by_code)
    }

    /// ` Silenced 2 findings with `# noqa` (LK001: 2).`, after `--add-noqa`.
    fn add_silenced(&self, summary: &mut String, verb: &str) {
        let silenced: usize = self.silenced_by_code.values().sum();
        if silenced > 0 {
            let summary_was_nothing = summary.starts_with("No findings");
            if summary_was_nothing {
                summary.clear();
            } else {
                summary.push(' ');
            }
            summary.push_str(&format!(
                "{verb} {} with `# noqa` {}.",
                count(silenced, "finding", "findings"),
                by_code(&self.silenced_by_code)
            ));
        }
    }

    /// `, 1 of them can be fixed with --unsafe-fixes`, when that is so.
    fn unsafe_tail(&self) -> String {
        if self.left_fixable_unsafely == 0 {
            String::new()
        } else {
            format!(
                ", {} of them can be fixed with --unsafe-fixes",
                self.left_fixable_unsafely
            )
        }
    }

    /// `Fixed 3 findings in 2 files; 1 finding left unfixed (LK001: 1).`
    pub(super) fn apply_summary(&self) -> String {
        let left = self.left();
        let mut summary = if self.fixes == 0 && left == 0 {
            self.nothing_found()
        } else {
            let fixed = if self.fixes == 0 {
                "Nothing fixed".to_string()
            } else {
                format!(
                    "Fixed {} in {}",
                    count(self.fixes, "finding", "findings"),
                    count(self.files_changed, "file", "files")
                )
            };
            if left == 0 {
                format!("{fixed}.")
            } else {
                format!(
                    "{fixed}; {} left unfixed {}{}.",
                    count(left, "finding", "findings"),
                    self.left_codes(),
                    self.unsafe_tail()
                )
            }
        };
        self.add_silenced(&mut summary, "Silenced");
        self.add_errors(&mut summary);
        summary
    }

    /// `Would fix 3 findings in 2 files; 1 finding has no fix (LK001: 1).`
    pub(super) fn dry_run_summary(&self) -> String {
        let left = self.left();
        let mut summary = if self.fixes == 0 && left == 0 {
            self.nothing_found()
        } else {
            let fixed = if self.fixes == 0 {
                "Nothing to fix".to_string()
            } else {
                format!(
                    "Would fix {} in {}",
                    count(self.fixes, "finding", "findings"),
                    count(self.files_changed, "file", "files")
                )
            };
            // With findings that only an unsafe fix repairs, "no fix" would be untrue.
            let no_fix = if self.left_fixable_unsafely == 0 {
                "no fix"
            } else {
                "no safe fix"
            };
            if left == 0 {
                format!("{fixed}.")
            } else {
                format!(
                    "{fixed}; {} {} {no_fix} {}{}.",
                    count(left, "finding", "findings"),
                    if left == 1 { "has" } else { "have" },
                    self.left_codes(),
                    self.unsafe_tail()
                )
            }
        };
        self.add_silenced(&mut summary, "Would silence");
        self.add_errors(&mut summary);
        summary
    }

    /// `Found 4 findings in 2 files; 3 can be fixed by running without --check.`
    pub(super) fn check_summary(&self) -> String {
        let mut summary = if self.findings == 0 {
            self.nothing_found()
        } else {
            let found = format!(
                "Found {} in {}",
                count(self.findings, "finding", "findings"),
                count(self.files_with_findings, "file", "files")
            );
            match (self.fixable, self.fixable_unsafely) {
                (0, 0) => format!("{found}; none can be fixed automatically."),
                (fixable, 0) => {
                    format!("{found}; {fixable} can be fixed by running without --check.")
                }
                (0, unsafely) => format!(
                    "{found}; {unsafely} can be fixed by running with --unsafe-fixes instead of --check."
                ),
                (fixable, unsafely) => format!(
                    "{found}; {fixable} can be fixed by running without --check, {unsafely} more with --unsafe-fixes."
                ),
            }
        };
        self.add_errors(&mut summary);
        summary
    }

    fn nothing_found(&self) -> String {
        match (self.files, self.errors) {
            (0, 0) => "No Python files found.".to_string(),
            // The errors sentence that follows says why.
            (0, _) => "Nothing checked.".to_string(),
            (files, _) => format!("No findings in {}.", count(files, "file", "files")),
        }
    }

    fn add_errors(&self, summary: &mut String) {
        if self.errors > 0 {
            summary.push_str(&format!(
                " {} could not be processed.",
                count(self.errors, "path", "paths")
            ));
        }
    }
}

/// `(LK001: 2, LK002: 1)`.
fn by_code(counts: &BTreeMap<&'static str, usize>) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(code, count)| format!("{code}: {count}"))
        .collect();
    format!("({})", parts.join(", "))
}

/// `1 finding`, `2 findings`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally_left(fixes: usize, files_changed: usize, left: &[(&'static str, usize)]) -> Tally {
        Tally {
            files: 3,
            fixes,
            files_changed,
            left_by_code: left.iter().copied().collect(),
            ..Tally::default()
        }
    }

    #[test]
    fn apply_summaries_are_plain_english() {
        assert_eq!(
            tally_left(3, 2, &[("LK001", 1)]).apply_summary(),
            "Fixed 3 findings in 2 files; 1 finding left unfixed (LK001: 1)."
        );
        assert_eq!(
            tally_left(1, 1, &[]).apply_summary(),
            "Fixed 1 finding in 1 file."
        );
        assert_eq!(
            tally_left(0, 0, &[("LK001", 2), ("LK002", 1)]).apply_summary(),
            "Nothing fixed; 3 findings left unfixed (LK001: 2, LK002: 1)."
        );
        assert_eq!(
            tally_left(0, 0, &[]).apply_summary(),
            "No findings in 3 files."
        );
    }

    #[test]
    fn dry_run_summaries_say_what_would_happen() {
        assert_eq!(
            tally_left(3, 2, &[("LK001", 1)]).dry_run_summary(),
            "Would fix 3 findings in 2 files; 1 finding has no fix (LK001: 1)."
        );
        let mut tally = tally_left(0, 0, &[("LK001", 2)]);
        tally.left_fixable_unsafely = 1;
        tally.errors = 1;
        assert_eq!(
            tally.dry_run_summary(),
            "Nothing to fix; 2 findings have no safe fix (LK001: 2), 1 of them can be fixed with --unsafe-fixes. 1 path could not be processed."
        );
    }

    #[test]
    fn check_summaries_say_how_to_fix() {
        let tally = Tally {
            files: 5,
            findings: 4,
            files_with_findings: 2,
            fixable: 3,
            ..Tally::default()
        };
        assert_eq!(
            tally.check_summary(),
            "Found 4 findings in 2 files; 3 can be fixed by running without --check."
        );
        let tally = Tally {
            findings: 1,
            files_with_findings: 1,
            fixable_unsafely: 1,
            ..Tally::default()
        };
        assert_eq!(
            tally.check_summary(),
            "Found 1 finding in 1 file; 1 can be fixed by running with --unsafe-fixes instead of --check."
        );
        assert_eq!(Tally::default().check_summary(), "No Python files found.");
        let only_errors = Tally {
            errors: 2,
            ..Tally::default()
        };
        assert_eq!(
            only_errors.check_summary(),
            "Nothing checked. 2 paths could not be processed."
        );
    }
}
