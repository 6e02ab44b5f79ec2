//! One file's entry: the bytes it was computed from (size and hash) and the results
//! kept for them, by mode. Stored as plain data and turned back into the run's types
//! only after checking it against the file's text, so that a damaged or forged entry
//! is a miss, never a wrong report or a panic.

use serde::{Deserialize, Serialize};

use crate::encoding::decode_source;
use crate::engine::Located;
use crate::fix::{Applicability, Edit, Fix};
use crate::outcome::{FileOutcome, FixedFile, Mode};
use crate::rules::{self, Finding};
use crate::source::{LineIndex, Location};

use super::content_hash;

/// What is kept for one file's bytes.
///
/// Which results are kept, and why each is exactly what a fresh run gives:
/// - `clean`: no finding. Every mode then reports the file the same way (nothing to
///   fix, nothing left, no `# noqa` to add), so one run in any mode serves all three.
/// - `check`: `--check`'s findings.
/// - `unchanged`: fixing (in place or as a diff) changed nothing: the findings are all
///   left, located in the file as it is. In place and as a diff give the same then.
/// - `dry_run`: `--dry-run` on a file its fixes change: the diff and what it leaves.
///
/// A file fixed in place is not kept: its new bytes are on disk, and the next run
/// reads (and keeps) them. Errors are never kept: a file that cannot be read, decoded
/// or parsed is processed again, and says why, every time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    size: u64,
    /// XXH3-128 of the file's bytes, as 32 hexadecimal digits.
    hash: String,
    #[serde(default, skip_serializing_if = "is_false")]
    clean: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    check: Option<Vec<CachedLocated>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unchanged: Option<CachedFixed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dry_run: Option<CachedFixed>,
}

/// A finding as kept: [`Located`] with its rule named by code.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedLocated {
    code: String,
    /// Byte offsets in the text (after any byte-order mark).
    range: (usize, usize),
    message: String,
    detail: String,
    fix: Option<CachedFix>,
    /// 1-based line and column (characters).
    start: (usize, usize),
    end: (usize, usize),
    noqa_line: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedFix {
    title: String,
    /// `safe` or `unsafe`.
    applicability: String,
    /// Byte range and replacement.
    edits: Vec<(usize, usize, String)>,
}

/// A [`FixedFile`] as kept, less what a run names afterwards (the diff's header) and
/// the text (read again from the file itself).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedFixed {
    initial_findings: usize,
    applied: Vec<String>,
    remaining: Vec<CachedLocated>,
    silenced: Vec<String>,
    changed: bool,
    /// The diff's hunks, when they are UTF-8 (a diff in another encoding is not kept).
    diff: Option<String>,
}

