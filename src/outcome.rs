//! What a run did to each file: the data the run hands to the report. Kept apart from
//! both so that they depend on it, not on each other.

use std::path::PathBuf;

use crate::engine::Located;

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

/// What happened to one file.
#[derive(Debug)]
pub struct FileReport {
    /// As shown to the user and used to open the file.
    pub path: PathBuf,
    /// Whether unsafe fixes were allowed for this file (its configuration may say).
    pub unsafe_fixes: bool,
    /// The cause when the file could not be processed (`cannot read: ...`).
    pub outcome: Result<FileOutcome, String>,
}

#[derive(Debug)]
pub enum FileOutcome {
    /// `--check`: the findings in the file as it is, and its text (without a byte-order
    /// mark) when there are any, for the formats that show or locate more than a line.
    Checked {
        findings: Vec<Located>,
        source: String,
    },
    /// Fixing, in place or as a diff.
    Fixed(FixedFile),
}

#[derive(Debug)]
pub struct FixedFile {
    /// How many findings the file had before fixing.
    pub initial_findings: usize,
    /// The code of each fix applied (or that would be), one entry per fix.
    pub applied: Vec<&'static str>,
    /// The findings left after fixing, located in the fixed text.
    pub remaining: Vec<Located>,
    /// `--add-noqa`: the code of each finding left after fixing that a `# noqa` comment
    /// now silences.
    pub silenced: Vec<&'static str>,
    /// Whether the fixes changed the file (or would).
    pub changed: bool,
    /// `--dry-run`: the hunks of the diff from the file's bytes to the bytes that would
    /// be written (in the file's encoding, so that `git apply` finds its lines).
    pub diff: Option<Vec<u8>>,
    /// `--dry-run`: the diff's `---`/`+++` lines, naming the file a fix would write,
    /// relative to the patch's base (the run names them once every file is
    /// processed). Empty until then.
    pub diff_header: Vec<u8>,
    /// The fixed text (without a byte-order mark) when fixing in place left findings:
    /// what their locations and fixes refer to. Empty otherwise. (A dry run's findings
    /// left are located in the file as it is on disk, which the diff's old side shows.)
    pub source: String,
}
