#!/usr/bin/env bash
# Measures how many of pyleak-fix's findings on real projects are worth acting on (issue 12,
# section 2). For each pinned sdist below it:
#   1. downloads it from PyPI with pip (hash-checked) into a cache kept between runs
#      (PRECISION_CACHE, default .precision-cache/ in the checkout, gitignored);
#   2. lists the project's non-test code: every *.py file except those under a directory
#      named tests, test, testing, t (celery's and kombu's tests), docs, doc, examples, example,
#      benchmarks or _vendor
#      (other projects' code, copied in), and files named test_*.py, *_test.py,
#      tests.py or conftest.py;
#   3. runs `pyleak-fix --check --isolated --select LK001,...,LK007 --output-format json`
#      on those files (--isolated: none of the project's own configuration; LK002 at its
#      default threshold);
#   4. prints every finding, sorted (project, file, line, column, rule), with the verdict
#      given to it in docs/precision.md's classification table, or `unclassified`;
#   5. prints table rows that no longer match a finding (stale), then the precision per
#      rule: act / findings.
# A finding is keyed by project, path:line:column and rule. To classify new findings,
# paste the `unclassified` rows printed under "New rows" into docs/precision.md and fill in
# the verdict (act, by-design, not-a-leak, false-positive) and one line of why.
# Usage: scripts/precision.sh
# PYLEAK_FIX names the binary to measure; without it the debug binary is built with cargo.
# Needs: python3 with pip, tar, sha256sum, and cargo unless PYLEAK_FIX is set.
set -euo pipefail

# name, version, sha256 of the sdist (as PyPI lists it).
projects=(
  "APScheduler 3.10.4 e6df071b27d9be898e486bc7940a7be50b4af2e9da7c08f0744a96d4bd4cef4a"
  "astroid 3.3.5 5cfc40ae9f68311075d27ef68a4841bdc5cc7f6cf86671b49f00607d30188e2d"
  "attrs 24.2.0 5cfb1b9148b5b086569baec03f20d7b6bf3bcacc9a42bebf87ffaaca362f6346"
  "babel 2.16.0 d1f3554ca26605fe173f3de0c65f750f5a42f924499bf134de6423582298e316"
  "click 8.1.7 ca9853ad459e787e2192211578cc907e7594e294c7ccc834310722b41b9ca6de"
  "Django 5.1.3 c0fa0e619c39325a169208caef234f90baa925227032ad3f44842ba14d75234a"
  "Jinja2 3.1.4 4a3aee7acbbe7303aede8e9648d13b8bf88a429282aa6122a993f0ac800cb369"
  "jsonschema 4.23.0 d71497fef26351a33265337fa77ffeb82423f3ea21283cd9467bb03999266bc4"
  "Markdown 3.7 2ae2471477cfd02dbbf038d5d9bc226d40def84b4fe2986e49b59b6b472bbed2"
  "more-itertools 10.5.0 5482bfef7849c25dc3c6dd53a6173ae4795da2a41a80faea6700d9f5846c5da6"
  "networkx 3.4.2 307c3669428c5362aab27c8a1260aa8f47c4e91d3891f48be0141738d8d053e1"
  "paramiko 3.5.0 ad11e540da4f55cedda52931f1a3f812a8238a7af7f62a60de538cd80bb28124"
  "parso 0.8.4 eb3a7b58240fb99099a345571deecc0f9540ea5f4dd2fe14c2a99d6b281ab92d"
  "pip 24.3.1 ebcb60557f2aefabc2e0f918751cd24ea0d56d8ec5445fe1807f1d2109660b99"
  "pytest 8.3.3 70b98107bd648308a7952b06e6ca9a50bc660be218d53c257cc1fc94fda10181"
  "requests 2.32.3 55365417734eb18255590a9ff9eb97e9e1da868d4ccd6402399eaf68af20a760"
  "rich 13.9.4 439594978a49a09530cff7ebc4b5c7103ef57baf48d5ea3184f21d9a2befa098"
  "setuptools 75.1.0 d59a21b17a275fb872a9c3dae73963160ae079f1049ed956880cd7c09b120538"
  "Sphinx 8.1.3 43c1911eecb0d3e161ad78611bc905d1ad0e523e4ddc202a58a821773dc4c927"
  "sqlparse 0.5.1 bb6b4df465655ef332548e24f08e205afc81b9ab86cb1c45657a7ff173a3a00e"
  "textual 0.86.2 43073f9eb52d0f38a5af2f124ba68b378f91d260df4b1c92f384a3b5cbbbcb70"
  "tornado 6.4.1 92d3ab53183d8c50f8204a51e6f91d18a15d5ef261e84d452800d4ff6fc504e9"
  "Twisted 24.7.0 5a60147f044187a127ec7da96d170d49bcce50c6fd36f594e60f4587eff4d394"
  "werkzeug 3.1.3 60723ce945c19328679790e3282cc758aa4a6040e4bb330f53d30fa546d44746"
  # Added for LK009 (finalizers, exit hooks, signal handlers): projects that install
  # such callbacks, since the sixteen above make too few of them to judge.
  "gunicorn 27.0.1 b1514965361c8b7e8107a80aa2a92636878df1ccfac6dd204a676426e04d9e3e"
  "ipython 9.18.1 6319c0f5372c196397899479e6db1783dd7937abae06815d1317e8d5d51aaaaf"
  "joblib 1.6.0 2ccc96785b12046c08fd6d55839c12857831b54a3c1673ffadd2f04bfc4eda03"
  "pexpect 4.9.0 ee7d41123f3c9911050ea2c2dac107568dc43b2d3b0c7557a33212c398ead30f"
  "prompt_toolkit 3.0.53 9ec8a0ad96d5c56148b3f914aa79c1564c3fde5d2e6b876e7bc327e353cf8fa6"
  "rq 3.0.0 b41e39b3c36ec3faf9e2402c638a0b25fe18ebb93a1cb15193bc69694f054618"
  "tqdm 4.70.1 cefd0eca11b2a37a3aee776544d4f4ae913f02688135b5556b8788dfa474afc4"
  "uvicorn 0.54.0 a2e33cbfaa0306f8e6b0c13e0cb89d7d7a2da3e62b90c66e18c33d9807b28620"
  # Added for LK010 and LK011 (issue 16), which found too little in the sixteen above.
  "celery 5.4.0 504a19140e8d3029d5acad88330c541d4c3f64c789d85f94756762d8bca7e706"
  "Flask 3.0.3 ceb27b0af3823ea2737928a4d99d125a06175b8512c445cbd9a9ce200ef76842"
  "kombu 5.4.2 eef572dd2fd9fc614b37580e3caeafdd5af46c1eff31e7fba89138cdb406f2cf"
  "Scrapy 2.11.2 dfbd565384fc3fffeba121f5a3a2d0899ac1f756d41432ca0879933fbfb3401d"
  "SQLAlchemy 2.0.36 7f2767680b6d2398aea7082e45a774b2b0767b5c8d8ffb9c8b683088ea9b29c5"
)
# PRECISION_RULES: the rules to measure (named, not ALL: an older build may lack some,
# a newer one may have rules not classified yet).
rules=${PRECISION_RULES:-LK001,LK002,LK003,LK004,LK005,LK006,LK007}

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${PRECISION_CACHE:-$repo/.precision-cache}
table=$repo/docs/precision.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

