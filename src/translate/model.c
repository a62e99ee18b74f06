/* model.c - questions about the Istio model: visibility, host matching,
 * DestinationRule lookup and policy resolution, gateway binding. */
#include "seam.h"

#include <stdio.h>
#include <string.h>

#include "xdsd/sorted.h"
#include "xdsd/util.h"

int tr_is_http(enum istio_protocol p)
{
    return p == PROTO_HTTP || p == PROTO_HTTP2 || p == PROTO_GRPC || p == PROTO_GRPC_WEB ||
           p == PROTO_UNSET;
}

int tr_is_h2(enum istio_protocol p)
{
    return p == PROTO_HTTP2 || p == PROTO_GRPC;
}

int tr_is_cidr(const char *addr)
{
    return strchr(addr, '/') != NULL;
}

int tr_labels_subset(const struct config_labels *sel, const struct proxy_identity *id)
{
    for (size_t i = 0; i < sel->n; i++) {
        const char *v = proxy_label(id, sel->items[i].key);
        if (v == NULL || strcmp(v, sel->items[i].value) != 0)
            return 0;
    }
    return 1;
}

int tr_labels_match(const struct config_labels *sel, const struct config_labels *labels)
{
    for (size_t i = 0; i < sel->n; i++) {
        size_t j;
        for (j = 0; j < labels->n; j++)
            if (strcmp(labels->items[j].key, sel->items[i].key) == 0 &&
                strcmp(labels->items[j].value, sel->items[i].value) == 0)
                break;
        if (j == labels->n)
            return 0;
    }
    return 1;
}

const struct istio_port *tr_se_port(const struct service_entry *se, uint32_t number)
{
    for (size_t i = 0; i < se->n_ports; i++)
        if (se->ports[i].number == number)
            return &se->ports[i];
    return NULL;
}

char *tr_cluster_name(struct arena *a, uint32_t port, const char *subset, const char *host)
{
    char num[11], *p = num + sizeof(num);
    *--p = '\0';
    do
        *--p = (char)('0' + port % 10);
    while ((port /= 10) != 0);
    return arena_cat(a, "outbound|", p, "|", subset ? subset : "", "|", host, NULL);
}

/* The service of host without an index: what index_services() would find. */
static size_t find_svc_slow(struct tr_build *b, const char *host)
{
    const struct translate_model *m = b->m;
    for (size_t i = 0; i < m->n_service_entries; i++) {
        const struct service_entry *se = &m->service_entries[i];
        if (!host_exported(se->export_to, se->n_export_to, se->meta.namespace, b->id->namespace))
            continue;
        for (size_t h = 0; h < se->n_hosts; h++) {
            if (se->hosts[h][0] != host[0])
                continue; /* expanding keeps the first character */
            if (strcmp(host_fqdn(b->a, se->hosts[h], se->meta.namespace), host) == 0 &&
                tr_scope_sees(b, se->meta.namespace, host))
                return i;
        }
    }
    return SIZE_MAX;
}

/* A lazy router build that looks up more hosts than this indexes them all
 * instead (tr_prepare_router_lazy()): a scan of every ServiceEntry or
 * DestinationRule per lookup is cheaper than an index only for a few. */
#define LAZY_INDEX_AFTER 8
static void index_now(struct tr_build *b);

/* Lazy builds find each host once: these stand for "none" in their maps. */
static const struct tr_svc no_svc;
static const struct destination_rule no_dr;

/* A lazy build found host's service or rule (index in the model, SIZE_MAX
 * none): remember it in the build's map and in its list of lookups. */
static void lazy_found(struct tr_build *b, const char *host, int is_dr, size_t index)
{
    struct tr_lookup *l = arena_alloc(b->a, sizeof(*l));
    *l = (struct tr_lookup){arena_strdup(b->a, host), is_dr, index};
    pvec_push(b->a, &b->lookups, l);
    tr_lazy_known(b, l);
}

void tr_lazy_known(struct tr_build *b, const struct tr_lookup *l)
{
    const struct translate_model *m = b->m;
    if (l->is_dr) {
        const void *dr = l->index == SIZE_MAX ? &no_dr : &m->destination_rules[l->index];
        map_add(&b->dr_by_host, l->host, (void *)dr);
        return;
    }
    const void *found = &no_svc;
    if (l->index != SIZE_MAX) {
        struct tr_svc *s = arena_alloc(b->a, sizeof(*s));
        s->se = &m->service_entries[l->index];
        s->host = l->host;
        found = s;
    }
    map_add(&b->svc_by_host, l->host, (void *)found);
}

