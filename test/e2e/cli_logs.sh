#!/bin/sh
# cli_logs.sh - what an operator meets first: the log of `xdsd serve` and
# `xdsd status`, over the real binary and real xDS clients (fault_client).
#
# 1. A rejected reload: each finding on a line of its own at its own level
#    (in JSON with file, line, column, kind, namespace, name, message,
#    severity), then one error line with the counts and the generation still
#    served; the fix is an info line, "accepted again".
# 2. The xDS loop at info: a line per connect and disconnect (proxy, type,
#    sotw/delta, peer), per NACK (its first line only), per push (generation,
#    types, proxies, time); 200 connects at once make 20 lines and a summary.
# 3. `xdsd status`: a header line above the unchanged table, -o json, exit 1
#    with one line when nothing answers.
# 4. /debug/configz: each resource's column, no per-resource generation;
#    README's debug table lists every path of /debug/list with the content
#    type the server sends.
set -u
cd "$(dirname "$0")/../.." || exit 1
. test/e2e/lib.sh

T=$(mktemp -d /tmp/xdsd-cli-logs.XXXXXX)
chmod 755 "$T"
trap 'end $CPID $CPID2 $CPID3 $PID; rm -rf "$T"' EXIT
PID=0
CPID=0
CPID2=0
CPID3=0
SIDECAR="sidecar~10.0.0.1~e2e.default~default.svc.cluster.local"
GATEWAY="router~10.0.0.2~gw.istio-system~istio-system.svc.cluster.local"

# jlog JQ-FILTER: the JSON lines of $LOG through a jq filter (other lines skipped)
jlog() { jq -c -R "fromjson? | $1" "$LOG"; }
# count REGEX: lines of $LOG matching
count() { grep -cE "$1" "$LOG"; }
# status ARGS...: `xdsd status` against this server; stdout in $SOUT, stderr in $SERR, exit in $SRC
status() {
    SOUT=$T/status.out
    SERR=$T/status.err
    "$XDSD" status --debug-addr "127.0.0.1:$DBG" "$@" >"$SOUT" 2>"$SERR"
    SRC=$?
}

# A VirtualService with one warning (an undeclared host) and one error (a
# subset no DestinationRule has), and a file that is not YAML: 2 errors, 1 warning.
break_config() {
    printf 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bad, namespace: team}\nspec:\n  hosts: [x.example.com]\n  http:\n  - route: [{destination: {host: nope.example.com, subset: zz}}]\n' >"$1/bad-vs.yaml"
    echo 'kind: [' >"$1/bad-syntax.yaml"
}

# ---- 1. a rejected reload and its repair, in JSON ---------------------------------------

D=$T/config
cp -r "$GUIDE" "$D"
start json "$D" --log-format json
wait_for 10 '[ "$(configz .generation)" = 1 ]'
break_config "$D"
wait_for 10 '[ "$(configz .rejected)" = true ]'
check "rejected reload: one error line with the counts and the generation still served" \
    [ "$(jlog 'select(.level == "error" and (.msg | test("rejected: 2 errors, 1 warning; still serving generation 1$")))' | wc -l)" = 1 ]
check "rejected reload: the summary has the counts as fields" \
    [ "$(jlog 'select(.errors == 2 and .warnings == 1 and .generation == 1) | .level')" = '"error"' ]
check "rejected reload: each error on its own line at level error" \
    [ "$(jlog 'select(.severity == "error" and .level == "error")' | wc -l)" = 2 ]
check "rejected reload: the warning on its own line at level warn" \
    [ "$(jlog 'select(.severity == "warning" and .level == "warn")' | wc -l)" = 1 ]
check "rejected reload: a finding's fields (file, line, column, kind, namespace, name, message)" \
    [ "$(jlog 'select(.severity == "error" and .kind == "VirtualService") | [(.file | endswith("/bad-vs.yaml")), .line, .column, .namespace, .name, (.message | test("subset .zz."))] | map(tostring) | join(" ")')" = '"true 7 60 team bad true"' ]
check "rejected reload: a finding outside any resource has empty kind and name" \
    [ "$(jlog 'select(.severity == "error" and (.file | endswith("/bad-syntax.yaml"))) | [.kind, .name, (.line > 0)] | map(tostring) | join(",")')" = '",,true"' ]
check "rejected reload: the finding's msg is the compiler-style line" \
    [ "$(jlog 'select(.severity == "warning") | .msg | test("/bad-vs.yaml:7:[0-9]+: warning: VirtualService team/bad: ")')" = true ]
