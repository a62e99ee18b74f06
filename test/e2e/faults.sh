#!/bin/sh
# faults.sh - `xdsd serve` against a damaged configuration directory: a 200 MB
# file, a YAML alias bomb, deeply nested YAML, a configuration whose Clusters
# exceed the response limit (--max-response-bytes 4 MiB), unreadable files and directories,
# the directory replaced by a file, the directory deleted. Each time: xdsd
# keeps running, the last good configuration keeps being served (the same
# generation on /debug/configz, the same /debug/config_dump for a connected
# client, which gets no new push), and the rejection shows in the log, in
# /debug/configz and in xdsd_config_reloads_total{result="rejected"}.
# Last, SIGTERM while large pushes are in flight: exit 0 within a second.
set -u
cd "$(dirname "$0")/../.." || exit 1
. test/e2e/lib.sh

T=$(mktemp -d /tmp/xdsd-faults.XXXXXX)
chmod 755 "$T"
trap 'end $CPID $PID; rm -rf "$T"' EXIT
PID=0
CPID=0
NODE="sidecar~10.0.0.1~e2e.default~default.svc.cluster.local"

# many_hosts N FILE: a ServiceEntry of N hosts, N + 2 Clusters for a sidecar
many_hosts() {
    {
        printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n'
        printf 'metadata: {name: many-hosts, namespace: default}\nspec:\n  hosts:\n'
        i=0
        awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "  - h%d.example-external-service.com\n", i }'
        printf '  ports: [{number: 443, name: tls, protocol: TLS}]\n  resolution: DNS\n'
    } >"$2"
}

# serve NAME DIR [OPTION...]: start xdsd with a client; note what is served
serve() {
    start "$@" || return 1
    wait_for 10 '[ "$(configz .generation)" = 1 ]'
    GEN=$(configz .generation)
    NRES=$(configz '.resources | length')
    REJ=0
    client "$1"
    wait_for 10 'grep -q "^cds" "$COUT"'
    DUMP=$(get "/debug/config_dump?proxyID=$NODE" | md5sum)
    check "$1: serving generation 1 ($NRES resources) to a client" \
        [ "$GEN" = 1 -a "$NRES" -gt 0 -a "$(grep -c '^cds' "$COUT")" = 1 ]
}

# rejected NAME MESSAGE-REGEX: after damage, everything still as it was
rejected() {
    want=$((REJ + 1))
    # a reload that translates 20,000 hosts under the sanitizers, on a busy
    # machine, takes a while: wait long (the wait ends when it is there)
    if ! wait_for 60 '[ "$(configz .reloads.rejected)" -ge $want ]'; then
        nok "$1: no reload was rejected"
        return
    fi
    REJ=$want
    check "$1: xdsd still running" kill -0 "$PID"
    check "$1: /debug/configz says rejected" [ "$(configz .rejected)" = true ]
    check "$1: /debug/configz names the error" \
        sh -c "curl -sf http://127.0.0.1:$DBG/debug/configz |
            jq -r '.errors[] | \"\\(.file):\\(.line): \\(.message)\"' | grep -Eq '$2'"
    check "$1: the log names the error" grep -Eq "$2" "$LOG"
    check "$1: metric counts it" \
        [ "$(metric 'xdsd_config_reloads_total{result="rejected"}')" -ge "$want" ]
    check "$1: generation $GEN and its $NRES resources still served" \
        [ "$(configz .generation)" = "$GEN" -a "$(configz '.resources | length')" = "$NRES" ]
    check "$1: the client's config_dump is unchanged" \
        [ "$(get "/debug/config_dump?proxyID=$NODE" | md5sum)" = "$DUMP" ]
    check "$1: the client got no new push" [ "$(grep -c '^cds' "$COUT")" = 1 ]
}

# repaired NAME: the damage undone, the same content is served, no push
repaired() {
    check "$1 undone: accepted again, same generation" \
        wait_for 60 '[ "$(configz .rejected)" = false -a "$(configz .generation)" = "$GEN" ]'
}

# ---- one server, one fault after another ------------------------------------------------

D=$T/config
cp -r "$GUIDE" "$D"
# Envoys may be sent up to 64 MiB by default; the 4 MiB of gRPC clients keeps
# the configuration that exceeds it small.
serve faults "$D" --max-response-bytes 4194304

printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n' >"$D/huge.yaml"
truncate -s 200M "$D/huge.yaml" # sparse: 200 MB as far as stat and read are concerned
rejected "200 MB file" 'huge.yaml.*over the limit of 64 MiB'
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status")
check "200 MB file: xdsd's resident size stays small ($rss kB)" [ "$rss" -lt 200000 ]
rm "$D/huge.yaml"
repaired "200 MB file"

{
    echo 'a: &a ["x","x","x","x","x","x","x","x","x"]'
    for l in b c d e f g h i; do
        p=$(printf '%s' "$l" | tr 'b-i' 'a-h')
        echo "$l: &$l [*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p]"
    done
} >"$D/bomb.yaml"
rejected "YAML alias bomb" 'bomb.yaml.*once aliases are expanded'
rm "$D/bomb.yaml"
repaired "YAML alias bomb"

awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' \
    >"$D/deep.yaml"
rejected "deeply nested YAML" 'deep.yaml.*nesting deeper than'
rm "$D/deep.yaml"
repaired "deeply nested YAML"

# written beside the directory and renamed in: a reload must not see half of it
many_hosts 20000 "$T/many.yaml" && mv "$T/many.yaml" "$D/many.yaml"
rejected "response over 4 MiB" 'refused at publish: proxy class sidecar.*cds response.*over the 4194304-byte'
rm "$D/many.yaml"
repaired "response over 4 MiB"

mv "$D" "$D.moved"
printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: lone}\nspec: {hosts: [lone.example.com], ports: [{number: 80, name: http, protocol: HTTP}]}\n' >"$D"
rejected "directory replaced by a file" 'no longer a directory'
end "$CPID"
stop
check "directory replaced by a file: SIGTERM, exit 0" [ "$RC" = 0 ]
rm -f "$D"

# ---- deleted ----------------------------------------------------------------------------

D=$T/config2
cp -r "$GUIDE" "$D"
serve deleted "$D"
rm -rf "$D"
rejected "directory deleted" 'cannot read.*No such file'
cp -r "$GUIDE" "$D.new" && mv "$D.new" "$D"
repaired "directory deleted"
rm -rf "$D"
mkdir "$D"
cp "$GUIDE/01-serviceentry.yaml" "$D/"
check "directory deleted, then back with one file: reloaded (generation 2, 1 resource)" \
    wait_for 10 '[ "$(configz .generation)" = 2 -a "$(configz ".resources | length")" = 1 ]'
end "$CPID"
stop
check "directory deleted: SIGTERM, exit 0" [ "$RC" = 0 ]

# ---- unreadable: root reads anything, so xdsd runs as nobody here -----------------------

D=$T/config3
cp -r "$GUIDE" "$D"
chmod -R a+rX "$D"
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 &&
    setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
    RUNAS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    serve unreadable "$D"
    chmod 000 "$D/01-serviceentry.yaml"
    rejected "unreadable file" '01-serviceentry.yaml.*cannot open: Permission denied'
    chmod 644 "$D/01-serviceentry.yaml"
    repaired "unreadable file"
    chmod 000 "$D"
    rejected "unreadable directory" 'cannot read directory: Permission denied'
    chmod 755 "$D"
    repaired "unreadable directory"
    end "$CPID"
    stop
    check "unreadable: SIGTERM, exit 0" [ "$RC" = 0 ]
    RUNAS=
else
    echo "# SKIPPED: unreadable files and directories (needs setpriv and user nobody: root reads anything)"
fi

# ---- SIGTERM while pushes are in flight -------------------------------------------------

D=$T/config4
mkdir "$D"
many_hosts 4000 "$D/many.yaml" # about 3.7 MB of Listeners per response
start push "$D"
client push 40
if wait_for 20 'grep -q "^cds" "$COUT"'; then
    t0=$(date +%s%N)
    kill -TERM "$PID"
    wait_for 5 '! kill -0 "$PID" 2>/dev/null'
    t1=$(date +%s%N)
    wait "$PID"
    RC=$?
    ms=$(((t1 - t0) / 1000000))
    echo "# SIGTERM during a push of 40 x 5 MB: xdsd exited $RC after $ms ms"
    check "SIGTERM during a push: exit 0" [ "$RC" = 0 ]
    check "SIGTERM during a push: gone within a second ($ms ms)" [ "$ms" -le 1000 ]
    check "SIGTERM during a push: the client saw its stream end" wait_for 5 'grep -q "^ended" "$COUT"'
else
    nok "SIGTERM during a push: the client got no Clusters"
    stop
fi
end "$CPID"

summary
