#!/bin/sh
# omnipower-sim with a type number and Z codes (--type-number, --config, --config-file): the
# configuration takes effect in a short simulated run (display decimals Z1, demand period Z4,
# local time Z11/Z15, optical identification from the type number, Z18, --meter-number after the
# codes), and every configuration usage error exits 2 with exactly one line on stderr, checked
# word for word.   Usage: sim_config.sh PATH/TO/omnipower-sim     (needs python3, or $PYTHON3)
set -u
sim=$1
py=${PYTHON3:-python3}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# ---- the configuration takes effect ---------------------------------------------------------

run() { # run NAME ARGS...: stdout to $tmp/NAME.out; exit 0 expected
    name=$1; shift
    if ! "$sim" --speed max "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null; then
        echo "FAIL: omnipower-sim $* exited $?"; cat "$tmp/$name.err"; fail=1
    fi
}

# Norway (040, dual breaker, radio, A+/A-/R+/R-), 6.3 decimals, 60 min periods, UTC+2 h without
# DST, IEC 62056-21 modes A+C with User Data 1; summer, so Z15 = 000 shows
no="--type-number 6861111BN242101040 --config Z1=4,Z4=4,Z18=001 --config Z11=02,Z15=000"
run no60 $no --duration 3660 --start 2026-07-01T00:00:00Z --json
run no50 $no --duration 3000 --start 2026-07-01T00:00:00Z --json --quiet
# 15 min periods (the factory Z4 = 2) for comparison
run no15 --type-number 6861111BN242101040 --duration 3000 --start 2026-07-01T00:00:00Z --json --quiet

# Finland without breaker or radio, A+ only: a file, overridden by --config, then --meter-number
cat >"$tmp/fi.cfg" <<'EOF'
# a Finnish meter, no breaker, no radio, A+ only
type-number = 6861111BN110000084   # rating plate

Z1 = 1          # 7.0: whole kWh
Z4=3, Z18 = 000
  Z6 = 15
Z6 = 20         # a code given twice takes its last value
EOF
run fi --config-file "$tmp/fi.cfg" --config Z6=28 --meter-number 4711 --duration 600 \
    --start 2026-01-10T12:00:00Z --json
# the factory default configuration
run def --duration 60 --start 2026-01-01T00:00:00Z --json --quiet

"$py" - "$tmp" <<'PYEOF' || fail=1
import json, re, sys
tmp = sys.argv[1]

def load(name):
    with open(f"{tmp}/{name}.out") as f:
        lines = f.read().splitlines()
    return json.loads(lines[-1]), lines[:-1]

bad = 0
def check(cond, msg):
    global bad
    print(("ok: " if cond else "FAIL: ") + msg)
    bad |= not cond

no60, disp = load("no60")
c = no60["config"]
check(c["type_number"] == "6861111BN242101040", f"type number {c['type_number']}")
# Z1..Z20 by hand: Norway's factory codes (Z11 01, Z15 001, Z16 339 with radio, Z19 1 with a
# breaker) with Z1 = 4, Z4 = 4, Z11 = 02, Z15 = 000, Z18 = 001
check(c["z"] == "4-1-00-4-000-01-01-1-000-0-02-00-000-000-000-339-000-001-1-000", f"z {c['z']}")
check(c["z_given"] == "Z1=4,Z4=4,Z11=02,Z15=000,Z18=001", f"z_given {c['z_given']}")
check(c["optical_ident"] == " 6861111BN242101", f"optical ident '{c['optical_ident']}'")
check(c["energy_format"] == "6.3" and c["demand_period_min"] == 60, "Z1 6.3, Z4 60 min")
check(c["utc_offset_min"] == 120 and c["dst"] == "none", "Z11 +2 h, Z15 none")
check(c["optical_comm_mode"] == 1 and c["optical_user_data"] == 0, "Z18 001: A+C, UD1")
# the meter's display shows 6.3: every energy screen has 6 digits, a point and 3 decimals
energy = [l for l in disp if re.search(r"\s(kWh|kvarh)\b", l)]
check(len(energy) > 0, f"{len(energy)} energy screens")
for l in energy:
    check(re.search(r"\]\s+(?:\S+\s+)?\d{6}\.\d{3} k(W|var)h", l) is not None, f"6.3 display: {l}")
    break
check(all(re.search(r"\]\s+(?:\S+\s+)?\d{6}\.\d{3} k(W|var)h", l) for l in energy), "all energy screens 6.3")
# local time UTC+2 h and no DST in July
check(no60["local"] == "2026-07-01T03:01:00+02:00", f"local {no60['local']}")
check(no60["dst_active"] is False, "no DST (Z15 = 000)")
# 60 min demand periods: the first closes at 01:00, none before
check(no60["registers"]["last_period"]["end_utc"] == "2026-07-01T01:00:00Z",
      f"Z4 = 4: period ends {no60['registers']['last_period']['end_utc']}")
