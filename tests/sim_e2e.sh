#!/bin/sh
# omnipower-sim end to end: one simulated hour with a file NVM, then a second hour that continues
# from it (registers, hour counter, clock, power-ups), the display output, and reproducibility.
# Usage: sim_e2e.sh PATH/TO/omnipower-sim     (needs python3, or $PYTHON3)
set -eu
sim=$1
py=${PYTHON3:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nvm=$tmp/meter.nvm

"$sim" --speed max --duration 3600 --start 2026-01-01T00:00:00Z --json --quiet --nvm "$nvm" \
    >"$tmp/run1.json"
test "$(wc -c <"$nvm")" -eq 65536
"$sim" --speed max --duration 3600 --json --quiet --nvm "$nvm" >"$tmp/run2.json"

# the display: one line per screen change, "UTC  [id]  value unit  symbols"
"$sim" --speed max --duration 60 --start 2026-07-01T17:00:00Z >"$tmp/display.txt"

# registers across a debiting stop (2026-02-01 00:00 local = 2026-01-31T23:00:00Z), then a
# restart from the same NVM: the stop is neither lost nor taken again
nvm2=$tmp/billing.nvm
"$sim" --speed max --duration 7200 --start 2026-01-31T22:00:00Z --json --quiet --nvm "$nvm2" \
    >"$tmp/bill1.json"
"$sim" --speed max --duration 1800 --json --quiet --nvm "$nvm2" >"$tmp/bill2.json"

# reproducible: the same arguments give the same JSON
"$sim" --speed max --duration 900 --start 2026-06-13T17:30:00+02:00 --json --quiet >"$tmp/a.json"
"$sim" --speed max --duration 900 --start 2026-06-13T17:30:00+02:00 --json --quiet >"$tmp/b.json"
cmp "$tmp/a.json" "$tmp/b.json"

"$py" - "$tmp" <<'PYEOF'
import json, re, sys
tmp = sys.argv[1]

def load(name):
    with open(f"{tmp}/{name}") as f:
        lines = f.read().splitlines()
    assert len(lines) == 1, f"{name}: want one JSON line with --quiet, got {len(lines)}"
    return json.loads(lines[0])

def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)
    print("ok:", msg)

r1, r2 = load("run1.json"), load("run2.json")
start = 1767225600  # 2026-01-01T00:00:00Z
for key in ("utc", "utc_s", "local", "dst_active", "a_plus_wh", "a_minus_wh", "hours_with_supply",
            "power_ups", "urms_v", "irms_a", "p_w", "nvm_saves", "display", "sim"):
    check(key in r1, f"member {key}")
check(r1["utc_s"] == start + 3600, f"run 1 ends at start + 3600 s ({r1['utc_s']})")
check(r1["utc"] == "2026-01-01T01:00:00Z", f"run 1 utc {r1['utc']}")
check(r1["local"] == "2026-01-01T02:00:00+01:00", f"run 1 local {r1['local']}")
check(r1["dst_active"] is False, "winter: no DST")
# night: base load and fridge, ~100..300 W
check(100.0 < r1["a_plus_wh"] < 300.0, f"run 1 A+ {r1['a_plus_wh']} Wh")
check(r1["a_minus_wh"] == 0, "no export")
check(r1["power_ups"] == 1, f"run 1 power_ups {r1['power_ups']}")
check(r1["hours_with_supply"] == 1, f"run 1 hours {r1['hours_with_supply']}")
check(r1["nvm_saves"] >= 1, f"run 1 saves {r1['nvm_saves']}")
check(abs(r1["urms_v"] - 230.0) < 1.0, f"run 1 Urms {r1['urms_v']}")
check(abs(r1["p_w"] - r1["sim"]["load_w"]) < 0.02 * r1["sim"]["load_w"] + 1.0,
      f"meter P {r1['p_w']} W ~ model {r1['sim']['load_w']} W")
check(r1["sim"]["start_utc"] == "2026-01-01T00:00:00Z", "run 1 start")
check(r1["sim"]["run_s"] == 3600, "run 1 simulated 3600 s")
for k in ("id", "value", "unit", "symbols", "text"):
    check(k in r1["display"], f"display.{k}")

check(r2["sim"]["start_utc"] == r1["utc"], f"run 2 resumes at {r2['sim']['start_utc']}")
check(r2["utc_s"] == r1["utc_s"] + 3600, f"run 2 clock continues ({r2['utc_s']})")
check(r2["a_plus_wh"] > r1["a_plus_wh"], f"A+ grows: {r1['a_plus_wh']} -> {r2['a_plus_wh']}")
check(r2["a_plus_wh"] - r1["a_plus_wh"] < 300.0, "second night hour is plausible")
check(r2["a_minus_wh"] >= r1["a_minus_wh"], "A- not lower")
check(r2["hours_with_supply"] == r1["hours_with_supply"] + 1, "hour counter continues")
check(r2["power_ups"] == r1["power_ups"] + 1, f"power_ups {r1['power_ups']} -> {r2['power_ups']}")

with open(f"{tmp}/display.txt") as f:
    lines = f.read().splitlines()
check(len(lines) >= 6, f"{len(lines)} display lines in 60 s")
pat = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  \[[0-9A-Z.:]*\]  \S")
bad = [l for l in lines if not pat.match(l)]
check(not bad, f"display line format {bad[:2]}")

b1, b2 = load("bill1.json"), load("bill2.json")
g1, g2 = b1["registers"], b2["registers"]
check(g1["billing_count"] == 1 and g1["billing_entries"] == 1, f"one stop at 2026-02-01 ({g1['billing_count']})")
check(g1["next_stop_utc"] == "2026-02-28T23:00:00Z", f"next stop {g1['next_stop_utc']}")
check(g2["billing_count"] == 1 and g2["billing_entries"] == 1, "the restart takes no second stop")
check(abs(sum(g1["a_plus_t_wh"]) - b1["energy"]["a_plus_wh"]) < 1e-5, "tariff registers sum to A+")
check(g1["peaks"]["p_plus_w"]["value"] > 0 and g1["peaks"]["p_plus_w"]["utc"] > "2026-01-31T23:00:00Z",
      f"P+max of the new period {g1['peaks']['p_plus_w']}")
check(g1["acc"]["p_plus_w"] > 0, "the stop accumulated the old period's P+max")
check(g2["acc"] == g1["acc"], "accumulated maxima survive the restart")
check(g2["peaks"]["p_plus_w"]["value"] >= g1["peaks"]["p_plus_w"]["value"], "P+max kept")
for k in ("a_plus_wh", "r_plus_varh", "e_plus_vah"):
    check(b2["energy"][k] >= b1["energy"][k], f"{k} continues after the restart")
check(g2["hours"] >= g1["hours"], "hour counter continues")
n1 = b1["nvm"]
check(n1["journal_sectors"] == 10 and n1["settings_sectors"] == 2 and n1["log_sectors"] == 4,
      f"NVM layout {n1}")
check(n1["snapshots"] == 1 and n1["hot_saves"] > 0 and n1["cold_saves"] > 0, "records written")

a = load("a.json")
check(a["dst_active"] is True and a["local"].endswith("+02:00"), "summer: DST, +02:00")
check(a["utc"] == "2026-06-13T15:45:00Z", f"--start with an offset: {a['utc']}")
# Saturday 17:30..17:45 local: cooking starts, several hundred W at least on average
check(a["a_plus_wh"] > 50.0, f"evening quarter hour A+ {a['a_plus_wh']} Wh")
PYEOF