const struct tr_svc *tr_find_svc(const struct tr_build *b, const char *host)
{
    const struct tr_svc *s = map_get(&b->svc_by_host, host);
    if (s == NULL && b->lazy > 1 && b->lookups.n >= (size_t)b->lazy) {
        index_now((struct tr_build *)b);
        return tr_find_svc(b, host);
    }
    if (s == NULL && b->lazy) {
        lazy_found((struct tr_build *)b, host, 0, find_svc_slow((struct tr_build *)b, host));
        s = map_get(&b->svc_by_host, host);
    }
    return s == &no_svc ? NULL : s;
}

/* ---- DestinationRules --------------------------------------------------------------- */

/* Rules are looked at in three passes: those selecting this workload, then
 * the rest of the proxy's namespace, then other namespaces. Is d visible to
 * the proxy, and looked at in this pass? */
static int dr_in_pass(const struct tr_build *b, const struct destination_rule *d, int pass)
{
    int own = strcmp(d->meta.namespace, b->id->namespace) == 0;
    int sel = d->has_workload_selector;
    if ((pass == 0 && !(own && sel)) || (pass == 1 && !(own && !sel)) ||
        (pass == 2 && (own || sel)))
        return 0;
    if (sel && !tr_labels_subset(&d->workload_selector, b->id))
        return 0;
    return host_exported(d->export_to, d->n_export_to, d->meta.namespace, b->id->namespace);
}

/* Of the wildcard rules (in pass order), the most specific that matches. */
static const struct destination_rule *best_wildcard(const struct tr_build *b,
                                                    const struct destination_rule *const *v,
                                                    size_t n, const char *host,
                                                    const struct destination_rule *best)
{
    size_t best_len = best ? strlen(host_fqdn(b->a, best->host, best->meta.namespace)) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *h = host_fqdn(b->a, v[i]->host, v[i]->meta.namespace);
        if (host_match(h, host) && (best == NULL || strlen(h) > best_len)) {
            best = v[i];
            best_len = strlen(h);
        }
    }
    return best;
}

/* The rule of host without an index: what index_rules() and the wildcard
 * scan would find. One pass picks the rules that could apply to host; the
 * passes' order is applied to those few. */
static const struct destination_rule *find_dr_slow(const struct tr_build *b, const char *host)
{
    const struct translate_model *m = b->m;
    struct pvec cand = {0};
    for (size_t i = 0; i < m->n_destination_rules; i++) {
        const struct destination_rule *d = &m->destination_rules[i];
        if (d->host[0] == '*' || strcmp(host_fqdn(b->a, d->host, d->meta.namespace), host) == 0)
            pvec_push(b->a, &cand, (void *)d);
    }
    const struct destination_rule *wild = NULL;
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < cand.n; i++) {
            const struct destination_rule *d = cand.v[i];
            if (!dr_in_pass(b, d, pass))
                continue;
            if (d->host[0] != '*')
                return d;
            wild = best_wildcard(b, &d, 1, host, wild);
        }
    return wild;
}

/* Exact host first (the proxy's namespace wins, then file order), else the most
 * specific wildcard. */
const struct destination_rule *tr_find_dr(const struct tr_build *b, const char *host)
{
    if (b->lazy > 1 && b->lookups.n >= (size_t)b->lazy && map_get(&b->dr_by_host, host) == NULL)
        index_now((struct tr_build *)b);
    if (b->lazy) {
        const struct destination_rule *dr = map_get(&b->dr_by_host, host);
        if (dr == NULL) {
            dr = find_dr_slow(b, host);
            lazy_found((struct tr_build *)b, host, 1,
                       dr ? (size_t)(dr - b->m->destination_rules) : SIZE_MAX);
        }
        return dr == &no_dr ? NULL : dr;
    }
    const struct destination_rule *dr = map_get(&b->dr_by_host, host);
    if (dr != NULL)
        return dr;
    return best_wildcard(b, (const struct destination_rule *const *)b->dr_wild.v, b->dr_wild.n,
                         host, NULL);
}

/* A rule may hold a subset per service (an egress gateway's rule does):
 * beyond a few, the subsets are indexed once per build. */
