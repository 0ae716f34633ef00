#!/usr/bin/env bash
# Print the project's benchmark numbers (never pass/fail on them):
#  - host instructions per unit of work, counted by valgrind's callgrind (deterministic);
#  - static RAM of the contexts.
# Usage: bench/run.sh BUILD_DIR  (a host build with benchmarks, e.g. build/release)
# The arm size report is `cmake --build --preset arm --target size-report`.
set -euo pipefail
build=$1
bin=$build/bench/bench_core
n=200
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%-24s %14s  %s\n' "case" "instructions" "per"
"$bin" list | while read -r name per unit; do
    valgrind --tool=callgrind --toggle-collect=bench_measured --callgrind-out-file="$tmp/$name.out" \
        "$bin" "$name" "$n" >/dev/null 2>&1
    ir=$(grep -E '^(summary|totals):' "$tmp/$name.out" | head -1 | awk '{print $2}')
    awk -v ir="$ir" -v n="$n" -v per="$per" -v name="$name" -v unit="$unit" \
        'BEGIN { printf "%-24s %14.2f  %s\n", name, ir / (n * per), unit }'
done
"$bin" sizes | awk '{ printf "%-24s %14d  bytes of RAM\n", $1 " " $2, $3 }'
