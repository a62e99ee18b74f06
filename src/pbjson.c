/* pbjson.c - protobuf-c messages to JSON through their descriptors (proto3 JSON mapping). */
#include "xdsd/pbjson.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xdsd/util.h"

/* Every message descriptor protoc-c generated, NULL-terminated; written by
 * scripts/gen-pb-registry at build time. */
extern const ProtobufCMessageDescriptor *const pbjson_registry[];

/* Nesting deeper than this is not a real Envoy config: stop rather than
 * recurse without bound through Any. */
#define MAX_DEPTH 100

static const char redacted[] = "[redacted]";

/* ---- registry ---------------------------------------------------------------------------- */

static const ProtobufCMessageDescriptor **sorted_types;
static size_t n_sorted_types;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static int desc_cmp(const void *a, const void *b)
{
    const ProtobufCMessageDescriptor *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

static void registry_init(void)
{
    size_t n = 0;
    while (pbjson_registry[n] != NULL)
        n++;
    sorted_types = xcalloc(n ? n : 1, sizeof(*sorted_types));
    memcpy(sorted_types, pbjson_registry, n * sizeof(*sorted_types));
    qsort(sorted_types, n, sizeof(*sorted_types), desc_cmp);
    n_sorted_types = n;
}

const ProtobufCMessageDescriptor *pbjson_find_type(const char *name_or_url)
{
    pthread_once(&registry_once, registry_init);
    const char *slash = strrchr(name_or_url, '/');
    ProtobufCMessageDescriptor key = {.name = slash ? slash + 1 : name_or_url};
    const ProtobufCMessageDescriptor *kp = &key;
    const ProtobufCMessageDescriptor **hit =
        bsearch(&kp, sorted_types, n_sorted_types, sizeof(*sorted_types), desc_cmp);
    return hit ? *hit : NULL;
}

/* ---- scalars ----------------------------------------------------------------------------- */

void pbjson_camel_name(const char *name, char *out, size_t size)
{
    size_t o = 0;
    int upper = 0;
    for (const char *p = name; *p && o + 1 < size; p++) {
        if (*p == '_') {
            upper = 1;
            continue;
        }
        out[o++] = upper && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        upper = 0;
    }
    if (size > 0)
        out[o] = '\0';
}

static char *base64(const uint8_t *data, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = xmalloc(4 * ((len + 2) / 3) + 1), *o = out;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0);
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static json_t *bytes_json(const uint8_t *data, size_t len)
{
    char *b = base64(data, len);
    json_t *j = json_string(b);
    free(b);
    return j;
}

static json_t *string_json(const char *s)
{
    /* jansson refuses invalid UTF-8; a proto string should never hold any,
     * but a broken one must not lose the whole dump */
    json_t *j = json_string(s ? s : "");
    return j ? j : json_string("[invalid UTF-8]");
}

/* Integers that fit a double exactly print as integers ("50", not "50.0"),
 * as protobuf's own JSON printer does; NaN and infinities are strings. */
static json_t *double_json(double v)
{
    if (isnan(v))
        return json_string("NaN");
    if (isinf(v))
        return json_string(v > 0 ? "Infinity" : "-Infinity");
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        return json_integer((json_int_t)v);
    return json_real(v);
}

/* A float widened to double shows noise digits (0.1f is 0.100000001490116);
 * take the shortest decimal that reads back as the same float instead. */
static json_t *float_json(float f)
{
    if (isnan(f) || isinf(f))
        return double_json(f);
    char buf[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f)
            break;
    }
    return double_json(strtod(buf, NULL));
}

static json_t *int64_json(int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%" PRId64, v);
    return json_string(buf);
}

static json_t *uint64_json(uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%" PRIu64, v);
    return json_string(buf);
}

static json_t *enum_json(const ProtobufCEnumDescriptor *ed, int v)
{
    if (strcmp(ed->name, "google.protobuf.NullValue") == 0)
        return json_null();
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(ed, v);
    return ev ? json_string(ev->name) : json_integer(v);
}

/* ---- messages ---------------------------------------------------------------------------- */

struct enc {
    unsigned flags;
    int depth;
};

static json_t *encode_message(struct enc *e, const ProtobufCMessage *m);

static const void *field_ptr(const ProtobufCMessage *m, unsigned offset)
{
    return (const char *)m + offset;
}

/* The JSON of one value of field fd stored at p (an element for repeated fields). */
static json_t *encode_value(struct enc *e, const ProtobufCFieldDescriptor *fd, const void *p)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return int64_json(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return uint64_json(*(const uint64_t *)p);
    case PROTOBUF_C_TYPE_FLOAT:
        return float_json(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return double_json(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM:
        return enum_json(fd->descriptor, *(const int *)p);
    case PROTOBUF_C_TYPE_STRING:
        return string_json(*(char *const *)p);
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        return bytes_json(b->data, b->len);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        return sub ? encode_message(e, sub) : json_null();
    }
    }
    return json_null();
}

