#!/usr/bin/env bash
# Schema check: compare proto/ (xdsd's own subset of the Envoy API) with the
# upstream Envoy protos, field by field, on decoded descriptor sets.
#
#   test/schema/check.sh            # from the repository root
#
# BUILD (default build) is the git-ignored build directory. The upstream
# protos come from the npm package @grpc/grpc-js-xds (its deps/ folder),
# installed into $BUILD/npm when missing. Files newer than its snapshot of the
# Envoy API (the DnsCluster extension) come from PyPI's xds-protos, gRPC's
# protoc-generated Python of the same API, downloaded into $BUILD/pypi when
# missing: each module carries its file's serialized descriptor. Leaves the
# upstream descriptor set in $BUILD/schema/upstream.pb for dump-check.sh, and
# that of the newer files in newer.pb for test/translate/validate.sh. Needs
# protoc (protobuf-compiler), descriptor.proto (libprotobuf-dev), node, npm,
# python3 with venv (for a pip of its own).
#
# Prints one TAP line per check and ends with "N passed, M failed"; exits 1 if
# any check failed.

set -u

cd "$(dirname "$0")/../.." || exit 2
export BUILD=${BUILD:-build}
HERE=test/schema
WORK=$BUILD/schema
NPM_DIR=$BUILD/npm
NODE_MODULES=$NPM_DIR/node_modules
DEPS=$NODE_MODULES/@grpc/grpc-js-xds/deps
# The versions this check was written against; override to try others.
NPM_PACKAGES=${SCHEMA_NPM_PACKAGES:-$(sh scripts/ensure-npm --list)}
PYPI_DIR=$BUILD/pypi
XDS_PROTOS_VERSION=${SCHEMA_XDS_PROTOS_VERSION:-1.85.0}

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
    shift
    local line
    for line in "$@"; do
        echo "#   $line"
    done
}

# Show a file's lines as TAP comments.
comment() {
    sed 's/^/#   /' "$1"
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

# Copy the checker's TAP lines under our numbering; its summary line is dropped.
relay() {
    local line
    while IFS= read -r line; do
        case $line in
        "ok "[0-9]*)
            ok "${line#ok * - }"
            ;;
        "not ok "[0-9]*)
            n=$((n + 1)) failed=$((failed + 1))
            echo "not ok $n - ${line#not ok * - }"
            ;;
        *" passed, "*" failed") ;;
        *) echo "$line" ;;
        esac
    done <"$1"
}

# Tools. The Makefile installs them; here we only say what is missing.
missing=
for tool in protoc node npm python3; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
[ -r /usr/include/google/protobuf/descriptor.proto ] || missing="$missing descriptor.proto"
if [ -n "$missing" ]; then
    not_ok "schema: tools present" "missing:$missing" \
        "install: apt-get install -y protobuf-compiler libprotobuf-dev nodejs npm python3 python3-venv"
    finish
fi
ok "schema: tools present (protoc, node, npm, python3)"

# Upstream protos, protobufjs and js-yaml, installed once.
if [ ! -d "$DEPS/envoy-api/envoy" ] || [ ! -f "$NODE_MODULES/protobufjs/package.json" ] ||
    [ ! -f "$NODE_MODULES/js-yaml/package.json" ]; then
    mkdir -p "$NPM_DIR"
    # shellcheck disable=SC2086 # one word per package
    if ! npm install --prefix "$NPM_DIR" --no-audit --no-fund --loglevel=error \
        $NPM_PACKAGES >"$BUILD/npm-install.log" 2>&1; then
        not_ok "schema: npm install $NPM_PACKAGES" "see $BUILD/npm-install.log:"
        comment "$BUILD/npm-install.log"
        finish
    fi
fi
if [ ! -d "$DEPS/envoy-api/envoy" ]; then
    not_ok "schema: upstream protos in $DEPS" "no envoy-api/ there"
    finish
fi
ok "schema: upstream protos in $DEPS"

# etcd's protos, for proto/etcd/: the npm package etcd3 ships them as etcd
# has them, except that it spells enum values in CamelCase (Equal, NotEqual,
# Put) where etcd writes EQUAL, NOT_EQUAL, PUT, and imports "./kv.proto".
# Both spelled back into a copy, so that the names compare too; its HTTP
# gateway options (whose proto it does not ship) are left out.
ETCD3_VERSION=${SCHEMA_ETCD3_VERSION:-1.1.2}
ETCD_NPM=$BUILD/npm-etcd3
ETCD_UP=$BUILD/etcd-upstream # beside WORK, which is made afresh below
if [ ! -f "$ETCD_NPM/node_modules/etcd3/proto/rpc.proto" ] &&
    ! npm install --prefix "$ETCD_NPM" --no-audit --no-fund --ignore-scripts --loglevel=error \
        "etcd3@$ETCD3_VERSION" >"$BUILD/npm-etcd3.log" 2>&1; then
    not_ok "schema: npm install etcd3@$ETCD3_VERSION" "see $BUILD/npm-etcd3.log:"
    comment "$BUILD/npm-etcd3.log"
    finish
