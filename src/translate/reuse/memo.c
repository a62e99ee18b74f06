/* memo.c - what one build of a proxy class leaves for the next build of the
 * same class (same class key, same options), so that an edit costs what it
 * changes:
 *
 *   - the clusters and load assignments of each service, reused while its
 *     ServiceEntry, host and DestinationRule are unchanged, or all of them
 *     at once (the type lists shared) when no ServiceEntry or
 *     DestinationRule changed;
 *   - the VirtualServices the build read, so that a class none of whose
 *     inputs changed, except routes it never read, keeps its whole view;
 *   - the order of its large route configurations;
 *   - its packed virtual hosts (pieces.c);
 *   - how each route configuration was assembled (recipes.c, for patch.c).
 *
 * Inputs are compared by the content hash of the YAML documents they were
 * decoded from, never by address: records outlive the config set they were
 * made from when a later build shares them. Bytes belong to the view built
 * with the memo; a later view that shares its type lists shares the records
 * as well. */
#include "memo_int.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>

#include "xdsd/sorted.h"

static void hset_add(struct hash_set *s, uint64_t h)
{
    h = h ? h : 1;
    if (2 * (s->n + 1) > s->cap) {
        struct hash_set old = *s;
        s->cap = old.cap ? 2 * old.cap : 64;
        s->v = xcalloc(s->cap, sizeof(*s->v));
        s->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.v[i])
                hset_add(s, old.v[i]);
        free(old.v);
    }
    size_t i = h & (s->cap - 1);
    for (; s->v[i] != 0; i = (i + 1) & (s->cap - 1))
        if (s->v[i] == h)
            return;
    s->v[i] = h;
    s->n++;
}

static int hset_has(const struct hash_set *s, uint64_t h)
{
    h = h ? h : 1;
    if (s->cap == 0)
        return 0;
    for (size_t i = h & (s->cap - 1); s->v[i] != 0; i = (i + 1) & (s->cap - 1))
        if (s->v[i] == h)
            return 1;
    return 0;
}

/* Beyond this many, lookups are not remembered (each is one scan). */
#define MAX_LOOKUPS 1024

struct tr_memo *tr_memo_new(void)
{
    struct tr_memo *m = xcalloc(1, sizeof(struct tr_memo));
    m->d = xcalloc(1, sizeof(*m->d));
    atomic_init(&m->d->refs, 1);
    m->pieces = tr_pieces_new();
    return m;
}

static void findings_add(struct findings_list *l, const struct istio_meta *meta,
                         const char *message)
{
    xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
    l->v[l->n++] = (struct memo_finding){meta->kind, xstrdup(meta->namespace), xstrdup(meta->name),
                                         xstrdup(message)};
}

static void findings_free(struct findings_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].ns);
        free(l->v[i].name);
        free(l->v[i].message);
    }
    free(l->v);
}

/* The findings of l made again in b, about b's model's resources. */
static void findings_again(struct tr_build *b, const struct findings_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct memo_finding *f = &l->v[i];
        const struct istio_meta *meta = tr_model_meta(b->m, f->kind, f->ns, f->name);
        if (meta != NULL)
            tr_finding(b, meta, "%s", f->message);
    }
}

void tr_memo_keep_findings(struct tr_build *b, int routes, size_t from)
{
    struct tr_memo *m = b->reuse->memo;
    struct findings_list *l = routes ? &m->route_found : &m->d->found;
    for (size_t i = from; i < b->findings.n; i++) {
        const struct tr_finding *f = b->findings.v[i];
        findings_add(l, f->meta, f->message);
    }
}

size_t tr_memo_n_route_findings(const struct tr_memo *m)
{
    return m->route_found.n;
}

