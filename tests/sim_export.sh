#!/bin/sh
# omnipower-sim keeps the load profile in its NVM file and exports the logs at exit
# (docs/simulator.md "The NVM file", "Exporting the logs"): the file has the documented default
# size; --export load_profile over 6 hours gives 24 entries 15 min apart holding the registers of
# their moment (checked against the load model's energy and the JSON at exit); a restart
# continues the entries, the first after it marked "outage" (and "discontinuity" when periods were
# skipped); another Z4 on the same file restarts the profile; a file of the old 64 KiB size is
# refused unchanged and continues with --nvm-size 65536; --export billing across a debiting stop;
# the files are written on SIGTERM too. (The analysis logger and the event logs: sim_logs.sh.)
# Usage: sim_export.sh PATH/TO/omnipower-sim     (needs python3, or $PYTHON3)
set -eu
sim=$1
py=${PYTHON3:-python3}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
nvm=$tmp/meter.nvm
default_size=507904 # 64 KiB + 56 x 4 KiB of load profile (4 channels at 15 min for 175 days)
                    # + 128 KiB analysis logger + 5 x 16 KiB event logs (documented)

# six hours of a new meter, from 01:00 local on Thursday 1 January 2026
"$sim" --nvm "$nvm" --start 2026-01-01T00:00:00Z --speed max --duration 21600 --quiet --json \
    --export load_profile="$tmp/lp1.csv" >"$tmp/run1.json"
test "$(wc -c <"$nvm")" -eq $default_size || { echo "FAIL: NVM file size"; exit 1; }
echo "ok: the NVM file has the default size $default_size"
# a restart an hour later (periods 06:15..07:00 skipped), then one continuing the clock
"$sim" --nvm "$nvm" --start 2026-01-01T07:00:00Z --speed max --duration 3600 --quiet --json \
    --export load_profile="$tmp/lp2.csv" >"$tmp/run2.json"
"$sim" --nvm "$nvm" --speed max --duration 1800 --quiet --json \
    --export load_profile="$tmp/lp3.csv" >"$tmp/run3.json"
# another period (Z4 = 1: 5 min) on the same file: the same default size (the load profile's
# region is sized for any Z4), the registers' layout stays, the profile is deleted and starts again
cp "$nvm" "$tmp/z4.nvm"
"$sim" --nvm "$tmp/z4.nvm" --config Z4=1 --speed max --duration 900 \
    --quiet --json --export load_profile="$tmp/lp4.csv" --export events="$tmp/ev4.csv" \
    >"$tmp/run4.json"

# a file of the old 64 KiB size (the registers' layout alone) is refused, unchanged; with
# --nvm-size 65536 it goes on without a load profile
old=$tmp/old.nvm
"$sim" --nvm "$old" --nvm-size 65536 --start 2026-01-01T00:00:00Z --speed max --duration 60 \
    --quiet
cp "$old" "$tmp/old.before"
rc=0
"$sim" --nvm "$old" --speed max --duration 60 --quiet >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: a 64 KiB file: exit $rc, want 1"; cat "$tmp/err"; exit 1; }
[ "$(wc -l <"$tmp/err")" -eq 1 ] || { echo "FAIL: not one line"; cat "$tmp/err"; exit 1; }
grep -q "old.nvm: NVM file has 65536 bytes, this run's NVM has $default_size .*--nvm-size 65536.*--nvm-format" \
    "$tmp/err" || { echo "FAIL: the size message"; cat "$tmp/err"; exit 1; }
cmp -s "$old" "$tmp/old.before" || { echo "FAIL: the refused file changed"; exit 1; }
[ -s "$tmp/out" ] && { echo "FAIL: wrote to stdout"; exit 1; }
echo "ok: a 64 KiB file refused: $(cat "$tmp/err")"
"$sim" --nvm "$old" --nvm-size 65536 --speed max --duration 60 --quiet --json >"$tmp/old.json"

# two hours across the 1 February debiting stop (00:00 local = 2026-01-31T23:00:00Z)
"$sim" --start 2026-01-31T22:00:00Z --speed max --duration 7200 --quiet --json \
    --export billing="$tmp/bill.csv" --export load_profile="$tmp/lpb.csv" >"$tmp/bill.json"

