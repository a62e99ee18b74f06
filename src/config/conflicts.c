/* conflicts.c - VirtualServices competing for one host on the mesh
 * (istioctl analyze's IST0109), from the (gateway, host) bindings that
 * crossref.c collects.
 *
 * The bindings on the mesh are kept grouped by host from load to load (the
 * memo of xref_memo.c owns the bindings and adds and removes them), so a
 * reload that checks one VirtualService again regroups its bindings only;
 * the groups of several are looked at on every load. */
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xdsd/map.h"
#include "xdsd/util.h"

/* The bindings of one host on the mesh. */
struct host_group {
    char *host; /* the key in the map */
    const struct binding **items;
    size_t n, cap;
};

struct mesh_hosts {
    struct map groups; /* host -> struct host_group */
    size_t n_multi;    /* groups of more than one binding */
};

struct mesh_hosts *mesh_hosts_new(void)
{
    struct mesh_hosts *h = xcalloc(1, sizeof(*h));
    map_init_str(&h->groups, NULL);
    return h;
}

static void group_free(struct host_group *g)
{
    free(g->host);
    free(g->items);
    free(g);
}

void mesh_hosts_free(struct mesh_hosts *h)
{
    if (h == NULL)
        return;
    size_t pos = 0;
    const void *key;
    void *g;
    while (map_next(&h->groups, &pos, &key, &g))
        group_free(g);
    map_release(&h->groups);
    free(h);
}

static int on_mesh(const struct binding *b)
{
    return strcmp(b->gateway, "mesh") == 0;
}

void mesh_hosts_add(struct mesh_hosts *m, const struct binding *b)
{
    if (!on_mesh(b))
        return;
    struct host_group *g = map_get(&m->groups, b->host);
    if (g == NULL) {
        g = xcalloc(1, sizeof(*g));
        g->host = xstrdup(b->host);
        map_add(&m->groups, g->host, g);
    }
    xgrow((void **)&g->items, &g->cap, g->n + 1, sizeof(*g->items));
    g->items[g->n++] = b;
    m->n_multi += g->n == 2;
}

void mesh_hosts_remove(struct mesh_hosts *m, const struct binding *b)
{
    if (!on_mesh(b))
        return;
    struct host_group *g = map_get(&m->groups, b->host);
    for (size_t i = 0; g && i < g->n; i++)
        if (g->items[i] == b) {
            memmove(&g->items[i], &g->items[i + 1], (g->n - i - 1) * sizeof(*g->items));
            m->n_multi -= g->n == 2;
            if (--g->n == 0) {
                map_del(&m->groups, g->host);
                group_free(g);
            }
            return;
        }
}

/* The bindings of one host on the mesh in the order translation takes its
 * VirtualServices: (namespace, name), then where; ties in the order the
 * bindings were made (the VirtualServices' order, then each one's list). */
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
    if (c == 0 && a->vs != b->vs)
        c = meta_order(&a->vs->meta, &b->vs->meta);
    if (c == 0) /* one VirtualService's bindings are one array */
        c = (a > b) - (a < b);
    return c;
}

static int group_cmp(const void *pa, const void *pb)
{
    const struct host_group *a = *(const struct host_group *const *)pa;
    const struct host_group *b = *(const struct host_group *const *)pb;
    return strcmp(a->host, b->host);
}

/* Warn about each binding of g after the first (see check_conflicts). */
static void group_conflicts(struct vctx *v, const struct host_group *g)
{
    const struct binding **items = xcalloc(g->n, sizeof(*items));
    memcpy(items, g->items, g->n * sizeof(*items));
    qsort(items, g->n, sizeof(*items), binding_cmp);
    const struct binding *first = items[0];
    for (size_t k = 1; k < g->n; k++) {
        const struct binding *b = items[k];
        /* the same name twice is already reported as a duplicate */
        if (b->vs == first->vs || (strcmp(first->vs->meta.namespace, b->vs->meta.namespace) == 0 &&
                                   strcmp(first->vs->meta.name, b->vs->meta.name) == 0))
            continue;
        v->label = meta_label(&v->b->set->arena, &b->vs->meta);
        vc_coded(v, CONFIG_WARNING, "IST0109", b->pos,
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
 * groups of several are taken in host order. */
void check_conflicts(struct vctx *v, const struct mesh_hosts *m)
{
    if (m->n_multi == 0)
        return;
    const struct host_group **multi = xcalloc(m->n_multi, sizeof(*multi));
    size_t n = 0, pos = 0;
    const void *key;
    void *g;
    while (map_next(&m->groups, &pos, &key, &g))
        if (((const struct host_group *)g)->n > 1)
            multi[n++] = g;
    qsort(multi, n, sizeof(*multi), group_cmp);
    for (size_t i = 0; i < n; i++)
        group_conflicts(v, multi[i]);
    free(multi);
}
