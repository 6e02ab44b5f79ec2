#!/usr/bin/env bash
# Runs this repository's pre-commit hooks for real, as a user's repository would, with
# exactly the README's `.pre-commit-config.yaml` snippet (taken from README.md; only its
# `repo:` URL is replaced by a local clone of this checkout):
#   0. `pre-commit autoupdate`, as the README says, pins `rev:` to a commit;
#   1. `pyleak-fix-check` (the snippet's commented alternative) shows the diff, fails,
#      and writes nothing;
#   2. `pyleak-fix` fixes the file in place, and pre-commit fails the run because a file
#      changed;
#   3. a file under an excluded directory (build/) is left alone although pre-commit
#      names it explicitly (--force-exclude);
#   4. once the fix is committed, both hooks pass.
# The hooks are built from the HEAD commit of this checkout (pre-commit clones a git
# repository at a commit): commit before running this. pre-commit builds them with
# `cargo install` and the release profile, as it does for every user (`language: rust`);
# the time of that first build is printed. Needs PyPI and crates.io.
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

# pre-commit fetches hooks from a git repository at a commit: a clone of this checkout,
# without tags, so that `pre-commit autoupdate` pins HEAD rather than an older release.
git clone --quiet "$repo" "$work/hooks"
git -C "$work/hooks" tag -l | xargs -r git -C "$work/hooks" tag -d >/dev/null
rev=$(git -C "$work/hooks" rev-parse HEAD)  # HEAD may have moved since the start

# The README's snippet: the first ```yaml block after "### pre-commit".
snippet=$(awk '/^### pre-commit$/ {section = 1} section && /^```yaml$/ {inside = 1; next}
               inside && /^```$/ {exit} inside {print}' "$repo/README.md")
readme_repo='https://github.com/pyleak-fix/pyleak-fix'
[ "$(grep -c "^  - repo: $readme_repo\$" <<<"$snippet")" = 1 ] ||
    { echo "FAIL: README's pre-commit snippet does not name repo: $readme_repo once"; echo "$snippet"; exit 1; }
config=${snippet/"repo: $readme_repo"/"repo: $work/hooks"}
# The check hook is the snippet's commented alternative: swap the two lines.
check_config=$(sed -e '/^      - id: pyleak-fix  /d' -e 's/^      # - id: pyleak-fix-check/      - id: pyleak-fix-check/' <<<"$config")
grep -q '^      - id: pyleak-fix  ' <<<"$config" && grep -q '^      - id: pyleak-fix-check' <<<"$check_config" ||
    { echo "FAIL: README's snippet lacks the pyleak-fix hook or the commented pyleak-fix-check"; echo "$snippet"; exit 1; }

project="$work/project"
git init --quiet "$project"
cd "$project"
git config user.email "ci@example.invalid"
git config user.name "pre-commit test"
git config commit.gpgsign false
printf '%s\n' "$config" >.pre-commit-config.yaml
echo "== the README's snippet, repo: a local clone"
cat .pre-commit-config.yaml

echo "== pre-commit autoupdate"
"$pre_commit" autoupdate
grep -q "^    rev: $rev  #" .pre-commit-config.yaml ||
    { echo "FAIL: pre-commit autoupdate did not pin rev: $rev"; cat .pre-commit-config.yaml; exit 1; }
echo "ok 0: pre-commit autoupdate pinned rev: $rev"
printf '%s\n' "$check_config" | sed "s/^    rev: .*/    rev: $rev/" >check.yaml
mkdir -p src build
printf 'def total(values=[]):\n    return sum(values)\n' >src/app.py
cp src/app.py build/generated.py
printf 'def ok(x=None):\n    return x\n' >src/clean.py
git add -A
git commit --quiet -m "a project with a mutable default"
snapshot() { sha256sum src/app.py src/clean.py build/generated.py; }

echo "== building the hook (pre-commit install-hooks: cargo install, release profile)"
start=$(date +%s)
"$pre_commit" install-hooks
echo "first hook build: $(($(date +%s) - start)) s"

echo "== pyleak-fix-check"
before=$(snapshot)
status=0
"$pre_commit" run --config check.yaml pyleak-fix-check --all-files >check.out 2>&1 || status=$?
cat check.out
[ "$status" -ne 0 ] || { echo "FAIL: pyleak-fix-check passed on a file with a finding"; exit 1; }
grep -q '^+def total(values=None):' check.out || { echo "FAIL: pyleak-fix-check did not show the diff"; exit 1; }
grep -q 'build/generated.py' check.out && { echo "FAIL: pyleak-fix-check went into build/"; exit 1; }
[ "$before" = "$(snapshot)" ] || { echo "FAIL: pyleak-fix-check wrote files"; exit 1; }
echo "ok 1: pyleak-fix-check showed the diff, failed, and wrote nothing"

echo "== pyleak-fix"
status=0
"$pre_commit" run pyleak-fix --all-files >fix.out 2>&1 || status=$?
cat fix.out
[ "$status" -ne 0 ] || { echo "FAIL: pyleak-fix passed although it changed a file"; exit 1; }
grep -q 'files were modified by this hook' fix.out || { echo "FAIL: pre-commit did not see a change"; exit 1; }
grep -q '    if values is None:' src/app.py || { echo "FAIL: src/app.py was not fixed"; cat src/app.py; exit 1; }
echo "ok 2: pyleak-fix fixed src/app.py in place and pre-commit failed the run"
cmp -s src/app.py build/generated.py && { echo "FAIL: build/generated.py was fixed"; exit 1; }
grep -q 'values=\[\]' build/generated.py || { echo "FAIL: build/generated.py changed"; exit 1; }
echo "ok 3: build/generated.py, named by pre-commit, was excluded (--force-exclude)"

git add -A
"$pre_commit" run --all-files || { echo "FAIL: the pyleak-fix hook fails on fixed code"; exit 1; }
"$pre_commit" run --config check.yaml --all-files || { echo "FAIL: pyleak-fix-check fails on fixed code"; exit 1; }
echo "ok 4: both hooks pass once the fix is committed"
