#!/usr/bin/env bash
# Real projects as tests (issue 11, section 7): downloads pinned sdists of real projects
# from PyPI, runs each project's own tests on the original tree, after `pyleak-fix .`
# and after `pyleak-fix --unsafe-fixes .`, and fails if any test that passed on the
# original does not pass after (per-test outcomes from pytest's junit XML, not counts).
# Prints a table: findings per rule, fixes applied, tests passed/run per tree, time.
#
# Usage: scripts/realworld-check.sh [--projects sqlparse,parso] [--keep]
#   --projects  which projects (default: all in scripts/realworld_check.py's PROJECTS)
#   --keep      keep the work directory: the three trees, each mode's diff, junit XML
# PYLEAK_FIX_ARGS adds options to every pyleak-fix run, e.g.
#   PYLEAK_FIX_ARGS="--large-allocation-bytes 1000" scripts/realworld-check.sh
# Cache: sdists and one virtualenv per project under .cache/realworld/ (gitignored);
# delete it to start afresh. Needs cargo, python3 (venv, pip) and PyPI.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache="$repo/.cache/realworld"
mkdir -p "$cache"
# The debug build that `cargo test` makes anyway: a few projects need no release build.
cargo build --quiet --manifest-path "$repo/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$repo/target}/debug/pyleak-fix"
exec python3 "$repo/scripts/realworld_check.py" --binary "$bin" --cache "$cache" "$@"
