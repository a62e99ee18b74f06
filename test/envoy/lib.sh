# lib.sh - the real Envoy suite's hosts, processes and checks. Sourced by
# test/envoy/run, not run.
#
# The guide's cluster becomes four network namespaces joined by a bridge that
# lives in a fifth one, so nothing is added to the machine's own network:
#
#   istiod    10.77.0.2   xdsd serve
#   sleep     10.77.0.3   the app (uid APP_UID) and its sidecar Envoy (uid 1337),
#                         outbound TCP redirected to 15001 as istio-iptables does
#   egress    10.77.0.4   the egress gateway Envoy
#   internet  10.77.0.5   edition.cnn.com: internet.py on 80 and 443
#
# A host's own /etc files (hosts, and certs/ where the guide's YAML reads
# /etc/certs) live in $T/etc/HOST and are laid over /etc for that host's
# processes only: a read-only overlay mount in the mount namespace that
# `ip netns exec` makes per command. (`ip netns exec`'s own /etc/netns/NAME
# files can only cover paths that exist on the machine, and /etc/certs does
# not; the machine's /etc is never written.)

NET=10.77.0
ISTIOD_IP=$NET.2
SLEEP_IP=$NET.3
EGRESS_IP=$NET.4
INTERNET_IP=$NET.5
PROXY_UID=1337
APP_UID=4242
HOSTS="istiod sleep egress internet"
NS=xe$$-    # namespace prefix: one run's namespaces never meet another's

n=0 passed=0 failed=0 skipped=0
CASE=""

ok() {
    n=$((n + 1)) passed=$((passed + 1))
    echo "ok $n - $CASE: $1"
}

not_ok() {
    n=$((n + 1)) failed=$((failed + 1))
    echo "not ok $n - $CASE: $1"
    shift
    for line in "$@"; do
        echo "#   $line"
    done
}

skip() {
    n=$((n + 1)) skipped=$((skipped + 1))
    echo "ok $n - $1 # SKIP $2"
}

# check DESCRIPTION COMMAND...: one test line; the command's output is shown
# only when it fails
check() {
    local d=$1 out
    shift
    if out=$("$@" 2>&1); then
        ok "$d"
    else
        not_ok "$d"
        [ -n "$out" ] && printf '%s\n' "$out" | head -n 30 | sed 's/^/#   /'
    fi
    return 0
}

# wait_for SECONDS COMMAND...: poll every 50 ms until COMMAND succeeds
wait_for() {
    local i=$(($1 * 20))
    shift
    while [ "$i" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.05
        i=$((i - 1))
    done
    return 1
}

ip_of() {
    case $1 in
    istiod) echo "$ISTIOD_IP" ;; sleep) echo "$SLEEP_IP" ;;
    egress) echo "$EGRESS_IP" ;; internet) echo "$INTERNET_IP" ;;
    esac
}

# nx HOST CMD...: run CMD in HOST's network namespace
nx() {
    local h=$1
    shift
    ip netns exec "$NS$h" "$@"
}

# hx HOST CMD...: run CMD on HOST, with HOST's /etc files laid over /etc
hx() {
    local h=$1
    shift
    ip netns exec "$NS$h" sh -c \
        'mount -t overlay xdsd-etc -o "lowerdir=$0:/etc" /etc && exec "$@"' "$T/etc/$h" "$@"
}

# hxu HOST UID CMD...: hx as a bare uid (no account needed), as a pod's
# containers run
hxu() {
    local h=$1 u=$2
    shift 2
    hx "$h" setpriv --reuid "$u" --regid "$u" --clear-groups "$@"
}

# net_up: the namespaces, the bridge and each host's /etc files
net_up() {
    local i=0 h
    ip netns add "${NS}lan" || return 1
    ip -n "${NS}lan" link add br0 type bridge
    ip -n "${NS}lan" link set br0 up
    for h in $HOSTS; do
        i=$((i + 1))
        ip netns add "$NS$h" || return 1
        ip -n "${NS}lan" link add "v$i" type veth peer name eth0 netns "$NS$h"
        ip -n "${NS}lan" link set "v$i" master br0 up
        ip -n "$NS$h" addr add "$(ip_of "$h")/24" dev eth0
        ip -n "$NS$h" link set eth0 up
        ip -n "$NS$h" link set lo up
        mkdir -p "$T/etc/$h"
        {
            echo "127.0.0.1 localhost"
            echo "$(ip_of "$h") $h"
            echo "$INTERNET_IP edition.cnn.com"
            echo "$INTERNET_IP unlisted.example.org"
        } >"$T/etc/$h/hosts"
        # no name server: every name the tests use is in hosts
        echo "options attempts:1 timeout:1" >"$T/etc/$h/resolv.conf"
    done
}

