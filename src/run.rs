//! One run of the command: settings from the arguments, files from the walk, each file
//! read, fixed or checked, and written, in parallel; then the report, in path order.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read as _, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, LazyLock, Once};

use crate::cache::{self, RunCache};
use crate::cli::{Args, CleanArgs, Command, Mode, RuleArgs};
use crate::config::Resolver;
use crate::diff::{self, LineMap, PatchBase};
use crate::encoding::{decode_source, Decoded, Encoding};
use crate::engine::{self, Located};
use crate::fix::Change;
use crate::report::{self, Style};
use crate::rules;
use crate::settings::{known_selectors_hint, Settings};
use crate::walk::{self, describe_io_error};

/// How a run ended, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Nothing left to report.
    Success,
    /// Findings: any under `--check` or `--dry-run`, unfixed ones when fixing.
    Findings,
    /// Bad arguments, or a path that could not be read, decoded, parsed or written.
    Error,
    /// Ctrl-C while fixing in place: the files not yet written were left as they were.
    Interrupted,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
            ExitStatus::Interrupted => 130,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

pub use crate::outcome::{FileOutcome, FileReport, FixedFile};

/// Runs a command; `main.rs` only maps the result to the process's exit code.
pub fn run(command: Command) -> ExitStatus {
    match command {
        Command::Run(args) => main(args),
        Command::Rule(args) => explain_rule(&args),
        Command::Clean(args) => clean(&args),
    }
}

/// `pyleak-fix clean`: removes the cache a run in this directory would use.
fn clean(args: &CleanArgs) -> ExitStatus {
    let cwd = std::env::current_dir().unwrap_or_default();
    let dir = match &args.cache_dir {
        Some(dir) => crate::config::absolute(&cwd, dir),
        None => {
            let resolver = Resolver::new(&cwd, Default::default(), None, args.isolated);
            match resolver.and_then(|resolver| resolver.cache_dir()) {
                Ok(dir) => dir,
                Err(error) => {
                    report::print_error(&error.to_string());
                    return ExitStatus::Error;
                }
            }
        }
    };
    let shown = walk::display_path(&dir, &cwd);
    match cache::clean(&dir) {
        Ok(true) => {
            report::print_note(&format!("removed the cache {}", shown.display()));
            ExitStatus::Success
        }
        Ok(false) => {
            report::print_note(&format!("no cache to remove at {}", shown.display()));
            ExitStatus::Success
        }
        Err(error) => {
            report::print_error(&error);
            ExitStatus::Error
        }
    }
}

/// `pyleak-fix rule CODE` and `pyleak-fix rule --all`.
fn explain_rule(args: &RuleArgs) -> ExitStatus {
    if args.all {
        report::print_rule_docs(rules::ALL);
        return ExitStatus::Success;
    }
    let code = args.code.as_deref().unwrap_or_default();
    match rules::by_code_or_alias(code) {
        Some((rule, alias)) => {
            if let Some(alias) = alias {
                report::print_note(&format!(
                    "`{alias}` is an alias of {}: another tool's code for the same problem, which `# noqa: {alias}` also silences",
                    rule.code()
                ));
            }
            report::print_rule_docs(&[rule]);
            ExitStatus::Success
        }
        None => {
            let known: Vec<&str> = rules::ALL.iter().map(|rule| rule.code()).collect();
            report::print_error(&format!(
                "unknown rule `{code}`; known rules: {} (see --list-rules)",
                known.join(", ")
            ));
            ExitStatus::Error
        }
    }
}

