#!/bin/sh
# proxy_config.sh - `xdsd proxy-config` against a running `xdsd serve` on the
# guide's TLS origination scenario (mutual TLS to the egress gateway), with
# real ADS clients (sub_client: every type, ACKed): istioctl's tables, the
# forms of PROXY (node id, POD.NAMESPACE, unique prefix; ambiguous and
# unknown ones list the candidates), --name and --port, JSON and YAML, and
# what the dashboard reads: /debug/proxy_config, /debug/uiz and its stamp.
set -u
cd "$(dirname "$0")/../.." || exit 1
. test/e2e/lib.sh

SUB=${SUB:-$BUILD/test/e2e/sub_client}
T=$(mktemp -d /tmp/xdsd-pc.XXXXXX)
PID=0 C1=0 C2=0
trap 'end $C1 $C2 $PID; rm -rf "$T"' EXIT

SLEEP=sidecar~10.0.0.1~sleep.default~default.svc.cluster.local
SLEEP2=sidecar~10.0.0.3~sleep-v2.default~default.svc.cluster.local

# pc ARGS...: `xdsd proxy-config ARGS` against the server; OUT, ERR, RC
pc() {
    "$XDSD" proxy-config "$@" --debug-addr "127.0.0.1:$DBG" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}
# has TEXT REGEX: a line of TEXT matches (spaces between columns: ' +')
has() { printf '%s\n' "$1" | grep -Eq -- "$2"; }
cond() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

cp -r test/data/config/guide/tls-origination-mtls "$T/config"
start pc "$T/config" --mesh-certs "$T/certs" || { summary; exit 1; }
"$SUB" "127.0.0.1:$XDS" "$SLEEP" >"$T/c1.out" 2>&1 &
C1=$!
"$SUB" "127.0.0.1:$XDS" "$SLEEP2" >"$T/c2.out" 2>&1 &
C2=$!
synced() { [ "$(get /debug/syncz | jq '[.[] | .resources[] | select(.status == "SYNCED")] | length')" = 8 ]; }
check "two clients connected, every type SYNCED" wait_for 20 synced

# ---- the tables ----------------------------------------------------------------------------

pc clusters sleep.default
cond "clusters: istioctl's columns" \
    'has "$OUT" "^SERVICE FQDN +PORT +SUBSET +DIRECTION +TYPE +DESTINATION RULE$"'
cond "clusters: the DNS cluster TLS is originated for, with its DestinationRule" \
    'has "$OUT" "^edition\.cnn\.com +443 +- +outbound +STRICT_DNS +originate-tls-for-edition-cnn-com\.default$"'
cond "clusters: the gateway's subset cluster, EDS" \
    'has "$OUT" "^istio-egressgateway\.istio-system\.svc\.cluster\.local +443 +cnn +outbound +EDS +egressgateway-for-cnn\.default$"'
cond "clusters: Istio's fixed clusters without port or direction" \
    'has "$OUT" "^PassthroughCluster +- +- +- +ORIGINAL_DST +-$" && has "$OUT" "^BlackHoleCluster +- +- +- +STATIC +-$"'
cond "clusters: exit 0, nothing on stderr" '[ "$RC" = 0 ] && [ -z "$ERR" ]'

pc listeners "$SLEEP"
cond "listeners: istioctl's columns" 'has "$OUT" "^ADDRESSES +PORT +MATCH +DESTINATION$"'
cond "listeners: the HTTP chain of port 80 and its route" \
    'has "$OUT" "^0\.0\.0\.0 +80 +Trans: raw_buffer; App: http/1\.1,h2c +Route: 80$"'
cond "listeners: the default chain, to PassthroughCluster" \
    'has "$OUT" "^0\.0\.0\.0 +80 +ALL +Cluster: PassthroughCluster$"'

pc routes sleep.default
cond "routes: istioctl's columns" 'has "$OUT" "^NAME +VHOST NAME +DOMAINS +MATCH +VIRTUAL SERVICE$"'
cond "routes: port 80's route to the gateway, from its VirtualService" \
    'has "$OUT" "^80 +edition\.cnn\.com:80 +edition\.cnn\.com +/\* +direct-cnn-through-egress-gateway\.default$"'

pc endpoints sleep.default
cond "endpoints: istioctl's columns" 'has "$OUT" "^ENDPOINT +STATUS +OUTLIER CHECK +CLUSTER$"'
cond "endpoints: the gateway's endpoint of its EDS cluster" \
    'has "$OUT" "^127\.0\.0\.1:[0-9]+ +HEALTHY +- +outbound\|443\|cnn\|istio-egressgateway\.istio-system\.svc\.cluster\.local$"'
cond "endpoints: a DNS cluster's host, from the cluster itself" \
    'has "$OUT" "^edition\.cnn\.com:443 +HEALTHY +- +outbound\|443\|\|edition\.cnn\.com$"'

