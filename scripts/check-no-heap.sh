#!/usr/bin/env bash
# Fail if any given static library references (or defines) malloc, calloc, realloc or free.
# Usage: scripts/check-no-heap.sh LIB.a...   (host libraries use nm, arm ones arm-none-eabi-nm)
set -euo pipefail
status=0
for lib in "$@"; do
    nm=nm
    if arm-none-eabi-objdump -f "$lib" 2>/dev/null | grep -q 'elf32-littlearm'; then
        nm=arm-none-eabi-nm
    fi
    hits=$("$nm" -A "$lib" 2>/dev/null | grep -E ' [UTW] _*(malloc|calloc|realloc|free)(@.*)?$' || true)
    if [ -n "$hits" ]; then
        echo "heap symbols in $lib:"; echo "$hits"; status=1
    else
        echo "no heap symbols in $lib ($nm: $("$nm" -u "$lib" | grep -c ' U ' || true) undefined references checked)"
    fi
done
exit $status