static void data_unref(struct memo_data *d)
{
    if (atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (d->base != NULL)
        data_unref(d->base);
    for (size_t i = 0; i < d->n_svcs; i++)
        free(d->svcs[i].host);
    for (size_t i = 0; i < d->n_refs; i++) {
        free(d->refs_to[i].name);
        free(d->refs_to[i].from);
    }
    free(d->svcs);
    free(d->res);
    free(d->refs_to);
    findings_free(&d->found);
    free(d);
}

void tr_memo_free(struct tr_memo *m)
{
    if (m == NULL)
        return;
    data_unref(m->d);
    tr_pieces_free(m->pieces);
    free(m->used_vs.v);
    for (size_t i = 0; i < m->n_orders; i++) {
        free(m->orders[i].name);
        free(m->orders[i].order);
    }
    free(m->orders);
    for (size_t i = 0; i < m->n_rcs; i++)
        tr_rc_patch_unref(m->rcs[i]);
    free(m->rcs);
    for (size_t i = 0; i < m->n_lookups; i++)
        free((char *)m->lookups[i].host);
    free(m->lookups);
    findings_free(&m->route_found);
    free(m);
}

int tr_memo_svc_cmp(const void *pa, const void *pb)
{
    return strcmp(((const struct memo_svc *)pa)->host, ((const struct memo_svc *)pb)->host);
}

static int rc_cmp(const void *a, const void *b)
{
    return strcmp((*(struct tr_rc_patch *const *)a)->name, (*(struct tr_rc_patch *const *)b)->name);
}

void tr_memo_finish(struct tr_memo *m, const struct xds_view *v)
{
    m->view = v;
    if (m->n_rcs > 1)
        qsort(m->rcs, m->n_rcs, sizeof(*m->rcs), rc_cmp);
    /* shared records were sorted by the build that made them */
    if (atomic_load(&m->d->refs) == 1 && m->d->n_svcs > 1)
        qsort(m->d->svcs, m->d->n_svcs, sizeof(*m->d->svcs), tr_memo_svc_cmp);
}

/* The record of host in d or its base, and (in) the records it is in:
 * its resources and references are in->res and in->refs_to. */
const struct memo_svc *tr_memo_data_find(const struct memo_data *d, const char *host,
                                         const struct memo_data **in)
{
    struct memo_svc key = {.host = (char *)host};
    for (; d != NULL; d = d->base) {
        const struct memo_svc *s =
            sorted_find(&key, d->svcs, d->n_svcs, sizeof(key), tr_memo_svc_cmp);
        if (s != NULL && s->gone)
            return NULL;
        if (s != NULL) {
            if (in)
                *in = d;
            return s;
        }
    }
    return NULL;
}

/* Resources decoded from equal documents are equal (config.h). */
static int same_resource(const struct istio_meta *a, const struct istio_meta *b)
{
    return a->content_hash == b->content_hash;
}

static uint64_t dr_hash(const struct destination_rule *dr)
{
    /* 0 stands for "none"; a real hash of 0 only costs a rebuild */
    return dr ? dr->meta.content_hash : 0;
}

void tr_memo_record_service(struct tr_build *b, const struct tr_svc *svc,
                            const struct destination_rule *dr, const struct tr_mark *mark)
{
    struct memo_data *d = b->reuse->memo->d;
    xgrow((void **)&d->svcs, &d->cap_svcs, d->n_svcs + 1, sizeof(*d->svcs));
    struct memo_svc *s = &d->svcs[d->n_svcs++];
    d->n_total++;
    d->n_found += b->findings.n > mark->n_findings;
    *s = (struct memo_svc){xstrdup(svc->host),
                           svc->se->meta.content_hash,
                           dr_hash(dr),
                           d->n_res,
                           0,
                           d->n_refs,
                           0,
                           b->findings.n > mark->n_findings,
                           0};
    for (int t = 0; t < XDS_NTYPES; t++) {
        const struct xds_resource *items = xds_view_items(b->view, (enum xds_type)t);
        size_t n = xds_view_count(b->view, (enum xds_type)t);
        for (size_t i = mark->n[t]; i < n; i++) {
            const struct xds_resource *r = &items[i];
            xgrow((void **)&d->res, &d->cap_res, d->n_res + 1, sizeof(*d->res));
            d->res[d->n_res++] =
                (struct memo_res){(enum xds_type)t, r->name, r->bytes, r->len, r->hash};
            s->n_res++;
        }
    }
    for (size_t i = mark->n_refs; i < b->refs.n; i++) {
        const struct tr_ref *r = b->refs.v[i];
        xgrow((void **)&d->refs_to, &d->cap_refs, d->n_refs + 1, sizeof(*d->refs_to));
        d->refs_to[d->n_refs++] = (struct memo_ref){r->type, xstrdup(r->name), xstrdup(r->from)};
        s->n_ref++;
    }
}

/* Two arrays of one kind of resource (each element starts with its struct
 * istio_meta; size is the element's size) hold equal resources. */
static int same_kind(const void *a, size_t na, const void *b, size_t nb, size_t size)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (!same_resource((const struct istio_meta *)((const char *)a + i * size),
                           (const struct istio_meta *)((const char *)b + i * size)))
            return 0;
    return 1;
}

