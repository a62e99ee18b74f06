#!/usr/bin/env node
// Interop suite: xDS clients nobody here wrote (grpc-js-xds, gRPC C core)
// against `xdsd serve`, one xdsd and one config directory per case.
//
//   node test/interop/suite.js [CASE...]     # from test/interop/run
//   node test/interop/suite.js --dump-configs DIR
//
// Three echo backends (a, b, c) run in this process; a STATIC ServiceEntry
// `echo.default.svc.cluster.local` port 7070 lists some of them as endpoints
// (labels version: v1 / v2), and the clients dial
// xds:///echo.default.svc.cluster.local:7070. Prints TAP and ends with
// "N passed, M failed"; exits 1 on any failure.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');
const h = require('./harness');
const echo = require('./echo');

const HOST = 'echo.default.svc.cluster.local';
const TARGET = `${HOST}:7070`;
const CASE_MS = 45000;
const SUITE_MS = 240000;

// ---- config ----------------------------------------------------------------

function serviceEntry(endpoints) {
    const eps = endpoints.map(([b, version]) => [
        `  - address: 127.0.0.1`,
        `    ports:`,
        `      grpc: ${b.port}`,
        `    labels:`,
        `      app: echo`,
        `      version: ${version}`,
        `      backend: ${b.name}`,
    ].join('\n'));
    return `apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata:
  name: echo
  namespace: default
spec:
  hosts:
  - ${HOST}
  location: MESH_INTERNAL
  ports:
  - number: 7070
    name: grpc
    protocol: GRPC
  resolution: STATIC
  endpoints:
${eps.join('\n')}
`;
}

const DESTINATION_RULE = `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: echo
  namespace: default
spec:
  host: ${HOST}
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;

// A VirtualService for the echo host; `http` is the YAML of spec.http's items.
function virtualService(http) {
    return `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: echo
  namespace: default
spec:
  hosts:
  - ${HOST}
  http:
${http.trimEnd().split('\n').map((l) => `  ${l}`).join('\n')}
`;
}

function dest(subset, weight) {
    const w = weight === undefined ? '' : `\n    weight: ${weight}`;
    return `  - destination:\n      host: ${HOST}\n      subset: ${subset}${w}`;
}

const routeTo = (subset) => `- route:\n${dest(subset)}\n`;

// The usual two-version setup: a is v1, b is v2.
const twoVersions = (b, http) => ({
    'serviceentry.yaml': serviceEntry([[b.a, 'v1'], [b.b, 'v2']]),
    'destinationrule.yaml': DESTINATION_RULE,
    'virtualservice.yaml': virtualService(http),
});

// ---- helpers for the cases -------------------------------------------------

const fmt = (counts) => Object.entries(counts).sort().map(([k, v]) => `${k}=${v}`).join(' ') ||
    'nothing';
const onlyFrom = (counts, names) => Object.keys(counts).every((k) => names.includes(k));

// First call of a case: waits for xDS to resolve (generous deadline).
async function first(ctx, opts = {}) {
    const r = await echo.call(ctx.client, Object.assign({ deadlineMs: 15000 }, opts));
    const desc = `${ctx.name}: first call through xds:///${TARGET} answered`;
    h.check(r.who !== undefined, `${desc}${r.who ? ` (by ${r.who})` : ''}`,
        [`status ${r.code}: ${r.details}`]);
    return r;
}

// Call until pred(result) holds `streak` times in a row; false after ms.
async function callUntil(ctx, pred, streak, ms, opts = {}) {
    const until = Date.now() + ms;
    let run = 0;
    while (Date.now() < until) {
        const r = await echo.call(ctx.client, opts);
        run = pred(r) ? run + 1 : 0;
        if (run >= streak)
            return true;
        if (r.who === undefined)
            await h.sleep(20);
    }
    return false;
}

// node ARGS with extra environment; resolves to {code, out, err}, killed after 30s.
function runNode(args, env) {
    return new Promise((resolve) => {
        const child = execFile(process.execPath, args,
            { env: Object.assign({}, process.env, env), timeout: 30000, killSignal: 'SIGKILL' },
            (err, out, errOut) => resolve({ code: err ? err.code ?? err.signal : 0, out, err: errOut }));
        h.track(child);
    });
}

