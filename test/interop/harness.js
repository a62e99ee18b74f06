// The machinery of the interop suite: TAP output, xdsd processes, config
// directories, the debug endpoint and gRPC C core's client. Every process
// started here is remembered and killed on exit, whatever the exit path.
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');
const http = require('http');
const { spawn } = require('child_process');

const REPO = path.resolve(__dirname, '..', '..');
const BUILD = path.resolve(REPO, process.env.BUILD || 'build');
const XDSD = path.join(BUILD, 'xdsd');
const C_CLIENT = path.join(BUILD, 'test', 'interop', 'xds_c_client');
const PLACEHOLDER = 'not available yet';

// ---- TAP -------------------------------------------------------------------

const tap = { n: 0, passed: 0, failed: 0, skipped: 0 };

function comment(lines) {
    for (const l of [].concat(lines))
        for (const s of String(l).split('\n'))
            console.log(`#   ${s}`);
}

function ok(desc) {
    tap.n++;
    tap.passed++;
    console.log(`ok ${tap.n} - ${desc}`);
}

function notOk(desc, diag = []) {
    tap.n++;
    tap.failed++;
    console.log(`not ok ${tap.n} - ${desc}`);
    comment(diag);
}

// A check that could not run: visible, and counted neither passed nor failed.
function skip(desc, why) {
    tap.n++;
    tap.skipped++;
    console.log(`ok ${tap.n} - ${desc} # SKIP ${why}`);
}

function check(cond, desc, diag = []) {
    if (cond)
        ok(desc);
    else
        notOk(desc, diag);
    return cond;
}

// ---- processes -------------------------------------------------------------

const children = new Set();

function track(child) {
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
}

function killAll() {
    for (const c of children) {
        try {
            c.kill('SIGKILL');
        } catch (e) {
            // already gone
        }
    }
}
process.on('exit', killAll);
// Stopped from outside (the run script's time limit, ^C): take ours along.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(sig, () => {
        console.log(`not ok 0 - interop suite interrupted by ${sig}`);
        killAll();
        process.exit(1);
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

function canConnect(port) {
    return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.on('connect', () => { s.destroy(); resolve(true); });
        s.on('error', () => resolve(false));
    });
}

// GET on the debug port: resolves to {status, body, json} or {error}.
function httpGet(port, urlPath, timeoutMs = 3000) {
    return new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: timeoutMs },
            (res) => {
                let body = '';
                res.setEncoding('utf8');
                res.on('data', (d) => { body += d; });
                res.on('end', () => {
                    let json;
                    try {
                        json = JSON.parse(body);
                    } catch (e) {
                        json = undefined;
                    }
                    resolve({ status: res.statusCode, body, json });
                });
            });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', (e) => resolve({ error: e.message }));
    });
}

function tail(file, n = 25) {
    try {
        return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n);
    } catch (e) {
        return [`(no log: ${e.message})`];
    }
}

// ---- config directories ----------------------------------------------------

// Under the build directory, so failed runs leave their logs where the run
// script's other output is (test/interop/run clears old ones).
fs.mkdirSync(path.join(BUILD, 'interop'), { recursive: true });
const WORK = fs.mkdtempSync(path.join(BUILD, 'interop', 'run-'));

function configDir(name, files) {
    const dir = path.join(WORK, name, 'config');
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files))
        fs.writeFileSync(path.join(dir, f), text);
    return dir;
}

// ---- xdsd ------------------------------------------------------------------

class Xdsd {
    constructor(dir, log) {
        this.dir = dir;
        this.log = log;
        this.debug = false;
    }

    // Start `xdsd serve` on free loopback ports; resolve once it serves xDS.
    // Rejects with a message naming the cause (and {placeholder: true} when the
    // build has no `serve` yet).
    async start() {
        this.xdsPort = await freePort();
        this.debugPort = await freePort();
        const out = fs.openSync(this.log, 'a');
        this.proc = track(spawn(XDSD, ['serve', '--config-dir', this.dir,
            '--xds-listen', `127.0.0.1:${this.xdsPort}`,
            '--debug-listen', `127.0.0.1:${this.debugPort}`, '--debounce', '50ms'],
        { stdio: ['ignore', out, out] }));
        fs.closeSync(out);
        this.exited = null;
        this.proc.on('exit', (code, sig) => { this.exited = { code, sig }; });
        const until = Date.now() + 10000;
        let xdsUpSince = 0;
        while (Date.now() < until) {
            await sleep(50);
            if (this.exited) {
                const err = new Error(`xdsd exited (${this.exited.code ?? this.exited.sig}) at start`);
                err.placeholder = fs.readFileSync(this.log, 'utf8').includes(PLACEHOLDER);
                throw err;
            }
            const r = await httpGet(this.debugPort, '/ready', 1000);
            if (r.status === 200) {
                this.debug = true;
                return;
            }
            // No debug endpoint in this build: serve as soon as xDS listens.
            if (await canConnect(this.xdsPort)) {
                xdsUpSince = xdsUpSince || Date.now();
                if (r.error && Date.now() - xdsUpSince > 1000)
                    return;
            }
        }
        throw new Error('xdsd not ready after 10s');
    }

