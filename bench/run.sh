#!/usr/bin/env bash
# Print the project's benchmark numbers (never pass/fail on them):
#  - host instructions per unit of work, counted by valgrind's callgrind (deterministic);
#  - the metrology engine per sample pair and per cycle end (by difference), against C1;
#  - the power-quality engine (bench_pq): per sample pair, per 10-cycle window, RAM (C2, C3);
#  - static RAM of the contexts, against C3;
#  - NVM endurance of the register journal at Imax (years until the most-erased sector wears out);
#  - the packed log as the load profile (bench_plog): bytes per entry, NVM for the data sheet's
#    depths, and a 1-day read (host instructions per entry by callgrind, entries/s wall clock);
#  - DLMS decoding (host instructions by callgrind, issue #14 targets): a 1-day load-profile
#    GET-response decoded and walked to every value, the Norwegian 3-phase HAN frame;
#  - GET requests through the whole DLMS server stack (wrapper, association, object, response):
#    host instructions per request (callgrind) and requests/s (wall clock), server RAM; the
#    1100-day load-profile read by range (host instructions per read and per row);
#  - DLMS codec throughput (MB/s, APDUs/s; wall clock, so only indicative);
#  - the test-bench waveform generator's speed (M pairs/s; wall clock);
#  - with an arm build dir: the Cortex-M4 instruction counts from qemu -icount (targets qemu-bench,
#    qemu-bench-plog and qemu-bench-dlms), and the DLMS server stack's flash
#    (bench/size-report.sh --server-stack).
# Usage: bench/run.sh BUILD_DIR [ARM_BUILD_DIR]
#   BUILD_DIR      a host build with benchmarks, e.g. build/release (optimised numbers)
#   ARM_BUILD_DIR  a build of the "arm" preset, e.g. build/arm (needs qemu-system-arm)
# The arm size report is `cmake --build --preset arm --target size-report`.
# Not run here (minutes, not numbers of speed): bench_power_cuts [CUTS [SEED]], power cuts over the
# whole meter; how to run it and its figures are in docs/storage.md "Testing".
set -euo pipefail
build=$1
arm=${2:-}
bin=$build/bench/bench_core
n=200
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# callgrind NAME N -> prints the instruction count; leaves the program's stdout in $tmp/NAME.stdout
callgrind() {
    valgrind --tool=callgrind --toggle-collect='bench_measured*' \
        --callgrind-out-file="$tmp/$1.out" "$bin" "$1" "$2" >"$tmp/$1.stdout" 2>/dev/null
    grep -E '^(summary|totals):' "$tmp/$1.out" | head -1 | awk '{print $2}'
}

echo "host ($build), instructions counted by callgrind:"
printf '%-24s %14s  %s\n' "case" "instructions" "per"
plain_rate=
"$bin" list | while read -r name per unit; do
    if [ "$per" -eq 0 ]; then
        continue # the split metrology cases: below
    fi
    ir=$(callgrind "$name" "$n")
    awk -v ir="$ir" -v n="$n" -v per="$per" -v name="$name" -v unit="$unit" \
        'BEGIN { printf "%-24s %14.2f  %s\n", name, ir / (n * per), unit }'
done

# metrology per sample pair (blocks without a cycle end) and per cycle end (by difference)
passes=4
ir_plain=$(callgrind metro_samples_plain "$passes")
units_plain=$(awk '$1 == "units" { print $2 }' "$tmp/metro_samples_plain.stdout")
ir_cyc=$(callgrind metro_cycle_blocks "$passes")
units_cyc=$(awk '$1 == "units" { print $2 }' "$tmp/metro_cycle_blocks.stdout")
pairs_cyc=$(awk '$1 == "pairs" { print $2 }' "$tmp/metro_cycle_blocks.stdout")
awk -v ip="$ir_plain" -v up="$units_plain" -v ic="$ir_cyc" -v uc="$units_cyc" -v pc="$pairs_cyc" '
BEGIN {
    per_pair = ip / up
    per_cycle = (ic - pc * per_pair) / uc
    printf "%-24s %14.2f  sample pair (blocks of 32 without a cycle end; C1: <= 300 cycles on M4F)\n", "metro_samples_plain", per_pair
    printf "%-24s %14.2f  cycle end (by difference, %d cycles)\n", "metro_cycle_end", per_cycle, uc
    printf "%-24s %14.2f  sample pair at 8000 Hz, 50 Hz (per_pair + per_cycle / 160)\n", "metro_mean_8k", per_pair + per_cycle / 160
}'

