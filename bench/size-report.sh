#!/usr/bin/env bash
# Code and data size of libomnipower for the target: text/data/bss in bytes (Berkeley format of
# binutils size) for every object of libomnipower.a, the sums per module (lib/<module>/), their
# total, and the STM32 self-test image.
#
#   bench/size-report.sh <arm-build-dir>                 e.g. bench/size-report.sh build/arm
#   bench/size-report.sh --compare <arm-build> <other>   per-module totals of two builds and the
#                                                        difference, e.g. build/arm build/arm-minimal
#   bench/size-report.sh --server-stack <arm-build>      flash of the DLMS server stack (issue #14:
#                                                        target 28 KiB) as linked (bench/server_size.py,
#                                                        the maps of omnipower-stm32-dlms-server*.elf),
#                                                        RAM per association and per port, then the
#                                                        whole-object sum (an upper bound)
#
# Output: plain whitespace-separated numbers, one row per item, easy to diff or parse:
#   text data bss total name                  (objects: libomnipower.a:<file>.c.obj,
#                                              modules: module:<module>)
#   total-a total-b b-minus-a name            (--compare)
# "flash" of the image = text + data (the .data load image); "ram" = data + bss (+ the stack).
# The image is reported when the build has one (a library-only build, e.g. of a configuration
# profile, has none). The SIZE environment variable selects the size tool (default
# arm-none-eabi-size).
set -euo pipefail

usage() {
    echo "usage: $0 <arm-build-dir> | $0 --compare <arm-build-dir> <other-arm-build-dir>" \
         "| $0 --server-stack <arm-build-dir>" >&2
    exit 2
}
size_tool=${SIZE:-arm-none-eabi-size}

need_lib() {
    if [ ! -f "$1/lib/libomnipower.a" ]; then
        echo "size-report: $1/lib/libomnipower.a not found (build the arm preset first)" >&2
        exit 1
    fi
}

# Berkeley rows "text data bss dec hex name"; archive members are "name (ex archive)".
table() {
    "$size_tool" -B -t "$1" | awk -v prefix="$2" 'NR > 1 {
        name = $6
        if ($6 == "(TOTALS)") name = prefix "TOTAL"
        else name = prefix name
        printf "%8d %8d %8d %8d  %s\n", $1, $2, $3, $1 + $2 + $3, name
    }'
}

# "<object> <module>" for every object of the library, from the object paths of the build tree
# (CMakeFiles/omnipower.dir/<module>/<file>.c.obj mirrors lib/<module>/<file>.c).
object_modules() {
    local dir="$1/lib/CMakeFiles/omnipower.dir"
    find "$dir" -name '*.c.obj' | sed "s|^$dir/||" | awk -F/ '{ print $NF, $1 }'
}

# Per-module sums of the library's objects: "text data bss total module:<name>", modules in the
# order of their first object in the archive (the order of lib/CMakeLists.txt), then TOTAL.
modules() {
    local lib="$1/lib/libomnipower.a"
    "$size_tool" -B "$lib" | awk -v map=<(object_modules "$1") '
    BEGIN { while ((getline line < map) > 0) { split(line, f, " "); mod[f[1]] = f[2] } }
    NR > 1 {
        m = ($6 in mod) ? mod[$6] : "unknown"
        if (!(m in seen)) { seen[m] = 1; order[++n] = m }
        t[m] += $1; d[m] += $2; b[m] += $3
        T += $1; D += $2; B += $3
    }
    END {
        for (i = 1; i <= n; i++) {
            m = order[i]
            printf "%8d %8d %8d %8d  module:%s\n", t[m], d[m], b[m], t[m] + d[m] + b[m], m
        }
        printf "%8d %8d %8d %8d  module:TOTAL\n", T, D, B, T + D + B
    }'
}

