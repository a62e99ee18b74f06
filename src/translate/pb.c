/* pb.c - protobuf helpers: the messages and fields every builder writes the
 * same way (durations, wrappers, addresses, metadata), allocated in the
 * build arena, and packing. */
#include "pb.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

void *tr_msg(struct arena *a, const ProtobufCMessageDescriptor *d)
{
    void *m = arena_alloc(a, d->sizeof_message);
    protobuf_c_message_init(d, m);
    return m;
}

uint8_t *pb_pack(const void *msg, size_t *len)
{
    const ProtobufCMessage *m = msg;
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = xmalloc(n ? n : 1);
    protobuf_c_message_pack(m, buf);
    *len = n;
    return buf;
}

Any *pb_any(struct arena *a, const void *msg)
{
    const ProtobufCMessage *m = msg;
    Any *any = NEW(a, Any);
    any->type_url = arena_cat(a, "type.googleapis.com/", m->descriptor->name, NULL);
    size_t n = protobuf_c_message_get_packed_size(m);
    any->value.data = arena_alloc(a, n ? n : 1);
    any->value.len = protobuf_c_message_pack(m, any->value.data);
    return any;
}

Duration *pb_ms(struct arena *a, int64_t ms)
{
    Duration *d = NEW(a, Duration);
    d->seconds = ms / 1000;
    d->nanos = (int32_t)(ms % 1000) * 1000000;
    return d;
}

BoolValue *pb_bool(struct arena *a, int v)
{
    BoolValue *b = NEW(a, BoolValue);
    b->value = v != 0;
    return b;
}

UInt32Value *pb_u32(struct arena *a, uint32_t v)
{
    UInt32Value *u = NEW(a, UInt32Value);
    u->value = v;
    return u;
}

Address *pb_address(struct arena *a, const char *ip, uint32_t port)
{
    Address *addr = NEW(a, Address);
    if (strncmp(ip, "unix://", 7) == 0) {
        Pipe *p = NEW(a, Pipe);
        p->path = arena_strdup(a, ip + 7);
        addr->address_case = ENVOY__CONFIG__CORE__V3__ADDRESS__ADDRESS_PIPE;
        addr->pipe = p;
        return addr;
    }
    SocketAddress *sa = NEW(a, SocketAddress);
    sa->address = (char *)ip;
    sa->port_specifier_case = ENVOY__CONFIG__CORE__V3__SOCKET_ADDRESS__PORT_SPECIFIER_PORT_VALUE;
    sa->port_value = port;
    addr->address_case = ENVOY__CONFIG__CORE__V3__ADDRESS__ADDRESS_SOCKET_ADDRESS;
    addr->socket_address = sa;
    return addr;
}

ConfigSource *pb_ads(struct arena *a)
{
    ConfigSource *cs = NEW(a, ConfigSource);
    cs->config_source_specifier_case =
        ENVOY__CONFIG__CORE__V3__CONFIG_SOURCE__CONFIG_SOURCE_SPECIFIER_ADS;
    cs->ads = NEW(a, AggregatedConfigSource);
    cs->initial_fetch_timeout = pb_ms(a, 0);
    cs->resource_api_version = ENVOY__CONFIG__CORE__V3__API_VERSION__V3;
    return cs;
}

DataSource *pb_file(struct arena *a, const char *path)
{
    DataSource *d = NEW(a, DataSource);
    d->specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_FILENAME;
    d->filename = (char *)path;
    return d;
}

StringMatcher *pb_exact(struct arena *a, const char *s)
{
    StringMatcher *m = NEW(a, StringMatcher);
    m->match_pattern_case = ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_EXACT;
    m->exact = (char *)s;
    return m;
}

FractionalPercent *pb_fraction(struct arena *a, double percent)
{
    FractionalPercent *f = NEW(a, FractionalPercent);
    /* Istio: percent x 10000 over a million keeps four decimals */
    f->numerator = (uint32_t)(percent * 10000.0 + 0.5);
    f->denominator = ENVOY__TYPE__V3__FRACTIONAL_PERCENT__DENOMINATOR_TYPE__MILLION;
    return f;
}

static Struct *meta_struct(struct arena *a, Metadata **m, const char *filter)
{
    if (*m == NULL)
        *m = NEW(a, Metadata);
    Metadata *md = *m;
    for (size_t i = 0; i < md->n_filter_metadata; i++)
        if (strcmp(md->filter_metadata[i]->key, filter) == 0)
            return md->filter_metadata[i]->value;
    MetadataEntry *e = NEW(a, MetadataEntry);
    e->key = (char *)filter;
    e->value = NEW(a, Struct);
    MetadataEntry **v = arena_alloc(a, (md->n_filter_metadata + 1) * sizeof(*v));
    if (md->n_filter_metadata)
        memcpy(v, md->filter_metadata, md->n_filter_metadata * sizeof(*v));
    v[md->n_filter_metadata++] = e;
    md->filter_metadata = v;
    return e->value;
}

static void struct_add(struct arena *a, Struct *s, const char *key, Value *val)
{
    StructEntry *e = NEW(a, StructEntry);
    e->key = (char *)key;
    e->value = val;
    StructEntry **v = arena_alloc(a, (s->n_fields + 1) * sizeof(*v));
    if (s->n_fields)
        memcpy(v, s->fields, s->n_fields * sizeof(*v));
    v[s->n_fields++] = e;
    s->fields = v;
}

void pb_meta_str(struct arena *a, Metadata **m, const char *filter, const char *key,
                 const char *value)
{
    Value *v = NEW(a, Value);
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
    v->string_value = (char *)value;
    struct_add(a, meta_struct(a, m, filter), key, v);
}

void pb_meta_bool(struct arena *a, Metadata **m, const char *filter, const char *key, int value)
{
    Value *v = NEW(a, Value);
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
    v->bool_value = value != 0;
    struct_add(a, meta_struct(a, m, filter), key, v);
}

Struct *pb_struct_str(struct arena *a, const char *key, const char *value)
{
    Struct *s = NEW(a, Struct);
    if (key == NULL)
        return s;
    Value *v = NEW(a, Value);
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
    v->string_value = (char *)value;
    struct_add(a, s, key, v);
    return s;
}
