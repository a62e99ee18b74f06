/* patch_clusters.c - an edit of a ServiceEntry's endpoints or of what a
 * DestinationRule sets for clusters, applied to the previous view of a class
 * instead of building it again.
 *
 * A service's clusters and load assignments read its ServiceEntry, its host
 * and the DestinationRule that applies to it, nothing else (clusters.c). At
 * 10,000 services, a build walks every one of them even when all but one
 * are replayed from the previous build (memo.c). When the only change since
 * the previous build is in the endpoints of a few ServiceEntries, or in a
 * few DestinationRules of exact hosts (traffic policies, TLS, subsets)
 * that hash no route, the services those read are the only ones whose
 * clusters can differ: a patch makes them again (with the maker a build
 * hands it, struct tr_steps) in a build of its own, and puts them in place
 * of the previous ones in the previous lists (memo.c, snapshot.c).
 *
 * Listeners and Routes read of a ServiceEntry what its endpoints leave as
 * they were (its hosts, ports, addresses: hash_apart_endpoints), of a
 * DestinationRule its consistent hashing, and of the Clusters whether the
 * ones they name exist; a router also reads its own service's endpoints. A
 * patch keeps them only when all of these are the same: a cluster the
 * services made again add or lose must be a subset's that no VirtualService
 * names (names_unread), and a ServiceEntry that is or was the router's own
 * service is built. Anything else, and anything that makes a finding, is
 * built. The unit tests compare patched views with built ones. */
#include "parts.h"

#include <stdlib.h>

/* Beyond this many changed resources, a build costs little more. */
#define MAX_CHANGED 16

/* Does a policy of dr hash consistently (routes read that)? */
static int tp_hashes(const struct traffic_policy *tp)
{
    if (!tp->has)
        return 0;
    if (tp->load_balancer.has_consistent_hash)
        return 1;
    for (size_t i = 0; i < tp->n_port_level_settings; i++)
        if (tp->port_level_settings[i].load_balancer.has_consistent_hash)
            return 1;
    return 0;
}

static int dr_hashes(const struct destination_rule *dr)
{
    if (tp_hashes(&dr->traffic_policy))
        return 1;
    for (size_t i = 0; i < dr->n_subsets; i++)
        if (tp_hashes(&dr->subsets[i].traffic_policy))
            return 1;
    return 0;
}

/* a and c (two versions of one rule) apply to the same services of the same
 * proxies, of an exact host, and differ only in what clusters read (which
 * subsets there are is checked per cluster: names_unread()). */
static int dr_clusters_only(const struct destination_rule *a, const struct destination_rule *c)
{
    if (!tr_same_str(a->meta.namespace, c->meta.namespace) ||
        !tr_same_str(a->meta.name, c->meta.name) || !tr_same_str(a->host, c->host) ||
        strchr(c->host, '*') != NULL ||
        !tr_same_strv(a->export_to, a->n_export_to, c->export_to, c->n_export_to) ||
        a->has_workload_selector != c->has_workload_selector ||
        !tr_same_labels(&a->workload_selector, &c->workload_selector) ||
        dr_hashes(a) || dr_hashes(c))
        return 0;
    return 1;
}

/* ---- which cluster names routes read ------------------------------------------------------ */

/* Listeners and Routes ask whether a cluster exists only for a service's
 * own clusters (no subset) and for what a VirtualService's destination or
 * mirror names (routes.c, sidecar.c, grpc.c). A subset's cluster that no
 * destination names may come or go under them. */
struct reads {
    const struct translate_model *m;
    struct arena *a;
    const struct tr_host_change *hc; /* NULL: no host added or removed */
};

static int names_dest(struct arena *a, const struct destination *d, const char *ns,
                      const char *subset, const char *host)
{
    return d->subset != NULL && strcmp(d->subset, subset) == 0 &&
           strcmp(host_fqdn(a, d->host, ns), host) == 0;
}

static int l4_names(struct arena *a, const struct l4_route *r, size_t n, const char *ns,
                    const char *subset, const char *host)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < r[i].n_route; k++)
            if (names_dest(a, &r[i].route[k].destination, ns, subset, host))
                return 1;
    return 0;
}

