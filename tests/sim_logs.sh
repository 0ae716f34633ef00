#!/bin/sh
# omnipower-sim keeps the analysis logger and the event logs in its NVM file and exports them
# (docs/simulator.md "The NVM file", "The analysis logger", "Exporting the logs"): six hours of a
# new meter give 24 analysis rows 15 min apart whose values are the load model's (U 230.0 V, the
# instantaneous P and Q of the model at each period end) and an event log with its power_up; a
# restart in the same file adds a second power_up; the interval means of a night at 5 min are the
# model's powers; a changed --analysis list deletes the analysis logger (its first new row
# "reconfigured", the clear logged) while the load profile and the registers go on, a changed
# --analysis-period too ("interval_changed"); --analysis usage errors exit 2 naming the bad item;
# a file of the previous default size (294912) is refused unchanged and continues with
# --nvm-size 294912 without the two logs.
# Usage: sim_logs.sh PATH/TO/omnipower-sim     (needs python3, or $PYTHON3)
set -eu
sim=$1
py=${PYTHON3:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nvm=$tmp/meter.nvm
run() { "$sim" --speed max --quiet --json "$@"; }

# A: six hours of a new meter from 01:00 local (Thursday 1 January 2026), default channels
run --nvm "$nvm" --start 2026-01-01T00:00:00Z --duration 21600 --export analysis="$tmp/an1.csv" \
    --export events="$tmp/ev1.csv" --export load_profile="$tmp/lp1.csv" >"$tmp/a.json"
# B: a restart an hour later, the same configuration
run --nvm "$nvm" --start 2026-01-01T07:00:00Z --duration 3600 --export analysis="$tmp/an2.csv" \
    --export events="$tmp/ev2.csv" --export load_profile="$tmp/lp2.csv" >"$tmp/b.json"
# C: other channels (one in the full form): the analysis logger starts again
run --nvm "$nvm" --duration 3600 --analysis '1-1:32.25.0*255,31.25.0,21.25.0' \
    --export analysis="$tmp/an3.csv" --export events="$tmp/ev3.csv" \
    --export load_profile="$tmp/lp3.csv" >"$tmp/c.json"
# D: the same channels at another interval
run --nvm "$nvm" --duration 1800 --analysis 32.25.0,31.25.0,21.25.0 --analysis-period 5 \
    --export analysis="$tmp/an4.csv" >"$tmp/d.json"
# the means of two night hours at 5 min (RAM NVM, a new meter)
run --start 2026-01-01T00:00:00Z --duration 7200 --analysis-period 5 \
    --analysis 21.25.0,23.25.0,24.25.0,29.25.0,32.25.0,31.25.0,33.25.0,14.25.0 \
    --export analysis="$tmp/means.csv" >"$tmp/means.json"

# --analysis usage errors: exit 2, one message naming the bad item, nothing on stdout, no file
usage() { # usage PATTERN ARGS...
    pat=$1; shift
    rc=0
    "$sim" --nvm "$tmp/never.nvm" --speed max --duration 1 --quiet "$@" >"$tmp/out" \
        2>"$tmp/err" || rc=$?
    [ "$rc" -eq 2 ] || { echo "FAIL: $*: exit $rc, want 2"; cat "$tmp/err"; exit 1; }
    [ -s "$tmp/out" ] && { echo "FAIL: $*: wrote to stdout"; exit 1; }
    [ -e "$tmp/never.nvm" ] && { echo "FAIL: $*: the NVM file was created"; exit 1; }
    grep -qE -- "^omnipower-sim: $pat" "$tmp/err" || { echo "FAIL: $*: want '$pat'"; \
        cat "$tmp/err"; exit 1; }
    echo "ok: $* -> 2: $(head -n 1 "$tmp/err")"
}
usage "invalid --analysis '1.7.0,99.9.9': '99.9.9' is not an object of the meter" \
    --analysis 1.7.0,99.9.9
usage "invalid --analysis '1.7.0,32.7': '32.7' is not an OBIS code" --analysis 1.7.0,32.7
usage "invalid --analysis '1.7.0,1-1:32.7.0\*256': '1-1:32.7.0\*256' is not an OBIS code" \
    --analysis '1.7.0,1-1:32.7.0*256'
usage "invalid --analysis '1.7.0,,2.7.0': item 2 is empty" --analysis 1.7.0,,2.7.0
usage "invalid --analysis '': item 1 is empty" --analysis ''
usage "invalid --analysis '1.7.0,': item 2 is empty" --analysis 1.7.0,
usage "invalid --analysis '32.7.0,1.0.0': '1.0.0' is a date-time, not a number" \
    --analysis 32.7.0,1.0.0
usage "invalid --analysis '96.1.1': '96.1.1' is a string, not a number" --analysis 96.1.1
usage "invalid --analysis '2.8.1': '2.8.1' is not kept by this release \(null-data\)" \
    --analysis 2.8.1
usage "invalid --analysis '32.7.0,1.1.32.7.0.255': '1.1.32.7.0.255' is channel 1 already" \
    --analysis 32.7.0,1.1.32.7.0.255
ch16=1.7.0,2.7.0,3.7.0,4.7.0,9.7.0,13.7.0,14.7.0,32.7.0,31.7.0
ch16=$ch16,32.25.0,31.25.0,21.25.0,22.25.0,23.25.0,24.25.0,29.25.0
usage "invalid --analysis '.*': '33.25.0' would be channel 17 \(at most 16\)" \
    --analysis "$ch16,33.25.0"
usage "--analysis given twice \('1.7.0', '2.7.0'\)" --analysis 1.7.0 --analysis 2.7.0
usage "invalid --analysis-period '10' \(minutes: 5, 15, 30 or 60\)" --analysis-period 10
usage "invalid --analysis-period '015'" --analysis-period 015
usage "--analysis: --nvm-size 294912 keeps no analysis logger" --nvm-size 294912 \
    --analysis 1.7.0
# sixteen channels are allowed
"$sim" --speed max --duration 1 --quiet --analysis "$ch16"
echo "ok: 16 channels taken"

# a file of the previous default size (64 KiB + the load profile) is refused, unchanged; with
# --nvm-size 294912 it continues with its load profile, without the analysis logger and events
old=$tmp/old.nvm
"$sim" --nvm "$old" --nvm-size 294912 --start 2026-01-01T00:00:00Z --speed max --duration 1800 \
    --quiet
cp "$old" "$tmp/old.before"
rc=0
"$sim" --nvm "$old" --speed max --duration 60 --quiet >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: a 294912-byte file: exit $rc, want 1"; cat "$tmp/err"; exit 1; }
[ "$(wc -l <"$tmp/err")" -eq 1 ] || { echo "FAIL: not one line"; cat "$tmp/err"; exit 1; }
want="old.nvm: NVM file has 294912 bytes, this run's NVM has 507904 .*run with --nvm-size 294912"
want="$want to use it (without the analysis logger and the event logs), or --nvm-format"
grep -q "$want" "$tmp/err" || { echo "FAIL: the size message"; cat "$tmp/err"; exit 1; }
cmp -s "$old" "$tmp/old.before" || { echo "FAIL: the refused file changed"; exit 1; }
[ -s "$tmp/out" ] && { echo "FAIL: wrote to stdout"; exit 1; }
echo "ok: a file of the previous default size refused: $(cat "$tmp/err")"
run --nvm "$old" --nvm-size 294912 --duration 1800 >"$tmp/old.json"

"$py" - "$tmp" <<'PYEOF'
import csv, datetime, json, math, re, sys
tmp = sys.argv[1]

def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)
    print("ok:", msg)

