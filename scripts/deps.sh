#!/usr/bin/env bash
# Ensure Debian packages are installed. Sourced by the quick-start scripts.
#   omp_need_packages PKG...   installs what is missing when run as root (apt-get), otherwise prints
#                              the apt-get command to run and exits 1.
# Package sets used by the scripts:
OMP_PKGS_BUILD=(cmake ninja-build gcc libc6-dev pkg-config python3 libmbedtls-dev)
OMP_PKGS_TEST=(libcmocka-dev)
OMP_PKGS_CI=(clang libclang-rt-14-dev gcovr gcc-arm-none-eabi libnewlib-arm-none-eabi
             binutils-arm-none-eabi qemu-system-arm valgrind)

omp_need_packages() {
    local missing=() p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "installing Debian packages: ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 || { echo "apt-get update failed" >&2; exit 1; }
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
            || { echo "apt-get install failed: ${missing[*]}" >&2; exit 1; }
    else
        echo "missing Debian packages: ${missing[*]}" >&2
        echo "install them with:  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
}
