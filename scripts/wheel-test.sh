#!/usr/bin/env bash
# Builds a wheel the way `pip install .` does (pip, with maturin from PyPI in pip's
# isolated build environment, driven by pyproject.toml), installs it into a fresh
# virtualenv, and checks that the `pyleak-fix` command it installs runs: its version is
# Cargo.toml's, and it finds and fixes a mutable default.
# Needs PyPI and cargo; takes a minute or two (cargo builds the binary).
# Usage: scripts/wheel-test.sh
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Built with the release profile, as pip builds it for users, in a target directory of
# our own that goes away with the rest.
export CARGO_TARGET_DIR="$work/target"

python3 -m venv "$work/build"
echo "== pip wheel . --no-deps"
(cd "$repo" && "$work/build/bin/pip" wheel --quiet --no-deps --wheel-dir "$work/dist" .)
wheel=$(ls "$work"/dist/pyleak_fix-*.whl)
echo "built $(basename "$wheel")"

python3 -m venv "$work/fresh"
"$work/fresh/bin/pip" install --quiet --no-index "$wheel"
command="$work/fresh/bin/pyleak-fix"
[ -x "$command" ] || { echo "FAIL: the wheel installed no pyleak-fix command"; exit 1; }

expected="pyleak-fix $(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)"
actual=$("$command" --version)
[ "$actual" = "$expected" ] || { echo "FAIL: --version says '$actual', expected '$expected'"; exit 1; }
echo "ok 1: $actual"

mkdir "$work/project"
printf 'def total(values=[]):\n    return sum(values)\n' >"$work/project/app.py"
status=0
(cd "$work/project" && "$command" --check app.py) >"$work/check.out" 2>&1 || status=$?
cat "$work/check.out"
[ "$status" -eq 1 ] && grep -q '^app.py:1:18: LK001 ' "$work/check.out" || { echo "FAIL: --check did not report LK001 (exit $status)"; exit 1; }
(cd "$work/project" && "$command" app.py)
grep -q '    if values is None:' "$work/project/app.py" || { echo "FAIL: the file was not fixed"; exit 1; }
echo "ok 2: the installed command finds and fixes a mutable default"
