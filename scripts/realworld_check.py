"""Real projects as tests (issue 11, section 7); run through scripts/realworld-check.sh.

For each project: download its sdist from PyPI pinned by version, make a virtualenv with
its pinned test dependencies, run its own tests on three copies of the tree (the original,
after `pyleak-fix .`, after `pyleak-fix --unsafe-fixes .`) and compare the outcome of
every test by its id. A test that passed on the original and does not pass on a fixed
copy (fails, errors, or is gone) is a regression; any regression makes the run fail.

Everything downloaded or built is cached under `.cache/realworld/` (gitignored); the three
trees go to a fresh temporary directory, removed at the end unless `--keep`.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET

# The test runner, pinned with its own dependencies so every run installs the same thing.
PYTEST = ["pytest==8.3.3", "pluggy==1.5.0", "iniconfig==2.0.0", "packaging==24.1"]

# Chosen for what the rules look for and for test suites that finish in minutes:
#   sqlparse   - token trees whose children point back at their parent (LK003);
#   parso      - a grammar generator with a mutable default (LK001, a safe fix);
#   jsonschema - a mutable default in its CLI tests (LK001), an exception kept in a dict;
#   astroid    - AST nodes with parent links built in loops (LK003);
#   setuptools - 19 safe LK001 fixes, 12 of them in the vendored pyproject validator that
#                its config tests run (its whole suite needs the network and an hour).
# `deps` are installed with --no-deps, so the list is the whole environment; `path` is
# what PYTHONPATH gets (relative to the tree) so the copy under test is the one imported;
# `tests` are pytest's arguments, run from the tree's top directory.
PROJECTS = {
    "sqlparse": {
        "version": "0.5.1",
        "deps": PYTEST,
        "path": ".",
        "tests": ["tests"],
    },
    "parso": {
        "version": "0.8.4",
        "deps": PYTEST,
        "path": ".",
        # pytest.ini adds --doctest-modules and the test paths.
        "tests": [],
    },
    "jsonschema": {
        "version": "4.23.0",
        "deps": PYTEST
        + [
            "attrs==24.2.0",
            "jsonschema-specifications==2023.12.1",
            "referencing==0.35.1",
            "rpds-py==0.20.0",
        ],
        "path": ".",
        "tests": ["jsonschema/tests"],
        # Its CLI tests ask importlib.metadata for the installed version.
        "install_self": True,
    },
    "astroid": {
        "version": "3.3.5",
        "deps": PYTEST + ["typing_extensions==4.12.2"],
        "path": ".",
        "tests": ["tests"],
        "install_self": True,
    },
    "setuptools": {
        "version": "75.1.0",
        "deps": PYTEST
        + [
            "filelock==3.16.1",
            "ini2toml==0.15",
            "jaraco.envs==2.6.0",
            "jaraco.path==3.7.2",
            "path==17.1.1",
            "tomli_w==1.2.0",
        ],
        "path": ".",
        # The tests that download example files from the web are left out.
        "tests": ["setuptools/tests/config", "-m", "not uses_network"],
    },
}

MODES = ["original", "default", "unsafe"]

# One suite run's limit; the slowest here takes about 3 minutes on a quiet machine.
TEST_TIMEOUT_SECONDS = 1800


def log(message):
    print(message, flush=True)


def run(command, **kwargs):
    """Runs `command`, failing loudly with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"FAIL: `{' '.join(command)}` exited {result.returncode}")
    return result


def sdist(cache, name, version):
    """The cached sdist of NAME==VERSION, downloaded on first use."""
    directory = os.path.join(cache, "sdists")
    os.makedirs(directory, exist_ok=True)
    prefixes = {f"{name}-{version}.tar.gz".lower(), f"{name.replace('-', '_')}-{version}.tar.gz".lower()}
    for entry in sorted(os.listdir(directory)):
        if entry.lower() in prefixes:
            return os.path.join(directory, entry)
    log(f"{name}: downloading the sdist {name}=={version}")
    run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--no-binary", ":all:", "--dest", directory, f"{name}=={version}"])
    for entry in sorted(os.listdir(directory)):
        if entry.lower() in prefixes:
            return os.path.join(directory, entry)
    raise SystemExit(f"FAIL: no sdist for {name}=={version} in {directory}")


