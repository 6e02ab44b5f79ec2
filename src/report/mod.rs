//! Everything the command prints: findings (in each output format), diffs, errors and
//! the summary line. Kept in one place so that what the tool says, and how, is decided
//! here alone.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::{json, Value};

use crate::config::absolute;
use crate::diff::{fix_diff, PatchBase};
use crate::engine::Located;
use crate::fix::Fix;
use crate::outcome::{FileOutcome, FileReport, Mode};
use crate::rules;
use crate::rules::Finding;
use crate::source::{LineIndex, Location};
use crate::statistics;
use crate::walk::Walked;

mod summary;

use summary::Tally;

/// How findings are listed; ruff's names for the formats it shares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `PATH:LINE:COL: CODE message`, one line each.
    #[default]
    Concise,
    /// The concise line, the source line with a caret under the finding, and the fix as
    /// a diff.
    Full,
    /// A JSON array with ruff's field names.
    Json,
    /// GitHub Actions workflow commands, which annotate the lines in a pull request.
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

impl OutputFormat {
    /// Formats that another program reads: nothing else may go to stdout with them.
    pub fn is_machine_readable(self) -> bool {
        matches!(
            self,
            OutputFormat::Json | OutputFormat::Github | OutputFormat::Sarif
        )
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour, given whether stdout is a terminal and the value of
    /// `NO_COLOR` (<https://no-color.org>: any non-empty value turns colour off; an
    /// explicit `--color always` still wins, as the convention asks).
    pub fn enabled(self, stdout_is_terminal: bool, no_color: Option<&str>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stdout_is_terminal && no_color.is_none_or(str::is_empty),
        }
    }
}

/// How to print: the format, whether in colour, and the directory relative paths are
/// relative to (JSON and SARIF name files absolutely, as ruff does).
#[derive(Debug, Clone)]
pub struct Style {
    pub format: OutputFormat,
    pub color: bool,
    pub cwd: PathBuf,
    /// `--statistics`: one line per rule instead of one per finding.
    pub statistics: bool,
}

impl Style {
    pub fn plain(cwd: &Path) -> Self {
        Style {
            format: OutputFormat::Concise,
            color: false,
            cwd: cwd.to_path_buf(),
            statistics: false,
        }
    }

    /// Wraps `text` in an ANSI colour when colour is on.
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }

    fn cyan(&self, text: &str) -> String {
        self.paint("36", text)
    }

    /// A unified diff with removed lines red, added lines green, hunk headers cyan.
    fn diff(&self, diff: &str) -> String {
        if !self.color {
            return diff.to_string();
        }
        diff.split_inclusive('\n')
            .map(|line| {
                let (body, newline) = match line.strip_suffix('\n') {
                    Some(body) => (body, "\n"),
                    None => (line, ""),
                };
                let code = if body.starts_with("---") || body.starts_with("+++") {
                    "1"
                } else if body.starts_with('-') {
                    "31"
                } else if body.starts_with('+') {
                    "32"
                } else if body.starts_with("@@") {
                    "36"
                } else {
                    return line.to_string();
                };
                format!("{}{newline}", self.paint(code, body))
            })
            .collect()
    }
}

/// A finding to list, with the file it is in and that file's text (the text the
/// finding's locations and fix refer to).
struct Listed<'a> {
    path: &'a Path,
    located: &'a Located,
    source: &'a str,
    /// Whether unsafe fixes are on for the file.
    unsafe_fixes: bool,
}

/// Writes the report of a run: findings and diffs on `out`, errors on `err`, and the
/// summary on `out` when fixing in place with a human format (it belongs with the
/// findings left) and on `err` otherwise (stdout then holds only findings, a patch, or a
/// document another program reads). `--dry-run` always prints its patch, whatever the
/// format.
///
/// The files come one at a time, in path order ([`Reporter::file`]), and each is
/// written as soon as it comes and then dropped, with its text: a run holds the text of
/// no file it has reported. Only what the end of the report needs is kept: the JSON or
/// SARIF document's values, `--statistics`' counts, and `--dry-run`'s diffs (their
/// `---`/`+++` names depend on every file patched) and the findings they leave.
pub struct Reporter<'a, O: Write, E: Write> {
    out: &'a mut O,
    err: &'a mut E,
    mode: Mode,
    style: &'a Style,
    tally: Tally,
    /// JSON and SARIF: each finding's value, in order.
    values: Vec<Value>,
    /// `--statistics`: each finding, and whether unsafe fixes were on for its file.
    counted: Vec<(Located, bool)>,
    /// `--dry-run`: the files with a diff, named once every file is processed.
    patched: Vec<FileReport>,
    /// `--dry-run`: the findings its patch leaves, listed on `err` after it.
    left_by_patch: Vec<(PathBuf, Located)>,
}

