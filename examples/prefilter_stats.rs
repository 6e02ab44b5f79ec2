//! How many files, and how many of their bytes, each rule's prefilter admits under a
//! directory (default settings): those are the files that get parsed.
//!
//!     cargo run --release --example prefilter_stats -- DIR

#[path = "common/files.rs"]
mod files;

use std::path::Path;

use files::python_files;

use pyleak_fix::prefilter::code_only;
use pyleak_fix::rules;
use pyleak_fix::settings::Settings;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_string());
    let mut files = Vec::new();
    python_files(Path::new(&dir), &mut files);
    let settings = Settings::default();
    // The prefilters read code only, as the engine hands it to them.
    let texts: Vec<String> = files
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect();
    let start = std::time::Instant::now();
    let codes: Vec<String> = texts.iter().map(|text| code_only(text)).collect();
    println!(
        "blanking strings and comments: {:.0} ms single-threaded",
        start.elapsed().as_secs_f64() * 1000.0
    );
    let total: usize = texts.iter().map(String::len).sum();
    println!(
        "prefilters over {} files ({} MB):",
        texts.len(),
        total / 1_000_000
    );
    let mut any = vec![false; texts.len()];
    let mut admitted_by: Vec<Vec<bool>> = Vec::new();
    for rule in rules::ALL {
        let start = std::time::Instant::now();
        let admitted: Vec<bool> = codes
            .iter()
            .map(|code| rule.might_match(code, &settings))
            .collect();
        let elapsed = start.elapsed();
        let (count, bytes) = texts
            .iter()
            .zip(&admitted)
            .filter(|(_, a)| **a)
            .fold((0, 0), |(c, b), (t, _)| (c + 1, b + t.len()));
        for (slot, a) in any.iter_mut().zip(&admitted) {
            *slot |= *a;
        }
        admitted_by.push(admitted.clone());
        println!(
            "  {}: admits {count} files, {:.1}% of the bytes; {:.0} ms single-threaded",
            rule.code(),
            100.0 * bytes as f64 / total as f64,
            elapsed.as_secs_f64() * 1000.0
        );
    }
    let (count, bytes) = texts
        .iter()
        .zip(&any)
        .filter(|(_, a)| **a)
        .fold((0, 0), |(c, b), (t, _)| (c + 1, b + t.len()));
    println!(
        "  any rule: admits {count} files, {:.1}% of the bytes",
        100.0 * bytes as f64 / total as f64
    );
    for (index, rule) in rules::ALL.iter().enumerate() {
        let (count, bytes) = texts
            .iter()
            .enumerate()
            .filter(|(file, _)| {
                admitted_by
                    .iter()
                    .enumerate()
                    .all(|(other, admitted)| admitted[*file] == (other == index))
            })
            .fold((0, 0), |(c, b), (_, t)| (c + 1, b + t.len()));
        println!(
            "  {} alone: admits {count} files, {:.1}% of the bytes",
            rule.code(),
            100.0 * bytes as f64 / total as f64
        );
    }
}
