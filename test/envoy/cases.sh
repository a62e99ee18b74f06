# cases.sh - the real Envoy suite's cases. Sourced by test/envoy/run after
# lib.sh; each case runs on a network of its own and leaves nothing behind.

GUIDE="http-egress http-egress-mtls tls-origination tls-origination-mtls https-passthrough https-passthrough-mtls"
CASES=""
for sc in $GUIDE; do
    CASES="$CASES $sc/sotw $sc/delta"
    case $sc in *-mtls) CASES="$CASES $sc/sotw/istio-mutual $sc/delta/istio-mutual" ;; esac
done
CASES="$CASES xds-tls/sotw xds-tls/delta bypass/network-policy bypass/registry-only bypass/allow-any"
CASES="$CASES live-edit/sotw live-edit/delta subset-rename/sotw subset-rename/delta"
CASES="$CASES gateway-edit/sotw gateway-edit/delta"
CASES="$CASES etcd-failover/sotw etcd-failover/delta" # etcd_case.sh

SIDECAR=sleep.default
GATEWAY=istio-egressgateway.istio-system

# bootstrap FILE HOST API_TYPE [XDS_TLS]: an example bootstrap with this
# network's addresses (the node's IP, xdsd's address) and the api_type; fails
# when the example no longer has the line a substitution expects
bootstrap() {
    local f=$1 ip
    ip=$(ip_of "$2")
    grep -q '~127\.0\.0\.1~' "$f" && grep -q 'INSTANCE_IPS: 127\.0\.0\.1$' "$f" &&
        grep -q '{address: 127\.0\.0\.1, port_value: 15010}' "$f" && grep -q 'api_type: GRPC$' "$f" || {
        echo "# $f: the lines the suite substitutes are missing" >&2
        return 1
    }
    sed -e "s/~127\.0\.0\.1~/~$ip~/" -e "s/INSTANCE_IPS: 127\.0\.0\.1\$/INSTANCE_IPS: $ip/" \
        -e "s/{address: 127\.0\.0\.1, port_value: 15010}/{address: $ISTIOD_IP, port_value: 15010}/" \
        -e "s/api_type: GRPC\$/api_type: $3/" "$f"
}

# config_dir SCENARIO [FORM]: the example's watched directory, the gateway's
# address in place of 127.0.0.1; FORM istio-mutual lays the example's
# variants/istio-mutual/ files over it
config_dir() {
    local d=$T/config
    rm -rf "$d"
    cp -r "examples/$1/config" "$d" || return 1
    grep -q 'address: 127\.0\.0\.1$' "$d/0-egressgateway-service.yaml" || return 1
    sed -i "s/address: 127\.0\.0\.1\$/address: $EGRESS_IP/" "$d/0-egressgateway-service.yaml"
    if [ -n "${2:-}" ]; then
        cp "examples/$1/variants/$2/"*.yaml "$d/" || return 1
    fi
    echo "$d"
}

# mesh_up SCENARIO API FORM BOOTSTRAP_DIR [XDSD_ARGS...]: network, internet,
# xdsd and both Envoys (bootstraps from BOOTSTRAP_DIR, else the scenario's),
# the sidecar capturing; 0 once both Envoys are ready and SYNCED
mesh_up() {
    local sc=$1 api=$2 form=$3 boot=${4:-examples/$1/envoy} cfg
    shift 4
    net_up && capture_on || { not_ok "network namespaces and iptables could not be set up"; return 1; }
    cfg=$(config_dir "$sc" "$form") || { not_ok "examples/$sc has no usable config"; return 1; }
    bootstrap "$boot/egressgateway.yaml" egress "$api" >"$T/egress.yaml" &&
        bootstrap "$boot/sidecar.yaml" sleep "$api" >"$T/sleep.yaml" ||
        { not_ok "$boot has no usable bootstrap"; return 1; }
    internet_start || { not_ok "internet host did not start" "$(cat "$T/internet.out")"; return 1; }
    xdsd_start "$cfg" "$@" || { not_ok "xdsd did not become ready" "$(tail -n 5 "$T/xdsd.log")"; return 1; }
    envoy_start egress "$T/egress.yaml" 0
    envoy_start sleep "$T/sleep.yaml" "$PROXY_UID"
    if ! wait_for 20 both_synced; then
        not_ok "both Envoys ready and SYNCED" "$(nx istiod "$XDSD" status --debug-addr 127.0.0.1:15014)" \
            "$(grep -hiE 'rejected|error|critical' "$T/egress.err" "$T/sleep.err" | head -n 5)"
        return 1
    fi
    ok "both Envoys ready and SYNCED ($api)"
}

