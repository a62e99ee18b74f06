/* set.c - the finished configuration set: duplicate detection, sorting,
 * reference counting and the indexes behind the lookups translation makes
 * for every service of every proxy class. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

static int pos_cmp(const struct config_pos *a, const struct config_pos *b)
{
    int c = strcmp(a->file, b->file);
    if (c)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->column < b->column ? -1 : a->column > b->column;
}

static int meta_cmp(const struct istio_meta *a, const struct istio_meta *b)
{
    int c = strcmp(a->namespace, b->namespace);
    if (c == 0)
        c = strcmp(a->name, b->name);
    return c;
}

/* Every resource kind starts with its istio_meta, so one comparison serves. */
static int ptr_cmp(const void *pa, const void *pb)
{
    const struct istio_meta *a = *(const struct istio_meta *const *)pa;
    const struct istio_meta *b = *(const struct istio_meta *const *)pb;
    int c = meta_cmp(a, b);
    return c ? c : pos_cmp(&a->pos, &b->pos);
}

static void check_duplicates(struct builder *b, struct istio_meta **arr, size_t n)
{
    if (n > 1)
        qsort(arr, n, sizeof(*arr), ptr_cmp);
    for (size_t i = 1; i < n; i++) {
        const struct istio_meta *first = arr[i - 1], *m = arr[i];
        while (i < n && meta_cmp(first, arr[i]) == 0) {
            m = arr[i];
            diag_add(b->diags, CONFIG_ERROR, m->pos, meta_label(&b->set->arena, m),
                     "duplicate %s %s/%s: also defined at %s:%d:%d", kind_name(m->kind),
                     m->namespace, m->name, first->pos.file, first->pos.line, first->pos.column);
            i++;
        }
    }
}

static int ref_cmp(const void *pa, const void *pb)
{
    const struct host_ref *a = pa, *b = pb;
    int c = strcmp(a->host, b->host);
    if (c == 0)
        c = strcmp(a->ns, b->ns);
    if (c == 0) /* resources are in (namespace, name) order already */
        c = (a->res > b->res) - (a->res < b->res);
    return c;
}

static void index_hosts(struct config_set *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_se; i++)
        n += s->se[i].n_hosts;
    s->se_by_host = xcalloc(n ? n : 1, sizeof(*s->se_by_host));
    for (size_t i = 0; i < s->n_se; i++)
        for (size_t j = 0; j < s->se[i].n_hosts; j++)
            s->se_by_host[s->n_se_by_host++] =
                (struct host_ref){s->se[i].hosts[j], s->se[i].meta.namespace, &s->se[i]};
    qsort(s->se_by_host, s->n_se_by_host, sizeof(struct host_ref), ref_cmp);

    s->dr_by_host = xcalloc(s->n_dr ? s->n_dr : 1, sizeof(*s->dr_by_host));
    s->dr_wild = xcalloc(s->n_dr ? s->n_dr : 1, sizeof(*s->dr_wild));
    for (size_t i = 0; i < s->n_dr; i++) {
        struct host_ref r = {s->dr[i].host ? s->dr[i].host : "", s->dr[i].meta.namespace,
                             &s->dr[i]};
        if (r.host[0] == '*')
            s->dr_wild[s->n_dr_wild++] = r;
        else
            s->dr_by_host[s->n_dr_by_host++] = r;
    }
    qsort(s->dr_by_host, s->n_dr_by_host, sizeof(struct host_ref), ref_cmp);
}

void set_index(struct config_set *s)
{
    index_hosts(s);
}

#define COPY_OUT(s, b, arr, n, type)                                                               \
    do {                                                                                           \
        (s)->arr = xcalloc((b)->n ? (b)->n : 1, sizeof(type));                                     \
        for (size_t i_ = 0; i_ < (b)->n; i_++)                                                     \
            (s)->arr[i_] = *(b)->arr[i_];                                                          \
        (s)->n = (b)->n;                                                                           \
    } while (0)

struct config_set *builder_finish(struct builder *b)
{
    struct config_set *s = b->set;
    check_duplicates(b, (struct istio_meta **)b->se, b->n_se);
    check_duplicates(b, (struct istio_meta **)b->gw, b->n_gw);
    check_duplicates(b, (struct istio_meta **)b->vs, b->n_vs);
    check_duplicates(b, (struct istio_meta **)b->dr, b->n_dr);
    struct vctx v = {b, b->diags, &b->pos, NULL, NULL};
    validate_resources(&v);
    validate_cross(&v);
    diag_sort(b->diags);
    if (b->diags->n_errors == 0) {
        /* resources move into plain sorted arrays; positions are no longer needed */
        COPY_OUT(s, b, se, n_se, struct service_entry);
        COPY_OUT(s, b, gw, n_gw, struct gateway);
        COPY_OUT(s, b, vs, n_vs, struct virtual_service);
        COPY_OUT(s, b, dr, n_dr, struct destination_rule);
        s->hash = b->hash;
        set_index(s);
    } else {
        set_free_sources(s);
        arena_release(&s->arena);
        free(s);
        s = NULL;
    }
    pos_release(&b->pos);
    free(b->se);
    free(b->gw);
    free(b->vs);
    free(b->dr);
    return s;
}

