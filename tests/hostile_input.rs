//! Hostile input, end to end (issue 15), each case in a temporary directory: a write
//! changes the file's text and nothing else (owner, group, mode, hard links); only
//! regular files of a sane size are read; a file named twice is processed once; sizes
//! that overflow are reported saturated. Ownership is tested as root, with the binary
//! run as user nobody through `setpriv` where a user without privileges matters.

use std::path::Path;
use std::process::Output;

mod common;
use common::{code, stderr, stdout, tree};

fn run(directory: &Path, args: &[&str]) -> Output {
    common::run_in(directory, args)
}

#[test]
fn lk002_sizes_saturate_and_never_wrap() {
    let text = "\
x = [0] * 10**100
y = [[0] * 10**9 for _ in range(10**9) for _ in range(10**9)]
z = bytearray(1 << 200)
w = [0] * (1 << 127)
v = {i: i for i in range(10**50)}
u = [0] * (10**100 - 10**100)
t = [0] * -(10**100)
";
    let directory = tree(&[("big.py", text.as_bytes())]);
    let output = run(
        directory.path(),
        &["--check", "--select", "LK002", "big.py"],
    );
    let out = stdout(&output);
    assert_eq!(code(&output), 1, "{out}{}", stderr(&output));
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("LK002")).collect();
    assert_eq!(
        lines,
        [
            "big.py:1:1: LK002 `x` keeps more than 1 EB (a list of more than 10**38 slots) alive from import until the process exits",
            "big.py:2:1: LK002 `y` keeps more than 1 EB (a list comprehension of 1,000,000,000,000,000,000 lists of 1,000,000,000 slots) alive from import until the process exits",
            "big.py:3:1: LK002 `z` keeps more than 1 EB (a bytearray of more than 10**38 zero bytes) alive from import until the process exits",
            "big.py:4:1: LK002 `w` keeps more than 1 EB (a list of more than 10**38 slots) alive from import until the process exits",
            "big.py:5:1: LK002 `v` keeps more than 1 EB (a dict comprehension of more than 10**38 entries) alive from import until the process exits",
        ],
        "{out}"
    );
    // `10**100 - 10**100` is 0, and a negative count makes an empty list: neither is
    // folded to a wrapped or saturated size.
    assert!(!out.contains("`u`") && !out.contains("`t`"), "{out}");
}

/// A file of `units` LK001 findings, an LK003 two-name cycle every tenth unit, and one
/// function of `links` chained links that close one cycle (`scripts/big-input.py`).
fn many_findings(units: usize, links: usize) -> String {
    let mut text = String::from("import weakref\n\n\n");
    for n in 0..units {
        text += &format!("def f{n}(x=[]):\n    # padding\n    return x\n\n\n");
        if n % 10 == 0 {
            text += &format!(
                "def g{n}():\n    a = Node()\n    b = Node()\n    a.peer = b\n    b.peer = a\n    return a\n\n\n"
            );
        }
    }
    text += "def chain():\n";
    for i in 0..links {
        text += &format!("    n{i} = Node()\n");
    }
    for i in 0..links {
        text += &format!("    n{i}.next = n{}\n", (i + 1) % links);
    }
    text += "    return n0\n";
    text
}

/// The steps counted while checking, fixing and diffing `text` (see `pyleak_fix::work`).
fn work_for(text: &str) -> u64 {
    use pyleak_fix::{diff, engine, settings::Settings, work};
    let mut settings = Settings::default();
    settings
        .select_rules(&["LK001".into(), "LK002".into(), "LK003".into()], &[])
        .unwrap();
    settings.unsafe_fixes = true;
    work::take();
    let findings = engine::check_text(text, &settings).unwrap();
    assert!(findings.len() > text.len() / 100, "{}", findings.len());
    let outcome = engine::fix_text(text, &settings).unwrap();
    assert!(outcome.remaining.len() < findings.len() / 10);
    let diff = diff::unified_diff_of_changes(text, &outcome.fixed, "x.py", &outcome.changes);
    assert!(diff.len() > text.len() / 4);
    work::take()
}

/// Issue 15: fixing was quadratic in the findings, diffing in the changes, LK003's
/// cycle search in the links. Four times the input may cost at most about five times
/// the work, counted in steps, not timed.
#[test]
fn four_times_the_input_costs_about_four_times_the_work() {
    let small = work_for(&many_findings(600, 250));
    let large = work_for(&many_findings(2400, 1000));
    assert!(small > 1000, "{small}");
    eprintln!("steps: {small} for 1x, {large} for 4x");
    assert!(
        large < small * 5,
        "4x the input took {large} steps against {small}: {:.1}x",
        large as f64 / small as f64
    );
}
