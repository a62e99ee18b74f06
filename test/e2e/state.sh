#!/bin/sh
# state.sh - the last good configuration survives a restart (--state-dir).
#
# xdsd serves a directory and saves it; it stops; the directory is broken;
# xdsd restarts and serves the saved copy (a real client gets the very same
# Clusters and Listeners, by version), says so in its log at error level and
# on /debug/configz ("source": "state-dir"), and goes back to the directory
# once it is fixed. A restart with a good directory serves the directory; a
# damaged saved copy is refused with its reason.
set -u
cd "$(dirname "$0")/../.." || exit 1
. test/e2e/lib.sh

T=$(mktemp -d /tmp/xdsd-state.XXXXXX)
trap 'end $CPID $PID; rm -rf "$T"' EXIT
PID=0
CPID=0
D=$T/config
S=$T/state
cp -r "$GUIDE" "$D"

# versions NAME: "cds VERSION lds VERSION" as a client first receives them
versions() {
    client "$1"
    wait_for 10 'grep -q "^cds" "$COUT" && grep -q "^lds" "$COUT"'
    end "$CPID"
    wait "$CPID" 2>/dev/null
    awk '$1 == "cds" || $1 == "lds" { print $1, $3 }' "$COUT" | sort | tr '\n' ' '
}

# ---- 1. a good directory is served and saved
start first "$D" --state-dir "$S"
wait_for 10 '[ "$(configz .loaded)" = true ]'
NRES=$(configz '.resources | length')
check "first run: serves the directory" [ "$(configz .source)" = config-dir -a "$NRES" -gt 0 ]
check "first run: saved $S/last-good.xdsd" test -s "$S/last-good.xdsd"
check "first run: no temporary file left" [ -z "$(ls -A "$S" | grep -v '^last-good.xdsd$')" ]
V1=$(versions first)
check "first run: a client got Clusters and Listeners" [ -n "$V1" ]
stop
check "first run: SIGTERM, exit 0" [ "$RC" = 0 ]

# ---- 2. broken directory: the saved copy is served, loudly
printf 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: broken}\nspec: {hosts: [a.example.com], http: [{route: [{destination: {host: }}]}]}\n' >"$D/99-broken.yaml"
echo 'kind: [' >"$D/98-syntax.yaml"
start second "$D" --state-dir "$S"
wait_for 10 '[ "$(configz .loaded)" = true ]'
check "broken directory: /debug/configz source is state-dir" [ "$(configz .source)" = state-dir ]
check "broken directory: /debug/configz says why" \
    sh -c "curl -sf http://127.0.0.1:$DBG/debug/configz | jq -r .source_reason | grep -q 'is invalid.*serving the last good configuration, saved in .*last-good.xdsd. at '"
check "broken directory: /debug/configz lists the directory's errors" \
    [ "$(configz .rejected)" = true -a "$(configz '.errors | length')" -ge 2 ]
check "broken directory: the saved $NRES resources are served" \
    [ "$(configz '.resources | length')" = "$NRES" ]
check "broken directory: the log says so at error level" \
    grep -q ' error .*serving the last good configuration' "$LOG"
V2=$(versions second)
check "broken directory: the client gets the saved Clusters and Listeners ($V2)" [ "$V2" = "$V1" ]

# ---- 3. the directory fixed while running: back to the directory
rm "$D/99-broken.yaml" "$D/98-syntax.yaml"
check "directory fixed: source back to config-dir" \
    wait_for 10 '[ "$(configz .source)" = config-dir -a "$(configz .rejected)" = false ]'
stop
check "second run: SIGTERM, exit 0" [ "$RC" = 0 ]

# ---- 4. a good, different directory at restart: the directory wins
printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: extra}\nspec: {hosts: [extra.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}\n' >"$D/50-extra.yaml"
start third "$D" --state-dir "$S"
wait_for 10 '[ "$(configz .loaded)" = true ]'
check "good directory at restart: served, not the saved copy" \
    [ "$(configz .source)" = config-dir -a "$(configz '.resources | length')" = $((NRES + 1)) ]
V3=$(versions third)
check "good directory at restart: the client gets the new Clusters" [ "$V3" != "$V1" ]
stop

# ---- 5. broken directory again: now the newer copy is the one served
echo 'kind: [' >"$D/98-syntax.yaml"
start fourth "$D" --state-dir "$S"
wait_for 10 '[ "$(configz .loaded)" = true ]'
check "broken again: the newest saved copy is served" \
    [ "$(configz .source)" = state-dir -a "$(configz '.resources | length')" = $((NRES + 1)) ]
stop

# ---- 6. no directory at all: the saved copy, until the directory appears
# (a missing directory at start is an error unless the operator says it
# comes later: cli_serve.sh)
mv "$D" "$D.away"
start sixth "$D" --state-dir "$S" --allow-missing-config-dir
wait_for 10 '[ "$(configz .loaded)" = true ]'
check "missing directory: the saved copy is served" \
    [ "$(configz .source)" = state-dir -a "$(configz '.resources | length')" = $((NRES + 1)) ]
rm "$D.away/98-syntax.yaml" "$D.away/50-extra.yaml"
mv "$D.away" "$D"
check "missing directory: once it appears, it is served" \
    wait_for 10 '[ "$(configz .source)" = config-dir -a "$(configz ".resources | length")" = $NRES ]'
stop
check "missing directory: SIGTERM, exit 0" [ "$RC" = 0 ]
echo 'kind: [' >"$D/98-syntax.yaml"

# ---- 7. a damaged copy is not served
size=$(wc -c <"$S/last-good.xdsd")
truncate -s $((size / 2)) "$S/last-good.xdsd"
start fifth "$D" --state-dir "$S"
sleep 0.2
check "truncated copy: nothing served" [ "$(configz .loaded)" = false ]
check "truncated copy: the log says why" grep -q 'last-good.xdsd.* is unusable: truncated' "$LOG"
stop
check "truncated copy: SIGTERM, exit 0" [ "$RC" = 0 ]

summary