struct config_set *config_ref(struct config_set *s)
{
    if (s)
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

void config_unref(struct config_set *s)
{
    if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    free(s->se);
    free(s->gw);
    free(s->vs);
    free(s->dr);
    free(s->se_by_host);
    free(s->dr_by_host);
    free(s->dr_wild);
    set_free_sources(s);
    arena_release(&s->arena);
    free(s);
}

uint64_t config_generation(const struct config_set *s)
{
    return s->generation;
}

void config_set_generation(struct config_set *s, uint64_t generation)
{
    s->generation = generation;
}

uint64_t config_hash(const struct config_set *s)
{
    return s->hash;
}

void set_add_source(struct config_set *s, const char *name, const char *buf, size_t len)
{
    xgrow((void **)&s->sources, &s->cap_sources, s->n_sources + 1, sizeof(*s->sources));
    char *data = xmalloc(len + 1);
    memcpy(data, buf, len);
    data[len] = '\0';
    s->sources[s->n_sources++] = (struct config_source){xstrdup(name), data, len};
}

void set_free_sources(struct config_set *s)
{
    for (size_t i = 0; i < s->n_sources; i++) {
        free((char *)s->sources[i].name);
        free((char *)s->sources[i].data);
    }
    free(s->sources);
    s->sources = NULL;
    s->n_sources = s->cap_sources = 0;
}

const struct config_source *config_sources(const struct config_set *s, size_t *n)
{
    *n = s->n_sources;
    return s->sources;
}

const struct service_entry *config_service_entries(const struct config_set *s, size_t *n)
{
    *n = s->n_se;
    return s->se;
}

const struct gateway *config_gateways(const struct config_set *s, size_t *n)
{
    *n = s->n_gw;
    return s->gw;
}

const struct virtual_service *config_virtual_services(const struct config_set *s, size_t *n)
{
    *n = s->n_vs;
    return s->vs;
}

const struct destination_rule *config_destination_rules(const struct config_set *s, size_t *n)
{
    *n = s->n_dr;
    return s->dr;
}

/* First index in refs[0..n) whose host is >= host (and ns >= ns when given). */
static size_t lower_bound(const struct host_ref *refs, size_t n, const char *host, const char *ns)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(refs[mid].host, host);
        if (c == 0 && ns)
            c = strcmp(refs[mid].ns, ns);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct service_entry *config_find_service(const struct config_set *s, const char *host)
{
    size_t i = lower_bound(s->se_by_host, s->n_se_by_host, host, NULL);
    if (i < s->n_se_by_host && strcmp(s->se_by_host[i].host, host) == 0)
        return s->se_by_host[i].res;
    return NULL;
}

/* exportTo: empty or "*" is everywhere, "." the rule's own namespace. */
static int exported_to(const struct destination_rule *dr, const char *ns)
{
    if (dr->n_export_to == 0)
        return 1;
    for (size_t i = 0; i < dr->n_export_to; i++) {
        const char *e = dr->export_to[i];
        if (strcmp(e, "*") == 0 || strcmp(e, ns) == 0 ||
            (strcmp(e, ".") == 0 && strcmp(dr->meta.namespace, ns) == 0))
            return 1;
    }
    return 0;
}

static const struct destination_rule *pick(const struct host_ref *refs, size_t from, size_t n,
                                           const char *host, const char *ns)
{
    for (size_t i = from; i < n && strcmp(refs[i].host, host) == 0; i++)
        if (strcmp(refs[i].ns, ns) == 0)
            return refs[i].res;
    for (size_t i = from; i < n && strcmp(refs[i].host, host) == 0; i++)
        if (exported_to(refs[i].res, ns))
            return refs[i].res;
    return NULL;
}

const struct destination_rule *config_find_destination_rule(const struct config_set *s,
                                                            const char *host, const char *ns)
{
    size_t i = lower_bound(s->dr_by_host, s->n_dr_by_host, host, NULL);
    const struct destination_rule *dr = pick(s->dr_by_host, i, s->n_dr_by_host, host, ns);
    if (dr)
        return dr;
    /* no rule names the host exactly: the most specific wildcard rule */
    const struct destination_rule *best = NULL;
    size_t best_len = 0;
    for (size_t j = 0; j < s->n_dr_wild; j++) {
        const struct destination_rule *w = s->dr_wild[j].res;
        size_t len = strlen(w->host);
        if (!host_matches(w->host, host) || !exported_to(w, ns))
            continue;
        int better = best == NULL || len > best_len ||
                     (len == best_len && strcmp(w->meta.namespace, ns) == 0 &&
                      strcmp(best->meta.namespace, ns) != 0);
        if (better) {
            best = w;
            best_len = len;
        }
    }
    return best;
}

const struct gateway *config_find_gateway(const struct config_set *s, const char *ns,
                                          const char *name)
{
    size_t lo = 0, hi = s->n_gw;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->gw[mid].meta.namespace, ns);
        if (c == 0)
            c = strcmp(s->gw[mid].meta.name, name);
        if (c == 0)
            return &s->gw[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
