#!/bin/sh
# cli_serve.sh - what an operator meets first with `xdsd serve` (issue 19):
#
#   1. a listen address or a number that is wrong is a usage error (exit 2,
#      one line naming the flag), and port 0 still picks a free port;
#   2. an address in use is one error line naming the flag, the address and
#      the reason, then exit 1, without gRPC's or libmicrohttpd's own output;
#  11. a --config-dir that does not exist is an error at start, unless
#      --allow-missing-config-dir, which loads it once it appears;
#  12. SIGHUP re-reads the configuration now; plaintext xDS beyond loopback
#      is a warning at start;
#  14. every command's --help lists every flag with its default and meaning;
#  16. make builds in parallel by default.
#
# Shell over the real binary ($XDSD), on free ports; ends "N passed, M failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
. test/e2e/lib.sh

T=$(mktemp -d /tmp/xdsd-cli-serve.XXXXXX)
trap 'end $PID $PID2; rm -rf "$T"' EXIT
PID=0
PID2=0

# run ARGS...: xdsd to its end (20 s at most); RC, and its output in $OUT, $ERR
OUT=$T/stdout
ERR=$T/stderr
run() {
    timeout 20 "$XDSD" "$@" >"$OUT" 2>"$ERR"
    RC=$?
}

# one_line FILE: the file is exactly one line
one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }

# not COMMAND...: COMMAND fails
not() { ! "$@"; }

# ---- 1. bad values are usage errors that name the flag -----------------------------------

# usage_case CMD FLAG VALUE: `xdsd CMD FLAG VALUE` is refused before doing
# anything: exit 2, nothing on stdout, the first line of stderr names the
# flag and quotes the value, no other line names the flag
usage_case() {
    cmd=$1
    flag=$2
    value=$3
    if [ "$cmd" = serve ]; then
        run serve --config-dir "$GUIDE" --xds-listen 127.0.0.1:0 --debug-listen 127.0.0.1:0 \
            "$flag" "$value"
    else
        run "$cmd" "$flag" "$value"
    fi
    if [ "$RC" = 2 ] && [ ! -s "$OUT" ] &&
        head -n 1 "$ERR" | grep -qF "xdsd $cmd: $flag '$value': " &&
        [ "$(grep -cF -- "$flag" "$ERR")" = 1 ]; then
        ok "$cmd $flag '$value': exit 2, $(head -n 1 "$ERR" | sed 's/^xdsd [a-z]*: [^ ]* //')"
    else
        nok "$cmd $flag '$value': exit $RC (want 2), stderr:"
        sed 's/^/#   /' "$ERR" "$OUT"
    fi
}

usage_case serve --xds-listen 127.0.0.1:99999
usage_case serve --debug-listen 127.0.0.1:70000
usage_case serve --xds-listen 127.0.0.1:65536
usage_case serve --xds-listen 127.0.0.1
usage_case serve --xds-listen 127.0.0.1:
usage_case serve --xds-listen 127.0.0.1:http
usage_case serve --xds-listen 127.0.0.1:-1
usage_case serve --xds-listen :15010
usage_case serve --xds-listen ::1:15010
usage_case serve --xds-listen '[::1:15010'
usage_case serve --xds-listen host.invalid:15010
usage_case serve --debug-listen host.invalid:15014
usage_case serve --debug-listen 300.1.1.1:15014
usage_case serve --debounce soon
usage_case serve --debounce 5
usage_case serve --debounce -5ms
usage_case serve --debounce 0x10s
usage_case serve --debounce 2h
usage_case serve --debounce 99999999999999999999h
usage_case serve --max-connection-age forever
usage_case serve --max-connection-age -1s
usage_case serve --max-connection-age 1000h
usage_case serve --max-connection-age 99999999999999999999h
for flag in --max-recv-bytes --max-response-bytes; do
    usage_case serve $flag lots
    usage_case serve $flag -1
    usage_case serve $flag 0
    usage_case serve $flag 1e6
    usage_case serve $flag ' 5'
    usage_case serve $flag 2147483648
    usage_case serve $flag 99999999999999999999
