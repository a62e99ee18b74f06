/* xref_index.c - the lookups by host and by name that the checks across
 * resources make (crossref.c), kept from one load of a directory to the next.
 *
 * Building them means sorting every host of every ServiceEntry and
 * DestinationRule; a reload that checks a VirtualService or two again would
 * otherwise scan 10,000 resources scattered in memory for each lookup. So
 * the index of the last load is carried over: the entries of the files that
 * changed are dropped, those of their new resources merged in. Entries whose
 * (host, namespace) are equal keep the order of the set's resources, so the
 * index is the one a fresh load builds, and lookups give the same answers. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/sorted.h"
#include "xdsd/util.h"

struct xref_index *xref_index_new(void)
{
    return xcalloc(1, sizeof(struct xref_index));
}

static void hosts_release(struct xref_hosts *h)
{
    for (size_t i = 0; i < h->n_exact; i++)
        free(h->exact[i].own);
    for (size_t i = 0; i < h->n_wild; i++)
        free(h->wild[i].own);
    free(h->exact);
    free(h->wild);
    memset(h, 0, sizeof(*h));
}

static void names_release(struct name_indexes *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].items);
        free(l->items[i].wild);
    }
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void xref_index_free(struct xref_index *ix)
{
    if (ix == NULL)
        return;
    hosts_release(&ix->se);
    hosts_release(&ix->dr);
    names_release(&ix->gw_hosts);
    names_release(&ix->subsets);
    free(ix);
}

/* Set order: (namespace, name, position), as set.c sorts resources. */
static int meta_order(const struct istio_meta *a, const struct istio_meta *b)
{
    int c = strcmp(a->namespace, b->namespace);
    if (c == 0)
        c = strcmp(a->name, b->name);
    if (c == 0)
        c = strcmp(a->pos.file, b->pos.file);
    if (c == 0 && a->pos.line != b->pos.line)
        c = a->pos.line < b->pos.line ? -1 : 1;
    if (c == 0)
        c = (a->pos.column > b->pos.column) - (a->pos.column < b->pos.column);
    return c;
}

static int exact_cmp(const void *pa, const void *pb)
{
    const struct xref_host *a = pa, *b = pb;
    int c = strcmp(a->host, b->host);
    if (c == 0)
        c = strcmp(a->ns, b->ns);
    return c ? c : meta_order(a->res, b->res);
}

static int wild_cmp(const void *pa, const void *pb)
{
    const struct xref_host *a = pa, *b = pb;
    return meta_order(a->res, b->res);
}

static void host_add(struct xref_hosts *h, const char *host, const struct istio_meta *m)
{
    struct xref_host e = {host, m->namespace, m, m->pos.file, NULL};
    if (!strchr(host, '.') && strcmp(host, "*") != 0) /* short: relative to the namespace */
        e.host = e.own = xasprintf("%s.%s.svc.cluster.local", host, m->namespace);
    if (e.host[0] == '*') {
        xgrow((void **)&h->wild, &h->cap_wild, h->n_wild + 1, sizeof(e));
        h->wild[h->n_wild++] = e;
    } else {
        xgrow((void **)&h->exact, &h->cap_exact, h->n_exact + 1, sizeof(e));
        h->exact[h->n_exact++] = e;
    }
}

/* The hosts of resource m (a ServiceEntry or a DestinationRule) into se or dr. */
static void resource_add(struct xref_index *ix, const struct istio_meta *m)
{
    if (m->kind == KIND_SERVICE_ENTRY) {
        const struct service_entry *se = (const struct service_entry *)m;
        for (size_t j = 0; j < se->n_hosts; j++)
            host_add(&ix->se, se->hosts[j], m);
    } else if (m->kind == KIND_DESTINATION_RULE) {
        const struct destination_rule *dr = (const struct destination_rule *)m;
        if (dr->host)
            host_add(&ix->dr, dr->host, m);
    }
}

static void hosts_sort(struct xref_hosts *h)
{
    if (h->n_exact > 1)
        qsort(h->exact, h->n_exact, sizeof(*h->exact), exact_cmp);
    if (h->n_wild > 1)
        qsort(h->wild, h->n_wild, sizeof(*h->wild), wild_cmp);
}