/// Processes the paths (or standard input) the arguments name.
pub fn main(args: Args) -> ExitStatus {
    if args.list_rules {
        report::print_rule_list(args.output_format);
        return ExitStatus::Success;
    }
    let overrides = args.overrides();
    if let Some(unknown) = overrides.rules.unknown_selectors().first() {
        report::print_error(&format!(
            "unknown rule selector `{unknown}`; {}",
            known_selectors_hint()
        ));
        return ExitStatus::Error;
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let resolver = match Resolver::new(&cwd, overrides, args.config.as_deref(), args.isolated) {
        Ok(resolver) => Arc::new(resolver),
        Err(error) => {
            report::print_error(&error.to_string());
            return ExitStatus::Error;
        }
    };
    let style = args.style(&cwd);
    if args.paths.len() > 1 && args.paths.iter().any(|path| path.as_os_str() == "-") {
        report::print_error("`-` (standard input) cannot be mixed with other paths");
        return ExitStatus::Error;
    }
    if args.reads_stdin() {
        return run_stdin(&args, &resolver, &style);
    }
    let mode = args.mode();
    let walked = walk::collect_files(&args.paths(), &resolver, args.force_exclude);
    let jobs = plan_jobs(&walked.files, &resolver);
    if args.show_files && resolver.errors().is_empty() {
        report::print_files(&walked);
        return if walked.errors.is_empty() {
            ExitStatus::Success
        } else {
            ExitStatus::Error
        };
    }
    // A broken configuration stops the run before anything is written: it decides which
    // files are touched and how, and half of it is not a safe guess.
    let config_errors = resolver.errors();
    if !config_errors.is_empty() {
        for error in &config_errors {
            report::print_error(&error.to_string());
        }
        return ExitStatus::Error;
    }
    if mode == Mode::Apply {
        interrupt::install();
    }
    let cache = if args.no_cache {
        None
    } else {
        open_cache(&args, &resolver, &jobs)
    };
    let mut summary = Summary::new(&walked);
    let mut unprocessed = 0;
    // Not locked for the run: a worker thread that printed would wait for it forever.
    let mut out = BufWriter::new(io::stdout());
    let mut err = BufWriter::new(io::stderr());
    // A closed stdout (`| head`) ends the printing quietly: the files are still
    // processed (and fixed), and the exit code stands.
    let mut reporter = report::Reporter::new(&mut out, &mut err, mode, &style, &walked).ok();
    process_files(&jobs, mode, cache.as_ref(), |file| {
        if file.outcome.as_ref().err().map(String::as_str) == Some(INTERRUPTED) {
            unprocessed += 1;
            return;
        }
        summary.add(mode, &file);
        if let Some(writing) = &mut reporter {
            if writing.file(file).is_err() {
                reporter = None;
            }
        }
    });
    let patch_base = reporter
        .and_then(|reporter| {
            reporter
                .finish(|patched| name_diffs(patched, resolver.cwd()))
                .ok()
        })
        .unwrap_or(PatchBase::CurrentDir);
    let _ = out.flush();
    let _ = err.flush();
    drop((out, err));
    let interrupted = interrupt::requested();
    if patch_base == PatchBase::Root {
        report::print_patch_base_note(patch_base);
    }
    // After the report: the user has the result before the cache is written.
    if let Some(cache) = cache {
        save_cache(cache);
    }
    if interrupted {
        report::print_error(&format!(
            "interrupted: {unprocessed} {} left as {} (no file is ever half-written)",
            if unprocessed == 1 {
                "file was"
            } else {
                "files were"
            },
            if unprocessed == 1 {
                "it was"
            } else {
                "they were"
            },
        ));
        return ExitStatus::Interrupted;
    }
    summary.exit_status(&args)
}

/// The cache for this run's jobs, in the directory `--cache-dir` (or
/// `PYLEAK_FIX_CACHE_DIR`), the `cache-dir` setting, or the default names.
fn open_cache(args: &Args, resolver: &Resolver, jobs: &[Job]) -> Option<RunCache> {
    let dir = match &args.cache_dir {
        Some(dir) => resolver.absolute(dir),
        None => resolver.cache_dir().ok()?,
    };
    RunCache::open(
        &dir,
        jobs.iter()
            .map(|job| (resolver.absolute(&job.path), &job.settings)),
    )
}

/// Writes the cache back; a cache that cannot be written costs the next run time, not
/// this run its result, so it is a warning.
fn save_cache(cache: RunCache) {
    let (hits, misses) = cache.hits_and_misses();
    let saved = cache.save();
    if let Some(error) = &saved.error {
        report::print_warning(error);
    }
    if cfg!(debug_assertions) && std::env::var_os("PYLEAK_FIX_DEBUG_CACHE_STATS").is_some() {
        eprintln!(
            "cache: {hits} hits, {misses} misses, {} files written",
            saved.files_written
        );
    }
}

/// What a file not processed because of Ctrl-C gets as its outcome.
const INTERRUPTED: &str = "interrupted; left unchanged";

/// Ctrl-C while fixing in place. Every write is a rename of a complete temporary file,
/// so the default (dying at once) cannot leave a half-written file, but it can leave a
/// temporary file behind. So the first Ctrl-C only asks the run to stop: no new file is
/// started, a temporary file not yet renamed is removed, and the run reports what it
/// did. A second Ctrl-C kills the process as usual.
mod interrupt {
    use super::{AtomicBool, Ordering};

    static REQUESTED: AtomicBool = AtomicBool::new(false);

    pub fn requested() -> bool {
        REQUESTED.load(Ordering::SeqCst)
    }

    #[cfg(unix)]
    extern "C" fn on_sigint(_signal: libc::c_int) {
        // Only async-signal-safe work here: an atomic store, `signal` and `raise`.
        if REQUESTED.swap(true, Ordering::SeqCst) {
            // SAFETY: restoring the default disposition and re-raising are both
            // async-signal-safe.
            unsafe {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::raise(libc::SIGINT);
            }
        }
    }

    /// Installs the handler (once; Unix only: elsewhere Ctrl-C keeps its default).
    pub fn install() {
        #[cfg(unix)]
        {
            static INSTALL: std::sync::Once = std::sync::Once::new();
            INSTALL.call_once(|| {
                let handler: extern "C" fn(libc::c_int) = on_sigint;
                // SAFETY: the handler only touches an atomic and async-signal-safe calls.
                unsafe {
                    libc::signal(libc::SIGINT, handler as libc::sighandler_t);
                }
            });
        }
    }
}

/// One file to process, with the settings its configuration gives it.
#[derive(Clone)]
pub struct Job {
    pub path: PathBuf,
    pub settings: Settings,
}

/// Pairs each file with its settings; a file whose configuration is broken gets no job
/// (the resolver keeps the error).
pub fn plan_jobs(files: &[PathBuf], resolver: &Resolver) -> Vec<Job> {
    files
        .iter()
        .filter_map(|path| {
            Some(Job {
                path: path.clone(),
                settings: resolver.settings_for(path).ok()?,
            })
        })
        .collect()
}

/// The stack each worker thread gets. The rules recurse over the syntax tree, which
/// the engine lets nest up to [`engine::MAX_NESTING`] levels; rayon's default (2 MiB,
/// or the main thread's, which may be smaller) is not enough for that in a debug build.
/// Only the pages used are ever committed.
const WORKER_STACK_BYTES: usize = 64 << 20;

static POOL: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK_BYTES)
        .thread_name(|index| format!("pyleak-fix-{index}"))
        .build()
        .ok()
});

