//! How much of a tree tree-sitter parses with the default settings, and in how many
//! parses per file: the share of bytes the region parse (`src/regions.rs`) reads.
//!
//!     cargo run --release --example stages -- DIR

#[path = "common/files.rs"]
mod files;

use std::path::Path;

use files::python_files;

use std::time::Instant;

use pyleak_fix::engine::{admitted_rules, fix_text, parsed_share};
use pyleak_fix::settings::Settings;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_string());
    let mut files = Vec::new();
    python_files(Path::new(&dir), &mut files);
    files.sort();
    let settings = Settings::default();
    let (mut total, mut parsed, mut admitted, mut admitted_bytes, mut regrown) = (0, 0, 0, 0, 0);
    let mut most = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        total += text.len();
        let (bytes, parses) = parsed_share(&text, &settings);
        if parses > 0 {
            admitted += 1;
            admitted_bytes += text.len();
            parsed += bytes;
            regrown += usize::from(parses > 1);
            most.push((bytes, text.len(), parses, path.clone()));
        }
    }
    most.sort_by_key(|m| std::cmp::Reverse(m.0));
    let texts: Vec<String> = files
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect();
    let only = std::env::args().nth(2);
    let time = |label: &str, work: &dyn Fn(&str)| {
        if only.as_deref().is_some_and(|only| !label.starts_with(only)) {
            return;
        }
        let counted = || {
            [0, 1]
                .map(|i| pyleak_fix::regions::PARSED[i].load(std::sync::atomic::Ordering::Relaxed))
        };
        let before = counted();
        let start = Instant::now();
        for text in &texts {
            work(text);
        }
        let after = counted();
        println!(
            "  (tree-sitter: {} bytes in {} parses)",
            after[0] - before[0],
            after[1] - before[1]
        );
        println!(
            "{label}: {:.0} ms single-threaded",
            start.elapsed().as_secs_f64() * 1000.0
        );
    };
    time("scan (blank strings and comments)", &|text| {
        std::hint::black_box(pyleak_fix::scan::scan(text));
    });
    time("scan + prefilters", &|text| {
        std::hint::black_box(admitted_rules(text, &settings));
    });
    time("scan + prefilters + parse + rules (first pass)", &|text| {
        std::hint::black_box(parsed_share(text, &settings));
    });
    let fixing = Settings {
        unsafe_fixes: true,
        ..Settings::default()
    };
    time("oracle on the admitted files", &|text| {
        if parsed_share(text, &settings).1 > 0 {
            std::hint::black_box(pyleak_fix::oracle::check(text).ok());
        }
    });
    time("fix_text (every pass, oracle)", &|text| {
        std::hint::black_box(fix_text(text, &fixing).ok());
    });
    println!(
        "{} files, {total} bytes; {admitted} admitted ({admitted_bytes} bytes); tree-sitter parses {parsed} bytes ({:.2}% of all, {:.1}% of the admitted files'); {regrown} files parsed again for names",
        files.len(),
        100.0 * parsed as f64 / total.max(1) as f64,
        100.0 * parsed as f64 / admitted_bytes.max(1) as f64,
    );
    for (bytes, len, parses, path) in most.iter().take(15) {
        println!(
            "  {bytes:>8} of {len:>8} bytes, {parses} parses: {}",
            path.display()
        );
    }
}