no50, _ = load("no50")
check("last_period" not in no50["registers"], "Z4 = 4: no period closed after 50 min")
no15, _ = load("no15")
check(no15["registers"]["last_period"]["end_utc"] == "2026-07-01T00:45:00Z",
      "factory Z4 = 2: 15 min periods (00:45)")
check(no15["config"]["z"] == "3-1-00-2-000-01-01-1-000-0-01-00-000-000-001-339-000-002-1-000",
      f"Norway factory codes {no15['config']['z']}")
check(no15["local"] == "2026-07-01T02:50:00+02:00" and no15["dst_active"] is True,
      "Norway factory: +1 h and EU DST")

fi, disp = load("fi")
c = fi["config"]
check(c["type_number"] == "6861111BN110000084", "file: type number")
check(c["optical_ident"] == " 6861111BN110000", "file: identification from the type number")
# Finland: Z11 02, Z15 001, no radio: Z16 000, no breaker: Z19 0; Z1 1, Z4 3, Z6 28 (--config
# wins over the file's 20), Z18 000
check(c["z"] == "1-1-00-3-000-28-01-1-000-0-02-00-000-000-001-000-000-000-0-000", f"file z {c['z']}")
check(c["z_given"] == "Z1=1,Z4=3,Z6=28,Z18=000", f"file z_given {c['z_given']}")
check(c["energy_format"] == "7.0" and c["demand_period_min"] == 30 and c["billing_day"] == 28,
      "file: 7.0, 30 min, billing day 28")
check(c["optical_comm_mode"] == 0, "Z18 000: no IEC 62056-21")
check(fi["meter_number"] == 4711, "--meter-number applied after the codes")
check(fi["local"] == "2026-01-10T14:10:00+02:00", f"Finland +2 h: {fi['local']}")
energy = [l for l in disp if re.search(r"\s(kWh|kvarh)\b", l)]
check(len(energy) > 0 and all(re.search(r"\]\s+(?:\S+\s+)?\d{7} k(W|var)h", l) for l in energy),
      f"7.0 display ({len(energy)} energy screens), e.g. {energy[0] if energy else ''}")

d, _ = load("def")
c = d["config"]
check(c["type_number"] == "6861111BN142101010", "default type number")
check(c["z"] == "3-1-00-2-000-01-01-1-000-0-01-00-000-000-001-348-000-002-1-000", "default codes")
check(c["z_given"] == "" and c["optical_ident"] == " 6861111BN142101", "default: none given")
check(c["energy_format"] == "7.2" and c["optical_user_data"] == 1, "default 7.2, UD2")
sys.exit(bad)
PYEOF

# ---- the optical port: identification from the type number, Z18 readout list ----------------

# Z18 = 001 (User Data 1) on a Norwegian meter, 6.3 decimals; a mode A sign-on over TCP, then
# Z18 = 000: the port stays silent
for z18 in 001 000; do
    "$sim" --type-number 6861111BN242101040 --config Z1=4,Z18=$z18 --optical tcp:0 --quiet \
        --duration 15 --speed 1 --start 2026-01-01T00:00:00Z >/dev/null 2>"$tmp/opt.err" &
    pid=$!
    "$py" - "$tmp/opt.err" "$z18" <<'PYEOF' || fail=1
import re, socket, sys, time
err, z18 = sys.argv[1], sys.argv[2]
port = None
for _ in range(100):
    m = re.search(r"optical: tcp 127\.0\.0\.1:(\d+)", open(err).read())
    if m:
        port = int(m.group(1))
        break
    time.sleep(0.05)
if port is None:
    print("FAIL: no optical port announced"); sys.exit(1)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"/?!\r\n")
s.settimeout(0.5)
data, t0 = b"", time.time()
while time.time() - t0 < 4 and b"\x03" not in data:
    try:
        d = s.recv(4096)
    except socket.timeout:
        continue
    if not d:
        break
    data += d
text = data.decode("ascii", "replace")
if z18 == "000":
    ok = data == b""
    print(("ok: " if ok else "FAIL: ") + f"Z18 = 000: no answer ({len(data)} bytes)")
    sys.exit(0 if ok else 1)
lines = text.split("\r\n")
ok = lines[0] == "/KAM5 6861111BN242101"
print(("ok: " if ok else "FAIL: ") + f"identification from the type number: {lines[0]!r}")
ud1 = re.search(r"1\.8\.0\(\d{6}\.\d{3}\*kWh\)", text) is not None and "97.97.0" not in text
print(("ok: " if ud1 else "FAIL: ") + "Z18 = 001: User Data 1 (no 97.97.0), 1.8.0 in 6.3")
sys.exit(0 if ok and ud1 else 1)
PYEOF
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
done

# ---- usage errors: exit 2, nothing on stdout, exactly the one line ---------------------------