/// Runs `work` on the worker pool, whose threads have big stacks (on this thread if the
/// pool could not be built).
fn on_workers<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    match &*POOL {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// Processes each file on the worker pool and hands each report to `consume`, on this
/// thread, in the order of `jobs`, as soon as it and every one before it are done. The
/// workers take the jobs in order too, so only the reports of files finished ahead of
/// a slower one wait: a run holds a handful of reports, not one per file. `cache` was
/// opened for these `jobs`.
pub fn process_files(
    jobs: &[Job],
    mode: Mode,
    cache: Option<&RunCache>,
    mut consume: impl FnMut(FileReport),
) {
    let next = AtomicUsize::new(0);
    let work = |sender: mpsc::Sender<(usize, FileReport)>| loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(index) else {
            break;
        };
        let report = FileReport {
            path: job.path.clone(),
            unsafe_fixes: job.settings.unsafe_fixes,
            outcome: catching_panics(|| {
                process_file(&job.path, mode, &job.settings, cache.map(|c| (c, index)))
            }),
        };
        if sender.send((index, report)).is_err() {
            break;
        }
    };
    let (sender, receiver) = mpsc::channel();
    let mut in_order = |receiver: mpsc::Receiver<(usize, FileReport)>| {
        let mut waiting = BTreeMap::new();
        let mut next_out = 0;
        for (index, report) in receiver {
            waiting.insert(index, report);
            while let Some(report) = waiting.remove(&next_out) {
                consume(report);
                next_out += 1;
            }
        }
    };
    match &*POOL {
        Some(pool) => pool.in_place_scope(|scope| {
            for _ in 0..pool.current_num_threads().max(1) {
                let sender = sender.clone();
                let work = &work;
                scope.spawn(move |_| work(sender));
            }
            drop(sender);
            in_order(receiver);
        }),
        None => {
            work(sender);
            in_order(receiver);
        }
    }
}

/// What decides a run's exit status, gathered file by file.
#[derive(Debug, Default)]
pub struct Summary {
    error: bool,
    findings: bool,
    changed: bool,
}

impl Summary {
    pub fn new(walked: &walk::Walked) -> Self {
        Summary {
            error: !walked.errors.is_empty(),
            ..Summary::default()
        }
    }

    pub fn add(&mut self, mode: Mode, file: &FileReport) {
        match &file.outcome {
            Err(_) => self.error = true,
            Ok(FileOutcome::Checked { findings, .. }) => self.findings |= !findings.is_empty(),
            Ok(FileOutcome::Fixed(fixed)) => {
                self.changed |= fixed.changed;
                self.findings |= match mode {
                    Mode::Apply => !fixed.remaining.is_empty(),
                    Mode::DryRun | Mode::Check => fixed.initial_findings > 0,
                };
            }
        }
    }

    /// Errors, then findings, decide; then `--exit-zero` and `--exit-non-zero-on-fix`,
    /// as in ruff: the first turns findings into success (errors stay errors); the
    /// second turns success into 1 when any file was (or would be) changed.
    pub fn exit_status(&self, args: &Args) -> ExitStatus {
        let status = if self.error {
            ExitStatus::Error
        } else if self.findings {
            ExitStatus::Findings
        } else {
            ExitStatus::Success
        };
        match status {
            ExitStatus::Findings if args.exit_zero => ExitStatus::Success,
            ExitStatus::Success if args.exit_non_zero_on_fix && self.changed => {
                ExitStatus::Findings
            }
            other => other,
        }
    }
}