impl Entry {
    /// Whether this entry was computed from exactly `bytes`.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        self.size == bytes.len() as u64 && self.hash == hash_text(bytes)
    }

    /// The entry for `bytes` after a run in `mode` gave `outcome`, starting from what
    /// was kept for the same bytes (`previous`); `None` when there is nothing new to
    /// keep.
    pub fn record(
        previous: Option<&Entry>,
        bytes: &[u8],
        mode: Mode,
        outcome: &FileOutcome,
    ) -> Option<Entry> {
        let mut entry = previous.cloned().unwrap_or_else(|| Entry {
            size: bytes.len() as u64,
            hash: hash_text(bytes),
            clean: false,
            check: None,
            unchanged: None,
            dry_run: None,
        });
        if entry.clean {
            return None;
        }
        match outcome {
            FileOutcome::Checked { findings, .. } if findings.is_empty() => entry.clean = true,
            FileOutcome::Checked { findings, .. } => {
                entry.check = Some(findings.iter().map(CachedLocated::new).collect());
            }
            FileOutcome::Fixed(fixed) if is_clean(fixed) => entry.clean = true,
            FileOutcome::Fixed(fixed) if !fixed.changed => {
                // Nothing applied or silenced leaves the text as it was; anything else
                // changing nothing is too odd to vouch for.
                if !fixed.applied.is_empty() || !fixed.silenced.is_empty() {
                    return None;
                }
                entry.unchanged = Some(CachedFixed::new(fixed)?);
            }
            FileOutcome::Fixed(fixed) if mode == Mode::DryRun => {
                entry.dry_run = Some(CachedFixed::new(fixed)?);
            }
            FileOutcome::Fixed(_) => return None,
        }
        if entry.clean {
            entry.check = None;
            entry.unchanged = None;
            entry.dry_run = None;
        }
        Some(entry)
    }

    /// The result kept for `mode`, turned back into the run's types and checked against
    /// the file's bytes; `None` when none is kept or it does not hold up.
    pub fn outcome(&self, mode: Mode, bytes: &[u8]) -> Option<FileOutcome> {
        if self.clean {
            return Some(match mode {
                Mode::Check => FileOutcome::Checked {
                    findings: Vec::new(),
                    source: String::new(),
                },
                Mode::Apply | Mode::DryRun => FileOutcome::Fixed(FixedFile {
                    initial_findings: 0,
                    applied: Vec::new(),
                    remaining: Vec::new(),
                    silenced: Vec::new(),
                    changed: false,
                    diff: None,
                    diff_header: Vec::new(),
                    source: String::new(),
                }),
            });
        }
        match mode {
            Mode::Check => {
                let findings = self.check.as_ref()?;
                let text = decode_source(bytes).ok()?.text.into_owned();
                let findings = revive_all(findings, Some(&text))?;
                Some(FileOutcome::Checked {
                    findings,
                    source: text,
                })
            }
            Mode::Apply => {
                let fixed = self.unchanged.as_ref()?;
                // Fixing in place lists what is left with its text.
                let text = decode_source(bytes).ok()?.text.into_owned();
                let mut revived = fixed.revive(Some(&text))?;
                if !revived.remaining.is_empty() {
                    revived.source = text;
                }
                Some(FileOutcome::Fixed(revived))
            }
            Mode::DryRun => {
                if let Some(fixed) = &self.unchanged {
                    // Unchanged: what is left is located in the file as it is.
                    let text = decode_source(bytes).ok()?.text.into_owned();
                    return fixed.revive(Some(&text)).map(FileOutcome::Fixed);
                }
                // What the diff leaves is located in the fixed text, which is not read
                // again: its locations are checked for shape only (a dry run prints
                // them and slices nothing with them).
                let fixed = self.dry_run.as_ref()?;
                fixed.revive(None).map(FileOutcome::Fixed)
            }
        }
    }
}

fn is_false(value: &bool) -> bool {
    !value
}

fn hash_text(bytes: &[u8]) -> String {
    format!("{:032x}", content_hash(bytes))
}

/// No finding, nothing changed: the same in every mode.
fn is_clean(fixed: &FixedFile) -> bool {
    fixed.initial_findings == 0
        && fixed.applied.is_empty()
        && fixed.remaining.is_empty()
        && fixed.silenced.is_empty()
        && !fixed.changed
        && fixed.diff.is_none()
}

impl CachedFixed {
    fn new(fixed: &FixedFile) -> Option<CachedFixed> {
        let diff = match &fixed.diff {
            Some(diff) => Some(String::from_utf8(diff.clone()).ok()?),
            None => None,
        };
        Some(CachedFixed {
            initial_findings: fixed.initial_findings,
            applied: fixed.applied.iter().map(|code| code.to_string()).collect(),
            remaining: fixed.remaining.iter().map(CachedLocated::new).collect(),
            silenced: fixed.silenced.iter().map(|code| code.to_string()).collect(),
            changed: fixed.changed,
            diff,
        })
    }

    fn revive(&self, text: Option<&str>) -> Option<FixedFile> {
        if self.changed != self.diff.is_some() {
            return None;
        }
        Some(FixedFile {
            initial_findings: self.initial_findings,
            applied: codes(&self.applied)?,
            remaining: revive_all(&self.remaining, text)?,
            silenced: codes(&self.silenced)?,
            changed: self.changed,
            diff: self.diff.as_ref().map(|diff| diff.as_bytes().to_vec()),
            diff_header: Vec::new(),
            source: String::new(),
        })
    }
}

