#!/bin/sh
# omnipower-sim --han tcp:0 end to end: two pushes read from the socket (tests/han_reader.py),
# decoded by `omnipower decode` (ciphered ones with the HAN keys of docs/han.md) and checked
# against the simulator's --json state at the end of the run (a steady load: the values do not
# move within the run) and the configuration (meter number, type number).
# Usage: sim_han.sh PATH/TO/omnipower-sim PATH/TO/omnipower-tool CASE   (CASE: nve1 | dk_encrypt)
set -eu
sim=$1
tool=$2
case=$3
py=${PYTHON3:-python3}
here=$(dirname "$0")
tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$tmp/sim.err" 2>/dev/null; exit 1; }
. "$here/sim_wait.sh"

ek=5AD84121D9D20B364B7A11F3C1B5827F
ak=AFB3F93E3E7204EDB3C27F96DBD51AE0
case $case in
nve1) opts="--han-list nve1"; keys="" ;;
dk_encrypt) opts="--han-list dk --han-encrypt"; keys="--key $ek --auth-key $ak" ;;
*) fail "unknown case $case" ;;
esac
# 60 simulated seconds at 4x: a push every 2.5 s of wall time from 13:00:10 local
# shellcheck disable=SC2086
"$sim" --han tcp:0 $opts --meter-number 27581522 --speed 4 --duration 60 \
    --start 2026-03-01T12:00:00Z --quiet --json >"$tmp/sim.out" 2>"$tmp/sim.err" &
pid=$!
wait_line "$tmp/sim.err" '^han: tcp 127.0.0.1:[0-9]*$' "$pid" 100
port=$(sed -n 's/^han: tcp 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/sim.err")
"$py" "$here/han_reader.py" "$port" 2 30 >"$tmp/frames.hex" || fail "two pushes"
wait "$pid" || fail "the simulator's exit status"
pid=
# shellcheck disable=SC2086
"$tool" decode $keys "$tmp/frames.hex" >"$tmp/decoded.json" || fail "omnipower decode"
tail -n 1 "$tmp/sim.out" >"$tmp/state.json"
"$py" - "$case" "$tmp/decoded.json" "$tmp/state.json" <<'PY' || fail "values"
import json, sys
case, decoded, state = sys.argv[1], sys.argv[2], sys.argv[3]
st = json.load(open(state))
ins = st["instant"]
objs = [json.loads(line) for line in open(decoded) if line.strip()]
assert len(objs) == 2, objs
times = []
ics = []
for o in objs:
    h = o["hdlc"]
    assert h["type"] == "UI" and h["pf"], h
    dk = case.startswith("dk")
    assert (h["dst"]["upper"], h["src"]["upper"]) == ((32, 1) if dk else (21, 16)), h
    a = o["apdu"]  # with the keys: the deciphered APDU
    if dk:
        c = o["cipher"]
        # "ciphered": false once deciphered with the keys given
        assert o["ciphered"] is False and c["sc"] == "30" and c["kind"] == "general-glo-ciphering"
        assert c["system_title"].upper() == "4B414D4501A4DC52", c  # KAME + 27581522
        ics.append(c["ic"])
    assert a["kind"] == "data-notification", a
    push = a["push"]
    assert push["list_id"] == "Kamstrup_V0001"
    v = {k: x.get("raw") for k, x in push["values"].items()}
    def near(key, want, tol=1):
        assert abs(v[key] - want) <= tol, (key, v[key], want)
    near("1.1.1.7.0.255", ins["p_w"])                 # P14 W
    near("1.1.4.7.0.255", -ins["q_var"])              # Q34 var
    near("1.1.31.7.0.255", ins["irms_a"] * 100)       # IL1 0.01 A
    near("1.1.32.7.0.255", ins["urms_v"])             # UL1 V
    if dk:
        assert v["1.1.0.0.1.255"] == 27581522
        near("1.1.13.7.0.255", ins["pf"] * 100)       # PF 0.01
        near("1.1.1.8.0.255", st["a_plus_wh"], 2)     # A14 Wh
    else:
        assert v["1.1.0.0.5.255"] == "0000000027581522", v
        assert v["1.1.96.1.1.255"] == st["config"]["type_number"], v
    times.append(a["datetime"])
# two consecutive 10 s slots (local wall time, hh:mm:s0)
assert times[0][-1] == "0" and times[1][-1] == "0", times
t0 = int(times[0][-2:]) + 60 * int(times[0][-5:-3])
t1 = int(times[1][-2:]) + 60 * int(times[1][-5:-3])
assert (t1 - t0) % 3600 == 10, times
assert ics == sorted(set(ics)), ics  # the invocation counter increases
PY
if grep -q "warning" "$tmp/sim.err"; then fail "warnings from the simulator"; fi
echo "ok: sim_han $case"