void xref_index_build(struct xref_index *ix, const struct builder *b)
{
    hosts_release(&ix->se);
    hosts_release(&ix->dr);
    for (size_t i = 0; i < b->n_se; i++)
        resource_add(ix, &b->se[i]->meta);
    for (size_t i = 0; i < b->n_dr; i++)
        resource_add(ix, &b->dr[i]->meta);
    hosts_sort(&ix->se);
    hosts_sort(&ix->dr);
    ix->built = 1;
}

static int in_files(const char *file, const char *const *files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (files[i] == file)
            return 1;
    return 0;
}

/* Drop the entries of files from a (n of them; by the file names' addresses,
 * without reading a host), then merge add in (sorted by cmp; add's entries
 * are taken). */
static void merge_entries(struct xref_host **a, size_t *n, size_t *cap, struct xref_host *add,
                          size_t n_add, const char *const *files, size_t n_files,
                          int (*cmp)(const void *, const void *))
{
    size_t o = 0;
    for (size_t i = 0; i < *n; i++) {
        if (in_files((*a)[i].file, files, n_files))
            free((*a)[i].own);
        else
            (*a)[o++] = (*a)[i];
    }
    xgrow((void **)a, cap, o + n_add + 1, sizeof(**a));
    sorted_insert(*a, o, add, n_add, sizeof(**a), cmp);
    *n = o + n_add;
}

static void hosts_carry(struct xref_hosts *h, struct xref_hosts *add, const char *const *files,
                        size_t n_files)
{
    hosts_sort(add);
    merge_entries(&h->exact, &h->n_exact, &h->cap_exact, add->exact, add->n_exact, files, n_files,
                  exact_cmp);
    merge_entries(&h->wild, &h->n_wild, &h->cap_wild, add->wild, add->n_wild, files, n_files,
                  wild_cmp);
    free(add->exact);
    free(add->wild);
}

/* Drop the names of resources in files: their memory is going. */
static void names_carry(struct name_indexes *l, const char *const *files, size_t n_files)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct istio_meta *m = l->items[i].owner;
        if (in_files(m->pos.file, files, n_files)) {
            free(l->items[i].items);
            free(l->items[i].wild);
        } else {
            l->items[k++] = l->items[i];
        }
    }
    l->n = k;
}

int xref_index_carry(struct xref_index *ix, const struct builder *b)
{
    if (!b->memo_usable || b->n_fresh + b->n_gone > MEMO_MAX_UNITS) {
        hosts_release(&ix->se);
        hosts_release(&ix->dr);
        names_release(&ix->gw_hosts);
        names_release(&ix->subsets);
        ix->built = 0;
        return -1;
    }
    const char *files[2 * MEMO_MAX_UNITS];
    size_t n = 0;
    for (size_t i = 0; i < b->n_gone; i++)
        if (b->gone[i]->n_res > 0)
            files[n++] = b->gone[i]->res[0]->pos.file;
    for (size_t i = 0; i < b->n_fresh; i++)
        if (b->fresh[i]->n_res > 0)
            files[n++] = b->fresh[i]->res[0]->pos.file;
    names_carry(&ix->gw_hosts, files, n);
    names_carry(&ix->subsets, files, n);
    if (!ix->built)
        return -1;
    struct xref_index add;
    memset(&add, 0, sizeof(add));
    for (size_t i = 0; i < b->n_fresh; i++)
        for (size_t j = 0; j < b->fresh[i]->n_res; j++)
            resource_add(&add, b->fresh[i]->res[j]);
    hosts_carry(&ix->se, &add.se, files, n);
    hosts_carry(&ix->dr, &add.dr, files, n);
    return 0;
}

struct name_index *xref_names_find(const struct name_indexes *l, const void *owner)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].owner == owner)
            return &l->items[i];
    return NULL;
}

struct name_index *xref_names(struct name_indexes *l, const void *owner)
{
    struct name_index *found = xref_names_find(l, owner);
    if (found)
        return found;
    xgrow((void **)&l->items, &l->cap, l->n + 1, sizeof(*l->items));
    struct name_index *ix = &l->items[l->n++];
    memset(ix, 0, sizeof(*ix));
    ix->owner = owner;
    return ix;
}
