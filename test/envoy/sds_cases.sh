# sds_cases.sh - the real Envoy suite's cases of secrets over SDS. Sourced by
# test/envoy/run after cases.sh (whose run_case sends sds/* here). The
# Envoys are examples/xds-tls's: mutual TLS to xdsd with their mesh
# identities, so that private keys may go to them.
#
#   sds/gateway-credential/{sotw,delta}  a Gateway's credentialName: the
#        certificate a client is presented, and its rotation seen by the next
#        handshake with no listener modified or drained
#   sds/mtls-origination/{sotw,delta}    a DestinationRule's credentialName on
#        the egress gateway: mutual TLS to edition.cnn.com, which requires
#        and records the client certificate
#   sds/istio-mutual/{sotw,delta}        --mesh-certs-mode sds: the guide's
#        mutual TLS scenario (Gateway tls.mode ISTIO_MUTUAL) with "default"
#        and "ROOTCA" served by xdsd

CASES="$CASES sds/gateway-credential/sotw sds/gateway-credential/delta"
CASES="$CASES sds/mtls-origination/sotw sds/mtls-origination/delta"
CASES="$CASES sds/istio-mutual/sotw sds/istio-mutual/delta"

XDS_TLS_ARGS="--xds-tls-cert /etc/certs/cert-chain.pem --xds-tls-key /etc/certs/key.pem
    --xds-tls-ca /etc/certs/root-cert.pem"

# tls_secret NAME CERT KEY [CA]: a kubernetes.io/tls Secret of istio-system
tls_secret() {
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: istio-system\n' "$1"
    printf 'type: kubernetes.io/tls\ndata:\n'
    printf '  tls.crt: %s\n  tls.key: %s\n' "$(base64 -w0 <"$2")" "$(base64 -w0 <"$3")"
    [ -n "${4:-}" ] && printf '  ca.crt: %s\n' "$(base64 -w0 <"$4")"
    return 0
}

# self_signed NAME: $T/NAME.pem and $T/NAME-key.pem, for gw.example.com
self_signed() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj "/CN=$1" -addext subjectAltName=DNS:gw.example.com \
        -keyout "$T/$1-key.pem" -out "$T/$1.pem" 2>/dev/null
}

fingerprint() { openssl x509 -noout -fingerprint -sha256 -in "$1" | sed 's/.*=//'; }

# presented: the fingerprint of the certificate the gateway's 8443 presents
# to a client on the sleep host (the sidecar's uid: no capture in the way)
presented() {
    hxu sleep "$PROXY_UID" sh -c "openssl s_client -connect $EGRESS_IP:8443 \
        -servername gw.example.com </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256" |
        sed 's/.*=//'
}

presents() { [ "$(presented)" = "$1" ]; }

sds_gateway_case() {
    local api=$1 fp1 fp2 m0 d0 l0 c0
    mkdir -p "$T/secrets"
    self_signed gw-v1 && self_signed gw-v2 || { not_ok "openssl made the gateway's certificates"; return; }
    tls_secret gw-cred "$T/gw-v1.pem" "$T/gw-v1-key.pem" >"$T/secrets/gw-cred.yaml"
    # shellcheck disable=SC2086
    mesh_up http-egress "$api" "" examples/xds-tls/envoy $XDS_TLS_ARGS --secrets-dir "$T/secrets" ||
        return
    cat >"$T/config/9-sds-gateway.yaml" <<EOF
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: sds-gw, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: gw-cred}
EOF
    fp1=$(fingerprint "$T/gw-v1.pem")
    fp2=$(fingerprint "$T/gw-v2.pem")
    check "a client on the sleep host is presented the credentialName certificate" \
        wait_for 10 presents "$fp1"
    check "both SYNCED with the secret" wait_for 5 both_synced
    check "xdsd's secretz lists kubernetes://gw-cred for the gateway" sh -c \
        "nx istiod curl -sf 'http://127.0.0.1:15014/debug/secretz?proxyID=$GATEWAY' |
         jq -e '.[] | select(.name == \"kubernetes://gw-cred\" and .fingerprint_sha256 == \"$fp1\")'"
    m0=$(envoy_stat egress listener_manager.listener_modified)
    d0=$(envoy_stat egress listener_manager.total_filter_chains_draining)
    l0=$(envoy_stat egress listener_manager.lds.update_success)
    c0=$(envoy_stat egress cluster_manager.cds.update_success)
    tls_secret gw-cred "$T/gw-v2.pem" "$T/gw-v2-key.pem" >"$T/gw-cred.new"
    mv "$T/gw-cred.new" "$T/secrets/gw-cred.yaml"
    check "after the secret file is replaced the next handshake presents the new certificate" \
        wait_for 10 presents "$fp2"
    check "no listener modified or draining (listener_modified $m0, total_filter_chains_draining $d0)" \
        sh -c "[ '$(envoy_stat egress listener_manager.listener_modified)' = '$m0' ] &&
               [ '$(envoy_stat egress listener_manager.total_filter_chains_draining)' = '$d0' ] &&
               [ '$m0' = 0 ] && [ '$d0' = 0 ]"
    check "the rotation sent no Listener and no Cluster" sh -c \
        "[ '$(envoy_stat egress listener_manager.lds.update_success)' = '$l0' ] &&
         [ '$(envoy_stat egress cluster_manager.cds.update_success)' = '$c0' ]"
    check "gateway Envoy accepted every update" accepted egress
    check "gateway holds what xdsd sent" same_as_xdsd egress "$GATEWAY" "$api"
}

