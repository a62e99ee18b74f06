/* patch.c - an edit of VirtualServices' routes, applied to the previous view
 * of a class instead of building it again.
 *
 * A sidecar's or gateway's route configuration holds a virtual host per
 * service (a proxyless gRPC client has a route configuration per service
 * port): at 10,000 services, building them walks every service even when
 * every virtual host but one is reused. When only what VirtualServices route
 * changed (their hosts, gateways, exportTo, tls and tcp rules as before; the
 * same ServiceEntries, DestinationRules and Gateways), nothing but virtual
 * hosts can change: Clusters, Endpoints and Listeners read none of it. Each
 * route configuration remembers, for each of its virtual hosts, the recipe
 * that made it (which service or host, which VirtualServices, by position in
 * the model) and where its field lies in the packed bytes. A patch rebuilds
 * the virtual hosts whose recipe reads a changed VirtualService with the
 * makers a build hands it (struct tr_steps), and copies everything else
 * from the previous bytes (recipes.c records them).
 *
 * It gives up, and the class is built, whenever the result could differ from
 * a build: a recipe that made no virtual host reads a changed VirtualService
 * (it might make one now), a rebuilt recipe makes none, or the previous
 * route configuration trimmed a duplicate domain. The unit tests and the
 * fuzz_memo driver compare patched views with built ones. */
#include "parts.h"

#include <stdlib.h>

/* ---- what changed ------------------------------------------------------------------- */

static int same_header_ops(const struct header_ops *a, const struct header_ops *b)
{
    return tr_same_labels(&a->set, &b->set) && tr_same_labels(&a->add, &b->add) &&
           tr_same_strv(a->remove, a->n_remove, b->remove, b->n_remove);
}

static int same_destination(const struct route_destination *a, const struct route_destination *b)
{
    return tr_same_str(a->destination.host, b->destination.host) &&
           tr_same_str(a->destination.subset, b->destination.subset) &&
           a->destination.port == b->destination.port && a->weight == b->weight &&
           same_header_ops(&a->headers.request, &b->headers.request) &&
           same_header_ops(&a->headers.response, &b->headers.response);
}

static int same_l4_match(const struct l4_match *a, const struct l4_match *b)
{
    return tr_same_strv(a->sni_hosts, a->n_sni_hosts, b->sni_hosts, b->n_sni_hosts) &&
           tr_same_strv(a->destination_subnets, a->n_destination_subnets, b->destination_subnets,
                     b->n_destination_subnets) &&
           a->port == b->port &&
           tr_same_strv(a->gateways, a->n_gateways, b->gateways, b->n_gateways) &&
           tr_same_labels(&a->source_labels, &b->source_labels) &&
           tr_same_str(a->source_namespace, b->source_namespace);
}

static int same_l4(const struct l4_route *a, size_t na, const struct l4_route *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++) {
        if (a[i].n_match != b[i].n_match || a[i].n_route != b[i].n_route)
            return 0;
        for (size_t k = 0; k < a[i].n_match; k++)
            if (!same_l4_match(&a[i].match[k], &b[i].match[k]))
                return 0;
        for (size_t k = 0; k < a[i].n_route; k++)
            if (!same_destination(&a[i].route[k], &b[i].route[k]))
                return 0;
    }
    return 1;
}

/* Which VirtualServices changed (changed[i]), when each changed only in its
 * http routes; 0 when some other change makes the view a build's work. */
static int vs_changes(const struct translate_model *pm, const struct translate_model *m,
                      unsigned char *changed)
{
    if (pm->n_virtual_services != m->n_virtual_services)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < m->n_virtual_services; i++) {
        const struct virtual_service *a = &pm->virtual_services[i], *c = &m->virtual_services[i];
        changed[i] = a->meta.content_hash != c->meta.content_hash;
        if (!changed[i])
            continue;
        if (tr_vs_shape(a) != tr_vs_shape(c) || !same_l4(a->tls, a->n_tls, c->tls, c->n_tls) ||
            !same_l4(a->tcp, a->n_tcp, c->tcp, c->n_tcp))
            return 0;
        n++;
    }
    return n > 0;
}

