/* host_index.c - the set's lookups by host: every ServiceEntry host and
 * every DestinationRule by (host, namespace, place in the set), and the
 * wildcard rules apart. A partial reload merges the last load's order (kept
 * with the parsed files) with the hosts of the changed files instead of
 * sorting every host again; the result is the same array. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/sorted.h"
#include "xdsd/util.h"

void host_orders_release(struct host_orders *h)
{
    free(h->se);
    free(h->dr);
    free(h->wild);
    memset(h, 0, sizeof(*h));
}

static int order_cmp(const void *pa, const void *pb)
{
    const struct host_order *a = pa, *b = pb;
    int c = strcmp(a->host, b->host);
    if (c == 0)
        c = strcmp(a->ns, b->ns);
    if (c == 0) /* resources are in (namespace, name) order already */
        c = (a->idx > b->idx) - (a->idx < b->idx);
    return c;
}

struct order_list {
    struct host_order *items;
    size_t n, cap;
};

static void order_add(struct order_list *l, const char *host, const char *ns, size_t idx)
{
    xgrow((void **)&l->items, &l->cap, l->n + 1, sizeof(*l->items));
    l->items[l->n++] = (struct host_order){host, ns, idx};
}

static const char *dr_host(const struct destination_rule *dr)
{
    return dr->host ? dr->host : "";
}

/* The hosts of the resource at idx (of kind se or dr) into l. */
static void add_hosts(struct order_list *l, const struct config_set *s, int se, size_t idx)
{
    if (se) {
        const struct service_entry *e = &s->se[idx];
        for (size_t j = 0; j < e->n_hosts; j++)
            order_add(l, e->hosts[j], e->meta.namespace, idx);
    } else if (dr_host(&s->dr[idx])[0] != '*') {
        order_add(l, dr_host(&s->dr[idx]), s->dr[idx].meta.namespace, idx);
    }
}

/* Every host, sorted. */
static struct order_list sort_all(const struct config_set *s, int se)
{
    struct order_list l = {NULL, 0, 0};
    size_t n = se ? s->n_se : s->n_dr;
    for (size_t i = 0; i < n; i++)
        add_hosts(&l, s, se, i);
    if (l.n > 1)
        qsort(l.items, l.n, sizeof(*l.items), order_cmp);
    return l;
}

/* prev's hosts still there (renumbered: the map keeps their order) merged
 * with those of the changed files' resources. */
static struct order_list merge(const struct config_set *s, int se, const struct host_order *prev,
                               size_t n_prev, const struct kind_merge *m)
{
    struct order_list add = {NULL, 0, 0}, l = {NULL, 0, 0};
    for (size_t i = 0; i < m->n_added; i++)
        add_hosts(&add, s, se, m->added[i]);
    if (add.n > 1)
        qsort(add.items, add.n, sizeof(*add.items), order_cmp);
    l.cap = n_prev + add.n + 1;
    l.items = xmalloc(l.cap * sizeof(*l.items));
    for (size_t i = 0; i < n_prev; i++) {
        size_t idx = m->map[prev[i].idx];
        if (idx == SIZE_MAX)
            continue;
        l.items[l.n] = prev[i];
        l.items[l.n++].idx = idx;
    }
    sorted_insert(l.items, l.n, add.items, add.n, sizeof(*l.items), order_cmp);
    l.n += add.n;
    free(add.items);
    return l;
}

static int idx_cmp(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    return (a > b) - (a < b);
}

/* The places of the rules with a wildcard host: prev's renumbered (the map
 * keeps their order) with the changed files' merged in; or all of them,
 * found by reading every rule. */
static size_t *wild_rules(const struct config_set *s, const struct host_orders *prev,
                          const struct kind_merge *m, size_t *n)
{
    size_t *w = xmalloc((s->n_dr + 1) * sizeof(*w));
    *n = 0;
    if (prev == NULL) {
        for (size_t i = 0; i < s->n_dr; i++)
            if (dr_host(&s->dr[i])[0] == '*')
                w[(*n)++] = i;
        return w;
    }
    for (size_t i = 0; i < prev->n_wild; i++)
        if (m->map[prev->wild[i]] != SIZE_MAX)
            w[(*n)++] = m->map[prev->wild[i]];
    size_t *add = xmalloc((m->n_added + 1) * sizeof(*add)), n_add = 0;
    for (size_t i = 0; i < m->n_added; i++)
        if (dr_host(&s->dr[m->added[i]])[0] == '*')
            add[n_add++] = m->added[i];
    sorted_insert(w, *n, add, n_add, sizeof(*w), idx_cmp);
    *n += n_add;
    free(add);
    return w;
}

void host_index_build(struct config_set *s, const struct host_orders *prev,
                      const struct kind_merge *se, const struct kind_merge *dr,
                      struct host_orders *out)
{
    int merged = prev && prev->valid && se->merged && dr->merged;
    struct order_list ls = merged ? merge(s, 1, prev->se, prev->n_se, se) : sort_all(s, 1);
    struct order_list ld = merged ? merge(s, 0, prev->dr, prev->n_dr, dr) : sort_all(s, 0);

    s->se_by_host = xcalloc(ls.n ? ls.n : 1, sizeof(*s->se_by_host));
    for (size_t i = 0; i < ls.n; i++)
        s->se_by_host[i] =
            (struct host_ref){ls.items[i].host, ls.items[i].ns, &s->se[ls.items[i].idx]};
    s->n_se_by_host = ls.n;
    s->dr_by_host = xcalloc(ld.n ? ld.n : 1, sizeof(*s->dr_by_host));
    for (size_t i = 0; i < ld.n; i++)
        s->dr_by_host[i] =
            (struct host_ref){ld.items[i].host, ld.items[i].ns, &s->dr[ld.items[i].idx]};
    s->n_dr_by_host = ld.n;
    size_t n_wild;
    size_t *wild = wild_rules(s, merged ? prev : NULL, dr, &n_wild);
    s->dr_wild = xcalloc(n_wild + 1, sizeof(*s->dr_wild));
    for (size_t i = 0; i < n_wild; i++) {
        const struct destination_rule *r = &s->dr[wild[i]];
        s->dr_wild[s->n_dr_wild++] = (struct host_ref){r->host, r->meta.namespace, r};
    }

    if (out) {
        host_orders_release(out);
        *out = (struct host_orders){ls.items, ld.items, ls.n, ld.n, wild, n_wild, 1};
    } else {
        free(ls.items);
        free(ld.items);
        free(wild);
    }
}
