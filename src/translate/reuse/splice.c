/* splice.c - a cluster patch's records (patch_clusters.c): the previous
 * view's Clusters and Endpoints with the services made again put in place
 * (snapshot.c's xds_view_patch), and their records laid over those of the
 * build the lists share their storage with, or all made again when a list
 * was copied (memo.c keeps the rest of a build's records). */
#include "memo_int.h"

#include <assert.h>
#include <stdlib.h>

const struct translate_model *tr_memo_model(const struct tr_memo *m)
{
    return &m->model;
}

int tr_memo_no_findings(const struct tr_memo *m)
{
    return m->d->found.n == 0 && m->route_found.n == 0 && m->d->n_found == 0;
}

int tr_memo_has_service(const struct tr_memo *m, const char *host)
{
    return memo_find(m, host, NULL) != NULL;
}

/* Does made name a resource of type t called name? */
static int made_names(const struct tr_made *made, enum xds_type t, const char *name)
{
    for (size_t i = 0; i < made->n_res; i++)
        if (made->type[i] == t && strcmp(made->res[i]->name, name) == 0)
            return 1;
    return 0;
}

/* The names prev recorded for made's host that made has no more (drop,
 * by type) and, with those it adds, whether may_change allows each (0
 * when one is not). A service new to the patch adds all its names, a gone
 * one drops all. */
static int names_changed(const struct tr_memo *prev, const struct xds_view *pv,
                         const struct tr_made *made, tr_name_pred *may_change, void *ctx,
                         const char **drop[XDS_NTYPES], size_t n_drop[XDS_NTYPES])
{
    const struct memo_data *in = NULL;
    const struct memo_svc *s = memo_find(prev, made->host, &in);
    if (s == NULL && made->gone)
        return 1; /* neither had it */
    for (size_t i = 0; s != NULL && i < s->n_res; i++) {
        const struct memo_res *r = &in->res[s->first_res + i];
        if (made_names(made, r->type, r->name))
            continue;
        if (drop[r->type] == NULL || !may_change(ctx, r->type, r->name))
            return 0;
        drop[r->type][n_drop[r->type]++] = r->name;
    }
    for (size_t i = 0; i < made->n_res; i++)
        if (xds_view_find(pv, made->type[i], made->res[i]->name) == NULL &&
            !may_change(ctx, made->type[i], made->res[i]->name))
            return 0;
    return 1;
}

/* What was made again for host, or NULL. */
static const struct tr_made *made_of(const struct tr_made *made, size_t n, const char *host)
{
    for (size_t j = 0; j < n; j++)
        if (strcmp(made[j].host, host) == 0)
            return &made[j];
    return NULL;
}

/* Where the patched view holds a resource a record of the previous build
 * names. */
typedef const struct xds_resource *where_fn(const void *ctx, const struct memo_res *pr);

/* By name: for the few records of a patch. */
static const struct xds_resource *where_by_name(const void *view, const struct memo_res *pr)
{
    return xds_view_find(view, pr->type, pr->name);
}

/* Record in d a service of the patched view (v): s's hashes and references
 * (or mk's, for a service made again), its resources where they are now. */
static void record_again(struct memo_data *d, const struct xds_view *v, const struct memo_svc *s,
                         const struct memo_data *in, const struct tr_made *mk, where_fn *where,
                         const void *ctx)
{
    if (mk != NULL && mk->gone) { /* the base's record no longer holds */
        xgrow((void **)&d->svcs, &d->cap_svcs, d->n_svcs + 1, sizeof(*d->svcs));
        d->svcs[d->n_svcs++] = (struct memo_svc){.host = xstrdup(mk->host), .gone = 1};
        return;
    }
    /* a service new to the patch: what it made is all there is */
    struct memo_svc fresh = {.host = mk ? (char *)mk->host : NULL};
    if (s == NULL)
        s = &fresh;
    xgrow((void **)&d->svcs, &d->cap_svcs, d->n_svcs + 1, sizeof(*d->svcs));
    size_t n_res = mk ? mk->n_res : s->n_res;
    struct memo_svc *r = &d->svcs[d->n_svcs++];
    *r = (struct memo_svc){xstrdup(s->host), mk ? mk->se_hash : s->se_hash,
                           mk ? mk->dr_hash : s->dr_hash, d->n_res, n_res, d->n_refs,
                           mk ? mk->n_refs : s->n_ref, 0, 0};
    xgrow((void **)&d->res, &d->cap_res, d->n_res + n_res, sizeof(*d->res));
    for (size_t k = 0; k < n_res; k++) {
        /* what was made again is where its name says in the patched view */
        struct memo_res mr = mk != NULL ? (struct memo_res){.type = mk->type[k],
                                                            .name = mk->res[k]->name}
                                        : in->res[s->first_res + k];
        const struct xds_resource *x = mk != NULL ? where_by_name(v, &mr) : where(ctx, &mr);
        assert(x != NULL && (mr.type == XDS_CLUSTER || mr.type == XDS_ENDPOINT));
        d->res[d->n_res++] = (struct memo_res){mr.type, x->name, x->bytes, x->len, x->hash};
    }
    xgrow((void **)&d->refs_to, &d->cap_refs, d->n_refs + r->n_ref, sizeof(*d->refs_to));
    for (size_t k = 0; k < r->n_ref; k++) {
        struct memo_ref ref = mk ? (struct memo_ref){mk->refs[k]->type, (char *)mk->refs[k]->name,
                                                     (char *)mk->refs[k]->from}
                                 : in->refs_to[s->first_ref + k];
        d->refs_to[d->n_refs++] =
            (struct memo_ref){ref.type, xstrdup(ref.name), xstrdup(ref.from)};
    }
}

