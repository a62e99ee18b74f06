/* xds_scan.h - what loadgen reads of ADS responses, scanned in place.
 *
 * 10,000 simulated proxies receive gigabytes of configuration, so responses
 * are not unpacked: a few protobuf wire fields are read where they lie. What
 * a proxy must subscribe to next (the EDS names of its EDS clusters, the RDS
 * names of its HTTP connection managers) is computed once per response
 * version or resource version and cached, since proxies of one class are
 * sent identical bytes. Only loadgen.c includes this (each bench program is
 * its own binary). */
#ifndef XDSD_BENCH_XDS_SCAN_H
#define XDSD_BENCH_XDS_SCAN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/map.h"
#include "xdsd/snapshot.h"
#include "xdsd/util.h"

/* What a resource's bytes say: its name and the names it makes the proxy
 * subscribe to (EDS service names of a Cluster, RDS names of a Listener).
 * Cached by (type, name, version) for a delta resource and by (type,
 * version_info) for a whole SotW response, whose deps are then the union. */
struct rinfo {
    uint64_t key;
    char *name;
    char **deps;
    size_t n_deps;
};

/* Every rinfo by its key (the map's key points at ri->key); set up by the
 * first cache_put(). */
static struct map cache;
static int cache_ready;

/* ---- protobuf wire scanning ---------------------------------------------------------- */

struct pbr {
    const uint8_t *p, *end;
};

