#!/bin/sh
# omnipower-sim command line: usage errors exit 2 with a message on stderr and nothing on stdout;
# --help and --version exit 0.   Usage: sim_usage.sh PATH/TO/omnipower-sim
set -u
sim=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

expect() { # expect STATUS ARGS...
    want=$1; shift
    "$sim" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: omnipower-sim $* -> exit $got, want $want"; cat "$tmp/err"; fail=1
        return
    fi
    if [ "$want" -eq 2 ]; then
        if [ -s "$tmp/out" ]; then echo "FAIL: omnipower-sim $* wrote to stdout"; fail=1; fi
        if [ ! -s "$tmp/err" ]; then echo "FAIL: omnipower-sim $* gave no message"; fail=1; fi
    fi
    echo "ok: omnipower-sim $* -> $got"
}

expect 0 --help
grep -q -- '--nvm FILE' "$tmp/out" || { echo "FAIL: --help lacks --nvm"; fail=1; }
expect 0 -h
expect 0 --version
grep -q '^omnipower-sim (libomnipower) [0-9]' "$tmp/out" || { echo "FAIL: --version"; fail=1; }

expect 2 --bogus
expect 2 -x
expect 2 extra-argument
expect 2 --nvm
expect 2 --nvm ''
expect 2 --speed
expect 2 --speed 0
expect 2 --speed -1
expect 2 --speed abc
expect 2 --speed ''
expect 2 --speed 1x
expect 2 --speed inf
expect 2 --speed nan
expect 2 --speed maximum
expect 2 --duration -1
expect 2 --duration ten
expect 2 --duration 1e300
expect 2 --start yesterday
expect 2 --start 2026-13-01T00:00:00Z
expect 2 --start 2026-02-30T00:00:00Z
expect 2 --start '2026-01-01T00:00:00Z '
expect 2 --json --quiet --speed max --duration 1 surplus

# a usage error touches no NVM file
expect 2 --nvm "$tmp/never.nvm" --speed 0
if [ -e "$tmp/never.nvm" ]; then echo "FAIL: NVM file created on a usage error"; fail=1; fi

# runtime errors exit 1: an NVM file of the wrong size is refused with a clear message
printf 'not an nvm image' >"$tmp/bad.nvm"
expect 1 --nvm "$tmp/bad.nvm" --speed max --duration 1 --quiet
grep -q 'expected 65536' "$tmp/err" || { echo "FAIL: wrong-size message"; cat "$tmp/err"; fail=1; }
[ "$(wc -c <"$tmp/bad.nvm")" -eq 16 ] || { echo "FAIL: bad NVM file modified"; fail=1; }
expect 1 --nvm "$tmp/no/such/dir/x.nvm" --speed max --duration 1 --quiet

exit $fail