static size_t value_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* Is the scalar at p at its proto3 default (zero, empty)? */
static int is_default(const ProtobufCFieldDescriptor *fd, const void *p)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0;
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return s == NULL || *s == '\0';
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(ProtobufCMessage *const *)p == NULL;
    default: {
        static const uint8_t zero[8];
        return memcmp(p, zero, value_size(fd->type)) == 0;
    }
    }
}

/* Does the field print? Repeated: non-empty; oneof members: the chosen one;
 * proto2-style optional: its has flag or pointer; proto3 singular: not default. */
static int field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    const void *p = field_ptr(m, fd->offset);
    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)field_ptr(m, fd->quantifier_offset) > 0;
    if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)field_ptr(m, fd->quantifier_offset) == fd->id;
    if (fd->label == PROTOBUF_C_LABEL_REQUIRED)
        return 1;
    if (fd->label == PROTOBUF_C_LABEL_OPTIONAL) {
        if (fd->type == PROTOBUF_C_TYPE_MESSAGE || fd->type == PROTOBUF_C_TYPE_STRING)
            return *(void *const *)p != NULL && *(void *const *)p != fd->default_value;
        return *(const protobuf_c_boolean *)field_ptr(m, fd->quantifier_offset);
    }
    return !is_default(fd, p);
}

/* protoc-c turns map<K,V> into a repeated nested FooEntry {key = 1; value = 2}. */
static int is_map_field(const ProtobufCMessageDescriptor *parent,
                        const ProtobufCFieldDescriptor *fd)
{
    if (fd->label != PROTOBUF_C_LABEL_REPEATED || fd->type != PROTOBUF_C_TYPE_MESSAGE)
        return 0;
    const ProtobufCMessageDescriptor *d = fd->descriptor;
    size_t plen = strlen(parent->name), slen = strlen(d->short_name);
    return d->n_fields == 2 && d->fields[0].id == 1 && strcmp(d->fields[0].name, "key") == 0 &&
           d->fields[1].id == 2 && strcmp(d->fields[1].name, "value") == 0 && slen > 5 &&
           strcmp(d->short_name + slen - 5, "Entry") == 0 &&
           strncmp(d->name, parent->name, plen) == 0 && d->name[plen] == '.' &&
           strcmp(d->name + plen + 1, d->short_name) == 0;
}

static json_t *encode_map(struct enc *e, const ProtobufCFieldDescriptor *fd, size_t n,
                          ProtobufCMessage *const *entries)
{
    const ProtobufCMessageDescriptor *d = fd->descriptor;
    const ProtobufCFieldDescriptor *kf = &d->fields[0], *vf = &d->fields[1];
    json_t *obj = json_object();
    for (size_t i = 0; i < n; i++) {
        const void *kp = field_ptr(entries[i], kf->offset);
        json_t *k = encode_value(e, kf, kp);
        char buf[32];
        const char *key = buf;
        if (json_is_string(k))
            key = json_string_value(k);
        else if (json_is_boolean(k))
            key = json_is_true(k) ? "true" : "false";
        else
            snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(k));
        json_t *v = vf->type == PROTOBUF_C_TYPE_MESSAGE &&
                            *(ProtobufCMessage *const *)field_ptr(entries[i], vf->offset) == NULL
                        ? json_object()
                        : encode_value(e, vf, field_ptr(entries[i], vf->offset));
        json_object_set_new(obj, key, v);
        json_decref(k);
    }
    return obj;
}

static json_t *encode_repeated(struct enc *e, const ProtobufCMessage *m,
                               const ProtobufCFieldDescriptor *fd)
{
    size_t n = *(const size_t *)field_ptr(m, fd->quantifier_offset);
    const char *arr = *(const char *const *)field_ptr(m, fd->offset);
    if (is_map_field(m->descriptor, fd))
        return encode_map(e, fd, n, (ProtobufCMessage *const *)arr);
    json_t *a = json_array();
    size_t sz = value_size(fd->type);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, encode_value(e, fd, arr + i * sz));
    return a;
}

/* ---- secrets ----------------------------------------------------------------------------- */

/* Fields Envoy marks sensitive; their DataSource content never prints. */
static const struct {
    const char *message, *field;
} sensitive_fields[] = {
    {"envoy.extensions.transport_sockets.tls.v3.TlsCertificate", "private_key"},
    {"envoy.extensions.transport_sockets.tls.v3.TlsCertificate", "password"},
    {"envoy.extensions.transport_sockets.tls.v3.TlsCertificate", "pkcs12"},
    {"envoy.extensions.transport_sockets.tls.v3.TlsSessionTicketKeys", "keys"},
    {"envoy.extensions.transport_sockets.tls.v3.GenericSecret", "secret"},
};