done
usage_case serve --log-level loud
usage_case status --debug-addr 127.0.0.1:0
usage_case status --debug-addr 127.0.0.1:99999

# port 0 is meant for both listen flags: a free port each, then serving
start zero "$GUIDE" --max-recv-bytes 2147483647 --max-connection-age 596h
check "--xds-listen 127.0.0.1:0 and --debug-listen 127.0.0.1:0: free ports, serving" \
    [ "$XDS" -gt 0 -a "$DBG" -gt 0 -a "$XDS" != "$DBG" ]
check "port 0: /ready answers 200" wait_for 10 '[ "$(curl -s -o /dev/null -w "%{http_code}" \
    "http://127.0.0.1:$DBG/ready")" = 200 ]'
stop
check "port 0: SIGTERM, exit 0" [ "$RC" = 0 ]

# '' turns the debug endpoint off (documented in --help)
: >"$T/nodebug.log"
"$XDSD" serve --config-dir "$GUIDE" --xds-listen 127.0.0.1:0 --debug-listen '' \
    >"$T/nodebug.log" 2>&1 &
PID=$!
check "--debug-listen '': serves xDS" wait_for 10 'grep -q "xds listening" "$T/nodebug.log"'
check "--debug-listen '': no debug endpoint" sh -c "! grep -q 'debug endpoint' '$T/nodebug.log'"
stop
check "--debug-listen '': SIGTERM, exit 0" [ "$RC" = 0 ]

# ---- 2. an address in use: one error line, exit 1 ----------------------------------------

start holder "$GUIDE"
HOLD_XDS=$XDS
HOLD_DBG=$DBG
PID2=$PID
PID=0

# in_use FLAG ADDRESS ARGS...: serve fails with exactly one line
in_use() {
    flag=$1
    addr=$2
    shift 2
    run serve --config-dir "$GUIDE" "$@"
    want="error $flag $addr: address already in use"
    if [ "$RC" = 1 ] && one_line "$ERR" && grep -qF "$want" "$ERR"; then
        ok "$flag $addr in use: exit 1 and one line: $(cut -d' ' -f2- "$ERR")"
    else
        nok "$flag $addr in use: exit $RC (want 1 and one line '$want'), stderr:"
        sed 's/^/#   /' "$ERR"
    fi
}

in_use --xds-listen "127.0.0.1:$HOLD_XDS" --xds-listen "127.0.0.1:$HOLD_XDS" \
    --debug-listen 127.0.0.1:0
in_use --debug-listen "127.0.0.1:$HOLD_DBG" --xds-listen 127.0.0.1:0 \
    --debug-listen "127.0.0.1:$HOLD_DBG"
# a name whose addresses include the busy one
in_use --xds-listen "localhost:$HOLD_XDS" --xds-listen "localhost:$HOLD_XDS" \
    --debug-listen 127.0.0.1:0
check "address in use: the holder still serves" kill -0 "$PID2"
end "$PID2"
wait "$PID2"
PID2=0

# failed WANT-RC PATTERN: the last run exited WANT-RC with one line matching PATTERN
failed() { [ "$RC" = "$1" ] && one_line "$ERR" && grep -q "$2" "$ERR"; }

# an address this host does not have (TEST-NET-1): the reason is the system's
run serve --config-dir "$GUIDE" --xds-listen 192.0.2.1:0 --debug-listen 127.0.0.1:0
check "--xds-listen 192.0.2.1:0: exit 1, one line, 'cannot assign requested address'" \
    failed 1 'error --xds-listen 192.0.2.1:0: cannot assign requested address'

# ---- 11. a configuration directory that does not exist ------------------------------------

run serve --config-dir "$T/nope" --xds-listen 127.0.0.1:0 --debug-listen 127.0.0.1:0
check "missing --config-dir: exit 1, one error line naming it and the way out" \
    failed 1 "error --config-dir '$T/nope': no such directory.*--allow-missing-config-dir"
