//! The cache, end to end: a cached result is exactly what a fresh run gives, and is
//! used only for the very same bytes, settings and build.

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

use common::{code, command, stderr, stdout, tree, write};

const CACHE: &str = ".pyleak_fix_cache";

/// A finding with a safe fix, one with none (LK003's stored exception has no fix when
/// the traceback is read), and a clean file.
const LEAKY: &str = "def f(x=[]):\n    return len(x)\n";
const CLEAN: &str = "def g(x=None):\n    return len(x)\n";
const LARGE: &str = "BUFFER = bytearray(50_000_000)\n";

/// Runs the binary with the cache statistics on; returns the output less the statistics
/// line, and the statistics (hits, misses).
fn run(directory: &Path, args: &[&str], envs: &[(&str, &str)]) -> (Output, (usize, usize)) {
    let mut command = command(directory, args);
    command.env("PYLEAK_FIX_DEBUG_CACHE_STATS", "1");
    command.env_remove("PYLEAK_FIX_CACHE_DIR");
    for (name, value) in envs {
        command.env(name, value);
    }
    let mut output = command.output().unwrap();
    let text = stderr(&output);
    let mut stats = None;
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| match parse_stats(line) {
            Some(found) => {
                stats = Some(found);
                false
            }
            None => true,
        })
        .collect();
    output.stderr = kept
        .iter()
        .map(|line| format!("{line}\n"))
        .collect::<String>()
        .into_bytes();
    (output, stats.unwrap_or((0, 0)))
}

fn parse_stats(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("cache: ")?;
    let mut numbers = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse::<usize>().unwrap());
    Some((numbers.next()?, numbers.next()?))
}

/// What a user sees: exit code, stdout, stderr.
fn seen(output: &Output) -> (i32, String, String) {
    (code(output), stdout(output), stderr(output))
}

fn project() -> tempfile::TempDir {
    tree(&[
        ("pkg/a.py", LEAKY.as_bytes()),
        ("pkg/b.py", CLEAN.as_bytes()),
        ("pkg/c.py", LARGE.as_bytes()),
    ])
}

#[test]
fn a_warm_run_reports_exactly_what_a_fresh_run_does_in_every_mode_and_format() {
    let directory = project();
    let root = directory.path();
    let runs: &[&[&str]] = &[
        &["--check", "."],
        &["--check", "--output-format", "full", "."],
        &["--check", "--output-format", "json", "."],
        &["--check", "--output-format", "sarif", "."],
        &["--check", "--statistics", "."],
        &["--dry-run", "."],
        &["--dry-run", "--unsafe-fixes", "."],
        &["--dry-run", "--add-noqa", "."],
    ];
    for args in runs {
        let fresh = run(root, &[&["--no-cache"], *args].concat(), &[]).0;
        let (cold, _) = run(root, args, &[]);
        let (warm, (hits, misses)) = run(root, args, &[]);
        assert_eq!(seen(&cold), seen(&fresh), "{args:?}");
        assert_eq!(seen(&warm), seen(&fresh), "{args:?}");
        assert_eq!((hits, misses), (3, 0), "{args:?}");
    }
}

#[test]
fn fixing_in_place_keeps_unchanged_files_and_rereads_fixed_ones() {
    let directory = project();
    let root = directory.path();
    let (first, (_, misses)) = run(root, &["--extend-select", "LK002"], &[]);
    assert_eq!(misses, 3);
    assert_eq!(
        code(&first),
        1,
        "LK002 (selected: it is off by default) has no safe fix: {first:?}"
    );
    // a.py was fixed: its new bytes are a miss once, then a hit.
    let (second, (hits, misses)) = run(root, &["--extend-select", "LK002"], &[]);
    assert_eq!((hits, misses), (2, 1));
    let (third, (hits, misses)) = run(root, &["--extend-select", "LK002"], &[]);
    assert_eq!((hits, misses), (3, 0));
    assert_eq!(seen(&second), seen(&third));
    let fresh = run(root, &["--no-cache", "--extend-select", "LK002"], &[]).0;
    assert_eq!(seen(&third), seen(&fresh));
}