def venv(cache, name, spec, archive):
    """The cached virtualenv for one project, made (once) with its pinned dependencies."""
    directory = os.path.join(cache, "venvs", f"{name}-{spec['version']}")
    python = os.path.join(directory, "bin", "python")
    wanted = "\n".join(spec["deps"] + (["self"] if spec.get("install_self") else []))
    stamp = os.path.join(directory, "pyleak-fix-ready")
    if os.path.exists(stamp) and open(stamp).read() == wanted:
        return python
    log(f"{name}: making its virtualenv")
    shutil.rmtree(directory, ignore_errors=True)
    run([sys.executable, "-m", "venv", directory])
    run([python, "-m", "pip", "install", "--quiet", "--no-deps"] + spec["deps"])
    if spec.get("install_self"):
        # Only for its metadata (version, entry points): PYTHONPATH puts the tree under
        # test ahead of this copy.
        run([python, "-m", "pip", "install", "--quiet", "--no-deps", archive])
    with open(stamp, "w") as f:
        f.write(wanted)
    return python


def unpack(archive, destination):
    with tarfile.open(archive) as tar:
        top = tar.getnames()[0].split("/")[0]
        tar.extractall(destination, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(destination)
    os.rename(os.path.join(destination, top), os.path.join(destination, "tree"))
    return os.path.join(destination, "tree")


def findings(binary, tree):
    """Findings per rule and how many carry a safe or unsafe fix, from `--check` JSON."""
    result = subprocess.run([*binary, "--check", "--output-format", "json", "."],
                            cwd=tree, capture_output=True, text=True)
    if result.returncode not in (0, 1, 2):
        sys.stderr.write(result.stderr)
        raise SystemExit(f"FAIL: pyleak-fix --check exited {result.returncode} in {tree}")
    items = json.loads(result.stdout or "[]")
    per_rule, fixable = {}, {"safe": 0, "unsafe": 0}
    for item in items:
        per_rule[item["code"]] = per_rule.get(item["code"], 0) + 1
        applicability = (item.get("fix") or {}).get("applicability")
        if applicability in fixable:
            fixable[applicability] += 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    return per_rule, fixable, errors


def fix(binary, tree, mode, out):
    """Applies the fixes of MODE in place; keeps the dry-run diff beside; returns the
    number of findings fixed and the stderr lines that are not ordinary refusals."""
    flags = ["--unsafe-fixes"] if mode == "unsafe" else []
    diff = subprocess.run([*binary, "--dry-run", *flags, "."], cwd=tree, capture_output=True, text=True)
    with open(os.path.join(out, f"{mode}.diff"), "w") as f:
        f.write(diff.stdout)
    result = subprocess.run([*binary, *flags, "."], cwd=tree, capture_output=True, text=True)
    if result.returncode not in (0, 1, 2):
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"FAIL: pyleak-fix {' '.join(flags)} exited {result.returncode} in {tree}")
    match = re.search(r"Fixed (\d+) finding", result.stdout + result.stderr)
    internal = [line for line in result.stderr.splitlines() if "internal error" in line]
    return (int(match.group(1)) if match else 0), internal