"$bin" sizes | awk '{
    note = ($2 == "omp_metro)") ? "  (C3: metrology <= 1024 bytes per phase)" : ""
    printf "%-24s %14d  bytes of RAM%s\n", $1 " " $2, $3, note }'

# power quality (issue #15): per sample pair (the ISR part), per 10-cycle window (the rest), RAM
pq_ir() { # CASE N -> instructions inside bench_measured_pq*; units in $tmp/pq_CASE.stdout
    valgrind --tool=callgrind --toggle-collect='bench_measured*' \
        --callgrind-out-file="$tmp/pq_$1.out" "$build/bench/bench_pq" "$1" "$2" >"$tmp/pq_$1.stdout" 2>/dev/null
    grep -E '^(summary|totals):' "$tmp/pq_$1.out" | head -1 | awk '{print $2}'
}
ir_ps=$(pq_ir pq_samples_8k 20)
u_ps=$(awk '$1 == "units" { print $2 }' "$tmp/pq_pq_samples_8k.stdout")
ir_w8=$(pq_ir pq_window_8k 20)
c_w8=$(awk '$1 == "cycles" { print $2 }' "$tmp/pq_pq_window_8k.stdout")
ir_w4=$(pq_ir pq_window_4k 20)
c_w4=$(awk '$1 == "cycles" { print $2 }' "$tmp/pq_pq_window_4k.stdout")
awk -v a="$ir_ps" -v ua="$u_ps" -v b="$ir_w8" -v cb="$c_w8" -v c="$ir_w4" -v cc="$c_w4" 'BEGIN {
    printf "%-24s %14.2f  sample pair (omp_pq_on_samples: the ISR part)\n", "pq_samples_8k", a / ua
    printf "%-24s %14.0f  10-cycle window at 8000 Hz, h 2..40 (C2: <= 0.5 M on the M4)\n", "pq_window_8k", 10 * b / cb
    printf "%-24s %14.0f  10-cycle window at 4000 Hz, h 2..39\n", "pq_window_4k", 10 * c / cc
    printf "%-24s %14.2f  sample pair at 8000 Hz, ISR part + window / 1600\n", "pq_mean_8k", a / ua + b / cb / 160
}'
"$build/bench/bench_pq" sizes | awk '{
    note = ($2 == "omp_pq)") ? "  (C3: PQ <= 4096 bytes per phase)" : ""
    printf "%-24s %14d  bytes of RAM%s\n", $1 " " $2, $3, note }'

# the packed log's 1-day read (bench_plog read/seek N: N reads or seeks, the 30 days in turn);
# per entry of the read, per seek, and per entry without the seek (by difference)
plog_n=60
plog_ir() {
    valgrind --tool=callgrind --toggle-collect='bench_measured*' \
        --callgrind-out-file="$tmp/plog_$1.out" "$build/bench/bench_plog" "$1" "$plog_n" \
        >/dev/null 2>&1
    grep -E '^(summary|totals):' "$tmp/plog_$1.out" | head -1 | awk '{print $2}'
}
ir_read=$(plog_ir read)
ir_seek=$(plog_ir seek)
awk -v r="$ir_read" -v s="$ir_seek" -v n="$plog_n" 'BEGIN {
    printf "%-24s %14.2f  entry (1-day range: seek + 96 x omp_plog_next, 4 counters, 15 min)\n", "plog_read_1day", r / (n * 96)
    printf "%-24s %14.2f  seek (%.0f %% of the read)\n", "plog_seek", s / n, 100 * s / r
    printf "%-24s %14.2f  entry (omp_plog_next, by difference)\n", "plog_next", (r - s) / (n * 96)
}'

