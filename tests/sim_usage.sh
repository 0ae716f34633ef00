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

# err_has PATTERN: the last command's message (stderr) matches PATTERN (grep -E)
err_has() {
    if grep -qE -- "$1" "$tmp/err"; then
        echo "ok:   message: $(head -n 1 "$tmp/err")"
    else
        echo "FAIL: want a message matching '$1'"; cat "$tmp/err"; fail=1
    fi
}

expect 2 --bogus

# getopt's own messages name the program, not the path it was started with
err_has "^omnipower-sim: unrecognized option '--bogus'"
expect 2 --han tcp:0 --han-list none --han-encrypt
err_has 'needs push on'
expect 2 --han-list none
err_has 'need --han'
expect 2 --han tcp:0 --han-list off
err_has "invalid --han-list 'off'"
expect 2 -x
err_has "^omnipower-sim: invalid option -- 'x'"
expect 2 --speed
err_has "^omnipower-sim: option '--speed' requires an argument"
expect 2 --dlms pty
err_has "^omnipower-sim: invalid --dlms 'pty'"
expect 2 --dlms tcp:70000
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
err_has "invalid --duration '1e300' \(seconds, 0 to 1e10\)"
# a speed so slow that a step's wall time overflowed ran at full speed
expect 2 --speed 1e-12
err_has "invalid --speed '1e-12' \(a number from 0.001 to 1e9, or 'max'\)"
expect 2 --speed 0.0009
expect 2 --speed 2e9
# the load model needs a whole number of mains cycles per second; a recording does not
expect 2 --fs 8001 --speed max --duration 1
err_has "invalid --fs '8001' \(the load model needs a multiple of 50 Hz"
expect 0 --fs 8001 --samples /dev/zero --speed max --duration 0.5 --quiet
expect 0 --fs 8050 --speed max --duration 0.5 --quiet
expect 2 --fs 1999
expect 2 --fs 32001 --samples /dev/zero
expect 2 --start 9999-01-01T00:00:00Z
err_has "invalid --start '9999-01-01T00:00:00Z' \(a real date and time, from 1970-01-01T00:00:00Z to 2199-12-31T23:59:59Z\)"
expect 2 --start 1969-12-31T23:59:59Z
err_has "from 1970-01-01T00:00:00Z to 2199-12-31T23:59:59Z"
expect 0 --start 2199-12-31T23:59:00Z --speed max --duration 1 --quiet
expect 2 --start yesterday
expect 2 --start 2026-13-01T00:00:00Z
expect 2 --start 2026-02-30T00:00:00Z
expect 2 --start '2026-01-01T00:00:00Z '
expect 2 --json --quiet --speed max --duration 1 surplus

# --nvm-size: bytes, a multiple of the 4 KiB sector from the registers' 64 KiB to 16 MiB
expect 2 --nvm-size 1000
err_has "invalid --nvm-size '1000' \(bytes, a multiple of 4096 from 65536 to 16777216\)"
expect 2 --nvm-size 69633
expect 2 --nvm-size 16781312
expect 2 --nvm-size 64K
expect 2 --nvm-size ''
expect 2 --nvm-size -65536
expect 0 --nvm-size 65536 --speed max --duration 1 --quiet
expect 0 --nvm-size 16777216 --speed max --duration 1 --quiet
# --export NAME=FILE: a known NAME, once, with a file, not the same file for two logs
expect 2 --export foo=x.csv
err_has "invalid --export 'foo=x.csv': 'foo' is not a log \(load_profile, analysis, events, billing\)"
expect 2 --export load_profile
err_has "invalid --export 'load_profile' \(NAME=FILE"
expect 2 --export load_profile=
err_has "a file name is missing after '='"
expect 2 --export =x.csv
expect 2 --export billing=a.csv --export billing=b.csv
err_has "--export billing given twice \(a.csv, b.csv\)"
expect 2 --export billing=a.csv --export load_profile=a.csv
err_has "--export billing and load_profile name the same file a.csv"
# a load profile needs its sectors: 64 KiB keep none
expect 2 --nvm-size 65536 --export load_profile=x.csv
err_has "--export load_profile: --nvm-size 65536 keeps no load profile \(the load profile of this configuration needs --nvm-size 294912 or more\)"
# ... for any Z4 (Z4 may change between runs, the region may not): 5 min would take 55 sectors
expect 2 --nvm-size 290816 --config Z4=1 --export load_profile=x.csv
err_has "needs --nvm-size 294912 or more"
# the analysis logger and the event logs come after the load profile: 64 KiB + 56 keep none
expect 2 --nvm-size 294912 --export analysis=x.csv
err_has "^omnipower-sim: --export analysis: --nvm-size 294912 keeps no analysis logger \(the analysis logger of this configuration needs --nvm-size 507904 or more\)"
expect 2 --nvm-size 503808 --export events=x.csv
err_has "^omnipower-sim: --export events: --nvm-size 503808 keeps no event logs \(the event logs of this configuration need --nvm-size 507904 or more\)"
expect 2 --nvm-size 65536 --analysis 32.25.0
err_has "^omnipower-sim: --analysis: --nvm-size 65536 keeps no analysis logger"
expect 2 --nvm "$tmp/never.nvm" --export billing="$tmp/never.csv" --export bogus=1
if [ -e "$tmp/never.nvm" ] || [ -e "$tmp/never.csv" ]; then
    echo "FAIL: a file created on an --export usage error"; fail=1
fi
# a usage error touches no NVM file
expect 2 --nvm "$tmp/never.nvm" --speed 0
if [ -e "$tmp/never.nvm" ]; then echo "FAIL: NVM file created on a usage error"; fail=1; fi

# runtime errors exit 1: an NVM file of the wrong size is refused with a clear message
printf 'not an nvm image' >"$tmp/bad.nvm"
expect 1 --nvm "$tmp/bad.nvm" --speed max --duration 1 --quiet
err_has "bad.nvm: NVM file has 16 bytes, this run's NVM has 507904 \(the default: .*--nvm-format to erase it"
[ "$(wc -c <"$tmp/bad.nvm")" -eq 16 ] || { echo "FAIL: bad NVM file modified"; fail=1; }
expect 1 --nvm "$tmp/no/such/dir/x.nvm" --speed max --duration 1 --quiet

# --scenario: a line the parser refuses is named (file:line); not with --samples
printf '0 voltage 240\n1s dip 120%% 1s\n' >"$tmp/bad.scn"
expect 1 --scenario "$tmp/bad.scn" --speed max --duration 1 --quiet
err_has "bad.scn:2: "
expect 1 --scenario "$tmp/none.scn" --speed max --duration 1 --quiet
printf '0 voltage 240\n' >"$tmp/ok.scn"
expect 2 --scenario "$tmp/ok.scn" --samples "$tmp/ok.scn"
expect 0 --scenario "$tmp/ok.scn" --speed max --duration 1 --quiet

exit $fail
