//! The promises every fix run must keep, checked on any input: by the fuzz targets in
//! `fuzz/`, and by the test suite on every fixture.

use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::engine::{check_text, fix_text, parse, EngineError};
use crate::oracle;
use crate::settings::Settings;

/// Whether CPython (`python3` on the PATH) compiles `text`. tree-sitter's grammar accepts
/// some text CPython rejects; a fix that breaks such text breaks no real program, so the
/// fuzz targets ask CPython before calling a broken fix a bug.
pub fn cpython_compiles(text: &str) -> bool {
    let child = Command::new("python3")
        .args([
            "-c",
            "import sys; compile(sys.stdin.buffer.read(), '<fuzz>', 'exec', dont_inherit=True)",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else { return true };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(text.as_bytes());
    }
    child.wait().map(|status| status.success()).unwrap_or(true)
}

/// Like [`check_fix_invariants`], but what happens to text CPython itself rejects is not
/// counted when tree-sitter is the one misled: a fix that breaks such text, or prefilters
/// that read it as Python does (`def f` and its `(` on two lines) where tree-sitter's
/// grammar does not. That is what the fuzz targets assert.
///
/// Where a fix changed the text and CPython compiles the input, CPython must compile the
/// output too: a cross-check of the [`oracle`] against the real thing, asked only when a
/// fix was made so that it costs a process only then.
pub fn check_fix_invariants_for_python(text: &str, settings: &Settings) -> Result<(), String> {
    match check_fix_invariants(text, settings) {
        Err(broken)
            if (broken.contains("does not parse") || broken.starts_with(PREFILTER_MISMATCH))
                && !cpython_compiles(text) =>
        {
            Ok(())
        }
        Ok(()) => match fix_text(text, settings) {
            Ok(outcome)
                if outcome.fixed != text
                    && !cpython_compiles(&outcome.fixed)
                    && cpython_compiles(text) =>
            {
                Err("CPython compiles the input but not the fixed text".into())
            }
            _ => Ok(()),
        },
        other => other,
    }
}

const PREFILTER_MISMATCH: &str = "the prefilters hide or change findings";

/// The default rules with unsafe fixes on: every fix the default set can make, and (the
/// default set being LK001's) the region parse, held to the whole parse's findings.
pub fn all_rules_unsafe() -> Settings {
    Settings {
        unsafe_fixes: true,
        ..Settings::default()
    }
}

/// Checks, for `text`: no panic (the caller sees it); the prefilters change no finding;
/// every edit of every fix lies within the text, on character boundaries; input that
/// parsed gives output that parses, to tree-sitter and to the [`oracle`]; a second run
/// changes nothing; with no finding the output is byte-identical. Input the oracle
/// rejects may only be refused whole.
pub fn check_fix_invariants(text: &str, settings: &Settings) -> Result<(), String> {
    let parses = !parse(text).root_node().has_error();
    match check_text(text, settings) {
        Ok(findings) => {
            // The prefilters only skip work: with them off, the same findings.
            if settings.prefilter {
                let unfiltered = Settings {
                    prefilter: false,
                    ..settings.clone()
                };
                if let Ok(all) = check_text(text, &unfiltered) {
                    if all != findings {
                        return Err(format!(
                            "{PREFILTER_MISMATCH}: {} with them, {} without",
                            findings.len(),
                            all.len()
                        ));
                    }
                }
            }
            for located in &findings {
                let Some(fix) = &located.finding.fix else {
                    continue;
                };
                for edit in &fix.edits {
                    let inside = edit.range.start <= edit.range.end && edit.range.end <= text.len();
                    if !inside
                        || !text.is_char_boundary(edit.range.start)
                        || !text.is_char_boundary(edit.range.end)
                    {
                        return Err(format!(
                            "{}: edit {:?} outside the input or a character",
                            located.finding.code, edit.range
                        ));
                    }
                }
            }
        }
        Err(EngineError::Syntax(_)) if !parses => return Ok(()),
        Err(EngineError::Rejected { .. }) if oracle::check(text).is_err() => return Ok(()),
        // Refused whole, like text that does not parse: nothing is changed.
        Err(EngineError::TooDeep(_) | EngineError::LoneCarriageReturn(_)) => return Ok(()),
        Err(error) => return Err(format!("check: {error}")),
    }
    let outcome = match fix_text(text, settings) {
        Ok(outcome) => outcome,
        Err(EngineError::Syntax(_)) if !parses => return Ok(()),
        Err(EngineError::Rejected { .. }) if oracle::check(text).is_err() => return Ok(()),
        Err(error) => return Err(format!("fix: {error}")),
    };
    if outcome.initial.is_empty() && outcome.fixed != text {
        return Err("no finding, yet the text changed".into());
    }
    // A text that cannot hold a finding is not parsed at all (the prefilter), so one
    // with syntax errors may come back untouched: only parsing input must give parsing output.
    if parses && parse(&outcome.fixed).root_node().has_error() {
        return Err("the input parsed, the fixed text does not".into());
    }
    if outcome.fixed != text && oracle::check(&outcome.fixed).is_err() {
        return Err("the oracle rejects the fixed text, which the engine must not return".into());
    }
    let again =
        fix_text(&outcome.fixed, settings).map_err(|error| format!("second run: {error}"))?;
    if again.fixed != outcome.fixed {
        return Err("a second run changed the fixed text".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: tree-sitter takes `def name` and its `(` on two lines for a
    /// signature, CPython and LK001's prefilter do not. The prefilters once hid a finding
    /// there; now the oracle refuses the text whole, so there is nothing to excuse.
    #[test]
    fn a_signature_split_before_its_parenthesis_is_refused_whole() {
        let text = "def f(a=[]):\n    return a\n\ndef g\n(b={}):\n    return b\n";
        let settings = all_rules_unsafe();
        assert!(!cpython_compiles(text));
        assert!(matches!(
            check_text(text, &settings),
            Err(EngineError::Rejected { .. })
        ));
        assert_eq!(check_fix_invariants(text, &settings), Ok(()));
        assert_eq!(check_fix_invariants_for_python(text, &settings), Ok(()));
    }
}
