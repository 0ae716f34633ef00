#!/usr/bin/env bash
# Code and data size of libomnipower for the target: text/data/bss in bytes (Berkeley format of
# binutils size) for every object of libomnipower.a, their total, and the STM32 self-test image.
#
#   bench/size-report.sh <arm-build-dir>      e.g. bench/size-report.sh build/arm
#
# Output: plain whitespace-separated numbers, one row per item, easy to diff or parse:
#   text data bss total name
# "flash" of the image = text + data (the .data load image); "ram" = data + bss (+ the stack).
# The SIZE environment variable selects the size tool (default arm-none-eabi-size).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 <arm-build-dir>" >&2
    exit 2
fi
build=$1
size_tool=${SIZE:-arm-none-eabi-size}
lib="$build/lib/libomnipower.a"
hal="$build/hal/libomnipower_hal.a"
image="$build/ports/stm32/omnipower-stm32-selftest.elf"

for f in "$lib" "$image"; do
    if [ ! -f "$f" ]; then
        echo "size-report: $f not found (build the arm preset first)" >&2
        exit 1
    fi
done

# Berkeley rows "text data bss dec hex name"; archive members are "name (ex archive)".
table() {
    "$size_tool" -B -t "$1" | awk -v prefix="$2" 'NR > 1 {
        name = $6
        if ($6 == "(TOTALS)") name = prefix "TOTAL"
        else name = prefix name
        printf "%8d %8d %8d %8d  %s\n", $1, $2, $3, $1 + $2 + $3, name
    }'
}

printf '%8s %8s %8s %8s  %s\n' text data bss total name
echo "# libomnipower.a ($lib)"
table "$lib" "libomnipower.a:"
if [ -f "$hal" ]; then
    echo "# libomnipower_hal.a (fakes; only the RAM NVM is linked into the image)"
    table "$hal" "libomnipower_hal.a:"
fi
echo "# image ($image)"
"$size_tool" -B "$image" | awk 'NR > 1 {
    printf "%8d %8d %8d %8d  %s\n", $1, $2, $3, $1 + $2 + $3, "omnipower-stm32-selftest.elf"
    printf "# image flash (text+data) = %d bytes, static RAM (data+bss) = %d bytes\n", $1 + $2, $2 + $3
}'