def last_json(name):
    with open(f"{tmp}/{name}") as f:
        return json.loads(f.read().splitlines()[-1])

def read_csv(name, header):
    with open(f"{tmp}/{name}", newline="") as f:
        text = f.read()
    check("\r" not in text and text.endswith("\n"), f"{name}: LF line ends")
    check(text.split("\n")[0] == header, f"{name}: the header row")
    return list(csv.DictReader(text.splitlines()))

def utc(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())

PROFILE = ("entry,time_utc,time_normal,logger_status,logger_status_flags,data_quality,"
           "data_quality_flags,")
AN_DEFAULT = PROFILE + "1.7.0_W,2.7.0_W,3.7.0_var,4.7.0_var,32.25.0_V,31.25.0_A"
EVENTS = "log,entry,time_utc,code,name,arg,flags"
T0 = utc("2026-01-01T00:00:00Z")

# The load model at night (docs/simulator.md "The synthetic load"; tests/sim_export.sh): 01:00 to
# 03:00 local on a winter Thursday only the base load and the fridge run. Powers of local second
# ls: P, Q (W, var).
Q_BASE = 105.0 * math.tan(math.radians(-8.0))
Q_FRIDGE = 110.0 * math.tan(math.radians(38.0))
def model(utc_s, offset_s=3600):
    ls = utc_s + offset_s
    season = math.cos(2 * math.pi * math.fmod(ls // 86400 - 171, 365.2425) / 365.2425)
    on = (ls + 311) % 2640 < 1020.0 + 120.0 * season
    return 105.0 + (110.0 if on else 0.0), Q_BASE + (Q_FRIDGE if on else 0.0)

# ---- A: six hours, the default channels ----
rows = read_csv("an1.csv", AN_DEFAULT)
check(len(rows) == 24, f"6 hours: 24 analysis rows ({len(rows)})")
check([int(r["entry"]) for r in rows] == list(range(1, 25)), "entries 1..24")
check([utc(r["time_utc"]) for r in rows] == [T0 + 900 * k for k in range(1, 25)],
      "every 15 min from 00:15 to 06:00 UTC")
check(all(r["time_normal"] == datetime.datetime.fromtimestamp(utc(r["time_utc"]) + 3600,
          datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+01:00") for r in rows),
      "time_normal is time_utc at +01:00")
check(rows[0]["data_quality_flags"] == "outage" and rows[0]["logger_status"] == "0x0000" and
      all(r["logger_status"] == "0x0000" and r["data_quality"] == "0x0000" for r in rows[1:]),
      "the first row: outage (a new meter); the others: no status")
check(all(re.fullmatch(r"\d+\.\d", r["32.25.0_V"]) and re.fullmatch(r"\d+\.\d\d", r["31.25.0_A"])
          and all(re.fullmatch(r"\d+", r[c]) for c in ("1.7.0_W", "2.7.0_W", "3.7.0_var",
                                                       "4.7.0_var")) for r in rows),
      "values in the unit with the scaler's decimals: V 0.1, A 0.01, W and var whole")
check(all(r["32.25.0_V"] == "230.0" for r in rows), "U-L1 mean 230.0 V in every interval")
# the instantaneous P and Q at a capture are the last mains cycle's before the period end: the
# model's powers in the second before it (1 W / 1 var of rounding)
ok = True
for k, r in enumerate(rows[:8]):  # 01:15 .. 03:00 local: the night model holds
    p, q = model(T0 + 900 * (k + 1) - 1)
    got = [int(r[c]) for c in ("1.7.0_W", "2.7.0_W", "3.7.0_var", "4.7.0_var")]
    want = [p, 0.0, max(q, 0.0), max(-q, 0.0)]
    if any(abs(g - w) > 1.0 for g, w in zip(got, want)):
        ok = False
        print(f"  {r['time_utc']}: {got}, model {[round(w, 1) for w in want]}")
check(ok, "rows 1..8: P+, P-, Q+, Q- are the model's at the period end (within 1 W, 1 var)")
# I mean x 230 V is the interval's mean S: at least its mean P (the load profile's energy in
# the interval x 4, Wh truncated), at most 1.5 times it (night loads: PF 0.79 and better)
lp = read_csv("lp1.csv", PROFILE + "a_plus_wh,a_minus_wh,r_plus_varh,r_minus_varh")
ok = True
for k in range(1, 24):
    p_mean = (int(lp[k]["a_plus_wh"]) - int(lp[k - 1]["a_plus_wh"])) * 4.0
    s_mean = float(rows[k]["31.25.0_A"]) * 230.0
    if not p_mean - 8.0 <= s_mean <= 1.5 * p_mean + 8.0:
        ok = False
        print(f"  {rows[k]['time_utc']}: U*I {s_mean:.1f} VA, P {p_mean:.0f} W")
check(ok, "rows 2..24: 230 V x I mean lies between the interval's mean P and 1.5 times it")
a = last_json("a.json")["nvm"]
check(a["an_sectors"] == 32 and a["an_entries"] == 24 and
      a["an_depth_min"] == a["an_capacity"] * 15 and a["an_depth_min"] >= 2.5 * 1440,
      f"JSON: an_sectors 32, an_entries 24, an_capacity {a['an_capacity']}, depth "
      f"{a['an_depth_min'] / 1440:.1f} days >= 2.5")
check(a["ev_sectors"] == 4 and a["ev_capacity"] >= 200 and
      a["ev_entries"] == {"standard": 2, "tamper": 0, "pq": 0, "disconnect": 0, "comm": 0} and
      set(a["ev_overflow"].values()) == {0},
      f"JSON: ev_sectors 4, ev_capacity {a['ev_capacity']} >= 200, two standard events, no "
      "overflow")
ev = read_csv("ev1.csv", EVENTS)
check([list(r.values()) for r in ev] ==
      [["standard", "1", "2026-01-01T00:00:00Z", "0x0011", "power_up", "0", "0x0000"],
       ["standard", "2", "2026-01-01T06:00:00Z", "0x0010", "power_down", "0", "0x0000"]],
      "events: the new meter's power_up at the start, the power_down at the end")

# ---- B: the restart an hour later ----
rows2 = read_csv("an2.csv", AN_DEFAULT)
check(len(rows2) == 28 and rows2[:24] == rows, "after the restart: the 24 rows, then 4 more")
check([utc(r["time_utc"]) for r in rows2[24:]] == [T0 + 900 * k for k in range(29, 33)],
      "07:15 .. 08:00 UTC")
check(rows2[24]["logger_status_flags"] == "discontinuity" and
      rows2[24]["data_quality_flags"] == "outage",
      "its first row: discontinuity (06:15..07:00 missing) and outage")
ev2 = read_csv("ev2.csv", EVENTS)
check([list(r.values()) for r in ev2] ==
      [["standard", "1", "2026-01-01T00:00:00Z", "0x0011", "power_up", "0", "0x0000"],
       ["standard", "2", "2026-01-01T06:00:00Z", "0x0010", "power_down", "0", "0x0000"],
       ["standard", "3", "2026-01-01T07:00:00Z", "0x0011", "power_up", "3600", "0x0000"],
       ["standard", "4", "2026-01-01T08:00:00Z", "0x0010", "power_down", "0", "0x0000"],
       # the hour off is an outage of the supply for the voltage quality logger (technical
       # facts 8.3: codes 4 and 5, no values; flags: phase L1)
       ["pq", "1", "2026-01-01T06:00:00Z", "0x0504", "vq_outage", "0", "0x0001"],
       ["pq", "2", "2026-01-01T07:00:00Z", "0x0505", "vq_restored", "0", "0x0001"]],
      "events: a second power_up at the restart, 3600 s off, each run's power_down; the "
      "outage in the PQ log")
b = last_json("b.json")
check(b["nvm"]["ev_entries"]["standard"] == 4 and b["nvm"]["an_entries"] == 28,
      "JSON: 4 standard events, 28 analysis entries")

# ---- C: other channels: the analysis logger starts again, the rest goes on ----
rows3 = read_csv("an3.csv", PROFILE + "32.25.0_V,31.25.0_A,21.25.0_W")
check(len(rows3) == 4 and [r["entry"] for r in rows3] == ["1", "2", "3", "4"] and
      rows3[0]["time_utc"] == "2026-01-01T08:15:00Z",
      "new channels: the logger holds only the 4 new rows, entries from 1, 08:15 .. 09:00")
check(rows3[0]["logger_status_flags"] == "reconfigured" and
      rows3[0]["data_quality_flags"] == "outage" and
      all(r["logger_status"] == "0x0000" for r in rows3[1:]),
      "its first row: reconfigured (and outage)")
lp2 = read_csv("lp2.csv", PROFILE + "a_plus_wh,a_minus_wh,r_plus_varh,r_minus_varh")
lp3 = read_csv("lp3.csv", PROFILE + "a_plus_wh,a_minus_wh,r_plus_varh,r_minus_varh")
check(len(lp3) == len(lp2) + 4 and lp3[:len(lp2)] == lp2 and
      lp3[len(lp2)]["logger_status"] == "0x0000",
      "the load profile goes on: its rows kept, 4 more, none reconfigured")
c = last_json("c.json")
check(c["power_ups"] == 3 and c["nvm"]["damaged_sectors"] == 0 and
      c["energy"]["a_plus_wh"] > b["energy"]["a_plus_wh"] and
      c["hours_with_supply"] == b["hours_with_supply"] + 1,
      "the registers go on (power-ups 3, A+ grows, one more hour)")
check(c["config"]["analysis_channels"] == ["32.25.0", "31.25.0", "21.25.0"] and
      c["config"]["analysis_period_min"] == 15, "JSON config: the channels and interval")
ev3 = read_csv("ev3.csv", EVENTS)
check([(r["log"], r["time_utc"], r["code"], r["name"], r["arg"])
       for r in ev3 if r["log"] == "standard"][4:] ==
      [("standard", "2026-01-01T08:00:00Z", "0x0330", "log_cleared", "17"),
       ("standard", "2026-01-01T08:00:00Z", "0x0011", "power_up", "0"),
       ("standard", "2026-01-01T09:00:00Z", "0x0010", "power_down", "0")],
      "events: the clear of the analysis logger (arg 17 = 0x11) and the third power_up, both "
      "at the start's time (08:00, the clock restored), the power_down an hour later")
rows4 = read_csv("an4.csv", PROFILE + "32.25.0_V,31.25.0_A,21.25.0_W")
check(len(rows4) == 6 and rows4[0]["logger_status_flags"] == "reconfigured|interval_changed" and
      [utc(r["time_utc"]) - utc(rows4[0]["time_utc"]) for r in rows4] ==
      [300 * k for k in range(6)],
      "another interval: started again at 5 min, reconfigured|interval_changed")

# ---- the interval means of a night at 5 min against the model ----
MEANS = PROFILE + ("21.25.0_W,23.25.0_var,24.25.0_var,29.25.0_VA,32.25.0_V,31.25.0_A,33.25.0,"
                   "14.25.0_Hz")
m = read_csv("means.csv", MEANS)
check(len(m) == 24 and [utc(r["time_utc"]) for r in m] == [T0 + 300 * k for k in range(1, 25)],
      "two hours at 5 min: 24 rows")
check(all(re.fullmatch(r"\d\.\d{3}", r["33.25.0"]) and r["14.25.0_Hz"] == "50.00" and
          r["32.25.0_V"] == "230.0" for r in m), "PF with 3 decimals, f 50.00 Hz, U 230.0 V")
ok = True
for k, r in enumerate(m):
    pq = [model(T0 + 300 * k + s) for s in range(300)]
    want = [sum(p for p, _ in pq) / 300, sum(max(q, 0) for _, q in pq) / 300,
            sum(max(-q, 0) for _, q in pq) / 300]
    got = [int(r["21.25.0_W"]), int(r["23.25.0_var"]), int(r["24.25.0_var"])]
    if any(abs(g - w) > 1.0 + 0.005 * w for g, w in zip(got, want)):
        ok = False
        print(f"  {r['time_utc']}: {got}, model {[round(w, 1) for w in want]}")
    if not int(r["21.25.0_W"]) - 1 <= int(r["29.25.0_VA"]) <= 1.5 * int(r["21.25.0_W"]):
        ok = False
        print(f"  {r['time_utc']}: S {r['29.25.0_VA']} VA, P {r['21.25.0_W']} W")
check(ok, "P+, Q+, Q- means are the model's over each interval (0.5 % + 1), S between P and 1.5 P")

o = last_json("old.json")
check(o["power_ups"] == 2 and o["nvm"]["lp_sectors"] == 56 and o["nvm"]["lp_entries"] == 4 and
      o["nvm"]["an_sectors"] == 0 and o["nvm"]["ev_sectors"] == 0 and
      o["nvm"]["journal_sectors"] == 7 and o["nvm"]["damaged_sectors"] == 0,
      "--nvm-size 294912 continues the file: its load profile, no analysis logger or events")
PYEOF
