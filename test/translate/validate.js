#!/usr/bin/env node
// Check packed xDS resources against the upstream Envoy API, as stock Envoy
// would: every byte must decode with the upstream messages (no unknown
// fields), every Any must name a type Envoy has, and every
// protoc-gen-validate rule on the way must hold (required fields, non-empty
// strings, ranges, defined enums, required oneofs), and so must the checks
// Envoy makes when it loads a resource (unique domains and filter chain
// matches, router last, cluster type and LB policy that fit together), no
// field Envoy deprecates may be set (Envoy logs a warning for each), and
// every name a resource refers to (RDS, clusters, load assignments) must be
// in the same view.
//
//   node validate.js DEPS DIR [NEWER.pb]
//
// DEPS is the upstream proto tree (@grpc/grpc-js-xds deps/); DIR holds files
// named <anything>-<cds|eds|lds|rds>-<name>.bin. NEWER.pb is a descriptor set
// of upstream files newer than DEPS (the DnsCluster extension), written by
// test/schema/check.sh from xds-protos: their types are added as decoded, but
// without their protoc-gen-validate rules (custom options a descriptor keeps
// as unknown fields). Prints one TAP line per file and "N passed, M failed";
// exits 1 if any failed. Needs protobufjs (NODE_PATH).
'use strict';

const fs = require('fs');
const path = require('path');
const protobuf = require('protobufjs');

const [deps, dir, newer] = process.argv.slice(2);
if (!deps || !dir) {
    process.stderr.write('usage: node validate.js DEPS DIR [NEWER.pb]\n');
    process.exit(2);
}

const includes = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate']
    .map(d => path.join(deps, d)).concat(['/usr/include']);
const root = new protobuf.Root();
root.resolvePath = (origin, target) => {
    for (const r of includes) {
        const p = path.join(r, target);
        if (fs.existsSync(p))
            return p;
    }
    return target;
};
// Every message xdsd may put in a resource or an Any.
root.loadSync([
    'envoy/config/cluster/v3/cluster.proto',
    'envoy/config/endpoint/v3/endpoint.proto',
    'envoy/config/listener/v3/listener.proto',
    'envoy/config/route/v3/route.proto',
    'envoy/extensions/access_loggers/file/v3/file.proto',
    'envoy/extensions/filters/http/cors/v3/cors.proto',
    'envoy/extensions/filters/http/fault/v3/fault.proto',
    'envoy/extensions/filters/http/router/v3/router.proto',
    'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
    'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
    'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
    'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
    'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
    'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
    'envoy/extensions/transport_sockets/tls/v3/tls.proto',
    'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
], { keepCase: true });
if (newer) {
    const descriptor = require('protobufjs/ext/descriptor');
    const set = descriptor.FileDescriptorSet.decode(fs.readFileSync(newer));
    for (const file of set.file) {
        const ns = file.package ? root.define(file.package) : root;
        const edition = file.syntax === 'proto3' ? 'proto3' : 'proto2';
        (file.messageType || []).forEach(m => ns.add(protobuf.Type.fromDescriptor(m, edition)));
        (file.enumType || []).forEach(e => ns.add(protobuf.Enum.fromDescriptor(e, edition)));
    }
}
root.resolveAll();

const TYPES = {
    cds: 'envoy.config.cluster.v3.Cluster',
    eds: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
    lds: 'envoy.config.listener.v3.Listener',
    rds: 'envoy.config.route.v3.RouteConfiguration',
};

// The protoc-gen-validate rules of a field: {"string.min_len": 1, ...}.
function rulesOf(field) {
    const out = {};
    for (const [k, v] of Object.entries(field.options || {}))
        if (k.startsWith('(validate.rules).'))
            out[k.slice('(validate.rules).'.length)] = v;
    return out;
}

function isSet(v) {
    return v !== undefined && v !== null;
}

function num(v) {
    return typeof v === 'object' && v !== null && 'low' in v ? Number(v.toString()) : Number(v || 0);
}

function durationNs(d) {
    if (!isSet(d))
        return 0;
    return num(d.seconds) * 1e9 + num(d.nanos);
}

function ruleDuration(r) {
    return durationNs({ seconds: r.seconds || 0, nanos: r.nanos || 0 });
}