# net_down: end every process left in the namespaces, then remove them
net_down() {
    local h pids
    for h in $HOSTS lan; do
        ip netns list 2>/dev/null | grep -q "^$NS$h\b" || continue
        pids=$(ip netns pids "$NS$h" 2>/dev/null)
        [ -n "$pids" ] && kill -TERM $pids 2>/dev/null
    done
    sleep 0.2
    for h in $HOSTS lan; do
        ip netns list 2>/dev/null | grep -q "^$NS$h\b" || continue
        pids=$(ip netns pids "$NS$h" 2>/dev/null)
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
        ip netns del "$NS$h" 2>/dev/null
    done
    return 0
}

# capture_on: istio-iptables' outbound capture in sleep, nat table: every TCP
# connection goes to the sidecar's 15001, except the sidecar's own (uid 1337)
# and those to 127.0.0.1
capture_on() {
    nx sleep iptables -t nat -N ISTIO_OUTPUT &&
        nx sleep iptables -t nat -A OUTPUT -p tcp -j ISTIO_OUTPUT &&
        nx sleep iptables -t nat -A ISTIO_OUTPUT -m owner --uid-owner "$PROXY_UID" -j RETURN &&
        nx sleep iptables -t nat -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN &&
        nx sleep iptables -t nat -A ISTIO_OUTPUT -p tcp -j REDIRECT --to-ports 15001
}

# policy_on / policy_off: the guide's NetworkPolicy (section 4) for the sleep
# pod: what leaves the pod reaches only the egress gateway and xdsd. (The
# capture's redirect to 127.0.0.1:15001 stays inside the pod, as it does
# under Kubernetes, where the policy applies outside the pod.)
policy_on() {
    nx sleep iptables -N EGRESS_POLICY &&
        nx sleep iptables -A EGRESS_POLICY -o lo -j ACCEPT &&
        nx sleep iptables -A EGRESS_POLICY -d 127.0.0.0/8 -j ACCEPT &&
        nx sleep iptables -A EGRESS_POLICY -d "$SLEEP_IP" -j ACCEPT &&
        nx sleep iptables -A EGRESS_POLICY -d "$EGRESS_IP" -j ACCEPT &&
        nx sleep iptables -A EGRESS_POLICY -d "$ISTIOD_IP" -j ACCEPT &&
        nx sleep iptables -A EGRESS_POLICY -j REJECT &&
        nx sleep iptables -A OUTPUT -j EGRESS_POLICY
}

policy_off() {
    nx sleep iptables -D OUTPUT -j EGRESS_POLICY &&
        nx sleep iptables -F EGRESS_POLICY && nx sleep iptables -X EGRESS_POLICY
}

