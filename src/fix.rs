//! Edits, fixes and their application: the small plain types every rule speaks.

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
}

/// Applies as many of `fixes` as can go together, in the given order: a fix whose edits
/// overlap an already accepted fix is left for the caller's next pass. An edit identical
/// to one already accepted (the same import, added by two fixes) is applied once.
pub fn apply_fixes(text: &str, fixes: &[&Fix]) -> AppliedFixes {
    let mut accepted: Vec<(usize, &Edit)> = Vec::new(); // (order of acceptance, edit)
    let mut result = AppliedFixes::default();
    for (index, fix) in fixes.iter().enumerate() {
        if !fix.is_well_formed(text.len()) {
            result.malformed.push(index);
            continue;
        }
        let fresh: Vec<&Edit> = fix
            .edits
            .iter()
            .filter(|edit| !accepted.iter().any(|(_, done)| *done == *edit))
            .collect();
        if fresh
            .iter()
            .any(|edit| accepted.iter().any(|(_, done)| done.overlaps(edit)))
        {
            continue;
        }
        let order = result.applied.len();
        accepted.extend(fresh.into_iter().map(|edit| (order, edit)));
        result.applied.push(index);
    }
    // Sort by position; at one offset, insertions go first and keep the order their
    // fixes were accepted in (fixes arrive sorted by the position of their finding).
    accepted.sort_by_key(|(order, edit)| (edit.range.start, !edit.is_insertion(), *order));
    result.text = splice(text, accepted.iter().map(|(_, edit)| *edit));
    result
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

    #[test]
    fn refuses_a_fix_whose_own_edits_overlap() {
        let bad = fix(vec![Edit::replace(0..3, "X"), Edit::replace(2..4, "Y")]);
        let out = apply_fixes("abcde", &[&bad]);
        assert_eq!(out.text, "abcde");
        assert_eq!(out.malformed, vec![0]);
    }
}