function write(ctx, file, text) {
    fs.writeFileSync(path.join(ctx.dir, file), text);
}

// Both clients' syncz checks need their node ids.
const nodeId = (who) => `sidecar~127.0.0.1~${who}.default~default.svc.cluster.local`;

async function cClient(ctx, n, expect, header) {
    const id = nodeId(`cclient-${ctx.name}`);
    const r = await h.runCClient(ctx.x.xdsPort, id, `xds:///${TARGET}`, n, header);
    const res = { counts: r.counts };
    expect(r.counts, r.stderr.trim().split('\n').slice(-5));
    await h.checkNoNack(ctx.x, id, `${ctx.name} (C core)`);
    const code = await r.finish();
    res.code = code;
    return res;
}

// ---- the cases -------------------------------------------------------------

const CASES = [];
const defcase = (name, files, run) => CASES.push({ name, files, run });

defcase('plain', (b) => ({ 'serviceentry.yaml': serviceEntry([[b.a, 'v1'], [b.b, 'v2']]) }),
    async (ctx) => {
        await first(ctx);
        const { counts } = await echo.callMany(ctx.client, 20);
        h.check(onlyFrom(counts, ['a', 'b']) && counts.a > 0 && counts.b > 0,
            `plain: 20 calls spread over the ServiceEntry's endpoints a and b (${fmt(counts)})`);
        await cClient(ctx, 20, (c, err) => h.check(onlyFrom(c, ['a', 'b']) &&
            (c.a || 0) + (c.b || 0) === 20,
        `plain (C core): 20 calls answered by a and b (${fmt(c)})`, err));
    });

defcase('subsets', (b) => ({
    'serviceentry.yaml': serviceEntry([[b.a, 'v1'], [b.b, 'v2'], [b.c, 'v2']]),
    'destinationrule.yaml': DESTINATION_RULE,
    'virtualservice.yaml': virtualService(routeTo('v2')),
}), async (ctx) => {
    await first(ctx);
    const { counts } = await echo.callMany(ctx.client, 30);
    h.check(onlyFrom(counts, ['b', 'c']) && counts.b > 0 && counts.c > 0,
        `subsets: subset v2 (labels version: v2) is b and c only (${fmt(counts)})`);
});

defcase('weighted', (b) => twoVersions(b, `- route:\n${dest('v1', 80)}\n${dest('v2', 20)}\n`),
    async (ctx) => {
        await first(ctx);
        const n = 300;
        const { counts } = await echo.callMany(ctx.client, n);
        const share = (counts.a || 0) / n;
        h.check(onlyFrom(counts, ['a', 'b']) && share >= 0.70 && share <= 0.90,
            `weighted: 80/20 split over ${n} calls, v1 share ${(share * 100).toFixed(1)}% ` +
            `within 70-90% (${fmt(counts)})`);
        await cClient(ctx, n, (c, err) => {
            const s = (c.a || 0) / n;
            h.check(onlyFrom(c, ['a', 'b']) && s >= 0.70 && s <= 0.90,
                `weighted (C core): v1 share ${(s * 100).toFixed(1)}% within 70-90% (${fmt(c)})`,
                err);
        });
    });

defcase('header', (b) => twoVersions(b, `- match:
  - headers:
      x-variant:
        exact: canary
  route:
${dest('v2')}
${routeTo('v1')}`), async (ctx) => {
    await first(ctx);
    const canary = await echo.callMany(ctx.client, 20, { headers: { 'x-variant': 'canary' } });
    const plain = await echo.callMany(ctx.client, 20, { headers: { 'x-variant': 'stable' } });
    h.check(canary.counts.b === 20, `header: x-variant: canary goes to v2 (${fmt(canary.counts)})`);
    h.check(plain.counts.a === 20, `header: other calls go to v1 (${fmt(plain.counts)})`);
    await cClient(ctx, 10, (c, err) => h.check(c.b === 10,
        `header (C core): --header x-variant=canary goes to v2 (${fmt(c)})`, err),
    'x-variant=canary');
});

