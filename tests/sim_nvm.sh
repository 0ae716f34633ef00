#!/bin/sh
# omnipower-sim and NVM files it cannot read (docs/simulator.md "The NVM file"): an empty, an
# all-zero, a random file and a meter's file with one flipped bit in a sector header are each
# refused with exit 1 and one line naming the file, and left byte for byte unchanged; a power cut
# (SIGKILL) is not damage; legal data (calibration, Z1) cannot change; an erased journal is
# restored from the mirror and said to be rolled back; --nvm-format erases such a file and starts
# a new meter. Files are of the default size for the default configuration (docs/simulator.md
# "The NVM file": 64 KiB + 56 sectors of load profile + 32 of analysis logger + 5 x 4 of event logs
# = 507904 bytes).
# Usage: sim_nvm.sh PATH/TO/omnipower-sim
set -u
sim=$1
py=${PYTHON3:-python3}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
size=507904
run() { "$sim" --quiet --speed max --start 2026-01-01T00:00:00Z --duration 60 "$@" \
        >"$tmp/out" 2>"$tmp/err" </dev/null; }

refused() { # refused FILE WHAT: exit 1, one line naming FILE, FILE unchanged
    cp "$1" "$tmp/before"
    run --nvm "$1"
    rc=$?
    [ "$rc" -eq 1 ] || { echo "FAIL: $2: exit $rc, want 1"; cat "$tmp/err"; fail=1; }
    grep -q "$1" "$tmp/err" || { echo "FAIL: $2: the message does not name the file"; fail=1; }
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || { echo "FAIL: $2: not one line"; cat "$tmp/err"; fail=1; }
    cmp -s "$1" "$tmp/before" || { echo "FAIL: $2: the file changed"; fail=1; }
    [ -s "$tmp/out" ] && { echo "FAIL: $2: wrote to stdout"; fail=1; }
    echo "ok: $2 refused: $(cat "$tmp/err")"
}

: >"$tmp/empty.nvm"
refused "$tmp/empty.nvm" "an empty file"
grep -q "empty" "$tmp/err" || { echo "FAIL: the empty file's message"; fail=1; }
"$py" -c "import sys; open(sys.argv[1],'wb').write(bytes($size))" "$tmp/zero.nvm"
refused "$tmp/zero.nvm" "an all-zero file"
grep -q "cannot read (124 damaged or foreign sectors)" "$tmp/err" || { echo "FAIL: zero count"; fail=1; }
"$py" -c "import random,sys; random.seed(7); open(sys.argv[1],'wb').write(random.randbytes($size))" \
    "$tmp/random.nvm"
refused "$tmp/random.nvm" "a random file"

# a meter's own file: a second run continues it; a killed run is repaired, not refused
run --nvm "$tmp/m.nvm" || { echo "FAIL: a new file"; cat "$tmp/err"; fail=1; }
"$sim" --quiet --speed 1 --nvm "$tmp/m.nvm" >/dev/null 2>&1 </dev/null &
pid=$!
sleep 2
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
run --nvm "$tmp/m.nvm" --json || { echo "FAIL: the file after SIGKILL"; cat "$tmp/err"; fail=1; }
grep -q '"damaged_sectors":0' "$tmp/out" || { echo "FAIL: damaged_sectors not 0"; fail=1; }
echo "ok: a SIGKILLed run's file continues"
# one bit of the first sector's header (its sequence number): damaged
cp "$tmp/m.nvm" "$tmp/flip.nvm"
"$py" -c "
import sys
b = bytearray(open(sys.argv[1],'rb').read()); b[10] ^= 0x04; open(sys.argv[1],'wb').write(b)" \
    "$tmp/flip.nvm"
refused "$tmp/flip.nvm" "one flipped bit in a sector header"

# the calibration is legal data: another one is refused, the file unchanged
cp "$tmp/m.nvm" "$tmp/before"
run --nvm "$tmp/m.nvm" --volts-per-code 7.2e-5
rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: another calibration: exit $rc, want 1"; fail=1; }
grep -q "calibration" "$tmp/err" || { echo "FAIL: the calibration message"; cat "$tmp/err"; fail=1; }
cmp -s "$tmp/m.nvm" "$tmp/before" || { echo "FAIL: a refused calibration changed the file"; fail=1; }
echo "ok: another calibration refused"

# the type number and the display resolution are legal data too
cp "$tmp/m.nvm" "$tmp/before"
run --nvm "$tmp/m.nvm" --config Z1=2
rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: another display resolution: exit $rc, want 1"; fail=1; }
cmp -s "$tmp/m.nvm" "$tmp/before" || { echo "FAIL: a refused Z1 changed the file"; fail=1; }
grep -q "legal data" "$tmp/err" || { echo "FAIL: the Z1 message"; cat "$tmp/err"; fail=1; }
echo "ok: another display resolution refused"

# the journal erased (its 7 sectors, 28 KiB): the mirror's checkpoint is restored, the run goes
# on, and says it may have rolled back (stderr, JSON); the run after it is clean again
cp "$tmp/m.nvm" "$tmp/lost.nvm"
"$py" -c "
import sys
b = bytearray(open(sys.argv[1],'rb').read()); b[0:28672] = bytes([255]) * 28672
open(sys.argv[1],'wb').write(b)" "$tmp/lost.nvm"
run --nvm "$tmp/lost.nvm" --json || { echo "FAIL: the erased journal"; cat "$tmp/err"; fail=1; }
grep -q '"rolled_back":true' "$tmp/out" || { echo "FAIL: rolled_back not true"; fail=1; }
grep -q '"restored_from":"mirror"' "$tmp/out" || { echo "FAIL: not restored from the mirror"; fail=1; }
grep -q "restored from checkpoint .* (mirror), older than the newest one saved" "$tmp/err" ||
    { echo "FAIL: no rollback line on stderr"; cat "$tmp/err"; fail=1; }
grep -q '"damaged_sectors":0' "$tmp/out" || { echo "FAIL: an erased journal is not damage"; fail=1; }
run --nvm "$tmp/lost.nvm" --json || { echo "FAIL: the run after"; fail=1; }
grep -q '"rolled_back":false' "$tmp/out" || { echo "FAIL: still rolled back"; fail=1; }
grep -q '"restored_from":"journal"' "$tmp/out" || { echo "FAIL: not from the journal again"; fail=1; }
echo "ok: an erased journal restores from the mirror, said once"

# --nvm-format: a new meter on any of them
run --nvm "$tmp/flip.nvm" --nvm-format --json || { echo "FAIL: --nvm-format"; cat "$tmp/err"; fail=1; }
grep -q '"damaged_sectors":0' "$tmp/out" || { echo "FAIL: --nvm-format left damage"; fail=1; }
grep -q '"power_ups":1' "$tmp/out" || { echo "FAIL: --nvm-format is not a new meter"; fail=1; }
run --nvm "$tmp/empty.nvm" --nvm-format || { echo "FAIL: --nvm-format of an empty file"; fail=1; }
[ "$(wc -c <"$tmp/empty.nvm")" -eq $size ] || { echo "FAIL: formatted size"; fail=1; }
run --nvm "$tmp/flip.nvm" || { echo "FAIL: the formatted file does not continue"; fail=1; }
echo "ok: --nvm-format"
"$sim" --nvm-format >/dev/null 2>"$tmp/err" </dev/null
[ $? -eq 2 ] || { echo "FAIL: --nvm-format without --nvm is not a usage error"; fail=1; }
exit $fail
