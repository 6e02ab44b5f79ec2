//! The command line: what a user can ask for, and the help text that tells them how.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{ArgAction, Parser};

use crate::config::Overrides;
use crate::report::{ColorChoice, OutputFormat, Style};
use crate::settings::{PythonVersion, RuleSelection};

const AFTER_HELP: &str = "\
Modes:
  (default)    Fix the files in place, then list the findings that could not be fixed.
  --dry-run    Write nothing; print the fixes as a unified diff on stdout, and list the
               findings it leaves on stderr. `git apply` in the same directory makes
               exactly the in-place fixes; when a file is outside the current
               directory, every path is absolute: `patch -p1 -d / < PATCH`.
  --check      Write nothing; list every finding as PATH:LINE:COL: CODE message.

Files:
  Directories are searched for *.py files. Files and directories matched by .gitignore
  or .ignore are skipped (inside a git repository or not), and so are directories named
  .git .venv venv .tox .nox build dist node_modules site-packages __pycache__.
  A file named on the command line is always processed, whatever its name, except
  type stubs (*.pyi), which are always skipped. A file is read as UTF-8 unless a PEP 263
  `coding:` comment on its first or second line names latin-1, cp1252 or ascii (or an
  alias): then it is read and written back in that encoding. Any other declared
  encoding is refused with an error. A byte-order mark, line endings, tabs and a
  missing final newline are all kept as they are.

Standard input:
  `pyleak-fix --stdin-filename PATH -` reads the source from stdin; fixing writes the
  fixed source to stdout (findings and summary to stderr); --dry-run prints the diff and
  --check the findings. PATH decides the configuration and per-file ignores.

Configuration:
  [tool.pyleak-fix] in pyproject.toml, or pyleak-fix.toml (same keys, no table), in the
  file's directory or the closest one above it. Keys: select, ignore, extend-select,
  exclude, extend-exclude, per-file-ignores, unsafe-fixes, target-version,
  large-allocation-bytes, extend-mutable-calls, max-file-bytes, cache-dir. Options
  given here override them.

Suppressions:
  `# noqa` or `# noqa: LK001` on the line a finding starts on (`# noqa: B006` also
  silences LK001); `# pyleak-fix: noqa`, `# ruff: noqa` or `# flake8: noqa` on a line
  of its own silences the whole file (`# ruff: noqa: B006`: those codes only).

Cache:
  Results are kept in .pyleak_fix_cache at the project root (the directory of the
  configuration that governs the current directory, else the current directory), so
  that files unchanged since the last run with the same settings and build are not
  parsed again. A file's bytes are hashed: a cached result is used only for the very
  same bytes. --no-cache neither reads nor writes it; --cache-dir, PYLEAK_FIX_CACHE_DIR
  or the cache-dir setting move it.