const struct subset *tr_find_subset(struct tr_build *b, const struct destination_rule *dr,
                                    const char *name)
{
    if (dr == NULL || name == NULL)
        return NULL;
    if (dr->n_subsets <= 8 || b->lazy) { /* lazy: a few lookups, no index */
        for (size_t i = 0; i < dr->n_subsets; i++)
            if (strcmp(dr->subsets[i].name, name) == 0)
                return &dr->subsets[i];
        return NULL;
    }
    struct map *ix = map_get(&b->subsets, dr);
    if (ix == NULL) {
        ix = arena_alloc(b->a, sizeof(*ix));
        map_init_str(ix, b->a);
        /* map_add keeps the first of equal names, as the scan above does */
        for (size_t i = 0; i < dr->n_subsets; i++)
            map_add(ix, dr->subsets[i].name, (void *)&dr->subsets[i]);
        map_put(&b->subsets, dr, ix);
    }
    return map_get(ix, name);
}

static const struct port_traffic_policy *port_entry(const struct traffic_policy *tp, uint32_t port)
{
    for (size_t i = 0; i < tp->n_port_level_settings; i++)
        if (tp->port_level_settings[i].port == port)
            return &tp->port_level_settings[i];
    return NULL;
}

/* Resolve one policy level for a port: a portLevelSettings entry replaces the
 * whole policy (Istio's GetPortLevelTrafficPolicy), nothing is inherited. */
static void level(const struct traffic_policy *tp, uint32_t port, struct tr_policy *out,
                  int *port_hit)
{
    const struct port_traffic_policy *pe = port_entry(tp, port);
    *port_hit = pe != NULL;
    if (pe != NULL) {
        out->lb = &pe->load_balancer;
        out->pool = &pe->connection_pool;
        out->outlier = &pe->outlier_detection;
        out->tls = &pe->tls;
    } else {
        out->lb = &tp->load_balancer;
        out->pool = &tp->connection_pool;
        out->outlier = &tp->outlier_detection;
        out->tls = &tp->tls;
    }
}

/* Istio's MergeSubsetTrafficPolicy: each part comes from the subset's resolved
 * policy when the subset sets it, or when the subset has a port-level entry for
 * this port (then unset parts fall back to defaults). */
void tr_policy_for(const struct destination_rule *dr, const struct subset *ss, uint32_t port,
                   struct tr_policy *out)
{
    static const struct load_balancer no_lb;
    static const struct connection_pool no_pool;
    static const struct outlier_detection no_outlier;
    static const struct client_tls no_tls;
    *out = (struct tr_policy){&no_lb, &no_pool, &no_outlier, &no_tls, dr};
    if (dr == NULL)
        return;
    int hit;
    if (dr->traffic_policy.has)
        level(&dr->traffic_policy, port, out, &hit);
    if (ss == NULL || !ss->traffic_policy.has)
        return;
    struct tr_policy sp;
    level(&ss->traffic_policy, port, &sp, &hit);
    if (hit || sp.lb->has)
        out->lb = sp.lb;
    if (hit || sp.pool->has)
        out->pool = sp.pool;
    if (hit || sp.outlier->has)
        out->outlier = sp.outlier;
    if (hit || sp.tls->has)
        out->tls = sp.tls;
}

/* ---- gateways and VirtualService binding ------------------------------------------- */

int tr_vs_bound(const struct virtual_service *vs, const char *gw_ns, const char *gw_name)
{
    if (vs->n_gateways == 0)
        return gw_name == NULL;
    for (size_t i = 0; i < vs->n_gateways; i++)
        if (host_gateway_ref_is(vs->gateways[i], vs->meta.namespace, gw_ns, gw_name))
            return 1;
    return 0;
}

/* The caller reads the routes of what this returns: it is recorded. */
const struct virtual_service *tr_mesh_vs_for(const struct tr_build *b, const char *host)
{
    const struct virtual_service *vs = map_get(&b->vs_by_host, host);
    for (size_t i = 0; vs == NULL && i < b->vs_wild.n; i++) {
        const struct virtual_service *w = b->vs_wild.v[i];
        for (size_t h = 0; h < w->n_hosts && vs == NULL; h++)
            if (host_match(w->hosts[h], host))
                vs = w;
    }
    tr_seam_read_vs(b, vs);
    return vs;
}

const struct virtual_service *tr_svc_vs(const struct tr_build *b, const struct tr_svc *svc)
{
    struct tr_svc *s = (struct tr_svc *)svc; /* the build's own index, filled here */
    if (!s->vs_known) {
        s->vs = tr_mesh_vs_for(b, s->host);
        s->vs_known = 1;
    }
    return s->vs;
}

struct meta_key {
    const char *ns, *name;
};

static int meta_key_cmp(const void *key, const void *elem)
{
    const struct meta_key *k = key;
    const struct istio_meta *m = elem;
    int c = strcmp(k->ns, m->namespace);
    return c != 0 ? c : strcmp(k->name, m->name);
}