expect() { # expect 'MESSAGE' ARGS...
    want=$1; shift
    "$sim" --speed max --duration 1 --quiet "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    got=$?
    if [ "$got" -ne 2 ]; then
        echo "FAIL: omnipower-sim $* -> exit $got, want 2"; cat "$tmp/err"; fail=1; return
    fi
    if [ -s "$tmp/out" ]; then echo "FAIL: omnipower-sim $* wrote to stdout"; fail=1; fi
    if [ "$(wc -l <"$tmp/err")" -ne 1 ] || [ "$(cat "$tmp/err")" != "omnipower-sim: $want" ]; then
        echo "FAIL: omnipower-sim $*"; echo "  want: omnipower-sim: $want"; echo "  got:"
        cat "$tmp/err"; fail=1; return
    fi
    echo "ok: $want"
}

# malformed type numbers
expect '--type-number: 6 characters, not 18' --type-number 686111
expect '--type-number: 19 characters, not 18' --type-number 6861111BN2421010400
expect '--type-number: X8 (character 10): 3 is not one of 1, 2' --type-number 6861111BN342101040
expect '--type-number: X6 (character 8): b is not one of A, B, 2, 1' \
    --type-number 6861111bN242101040
expect '--type-number: prefix (characters 1-2): 78 is not one of 68' \
    --type-number 7861111BN242101040
expect '--type-number: X1 (character 3): 4 (three-phase) is not supported, only 6 (single-phase)' \
    --type-number 6841111BN242101040
expect '--type-number: X14-X16 (characters 16-18): 999 is not one of 010, 040, 059, 063, 064, 065, 067, 070, 080, 084, 090, 110, 120' \
    --type-number 6861111BN242101999
# bad and unknown Z codes
expect '--config: Z4: 7 is not one of 1, 2, 3, 4' --config Z4=7
expect '--config: Z3: 24 is not one of 00..23, 26, 27, 28' --config Z1=3,Z3=24
expect '--config: Z18: 3 is not one of 000, 001, 002' --config Z4=2 --config Z18=3
expect '--config: Z4: x is not one of 1, 2, 3, 4' --config Z4=x
expect '--config: Z21 is not a code (Z1..Z20)' --config Z21=1
expect "--config: 'X4' at character 1 is not a code (Z1..Z20)" --config X4=1
expect "--config: Z4: expected '=' and a value at character 3" --config Z4
expect '--config: Z4: a value is missing at character 4 (one of 1, 2, 3, 4)' --config Z4=
expect "--config: character 6: expected a code after ','" --config Z1=1,
expect '--config: Z19: 1 is not one of 0 (no breaker, X10 = 0)' \
    --type-number 6861111BN110000084 --config Z19=1
# bad file lines (the line number, then the code or position)
printf '# ok so far\ntype-number = 6861111BN242101040\nZ4 = 9\n' >"$tmp/b1.cfg"
expect "$tmp/b1.cfg:3: Z4: 9 is not one of 1, 2, 3, 4" --config-file "$tmp/b1.cfg"
printf 'Z4 = 2\nperiod = 15\n' >"$tmp/b2.cfg"
expect "$tmp/b2.cfg:2: 'period' is not a setting (type-number, or Z1..Z20)" --config-file "$tmp/b2.cfg"
printf 'Z44 = 2\n' >"$tmp/b3.cfg"
expect "$tmp/b3.cfg:1: Z44 is not a code (Z1..Z20)" --config-file "$tmp/b3.cfg"
printf '\ntype-number = 6861111BN24210104\n' >"$tmp/b4.cfg"
expect "$tmp/b4.cfg:2: type-number: 17 characters, not 18" --config-file "$tmp/b4.cfg"
printf 'type-number 6861111BN242101040\n' >"$tmp/b5.cfg"
expect "$tmp/b5.cfg:1: type-number: expected '=' and the type number" --config-file "$tmp/b5.cfg"
printf 'Z1 = 4 Z4 = 4\n' >"$tmp/b6.cfg"
expect "$tmp/b6.cfg:1: character 8: expected ',' between codes" --config-file "$tmp/b6.cfg"
"$py" -c "print('Z4 = 2' + ' ' * 300)" >"$tmp/b7.cfg"
expect "$tmp/b7.cfg:1: line longer than 255 characters" --config-file "$tmp/b7.cfg"
printf 'type-number = 6861111BN110000084\nZ19 = 2\n' >"$tmp/b8.cfg"
expect "$tmp/b8.cfg:2: Z19: 2 is not one of 0 (no breaker, X10 = 0)" --config-file "$tmp/b8.cfg"
expect "--config-file $tmp/none.cfg: No such file or directory" --config-file "$tmp/none.cfg"
expect "--config-file given twice ($tmp/b1.cfg, $tmp/b2.cfg)" \
    --config-file "$tmp/b1.cfg" --config-file "$tmp/b2.cfg"
# a usage error touches no NVM file
expect '--config: Z4: 7 is not one of 1, 2, 3, 4' --nvm "$tmp/never.nvm" --config Z4=7
if [ -e "$tmp/never.nvm" ]; then echo "FAIL: NVM file created on a usage error"; fail=1; fi

exit $fail