echo
"$build/bench/bench_endurance" 2

echo
"$build/bench/bench_plog" 0.5

# DLMS: decode + walk (bench_dlms CASE N) and GET through the server stack (bench_dlms_stack)
count_ir() { # PROGRAM CASE N -> instructions inside bench_measured*
    valgrind --tool=callgrind --toggle-collect='bench_measured*' \
        --callgrind-out-file="$tmp/$2.out" "$build/bench/$1" "$2" "$3" >"$tmp/$2.stdout" 2>/dev/null
    grep -E '^(summary|totals):' "$tmp/$2.out" | head -1 | awk '{print $2}'
}
echo
echo "DLMS, host instructions counted by callgrind (issue #14 targets):"
dlms_n=20
"$build/bench/bench_dlms" list | while read -r name per unit; do
    ir=$(count_ir bench_dlms "$name" "$dlms_n")
    awk -v ir="$ir" -v n="$dlms_n" -v name="$name" -v unit="$unit" \
        'BEGIN { printf "%-24s %14.0f  per %s\n", name, ir / n, unit }'
done
"$build/bench/bench_dlms_stack" list | while read -r name per unit; do
    ir=$(count_ir bench_dlms_stack "$name" "$dlms_n")
    awk -v ir="$ir" -v n="$dlms_n" -v name="$name" -v unit="$unit" \
        'BEGIN { printf "%-24s %14.0f  per request: %s\n", name, ir / n, unit }'
done
awk '$1 == "rows" { r = $2 } $1 == "blocks" { b = $2 } END { printf "%-24s %14s  (%d rows in %d blocks)\n", "", "", r, b }' \
    "$tmp/get_profile_day.stdout"
# the 1100-day read (one read: about 0.44 G instructions, some seconds under callgrind)
ir=$(count_ir bench_dlms_stack get_profile_1100d 1)
awk -v ir="$ir" '$1 == "rows" { r = $2 } $1 == "blocks" { b = $2 } END {
    printf "%-24s %14.0f  per request: GET load profile by range, 1100 days (%d rows in %d blocks)\n", "get_profile_1100d", ir, r, b
    printf "%-24s %14.0f  per row\n", "", ir / r }' "$tmp/get_profile_1100d.stdout"
"$build/bench/bench_dlms_stack" rate 0.5
"$build/bench/bench_dlms_stack" sizes | awk '{ v = $NF; $NF = ""; printf "%-56s %8d bytes of RAM\n", $0, v }'

echo
"$build/bench/bench_dlms" 0.5

echo
"$build/bench/bench_wavegen" 0.5

if [ -n "$arm" ]; then
    echo
    echo "Cortex-M4F ($arm), qemu netduinoplus2 -icount shift=0 (instructions, the C1 proxy):"
    cmake --build "$arm" --target qemu-bench 2>&1 | grep -E '^omnipower-stm32-bench:' || {
        echo "qemu-bench failed (cmake --build $arm --target qemu-bench)"; exit 1; }
    cmake --build "$arm" --target qemu-bench-plog 2>&1 | grep -E '^omnipower-stm32-bench-plog:' || {
        echo "qemu-bench-plog failed (cmake --build $arm --target qemu-bench-plog)"; exit 1; }
    cmake --build "$arm" --target qemu-bench-dlms 2>&1 | grep -E '^omnipower-stm32-bench-dlms:' || {
        echo "qemu-bench-dlms failed (cmake --build $arm --target qemu-bench-dlms)"; exit 1; }
    echo
    "$(dirname "$0")/size-report.sh" --server-stack "$arm"
fi