#define SAME_KIND(a, na, b, nb) same_kind(a, na, b, nb, sizeof(*(a)))
_Static_assert(offsetof(struct service_entry, meta) == 0, "meta first");
_Static_assert(offsetof(struct destination_rule, meta) == 0, "meta first");
_Static_assert(offsetof(struct gateway, meta) == 0, "meta first");
_Static_assert(offsetof(struct sidecar, meta) == 0, "meta first");
_Static_assert(offsetof(struct workload_entry, meta) == 0, "meta first");

int tr_model_same_scopes(const struct translate_model *a, const struct translate_model *b)
{
    return SAME_KIND(a->sidecars, a->n_sidecars, b->sidecars, b->n_sidecars) &&
           SAME_KIND(a->workload_entries, a->n_workload_entries, b->workload_entries,
                     b->n_workload_entries);
}

/* The same ServiceEntries and DestinationRules, Sidecars (which services a
 * sidecar sees) and WorkloadEntries (endpoints): all that Clusters and
 * Endpoints read besides the class and the options (the caller compared
 * those). */
static int same_cluster_inputs(const struct translate_model *a, const struct translate_model *b)
{
    return tr_model_same_scopes(a, b) &&
           SAME_KIND(a->service_entries, a->n_service_entries, b->service_entries,
                     b->n_service_entries) &&
           SAME_KIND(a->destination_rules, a->n_destination_rules, b->destination_rules,
                     b->n_destination_rules);
}

uint64_t tr_vs_shape(const struct virtual_service *vs)
{
    uint64_t h = tr_key_str(tr_key_str(HASH_SEED, vs->meta.namespace), vs->meta.name);
    h = tr_key_u64(h, vs->n_hosts);
    for (size_t i = 0; i < vs->n_hosts; i++)
        h = tr_key_str(h, vs->hosts[i]);
    h = tr_key_u64(h, vs->n_gateways);
    for (size_t i = 0; i < vs->n_gateways; i++)
        h = tr_key_str(h, vs->gateways[i]);
    h = tr_key_u64(h, vs->n_export_to);
    for (size_t i = 0; i < vs->n_export_to; i++)
        h = tr_key_str(h, vs->export_to[i]);
    return h;
}

/* Every VirtualService is unchanged, or changed only in what it routes and
 * was not read by the previous build. */
static int vs_unread_or_same(const struct tr_memo *prev, const struct tr_memo *m)
{
    if (prev->model.n_virtual_services != m->model.n_virtual_services)
        return 0;
    for (size_t i = 0; i < m->model.n_virtual_services; i++) {
        const struct virtual_service *a = &prev->model.virtual_services[i],
                                     *b = &m->model.virtual_services[i];
        if (same_resource(&a->meta, &b->meta))
            continue;
        if (hset_has(&prev->used_vs, a->meta.content_hash) || tr_vs_shape(a) != tr_vs_shape(b))
            return 0;
    }
    return 1;
}

static void inherit_clusters(struct tr_build *b)
{
    struct tr_memo *m = b->reuse->memo;
    const struct tr_memo *prev = b->reuse->prev;
    xds_view_share(b->view, XDS_CLUSTER, prev->view);
    xds_view_share(b->view, XDS_ENDPOINT, prev->view);
    atomic_fetch_add_explicit(&prev->d->refs, 1, memory_order_relaxed);
    data_unref(m->d);
    m->d = prev->d;
    m->n_reused = prev->d->n_total;
    findings_again(b, &m->d->found);
}

/* The same ServiceEntries, DestinationRules and, for a router, Gateways as
 * the previous build of the class, which exists: all it reads besides
 * VirtualServices (only a router reads Gateways, model.c: so an edit of a
 * Gateway leaves sidecars and proxyless clients their views). */
static int same_but_vs(const struct tr_memo *prev, struct tr_memo *m,
                       const struct proxy_identity *id)
{
    if (m->same_but_vs == 0) {
        int same = prev != NULL && prev->view != NULL;
        if (same && id->type == PROXY_ROUTER)
            same = tr_model_same_but_vs(&prev->model, &m->model);
        else if (same)
            same = same_cluster_inputs(&prev->model, &m->model);
        m->same_but_vs = same ? 1 : -1;
    }
    return m->same_but_vs > 0;
}

