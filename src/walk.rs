//! Finding the files to process: the paths named on the command line, and the Python
//! files under the directories among them.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{mpsc, Arc};

use ignore::{WalkBuilder, WalkState};

use crate::config::Resolver;

/// Directory names not descended into unless a configuration's `exclude` says otherwise:
/// environments, build output, caches. They are the default `exclude`.
pub const SKIPPED_DIRECTORIES: &[&str] = &[
    ".git",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "__pycache__",
];

/// A path that could not be walked, with what went wrong.
#[derive(Debug)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

/// Something noticed while walking that does not stop it (a malformed `.gitignore` line).
#[derive(Debug)]
pub struct WalkWarning {
    pub message: String,
}

/// What walking the command-line paths found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Sorted, without duplicates, each as it should be shown (relative to the working
    /// directory where possible).
    pub files: Vec<PathBuf>,
    pub errors: Vec<WalkError>,
    pub warnings: Vec<WalkWarning>,
}

/// Collects the files to process under `paths`. Explicitly named files are kept (except
/// `.pyi` stubs, and, with `force_exclude`, those their configuration excludes);
/// directories are walked in parallel for `*.py` files, honouring ignore files and each
/// directory's configured `exclude` ([`SKIPPED_DIRECTORIES`] by default). Paths are
/// shortened against the resolver's working directory. A path whose configuration is
/// broken is left out; the resolver keeps the error for the caller.
pub fn collect_files(paths: &[PathBuf], resolver: &Arc<Resolver>, force_exclude: bool) -> Walked {
    let cwd = resolver.cwd();
    let mut walked = Walked::default();
    let mut directories = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path);
        // A path named on the command line is processed whatever its name, unless asked
        // otherwise: pre-commit passes every staged file and relies on this to skip some.
        if metadata.is_ok() && force_exclude && is_excluded(resolver, path) {
            continue;
        }
        match metadata {
            Ok(metadata) if metadata.is_dir() => directories.push(path.clone()),
            Ok(_) => {
                if !is_stub(path) {
                    walked.files.push(display_path(path, cwd));
                }
            }
            Err(error) => walked.errors.push(WalkError {
                path: display_path(path, cwd),
                message: describe_io_error(&error),
            }),
        }
    }
    if !directories.is_empty() {
        walk_directories(&directories, resolver, &mut walked);
    }
    walked.files.sort();
    walked.files.dedup();
    drop_second_names(&mut walked.files);
    walked.errors.sort_by(|a, b| a.path.cmp(&b.path));
    walked
}

/// Keeps one name of each file named more than once (directly and through symbolic
/// links, or by hard links): processing it twice would fix it twice, and the second
/// write would find it changed. The name kept is the first that is not a symbolic link,
/// else the first, in path order.
fn drop_second_names(files: &mut Vec<PathBuf>) {
    #[cfg(unix)]
    {
        use std::collections::HashMap;
        use std::os::unix::fs::MetadataExt;
        let identity = |path: &Path| {
            std::fs::metadata(path)
                .ok()
                .map(|metadata| (metadata.dev(), metadata.ino()))
        };
        let is_link = |path: &Path| {
            std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_symlink())
        };
        // For each file: the index of the name kept.
        let mut kept: HashMap<(u64, u64), usize> = HashMap::new();
        let mut keep = vec![true; files.len()];
        for (index, path) in files.iter().enumerate() {
            let Some(id) = identity(path) else { continue };
            match kept.get(&id).copied() {
                None => {
                    kept.insert(id, index);
                }
                Some(first) if is_link(&files[first]) && !is_link(path) => {
                    keep[first] = false;
                    kept.insert(id, index);
                }
                Some(_) => keep[index] = false,
            }
        }
        let mut index = 0;
        files.retain(|_| {
            index += 1;
            keep[index - 1]
        });
    }
    #[cfg(not(unix))]
    let _ = files;
}

/// Whether the configuration governing `path` excludes it; a broken configuration
/// excludes everything it governs (its error is reported, and nothing is processed).
fn is_excluded(resolver: &Resolver, path: &Path) -> bool {
    match resolver.config_for(path) {
        Ok(config) => config.is_excluded(&resolver.absolute(path)),
        Err(_) => true,
    }
}

/// The ignore files the walk reads in a directory: each must be a regular file of sane
/// size, or reading it could block (a FIFO) or never end (`/dev/zero`).
const IGNORE_FILES: &[&str] = &[".gitignore", ".ignore", ".git/info/exclude"];

/// The largest ignore file read, in bytes.
const MAX_IGNORE_FILE_BYTES: u64 = 10_000_000;

/// Why `directory` cannot be walked safely: an ignore file in it (or, for a root, in an
/// directory above it, which the walk reads too) that is not a regular file or is huge.
fn unreadable_ignore_file(directory: &Path) -> Option<(PathBuf, String)> {
    IGNORE_FILES.iter().find_map(|name| {
        let path = directory.join(name);
        let metadata = std::fs::metadata(&path).ok()?;
        if !metadata.is_file() {
            return Some((
                path,
                "an ignore file that is not a regular file; the directory is not walked".into(),
            ));
        }
        (metadata.len() > MAX_IGNORE_FILE_BYTES).then(|| {
            let message = format!(
                "an ignore file of {} bytes, more than {MAX_IGNORE_FILE_BYTES}; the directory is not walked",
                metadata.len()
            );
            (path, message)
        })
    })
}