fi
mkdir -p "$ETCD_UP/etcd"
for f in kv auth rpc; do
    perl -pe 'if (/^\s*enum \w+\s*\{/) { $e = 1 } elsif ($e && /^\s*\}/) { $e = 0 }
        elsif ($e && /^(\s*)(\w+)(\s*=.*)$/s) {
            my ($in, $name, $rest) = ($1, $2, $3);
            $_ = $in . uc(join("_", $name =~ m{[A-Z][a-z0-9]*}g)) . $rest;
        }
        s{import "\./}{import "etcd/};
        if (/option \(google\.api\.http\)/) { $o = 1 } if ($o) { $o = 0 if /\};/; $_ = "" }' \
        "$ETCD_NPM/node_modules/etcd3/proto/$f.proto" >"$ETCD_UP/etcd/$f.proto"
done
ok "schema: etcd's protos from etcd3@$ETCD3_VERSION"

rm -rf "$WORK"
mkdir -p "$WORK/pgv/validate"

# The validate.proto shipped beside the Envoy protos is older than they are:
# its StringRules lacks ignore_empty, which Envoy's options use. Give protoc a
# copy with the field added (upstream protoc-gen-validate numbers it 26).
awk '
    /^message StringRules[ {]/ { in_rules = 1 }
    in_rules && /ignore_empty/ { seen = 1 }
    in_rules {
        depth += gsub(/{/, "{") - gsub(/}/, "}")
        if (depth == 0 && /}/) {
            if (!seen)
                print "  optional bool ignore_empty = 26;"
            in_rules = 0
        }
    }
    { print }
' "$DEPS/protoc-gen-validate/validate/validate.proto" >"$WORK/pgv/validate/validate.proto"

