#!/usr/bin/env bash
# Runs pyleak-fix over this machine's CPython standard library and checks what issue 2
# promises there:
#   1. --dry-run writes nothing;
#   2. its diff, applied with `git apply`, equals what the in-place mode writes;
#   3. no file that compiled stops compiling;
#   4. a second run finds nothing left to fix;
#   5. every line ruff's B006 reports, LK001 reports too;
#   6. no run panics (no `internal error` on stderr);
#   7. when LK003 to LK007 are all selected, every finding the single LK003 made before
#      it was split into one rule per cause (recorded in scripts/stdlib-lk003/pythonX.Y.txt
#      for this Python, from the binary at 96a28a7) is made by exactly one of them; new
#      findings (closed misses) are allowed and listed;
#   8. a warm (cached) run gives the cold run's patch and messages;
#   9. with the default rules, the region parse gives the whole parse's patch and
#      findings.
# It also times the dry run beside `ruff check --select B006 --unsafe-fixes --diff`.
# Usage: scripts/stdlib-check.sh [RULES]   (RULES defaults to LK001)
# PYLEAK_FIX_ARGS adds options to every pyleak-fix run, e.g.
#   PYLEAK_FIX_ARGS="--large-allocation-bytes 1000" scripts/stdlib-check.sh LK002
# to exercise LK002's fixes on the many small module-level tables the stdlib has.
# Needs: cargo, python3, git; installs ruff from PyPI into a throwaway virtualenv.
set -euo pipefail

rules=${1:-LK001}
read -r -a cached_extra <<<"${PYLEAK_FIX_ARGS:-}"
extra=("${cached_extra[@]}")
# Every check runs cold: the cache is checked on its own (check 8), and --dry-run's
# "writes nothing" is about the tree it reads.
extra+=(--no-cache)
repo=$(cd "$(dirname "$0")/.." && pwd)
stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$repo/target}/release/pyleak-fix"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet ruff
ruff="$work/venv/bin/ruff"

# The corpus: the standard library without site-packages and bytecode caches.
python3 "$repo/scripts/copy_stdlib.py" "$work/original" "$stdlib"
files=$(find "$work/original" -name '*.py' | wc -l)
lines=$(find "$work/original" -name '*.py' -print0 | xargs -0 cat | wc -l)
echo "corpus: $files files, $lines lines from $stdlib"
cp -a "$work/original" "$work/dry"
cp -a "$work/original" "$work/inplace"
snapshot() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

# 1. --dry-run writes nothing.
before=$(snapshot "$work/dry")
start=$(date +%s.%N)
(cd "$work/dry" && "$bin" --dry-run --select "$rules" --unsafe-fixes "${extra[@]}" . >"$work/fix.diff" 2>"$work/dry.err") || status=$?
ours=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$(date +%s.%N)")
echo "dry run: exit ${status:-0}, $(grep -c '^+++ ' "$work/fix.diff" || true) files in the diff, $(grep -c '^error:' "$work/dry.err" || true) files refused"
grep '^error:' "$work/dry.err" | sed 's/^/  /' || true
[ "$before" = "$(snapshot "$work/dry")" ] || { echo "FAIL: --dry-run changed files"; exit 1; }
echo "ok 1: --dry-run wrote nothing"

# 2. git apply of the diff equals the in-place result.
# An empty diff (nothing to fix) is valid; `git apply` refuses it.
[ ! -s "$work/fix.diff" ] || (cd "$work/dry" && git apply --whitespace=nowarn "$work/fix.diff")
(cd "$work/inplace" && "$bin" --select "$rules" --unsafe-fixes "${extra[@]}" . >"$work/inplace.out" 2>&1) || true
diff -r "$work/dry" "$work/inplace" >/dev/null || { echo "FAIL: git apply of the dry-run diff differs from the in-place result"; diff -r "$work/dry" "$work/inplace" | head -20; exit 1; }
echo "ok 2: git apply of the dry-run diff equals the in-place result"

# 3. Nothing that compiled stops compiling.
python3 - "$work/original" "$work/inplace" <<'PY'
import os, sys
original, fixed = sys.argv[1], sys.argv[2]
checked = broken = 0
for root, _, names in os.walk(original):
    for name in names:
        before = os.path.join(root, name)
        after = os.path.join(fixed, os.path.relpath(before, original))
        with open(before, "rb") as a, open(after, "rb") as b:
            old, new = a.read(), b.read()
        if old == new:
            continue
        try:
            compile(old, before, "exec", dont_inherit=True)
        except SyntaxError:
            continue
        checked += 1
        try:
            compile(new, after, "exec", dont_inherit=True)
        except SyntaxError as error:
            broken += 1
            print(f"FAIL: {after} no longer compiles: {error}")
print(f"ok 3: {checked} changed files compiled before and still compile" if not broken else "")
sys.exit(1 if broken else 0)
PY

# 4. A second run has nothing left to fix.
(cd "$work/inplace" && "$bin" --dry-run --select "$rules" --unsafe-fixes "${extra[@]}" . >"$work/second.diff" 2>"$work/second.err") || true
[ ! -s "$work/second.diff" ] || { echo "FAIL: a second run still fixes:"; head -20 "$work/second.diff"; exit 1; }
echo "ok 4: a second run finds nothing left to fix"