envoy_ready() { [ "$(admin "$1" /ready)" = LIVE ]; }

# both_synced: each Envoy LIVE, and xdsd's status has both proxies with every
# type they use SYNCED (a type never used reads NOT SENT)
both_synced() {
    envoy_ready egress && envoy_ready sleep || return 1
    local st
    st=$(nx istiod "$XDSD" status --debug-addr 127.0.0.1:15014) || return 1
    echo "$st" | grep "^$SIDECAR " | grep -q SYNCED && echo "$st" | grep "^$GATEWAY " | grep -q SYNCED &&
        ! echo "$st" | grep -qE 'STALE|NACKED'
}

# accepted HOST: every xDS update HOST's Envoy got was accepted: no
# update_rejected anywhere, CDS and LDS (and each RDS route configuration)
# updated at least once, no warning in its log (a deprecated field, a
# rejected update, a runtime guard)
accepted() {
    local h=$1 stats bad
    stats=$(admin "$h" /stats) || return 1
    bad=$(echo "$stats" | grep -E '\.update_rejected: [1-9]')
    [ -z "$bad" ] || { echo "$bad"; return 1; }
    echo "$stats" | grep -qE '^cluster_manager\.cds\.update_success: [1-9]' || { echo "no CDS update"; return 1; }
    echo "$stats" | grep -qE '^listener_manager\.lds\.update_success: [1-9]' || { echo "no LDS update"; return 1; }
    bad=$(echo "$stats" | grep -E '\.rds\..*\.update_success: 0$')
    [ -z "$bad" ] || { echo "$bad"; return 1; }
    bad=$(grep -E 'rejected|[Dd]eprecated|unknown field|\[(warning|error|critical)\]' "$T/$h.err")
    [ -z "$bad" ] || { echo "$bad" | cut -c1-300 | head -n 5; return 1; }
}

# same_as_xdsd HOST PROXY API: HOST's Envoy holds the names xdsd sent (and,
# over delta, each resource's version)
same_as_xdsd() {
    local h=$1 id
    id=$(debug /debug/syncz | jq -r --arg p "$2" '.[] | select(.proxy | contains("~" + $p + "~")) | .proxy')
    [ -n "$id" ] || { echo "xdsd has no proxy $2"; return 1; }
    admin "$h" '/config_dump?include_eds' >"$T/$h.envoy-dump.json" || return 1
    debug "/debug/config_dump?proxyID=$(jq -rn --arg s "$id" '$s|@uri')" >"$T/$h.xdsd-dump.json" || return 1
    python3 test/envoy/dumpcmp.py "$T/$h.envoy-dump.json" "$T/$h.xdsd-dump.json" \
        $([ "$3" = DELTA_GRPC ] && echo --versions)
}

# seen FILTER: the internet host recorded a request matching the jq FILTER
seen() {
    local got
    got=$(recorded | jq -c "select($1)")
    [ -n "$got" ] || { echo "no request with $1 among:"; recorded; return 1; }
}

# app_get URL [CURL_ARGS...]: the app's request; prints the HTTP status
app_get() {
    local url=$1
    shift
    app -o /dev/null -w '%{http_code}' "$@" "$url"
}

gateway_cluster() {
    case $1 in http-egress*) echo 'outbound|80||edition.cnn.com' ;; *) echo 'outbound|443||edition.cnn.com' ;; esac
}

