//! Edits, fixes and their application: the small plain types every rule speaks.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ops::Range;

/// Replace the bytes in `range` of the current text with `content`.
/// An empty range is an insertion.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
}

impl Edit {
    pub fn replace(range: Range<usize>, content: impl Into<String>) -> Self {
        Edit {
            range,
            content: content.into(),
        }
    }

    pub fn insert(at: usize, content: impl Into<String>) -> Self {
        Edit {
            range: at..at,
            content: content.into(),
        }
    }

    pub fn delete(range: Range<usize>) -> Self {
        Edit {
            range,
            content: String::new(),
        }
    }

    fn is_insertion(&self) -> bool {
        self.range.is_empty()
    }

    /// Two edits overlap when they touch a common byte, or when one inserts strictly
    /// inside the range the other replaces. Insertions at the same offset, and edits that
    /// only meet at a boundary, do not overlap: their order is decided by the caller.
    fn overlaps(&self, other: &Edit) -> bool {
        match (self.is_insertion(), other.is_insertion()) {
            (true, true) => false,
            (true, false) => {
                other.range.start < self.range.start && self.range.start < other.range.end
            }
            (false, true) => {
                self.range.start < other.range.start && other.range.start < self.range.end
            }
            (false, false) => {
                self.range.start < other.range.end && other.range.start < self.range.end
            }
        }
    }
}

/// Whether a fix may change behaviour the user relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Keeps the program's meaning: applied by default.
    Safe,
    /// May change behaviour someone relies on: applied only with `--unsafe-fixes`.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// A set of edits that together repair one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, in the imperative ("Default `acc` to `None` ...").
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(
        title: impl Into<String>,
        applicability: Applicability,
        mut edits: Vec<Edit>,
    ) -> Self {
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        // Two parts of one fix asking for the same text at the same place (the blank
        // lines before a new `def`, wanted by the import above it and by the `def`) get it
        // once, as two fixes do in `apply_fixes`.
        edits.dedup();
        Fix {
            title: title.into(),
            applicability,
            edits,
        }
    }

    /// A fix is well formed when its edits are in order and none overlaps another.
    pub fn is_well_formed(&self, text_len: usize) -> bool {
        self.edits
            .iter()
            .all(|e| e.range.start <= e.range.end && e.range.end <= text_len)
            && self.edits.windows(2).all(|w| {
                w[0].range.start <= w[1].range.start
                    && !w[0].overlaps(&w[1])
                    && w[0].range.end <= w[1].range.start
            })
    }
}

/// The outcome of choosing, from many fixes, the ones that can be applied together.
#[derive(Debug, Default)]
pub struct AppliedFixes {
    /// The text with the accepted fixes applied.
    pub text: String,
    /// Indices (into the input slice) of the fixes that were applied.
    pub applied: Vec<usize>,
    /// Indices of fixes refused because their own edits overlap or fall outside the text.
    pub malformed: Vec<usize>,
    /// The edits applied, sorted, each as the byte range it replaced in the input text
    /// and the length in bytes of what replaced it: what [`compose`] needs.
    pub spans: Vec<(Range<usize>, usize)>,
}

/// The edits accepted so far, indexed by position so that checking a new edit against
/// all of them costs a logarithm, not a scan: accepted replacements never overlap each
/// other, so only the one starting last before an edit can reach into it.
#[derive(Default)]
struct Accepted<'a> {
    /// Non-empty ranges, by start: end.
    replacements: BTreeMap<usize, usize>,
    /// Offsets of insertions (several may share one).
    insertions: BTreeSet<usize>,
    edits: HashSet<&'a Edit>,
}

impl<'a> Accepted<'a> {
    /// Whether `edit` overlaps an accepted edit, in the sense of [`Edit::overlaps`].
    fn overlaps(&self, edit: &Edit) -> bool {
        crate::work::add(1);
        let Range { start, end } = edit.range;
        let reaches_in = |at: usize| {
            self.replacements
                .range(..at)
                .next_back()
                .is_some_and(|(_, &replaced_end)| replaced_end > at)
        };
        if edit.is_insertion() {
            return reaches_in(start);
        }
        reaches_in(start)
            || self.replacements.range(start..end).next().is_some()
            || self.insertions.range(start + 1..end).next().is_some()
    }

    fn add(&mut self, edit: &'a Edit) {
        if edit.is_insertion() {
            self.insertions.insert(edit.range.start);
        } else {
            self.replacements.insert(edit.range.start, edit.range.end);
        }
        self.edits.insert(edit);
    }
}