pc secrets sleep.default
cond "secrets: 'no secrets' for a sidecar that references none" '[ "$RC" = 0 ] && [ "$OUT" = "no secrets" ]'
pc secrets sleep.default -o json
cond "secrets -o json: an empty list for it" \
    '[ "$RC" = 0 ] && [ "$(printf "%s" "$OUT" | jq -c .)" = "[]" ]'

pc all sleep.default
cond "all: every table under its heading" \
    'has "$OUT" "^clusters:$" && has "$OUT" "^listeners:$" && has "$OUT" "^routes:$" && has "$OUT" "^endpoints:$" && has "$OUT" "^secrets:$"'

# ---- filters and formats -------------------------------------------------------------------

pc clusters sleep.default --name edition.cnn.com --port 443
cond "--name (an FQDN) and --port keep one cluster" \
    '[ "$(printf "%s\n" "$OUT" | wc -l)" = 2 ] && has "$OUT" "^edition\.cnn\.com +443 "'
pc listeners sleep.default --port 80
cond "--port keeps the listeners of that port" \
    '[ "$(printf "%s\n" "$OUT" | sed 1d | grep -Evc "^0\.0\.0\.0 +80 ")" = 0 ] && [ "$(printf "%s\n" "$OUT" | wc -l)" -ge 3 ]'
pc routes sleep.default --port 443
cond "routes --port: the route configuration of that port only" \
    '[ "$(printf "%s\n" "$OUT" | sed 1d | grep -Evc "^443 ")" = 0 ] && has "$OUT" "^443 "'
pc clusters sleep.default -o json --name "outbound|443||edition.cnn.com"
cond "-o json: the Cluster itself, with its TLS origination" \
    '[ "$(printf "%s" "$OUT" | jq -r "length, .[0].name, .[0].transport_socket.typed_config.sni" | tr "\n" " ")" = "1 outbound|443||edition.cnn.com edition.cnn.com " ]'
pc all sleep.default -o json
cond "-o json all: the whole config_dump, as /debug/config_dump answers" \
    '[ "$(printf "%s" "$OUT" | jq -S .)" = "$(get "/debug/config_dump?proxyID=$SLEEP" | jq -S .)" ]'
pc listeners sleep.default -o yaml --port 80
cond "-o yaml: the Listener in YAML" \
    'has "$OUT" "^(- |  )name: \"0\.0\.0\.0_80\"$" && has "$OUT" "^(- |  )\"@type\": \"type\.googleapis\.com/envoy\.config\.listener\.v3\.Listener\"$"'
if command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' 2>/dev/null; then
    cond "-o yaml reads back as the same data as -o json" \
        '[ "$(python3 -c "import sys, yaml, json; print(json.dumps(yaml.safe_load(open(sys.argv[1])), sort_keys=True))" "$T/out")" = "$("$XDSD" proxy-config listeners sleep.default --port 80 -o json --debug-addr 127.0.0.1:$DBG | jq -cS . | python3 -c "import sys, json; print(json.dumps(json.load(sys.stdin), sort_keys=True))")" ]'
fi

# ---- which proxy ---------------------------------------------------------------------------

pc clusters "$SLEEP"
cond "PROXY: a node id" '[ "$RC" = 0 ] && has "$OUT" "^edition\.cnn\.com "'
pc clusters sleep-v
cond "PROXY: a unique prefix of POD.NAMESPACE" '[ "$RC" = 0 ] && has "$OUT" "^edition\.cnn\.com "'
pc clusters sidecar~10.0.0.3
cond "PROXY: a unique prefix of the node id" '[ "$RC" = 0 ] && has "$OUT" "^edition\.cnn\.com "'
pc clusters sleep
cond "PROXY: an ambiguous prefix fails and lists both candidates" \
    '[ "$RC" = 1 ] && [ -z "$OUT" ] && has "$ERR" "names 2 connected proxies" && has "$ERR" "^  $SLEEP$" && has "$ERR" "^  $SLEEP2$"'
pc clusters nosuch.default
cond "PROXY: an unknown one fails and lists the connected proxies" \
    '[ "$RC" = 1 ] && has "$ERR" "no proxy .nosuch\.default. is connected" && has "$ERR" "^  $SLEEP$"'

# ---- usage and failures --------------------------------------------------------------------

pc bogus sleep.default
cond "an unknown type is a usage error (exit 2)" '[ "$RC" = 2 ] && has "$ERR" "unknown type .bogus."'
"$XDSD" proxy-config clusters >/dev/null 2>&1
cond "no PROXY: usage error (exit 2)" '[ $? = 2 ]'
"$XDSD" proxy-config clusters sleep.default --port 70000 >/dev/null 2>&1
cond "--port out of range: usage error (exit 2)" '[ $? = 2 ]'
"$XDSD" proxy-config clusters sleep.default --debug-addr 127.0.0.1:1 >"$T/out" 2>"$T/err"
cond "an unreachable server: exit 1, one line naming the address" \
    '[ $? = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "cannot connect to 127.0.0.1:1" "$T/err"'

