#!/usr/bin/env bash
# Dump check: what `xdsd dump` prints (Envoy's admin ConfigDump JSON, made by
# the generic encoder) must be valid proto3 JSON for the upstream Envoy protos,
# and equal to what protobuf's own JSON printer makes of it. That second half
# proves the field names, enum names, Duration/int64/Any forms and the
# omitted defaults are the ones Envoy's /config_dump prints.
#
#   test/schema/dump-check.sh       # from the repository root, after `make`
#
# Config directories: test/data/dump-check/*/ and examples/*/config/. Each is dumped
# for a sidecar and for an egress gateway proxy. Needs the upstream descriptor
# set of test/schema/check.sh (run first when missing), g++ with libprotobuf,
# and node. Ends with "N passed, M failed"; exits 1 if any check failed.

set -u

cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
XDSD=$BUILD/xdsd
WORK=$BUILD/schema
UPSTREAM=$WORK/upstream.pb
ROUNDTRIP=$BUILD/dump-check/json_roundtrip
OUT=$BUILD/dump-check

n=0
passed=0
failed=0

ok() {
    n=$((n + 1)) passed=$((passed + 1))
    echo "ok $n - $1"
}

not_ok() {
    n=$((n + 1)) failed=$((failed + 1))
    echo "not ok $n - $1"
    [ $# -gt 1 ] && sed 's/^/#   /' "$2" | head -20
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

mkdir -p "$OUT"
if [ ! -x "$XDSD" ]; then
    echo "no $XDSD" >"$OUT/err"
    not_ok "dump-check: xdsd is built" "$OUT/err"
    finish
fi
if [ ! -f "$UPSTREAM" ]; then
    BUILD=$BUILD bash test/schema/check.sh >"$OUT/schema.log" 2>&1
fi
if [ ! -f "$UPSTREAM" ]; then
    not_ok "dump-check: upstream descriptor set from test/schema/check.sh" "$OUT/schema.log"
    finish
fi
# shellcheck disable=SC2046
if ! g++ -O1 -std=c++17 -o "$ROUNDTRIP" test/schema/json_roundtrip.cc \
    $(pkg-config --cflags --libs protobuf) >"$OUT/g++.log" 2>&1; then
    not_ok "dump-check: build the protobuf JSON round trip (g++, libprotobuf)" "$OUT/g++.log"
    finish
fi

proxies=(
    "sidecar~10.0.0.5~sleep-6bdb595bcb-xv2ls.default~default.svc.cluster.local|"
    "router~10.0.0.9~istio-egressgateway-7f8d4c.istio-system~istio-system.svc.cluster.local|istio=egressgateway"
)

for dir in test/data/dump-check/*/ examples/*/config/; do
    [ -d "$dir" ] || continue
    for p in "${proxies[@]}"; do
        id=${p%%|*} labels=${p#*|}
        name="${dir%/} as ${id%%~*}"
        args=(dump --config-dir "$dir" --proxy "$id")
        [ -n "$labels" ] && args+=(--labels "$labels")
        if ! "$XDSD" "${args[@]}" >"$OUT/ours.json" 2>"$OUT/err"; then
            not_ok "dump-check: $name: xdsd dump succeeds" "$OUT/err"
            continue
        fi
        if ! "$ROUNDTRIP" "$UPSTREAM" envoy.admin.v3.ConfigDump <"$OUT/ours.json" \
            >"$OUT/theirs.json" 2>"$OUT/err"; then
            not_ok "dump-check: $name: decodes with the upstream protos" "$OUT/err"
            continue
        fi
        if node -e '
            const fs = require("fs"), assert = require("assert");
            const a = JSON.parse(fs.readFileSync(process.argv[1]));
            const b = JSON.parse(fs.readFileSync(process.argv[2]));
            assert.deepStrictEqual(a, b);' "$OUT/ours.json" "$OUT/theirs.json" 2>"$OUT/err"; then
            ok "dump-check: $name: decodes upstream and prints as protobuf prints it"
        else
            not_ok "dump-check: $name: prints as protobuf prints it" "$OUT/err"
        fi
    done
done
finish
