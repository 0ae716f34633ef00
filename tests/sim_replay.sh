#!/bin/sh
# omnipower-sim --samples: replay recorded samples end to end. python3 writes raw little-endian
# int32 (voltage, current) code pairs of known sines; the simulator runs the meter on them until
# they end; the JSON's energy registers must match the analytic values U*I*cos(phi)*t (active),
# U*I*sin(phi)*t (reactive), U*I*t (apparent) within 0.1 %, in the right registers. Energy is
# conserved: recordings of a fractional number of cycles, starting at any phase, hold their energy
# within 0.01 % plus one sample (the partial cycles at both ends count; the truth is the integral
# of u*i over the samples' periods, [-1/2, N - 1/2] / fs, in closed form).
# Usage: sim_replay.sh PATH/TO/omnipower-sim     (needs python3, or $PYTHON3)
set -eu
sim=$1
py=${PYTHON3:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# write_sine FILE FS SECONDS URMS IRMS PHI_DEG VOLTS_PER_CODE AMPS_PER_CODE [START_RAD]
write_sine() {
    "$py" - "$@" <<'PYEOF'
import array, math, sys
path, fs, secs, u, i, phi, vpc, apc = sys.argv[1:9]
th0 = float(sys.argv[9]) if len(sys.argv) > 9 else 0.1
fs, secs = int(fs), float(secs)
u, i, phi, vpc, apc = float(u), float(i), math.radians(float(phi)), float(vpc), float(apc)
n = int(round(fs * secs))
vp, ip = u * math.sqrt(2) / vpc, i * math.sqrt(2) / apc
w = 2 * math.pi * 50.0 / fs
a = array.array("i", [0]) * (2 * n)
for k in range(n):
    a[2 * k] = int(round(vp * math.sin(w * k + th0)))
    a[2 * k + 1] = int(round(ip * math.sin(w * k + th0 - phi)))
if sys.byteorder != "little":
    a.byteswap()
with open(path, "wb") as f:
    a.tofile(f)
PYEOF
}

# 1: 230 V, 10 A, PF 0.5 lagging (Q1), 60 s at 8000 Hz, gains other than the default front end's
write_sine "$tmp/q1.bin" 8000 60 230 10 60 1e-4 2e-6
"$sim" --samples "$tmp/q1.bin" --fs 8000 --volts-per-code 1e-4 --amps-per-code 2e-6 \
    --start 2026-01-01T00:00:00Z --json --quiet >"$tmp/q1.json"
# 2: 230 V, 5 A, current at 210 deg (Q3: export, capacitive), 60 s at 4000 Hz, default gains
write_sine "$tmp/q3.bin" 4000 60 230 5 210 0.00007152557373046875 0.00001430511474609375
printf 'xyz' >>"$tmp/q3.bin" # a torn last pair is ignored with a warning
"$sim" --samples "$tmp/q3.bin" --fs 4000 --start 2026-01-01T00:00:00Z --json --quiet \
    >"$tmp/q3.json" 2>"$tmp/q3.err"
grep -q 'trailing bytes' "$tmp/q3.err" || { echo "FAIL: no warning for trailing bytes"; exit 1; }
# 3, 4: conservation: 30 s plus 0.62 cycle, starting at 250 deg, 230 V, 10 A, PF 0.5L, 8 and 4 kHz
for fs in 8000 4000; do
    write_sine "$tmp/c$fs.bin" $fs 30.0124 230 10 60 0.00007152557373046875 0.00001430511474609375 4.3633231
    "$sim" --samples "$tmp/c$fs.bin" --fs $fs --start 2026-01-01T00:00:00Z --json --quiet \
        >"$tmp/c$fs.json"
done
# a missing file is a runtime error
if "$sim" --samples "$tmp/none.bin" --json --quiet >/dev/null 2>&1; then
    echo "FAIL: missing --samples file accepted"; exit 1
fi

"$py" - "$tmp" <<'PYEOF'
import json, math, sys
tmp = sys.argv[1]
def load(name):
    with open(f"{tmp}/{name}") as f:
        lines = f.read().splitlines()
    assert len(lines) == 1, f"{name}: want one JSON line with --quiet, got {len(lines)}"
    return json.loads(lines[0])
def check(cond, msg):
    if not cond:
        print("FAIL:", msg); sys.exit(1)
    print("ok:", msg)
def near(got, want, rel, what, abs_tol=0.0):
    check(abs(got - want) <= rel * abs(want) + abs_tol,
          f"{what}: {got} vs {want:.6f} ({(got - want) / want * 100 if want else 0:+.4f} %)")

names = ("a_plus_wh", "a_minus_wh", "r_plus_varh", "r_minus_varh", "e_plus_vah", "e_minus_vah",
         "r1_varh", "r2_varh", "r3_varh", "r4_varh")
for case, u, i, phi, t in (("q1", 230.0, 10.0, 60.0, 60.0), ("q3", 230.0, 5.0, 210.0, 60.0)):
    r = load(f"{case}.json")
    e = r["energy"]
    for k in names:
        check(isinstance(e.get(k), float), f"{case}: energy.{k} is a number")
    p = u * i * math.cos(math.radians(phi)) * t / 3600.0
    q = u * i * math.sin(math.radians(phi)) * t / 3600.0
    s = u * i * t / 3600.0
    zero = 0.001  # registers that must stay (about) empty, Wh
    near(e["a_plus_wh"], max(p, 0.0), 0.001, f"{case}: A+", zero)
    near(e["a_minus_wh"], max(-p, 0.0), 0.001, f"{case}: A-", zero)
    near(e["r_plus_varh"], max(q, 0.0), 0.001, f"{case}: R+", zero)
    near(e["r_minus_varh"], max(-q, 0.0), 0.001, f"{case}: R-", zero)
    near(e["e_plus_vah"], s if p > 0 else 0.0, 0.001, f"{case}: E+", zero)
    near(e["e_minus_vah"], s if p < 0 else 0.0, 0.001, f"{case}: E-", zero)
    quad = 1 if (q > 0 and p > 0) else 2 if q > 0 else 3 if p < 0 else 4
    for n in range(1, 5):
        near(e[f"r{n}_varh"], abs(q) if n == quad else 0.0, 0.001, f"{case}: R{n}", zero)
    ins = r["instant"]
    near(ins["urms_v"], u, 0.001, f"{case}: instant Urms")
    near(ins["irms_a"], i, 0.001, f"{case}: instant Irms")
    near(ins["p_w"], u * i * math.cos(math.radians(phi)), 0.001, f"{case}: instant P")
    near(ins["q_var"], u * i * math.sin(math.radians(phi)), 0.001, f"{case}: instant Q")
    near(ins["s_va"], u * i, 0.001, f"{case}: instant S")
    near(ins["pf"], math.cos(math.radians(phi)), 0.001, f"{case}: instant PF")
    near(ins["f_hz"], 50.0, 0.0001, f"{case}: instant f")
    check(ins["quadrant"] == quad, f"{case}: quadrant {ins['quadrant']}")
    pulses = r["pulses"]
    check(abs(pulses["active"] - abs(p)) <= 1.0, f"{case}: active pulses {pulses['active']} ~ {abs(p):.2f}")
    check(abs(pulses["reactive"] - abs(q)) <= 1.0, f"{case}: reactive pulses {pulses['reactive']} ~ {abs(q):.2f}")
    check(r["sim"]["source"] == "samples", f"{case}: source")
    check(r["sim"]["run_s"] == t, f"{case}: ran {r['sim']['run_s']} s of samples")
    check(r["utc_s"] == 1767225600 + int(t), f"{case}: clock advanced by the samples")
    check(r["sim"]["load_w"] is None, f"{case}: no load model")
    # the old top-level members stay and agree
    check(abs(r["a_plus_wh"] - e["a_plus_wh"]) < 0.001, f"{case}: a_plus_wh top-level")
r = load("q3.json")
check(r["sim"]["fs_hz"] == 4000 and r["sim"]["samples"] == 240000, "q3: 240000 pairs at 4000 Hz")

# conservation: A+ - A-, R+ - R-, E+ against the recording's energy within 0.01 % + one sample
u, i, phi, th0, w = 230.0, 10.0, math.radians(60.0), 4.3633231, 2 * math.pi * 50.0
for fs in (8000, 4000):
    r = load(f"c{fs}.json")
    e = r["energy"]
    n = round(fs * 30.0124)
    ta, tb = -0.5 / fs, (n - 0.5) / fs
    # u i = U I (cos phi - cos(2 w t + 2 th0 - phi))
    p = u * i * (math.cos(phi) * (tb - ta) - (math.sin(2 * w * tb + 2 * th0 - phi)
                 - math.sin(2 * w * ta + 2 * th0 - phi)) / (2 * w)) / 3600.0
    q = u * i * math.sin(phi) * (tb - ta) / 3600.0
    s = u * i * (tb - ta) / 3600.0
    one = 2 * u * i / fs / 3600.0  # one sample at the largest instantaneous power, Wh
    near(e["a_plus_wh"] - e["a_minus_wh"], p, 0.0001, f"c{fs}: A+ - A- conserved", one)
    near(e["r_plus_varh"] - e["r_minus_varh"], q, 0.0001, f"c{fs}: R+ - R- conserved", one)
    near(e["e_plus_vah"], s, 0.0001, f"c{fs}: E+ conserved", one)
PYEOF