# guide_request SCENARIO: the guide's request from the app and what must
# reach edition.cnn.com
guide_request() {
    local sc=$1 code cl
    cl=$(gateway_cluster "$sc")
    case $sc in
    http-egress*)
        code=$(app_get http://edition.cnn.com/politics)
        check "app's curl http://edition.cnn.com/politics answers 200" test "$code" = 200
        check "edition.cnn.com got plain HTTP on 80 from the gateway" \
            seen ".port == 80 and .tls == false and .peer == \"$EGRESS_IP\" and .request == \"GET /politics HTTP/1.1\""
        ;;
    tls-origination*)
        code=$(app_get http://edition.cnn.com/politics)
        check "app's curl http://edition.cnn.com/politics answers 200" test "$code" = 200
        check "edition.cnn.com got TLS (SNI edition.cnn.com) on 443 from the gateway" \
            seen ".port == 443 and .tls == true and .sni == \"edition.cnn.com\" and .peer == \"$EGRESS_IP\" and .request == \"GET /politics HTTP/1.1\""
        ;;
    https-passthrough*)
        code=$(app_get https://edition.cnn.com/politics --cacert "$T/certs/root-cert.pem")
        check "app's curl https://edition.cnn.com/politics (its own TLS, test CA) answers 200" test "$code" = 200
        check "edition.cnn.com got the app's TLS (SNI edition.cnn.com) on 443 from the gateway" \
            seen ".port == 443 and .tls == true and .sni == \"edition.cnn.com\" and .peer == \"$EGRESS_IP\" and .request == \"GET /politics HTTP/1.1\""
        ;;
    esac
    check "no request reached edition.cnn.com from anywhere but the gateway" \
        test -z "$(recorded | jq -c "select(.peer != \"$EGRESS_IP\")")"
    check "gateway access log names $cl" wait_for 5 grep -qF " $cl " "$T/egress.out"
    check "gateway stat cluster.$cl.upstream_cx_total >= 1" \
        test "$(envoy_stat egress "cluster.$cl.upstream_cx_total")" -ge 1
}

# mtls_listener_needs_cert PORT: the gateway's mutual TLS listener takes a
# mesh certificate and refuses a client without one (both from the sleep
# host, as the sidecar's uid so that no capture is in the way)
mtls_listener_needs_cert() {
    local port=$1 with without
    with=$(hxu sleep "$PROXY_UID" curl --http1.1 -s -o /dev/null -w '%{http_code}' --max-time 5 \
        --cacert /etc/certs/root-cert.pem --cert /etc/certs/cert-chain.pem --key /etc/certs/key.pem \
        -k --resolve "edition.cnn.com:$port:$EGRESS_IP" "https://edition.cnn.com:$port/politics" 2>&1)
    without=$(hxu sleep "$PROXY_UID" curl --http1.1 -s -o /dev/null -w '%{http_code}' --max-time 5 \
        -k --resolve "edition.cnn.com:$port:$EGRESS_IP" "https://edition.cnn.com:$port/politics" 2>&1)
    echo "with a mesh certificate: $with; without: $without"
    [ "$without" = 000 ] && [ "$with" != 000 ]
}

scenario_case() {
    local sc=$1 api=$2 form=${3:-}
    mesh_up "$sc" "$api" "$form" "" || return
    guide_request "$sc"
    case $sc in
    http-egress-mtls) mtls_port=8080 ;; *-mtls) mtls_port=8443 ;; *) mtls_port="" ;;
    esac
    [ -n "$mtls_port" ] && check "a client without a mesh certificate cannot use the gateway's mutual TLS listener" \
        mtls_listener_needs_cert "$mtls_port"
    check "sidecar Envoy accepted every update" accepted sleep
    check "gateway Envoy accepted every update" accepted egress
    check "sidecar holds what xdsd sent" same_as_xdsd sleep "$SIDECAR" "$api"
    check "gateway holds what xdsd sent" same_as_xdsd egress "$GATEWAY" "$api"
}

# xds_tls_case API: the Envoys of examples/xds-tls (mutual TLS to xdsd, each
# with its mesh identity) against xdsd with --xds-tls-*, on the first scenario
xds_tls_case() {
    local api=$1 code
    mesh_up http-egress "$api" "" examples/xds-tls/envoy --xds-tls-cert /etc/certs/cert-chain.pem \
        --xds-tls-key /etc/certs/key.pem --xds-tls-ca /etc/certs/root-cert.pem || return
    guide_request http-egress
    check "sidecar Envoy accepted every update" accepted sleep
    check "gateway Envoy accepted every update" accepted egress
    check "xDS over TLS: a client with a mesh certificate is served, one without is refused" xds_needs_cert
}

