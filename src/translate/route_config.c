/* route_config.c - RouteConfigurations from virtual hosts: Envoy's rule of
 * one domain per route configuration, the order (by name, catch-all last),
 * and the packing, each virtual host packed on its own so that a later
 * build may reuse its bytes (seam.h). */
#include "seam.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

VirtualHost *tr_vhost(struct tr_build *b, const char *name, struct pvec *domains,
                      struct pvec *routes)
{
    VirtualHost *v = NEW(b->a, VirtualHost);
    v->name = (char *)name;
    PV_SET(v->domains, v->n_domains, domains);
    PV_SET(v->routes, v->n_routes, routes);
    return v;
}

static int is_catch_all_vhost(const VirtualHost *v)
{
    return v->n_domains == 1 && strcmp(v->domains[0], "*") == 0;
}

static int cmp_vhost(const void *x, const void *y)
{
    const VirtualHost *a = *(VirtualHost *const *)x, *b = *(VirtualHost *const *)y;
    int ca = is_catch_all_vhost(a), cb = is_catch_all_vhost(b);
    if (ca != cb)
        return ca - cb;
    return strcmp(a->name, b->name);
}

static size_t put_varint(uint8_t *p, size_t v)
{
    size_t n = 0;
    for (; v >= 0x80; v >>= 7)
        p[n++] = (uint8_t)(v | 0x80);
    p[n++] = (uint8_t)v;
    return n;
}

size_t tr_put_vhost_field(uint8_t *p, const uint8_t *bytes, size_t len)
{
    size_t n = 0;
    p[n++] = (2 << 3) | 2; /* field 2, length-delimited */
    n += put_varint(p + n, len);
    memcpy(p + n, bytes, len);
    return n + len;
}

/* rc packed as protobuf-c would, with each virtual host's bytes packed on
 * its own: field 1 (name), then the field 2 entries, then the fields after
 * (protobuf-c writes fields in number order). off[i]: where virtual host i's
 * field starts, off[n] where the fields after them do; vh_hash[i] the hash
 * of virtual host i's bytes. */
static uint8_t *pack_route_config(struct tr_build *b, RouteConfiguration *rc, const size_t *before,
                                  size_t *off, uint64_t *vh_hash, size_t *out_len)
{
    size_t n = rc->n_virtual_hosts;
    struct {
        const uint8_t *bytes;
        size_t len;
        uint8_t *owned;
    } *vh = arena_alloc(b->a, (n + 1) * sizeof(*vh));
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        vh[i].bytes =
            tr_seam_vhost_bytes(b, rc->virtual_hosts[i], before[i], &vh[i].len, &vh[i].owned);
        total += 1 + 10 + vh[i].len;
    }
    RouteConfiguration head = ENVOY__CONFIG__ROUTE__V3__ROUTE_CONFIGURATION__INIT;
    head.name = rc->name;
    size_t hlen, tlen;
    uint8_t *h = pb_pack(&head, &hlen);
    char *name = rc->name;
    rc->name = (char *)"";
    rc->n_virtual_hosts = 0;
    uint8_t *t = pb_pack(rc, &tlen);
    rc->name = name;
    rc->n_virtual_hosts = n;
    uint8_t *out = xds_bytes_new(hlen + total + tlen), *p = out;
    memcpy(p, h, hlen);
    p += hlen;
    for (size_t i = 0; i < n; i++) {
        off[i] = (size_t)(p - out);
        vh_hash[i] = hash_block(HASH_SEED, vh[i].bytes, vh[i].len);
        p += tr_put_vhost_field(p, vh[i].bytes, vh[i].len);
        free(vh[i].owned);
    }
    off[n] = (size_t)(p - out);
    memcpy(p, t, tlen);
    p += tlen;
    free(h);
    free(t);
    *out_len = (size_t)(p - out);
    return out;
}

uint64_t tr_rc_hash(const uint8_t *bytes, size_t len, const size_t *off, const uint64_t *vh_hash,
                    size_t n)
{
    uint64_t h = hash_block(HASH_SEED, bytes, off[0]);
    h = hash_block(h, vh_hash, n * sizeof(*vh_hash));
    return hash_block(h, bytes + off[n], len - off[n]);
}

struct vh_pos {
    VirtualHost *v;
    uint32_t at; /* in the caller's order */
};

static int cmp_vh_pos(const void *x, const void *y)
{
    const struct vh_pos *a = x, *b = y;
    return cmp_vhost(&a->v, &b->v);
}

/* Envoy rejects a domain named twice: the first vhost (in the caller's
 * priority order) keeps it. Then vhosts sorted, catch-all last. */
static void dedup_and_sort(struct tr_build *b, struct pvec *vhosts, struct tr_rc_order *out)
{
    struct arena *a = b->a;
    struct map seen;
    map_init_str(&seen, a);
    size_t n = vhosts->n, n_kept = 0;
    struct vh_pos *pos = arena_alloc(a, (n + 1) * sizeof(*pos));
    size_t *before = arena_alloc(a, (n + 1) * sizeof(*before));
    int trimmed = 0;
    for (size_t i = 0; i < n; i++) {
        VirtualHost *v = vhosts->v[i];
        size_t k = 0;
        before[i] = v->n_domains;
        for (size_t d = 0; d < v->n_domains; d++)
            if (map_add(&seen, v->domains[d], NULL))
                v->domains[k++] = v->domains[d];
        trimmed |= k != v->n_domains;
        v->n_domains = k;
        if (k > 0)
            pos[n_kept++] = (struct vh_pos){v, (uint32_t)i};
    }
    if (n_kept > 1)
        qsort(pos, n_kept, sizeof(*pos), cmp_vh_pos);
    uint32_t *order = trimmed ? NULL : arena_alloc(a, (n + 1) * sizeof(*order));
    out->kept = (struct pvec){0};
    out->order = order;
    out->n_before = arena_alloc(a, (n_kept + 1) * sizeof(*out->n_before));
    for (size_t i = 0; i < n_kept; i++) {
        pvec_push(a, &out->kept, pos[i].v);
        out->n_before[i] = before[pos[i].at];
        if (order)
            order[i] = pos[i].at;
    }
}

void tr_route_config(struct tr_build *b, const char *name, struct pvec *vhosts, int ignore_port)
{
    struct arena *a = b->a;
    RouteConfiguration *rc = NEW(a, RouteConfiguration);
    rc->name = (char *)name;
    struct tr_rc_order ord;
    tr_seam_rc_order(b, name, vhosts, dedup_and_sort, &ord);
    struct pvec kept = ord.kept;
    PV_SET(rc->virtual_hosts, rc->n_virtual_hosts, &kept);
    rc->validate_clusters = pb_bool(a, 0);
    rc->ignore_port_in_host_matching = ignore_port != 0;
    rc->max_direct_response_body_size_bytes = pb_u32(a, 1048576);
    size_t len, *off = arena_alloc(a, (kept.n + 1) * sizeof(*off));
    uint64_t *vh_hash = arena_alloc(a, (kept.n + 1) * sizeof(*vh_hash));
    uint8_t *bytes = pack_route_config(b, rc, ord.n_before, off, vh_hash, &len);
    int trimmed = kept.n != vhosts->n; /* a virtual host lost every domain */
    for (size_t i = 0; i < kept.n; i++)
        trimmed |= rc->virtual_hosts[i]->n_domains != ord.n_before[i];
    tr_seam_rc_done(b, name, rc->virtual_hosts, kept.n, off, vh_hash, trimmed);
    tr_emit_counted(b, XDS_ROUTE, name, bytes, len, tr_rc_hash(bytes, len, off, vh_hash, kept.n));
}