/* The records of a patch whose lists share prev's names and bytes: the
 * services made again and those of prev's own patch records, over prev's
 * base. */
static void record_overlay(struct memo_data *d, const struct memo_data *pd,
                           const struct xds_view *v, const struct tr_made *made, size_t n)
{
    const struct memo_data *base = pd->base != NULL ? pd->base : pd;
    atomic_fetch_add_explicit(&((struct memo_data *)base)->refs, 1, memory_order_relaxed);
    d->base = (struct memo_data *)base;
    if (pd->base != NULL)
        for (size_t i = 0; i < pd->n_svcs; i++) {
            const struct memo_svc *ps = &pd->svcs[i];
            if (made_of(made, n, ps->host) != NULL)
                continue;
            if (ps->gone) /* still gone */
                record_again(d, v, ps, pd, &(struct tr_made){.host = ps->host, .gone = 1},
                             where_by_name, v);
            else
                record_again(d, v, ps, pd, NULL, where_by_name, v);
        }
    for (size_t i = 0; i < n; i++) {
        const struct memo_data *in = NULL;
        const struct memo_svc *s = tr_memo_data_find(pd, made[i].host, &in);
        record_again(d, v, s, in, &made[i], where_by_name, v);
    }
    if (d->n_svcs > 1)
        qsort(d->svcs, d->n_svcs, sizeof(*d->svcs), tr_memo_svc_cmp);
}

/* By position: at maps each of the previous view's resources (by its
 * name's address, which records hold) to its position, the same in the
 * patched lists (now). */
struct where_at {
    struct map at;
    const struct xds_resource *now[XDS_NTYPES];
};

static const struct xds_resource *where_by_position(const void *ctx, const struct memo_res *pr)
{
    const struct where_at *w = ctx;
    uintptr_t pos = (uintptr_t)map_get(&w->at, pr->name);
    return pos > 0 ? &w->now[pr->type][pos - 1] : NULL;
}

/* The records of every service, where the patched view holds them: a
 * patch that copied its lists (reshaped: added or dropped some). */
static void record_flat(struct tr_build *b, struct memo_data *d, const struct tr_memo *prev,
                        const struct tr_made *made, size_t n, int reshaped)
{
    static const enum xds_type types[] = {XDS_CLUSTER, XDS_ENDPOINT};
    struct where_at w = {0};
    map_init_ptr(&w.at, b->a);
    for (size_t k = 0; k < 2; k++) {
        enum xds_type t = types[k];
        const struct xds_resource *items = xds_view_items(prev->view, t);
        for (size_t i = 0; i < xds_view_count(prev->view, t); i++)
            map_put(&w.at, items[i].name, (void *)(uintptr_t)(i + 1));
        w.now[t] = xds_view_items(b->view, t);
    }
    const struct memo_data *pd = prev->d, *flat = pd->base != NULL ? pd->base : pd;
    /* every service of the base, of prev's own records and made again,
     * once; those gone left out */
    struct map seen;
    map_init_str(&seen, b->a);
    const struct memo_data *srcs[2] = {flat, pd->base != NULL ? pd : NULL};
    size_t n_hosts = flat->n_svcs + (srcs[1] ? pd->n_svcs : 0) + n;
    for (size_t i = 0; i < n_hosts; i++) {
        const char *host = i < flat->n_svcs ? flat->svcs[i].host
                           : i < n_hosts - n ? pd->svcs[i - flat->n_svcs].host
                                             : made[i - (n_hosts - n)].host;
        if (!map_add(&seen, host, NULL))
            continue;
        const struct memo_data *in = NULL;
        const struct memo_svc *ps = tr_memo_data_find(pd, host, &in);
        const struct tr_made *mk = made_of(made, n, host);
        if ((mk != NULL && mk->gone) || (ps == NULL && mk == NULL))
            continue;
        /* resources added or dropped move the others: found by name then */
        record_again(d, b->view, ps, in, mk, reshaped ? where_by_name : where_by_position,
                     reshaped ? (const void *)b->view : &w);
    }
    if (d->n_svcs > 1)
        qsort(d->svcs, d->n_svcs, sizeof(*d->svcs), tr_memo_svc_cmp);
}