# xds_needs_cert: a gRPC call to xdsd's TLS port from sleep, with and without
# the sidecar's certificate (a handshake refused reads 000)
xds_needs_cert() {
    local url="https://istiod.istio-system.svc:15010/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
    local with without
    set -- -s -o /dev/null -w '%{http_code}' --max-time 3 --http2 -X POST -H 'content-type: application/grpc' \
        --resolve "istiod.istio-system.svc:15010:$ISTIOD_IP" --cacert /etc/certs/root-cert.pem
    with=$(hx sleep curl "$@" --cert /etc/certs/cert-chain.pem --key /etc/certs/key.pem "$url")
    without=$(hx sleep curl "$@" "$url")
    echo "with a certificate: $with; without: $without"
    [ "$with" = 200 ] && [ "$without" = 000 ]
}

# bypass_case network-policy|registry-only|allow-any: the guide's section 4
bypass_case() {
    local code
    case $1 in
    network-policy)
        mesh_up http-egress GRPC "" "" || return
        code=$(hxu sleep "$PROXY_UID" curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
            http://edition.cnn.com/politics)
        check "without the policy a request that skips the sidecar goes straight out (got $code)" \
            test "$code" = 200
        check "policy on" policy_on
        : >"$T/internet.jsonl"
        code=$(hxu sleep "$PROXY_UID" curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
            http://edition.cnn.com/politics)
        check "with the policy a request that skips the sidecar fails (got $code)" test "$code" = 000
        code=$(app_get http://edition.cnn.com/politics)
        check "with the policy the same request through sidecar and gateway answers 200 (got $code)" \
            test "$code" = 200
        check "edition.cnn.com saw only the gateway" \
            test "$(recorded | jq -c "select(.peer != \"$EGRESS_IP\")")$(recorded | wc -l)" = 1
        ;;
    registry-only)
        mesh_up http-egress GRPC "" "" --outbound-traffic-policy REGISTRY_ONLY || return
        code=$(app_get http://unlisted.example.org/)
        check "REGISTRY_ONLY: a host with no ServiceEntry gets the sidecar's 502 (got $code)" test "$code" = 502
        check "REGISTRY_ONLY: nothing reached the internet host" test -z "$(recorded)"
        code=$(app_get http://edition.cnn.com/politics)
        check "REGISTRY_ONLY: the registered host still answers 200 (got $code)" test "$code" = 200
        check "sidecar Envoy accepted every update" accepted sleep
        ;;
    allow-any)
        mesh_up http-egress GRPC "" "" --outbound-traffic-policy ALLOW_ANY || return
        code=$(app_get http://unlisted.example.org/)
        check "ALLOW_ANY: a host with no ServiceEntry answers 200 (got $code)" test "$code" = 200
        check "ALLOW_ANY: the request reached the internet host from the sidecar (PassthroughCluster)" \
            seen ".host == \"unlisted.example.org\" and .peer == \"$SLEEP_IP\""
        check "sidecar Envoy accepted every update" accepted sleep
        ;;
    esac
}

# now_ms: wall clock in milliseconds
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# live_edit_case API: a VirtualService edit while the app sends requests; the
# gateway's route gains a request header, which edition.cnn.com then sees
live_edit_case() {
    local api=$1 vs=$T/config/3-virtualservice.yaml t0 t1 codes
    mesh_up http-egress "$api" "" "" || return
    : >"$T/codes"
    # 10 requests a second for 3 s, each on a connection of its own
    (for _ in $(seq 30); do app_get http://edition.cnn.com/politics >>"$T/codes"; echo >>"$T/codes"; sleep 0.1; done) &
    local traffic=$!
    sleep 1
    cp "$vs" "$T/vs.new"
    printf '    headers:\n      request:\n        set:\n          x-egress-route: v2\n' >>"$T/vs.new"
    t0=$(now_ms)
    mv "$T/vs.new" "$vs"
    if wait_for 10 gateway_has_v2; then
        t1=$(now_ms)
        echo "# live edit ($api): file written to the gateway Envoy holding the new route: $((t1 - t0)) ms"
        ok "the gateway Envoy holds the edited route"
    else
        not_ok "the gateway Envoy holds the edited route"
    fi
    wait "$traffic"
    codes=$(grep -c . "$T/codes")
    check "all $codes requests during the edit answered 200" \
        test "$(grep -c '^200$' "$T/codes")" -eq 30 -a "$codes" -eq 30
    check "requests before the edit took the old route" seen '.headers["x-egress-route"] == null'
    check "requests after the edit took the new route" seen '.headers["x-egress-route"] == "v2"'
    check "no listener modified or drained on the gateway" listeners_untouched egress
    check "no listener modified or drained on the sidecar" listeners_untouched sleep
    check "both SYNCED on the new version" wait_for 5 both_synced
    check "gateway Envoy accepted every update" accepted egress
    check "gateway holds what xdsd sent" same_as_xdsd egress "$GATEWAY" "$api"
}

gateway_has_v2() { admin egress '/config_dump?resource=dynamic_route_configs' | grep -q x-egress-route; }

# gateway_edit_case API: a Gateway edit while the app sends requests: the
# egress Gateway gains a server on 9090 (hosts "*"), then loses it. The
# gateway Envoy gets the new listener and route configuration and drops them
# again; the route configuration of the port 80 server (listening on 8080,
# the gateway service's targetPort), which did not change, keeps its
# version, and every request through it answers 200.
gateway_edit_case() {
    local api=$1 gw=$T/config/2-gateway-destinationrule.yaml v80
    mesh_up http-egress "$api" "" "" || return
    v80=$(rds_version http.8080)
    check "the gateway Envoy holds http.8080 (port 80)" test -n "$v80"
    : >"$T/codes"
    (for _ in $(seq 30); do app_get http://edition.cnn.com/politics >>"$T/codes"; echo >>"$T/codes"; sleep 0.1; done) &
    local traffic=$!
    sleep 1
    awk '{ print } /^    - edition\.cnn\.com$/ && !done {
        print "  - port:\n      number: 9090\n      name: http-alt\n      protocol: HTTP"
        print "    hosts:\n    - \"*\""; done = 1 }' "$gw" >"$T/gw.new"
    check "the edit adds a server" grep -q 'number: 9090' "$T/gw.new"
    mv "$T/gw.new" "$gw"
    check "the gateway Envoy gets a listener on 9090" wait_for 10 gateway_has_9090
    wait "$traffic"
    codes=$(grep -c . "$T/codes")
    check "all $codes requests during the edit answered 200" \
        test "$(grep -c '^200$' "$T/codes")" -eq 30 -a "$codes" -eq 30
    check "http.8080 kept its version" test "$(rds_version http.8080)" = "$v80"
    check "the gateway Envoy holds http.9090" test -n "$(rds_version http.9090)"
    check "no listener modified or drained on the gateway" listeners_untouched egress
    check "both SYNCED on the new version" wait_for 5 both_synced
    check "gateway Envoy accepted every update" accepted egress
    check "gateway holds what xdsd sent" same_as_xdsd egress "$GATEWAY" "$api"
    awk '/^  - port:$/ { held = $0; next } held != "" { if ($0 ~ /number: 9090/) skip = 5;
        else print held; held = "" } skip > 0 { skip--; next } { print }' "$gw" >"$T/gw.new"
    check "the edit back removes it" test "$(grep -c 'number: 9090' "$T/gw.new")" = 0
    mv "$T/gw.new" "$gw"
    check "the listener on 9090 is no longer active (it drains)" wait_for 10 gateway_lacks_9090
    check "xdsd no longer sends it" xdsd_without_9090
    check "http.8080 still kept its version" test "$(rds_version http.8080)" = "$v80"
    check "the request still answers 200" test "$(app_get http://edition.cnn.com/politics)" = 200
    check "both SYNCED after the edit back" wait_for 5 both_synced
    check "gateway Envoy accepted every update after it" accepted egress
}

# xdsd's view for the gateway Envoy holds its listeners, none on 9090
xdsd_without_9090() {
    local id dump
    id=$(debug /debug/syncz | jq -r --arg p "$GATEWAY" '.[] | select(.proxy | contains("~" + $p + "~")) | .proxy | @uri')
    dump=$(debug "/debug/config_dump?proxyID=$id") || return 1
    echo "$dump" | grep -q 0.0.0.0_8080 && ! echo "$dump" | grep -q 0.0.0.0_9090
}

# the gateway Envoy's listener on 9090 is active (a removed one drains)
gateway_has_9090() {
    admin egress '/config_dump?resource=dynamic_listeners' |
        jq -e '.configs[] | select(.name == "0.0.0.0_9090") | .active_state' >/dev/null
}
gateway_lacks_9090() { ! gateway_has_9090; }

# rds_version NAME: the version of route configuration NAME the gateway Envoy holds
rds_version() {
    admin egress '/config_dump?resource=dynamic_route_configs' |
        jq -r --arg n "$1" '.configs[] | select(.route_config.name == $n) | .version_info'
}

# subset_rename_case API: O1 make before break under dense traffic. Four
# reloads, 0.7 s apart, each renaming the DestinationRule subset the sidecar
# routes to (cnn <-> cnn2) and the VirtualService's subset with it, both
# files moved in together. The old cluster must outlive the route that used
# it: every request answers 200 and the sidecar never finds no cluster.
subset_rename_case() {
    local api=$1 dr=$T/config/2-gateway-destinationrule.yaml vs=$T/config/3-virtualservice.yaml
    local from=cnn to=cnn2 codes good i
    mesh_up http-egress "$api" "" "" || return
    : >"$T/codes"
    # requests back to back on one connection, in batches of 100, until told to stop
    (while [ ! -e "$T/stop" ]; do
        app -o /dev/null -w '%{http_code}\n' 'http://edition.cnn.com/politics?i=[1-100]' >>"$T/codes"
    done) &
    local traffic=$!
    sleep 0.5
    for i in 1 2 3 4; do
        sed "s/^  - name: $from\$/  - name: $to/" "$dr" >"$T/dr.new"
        sed "s/^        subset: $from\$/        subset: $to/" "$vs" >"$T/vs.new"
        grep -q "name: $to\$" "$T/dr.new" && grep -q "subset: $to\$" "$T/vs.new" ||
            { not_ok "reload $i renames subset $from to $to"; break; }
        mv "$T/dr.new" "$dr" && mv "$T/vs.new" "$vs"
        sleep 0.7
        local x=$from
        from=$to to=$x
    done
    sleep 0.5
    touch "$T/stop"
    wait "$traffic"
    rm -f "$T/stop"
    codes=$(grep -c . "$T/codes")
    good=$(grep -c '^200$' "$T/codes")
    echo "# subset rename ($api): $good of $codes requests answered 200"
    check "all $codes requests during the renames answered 200 ($good did)" \
        test "$good" -eq "$codes" -a "$codes" -ge 200
    local nc
    nc=$(envoy_stat sleep http.outbound_0.0.0.0_80.no_cluster)
    check "sidecar stat http.outbound_0.0.0.0_80.no_cluster is 0 (got $nc)" test "$nc" = 0
    check "the sidecar routes to the last subset (cnn)" wait_for 5 sidecar_has_cluster \
        'outbound|80|cnn|istio-egressgateway.istio-system.svc.cluster.local'
    check "both SYNCED on the new version" wait_for 5 both_synced
    check "sidecar holds what xdsd sent" wait_for 5 same_as_xdsd sleep "$SIDECAR" "$api"
    check "gateway holds what xdsd sent" same_as_xdsd egress "$GATEWAY" "$api"
}

# sidecar_has_cluster NAME: the sidecar's route sends to NAME
sidecar_has_cluster() { admin sleep '/config_dump?resource=dynamic_route_configs' | grep -qF "\"$1\""; }

# listeners_untouched HOST: a route-only change left the listeners alone
listeners_untouched() {
    local m d
    m=$(envoy_stat "$1" listener_manager.listener_modified)
    d=$(envoy_stat "$1" listener_manager.total_listeners_draining)
    echo "listener_modified $m, total_listeners_draining $d"
    [ "$m" = 0 ] && [ "$d" = 0 ]
}

run_case() {
    local c=$1 api
    CASE=$c
    case $c in */delta*) api=DELTA_GRPC ;; *) api=GRPC ;; esac
    case $c in
    xds-tls/*) xds_tls_case "$api" ;;
    bypass/*) bypass_case "${c#bypass/}" ;;
    live-edit/*) live_edit_case "$api" ;;
    gateway-edit/*) gateway_edit_case "$api" ;;
    subset-rename/*) subset_rename_case "$api" ;;
    simulate/*) simulate_case "${c#simulate/}" ;;
    etcd-failover/*) etcd_failover_case "$api" ;;
    sidecar/*) sidecar_case "${c#sidecar/}" ;;
    sds/*) sds_case "$(echo "$c" | cut -d/ -f2)" "$api" ;;
    *) scenario_case "${c%%/*}" "$api" "$(echo "$c" | cut -s -d/ -f3)" ;;
    esac
    stop_all
    net_down
}

. test/envoy/etcd_case.sh
