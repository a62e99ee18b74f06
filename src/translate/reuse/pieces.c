/* pieces.c - packed virtual hosts remembered across builds of one class.
 *
 * A route configuration holds a virtual host per service (10,000 services
 * make an 8 MB RouteConfiguration), and an edit of one VirtualService changes
 * one of them. Each virtual host is packed on its own, keyed by a hash of
 * everything it was made from (the caller's choice: host, port, the content
 * hashes of its ServiceEntry and VirtualServices, the gateway server); the
 * next build of the class reuses the bytes of every key it meets again
 * (reuse.c computes the keys from the recipes of seam.h).
 *
 * Routes also read other services: a destination's port and subsets, and
 * whether its cluster exists. Those cannot have changed when the build
 * shares the previous view's Clusters (the same ServiceEntries and
 * DestinationRules), and only then are pieces reused. The proxy's namespace
 * and labels and the options are the same within a class's memo. */
#include "parts.h"

#include <stdlib.h>

/* Whole resources, for a piece that stands for what a step emitted. */
struct piece_res {
    enum xds_type type;
    char *name;
    uint8_t *bytes;
    size_t len;
    uint64_t hash;
};

struct tr_piece {
    uint64_t key;
    atomic_int refs;
    char *name;
    char **domains;
    size_t n_domains;
    uint8_t *bytes; /* the packed VirtualHost; NULL: these inputs make none */
    size_t len;
    uint64_t layout;       /* tr_vhost_layout() of the VirtualHost */
    struct piece_res *res; /* or resources (tr_piece_record_emitted) */
    size_t n_res;
    struct tr_rc_patch **rcs; /* and how their route configurations were made */
    size_t n_rcs;
};

/* Pieces by key, each held by a reference. A table may stand on the
 * previous build's (base, kept as it was): a build that reuses nearly every
 * piece then costs nothing to remember them. */
struct tr_pieces {
    atomic_int refs;
    struct map by_key; /* &piece->key (8 bytes, by content) -> the piece */
    struct tr_pieces *base;
    int depth; /* tables below this one */
};

/* Beyond this many tables below, a new one copies them instead. */
#define PIECES_MAX_DEPTH 4

struct tr_pieces *tr_pieces_new(void)
{
    struct tr_pieces *p = xcalloc(1, sizeof(struct tr_pieces));
    atomic_init(&p->refs, 1);
    map_init_bytes(&p->by_key, NULL, sizeof(uint64_t));
    return p;
}

static void piece_free(struct tr_piece *pc)
{
    for (size_t i = 0; i < pc->n_domains; i++)
        free(pc->domains[i]);
    free(pc->domains);
    free(pc->name);
    free(pc->bytes);
    for (size_t i = 0; i < pc->n_res; i++) {
        free(pc->res[i].name);
        free(pc->res[i].bytes);
    }
    free(pc->res);
    for (size_t i = 0; i < pc->n_rcs; i++)
        tr_rc_patch_unref(pc->rcs[i]);
    free(pc->rcs);
    free(pc);
}

static void piece_unref(struct tr_piece *pc)
{
    if (atomic_fetch_sub_explicit(&pc->refs, 1, memory_order_acq_rel) == 1)
        piece_free(pc);
}

