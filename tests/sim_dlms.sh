#!/bin/sh
# omnipower-sim --dlms tcp:0 read end to end by sim_dlms_client (tests/sim_dlms_client.c). The
# meter's NVM file first holds six hours of load profile (exported as CSV); the DLMS run on the
# same file is read with an entry descriptor and compared with the CSV, then read again with
# general block transfer negotiated (GBT blocks acknowledged one by one; the same bytes).
# Usage: sim_dlms.sh PATH/TO/omnipower-sim PATH/TO/sim_dlms_client
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
# the management association's keys and the LLS password from --secrets (docs/simulator.md)
cat >"$tmp/secrets" <<EOF
# sim_dlms.sh
lls_password = 12345
guek = 00112233445566778899AABBCCDDEEFF
gak  = 102030405060708090A0B0C0D0E0F000
EOF
"$sim" --nvm "$tmp/m.nvm" --dlms tcp:0 --speed 1 --duration 100 --start 2026-03-01T12:00:00Z \
    --secrets "$tmp/secrets" --meter-number 27581522 --quiet >"$tmp/sim.out" 2>"$tmp/sim.err" &
pid=$!
wait_line "$tmp/sim.err" '^dlms: tcp 127.0.0.1:[0-9]*$' "$pid" 100
port=$(sed -n 's/^dlms: tcp 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/sim.err")
"$client" "$port" "$tmp/lp.csv" || fail "sim_dlms_client"
"$client" --hls "$port" 00112233445566778899AABBCCDDEEFF 102030405060708090A0B0C0D0E0F000 \
    27581522 || fail "sim_dlms_client --hls"
# the failed LLS attempt is in the queue the event logs drain: nothing to see on stderr
if grep -q "warning" "$tmp/sim.err"; then fail "warnings from the simulator"; fi
echo "ok: sim_dlms"