sds_origination_case() {
    local api=$1 code dr
    mkdir -p "$T/secrets" "$T/client"
    leaf "$T/certs" egress-client "DNS:istio-egressgateway.istio-system.svc" "$T/client" ||
        { not_ok "openssl made the gateway's client certificate"; return; }
    tls_secret client-credential "$T/client/cert-chain.pem" "$T/client/key.pem" \
        "$T/certs/root-cert.pem" >"$T/secrets/client-credential.yaml"
    # edition.cnn.com requires a client certificate of the test CA
    # shellcheck disable=SC2086
    INTERNET_ARGS="--client-ca /etc/certs/root-cert.pem" mesh_up tls-origination "$api" "" \
        examples/xds-tls/envoy $XDS_TLS_ARGS --secrets-dir "$T/secrets" || return
    dr=$T/config/3-virtualservice-destinationrule.yaml
    grep -q 'mode: SIMPLE # initiates HTTPS' "$dr" || { not_ok "$dr originates TLS as expected"; return; }
    sed 's/mode: SIMPLE # initiates HTTPS.*/mode: MUTUAL\n        credentialName: client-credential/' \
        "$dr" >"$T/dr.new"
    mv "$T/dr.new" "$dr"
    check "the gateway holds the client certificate secret" wait_for 10 sh -c \
        "nx '${NS}egress' true 2>/dev/null; ip netns exec '${NS}egress' curl -sf \
         'http://127.0.0.1:15000/config_dump?resource=dynamic_active_secrets' | grep -q 'kubernetes://client-credential'"
    check "both SYNCED" wait_for 5 both_synced
    code=$(app_get http://edition.cnn.com/politics)
    check "app's curl http://edition.cnn.com/politics answers 200 (got $code)" test "$code" = 200
    check "edition.cnn.com got mutual TLS from the gateway with its client certificate" \
        seen ".port == 443 and .tls == true and .client_cn == \"egress-client\" and .peer == \"$EGRESS_IP\" and .request == \"GET /politics HTTP/1.1\""
    check "edition.cnn.com refuses a client without a certificate" sh -c \
        "! hx sleep curl -s -o /dev/null --max-time 3 --cacert /etc/certs/root-cert.pem \
           --resolve edition.cnn.com:443:$INTERNET_IP https://edition.cnn.com/politics"
    check "gateway Envoy accepted every update" accepted egress
    check "gateway holds what xdsd sent" same_as_xdsd egress "$GATEWAY" "$api"
}

sds_istio_mutual_case() {
    local api=$1 m=$T/mesh
    mkdir -p "$m/default/sleep" "$m/istio-system/istio-egressgateway-service-account"
    cp "$T/certs/root-cert.pem" "$m/root-cert.pem"
    cp "$T/certs/sleep/cert-chain.pem" "$T/certs/sleep/key.pem" "$m/default/sleep/"
    cp "$T/certs/istio-egressgateway/cert-chain.pem" "$T/certs/istio-egressgateway/key.pem" \
        "$m/istio-system/istio-egressgateway-service-account/"
    # shellcheck disable=SC2086
    mesh_up http-egress-mtls "$api" istio-mutual examples/xds-tls/envoy $XDS_TLS_ARGS \
        --mesh-certs-mode sds --mesh-certs "$m" || return
    guide_request http-egress-mtls
    check "a client without a mesh certificate cannot use the gateway's mutual TLS listener" \
        mtls_listener_needs_cert 8080
    check "the sidecar's certificates came over SDS (default, ROOTCA), not from files" sds_mesh sleep
    check "the gateway's certificates came over SDS (default, ROOTCA), not from files" sds_mesh egress
    check "sidecar Envoy accepted every update" accepted sleep
    check "gateway Envoy accepted every update" accepted egress
    check "sidecar holds what xdsd sent" same_as_xdsd sleep "$SIDECAR" "$api"
    check "gateway holds what xdsd sent" same_as_xdsd egress "$GATEWAY" "$api"
}

# sds_mesh HOST: HOST's Envoy holds the secrets default and ROOTCA, and no
# transport socket xdsd sent reads a certificate file (the bootstrap's own
# xDS cluster does: that is how it talks mutual TLS to xdsd)
sds_mesh() {
    local d
    d=$(admin "$1" /config_dump) || return 1
    echo "$d" | jq -e '[.configs[] | select(."@type" | endswith("SecretsConfigDump")) |
        .dynamic_active_secrets[].name] | contains(["default", "ROOTCA"])' >/dev/null ||
        { echo "secrets: $(echo "$d" | jq -c '[.configs[] | .dynamic_active_secrets? // empty | .[].name]')"; return 1; }
    echo "$d" | jq -c '.configs[] | (.dynamic_active_clusters?, .dynamic_listeners?) // empty' |
        grep -q 'sds_config' || { echo "no transport socket names an SDS secret"; return 1; }
    ! echo "$d" | jq -c '.configs[] | (.dynamic_active_clusters?, .dynamic_listeners?) // empty' |
        grep -q '"filename":"/etc/certs/'
}

sds_case() {
    case $1 in
    gateway-credential) sds_gateway_case "$2" ;;
    mtls-origination) sds_origination_case "$2" ;;
    istio-mutual) sds_istio_mutual_case "$2" ;;
    esac
}
