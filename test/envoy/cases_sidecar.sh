# cases_sidecar.sh - the real Envoy suite's cases of the Sidecar resource.
# Sourced by test/envoy/run after cases.sh (whose run_case sends sidecar/*
# here); each case runs on a network of its own and leaves nothing behind.
#
#   sidecar/scope          a Sidecar of ./* and istio-system/* takes another
#                          namespace's clusters from the sidecar Envoy, under
#                          traffic that keeps flowing
#   sidecar/egress-proxy   outboundTrafficPolicy.egressProxy: a host no
#                          ServiceEntry declares leaves through the gateway

CASES="$CASES sidecar/scope sidecar/egress-proxy"

OTHER_CLUSTER='outbound|9080||reviews.other.svc.cluster.local'

# put_yaml NAME: standard input becomes the watched directory's NAME, moved in whole
put_yaml() {
    cat >"$T/.$1.tmp" && mv "$T/.$1.tmp" "$T/config/$1"
}

other_namespace_service() {
    put_yaml 5-other.yaml <<'EOF_YAML'
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: other}
spec:
  hosts: [reviews.other.svc.cluster.local]
  location: MESH_INTERNAL
  ports: [{number: 9080, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 10.77.0.9}]
EOF_YAML
}

# sidecar_clusters: the names of the sidecar Envoy's dynamic clusters
sidecar_clusters() {
    admin sleep '/config_dump?resource=dynamic_active_clusters' | jq -r '.configs[].cluster.name'
}

sidecar_has() { sidecar_clusters | grep -qxF "$1"; }
sidecar_lacks() {
    local names
    names=$(sidecar_clusters) || return 1
    [ -n "$names" ] && ! echo "$names" | grep -qxF "$1"
}

# scoped_clusters_kept: edition.cnn.com's and the gateway's clusters are
# there, nothing of namespace other is
scoped_clusters_kept() {
    local names
    names=$(sidecar_clusters) || return 1
    echo "$names" | grep -qxF 'outbound|80||edition.cnn.com' &&
        echo "$names" | grep -qxF 'outbound|80||istio-egressgateway.istio-system.svc.cluster.local' &&
        ! echo "$names" | grep -q '\.other\.svc' || { echo "$names"; return 1; }
}

sidecar_scope_case() {
    mesh_up http-egress GRPC "" "" || return
    other_namespace_service
    check "without a Sidecar the sidecar Envoy holds namespace other's $OTHER_CLUSTER" \
        wait_for 10 sidecar_has "$OTHER_CLUSTER"
    put_yaml 6-sidecar.yaml <<'EOF_YAML'
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress:
  - hosts: ["./*", "istio-system/*"]
EOF_YAML
    check "with egress hosts ./* and istio-system/* the sidecar Envoy drops $OTHER_CLUSTER" \
        wait_for 10 sidecar_lacks "$OTHER_CLUSTER"
    check "the sidecar Envoy keeps the clusters of default and istio-system" scoped_clusters_kept
    check "both SYNCED on the scoped version" wait_for 5 both_synced
    guide_request http-egress
    check "sidecar Envoy accepted every update" accepted sleep
    # (a listener xdsd no longer sends drains for Envoy's drain time, and
    # keeps its route configuration meanwhile: the clusters are compared)
    check "sidecar Envoy's clusters are the ones xdsd sent" clusters_as_xdsd
}

# clusters_as_xdsd: the sidecar Envoy's dynamic clusters are those xdsd's
# debug endpoint says it sent the sidecar
clusters_as_xdsd() {
    local id a b
    id=$(debug /debug/syncz | jq -r --arg p "$SIDECAR" '.[] | select(.proxy | contains("~" + $p + "~")) | .proxy')
    [ -n "$id" ] || { echo "xdsd has no proxy $SIDECAR"; return 1; }
    a=$(sidecar_clusters | sort)
    b=$(debug "/debug/config_dump?proxyID=$(jq -rn --arg s "$id" '$s|@uri')" |
        jq -r '.configs[] | select(."@type" | endswith("ClustersConfigDump")) |
               .dynamic_active_clusters[].cluster.name' | sort)
    [ -n "$a" ] && [ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b"); return 1; }
}

# gateway_listens PORT: the gateway Envoy has a listener on PORT
gateway_listens() { admin egress /listeners | grep -q "0.0.0.0:$1\$"; }

# the gateway's access log has a line with both words
gateway_logged() { grep -F "$1" "$T/egress.out" | grep -qF "$2"; }

sidecar_egress_proxy_case() {
    local code
    mesh_up http-egress GRPC "" "" || return
    code=$(app_get http://unlisted.example.org/before)
    check "without a Sidecar a host no ServiceEntry declares goes straight out (got $code)" \
        seen ".host == \"unlisted.example.org\" and .peer == \"$SLEEP_IP\""
    : >"$T/internet.jsonl"
    # the example's Sidecar (examples/http-egress/README.md)
    put_yaml 6-sidecar.yaml <examples/http-egress/variants/egress-proxy/6-sidecar.yaml
    check "the gateway Envoy listens on the egressProxy port's target port 8443" \
        wait_for 10 gateway_listens 8443
    check "both SYNCED with the egressProxy" wait_for 5 both_synced
    code=$(app_get http://unlisted.example.org/via-gateway)
    check "app's curl http://unlisted.example.org/via-gateway answers 200 (got $code)" test "$code" = 200
    check "unlisted.example.org got the HTTP request on 80 from the gateway" \
        seen ".port == 80 and .tls == false and .host == \"unlisted.example.org\" and .peer == \"$EGRESS_IP\" and .request == \"GET /via-gateway HTTP/1.1\""
    code=$(app_get https://unlisted.example.org/tls-via-gateway -k)
    check "app's curl https://unlisted.example.org (its own TLS) answers 200 (got $code)" test "$code" = 200
    check "unlisted.example.org got the app's TLS (SNI unlisted.example.org) on 443 from the gateway" \
        seen ".port == 443 and .tls == true and .sni == \"unlisted.example.org\" and .peer == \"$EGRESS_IP\" and .request == \"GET /tls-via-gateway HTTP/1.1\""
    check "nothing reached the internet host from the sleep host" \
        test -z "$(recorded | jq -c "select(.peer != \"$EGRESS_IP\")")"
    # (Envoy writes its access log out every 10 s at the latest)
    check "gateway access log names the HTTP request's host and the forward proxy cluster" \
        wait_for 15 gateway_logged '"unlisted.example.org"' EgressForwardProxyCluster
    check "gateway access log names the TLS connection's server name" \
        wait_for 15 gateway_logged ' unlisted.example.org ' EgressForwardProxyCluster
    code=$(app_get http://edition.cnn.com/politics)
    check "the declared edition.cnn.com still answers 200 through its route (got $code)" test "$code" = 200
    check "edition.cnn.com got it from the gateway" \
        seen ".host == \"edition.cnn.com\" and .peer == \"$EGRESS_IP\" and .request == \"GET /politics HTTP/1.1\""
    check "gateway access log names outbound|80||edition.cnn.com for it" \
        wait_for 15 gateway_logged '/politics' ' outbound|80||edition.cnn.com '
    check "sidecar Envoy accepted every update" accepted sleep
    check "gateway Envoy accepted every update" accepted egress
    check "gateway holds what xdsd sent" same_as_xdsd egress "$GATEWAY" GRPC
}

sidecar_case() {
    case $1 in
    scope) sidecar_scope_case ;;
    egress-proxy) sidecar_egress_proxy_case ;;
    esac
}
