#!/usr/bin/env bash
# Runs this repository's pre-commit hooks for real, as a user's repository would:
#   1. `pyleak-fix-check` shows the diff, fails, and writes nothing;
#   2. `pyleak-fix` fixes the file in place, and pre-commit fails the run because a file
#      changed;
#   3. a file under an excluded directory (build/) is left alone although pre-commit
#      names it explicitly (--force-exclude);
#   4. once the fix is committed, both hooks pass.
# The hooks are built from the HEAD commit of this checkout (pre-commit clones a git
# repository at a commit): commit before running this. pre-commit builds them with cargo
# (`language: rust`), so this needs PyPI and crates.io and takes a minute or two.
# Usage: scripts/pre-commit-test.sh        Needs: python3, git, cargo.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rev=$(git -C "$repo" rev-parse HEAD)
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
    echo "note: uncommitted changes are not part of this test; the hooks come from HEAD ($rev)"
fi

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pre-commit
pre_commit="$work/venv/bin/pre-commit"
export PRE_COMMIT_HOME="$work/pre-commit-home"
# The test is about the hooks, not the optimized binary: build it without fat LTO, in a
# target directory of our own that goes away with the rest.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_TARGET_DIR="$work/target"

# pre-commit fetches hooks from a git repository at a commit: a clone of this checkout.
git clone --quiet "$repo" "$work/hooks"

project="$work/project"
git init --quiet "$project"
cd "$project"
git config user.email "ci@example.invalid"
git config user.name "pre-commit test"
git config commit.gpgsign false
cat >.pre-commit-config.yaml <<YAML
repos:
  - repo: $work/hooks
    rev: $rev
    hooks:
      - id: pyleak-fix-check
      - id: pyleak-fix
YAML
mkdir -p src build
printf 'def add(value, my_list=[]):\n    my_list.append(value)\n    return my_list\n' >src/app.py
cp src/app.py build/generated.py
printf 'def ok(x=None):\n    return x\n' >src/clean.py
git add -A
git commit --quiet -m "a project with a mutable default"
snapshot() { sha256sum src/app.py src/clean.py build/generated.py; }

echo "== building the hooks (pre-commit install-hooks)"
"$pre_commit" install-hooks

echo "== pyleak-fix-check"
before=$(snapshot)
status=0
"$pre_commit" run pyleak-fix-check --all-files >check.out 2>&1 || status=$?
cat check.out
[ "$status" -ne 0 ] || { echo "FAIL: pyleak-fix-check passed on a file with a finding"; exit 1; }
grep -q '^+def add(value, my_list=None):' check.out || { echo "FAIL: pyleak-fix-check did not show the diff"; exit 1; }
grep -q 'build/generated.py' check.out && { echo "FAIL: pyleak-fix-check went into build/"; exit 1; }
[ "$before" = "$(snapshot)" ] || { echo "FAIL: pyleak-fix-check wrote files"; exit 1; }
echo "ok 1: pyleak-fix-check showed the diff, failed, and wrote nothing"

echo "== pyleak-fix"
status=0
"$pre_commit" run pyleak-fix --all-files >fix.out 2>&1 || status=$?
cat fix.out
[ "$status" -ne 0 ] || { echo "FAIL: pyleak-fix passed although it changed a file"; exit 1; }
grep -q 'files were modified by this hook' fix.out || { echo "FAIL: pre-commit did not see a change"; exit 1; }
grep -q '    if my_list is None:' src/app.py || { echo "FAIL: src/app.py was not fixed"; cat src/app.py; exit 1; }
echo "ok 2: pyleak-fix fixed src/app.py in place and pre-commit failed the run"
cmp -s src/app.py build/generated.py && { echo "FAIL: build/generated.py was fixed"; exit 1; }
grep -q 'my_list=\[\]' build/generated.py || { echo "FAIL: build/generated.py changed"; exit 1; }
echo "ok 3: build/generated.py, named by pre-commit, was excluded (--force-exclude)"

git add -A
"$pre_commit" run --all-files || { echo "FAIL: the hooks fail on fixed code"; exit 1; }
echo "ok 4: both hooks pass once the fix is committed"
