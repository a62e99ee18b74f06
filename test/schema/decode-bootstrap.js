#!/usr/bin/env node
// Check an Envoy bootstrap (JSON or YAML) against the upstream
// envoy.config.bootstrap.v3.Bootstrap, as strictly as Envoy loads it: no
// unknown field anywhere, Any values expanded by their @type.
//
//   node test/schema/decode-bootstrap.js FILE...
//
// Exit 0 when every file is clean; else print one "FILE: PATH: problem" line
// per problem (PATH like static_resources.listeners[0].name) and exit 1; exit
// 2 on usage errors.  Uses the upstream protos and protobufjs installed by
// test/schema/check.sh under $BUILD/npm (BUILD defaults to build/ in the
// repository); XDS_PROTO_DEPS may name another deps/ folder.
'use strict';

const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const BUILD = path.resolve(REPO, process.env.BUILD || 'build');
const NODE_MODULES = path.join(BUILD, 'npm', 'node_modules');
const DEPS = process.env.XDS_PROTO_DEPS ||
    path.join(NODE_MODULES, '@grpc', 'grpc-js-xds', 'deps');
const INCLUDES = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate']
    .map((d) => path.join(DEPS, d)).concat(['/usr/include']);
const ROOT_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

function fail(msg) {
    process.stderr.write(`decode-bootstrap: ${msg}\n`);
    process.exit(2);
}

function need(mod) {
    try {
        return require(path.join(NODE_MODULES, mod));
    } catch (e) {
        fail(`cannot load ${mod} from ${NODE_MODULES} ` +
            `(run test/schema/check.sh once): ${e.message}`);
    }
}

const protobuf = need('protobufjs');

// "pkg.Message" -> file defining it, for every top-level message upstream.
function indexMessages() {
    const index = new Map();
    function scan(base, dir) {
        for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, ent.name);
            if (ent.isDirectory()) {
                scan(base, p);
            } else if (ent.name.endsWith('.proto')) {
                const text = fs.readFileSync(p, 'utf8');
                const pkg = /^package\s+([\w.]+)\s*;/m.exec(text);
                if (!pkg)
                    continue;
                for (const m of text.matchAll(/^(?:message|enum)\s+(\w+)/gm))
                    index.set(`${pkg[1]}.${m[1]}`, path.relative(base, p));
            }
        }
    }
    for (const inc of INCLUDES.slice(0, 3)) {
        if (!fs.existsSync(inc))
            fail(`no upstream protos in ${inc} (run test/schema/check.sh once)`);
        scan(inc, inc);
    }
    return index;
}

// Every "@type" in the document, so the files defining them get loaded.
function collectTypeUrls(value, out) {
    if (Array.isArray(value)) {
        value.forEach((v) => collectTypeUrls(v, out));
    } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
            if (k === '@type' && typeof v === 'string')
                out.add(v.slice(v.lastIndexOf('/') + 1));
            else
                collectTypeUrls(v, out);
        }
    }
    return out;
}

function fileOf(index, name) {
    // Nested types live in the file of their outermost message.
    const parts = name.split('.');
    for (let i = parts.length; i > 0; i--) {
        const f = index.get(parts.slice(0, i).join('.'));
        if (f)
            return f;
    }
    return null;
}

