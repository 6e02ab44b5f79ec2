//! Everything the command prints: findings, diffs, errors and the summary line. Kept in
//! one place so that other output formats can be added here alone.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::cli::Mode;
use crate::engine::Located;
use crate::fix::Applicability;
use crate::run::{FileOutcome, FileReport};
use crate::walk::Walked;

/// Prints the report of a run on stdout and stderr. A closed stdout (`| head`) ends
/// the printing quietly: the run's work is already done and its exit code stands.
pub fn print(mode: Mode, walked: &Walked, files: &[FileReport]) {
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = BufWriter::new(stdout.lock());
    let mut err = BufWriter::new(stderr.lock());
    let _ = write_report(&mut out, &mut err, mode, walked, files)
        .and_then(|()| out.flush())
        .and_then(|()| err.flush());
}

/// Writes the report: findings and diffs on `out`, errors on `err`, and the summary on
/// `out` when fixing in place (it belongs with the findings left) and on `err` otherwise
/// (stdout then holds only findings, or only a patch).
pub fn write_report(
    out: &mut impl Write,
    err: &mut impl Write,
    mode: Mode,
    walked: &Walked,
    files: &[FileReport],
) -> io::Result<()> {
    for warning in &walked.warnings {
        writeln!(err, "warning: {}", warning.message)?;
    }
    for error in &walked.errors {
        if error.path.as_os_str().is_empty() {
            writeln!(err, "error: {}", error.message)?;
        } else {
            writeln!(err, "error: {}: {}", error.path.display(), error.message)?;
        }
    }
    let mut tally = Tally {
        errors: walked.errors.len(),
        ..Tally::default()
    };
    for file in files {
        match &file.outcome {
            Err(cause) => {
                tally.errors += 1;
                writeln!(err, "error: {}: {cause}", file.path.display())?;
            }
            Ok(FileOutcome::Checked { findings }) => {
                tally.files += 1;
                tally.files_with_findings += usize::from(!findings.is_empty());
                tally.findings += findings.len();
                for located in findings {
                    tally.count_fix(located, file.unsafe_fixes);
                    write_finding(out, &file.path, located)?;
                }
            }
            Ok(FileOutcome::Fixed(fixed)) => {
                tally.files += 1;
                tally.files_changed += usize::from(fixed.changed);
                tally.fixes += fixed.applied.len();
                for located in &fixed.remaining {
                    tally.count_left(located, file.unsafe_fixes);
                    if mode == Mode::Apply {
                        write_finding(out, &file.path, located)?;
                    }
                }
                if let Some(diff) = &fixed.diff {
                    out.write_all(diff.as_bytes())?;
                }
            }
        }
    }
    let summary = match mode {
        Mode::Apply => tally.apply_summary(),
        Mode::DryRun => tally.dry_run_summary(),
        Mode::Check => tally.check_summary(),
    };
    match mode {
        Mode::Apply => writeln!(out, "{summary}"),
        Mode::DryRun | Mode::Check => writeln!(err, "{summary}"),
    }
}

/// Prints an error that stops the run before any file is processed.
pub fn print_error(message: &str) {
    eprintln!("error: {message}");
}

fn write_finding(out: &mut impl Write, path: &Path, located: &Located) -> io::Result<()> {
    writeln!(
        out,
        "{}:{}:{}: {} {}",
        path.display(),
        located.start.line,
        located.start.column,
        located.finding.code,
        located.finding.message
    )
}

/// The counts the summary line is made of.
#[derive(Debug, Default)]
struct Tally {
    /// Files processed without error.
    files: usize,
    /// Paths that could not be processed.
    errors: usize,
    /// `--check`: findings, files holding any, and how many a run without `--check`
    /// would fix, with and without `--unsafe-fixes`.
    findings: usize,
    files_with_findings: usize,
    fixable: usize,
    fixable_unsafely: usize,
    /// Fixing: fixes applied, files changed, and the findings left by code.
    fixes: usize,
    files_changed: usize,
    left_by_code: BTreeMap<&'static str, usize>,
    /// Of the findings left, those `--unsafe-fixes` would fix.
    left_fixable_unsafely: usize,
}

impl Tally {
    fn count_fix(&mut self, located: &Located, unsafe_fixes: bool) {
        match located.finding.fix.as_ref().map(|fix| fix.applicability) {
            Some(Applicability::Safe) => self.fixable += 1,
            Some(Applicability::Unsafe) if unsafe_fixes => self.fixable += 1,
            Some(Applicability::Unsafe) => self.fixable_unsafely += 1,
            None => {}
        }
    }

    fn count_left(&mut self, located: &Located, unsafe_fixes: bool) {
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
        let parts: Vec<String> = self
            .left_by_code
            .iter()
            .map(|(code, count)| format!("{code}: {count}"))
            .collect();
        format!("({})", parts.join(", "))
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
    fn apply_summary(&self) -> String {
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
        self.add_errors(&mut summary);
        summary
    }

    /// `Would fix 3 findings in 2 files; 1 finding has no fix (LK001: 1).`
    fn dry_run_summary(&self) -> String {
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
        self.add_errors(&mut summary);
        summary
    }

    /// `Found 4 findings in 2 files; 3 can be fixed by running without --check.`
    fn check_summary(&self) -> String {
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
