/* recipes.c - how each route configuration was assembled: its virtual hosts
 * in order, where each one's field lies in the packed bytes, and the recipe
 * (seam.h) that made it, so that patch.c can make again only the virtual
 * hosts whose VirtualServices changed and splice them into the old bytes. */
#include "parts.h"

#include <stdlib.h>

static size_t *copy_sizes(const size_t *v, size_t n)
{
    if (v == NULL)
        return NULL;
    size_t *c = xmalloc((n + 1) * sizeof(*c));
    memcpy(c, v, n * sizeof(*c));
    return c;
}

static void recipe_copy(struct tr_recipe *dst, const struct tr_recipe *src)
{
    *dst = *src;
    dst->host = xstrdup(src->host);
    dst->name = src->name ? xstrdup(src->name) : NULL;
    dst->vs = copy_sizes(src->vs, src->n_vs);
    dst->gw = copy_sizes(src->gw, src->n_vs);
    dst->server = copy_sizes(src->server, src->n_vs);
}

static void store_unref(struct tr_recipe_store *rs)
{
    if (atomic_fetch_sub_explicit(&rs->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < rs->n; i++) {
        struct tr_recipe *r = &rs->v[i];
        free((char *)r->host);
        free((char *)r->name);
        free(r->vs);
        free(r->gw);
        free(r->server);
    }
    free(rs->v);
    free(rs);
}

static struct tr_rc_patch *rc_new(const char *name, size_t n)
{
    struct tr_rc_patch *p = xcalloc(1, sizeof(*p));
    atomic_init(&p->refs, 1);
    p->name = xstrdup(name);
    p->n = n;
    p->off = xmalloc((n + 1) * sizeof(*p->off));
    p->vh_hash = xmalloc((n + 1) * sizeof(*p->vh_hash));
    p->r = xcalloc(n + 1, sizeof(*p->r));
    return p;
}

struct tr_rc_patch *tr_rc_patch_record(const char *name, const struct tr_recipe *const *r, size_t n,
                                       const size_t *off, const uint64_t *vh_hash, int trimmed,
                                       const struct pvec *blocking)
{
    struct tr_rc_patch *p = rc_new(name, n);
    p->trimmed = trimmed;
    memcpy(p->off, off, (n + 1) * sizeof(*off));
    memcpy(p->vh_hash, vh_hash, n * sizeof(*vh_hash));
    p->rs = xcalloc(1, sizeof(*p->rs));
    atomic_init(&p->rs->refs, 1);
    p->rs->v = xcalloc(n + 1, sizeof(*p->rs->v));
    for (size_t i = 0; i < n; i++) {
        if (r[i] == NULL || r[i]->n_vs == 0)
            continue;
        recipe_copy(&p->rs->v[p->rs->n], r[i]);
        p->r[i] = &p->rs->v[p->rs->n++];
    }
    size_t nb = 0;
    for (size_t i = 0; i < blocking->n; i++)
        nb += ((const struct tr_recipe *)blocking->v[i])->n_vs;
    p->blocking = xmalloc((nb + 1) * sizeof(*p->blocking));
    for (size_t i = 0; i < blocking->n; i++) {
        const struct tr_recipe *b = blocking->v[i];
        for (size_t k = 0; k < b->n_vs; k++)
            p->blocking[p->n_blocking++] = b->vs[k];
    }
    return p;
}

struct tr_rc_patch *tr_rc_patch_resized(const struct tr_rc_patch *p, size_t n)
{
    struct tr_rc_patch *q = rc_new(p->name, n);
    q->blocking = copy_sizes(p->blocking, p->n_blocking);
    q->n_blocking = p->n_blocking;
    q->rs = p->rs;
    q->gw_key = p->gw_key; /* a patch changes routes, never which servers feed it */
    atomic_fetch_add_explicit(&q->rs->refs, 1, memory_order_relaxed);
    return q;
}

struct tr_rc_patch *tr_rc_patch_copy(const struct tr_rc_patch *p)
{
    struct tr_rc_patch *q = tr_rc_patch_resized(p, p->n);
    memcpy(q->r, p->r, p->n * sizeof(*q->r));
    memcpy(q->vh_hash, p->vh_hash, p->n * sizeof(*q->vh_hash));
    return q;
}

void tr_rc_patch_ref(struct tr_rc_patch *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
}

void tr_rc_patch_unref(struct tr_rc_patch *p)
{
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(p->name);
    free(p->off);
    free(p->vh_hash);
    free(p->r);
    free(p->blocking);
    store_unref(p->rs);
    free(p);
}