# ---- the dashboard's endpoint --------------------------------------------------------------

J=$(get "/debug/proxy_config?proxyID=sleep.default&type=clusters")
cond "/debug/proxy_config: the same table as the command, as JSON" \
    '[ "$(printf "%s" "$J" | jq -r ".tables[0].columns | join(\",\")")" = "SERVICE FQDN,PORT,SUBSET,DIRECTION,TYPE,DESTINATION RULE" ] &&
     printf "%s" "$J" | jq -e ".tables[0].rows | map(select(.[0] == \"edition.cnn.com\" and .[1] == \"443\")) | length == 1" >/dev/null'
cond "/debug/proxy_config: 400 for a bad type, 404 for an unknown proxy" \
    '[ "$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$DBG/debug/proxy_config?proxyID=sleep.default&type=x")" = 400 ] &&
     [ "$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$DBG/debug/proxy_config?proxyID=nosuch&type=all")" = 404 ]'

S=$(get /debug/uiz | jq -r .stamp)
cond "/debug/uiz: both proxies' states, and only the stamp when nothing changed" \
    '[ "$(get "/debug/uiz?since=x" | jq "[.state.proxies[].types[].status] | map(select(. == \"SYNCED\")) | length")" = 8 ] &&
     [ "$(get "/debug/uiz?since=$S" | jq -c .)" = "{\"stamp\":\"$S\",\"unchanged\":true}" ]'
end $C2
C2=0
cond "/debug/uiz: a new stamp once a proxy leaves" \
    'wait_for 10 "[ \"\$(get /debug/uiz | jq -r .stamp)\" != \"$S\" ]" && [ "$(get /debug/uiz | jq ".state.proxies | length")" = 1 ]'
H=$(curl -sI "http://127.0.0.1:$DBG/ui")
cond "/ui: HTML, with a policy that allows nothing inline or from elsewhere" \
    'printf "%s" "$H" | grep -qi "^content-type: text/html" && printf "%s" "$H" | grep -qi "^content-security-policy: default-src .self.;"'

end $C1
C1=0
stop
cond "xdsd exits 0 on SIGTERM" '[ "$RC" = 0 ]'
PID=0

# ---- secrets: a gateway whose server names a credential (served over SDS) -------------------

mkdir -p "$T/gw" "$T/secrets"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/gw-key.pem" \
    -out "$T/gw.pem" -days 30 -subj /CN=gw -addext subjectAltName=DNS:gw.example.com >/dev/null 2>&1
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cred\n  namespace: istio-system\n' \
    >"$T/secrets/cred.yaml"
printf 'type: kubernetes.io/tls\ndata:\n  tls.crt: %s\n  tls.key: %s\n' "$(base64 -w0 <"$T/gw.pem")" \
    "$(base64 -w0 <"$T/gw-key.pem")" >>"$T/secrets/cred.yaml"
cat >"$T/gw/gw.yaml" <<EOF
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: cred}
EOF
# plaintext xDS on loopback: the key may go to the namespace the proxy claims
start pcgw "$T/gw" --secrets-dir "$T/secrets" --insecure-plaintext-secrets || { summary; exit 1; }
GW=router~10.0.0.2~gw.istio-system~istio-system.svc.cluster.local
ADS_CLIENT_LABELS="istio=ingressgateway" "$SUB" "127.0.0.1:$XDS" "$GW" >"$T/c3.out" 2>&1 &
C1=$!
check "a gateway connected" wait_for 20 '[ "$(get /debug/syncz | jq length)" = 1 ]'
serial=$(openssl x509 -in "$T/gw.pem" -noout -serial | sed 's/.*=//')
after=$(date -u -d "$(openssl x509 -in "$T/gw.pem" -noout -enddate | sed 's/.*=//')" +%Y-%m-%dT%H:%M:%SZ)
pc secrets gw.istio-system
cond "secrets: istioctl's columns" \
    'has "$OUT" "^RESOURCE NAME +TYPE +STATUS +VALID CERT +SERIAL NUMBER +NOT AFTER +NOT BEFORE$"'
cond "secrets: the gateway's credential, ACTIVE, with its serial and expiry" \
    'has "$OUT" "^kubernetes://cred +tls_certificate +ACTIVE +true +$serial +$after +"'
pc secrets gw.istio-system -o json
cond "secrets -o json: its fingerprint, never its key" \
    '[ "$(printf "%s" "$OUT" | jq -r ".[0].name")" = "kubernetes://cred" ] &&
     printf "%s" "$OUT" | jq -e ".[0].fingerprint_sha256 | test(\"^[0-9A-F:]{95}$\")" >/dev/null &&
     ! printf "%s" "$OUT" | grep -q "PRIVATE KEY"'
end $C1
C1=0
stop
PID=0
summary