rm "$D/bad-vs.yaml" "$D/bad-syntax.yaml"
wait_for 10 '[ "$(configz .rejected)" = false ]'
check "repaired: 'accepted again' at info, the last good generation" \
    wait_for 5 '[ "$(jlog "select(.level == \"info\" and (.msg | test(\"^configuration accepted again: generation 1, the last good one, unchanged\")))" | wc -l)" = 1 ]'
break_config "$D"
wait_for 10 '[ "$(configz .rejected)" = true ]'
rm "$D/bad-vs.yaml" "$D/bad-syntax.yaml"
printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: extra}\nspec: {hosts: [extra.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}\n' >"$D/extra.yaml"
check "repaired with a change: 'accepted again' with the new generation" \
    wait_for 10 '[ "$(jlog "select(.level == \"info\" and (.msg | test(\"^configuration accepted again: generation 2: [0-9]+ files, 6 resources\")))" | wc -l)" = 1 ]'
check "nothing in JSON says warn for an error" \
    [ "$(jlog 'select(.severity == "error" and .level != "error")' | wc -l)" = 0 ]
stop
check "json log: SIGTERM, exit 0" [ "$RC" = 0 ]

# ---- 1b. the same in text; nothing loaded yet ----------------------------------------------

D=$T/config-text
cp -r "$GUIDE" "$D"
break_config "$D"
start text "$D"
check "nothing loaded: the text line says so, at error" \
    grep -qE " error configuration in '.*' rejected: 2 errors, 1 warning; nothing served yet$" "$LOG"
check "text: each finding is its own line, FILE:LINE:COLUMN first" \
    [ "$(count ' error .*/bad-(vs|syntax)\.yaml:[0-9]+:[0-9]+: ')" = 2 -a \
        "$(count ' warn .*/bad-vs\.yaml:7:[0-9]+: warning: VirtualService team/bad: ')" = 1 ]
status
check "status, nothing loaded: exit 0, the header says so" \
    [ "$SRC" = 0 -a "$(head -n 1 "$SOUT")" = "xdsd 127.0.0.1:$DBG: no configuration loaded; last reload rejected: 2 errors, 1 warning" ]
check "status, nothing loaded: the column titles follow, no proxy" \
    [ "$(sed -n 2p "$SOUT" | awk '{ print $1, $2 }')" = "NAME CDS" -a "$(wc -l <"$SOUT")" = 2 ]
rm "$D/bad-vs.yaml" "$D/bad-syntax.yaml"
check "text: the first good load after rejections is 'accepted again' at info" \
    wait_for 10 'grep -qE " info configuration accepted again: generation 1: 4 files, 5 resources, 0 warnings$" "$LOG"'
stop

# ---- 2. connects, NACKs, pushes and disconnects at info -----------------------------------

D=$T/config-xds
cp -r "$GUIDE" "$D"
start xds "$D"
wait_for 10 '[ "$(configz .generation)" = 1 ]'
NACK_TEXT="$(printf 'lds: listener 0.0.0.0_80 rejected: bad filter chain\nsecond line of the detail')"
COUT=$T/nack.out
FAULT_CLIENT_NACK=$NACK_TEXT "$CLIENT" "127.0.0.1:$XDS" 1 >"$COUT" 2>"$T/nack.err" &
CPID=$!
CPID_NACK=$CPID
FAULT_CLIENT_DELTA=1 "$CLIENT" "127.0.0.1:$XDS" 1 >"$T/delta.out" 2>"$T/delta.err" &
CPID2=$!
wait_for 10 'grep -q "^lds" "$COUT" && grep -q "^lds" "$T/delta.out"'
check "connect: proxy, type, sotw and peer address on one info line" \
    wait_for 5 'grep -qE " info proxy connected: $SIDECAR \(sidecar, sotw, from ipv4:127\.0\.0\.1:[0-9]+\)$" "$LOG"'
check "connect: a delta stream says delta" \
    grep -qE " info proxy connected: $GATEWAY \(router, delta, from ipv4:127\.0\.0\.1:[0-9]+\)$" "$LOG"
check "NACK: one line with proxy, type and the first line of the error" \
    wait_for 5 'grep -qE " warn proxy $SIDECAR rejected LDS \(nonce [0-9a-f-]+\): lds: listener 0\.0\.0\.0_80 rejected: bad filter chain \[\.\.\.\]$" "$LOG"'
check "NACK: the rest of the message stays out of the log" [ "$(count 'second line of the detail')" = 0 ]
check "NACK: the whole message is on /debug/syncz" \
    [ "$(get /debug/syncz | jq -r '.[].resources[].last_nack.message // empty')" = "$NACK_TEXT" ]
printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: extra}\nspec: {hosts: [extra.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}\n' >"$D/extra.yaml"
check "push: generation, types, proxies reached and time taken on one info line" \
    wait_for 10 'grep -qE " info push of generation 2: CDS to 2 of 2 proxies in [0-9]+ ms$" "$LOG"'
check "push: the clients got it" wait_for 5 '[ "$(grep -c "^cds" "$COUT")" = 2 ]'
# a proxy that stops answering (this client's second stream never reads):
# Listeners wait for its CDS ACK, and the push is logged as it stands
client stuck 2 "sidecar~10.0.0.3~stuck.default~default.svc.cluster.local"
CPID3=$CPID
CPID=$CPID_NACK
COUT=$T/nack.out
wait_for 10 'grep -q "^lds" "$T/stuck.out"'
printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: tcp}\nspec: {hosts: [tcp.example.com], addresses: [240.0.0.9], ports: [{number: 8088, name: tcp, protocol: TCP}], resolution: DNS}\n' >"$D/tcp.yaml"
check "push with a proxy that does not answer: logged after 10 s with the count still to go" \
    wait_for 15 'grep -qE " info push of generation 3: CDS, LDS to 4 of 4 proxies, 1 still to go after 1[0-9]{4} ms$" "$LOG"'
