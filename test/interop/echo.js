#!/usr/bin/env node
// Echo backends and an xDS client for the interop tests, usable as a module
// (test/interop/suite.js) and from the command line (examples/grpc-proxyless).
//
//   node test/interop/echo.js serve NAME:PORT...     # backends on 127.0.0.1
//   node test/interop/echo.js call TARGET [N]        # N unary calls, counts who answered
//   node test/interop/echo.js watch TARGET [PER_SEC] # calls until Ctrl-C, a count line a second
//
// The service is one unary method, /interop.Echo/Who, with raw bytes both ways
// (no protobuf schema, so a C client can call it with any payload): the answer
// is the backend's name. Request metadata steers a backend:
//   x-sleep-ms: N        answer after N milliseconds
//   x-req-id + x-fail-attempts: N
//                        fail the first N attempts of that request id with
//                        UNAVAILABLE (attempts are counted across backends)
// `call` reads the xDS bootstrap from GRPC_XDS_BOOTSTRAP as any grpc-js-xds
// application does; the suite passes a bootstrap per channel instead.
// Needs @grpc/grpc-js and @grpc/grpc-js-xds under $BUILD/npm (test/interop/run
// installs them).
'use strict';

const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const NODE_MODULES = path.join(path.resolve(REPO, process.env.BUILD || 'build'), 'npm',
    'node_modules');
const grpc = require(path.join(NODE_MODULES, '@grpc', 'grpc-js'));
const grpcXds = require(path.join(NODE_MODULES, '@grpc', 'grpc-js-xds'));

grpcXds.register();

const METHOD = '/interop.Echo/Who';
// grpc-js-xds takes a per-channel bootstrap under this option; it exists for
// tests like these, where every case talks to its own xdsd.
const BOOTSTRAP_OPTION = 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config';

const identity = (b) => b;
const SERVICE = {
    Who: {
        path: METHOD,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
    },
};

// Attempts seen per x-req-id, shared by every backend of this process.
const attempts = new Map();

function firstValue(md, key) {
    const v = md.get(key);
    return v.length ? String(v[0]) : null;
}

function handler(backend) {
    return (call, callback) => {
        backend.calls++;
        const md = call.metadata;
        const reqId = firstValue(md, 'x-req-id');
        const failAttempts = Number(firstValue(md, 'x-fail-attempts') || 0);
        if (reqId) {
            const n = (attempts.get(reqId) || 0) + 1;
            attempts.set(reqId, n);
            if (n <= failAttempts) {
                callback({ code: grpc.status.UNAVAILABLE, details: `${backend.name}: attempt ${n} fails` });
                return;
            }
        }
        const answer = () => callback(null, Buffer.from(backend.name));
        const sleepMs = Number(firstValue(md, 'x-sleep-ms') || 0);
        if (sleepMs > 0)
            setTimeout(answer, sleepMs);
        else
            answer();
    };
}

// Start a backend named `name` on 127.0.0.1:port (0: any free port).
// Resolves to {name, port, calls, stop()}.
function startBackend(name, port = 0) {
    const backend = { name, port: 0, calls: 0 };
    const server = new grpc.Server();
    server.addService(SERVICE, { Who: handler(backend) });
    return new Promise((resolve, reject) => {
        server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(),
            (err, bound) => {
                if (err)
                    return reject(err);
                backend.port = bound;
                backend.stop = () => new Promise((res) => server.tryShutdown(() => res()));
                backend.kill = () => server.forceShutdown();
                return resolve(backend);
            });
    });
}

// How many attempts the backends saw for a request id.
function attemptsFor(reqId) {
    return attempts.get(reqId) || 0;
}

// A gRPC xDS bootstrap for a proxyless client of xdsd at xdsAddr.
function bootstrap(xdsAddr, nodeId) {
    return {
        xds_servers: [{
            server_uri: xdsAddr,
            channel_creds: [{ type: 'insecure' }],
            server_features: ['xds_v3'],
        }],
        node: {
            id: nodeId,
            metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' },
            locality: {},
        },
    };
}

