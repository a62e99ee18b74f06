#!/bin/sh
# secrets.sh - no private key material leaves xdsd through its outputs.
#
# A configuration that uses TLS with key files generated here (a
# DestinationRule MUTUAL with clientCertificate/privateKey, a Gateway SIMPLE
# with serverCertificate/privateKey, --mesh-certs with key.pem) is served to
# a sidecar and a gateway proxy. Every debug endpoint, every proxy's
# config_dump, /metrics, the log and `xdsd dump` are searched for
# "PRIVATE KEY": none may hold it. The key files' paths must be there (the TLS
# configuration was translated), their contents never.
set -u
cd "$(dirname "$0")/../.." || exit 1
. test/e2e/lib.sh

T=$(mktemp -d /tmp/xdsd-secrets.XXXXXX)
trap 'end $CPID $CPID2 $PID; rm -rf "$T"' EXIT
PID=0
CPID=0
CPID2=0
K=$T/keys
D=$T/config
mkdir -p "$K" "$D" "$T/mesh"
SIDECAR="sidecar~10.0.0.1~e2e.default~default.svc.cluster.local"
ROUTER="router~10.0.0.2~gw.istio-system~istio-system.svc.cluster.local"

if ! command -v openssl >/dev/null; then
    echo "# SKIPPED: no openssl"
    echo "0 passed, 0 failed"
    exit 0
fi
# keys in three PEM flavours: PKCS#8, traditional RSA/EC
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=ca -keyout "$K/ca-key.pem" \
    -out "$K/ca.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=client \
    -keyout "$K/client-key.pem" -out "$K/client.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$K/server-key.pem" 2>/dev/null
openssl req -x509 -new -key "$K/server-key.pem" -days 1 -subj /CN=gw -out "$K/server.pem" \
    2>/dev/null
cp "$K/client.pem" "$T/mesh/cert-chain.pem"
cp "$K/client-key.pem" "$T/mesh/key.pem"
cp "$K/ca.pem" "$T/mesh/root-cert.pem"
check "test keys generated" grep -q "PRIVATE KEY" "$K/client-key.pem" "$K/server-key.pem"

cat >"$D/tls.yaml" <<EOF
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: default}
spec:
  hosts: [api.example.com]
  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 443}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api-mtls, namespace: default}
spec:
  host: api.example.com
  trafficPolicy:
    tls:
      mode: MUTUAL
      clientCertificate: $K/client.pem
      privateKey: $K/client-key.pem
      caCertificates: $K/ca.pem
      sni: api.example.com
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls:
      mode: SIMPLE
      serverCertificate: $K/server.pem
      privateKey: $K/server-key.pem
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: istio-system}
spec:
  hosts: [api.example.com]
  gateways: [gw]
  http:
  - route:
    - destination: {host: api.example.com, port: {number: 80}}
EOF

check "the configuration is valid" "$XDSD" validate "$D"
start secrets "$D" --mesh-certs "$T/mesh"
client sidecar 1 "$SIDECAR"
CPID2_OUT=$COUT
CPID2=$CPID
client router 1 "$ROUTER"
wait_for 10 'grep -q "^lds" "$COUT" && grep -q "^lds" "$CPID2_OUT"'
check "both proxies connected" [ "$(get /debug/adsz | jq .totalClients)" = 2 ]

O=$T/out
mkdir "$O"
get /debug/configz >"$O/configz"
get /debug/syncz >"$O/syncz"
get /debug/adsz >"$O/adsz"
get /metrics >"$O/metrics"
get /ready >"$O/ready"
get /version >"$O/version"
get "/debug/config_dump?proxyID=$SIDECAR" >"$O/dump-sidecar"
get "/debug/config_dump?proxyID=$ROUTER" >"$O/dump-router"
"$XDSD" dump --config-dir "$D" --proxy "$SIDECAR" --type all >"$O/xdsd-dump-sidecar" 2>&1
"$XDSD" dump --config-dir "$D" --proxy "$ROUTER" --type all >"$O/xdsd-dump-router" 2>&1
"$XDSD" dump --config-dir "$D" --proxy "$ROUTER" --labels istio=ingressgateway \
    --namespace istio-system --type all >"$O/xdsd-dump-router-labels" 2>&1

check "the sidecar's config_dump names its client key file" grep -q "client-key.pem" "$O/dump-sidecar"
check "the gateway's config_dump names its server key file" grep -q "server-key.pem" "$O/dump-router"
check "xdsd dump names the key files" grep -q "client-key.pem" "$O/xdsd-dump-sidecar"
for f in "$O"/* "$LOG"; do
    check "no PRIVATE KEY in $(basename "$f") ($(wc -c <"$f") bytes)" \
        sh -c "! grep -q 'PRIVATE KEY' '$f'"
done

# a key pasted where a path belongs: refused, and not quoted anywhere
{
    printf 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\n'
    printf 'metadata: {name: pasted, namespace: default}\nspec:\n  host: other.example.com\n'
    printf '  trafficPolicy:\n    tls:\n      mode: MUTUAL\n      clientCertificate: %s\n' "$K/client.pem"
    printf '      privateKey: |\n'
    sed 's/^/        /' "$K/client-key.pem"
} >"$D/pasted.yaml"
check "pasted key: the configuration is refused" \
    wait_for 10 '[ "$(configz .rejected)" = true ]'
check "pasted key: the error says why" \
    sh -c "curl -sf http://127.0.0.1:$DBG/debug/configz | grep -q 'privateKey must be the path of a file'"
get /debug/configz >"$O/configz-pasted"
get "/debug/config_dump?proxyID=$SIDECAR" >"$O/dump-sidecar-pasted"
"$XDSD" validate "$D" >"$O/validate-pasted" 2>&1
for f in "$O"/*-pasted "$LOG"; do
    check "pasted key: no PRIVATE KEY in $(basename "$f")" sh -c "! grep -q 'PRIVATE KEY' '$f'"
done
stop
check "SIGTERM, exit 0" [ "$RC" = 0 ]

# bound beyond loopback, the endpoint warns (and only then)
check "a debug endpoint on 127.0.0.1 does not warn" \
    sh -c "! grep -q 'reachable from other hosts' '$LOG'"
start exposed "$D" --debug-listen 0.0.0.0:0
check "a debug endpoint bound to 0.0.0.0 warns" \
    grep -q 'warn debug endpoint on 0.0.0.0:0 is reachable from other hosts' "$LOG"
stop

summary