// Scalar, string, enum, repeated and duration rules on one field value.
function checkRules(where, field, value, rules, errs) {
    const empty = !isSet(value) || value === '' || value === 0 ||
        (Array.isArray(value) && value.length === 0);
    for (const [k, want] of Object.entries(rules)) {
        const [kind, rule] = k.split('.');
        if (rule === 'ignore_empty' || kind === 'message' && rule === 'skip')
            continue;
        if (rules[`${kind}.ignore_empty`] && empty)
            continue;
        const bad = msg => errs.push(`${where}: ${msg} (rule ${k} = ${JSON.stringify(want)})`);
        if (kind === 'message' && rule === 'required') {
            if (want && !isSet(value))
                bad('required field missing');
        } else if (kind === 'repeated' || kind === 'map') {
            const n = Array.isArray(value) ? value.length : Object.keys(value || {}).length;
            if ((rule === 'min_items' || rule === 'min_pairs') && n < want)
                bad(`${n} items`);
            if ((rule === 'max_items' || rule === 'max_pairs') && n > want)
                bad(`${n} items`);
        } else if (kind === 'string') {
            const s = value || '';
            if ((rule === 'min_len' || rule === 'min_bytes') && s.length < want)
                bad(`string "${s}" too short`);
            if ((rule === 'max_len' || rule === 'max_bytes') && s.length > want)
                bad('string too long');
            if (rule === 'prefix' && !s.startsWith(want))
                bad(`string "${s}" lacks prefix`);
        } else if (kind === 'enum') {
            if (rule === 'defined_only' && want) {
                const e = field.resolvedType;
                if (e && !Object.values(e.values).includes(value || 0))
                    bad(`enum value ${value} not defined`);
            }
        } else if (kind === 'duration') {
            if (!isSet(value)) {
                if (rule === 'required' && want)
                    bad('required duration missing');
                continue;
            }
            const ns = durationNs(value), w = ruleDuration(want);
            if ((rule === 'gt' && !(ns > w)) || (rule === 'gte' && !(ns >= w)) ||
                (rule === 'lt' && !(ns < w)) || (rule === 'lte' && !(ns <= w)))
                bad(`duration ${ns}ns`);
        } else if (['uint32', 'uint64', 'int32', 'int64', 'double', 'float'].includes(kind)) {
            const v = num(value);
            if ((rule === 'gt' && !(v > want)) || (rule === 'gte' && !(v >= want)) ||
                (rule === 'lt' && !(v < want)) || (rule === 'lte' && !(v <= want)))
                bad(`value ${v}`);
        } else if (kind === 'any' && rule === 'required') {
            if (want && !isSet(value))
                bad('required Any missing');
        }
    }
}

function lookup(typeUrl) {
    const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    try {
        return root.lookupType(name);
    } catch (e) {
        return null;
    }
}

// Decode buf as type, then walk it. Unknown fields show as a shorter re-encoding.
function checkBytes(where, type, buf, errs) {
    let msg;
    try {
        msg = type.decode(buf);
    } catch (e) {
        errs.push(`${where}: does not decode as ${type.fullName}: ${e.message}`);
        return;
    }
    const again = type.encode(msg).finish();
    if (again.length !== buf.length)
        errs.push(`${where}: ${buf.length - again.length} bytes of fields unknown to ${type.fullName}`);
    walk(where, type, msg, errs);
}

function walk(where, type, msg, errs) {
    if (type.fullName === '.google.protobuf.Any') {
        const t = lookup(msg.type_url || '');
        if (t === null)
            errs.push(`${where}: Any of unknown type '${msg.type_url}'`);
        else
            checkBytes(`${where}<${t.name}>`, t, msg.value || Buffer.alloc(0), errs);
        return;
    }
    for (const oneof of type.oneofsArray) {
        if (oneof.options && oneof.options['(validate.required)'] &&
            !oneof.fieldsArray.some(f => Object.prototype.hasOwnProperty.call(msg, f.name)))
            errs.push(`${where}: oneof ${oneof.name} is required`);
    }
    for (const field of type.fieldsArray) {
        let value = msg[field.name];
        const w = `${where}.${field.name}`;
        const isMsg = field.resolvedType instanceof protobuf.Type;
        // Envoy logs a warning for each deprecated field it is sent
        if (field.options && field.options.deprecated && isSet(value) && value !== false &&
            value !== 0 && value !== '' && !(Array.isArray(value) && value.length === 0))
            errs.push(`${w}: deprecated field`);
        let rules = rulesOf(field);
        // rules of a oneof member hold only when that member is the one set
        const own = Object.prototype.hasOwnProperty.call(msg, field.name);
        if (field.partOf && !own)
            continue;
        // an unset message field is checked for presence only; a wrapper's
        // rules are about the value inside
        if (isMsg && !isSet(value) && !field.repeated && !field.map)
            rules = Object.fromEntries(Object.entries(rules).filter(([k]) => k.endsWith('.required')));
        else if (isMsg && !field.repeated && !field.map &&
                 /^\.google\.protobuf\.[A-Za-z0-9]+Value$/.test(field.resolvedType.fullName))
            value = value.value;
        checkRules(w, field, value, rules, errs);
        value = msg[field.name];
        if (!isSet(value) || !(field.resolvedType instanceof protobuf.Type))
            continue;
        if (field.map)
            Object.entries(value).forEach(([k, v]) => walk(`${w}[${k}]`, field.resolvedType, v, errs));
        else if (field.repeated)
            value.forEach((v, i) => walk(`${w}[${i}]`, field.resolvedType, v, errs));
        else
            walk(w, field.resolvedType, value, errs);
    }
}

