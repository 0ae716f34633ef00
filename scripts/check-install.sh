#!/usr/bin/env bash
# Install a build tree into a temporary prefix and build the out-of-tree consumer example against
# it twice: with find_package(omnipower) (CMake package config) and with pkg-config.
# Usage: scripts/check-install.sh BUILD_DIR
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
echo "installed:"; (cd "$work/prefix" && find . -type f | sort | sed 's/^/  /')

cmake -S "$src/examples/consumer" -B "$work/cmake-build" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer"

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags omnipower) \
   "$src/examples/consumer/consumer.c" $(pkg-config --libs omnipower) -o "$work/consumer-pc"
"$work/consumer-pc"
echo "install check: find_package and pkg-config consumers built and ran"