# The DLMS server stack as a meter links it (issue #14): lib/cosem/dlms_*.c, lib/apdu without the
# client helpers (apdu_client.c) and the ciphering envelope (apdu_cipher.c; AES is the HAL's),
# lib/axdr, lib/hdlc, lib/wrapper. Flash = text + data of the objects (Berkeley "text" includes
# .rodata); the core functions they call (lib/core: reader/writer, CRC, time) are not counted.
server_stack() {
    local lib="$1/lib/libomnipower.a"
    local rows
    if [ -f "$1/ports/stm32/omnipower-stm32-dlms-server.map" ]; then
        NM=${NM:-arm-none-eabi-nm} python3 "$(dirname "$0")/server_size.py" "$1"
        echo "# whole objects (text+data of every object, dead sections included: an upper bound)"
    else
        echo "# no ports/stm32/omnipower-stm32-dlms-server.map in $1: whole objects only" \
             "(cmake --build --preset arm builds the linked images)"
    fi
    rows=$("$size_tool" -B "$lib" | awk -v map=<(object_modules "$1") '
    BEGIN { while ((getline line < map) > 0) { split(line, f, " "); mod[f[1]] = f[2] } }
    NR > 1 {
        m = mod[$6]; o = $6
        keep = (m == "cosem" && o ~ /^dlms_/) || (m == "apdu" && o !~ /^apdu_(client|cipher)\./) ||
               m == "axdr" || m == "hdlc" || m == "wrapper"
        if (keep || m == "apdu" || m == "cosem") {
            printf "%d %8d %8d %8d %8d  %s/%s\n", keep, $1, $2, $3, $1 + $2, m, o
        }
    }')
    echo "# DLMS server stack ($lib), largest first: text data bss flash(text+data) object"
    awk '$1 == 1' <<<"$rows" | sort -k5,5nr | cut -d' ' -f2-
    awk '$1 == 1 { t += $2; d += $3; b += $4 }
         END { printf "%8d %8d %8d %8d  TOTAL server stack, whole objects: %.1f KiB (target <= 28 KiB: %s)\n",
                      t, d, b, t + d, (t + d) / 1024, (t + d <= 28 * 1024) ? "met" : "NOT met" }' <<<"$rows"
    echo "# not counted: client helpers, ciphering envelope, the dictionary and the other cosem objects"
    awk '$1 == 0' <<<"$rows" | sort -k5,5nr | cut -d' ' -f2-
}

if [ "${1:-}" = "--server-stack" ]; then
    [ $# -eq 2 ] || usage
    need_lib "$2"
    server_stack "$2"
    exit 0
fi

if [ "${1:-}" = "--compare" ]; then
    [ $# -eq 3 ] || usage
    need_lib "$2"
    need_lib "$3"
    echo "# libomnipower.a per module: total bytes (text+data+bss) of $2, of $3, and $3 minus $2"
    # modules in the order of the first build, then those only the second has; TOTAL last
    awk 'FNR == 1 { file++ }
         { name = substr($5, 8); if (!(name in seen)) { seen[name] = 1; order[++n] = name }
           size[file, name] = $4 }
         END { for (i = 1; i <= n; i++) {
                   m = order[i]
                   if (m == "TOTAL") continue
                   printf "%8d %8d %8d  module:%s\n", size[1, m], size[2, m], size[2, m] - size[1, m], m
               }
               printf "%8d %8d %8d  module:TOTAL\n", size[1, "TOTAL"], size[2, "TOTAL"],
                      size[2, "TOTAL"] - size[1, "TOTAL"] }' <(modules "$2") <(modules "$3")
    exit 0
fi

[ $# -eq 1 ] || usage
build=$1
need_lib "$build"
lib="$build/lib/libomnipower.a"
hal="$build/hal/libomnipower_hal.a"
image="$build/ports/stm32/omnipower-stm32-selftest.elf"

printf '%8s %8s %8s %8s  %s\n' text data bss total name
echo "# libomnipower.a ($lib)"
table "$lib" "libomnipower.a:"
echo "# libomnipower.a per module (lib/<module>/)"
modules "$build"
if [ -f "$hal" ]; then
    echo "# libomnipower_hal.a (fakes; only the RAM NVM is linked into the image)"
    table "$hal" "libomnipower_hal.a:"
fi
if [ -f "$image" ]; then
    echo "# image ($image)"
    "$size_tool" -B "$image" | awk 'NR > 1 {
        printf "%8d %8d %8d %8d  %s\n", $1, $2, $3, $1 + $2 + $3, "omnipower-stm32-selftest.elf"
        printf "# image flash (text+data) = %d bytes, static RAM (data+bss) = %d bytes\n", $1 + $2, $2 + $3
    }'
fi