# SIGTERM: the files are written after the final save all the same
"$sim" --start 2026-01-01T00:00:00Z --speed 1800 --json --export load_profile="$tmp/lps.csv" \
    --export billing="$tmp/bills.csv" >"$tmp/sig.out" 2>"$tmp/err" &
pid=$!
i=0
while [ ! -s "$tmp/sig.out" ]; do # signal handlers are installed before the first screen
    i=$((i + 1))
    if [ $i -gt 300 ]; then echo "FAIL: no display output within 30 s"; exit 1; fi
    sleep 0.1
done
sleep 8 # at least 15 simulated minutes (one load-profile entry) even in a sanitizer build on a
        # busy machine: the simulator runs a few hundred times real time there, with power quality
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || { echo "FAIL: exit $rc after SIGTERM"; cat "$tmp/err"; exit 1; }

"$py" - "$tmp" <<'PYEOF'
import csv, json, math, sys
tmp = sys.argv[1]

def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)
    print("ok:", msg)

def last_json(name):
    with open(f"{tmp}/{name}") as f:
        return json.loads(f.read().splitlines()[-1])

LP_HEADER = ("entry,time_utc,time_normal,logger_status,logger_status_flags,data_quality,"
             "data_quality_flags,a_plus_wh,a_minus_wh,r_plus_varh,r_minus_varh")
VALUES = ["a_plus_wh", "a_minus_wh", "r_plus_varh", "r_minus_varh"]
# docs/logger.md "Status words" and docs/simulator.md: the names of the bits
STATUS = {0x0008: "invalid", 0x0040: "discontinuity", 0x0080: "reconfigured",
          0x0100: "interval_changed"}
QUALITY = {0x001: "clock_set_7_15", 0x002: "clock_set_15_30", 0x004: "clock_set_30_60",
           0x008: "clock_set_over_60", 0x010: "clock_forward", 0x020: "clock_backward",
           0x040: "legal_parameter_error", 0x080: "overvoltage", 0x100: "undervoltage",
           0x200: "neutral_fault", 0x400: "outage"}
BILLING_Q = {0x01: "power_cut", 0x02: "clock_set", 0x04: "clock_bad", 0x08: "late",
             0x10: "commanded", 0x20: "dst", 0x40: "skipped"}

def flags(word, names):
    return "|".join(names.get(1 << b, f"bit{b}") for b in range(32) if word >> b & 1)

def read_csv(name, header):
    with open(f"{tmp}/{name}", newline="") as f:
        text = f.read()
    check("\r" not in text and text.endswith("\n"), f"{name}: LF line ends")
    lines = text.split("\n")
    check(lines[0] == header, f"{name}: the header row")
    return list(csv.DictReader(text.splitlines()))

def utc(s):
    import datetime
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())

def check_words(name, rows):
    ok = all(r["logger_status_flags"] == flags(int(r["logger_status"], 16), STATUS) and
             r["data_quality_flags"] == flags(int(r["data_quality"], 16), QUALITY) for r in rows)
    check(ok, f"{name}: the flags name the raw words' bits")

def check_times(name, rows):
    import datetime
    ok = True
    for r in rows:
        t = utc(r["time_utc"]) + 3600  # Z11 +01:00, normal time never has DST
        want = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
        ok = ok and r["time_normal"] == want.strftime("%Y-%m-%dT%H:%M:%S") + "+01:00"
    check(ok, f"{name}: time_normal is time_utc at +01:00")