const struct istio_meta *tr_model_meta(const struct translate_model *m, enum istio_kind kind,
                                       const char *ns, const char *name)
{
    const void *base = NULL;
    size_t n = 0, size = 0;
    switch (kind) {
    case KIND_SERVICE_ENTRY:
        base = m->service_entries, n = m->n_service_entries, size = sizeof(*m->service_entries);
        break;
    case KIND_GATEWAY:
        base = m->gateways, n = m->n_gateways, size = sizeof(*m->gateways);
        break;
    case KIND_VIRTUAL_SERVICE:
        base = m->virtual_services, n = m->n_virtual_services, size = sizeof(*m->virtual_services);
        break;
    case KIND_DESTINATION_RULE:
        base = m->destination_rules, n = m->n_destination_rules,
        size = sizeof(*m->destination_rules);
        break;
    case KIND_SIDECAR:
        base = m->sidecars, n = m->n_sidecars, size = sizeof(*m->sidecars);
        break;
    case KIND_WORKLOAD_ENTRY:
        base = m->workload_entries, n = m->n_workload_entries, size = sizeof(*m->workload_entries);
        break;
    }
    /* every resource starts with its meta; a config set's arrays are in
     * (namespace, name) order, a hand-made model's need not be */
    const struct meta_key key = {ns, name};
    const struct istio_meta *found = sorted_find(&key, base, n, size, meta_key_cmp);
    for (size_t i = 0; found == NULL && i < n; i++)
        if (meta_key_cmp(&key, (const char *)base + i * size) == 0)
            found = (const struct istio_meta *)((const char *)base + i * size);
    return found;
}

struct tr_recipe *tr_recipe_of_svc(struct tr_build *b, enum tr_recipe_kind kind,
                                   const struct tr_svc *svc, uint32_t port)
{
    const struct virtual_service *vs = tr_svc_vs(b, svc);
    struct tr_recipe *r = tr_recipe_new(b, kind, port, svc->host, vs ? 1 : 0);
    r->se = (size_t)(svc->se - b->m->service_entries);
    if (vs != NULL)
        r->vs[0] = (size_t)(vs - b->m->virtual_services);
    return r;
}

const struct tr_svc *tr_recipe_svc(struct tr_build *b, const struct tr_recipe *r)
{
    /* the same ServiceEntries and VirtualService hosts as when the recipe
     * was written: the same service and VirtualService */
    struct tr_svc *svc = arena_alloc(b->a, sizeof(*svc));
    svc->se = &b->m->service_entries[r->se];
    svc->host = r->host;
    svc->vs = r->n_vs ? &b->m->virtual_services[r->vs[0]] : NULL;
    svc->vs_known = 1;
    return svc;
}

/* ---- preparing a build ---------------------------------------------------------------- */

static void index_services(struct tr_build *b)
{
    const struct translate_model *m = b->m;
    size_t total = 0;
    for (size_t i = 0; i < m->n_service_entries; i++)
        total += m->service_entries[i].n_hosts;
    b->svcs = arena_alloc(b->a, (total ? total : 1) * sizeof(*b->svcs));
    map_reserve(&b->svc_by_host, total);
    for (size_t i = 0; i < m->n_service_entries; i++) {
        const struct service_entry *se = &m->service_entries[i];
        if (!host_exported(se->export_to, se->n_export_to, se->meta.namespace, b->id->namespace))
            continue;
        for (size_t h = 0; h < se->n_hosts; h++) {
            const char *host = host_fqdn(b->a, se->hosts[h], se->meta.namespace);
            if (!tr_scope_sees(b, se->meta.namespace, host))
                continue; /* out of the proxy's Sidecar scope */
            /* the first ServiceEntry declaring a host owns it */
            struct tr_svc *s = &b->svcs[b->n_svcs];
            if (!map_add(&b->svc_by_host, host, s))
                continue;
            s->se = se;
            s->host = host;
            b->n_svcs++;
        }
    }
}

/* A VirtualService is in a Sidecar scope when one of its hosts is. */
static int vs_in_scope(struct tr_build *b, const struct virtual_service *vs)
{
    const struct sidecar *sc = tr_scope(b);
    if (sc == NULL || sc->n_egress == 0)
        return 1; /* everything is visible: no host to expand */
    for (size_t h = 0; h < vs->n_hosts; h++)
        if (tr_scope_sees(b, vs->meta.namespace, host_fqdn(b->a, vs->hosts[h], vs->meta.namespace)))
            return 1;
    return 0;
}