# certs_up: a test CA, mesh identities (examples/make-certs.sh) at /etc/certs
# of sleep and egress, the xDS server's certificate on istiod, and
# edition.cnn.com's certificate on internet. Keys are readable by the
# sidecar's uid, as a pod's mounted secret is by its proxy.
certs_up() {
    local c=$T/certs
    sh examples/make-certs.sh "$c" >/dev/null || return 1
    mkdir -p "$T/etc/sleep/certs" "$T/etc/egress/certs" "$T/etc/istiod/certs" "$T/etc/internet/certs"
    cp "$c"/sleep/*.pem "$T/etc/sleep/certs/"
    cp "$c"/istio-egressgateway/*.pem "$T/etc/egress/certs/"
    leaf "$c" istiod "DNS:istiod.istio-system.svc,URI:spiffe://cluster.local/ns/istio-system/sa/istiod" \
        "$T/etc/istiod/certs" || return 1
    leaf "$c" internet "DNS:edition.cnn.com" "$T/etc/internet/certs" || return 1
    chmod 644 "$T"/etc/*/certs/*.pem
}

# leaf CA_DIR NAME SAN OUT_DIR: a server certificate signed by the test CA
leaf() {
    local ca=$1 name=$2 san=$3 out=$4
    openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -keyout "$out/key.pem" -out "$T/$name.csr" -subj "/CN=$name" 2>/dev/null &&
        printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" >"$T/$name.ext" &&
        openssl x509 -req -in "$T/$name.csr" -CA "$ca/root-cert.pem" -CAkey "$ca/root-key.pem" \
            -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$T/$name.ext" \
            -out "$out/cert-chain.pem" 2>/dev/null &&
        cp "$ca/root-cert.pem" "$out/root-cert.pem"
}

# --- processes ----------------------------------------------------------------

# internet_start: edition.cnn.com's servers; requests are recorded in $T/internet.jsonl
# (INTERNET_ARGS: more arguments, e.g. --client-ca for mutual TLS)
internet_start() {
    : >"$T/internet.jsonl"
    # shellcheck disable=SC2086
    hx internet python3 test/envoy/internet.py --cert /etc/certs/cert-chain.pem \
        --key /etc/certs/key.pem --log "$T/internet.jsonl" ${INTERNET_ARGS:-} >"$T/internet.out" 2>&1 &
    wait_for 10 grep -q listening "$T/internet.out"
}

# xdsd_start CONFIG_DIR [ARGS...]: xdsd serve on istiod, with a short
# debounce (XDSD_DEBOUNCE; bench/envoy-edit uses the default 100ms)
xdsd_start() {
    local dir=$1
    shift
    : >"$T/xdsd.log"
    hx istiod "$XDSD" serve --config-dir "$dir" --xds-listen 0.0.0.0:15010 \
        --debug-listen 127.0.0.1:15014 --debounce "${XDSD_DEBOUNCE:-20ms}" "$@" >"$T/xdsd.log" 2>&1 &
    XDSD_PID=$!
    wait_for 10 nx istiod curl -sf http://127.0.0.1:15014/ready
}

# envoy_start HOST BOOTSTRAP [UID]: Envoy on HOST, with README's command
# (`envoy -c BOOTSTRAP --disable-hot-restart`) and a log level and format;
# its stdout (the access log) in $T/HOST.out, its own log in $T/HOST.err;
# ENVOY_ARGS, when set, adds to the command line. The checks read the access
# log, which Envoy writes out every 10 s by default: flushed every 100 ms
# here unless ENVOY_ARGS says otherwise
envoy_start() {
    local h=$1 boot=$2 uid=${3:-0}
    : >"$T/$h.out"
    : >"$T/$h.err"
    # Envoy opens /dev/stdout again for its access log, as its own uid
    chown "$uid" "$T/$h.out" "$T/$h.err"
    hxu "$h" "$uid" "$ENVOY" -c "$boot" --disable-hot-restart -l info \
        --log-format '[%Y-%m-%d %T.%e][%l][%n] %v' ${ENVOY_ARGS:---file-flush-interval-msec 100} >"$T/$h.out" 2>"$T/$h.err" &
}

# admin HOST PATH: GET from HOST's Envoy admin, on the bootstraps' ports
# (the sidecar's 15100, the gateway's 15000)
admin() {
    local port=15000
    [ "$1" = sleep ] && port=15100
    nx "$1" curl -sf --max-time 5 "http://127.0.0.1:$port$2"
}

# envoy_stat HOST NAME: one counter or gauge of HOST's Envoy (empty when absent)
envoy_stat() {
    admin "$1" "/stats?filter=^$(printf '%s' "$2" | sed 's/[.|]/\\&/g')\$" |
        sed -n "s/^[^:]*: //p" | head -n 1
}

# debug PATH: GET from xdsd's debug endpoint
debug() {
    nx istiod curl -sf --max-time 5 "http://127.0.0.1:15014$1"
}

stop_all() {
    local h pids
    for h in $HOSTS; do
        pids=$(ip netns pids "$NS$h" 2>/dev/null)
        [ -n "$pids" ] && kill -TERM $pids 2>/dev/null
    done
    wait 2>/dev/null
    return 0
}

# app CURL_ARGS...: the sleep app's curl: its TCP goes through the capture
app() {
    hxu sleep "$APP_UID" curl -s --max-time 10 "$@"
}

# recorded: the requests edition.cnn.com received, one JSON object per line
recorded() {
    grep -v '"request": null' "$T/internet.jsonl" 2>/dev/null
}