#[test]
fn changed_bytes_of_the_same_size_and_modification_time_are_a_miss() {
    let directory = tree(&[("a.py", CLEAN.as_bytes())]);
    let root = directory.path();
    let path = root.join("a.py");
    let (clean, _) = run(root, &["--check", "."], &[]);
    assert_eq!(code(&clean), 0);
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    // Same length, same modification time, a finding now.
    let edited = "def g(x=[]  ):\n    return len(x)\n";
    assert_eq!(edited.len(), CLEAN.len());
    fs::write(&path, edited).unwrap();
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), modified);
    let (after, (hits, misses)) = run(root, &["--check", "."], &[]);
    assert_eq!((hits, misses), (0, 1));
    assert_eq!(code(&after), 1);
    assert!(stdout(&after).contains("a.py:1:9: LK001"), "{after:?}");
}

#[test]
fn every_setting_that_changes_a_result_is_a_miss() {
    let directory = project();
    let root = directory.path();
    let check = ["--check", "."];
    let (_, (_, misses)) = run(root, &check, &[]);
    assert_eq!(misses, 3);
    let variants: &[&[&str]] = &[
        &["--check", "--select", "LK001,LK004", "."],
        &["--check", "--extend-select", "LK002", "."],
        &["--check", "--target-version", "py38", "."],
        &["--check", "--large-allocation-bytes", "100_000_000", "."],
        &["--check", "--unsafe-fixes", "."],
    ];
    for args in variants {
        let (output, (hits, misses)) = run(root, args, &[]);
        assert_eq!((hits, misses), (0, 3), "{args:?}");
        let fresh = run(root, &[&["--no-cache"], *args].concat(), &[]).0;
        assert_eq!(seen(&output), seen(&fresh), "{args:?}");
    }
    // The settings a configuration file gives, per-file ignores included.
    write(
        root,
        "pyproject.toml",
        "[tool.pyleak-fix]\nper-file-ignores = { \"a.py\" = [\"LK001\"] }\n",
    );
    let (output, (hits, misses)) = run(root, &check, &[]);
    assert_eq!((hits, misses), (2, 1), "only a.py's settings changed");
    assert!(!stdout(&output).contains("LK001"), "{output:?}");
    write(
        root,
        "pyproject.toml",
        "[project]\nrequires-python = \">=3.9\"\n[tool.pyleak-fix]\n",
    );
    let (_, (hits, misses)) = run(root, &check, &[]);
    assert_eq!((hits, misses), (0, 3), "the target version changed");
    // Back to the first settings: their entries are still there.
    fs::remove_file(root.join("pyproject.toml")).unwrap();
    let (_, (hits, misses)) = run(root, &check, &[]);
    assert_eq!((hits, misses), (3, 0));
}

#[test]
fn another_build_starts_from_an_empty_cache() {
    let directory = project();
    let root = directory.path();
    let check = ["--check", "."];
    let (_, (_, misses)) = run(root, &check, &[("PYLEAK_FIX_DEBUG_BUILD_ID", "one")]);
    assert_eq!(misses, 3);
    let (_, (hits, _)) = run(root, &check, &[("PYLEAK_FIX_DEBUG_BUILD_ID", "one")]);
    assert_eq!(hits, 3);
    let (_, (hits, misses)) = run(root, &check, &[("PYLEAK_FIX_DEBUG_BUILD_ID", "two")]);
    assert_eq!((hits, misses), (0, 3));
}