mapfile -t files < <(cd proto && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
if [ "${#files[@]}" -eq 0 ]; then
    not_ok "schema: proto/ has .proto files"
    finish
fi

# Ours, with the well-known types from the system as the Makefile does.
if protoc -I proto -I /usr/include --include_imports --descriptor_set_out="$WORK/ours.pb" \
    "${files[@]}" >"$WORK/ours.log" 2>&1 && [ ! -s "$WORK/ours.log" ]; then
    ok "schema: proto/ compiles with protoc, no warnings (${#files[@]} files)"
else
    not_ok "schema: proto/ compiles with protoc, no warnings (${#files[@]} files)"
    comment "$WORK/ours.log"
    finish
fi

# Upstream: the same file paths, so every file of ours must exist there: in
# the npm snapshot, else (newer files) in the xds-protos wheel.
in_npm=() newer=()
for f in "${files[@]}"; do
    if [ -f "$ETCD_UP/$f" ]; then
        in_npm+=("$f") # etcd's, compiled from $ETCD_UP with the others
    elif [ -f "$DEPS/envoy-api/$f" ] || [ -f "$DEPS/googleapis/$f" ] || [ -f "$DEPS/xds/$f" ]; then
        in_npm+=("$f")
    else
        newer+=("$f")
    fi
done
: >"$WORK/newer.pb"
if [ "${#newer[@]}" -gt 0 ]; then
    wheel=$PYPI_DIR/xds_protos-$XDS_PROTOS_VERSION-py3-none-any.whl
    if [ ! -f "$wheel" ]; then
        mkdir -p "$PYPI_DIR"
        # pip of a virtualenv of our own: Debian's python3 has none by itself
        [ -x "$PYPI_DIR/venv/bin/pip" ] || python3 -m venv "$PYPI_DIR/venv" >"$BUILD/pypi-download.log" 2>&1
        "$PYPI_DIR/venv/bin/pip" download --no-deps --only-binary=:all: --disable-pip-version-check \
            -q -d "$PYPI_DIR" "xds-protos==$XDS_PROTOS_VERSION" >>"$BUILD/pypi-download.log" 2>&1
    fi
    # in our order, which puts common/dns/v3 before the dns_cluster that imports it
    if ! python3 "$HERE/wheel-descriptors.py" "$wheel" "${newer[@]}" >"$WORK/newer.pb" \
        2>"$WORK/newer.log"; then
        [ -f "$BUILD/pypi-download.log" ] && cat "$BUILD/pypi-download.log" >>"$WORK/newer.log"
        not_ok "schema: every proto/ file has an upstream counterpart" \
            "not in $DEPS: ${newer[*]}" "nor in xds-protos $XDS_PROTOS_VERSION:"
        comment "$WORK/newer.log"
        finish
    fi
fi
ok "schema: every proto/ file has an upstream counterpart (${#newer[@]} from xds-protos)"
upstream_includes=(-I "$WORK/pgv" -I "$DEPS/envoy-api" -I "$DEPS/xds" -I "$DEPS/googleapis"
    -I "$ETCD_UP" -I /usr/include)
# A FileDescriptorSet is one repeated field: two sets end to end are one set,
# and the newer files come after the npm ones they import.
if protoc "${upstream_includes[@]}" --include_imports --descriptor_set_out="$WORK/npm.pb" \
    "${in_npm[@]}" >"$WORK/upstream.log" 2>&1; then
    cat "$WORK/npm.pb" "$WORK/newer.pb" >"$WORK/upstream.pb"
    ok "schema: upstream protos compile for the same ${#files[@]} paths"
else
    not_ok "schema: upstream protos compile for the same ${#files[@]} paths"
    comment "$WORK/upstream.log"
    finish
fi

export NODE_PATH=$NODE_MODULES
node "$HERE/check.js" "$WORK/ours.pb" "$WORK/upstream.pb" >"$WORK/check.out" 2>&1
rc=$?
relay "$WORK/check.out"
if [ "$rc" -gt 1 ] || ! grep -qx '[0-9]* passed, [0-9]* failed' "$WORK/check.out"; then
    not_ok "schema: check.js ran to the end" "exit $rc, output above"
fi

# Negative self-test: a fixture with a wrong field number must be caught.
if ! protoc -I "$HERE/bad" -I proto -I /usr/include --include_imports \
    --descriptor_set_out="$WORK/bad.pb" "${files[@]}" >"$WORK/bad.log" 2>&1; then
    not_ok "schema: bad fixture compiles"
    comment "$WORK/bad.log"
else
    node "$HERE/check.js" "$WORK/bad.pb" "$WORK/upstream.pb" >"$WORK/bad.out" 2>&1
    rc=$?
    # What the fixture adds to the mismatches of proto/ itself must be
    # exactly expected.txt, so a failure above does not hide this test.
    sed -n 's/^#   //p' "$WORK/check.out" | LC_ALL=C sort >"$WORK/ours.errs"
    sed -n 's/^#   //p' "$WORK/bad.out" | LC_ALL=C sort >"$WORK/bad.errs"
    LC_ALL=C comm -13 "$WORK/ours.errs" "$WORK/bad.errs" >"$WORK/bad.new"
    LC_ALL=C sort "$HERE/bad/expected.txt" >"$WORK/bad.want"
    if [ "$rc" -eq 1 ] && cmp -s "$WORK/bad.new" "$WORK/bad.want"; then
        ok "schema: checker rejects the bad fixture ($(head -1 "$HERE/bad/expected.txt"))"
    else
        mapfile -t missed < <(LC_ALL=C comm -13 "$WORK/bad.new" "$WORK/bad.want")
        mapfile -t extra < <(LC_ALL=C comm -23 "$WORK/bad.new" "$WORK/bad.want")
        not_ok "schema: checker rejects the bad fixture" "checker exit $rc, want 1" \
            "${missed[@]/#/not reported: }" "${extra[@]/#/unexpected: }" \
            "its output: $WORK/bad.out"
    fi
fi

# decode-bootstrap.js on a clean bootstrap and on one with two mistakes.
if node "$HERE/decode-bootstrap.js" "$HERE/fixtures/bootstrap-good.yaml" \
    >"$WORK/boot-good.out" 2>&1; then
    ok "schema: decode-bootstrap accepts fixtures/bootstrap-good.yaml"
else
    not_ok "schema: decode-bootstrap accepts fixtures/bootstrap-good.yaml"
    comment "$WORK/boot-good.out"
fi
node "$HERE/decode-bootstrap.js" "$HERE/fixtures/bootstrap-bad.yaml" >"$WORK/boot-bad.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'typed_config\.stat_prefx: unknown field' "$WORK/boot-bad.out" &&
    grep -q 'typed_config\.codec_type: unknown enum value "HTTP9"' "$WORK/boot-bad.out"; then
    ok "schema: decode-bootstrap rejects fixtures/bootstrap-bad.yaml"
else
    not_ok "schema: decode-bootstrap rejects fixtures/bootstrap-bad.yaml" "exit $rc, want 1"
    comment "$WORK/boot-bad.out"
fi

finish