/* What a build that keeps the previous one's Listeners or Routes takes
 * along: its pieces, route configuration orders, lookups and the
 * VirtualServices it read. */
static void inherit_reuse(struct tr_build *b)
{
    struct tr_memo *m = b->reuse->memo;
    const struct tr_memo *prev = b->reuse->prev;
    tr_pieces_inherit(m->pieces, prev->pieces);
    for (size_t i = 0; i < prev->n_orders; i++) {
        const struct rc_order *o = &prev->orders[i];
        tr_memo_rc_record(b, o->name, o->layout, o->n, o->order);
    }
    for (size_t i = 0; i < prev->n_lookups; i++)
        tr_memo_add_lookup(m, &prev->lookups[i]);
    if (m->used_vs.n == 0 && prev->used_vs.cap > 0) {
        /* the same table: copied whole, not rehashed */
        m->used_vs = prev->used_vs;
        m->used_vs.v = xmalloc(prev->used_vs.cap * sizeof(*prev->used_vs.v));
        memcpy(m->used_vs.v, prev->used_vs.v, prev->used_vs.cap * sizeof(*prev->used_vs.v));
        return;
    }
    for (size_t i = 0; i < prev->used_vs.cap; i++)
        if (prev->used_vs.v[i])
            hset_add(&m->used_vs, prev->used_vs.v[i]);
}

/* ... and its Clusters and Endpoints too. */
static void inherit_records(struct tr_build *b)
{
    inherit_clusters(b);
    inherit_reuse(b);
}

/* The previous view's Listeners and Routes, with what was recorded of them. */
void tr_memo_take_routes(struct tr_build *b)
{
    const struct tr_memo *prev = b->reuse->prev;
    inherit_reuse(b);
    xds_view_share(b->view, XDS_LISTENER, prev->view);
    xds_view_share(b->view, XDS_ROUTE, prev->view);
    for (size_t i = 0; i < prev->n_rcs; i++) {
        tr_rc_patch_ref(prev->rcs[i]);
        tr_memo_add_rc(b->reuse->memo, prev->rcs[i]);
    }
    size_t from = b->findings.n;
    findings_again(b, &prev->route_found);
    tr_memo_keep_findings(b, 1, from);
}

int tr_memo_share_view(struct tr_build *b)
{
    struct tr_memo *m = b->reuse->memo;
    const struct tr_memo *prev = b->reuse->prev;
    if (m == NULL)
        return 0;
    m->model = *b->m;
    if (!same_but_vs(prev, m, b->id) || !vs_unread_or_same(prev, m))
        return 0;
    inherit_clusters(b);
    tr_memo_take_routes(b);
    return 1;
}

int tr_model_same_but_vs(const struct translate_model *a, const struct translate_model *b)
{
    return same_cluster_inputs(a, b) &&
           SAME_KIND(a->gateways, a->n_gateways, b->gateways, b->n_gateways);
}

void tr_memo_hint_same_inputs(struct tr_memo *m, const struct tr_memo *prev,
                              const struct translate_model *compared, int same)
{
    /* not the same: perhaps only in Gateways, which only routers read */
    if (same && prev != NULL && prev->view != NULL &&
        memcmp(&prev->model, compared, sizeof(*compared)) == 0)
        m->same_but_vs = 1;
}

void tr_memo_hint_diff(struct tr_memo *m, const struct tr_model_diff *d)
{
    m->diff = d;
}

const struct tr_model_diff *tr_memo_diff(const struct tr_memo *m)
{
    return m->diff;
}

/* The record of host in d, which the build recording it has not sorted yet. */
static const struct memo_svc *record_of(const struct memo_data *d, const char *host)
{
    for (size_t i = 0; i < d->n_svcs; i++)
        if (strcmp(d->svcs[i].host, host) == 0)
            return &d->svcs[i];
    return NULL;
}

/* The build made the same resources (types and names) for se's hosts as
 * the previous build did. */
