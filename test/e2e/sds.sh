#!/bin/sh
# sds.sh - Secrets over SDS from `xdsd serve --secrets-dir`, with mutual TLS
# on the xDS port: which stream gets which secret (sds_e2e, real gRPC
# clients), a rotation that pushes only the Secret, a broken rotation
# withheld, and no private key in /debug/secretz, config dumps or the log.
set -u
cd "$(dirname "$0")/../.." || exit 1
. test/e2e/lib.sh

T=$(mktemp -d /tmp/xdsd-sds.XXXXXX)
trap 'end $PID; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
PID=0
SDS_CLIENT=${SDS_CLIENT:-$BUILD/test/e2e/sds_e2e}
if ! command -v openssl >/dev/null || [ ! -x "$SDS_CLIENT" ]; then
    echo "# no openssl or no $SDS_CLIENT"
    echo "0 passed, 1 failed"
    exit 1
fi
K=$T/tls
S=$T/secrets
D=$T/config
mkdir -p "$K" "$S" "$D"
(
    cd "$K" || exit 1
    ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    openssl req -x509 $ec -keyout ca-key.pem -out ca.pem -days 2 -subj /CN=sds-ca
    for n in server:DNS:xdsd.test \
        client-gw:URI:spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway \
        client:URI:spiffe://cluster.local/ns/default/sa/sleep; do
        name=${n%%:*}
        printf 'subjectAltName=%s\n' "${n#*:}" >$name.ext
        openssl req $ec -keyout $name-key.pem -out $name.csr -subj /CN=$name &&
            openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
                -out $name.pem -days 2 -extfile $name.ext
    done
    # the gateway's credential, twice (the rotation), and a key of another
    for v in 1 2; do
        openssl req -x509 $ec -keyout gw$v-key.pem -out gw$v.pem -days 30 -subj /CN=gw-v$v \
            -addext subjectAltName=DNS:gw.example.com
    done
    openssl req -x509 $ec -keyout stray-key.pem -out stray.pem -days 30 -subj /CN=stray
) >/dev/null 2>&1

# secret NAME CERT KEY: a kubernetes.io/tls Secret in istio-system
secret() {
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: istio-system\n' "$1"
    printf 'type: kubernetes.io/tls\ndata:\n'
    printf '  tls.crt: %s\n' "$(base64 -w0 <"$2")"
    printf '  tls.key: %s\n' "$(base64 -w0 <"$3")"
}
secret cred "$K/gw1.pem" "$K/gw1-key.pem" >"$S/cred.yaml"
secret cred "$K/gw2.pem" "$K/gw2-key.pem" >"$T/rotated.yaml"
secret cred "$K/gw1.pem" "$K/stray-key.pem" >"$T/broken.yaml"

cat >"$D/gw.yaml" <<EOF
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: cred}
  - port: {number: 8443, name: https-typo, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: crde}
EOF

start sds "$D" --secrets-dir "$S" --xds-tls-cert "$K/server.pem" --xds-tls-key "$K/server-key.pem" \
    --xds-tls-ca "$K/ca.pem"
fp1=$(openssl x509 -in "$K/gw1.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
fp2=$(openssl x509 -in "$K/gw2.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
check "/debug/secretz describes the gateway's secret" \
    sh -c "curl -sf http://127.0.0.1:$DBG/debug/secretz | jq -e '.[] | select(.name == \"kubernetes://cred\" and .type == \"tls_certificate\" and .status == \"ACTIVE\" and .fingerprint_sha256 == \"$fp1\" and .line == 8)' >/dev/null"

check "a credentialName that names no Secret: a warning at its server's line" \
    grep -q "$D/gw.yaml:9:.*warning: Gateway istio-system/gw: credentialName 'crde': no Secret" "$LOG"
check "... and on /debug/configz" sh -c "curl -sf http://127.0.0.1:$DBG/debug/configz |
    jq -e '.warnings[] | select(.message | contains(\"crde\"))' >/dev/null"

"$SDS_CLIENT" "127.0.0.1:$XDS" "$K" "$S" "$T/rotated.yaml" >"$T/client.out" 2>"$T/client.err"
grep -v 'passed,' "$T/client.out"
sed 's/^/# /' "$T/client.err"
cp=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$T/client.out")
if [ -n "$cp" ]; then
    pass=$((pass + ${cp% *}))
    fail=$((fail + ${cp#* }))
else
    nok "sds_e2e ended with a result line"
fi

check "after the rotation /debug/secretz has the new fingerprint" \
    wait_for 5 "curl -sf http://127.0.0.1:$DBG/debug/secretz | jq -e '.[] | select(.fingerprint_sha256 == \"$fp2\")' >/dev/null"
check "the rotation's push is SDS alone" \
    grep -Eq 'push of generation [0-9]+: SDS to 1 of 1 proxies' "$LOG"

# xdsd dump --secrets-dir: the gateway's Secret as it would get it, key redacted
"$XDSD" dump --config-dir "$D" --secrets-dir "$S" --type secrets \
    --proxy router~10.0.0.2~gw.istio-system~istio-system.svc.cluster.local >"$T/dump.json" 2>/dev/null
check "xdsd dump --type secrets shows kubernetes://cred with its key redacted" \
    sh -c "jq -e '.configs[0].dynamic_active_secrets[0] | .name == \"kubernetes://cred\" and
        .secret.tls_certificate.private_key.inline_bytes == \"W3JlZGFjdGVkXQ==\"' '$T/dump.json' >/dev/null"
check "xdsd dump holds no key bytes" sh -c "! grep -q \"\$(base64 -w0 <'$K/gw2-key.pem')\" '$T/dump.json'"

# a broken rotation: withheld, named with file and line, the good one served
cp "$T/broken.yaml" "$S/cred.yaml"
check "a key that does not match its certificate: an error with file and line" \
    wait_for 5 "grep -q '$S/cred.yaml:8:.*does not match the certificate.*withheld' '$LOG'"
check "/debug/secretz: WITHHELD, still the good version's fingerprint" \
    sh -c "curl -sf http://127.0.0.1:$DBG/debug/secretz | jq -e '.[] | select(.name == \"kubernetes://cred\" and .status == \"WITHHELD\" and .fingerprint_sha256 == \"$fp2\")' >/dev/null"

get /debug/secretz >"$T/secretz.json"
for f in "$T/secretz.json" "$LOG"; do
    check "no PRIVATE KEY in $(basename "$f")" sh -c "! grep -q 'PRIVATE KEY' '$f'"
done
stop
check "SIGTERM, exit 0" [ "$RC" = 0 ]

# plaintext xDS: the warning says keys are not sent
start plain "$D" --secrets-dir "$S"
check "plaintext with --secrets-dir warns that keys are not sent" \
    grep -q 'secrets with private keys are not sent' "$LOG"
stop
start meshplain "$D" --mesh-certs-mode sds --mesh-certs "$K"
check "--mesh-certs-mode sds on plaintext warns that no proxy gets its certificate" \
    grep -q "mesh-certs-mode sds on plaintext xds: no proxy proves its identity" "$LOG"
stop
start insecure "$D" --secrets-dir "$S" --insecure-plaintext-secrets
check "--insecure-plaintext-secrets warns what it allows" \
    grep -q 'private keys go over plaintext xDS' "$LOG"
stop
summary