thread_local! {
    /// Set while this thread processes a file, whose panics are caught and reported.
    static CATCHING_PANICS: Cell<bool> = const { Cell::new(false) };
}

/// Keeps the default hook's "thread panicked at" message off stderr for panics that
/// are caught and reported per file, and leaves every other panic as it was.
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CATCHING_PANICS.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `work`, turning a panic in it into an error for the file at hand, naming the
/// rule that was running if one was, so that a bug in one rule costs one file, not the run.
fn catching_panics<T>(work: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    install_panic_hook();
    engine::clear_current_rule();
    let was_catching = CATCHING_PANICS.with(|flag| flag.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    CATCHING_PANICS.with(|flag| flag.set(was_catching));
    result.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|message| message.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        match engine::current_rule() {
            Some(rule) => Err(format!(
                "internal error in rule {rule}: {message} (please report this)"
            )),
            None => Err(format!("internal error: {message} (please report this)")),
        }
    })
}

/// Reads the file once, fixes or checks it, and writes it back when fixing in place
/// changed it. `cache`: the run's cache and this file's job in it; a result kept for
/// the very same bytes is used instead of processing them.
fn process_file(
    path: &Path,
    mode: Mode,
    settings: &Settings,
    cache: Option<(&RunCache, usize)>,
) -> Result<FileOutcome, String> {
    if mode == Mode::Apply && interrupt::requested() {
        return Err(INTERRUPTED.to_string());
    }
    let bytes = read_regular_file(path, settings.max_file_bytes)?;
    if let Some(outcome) = cache.and_then(|(cache, job)| cache.lookup(job, &bytes, mode)) {
        return Ok(outcome);
    }
    let (outcome, fixed_bytes) = process_bytes(&bytes, mode, settings)?;
    match (mode, fixed_bytes) {
        (Mode::Apply, Some(fixed_bytes)) => write_atomically(path, &bytes, &fixed_bytes)?,
        _ => {
            if let Some((cache, job)) = cache {
                cache.store(job, &bytes, mode, &outcome);
            }
        }
    }
    Ok(outcome)
}