static int is_sensitive(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *fd)
{
    for (size_t i = 0; i < ARRAY_LEN(sensitive_fields); i++)
        if (strcmp(d->name, sensitive_fields[i].message) == 0 &&
            strcmp(fd->name, sensitive_fields[i].field) == 0)
            return 1;
    return 0;
}

/* Replace inline content by "[redacted]", as Envoy's admin endpoint does
 * (inline_bytes holds the bytes of that word, so it stays valid base64). */
static void redact_one(json_t *v, unsigned flags)
{
    const char *bytes_key = flags & PBJSON_PROTO_NAMES ? "inline_bytes" : "inlineBytes";
    const char *string_key = flags & PBJSON_PROTO_NAMES ? "inline_string" : "inlineString";
    if (json_is_string(v)) {
        json_string_set(v, redacted);
        return;
    }
    if (!json_is_object(v))
        return;
    if (json_object_get(v, bytes_key))
        json_object_set_new(v, bytes_key,
                            bytes_json((const uint8_t *)redacted, sizeof(redacted) - 1));
    if (json_object_get(v, string_key))
        json_object_set_new(v, string_key, json_string(redacted));
}

static void redact(json_t *v, unsigned flags)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) redact_one(x, flags);
    } else {
        redact_one(v, flags);
    }
}

/* ---- well-known types -------------------------------------------------------------------- */

static int64_t wkt_int64(const ProtobufCMessage *m, unsigned id)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(m->descriptor, id);
    return fd ? *(const int64_t *)field_ptr(m, fd->offset) : 0;
}

static int32_t wkt_int32(const ProtobufCMessage *m, unsigned id)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(m->descriptor, id);
    return fd ? *(const int32_t *)field_ptr(m, fd->offset) : 0;
}

/* ".5" style fraction with 0, 3, 6 or 9 digits, as proto3 JSON prints nanos. */
static void nanos_text(int32_t nanos, char *buf, size_t size)
{
    if (nanos == 0)
        buf[0] = '\0';
    else if (nanos % 1000000 == 0)
        snprintf(buf, size, ".%03d", nanos / 1000000);
    else if (nanos % 1000 == 0)
        snprintf(buf, size, ".%06d", nanos / 1000);
    else
        snprintf(buf, size, ".%09d", nanos);
}

static json_t *duration_json(const ProtobufCMessage *m)
{
    int64_t s = wkt_int64(m, 1);
    int32_t n = wkt_int32(m, 2);
    int neg = s < 0 || n < 0;
    char frac[16], buf[48];
    nanos_text(n < 0 ? -n : n, frac, sizeof(frac));
    snprintf(buf, sizeof(buf), "%s%" PRIu64 "%ss", neg ? "-" : "",
             s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s, frac);
    return json_string(buf);
}

static json_t *timestamp_json(const ProtobufCMessage *m)
{
    time_t s = (time_t)wkt_int64(m, 1);
    int32_t n = wkt_int32(m, 2);
    struct tm tm;
    char date[40], frac[16], buf[64];
    if (gmtime_r(&s, &tm) == NULL)
        return json_null();
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    nanos_text(n < 0 ? 0 : n, frac, sizeof(frac));
    snprintf(buf, sizeof(buf), "%s%sZ", date, frac);
    return json_string(buf);
}

static json_t *encode_any(struct enc *e, const char *url, const uint8_t *data, size_t len);

static json_t *any_json(struct enc *e, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *uf = protobuf_c_message_descriptor_get_field(m->descriptor, 1);
    const ProtobufCFieldDescriptor *vf = protobuf_c_message_descriptor_get_field(m->descriptor, 2);
    const char *url = *(char *const *)field_ptr(m, uf->offset);
    const ProtobufCBinaryData *v = field_ptr(m, vf->offset);
    if (url == NULL || *url == '\0')
        return json_object();
    return encode_any(e, url, v->data, v->len);
}

/* Value: whichever member of its oneof is set (null when none). */
static json_t *struct_value_json(struct enc *e, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (field_present(m, &d->fields[i]))
            return encode_value(e, &d->fields[i], field_ptr(m, d->fields[i].offset));
    return json_null();
}

static int is_wrapper(const char *name)
{
    static const char *const wrappers[] = {
        "DoubleValue", "FloatValue", "Int64Value",  "UInt64Value", "Int32Value",
        "UInt32Value", "BoolValue",  "StringValue", "BytesValue",
    };
    for (size_t i = 0; i < ARRAY_LEN(wrappers); i++)
        if (strcmp(name, wrappers[i]) == 0)
            return 1;
    return 0;
}