static int same_resources_of(struct tr_build *b, const struct tr_memo *prev,
                             const struct service_entry *se)
{
    for (size_t h = 0; h < se->n_hosts; h++) {
        const char *host = host_fqdn(b->a, se->hosts[h], se->meta.namespace);
        const struct memo_data *in = NULL;
        const struct memo_svc *a = memo_find(prev, host, &in),
                              *c = record_of(b->reuse->memo->d, host);
        if (a == NULL || c == NULL) {
            if (a != c)
                return 0;
            continue;
        }
        if (a->n_res != c->n_res)
            return 0;
        for (size_t i = 0; i < a->n_res; i++) {
            const struct memo_res *x = &in->res[a->first_res + i],
                                  *y = &b->reuse->memo->d->res[c->first_res + i];
            if (x->type != y->type || strcmp(x->name, y->name) != 0)
                return 0;
        }
    }
    return 1;
}

/* Only endpoints of ServiceEntries changed, not the router's own service's:
 * what Listeners and Routes read of ServiceEntries (hosts, ports,
 * addresses) is the same, and so is which Clusters exist (a DNS cluster or
 * subset with no endpoint is left out, so that is checked). */
static int only_endpoints_changed(struct tr_build *b, const struct tr_memo *prev)
{
    const struct translate_model *p = &prev->model, *m = b->m;
    if (!tr_model_same_scopes(p, m) ||
        !SAME_KIND(p->virtual_services, p->n_virtual_services, m->virtual_services,
                   m->n_virtual_services) ||
        !SAME_KIND(p->destination_rules, p->n_destination_rules, m->destination_rules,
                   m->n_destination_rules) ||
        !SAME_KIND(p->gateways, p->n_gateways, m->gateways, m->n_gateways) ||
        p->n_service_entries != m->n_service_entries)
        return 0;
    for (size_t i = 0; i < m->n_service_entries; i++) {
        const struct service_entry *a = &p->service_entries[i], *c = &m->service_entries[i];
        if (same_resource(&a->meta, &c->meta))
            continue;
        if (a->hash_apart_endpoints != c->hash_apart_endpoints || c == b->own_se ||
            !same_resources_of(b, prev, c))
            return 0;
    }
    return 1;
}

int tr_memo_share_routes(struct tr_build *b)
{
    struct tr_memo *m = b->reuse->memo;
    const struct tr_memo *prev = b->reuse->prev;
    if (m == NULL || prev == NULL || prev->view == NULL || !only_endpoints_changed(b, prev))
        return 0;
    tr_memo_take_routes(b);
    return 1;
}

const struct translate_model *tr_memo_prev_model(const struct tr_build *b)
{
    const struct tr_memo *prev = b->reuse->prev;
    return b->reuse->memo != NULL && same_but_vs(prev, b->reuse->memo, b->id) ? &prev->model : NULL;
}

int tr_memo_read_vs(const struct tr_memo *m, const struct virtual_service *vs)
{
    return hset_has(&m->used_vs, vs->meta.content_hash);
}

void tr_memo_patch_begin(struct tr_build *b)
{
    inherit_records(b);
    xds_view_share(b->view, XDS_LISTENER, b->reuse->prev->view);
}

void tr_memo_add_rc(struct tr_memo *m, struct tr_rc_patch *p)
{
    xgrow((void **)&m->rcs, &m->cap_rcs, m->n_rcs + 1, sizeof(*m->rcs));
    m->rcs[m->n_rcs++] = p;
}

/* Records are sorted by name once the memo is finished (a proxyless
 * client's class has one per service port). */
static int rc_name_cmp(const void *name, const void *elem)
{
    return strcmp(name, (*(struct tr_rc_patch *const *)elem)->name);
}

struct tr_rc_patch *tr_memo_rc_patch(const struct tr_memo *m, const char *name)
{
    struct tr_rc_patch *const *p =
        sorted_find(name, m->rcs, m->n_rcs, sizeof(*m->rcs), rc_name_cmp);
    return p != NULL ? *p : NULL;
}

struct tr_rc_patch *const *tr_memo_rcs(const struct tr_memo *m, size_t *n)
{
    *n = m->n_rcs;
    return m->rcs;
}

void tr_memo_add_lookup(struct tr_memo *m, const struct tr_lookup *l)
{
    if (m->n_lookups >= MAX_LOOKUPS)
        return;
    xgrow((void **)&m->lookups, &m->cap_lookups, m->n_lookups + 1, sizeof(*m->lookups));
    m->lookups[m->n_lookups++] = (struct tr_lookup){xstrdup(l->host), l->is_dr, l->index};
}

