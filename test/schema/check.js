#!/usr/bin/env node
// Compare xdsd's proto/ subset with the upstream Envoy API, descriptor by
// descriptor.
//
//   node check.js OURS.pb UPSTREAM.pb
//
// Both files are FileDescriptorSets written by
// `protoc --include_imports --descriptor_set_out=...`. Every message, enum and
// service we define (google.protobuf.* aside) must exist upstream under the
// same full name and in the same file; every field we define must have the
// same number, type, type name, label, oneof and map-ness; every enum value
// the same number; every method the same types and streaming.
//
// Prints one TAP line per message, enum and service, mismatches as "# " lines
// under it, then "N passed, M failed"; exits 1 if anything failed, 2 on usage
// or I/O errors.  Needs protobufjs (NODE_PATH) and descriptor.proto from
// libprotobuf-dev, so the sets are really decoded, not compared as text.
'use strict';

const fs = require('fs');
const path = require('path');
const protobuf = require('protobufjs');

const DESCRIPTOR_PROTO = process.env.DESCRIPTOR_PROTO ||
    '/usr/include/google/protobuf/descriptor.proto';

function usage(msg) {
    if (msg)
        process.stderr.write(`check.js: ${msg}\n`);
    process.stderr.write('usage: node check.js OURS.pb UPSTREAM.pb\n');
    process.exit(2);
}

function loadSet(setType, file) {
    let buf;
    try {
        buf = fs.readFileSync(file);
    } catch (e) {
        usage(`cannot read '${file}': ${e.message}`);
    }
    const msg = setType.decode(buf);
    return setType.toObject(msg, { enums: String, longs: Number, arrays: true });
}

// Index every message, enum and service of a set by full name (".a.b.C").
function indexSet(set) {
    const types = new Map();
    const add = (kind, name, file, desc) => types.set(name, { kind, name, file: file.name, desc });
    function addMessage(file, scope, m) {
        const name = `${scope}.${m.name}`;
        add('message', name, file, m);
        for (const n of m.nested_type)
            addMessage(file, name, n);
        for (const e of m.enum_type)
            add('enum', `${name}.${e.name}`, file, e);
    }
    for (const file of set.file) {
        const scope = file.package ? `.${file.package}` : '';
        for (const m of file.message_type)
            addMessage(file, scope, m);
        for (const e of file.enum_type)
            add('enum', `${scope}.${e.name}`, file, e);
        for (const s of file.service)
            add('service', `${scope}.${s.name}`, file, s);
    }
    return types;
}

function isMapEntry(types, typeName) {
    const t = typeName && types.get(typeName);
    return !!(t && t.kind === 'message' && t.desc.options && t.desc.options.map_entry);
}

// The oneof a field belongs to, by name; proto3 `optional` makes a synthetic
// oneof that is not a real one.
function oneofOf(msg, f) {
    if (f.oneof_index === undefined || f.oneof_index === null || f.proto3_optional)
        return '(none)';
    return msg.oneof_decl[f.oneof_index].name;
}

function show(v) {
    return v === undefined || v === null || v === '' ? '(none)' : String(v);
}

// A field's json_name; protoc's default (ToJsonName in descriptor.cc: each
// '_' dropped, the letter after it capitalised) when the descriptor leaves it
// out, as those serialized into generated code (the xds-protos wheel) do.
function jsonName(f) {
    if (f.json_name)
        return f.json_name;
    let out = '', upper = false;
    for (const c of f.name) {
        if (c === '_')
            upper = true;
        else {
            out += upper ? c.toUpperCase() : c;
            upper = false;
        }
    }
    return out;
}

function compareField(ours, theirs, msg, umsg, f, uf, errs) {
    const where = `${msg.name}.${f.name}`;
    const same = (what, a, b) => {
        if (show(a) !== show(b))
            errs.push(`${where}: ${what}: ours ${show(a)} upstream ${show(b)}`);
    };
    same('number', f.number, uf.number);
    same('type', f.type, uf.type);
    same('type_name', f.type_name, uf.type_name);
    same('label', f.label, uf.label);
    same('oneof', oneofOf(msg.desc, f), oneofOf(umsg.desc, uf));
    same('json_name', f.json_name, jsonName(uf));
    const om = isMapEntry(ours, f.type_name), um = isMapEntry(theirs, uf.type_name);
    same('map', om, um);
    if (f.proto3_optional)
        errs.push(`${where}: proto3 optional (protoc-c 1.4 rejects it)`);
    if (om && um) {
        // A map's key and value live in the generated entry message.
        const oe = ours.get(f.type_name).desc.field, ue = theirs.get(uf.type_name).desc.field;
        for (let i = 0; i < 2; i++) {
            same(`map ${oe[i].name} type`, oe[i].type, ue[i] && ue[i].type);
            same(`map ${oe[i].name} type_name`, oe[i].type_name, ue[i] && ue[i].type_name);
        }
    }
}

