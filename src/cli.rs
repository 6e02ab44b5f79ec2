//! The command line: what a user can ask for, and the help text that tells them how.

use std::path::PathBuf;

use clap::{ArgAction, Parser};

use crate::settings::PythonVersion;

const AFTER_HELP: &str = "\
Modes:
  (default)    Fix the files in place, then list the findings that could not be fixed.
  --dry-run    Write nothing; print the fixes as a unified diff on stdout. Running
               `git apply` on it in the same directory makes exactly the in-place fixes.
  --check      Write nothing; list every finding as PATH:LINE:COL: CODE message.

Files:
  Directories are searched for *.py files. Files and directories matched by .gitignore
  or .ignore are skipped (inside a git repository or not), and so are directories named
  .git .venv venv .tox .nox build dist node_modules site-packages __pycache__.
  A file named on the command line is always processed, whatever its name, except
  type stubs (*.pyi), which are always skipped. Files must be UTF-8; a byte-order mark,
  line endings, tabs and a missing final newline are all kept as they are.

Examples:
  pyleak-fix --check .                  List the findings, change nothing
  pyleak-fix --dry-run src > fix.patch  Review the fixes; then `git apply fix.patch`
  pyleak-fix src tests                  Fix in place
  pyleak-fix --select LK001 app.py      Run one rule on one file
  pyleak-fix --unsafe-fixes .           Also apply fixes that may change behaviour

Exit status:
  0  nothing left to report
  1  findings: any finding under --check or --dry-run; findings left unfixed otherwise
  2  error: bad arguments, or a file that could not be read, decoded, parsed or written
     (every other file is still processed)";

/// Finds Python code that keeps memory alive longer than intended (mutable default
/// arguments, large module-level allocations) and rewrites it with byte-exact patches that keep comments and layout.
#[derive(Debug, Clone, Parser)]
#[command(name = "pyleak-fix", version, after_help = AFTER_HELP)]
pub struct Args {
    /// Files or directories to process.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Write nothing; list every finding and exit 1 if there is any.
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,

    /// Write nothing; print the fixes as a unified diff and exit 1 if there is any finding.
    #[arg(long, visible_alias = "diff")]
    pub dry_run: bool,

    /// Also apply (or show) fixes that may change behaviour someone relies on.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Run only these rules (comma-separated codes or prefixes, e.g. LK001 or LK; ALL for all).
    #[arg(long, value_name = "CODES", value_delimiter = ',', action = ArgAction::Append)]
    pub select: Vec<String>,

    /// Do not run these rules (comma-separated codes or prefixes).
    #[arg(long, value_name = "CODES", value_delimiter = ',', action = ArgAction::Append)]
    pub ignore: Vec<String>,

    /// The oldest Python the code must run on; decides how fixes are spelled.
    #[arg(long, value_name = "pyXY", default_value = "py310", value_parser = parse_python_version)]
    pub target_version: PythonVersion,

    /// LK002 reports module-level values estimated at this many bytes or more
    /// [default: 10000000] (`_` separators allowed: 50_000_000).
    #[arg(long, value_name = "N", value_parser = parse_byte_count)]
    pub large_allocation_bytes: Option<u64>,
}

fn parse_byte_count(text: &str) -> Result<u64, String> {
    text.replace('_', "")
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of bytes"))
}

fn parse_python_version(text: &str) -> Result<PythonVersion, String> {
    text.parse()
}

/// Which of the three things a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Fix in place.
    Apply,
    /// Print the fixes as a diff.
    DryRun,
    /// List the findings.
    Check,
}

impl Args {
    pub fn mode(&self) -> Mode {
        if self.check {
            Mode::Check
        } else if self.dry_run {
            Mode::DryRun
        } else {
            Mode::Apply
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Args::command().debug_assert();
    }

    #[test]
    fn codes_split_on_commas_and_repeat() {
        let args =
            Args::try_parse_from(["pyleak-fix", "--select", "LK001,LK2", "--select=LK3"]).unwrap();
        assert_eq!(args.select, ["LK001", "LK2", "LK3"]);
        assert_eq!(args.paths, [PathBuf::from(".")]);
    }

    #[test]
    fn large_allocation_bytes_accepts_separators_and_defaults_to_none() {
        let args =
            Args::try_parse_from(["pyleak-fix", "--large-allocation-bytes", "50_000_000"]).unwrap();
        assert_eq!(args.large_allocation_bytes, Some(50_000_000));
        assert_eq!(
            Args::try_parse_from(["pyleak-fix"])
                .unwrap()
                .large_allocation_bytes,
            None
        );
        assert!(Args::try_parse_from(["pyleak-fix", "--large-allocation-bytes", "10MB"]).is_err());
    }

    #[test]
    fn check_and_dry_run_conflict() {
        let error = Args::try_parse_from(["pyleak-fix", "--check", "--diff"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ArgumentConflict);
    }
}
