//! `--statistics`: one line per rule instead of one per finding, as ruff prints it, for
//! sizing up a rule on a code base before turning it on.
//!
//! ```text
//! 12  LK001  [*] mutable-default-argument
//!  3  LK003  [ ] reference-cycle
//! ```
//!
//! The count, the code (separated by tabs), then `[*]` when some of the rule's findings have a fix this run
//! would apply (`[ ]` otherwise; the column is left out when no finding has one), and the
//! rule's name. Rules with more findings come first.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use crate::engine::Located;
use crate::fix::Applicability;
use crate::rules;

/// The findings of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    pub code: &'static str,
    pub name: &'static str,
    pub count: usize,
    /// Whether some finding has a fix this run would apply (an unsafe one only with
    /// unsafe fixes on).
    pub fixable: bool,
}

/// Counts `findings` by rule, each with whether unsafe fixes are on for its file; most
/// findings first, then by code.
pub fn count_by_rule<'a>(
    findings: impl IntoIterator<Item = (&'a Located, bool)>,
) -> Vec<RuleCount> {
    let mut by_code: BTreeMap<&'static str, RuleCount> = BTreeMap::new();
    for (located, unsafe_fixes) in findings {
        let code = located.finding.code;
        let entry = by_code.entry(code).or_insert_with(|| RuleCount {
            code,
            name: rules::by_code(code).map_or("", |rule| rule.name()),
            count: 0,
            fixable: false,
        });
        entry.count += 1;
        entry.fixable |= located
            .finding
            .fix
            .as_ref()
            .is_some_and(|fix| fix.applicability == Applicability::Safe || unsafe_fixes);
    }
    let mut counts: Vec<RuleCount> = by_code.into_values().collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    counts
}

/// The table, one tab-separated line per rule.
pub fn write_table(out: &mut impl Write, counts: &[RuleCount]) -> io::Result<()> {
    let count_width = counts
        .iter()
        .map(|row| row.count.to_string().len())
        .max()
        .unwrap_or(0);
    let code_width = counts.iter().map(|row| row.code.len()).max().unwrap_or(0);
    let any_fixable = counts.iter().any(|row| row.fixable);
    for row in counts {
        let marker = match (any_fixable, row.fixable) {
            (false, _) => "",
            (true, true) => "[*] ",
            (true, false) => "[ ] ",
        };
        writeln!(
            out,
            "{:>count_width$}\t{:<code_width$}\t{marker}{}",
            row.count, row.code, row.name
        )?;
    }
    Ok(())
}

/// `[{"code", "name", "count", "fixable"}]`, ruff's JSON statistics.
pub fn to_json(counts: &[RuleCount]) -> Value {
    Value::Array(
        counts
            .iter()
            .map(|row| {
                json!({
                    "code": row.code,
                    "name": row.name,
                    "count": row.count,
                    "fixable": row.fixable,
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &'static str, count: usize, fixable: bool) -> RuleCount {
        RuleCount {
            code,
            name: rules::by_code(code).unwrap().name(),
            count,
            fixable,
        }
    }

    #[test]
    fn the_table_aligns_counts_and_marks_fixable_rules_like_ruff() {
        let mut out = Vec::new();
        write_table(&mut out, &[row("LK001", 12, true), row("LK003", 3, false)]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "12\tLK001\t[*] mutable-default-argument\n 3\tLK003\t[ ] reference-cycle\n"
        );
        let mut out = Vec::new();
        write_table(&mut out, &[row("LK002", 1, false)]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1\tLK002\tmodule-level-large-allocation\n"
        );
    }
}