/// Reads the file `path` names (through symbolic links) when it is a regular file of at
/// most `limit` bytes. Anything else is refused without reading: a FIFO would block the
/// run, a device such as `/dev/zero` never ends. The file is opened without blocking and
/// then examined, so that what is read is what was examined.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let cannot_read = |error: io::Error| format!("cannot read: {}", describe_io_error(&error));
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO to read blocks until a writer comes, unless non-blocking.
        options.custom_flags(libc::O_NONBLOCK);
    }
    // A socket cannot be opened at all: say what it is rather than why open failed.
    if let Ok(metadata) = fs::metadata(path) {
        if !metadata.is_file() {
            return Err(format!(
                "not a regular file ({}); only regular files are read",
                file_kind(&metadata.file_type())
            ));
        }
    }
    let mut file = options.open(path).map_err(cannot_read)?;
    let metadata = file.metadata().map_err(cannot_read)?;
    if !metadata.is_file() {
        return Err(format!(
            "not a regular file ({}); only regular files are read",
            file_kind(&metadata.file_type())
        ));
    }
    if metadata.len() > limit {
        return Err(too_large(metadata.len(), limit));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // A file growing while it is read stops at the limit too.
    (&mut file)
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

fn too_large(bytes: u64, limit: u64) -> String {
    format!(
        "{} bytes, more than max-file-bytes ({}); not read",
        thousands(bytes),
        thousands(limit)
    )
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// What a file that is not a regular one is, in a user's words.
fn file_kind(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Fixes or checks the contents of a file (or of standard input), returning what
/// happened and, when fixing changed them, the new bytes. A byte-order mark is kept; an
/// encoding other than UTF-8 or one PEP 263 declares and this crate reads is refused.
fn process_bytes(
    bytes: &[u8],
    mode: Mode,
    settings: &Settings,
) -> Result<(FileOutcome, Option<Vec<u8>>), String> {
    let Decoded {
        bom,
        encoding,
        text,
    } = decode_source(bytes)?;
    let text = text.as_ref();
    if mode == Mode::Check {
        let findings = engine::check_text(text, settings).map_err(|error| error.to_string())?;
        let source = if findings.is_empty() {
            String::new()
        } else {
            text.to_string()
        };
        return Ok((FileOutcome::Checked { findings, source }, None));
    }
    let mut outcome = engine::fix_text(text, settings).map_err(|error| error.to_string())?;
    let changed = outcome.changed(text);
    let mut diff = None;
    let mut fixed_bytes = None;
    if changed {
        let mut new_bytes = bom.as_bytes().to_vec();
        new_bytes.extend(encoding.encode(&outcome.fixed).map_err(|c| {
            format!(
                "the fix needs the character {c:?}, which {} (the file's encoding) cannot hold; left unchanged",
                encoding.name()
            )
        })?);
        if mode == Mode::DryRun {
            let old_text = [bom, text].concat();
            let new_text = [bom, outcome.fixed.as_str()].concat();
            // Only the changed stretches are compared: diffing the whole texts costs
            // their length times the number of changes.
            let changes: Vec<Change> = outcome
                .changes
                .iter()
                .map(|change| Change {
                    old: change.old.start + bom.len()..change.old.end + bom.len(),
                    new: change.new.start + bom.len()..change.new.end + bom.len(),
                })
                .collect();
            let hunks = diff::hunks_of_changes(&old_text, &new_text, &changes);
            diff = Some(encode_diff(&hunks, encoding));
            // The findings left are located in the fixed text; the user reads the file
            // as it is, so they are moved to its lines.
            if !outcome.remaining.is_empty() {
                let map = LineMap::new(text, &outcome.fixed, &outcome.changes);
                for located in &mut outcome.remaining {
                    relocate(located, &map);
                }
            }
        }
        fixed_bytes = Some(new_bytes);
    }
    // Only fixing in place lists the findings left, which need the text they are in; a
    // dry run shows its diff alone, so it keeps no copy of each file until printing.
    let source = if outcome.remaining.is_empty() || mode == Mode::DryRun {
        String::new()
    } else {
        outcome.fixed
    };
    let fixed = FixedFile {
        initial_findings: outcome.initial.len(),
        applied: outcome.applied,
        remaining: outcome.remaining,
        silenced: outcome.silenced,
        changed,
        diff,
        diff_header: Vec::new(),
        source,
    };
    Ok((FileOutcome::Fixed(fixed), fixed_bytes))
}

/// A diff's hunks of decoded text, in the file's encoding: every line is text from the
/// file or the fix, which the encoding holds (a hunk header is ASCII).
fn encode_diff(hunks: &str, encoding: Encoding) -> Vec<u8> {
    if encoding == Encoding::Utf8 {
        return hunks.as_bytes().to_vec();
    }
    let mut bytes = Vec::with_capacity(hunks.len());
    for line in hunks.split_inclusive('\n') {
        match encoding.encode(line) {
            Ok(encoded) => bytes.extend(encoded),
            Err(_) => bytes.extend_from_slice(line.as_bytes()),
        }
    }
    bytes
}

/// Moves a finding located in a fixed text to the old side of `diff`: its own line when
/// the fix left that line alone, else the first line the fix changed there, column 1.
fn relocate(located: &mut Located, diff: &LineMap) {
    for location in [&mut located.start, &mut located.end] {
        let (line, exact) = diff.old_line(location.line);
        location.line = line;
        if !exact {
            location.column = 1;
        }
    }
    located.noqa_line = diff.old_line(located.noqa_line).0;
}

/// Writes each diff's `---`/`+++` header. A diff names the file a fix writes, which is
/// the target of a symbolic link named on the command line ([`write_atomically`]
/// resolves links too), so that applying the patch and fixing in place change the
/// same file. Every name is relative to one base, the current directory when every
/// patched file is inside it, else the root (see [`PatchBase`]), which is returned.
fn name_diffs(files: &mut [FileReport], cwd: &Path) -> PatchBase {
    let cwd = fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let mut patched: Vec<(&mut FixedFile, PathBuf)> = files
        .iter_mut()
        .filter_map(|file| match &mut file.outcome {
            Ok(FileOutcome::Fixed(fixed)) if fixed.diff.is_some() => {
                let target = fs::canonicalize(&file.path)
                    .unwrap_or_else(|_| diff::lexical_absolute(&file.path, &cwd));
                Some((fixed, target))
            }
            _ => None,
        })
        .collect();
    let base = if patched
        .iter()
        .all(|(_, target)| diff::patch_name(target, &cwd, PatchBase::CurrentDir).is_some())
    {
        PatchBase::CurrentDir
    } else {
        PatchBase::Root
    };
    for (fixed, target) in &mut patched {
        let name = diff::patch_name(target, &cwd, base).unwrap_or_default();
        fixed.diff_header = diff::file_header(&name);
    }
    base
}

/// `pyleak-fix --stdin-filename PATH -`: the source comes from standard input and, when
/// fixing, goes back to standard output, fixed (or unchanged when there is nothing to
/// fix, the file is excluded, or it cannot be processed: an editor replacing its buffer
/// with our output must never get less than it gave). Findings and the summary then go
/// to stderr. `PATH` decides the configuration and the per-file ignores.
fn run_stdin(args: &Args, resolver: &Resolver, style: &Style) -> ExitStatus {
    let name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("-"));
    let path = walk::display_path(&name, resolver.cwd());
    let mut input = Vec::new();
    // Read no more than the limit allows (plus one byte, to tell): `/dev/zero` piped in
    // must not exhaust memory. A configured limit is applied once the settings are known.
    let cap = args
        .max_file_bytes
        .unwrap_or(crate::settings::DEFAULT_MAX_FILE_BYTES)
        .max(crate::settings::DEFAULT_MAX_FILE_BYTES);
    if let Err(error) = std::io::stdin()
        .take(cap.saturating_add(1))
        .read_to_end(&mut input)
    {
        report::print_error(&format!(
            "cannot read standard input: {}",
            describe_io_error(&error)
        ));
        return ExitStatus::Error;
    }
    let mode = args.mode();
    let config = match resolver.config_for(&path) {
        Ok(config) => config,
        Err(error) => {
            if mode == Mode::Apply {
                report::print_source(&input);
            }
            report::print_error(&error.to_string());
            return ExitStatus::Error;
        }
    };
    let absolute = resolver.absolute(&path);
    if args.force_exclude && config.is_excluded(&absolute) {
        if mode == Mode::Apply {
            report::print_source(&input);
        }
        return ExitStatus::Success;
    }
    let settings = match resolver.settings_for(&path) {
        Ok(settings) => settings,
        Err(error) => {
            if mode == Mode::Apply {
                report::print_source(&input);
            }
            report::print_error(&error.to_string());
            return ExitStatus::Error;
        }
    };
    // More than `cap` was cut off while reading, so it is refused whatever the settings.
    let limit = settings.max_file_bytes.min(cap);
    if input.len() as u64 > limit {
        if mode == Mode::Apply {
            report::print_source(&input);
        }
        report::print_error(&format!(
            "standard input: {}",
            too_large(input.len() as u64, limit)
        ));
        return ExitStatus::Error;
    }
    let result = on_workers(|| catching_panics(|| process_bytes(&input, mode, &settings)));
    let (outcome, fixed_bytes) = match result {
        Ok((outcome, fixed_bytes)) => (Ok(outcome), fixed_bytes),
        Err(cause) => (Err(cause), None),
    };
    let mut files = [FileReport {
        path,
        unsafe_fixes: settings.unsafe_fixes,
        outcome,
    }];
    let patch_base = name_diffs(&mut files, resolver.cwd());
    let output = fixed_bytes.as_deref().unwrap_or(&input);
    let mut summary = Summary::default();
    summary.add(mode, &files[0]);
    report::print_stdin(mode, style, files.into(), output);
    if patch_base == PatchBase::Root {
        report::print_patch_base_note(patch_base);
    }
    summary.exit_status(args)
}

/// The steps of [`write_atomically`] a test can make fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteStep {
    /// Writing the temporary file (a full disk fails here).
    Write,
    /// Just before the file is re-read and the temporary file renamed over it.
    Rename,
}

/// Replaces the file `path` points to (through symbolic links) with `contents`, so that
/// a reader sees either the old bytes or the new ones, never a mix: the new bytes go to
/// a temporary file beside it, which is renamed over it. The rename is refused when the
/// file no longer holds `original`, the bytes the fix was computed from (or is gone), or
/// when Ctrl-C was pressed. On every failure the temporary file is removed and the
/// original is left as it was.
///
/// The text is all that changes: the temporary file gets the file's owner, group and
/// mode (setuid, setgid and sticky bits included) before the rename, and when the owner
/// or group cannot be kept nothing is written. A file without write permission for its
/// owner is not written (as an editor would refuse), nor is one with more than one hard
/// link (replacing it would split it from its other names, and rewriting it in place
/// would not be atomic). Extended attributes and ACLs are not copied.
pub fn write_atomically(path: &Path, original: &[u8], contents: &[u8]) -> Result<(), String> {
    write_atomically_with(path, original, contents, |step| debug_fault(path, step))
}

fn write_atomically_with(
    path: &Path,
    original: &[u8],
    contents: &[u8],
    fault: impl Fn(WriteStep) -> io::Result<()>,
) -> Result<(), String> {
    let cannot_write = |error: io::Error| format!("cannot write: {}", describe_io_error(&error));
    let target = fs::canonicalize(path).map_err(cannot_write)?;
    let metadata = fs::metadata(&target).map_err(cannot_write)?;
    let (Some(directory), Some(name)) = (target.parent(), target.file_name()) else {
        return Err("cannot write: not a regular file".to_string());
    };
    may_replace(&metadata)?;
    let mut temporary_name = OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".pyleak-fix-{}.tmp", std::process::id()));
    let temporary = directory.join(temporary_name);

    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        // Nobody else may read the new text before it has the file's own mode.
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary).map_err(cannot_write)?;
    // From here on the temporary file is ours, and is removed on every failure.
    let result = (|| {
        fault(WriteStep::Write).map_err(cannot_write)?;
        file.write_all(contents).map_err(cannot_write)?;
        keep_owner_and_mode(&file, &metadata)?;
        file.sync_all().map_err(cannot_write)?;
        drop(file);
        fault(WriteStep::Rename).map_err(cannot_write)?;
        if interrupt::requested() {
            return Err(INTERRUPTED.to_string());
        }
        let now = fs::read(&target).map_err(|error| match error.kind() {
            io::ErrorKind::NotFound => "removed on disk while being fixed; not written".to_string(),
            _ => cannot_write(error),
        })?;
        if now != original {
            return Err("changed on disk while being fixed; left as it is".to_string());
        }
        fs::rename(&temporary, &target).map_err(cannot_write)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
        return result;
    }
    sync_directory(directory);
    Ok(())
}

