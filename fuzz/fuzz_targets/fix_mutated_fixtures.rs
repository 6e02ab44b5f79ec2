//! The rule fixtures, mutated: the input picks a fixture and splices its own bytes in at
//! a position it picks, so most mutants stay close to real, parsing Python.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use pyleak_fix::invariants::{all_rules_unsafe, check_fix_invariants_for_python};
use pyleak_fix::settings::Settings;

static SETTINGS: LazyLock<Settings> = LazyLock::new(all_rules_unsafe);

static FIXTURES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut texts = Vec::new();
    for rule in std::fs::read_dir(&root).expect("fixtures directory") {
        for file in std::fs::read_dir(rule.expect("entry").path()).expect("rule directory") {
            let path = file.expect("entry").path();
            if path.extension().is_some_and(|e| e == "py") {
                texts.push(std::fs::read_to_string(&path).expect("fixtures are UTF-8"));
            }
        }
    }
    texts.sort();
    texts
});

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let fixture = &FIXTURES[data[0] as usize % FIXTURES.len()];
    let Ok(splice) = std::str::from_utf8(&data[4..]) else { return };
    // Position and length of the replaced span, snapped to character boundaries.
    let mut at = u16::from_le_bytes([data[1], data[2]]) as usize % (fixture.len() + 1);
    while !fixture.is_char_boundary(at) {
        at -= 1;
    }
    let mut end = (at + data[3] as usize % 16).min(fixture.len());
    while !fixture.is_char_boundary(end) {
        end -= 1;
    }
    let text = format!("{}{}{}", &fixture[..at], splice, &fixture[end..]);
    if let Err(broken) = check_fix_invariants_for_python(&text, &SETTINGS) {
        panic!("invariant broken: {broken}\n--- input ---\n{text}");
    }
});
