# Sourced by the scripts that start omnipower-sim in the background and talk to one of its ports.
# wait_line FILE REGEX PID TENTHS: wait until a line of FILE (the simulator's stderr) matches
# REGEX, checking every 0.1 s for at most TENTHS tenths of a second; fail (the caller's fail
# function) if process PID exits first or the time runs out.
wait_line() {
    _waited=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        kill -0 "$3" 2>/dev/null || fail "the simulator exited before printing '$2'"
        _waited=$((_waited + 1))
        [ "$_waited" -lt "$4" ] || fail "no line '$2' on the simulator's stderr in time"
        sleep 0.1
    done
}