function loadRoot(typeNames) {
    const index = indexMessages();
    const files = new Set(['envoy/config/bootstrap/v3/bootstrap.proto']);
    for (const t of typeNames) {
        const f = t.startsWith('google.protobuf.') ? null : fileOf(index, t);
        if (f)
            files.add(f); // unknown names are reported by the walk
    }
    const root = new protobuf.Root();
    root.resolvePath = (origin, target) => {
        for (const inc of INCLUDES) {
            const p = path.join(inc, target);
            if (fs.existsSync(p))
                return p;
        }
        return target;
    };
    root.loadSync([...files], { keepCase: true });
    root.resolveAll();
    return root;
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const WRAPPERS = {
    '.google.protobuf.DoubleValue': 'double', '.google.protobuf.FloatValue': 'float',
    '.google.protobuf.Int64Value': 'int64', '.google.protobuf.UInt64Value': 'uint64',
    '.google.protobuf.Int32Value': 'int32', '.google.protobuf.UInt32Value': 'uint32',
    '.google.protobuf.BoolValue': 'bool', '.google.protobuf.StringValue': 'string',
    '.google.protobuf.BytesValue': 'bytes',
};

function jsonName(name) {
    return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function kindOf(v) {
    return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

function checkScalar(type, v, where, errs) {
    const bad = (want) => errs.push(`${where}: expected ${want}, got ${kindOf(v)}`);
    if (type === 'string' || type === 'bytes') {
        if (typeof v !== 'string')
            bad('a string');
    } else if (type === 'bool') {
        if (typeof v !== 'boolean')
            bad('a boolean');
    } else if (type === 'double' || type === 'float') {
        const numeric = /^(-?[0-9.eE+-]+|NaN|-?Infinity)$/;
        if (typeof v !== 'number' && !(typeof v === 'string' && numeric.test(v)))
            bad('a number');
    } else if (INT32.has(type) || UINT32.has(type) || INT64.has(type)) {
        const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n))
            bad('an integer');
        else if (UINT32.has(type) && (n < 0 || n > 4294967295))
            errs.push(`${where}: ${n} out of range for ${type}`);
        else if (INT32.has(type) && (n < -2147483648 || n > 2147483647))
            errs.push(`${where}: ${n} out of range for ${type}`);
        else if (type.startsWith('u') || type.startsWith('fixed')) {
            if (n < 0)
                errs.push(`${where}: ${n} out of range for ${type}`);
        }
    }
}

class Checker {
    constructor(root) {
        this.root = root;
        this.errs = [];
    }

    lookup(name) {
        try {
            return this.root.lookupTypeOrEnum(name);
        } catch (e) {
            return null;
        }
    }

    value(field, resolved, v, where) {
        if (v === null)
            return; // JSON null is the default value
        if (resolved instanceof protobuf.Enum) {
            if (typeof v === 'string' ? !(v in resolved.values) : !Number.isInteger(v))
                this.errs.push(`${where}: unknown enum value ${JSON.stringify(v)} ` +
                    `of ${resolved.fullName.slice(1)}`);
        } else if (resolved instanceof protobuf.Type) {
            this.message(resolved, v, where);
        } else {
            checkScalar(field.type, v, where, this.errs);
        }
    }

    any(v, where) {
        if (kindOf(v) !== 'object')
            return this.errs.push(`${where}: expected an object with @type, got ${kindOf(v)}`);
        const url = v['@type'];
        if (typeof url !== 'string')
            return this.errs.push(`${where}: Any without @type`);
        const name = url.slice(url.lastIndexOf('/') + 1);
        const t = this.lookup(name);
        if (!(t instanceof protobuf.Type))
            return this.errs.push(`${where}.@type: unknown type ${name}`);
        const rest = Object.assign({}, v);
        delete rest['@type'];
        if (this.special(t) !== undefined) {
            // Well-known types keep their own JSON form under "value".
            for (const k of Object.keys(rest)) {
                if (k !== 'value')
                    this.errs.push(`${where}.${k}: unknown field of ${name}`);
            }
            if ('value' in rest)
                this.message(t, rest.value, `${where}.value`);
            return undefined;
        }
        return this.message(t, rest, where);
    }

    // undefined: an ordinary message; otherwise a checker for the JSON form.
    special(t) {
        const n = t.fullName;
        if (n === '.google.protobuf.Struct' || n === '.google.protobuf.Value' ||
                n === '.google.protobuf.ListValue')
            return (v, where) => {
                if (n === '.google.protobuf.Struct' && kindOf(v) !== 'object')
                    this.errs.push(`${where}: expected an object, got ${kindOf(v)}`);
                if (n === '.google.protobuf.ListValue' && !Array.isArray(v))
                    this.errs.push(`${where}: expected an array, got ${kindOf(v)}`);
            };
        if (n === '.google.protobuf.Duration')
            return (v, where) => {
                if (typeof v !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(v))
                    this.errs.push(`${where}: expected a duration like "1.5s", ` +
                        `got ${JSON.stringify(v)}`);
            };
        if (n === '.google.protobuf.Timestamp' || n === '.google.protobuf.FieldMask')
            return (v, where) => checkScalar('string', v, where, this.errs);
        if (n === '.google.protobuf.Empty')
            return (v, where) => {
                if (kindOf(v) !== 'object' || Object.keys(v).length)
                    this.errs.push(`${where}: expected {}`);
            };
        if (WRAPPERS[n])
            return (v, where) => checkScalar(WRAPPERS[n], v, where, this.errs);
        if (n === '.google.protobuf.Any')
            return (v, where) => this.any(v, where);
        return undefined;
    }

    message(t, v, where) {
        const sp = this.special(t);
        if (sp)
            return sp(v, where);
        if (kindOf(v) !== 'object')
            return this.errs.push(`${where || '(top)'}: expected an object ` +
                `for ${t.fullName.slice(1)}, got ${kindOf(v)}`);
        const byName = new Map();
        for (const f of t.fieldsArray) {
            byName.set(f.name, f);
            byName.set((f.options && f.options.json_name) || jsonName(f.name), f);
        }
        const oneofs = new Map();
        for (const [k, fv] of Object.entries(v)) {
            const at = where ? `${where}.${k}` : k;
            const f = byName.get(k);
            if (!f) {
                this.errs.push(`${at}: unknown field of ${t.fullName.slice(1)}`);
                continue;
            }
            if (f.partOf && fv !== null) {
                const other = oneofs.get(f.partOf.name);
                if (other)
                    this.errs.push(`${at}: oneof ${f.partOf.name} already set by ${other}`);
                oneofs.set(f.partOf.name, k);
            }
            this.field(f, fv, at);
        }
        return undefined;
    }

    field(f, v, where) {
        f.resolve();
        const resolved = f.resolvedType;
        if (f.map) {
            if (kindOf(v) !== 'object')
                return this.errs.push(`${where}: expected an object (map), got ${kindOf(v)}`);
            for (const [k, mv] of Object.entries(v))
                this.value(f, resolved, mv, `${where}[${JSON.stringify(k)}]`);
        } else if (f.repeated) {
            if (v === null)
                return undefined;
            if (!Array.isArray(v))
                return this.errs.push(`${where}: expected an array, got ${kindOf(v)}`);
            v.forEach((e, i) => this.value(f, resolved, e, `${where}[${i}]`));
        } else {
            this.value(f, resolved, v, where);
        }
        return undefined;
    }
}

function parse(file) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.json'))
        return JSON.parse(text);
    return need('js-yaml').load(text);
}

function main() {
    const files = process.argv.slice(2);
    if (files.length === 0 || files.some((f) => f.startsWith('-'))) {
        process.stderr.write('usage: node test/schema/decode-bootstrap.js FILE...\n');
        process.exit(2);
    }
    let bad = 0;
    for (const file of files) {
        let doc;
        try {
            doc = parse(file);
        } catch (e) {
            const what = e.code ? 'cannot read' : 'cannot parse';
            console.log(`${file}: ${what}: ${e.message.split('\n')[0]}`);
            bad++;
            continue;
        }
        const root = loadRoot(collectTypeUrls(doc, new Set()));
        const c = new Checker(root);
        c.message(root.lookupType(ROOT_TYPE), doc, '');
        for (const e of c.errs)
            console.log(`${file}: ${e}`);
        if (c.errs.length)
            bad++;
    }
    process.exit(bad ? 1 : 0);
}

main();