/// Every cache file under `root`'s cache.
fn cache_files(root: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for version in fs::read_dir(root.join(CACHE)).unwrap() {
        let version = version.unwrap().path();
        if version.is_dir() {
            for file in fs::read_dir(&version).unwrap() {
                files.push(file.unwrap().path());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_corrupt_or_forged_cache_is_ignored_and_replaced() {
    let directory = project();
    let root = directory.path();
    let args = ["--check", "--output-format", "full", "."];
    let fresh = run(root, &[&["--no-cache"], &args[..]].concat(), &[]).0;
    run(root, &args, &[]);
    let [file] = &cache_files(root)[..] else {
        panic!("one cache file")
    };
    let good = fs::read_to_string(file).unwrap();
    let forgeries = [
        // Not JSON, cut short, empty.
        "\u{0}\u{1}garbage".to_string(),
        good[..good.len() / 2].to_string(),
        String::new(),
        // Another build's or settings' file under this name.
        good.replacen("\"build\":\"", "\"build\":\"other ", 1),
        good.replacen("\"settings\":\"", "\"settings\":\"other ", 1),
        // An entry whose finding lies outside the file, or elsewhere than its range.
        good.replacen("\"range\":[8,10]", "\"range\":[8,100000]", 1),
        good.replacen("\"start\":[1,9]", "\"start\":[2,1]", 1),
        // A rule that does not exist; an applicability that does not either.
        good.replacen("\"code\":\"LK001\"", "\"code\":\"LK999\"", 1),
        good.replacen(
            "\"applicability\":\"safe\"",
            "\"applicability\":\"maybe\"",
            1,
        ),
    ];
    for (index, forged) in forgeries.iter().enumerate() {
        assert_ne!(forged, &good, "forgery {index} changes the file");
        fs::write(file, forged).unwrap();
        let (output, _) = run(root, &args, &[]);
        assert_eq!(seen(&output), seen(&fresh), "forgery {index}");
    }
    // The last run replaced the forged entry: the next one uses the cache again.
    let (output, (hits, misses)) = run(root, &args, &[]);
    assert_eq!((hits, misses), (3, 0));
    assert_eq!(seen(&output), seen(&fresh));
}

#[test]
fn runs_at_once_never_corrupt_the_cache() {
    let mut files = Vec::new();
    for index in 0..40 {
        let text = match index % 3 {
            0 => LEAKY,
            1 => CLEAN,
            _ => LARGE,
        };
        files.push((format!("pkg{}/m{index}.py", index % 4), text));
    }
    let listed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_bytes()))
        .collect();
    let directory = tree(&listed);
    let root = directory.path();
    let modes: [&[&str]; 4] = [
        &["--check", "."],
        &["--dry-run", "."],
        &["--check", "pkg1"],
        &["--check", "--select", "LK001,LK004", "."],
    ];
    let fresh: Vec<_> = modes
        .iter()
        .map(|args| seen(&run(root, &[&["--no-cache"], *args].concat(), &[]).0))
        .collect();
    for round in 0..3 {
        let children: Vec<_> = (0..6)
            .map(|index| {
                let mut command =
                    std::process::Command::new(assert_cmd::cargo::cargo_bin("pyleak-fix"));
                command
                    .current_dir(root)
                    .args(modes[index % modes.len()])
                    .env_remove("PYLEAK_FIX_CACHE_DIR")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                (index, command.spawn().unwrap())
            })
            .collect();
        for (index, child) in children {
            let output = child.wait_with_output().unwrap();
            assert_eq!(
                seen(&output),
                fresh[index % modes.len()],
                "round {round}, run {index}"
            );
        }
        // Each cache file is whole, and no temporary file is left.
        for file in cache_files(root) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.ends_with(".json"), "left behind: {name}");
            let text = fs::read_to_string(&file).unwrap();
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|error| panic!("{name} is not whole: {error}"));
        }
    }
    for (args, fresh) in modes.iter().zip(&fresh) {
        let (output, (_, misses)) = run(root, args, &[]);
        assert_eq!(&seen(&output), fresh, "{args:?}");
        // A run can lose entries another wrote at the same time; not many.
        assert!(misses <= 40, "{args:?}");
    }
}

#[test]
fn no_cache_neither_reads_nor_writes_it() {
    let directory = project();
    let root = directory.path();
    let (_, (hits, misses)) = run(root, &["--no-cache", "--check", "."], &[]);
    assert_eq!((hits, misses), (0, 0));
    assert!(!root.join(CACHE).exists());
    run(root, &["--check", "."], &[]);
    assert!(root.join(CACHE).exists());
    let (_, (hits, misses)) = run(root, &["--no-cache", "--check", "."], &[]);
    assert_eq!((hits, misses), (0, 0));
}