/* Does a destination or mirror of some VirtualService name host's subset? */
static int subset_named(const struct reads *rd, const char *subset, const char *host)
{
    for (size_t v = 0; v < rd->m->n_virtual_services; v++) {
        const struct virtual_service *vs = &rd->m->virtual_services[v];
        const char *ns = vs->meta.namespace;
        for (size_t i = 0; i < vs->n_http; i++) {
            const struct http_route *hr = &vs->http[i];
            for (size_t k = 0; k < hr->n_route; k++)
                if (names_dest(rd->a, &hr->route[k].destination, ns, subset, host))
                    return 1;
            for (size_t k = 0; k < hr->n_mirrors; k++)
                if (names_dest(rd->a, &hr->mirrors[k].destination, ns, subset, host))
                    return 1;
        }
        if (l4_names(rd->a, vs->tls, vs->n_tls, ns, subset, host) ||
            l4_names(rd->a, vs->tcp, vs->n_tcp, ns, subset, host))
            return 1;
    }
    return 0;
}

/* tr_name_pred: a cluster (or its load assignment) "outbound|PORT|SUBSET|HOST"
 * of a subset no destination names. */
static int names_unread(void *ctx, enum xds_type t, const char *name)
{
    const struct reads *rd = ctx;
    (void)t;
    const char *port = strchr(name, '|'), *subset = port ? strchr(port + 1, '|') : NULL;
    const char *host = subset ? strchr(subset + 1, '|') : NULL;
    if (strncmp(name, "outbound|", 9) != 0 || host == NULL)
        return 0;
    if (host == subset + 1) /* a service's own cluster */
        return rd->hc != NULL && tr_host_change_names(rd->hc, host + 1);
    /* a host added or removed: nothing but its own virtual hosts reads
     * its clusters, and those are patched too (patch_hosts.c) */
    if (rd->hc != NULL && tr_host_change_names(rd->hc, host + 1))
        return 1;
    char *sub = arena_strndup(rd->a, subset + 1, (size_t)(host - subset - 1));
    return !subset_named(rd, sub, host + 1);
}

/* Could se be the router id's own service (model.c's find_own_service)? */
static int may_own(const struct service_entry *se, const struct proxy_identity *id)
{
    if (id->type != PROXY_ROUTER || se->location != LOCATION_MESH_INTERNAL)
        return 0;
    for (size_t e = 0; e < se->n_endpoints; e++) {
        const struct se_endpoint *ep = &se->endpoints[e];
        if ((id->ip[0] != '\0' && strcmp(ep->address, id->ip) == 0) ||
            (ep->labels.n > 0 && tr_labels_subset(&ep->labels, id)))
            return 1;
    }
    return se->has_workload_selector && se->workload_selector.n > 0 &&
           tr_labels_subset(&se->workload_selector, id);
}

/* The hosts whose clusters may differ from the previous build's (*n), or
 * NULL when the change is not one a patch takes; *hc the change of hosts
 * among them, if any. What changed is the snapshot's diff, or one made
 * here (*own, the caller frees it). */