/// Refuses a file that replacing would change in more than its text.
fn may_replace(metadata: &fs::Metadata) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mode = metadata.mode() & 0o7777;
        if mode & 0o200 == 0 {
            return Err(format!(
                "not written: it is read-only (mode {mode:04o}, no write permission for its \
                 owner); left unchanged"
            ));
        }
        if metadata.nlink() > 1 {
            return Err(format!(
                "not written: it has {} hard links, which replacing it would split (and \
                 rewriting it in place would change every name's file); left unchanged",
                metadata.nlink()
            ));
        }
    }
    #[cfg(not(unix))]
    if metadata.permissions().readonly() {
        return Err("not written: it is read-only; left unchanged".to_string());
    }
    Ok(())
}

/// Gives the temporary file `file` the original's owner, group and mode. The owner and
/// group come first: changing them clears the setuid and setgid bits, which the mode then
/// restores, on a file whose owner is the original's.
fn keep_owner_and_mode(file: &File, original: &fs::Metadata) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
        let now = file
            .metadata()
            .map_err(|error| format!("cannot write: {}", describe_io_error(&error)))?;
        let (uid, gid) = (original.uid(), original.gid());
        if (now.uid(), now.gid()) != (uid, gid) {
            fchown(file, Some(uid), Some(gid)).map_err(|error| {
                format!(
                    "not written: its owner and group ({uid}:{gid}) cannot be kept ({}); \
                     left unchanged",
                    describe_io_error(&error)
                )
            })?;
        }
        file.set_permissions(fs::Permissions::from_mode(original.mode() & 0o7777))
            .map_err(|error| format!("cannot write: {}", describe_io_error(&error)))
    }
    #[cfg(not(unix))]
    file.set_permissions(original.permissions())
        .map_err(|error| format!("cannot write: {}", describe_io_error(&error)))
}