// Rules Envoy enforces when it loads a resource, beyond protoc-gen-validate.
function decodeAny(any) {
    const t = lookup(any.type_url || '');
    return t ? t.decode(any.value) : null;
}

function envoyRules(kind, msg, errs) {
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    if (kind === 'rds') {
        const names = new Set();
        for (const vh of msg.virtual_hosts || []) {
            if (names.has(vh.name))
                errs.push(`virtual host name '${vh.name}' used twice`);
            names.add(vh.name);
        }
        const seen = new Set();
        for (const vh of msg.virtual_hosts || [])
            for (const d of vh.domains || []) {
                if (seen.has(d))
                    errs.push(`domain '${d}' in more than one virtual host`);
                seen.add(d);
            }
    }
    if (kind === 'lds') {
        const chains = (msg.filter_chains || []).map(c => c.filter_chain_match || {});
        chains.forEach((m, i) => chains.slice(0, i).forEach(o => {
            if (same(o, m))
                errs.push(`two filter chains with the same match ${JSON.stringify(m)}`);
        }));
        const all = (msg.filter_chains || []).concat(msg.default_filter_chain || []);
        for (const c of all)
            for (const f of c.filters || []) {
                if (f.name !== 'envoy.filters.network.http_connection_manager')
                    continue;
                const h = decodeAny(f.typed_config);
                const hf = (h && h.http_filters) || [];
                if (!hf.length || hf[hf.length - 1].name !== 'envoy.filters.http.router')
                    errs.push('HTTP filters must end with the router');
            }
        for (const c of msg.filter_chains || []) {
            if (!c.transport_socket)
                continue;
            const d = decodeAny(c.transport_socket.typed_config);
            if (d && d.require_client_certificate && d.require_client_certificate.value &&
                !d.common_tls_context.validation_context &&
                !d.common_tls_context.combined_validation_context)
                errs.push('client certificate required without a validation context');
        }
    }
    if (kind === 'cds') {
        const T = root.lookupEnum('envoy.config.cluster.v3.Cluster.DiscoveryType').values;
        const L = root.lookupEnum('envoy.config.cluster.v3.Cluster.LbPolicy').values;
        const type = msg.type || 0, lb = msg.lb_policy || 0;
        // a cluster_type leaves type unset (0, STATIC)
        const custom = msg.cluster_type;
        const dns = custom && custom.name === 'envoy.cluster.dns'
            ? decodeAny(custom.typed_config) : null;
        if (custom && !dns)
            errs.push(`cluster_type '${custom.name}' is not envoy.cluster.dns with a DnsCluster`);
        if (!custom && (type === T.STRICT_DNS || type === T.LOGICAL_DNS))
            errs.push('STRICT_DNS/LOGICAL_DNS: a DNS cluster is cluster_type envoy.cluster.dns');
        // DnsCluster's one PGV rule on what xdsd sets (NEWER.pb carries no rules)
        if (dns && !(durationNs(dns.dns_refresh_rate) > 1e6))
            errs.push('DnsCluster.dns_refresh_rate must be over 1ms');
        if (!custom && (type === T.ORIGINAL_DST) !== (lb === L.CLUSTER_PROVIDED))
            errs.push('ORIGINAL_DST and CLUSTER_PROVIDED go together');
        if (!custom && type === T.EDS && !msg.eds_cluster_config)
            errs.push('EDS cluster without eds_cluster_config');
        if ((dns || type === T.STRICT_DNS || type === T.LOGICAL_DNS) && !msg.load_assignment)
            errs.push('DNS cluster without load_assignment');
        if (type === T.LOGICAL_DNS || (dns && dns.all_addresses_in_single_endpoint)) {
            const n = (msg.load_assignment.endpoints || [])
                .reduce((s, g) => s + (g.lb_endpoints || []).length, 0);
            if (n !== 1)
                errs.push(`LOGICAL_DNS cluster with ${n} endpoints`);
        }
    }
}

