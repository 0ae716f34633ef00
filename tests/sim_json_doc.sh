#!/bin/sh
# docs/simulator.md, section "JSON": the example objects must have the member names of a real run,
# in the same order, so the document cannot go stale when members are added or renamed.
# Usage: sim_json_doc.sh PATH/TO/omnipower-sim PATH/TO/docs/simulator.md   (needs python3)
# The first example is a whole object (a day's run; an hour has the same members); the second,
# abridged one may leave members out but names none that a run does not have.
set -eu
sim=$1
doc=$2
py=${PYTHON3:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$sim" --start 2026-01-31T22:00:00Z --speed max --duration 7200 --quiet --json >"$tmp/run.json"
"$py" - "$doc" "$tmp/run.json" <<'PYEOF'
import json, re, sys
doc, run = sys.argv[1], sys.argv[2]

def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)
    print("ok:", msg)

def paths(v, pre=""):
    """member names as paths in document order; list items as []"""
    out = []
    if isinstance(v, dict):
        for k, x in v.items():
            out.append(pre + k)
            out += paths(x, pre + k + ".")
    elif isinstance(v, list):
        seen = []
        for x in v:
            for p in paths(x, pre + "[]."):
                if p not in seen:
                    seen.append(p)
        out += seen
    return out

text = open(doc).read()
section = text.split("\n## JSON\n", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```json\n(.*?)```", section, re.S)
check(len(blocks) == 2, f"two JSON examples in the section ({len(blocks)})")
real = paths(json.loads(open(run).read().splitlines()[-1]))
full = paths(json.loads(blocks[0]))
missing = [p for p in real if p not in full]
extra = [p for p in full if p not in real]
check(not missing, f"the example has every member of a run (missing: {missing})")
check(not extra, f"the example has no member a run lacks (extra: {extra})")
check(full == real, "the example's members are in the run's order")
# the abridged example: members separated by ", ..." where some are left out
abridged = "{" + re.sub(r",\s*\.\.\.", "", blocks[1]) + "}"
part = paths(json.loads(abridged))
extra = [p for p in part if p not in real]
check(not extra, f"the abridged example names only real members (extra: {extra})")
PYEOF