defcase('fault-abort', (b) => twoVersions(b, `- match:
  - headers:
      x-fault:
        exact: http
  fault:
    abort:
      httpStatus: 403
      percentage:
        value: 100
  route:
${dest('v1')}
- match:
  - headers:
      x-fault:
        exact: grpc
  fault:
    abort:
      grpcStatus: RESOURCE_EXHAUSTED
      percentage:
        value: 100
  route:
${dest('v1')}
${routeTo('v1')}`), async (ctx) => {
    await first(ctx);
    const callsBefore = ctx.b.a.calls;
    const httpAbort = await echo.callMany(ctx.client, 10, { headers: { 'x-fault': 'http' } });
    const grpcAbort = await echo.callMany(ctx.client, 10, { headers: { 'x-fault': 'grpc' } });
    const aborted = ctx.b.a.calls - callsBefore;
    const none = await echo.callMany(ctx.client, 10);
    h.check(httpAbort.counts['error 7'] === 10,
        `fault-abort: httpStatus 403 -> PERMISSION_DENIED (7) on every call (${fmt(httpAbort.counts)})`);
    h.check(grpcAbort.counts['error 8'] === 10,
        `fault-abort: grpcStatus RESOURCE_EXHAUSTED (8) on every call (${fmt(grpcAbort.counts)})`);
    h.check(aborted === 0, `fault-abort: aborted calls never reach the backend (${aborted} did)`);
    h.check(none.counts.a === 10, `fault-abort: calls without the header pass (${fmt(none.counts)})`);
});

defcase('fault-delay', (b) => twoVersions(b, `- match:
  - headers:
      x-fault:
        exact: delay
  fault:
    delay:
      fixedDelay: 1s
      percentage:
        value: 100
  route:
${dest('v1')}
${routeTo('v1')}`), async (ctx) => {
    await first(ctx);
    const quick = await echo.call(ctx.client);
    const delayed = await echo.call(ctx.client, { headers: { 'x-fault': 'delay' } });
    h.check(delayed.who === 'a' && delayed.ms >= 990,
        `fault-delay: fixedDelay 1s holds the call at least 1s, then it is answered ` +
        `(${delayed.who || `status ${delayed.code}`} after ${delayed.ms} ms; ` +
        `without the header ${quick.ms} ms)`);
    const cut = await echo.call(ctx.client, { headers: { 'x-fault': 'delay' }, deadlineMs: 300 });
    h.check(cut.code === echo.grpc.status.DEADLINE_EXCEEDED,
        `fault-delay: a 300ms deadline expires during the delay (status ${cut.code})`);
});

defcase('timeout', (b) => twoVersions(b, `- timeout: 500ms
  route:
${dest('v1')}
`), async (ctx) => {
    await first(ctx);
    // The backend answers after 3s; the client's own deadline is 10s, so only
    // the route's timeout can end the call early.
    const slow = await echo.call(ctx.client, { headers: { 'x-sleep-ms': 3000 }, deadlineMs: 10000 });
    h.check(slow.code === echo.grpc.status.DEADLINE_EXCEEDED,
        `timeout: route timeout 500ms ends a 3s call with DEADLINE_EXCEEDED ` +
        `(${slow.who ? `answered by ${slow.who}` : `status ${slow.code}`} after ${slow.ms} ms)`);
    const fast = await echo.call(ctx.client);
    h.check(fast.who === 'a', `timeout: a quick call still passes (${fast.who || fast.code})`);
});

