//! What the syntax oracle costs: on one thread, the time `oracle::check` takes over the
//! files (paths on standard input, one a line) that the engine asks it about — those
//! with findings, and the fixed texts — beside the time the whole fix run takes on every
//! file, with every rule and unsafe fixes.
//!
//! It also lists on standard error every file the oracle rejects (`rejected PATH: why`),
//! to set beside CPython's own verdicts.
//!
//!     find DIR -name '*.py' | cargo run --release --example oracle_cost

use std::io::BufRead;
use std::time::{Duration, Instant};

use pyleak_fix::engine::fix_text;
use pyleak_fix::invariants::all_rules_unsafe;
use pyleak_fix::oracle;

fn main() {
    let settings = all_rules_unsafe();
    let files: Vec<(String, String)> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .filter_map(|path| Some((String::from_utf8(std::fs::read(&path).ok()?).ok()?, path)))
        .collect();
    for (text, path) in &files {
        if let Err(rejection) = oracle::check(text) {
            eprintln!("rejected {path}: {}", rejection.message);
        }
    }
    let texts: Vec<String> = files.into_iter().map(|(text, _)| text).collect();
    let mut whole_run = Duration::ZERO;
    let mut with_findings = Vec::new();
    let mut fixed = Vec::new();
    for text in &texts {
        let start = Instant::now();
        let outcome = fix_text(text, &settings);
        whole_run += start.elapsed();
        if let Ok(outcome) = outcome {
            if !outcome.initial.is_empty() {
                with_findings.push(text.as_str());
            }
            if outcome.fixed != *text {
                fixed.push(outcome.fixed);
            }
        }
    }
    let time = |texts: &[&str]| {
        let start = Instant::now();
        let rejected = texts.iter().filter(|t| oracle::check(t).is_err()).count();
        (
            start.elapsed(),
            texts.iter().map(|t| t.len()).sum::<usize>(),
            rejected,
        )
    };
    let all: Vec<&str> = texts.iter().map(String::as_str).collect();
    let fixed: Vec<&str> = fixed.iter().map(String::as_str).collect();
    let mb = |bytes: usize| bytes as f64 / 1e6;
    println!(
        "fix run (all rules, unsafe fixes, oracle included), {} files, {:.1} MB: {:.3} s",
        all.len(),
        mb(all.iter().map(|t| t.len()).sum()),
        whole_run.as_secs_f64()
    );
    for (name, set) in [
        ("files with findings", &with_findings),
        ("fixed texts", &fixed),
        ("every file (reference)", &all),
    ] {
        let (elapsed, bytes, rejected) = time(set);
        println!(
            "oracle on {name}: {} files, {:.1} MB, {:.3} s ({:.0} MB/s, {rejected} rejected)",
            set.len(),
            mb(bytes),
            elapsed.as_secs_f64(),
            mb(bytes) / elapsed.as_secs_f64()
        );
    }
}