static int reads_changed(const struct tr_recipe *r, const unsigned char *changed)
{
    for (size_t k = 0; r != NULL && k < r->n_vs; k++)
        if (changed[r->vs[k]])
            return 1;
    return 0;
}

/* ---- the patch ---------------------------------------------------------------------- */

/* One route configuration of the previous view, and what replaces it. */
struct rc_job {
    const struct xds_resource *old;
    struct tr_rc_patch *rec;
    int affected;
    uint8_t *bytes; /* the patched bytes (affected only) */
    size_t len;
    struct tr_rc_patch *new_rec;
};

/* The route configuration with the virtual hosts that read a changed
 * VirtualService made again; -1 when one makes none now. */
static int splice(struct tr_build *s, const struct tr_steps *steps, struct rc_job *j,
                  const unsigned char *changed)
{
    const struct tr_rc_patch *p = j->rec;
    struct tr_rc_patch *q = tr_rc_patch_copy(p);
    struct {
        const uint8_t *bytes;
        size_t len;
        uint8_t *owned;
    } *nv = arena_alloc(s->a, (p->n + 1) * sizeof(*nv));
    size_t total = j->old->len;
    for (size_t i = 0; i < p->n; i++) {
        if (!reads_changed(p->r[i], changed))
            continue;
        VirtualHost *v = steps->vhost[p->r[i]->kind](s, p->r[i]);
        if (v == NULL) {
            while (i-- > 0)
                free(nv[i].owned);
            tr_rc_patch_unref(q);
            return -1;
        }
        nv[i].bytes = tr_seam_vhost_bytes(s, v, v->n_domains, &nv[i].len, &nv[i].owned);
        q->vh_hash[i] = hash_block(HASH_SEED, nv[i].bytes, nv[i].len);
        total += 1 + 10 + nv[i].len;
    }
    uint8_t *out = xds_bytes_new(total), *w = out;
    const uint8_t *in = j->old->bytes;
    size_t from = 0; /* the old bytes are copied up to here */
    long shift = 0;  /* how far the fields after w moved */
    for (size_t i = 0; i < p->n; i++) {
        q->off[i] = (size_t)((long)p->off[i] + shift);
        if (nv[i].bytes == NULL)
            continue;
        memcpy(w, in + from, p->off[i] - from);
        w += p->off[i] - from;
        from = p->off[i + 1];
        size_t field = tr_put_vhost_field(w, nv[i].bytes, nv[i].len);
        w += field;
        shift += (long)field - (long)(p->off[i + 1] - p->off[i]);
        free(nv[i].owned);
    }
    q->off[p->n] = (size_t)((long)p->off[p->n] + shift);
    memcpy(w, in + from, j->old->len - from);
    w += j->old->len - from;
    j->bytes = out;
    j->len = (size_t)(w - out);
    j->new_rec = q;
    return 0;
}

static void drop_jobs(struct rc_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].bytes != NULL)
            xds_bytes_unref(jobs[i].bytes);
        if (jobs[i].new_rec != NULL)
            tr_rc_patch_unref(jobs[i].new_rec);
    }
}

/* The jobs for every route configuration of the previous view; 0 when one
 * cannot be patched. */
static int plan(struct tr_build *b, const struct xds_view *pv, const unsigned char *changed,
                struct rc_job *jobs, size_t n)
{
    const struct xds_resource *items = xds_view_items(pv, XDS_ROUTE);
    for (size_t i = 0; i < n; i++) {
        struct rc_job *j = &jobs[i];
        j->old = &items[i];
        j->rec = tr_memo_rc_patch(b->reuse->prev, items[i].name);
        if (j->rec == NULL)
            return 0;
        for (size_t k = 0; k < j->rec->n_blocking; k++)
            if (changed[j->rec->blocking[k]])
                return 0;
        for (size_t k = 0; k < j->rec->n && !j->affected; k++)
            j->affected = reads_changed(j->rec->r[k], changed);
        if (j->affected && j->rec->trimmed)
            return 0;
    }
    return 1;
}