int tr_memo_splice_services(struct tr_build *b, const struct tr_made *made, size_t n,
                            tr_name_pred *may_change, void *ctx)
{
    struct tr_memo *m = b->reuse->memo;
    const struct tr_memo *prev = b->reuse->prev;
    const struct memo_data *pd = prev->d;
    /* the resources made again, by type, and the names they no longer have */
    static const enum xds_type types[] = {XDS_CLUSTER, XDS_ENDPOINT};
    size_t total = 1, n_had = 0, n_new = 0, n_gone = 0;
    for (size_t i = 0; i < n; i++) {
        const struct memo_svc *s = memo_find(prev, made[i].host, NULL);
        total += made[i].n_res + (s ? s->n_res : 0);
        n_had += s != NULL;
        n_new += s == NULL && !made[i].gone;
        n_gone += s != NULL && made[i].gone;
    }
    const struct xds_resource **put[XDS_NTYPES] = {0};
    const char **drop[XDS_NTYPES] = {0};
    size_t n_put[XDS_NTYPES] = {0}, n_drop[XDS_NTYPES] = {0};
    for (size_t k = 0; k < 2; k++) {
        put[types[k]] = arena_alloc(b->a, total * sizeof(*put[0]));
        drop[types[k]] = arena_alloc(b->a, total * sizeof(*drop[0]));
    }
    for (size_t i = 0; i < n; i++) {
        if (!names_changed(prev, prev->view, &made[i], may_change, ctx, drop, n_drop))
            return 0;
        for (size_t k = 0; k < made[i].n_res; k++) {
            enum xds_type t = made[i].type[k];
            if (put[t] == NULL)
                return 0; /* services make clusters and load assignments only */
            put[t][n_put[t]++] = made[i].res[k];
        }
    }
    /* the names were checked against the previous view: no patch fails
     * but for a name made twice, which a build would refuse too */
    struct xds_view *was = xds_view_new();
    int copied = 0, reshaped = 0;
    for (size_t k = 0; k < 2; k++) {
        enum xds_type t = types[k];
        xds_view_share(was, t, b->view);
        int rc = xds_view_patch(b->view, t, prev->view, put[t], n_put[t], drop[t], n_drop[t]);
        if (rc < 0) {
            for (size_t j = 0; j < k; j++)
                xds_view_share(b->view, types[j], was);
            xds_view_free(was);
            return 0;
        }
        copied |= rc != 0;
        reshaped |= n_drop[t] > 0 || xds_view_count(b->view, t) != xds_view_count(prev->view, t);
    }
    xds_view_free(was);
    struct memo_data *d = m->d;
    assert(d->n_svcs == 0 && d->n_res == 0 && d->n_refs == 0);
    /* the records lie over the base's while the lists share its storage:
     * as many patches as a list takes before it is copied (snapshot.c) */
    if (copied)
        record_flat(b, d, prev, made, n, reshaped);
    else
        record_overlay(d, pd, b->view, made, n);
    d->n_total = pd->n_total + n_new - n_gone;
    m->n_reused = pd->n_total - n_had;
    tr_memo_take_routes(b);
    return 1;
}

void tr_memo_set_rc(struct tr_memo *m, struct tr_rc_patch *p)
{
    for (size_t i = 0; i < m->n_rcs; i++)
        if (strcmp(m->rcs[i]->name, p->name) == 0) {
            tr_rc_patch_unref(m->rcs[i]);
            m->rcs[i] = p;
            return;
        }
    tr_memo_add_rc(m, p);
}

