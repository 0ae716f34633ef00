#!/usr/bin/env bash
# Install a build tree into a temporary prefix and build the out-of-tree consumer example against
# it twice: with find_package(omnipower) (CMake package config) and with pkg-config. A default
# install must not contain the test fakes (omnipower_hal); then the install component test_fakes
# is added and the consumer's port test (consumer_fakes) is built against
# find_package(omnipower COMPONENTS test_fakes).
# Usage: scripts/check-install.sh BUILD_DIR
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
echo "installed:"; (cd "$work/prefix" && find . -type f | sort | sed 's/^/  /')
if (cd "$work/prefix" && find . -type f | grep -E 'hal_fakes|hal_wavegen|omnipower_hal|TestFakes'); then
    echo "install check: the default install contains the test fakes (component test_fakes)" >&2
    exit 1
fi

cmake -S "$src/examples/consumer" -B "$work/cmake-build" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer"

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags omnipower) \
   "$src/examples/consumer/consumer.c" $(pkg-config --libs omnipower) -o "$work/consumer-pc"
"$work/consumer-pc"

# the test fakes, on request only
(cd "$work/prefix" && find . -type f | sort) > "$work/before"
cmake --install "$build" --prefix "$work/prefix" --component test_fakes >/dev/null
echo "installed by --component test_fakes:"
(cd "$work/prefix" && find . -type f | sort) | comm -13 "$work/before" - | sed 's/^/  /'
cmake -S "$src/examples/consumer" -B "$work/cmake-build-fakes" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCONSUMER_TEST_FAKES=ON >/dev/null
cmake --build "$work/cmake-build-fakes" >/dev/null
"$work/cmake-build-fakes/consumer_fakes"
echo "install check: find_package and pkg-config consumers built and ran; the test fakes only on request"