/* Rebuild what the changed VirtualServices make, in a build of its own that
 * reads the previous view's Clusters (the same ones) and records nothing but
 * what it looked up (*found, struct tr_lookup) besides what the previous
 * patches did. */
static int rebuild_all(struct tr_build *b, const struct tr_steps *steps, const struct xds_view *pv,
                       const unsigned char *changed, struct rc_job *jobs, size_t n,
                       struct pvec *found)
{
    struct tr_build s = {.a = b->a, .m = b->m, .o = b->o, .id = b->id};
    tr_build_init_maps(&s);
    s.view = (struct xds_view *)pv; /* read only: tr_cluster_exists() */
    s.shared[XDS_CLUSTER] = 1;
    s.router = b->id->type == PROXY_ROUTER;
    s.grpc = b->id->proxyless_grpc;
    s.lazy = 1; /* a few lookups, not an index of every service */
    size_t n_known;
    const struct tr_lookup *known = tr_memo_lookups(b->reuse->prev, &n_known);
    for (size_t i = 0; i < n_known; i++)
        tr_lazy_known(&s, &known[i]);
    for (size_t i = 0; i < n; i++) {
        if (!jobs[i].affected)
            continue;
        s.from = arena_printf(s.a, "route configuration '%s'", jobs[i].old->name);
        if (splice(&s, steps, &jobs[i], changed) != 0)
            return 0;
    }
    int ok = tr_check(&s) == 0 && s.findings.n == 0;
    free(s.err);
    *found = s.lookups;
    return ok;
}

int tr_patch_view(struct tr_build *b, const struct tr_steps *steps)
{
    const struct translate_model *pm = tr_memo_prev_model(b);
    /* a patch keeps no findings: what made some is built (and finds them) */
    if (pm == NULL || tr_memo_n_route_findings(b->reuse->prev) > 0)
        return 0;
    unsigned char *changed = arena_alloc(b->a, b->m->n_virtual_services + 1);
    if (!vs_changes(pm, b->m, changed))
        return 0;
    const struct tr_reuse *u = b->reuse;
    const struct xds_view *pv = tr_memo_view(u->prev);
    size_t n = xds_view_count(pv, XDS_ROUTE);
    struct rc_job *jobs = arena_alloc(b->a, (n + 1) * sizeof(*jobs));
    struct pvec found = {0};
    if (!plan(b, pv, changed, jobs, n) || !rebuild_all(b, steps, pv, changed, jobs, n, &found)) {
        drop_jobs(jobs, n);
        return 0;
    }
    tr_memo_patch_begin(b);
    for (size_t i = 0; i < found.n; i++)
        tr_memo_add_lookup(u->memo, found.v[i]);
    b->shared[XDS_CLUSTER] = b->shared[XDS_ENDPOINT] = b->shared[XDS_LISTENER] = 1;
    for (size_t i = 0; i < n; i++) {
        struct rc_job *j = &jobs[i];
        if (!j->affected) {
            tr_emit_again(b, XDS_ROUTE, j->old);
            tr_rc_patch_ref(j->rec);
            tr_memo_add_rc(u->memo, j->rec);
            continue;
        }
        const struct tr_rc_patch *q = j->new_rec;
        tr_emit_counted(b, XDS_ROUTE, j->old->name, j->bytes, j->len,
                        tr_rc_hash(j->bytes, j->len, q->off, q->vh_hash, q->n));
        tr_memo_add_rc(u->memo, j->new_rec);
    }
    /* the new contents of what the previous build read are read now */
    for (size_t i = 0; i < b->m->n_virtual_services; i++)
        if (changed[i] && tr_memo_read_vs(u->prev, &pm->virtual_services[i]))
            tr_memo_used_vs(u->memo, &b->m->virtual_services[i]);
    return 1;
}