impl<'a, O: Write, E: Write> Reporter<'a, O, E> {
    /// Starts the report with what the walk found wrong.
    pub fn new(
        out: &'a mut O,
        err: &'a mut E,
        mode: Mode,
        style: &'a Style,
        walked: &Walked,
    ) -> io::Result<Self> {
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
        Ok(Reporter {
            out,
            err,
            mode,
            style,
            tally: Tally {
                errors: walked.errors.len(),
                ..Tally::default()
            },
            values: Vec::new(),
            counted: Vec::new(),
            patched: Vec::new(),
            left_by_patch: Vec::new(),
        })
    }

    /// Reports the next file.
    pub fn file(&mut self, file: FileReport) -> io::Result<()> {
        let unsafe_fixes = file.unsafe_fixes;
        match &file.outcome {
            Err(cause) => {
                self.tally.errors += 1;
                writeln!(self.err, "error: {}: {cause}", file.path.display())?;
            }
            Ok(FileOutcome::Checked { findings, source }) => {
                self.tally.files += 1;
                self.tally.files_with_findings += usize::from(!findings.is_empty());
                self.tally.findings += findings.len();
                let mut indexes = LineIndexes::default();
                for located in findings {
                    self.tally.count_fix(located, unsafe_fixes);
                    let listed = Listed {
                        path: &file.path,
                        located,
                        source,
                        unsafe_fixes,
                    };
                    self.list(&listed, &mut indexes)?;
                }
            }
            Ok(FileOutcome::Fixed(fixed)) => {
                self.tally.files += 1;
                // A file `--add-noqa` only commented is not counted as fixed.
                let fixed_some = fixed.silenced.is_empty() || !fixed.applied.is_empty();
                self.tally.files_changed += usize::from(fixed.changed && fixed_some);
                self.tally.fixes += fixed.applied.len();
                for code in &fixed.silenced {
                    *self.tally.silenced_by_code.entry(code).or_default() += 1;
                }
                let mut indexes = LineIndexes::default();
                for located in &fixed.remaining {
                    self.tally.count_left(located, unsafe_fixes);
                    match self.mode {
                        Mode::Apply => {
                            let listed = Listed {
                                path: &file.path,
                                located,
                                source: &fixed.source,
                                unsafe_fixes,
                            };
                            self.list(&listed, &mut indexes)?;
                        }
                        Mode::DryRun => self
                            .left_by_patch
                            .push((file.path.clone(), located.clone())),
                        Mode::Check => {}
                    }
                }
                if fixed.diff.is_some() {
                    self.patched.push(file);
                }
            }
        }
        Ok(())
    }

    /// Writes one finding in the chosen format, or keeps what the end needs of it.
    fn list(&mut self, listed: &Listed, indexes: &mut LineIndexes) -> io::Result<()> {
        if self.style.statistics {
            self.counted
                .push((listed.located.clone(), listed.unsafe_fixes));
            return Ok(());
        }
        match self.style.format {
            OutputFormat::Concise => write_concise(self.out, self.style, listed),
            OutputFormat::Full => write_full(self.out, self.style, listed, indexes),
            OutputFormat::Github => write_github(self.out, listed),
            OutputFormat::Json => {
                let value = json_finding(listed, &self.style.cwd, indexes);
                self.values.push(value);
                Ok(())
            }
            OutputFormat::Sarif => {
                let value = sarif_result(listed, &self.style.cwd, indexes);
                self.values.push(value);
                Ok(())
            }
        }
    }