    alive() {
        return this.proc && !this.exited;
    }

    // SIGTERM, then SIGKILL after 5s; resolves to the exit status.
    async stop() {
        if (!this.proc || this.exited)
            return this.exited;
        this.proc.kill('SIGTERM');
        const until = Date.now() + 5000;
        while (!this.exited && Date.now() < until)
            await sleep(20);
        if (!this.exited) {
            this.proc.kill('SIGKILL');
            while (!this.exited)
                await sleep(20);
            this.exited.killed = true;
        }
        return this.exited;
    }

    // Wait until /debug/configz says the last reload was rejected (or, with
    // no debug endpoint, give the watcher a second). Resolves to a note.
    async waitRejected() {
        if (!this.debug) {
            await sleep(1000);
            return 'no debug endpoint: waited 1s';
        }
        const until = Date.now() + 5000;
        while (Date.now() < until) {
            const r = await httpGet(this.debugPort, '/debug/configz');
            if (r.json && r.json.rejected === true)
                return `configz: rejected, ${(r.json.errors || []).length} error(s)`;
            await sleep(50);
        }
        return 'configz never said rejected';
    }
}

// The syncz check of docs/istio-to-envoy.md §8: every type this client was sent is ACKed
// (status not NACKED), and the client is listed at all.
async function checkNoNack(x, nodeId, label) {
    const desc = `${label}: no NACK in /debug/syncz for ${nodeId.split('~')[2]}`;
    const r = await httpGet(x.debugPort, '/debug/syncz');
    if (r.error || r.status === 404 || !Array.isArray(r.json)) {
        const why = r.error ? `debug endpoint not reachable (${r.error})`
            : `debug endpoint has no /debug/syncz in this build (HTTP ${r.status})`;
        skip(desc, why);
        return;
    }
    const mine = r.json.filter((p) => p.proxy === nodeId);
    if (mine.length === 0) {
        notOk(desc, [`${nodeId} not listed; proxies: ${r.json.map((p) => p.proxy).join(', ')}`]);
        return;
    }
    const diag = [];
    const seen = [];
    for (const p of mine) {
        for (const [type, st] of Object.entries(p.resources || {})) {
            seen.push(`${type.split('.').pop()}=${st.status}`);
            if (st.status === 'NACKED')
                diag.push(`${type}: NACKED: ${st.last_nack ? st.last_nack.message : '?'}`);
        }
    }
    if (seen.length === 0)
        diag.push('no resources listed for this client');
    check(diag.length === 0, `${desc} (${seen.join(' ')})`, diag);
}

// ---- gRPC C core client ----------------------------------------------------

// Run xds_c_client; resolves to {counts, code, stderr, finish()} once it has
// printed its results. The process stays connected until finish() closes its
// stdin, so syncz can be read first.
function runCClient(xdsPort, nodeId, target, n, header) {
    const args = ['--xds', `127.0.0.1:${xdsPort}`, '--node', nodeId, '--wait-stdin'];
    if (header)
        args.push('--header', header);
    args.push(target, String(n));
    const p = track(spawn(C_CLIENT, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    return new Promise((resolve) => {
        const exited = new Promise((r) => p.on('exit', (code) => r(code)));
        const finish = async () => {
            p.stdin.end();
            const t = setTimeout(() => p.kill('SIGKILL'), 5000);
            const code = await exited;
            clearTimeout(t);
            return code;
        };
        const killer = setTimeout(() => p.kill('SIGKILL'), 60000);
        const done = () => {
            clearTimeout(killer);
            const counts = {};
            for (const line of out.split('\n')) {
                const m = /^(answer|error) (\S+) (\d+)$/.exec(line);
                if (m)
                    counts[m[1] === 'answer' ? m[2] : `error ${m[2]}`] = Number(m[3]);
            }
            resolve({ counts, stderr: err, finish });
        };
        p.stdout.on('data', (d) => {
            out += d;
            if (/^done \d+$/m.test(out))
                done();
        });
        exited.then(() => { if (!/^done \d+$/m.test(out)) done(); });
    });
}

module.exports = {
    REPO, BUILD, XDSD, C_CLIENT, WORK, tap, ok, notOk, skip, check, comment, sleep, httpGet, track,
    tail, configDir, Xdsd, checkNoNack, runCClient, killAll,
};