status stuck
check "status PROXY: a unique prefix of POD.NAMESPACE names the proxy" \
    [ "$SRC" = 0 -a "$(sed -n 2p "$SOUT")" = "Proxy:      sidecar~10.0.0.3~stuck.default~default.svc.cluster.local" ]
status "sidecar~10.0.0."
check "status PROXY: a prefix of two proxies' ids is refused, exit 1, one line" \
    [ "$SRC" = 1 -a ! -s "$SOUT" -a "$(grep -c "starts the names of several connected proxies" "$SERR")" = 1 -a "$(wc -l <"$SERR")" = 1 ]
end "$CPID3"
wait "$CPID3" 2>/dev/null
CPID3=0
wait_for 10 '[ "$(get /debug/syncz | jq length)" = 2 ]'
status
check "status: the header names the generation, source and last reload" \
    [ "$SRC" = 0 -a "$(head -n 1 "$SOUT")" = "xdsd 127.0.0.1:$DBG: serving generation 3 from config-dir; last reload accepted: 0 errors, 0 warnings" ]
check "status: the column titles stay the second line" \
    [ "$(sed -n 2p "$SOUT" | tr -s ' ')" = "NAME CDS LDS EDS RDS VERSION" ]
check "status: a proxy's row still starts with its name and says SYNCED / NACKED" \
    sh -c "grep '^e2e.default ' '$SOUT' | grep -q 'SYNCED     NACKED'"
status -o json
check "status -o json: the configz summary" \
    [ "$SRC" = 0 -a "$(jq -r '[.debug_addr, .config.generation, .config.source, .config.rejected, .config.errors, .config.warnings, .config.resources] | map(tostring) | join(" ")' "$SOUT")" = "127.0.0.1:$DBG 3 config-dir false 0 0 7" ]
check "status -o json: the syncz array, one entry per stream" \
    [ "$(jq -r '.proxies | length' "$SOUT")" = 2 -a \
        "$(jq -r '.proxies[] | select(.proxy == "'"$SIDECAR"'") | .resources[].status' "$SOUT" | sort | tr '\n' ' ')" = "NACKED NOT SENT NOT SENT NOT SENT SYNCED " ]
status -o json e2e.default
check "status -o json PROXY: that proxy only" \
    [ "$SRC" = 0 -a "$(jq -r '[.proxies[].proxy] | join(" ")' "$SOUT")" = "$SIDECAR" ]
status -o json nobody.default
check "status -o json PROXY, not connected: exit 1, one line" \
    [ "$SRC" = 1 -a "$(wc -l <"$SERR")" = 1 -a ! -s "$SOUT" ]
end "$CPID" "$CPID2"
wait "$CPID" "$CPID2" 2>/dev/null
CPID=0
CPID2=0
check "disconnect: one info line each, with how long the stream lasted" \
    wait_for 5 '[ "$(count " info proxy disconnected: ($SIDECAR|$GATEWAY) \((sidecar|router), (sotw|delta), from ipv4:127\.0\.0\.1:[0-9]+\) after [0-9]+\.[0-9] s$")" = 2 ]'