/// Debug builds only, for the end-to-end tests: `PYLEAK_FIX_DEBUG_FAULT=disk-full` or
/// `=rename` makes writing a file whose name contains `fault` fail at that step, and
/// `PYLEAK_FIX_DEBUG_SLOW_WRITE_MS=N` holds every temporary file N ms before its rename
/// (a window for a test's Ctrl-C).
fn debug_fault(path: &Path, step: WriteStep) -> io::Result<()> {
    if cfg!(debug_assertions) {
        let var = |name: &str| std::env::var(name).ok();
        if step == WriteStep::Rename {
            if let Some(ms) = var("PYLEAK_FIX_DEBUG_SLOW_WRITE_MS").and_then(|ms| ms.parse().ok()) {
                std::thread::sleep(std::time::Duration::from_millis(ms));
            }
        }
        let named = path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().contains("fault"));
        match (var("PYLEAK_FIX_DEBUG_FAULT").as_deref(), step) {
            (Some("disk-full"), WriteStep::Write) if named => {
                return Err(io::Error::from(io::ErrorKind::StorageFull))
            }
            (Some("rename"), WriteStep::Rename) if named => {
                return Err(io::Error::other("rename failed (injected)"))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Makes the rename itself durable where the platform allows; a failure here loses
/// nothing that was not already at risk, so it is not reported.
fn sync_directory(directory: &Path) {
    if cfg!(unix) {
        if let Ok(handle) = File::open(directory) {
            let _ = handle.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(directory: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_new_bytes_and_leaves_no_temporary_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        write_atomically(&path, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new\n");
        assert_eq!(entries(directory.path()), ["a.py"]);
    }

    #[test]
    fn refuses_when_the_file_changed_since_it_was_read() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("a.py");
        fs::write(&path, "edited meanwhile\n").unwrap();
        let error = write_atomically(&path, b"old\n", b"new\n").unwrap_err();
        assert_eq!(error, "changed on disk while being fixed; left as it is");
        assert_eq!(fs::read(&path).unwrap(), b"edited meanwhile\n");
        assert_eq!(entries(directory.path()), ["a.py"]);
    }

    #[cfg(unix)]
    #[test]
    fn writing_through_a_symlink_replaces_the_target() {
        let directory = tempfile::tempdir().unwrap();
        let target = directory.path().join("real.py");
        let link = directory.path().join("link.py");
        fs::write(&target, "old\n").unwrap();
        std::os::unix::fs::symlink("real.py", &link).unwrap();
        write_atomically(&link, b"old\n", b"new\n").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new\n");
    }

    #[test]
    fn refuses_when_the_file_disappears_before_the_rename() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        let error = write_atomically_with(&path, b"old\n", b"new\n", |step| {
            if step == WriteStep::Rename {
                fs::remove_file(&path)?;
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(error, "removed on disk while being fixed; not written");
        assert!(entries(directory.path()).is_empty());
        // Gone before the write starts.
        let error = write_atomically(&path, b"old\n", b"new\n").unwrap_err();
        assert_eq!(error, "cannot write: no such file or directory");
        assert!(entries(directory.path()).is_empty());
    }

    #[test]
    fn refuses_when_the_file_changes_while_the_new_bytes_are_written() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        let error = write_atomically_with(&path, b"old\n", b"new\n", |step| {
            if step == WriteStep::Rename {
                fs::write(&path, "edited meanwhile\n")?;
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(error, "changed on disk while being fixed; left as it is");
        assert_eq!(fs::read(&path).unwrap(), b"edited meanwhile\n");
        assert_eq!(entries(directory.path()), ["a.py"]);
    }

    #[test]
    fn a_full_disk_or_a_failed_rename_keeps_the_original_and_removes_the_temporary_file() {
        for failing in [WriteStep::Write, WriteStep::Rename] {
            let directory = tempfile::tempdir().unwrap();
            let path = directory.path().join("a.py");
            fs::write(&path, "old\n").unwrap();
            let error = write_atomically_with(&path, b"old\n", b"new\n", |step| {
                if step == failing {
                    return Err(io::Error::from(io::ErrorKind::StorageFull));
                }
                Ok(())
            })
            .unwrap_err();
            assert_eq!(error, "cannot write: no space left on device");
            assert_eq!(fs::read(&path).unwrap(), b"old\n");
            assert_eq!(entries(directory.path()), ["a.py"]);
        }
    }

    /// A rule that panics, to see the panic reported with its code.
    struct Panicking;

    impl crate::rules::Rule for Panicking {
        fn code(&self) -> &'static str {
            "XX999"
        }
        fn name(&self) -> &'static str {
            "panicking"
        }
        fn doc(&self) -> &'static str {
            ""
        }
        fn default_enabled(&self) -> bool {
            true
        }
        fn fix_safety(&self) -> crate::rules::FixSafety {
            crate::rules::FixSafety {
                safe: false,
                unsafe_fix: false,
                no_fix: true,
            }
        }
        fn check(
            &self,
            _file: &crate::source::SourceFile,
            _settings: &Settings,
            _findings: &mut Vec<crate::rules::Finding>,
        ) {
            panic!("index out of bounds");
        }
    }

    #[test]
    fn a_panic_in_a_rule_is_reported_with_the_rule() {
        static PANICKING: Panicking = Panicking;
        let settings = Settings {
            rules: vec![&PANICKING],
            ..Settings::default()
        };
        for mode in [Mode::Check, Mode::DryRun, Mode::Apply] {
            let error = catching_panics(|| process_bytes(b"x = 1\n", mode, &settings)).unwrap_err();
            assert_eq!(
                error,
                "internal error in rule XX999: index out of bounds (please report this)"
            );
        }
        // The next file, panicking outside any rule, is not blamed on it.
        let error = catching_panics(|| -> Result<(), String> { panic!("elsewhere") });
        assert_eq!(
            error,
            Err("internal error: elsewhere (please report this)".to_string())
        );
    }

    #[test]
    fn a_panic_becomes_an_internal_error_for_that_file() {
        let error = catching_panics(|| -> Result<(), String> { panic!("rule blew up") });
        assert_eq!(
            error,
            Err("internal error: rule blew up (please report this)".to_string())
        );
        let code = 7;
        let error = catching_panics(|| -> Result<(), String> { panic!("code {code}") });
        assert_eq!(
            error,
            Err("internal error: code 7 (please report this)".to_string())
        );
        assert_eq!(catching_panics(|| Ok::<_, String>(1)), Ok(1));
    }
}