/// Each code as the rule's own `&'static str`; `None` if one names no rule.
fn codes(codes: &[String]) -> Option<Vec<&'static str>> {
    codes.iter().map(|code| rule_code(code)).collect()
}

fn rule_code(code: &str) -> Option<&'static str> {
    rules::by_code(code).map(|rule| rule.code())
}

/// The findings, checked against `text` when it is given (see [`CachedLocated::revive`]).
fn revive_all(findings: &[CachedLocated], text: Option<&str>) -> Option<Vec<Located>> {
    let lines = text.filter(|_| !findings.is_empty()).map(LineIndex::new);
    findings
        .iter()
        .map(|finding| finding.revive(text.zip(lines.as_ref())))
        .collect()
}

impl CachedLocated {
    fn new(located: &Located) -> CachedLocated {
        let finding = &located.finding;
        CachedLocated {
            code: finding.code.to_string(),
            range: (finding.range.start, finding.range.end),
            message: finding.message.clone(),
            detail: finding.detail.clone(),
            fix: finding.fix.as_ref().map(|fix| CachedFix {
                title: fix.title.clone(),
                applicability: fix.applicability.as_str().to_string(),
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| (edit.range.start, edit.range.end, edit.content.clone()))
                    .collect(),
            }),
            start: (located.start.line, located.start.column),
            end: (located.end.line, located.end.column),
            noqa_line: located.noqa_line,
        }
    }

    /// The finding, when its rule exists and, given the text it is located in and that
    /// text's line index, every range lies on character boundaries of the text and the
    /// locations are the ones its range has there. Without a text only the shape is
    /// checked (lines and columns from 1, the noqa line not before the start).
    fn revive(&self, text: Option<(&str, &LineIndex)>) -> Option<Located> {
        let code = rule_code(&self.code)?;
        let location = |(line, column): (usize, usize)| Location { line, column };
        let (start, end) = (location(self.start), location(self.end));
        let in_text = |from: usize, to: usize| match text {
            Some((text, _)) => {
                from <= to
                    && to <= text.len()
                    && text.is_char_boundary(from)
                    && text.is_char_boundary(to)
            }
            None => from <= to,
        };
        if !in_text(self.range.0, self.range.1) {
            return None;
        }
        if start.line == 0 || start.column == 0 || end < start || self.noqa_line < start.line {
            return None;
        }
        if let Some((text, lines)) = text {
            if lines.location(text, self.range.0) != start
                || lines.location(text, self.range.1) != end
                || lines.try_line_start(self.noqa_line - 1).is_none()
            {
                return None;
            }
        }
        let fix =
            match &self.fix {
                None => None,
                Some(fix) => {
                    let applicability = match fix.applicability.as_str() {
                        "safe" => Applicability::Safe,
                        "unsafe" => Applicability::Unsafe,
                        _ => return None,
                    };
                    let mut edits = Vec::with_capacity(fix.edits.len());
                    for (from, to, content) in &fix.edits {
                        if !in_text(*from, *to) {
                            return None;
                        }
                        edits.push(Edit::replace(*from..*to, content.clone()));
                    }
                    // As the rule built it: `Fix::new` sorts; an entry out of order is not one.
                    let revived = Fix::new(fix.title.clone(), applicability, edits);
                    if revived.edits.len() != fix.edits.len()
                        || revived.edits.iter().zip(&fix.edits).any(|(edit, kept)| {
                            (edit.range.start, edit.range.end) != (kept.0, kept.1)
                        })
                    {
                        return None;
                    }
                    Some(revived)
                }
            };
        Some(Located {
            finding: Finding {
                code,
                range: self.range.0..self.range.1,
                message: self.message.clone(),
                detail: self.detail.clone(),
                fix,
            },
            start,
            end,
            noqa_line: self.noqa_line,
        })
    }
}