# 5. Every B006 line is an LK001 line.
if [[ "$rules" == LK || "$rules" == ALL || ",$rules," == *",LK001,"* ]]; then
    (cd "$work/original" && "$ruff" check --isolated --no-cache --select B006 --output-format concise . 2>/dev/null |
        grep ' B006 ' | cut -d: -f1-3 | sort -u >"$work/b006.txt") || true
    (cd "$work/original" && "$bin" --check --select LK001 . 2>/dev/null | grep ' LK001 ' | cut -d: -f1-3 | sort -u >"$work/lk001.txt") || true
    missing=$(comm -23 "$work/b006.txt" "$work/lk001.txt" | wc -l)
    echo "B006: $(wc -l <"$work/b006.txt") lines, LK001: $(wc -l <"$work/lk001.txt") lines, B006 lines LK001 misses: $missing"
    [ "$missing" -eq 0 ] || { comm -23 "$work/b006.txt" "$work/lk001.txt"; echo "FAIL: LK001 misses B006 lines"; exit 1; }
    echo "ok 5: every B006 line is reported by LK001"
fi

# 6. No panic in any run: a caught panic is reported as an internal error.
if grep -h 'internal error' "$work/dry.err" "$work/inplace.out" "$work/second.err"; then
    echo "FAIL: internal errors (above)"
    exit 1
fi
echo "ok 6: no internal error in any run"

# 7. The LK003 split: each old LK003 finding is found by exactly one of LK003..LK007.
if [[ "$rules" == LK || "$rules" == ALL ||
      ( ",$rules," == *",LK003,"* && ",$rules," == *",LK004,"* && ",$rules," == *",LK005,"* &&
        ",$rules," == *",LK006,"* && ",$rules," == *",LK007,"* ) ]]; then
    version=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    recorded="$repo/scripts/stdlib-lk003/python$version.txt"
    if [ -f "$recorded" ]; then
        (cd "$work/original" && "$bin" --check --isolated --select LK003,LK004,LK005,LK006,LK007 \
            --output-format concise . 2>/dev/null) >"$work/split.txt" || true
        python3 - "$recorded" "$work/split.txt" <<'PY' || exit 1
import collections, re, sys
recorded = [l.strip() for l in open(sys.argv[1]) if l.strip()]
found = collections.defaultdict(list)
for line in open(sys.argv[2]):
    m = re.match(r"^(.+?:\d+:\d+): (LK00[3-7]) ", line)
    if m:
        found[m.group(1)].append(m.group(2))
bad = [(place, found.get(place, [])) for place in recorded if len(found.get(place, [])) != 1]
for place, codes in bad:
    print(f"FAIL: {place}: found by {codes or 'no rule'}, expected exactly one of LK003..LK007")
new = sorted(set(found) - set(recorded))
for place in new:
    print(f"  new: {place} {','.join(found[place])}")
counts = collections.Counter(c for codes in found.values() for c in codes)
print(f"LK003 split: {len(recorded)} old findings, {len(recorded) - len(bad)} found by exactly one rule; "
      f"{len(new)} new; per rule: {dict(sorted(counts.items()))}")
sys.exit(1 if bad else 0)
PY
        echo "ok 7: every old LK003 finding is found by exactly one of LK003..LK007"
    else
        echo "skip 7: no recorded LK003 findings for Python $version ($recorded)"
    fi
fi

# 8. The cache: a second run over the unchanged tree answers from the cache, with the
# very same patch and messages as a cold run.
cp -a "$work/original" "$work/cached"
for pass in cold warm; do
    (cd "$work/cached" && PYLEAK_FIX_CACHE_DIR="$work/cache" "$bin" --dry-run --select "$rules" --unsafe-fixes \
        "${cached_extra[@]}" . >"$work/cached-$pass.diff" 2>"$work/cached-$pass.err") || true
done
cmp -s "$work/cached-cold.diff" "$work/cached-warm.diff" || { echo "FAIL: the warm (cached) patch differs from the cold one"; exit 1; }
cmp -s "$work/cached-cold.err" "$work/cached-warm.err" || { echo "FAIL: the warm (cached) messages differ from the cold ones"; diff "$work/cached-cold.err" "$work/cached-warm.err" | head; exit 1; }
cmp -s "$work/fix.diff" "$work/cached-cold.diff" || { echo "FAIL: a run with the cache on differs from one with --no-cache"; exit 1; }
echo "ok 8: a warm run answers from the cache with the same patch and messages"

# 9. The region parse: with the default rules tree-sitter parses only some statements of a
# file (src/regions.rs); the patch and the findings must be those of whole-file parses
# (--no-prefilter). Files no rule admits are parsed with --no-prefilter only, so their
# syntax errors are not compared.
for mode in regions whole; do
    flag=(); [ "$mode" = whole ] && flag=(--no-prefilter)
    (cd "$work/original" && "$bin" --dry-run --unsafe-fixes "${extra[@]}" "${flag[@]}" . >"$work/$mode.diff" 2>/dev/null) || true
    (cd "$work/original" && "$bin" --check --output-format json "${extra[@]}" "${flag[@]}" . >"$work/$mode.json" 2>/dev/null) || true
done
cmp -s "$work/regions.diff" "$work/whole.diff" || { echo "FAIL: the region parse's patch differs from the whole parse's"; diff "$work/regions.diff" "$work/whole.diff" | head -20; exit 1; }
cmp -s "$work/regions.json" "$work/whole.json" || { echo "FAIL: the region parse's findings differ from the whole parse's"; exit 1; }
echo "ok 9: with the default rules, the region parse gives the whole parse's patch ($(grep -c '^+++ ' "$work/regions.diff" || true) files) and findings"

# Timing, side by side (informational; never a pass/fail criterion).
start=$(date +%s.%N)
(cd "$work/original" && "$ruff" check --isolated --no-cache --select B006 --unsafe-fixes --diff . >/dev/null 2>&1) || true
theirs=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$(date +%s.%N)")
echo "time: pyleak-fix --dry-run ${ours}s, ruff --select B006 --diff ${theirs}s (one run each, $(nproc) cores)"
