# simulate.sh - ground truth for `xdsd simulate`: real Envoys carry a
# corpus of requests, and for every request what each Envoy logged on each
# hop (filter chain, upstream cluster, route, requested server name) must be
# what `simulate -o json` names. Sourced by test/envoy/run after cases.sh.
#
#   simulate/SCENARIO        each guide scenario, with its variants: a host
#                            with no ServiceEntry (ALLOW_ANY), a port with no
#                            listener, HTTPS that bypasses the gateway, a
#                            wrong SNI
#   simulate/registry-only   the same under REGISTRY_ONLY
#   simulate/variants        weighted split, header match, a host with two ports

SIM_CASES="http-egress http-egress-mtls tls-origination tls-origination-mtls https-passthrough"
SIM_CASES="$SIM_CASES https-passthrough-mtls registry-only variants"
for sc in $SIM_CASES; do CASES="$CASES simulate/$sc"; done

# The test's access log line: the fields simulate names, "-" when empty
SIM_LOG_FORMAT='SIM %FILTER_CHAIN_NAME% %UPSTREAM_CLUSTER% %ROUTE_NAME% %REQUESTED_SERVER_NAME% %RESPONSE_CODE%'

# sim_request [XDSD_SIMULATE_ARGS...] URL [-- CURL_ARGS...]: send URL from
# the app, and check the Envoys' new access log lines against simulate's
# walk of the same request
sim_request() {
    local sim_args=() curl_args=() url="" a
    while [ $# -gt 0 ]; do
        a=$1
        shift
        [ "$a" = -- ] && { curl_args=("$@"); break; }
        sim_args+=("$a")
    done
    url=${sim_args[-1]}
    local s0 e0
    s0=$(wc -l <"$T/sleep.out")
    e0=$(wc -l <"$T/egress.out")
    app -o /dev/null "${curl_args[@]}" "$url" >/dev/null 2>&1
    "$XDSD" simulate --config-dir "$T/config" --proxy "sidecar~$SLEEP_IP~$SIDECAR~default.svc.cluster.local" \
        -o json $SIM_POLICY "${sim_args[@]}" >"$T/sim.json" 2>"$T/sim.err" ||
        { not_ok "simulate $url" "$(cat "$T/sim.err")"; return; }
    # tcp_proxy logs when the connection closes: wait until both logs agree
    if wait_for 5 sim_compare "$s0" "$e0" --quiet; then
        ok "simulate $url ${curl_args[*]}: $(jq -r .path "$T/sim.json") (each hop as Envoy logged it)"
    else
        not_ok "simulate $url ${curl_args[*]}: each hop as Envoy logged it" "$(sim_compare "$s0" "$e0")"
    fi
    # the running server walks the same request from the connected sidecar
    nx istiod "$XDSD" simulate --live --debug-addr 127.0.0.1:15014 --proxy "$SIDECAR" -o json \
        "${sim_args[@]}" >"$T/sim-live.json" 2>&1
    check "simulate --live $url: the same walk on what the sidecar was sent" \
        sim_same "$T/sim.json" "$T/sim-live.json"
}

sim_same() {
    diff <(jq -S 'del(.generation)' "$1") \
        <(jq -S 'del(.generation)' "$2" 2>&1 || cat "$2")
}

# sim_egressz: every request of the egress map from the sidecars'
# namespace, sent and checked as above, and its edges agree with the walk
# (a gateway hop exactly when simulate has one)
sim_egressz() {
    local map u via hops
    map=$(debug /debug/egressz) || { not_ok "/debug/egressz answers"; return; }
    for u in $(echo "$map" | jq -r '[.edges[] | select(.from == "sidecar:default") | .request] | unique[]'); do
        case $u in https://*) sim_request "$u" -- -k ;; *) sim_request "$u" ;; esac
        via=$(echo "$map" | jq --arg u "$u" '[.edges[] | select(.request == $u and (.to | startswith("gateway:")))] | length')
        hops=$(jq '.hops | length' "$T/sim.json")
        check "/debug/egressz $u: $via gateway hop(s), as simulate walks it ($hops hops)" test "$via" -eq "$((hops - 1))"
    done
}

sim_compare() {
    tail -n +"$(($1 + 1))" "$T/sleep.out" >"$T/sleep.new"
    tail -n +"$(($2 + 1))" "$T/egress.out" >"$T/egress.new"
    python3 test/envoy/simcmp.py "$T/sim.json" "$T/sleep.new" "$T/egress.new" "${3:-}"
}

simulate_case() {
    local sc=$1 base=$1 pol=""
    case $sc in
    registry-only) base=http-egress pol="--outbound-traffic-policy REGISTRY_ONLY" ;;
    variants) base=http-egress ;;
    esac
    SIM_POLICY=$pol
    # Envoy writes access logs out every 10 s by default: every 20 ms here,
    # so that each request's lines are there to compare right after it
    ENVOY_ARGS="--file-flush-interval-msec 20"
    mesh_up "$base" GRPC "" "" $pol --access-log-format "$SIM_LOG_FORMAT" || { ENVOY_ARGS=; return; }
    ENVOY_ARGS=
    case $sc in
    http-egress)
        sim_request http://edition.cnn.com/politics
        sim_request http://unlisted.example.org/
        sim_request http://edition.cnn.com:8081/
        sim_request https://edition.cnn.com/ -- --cacert "$T/certs/root-cert.pem"
        sim_egressz
        ;;
    http-egress-mtls | tls-origination | tls-origination-mtls)
        sim_request http://edition.cnn.com/politics
        ;;
    https-passthrough*)
        sim_request https://edition.cnn.com/politics -- --cacert "$T/certs/root-cert.pem"
        sim_request https://unlisted.example.org/ -- -k
        ;;
    registry-only)
        sim_request http://unlisted.example.org/
        sim_request https://unlisted.example.org/ -- -k
        sim_request http://edition.cnn.com/politics
        ;;
    variants)
        cp test/data/config/simulate/variants.yaml "$T/config/4-variants.yaml"
        if ! wait_for 10 sim_sidecar_has 'outbound|8080||unlisted.example.org'; then
            not_ok "the sidecar got the variants' configuration"
            return
        fi
        sim_request http://unlisted.example.org/
        sim_request -H 'x-variant: port-8080' http://unlisted.example.org/ -- -H 'x-variant: port-8080'
        sim_request http://unlisted.example.org:8080/
        sim_request http://edition.cnn.com/politics
        sim_egressz
        ;;
    esac
    check "sidecar Envoy accepted every update" accepted sleep
    check "gateway Envoy accepted every update" accepted egress
}

sim_sidecar_has() { admin sleep '/config_dump?resource=dynamic_route_configs' | grep -qF "\"$1\""; }
