//! The cache: what a run found in each file, kept so that the next run over the same
//! bytes with the same settings and the same build need not parse them again.
//!
//! Trust comes first: an entry is used only when the file's size and the XXH3-128 hash
//! of its bytes match, under a key that holds everything a result depends on (the
//! build, the settings, the format of the entries). Modification times are not used:
//! a file can change within their granularity, and `cp -p`, `rsync -t` or `tar`
//! restore them. Whatever is read from disk is checked before it is used; anything
//! unreadable, foreign or inconsistent is a miss, never an error.
//!
//! Layout: `<cache dir>/CACHEDIR.TAG`, `<cache dir>/.gitignore` (`*`), and one file per
//! build and settings, `<cache dir>/<version>/<key>.json`, holding every file's entry.
//! A run reads the files its jobs need once, before processing, and writes back the
//! files it added entries to once, after: a complete temporary file renamed over the
//! old one, merged with what another run may have written meanwhile. Two runs at once
//! can each lose the other's new entries (recomputed next time), never corrupt one.

mod entry;

use std::collections::{HashMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::outcome::{FileOutcome, Mode};
use crate::settings::Settings;

pub use entry::Entry;

/// The cache directory's name at the project root, as `.ruff_cache` is ruff's.
pub const DEFAULT_DIR_NAME: &str = ".pyleak_fix_cache";

/// Where the cache is, over any `cache-dir` setting (`--cache-dir` reads it too).
pub const DIR_ENV_VAR: &str = "PYLEAK_FIX_CACHE_DIR";

/// The format of a cache file; a file of another format is ignored.
const FORMAT: u32 = 2;

/// The `CACHEDIR.TAG` (<https://bford.info/cachedir/>): backup tools skip the directory.
const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by pyleak-fix.\n\
# For information about cache directory tags see https://bford.info/cachedir/\n";

/// The `.gitignore` in the cache directory: nothing in it is ever committed.
const GITIGNORE: &str = "# Automatically created by pyleak-fix.\n*\n";

/// The identity of this build: its version, and the size and modification time of its
/// executable, so that any rebuild (a development build keeps its version) starts from
/// an empty cache. `None` when the executable cannot be found: then nothing is cached.
pub fn build_identity() -> Option<String> {
    if cfg!(debug_assertions) {
        // For the end-to-end tests: a new version without building one.
        if let Ok(id) = std::env::var("PYLEAK_FIX_DEBUG_BUILD_ID") {
            return Some(format!("{} {id}", env!("CARGO_PKG_VERSION")));
        }
    }
    let exe = std::env::current_exe().ok()?;
    let metadata = fs::metadata(exe).ok()?;
    let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(format!(
        "{} {} bytes, modified {}.{:09}",
        env!("CARGO_PKG_VERSION"),
        metadata.len(),
        modified.as_secs(),
        modified.subsec_nanos()
    ))
}

/// Every setting that can change what a file's result is, as text. The destructuring
/// is exhaustive on purpose: a new field of [`Settings`] does not compile until it is
/// either added here or said not to matter.
pub fn settings_key(settings: &Settings) -> String {
    let Settings {
        rules,
        unsafe_fixes,
        target_version,
        large_allocation_bytes,
        max_file_bytes,
        extend_mutable_calls,
        prefilter,
        add_noqa,
    } = settings;
    let codes: Vec<&str> = rules.iter().map(|rule| rule.code()).collect();
    format!(
        "rules={codes:?} unsafe-fixes={unsafe_fixes} target-version={target_version} \
         large-allocation-bytes={large_allocation_bytes} max-file-bytes={max_file_bytes} \
         extend-mutable-calls={extend_mutable_calls:?} prefilter={prefilter} add-noqa={add_noqa}"
    )
}

/// The hash of a file's bytes an entry is checked against.
pub fn content_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// One cache file: the key it was written under, and an entry per file (by absolute
/// path).
#[derive(Serialize, Deserialize, Default)]
struct CacheFile {
    format: u32,
    build: String,
    settings: String,
    entries: HashMap<String, Entry>,
}

/// The entries of one build and settings: those read at the start, and those this run
/// computed.
struct Bucket {
    path: PathBuf,
    settings: String,
    loaded: HashMap<String, Entry>,
    computed: Mutex<HashMap<String, Entry>>,
}

/// What one file's job needs to find and store its entry.
struct JobKey {
    bucket: usize,
    path: String,
}

/// The cache as one run uses it: read before the files are processed, written after.
pub struct RunCache {
    dir: PathBuf,
    build: String,
    buckets: Vec<Bucket>,
    jobs: Vec<Option<JobKey>>,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

/// What [`RunCache::save`] did, for the debug statistics and the warning.
#[derive(Debug, Default)]
pub struct Saved {
    pub files_written: usize,
    pub error: Option<String>,
}

impl RunCache {
    /// Reads the cache files the jobs need, one per distinct settings. `jobs` gives each
    /// job's absolute path and settings, in the order [`RunCache::lookup`] is asked.
    /// `None` when this build cannot be identified.
    pub fn open<'a>(
        dir: &Path,
        jobs: impl IntoIterator<Item = (PathBuf, &'a Settings)>,
    ) -> Option<RunCache> {
        let build = build_identity()?;
        let mut buckets: Vec<Bucket> = Vec::new();
        let mut by_settings: HashMap<String, usize> = HashMap::new();
        let mut keys = Vec::new();
        for (path, settings) in jobs {
            let Some(path) = path.to_str().map(str::to_string) else {
                // A path that is not UTF-8 is not a JSON string: not cached.
                keys.push(None);
                continue;
            };
            let settings = settings_key(settings);
            let bucket = match by_settings.get(&settings) {
                Some(&bucket) => bucket,
                None => {
                    let file = bucket_path(dir, &build, &settings);
                    let loaded = read_cache_file(&file, &build, &settings);
                    buckets.push(Bucket {
                        path: file,
                        settings: settings.clone(),
                        loaded,
                        computed: Mutex::new(HashMap::new()),
                    });
                    by_settings.insert(settings, buckets.len() - 1);
                    buckets.len() - 1
                }
            };
            keys.push(Some(JobKey { bucket, path }));
        }
        Some(RunCache {
            dir: dir.to_path_buf(),
            build,
            buckets,
            jobs: keys,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        })
    }

    /// The result kept for job `job` when the file's bytes are `bytes` and the run is
    /// in `mode`, if one was kept and holds up to every check.
    pub fn lookup(&self, job: usize, bytes: &[u8], mode: Mode) -> Option<FileOutcome> {
        let key = self.jobs.get(job)?.as_ref()?;
        let bucket = &self.buckets[key.bucket];
        let found = bucket
            .loaded
            .get(&key.path)
            .filter(|entry| entry.matches(bytes))
            .and_then(|entry| entry.outcome(mode, bytes));
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps what processing job `job` (whose bytes were `bytes`) gave in `mode`, when
    /// that can be kept: see [`Entry::record`].
    pub fn store(&self, job: usize, bytes: &[u8], mode: Mode, outcome: &FileOutcome) {
        let Some(Some(key)) = self.jobs.get(job) else {
            return;
        };
        let bucket = &self.buckets[key.bucket];
        let previous = bucket
            .loaded
            .get(&key.path)
            .filter(|entry| entry.matches(bytes));
        if let Some(entry) = Entry::record(previous, bytes, mode, outcome) {
            bucket
                .computed
                .lock()
                .unwrap()
                .insert(key.path.clone(), entry);
        }
    }

    /// How many lookups found a result, and how many did not.
    pub fn hits_and_misses(&self) -> (usize, usize) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Writes back each cache file this run added entries to. The file on disk is read
    /// again first and its entries kept (another run may have written it meanwhile),
    /// less those whose file no longer exists; this run's entries win.
    pub fn save(self) -> Saved {
        let mut saved = Saved::default();
        let changed: Vec<(usize, Bucket)> = self
            .buckets
            .into_iter()
            .enumerate()
            .filter(|(_, bucket)| !bucket.computed.lock().unwrap().is_empty())
            .collect();
        if changed.is_empty() {
            return saved;
        }
        if let Err(error) = create_dir(&self.dir) {
            saved.error = Some(error);
            return saved;
        }
        for (index, bucket) in changed {
            let computed = bucket.computed.into_inner().unwrap();
            // The files of this run exist; only the others are looked for.
            let in_run: HashSet<&str> = self
                .jobs
                .iter()
                .flatten()
                .filter(|key| key.bucket == index)
                .map(|key| key.path.as_str())
                .collect();
            let mut entries = read_cache_file(&bucket.path, &self.build, &bucket.settings);
            entries.retain(|path, _| {
                in_run.contains(path.as_str())
                    || computed.contains_key(path)
                    || Path::new(path).exists()
            });
            entries.extend(computed);
            let file = CacheFile {
                format: FORMAT,
                build: self.build.clone(),
                settings: bucket.settings,
                entries,
            };
            match write_cache_file(&bucket.path, &file) {
                Ok(()) => saved.files_written += 1,
                Err(error) => {
                    saved.error.get_or_insert(error);
                }
            }
        }
        saved
    }
}

/// `<dir>/<version>/<hash of the key>.json`.
fn bucket_path(dir: &Path, build: &str, settings: &str) -> PathBuf {
    let key = format!("{FORMAT}\n{build}\n{settings}");
    let hash = xxhash_rust::xxh3::xxh3_128(key.as_bytes());
    dir.join(env!("CARGO_PKG_VERSION"))
        .join(format!("{hash:032x}.json"))
}

/// The entries of the cache file at `path` when it is one this build wrote for these
/// settings; none otherwise (missing, unreadable, corrupt, foreign).
fn read_cache_file(path: &Path, build: &str, settings: &str) -> HashMap<String, Entry> {
    let Ok(bytes) = fs::read(path) else {
        return HashMap::new();
    };
    match serde_json::from_slice::<CacheFile>(&bytes) {
        Ok(file) if file.format == FORMAT && file.build == build && file.settings == settings => {
            file.entries
        }
        _ => HashMap::new(),
    }
}

/// Creates the cache directory with its `CACHEDIR.TAG` and `.gitignore`.
fn create_dir(dir: &Path) -> Result<(), String> {
    let cannot = |error: std::io::Error| {
        format!(
            "cannot write the cache in {}: {}",
            dir.display(),
            crate::walk::describe_io_error(&error)
        )
    };
    fs::create_dir_all(dir).map_err(cannot)?;
    for (name, contents) in [("CACHEDIR.TAG", CACHEDIR_TAG), (".gitignore", GITIGNORE)] {
        let path = dir.join(name);
        if !path.exists() {
            write_atomically(&path, contents.as_bytes()).map_err(cannot)?;
        }
    }
    Ok(())
}

fn write_cache_file(path: &Path, file: &CacheFile) -> Result<(), String> {
    let cannot = |error: std::io::Error| {
        format!(
            "cannot write the cache file {}: {}",
            path.display(),
            crate::walk::describe_io_error(&error)
        )
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(cannot)?;
    }
    let bytes = serde_json::to_vec(file).map_err(|error| error.to_string())?;
    write_atomically(path, &bytes).map_err(cannot)
}

/// Writes `contents` to a temporary file of a name no other process or thread uses,
/// then renames it over `path`: a reader sees the old file or the new one, whole.
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let temporary = path.with_file_name(name);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(contents)?;
        drop(file);
        fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// `pyleak-fix clean`: removes the cache directory `dir`, but only when it is one
/// (it holds the `CACHEDIR.TAG` this tool writes): a `cache-dir` set by mistake to the
/// project itself, or to another tool's cache, must not cost it. Returns whether there
/// was one to remove.
pub fn clean(dir: &Path) -> Result<bool, String> {
    if fs::symlink_metadata(dir).is_err() {
        return Ok(false);
    }
    let ours = fs::read_to_string(dir.join("CACHEDIR.TAG")).is_ok_and(|tag| tag == CACHEDIR_TAG);
    if !ours {
        return Err(format!(
            "{} is not a pyleak-fix cache (it holds no CACHEDIR.TAG that pyleak-fix wrote); \
             not removed",
            dir.display()
        ));
    }
    fs::remove_dir_all(dir).map_err(|error| {
        format!(
            "cannot remove {}: {}",
            dir.display(),
            crate::walk::describe_io_error(&error)
        )
    })?;
    Ok(true)
}
