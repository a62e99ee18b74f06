#!/bin/sh
# test/translate/validate.sh - every resource the translation tests build,
# checked against the upstream Envoy API as stock Envoy would check it
# (validate.js: decoding without unknown fields, known Any types, PGV rules).
#
# Reuses the schema check's upstream protos ($BUILD/npm, installed there by
# test/schema/check.sh, and $BUILD/schema/newer.pb, the descriptors of newer
# upstream files it takes from xds-protos) and the unit test binary
# ($BUILD/test/unit), which writes every view it builds into XDSD_DUMP_DIR.
# Ends with "N passed, M failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
NODE_MODULES=$BUILD/npm/node_modules
DEPS=$NODE_MODULES/@grpc/grpc-js-xds/deps
DUMP=$BUILD/translate-dump
NEWER=$BUILD/schema/newer.pb

if { [ ! -d "$DEPS" ] || [ ! -f "$NEWER" ]; } && [ -x test/schema/check.sh ]; then
    BUILD=$BUILD test/schema/check.sh >/dev/null 2>&1
fi
if [ ! -d "$DEPS" ] || [ ! -f "$NEWER" ] || ! command -v node >/dev/null; then
    echo "not ok 1 - node and test/schema/check.sh's upstream protos ($DEPS, $NEWER) are needed"
    echo "0 passed, 1 failed"
    exit 1
fi
rm -rf "$DUMP"
mkdir -p "$DUMP"
if ! XDSD_DUMP_DIR=$DUMP "$BUILD/test/unit" translate >/dev/null 2>&1; then
    echo "not ok 1 - translation unit tests"
    echo "0 passed, 1 failed"
    exit 1
fi
NODE_PATH=$NODE_MODULES exec node test/translate/validate.js "$DEPS" "$DUMP" "$NEWER"