    /// Ends the report: names the diffs with `name_diffs` (which returns the base their
    /// names are relative to) and prints them, the document or statistics a format
    /// keeps for the end, what the patch leaves, and the summary.
    pub fn finish(
        self,
        name_diffs: impl FnOnce(&mut [FileReport]) -> PatchBase,
    ) -> io::Result<PatchBase> {
        let Reporter {
            out,
            err,
            mode,
            style,
            tally,
            values,
            counted,
            mut patched,
            left_by_patch,
        } = self;
        let base = name_diffs(&mut patched);
        for file in &patched {
            if let Ok(FileOutcome::Fixed(fixed)) = &file.outcome {
                if let Some(hunks) = &fixed.diff {
                    let diff = [fixed.diff_header.as_slice(), hunks].concat();
                    // A diff in another encoding than UTF-8 (or naming a file whose name
                    // is not UTF-8) goes out as it is, uncoloured.
                    match std::str::from_utf8(&diff) {
                        Ok(diff) => out.write_all(style.diff(diff).as_bytes())?,
                        Err(_) => out.write_all(&diff)?,
                    }
                }
            }
        }
        if mode != Mode::DryRun {
            if style.statistics {
                write_statistics(out, style, &counted)?;
            } else {
                match style.format {
                    OutputFormat::Json => {
                        writeln!(out, "{}", to_pretty_json(&Value::Array(values)))?
                    }
                    OutputFormat::Sarif => writeln!(out, "{}", to_pretty_json(&sarif(values)))?,
                    _ => {}
                }
            }
        }
        // stdout holds the patch alone; what it leaves goes with the summary, in the
        // concise format (whatever `--output-format` says: the patch is the output), so
        // that a check hook that fails says where.
        let plain = Style::plain(&style.cwd);
        for (path, located) in &left_by_patch {
            let listed = Listed {
                path,
                located,
                source: "",
                unsafe_fixes: false,
            };
            write_concise(err, &plain, &listed)?;
        }
        let summary = match mode {
            Mode::Apply => tally.apply_summary(),
            Mode::DryRun => tally.dry_run_summary(),
            Mode::Check => tally.check_summary(),
        };
        if mode == Mode::Apply && !style.format.is_machine_readable() {
            writeln!(out, "{summary}")?;
        } else {
            writeln!(err, "{summary}")?;
        }
        Ok(base)
    }
}

/// The whole report of files already processed (and their diffs named), at once.
pub fn write_report(
    out: &mut impl Write,
    err: &mut impl Write,
    mode: Mode,
    style: &Style,
    walked: &Walked,
    files: Vec<FileReport>,
) -> io::Result<()> {
    let mut reporter = Reporter::new(out, err, mode, style, walked)?;
    for file in files {
        reporter.file(file)?;
    }
    reporter.finish(|_| PatchBase::CurrentDir).map(drop)
}

/// The report of a run on standard input. When fixing, stdout carries the source
/// (fixed, or as it came), so the findings and the summary go to stderr; otherwise the
/// report is the same as for a file.
pub fn print_stdin(mode: Mode, style: &Style, files: Vec<FileReport>, source: &[u8]) {
    let walked = Walked::default();
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = BufWriter::new(stdout.lock());
    let mut err = BufWriter::new(stderr.lock());
    let result = if mode == Mode::Apply {
        let mut for_err = style.clone();
        for_err.color = false;
        let (mut report, mut errors) = (Vec::new(), Vec::new());
        out.write_all(source)
            .and_then(|()| write_report(&mut report, &mut errors, mode, &for_err, &walked, files))
            .and_then(|()| err.write_all(&errors))
            .and_then(|()| err.write_all(&report))
    } else {
        write_report(&mut out, &mut err, mode, style, &walked, files)
    };
    let _ = result.and_then(|()| out.flush()).and_then(|()| err.flush());
}

/// After a patch whose paths are based at the root (some file is outside the current
/// directory): how to apply it, on stderr.
pub fn print_patch_base_note(base: PatchBase) {
    eprintln!(
        "note: a patched file is outside the current directory, so every path in the patch \
         is absolute (without its leading `/`); apply it from anywhere with `{}`",
        base.apply_command()
    );
}

/// `pyleak-fix rule`: each rule's documentation, Markdown as the rule writes it, then
/// whether it is on by default, which fixes it offers, and where it is documented.
pub fn print_rule_docs(rules: &[&dyn rules::Rule]) {
    let docs: Vec<String> = rules
        .iter()
        .map(|rule| {
            format!(
                "{}\n\nOn by default: {}. Fix: {} (see Fix safety). Documentation: {}\n",
                rule.doc().trim_end(),
                if rule.default_enabled() { "yes" } else { "no" },
                rule.fix_safety().describe(),
                rule.url()
            )
        })
        .collect();
    print_stdout(&docs.join("\n"));
}

