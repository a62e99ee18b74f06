# etcd_case.sh - the real Envoy suite's failover case, sourced by cases.sh.
#
# etcd-failover/{sotw,delta}: the http-egress scenario kept in etcd (one
# member on istiod), two xdsd replicas on istiod (15010 and 15011) reading
# it, and both Envoys' bootstraps listing both replicas. The replica the
# gateway Envoy is connected to is killed: the gateway reconnects to the
# other, which sends it nothing new (delta) or the version it holds (state
# of the world). Requests keep answering 200; no cluster or listener is
# added, modified, removed or drained on either Envoy.

ETCD_SOURCE=etcd://127.0.0.1:2379/mesh

# replicas_bootstrap FILE HOST API: bootstrap() with the second replica
# added beside the first in the xds-grpc cluster
replicas_bootstrap() {
    bootstrap "$@" | sed "/{address: $ISTIOD_IP, port_value: 15010}/a\\
        - endpoint:\\
            address:\\
              socket_address: {address: $ISTIOD_IP, port_value: 15011}"
}

# replica_of PROXY: the xDS port of the replica PROXY is connected to
replica_of() {
    local port
    for port in 15014 15015; do
        nx istiod curl -sf --max-time 5 "http://127.0.0.1:$port/debug/syncz" |
            jq -e --arg p "$1" '.[] | select(.proxy | contains("~" + $p + "~"))' >/dev/null 2>&1 &&
            { echo $((port - 4)); return 0; }
    done
    return 1
}

# synced_on PORT PROXY: PROXY is SYNCED on the replica with debug port PORT
synced_on() {
    nx istiod "$XDSD" status --debug-addr "127.0.0.1:$1" | grep "^$2 " | grep -q SYNCED
}

# xds_stats HOST: the Envoy's cluster and listener change counters
xds_stats() {
    local s
    for s in cluster_manager.cluster_added cluster_manager.cluster_modified \
        cluster_manager.cluster_removed listener_manager.listener_added \
        listener_manager.listener_modified listener_manager.listener_removed \
        listener_manager.total_listeners_draining; do
        echo "$s=$(envoy_stat "$1" "$s")"
    done
}

# xds_versions HOST: the CDS and LDS versions the Envoy holds (a hash of
# the last version_info, delta's system_version_info)
xds_versions() {
    echo "cds=$(envoy_stat "$1" cluster_manager.cds.version)" \
        "lds=$(envoy_stat "$1" listener_manager.lds.version)"
}

# same_stats HOST BEFORE: xds_stats HOST is still BEFORE (else both shown)
same_stats() {
    local now
    now=$(xds_stats "$1")
    [ "$now" = "$2" ] || { echo "before: $2"; echo "after: $now"; return 1; }
}

etcd_failover_case() {
    local api=$1 cfg before_gw before_sc port other pids
    if ! command -v etcd >/dev/null; then
        # a failure under CI, where .ci/run installs it
        if [ "${CI:-}" = true ]; then not_ok "etcd is installed (scripts/ensure-deps etcd)"; else
            skip "$CASE" "no etcd (scripts/ensure-deps etcd)"; fi
        return
    fi
    net_up && capture_on || { not_ok "network namespaces and iptables could not be set up"; return; }
    cfg=$(config_dir http-egress "") || { not_ok "examples/http-egress has no usable config"; return; }
    replicas_bootstrap examples/http-egress/envoy/egressgateway.yaml egress "$api" >"$T/egress.yaml" &&
        replicas_bootstrap examples/http-egress/envoy/sidecar.yaml sleep "$api" >"$T/sleep.yaml" ||
        { not_ok "examples/http-egress has no usable bootstrap"; return; }
    grep -q 'port_value: 15011' "$T/egress.yaml" || { not_ok "second replica in the bootstrap"; return; }
    internet_start || { not_ok "internet host did not start"; return; }
    hx istiod etcd --name e --data-dir "$T/etcd" --listen-client-urls http://127.0.0.1:2379 \
        --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
        --initial-advertise-peer-urls http://127.0.0.1:2380 \
        --initial-cluster e=http://127.0.0.1:2380 >"$T/etcd.log" 2>&1 &
    wait_for 20 nx istiod "$XDSD" get --config-source "$ETCD_SOURCE" >/dev/null ||
        { not_ok "etcd started" "$(tail -n 3 "$T/etcd.log")"; return; }
    check "the scenario applied to etcd" nx istiod "$XDSD" apply --config-source "$ETCD_SOURCE" -f "$cfg"
    for port in 15010 15011; do
        hx istiod "$XDSD" serve --config-source "$ETCD_SOURCE" --xds-listen "0.0.0.0:$port" \
            --debug-listen "127.0.0.1:$((port + 4))" >"$T/xdsd-$port.log" 2>&1 &
    done
    envoy_start egress "$T/egress.yaml" 0
    envoy_start sleep "$T/sleep.yaml" "$PROXY_UID"
    wait_for 20 envoy_ready egress && wait_for 20 envoy_ready sleep &&
        wait_for 20 replica_of "$GATEWAY" && port=$(replica_of "$GATEWAY") &&
        wait_for 20 synced_on $((port + 4)) "$GATEWAY" ||
        { not_ok "both Envoys ready, the gateway SYNCED on a replica" "$(tail -n 3 "$T/egress.err")"; return; }
    ok "both Envoys ready, the gateway SYNCED on the replica at $port ($api)"
    check "the guide's request answers 200 before" test "$(app_get http://edition.cnn.com/politics)" = 200
    before_gw=$(xds_stats egress)
    local versions
    versions=$(xds_versions egress)
    before_sc=$(xds_stats sleep)
    other=$((port == 15010 ? 15011 : 15010))
    # the replica the gateway uses: its process on istiod, by its listen port
    pids=$(ip netns pids "${NS}istiod" | while read -r p; do
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "--xds-listen 0.0.0.0:$port" && echo "$p"
    done)
    [ -n "$pids" ] && kill -9 $pids
    check "the gateway moved to the replica at $other and is SYNCED there" \
        wait_for 30 synced_on $((other + 4)) "$GATEWAY"
    sleep 1
    check "the guide's request answers 200 after" test "$(app_get http://edition.cnn.com/politics)" = 200
    check "gateway: no cluster or listener added, modified, removed or drained" \
        same_stats egress "$before_gw"
    check "sidecar: no cluster or listener added, modified, removed or drained" \
        same_stats sleep "$before_sc"
    # delta: the new replica answers the first request of each type, with
    # no resource (all initial_resource_versions match) and the same
    # system_version_info; SotW: the same version_info and resources
    check "gateway: the CDS and LDS versions it holds are the same" \
        eval '[[ $versions == "cds="[1-9]*" lds="[1-9]* ]] && [ "$(xds_versions egress)" = "$versions" ] ||
            { echo "before $versions"; xds_versions egress; false; }'
    check "gateway: no update rejected" no_rejects egress
    check "sidecar: no update rejected" no_rejects sleep
}

# no_rejects HOST: no update_rejected stat above 0 (the log has the killed
# replica's stream closing as a warning, which accepted() would refuse)
no_rejects() {
    local bad
    bad=$(admin "$1" /stats | grep -E '\.update_rejected: [1-9]')
    [ -z "$bad" ] || { echo "$bad"; return 1; }
}