/* The JSON of a well-known type with a special form, or NULL for others. */
static json_t *wkt_json(struct enc *e, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (strcmp(d->package_name, "google.protobuf") != 0)
        return NULL;
    const char *n = d->short_name;
    if (strcmp(n, "Duration") == 0)
        return duration_json(m);
    if (strcmp(n, "Timestamp") == 0)
        return timestamp_json(m);
    if (strcmp(n, "Any") == 0)
        return any_json(e, m);
    if (strcmp(n, "Value") == 0)
        return struct_value_json(e, m);
    if (strcmp(n, "Struct") == 0 || strcmp(n, "ListValue") == 0)
        /* their one field (fields / values) is the whole value */
        return field_present(m, &d->fields[0]) ? encode_repeated(e, m, &d->fields[0])
                                               : (n[0] == 'S' ? json_object() : json_array());
    if (is_wrapper(n))
        return encode_value(e, &d->fields[0], field_ptr(m, d->fields[0].offset));
    return NULL;
}

/* Does an Any holding this type need the {"@type", "value"} form? */
static int wkt_special(const ProtobufCMessageDescriptor *d)
{
    if (strcmp(d->package_name, "google.protobuf") != 0)
        return 0;
    const char *n = d->short_name;
    return strcmp(n, "Duration") == 0 || strcmp(n, "Timestamp") == 0 || strcmp(n, "Any") == 0 ||
           strcmp(n, "Value") == 0 || strcmp(n, "Struct") == 0 || strcmp(n, "ListValue") == 0 ||
           strcmp(n, "FieldMask") == 0 || is_wrapper(n);
}

/* ---- the walk ---------------------------------------------------------------------------- */

static json_t *encode_message(struct enc *e, const ProtobufCMessage *m)
{
    if (e->depth >= MAX_DEPTH)
        return json_string("[nested too deep]");
    e->depth++;
    json_t *obj = wkt_json(e, m);
    if (obj != NULL) {
        e->depth--;
        return obj;
    }
    const ProtobufCMessageDescriptor *d = m->descriptor;
    obj = json_object();
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (!field_present(m, fd))
            continue;
        json_t *v = fd->label == PROTOBUF_C_LABEL_REPEATED
                        ? encode_repeated(e, m, fd)
                        : encode_value(e, fd, field_ptr(m, fd->offset));
        if (is_sensitive(d, fd))
            redact(v, e->flags);
        char name[128];
        if (e->flags & PBJSON_PROTO_NAMES)
            snprintf(name, sizeof(name), "%s", fd->name);
        else
            pbjson_camel_name(fd->name, name, sizeof(name));
        json_object_set_new(obj, name, v);
    }
    e->depth--;
    return obj;
}

static json_t *any_error(const char *url, const uint8_t *data, size_t len, const char *why)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "@type", json_string(url));
    json_object_set_new(obj, "@error", json_string(why));
    json_object_set_new(obj, "@bytes", bytes_json(data, len));
    return obj;
}

static json_t *encode_any(struct enc *e, const char *url, const uint8_t *data, size_t len)
{
    const ProtobufCMessageDescriptor *d = pbjson_find_type(url);
    if (d == NULL)
        return any_error(url, data, len, "unknown type");
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, len, data);
    if (m == NULL)
        return any_error(url, data, len, "cannot decode");
    json_t *v = encode_message(e, m);
    protobuf_c_message_free_unpacked(m, NULL);
    json_t *obj;
    if (wkt_special(d) || !json_is_object(v)) {
        obj = json_object();
        json_object_set_new(obj, "value", v);
    } else {
        obj = v;
    }
    json_object_set_new(obj, "@type", string_json(url));
    return obj;
}

json_t *pbjson_encode(const ProtobufCMessage *msg, unsigned flags)
{
    struct enc e = {.flags = flags};
    return encode_message(&e, msg);
}

json_t *pbjson_encode_any(const char *type_url, const uint8_t *buf, size_t len, unsigned flags)
{
    struct enc e = {.flags = flags};
    return encode_any(&e, type_url, buf, len);
}

char *pbjson_dumps(const json_t *j, int pretty)
{
    /* 15 significant digits print what a user wrote (0.1, not 0.10000000000000001) */
    size_t flags = JSON_SORT_KEYS | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY;
    flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
    char *s = json_dumps(j, flags);
    if (s == NULL)
        return xstrdup("null");
    if (!pretty)
        return s;
    char *out = xasprintf("%s\n", s);
    free(s);
    return out;
}