/// `--list-rules`: a table of code, name, whether the rule is on by default, and which
/// fixes it offers (`safe`, `unsafe`, `none`); or, with `--output-format json`, an array
/// of objects with a summary and a URL too.
pub fn print_rule_list(format: OutputFormat) {
    if format == OutputFormat::Json {
        let list: Vec<Value> = rules::ALL
            .iter()
            .map(|rule| {
                json!({
                    "code": rule.code(),
                    "name": rule.name(),
                    "default": rule.default_enabled(),
                    "fix": rule.fix_safety().kinds(),
                    "aliases": rule.aliases(),
                    "summary": rules::summary(*rule),
                    "url": rule.url(),
                })
            })
            .collect();
        print_stdout(&format!("{}\n", to_pretty_json(&Value::Array(list))));
        return;
    }
    let name_width = rules::ALL
        .iter()
        .map(|rule| rule.name().len())
        .max()
        .unwrap_or(0)
        .max("NAME".len());
    let mut table = format!(
        "{:<6} {:<name_width$}  {:<7}  FIX\n",
        "CODE", "NAME", "DEFAULT"
    );
    for rule in rules::ALL {
        let _ = writeln!(
            table,
            "{:<6} {:<name_width$}  {:<7}  {}",
            rule.code(),
            rule.name(),
            if rule.default_enabled() { "on" } else { "off" },
            rule.fix_safety().describe()
        );
    }
    print_stdout(&table);
}

/// `--show-files`: the files that would be processed, one per line, sorted; paths that
/// could not be walked on stderr.
pub fn print_files(walked: &Walked) {
    let mut list = String::new();
    for file in &walked.files {
        let _ = writeln!(list, "{}", file.display());
    }
    print_stdout(&list);
    for error in &walked.errors {
        eprintln!("error: {}: {}", error.path.display(), error.message);
    }
}

fn print_stdout(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Writes source bytes to stdout unchanged (standard input that is not to be fixed).
pub fn print_source(source: &[u8]) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(source).and_then(|()| out.flush());
}

/// `--statistics`: a line per rule (JSON with `--output-format json`), in place of the
/// findings.
fn write_statistics(
    out: &mut impl Write,
    style: &Style,
    counted: &[(Located, bool)],
) -> io::Result<()> {
    let counts = statistics::count_by_rule(
        counted
            .iter()
            .map(|(located, unsafe_fixes)| (located, *unsafe_fixes)),
    );
    if style.format == OutputFormat::Json {
        writeln!(out, "{}", to_pretty_json(&statistics::to_json(&counts)))
    } else {
        statistics::write_table(out, &counts)
    }
}

/// The line index of each file's text, built once however many findings it has (once
/// per finding made a report quadratic in a file's findings). Keyed by the text's
/// address: every text stays borrowed, so unmoved and distinct, while this lives.
#[derive(Default)]
struct LineIndexes(HashMap<(usize, usize), LineIndex>);

impl LineIndexes {
    fn of(&mut self, source: &str) -> &LineIndex {
        self.0
            .entry((source.as_ptr() as usize, source.len()))
            .or_insert_with(|| LineIndex::new(source))
    }
}

fn to_pretty_json(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("a JSON value always serializes")
}

/// Prints an error that stops the run before any file is processed.
pub fn print_error(message: &str) {
    eprintln!("error: {message}");
}

/// `warning: MESSAGE` on stderr: something went wrong that does not change the result.
pub fn print_warning(message: &str) {
    eprintln!("warning: {message}");
}

/// `note: MESSAGE` on stderr: something to know that is not an error.
pub fn print_note(message: &str) {
    eprintln!("note: {message}");
}

/// `PATH:LINE:COL: CODE message`.
fn write_concise(out: &mut impl Write, style: &Style, finding: &Listed) -> io::Result<()> {
    let Listed { path, located, .. } = finding;
    writeln!(
        out,
        "{}:{}:{}: {} {}",
        style.bold(&path.display().to_string()),
        located.start.line,
        located.start.column,
        style.red(located.finding.code),
        located.finding.message
    )
}