Commands:
  pyleak-fix rule CODE   Print a rule's documentation (`pyleak-fix rule --all`: every
                         rule's). To process a path named `rule`, write `./rule`.
  pyleak-fix clean       Remove the cache (of this directory's project).

Examples:
  pyleak-fix --check .                  List the findings, change nothing
  pyleak-fix --dry-run src > fix.patch  Review the fixes; then `git apply fix.patch`
  pyleak-fix src tests                  Fix in place
  pyleak-fix --select LK001 app.py      Run one rule on one file
  pyleak-fix --unsafe-fixes .           Also apply fixes that may change behaviour
  pyleak-fix --check --statistics .     Count the findings per rule
  pyleak-fix --add-noqa .               Fix, then silence what is left with # noqa

Exit status:
  0  nothing left to report (or findings, with --exit-zero)
  1  findings: any finding under --check or --dry-run; findings left unfixed otherwise;
     with --exit-non-zero-on-fix, also any file fixed
  2  error: bad arguments or configuration (nothing is processed), or a file that could
     not be read, decoded, parsed or written (every other file is still processed)";

/// Finds Python code that keeps memory alive longer than intended (mutable default
/// arguments, large module-level allocations, reference cycles) and rewrites it with
/// byte-exact patches that keep comments and layout.
#[derive(Debug, Clone, Parser)]
#[command(name = "pyleak-fix", version, after_help = AFTER_HELP)]
pub struct Args {
    /// Files or directories to process [default: .]; `-` reads the source from standard
    /// input (see --stdin-filename).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Write nothing; list every finding and exit 1 if there is any.
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,

    /// Write nothing; print the fixes as a unified diff and exit 1 if there is any finding.
    #[arg(long, visible_alias = "diff")]
    pub dry_run: bool,

    /// Also apply (or show) fixes that may change behaviour someone relies on.
    #[arg(long, overrides_with = "no_unsafe_fixes")]
    pub unsafe_fixes: bool,

    /// Do not apply unsafe fixes, whatever the configuration says.
    #[arg(long, overrides_with = "unsafe_fixes")]
    pub no_unsafe_fixes: bool,

    /// Run only these rules (comma-separated codes or prefixes, e.g. LK001 or LK; ALL for all).
    #[arg(long, value_name = "CODES", value_delimiter = ',', action = ArgAction::Append)]
    pub select: Vec<String>,

    /// Run these rules too, on top of those selected.
    #[arg(long, value_name = "CODES", value_delimiter = ',', action = ArgAction::Append)]
    pub extend_select: Vec<String>,

    /// Do not run these rules (comma-separated codes or prefixes).
    #[arg(long, value_name = "CODES", value_delimiter = ',', action = ArgAction::Append)]
    pub ignore: Vec<String>,

    /// The oldest Python the code must run on; decides how fixes are spelled
    /// (`Optional[T]` and `functools.lru_cache(maxsize=None)` below py310 and py39)
    /// [default: the configuration's target-version, else the oldest Python the closest
    /// project declares (pyproject.toml `project.requires-python`, else setup.cfg
    /// `options.python_requires`, else a literal `python_requires=` in setup.py), else
    /// py37, the oldest, so that a fix never uses what an older Python lacks].
    #[arg(long, value_name = "pyXY", value_parser = parse_python_version)]
    pub target_version: Option<PythonVersion>,

    /// LK002's threshold: allocations of at least this many bytes are reported.
    /// `_` separators are allowed: 50_000_000.
    #[arg(long, value_name = "BYTES", value_parser = parse_byte_count)]
    pub large_allocation_bytes: Option<u64>,

    /// Refuse, unread, files larger than this many bytes [default: 100_000_000].
    #[arg(long, value_name = "BYTES", value_parser = parse_byte_count)]
    pub max_file_bytes: Option<u64>,

    /// Parse every file, even those no selected rule's prefilter admits (for testing
    /// that the prefilters hide no finding; slower).
    #[arg(long, hide = true)]
    pub no_prefilter: bool,

    /// Use this configuration file for every path (a pyleak-fix.toml, or a pyproject.toml
    /// read for its [tool.pyleak-fix] table) instead of looking for one above each file.
    #[arg(long, value_name = "PATH", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,

    /// Read no configuration file: the defaults and the command line only.
    #[arg(long)]
    pub isolated: bool,

    /// Apply the configured `exclude` to paths named on the command line too (for
    /// pre-commit, which names every staged file).
    #[arg(long)]
    pub force_exclude: bool,

    /// How to list findings (--dry-run prints a patch whatever the format).
    #[arg(
        long,
        value_name = "FORMAT",
        value_enum,
        default_value_t,
        env = "PYLEAK_FIX_OUTPUT_FORMAT"
    )]
    pub output_format: OutputFormat,

    /// When to colour the output (NO_COLOR is honoured in auto).
    #[arg(long, value_name = "WHEN", value_enum, default_value_t)]
    pub color: ColorChoice,

    /// The path of the source read from standard input: it decides the configuration and
    /// the per-file ignores, and names the file in findings and diffs. Implies `-`.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// Exit 0 even when findings are left (errors still exit 2).
    #[arg(long, conflicts_with = "exit_non_zero_on_fix")]
    pub exit_zero: bool,

    /// Exit 1 when any file was fixed (or would be), even if no finding is left.
    #[arg(long)]
    pub exit_non_zero_on_fix: bool,

    /// Instead of each finding, one line per rule: count, code, whether some finding has
    /// a fix this run would apply (`[*]`), name. With --check: every finding; fixing:
    /// those left.
    #[arg(long, conflicts_with_all = ["dry_run", "add_noqa"])]
    pub statistics: bool,

    /// After fixing (in place, or as a diff with --dry-run), add `# noqa: CODE` to each
    /// line with a finding left, merged into an existing `# noqa: ...`, so that the next
    /// run is clean and the findings can be fixed over time.
    #[arg(long, conflicts_with = "check")]
    pub add_noqa: bool,

    /// List every rule: code, name and whether it can fix what it finds; then exit.
    #[arg(long)]
    pub list_rules: bool,

    /// List the files that would be processed, after excludes; then exit.
    #[arg(long)]
    pub show_files: bool,

    /// Neither read nor write the cache: process every file.
    #[arg(long)]
    pub no_cache: bool,

    /// Keep the cache in this directory [default: the `cache-dir` setting, else
    /// `.pyleak_fix_cache` at the project root].
    #[arg(long, value_name = "PATH", env = crate::cache::DIR_ENV_VAR)]
    pub cache_dir: Option<PathBuf>,
}

/// `pyleak-fix clean`: remove the cache.
#[derive(Debug, Clone, Parser)]
#[command(name = "pyleak-fix clean", version)]
pub struct CleanArgs {
    /// The cache to remove [default: the one a run in this directory uses].
    #[arg(long, value_name = "PATH", env = crate::cache::DIR_ENV_VAR)]
    pub cache_dir: Option<PathBuf>,

    /// Read no configuration file (for the `cache-dir` setting).
    #[arg(long)]
    pub isolated: bool,
}