run serve --config-dir "$T/nope" --state-dir "$T/state" --xds-listen 127.0.0.1:0 \
    --debug-listen 127.0.0.1:0
check "missing --config-dir with --state-dir: exit 1 too (a typo must not serve an old copy)" \
    failed 1 "error --config-dir '$T/nope': no such directory"
run serve --config-dir "$GUIDE/01-serviceentry.yaml" --xds-listen 127.0.0.1:0 \
    --debug-listen 127.0.0.1:0
check "--config-dir naming a file: exit 1, one line, 'not a directory'" \
    failed 1 "error --config-dir '.*01-serviceentry.yaml': not a directory"

D=$T/later
start later "$D" --allow-missing-config-dir
check "--allow-missing-config-dir: starts without the directory" kill -0 "$PID"
check "--allow-missing-config-dir: /ready says 503 while nothing is loaded" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DBG/ready")" = 503 ]
cp -r "$GUIDE" "$D.tmp" && mv "$D.tmp" "$D"
check "--allow-missing-config-dir: the directory is loaded once it appears" \
    wait_for 10 '[ "$(configz .generation)" = 1 ]'
check "--allow-missing-config-dir: then /ready says 200" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DBG/ready")" = 200 ]
NRES=$(configz '.resources | length')
rm -rf "$D"
check "directory removed later: rejected, still running" \
    wait_for 10 '[ "$(configz .rejected)" = true ]'
check "directory removed later: the last good configuration is served" \
    [ "$(configz .generation)" = 1 -a "$(configz '.resources | length')" = "$NRES" ]
stop
check "--allow-missing-config-dir: SIGTERM, exit 0" [ "$RC" = 0 ]

# ---- 12. SIGHUP re-reads now; plaintext beyond loopback is a warning -----------------------

D=$T/hup
cp -r "$GUIDE" "$D"
# an hour of debounce: only SIGHUP can make the edit below count soon
start hup "$D" --debounce 1h
wait_for 10 '[ "$(configz .generation)" = 1 ]'
NRES=$(configz '.resources | length')
cat >"$D/hup.yaml" <<'EOF'
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: hup, namespace: default}
spec:
  hosts: [hup.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
EOF
sleep 1
check "SIGHUP: before it, the edit waits for the 1h debounce" [ "$(configz .generation)" = 1 ]
kill -HUP "$PID"
check "SIGHUP: the edit is served at once (generation 2, one more resource)" \
    wait_for 5 '[ "$(configz .generation)" = 2 -a "$(configz ".resources | length")" = $((NRES + 1)) ]'
check "SIGHUP: xdsd still running" kill -0 "$PID"
check "SIGHUP: logged at info" \
    grep -q "info SIGHUP: re-reading the configuration in '$D'" "$LOG"
kill -HUP "$PID"
check "SIGHUP without an edit: logged at info as unchanged" \
    wait_for 5 'grep -q "info configuration in .$D. unchanged" "$LOG"'
check "SIGHUP without an edit: the same generation" [ "$(configz .generation)" = 2 ]
stop
check "SIGHUP: SIGTERM afterwards, exit 0" [ "$RC" = 0 ]

start open "$GUIDE" --xds-listen 0.0.0.0:0
check "--xds-listen 0.0.0.0: warns that xDS is plaintext and reachable from other hosts" \
    grep -q 'warn xds on 0.0.0.0:0 is plaintext and reachable from other hosts' "$LOG"
stop
check "--xds-listen 127.0.0.1: no such warning" not grep -q 'plaintext and reachable' "$T/zero.log"
if command -v openssl >/dev/null 2>&1; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
        -subj /CN=xdsd.test -addext subjectAltName=DNS:xdsd.test \
        -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
    start tls "$GUIDE" --xds-listen 0.0.0.0:0 --xds-tls-cert "$T/cert.pem" \
        --xds-tls-key "$T/key.pem" --xds-tls-ca "$T/cert.pem"
    check "--xds-listen 0.0.0.0 with mutual TLS: no plaintext warning" \
        not grep -q plaintext "$LOG"
    stop
else
    ok "# skip --xds-listen 0.0.0.0 with mutual TLS: no openssl"
fi
"$XDSD" help serve >"$T/help-serve"
check "help serve: the default --xds-listen is plaintext on every interface" \
    grep -q -- '--xds-listen HOST:PORT (default: 0.0.0.0:15010, every interface, plaintext)' \
    "$T/help-serve"
check "help serve: says what SIGHUP does" grep -q 'SIGHUP re-reads the configuration' \
    "$T/help-serve"

# ---- 14. --help lists every flag with its default and meaning -----------------------------

# described FILE: each "  --flag" line but --help's ends "(default: ...)" and
# the next line, indented, says what it means
described() {
    awk '/^  --/ {
            flag = $0
            if (getline <= 0 || $0 !~ /^      [^ ]/) bad = 1
            if (flag !~ /--help$/ && flag !~ /\(default: .+\)$/) bad = 1
        }
        END { exit bad }' "$1"
}

