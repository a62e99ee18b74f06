#!/bin/sh
# analyze.sh - `xdsd analyze` over the real binary: the examples, the exit
# codes (0, 1 at --fail-on, 2 usage), the text and JSON forms, the flags
# that change the answer, and --live against a running `xdsd serve` with
# real ADS clients connected (a gateway proxy whose labels a Gateway
# selects, or only a sidecar). Ends "N passed, M failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
. test/e2e/lib.sh

T=$(mktemp -d /tmp/xdsd-analyze.XXXXXX)
trap 'end $CPID $PID; rm -rf "$T"' EXIT
PID=0
CPID=0

# a ARGS...: `xdsd analyze ARGS`; stdout in OUT, stderr in ERR, status in RC
a() {
    timeout 30 "$XDSD" analyze "$@" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}
out_has() { printf '%s\n' "$OUT" | grep -Eq -- "$1"; }
err_has() { printf '%s\n' "$ERR" | grep -Eq -- "$1"; }
cond() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

MTLS=test/data/config/guide/http-egress-mtls

# ---- the examples: no error but the guide's TLS origination without a CA ----------------

for d in examples/*/config; do
    a "$d" -o json
    others=$(printf '%s' "$OUT" |
        jq '[.[] | select(.level == "Error" and .code != "IST0128" and .code != "IST0129")] | length')
    cond "$d: no error but IST0128/IST0129" '[ "$others" = 0 ]'
done
a examples/tls-origination/config
cond "tls-origination: IST0129 at the port-level entry, exit 1" \
    '[ "$RC" = 1 ] && out_has "^Error \[IST0129\] \(DestinationRule default/originate-tls-for-edition-cnn-com examples/tls-origination/config/[^ ]+\.yaml:[0-9]+:[0-9]+\) .*caCertificates"'
a examples/http-egress-mtls/config
cond "http-egress-mtls: nothing found, exit 0" \
    '[ "$RC" = 0 ] && out_has "No validation issues found when analyzing 4 files, 5 resources"'

# ---- exit codes and forms ------------------------------------------------------------------

mkdir "$T/bad"
cp "$MTLS"/*.yaml "$T/bad/"
sed -i 's/^  - istio-egressgateway$/  - istio-egresgateway/' "$T/bad/"*virtualservice*.yaml
a "$T/bad"
cond "a missing Gateway: exit 1, IST0101 on stdout as istioctl prints it" \
    '[ "$RC" = 1 ] && out_has "^Error \[IST0101\] \(VirtualService default/direct-cnn-through-egress-gateway $T/bad/[^ ]+:[0-9]+:[0-9]+\) Gateway default/istio-egresgateway not found"'
cond "a configuration that does not load: validate's lines on stderr too" \
    'err_has "^$T/bad/[^ ]+:[0-9]+:[0-9]+: error: VirtualService default/direct-cnn-through-egress-gateway: Gateway"'
a "$T/bad" --fail-on never
cond "--fail-on never: a configuration that does not load still exits 1" '[ "$RC" = 1 ]'

mkdir "$T/warn"
cp "$MTLS"/*.yaml "$T/warn/"
cat >"$T/warn/bbc.yaml" <<'EOF'
apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata:
  name: bbc
spec:
  hosts: [www.bbc.com]
  ports:
  - {number: 80, name: http-port, protocol: HTTP}
  resolution: DNS
EOF
a "$T/warn"
cond "a warning (XDS1002 bypass) and the default --fail-on error: exit 0" \
    '[ "$RC" = 0 ] && out_has "^Warning \[XDS1002\] \(ServiceEntry default/bbc $T/warn/bbc.yaml:8:5\) sidecars reach .www.bbc.com. port 80 directly"'
a "$T/warn" --fail-on warning
cond "--fail-on warning: exit 1" '[ "$RC" = 1 ]'
a "$T/warn" -o json --fail-on never
cond "-o json: an array of {code, level, kind, namespace, name, file, line, column, message}" \
    '[ "$RC" = 0 ] && [ "$(printf "%s" "$OUT" | jq -r ".[0] | [.code, .level, .kind, .namespace, .name, .line, .column] | join(\" \")")" = "XDS1002 Warning ServiceEntry default bbc 8 5" ] && [ "$(printf "%s" "$OUT" | jq -r ".[0].file")" = "$T/warn/bbc.yaml" ]'

# the flags serve takes change the answer
a "$MTLS" --mesh-certs /elsewhere
cond "--mesh-certs: the gateway's MUTUAL CA is no longer the mesh root (XDS1003), exit 1" \
    '[ "$RC" = 1 ] && out_has "^Error \[XDS1003\] .*MUTUAL with a CA that is not the mesh.s root"'
cat >"$T/warn/tcp.yaml" <<'EOF'
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: api
spec:
  hosts: [api.unknown.example]
  tls:
  - match: [{port: 443, sniHosts: [api.unknown.example]}]
    route:
    - destination: {host: edition.cnn.com, port: {number: 443}}
EOF
a "$T/warn"
cond "ALLOW_ANY: no XDS1006" '! out_has XDS1006'
a "$T/warn" --outbound-traffic-policy REGISTRY_ONLY
cond "--outbound-traffic-policy REGISTRY_ONLY: XDS1006, exit 1" \
    '[ "$RC" = 1 ] && out_has "^Error \[XDS1006\] \(VirtualService default/api "'
rm "$T/warn/tcp.yaml"

cat examples/tls-origination/config/*.yaml | sed 's/^apiVersion/---\napiVersion/' >"$T/all.yaml"
a - <"$T/all.yaml"
cond "'-' reads standard input, named <stdin>" \
    '[ "$RC" = 1 ] && out_has "^Error \[IST0129\] \(DestinationRule default/originate-tls-for-edition-cnn-com <stdin>:[0-9]+:[0-9]+\)"'

# usage
a
cond "no PATH: exit 2" '[ "$RC" = 2 ] && err_has "no PATH given"'
a "$T/nowhere"
cond "a PATH that is not there: exit 2" '[ "$RC" = 2 ] && err_has "cannot read"'
a "$MTLS" -o yaml
cond "-o yaml: exit 2, names the flag" '[ "$RC" = 2 ] && err_has "--output .yaml."'
a "$MTLS" --fail-on info
cond "--fail-on info: exit 2" '[ "$RC" = 2 ] && err_has "--fail-on .info."'
a --live "$MTLS"
cond "--live with a PATH: exit 2" '[ "$RC" = 2 ]'
a --help
cond "--help lists --live and --fail-on" '[ "$RC" = 0 ] && out_has "--live" && out_has "--fail-on"'

# ---- --live against a running server --------------------------------------------------------

a --live --debug-addr 127.0.0.1:1
cond "--live, nothing listening: exit 1, one line" \
    '[ "$RC" = 1 ] && err_has "cannot reach xdsd at 127.0.0.1:1" && [ "$(wc -l <"$T/err")" = 1 ]'

cp -r "$MTLS" "$T/live"
if start live "$T/live"; then
    a --live --debug-addr "127.0.0.1:$DBG"
    cond "--live, no proxy connected: XDS1001 (no connected gateway proxy), exit 0" \
        '[ "$RC" = 0 ] && out_has "^Warning \[XDS1001\] \(Gateway default/istio-egressgateway $T/live/[^ ]+:[0-9]+:[0-9]+\) .*no connected gateway proxy"'
    a --live --debug-addr "127.0.0.1:$DBG" --fail-on warning
    cond "--live --fail-on warning: exit 1" '[ "$RC" = 1 ]'

    # a sidecar alone is no gateway
    client sidecar 1
    wait_for 10 '[ "$(get /debug/syncz | jq length)" = 1 ]'
    a --live --debug-addr "127.0.0.1:$DBG" -o json
    cond "--live -o json, only a sidecar connected: XDS1001" \
        '[ "$(printf "%s" "$OUT" | jq -r "[.[] | .code] | join(\",\")")" = XDS1001 ]'
    end $CPID
    wait $CPID 2>/dev/null
    CPID=0

    # the gateway proxy the selector names
    ADS_CLIENT_LABELS="istio=egressgateway app=istio-egressgateway" \
        client gateway 1 "router~10.0.0.2~gw.istio-system~istio-system.svc.cluster.local"
    wait_for 10 '[ "$(get /debug/syncz | jq "[.[] | select(.proxy | startswith(\"router\"))] | length")" = 1 ]'
    a --live --debug-addr "127.0.0.1:$DBG"
    cond "--live, the gateway proxy connected: nothing found, exit 0" \
        '[ "$RC" = 0 ] && out_has "No validation issues found when analyzing the configuration served at 127.0.0.1:$DBG"'

    # the server's own settings, and the command line's over them
    a --live --debug-addr "127.0.0.1:$DBG" --mesh-certs /elsewhere
    cond "--live --mesh-certs: analyzed with the flag's value (XDS1003)" \
        '[ "$RC" = 1 ] && out_has "^Error \[XDS1003\]"'

    # an edit the server reloads is what --live sees
    sed -i 's/^  - istio-egressgateway$/  - istio-egresgateway/' "$T/live/"*virtualservice*.yaml
    wait_for 10 '[ "$(get /debug/configz | jq .rejected)" = true ]'
    a --live --debug-addr "127.0.0.1:$DBG"
    cond "--live, the last reload rejected: its errors, exit 1" \
        '[ "$RC" = 1 ] && out_has "^Error \[IST0101\] .*istio-egresgateway not found"'
    end $CPID
    wait $CPID 2>/dev/null
    CPID=0
    stop
    cond "xdsd stops cleanly after being analyzed" '[ "$RC" = 0 ]'
else
    nok "xdsd serve did not start"
fi

if start missing "$T/not-yet" --allow-missing-config-dir; then
    a --live --debug-addr "127.0.0.1:$DBG"
    cond "--live before a configuration is loaded: exit 1, the server's answer in one line" \
        '[ "$RC" = 1 ] && err_has "answered 503: .*no configuration loaded" && [ "$(wc -l <"$T/err")" = 1 ]'
    stop
else
    nok "xdsd serve --allow-missing-config-dir did not start"
fi

if start registry "$T/warn" --outbound-traffic-policy REGISTRY_ONLY; then
    cat >"$T/warn/tcp.yaml" <<'EOF'
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: api
spec:
  hosts: [api.unknown.example]
  tls:
  - match: [{port: 443, sniHosts: [api.unknown.example]}]
    route:
    - destination: {host: edition.cnn.com, port: {number: 443}}
EOF
    wait_for 10 '[ "$(get /debug/configz | jq "[.resources[] | select(.name == \"api\")] | length")" = 1 ]'
    a --live --debug-addr "127.0.0.1:$DBG"
    cond "--live: the server's own --outbound-traffic-policy REGISTRY_ONLY (XDS1006)" \
        '[ "$RC" = 1 ] && out_has "^Error \[XDS1006\]"'
    a --live --debug-addr "127.0.0.1:$DBG" --outbound-traffic-policy ALLOW_ANY
    cond "--live --outbound-traffic-policy ALLOW_ANY overrides it" '! out_has XDS1006'
    stop
else
    nok "xdsd serve --outbound-traffic-policy REGISTRY_ONLY did not start"
fi

summary
