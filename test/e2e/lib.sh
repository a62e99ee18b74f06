# lib.sh - shell helpers of the end-to-end scripts (faults.sh, state.sh,
# secrets.sh, cli_config.sh, cli_serve.sh, cli_logs.sh): run `xdsd serve` on
# free ports, read its debug endpoint, count checks. Sourced, not run. Needs
# curl and jq.

BUILD=${BUILD:-build}
XDSD=${XDSD:-$BUILD/xdsd}
CLIENT=${CLIENT:-$BUILD/test/e2e/fault_client}
GUIDE=test/data/config/guide/http-egress
RUNAS=${RUNAS:-}
pass=0
fail=0

ok() {
    pass=$((pass + 1))
    echo "ok - $1"
}

nok() {
    fail=$((fail + 1))
    echo "not ok - $1"
}

# check DESCRIPTION COMMAND...: one test line
check() {
    d=$1
    shift
    if "$@"; then ok "$d"; else nok "$d"; fi
}

# wait_for SECONDS SHELL-CONDITION: poll every 50 ms; 0 when it became true
wait_for() {
    n=$(($1 * 20))
    while [ "$n" -gt 0 ]; do
        if eval "$2"; then return 0; fi
        sleep 0.05
        n=$((n - 1))
    done
    return 1
}

# start NAME CONFIG-DIR [ARGS...]: xdsd serve in the background on free ports;
# sets PID, LOG, DBG (debug port) and XDS (xDS port)
start() {
    name=$1
    dir=$2
    shift 2
    LOG=$T/$name.log
    : >"$LOG"
    $RUNAS "$XDSD" serve --config-dir "$dir" --xds-listen 127.0.0.1:0 \
        --debug-listen 127.0.0.1:0 --debounce 20ms "$@" >"$LOG" 2>&1 &
    PID=$!
    if ! wait_for 20 'grep -q "debug endpoint listening" "$LOG"'; then
        echo "# $name: xdsd did not start:"
        sed 's/^/#   /' "$LOG"
        DBG=0
        XDS=0
        return 1
    fi
    DBG=$(sed -n 's/.*debug endpoint listening on .* (port \([0-9]*\)).*/\1/p' "$LOG" | head -n 1)
    XDS=$(sed -n 's/.*xds listening on .* (port \([0-9]*\)).*/\1/p' "$LOG" | head -n 1)
    return 0
}

# stop: SIGTERM; the exit status of xdsd in RC
stop() {
    kill -TERM "$PID" 2>/dev/null
    wait "$PID"
    RC=$?
}

# end PID...: SIGTERM each process that is set (0 would mean the whole group)
end() {
    for p in "$@"; do
        [ "$p" -gt 0 ] 2>/dev/null && kill "$p" 2>/dev/null
    done
    return 0
}

get() { curl -sf "http://127.0.0.1:$DBG$1"; }
configz() { get /debug/configz | jq -r "$1"; }
metric() { get /metrics | awk -v m="$1" '$1 == m { print $2 }'; }

# client NAME [NSTREAMS [NODE]]: fault_client in the background; CPID, COUT
client() {
    COUT=$T/$1.out
    : >"$COUT"
    "$CLIENT" "127.0.0.1:$XDS" "${2:-1}" ${3:+"$3"} >"$COUT" 2>"$T/$1.err" &
    CPID=$!
}

# summary: the result line every suite ends with
summary() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