// A client for xds:///target. With boot (an object), that bootstrap is used
// for this channel only; without, GRPC_XDS_BOOTSTRAP as usual.
function makeClient(target, boot) {
    const options = boot ? { [BOOTSTRAP_OPTION]: JSON.stringify(boot) } : {};
    return new grpc.Client(`xds:///${target}`, grpc.credentials.createInsecure(), options);
}

// One call. Resolves to {who} or {code, details}, and the elapsed ms; never rejects.
function call(client, { headers = {}, deadlineMs = 5000 } = {}) {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers))
        md.set(k, String(v));
    const started = Date.now();
    return new Promise((resolve) => {
        client.makeUnaryRequest(METHOD, identity, identity, Buffer.from('who?'), md,
            { deadline: Date.now() + deadlineMs }, (err, reply) => {
                const ms = Date.now() - started;
                if (err)
                    resolve({ code: err.code, details: err.details, ms });
                else
                    resolve({ who: reply.toString(), ms });
            });
    });
}

// n calls one after the other; resolves to {counts: {who|"error CODE": n}, results}.
async function callMany(client, n, opts = {}) {
    const counts = {};
    const results = [];
    for (let i = 0; i < n; i++) {
        const r = await call(client, typeof opts === 'function' ? opts(i) : opts);
        const key = r.who !== undefined ? r.who : `error ${r.code}`;
        counts[key] = (counts[key] || 0) + 1;
        results.push(r);
    }
    return { counts, results };
}

// Calls at a steady rate until interrupted, printing each second who
// answered: the client stays connected, so `xdsd status` can be watched and
// an edit of the watched directory shows in the next line.
async function watch(target, perSec) {
    const client = makeClient(target);
    process.on('SIGINT', () => process.exit(0));
    process.on('SIGTERM', () => process.exit(0));
    for (;;) {
        const second = Date.now();
        const { counts } = await callMany(client, perSec, { deadlineMs: 1000 });
        const line = Object.entries(counts).sort().map(([k, v]) => `${k}: ${v}`).join('  ');
        console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`);
        const rest = 1000 - (Date.now() - second);
        if (rest > 0)
            await new Promise((r) => setTimeout(r, rest));
    }
}

async function cli(argv) {
    const [cmd, ...args] = argv;
    if (cmd === 'serve' && args.length) {
        for (const spec of args) {
            const [name, port] = spec.split(':');
            const b = await startBackend(name, Number(port || 0));
            console.log(`backend ${b.name} on 127.0.0.1:${b.port}`);
        }
        const stop = () => process.exit(0);
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        return;
    }
    if (cmd === 'call' && (args.length === 1 || args.length === 2)) {
        const client = makeClient(args[0].replace(/^xds:\/\/\//, ''));
        const { counts } = await callMany(client, Number(args[1] || 10), { deadlineMs: 10000 });
        for (const [k, v] of Object.entries(counts).sort())
            console.log(`${k}: ${v}`);
        client.close();
        process.exit(Object.keys(counts).some((k) => k.startsWith('error')) ? 1 : 0);
    }
    if (cmd === 'watch' && (args.length === 1 || args.length === 2))
        return watch(args[0].replace(/^xds:\/\/\//, ''), Number(args[1] || 10));
    process.stderr.write('usage: echo.js serve NAME:PORT... | echo.js call TARGET [N] | ' +
        'echo.js watch TARGET [PER_SEC]\n');
    process.exit(2);
}

module.exports = {
    METHOD, startBackend, attemptsFor, bootstrap, makeClient, call, callMany, grpc,
};

if (require.main === module)
    cli(process.argv.slice(2)).catch((e) => {
        process.stderr.write(`echo.js: ${e.stack || e}\n`);
        process.exit(1);
    });
