#!/usr/bin/env bash
# Checks that the rules' prefilters hide no finding on this machine's CPython standard
# library (issue 6): runs `--check` with every rule and with each rule alone, with the
# prefilters on and off (the hidden `--no-prefilter`), and compares the findings line by
# line, and the files refused. Reports how many files each rule's prefilter admits.
# Usage: scripts/prefilter-check.sh [DIR]   (DIR defaults to a copy of the stdlib)
# PYLEAK_FIX_ARGS adds options to every run, e.g. "--large-allocation-bytes 1000".
set -euo pipefail

read -r -a extra <<<"${PYLEAK_FIX_ARGS:-}"
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$repo/target}/release/pyleak-fix"

if [ $# -ge 1 ]; then
    corpus=$1
else
    corpus="$work/stdlib"
    python3 "$repo/scripts/copy_stdlib.py" "$corpus"
fi
files=$(find "$corpus" -name '*.py' | wc -l)
echo "corpus: $files files in $corpus"

failed=0
for rules in LK LK001 LK002 LK003 LK004 LK005 LK006 LK007; do
    for mode in on off; do
        flag=()
        [ "$mode" = off ] && flag=(--no-prefilter)
        (cd "$corpus" && "$bin" --check --select "$rules" --output-format concise "${flag[@]}" "${extra[@]}" . \
            >"$work/$rules.$mode.out" 2>"$work/$rules.$mode.err") || true
        grep -E ' LK[0-9]{3} ' "$work/$rules.$mode.out" | sort >"$work/$rules.$mode.findings" || true
        grep -E '^error' "$work/$rules.$mode.err" | sort >"$work/$rules.$mode.errors" || true
    done
    found=$(wc -l <"$work/$rules.off.findings")
    errors_on=$(wc -l <"$work/$rules.on.errors")
    errors_off=$(wc -l <"$work/$rules.off.errors")
    if cmp -s "$work/$rules.on.findings" "$work/$rules.off.findings"; then
        echo "ok: $rules: $found findings with and without prefilters (files refused: $errors_on with, $errors_off without)"
    else
        failed=1
        echo "FAIL: $rules: the prefilters change the findings:"
        diff "$work/$rules.off.findings" "$work/$rules.on.findings" | head -20
    fi
    # A file with a syntax error is refused only when some prefilter admits it: that is
    # the one difference the prefilters are allowed to make.
    comm -13 "$work/$rules.off.errors" "$work/$rules.on.errors" | sed 's/^/  refused only with prefilters: /'
done

# How many files each rule's prefilter admits (those are parsed).
cargo run --release --quiet --manifest-path "$repo/Cargo.toml" --example prefilter_stats -- "$corpus"
exit $failed