/// The concise line, then the source line with carets under the finding, then the fix
/// as a diff of the lines it changes:
///
/// ```text
/// a.py:1:9: LK001 `x` defaults to one list shared by every call: ...
///   |
/// 1 | def f(x=[]):
///   |         ^^ LK001
///   |
///   = fix (safe): Default `x` to `None` and build a new list in the body
///     @@ -1,2 +1,4 @@
///     -def f(x=[]):
///     +def f(x=None):
/// ```
fn write_full(
    out: &mut impl Write,
    style: &Style,
    finding: &Listed,
    indexes: &mut LineIndexes,
) -> io::Result<()> {
    write_concise(out, style, finding)?;
    let Listed {
        path,
        located,
        source,
        ..
    } = finding;
    let number = located.start.line.to_string();
    let gutter = " ".repeat(number.len());
    let line_start = indexes.of(source).line_start(located.start.line - 1);
    let line = source[line_start..]
        .split('\n')
        .next()
        .unwrap_or("")
        .trim_end_matches('\r');
    // The carets line up under the finding whatever the line's tabs: each character
    // before it is echoed as a tab or a space.
    let indent: String = line
        .chars()
        .take(located.start.column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let width = if located.end.line == located.start.line {
        located.end.column.saturating_sub(located.start.column)
    } else {
        line.chars().count() + 1 - located.start.column
    };
    let carets = "^".repeat(width.max(1));
    writeln!(out, "{gutter} {}", style.cyan("|"))?;
    writeln!(out, "{} {} {line}", style.cyan(&number), style.cyan("|"))?;
    writeln!(
        out,
        "{gutter} {} {indent}{} {}",
        style.cyan("|"),
        style.red(&carets),
        style.red(located.finding.code)
    )?;
    writeln!(out, "{gutter} {}", style.cyan("|"))?;
    if !located.finding.detail.is_empty() {
        writeln!(out, "{gutter} = note: {}", located.finding.detail)?;
    }
    if let Some(fix) = &located.finding.fix {
        writeln!(
            out,
            "{gutter} = fix ({}): {}",
            fix.applicability.as_str(),
            fix.title
        )?;
        // One line of context: enough to place the change, short enough to read.
        let lines = indexes.of(source);
        let diff = fix_diff(source, lines, &fix.edits, &path.to_string_lossy(), 1);
        // The `---`/`+++` header names the file, which the first line already does.
        for line in style.diff(&diff).lines().skip(2) {
            writeln!(out, "{gutter}   {}", line.trim_end_matches('\r'))?;
        }
    }
    writeln!(out)
}

/// Escapes a GitHub workflow command's message.
fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a GitHub workflow command's property value (`file=...`).
fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// `::error file=a.py,line=1,col=9,endLine=1,endColumn=11,title=pyleak-fix (LK001)::...`
fn write_github(out: &mut impl Write, finding: &Listed) -> io::Result<()> {
    let Listed { path, located, .. } = finding;
    writeln!(
        out,
        "::error file={},line={},col={},endLine={},endColumn={},title={}::{}",
        github_property(&path.to_string_lossy()),
        located.start.line,
        located.start.column,
        located.end.line,
        located.end.column,
        github_property(&format!("pyleak-fix ({})", located.finding.code)),
        github_data(&located.finding.message)
    )
}

fn row_column(location: Location) -> Value {
    json!({ "row": location.line, "column": location.column })
}

/// Each edit's start and end in `source`, which `lines` indexes.
fn edit_locations(source: &str, lines: &LineIndex, fix: &Fix) -> Vec<(Location, Location)> {
    fix.edits
        .iter()
        .map(|edit| {
            (
                lines.location(source, edit.range.start),
                lines.location(source, edit.range.end),
            )
        })
        .collect()
}

fn rule_url(code: &str) -> Option<String> {
    rules::by_code(code).map(|rule| rule.url())
}

/// One finding in ruff's JSON shape (`cell` is for notebooks, which are not read).
fn json_finding(finding: &Listed, cwd: &Path, indexes: &mut LineIndexes) -> Value {
    let Listed {
        path,
        located,
        source,
        ..
    } = finding;
    let fix = located.finding.fix.as_ref().map(|fix| {
        let edits: Vec<Value> = fix
            .edits
            .iter()
            .zip(edit_locations(source, indexes.of(source), fix))
            .map(|(edit, (start, end))| {
                json!({
                    "content": edit.content,
                    "location": row_column(start),
                    "end_location": row_column(end),
                })
            })
            .collect();
        json!({
            "applicability": fix.applicability.as_str(),
            "message": fix.title,
            "edits": edits,
        })
    });
    json!({
        "cell": null,
        "code": located.finding.code,
        "end_location": row_column(located.end),
        "filename": absolute(cwd, path).to_string_lossy(),
        "fix": fix,
        "location": row_column(located.start),
        "message": located.finding.message,
        "detail": located.finding.detail,
        "noqa_row": located.noqa_line,
        "url": rule_url(located.finding.code),
    })
}

/// A SARIF result's text: the concise message, then the detail as its own paragraph,
/// since code-scanning viewers show only this text beside the code.
fn sarif_text(finding: &Finding) -> String {
    if finding.detail.is_empty() {
        finding.message.clone()
    } else {
        format!("{}\n\n{}", finding.message, finding.detail)
    }
}

/// `file:///abs/path%20with%20space.py`: an absolute path as a URI, percent-encoding
/// every byte outside RFC 3986's unreserved set and `/`.
pub fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    let text = path.to_string_lossy().replace('\\', "/");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(byte as char);
        } else {
            let _ = write!(uri, "%{byte:02X}");
        }
    }
    uri
}