void tr_memo_forget_lookups(struct tr_memo *m, const struct tr_host_change *hc)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n_lookups; i++) {
        if (!m->lookups[i].is_dr && tr_host_change_names(hc, m->lookups[i].host)) {
            free((char *)m->lookups[i].host);
            continue;
        }
        m->lookups[k++] = m->lookups[i];
    }
    m->n_lookups = k;
}

const struct tr_lookup *tr_memo_lookups(const struct tr_memo *m, size_t *n)
{
    *n = m->n_lookups;
    return m->lookups;
}

const struct xds_view *tr_memo_view(const struct tr_memo *m)
{
    return m->view;
}

int tr_memo_share_clusters(struct tr_build *b)
{
    struct tr_memo *m = b->reuse->memo;
    const struct tr_memo *prev = b->reuse->prev;
    if (m == NULL)
        return 0;
    if (prev == NULL || prev->view == NULL || !same_cluster_inputs(&prev->model, &m->model))
        return 0;
    inherit_clusters(b);
    return 1;
}

void tr_memo_rc_record(struct tr_build *b, const char *name, uint64_t layout, size_t n,
                       const uint32_t *order)
{
    struct tr_memo *m = b->reuse->memo;
    if (m == NULL || n < TR_RC_ORDER_MIN)
        return;
    xgrow((void **)&m->orders, &m->cap_orders, m->n_orders + 1, sizeof(*m->orders));
    struct rc_order *o = &m->orders[m->n_orders++];
    o->name = xstrdup(name);
    o->layout = layout;
    o->n = n;
    o->order = xmalloc(n * sizeof(*o->order));
    memcpy(o->order, order, n * sizeof(*o->order));
}

const uint32_t *tr_memo_rc_order(struct tr_build *b, const char *name, uint64_t layout, size_t n)
{
    const struct tr_memo *prev = b->reuse->prev;
    if (prev == NULL || b->reuse->memo == NULL || n < TR_RC_ORDER_MIN)
        return NULL;
    for (size_t i = 0; i < prev->n_orders; i++) {
        const struct rc_order *o = &prev->orders[i];
        if (o->layout == layout && o->n == n && strcmp(o->name, name) == 0) {
            tr_memo_rc_record(b, name, layout, n, o->order);
            return o->order;
        }
    }
    return NULL;
}

void tr_memo_used_vs(struct tr_memo *m, const struct virtual_service *vs)
{
    if (m != NULL && vs != NULL)
        hset_add(&m->used_vs, vs->meta.content_hash);
}

int tr_memo_replay(struct tr_build *b, const struct tr_svc *svc, const struct destination_rule *dr)
{
    const struct tr_memo *prev = b->reuse->prev;
    const struct memo_data *in = NULL;
    const struct memo_svc *s = prev ? memo_find(prev, svc->host, &in) : NULL;
    /* a service's records hold endpoints of WorkloadEntries too, which its
     * ServiceEntry's hash does not tell */
    if (s != NULL && prev->model.n_workload_entries + b->m->n_workload_entries > 0 &&
        !SAME_KIND(prev->model.workload_entries, prev->model.n_workload_entries,
                   b->m->workload_entries, b->m->n_workload_entries))
        return 0;
    if (s == NULL || s->found || s->se_hash != svc->se->meta.content_hash ||
        s->dr_hash != dr_hash(dr))
        return 0;
    for (size_t i = 0; i < s->n_res; i++) {
        const struct memo_res *r = &in->res[s->first_res + i];
        uint8_t *copy = xmalloc(r->len ? r->len : 1);
        memcpy(copy, r->bytes, r->len);
        tr_emit_packed(b, r->type, r->name, copy, r->len, r->hash);
    }
    for (size_t i = 0; i < s->n_ref; i++) {
        const struct memo_ref *r = &in->refs_to[s->first_ref + i];
        tr_ref(b, r->type, arena_strdup(b->a, r->name), arena_strdup(b->a, r->from));
    }
    b->reuse->memo->n_reused++;
    return 1;
}

struct tr_pieces *tr_memo_pieces(const struct tr_memo *m)
{
    return m->pieces;
}

size_t tr_memo_reused(const struct tr_memo *m)
{
    return m->n_reused;
}

/* ---- a patch of a router's route configurations (patch_gateway.c) ----------------------- */

int tr_model_same_but_gateways(const struct translate_model *a, const struct translate_model *b)
{
    return same_cluster_inputs(a, b) && SAME_KIND(a->virtual_services, a->n_virtual_services,
                                                  b->virtual_services, b->n_virtual_services);
}