defcase('retries', (b) => twoVersions(b, `- retries:
    attempts: 3
    retryOn: unavailable
  route:
${dest('v1')}
`), async (ctx) => {
    await first(ctx);
    const ok = await echo.call(ctx.client, { headers: { 'x-req-id': 'r-ok', 'x-fail-attempts': 2 } });
    h.check(ok.who === 'a' && echo.attemptsFor('r-ok') === 3,
        `retries: two UNAVAILABLE attempts are retried, the third answers ` +
        `(${ok.who || `status ${ok.code}`}, ${echo.attemptsFor('r-ok')} attempts seen)`);
    const bad = await echo.call(ctx.client, { headers: { 'x-req-id': 'r-bad', 'x-fail-attempts': 99 } });
    h.check(bad.code === echo.grpc.status.UNAVAILABLE && echo.attemptsFor('r-bad') === 4,
        `retries: attempts: 3 means 4 tries in all, then UNAVAILABLE ` +
        `(status ${bad.code}, ${echo.attemptsFor('r-bad')} attempts seen)`);
});

defcase('live-edit', (b) => twoVersions(b, routeTo('v1')), async (ctx) => {
    await first(ctx);
    const before = await echo.callMany(ctx.client, 10);
    h.check(before.counts.a === 10, `live-edit: all calls go to v1 first (${fmt(before.counts)})`);
    const pid = ctx.x.proc.pid;
    write(ctx, 'virtualservice.yaml', virtualService(routeTo('v2')));
    const moved = await callUntil(ctx, (r) => r.who === 'b', 5, 15000);
    const after = await echo.callMany(ctx.client, 20);
    h.check(moved && after.counts.b === 20 && ctx.x.alive() && ctx.x.proc.pid === pid,
        `live-edit: after editing the VirtualService every call goes to v2, same xdsd ` +
        `process (${fmt(after.counts)})`);
});

defcase('endpoint-removal', (b) => ({
    'serviceentry.yaml': serviceEntry([[b.a, 'v1'], [b.b, 'v1'], [b.c, 'v1']]),
}), async (ctx) => {
    await first(ctx);
    const before = await echo.callMany(ctx.client, 30);
    h.check(before.counts.c > 0, `endpoint-removal: c answers while listed (${fmt(before.counts)})`);
    write(ctx, 'serviceentry.yaml', serviceEntry([[ctx.b.a, 'v1'], [ctx.b.b, 'v1']]));
    const gone = await callUntil(ctx, (r) => r.who === 'a' || r.who === 'b', 20, 15000);
    const cBefore = ctx.b.c.calls;
    const after = await echo.callMany(ctx.client, 40);
    h.check(gone && ctx.b.c.calls === cBefore && onlyFrom(after.counts, ['a', 'b']),
        `endpoint-removal: once removed from the ServiceEntry, c gets no calls ` +
        `(${fmt(after.counts)}; c received ${ctx.b.c.calls - cBefore})`);
});

defcase('invalid-file', (b) => twoVersions(b, routeTo('v1')), async (ctx) => {
    await first(ctx);
    // Would send everything to v2 if it were applied, but a duration is bad.
    write(ctx, 'virtualservice.yaml', virtualService(`- timeout: banana\n  route:\n${dest('v2')}\n`));
    const note = await ctx.x.waitRejected();
    const during = await echo.callMany(ctx.client, 30);
    h.check(during.counts.a === 30 && ctx.x.alive(),
        `invalid-file: an invalid VirtualService changes nothing, calls still go to v1 ` +
        `(${fmt(during.counts)}; ${note})`);
    write(ctx, 'virtualservice.yaml', virtualService(routeTo('v2')));
    const fixed = await callUntil(ctx, (r) => r.who === 'b', 5, 15000);
    h.check(fixed, 'invalid-file: the file fixed, the change is applied (calls go to v2)');
});

// A Kubernetes ConfigMap volume, as the kubelet writes it: the files live in
// a hidden ..TIMESTAMP directory, ..data links to it, and the visible names
// link through ..data. An update writes a new ..TIMESTAMP, renames a new
// symlink over ..data (one atomic swap) and removes the old directory.
function configMapPublish(dir, files, stamp) {
    const ts = `..${stamp}`;
    fs.mkdirSync(path.join(dir, ts));
    for (const [f, text] of Object.entries(files))
        fs.writeFileSync(path.join(dir, ts, f), text);
    const data = path.join(dir, '..data');
    const old = fs.existsSync(data) ? fs.readlinkSync(data) : null;
    fs.symlinkSync(ts, path.join(dir, '..data_tmp'));
    fs.renameSync(path.join(dir, '..data_tmp'), data);
    for (const f of Object.keys(files)) {
        if (!fs.existsSync(path.join(dir, f)))
            fs.symlinkSync(path.join('..data', f), path.join(dir, f));
    }
    if (old)
        fs.rmSync(path.join(dir, old), { recursive: true });
}

