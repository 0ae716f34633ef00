#!/bin/sh
# omnipower-sim stops cleanly on SIGTERM and SIGINT during a real-time (--speed 1) run: exit 0,
# JSON printed, NVM saved and synced, and the next run continues from it.
# Usage: sim_signal.sh PATH/TO/omnipower-sim     (needs python3, or $PYTHON3)
set -eu
sim=$1
py=${PYTHON3:-python3}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
nvm=$tmp/meter.nvm
start=2026-03-01T12:00:00Z

# run_until_signal SIG OUT: start a --speed 1 run, wait for its first display line (signal
# handlers are installed before the first screen), let it run ~2 s, send SIG, expect exit 0
run_until_signal() {
    sig=$1; out=$2; shift 2
    "$sim" --speed 1 --nvm "$nvm" --json "$@" >"$out" 2>"$tmp/err" &
    pid=$!
    i=0
    while [ ! -s "$out" ]; do
        i=$((i + 1))
        if [ $i -gt 300 ]; then echo "FAIL: no display output within 30 s"; exit 1; fi
        sleep 0.1
    done
    sleep 2
    kill -"$sig" "$pid"
    rc=0
    wait "$pid" || rc=$?
    pid=
    if [ "$rc" -ne 0 ]; then echo "FAIL: exit $rc after SIG$sig"; cat "$tmp/err"; exit 1; fi
    echo "ok: exit 0 after SIG$sig"
}

run_until_signal TERM "$tmp/term.out" --start "$start"
run_until_signal INT "$tmp/int.out"
# the NVM is readable by the next run, which continues the clock
"$sim" --speed max --duration 10 --json --quiet --nvm "$nvm" >"$tmp/after.json"

"$py" - "$tmp" <<'PYEOF'
import json, sys
tmp = sys.argv[1]
def last_json(name):
    with open(f"{tmp}/{name}") as f:
        lines = [l for l in f.read().splitlines() if l.startswith("{")]
    assert lines, f"{name}: no JSON"
    return json.loads(lines[-1])
def check(cond, msg):
    if not cond:
        print("FAIL:", msg); sys.exit(1)
    print("ok:", msg)

start = 1772366400  # 2026-03-01T12:00:00Z
t, i, a = last_json("term.out"), last_json("int.out"), last_json("after.json")
check(start + 1 <= t["utc_s"] <= start + 60, f"SIGTERM run simulated {t['utc_s'] - start} s")
check(t["power_ups"] == 1 and t["a_plus_wh"] > 0, f"SIGTERM run: A+ {t['a_plus_wh']} Wh")
check(i["sim"]["start_utc"] == t["utc"], "SIGINT run resumed the clock")
check(i["utc_s"] > t["utc_s"] and i["power_ups"] == 2, "SIGINT run continued")
check(i["a_plus_wh"] >= t["a_plus_wh"], "registers not lower")
check(a["sim"]["start_utc"] == i["utc"] and a["utc_s"] == i["utc_s"] + 10, "third run continues")
check(a["power_ups"] == 3 and a["a_plus_wh"] > i["a_plus_wh"], "third run registers and power-ups")
PYEOF
