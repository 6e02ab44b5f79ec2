//! Arbitrary bytes, taken as UTF-8 where they are, through every rule with unsafe fixes.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use pyleak_fix::invariants::{all_rules_unsafe, check_fix_invariants_for_python};
use pyleak_fix::settings::Settings;

static SETTINGS: LazyLock<Settings> = LazyLock::new(all_rules_unsafe);

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(broken) = check_fix_invariants_for_python(text, &SETTINGS) {
            panic!("invariant broken: {broken}\n--- input ---\n{text}");
        }
    }
});