defcase('configmap-swap', () => ({}), async (ctx) => {
    await first(ctx);
    const before = await echo.callMany(ctx.client, 10);
    h.check(before.counts.a === 10,
        `configmap-swap: config read through ..data symlinks, calls go to v1 (${fmt(before.counts)})`);
    configMapPublish(ctx.dir, twoVersions(ctx.b, routeTo('v2')), '2026_11_29_12_00_01.000000002');
    const moved = await callUntil(ctx, (r) => r.who === 'b', 5, 15000);
    h.check(moved, 'configmap-swap: after the kubelet-style ..data swap, calls go to v2');
});
CASES[CASES.length - 1].prepare = (dir, b) =>
    configMapPublish(dir, twoVersions(b, routeTo('v1')), '2026_11_29_12_00_00.000000001');

// examples/grpc-proxyless/config as shipped, with the backends' ports in
// place of 50051 (v1, a) and 50052 (v2, b).
defcase('example-grpc-proxyless', (b) => {
    const src = path.join(h.REPO, 'examples', 'grpc-proxyless', 'config');
    const files = {};
    for (const f of fs.readdirSync(src).filter((n) => n.endsWith('.yaml'))) {
        files[f] = fs.readFileSync(path.join(src, f), 'utf8')
            .replace(/\b50051\b/g, String(b.a.port)).replace(/\b50052\b/g, String(b.b.port));
    }
    return files;
}, async (ctx) => {
    await first(ctx);
    const n = 200;
    const { counts } = await echo.callMany(ctx.client, n);
    const share = (counts.a || 0) / n;
    h.check(onlyFrom(counts, ['a', 'b']) && share >= 0.68 && share <= 0.92,
        `example-grpc-proxyless: v1 share ${(share * 100).toFixed(1)}% of ${n} within 68-92% ` +
        `(${fmt(counts)})`);
    const canary = await echo.callMany(ctx.client, 10, { headers: { 'x-variant': 'canary' } });
    h.check(canary.counts.b === 10,
        `example-grpc-proxyless: x-variant: canary goes to v2 (${fmt(canary.counts)})`);
    // The README's own command: echo.js call with GRPC_XDS_BOOTSTRAP naming
    // the example's bootstrap.json (pointed at this case's xdsd).
    const boot = JSON.parse(fs.readFileSync(path.join(h.REPO, 'examples', 'grpc-proxyless',
        'bootstrap.json'), 'utf8'));
    boot.xds_servers[0].server_uri = `127.0.0.1:${ctx.x.xdsPort}`;
    const bootFile = path.join(path.dirname(ctx.dir), 'bootstrap.json');
    fs.writeFileSync(bootFile, JSON.stringify(boot));
    const cli = await runNode([path.join(__dirname, 'echo.js'), 'call', `xds:///${TARGET}`, '20'],
        { GRPC_XDS_BOOTSTRAP: bootFile });
    const got = {};
    for (const m of cli.out.matchAll(/^(\S+): (\d+)$/gm))
        got[m[1]] = Number(m[2]);
    h.check(cli.code === 0 && onlyFrom(got, ['a', 'b']) && (got.a || 0) + (got.b || 0) === 20,
        `example-grpc-proxyless: \`GRPC_XDS_BOOTSTRAP=bootstrap.json echo.js call\` as in the ` +
        `README (${fmt(got)}, exit ${cli.code})`, cli.err.trim().split('\n').slice(-5));
});

// ---- running ---------------------------------------------------------------