# 200 streams at once: at most 20 lines a second, the rest summed up
sleep 1.2 # a second of its own for the burst
c0=$(count " info proxy connected: ")
d0=$(count " info proxy disconnected: ")
client burst 200
CPID2=$CPID
CPID=0
wait_for 20 '[ "$(get /debug/syncz | jq length)" = 200 ]'
sleep 1.2 # the summary comes once the second is over
n=$(count " info proxy connected: ")
more=$(sed -n 's/.* info \([0-9]*\) more connects in the last second$/\1/p' "$LOG" | awk '{ s += $1 } END { print s + 0 }')
echo "# 200 connects: $((n - c0)) lines and $more in summaries"
check "200 connects: limited to 20 lines a second" [ "$((n - c0))" -le 60 -a "$more" -gt 0 ]
check "200 connects: every connect is a line or counted in a summary" [ "$((n - c0 + more))" = 200 ]
end "$CPID2"
wait "$CPID2" 2>/dev/null
CPID2=0
wait_for 20 '[ "$(get /debug/syncz | jq length)" = 0 ]'
sleep 1.2
n=$(count " info proxy disconnected: ")
more=$(sed -n 's/.* info \([0-9]*\) more disconnects in the last second$/\1/p' "$LOG" | awk '{ s += $1 } END { print s + 0 }')
check "200 disconnects: every one is a line or counted in a summary" \
    [ "$((n - d0 + more))" = 200 -a "$more" -gt 0 ]
stop
check "xds log: SIGTERM, exit 0" [ "$RC" = 0 ]

# ---- 3. status: a state-dir copy, a rejected reload, no server ---------------------------

D=$T/config-state
S=$T/state
cp -r "$GUIDE" "$D"
start saved "$D" --state-dir "$S"
wait_for 10 '[ "$(configz .loaded)" = true ]'
stop
break_config "$D"
start saved2 "$D" --state-dir "$S"
wait_for 10 '[ "$(configz .loaded)" = true ]'
status
check "status, served from --state-dir: the header says so, and the rejected reload" \
    [ "$SRC" = 0 -a "$(head -n 1 "$SOUT")" = "xdsd 127.0.0.1:$DBG: serving generation 1 from state-dir; last reload rejected: 2 errors, 1 warning" ]
status -o json
check "status -o json, served from --state-dir: source, rejected and counts" \
    [ "$(jq -r '[.config.source, .config.rejected, .config.errors, .config.warnings, (.config.source_reason | test("is invalid"))] | map(tostring) | join(" ")' "$SOUT")" = "state-dir true 2 1 true" ]

# ---- 4. configz and the README's debug table ---------------------------------------------

check "configz: every resource has a column" \
    [ "$(configz '[.resources[] | (.column | type) == "number" and .column > 0] | all')" = true ]
check "configz: no per-resource generation beside the top-level one" \
    [ "$(configz '[.resources[] | has("generation")] | any')" = false -a "$(configz '.generation')" = 1 ]
get /debug/list | jq -r '.[].path' >"$T/paths"
check "/debug/list lists itself and /debug/configz" \
    sh -c "grep -qx /debug/list '$T/paths' && grep -qx /debug/configz '$T/paths'"
# README's rows: | `PATH[?...]` | `CONTENT-TYPE` | ...
sed -n '/^## Debug endpoint/,/^## /p' README.md |
    sed -n 's/^| `\(\/[^`?]*\)[^`]*` | `\([^`]*\)` |.*/\1 \2/p' >"$T/readme"
missing=""
while read -r path; do
    want=$(awk -v p="$path" '$1 == p { $1 = ""; sub(/^ /, ""); print; exit }' "$T/readme")
    got=$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$DBG$path")
    [ -n "$want" ] && [ "$want" = "$got" ] || missing="$missing $path($got)"
done <"$T/paths"
check "README's debug table: every path of /debug/list with the content type sent${missing:+ (wrong:$missing)}" \
    [ -z "$missing" ]
stop

# ---- 5. nothing to ask -------------------------------------------------------------------

status
check "status, no server: exit 1, one line on stderr naming the address, nothing on stdout" \
    [ "$SRC" = 1 -a "$(wc -l <"$SERR")" = 1 -a ! -s "$SOUT" -a \
        "$(grep -c "cannot connect to 127.0.0.1:$DBG" "$SERR")" = 1 ]
"$XDSD" status -o yaml >"$T/o.out" 2>"$T/o.err"
check "status -o yaml: a usage error, exit 2" [ "$?" = 2 -a "$(grep -c "not table or json" "$T/o.err")" = 1 ]

summary
