#!/bin/sh
# cli_config.sh - what an operator meets first, over the real `xdsd`:
# `xdsd validate` (its findings, their labels and positions, a file checked
# against the directory it belongs to, standard input, exit codes), symbolic
# links that lead nowhere or loop (under validate and under serve, which
# keeps serving the last good configuration), duplicates, "did you mean",
# YAML mistakes in plain words, a Gateway selector that matches no declared
# gateway (IST0101) and `xdsd dump` of a gateway proxy that matches none.
set -u
cd "$(dirname "$0")/../.." || exit 1
. test/e2e/lib.sh

T=$(mktemp -d /tmp/xdsd-cli.XXXXXX)
trap 'end $PID; rm -rf "$T"' EXIT
PID=0

# v ARGS...: `xdsd validate ARGS`; its stdout in OUT, stderr in ERR, status in RC
v() {
    "$XDSD" validate "$@" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}

# err_has REGEX / out_has REGEX: a line of validate's stderr / stdout matches
err_has() { printf '%s\n' "$ERR" | grep -Eq -- "$1"; }
out_has() { printf '%s\n' "$OUT" | grep -Eq -- "$1"; }
# err_count REGEX: how many lines of stderr match
err_count() { printf '%s\n' "$ERR" | grep -Ec -- "$1"; }

guide() { rm -rf "$1" && cp -r "$GUIDE" "$1"; }

# cond DESCRIPTION SHELL-CONDITION: one test line for a compound condition
cond() {
    if eval "$2"; then ok "$1"; else nok "$1"; fi
}

# ---- 13: findings, their labels, stderr and stdout --------------------------------------

guide "$T/good"
v "$T/good"
check "valid directory: exit 0, '4 files, 5 resources, 0 errors, 0 warnings' on stdout" \
    [ "$RC" = 0 -a "$OUT" = "4 files, 5 resources, 0 errors, 0 warnings" ]
check "valid directory: nothing on stderr" [ -z "$ERR" ]

mkdir "$T/one"
printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: x\nspec:\n  hosts: [x.example.com]\n  resolution: NOPE\n' >"$T/one/x.yaml"
v "$T/one"
check "one of each: exit 1, '1 file, 1 resource, 1 error, 1 warning'" \
    [ "$RC" = 1 -a "$OUT" = "1 file, 1 resource, 1 error, 1 warning" ]
check "an error reads FILE:LINE:COLUMN: error: KIND NAMESPACE/NAME: message, on stderr" \
    err_has "^$T/one/x.yaml:7:15: error: ServiceEntry default/x: unknown resolution 'NOPE'"
check "a warning reads FILE:LINE:COLUMN: warning: KIND NAMESPACE/NAME: message" \
    err_has "^$T/one/x.yaml:6:3: warning: ServiceEntry default/x: no ports"
check "findings are not on stdout: only the summary is" [ "$(wc -l <"$T/out")" = 1 ]

# "did you mean" for names of other resources: an edited VirtualService
# checked against its directory
mkdir "$T/edit"
sed -e 's/^  - istio-egressgateway$/  - istio-egresgateway/' -e 's/subset: cnn$/subset: cnnn/' \
    -e 's/host: edition.cnn.com$/host: edition.cnn.co/' \
    "$GUIDE/03-virtualservice.yaml" >"$T/edit/03-virtualservice.yaml"
v "$T/good" "$T/edit/03-virtualservice.yaml"
E=$T/edit/03-virtualservice.yaml
check "did you mean: a Gateway" \
    err_has "^$E:9:5: error: VirtualService default/direct-cnn-through-egress-gateway: Gateway default/istio-egresgateway not found \(referenced as 'istio-egresgateway'\): did you mean 'istio-egressgateway'\?$"
check "did you mean: a subset" \
    err_has "^$E:19:17: error: .*subset 'cnnn' not found in DestinationRule default/egressgateway-for-cnn .*: did you mean 'cnn'\?$"
check "did you mean: a host" \
    err_has "^$E:29:15: warning: .*destination host 'edition.cnn.co' is not declared by any ServiceEntry: did you mean 'edition.cnn.com'\?$"
check "did you mean: only when close (no guess for the unrelated)" \
    [ "$(err_count 'did you mean')" = 3 ]