static void index_drs(struct tr_build *b)
{
    const struct translate_model *m = b->m;
    /* the first rule to claim a host wins: rules selecting this workload,
     * then the rest of the proxy's namespace, then other namespaces */
    map_reserve(&b->dr_by_host, m->n_destination_rules);
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < m->n_destination_rules; i++) {
            const struct destination_rule *d = &m->destination_rules[i];
            if (!dr_in_pass(b, d, pass))
                continue;
            if (d->host[0] == '*')
                pvec_push(b->a, &b->dr_wild, (void *)d);
            else
                map_add(&b->dr_by_host, host_fqdn(b->a, d->host, d->meta.namespace), (void *)d);
        }
    }
}

/* The VirtualServices visible to the proxy (vs_all), and with by_host the
 * mesh-bound ones by host too. */
static void index_vs(struct tr_build *b, int by_host)
{
    const struct translate_model *m = b->m;
    if (by_host)
        map_reserve(&b->vs_by_host, m->n_virtual_services);
    for (size_t i = 0; i < m->n_virtual_services; i++) {
        const struct virtual_service *vs = &m->virtual_services[i];
        if (!host_exported(vs->export_to, vs->n_export_to, vs->meta.namespace, b->id->namespace) ||
            !vs_in_scope(b, vs))
            continue;
        pvec_push(b->a, &b->vs_all, (void *)vs);
        if (!by_host || !tr_vs_bound(vs, NULL, NULL))
            continue;
        for (size_t h = 0; h < vs->n_hosts; h++) {
            const char *host = host_fqdn(b->a, vs->hosts[h], vs->meta.namespace);
            if (host[0] == '*')
                pvec_push(b->a, &b->vs_wild, (void *)vs);
            else
                map_add(&b->vs_by_host, host, (void *)vs);
        }
    }
}

/* The gateway's own service: a MESH_INTERNAL ServiceEntry with an endpoint at
 * the proxy's IP or whose labels the proxy carries, or a workloadSelector the
 * proxy matches. Its ports map Gateway server ports to listen ports. */
static void find_own_service(struct tr_build *b)
{
    const struct translate_model *m = b->m;
    for (size_t i = 0; i < m->n_service_entries; i++) {
        const struct service_entry *se = &m->service_entries[i];
        if (se->location != LOCATION_MESH_INTERNAL)
            continue;
        for (size_t e = 0; e < se->n_endpoints; e++) {
            const struct se_endpoint *ep = &se->endpoints[e];
            int by_ip = b->id->ip[0] != '\0' && strcmp(ep->address, b->id->ip) == 0;
            if (by_ip || (ep->labels.n > 0 && tr_labels_subset(&ep->labels, b->id))) {
                b->own_se = se;
                b->own_ep = ep;
                return;
            }
        }
        if (se->has_workload_selector && se->workload_selector.n > 0 &&
            tr_labels_subset(&se->workload_selector, b->id)) {
            b->own_se = se;
            return;
        }
    }
}

void tr_match_gateways(struct tr_build *b)
{
    const struct translate_model *m = b->m;
    b->gws = arena_alloc(b->a, (m->n_gateways + 1) * sizeof(*b->gws));
    for (size_t i = 0; i < m->n_gateways; i++)
        if (tr_labels_subset(&m->gateways[i].selector, b->id))
            b->gws[b->n_gws++] = &m->gateways[i];
}

void tr_prepare_router(struct tr_build *b)
{
    tr_match_gateways(b);
    find_own_service(b);
}

void tr_prepare(struct tr_build *b)
{
    b->router = b->id->type == PROXY_ROUTER;
    b->grpc = b->id->proxyless_grpc;
    index_services(b);
    index_drs(b);
    index_vs(b, 1);
    if (b->router) {
        tr_match_gateways(b);
        find_own_service(b);
    }
}

void tr_prepare_router_lazy(struct tr_build *b)
{
    b->router = 1;
    b->grpc = 0;
    b->lazy = LAZY_INDEX_AFTER;
    index_vs(b, 0); /* a router reads no mesh VirtualService by host */
    tr_match_gateways(b);
    find_own_service(b);
}

/* Too many lookups for a lazy build: the indexes a prepared build has, in
 * maps of their own (the lazy ones hold markers for "none"). */
static void index_now(struct tr_build *b)
{
    b->lazy = 0;
    map_init_str(&b->svc_by_host, b->a);
    map_init_str(&b->dr_by_host, b->a);
    b->dr_wild.n = 0;
    index_services(b);
    index_drs(b);
}