/// Applies as many of `fixes` as can go together, in the given order: a fix whose edits
/// overlap an already accepted fix is left for the caller's next pass. An edit identical
/// to one already accepted (the same import, added by two fixes) is applied once.
/// `O(e log e)` for `e` edits, plus the text's length.
pub fn apply_fixes(text: &str, fixes: &[&Fix]) -> AppliedFixes {
    let mut accepted = Accepted::default();
    let mut in_order: Vec<(usize, &Edit)> = Vec::new(); // (order of acceptance, edit)
    let mut result = AppliedFixes::default();
    for (index, fix) in fixes.iter().enumerate() {
        if !fix.is_well_formed(text.len()) {
            result.malformed.push(index);
            continue;
        }
        let fresh: Vec<&Edit> = fix
            .edits
            .iter()
            .filter(|edit| !accepted.edits.contains(edit))
            .collect();
        if fresh.iter().any(|edit| accepted.overlaps(edit)) {
            continue;
        }
        let order = result.applied.len();
        for edit in fresh {
            accepted.add(edit);
            in_order.push((order, edit));
        }
        result.applied.push(index);
    }
    // Sort by position; at one offset, insertions go first and keep the order their
    // fixes were accepted in (fixes arrive sorted by the position of their finding).
    in_order.sort_by_key(|(order, edit)| (edit.range.start, !edit.is_insertion(), *order));
    result.spans = in_order
        .iter()
        .map(|(_, edit)| (edit.range.clone(), edit.content.len()))
        .collect();
    result.text = splice(text, in_order.iter().map(|(_, edit)| *edit));
    result
}

/// Where a text differs from the original it was derived from: the bytes `old` of the
/// original became the bytes `new` of the text. A list of changes is sorted, and no two
/// of them touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub old: Range<usize>,
    pub new: Range<usize>,
}

/// The changes from the original to the text that `spans` (sorted edits of the current
/// text, see [`AppliedFixes::spans`]) make of the current one, given `changes` from the
/// original to the current text. Linear in the number of changes and spans: this is
/// how a diff of a file with many fixes avoids comparing the whole texts.
pub fn compose(changes: &[Change], spans: &[(Range<usize>, usize)]) -> Vec<Change> {
    // Every region of the current text that differs from the original or is edited now,
    // in current offsets, with how much this pass's edits grow it.
    let mut regions: Vec<(usize, usize, isize)> = changes
        .iter()
        .map(|change| (change.new.start, change.new.end, 0))
        .chain(spans.iter().map(|(range, length)| {
            let growth = *length as isize - range.len() as isize;
            (range.start, range.end, growth)
        }))
        .collect();
    crate::work::add(regions.len());
    regions.sort_by_key(|&(start, end, _)| (start, end));
    let mut merged: Vec<(usize, usize, isize)> = Vec::with_capacity(regions.len());
    for (start, end, growth) in regions {
        match merged.last_mut() {
            // Touching regions merge too: a diff shows them as one change.
            Some(last) if start <= last.1 => {
                last.1 = last.1.max(end);
                last.2 += growth;
            }
            _ => merged.push((start, end, growth)),
        }
    }
    // Each merged region holds every old change that meets it; outside them the current
    // text is the original, shifted by the old changes before.
    let mut old_changes = changes.iter().peekable();
    let mut old_shift = 0isize; // current minus original length, of the old changes passed
    let mut new_shift = 0isize; // growth from this pass's edits passed
    let mut out = Vec::with_capacity(merged.len());
    for (start, end, growth) in merged {
        let old_start = (start as isize - old_shift) as usize;
        while let Some(change) = old_changes.next_if(|change| change.new.start <= end) {
            old_shift += change.new.len() as isize - change.old.len() as isize;
        }
        let old_end = (end as isize - old_shift) as usize;
        let new_start = (start as isize + new_shift) as usize;
        new_shift += growth;
        let new_end = (end as isize + new_shift) as usize;
        out.push(Change {
            old: old_start..old_end,
            new: new_start..new_end,
        });
    }
    out
}

