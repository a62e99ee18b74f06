#!/bin/sh
# make-certs.sh - certificates for the guide's mutual TLS variants.
#
#   examples/make-certs.sh DIR [TRUST_DOMAIN]
#
# Writes, with openssl, a root CA and one SPIFFE certificate per workload, in
# the file layout Istio 1.0 mounted at /etc/certs in every pod:
#
#   DIR/root-cert.pem, DIR/root-key.pem           the root CA (keep the key private)
#   DIR/sleep/{cert-chain.pem,key.pem,root-cert.pem}
#       URI SAN spiffe://TRUST_DOMAIN/ns/default/sa/sleep
#   DIR/istio-egressgateway/{cert-chain.pem,key.pem,root-cert.pem}
#       URI SAN spiffe://TRUST_DOMAIN/ns/istio-system/sa/istio-egressgateway-service-account
#
# TRUST_DOMAIN defaults to cluster.local (xdsd's --trust-domain default).
# Install each set as /etc/certs of the proxy it belongs to (see README.md).
# An existing root CA in DIR is reused, so certificates can be added later.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 DIR [TRUST_DOMAIN]" >&2
    exit 2
fi
dir=$1
td=${2:-cluster.local}
days=365
mkdir -p "$dir"
umask 077

if [ ! -f "$dir/root-cert.pem" ] || [ ! -f "$dir/root-key.pem" ]; then
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -keyout "$dir/root-key.pem" -out "$dir/root-cert.pem" -days 3650 \
        -subj "/O=$td/CN=xdsd example root CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    chmod 644 "$dir/root-cert.pem"
fi

# workload NAME NAMESPACE SERVICE_ACCOUNT
workload() {
    out=$dir/$1
    mkdir -p "$out"
    ext=$out/ext.cnf
    cat >"$ext" <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = critical, URI:spiffe://$td/ns/$2/sa/$3
EXT
    openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -keyout "$out/key.pem" -out "$out/csr.pem" -subj "/O=$td" 2>/dev/null
    openssl x509 -req -in "$out/csr.pem" -CA "$dir/root-cert.pem" -CAkey "$dir/root-key.pem" \
        -set_serial "0x$(openssl rand -hex 8)" -days "$days" -extfile "$ext" \
        -out "$out/cert-chain.pem" 2>/dev/null
    cp "$dir/root-cert.pem" "$out/root-cert.pem"
    rm -f "$out/csr.pem" "$ext"
    chmod 644 "$out/cert-chain.pem" "$out/root-cert.pem"
    echo "$out: spiffe://$td/ns/$2/sa/$3"
}

workload sleep default sleep
workload istio-egressgateway istio-system istio-egressgateway-service-account
