#!/bin/sh
# Run every libFuzzer binary (fuzz_*) of a build for a while, each on a scratch copy of its seed
# corpus, so new inputs never land in the committed fuzz/corpus/. Exits non-zero if any target
# crashes, fails an OMP_FUZZ_CHECK, leaks, or times out; the crashing input is kept in
# <build-dir>/fuzz-artifacts/<name>/ (add it to fuzz/corpus/<name>/ once the bug is fixed).
#
# Usage: fuzz/run-all.sh <build-dir> <seconds-per-target> [extra libFuzzer flags...]
#   e.g. cmake --preset fuzz -B build/fuzz && cmake --build build/fuzz &&
#        fuzz/run-all.sh build/fuzz 60
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 <build-dir> <seconds-per-target> [libFuzzer flags...]" >&2
    exit 2
fi
build=$1
secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)

bins=$(find "$build" -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
if [ -z "$bins" ]; then
    echo "run-all: no fuzz_* binaries under $build (configure with the 'fuzz' preset)" >&2
    exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/omp-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
artifacts="$build/fuzz-artifacts"
failed=""

for bin in $bins; do
    name=${bin##*/fuzz_}
    seeds="$here/corpus/$name"
    work="$scratch/$name"
    mkdir -p "$work" "$artifacts/$name"
    if [ -d "$seeds" ]; then
        cp "$seeds"/* "$work"/ 2>/dev/null || true
    else
        echo "run-all: warning: no seed corpus $seeds" >&2
    fi
    dict=""
    if [ -f "$here/$name.dict" ]; then
        dict="-dict=$here/$name.dict"
    fi
    echo "=== fuzz_$name for ${secs}s ($(ls "$work" | wc -l) seeds)"
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$name/" $dict "$@" "$work" >"$scratch/$name.log" 2>&1
    rc=$?
    tail -n 12 "$scratch/$name.log"
    if [ $rc -ne 0 ]; then
        echo "=== fuzz_$name FAILED (exit $rc); artifacts in $artifacts/$name/" >&2
        grep -E 'ERROR|OMP_FUZZ_CHECK|SUMMARY' "$scratch/$name.log" | head -n 20 >&2
        failed="$failed $name"
    fi
done

if [ -n "$failed" ]; then
    echo "run-all: failing targets:$failed" >&2
    exit 1
fi
echo "run-all: all targets passed"