# The load model's energy from 01:00 to 03:00 local on a winter Thursday (tests/sim_e2e.sh,
# docs/simulator.md "The synthetic load"): only the base load and the fridge run.
def night_model(utc0, secs, offset_s=3600):
    q_base = 105.0 * math.tan(math.radians(-8.0))
    q_fridge = 110.0 * math.tan(math.radians(38.0))
    e = [0.0, 0.0, 0.0, 0.0]
    for k in range(secs):
        ls = utc0 + k + offset_s
        season = math.cos(2 * math.pi * math.fmod(ls // 86400 - 171, 365.2425) / 365.2425)
        on = (ls + 311) % 2640 < 1020.0 + 120.0 * season
        p, q = 105.0 + (110.0 if on else 0.0), q_base + (q_fridge if on else 0.0)
        e[0] += p / 3600.0
        e[2] += max(q, 0.0) / 3600.0
        e[3] += max(-q, 0.0) / 3600.0
    return e

T0 = utc("2026-01-01T00:00:00Z")
rows = read_csv("lp1.csv", LP_HEADER)
check(len(rows) == 24, f"6 hours: 24 entries ({len(rows)})")
check([int(r["entry"]) for r in rows] == list(range(1, 25)), "entries 1..24 (1 = the oldest)")
check([utc(r["time_utc"]) for r in rows] == [T0 + 900 * k for k in range(1, 25)],
      "time_utc every 15 min from 00:15 to 06:00")
check_times("lp1.csv", rows)
check_words("lp1.csv", rows)
check(rows[0]["data_quality_flags"] == "outage" and rows[0]["logger_status"] == "0x0000",
      "the first entry: outage (the meter started in its period), nothing else")
check(all(r["logger_status"] == "0x0000" and r["data_quality"] == "0x0000" for r in rows[1:]),
      "the others: no status")
v = [[int(r[c]) for c in VALUES] for r in rows]
check(all(v[k][c] <= v[k + 1][c] for k in range(23) for c in range(4)),
      "every channel non-decreasing")
# each entry holds the registers (Wh, truncated) at its period end: a new meter starts from 0, so
# the first 8 entries are the model's energy since 00:00 UTC (the meter within 0.2 % of it,
# tests/test_posix_sim.c; 0.5 % here, then truncated)
ok = True
for k in range(8):
    m = night_model(T0, 900 * (k + 1))
    for c in (0, 2, 3):
        lo, hi = math.floor(m[c] * 0.995), m[c] * 1.005
        if not lo <= v[k][c] <= hi:
            ok = False
            print(f"  entry {k + 1} {VALUES[c]}: {v[k][c]}, model {m[c]:.3f}")
check(ok, "entries 1..8 hold the load model's energy since the start (to 0.5 %, truncated)")
# the last entry holds the registers at 06:00:00; the JSON at exit has them after the final
# flush, which books at most the unfinished mains cycle (20 ms, < 0.05 Wh at the load's kW)
e = last_json("run1.json")["energy"]
ok = all(v[23][c] <= e[n] < v[23][c] + 1.05 for c, n in enumerate(VALUES))
check(ok, f"the last entry is the JSON's registers truncated to Wh ({v[23]}, "
          f"{[e[n] for n in VALUES]})")
nvm = last_json("run1.json")["nvm"]
check(nvm["lp_sectors"] == 56 and nvm["lp_entries"] == 24 and nvm["lp_capacity"] >= 175 * 96,
      f"JSON nvm: lp_sectors 56, lp_entries 24, lp_capacity {nvm['lp_capacity']} >= 16800")

# the restart an hour later continues the entries; its first has outage and discontinuity
rows2 = read_csv("lp2.csv", LP_HEADER)
check(len(rows2) == 28 and rows2[:24] == rows, "after the restart: the 24 entries, then 4 more")
check([utc(r["time_utc"]) for r in rows2[24:]] == [T0 + 900 * k for k in range(29, 33)],
      "07:15 .. 08:00")
check(rows2[24]["logger_status_flags"] == "discontinuity" and
      rows2[24]["data_quality_flags"] == "outage",
      "the first after the restart: discontinuity (06:15..07:00 missing) and outage")
check_words("lp2.csv", rows2)
v2 = [[int(r[c]) for c in VALUES] for r in rows2]
check(all(v2[k][c] <= v2[k + 1][c] for k in range(27) for c in range(4)),
      "non-decreasing across the restart")
rows3 = read_csv("lp3.csv", LP_HEADER)
check(len(rows3) == 30 and rows3[:28] == rows2, "the next run: 2 more entries")
check(rows3[28]["time_utc"] == "2026-01-01T08:15:00Z" and
      rows3[28]["logger_status_flags"] == "" and rows3[28]["data_quality_flags"] == "outage",
      "a restart where the clock stopped: outage, no discontinuity")
check(last_json("run3.json")["nvm"]["lp_entries"] == 30, "JSON lp_entries 30")

rows4 = read_csv("lp4.csv", LP_HEADER)
check([r["time_utc"] for r in rows4] ==
      ["2026-01-01T08:35:00Z", "2026-01-01T08:40:00Z", "2026-01-01T08:45:00Z"] and
      rows4[0]["entry"] == "1" and
      rows4[0]["logger_status_flags"] == "reconfigured|interval_changed" and
      rows4[0]["data_quality_flags"] == "outage",
      "Z4 changed: the profile starts again at 5 min, its first entry reconfigured")
with open(f"{tmp}/ev4.csv", newline="") as f:
    ev4 = list(csv.DictReader(f))
check([(r["time_utc"], r["name"], r["arg"]) for r in ev4 if r["log"] == "standard"][-4:] ==
      [("2026-01-01T08:30:00Z", "power_down", "0"), ("2026-01-01T08:30:00Z", "lp_event", "5"),
       ("2026-01-01T08:30:00Z", "power_up", "0"), ("2026-01-01T08:45:00Z", "power_down", "0")],
      "Z4 changed: lp_event 5 (interval changed) at the start's time, 08:30 (the clock restored)")
r4 = last_json("run4.json")
check(r4["power_ups"] == 4 and r4["nvm"]["damaged_sectors"] == 0 and
      r4["energy"]["a_plus_wh"] >= last_json("run3.json")["energy"]["a_plus_wh"],
      "... and the registers go on")

o = last_json("old.json")
check(o["power_ups"] == 2 and o["nvm"]["lp_sectors"] == 0 and o["nvm"]["lp_entries"] == 0,
      "--nvm-size 65536 continues a 64 KiB file, without a load profile")

# the billing log across the stop
BILLING_HEADER = ",".join(
    ["entry", "stop_utc", "capture_utc", "billing_count", "quality", "quality_flags", "hours",
     "threshold_count", "pulse_input", "a_plus_wh", "a_minus_wh", "r_plus_varh", "r_minus_varh",
     "e_plus_vah", "e_minus_vah", "r1_varh", "r2_varh", "r3_varh", "r4_varh"] +
    [f"a_plus_t{t}_wh" for t in range(1, 5)] + [f"r_plus_t{t}_varh" for t in range(1, 5)] +
    ["p_plus_max_w", "p_plus_max_utc", "p_plus_t1_max_w", "p_plus_t1_max_utc", "p_plus_t2_max_w",
     "p_plus_t2_max_utc", "q_plus_max_var", "q_plus_max_utc", "s_plus_max_va", "s_plus_max_utc",
     "s_minus_max_va", "s_minus_max_utc", "p_plus_acc_w", "p_plus_t1_acc_w", "p_plus_t2_acc_w",
     "q_plus_acc_var"])
b = read_csv("bill.csv", BILLING_HEADER)
check(len(b) == 1, f"one debiting snapshot ({len(b)})")
b = b[0]
check(b["entry"] == "1" and b["billing_count"] == "1" and b["stop_utc"] == "2026-01-31T23:00:00Z",
      "entry 1, billing count 1, the stop at 2026-01-31T23:00:00Z")
check(b["quality_flags"] == flags(int(b["quality"], 16), BILLING_Q),
      f"quality {b['quality']} named {b['quality_flags']!r}")
check(b["p_plus_max_utc"] != "" and int(b["p_plus_acc_w"]) == int(b["p_plus_max_w"]),
      "the period's P+max with its time; the first accumulated maximum is it")
j = last_json("bill.json")["registers"]
check(j["billing_count"] == 1 and j["acc"]["p_plus_w"] == int(b["p_plus_acc_w"]),
      "the JSON's billing count and accumulated maximum agree")
lpb = {r["time_utc"]: r for r in read_csv("lpb.csv", LP_HEADER)}
at_stop = lpb["2026-01-31T23:00:00Z"]
ok = all(int(at_stop[n]) == math.floor(float(b[n])) for n in VALUES)
check(ok, "the snapshot's registers are the load profile's entry at the stop, truncated to Wh")

# SIGTERM
rows = read_csv("lps.csv", LP_HEADER)
sig = last_json("sig.out")
check(len(rows) >= 1 and len(rows) == sig["nvm"]["lp_entries"],
      f"after SIGTERM: the load profile written, {len(rows)} entries as the JSON says")
check(len(read_csv("bills.csv", BILLING_HEADER)) == 0, "after SIGTERM: the billing log (empty)")
PYEOF