static const char **changed_hosts(struct tr_build *b, const struct translate_model *pm,
                                  size_t *n, const struct tr_host_change **hc,
                                  struct tr_model_diff **own)
{
    const struct translate_model *m = b->m;
    const struct tr_model_diff *d = tr_memo_diff(b->reuse->memo);
    *n = 0;
    *hc = NULL;
    if (!tr_model_diff_is_of(d, pm, m))
        d = *own = tr_model_diff_new(pm, m, NULL, 1);
    if (!d->comparable || d->vs_changed || d->gw_changed || d->hosts < 0 ||
        d->n_se + d->n_dr == 0 || d->n_se + d->n_dr > MAX_CHANGED)
        return NULL;
    const char **hosts = arena_alloc(b->a, (MAX_CHANGED + 1) * sizeof(*hosts));
    for (size_t k = 0; k < d->n_se; k++) {
        const struct service_entry *a = &pm->service_entries[d->se[k]],
                                   *c = &m->service_entries[d->se[k]];
        if (may_own(a, b->id) || may_own(c, b->id))
            return NULL;
        if (a->hash_apart_endpoints != c->hash_apart_endpoints) {
            /* the one ServiceEntry whose hosts alone changed (patch_hosts.c),
             * of a kind proxyless clients are not offered */
            if (b->id->proxyless_grpc && c->resolution == RESOLUTION_STATIC)
                return NULL;
            *hc = &d->hc;
            for (size_t h = 0; h < d->hc.n_removed; h++) {
                if (*n >= MAX_CHANGED)
                    return NULL;
                hosts[(*n)++] = d->hc.removed[h];
            }
        }
        for (size_t h = 0; h < c->n_hosts; h++) {
            if (*n >= MAX_CHANGED)
                return NULL;
            hosts[(*n)++] = host_fqdn(b->a, c->hosts[h], c->meta.namespace);
        }
    }
    for (size_t k = 0; k < d->n_dr; k++) {
        const struct destination_rule *a = &pm->destination_rules[d->dr[k]],
                                      *c = &m->destination_rules[d->dr[k]];
        if (*n >= MAX_CHANGED || !dr_clusters_only(a, c))
            return NULL;
        hosts[(*n)++] = host_fqdn(b->a, c->host, c->meta.namespace);
    }
    return hosts;
}

/* Where in s the resources and references made for one service lie. */
struct span {
    size_t n0[XDS_NTYPES], n1[XDS_NTYPES], r0, r1;
};

/* made[i] over span[i], once s is complete (its lists no longer move). */
static void point(struct tr_build *s, const struct span *sp, struct tr_made *mk)
{
    size_t total = 0;
    for (int t = 0; t < XDS_NTYPES; t++)
        total += sp->n1[t] - sp->n0[t];
    const struct xds_resource **res = arena_alloc(s->a, (total + 1) * sizeof(*res));
    enum xds_type *type = arena_alloc(s->a, (total + 1) * sizeof(*type));
    mk->res = res;
    mk->type = type;
    mk->n_res = 0;
    for (int t = 0; t < XDS_NTYPES; t++) {
        const struct xds_resource *items = xds_view_items(s->view, (enum xds_type)t);
        for (size_t k = sp->n0[t]; k < sp->n1[t]; k++) {
            res[mk->n_res] = &items[k];
            type[mk->n_res++] = (enum xds_type)t;
        }
    }
    mk->refs = sp->r1 > sp->r0 ? (const struct tr_ref *const *)s->refs.v + sp->r0 : NULL;
    mk->n_refs = sp->r1 - sp->r0;
}

/* Make again, in s, the clusters of each service of hosts the proxy sees
 * (made[*n_made]); 0 when one cannot be taken. */
static int remake(struct tr_build *s, const struct tr_steps *steps, const struct tr_memo *prev,
                  const char **hosts, size_t n, const struct tr_host_change *hc,
                  struct tr_made *made, size_t *n_made)
{
    struct span *spans = arena_alloc(s->a, (n + 1) * sizeof(*spans));
    *n_made = 0;
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= strcmp(hosts[j], hosts[i]) == 0;
        if (seen)
            continue;
        const struct tr_svc *svc = tr_find_svc(s, hosts[i]);
        /* as tr_clusters(): what proxyless clients are not offered */
        if (svc != NULL && s->grpc &&
            (svc->se->resolution != RESOLUTION_STATIC || strchr(svc->host, '*')))
            svc = NULL;
        if (svc == NULL) {
            if (!tr_memo_has_service(prev, hosts[i]))
                continue;
            if (hc == NULL || !tr_host_change_names(hc, hosts[i]))
                return 0;
            made[(*n_made)++] = (struct tr_made){.host = hosts[i], .gone = 1};
            spans[*n_made - 1] = (struct span){0};
            continue;
        }
        const struct destination_rule *dr = tr_find_dr(s, svc->host);
        struct span *sp = &spans[*n_made];
        sp->r0 = s->refs.n;
        for (int t = 0; t < XDS_NTYPES; t++)
            sp->n0[t] = xds_view_count(s->view, (enum xds_type)t);
        steps->service_clusters(s, svc, dr);
        if (s->err != NULL || s->findings.n > 0)
            return 0;
        sp->r1 = s->refs.n;
        for (int t = 0; t < XDS_NTYPES; t++)
            sp->n1[t] = xds_view_count(s->view, (enum xds_type)t);
        made[(*n_made)++] = (struct tr_made){.host = svc->host,
                                             .se_hash = svc->se->meta.content_hash,
                                             .dr_hash = dr ? dr->meta.content_hash : 0};
    }
    for (size_t i = 0; i < *n_made; i++)
        if (!made[i].gone)
            point(s, &spans[i], &made[i]);
    return 1;
}

