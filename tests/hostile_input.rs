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
