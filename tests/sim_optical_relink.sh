#!/bin/sh
# omnipower-sim --optical tcp: a reader that leaves in programming mode without B0 ends the
# meter's session (omp_meter_link_lost): the next reader's sign-on is answered at once, not after
# ti (90 s), and so is a reader that replaced another between two looks of the simulator.
# Usage: sim_optical_relink.sh PATH/TO/omnipower-sim    (needs python3 or $PYTHON3)
set -eu
sim=$1
py=${PYTHON3:-python3}
tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$tmp/sim.err" 2>/dev/null; exit 1; }
. "$(dirname "$0")/sim_wait.sh"

"$sim" --optical tcp:0 --speed 1 --duration 120 --start 2026-03-01T12:00:00Z --quiet \
    >"$tmp/sim.out" 2>"$tmp/sim.err" &
pid=$!
wait_line "$tmp/sim.err" '^optical: tcp 127.0.0.1:[0-9]*$' "$pid" 100
port=$(sed -n 's/^optical: tcp 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/sim.err")

"$py" - "$port" <<'PY' || fail "a reader after one that left in programming mode"
import socket, sys, time
port = int(sys.argv[1])

def until(s, end, limit):
    """Bytes up to and including @end, or fail after @limit seconds."""
    s.settimeout(limit)
    got = b""
    t0 = time.monotonic()
    while not got.endswith(end):
        try:
            b = s.recv(1)
        except socket.timeout:
            b = b""
        if not b or time.monotonic() - t0 > limit:
            sys.exit(f"no {end!r} within {limit} s (got {got!r})")
        got += b
    return got

def sign_on():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"/?!\r\n")
    ident = until(s, b"\r\n", 5.0)  # the meter answers after tr (200 ms and a tick)
    if not ident.startswith(b"/KAM"):
        sys.exit(f"identification expected, got {ident!r}")
    return s

# programming mode (option select ACK 0 Z 1, IEC 62056-21 6.3.3): the meter answers with P0
s = sign_on()
s.sendall(b"\x06051\r\n")
p0 = until(s, b"\x03", 5.0)
if not p0.startswith(b"\x01P0\x02("):
    sys.exit(f"P0 expected, got {p0!r}")
s.close()  # gone without B0: the meter's session would otherwise last ti = 90 s
time.sleep(0.5)
sign_on().close()  # answered at once
# one reader replaced by another at once (both within one look): the new one is answered too
a = sign_on()
a.sendall(b"\x06051\r\n")
until(a, b"\x03", 5.0)
a.close()
sign_on().close()
print("ok: two sign-ons after readers left in programming mode")
PY
echo "ok: sim_optical_relink"
