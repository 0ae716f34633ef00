#!/bin/sh
# README quick start, as written: `scripts/sim --optical tcp:4059` opens the meter's optical port,
# and `build/sim/tools/omnipower read --port tcp:127.0.0.1:4059` reads it from another terminal.
# Usage (from anywhere): tests/readme_optical.sh     Run by .ci/run after scripts/sim has built
# the "sim" preset (it builds again if needed). Needs TCP port 4059 free on 127.0.0.1.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$tmp/sim.err" 2>/dev/null; exit 1; }
. tests/sim_wait.sh

scripts/sim --optical tcp:4059 >"$tmp/sim.out" 2>"$tmp/sim.err" &
pid=$!
wait_line "$tmp/sim.err" '^optical: tcp 127.0.0.1:4059$' "$pid" 6000
rc=0
build/sim/tools/omnipower read --port tcp:127.0.0.1:4059 >"$tmp/read.json" 2>"$tmp/read.err" || rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/read.err"; fail "build/sim/tools/omnipower read -> exit $rc"; }
grep -q '^{"manufacturer":"KAM","ident":" 6861111BN142101",.*"1.8.0"' "$tmp/read.json" ||
    { cat "$tmp/read.json"; fail "no readout in the JSON"; }
echo "ok: README: scripts/sim --optical tcp:4059, then build/sim/tools/omnipower read: $(wc -c <"$tmp/read.json") bytes of JSON"
