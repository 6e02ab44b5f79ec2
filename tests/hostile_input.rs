//! Hostile input, end to end (issue 15), each case in a temporary directory: a write
//! changes the file's text and nothing else (owner, group, mode, hard links); only
//! regular files of a sane size are read; a file named twice is processed once; sizes
//! that overflow are reported saturated. Ownership is tested as root, with the binary
//! run as user nobody through `setpriv` where a user without privileges matters.

use std::fs;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

mod common;
#[cfg(unix)]
use common::{as_nobody, running_as_root, NOBODY};
use common::{code, read, stderr, stdout, tree, FIXABLE, FIXED};

fn run(directory: &Path, args: &[&str]) -> Output {
    common::run_in(directory, args)
}

/// The run exited 2 naming `bad` with `message`, fixed `good.py`, and left no
/// temporary file.
fn assert_refused(directory: &Path, output: &Output, bad: &str, message: &str) {
    let err = stderr(output);
    assert_eq!(code(output), 2, "{}{err}", stdout(output));
    let expected = format!("error: {bad}: {message}");
    assert!(
        err.lines().any(|line| line.starts_with(&expected)),
        "expected a line starting with {expected:?} in:\n{err}"
    );
    assert_eq!(read(directory, "good.py"), FIXED);
    let leftovers: Vec<String> = fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".pyleak-fix-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[cfg(unix)]
fn owner_group_mode(path: &Path) -> (u32, u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let metadata = fs::metadata(path).unwrap();
    (metadata.uid(), metadata.gid(), metadata.mode() & 0o7777)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Issue 15: run as root on another user's file, the fixed file was `root:root`, and a
/// file of mode 4750 became setuid root. Owner, group and mode (setuid and setgid
/// included) are kept.
#[cfg(unix)]
#[test]
fn a_write_keeps_owner_group_and_mode() {
    if !running_as_root() {
        eprintln!("skipped: only root can give files to another user");
        return;
    }
    let directory = tree(&[
        ("plain.py", FIXABLE.as_bytes()),
        ("setuid.py", FIXABLE.as_bytes()),
        ("setgid.py", FIXABLE.as_bytes()),
        ("private.py", FIXABLE.as_bytes()),
    ]);
    let root = directory.path();
    let cases = [
        ("plain.py", 0o644),
        ("setuid.py", 0o4750),
        ("setgid.py", 0o2755),
        ("private.py", 0o600),
    ];
    for (name, mode) in cases {
        std::os::unix::fs::chown(root.join(name), Some(NOBODY), Some(NOBODY)).unwrap();
        set_mode(&root.join(name), mode);
    }
    let output = run(root, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for (name, mode) in cases {
        assert_eq!(read(root, name), FIXED, "{name}");
        assert_eq!(
            owner_group_mode(&root.join(name)),
            (NOBODY, NOBODY, mode),
            "{name}"
        );
    }
}

/// A user who may replace a file (the directory is theirs) but not give the new one its
/// owner leaves it alone, and says so: the setuid file of root stays root's and as it was.
#[cfg(unix)]
#[test]
fn an_owner_that_cannot_be_kept_is_not_written() {
    if !running_as_root() {
        eprintln!("skipped: needs root to make a file nobody cannot own");
        return;
    }
    let directory = tree(&[
        ("rootfile.py", FIXABLE.as_bytes()),
        ("good.py", FIXABLE.as_bytes()),
    ]);
    let root = directory.path();
    set_mode(&root.join("rootfile.py"), 0o4666);
    for path in [root.to_path_buf(), root.join("good.py")] {
        std::os::unix::fs::chown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    set_mode(root, 0o755);
    let mut command = match as_nobody(root, &["rootfile.py", "good.py"]) {
        Ok(command) => command,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let output = command.output().unwrap();
    assert_refused(
        root,
        &output,
        "rootfile.py",
        "not written: its owner and group (0:0) cannot be kept (permission denied); left unchanged",
    );
    assert_eq!(read(root, "rootfile.py"), FIXABLE);
    assert_eq!(owner_group_mode(&root.join("rootfile.py")), (0, 0, 0o4666));
    assert_eq!(owner_group_mode(&root.join("good.py")).0, NOBODY);
}

/// A read-only file in a writable directory was silently rewritten; it is refused as an
/// editor would, even for root.
#[cfg(unix)]
#[test]
fn a_file_without_write_permission_for_its_owner_is_not_written() {
    let directory = tree(&[
        ("readonly.py", FIXABLE.as_bytes()),
        ("good.py", FIXABLE.as_bytes()),
    ]);
    let root = directory.path();
    set_mode(&root.join("readonly.py"), 0o444);
    let output = run(root, &[]);
    assert_refused(
        root,
        &output,
        "readonly.py",
        "not written: it is read-only (mode 0444, no write permission for its owner); left unchanged",
    );
    assert_eq!(read(root, "readonly.py"), FIXABLE);
    assert_eq!(owner_group_mode(&root.join("readonly.py")).2, 0o444);
    // Checking and diffing write nothing: they still read it.
    let output = run(root, &["--dry-run", "readonly.py"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
}

/// A file with more than one hard link is refused: replacing it would split it from its
/// other names; rewriting it in place would not be atomic.
#[cfg(unix)]
#[test]
fn a_hard_linked_file_is_not_written() {
    let directory = tree(&[
        ("linked.py", FIXABLE.as_bytes()),
        ("good.py", FIXABLE.as_bytes()),
    ]);
    let root = directory.path();
    fs::create_dir(root.join("elsewhere")).unwrap();
    fs::hard_link(root.join("linked.py"), root.join("elsewhere/other.txt")).unwrap();
    let output = run(root, &["linked.py", "good.py"]);
    assert_refused(
        root,
        &output,
        "linked.py",
        "not written: it has 2 hard links, which replacing it would split",
    );
    assert_eq!(read(root, "linked.py"), FIXABLE);
    assert_eq!(read(root, "elsewhere/other.txt"), FIXABLE);
}

/// A FIFO named on the command line hung the run; `/dev/zero` was read until memory ran
/// out. Anything but a regular file, named directly or through a symbolic link, is
/// refused at once, and the other files go on.
#[cfg(unix)]
#[test]
fn only_regular_files_are_read() {
    let directory = tree(&[("good.py", FIXABLE.as_bytes())]);
    let root = directory.path();
    let status = std::process::Command::new("mkfifo")
        .args([root.join("fifo.py"), root.join("fifo2")])
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink("fifo2", root.join("to_fifo.py")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.py")).unwrap();
    // A socket cannot even be opened: found by a tester, it was reported as "No such
    // device or address".
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock.py")).unwrap();
    for mode in [&[][..], &["--check"], &["--dry-run"]] {
        fs::write(root.join("good.py"), FIXABLE).unwrap();
        let mut command = common::command(root, mode);
        command
            .args([
                "fifo.py",
                "to_fifo.py",
                "zero.py",
                "/dev/null",
                "sock.py",
                "good.py",
            ])
            .timeout(Duration::from_secs(120));
        let output = command.output().unwrap();
        assert!(output.status.code().is_some(), "killed: it hung");
        let err = stderr(&output);
        for (name, kind) in [
            ("fifo.py", "a FIFO"),
            ("to_fifo.py", "a FIFO"),
            ("zero.py", "a character device"),
            ("/dev/null", "a character device"),
            ("sock.py", "a socket"),
        ] {
            let expected =
                format!("error: {name}: not a regular file ({kind}); only regular files are read");
            assert!(
                err.lines().any(|line| line == expected),
                "{expected}\n{err}"
            );
        }
        assert_eq!(code(&output), 2, "{err}");
        if mode.is_empty() {
            assert_eq!(read(root, "good.py"), FIXED);
        } else {
            assert!(stdout(&output).contains("good.py"), "{}", stdout(&output));
        }
    }
}

/// A file over `max-file-bytes` (100 MB unless configured) is refused with its size,
/// unread; the option comes from the command line or the configuration.
#[test]
fn a_file_over_the_size_limit_is_refused_with_its_size() {
    let big = format!("{FIXABLE}# {}\n", "x".repeat(1000));
    let directory = tree(&[("big.py", big.as_bytes()), ("good.py", FIXABLE.as_bytes())]);
    let root = directory.path();
    let output = run(root, &["--max-file-bytes", "1_000"]);
    assert_refused(
        root,
        &output,
        "big.py",
        "1,034 bytes, more than max-file-bytes (1,000); not read",
    );
    assert_eq!(read(root, "big.py"), big);

    fs::write(root.join("good.py"), FIXABLE).unwrap();
    fs::write(
        root.join("pyproject.toml"),
        "[tool.pyleak-fix]\nmax-file-bytes = 1000\n",
    )
    .unwrap();
    let output = run(root, &[]);
    assert_refused(
        root,
        &output,
        "big.py",
        "1,034 bytes, more than max-file-bytes (1,000); not read",
    );
    // The command line wins over the configuration.
    let output = run(root, &["--max-file-bytes", "2000", "big.py"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(read(root, "big.py").starts_with(FIXED));
    // Standard input too is read no further than the limit (found by a tester: it read
    // `/dev/zero` until memory ran out).
    let output = common::command(root, &["--check", "--max-file-bytes", "1000", "-"])
        .write_stdin(big.as_bytes())
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("standard input: 1,034 bytes, more than max-file-bytes (1,000)"),
        "{}",
        stderr(&output)
    );
}

/// A file named directly and through symbolic links is processed once: the second write
/// used to fail with `File exists` although the file was fixed.
#[cfg(unix)]
#[test]
fn a_file_named_twice_is_processed_once() {
    let directory = tree(&[("a.py", FIXABLE.as_bytes())]);
    let root = directory.path();
    std::os::unix::fs::symlink("a.py", root.join("link.py")).unwrap();
    std::os::unix::fs::symlink("link.py", root.join("link2.py")).unwrap();
    let paths = ["link.py", "a.py", "link2.py", "./a.py", "."];
    let output = run(root, &[&["--dry-run"][..], &paths].concat());
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let out = stdout(&output);
    assert_eq!(out.matches("--- a/").count(), 1, "{out}");
    assert!(out.contains("--- a/a.py"), "{out}");
    let output = run(root, &paths);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    assert_eq!(read(root, "a.py"), FIXED);
    assert!(fs::symlink_metadata(root.join("link.py"))
        .unwrap()
        .file_type()
        .is_symlink());
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
    let names = ["x", "y", "z", "w", "v"];
    let expected: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                "big.py:{}:1: LK002 `{name}` keeps more than 1 EB alive until exit",
                i + 1
            )
        })
        .collect();
    assert_eq!(lines, expected, "{out}");
    // The shapes, in the full output's notes.
    let full = stdout(&run(
        directory.path(),
        &[
            "--check",
            "--select",
            "LK002",
            "--output-format",
            "full",
            "big.py",
        ],
    ));
    for shape in [
        "a list of more than 10**38 slots",
        "a list comprehension of 1,000,000,000,000,000,000 lists of 1,000,000,000 slots",
        "a bytearray of more than 10**38 zero bytes",
        "a dict comprehension of more than 10**38 entries",
    ] {
        assert!(full.contains(&format!("The value is {shape}.")), "{full}");
    }
    // `10**100 - 10**100` is 0, and a negative count makes an empty list: neither is
    // folded to a wrapped or saturated size.
    assert!(!out.contains("`u`") && !out.contains("`t`"), "{out}");
}

/// A file of `units` LK001 findings, an LK003 two-name cycle every tenth unit, and one
/// function of `links` chained links that close one cycle (`scripts/big-input.py`).
fn many_findings(units: usize, links: usize) -> String {
    let mut text = String::from("import weakref\n\n\n");
    for n in 0..units {
        text += &format!("def f{n}(x=[]):\n    # padding\n    return len(x)\n\n\n");
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

/// An ignore file the walk would read that is not a regular file (found by a tester: a
/// committed `.gitignore` linked to `/dev/zero` ate the machine's memory; a FIFO hung
/// the run): its directory is refused by name, exit 2, and the rest is walked.
#[cfg(unix)]
#[test]
fn an_ignore_file_that_is_not_a_regular_file_is_refused_with_its_directory() {
    let directory = tree(&[
        ("sub/b.py", FIXABLE.as_bytes()),
        ("good.py", FIXABLE.as_bytes()),
    ]);
    let root = directory.path();
    std::os::unix::fs::symlink("/dev/zero", root.join("sub/.gitignore")).unwrap();
    let mut command = common::command(root, &["--check", "."]);
    let output = command.timeout(Duration::from_secs(120)).output().unwrap();
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "error: sub/.gitignore: an ignore file that is not a regular file; the directory is not walked"
        ),
        "{}",
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("good.py:1:"),
        "{}",
        stdout(&output)
    );
    assert!(!stdout(&output).contains("b.py"), "{}", stdout(&output));
}
