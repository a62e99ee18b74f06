/* conflicts.c - VirtualServices competing for one host on the mesh
 * (istioctl analyze's IST0109), from the (gateway, host) bindings that
 * crossref.c collects. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

/* The bindings of one host on the mesh in the order translation takes its
 * VirtualServices: (namespace, name), then where; ties in the order the
 * bindings were made (the addresses in the binding list). */
static int binding_cmp(const void *pa, const void *pb)
{
    const struct binding *a = *(const struct binding *const *)pa;
    const struct binding *b = *(const struct binding *const *)pb;
    int c = strcmp(a->vs->meta.namespace, b->vs->meta.namespace);
    if (c == 0)
        c = strcmp(a->vs->meta.name, b->vs->meta.name);
    if (c == 0)
        c = strcmp(a->pos.file, b->pos.file);
    if (c == 0)
        c = a->pos.line - b->pos.line;
    if (c == 0)
        c = (a > b) - (a < b);
    return c;
}

/* The bindings of one host on the mesh (a chain through next[]). */
struct host_group {
    const char *host;
    size_t first, last, n;
};

static int group_cmp(const void *pa, const void *pb)
{
    return strcmp(((const struct host_group *)pa)->host, ((const struct host_group *)pb)->host);
}

/* Warn about each binding of g after the first (see check_conflicts). */
static void group_conflicts(struct vctx *v, const struct binding *bindings, const size_t *next,
                            const struct host_group *g)
{
    const struct binding **items = xcalloc(g->n, sizeof(*items));
    size_t k = 0;
    for (size_t i = g->first; k < g->n; i = next[i])
        items[k++] = &bindings[i];
    qsort(items, g->n, sizeof(*items), binding_cmp);
    const struct binding *first = items[0];
    for (k = 1; k < g->n; k++) {
        const struct binding *b = items[k];
        /* the same name twice is already reported as a duplicate */
        if (b->vs == first->vs || (strcmp(first->vs->meta.namespace, b->vs->meta.namespace) == 0 &&
                                   strcmp(first->vs->meta.name, b->vs->meta.name) == 0))
            continue;
        v->label = meta_label(&v->b->set->arena, &b->vs->meta);
        vc_warn(v, b->pos,
                "host '%s' on the mesh is also routed by VirtualService %s/%s (%s:%d:%d), "
                "which comes first in namespace/name order: this VirtualService is ignored "
                "for it (Istio IST0109)",
                b->host, first->vs->meta.namespace, first->vs->meta.name, first->pos.file,
                first->pos.line, first->pos.column);
    }
    free(items);
}

/* Several VirtualServices for one host. On a gateway Istio merges their
 * routes, so that is fine. On the mesh only the first in (namespace, name)
 * order applies and the others are ignored, which Istio's analyzer reports as
 * IST0109: a warning on each ignored one, naming the one that applies. The
 * mesh's bindings are grouped by host in a hash table; the groups of several
 * are taken in host order. */
void check_conflicts(struct vctx *v, const struct binding *bindings, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    struct host_group *slots = xcalloc(cap, sizeof(*slots));
    size_t *next = xcalloc(n ? n : 1, sizeof(*next));
    size_t n_multi = 0;
    for (size_t i = 0; i < n; i++) {
        const struct binding *b = &bindings[i];
        if (strcmp(b->gateway, "mesh") != 0)
            continue;
        size_t k = (size_t)hash_bytes(HASH_SEED, b->host, strlen(b->host)) & (cap - 1);
        while (slots[k].host && strcmp(slots[k].host, b->host) != 0)
            k = (k + 1) & (cap - 1);
        struct host_group *g = &slots[k];
        if (g->host == NULL) {
            *g = (struct host_group){b->host, i, i, 0};
        } else {
            next[g->last] = i;
            g->last = i;
        }
        if (++g->n == 2)
            n_multi++;
    }
    struct host_group *multi = xcalloc(n_multi ? n_multi : 1, sizeof(*multi));
    size_t m = 0;
    for (size_t k = 0; k < cap; k++)
        if (slots[k].n > 1)
            multi[m++] = slots[k];
    qsort(multi, m, sizeof(*multi), group_cmp);
    for (size_t i = 0; i < m; i++)
        group_conflicts(v, bindings, next, &multi[i]);
    free(multi);
    free(next);
    free(slots);
}