// Names one resource needs from others of its view: [kind, name] pairs.
function references(kind, msg) {
    const refs = [];
    const tcp = t => {
        if (t.cluster)
            refs.push(['cds', t.cluster]);
        ((t.weighted_clusters || {}).clusters || []).forEach(c => refs.push(['cds', c.name]));
    };
    const hcm = h => {
        if (h.rds)
            refs.push(['rds', h.rds.route_config_name]);
    };
    if (kind === 'lds') {
        const chains = (msg.filter_chains || []).concat(msg.default_filter_chain || []);
        for (const c of chains)
            for (const f of c.filters || []) {
                const m = decodeAny(f.typed_config);
                if (f.name === 'envoy.filters.network.tcp_proxy')
                    tcp(m);
                else if (f.name === 'envoy.filters.network.http_connection_manager')
                    hcm(m);
            }
        if (msg.api_listener)
            hcm(decodeAny(msg.api_listener.api_listener));
    } else if (kind === 'rds') {
        for (const vh of msg.virtual_hosts || [])
            for (const r of vh.routes || []) {
                if (!r.route)
                    continue;
                tcp(r.route);
                (r.route.request_mirror_policies || []).forEach(p => refs.push(['cds', p.cluster]));
            }
    } else if (kind === 'cds' && msg.eds_cluster_config) {
        refs.push(['eds', msg.eds_cluster_config.service_name || msg.name]);
    }
    return refs;
}

let n = 0, passed = 0, failed = 0;
// Every resource name of every view, to check references against. File
// names stand for resource names with '/' and '|' made '_', so the names are
// read from the resources themselves.
const views = new Set();
const addresses = new Map(); // view|ip:port -> first listener file there
const clashes = new Map();   // listener file -> the file it clashes with
for (const file of fs.readdirSync(dir).sort()) {
    const m = /-(cds|eds|lds|rds)-.*\.bin$/.exec(file);
    if (!m)
        continue;
    const msg = root.lookupType(TYPES[m[1]]).decode(fs.readFileSync(path.join(dir, file)));
    views.add(`${file.slice(0, m.index)}|${m[1]}|${msg.name || msg.cluster_name}`);
    const sa = m[1] === 'lds' && msg.address && msg.address.socket_address;
    if (sa && !msg.api_listener) {
        const key = `${file.slice(0, m.index)}|${sa.address}:${sa.port_value}`;
        if (addresses.has(key))
            clashes.set(file, addresses.get(key));
        else
            addresses.set(key, file);
    }
}

for (const file of fs.readdirSync(dir).sort()) {
    const m = /-(cds|eds|lds|rds)-.*\.bin$/.exec(file);
    if (!m)
        continue;
    const errs = [];
    const type = root.lookupType(TYPES[m[1]]);
    const buf = fs.readFileSync(path.join(dir, file));
    checkBytes(type.name, type, buf, errs);
    if (errs.length === 0) {
        const msg = type.decode(buf);
        envoyRules(m[1], msg, errs);
        // the view's files share the prefix before the type
        const view = file.slice(0, m.index);
        if (clashes.has(file))
            errs.push(`same address as ${clashes.get(file)}`);
        for (const [k, name] of references(m[1], msg))
            if (!views.has(`${view}|${k}|${name}`))
                errs.push(`refers to ${k} '${name}', which is not in its view`);
    }
    // Proxyless gRPC reads the combined validation context with a certificate
    // provider instead of SDS (Istio's shape), and the fields Envoy deprecates
    // (the old certificate provider instances, HeaderMatcher.exact_match...);
    // gRPC applies no PGV rules and logs no deprecation, and Envoy never
    // receives these.
    if (file.includes('-grpc-'))
        errs.splice(0, errs.length,
                    ...errs.filter(e => !e.includes('validation_context_sds_secret_config') &&
                                        !e.endsWith(': deprecated field')));
    n++;
    if (errs.length === 0) {
        passed++;
        console.log(`ok ${n} - ${file}`);
    } else {
        failed++;
        console.log(`not ok ${n} - ${file}`);
        errs.forEach(e => console.log(`#   ${e}`));
    }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