int tr_patch_clusters(struct tr_build *b, const struct tr_steps *steps)
{
    const struct tr_memo *prev = b->reuse->prev;
    if (prev == NULL || tr_memo_view(prev) == NULL || !tr_memo_no_findings(prev))
        return 0;
    size_t n_hosts;
    const struct tr_host_change *hcp;
    struct tr_model_diff *own = NULL;
    const char **hosts = changed_hosts(b, tr_memo_model(prev), &n_hosts, &hcp, &own);
    if (hosts == NULL) {
        tr_model_diff_free(own);
        return 0;
    }
    /* a build of its own, with a few lookups instead of indexes */
    struct tr_build s = {.a = b->a, .m = b->m, .o = b->o, .id = b->id};
    tr_build_init_maps(&s);
    s.view = xds_view_new();
    s.router = b->id->type == PROXY_ROUTER;
    s.grpc = b->id->proxyless_grpc;
    s.lazy = 1;
    /* the hosts earlier patches of the class looked up: a change of
     * endpoints or of what clusters read of a rule moves none of them, a
     * change of hosts only its own */
    size_t n_known;
    const struct tr_lookup *known = tr_memo_lookups(prev, &n_known);
    for (size_t i = 0; i < n_known; i++)
        if (hcp == NULL || known[i].is_dr || !tr_host_change_names(hcp, known[i].host))
            tr_lazy_known(&s, &known[i]);
    /* the changed hosts' own: nothing else names them (patch_hosts.c) */
    struct tr_lookup *now = hcp ? tr_host_lookups(b->a, hcp, b->m, b->id) : NULL;
    for (size_t i = 0; now != NULL && now[i].host != NULL; i++)
        tr_lazy_known(&s, &now[i]);
    struct tr_made *made = arena_alloc(b->a, (n_hosts + 1) * sizeof(*made));
    size_t n_made;
    /* made's resources point into s.view: it is freed only after the splice */
    struct reads rd = {b->m, b->a, hcp};
    /* a sidecar's virtual hosts of the hosts added or removed */
    struct tr_host_routes hr = {0};
    int routes = hcp != NULL && !s.router && !s.grpc;
    int ok = remake(&s, steps, prev, hosts, n_hosts, hcp, made, &n_made) &&
             (!routes || tr_host_routes_make(&s, steps, prev, hcp, &hr)) && tr_check(&s) == 0 &&
             s.findings.n == 0 && tr_memo_splice_services(b, made, n_made, names_unread, &rd);
    if (ok && routes)
        tr_host_routes_apply(b, &hr);
    else
        tr_host_routes_drop(&hr);
    free(s.err);
    xds_view_free(s.view);
    if (ok) {
        b->shared[XDS_LISTENER] = b->shared[XDS_ROUTE] = 1;
        if (hcp != NULL)
            tr_memo_forget_lookups(b->reuse->memo, hcp);
        for (size_t i = 0; now != NULL && now[i].host != NULL; i++)
            tr_memo_add_lookup(b->reuse->memo, &now[i]);
        for (size_t i = 0; i < s.lookups.n; i++)
            tr_memo_add_lookup(b->reuse->memo, s.lookups.v[i]);
    }
    tr_model_diff_free(own);
    return ok;
}