# YAML mistakes in plain words, at libyaml's position
mkdir "$T/yaml"
printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n\tname: x\n' >"$T/yaml/tab.yaml"
printf 'apiVersion: networking.istio.io/v1\nkind ServiceEntry\nmetadata:\n  name: x\n' >"$T/yaml/colon.yaml"
printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: x\n namespace: y\n' >"$T/yaml/indent.yaml"
v "$T/yaml/tab.yaml"
check "YAML: a tab in the indentation, said so" \
    err_has "^$T/yaml/tab.yaml:4:1: error: invalid YAML: a tab in the indentation: YAML indents with spaces only$"
v "$T/yaml/colon.yaml"
check "YAML: a key without ':', at the key" \
    err_has "^$T/yaml/colon.yaml:2:1: error: invalid YAML: a key without ':'"
v "$T/yaml/indent.yaml"
check "YAML: bad indentation, at the line" \
    err_has "^$T/yaml/indent.yaml:5:2: error: invalid YAML: bad indentation: column 2 lines up with no key above"
check "YAML: libyaml's own words are gone" \
    sh -c "! grep -Eq 'while (scanning|parsing)' '$T/err' '$T/out'"

# ---- 6: a file after a directory, standard input, exit codes ----------------------------

cp "$GUIDE/03-virtualservice.yaml" "$T/edit/03-virtualservice.yaml"
v "$T/good" "$T/edit/03-virtualservice.yaml"
check "DIR FILE: the edited copy replaces its namesake: exit 0, no duplicate" \
    [ "$RC" = 0 -a "$OUT" = "4 files, 5 resources, 0 errors, 0 warnings" ]
check "DIR FILE: says which file it stands for" \
    err_has "^xdsd validate: '$T/edit/03-virtualservice.yaml' is read in place of '$T/good/03-virtualservice.yaml'$"
v "$T/good" "$T/good/03-virtualservice.yaml"
check "DIR DIR/FILE: the same file, read once: exit 0" \
    [ "$RC" = 0 -a "$OUT" = "4 files, 5 resources, 0 errors, 0 warnings" ]
mkdir -p "$T/nested/team" "$T/copy/team"
cp "$GUIDE"/0[0-2]*.yaml "$T/nested/"
cp "$GUIDE/03-virtualservice.yaml" "$T/nested/team/vs.yaml"
cp "$GUIDE/03-virtualservice.yaml" "$T/copy/team/vs.yaml"
v "$T/nested" "$T/copy/team/vs.yaml"
check "DIR FILE: by its path under the directory (team/vs.yaml)" \
    [ "$RC" = 0 -a "$OUT" = "4 files, 5 resources, 0 errors, 0 warnings" ]
v "$T/edit/03-virtualservice.yaml"
check "FILE alone: checked alone, its references fail: exit 1" [ "$RC" = 1 ]