#[test]
fn the_cache_directory_is_tagged_and_ignored_by_git() {
    let directory = project();
    let root = directory.path();
    run(root, &["--check", "."], &[]);
    let tag = fs::read_to_string(root.join(CACHE).join("CACHEDIR.TAG")).unwrap();
    assert!(tag.starts_with("Signature: 8a477f597d28d172789f06886806bc55\n"));
    let ignore = fs::read_to_string(root.join(CACHE).join(".gitignore")).unwrap();
    assert_eq!(ignore.lines().last(), Some("*"));
    // Nothing in it is ever taken for a file to process.
    write(root, &format!("{CACHE}/stray.py"), LEAKY);
    let shown = run(root, &["--show-files", "."], &[]).0;
    assert!(!stdout(&shown).contains(CACHE), "{shown:?}");
}

#[test]
fn the_cache_directory_comes_from_the_option_the_variable_or_the_setting() {
    let directory = project();
    let root = directory.path();
    // The setting, relative to the configuration's directory, from a subdirectory.
    write(
        root,
        "pyproject.toml",
        "[tool.pyleak-fix]\ncache-dir = \"build/lint-cache\"\n",
    );
    run(&root.join("pkg"), &["--check", "."], &[]);
    assert!(root.join("build/lint-cache/CACHEDIR.TAG").is_file());
    assert!(!root.join(CACHE).exists() && !root.join("pkg").join(CACHE).exists());
    // The variable wins over the setting, and the option over the variable.
    run(
        root,
        &["--check", "."],
        &[("PYLEAK_FIX_CACHE_DIR", "from-variable")],
    );
    assert!(root.join("from-variable/CACHEDIR.TAG").is_file());
    run(
        root,
        &["--check", "--cache-dir", "from-option", "."],
        &[("PYLEAK_FIX_CACHE_DIR", "from-variable")],
    );
    assert!(root.join("from-option/CACHEDIR.TAG").is_file());
    let (_, (hits, _)) = run(
        root,
        &["--check", "."],
        &[("PYLEAK_FIX_CACHE_DIR", "from-variable")],
    );
    assert_eq!(hits, 3);
    // Without a setting, the project root: the configuration's directory.
    write(root, "pyproject.toml", "[tool.pyleak-fix]\n");
    run(&root.join("pkg"), &["--check", "."], &[]);
    assert!(root.join(CACHE).join("CACHEDIR.TAG").is_file());
}

#[test]
fn clean_removes_the_cache_and_nothing_that_is_not_one() {
    let directory = project();
    let root = directory.path();
    run(root, &["--check", "."], &[]);
    let output = run(root, &["clean"], &[]).0;
    assert_eq!(code(&output), 0, "{output:?}");
    assert!(!root.join(CACHE).exists());
    assert_eq!(code(&run(root, &["clean"], &[]).0), 0, "nothing to remove");
    // A cache-dir pointing at the project by mistake is refused.
    write(
        root,
        "pyproject.toml",
        "[tool.pyleak-fix]\ncache-dir = \"pkg\"\n",
    );
    let output = run(root, &["clean"], &[]).0;
    assert_eq!(code(&output), 2, "{output:?}");
    assert!(stderr(&output).contains("is not a pyleak-fix cache"));
    assert!(root.join("pkg/a.py").is_file());
}

#[test]
fn a_cache_that_cannot_be_written_is_a_warning_and_the_result_stands() {
    let directory = project();
    let root = directory.path();
    // A file where the directory would be.
    write(root, "blocked", "");
    let args = ["--check", "--cache-dir", "blocked/cache", "."];
    let (output, _) = run(root, &args, &[]);
    let fresh = run(root, &["--no-cache", "--check", "."], &[]).0;
    assert_eq!(code(&output), code(&fresh));
    assert_eq!(stdout(&output), stdout(&fresh));
    assert!(
        stderr(&output).contains("warning: cannot write the cache in"),
        "{output:?}"
    );
}
