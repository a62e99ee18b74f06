/* arena.c - small containers and protobuf helpers for the build arena. */
#include "tr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

char *ar_u32(struct arena *a, uint32_t v)
{
    char buf[11], *p = buf + sizeof(buf);
    *--p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return ar_strdup(a, p);
}

void *tr_msg(struct arena *a, const ProtobufCMessageDescriptor *d)
{
    void *m = ar_alloc(a, d->sizeof_message);
    protobuf_c_message_init(d, m);
    return m;
}

void pvec_push(struct arena *a, struct pvec *p, void *x)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        void **v = ar_alloc(a, cap * sizeof(*v));
        if (p->n)
            memcpy(v, p->v, p->n * sizeof(*v));
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = x;
}

/* ---- string map: open addressing, hash_block ------------------------------------------ */

struct smap_slot {
    const char *key;
    void *val;
    uint64_t hash;
};

static uint64_t str_hash(const char *s)
{
    return hash_block(HASH_SEED, s, strlen(s));
}

static void *smap_find(const struct smap *m, const char *key, uint64_t h)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct smap_slot *s = &m->slots[i];
        if (s->key == NULL)
            return NULL;
        if (s->hash == h && strcmp(s->key, key) == 0)
            return s->val;
    }
}

void *smap_get(const struct smap *m, const char *key)
{
    return m->cap == 0 ? NULL : smap_find(m, key, str_hash(key));
}

static void smap_insert(struct smap *m, const char *key, void *val, uint64_t h)
{
    size_t i = h & (m->cap - 1);
    while (m->slots[i].key != NULL)
        i = (i + 1) & (m->cap - 1);
    m->slots[i] = (struct smap_slot){key, val, h};
    m->n++;
}

static void smap_grow(struct arena *a, struct smap *m, size_t cap)
{
    struct smap old = *m;
    m->cap = cap;
    m->slots = ar_alloc(a, m->cap * sizeof(*m->slots));
    m->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key != NULL)
            smap_insert(m, old.slots[i].key, old.slots[i].val, old.slots[i].hash);
}

void smap_reserve(struct arena *a, struct smap *m, size_t n)
{
    size_t cap = m->cap ? m->cap : 16;
    while (2 * n > cap)
        cap *= 2;
    if (cap > m->cap)
        smap_grow(a, m, cap);
}

int smap_put(struct arena *a, struct smap *m, const char *key, void *val)
{
    uint64_t h = str_hash(key); /* once for the lookup and the insert */
    if (smap_find(m, key, h) != NULL)
        return 0;
    if ((m->n + 1) * 2 > m->cap)
        smap_grow(a, m, m->cap ? m->cap * 2 : 16);
    smap_insert(m, key, val ? val : (void *)key, h);
    return 1;
}

/* ---- pointer map: open addressing on the address ----------------------------------- */

struct pmap_slot {
    const void *key;
    void *val;
};

static size_t ptr_slot(const void *p, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (cap - 1);
}

void *pmap_get(const struct pmap *m, const void *key)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = ptr_slot(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->slots[i].key == NULL)
            return NULL;
        if (m->slots[i].key == key)
            return m->slots[i].val;
    }
}

void pmap_put(struct arena *a, struct pmap *m, const void *key, void *val)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct pmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 16;
        m->slots = ar_alloc(a, m->cap * sizeof(*m->slots));
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.slots[i].key != NULL)
                pmap_put(a, m, old.slots[i].key, old.slots[i].val);
    }
    size_t i = ptr_slot(key, m->cap);
    while (m->slots[i].key != NULL && m->slots[i].key != key)
        i = (i + 1) & (m->cap - 1);
    if (m->slots[i].key == NULL)
        m->n++;
    m->slots[i] = (struct pmap_slot){key, val};
}

/* ---- protobuf helpers ------------------------------------------------------------- */

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
    any->type_url = ar_cat(a, "type.googleapis.com/", m->descriptor->name, NULL);
    size_t n = protobuf_c_message_get_packed_size(m);
    any->value.data = ar_alloc(a, n ? n : 1);
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
        p->path = ar_strdup(a, ip + 7);
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
    MetadataEntry **v = ar_alloc(a, (md->n_filter_metadata + 1) * sizeof(*v));
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
    StructEntry **v = ar_alloc(a, (s->n_fields + 1) * sizeof(*v));
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