guide "$T/nostdin" && rm "$T/nostdin/01-serviceentry.yaml"
"$XDSD" validate "$T/nostdin" - <"$GUIDE/01-serviceentry.yaml" >"$T/out" 2>"$T/err"
check "'-': standard input completes the directory: exit 0" [ "$?" = 0 ]
check "'-': counted as one file" grep -qx "4 files, 5 resources, 0 errors, 0 warnings" "$T/out"
printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: [\n' |
    "$XDSD" validate - >"$T/out" 2>"$T/err"
check "'-': invalid input: exit 1" [ "$?" = 1 ]
check "'-': findings name <stdin>" grep -Eq '^<stdin>:[0-9]+:[0-9]+: error: invalid YAML' "$T/err"

v
check "no PATH: exit 2" [ "$RC" = 2 ]
v "$T/does-not-exist"
cond "a path that does not exist: exit 2, named" '[ "$RC" = 2 ] && err_has "cannot read .*does-not-exist"'
v - - </dev/null
check "'-' twice: exit 2" [ "$RC" = 2 ]
"$XDSD" validate --help >"$T/out" 2>&1
check "validate --help tells the namesake rule and '-'" \
    sh -c "grep -q 'replaces its namesake' '$T/out' && grep -q 'standard input' '$T/out'"

# ---- 5: a duplicate at the metadata.name of both ----------------------------------------

guide "$T/dup"
cp "$GUIDE/01-serviceentry.yaml" "$T/dup/99-copy.yaml"
v "$T/dup"
check "duplicate: reported at its metadata.name, naming the other's" \
    err_has "^$T/dup/99-copy.yaml:4:9: error: ServiceEntry default/cnn: duplicate ServiceEntry default/cnn: also defined at $T/dup/01-serviceentry.yaml:4:9$"
cond "duplicate: one error" '[ "$RC" = 1 ] && out_has ", 1 error, "'

# ---- 4: links that loop, several paths to one file --------------------------------------

guide "$T/loop"
mkdir "$T/loop/sub"
ln -s .. "$T/loop/sub/up"
ln -s .. "$T/loop/sub/up2" # two links to the parent: 2^32 paths if followed
t0=$(date +%s)
"$XDSD" validate "$T/loop" >"$T/out" 2>"$T/err" &
VPID=$!
wait_for 10 '! kill -0 $VPID 2>/dev/null'
if kill -0 $VPID 2>/dev/null; then
    kill $VPID
    nok "loops: validate returns at once"
else
    wait $VPID
    RC=$?
    ok "loops: validate returns at once ($(($(date +%s) - t0)) s)"
fi
OUT=$(cat "$T/out") ERR=$(cat "$T/err")
check "loops: each real file read once: exit 0, '4 files, 5 resources, 0 errors, 2 warnings'" \
    [ "${RC:-}" = 0 -a "$OUT" = "4 files, 5 resources, 0 errors, 2 warnings" ]
check "loops: each reported once, naming the link" \
    sh -c "grep -q '^$T/loop/sub/up: warning: symbolic link to .\.\..: loops back to .$T/loop., which holds it: not followed$' '$T/err' &&
        grep -c 'loops back' '$T/err' | grep -qx 2"
guide "$T/loop1"
mkdir "$T/loop1/sub"
ln -s .. "$T/loop1/sub/up"
v "$T/loop1"
check "a link to the parent: one warning, no flood of duplicates" \
    [ "$RC" = 0 -a "$OUT" = "4 files, 5 resources, 0 errors, 1 warning" ]

guide "$T/cycle"
ln -s y.yaml "$T/cycle/x.yaml"
ln -s x.yaml "$T/cycle/y.yaml"
v "$T/cycle"
check "two files linking to each other: one error, exit 1" \
    [ "$RC" = 1 -a "$(err_count 'error:')" = 1 ]
check "two files linking to each other: the error names the loop" \
    err_has "^$T/cycle/x.yaml: error: symbolic link loop: '$T/cycle/x.yaml' -> '$T/cycle/y.yaml' -> '$T/cycle/x.yaml'$"

guide "$T/twice"
ln -s 01-serviceentry.yaml "$T/twice/10-link.yaml"
v "$T/twice"
check "two paths to one file: read once, exit 0" \
    [ "$RC" = 0 -a "$OUT" = "4 files, 5 resources, 0 errors, 1 warning" ]
check "two paths to one file: says which was read" \
    err_has "^$T/twice/10-link.yaml: warning: the same file as '$T/twice/01-serviceentry.yaml': read once, as '$T/twice/01-serviceentry.yaml'$"

# serve watches a tree with loops: it starts, and still sees edits
if start loop "$T/loop"; then
    check "loops: serve loads generation 1 (5 resources)" \
        wait_for 10 '[ "$(configz .generation)" = 1 -a "$(configz ".resources | length")" = 5 ]'
    check "loops: serve's log names the loop" grep -q "sub/up: warning: symbolic link to '..': loops back" "$LOG"
    sed 's/name: cnn$/name: cnn2/' "$GUIDE/01-serviceentry.yaml" >"$T/loop/sub/more.yaml"
    check "loops: an edit is still picked up (generation 2, 6 resources)" \
        wait_for 10 '[ "$(configz .generation)" = 2 -a "$(configz ".resources | length")" = 6 ]'
    stop
    check "loops: SIGTERM, exit 0" [ "$RC" = 0 ]
else
    nok "loops: serve starts"
fi

# ---- 3: a served file replaced by a dangling link ---------------------------------------

guide "$T/dangle"
F=$T/dangle/01-serviceentry.yaml
if start dangle "$T/dangle"; then
    wait_for 10 '[ "$(configz .generation)" = 1 ]'
    NRES=$(configz '.resources | length')
    rm "$F" && ln -s "$T/gone/01-serviceentry.yaml" "$F"
    if wait_for 10 '[ "$(configz .rejected)" = true ]'; then
        ok "dangling link under serve: the reload is rejected, not read as a deletion"
    else
        nok "dangling link under serve: the reload is rejected, not read as a deletion"
    fi
    check "dangling link under serve: generation 1 and its $NRES resources still served" \
        [ "$(configz .generation)" = 1 -a "$(configz '.resources | length')" = "$NRES" ]
    check "dangling link under serve: ServiceEntry default/cnn still served" \
        [ "$(configz '[.resources[] | select(.kind == "ServiceEntry" and .name == "cnn")] | length')" = 1 ]
    check "dangling link under serve: /debug/configz names the link and its target" \
        [ "$(configz ".errors[] | select(.file == \"$F\") | .message")" = "dangling symbolic link: its target '$T/gone/01-serviceentry.yaml' does not exist" ]
    check "dangling link under serve: the log names the link and its target" \
        grep -q "$F: error: dangling symbolic link: its target '$T/gone/01-serviceentry.yaml'" "$LOG"
    check "dangling link under serve: the log says '1 error'" \
        grep -qE "rejected: 1 error, [0-9]+ warnings?; still serving generation 1$" "$LOG"
    v "$T/dangle"
    cond "dangling link under validate: exit 1, naming link and target" \
        '[ "$RC" = 1 ] && err_has "^$F: error: dangling symbolic link: its target .$T/gone/01-serviceentry.yaml. does not exist$"'
    rm "$F" && cp "$GUIDE/01-serviceentry.yaml" "$F"
    check "dangling link repaired: accepted, the same generation" \
        wait_for 10 '[ "$(configz .rejected)" = false -a "$(configz .generation)" = 1 ]'
    stop
    check "dangling link: SIGTERM, exit 0" [ "$RC" = 0 ]
else
    nok "dangling link: serve starts"
fi

# ---- 10: a Gateway selector that matches no declared gateway ----------------------------

guide "$T/selector"
sed -i 's/istio: egressgateway/istio: egresgateway/' "$T/selector/00-egressgateway-service.yaml"
v "$T/selector"
W="^$T/selector/02-gateway-destinationrule.yaml:7:5: warning: Gateway default/istio-egressgateway: referenced selector not found: \"istio=egressgateway\": .* \(Istio IST0101\)$"
cond "IST0101: validate warns at the selector, exit 0" '[ "$RC" = 0 ] && err_has "$W"'
if start selector "$T/selector"; then
    check "IST0101: serve's log warns" wait_for 10 'grep -q "referenced selector not found: \"istio=egressgateway\"" "$LOG"'
    check "IST0101: /debug/configz lists it" \
        [ "$(configz '[.warnings[] | select(.message | test("IST0101"))] | length')" = 1 ]
    stop
else
    nok "IST0101: serve starts"
fi

R='router~127.0.0.1~istio-egressgateway.istio-system~istio-system.svc.cluster.local'
"$XDSD" dump --config-dir "$T/good" --proxy "$R" --type listeners >"$T/out" 2>"$T/err"
RC=$?
cond "dump of a gateway proxy without --labels: exit 0, no gateway listeners" \
    '[ "$RC" = 0 ] && ! grep -q dynamic_listeners "$T/out"'
check "dump of a gateway proxy without --labels: warns what the Gateways select" \
    grep -q "warning: gateway proxy '$R' with no labels (--labels) matches no Gateway.*default/istio-egressgateway (istio=egressgateway)" "$T/err"
check "dump of a gateway proxy without --labels: names the labels its address has" \
    grep -q "127.0.0.1 is an endpoint of ServiceEntry istio-system/istio-egressgateway, with labels istio=egressgateway: try --labels istio=egressgateway" "$T/err"
"$XDSD" dump --config-dir "$T/good" --proxy "$R" --labels istio=egressgateway --type listeners \
    >"$T/out" 2>"$T/err"
RC=$?
cond "dump with the gateway's labels: its listeners, no warning" \
    '[ "$RC" = 0 ] && grep -q dynamic_listeners "$T/out" && [ ! -s "$T/err" ]'

summary