if [ -n "${PYLEAK_FIX:-}" ]; then
  # Absolute: the runs below happen inside each unpacked sdist.
  bin=$(realpath "$(command -v "$PYLEAK_FIX")")
else
  cargo build --quiet --manifest-path "$repo/Cargo.toml"
  bin="${CARGO_TARGET_DIR:-$repo/target}/debug/pyleak-fix"
fi

# 1. Download what the cache lacks, then check every archive's hash.
: >"$work/requirements.txt"
for entry in "${projects[@]}"; do
  read -r name version sha <<<"$entry"
  if ! compgen -G "$cache/*-$version.tar.gz" >/dev/null ||
    ! sha256sum "$cache"/*-"$version".tar.gz | grep -q "^$sha "; then
    echo "$name==$version --hash=sha256:$sha" >>"$work/requirements.txt"
  fi
done
if [ -s "$work/requirements.txt" ]; then
  echo "downloading $(wc -l <"$work/requirements.txt") sdists into $cache" >&2
  # --no-binary names the projects only: `:all:` would also build every build
  # dependency (setuptools, hatchling, ...) from source, which takes many minutes.
  names=$(cut -d= -f1 "$work/requirements.txt" | paste -sd, -)
  python3 -m pip download --quiet --no-deps --no-binary "$names" --require-hashes \
    -r "$work/requirements.txt" -d "$cache" >&2
fi

# 2-3. Unpack, list the non-test code, run pyleak-fix.
: >"$work/findings.jsonl"
for entry in "${projects[@]}"; do
  read -r name version sha <<<"$entry"
  archive=$(sha256sum "$cache"/*-"$version".tar.gz | awk -v s="$sha" '$1 == s {print $2; exit}')
  [ -n "$archive" ] || { echo "FAIL: no sdist of $name $version with sha256 $sha in $cache" >&2; exit 2; }
  # Per version: a project pinned in two versions (paramiko was, 3.5.0 and 5.1.0) unpacked
  # into one directory would have the older one's leftover files scanned again.
  src="$work/src/$name-$version"
  mkdir -p "$src"
  tar -xzf "$archive" -C "$src" --strip-components=1
  mapfile -d '' files < <(cd "$src" && find . -type f -name '*.py' \
    -not -path '*/tests/*' -not -path '*/test/*' -not -path '*/testing/*' -not -path '*/t/*' \
    -not -path '*/docs/*' -not -path '*/doc/*' \
    -not -path '*/examples/*' -not -path '*/example/*' -not -path '*/benchmarks/*' -not -path '*/_vendor/*' \
    -not -name 'test_*.py' -not -name '*_test.py' -not -name 'tests.py' -not -name 'conftest.py' \
    -printf '%P\0' | LC_ALL=C sort -z)
  status=0
  (cd "$src" && "$bin" --check --isolated --exit-zero --color never --select "$rules" \
    --output-format json "${files[@]}") >"$work/out.json" 2>"$work/err" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "warning: $name: pyleak-fix exited $status:" >&2
    grep -v '^Found\|^All checks' "$work/err" | sed 's/^/  /' >&2 || true
    # Exit 2 for a file it could not read or parse still lists the others' findings.
    [ -s "$work/out.json" ] || { echo "FAIL: no output from $bin" >&2; exit 2; }
  fi
  echo "$name $version: ${#files[@]} files, $(grep -c '"code"' "$work/out.json" || true) findings" >&2
  python3 - "$name" "$work/out.json" "$src" >>"$work/findings.jsonl" <<'PY'
import json, os, sys
name, path, src = sys.argv[1], sys.argv[2], sys.argv[3]
for f in json.load(open(path)):
    # JSON names files by absolute path (as ruff does); the table uses the sdist's.
    file = os.path.relpath(f["filename"], src)
    print(json.dumps({"project": name, "file": file, "row": f["location"]["row"],
                      "column": f["location"]["column"], "code": f["code"],
                      "message": f["message"]}))
PY
done

# 4-5. Join with the classification table and count.
python3 - "$work/findings.jsonl" "$table" "$rules" <<'PY'
import json, re, sys
from collections import Counter

findings = [json.loads(line) for line in open(sys.argv[1])]
findings.sort(key=lambda f: (f["project"].lower(), f["file"], f["row"], f["column"], f["code"]))
verdicts = {}
# The table in docs/precision.md, and one page per rule under docs/precision/.
import glob, os
lines = []
for page in [sys.argv[2]] + sorted(glob.glob(os.path.join(os.path.dirname(sys.argv[2]), "precision", "*.md"))):
    try:
        lines += open(page, encoding="utf-8").read().splitlines()
    except FileNotFoundError:
        pass
# Classification rows: | project | path:line:column | rule | - | verdict | why | (the fourth
# column held LK003's cause before the split into one rule per cause; it is ignored).
row = re.compile(r"^\|\s*([\w.-]+)\s*\|\s*`?([^|`]+:\d+:\d+)`?\s*\|\s*(LK\d{3})\s*\|\s*([\w-]+)\s*\|\s*([\w-]+)\s*\|(.*)\|\s*$")
for line in lines:
    m = row.match(line)
    if m:
        project, place, code, _, verdict, why = (g.strip() for g in m.groups())
        verdicts[(project, place, code)] = (verdict, why)

kinds = ("act", "by-design", "not-a-leak", "false-positive")
per_rule = {}
seen, new_rows = set(), []
print("# Findings (project, file:line:column, rule, verdict, message)")
for f in findings:
    place = f"{f['file']}:{f['row']}:{f['column']}"
    key = (f["project"], place, f["code"])
    seen.add(key)
    verdict, _ = verdicts.get(key, ("unclassified", ""))
    if verdict not in kinds:
        verdict = "unclassified"
        new_rows.append(f"| {f['project']} | `{place}` | {f['code']} | - | ? | {f['message'][:120]} |")
    print(f"{f['project']}\t{place}\t{f['code']}\t{verdict}\t{f['message']}")
    per_rule.setdefault(f["code"], Counter())[verdict] += 1

if new_rows:
    print("\n# New rows (unclassified findings, for docs/precision.md)")
    print("\n".join(new_rows))
stale = sorted(set(verdicts) - seen)
if stale:
    print("\n# Stale rows (in docs/precision.md, no longer found)")
    for project, place, code in stale:
        print(f"{project}\t{place}\t{code}\t{verdicts[(project, place, code)][0]}")

def line(label, counts):
    total = sum(counts.values())
    act = counts["act"]
    share = f"{100 * act / total:.0f}%" if total else "-"
    rest = ", ".join(f"{k} {counts[k]}" for k in kinds[1:] + ("unclassified",) if counts[k])
    mark = " (>= 90%)" if total and act / total >= 0.9 else ""
    print(f"{label:<24} {act:>3} / {total:<3} act = {share:>4}{mark}   {rest}")

print("\n# Precision per rule (act / findings)")
for code in sys.argv[3].split(","):
    line(code, per_rule.get(code, Counter()))
PY