function checkMessage(ours, theirs, t, u, errs) {
    const ufields = new Map(u.desc.field.map((f) => [f.name, f]));
    const unumbers = new Map(u.desc.field.map((f) => [f.number, f.name]));
    for (const f of t.desc.field) {
        const uf = ufields.get(f.name);
        if (!uf) {
            const other = unumbers.get(f.number);
            errs.push(`${t.name}.${f.name}: no such field upstream` +
                (other ? ` (number ${f.number} is upstream's ${other})` : ''));
            continue;
        }
        compareField(ours, theirs, t, u, f, uf, errs);
    }
    // A oneof of ours must not merge fields that upstream keeps apart.
    for (const o of t.desc.oneof_decl) {
        if (!u.desc.oneof_decl.some((uo) => uo.name === o.name))
            errs.push(`${t.name}: oneof ${o.name}: no such oneof upstream`);
    }
}

function checkEnum(t, u, errs) {
    const uvalues = new Map(u.desc.value.map((v) => [v.name, v.number]));
    for (const v of t.desc.value) {
        if (!uvalues.has(v.name))
            errs.push(`${t.name}.${v.name}: no such enum value upstream`);
        else if (uvalues.get(v.name) !== v.number)
            errs.push(`${t.name}.${v.name}: number: ours ${v.number} ` +
                `upstream ${uvalues.get(v.name)}`);
    }
}

function checkService(t, u, errs) {
    const umethods = new Map(u.desc.method.map((m) => [m.name, m]));
    for (const m of t.desc.method) {
        const um = umethods.get(m.name);
        if (!um) {
            errs.push(`${t.name}.${m.name}: no such method upstream`);
            continue;
        }
        for (const k of ['input_type', 'output_type', 'client_streaming', 'server_streaming']) {
            if (show(m[k] || '') !== show(um[k] || ''))
                errs.push(`${t.name}.${m.name}: ${k}: ours ${show(m[k])} upstream ${show(um[k])}`);
        }
    }
}

function main() {
    const args = process.argv.slice(2);
    if (args.length !== 2)
        usage();
    const root = new protobuf.Root();
    root.resolvePath = (origin, target) => path.isAbsolute(target) ? target
        : path.join(path.dirname(DESCRIPTOR_PROTO), '..', '..', target);
    try {
        root.loadSync(DESCRIPTOR_PROTO, { keepCase: true });
    } catch (e) {
        usage(`cannot load '${DESCRIPTOR_PROTO}': ${e.message}`);
    }
    const setType = root.lookupType('google.protobuf.FileDescriptorSet');
    const oursSet = loadSet(setType, args[0]), theirsSet = loadSet(setType, args[1]);
    const ours = indexSet(oursSet), theirs = indexSet(theirsSet);

    const oursFiles = new Set(oursSet.file
        .filter((f) => f.package !== 'google.protobuf').map((f) => f.name));
    const sorted = [...ours.values()]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let n = 0, passed = 0, failed = 0;
    for (const t of sorted) {
        if (!oursFiles.has(t.file))
            continue;
        if (t.kind === 'message' && t.desc.options && t.desc.options.map_entry)
            continue; // checked with the map field that made it
        const errs = [];
        const u = theirs.get(t.name);
        if (!u) {
            errs.push(`${t.name}: no such ${t.kind} upstream`);
        } else if (u.kind !== t.kind) {
            errs.push(`${t.name}: ours is a ${t.kind}, upstream a ${u.kind}`);
        } else {
            if (u.file !== t.file)
                errs.push(`${t.name}: file: ours ${t.file} upstream ${u.file}`);
            if (t.kind === 'message')
                checkMessage(ours, theirs, t, u, errs);
            else if (t.kind === 'enum')
                checkEnum(t, u, errs);
            else
                checkService(t, u, errs);
        }
        n++;
        const label = `schema: ${t.name.slice(1)}`;
        if (errs.length === 0) {
            passed++;
            console.log(`ok ${n} - ${label}`);
        } else {
            failed++;
            console.log(`not ok ${n} - ${label}`);
            for (const e of errs)
                console.log(`#   ${e.startsWith('.') ? e.slice(1) : e}`);
        }
    }
    if (n === 0) {
        failed++;
        console.log(`not ok 1 - schema: no messages found in ${args[0]}`);
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}

main();
