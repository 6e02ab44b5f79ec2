//! What the measuring examples share: the Python files under a directory.

use std::path::{Path, PathBuf};

/// Every `*.py` file under `dir`, recursively, appended to `out` (unreadable
/// directories are skipped).
pub fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}