function withTimeout(promise, ms, what) {
    let t;
    const timer = new Promise((_, reject) => {
        t = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000}s`)), ms);
    });
    return Promise.race([promise, timer]).finally(() => clearTimeout(t));
}

async function runCase(c, backends) {
    const failedBefore = h.tap.failed;
    const dir = h.configDir(c.name, c.files(backends));
    if (c.prepare)
        c.prepare(dir, backends);
    const log = path.join(path.dirname(dir), 'xdsd.log');
    const x = new h.Xdsd(dir, log);
    try {
        await x.start();
    } catch (e) {
        if (e.placeholder)
            return 'placeholder';
        h.notOk(`${c.name}: xdsd serve starts`, [e.message, ...h.tail(log)]);
        return 'failed';
    }
    const id = nodeId(`client-${c.name}`);
    const client = echo.makeClient(TARGET, echo.bootstrap(`127.0.0.1:${x.xdsPort}`, id));
    const ctx = { name: c.name, x, b: backends, client, dir };
    try {
        await withTimeout(c.run(ctx), CASE_MS, `case ${c.name}`);
    } catch (e) {
        h.notOk(`${c.name}: ran to the end`, [e.stack || e.message]);
    }
    await h.checkNoNack(x, id, c.name);
    client.close();
    const st = await x.stop();
    h.check(st && st.code === 0 && !st.killed, `${c.name}: xdsd stops cleanly on SIGTERM`,
        [`exit ${JSON.stringify(st)}`]);
    if (h.tap.failed > failedBefore) {
        h.comment([`xdsd log (${log}), last lines:`]);
        h.comment(h.tail(log).map((l) => `  ${l}`));
    }
    return 'ran';
}

// --dump-configs DIR: write every case's starting config directory and stop
// (to read them, or to check them with `xdsd validate`).
async function dumpConfigs(out) {
    const backends = {};
    for (const name of ['a', 'b', 'c'])
        backends[name] = { name, port: 50000 + name.charCodeAt(0) };
    for (const c of CASES) {
        const dir = path.join(out, c.name);
        fs.mkdirSync(dir, { recursive: true });
        for (const [f, text] of Object.entries(c.files(backends)))
            fs.writeFileSync(path.join(dir, f), text);
        if (c.prepare)
            c.prepare(dir, backends);
    }
    process.exit(0);
}

async function main() {
    if (process.argv[2] === '--dump-configs')
        return dumpConfigs(process.argv[3]);
    const only = process.argv.slice(2);
    const unknown = only.filter((n) => !CASES.some((c) => c.name === n));
    if (unknown.length) {
        process.stderr.write(`suite.js: unknown case(s) ${unknown.join(' ')}; cases: ` +
            `${CASES.map((c) => c.name).join(' ')}\n`);
        process.exit(2);
    }
    const suiteTimer = setTimeout(() => {
        h.notOk(`interop suite finished within ${SUITE_MS / 1000}s`);
        finish();
    }, SUITE_MS);
    const backends = {};
    for (const name of ['a', 'b', 'c'])
        backends[name] = await echo.startBackend(name);
    h.comment(`backends: ${Object.values(backends).map((b) => `${b.name}=127.0.0.1:${b.port}`).join(' ')}`);
    for (const c of CASES.filter((k) => only.length === 0 || only.includes(k.name))) {
        const r = await runCase(c, backends);
        if (r === 'placeholder') {
            h.skip('interop cases', '`xdsd serve` is not available yet in this build');
            break;
        }
    }
    clearTimeout(suiteTimer);
    finish();
}

function finish() {
    h.killAll();
    if (h.tap.failed === 0 && !process.env.KEEP)
        fs.rmSync(h.WORK, { recursive: true, force: true });
    else
        h.comment(`work files kept in ${h.WORK}`);
    if (h.tap.skipped)
        console.log(`# ${h.tap.skipped} skipped`);
    console.log(`${h.tap.passed} passed, ${h.tap.failed} failed`);
    process.exit(h.tap.failed ? 1 : 0);
}

main().catch((e) => {
    h.notOk('interop suite ran', [e.stack || String(e)]);
    finish();
});