fn walk_directories(directories: &[PathBuf], resolver: &Arc<Resolver>, walked: &mut Walked) {
    let cwd = resolver.cwd();
    let filter_resolver = Arc::clone(resolver);
    let refused = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut safe = Vec::new();
    for directory in directories {
        let absolute = resolver.absolute(directory);
        match absolute.ancestors().find_map(unreadable_ignore_file) {
            Some(bad) => refused.lock().expect("not poisoned").push(bad),
            None => safe.push(directory.clone()),
        }
    }
    let directories = safe;
    if directories.is_empty() {
        record_refused_ignore_files(&refused, cwd, walked);
        return;
    }
    let filter_refused = Arc::clone(&refused);
    let mut builder = WalkBuilder::new(&directories[0]);
    for directory in &directories[1..] {
        builder.add(directory);
    }
    builder
        // Hidden files are not skipped as such: the hidden directories that hold no
        // project code are in SKIPPED_DIRECTORIES, and `.hidden.py` is still code.
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            // Roots are never filtered here: a directory named on the command line is
            // walked (`--force-exclude` was applied to it before).
            if entry.depth() == 0 {
                return true;
            }
            if is_excluded(&filter_resolver, entry.path()) {
                return false;
            }
            if entry.file_type().is_some_and(|kind| kind.is_dir()) {
                if let Some(bad) = unreadable_ignore_file(entry.path()) {
                    filter_refused.lock().expect("not poisoned").push(bad);
                    return false;
                }
            }
            true
        });

    enum Found {
        File(PathBuf),
        Warning(String),
        Error(ignore::Error),
    }
    let (sender, receiver) = mpsc::channel();
    builder.build_parallel().run(|| {
        let sender = sender.clone();
        Box::new(move |result| {
            let found = match result {
                Ok(entry) => {
                    if let Some(error) = entry.error() {
                        // The entry is fine, an ignore file in it is not (a bad glob):
                        // git goes on in that case, and so does this walk.
                        let _ = sender.send(Found::Warning(error.to_string()));
                    }
                    // Symbolic links found while walking are not followed: fixing the
                    // file they point to may reach outside the tree being walked.
                    let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
                    if !is_file || !is_python(entry.path()) {
                        return WalkState::Continue;
                    }
                    Found::File(entry.into_path())
                }
                Err(error) => Found::Error(error),
            };
            let _ = sender.send(found);
            WalkState::Continue
        })
    });
    drop(sender);
    for found in receiver {
        match found {
            Found::File(path) => walked.files.push(display_path(&path, cwd)),
            Found::Warning(message) => walked.warnings.push(WalkWarning { message }),
            Found::Error(error) => record_walk_error(error, cwd, walked),
        }
    }
    record_refused_ignore_files(&refused, cwd, walked);
}

fn record_refused_ignore_files(
    refused: &std::sync::Mutex<Vec<(PathBuf, String)>>,
    cwd: &Path,
    walked: &mut Walked,
) {
    for (path, message) in refused.lock().expect("not poisoned").drain(..) {
        walked.errors.push(WalkError {
            path: display_path(&path, cwd),
            message,
        });
    }
}

fn record_walk_error(error: ignore::Error, cwd: &Path, walked: &mut Walked) {
    // An entry that could not be read (a directory without permission) is an error:
    // whatever it holds was not processed.
    let (path, inner) = split_path(&error);
    let message = match inner {
        ignore::Error::Io(io_error) => describe_io_error(io_error),
        other => other.to_string(),
    };
    walked.errors.push(WalkError {
        path: path.map_or_else(PathBuf::new, |path| display_path(path, cwd)),
        message,
    });
}

/// The path an ignore error is about, if it says, and the error under the wrappers.
fn split_path(error: &ignore::Error) -> (Option<&Path>, &ignore::Error) {
    match error {
        ignore::Error::WithPath { path, err } => {
            let (inner_path, inner) = split_path(err);
            (inner_path.or(Some(path)), inner)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            split_path(err)
        }
        other => (None, other),
    }
}

/// A short, lower-case description of an I/O error, without Rust's `(os error N)` noise
/// for the common cases.
pub fn describe_io_error(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::StorageFull => "no space left on device".to_string(),
        _ => error.to_string(),
    }
}

fn is_python(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "py")
}

fn is_stub(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "pyi")
}

/// The path as a user expects to see it, and as `git apply` in `cwd` expects it in a
/// diff: without a leading `./`, and relative to `cwd` when it is an absolute path under it.
pub fn display_path(path: &Path, cwd: &Path) -> PathBuf {
    let path = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path
    };
    let mut components = path.components().peekable();
    while components.peek() == Some(&Component::CurDir) {
        components.next();
    }
    let shown: PathBuf = components.collect();
    if shown.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_are_relative_without_dot_slash() {
        let cwd = Path::new("/work/project");
        assert_eq!(
            display_path(Path::new("./a/b.py"), cwd),
            Path::new("a/b.py")
        );
        assert_eq!(
            display_path(Path::new("a/./b.py"), cwd),
            Path::new("a/b.py")
        );
        assert_eq!(
            display_path(Path::new("/work/project/src/x.py"), cwd),
            Path::new("src/x.py")
        );
        assert_eq!(
            display_path(Path::new("/elsewhere/x.py"), cwd),
            Path::new("/elsewhere/x.py")
        );
        assert_eq!(
            display_path(Path::new("../up/x.py"), cwd),
            Path::new("../up/x.py")
        );
        assert_eq!(display_path(Path::new("."), cwd), Path::new("."));
    }
}
