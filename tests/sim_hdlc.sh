#!/bin/sh
# omnipower-sim --hdlc tcp:0 read end to end by sim_dlms_client --hdlc (tests/sim_dlms_client.c):
# public (16 -> 1), LLS (18, 19, 20 -> 16) and the management (1 -> 16, HLS-GMAC, suite 0)
# associations over HDLC links negotiated to a max info field of 128, so the object list's blocks
# come in several segments. --dlms runs beside it. The
# meter's NVM file first holds six hours of load profile (exported as CSV); the DLMS run on the
# same file is read with an entry descriptor and compared with the CSV.
# Usage: sim_hdlc.sh PATH/TO/omnipower-sim PATH/TO/sim_dlms_client
set -eu
sim=$1
client=$2
tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$tmp/sim.err" 2>/dev/null; exit 1; }
. "$(dirname "$0")/sim_wait.sh"

"$sim" --nvm "$tmp/m.nvm" --start 2026-01-01T00:00:00Z --speed max --duration 21600 --quiet \
    --export load_profile="$tmp/lp.csv" >/dev/null 2>"$tmp/sim.err" || fail "six hours of profile"
# the management association's keys from --secrets (docs/simulator.md)
printf 'guek = 00112233445566778899AABBCCDDEEFF\ngak = 102030405060708090A0B0C0D0E0F000\n' \
    >"$tmp/secrets"
"$sim" --nvm "$tmp/m.nvm" --hdlc tcp:0 --dlms tcp:0 --optical tcp:0 --han tcp:0 --han-list none --speed 1 --duration 100 --start 2026-03-01T12:00:00Z \
    --secrets "$tmp/secrets" --meter-number 27581522 --quiet >"$tmp/sim.out" 2>"$tmp/sim.err" &
pid=$!
wait_line "$tmp/sim.err" '^hdlc: tcp 127.0.0.1:[0-9]*$' "$pid" 100
grep -q '^dlms: tcp 127.0.0.1:[0-9]*$' "$tmp/sim.err" || fail "no dlms line beside hdlc"
port=$(sed -n 's/^hdlc: tcp 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/sim.err")
"$client" --hdlc "$port" "$tmp/lp.csv" || fail "sim_dlms_client"
"$client" --hdlc --hls "$port" 00112233445566778899AABBCCDDEEFF 102030405060708090A0B0C0D0E0F000 \
    27581522 || fail "sim_dlms_client --hdlc --hls"
# the optical port's own LLS client 19 over direct HDLC on --optical (IEC 62056-21 until then)
grep -q '^optical: tcp 127.0.0.1:[0-9]*$' "$tmp/sim.err" || fail "no optical line"
oport=$(sed -n 's/^optical: tcp 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/sim.err")
"$client" --hdlc --lls 19 "$oport" || fail "sim_dlms_client --hdlc --lls 19 (optical port)"
# the CCC port's own LLS client 20 over HDLC with HAN push off (--han-list none)
hport=$(sed -n 's/^han: tcp 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/sim.err")
[ -n "$hport" ] || fail "no han line"
"$client" --hdlc --lls 20 "$hport" || fail "sim_dlms_client --hdlc --lls 20 (CCC port)"
# the failed LLS attempt is in the queue the event logs drain: nothing to see on stderr
if grep -q "warning" "$tmp/sim.err"; then fail "warnings from the simulator"; fi
echo "ok: sim_hdlc"