fn sarif_region(start: Location, end: Location) -> Value {
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

/// One finding as a SARIF result, with its fix as replacements.
fn sarif_result(finding: &Listed, cwd: &Path, indexes: &mut LineIndexes) -> Value {
    let Listed {
        path,
        located,
        source,
        ..
    } = finding;
    let uri = file_uri(&absolute(cwd, path));
    let mut result = json!({
        "ruleId": located.finding.code,
        "level": "error",
        "message": { "text": sarif_text(&located.finding) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri },
                "region": sarif_region(located.start, located.end),
            }
        }],
    });
    if let Some(fix) = &located.finding.fix {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .zip(edit_locations(source, indexes.of(source), fix))
            .map(|(edit, (start, end))| {
                json!({
                    "deletedRegion": sarif_region(start, end),
                    "insertedContent": { "text": edit.content },
                })
            })
            .collect();
        result["fixes"] = json!([{
            "description": {
                "text": format!("{} ({})", fix.title, fix.applicability.as_str())
            },
            "artifactChanges": [{
                "artifactLocation": { "uri": uri },
                "replacements": replacements,
            }],
        }]);
    }
    result
}

/// A SARIF 2.1.0 log of one run: every rule in the driver, a result per finding with
/// its fix as replacements. Columns count Unicode characters, as the rest of the output
/// does, and the run says so (`columnKind`).
fn sarif(results: Vec<Value>) -> Value {
    let rules: Vec<Value> = rules::ALL
        .iter()
        .map(|rule| {
            json!({
                "id": rule.code(),
                "name": rule.name(),
                "shortDescription": { "text": rules::summary(*rule) },
                "fullDescription": { "text": rule.doc(), "markdown": rule.doc() },
                "helpUri": rule.url(),
                "defaultConfiguration": { "enabled": rule.default_enabled() },
                "properties": { "fixSafety": rule.fix_safety().kinds() },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pyleak-fix",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_is_on_only_on_a_terminal_without_no_color_unless_forced() {
        assert!(ColorChoice::Auto.enabled(true, None));
        assert!(ColorChoice::Auto.enabled(true, Some("")));
        assert!(!ColorChoice::Auto.enabled(true, Some("1")));
        assert!(!ColorChoice::Auto.enabled(false, None));
        assert!(ColorChoice::Always.enabled(false, Some("1")));
        assert!(!ColorChoice::Never.enabled(true, None));
    }

    #[test]
    fn file_uris_percent_encode() {
        assert_eq!(
            file_uri(Path::new("/w/my project/é.py")),
            "file:///w/my%20project/%C3%A9.py"
        );
    }

    #[test]
    fn github_escapes_follow_the_workflow_command_rules() {
        assert_eq!(github_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(github_property("a,b:c"), "a%2Cb%3Ac");
    }
}