static int pb_varint(struct pbr *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        uint8_t b = *r->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* Next field: number, wire type, and for length-delimited fields the bytes. */
static int pb_next(struct pbr *r, uint32_t *field, struct pbr *sub, uint64_t *val)
{
    uint64_t key, len;
    if (r->p >= r->end || pb_varint(r, &key) < 0)
        return 0;
    *field = (uint32_t)(key >> 3);
    sub->p = sub->end = NULL;
    switch (key & 7) {
    case 0:
        return pb_varint(r, val) == 0;
    case 1:
        r->p += 8;
        break;
    case 5:
        r->p += 4;
        break;
    case 2:
        if (pb_varint(r, &len) < 0 || len > (uint64_t)(r->end - r->p))
            return 0;
        sub->p = r->p;
        sub->end = r->p + len;
        r->p += len;
        break;
    default:
        return 0;
    }
    return r->p <= r->end;
}

static char *pb_str(const struct pbr *s)
{
    if (!s->p)
        return xstrdup("");
    return xstrndup((const char *)s->p, (size_t)(s->end - s->p));
}

static void add_dep(struct rinfo *ri, char *name)
{
    ri->deps = xrealloc(ri->deps, (ri->n_deps + 1) * sizeof(*ri->deps));
    ri->deps[ri->n_deps++] = name;
}

/* HttpConnectionManager.rds (3) .route_config_name (2). */
static void scan_hcm(struct rinfo *ri, struct pbr r)
{
    uint32_t f, g;
    struct pbr s, t;
    uint64_t v;
    while (pb_next(&r, &f, &s, &v))
        if (f == 3 && s.p)
            while (pb_next(&s, &g, &t, &v))
                if (g == 2 && t.p)
                    add_dep(ri, pb_str(&t));
}

/* Any: type_url (1), value (2). */
static void scan_any(struct rinfo *ri, struct pbr r)
{
    uint32_t f;
    struct pbr s, url = {0}, val = {0};
    uint64_t v;
    while (pb_next(&r, &f, &s, &v)) {
        if (f == 1)
            url = s;
        else if (f == 2)
            val = s;
    }
    const char *suffix = "HttpConnectionManager";
    size_t n = strlen(suffix);
    if (url.p && (size_t)(url.end - url.p) >= n && memcmp(url.end - n, suffix, n) == 0 && val.p)
        scan_hcm(ri, val);
}

/* FilterChain.filters (3) -> Filter.typed_config (4). */
static void scan_chain(struct rinfo *ri, struct pbr r)
{
    uint32_t f, g;
    struct pbr s, t;
    uint64_t v;
    while (pb_next(&r, &f, &s, &v))
        if (f == 3 && s.p)
            while (pb_next(&s, &g, &t, &v))
                if (g == 4 && t.p)
                    scan_any(ri, t);
}

static void scan_resource(struct rinfo *ri, enum xds_type type, struct pbr r)
{
    uint32_t f, g;
    struct pbr s, t;
    uint64_t v, ctype = 0;
    char *service = NULL;
    while (pb_next(&r, &f, &s, &v)) {
        if (f == 1 && s.p && !ri->name)
            ri->name = pb_str(&s);
        else if (type == XDS_CLUSTER && f == 2 && !s.p)
            ctype = v;
        else if (type == XDS_CLUSTER && f == 3 && s.p)
            while (pb_next(&s, &g, &t, &v))
                if (g == 2 && t.p && !service)
                    service = pb_str(&t);
        if (type == XDS_LISTENER && (f == 3 || f == 25) && s.p)
            scan_chain(ri, s);
        if (type == XDS_LISTENER && f == 19 && s.p)
            while (pb_next(&s, &g, &t, &v))
                if (g == 1 && t.p)
                    scan_any(ri, t);
    }
    if (type == XDS_CLUSTER && ctype == 3 /* EDS */)
        add_dep(ri, service && *service ? xstrdup(service) : xstrdup(ri->name ? ri->name : ""));
    free(service);
    if (!ri->name)
        ri->name = xstrdup("");
}

static struct rinfo *cache_find(uint64_t key)
{
    return cache_ready ? map_get(&cache, &key) : NULL;
}

static void cache_put(struct rinfo *ri)
{
    if (!cache_ready) {
        map_init_bytes(&cache, NULL, sizeof(ri->key));
        cache_ready = 1;
    }
    map_add(&cache, &ri->key, ri);
}

static uint64_t key_of(enum xds_type type, struct pbr a, struct pbr b)
{
    uint64_t k = hash_bytes(HASH_SEED + (uint64_t)type * 7919, a.p, (size_t)(a.end - a.p));
    return hash_bytes(k, b.p, (size_t)(b.end - b.p));
}

/* A delta resource, known by its name and version (a hash of its bytes, by
 * the protocol); the bytes are scanned only the first time. */
static struct rinfo *resource_info(enum xds_type type, struct pbr name, struct pbr version,
                                   struct pbr bytes)
{
    uint64_t key =
        version.p != version.end ? key_of(type, name, version) : key_of(type, name, bytes);
    struct rinfo *ri = cache_find(key);
    if (ri)
        return ri;
    ri = xcalloc(1, sizeof(*ri));
    ri->key = key;
    scan_resource(ri, type, bytes);
    free(ri->name);
    ri->name = pb_str(&name);
    cache_put(ri);
    return ri;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and deduplicate names in place; returns the new count. */
static size_t sort_unique(char **v, size_t n)
{
    if (n)
        qsort(v, n, sizeof(*v), cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(v[u - 1], v[i]) != 0)
            v[u++] = v[i];
    return u;
}

/* A SotW response's dependencies (sorted, unique), cached by type and
 * version_info: proxies of one class are sent the same version. */
static struct rinfo *response_info(enum xds_type type, struct pbr msg, struct pbr version)
{
    struct pbr none = {NULL, NULL};
    uint64_t key = version.p != version.end ? key_of(type, version, none) : key_of(type, msg, none);
    struct rinfo *ri = cache_find(key);
    if (ri)
        return ri;
    ri = xcalloc(1, sizeof(*ri));
    ri->key = key;
    ri->name = xstrdup("");
    uint32_t f, g;
    struct pbr res, val;
    uint64_t v;
    while (pb_next(&msg, &f, &res, &v)) {
        if (f != 2 || !res.p)
            continue;
        while (pb_next(&res, &g, &val, &v)) /* Any.value */
            if (g == 2 && val.p) {
                struct rinfo tmp = {0};
                scan_resource(&tmp, type, val);
                for (size_t i = 0; i < tmp.n_deps; i++)
                    add_dep(ri, tmp.deps[i]);
                free(tmp.deps);
                free(tmp.name);
            }
    }
    ri->n_deps = sort_unique(ri->deps, ri->n_deps);
    cache_put(ri);
    return ri;
}

/* The fields of a (Delta)DiscoveryResponse loadgen reads, scanned in place
 * rather than unpacked: 10,000 streams receive gigabytes of configuration. */
struct rsp {
    struct pbr version, type_url, nonce;
    int type;
};

/* The xDS type a response's type_url names, or -1. */
static int rsp_type(const struct rsp *r)
{
    char url[128];
    size_t n = (size_t)(r->type_url.end - r->type_url.p);
    if (!r->type_url.p || n >= sizeof(url))
        return -1;
    memcpy(url, r->type_url.p, n);
    url[n] = '\0';
    return xds_type_from_url(url);
}

static int rsp_scan(struct pbr msg, struct rsp *r)
{
    uint32_t f;
    struct pbr sub;
    uint64_t v;
    memset(r, 0, sizeof(*r));
    /* field numbers agree in both messages: 1 version, 4 type_url, 5 nonce */
    while (pb_next(&msg, &f, &sub, &v)) {
        if (f == 1)
            r->version = sub;
        else if (f == 4)
            r->type_url = sub;
        else if (f == 5)
            r->nonce = sub;
    }
    r->type = rsp_type(r);
    return r->type < 0 ? -1 : 0;
}

/* ---- the same fields of a message left in the pieces gRPC read it into ---------------- */

/* A push sends every proxy its whole RouteConfiguration (84 kB in the bench),
 * which gRPC hands over as several slices; joining them would copy every
 * byte once more and fault in fresh pages for it, in the process that
 * stands in for 10,000 proxies on other machines. Reading the few small
 * top-level fields across the pieces needs no copy of the rest. */
enum { RSP_SMALL = 256 }; /* longest version, type_url or nonce kept */

struct pieces {
    const struct pbr *v;
    size_t n, i;
    const uint8_t *p; /* position in v[i] */
};

/* Step over exhausted pieces; 0 at the end of the message. */
static int pc_avail(struct pieces *c)
{
    while (c->i < c->n && c->p == c->v[c->i].end)
        if (++c->i < c->n)
            c->p = c->v[c->i].p;
    return c->i < c->n;
}

static int pc_varint(struct pieces *c, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && pc_avail(c); shift += 7) {
        uint8_t b = *c->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* Skip len bytes, or copy them to dst when it is not NULL. */
static int pc_take(struct pieces *c, uint64_t len, uint8_t *dst)
{
    while (len > 0) {
        if (!pc_avail(c))
            return -1;
        size_t k = (size_t)(c->v[c->i].end - c->p);
        if (k > len)
            k = (size_t)len;
        if (dst) {
            memcpy(dst, c->p, k);
            dst += k;
        }
        c->p += k;
        len -= k;
    }
    return 0;
}

/* rsp_scan over a message in n pieces; the fields it keeps are copied to
 * store, which r then points into. -1 when the message is malformed, a kept
 * field is longer than RSP_SMALL, or the type is unknown. */
static int rsp_scan_pieces(const struct pbr *v, size_t n, struct rsp *r,
                           uint8_t store[3][RSP_SMALL])
{
    struct pieces c = {v, n, 0, n ? v[0].p : NULL};
    uint64_t key, len;
    memset(r, 0, sizeof(*r));
    while (pc_avail(&c)) {
        if (pc_varint(&c, &key) < 0)
            return -1;
        uint32_t f = (uint32_t)(key >> 3);
        switch (key & 7) {
        case 0:
            if (pc_varint(&c, &len) < 0)
                return -1;
            continue;
        case 1:
            len = 8;
            break;
        case 5:
            len = 4;
            break;
        case 2:
            if (pc_varint(&c, &len) < 0)
                return -1;
            break;
        default:
            return -1;
        }
        struct pbr *keep = (key & 7) != 2 ? NULL
                           : f == 1      ? &r->version
                           : f == 4      ? &r->type_url
                           : f == 5      ? &r->nonce
                                         : NULL;
        if (!keep) {
            if (pc_take(&c, len, NULL) < 0)
                return -1;
            continue;
        }
        uint8_t *dst = store[f == 1 ? 0 : f == 4 ? 1 : 2];
        if (len > RSP_SMALL || pc_take(&c, len, dst) < 0)
            return -1;
        keep->p = dst;
        keep->end = dst + len;
    }
    r->type = rsp_type(r);
    return r->type < 0 ? -1 : 0;
}

#endif
