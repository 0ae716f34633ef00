#!/bin/sh
# omnipower-sim --dlms tcp:0 read end to end by sim_dlms_client (tests/sim_dlms_client.c).
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

"$sim" --dlms tcp:0 --speed 1 --duration 100 --start 2026-03-01T12:00:00Z --quiet \
    >"$tmp/sim.out" 2>"$tmp/sim.err" &
pid=$!
wait_line "$tmp/sim.err" '^dlms: tcp 127.0.0.1:[0-9]*$' "$pid" 100
port=$(sed -n 's/^dlms: tcp 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/sim.err")
"$client" "$port" || fail "sim_dlms_client"
# the failed LLS attempt is in the queue the event logs drain: nothing to see on stderr
if grep -q "warning" "$tmp/sim.err"; then fail "warnings from the simulator"; fi
echo "ok: sim_dlms"