# unknown_flags CMD FLAG...: the flags the parser of CMD does not take (getopt
# says "unrecognized"); run in $T, where no config/ would make serve start
unknown_flags() {
    c=$1
    shift
    for f in "$@"; do
        (cd "$T" && timeout 5 "$XDSD_ABS" "$c" "$f" </dev/null >/dev/null 2>"$T/flagerr")
        grep -q unrecognized "$T/flagerr" && printf ' %s' "$f"
    done
}

XDSD_ABS=$(cd "$(dirname "$XDSD")" && pwd)/$(basename "$XDSD")
for cmd in serve validate dump status simulate version help; do
    "$XDSD" help "$cmd" >"$T/help" 2>&1
    rc=$?
    "$XDSD" "$cmd" --help >"$T/help2" 2>&1
    "$XDSD" "$cmd" -h >"$T/help3" 2>&1
    check "help $cmd: exit 0, the same as '$cmd --help' and '$cmd -h'" \
        sh -c "[ $rc = 0 ] && cmp -s '$T/help' '$T/help2' && cmp -s '$T/help' '$T/help3'"
    # the flags of the usage lines (up to the first blank line) and of the list
    sed '/^$/q' "$T/help" | grep -o -- '--[a-z-]*' | sort -u >"$T/synopsis"
    sed -n 's/^  \(--[a-z-]*\).*/\1/p' "$T/help" | sort -u >"$T/listed"
    unlisted=$(comm -23 "$T/synopsis" "$T/listed" | tr '\n' ' ')
    check "help $cmd: every flag of the usage line is described${unlisted:+ (not: $unlisted)}" \
        [ -z "$unlisted" ]
    check "help $cmd: every flag but --help has a default and a line of meaning" \
        described "$T/help"
    check "help $cmd: fits in 80 columns" not grep -q '.\{81\}' "$T/help"
    unknown=$(unknown_flags "$cmd" $(grep -v '^--help$' "$T/listed"))
    check "help $cmd: the parser takes every listed flag${unknown:+ (not:$unknown)}" \
        [ -z "$unknown" ]
done
missing=""
for f in $(sed -n 's/^  \(--[a-z-]*\).*/\1/p' "$T/help-serve" | grep -v '^--help$'); do
    grep -q -- "$f" README.md || missing="$missing $f"
done
check "README.md names every flag of serve${missing:+ (not:$missing)}" [ -z "$missing" ]

# ---- 16. make builds in parallel by default -----------------------------------------------

# as a user runs it: without the MAKEFLAGS of a make that runs this script
cores=$(nproc)
flags=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -pq 2>/dev/null | sed -n 's/^MAKEFLAGS = //p')
check "make: one job per core by default (MAKEFLAGS: $flags)" \
    sh -c "echo ' $flags ' | grep -q -- ' -j$cores '"
flags=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -pq -j1 2>/dev/null |
    sed -n 's/^MAKEFLAGS = //p')
check "make -j1: the user's -j wins (MAKEFLAGS: $flags)" \
    sh -c "echo ' $flags ' | grep -q -- ' -j1 '"

summary