void tr_pieces_free(struct tr_pieces *p)
{
    if (p == NULL || atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    size_t pos = 0;
    const void *key;
    void *pc;
    while (map_next(&p->by_key, &pos, &key, &pc))
        piece_unref(pc);
    map_release(&p->by_key);
    tr_pieces_free(p->base);
    free(p);
}

static const struct tr_piece *pieces_get(const struct tr_pieces *p, uint64_t key)
{
    for (; p != NULL; p = p->base) {
        const struct tr_piece *pc = map_get(&p->by_key, &key);
        if (pc != NULL)
            return pc;
    }
    return NULL;
}

/* Add a reference to pc under its key and return 1, unless the key is there
 * already (0). */
static int pieces_put(struct tr_pieces *p, struct tr_piece *pc)
{
    if (!map_add(&p->by_key, &pc->key, pc))
        return 0;
    atomic_fetch_add_explicit(&pc->refs, 1, memory_order_relaxed);
    return 1;
}

const struct tr_piece *tr_pieces_take(struct tr_pieces *cur, const struct tr_pieces *prev,
                                      uint64_t key)
{
    const struct tr_piece *pc = pieces_get(prev, key);
    if (pc != NULL)
        pieces_put(cur, (struct tr_piece *)pc);
    return pc;
}

uint64_t tr_vhost_layout(const VirtualHost *v)
{
    uint64_t h = tr_key_str(HASH_SEED, v->name);
    for (size_t d = 0; d < v->n_domains; d++)
        h = tr_key_str(h, v->domains[d]);
    return tr_key_u64(h, v->n_domains);
}

static struct tr_piece *piece_new(uint64_t key, const VirtualHost *v, uint8_t *bytes, size_t len)
{
    struct tr_piece *pc = xcalloc(1, sizeof(*pc));
    pc->key = key;
    atomic_init(&pc->refs, 0);
    pc->bytes = bytes;
    pc->len = len;
    if (v != NULL) {
        pc->layout = tr_vhost_layout(v);
        pc->name = xstrdup(v->name);
        pc->n_domains = v->n_domains;
        pc->domains = xcalloc(v->n_domains + 1, sizeof(char *));
        for (size_t i = 0; i < v->n_domains; i++)
            pc->domains[i] = xstrdup(v->domains[i]);
    }
    return pc;
}

void tr_piece_record(struct tr_pieces *p, uint64_t key, const VirtualHost *v, const uint8_t *bytes,
                     size_t len)
{
    uint8_t *copy = NULL;
    if (v != NULL) {
        copy = xmalloc(len ? len : 1);
        memcpy(copy, bytes, len);
    }
    struct tr_piece *pc = piece_new(key, v, copy, len);
    if (!pieces_put(p, pc))
        piece_free(pc); /* the key was there already */
}

int tr_piece_empty(const struct tr_piece *pc)
{
    return pc->bytes == NULL;
}

VirtualHost *tr_piece_vhost(struct arena *a, const struct tr_piece *pc)
{
    VirtualHost *v = NEW(a, VirtualHost);
    v->name = pc->name;
    v->n_domains = pc->n_domains;
    v->domains = arena_alloc(a, (pc->n_domains + 1) * sizeof(char *));
    memcpy(v->domains, pc->domains, pc->n_domains * sizeof(char *));
    return v;
}

uint8_t *tr_piece_repack(const struct tr_piece *pc, const VirtualHost *v, size_t *len)
{
    VirtualHost *u = envoy__config__route__v3__virtual_host__unpack(NULL, pc->len, pc->bytes);
    if (u == NULL)
        abort(); /* our own bytes: cannot happen */
    char **domains = u->domains;
    size_t n_domains = u->n_domains;
    u->domains = v->domains;
    u->n_domains = v->n_domains;
    uint8_t *out = pb_pack(u, len);
    u->domains = domains;
    u->n_domains = n_domains;
    envoy__config__route__v3__virtual_host__free_unpacked(u, NULL);
    return out;
}

uint64_t tr_piece_layout(const struct tr_piece *pc)
{
    return pc->layout;
}

const uint8_t *tr_piece_bytes(const struct tr_piece *pc, size_t *len)
{
    *len = pc->len;
    return pc->bytes;
}

void tr_piece_record_emitted(struct tr_pieces *p, uint64_t key, const struct tr_build *b,
                             const struct tr_mark *mark, struct tr_rc_patch *const *rcs,
                             size_t n_rcs)
{
    struct tr_piece *pc = piece_new(key, NULL, NULL, 0);
    size_t n = 0;
    for (int t = 0; t < XDS_NTYPES; t++)
        n += xds_view_count(b->view, (enum xds_type)t) - mark->n[t];
    pc->res = xcalloc(n + 1, sizeof(*pc->res));
    pc->n_rcs = n_rcs;
    pc->rcs = xcalloc(pc->n_rcs + 1, sizeof(*pc->rcs));
    for (size_t i = 0; i < pc->n_rcs; i++) {
        pc->rcs[i] = rcs[i];
        tr_rc_patch_ref(pc->rcs[i]);
    }
    for (int t = 0; t < XDS_NTYPES; t++) {
        const struct xds_resource *items = xds_view_items(b->view, (enum xds_type)t);
        for (size_t i = mark->n[t]; i < xds_view_count(b->view, (enum xds_type)t); i++) {
            struct piece_res *r = &pc->res[pc->n_res++];
            r->type = (enum xds_type)t;
            r->name = xstrdup(items[i].name);
            r->len = items[i].len;
            r->bytes = xmalloc(r->len ? r->len : 1);
            memcpy(r->bytes, items[i].bytes, r->len);
            r->hash = items[i].hash;
        }
    }
    if (!pieces_put(p, pc))
        piece_free(pc);
}

void tr_piece_emit(struct tr_build *b, const struct tr_piece *pc, struct tr_rc_patch *const **rcs,
                   size_t *n_rcs)
{
    for (size_t i = 0; i < pc->n_res; i++) {
        const struct piece_res *r = &pc->res[i];
        /* counted: the next view of the class shares them, not copies */
        uint8_t *copy = xds_bytes_new(r->len);
        memcpy(copy, r->bytes, r->len);
        tr_emit_counted(b, r->type, r->name, copy, r->len, r->hash);
    }
    *rcs = pc->rcs;
    *n_rcs = pc->n_rcs;
}

static void copy_slots(struct tr_pieces *dst, const struct tr_pieces *src)
{
    size_t n = map_count(&dst->by_key);
    for (const struct tr_pieces *s = src; s != NULL; s = s->base)
        n += map_count(&s->by_key);
    map_reserve(&dst->by_key, n); /* one table, not one per doubling */
    for (; src != NULL; src = src->base) {
        size_t pos = 0;
        const void *key;
        void *pc;
        while (map_next(&src->by_key, &pos, &key, &pc))
            pieces_put(dst, pc);
    }
}

void tr_pieces_inherit(struct tr_pieces *dst, const struct tr_pieces *src)
{
    if (map_count(&dst->by_key) > 0 || dst->base != NULL || src->depth >= PIECES_MAX_DEPTH) {
        copy_slots(dst, src);
        return;
    }
    if (map_count(&src->by_key) == 0 && src->base != NULL)
        src = src->base; /* an empty table adds nothing to stand on */
    atomic_fetch_add_explicit(&((struct tr_pieces *)src)->refs, 1, memory_order_relaxed);
    dst->base = (struct tr_pieces *)src;
    dst->depth = src->depth + 1;
}