/// `pyleak-fix rule CODE`: print a rule's documentation.
#[derive(Debug, Clone, Parser)]
#[command(name = "pyleak-fix rule", version)]
pub struct RuleArgs {
    /// The rule's code, e.g. LK001.
    #[arg(value_name = "CODE", required_unless_present = "all")]
    pub code: Option<String>,

    /// Print the documentation of every rule.
    #[arg(long, conflicts_with = "code")]
    pub all: bool,
}

/// What the command line asks for.
#[derive(Debug, Clone)]
pub enum Command {
    /// Process paths (or standard input).
    Run(Args),
    /// `pyleak-fix rule ...`.
    Rule(RuleArgs),
    /// `pyleak-fix clean`.
    Clean(CleanArgs),
}

/// Parses the process's arguments. A first argument of exactly `rule` or `clean` is that
/// subcommand; anything else is the path-processing command, so `pyleak-fix [OPTIONS]
/// [PATH]...` keeps working as it always has. A file or directory named `rule` or
/// `clean` is reached as `./rule`, or with any option before it. Usage errors exit 2, as
/// clap does.
pub fn parse() -> Command {
    parse_from(std::env::args_os())
}

pub fn parse_from(args: impl IntoIterator<Item = OsString>) -> Command {
    let args: Vec<OsString> = args.into_iter().collect();
    if args.get(1).is_some_and(|first| first == "rule") {
        let rest = args[2..].iter().cloned();
        Command::Rule(RuleArgs::parse_from(
            std::iter::once(OsString::from("pyleak-fix rule")).chain(rest),
        ))
    } else if args.get(1).is_some_and(|first| first == "clean") {
        let rest = args[2..].iter().cloned();
        Command::Clean(CleanArgs::parse_from(
            std::iter::once(OsString::from("pyleak-fix clean")).chain(rest),
        ))
    } else {
        Command::Run(Args::parse_from(args))
    }
}

fn parse_byte_count(text: &str) -> Result<u64, String> {
    match text.replace('_', "").parse::<u64>() {
        Ok(bytes) if bytes > 0 => Ok(bytes),
        _ => Err(format!("`{text}` is not a whole number of bytes above 0")),
    }
}

fn parse_python_version(text: &str) -> Result<PythonVersion, String> {
    text.parse()
}

pub use crate::outcome::Mode;

impl Args {
    /// What the command line sets over the configuration files.
    pub fn overrides(&self) -> Overrides {
        let unsafe_fixes = if self.unsafe_fixes {
            Some(true)
        } else if self.no_unsafe_fixes {
            Some(false)
        } else {
            None
        };
        Overrides {
            rules: RuleSelection {
                select: (!self.select.is_empty()).then(|| self.select.clone()),
                extend_select: self.extend_select.clone(),
                ignore: self.ignore.clone(),
            },
            unsafe_fixes,
            target_version: self.target_version,
            large_allocation_bytes: self.large_allocation_bytes,
            max_file_bytes: self.max_file_bytes,
            no_prefilter: self.no_prefilter,
            add_noqa: self.add_noqa,
        }
    }

    /// How to print, from `--output-format`, `--color`, `NO_COLOR` and whether stdout
    /// is a terminal.
    pub fn style(&self, cwd: &Path) -> Style {
        let no_color = std::env::var("NO_COLOR").ok();
        Style {
            format: self.output_format,
            color: !self.output_format.is_machine_readable()
                && self
                    .color
                    .enabled(std::io::stdout().is_terminal(), no_color.as_deref()),
            cwd: cwd.to_path_buf(),
            statistics: self.statistics,
        }
    }

    /// The paths to process: `.` when none is named.
    pub fn paths(&self) -> Vec<PathBuf> {
        if self.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.paths.clone()
        }
    }

    /// Whether the source comes from standard input: `-` alone, or `--stdin-filename`
    /// with no path.
    pub fn reads_stdin(&self) -> bool {
        match self.paths.as_slice() {
            [] => self.stdin_filename.is_some(),
            [only] => only.as_os_str() == "-",
            _ => false,
        }
    }

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
        assert_eq!(args.paths(), [PathBuf::from(".")]);
        assert!(!args.reads_stdin());
    }

    #[test]
    fn rule_as_the_first_argument_is_the_subcommand_and_elsewhere_a_path() {
        let parse = |args: &[&str]| parse_from(args.iter().map(OsString::from));
        match parse(&["pyleak-fix", "rule", "LK001"]) {
            Command::Rule(rule) => assert_eq!(rule.code.as_deref(), Some("LK001")),
            other => panic!("{other:?}"),
        }
        match parse(&["pyleak-fix", "./rule"]) {
            Command::Run(args) => assert_eq!(args.paths, [PathBuf::from("./rule")]),
            other => panic!("{other:?}"),
        }
        match parse(&["pyleak-fix", "--check", "rule"]) {
            Command::Run(args) => assert_eq!(args.paths, [PathBuf::from("rule")]),
            other => panic!("{other:?}"),
        }
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
