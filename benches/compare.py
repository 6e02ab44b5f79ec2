#!/usr/bin/env python3
"""Side-by-side benchmark: pyleak-fix against ruff on the CPython standard library.

Builds pyleak-fix with the `dist` profile (fat LTO; see Cargo.toml), installs ruff from
PyPI into a throwaway virtualenv,
copies the standard library (without site-packages) into a temporary directory, builds a
10x tree (ten copies) beside it, and runs both tools alternately, several times each,
reporting the median wall time and the median peak resident memory of each tool, and
their ratios. A last table times both on a single file, what pre-commit does per commit.

    python3 benches/compare.py [--runs N] [--skip-10x] [--ours BINARY] [--floor]

pyleak-fix runs `--dry-run --unsafe-fixes --no-cache`, with its default rules and again
with every rule (`--select ALL`); ruff runs `check --isolated --no-cache --select
B006,B008,B019 --unsafe-fixes --diff`. Then both
again with their caches on, warm (each primed by one run first): the same dry run / diff,
and a check (`--check`; ruff without `--diff`). Timings are measurements for the closing
note, never assertions. The machine is shared: compare CPU seconds, and read the load
printed with each table.

`--floor` adds the least parsing any run with these rules must do, set beside ruff's whole
run: tree-sitter alone (examples/parse_floor.rs) parsing every file, the files with
findings, and the files a fix changes. A file that gets a fix must be parsed whole, since
a file with a syntax error is never fixed.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from copy_stdlib import copy_stdlib  # noqa: E402  (the corpus the scripts use too)


def measure(command, cwd):
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system) of one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 2):
        sys.exit(f"{command[0]} exited {code} in {cwd}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # Linux reports KiB


def compare(label, tools, cwd, runs):
    samples = {name: [] for name in tools}
    for _ in range(runs):  # alternate, so drift in the machine hits both alike
        for name, command in tools.items():
            samples[name].append(measure(command, cwd))
    rows = {}
    for name, values in samples.items():
        rows[name] = tuple(statistics.median(v[i] for v in values) for i in range(3))
    (ours_wall, ours_rss, ours_cpu), (ruff_wall, ruff_rss, ruff_cpu) = rows["pyleak-fix"], rows["ruff"]
    print(f"\n{label} ({runs} alternating runs each, median; load {os.getloadavg()[0]:.2f})")
    print(f"  {'tool':<12} {'wall s':>8} {'peak RSS MiB':>13} {'CPU s':>8}")
    for name, (wall, rss, cpu) in rows.items():
        print(f"  {name:<12} {wall:>8.3f} {rss:>13.1f} {cpu:>8.3f}")
    print(f"  ratio pyleak-fix/ruff: wall {ours_wall / ruff_wall:.2f}x, peak RSS {ours_rss / ruff_rss:.2f}x, CPU {ours_cpu / ruff_cpu:.2f}x")
    return rows


def floor(ours, stdlib, runs, ruff_row):
    """Times tree-sitter parsing alone over three lists of files (median of `runs`)."""
    subprocess.run(["cargo", "build", "--profile", "dist", "--quiet", "--example", "parse_floor"], cwd=REPO, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    parse_floor = os.path.join(target, "dist", "examples", "parse_floor")
    report = subprocess.run([ours, "--check", "--unsafe-fixes", "--output-format", "json", "."],
                            cwd=stdlib, capture_output=True, text=True)
    findings = json.loads(report.stdout)
    every = sorted(os.path.join(root, name) for root, _, names in os.walk(stdlib)
                   for name in names if name.endswith(".py"))
    lists = {
        "every file": every,
        "files with findings": sorted({f["filename"] for f in findings}),
        "files a fix changes": sorted({f["filename"] for f in findings if f["fix"]}),
    }
    ruff_wall, _, ruff_cpu = ruff_row
    print(f"\nfloor: tree-sitter parsing alone ({runs} runs each, median); ruff's whole run: "
          f"{ruff_wall:.3f} s wall, {ruff_cpu:.3f} s CPU")
    for label, paths in lists.items():
        walls, cpus, line = [], [], ""
        for _ in range(runs):
            line = subprocess.run([parse_floor], input="\n".join(paths), capture_output=True,
                                  text=True, check=True).stdout.strip()
            # "N files, X MB: parse only W s wall, C s CPU (...)"
            walls.append(float(line.split("parse only ")[1].split(" s wall")[0]))
            cpus.append(float(line.split("wall, ")[1].split(" s CPU")[0]))
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(f"  {label:<20} {line.split(':')[0]:>22}: {wall:.3f} s wall, {cpu:.3f} s CPU "
              f"= {wall / ruff_wall:.2f}x ruff's wall, {cpu / ruff_cpu:.2f}x its CPU")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-10x", action="store_true")
    parser.add_argument("--ours", help="benchmark this pyleak-fix binary (e.g. an older build) instead of building one")
    parser.add_argument("--floor", action="store_true", help="also time tree-sitter parsing alone (see above)")
    args = parser.parse_args()

    if args.ours:
        ours = os.path.abspath(args.ours)
    else:
        subprocess.run(["cargo", "build", "--profile", "dist", "--quiet"], cwd=REPO, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
        ours = os.path.join(target, "dist", "pyleak-fix")
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([sys.executable, "-m", "venv", os.path.join(work, "venv")], check=True)
        subprocess.run([os.path.join(work, "venv", "bin", "pip"), "install", "--quiet", "ruff"], check=True)
        ruff = os.path.join(work, "venv", "bin", "ruff")
        version = subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"{version}; pyleak-fix at {ours}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}")

        stdlib = os.path.join(work, "stdlib")
        copy_stdlib(stdlib)
        files = sum(len([n for n in names if n.endswith(".py")]) for _, _, names in os.walk(stdlib))
        print(f"tree: {files} files")
        # An older binary (--ours) may have no cache, and so no --no-cache.
        help_text = subprocess.run([ours, "--help"], capture_output=True, text=True).stdout
        no_cache = ["--no-cache"] if "--no-cache" in help_text else []
        tools = {
            "pyleak-fix": [ours, "--dry-run", "--unsafe-fixes", *no_cache, "."],
            "ruff": [ruff, "check", "--isolated", "--no-cache", "--select", "B006,B008,B019",
                     "--unsafe-fixes", "--diff", "."],
        }
        warm = {
            "dry run / diff": {
                "pyleak-fix": [ours, "--dry-run", "--unsafe-fixes", "."],
                "ruff": [ruff, "check", "--isolated", "--select", "B006,B008,B019",
                         "--unsafe-fixes", "--diff", "."],
            },
            "check": {
                "pyleak-fix": [ours, "--check", "--unsafe-fixes", "."],
                "ruff": [ruff, "check", "--isolated", "--select", "B006,B008,B019",
                         "--unsafe-fixes", "."],
            },
        }
        every_rule = dict(tools, **{"pyleak-fix": [ours, "--dry-run", "--unsafe-fixes", *no_cache,
                                                   "--select", "ALL", "."]})
        rows = compare("stdlib, default rules", tools, stdlib, args.runs)
        compare("stdlib, every rule (--select ALL)", every_rule, stdlib, args.runs)
        if args.floor:
            floor(ours, stdlib, args.runs, rows["ruff"])
        if not args.ours:
            # What tree-sitter parses, and where a single thread's time goes.
            subprocess.run(["cargo", "build", "--profile", "dist", "--quiet", "--example", "stages"],
                           cwd=REPO, check=True)
            target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
            stages = subprocess.run([os.path.join(target, "dist", "examples", "stages"), stdlib],
                                    capture_output=True, text=True, check=True).stdout
            print("\nstages (examples/stages.rs, default rules, one thread, every file in memory):")
            print("\n".join("  " + line for line in stages.splitlines()[:14]))

        for label, commands in warm.items():
            for command in commands.values():  # prime each cache
                measure(command, stdlib)
            compare(f"stdlib, warm {label} (caches on, primed)", commands, stdlib, args.runs)

        if not args.skip_10x:
            tenfold = os.path.join(work, "tenfold")
            for copy in range(10):
                shutil.copytree(stdlib, os.path.join(tenfold, f"copy{copy}"),
                                ignore=shutil.ignore_patterns(".pyleak_fix_cache", ".ruff_cache"))
            compare("stdlib x10", tools, tenfold, max(1, args.runs // 2))
            commands = warm["dry run / diff"]
            for command in commands.values():
                measure(command, tenfold)
            compare("stdlib x10, warm dry run / diff (caches on, primed)", commands, tenfold,
                    max(1, args.runs // 2))

        single = os.path.join(stdlib, "argparse.py")
        one_file = {name: command[:-1] + [single] for name, command in tools.items()}
        compare("single file (argparse.py)", one_file, stdlib, args.runs * 2)
        # A small file with findings of each kind ruff's selection has.
        small = os.path.join(work, "small.py")
        with open(small, "w") as out:
            out.write(SMALL)
        one_file = {name: command[:-1] + [small] for name, command in tools.items()}
        compare(f"single small file ({SMALL.count(chr(10))} lines, findings)", one_file, work,
                args.runs * 2)


SMALL = """import functools


def append(item, items=[]):
    items.append(item)
    return items


class Store:
    @functools.lru_cache(maxsize=None)
    def lookup(self, key, seen={}):
        return seen.get(key)
"""


if __name__ == "__main__":
    main()