/// Copies the gaps between sorted, non-overlapping edits and the edits' contents.
fn splice<'a>(text: &str, edits: impl Iterator<Item = &'a Edit>) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut cursor = 0;
    for edit in edits {
        debug_assert!(
            cursor <= edit.range.start,
            "edits must be sorted and disjoint"
        );
        out.push_str(&text[cursor..edit.range.start]);
        out.push_str(&edit.content);
        cursor = edit.range.end;
    }
    out.push_str(&text[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix::new("t", Applicability::Safe, edits)
    }

    #[test]
    fn applies_disjoint_fixes_and_copies_gaps() {
        let a = fix(vec![Edit::replace(0..1, "A")]);
        let b = fix(vec![Edit::replace(4..5, "E"), Edit::insert(2, "+")]);
        let out = apply_fixes("abcde", &[&a, &b]);
        assert_eq!(out.text, "Ab+cdE");
        assert_eq!(out.applied, vec![0, 1]);
    }

    #[test]
    fn defers_a_fix_that_overlaps_an_accepted_one() {
        let a = fix(vec![Edit::replace(1..3, "X")]);
        let b = fix(vec![Edit::replace(2..4, "Y")]);
        let out = apply_fixes("abcde", &[&a, &b]);
        assert_eq!(out.text, "aXde");
        assert_eq!(out.applied, vec![0]);
        assert!(out.malformed.is_empty());
    }

    #[test]
    fn insertion_inside_a_replaced_range_overlaps() {
        let a = fix(vec![Edit::replace(1..4, "X")]);
        let b = fix(vec![Edit::insert(2, "Y")]);
        assert_eq!(apply_fixes("abcde", &[&a, &b]).applied, vec![0]);
        let c = fix(vec![Edit::insert(4, "Z")]);
        assert_eq!(apply_fixes("abcde", &[&a, &c]).text, "aXZe");
    }

    #[test]
    fn insertions_at_one_offset_keep_fix_order() {
        let a = fix(vec![Edit::insert(1, "1")]);
        let b = fix(vec![Edit::insert(1, "2")]);
        assert_eq!(apply_fixes("ab", &[&a, &b]).text, "a12b");
    }

    #[test]
    fn identical_edits_from_two_fixes_apply_once() {
        let import = Edit::insert(0, "I");
        let a = fix(vec![import.clone(), Edit::replace(1..2, "B")]);
        let b = fix(vec![import, Edit::replace(3..4, "D")]);
        let out = apply_fixes("abcdef", &[&a, &b]);
        assert_eq!(out.text, "IaBcDef");
        assert_eq!(out.applied, vec![0, 1]);
    }

    /// The slow, obvious check the indexed one replaced.
    fn overlaps_any(accepted: &[Edit], edit: &Edit) -> bool {
        accepted.iter().any(|done| done.overlaps(edit))
    }

    #[test]
    fn the_indexed_overlap_check_agrees_with_pairwise_checks() {
        // Every small edit against every small set of non-overlapping accepted edits.
        let mut all = Vec::new();
        for start in 0..6 {
            for end in start..6 {
                all.push(Edit::replace(start..end, "x"));
            }
        }
        for (i, a) in all.iter().enumerate() {
            for b in &all[i..] {
                if a.overlaps(b) {
                    continue;
                }
                let mut accepted = Accepted::default();
                accepted.add(a);
                if accepted.edits.contains(b) {
                    continue;
                }
                accepted.add(b);
                let done = [a.clone(), b.clone()];
                for edit in &all {
                    assert_eq!(
                        accepted.overlaps(edit),
                        overlaps_any(&done, edit),
                        "{edit:?} against {done:?}"
                    );
                }
            }
        }
    }

    /// Applies `passes` of edits one after another and checks the composed changes
    /// against the texts: outside them the texts agree, inside they are what changed.
    fn check_composition(original: &str, passes: &[Vec<Edit>]) {
        let mut text = original.to_string();
        let mut changes = Vec::new();
        for edits in passes {
            let fixes: Vec<Fix> = edits.iter().map(|e| fix(vec![e.clone()])).collect();
            let refs: Vec<&Fix> = fixes.iter().collect();
            let applied = apply_fixes(&text, &refs);
            assert_eq!(applied.applied.len(), edits.len());
            changes = compose(&changes, &applied.spans);
            text = applied.text;
        }
        let (mut old_at, mut new_at) = (0, 0);
        for change in &changes {
            assert_eq!(
                &original[old_at..change.old.start],
                &text[new_at..change.new.start]
            );
            old_at = change.old.end;
            new_at = change.new.end;
        }
        assert_eq!(&original[old_at..], &text[new_at..]);
        for pair in changes.windows(2) {
            assert!(pair[0].old.end < pair[1].old.start || pair[0].new.end < pair[1].new.start);
        }
    }

    #[test]
    fn composed_changes_cover_every_difference() {
        check_composition("abcdefghij", &[vec![Edit::replace(1..2, "BB")]]);
        check_composition(
            "abcdefghij",
            &[
                vec![Edit::replace(1..2, "BB"), Edit::insert(5, "++")],
                vec![Edit::delete(0..1), Edit::replace(7..9, "")],
                vec![Edit::insert(0, "start"), Edit::insert(3, "mid")],
            ],
        );
        check_composition(
            "0123456789",
            &[
                vec![Edit::delete(2..5)],
                vec![Edit::insert(2, "xyz")],
                vec![Edit::replace(0..7, "")],
            ],
        );
        let changes = compose(&[], &[(2..4, 0), (4..4, 3), (8..9, 1)]);
        assert_eq!(
            changes,
            [
                Change {
                    old: 2..4,
                    new: 2..5
                },
                Change {
                    old: 8..9,
                    new: 9..10
                }
            ]
        );
    }

    #[test]
    fn refuses_a_fix_whose_own_edits_overlap() {
        let bad = fix(vec![Edit::replace(0..3, "X"), Edit::replace(2..4, "Y")]);
        let out = apply_fixes("abcde", &[&bad]);
        assert_eq!(out.text, "abcde");
        assert_eq!(out.malformed, vec![0]);
    }
}