def run_tests(python, spec, tree, report):
    """Runs the project's tests; returns {test id: outcome} and the seconds taken."""
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": os.path.join(tree, spec["path"]),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        # No user site, no colour, no plugins from the outside world.
        "PYTHONNOUSERSITE": "1",
        "PY_COLORS": "0",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    })
    start = time.monotonic()
    try:
        subprocess.run(
            [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rN",
             f"--junitxml={report}", "-o", "junit_family=xunit2", *spec["tests"]],
            cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=TEST_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        # A fix that makes a suite hang is a failure of every test not yet reported.
        log(f"{tree}: the tests did not finish in {TEST_TIMEOUT_SECONDS} s; stopped")
    seconds = time.monotonic() - start
    outcomes, messages = {}, {}
    if os.path.exists(report):
        for case in ET.parse(report).getroot().iter("testcase"):
            test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
            outcome = "passed"
            for kind, name in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
                element = case.find(kind)
                if element is not None:
                    outcome = name
                    messages[test_id] = (element.get("message") or element.text or "").strip()
                    break
            # A test id seen twice (an error in teardown after a pass) keeps the worse.
            if outcomes.get(test_id, "passed") == "passed":
                outcomes[test_id] = outcome
    return outcomes, messages, seconds


def summary(outcomes):
    passed = sum(1 for o in outcomes.values() if o == "passed")
    return f"{passed}/{len(outcomes)}"


def check_project(binary, cache, work, name, spec):
    start = time.monotonic()
    archive = sdist(cache, name, spec["version"])
    python = venv(cache, name, spec, archive)
    out = os.path.join(work, name)
    os.makedirs(out)
    row = {"project": f"{name}-{spec['version']}", "regressions": {}, "test_seconds": {}}
    baseline = None
    for mode in MODES:
        tree = unpack(archive, os.path.join(out, mode))
        if mode == "original":
            row["findings"], row["fixable"], row["refused"] = findings(binary, tree)
        else:
            row[f"fixed_{mode}"], internal = fix(binary, tree, mode, out)
            row.setdefault("internal", []).extend(internal)
        outcomes, messages, seconds = run_tests(python, spec, tree, os.path.join(out, f"{mode}.xml"))
        row[f"tests_{mode}"] = summary(outcomes)
        row["test_seconds"][mode] = seconds
        if mode == "original":
            baseline = outcomes
            if not any(o == "passed" for o in outcomes.values()):
                raise SystemExit(f"FAIL: {name}: no test passed on the original tree (see {out})")
        else:
            row["regressions"][mode] = sorted(
                (test_id, outcomes.get(test_id, "missing"), messages.get(test_id, ""))
                for test_id, outcome in baseline.items()
                if outcome == "passed" and outcomes.get(test_id) != "passed"
            )
            if row["regressions"][mode]:
                with open(os.path.join(out, f"{mode}.diff")) as f:
                    row.setdefault("diffs", {})[mode] = f.read()
        log(f"{name}: {mode}: tests {row[f'tests_{mode}']} passed in {seconds:.0f} s")
    row["seconds"] = time.monotonic() - start
    return row


def table(rows, rules):
    header = ["project", *rules, "fixable safe/unsafe", "fixed default", "fixed unsafe",
              "tests original", "tests default", "tests unsafe", "regressions", "time"]
    lines = []
    for row in rows:
        regressions = sum(len(r) for r in row["regressions"].values())
        lines.append([
            row["project"],
            *(str(row["findings"].get(rule, 0)) for rule in rules),
            f"{row['fixable']['safe']}/{row['fixable']['unsafe']}",
            str(row["fixed_default"]),
            str(row["fixed_unsafe"]),
            row["tests_original"],
            row["tests_default"],
            row["tests_unsafe"],
            str(regressions),
            f"{row['seconds']:.0f} s",
        ])
    widths = [max(len(cell) for cell in column) for column in zip(header, *lines)]
    render = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([render(header), render(["-" * w for w in widths])] + [render(l) for l in lines])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", default=",".join(PROJECTS),
                        help=f"comma-separated, from {', '.join(PROJECTS)} [default: all]")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work directory (trees, diffs, junit reports)")
    parser.add_argument("--binary", required=True)
    parser.add_argument("--cache", required=True)
    args = parser.parse_args()
    names = [n.strip() for n in args.projects.split(",") if n.strip()]
    unknown = [n for n in names if n not in PROJECTS]
    if unknown or not names:
        parser.error(f"unknown project {', '.join(unknown) or '(none)'}; known: {', '.join(PROJECTS)}")

    # Like scripts/stdlib-check.sh: PYLEAK_FIX_ARGS adds options to every pyleak-fix run,
    # e.g. "--large-allocation-bytes 1000" to put LK002's fixes to these test suites.
    command = [args.binary, *shlex.split(os.environ.get("PYLEAK_FIX_ARGS", ""))]
    work = tempfile.mkdtemp(prefix="pyleak-fix-realworld.")
    rows = []
    try:
        for name in names:
            rows.append(check_project(command, args.cache, work, name, PROJECTS[name]))
    finally:
        if args.keep:
            log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    if report(rows):
        if args.keep:
            log(f"diffs of the fixes: {work}/<project>/<mode>.diff")
        raise SystemExit("FAIL: a fix broke a test that passed before (or the tool failed)")
    log("ok: no test that passed before fails after the fixes, in either mode")


def report(rows):
    """Prints the table, every refusal and regression, and the totals; returns whether
    anything failed."""
    rules = sorted({rule for row in rows for rule in row["findings"]} | {"LK001", "LK002", "LK003"})
    log("")
    log(table(rows, rules))
    failed = False
    for row in rows:
        for line in row["refused"]:
            log(f"{row['project']}: refused on the original: {line}")
        for line in row.get("internal", []):
            log(f"{row['project']}: {line}")
            failed = True
        for mode, regressions in row["regressions"].items():
            for test_id, outcome, message in regressions:
                log(f"REGRESSION {row['project']} ({mode} fixes): {test_id} passed before, {outcome} after")
                for line in message.splitlines()[:3]:
                    log(f"    {line[:200]}")
                failed = True
            if regressions:
                lines = row["diffs"][mode].splitlines()
                log(f"{row['project']}: the {mode} fixes ({len(lines)} diff lines"
                    f"{', first 300 shown' if len(lines) > 300 else ''}):")
                for line in lines[:300]:
                    log(f"    {line}")
    total_tests = sum(int(row["tests_original"].split("/")[0]) for row in rows)
    total_regressions = sum(len(r) for row in rows for r in row["regressions"].values())
    total_fixed = sum(row["fixed_default"] + row["fixed_unsafe"] for row in rows)
    log(f"realworld: {len(rows)} projects, {total_tests} tests passing on the originals, "
        f"{total_fixed} fixes applied (default + unsafe), {total_regressions} regressions")
    return failed


if __name__ == "__main__":
    main()
