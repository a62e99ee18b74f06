/* gateway.c - what a gateway (router) receives (docs/istio-to-envoy.md §3): one listener per
 * bound port, servers of every matched Gateway merged by (port, bind); plain
 * HTTP servers share RDS http.PORT, TLS-terminating HTTPS servers get their
 * own chain and RDS https.PORT.NAME.GATEWAY.NAMESPACE, PASSTHROUGH servers
 * SNI chains from tls rules, TCP and terminated TLS servers tcp_proxy chains
 * from tcp rules. */
#include "seam.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

struct gw_server {
    const struct gateway *gw;
    const struct gateway_server *s;
};

struct gw_group {
    struct tr_listener *l;
    struct pvec http; /* struct gw_server: plain HTTP servers of this port */
};

/* The listen port of a server: the gateway service's targetPort for it. */
static uint32_t listen_port(const struct tr_build *b, uint32_t server_port)
{
    if (b->own_se == NULL)
        return server_port;
    const struct istio_port *p = tr_se_port(b->own_se, server_port);
    if (p == NULL)
        return server_port;
    if (b->own_ep != NULL && p->name != NULL)
        for (size_t i = 0; i < b->own_ep->n_ports; i++)
            if (strcmp(b->own_ep->ports[i].name, p->name) == 0)
                return b->own_ep->ports[i].number;
    return p->target_port ? p->target_port : server_port;
}

/* A server host without its namespace part ("ns/host" -> "host"). */
static const char *bare_host(const char *h)
{
    const char *slash = strchr(h, '/');
    return slash ? slash + 1 : h;
}

/* The host both a VS host and a server host accept, or NULL. A server host
 * "ns/h" only takes VirtualServices of namespace ns ("." is the gateway's). */
static const char *intersect(const char *vs_host, const char *vs_ns, const char *server_host,
                             const char *gw_ns)
{
    const char *slash = strchr(server_host, '/');
    if (slash != NULL) {
        size_t nl = (size_t)(slash - server_host);
        const char *want = (nl == 1 && server_host[0] == '.') ? gw_ns : NULL;
        if (!(nl == 1 && server_host[0] == '*')) {
            if (want == NULL && !(strlen(vs_ns) == nl && strncmp(vs_ns, server_host, nl) == 0))
                return NULL;
            if (want != NULL && strcmp(want, vs_ns) != 0)
                return NULL;
        }
        server_host = slash + 1;
    }
    if (host_match(server_host, vs_host))
        return vs_host;
    if (host_match(vs_host, server_host))
        return server_host;
    return NULL;
}

static const char *vs_server_host(struct tr_build *b, const struct virtual_service *vs,
                                  const struct gw_server *gs, size_t vh, size_t sh)
{
    const char *h = host_fqdn(b->a, vs->hosts[vh], vs->meta.namespace);
    return intersect(h, vs->meta.namespace, gs->s->hosts[sh], gs->gw->meta.namespace);
}

/* The hosts of one server, indexed: every (VirtualService host, server host)
 * pair would be quadratic in the number of services. An exact VS host can
 * only meet the server hosts equal to it (bare) and the wildcard ones. */
struct host_index {
    struct map exact;  /* bare host -> struct pvec of server host indexes + 1 */
    struct pvec wild;  /* indexes + 1 of server hosts with a wildcard */
};

static void host_index_init(struct tr_build *b, const struct gateway_server *s,
                            struct host_index *ix)
{
    memset(ix, 0, sizeof(*ix));
    map_init_str(&ix->exact, b->a);
    for (size_t i = 0; i < s->n_hosts; i++) {
        const char *h = bare_host(s->hosts[i]);
        void *tag = (void *)(uintptr_t)(i + 1);
        if (strchr(h, '*') != NULL) {
            pvec_push(b->a, &ix->wild, tag);
            continue;
        }
        struct pvec *v = map_get(&ix->exact, h);
        if (v == NULL) {
            v = arena_alloc(b->a, sizeof(*v));
            map_add(&ix->exact, h, v);
        }
        pvec_push(b->a, v, tag);
    }
}

static int cmp_tag(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t) * (void *const *)x, c = (uintptr_t) * (void *const *)y;
    return (a > c) - (a < c);
}

/* Indexes (in server order) of the server hosts that may intersect vs_host:
 * a superset of the matches, each still checked by intersect(). */
static void host_candidates(struct tr_build *b, const struct host_index *ix,
                            const struct gateway_server *s, const char *vs_host, struct pvec *out)
{
    out->n = 0;
    if (strchr(vs_host, '*') != NULL) {
        for (size_t i = 0; i < s->n_hosts; i++)
            pvec_push(b->a, out, (void *)(uintptr_t)(i + 1));
        return;
    }
    const struct pvec *v = map_get(&ix->exact, vs_host);
    for (size_t i = 0; v != NULL && i < v->n; i++)
        pvec_push(b->a, out, v->v[i]);
    for (size_t i = 0; i < ix->wild.n; i++)
        pvec_push(b->a, out, ix->wild.v[i]);
    if (v != NULL && ix->wild.n > 0)
        qsort(out->v, out->n, sizeof(void *), cmp_tag);
}

/* The VirtualServices bound to gw, in the model's order: found once per
 * build, not once per server and pass. */
static const struct pvec *bound_vs(struct tr_build *b, const struct gateway *gw)
{
    struct pvec *v = map_get(&b->gw_bound, gw);
    if (v != NULL)
        return v;
    v = arena_alloc(b->a, sizeof(*v));
    for (size_t i = 0; i < b->vs_all.n; i++) {
        const struct virtual_service *vs = b->vs_all.v[i];
        if (tr_vs_bound(vs, gw->meta.namespace, gw->meta.name))
            pvec_push(b->a, v, (void *)vs);
    }
    map_put(&b->gw_bound, gw, v);
    return v;
}

/* vs (bound to gs's gateway) has a host gs serves. */
static int vs_matches_server(struct tr_build *b, const struct virtual_service *vs,
                             const struct gw_server *gs, const struct host_index *ix)
{
    struct pvec cand = {0};
    for (size_t h = 0; h < vs->n_hosts; h++) {
        const char *host = host_fqdn(b->a, vs->hosts[h], vs->meta.namespace);
        host_candidates(b, ix, gs->s, host, &cand);
        for (size_t c = 0; c < cand.n; c++)
            if (vs_server_host(b, vs, gs, h, (uintptr_t)cand.v[c] - 1) != NULL) {
                tr_seam_read_vs(b, vs); /* the caller reads its routes */
                return 1;
            }
    }
    return 0;
}

/* One VirtualService's routes for one server, added to a virtual host. */
struct gw_contrib {
    const struct virtual_service *vs;
    const struct gw_server *gs;
};

struct gw_vhost {
    const char *name;
    struct pvec domains;
    struct pvec contribs;               /* struct gw_contrib, in route order */
    const struct virtual_service *last; /* the VS whose routes were added last */
    const struct gw_server *last_server;
};

/* A route that matches every request: prefix "/" and nothing else. */
static int route_catches_all(const Route *r)
{
    const RouteMatch *m = r->match;
    return m->path_specifier_case == ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PREFIX &&
           strcmp(m->prefix, "/") == 0 && m->n_headers == 0 && m->n_query_parameters == 0;
}

/* Catch-all routes after the others, each group in its order: with several
 * VirtualServices on one host, one's catch-all must not hide the next one's
 * specific routes (Istio does the same). */
static void catch_alls_last(struct arena *a, struct pvec *routes)
{
    struct pvec rest = {0};
    size_t n = 0;
    for (size_t i = 0; i < routes->n; i++) {
        if (route_catches_all(routes->v[i]))
            pvec_push(a, &rest, routes->v[i]);
        else
            routes->v[n++] = routes->v[i];
    }
    for (size_t i = 0; i < rest.n; i++)
        routes->v[n++] = rest.v[i];
}

/* Which VirtualServices add routes to which virtual host, in order: VS
 * hosts x server hosts, named HOST:SERVER_PORT. */
static void gateway_vhost_plan(struct tr_build *b, struct pvec *servers, struct pvec *order)
{
    struct arena *a = b->a;
    struct map by_name;
    map_init_str(&by_name, a);
    for (size_t i = 0; i < servers->n; i++) {
        const struct gw_server *gs = servers->v[i];
        uint32_t port = gs->s->port.number;
        struct host_index ix;
        struct pvec cand = {0};
        host_index_init(b, gs->s, &ix);
        const struct pvec *bound = bound_vs(b, gs->gw);
        for (size_t v = 0; v < bound->n; v++) {
            const struct virtual_service *vs = bound->v[v];
            for (size_t h = 0; h < vs->n_hosts; h++) {
                host_candidates(b, &ix, gs->s, host_fqdn(a, vs->hosts[h], vs->meta.namespace),
                                &cand);
                for (size_t c = 0; c < cand.n; c++) {
                    const char *host = vs_server_host(b, vs, gs, h, (uintptr_t)cand.v[c] - 1);
                    if (host == NULL)
                        continue;
                    const char *vname = arena_cat(a, host, ":", ar_u32(a, port), NULL);
                    struct gw_vhost *gv = map_get(&by_name, vname);
                    if (gv != NULL && gv->last == vs && gv->last_server == gs)
                        continue; /* two hosts of one VS meet here: its routes once */
                    if (gv == NULL) {
                        gv = arena_alloc(a, sizeof(*gv));
                        gv->name = vname;
                        pvec_push(a, &gv->domains, (void *)host);
                        map_add(&by_name, vname, gv);
                        pvec_push(a, order, gv);
                    }
                    tr_seam_read_vs(b, vs);
                    struct gw_contrib *k = arena_alloc(a, sizeof(*k));
                    k->vs = vs;
                    k->gs = gs;
                    pvec_push(a, &gv->contribs, k);
                    gv->last = vs;
                    gv->last_server = gs;
                }
            }
        }
    }
}

/* The virtual host of a recipe of kind TR_VH_GATEWAY, or NULL when no
 * VirtualService has a route there. Routes of several VirtualServices on
 * one host are concatenated in (namespace, name) order, the model's, and
 * then catch-alls moved last. */
VirtualHost *tr_gateway_vhost(struct tr_build *b, const struct tr_recipe *r)
{
    struct arena *a = b->a;
    struct pvec domains = {0}, routes = {0};
    for (size_t i = 0; i < r->n_vs; i++) {
        const struct gateway *gw = &b->m->gateways[r->gw[i]];
        tr_vs_routes(b, &b->m->virtual_services[r->vs[i]], gw->servers[r->server[i]].port.number,
                     gw->meta.namespace, gw->meta.name, &routes);
    }
    if (routes.n == 0)
        return NULL;
    catch_alls_last(a, &routes);
    pvec_push(a, &domains, (void *)r->host);
    VirtualHost *v = tr_vhost(b, r->name, &domains, &routes);
    if (r->redirect)
        v->require_tls = ENVOY__CONFIG__ROUTE__V3__VIRTUAL_HOST__TLS_REQUIREMENT_TYPE__ALL;
    return v;
}

/* gv's virtual host, made from what its recipe names: the VirtualServices
 * and the Gateway servers they come through, by position in the model. */
static VirtualHost *gateway_vhost(struct tr_build *b, const struct gw_vhost *gv, int redirect)
{
    struct tr_recipe *r =
        tr_recipe_new(b, TR_VH_GATEWAY, 0, gv->domains.v[0], gv->contribs.n);
    r->name = gv->name;
    r->redirect = redirect;
    r->none = 1;
    for (size_t i = 0; i < gv->contribs.n; i++) {
        const struct gw_contrib *c = gv->contribs.v[i];
        r->vs[i] = (size_t)(c->vs - b->m->virtual_services);
        r->gw[i] = (size_t)(c->gs->gw - b->m->gateways);
        r->server[i] = (size_t)(c->gs->s - c->gs->gw->servers);
        /* a server on a port no route matches (a new one, "*"): every bound
         * VirtualService meets it, and each would cost a piece lookup */
        r->none &= tr_vs_routes_none(b, c->vs, c->gs->s->port.number, c->gs->gw->meta.namespace,
                                     c->gs->gw->meta.name);
    }
    return tr_seam_vhost(b, r, tr_gateway_vhost);
}

static void make_route_config(struct tr_build *b, const char *name, struct pvec *servers)
{
    struct arena *a = b->a;
    b->from = arena_printf(a, "route configuration '%s'", name);
    int redirect = 0;
    uint32_t first_port = 0;
    for (size_t i = 0; i < servers->n; i++) {
        const struct gw_server *gs = servers->v[i];
        first_port = first_port ? first_port : gs->s->port.number;
        redirect |= gs->s->has_tls && gs->s->tls.https_redirect;
    }
    struct pvec order = {0}, vhosts = {0};
    gateway_vhost_plan(b, servers, &order);
    for (size_t i = 0; i < order.n; i++) {
        VirtualHost *v = gateway_vhost(b, order.v[i], redirect);
        if (v != NULL)
            pvec_push(a, &vhosts, v);
    }
    if (vhosts.n == 0) {
        /* no VirtualService: Envoy answers 404 */
        struct pvec domains = {0}, routes = {0};
        pvec_push(a, &domains, "*");
        VirtualHost *v =
            tr_vhost(b, arena_printf(a, "blackhole:%u", first_port), &domains, &routes);
        if (redirect)
            v->require_tls = ENVOY__CONFIG__ROUTE__V3__VIRTUAL_HOST__TLS_REQUIREMENT_TYPE__ALL;
        pvec_push(a, &vhosts, v);
    }
    tr_route_config(b, name, &vhosts, 1);
}

/* Route configuration name of these servers: made, or an earlier build's
 * of the same servers (what it reads of Gateways). */
static void gateway_route_config(struct tr_build *b, const char *name, struct pvec *servers)
{
    struct arena *a = b->a;
    const struct gateway **gws = arena_alloc(a, (servers->n + 1) * sizeof(*gws));
    const struct gateway_server **ss = arena_alloc(a, (servers->n + 1) * sizeof(*ss));
    for (size_t i = 0; i < servers->n; i++) {
        const struct gw_server *gs = servers->v[i];
        gws[i] = gs->gw;
        ss[i] = gs->s;
    }
    struct tr_gateway_rc rc = {name, gws, ss, servers->n, servers};
    tr_seam_gateway_rc(b, &rc, make_route_config);
}

/* The VirtualServices bound to gs's gateway with a host gs serves, in order. */
static struct pvec server_vs(struct tr_build *b, const struct gw_server *gs)
{
    struct host_index ix;
    host_index_init(b, gs->s, &ix);
    const struct pvec *bound = bound_vs(b, gs->gw);
    struct pvec out = {0};
    for (size_t v = 0; v < bound->n; v++)
        if (vs_matches_server(b, bound->v[v], gs, &ix))
            pvec_push(b->a, &out, bound->v[v]);
    return out;
}

/* PASSTHROUGH: one SNI chain per applicable tls match of a bound VS. */
static void passthrough_chains(struct tr_build *b, struct tr_listener *l,
                               const struct gw_server *gs)
{
    struct arena *a = b->a;
    uint32_t port = gs->s->port.number;
    struct pvec served = server_vs(b, gs);
    for (size_t v = 0; v < served.n; v++) {
        const struct virtual_service *vs = served.v[v];
        for (size_t r = 0; r < vs->n_tls; r++) {
            const struct l4_route *rule = &vs->tls[r];
            for (size_t k = 0; k < rule->n_match; k++) {
                const struct l4_match *m = &rule->match[k];
                if (!tr_l4_match_applies(b, vs, m, port, gs->gw->meta.namespace, gs->gw->meta.name))
                    continue;
                /* only the SNI names this server accepts */
                struct pvec names = {0};
                for (size_t n = 0; n < m->n_sni_hosts; n++)
                    for (size_t s = 0; s < gs->s->n_hosts; s++)
                        if (intersect(m->sni_hosts[n], vs->meta.namespace, gs->s->hosts[s],
                                      gs->gw->meta.namespace) != NULL) {
                            pvec_push(a, &names, (void *)m->sni_hosts[n]);
                            break;
                        }
                if (names.n == 0)
                    continue;
                FilterChainMatch *fm = tr_sni_match(b, (const char *const *)names.v, names.n);
                NetFilter *f = tr_tcp_proxy(b, rule->route, rule->n_route, vs, port, b->from);
                tr_add_chain(b, l, tr_chain(b, NULL, fm, f));
            }
        }
    }
}

/* The tcp_proxy of the first bound VS whose first applicable tcp rule fits. */
static NetFilter *tcp_route(struct tr_build *b, const struct gw_server *gs)
{
    uint32_t port = gs->s->port.number;
    struct pvec served = server_vs(b, gs);
    for (size_t v = 0; v < served.n; v++) {
        const struct virtual_service *vs = served.v[v];
        for (size_t r = 0; r < vs->n_tcp; r++) {
            const struct l4_route *rule = &vs->tcp[r];
            int applies = rule->n_match == 0;
            for (size_t k = 0; k < rule->n_match && !applies; k++)
                applies = tr_l4_match_applies(b, vs, &rule->match[k], port, gs->gw->meta.namespace,
                                              gs->gw->meta.name);
            if (applies)
                return tr_tcp_proxy(b, rule->route, rule->n_route, vs, port, b->from);
        }
    }
    return NULL;
}

static FilterChainMatch *server_sni(struct tr_build *b, const struct gateway_server *s)
{
    const char **names = arena_alloc(b->a, (s->n_hosts + 1) * sizeof(*names));
    for (size_t i = 0; i < s->n_hosts; i++)
        names[i] = bare_host(s->hosts[i]);
    FilterChainMatch *m = tr_sni_match(b, names, s->n_hosts);
    return m->n_server_names > 0 ? m : NULL;
}

/* HTTPS terminated here: its own chain, TLS context and route configuration. */
static void https_chain(struct tr_build *b, struct tr_listener *l, struct gw_server *gs)
{
    struct arena *a = b->a;
    const struct gateway_server *s = gs->s;
    TransportSocket *ts = tr_downstream_tls(b, &s->tls, &gs->gw->meta, 0);
    if (ts == NULL)
        return;
    const char *rds =
        arena_printf(a, "https.%u.%s.%s.%s", s->port.number, s->port.name ? s->port.name : "",
                     gs->gw->meta.name, gs->gw->meta.namespace);
    const char *stat = s->name ? s->name : arena_printf(a, "outbound_%s", l->name);
    size_t refs = b->refs.n;
    FilterChain *c = tr_chain(b, NULL, server_sni(b, s), tr_hcm(b, rds, stat, 1, b->from));
    c->transport_socket = ts;
    size_t before = l->chains.n;
    tr_add_chain(b, l, c);
    if (l->chains.n == before) {
        /* same SNI as an earlier server: Istio skips it, and with it the
         * chain's reference to an RDS that is never emitted */
        b->refs.n = refs;
        return;
    }
    struct pvec one = {0};
    pvec_push(a, &one, gs);
    gateway_route_config(b, rds, &one);
    b->from = arena_printf(a, "listener '%s'", l->name);
}

static void add_server(struct tr_build *b, struct gw_group *g, struct gw_server *gs)
{
    const struct gateway_server *s = gs->s;
    enum istio_protocol p = s->port.protocol;
    enum server_tls_mode mode = s->has_tls ? s->tls.mode : SERVER_TLS_NONE;
    if (p == PROTO_HTTPS || p == PROTO_TLS) {
        if (mode == SERVER_TLS_PASSTHROUGH) {
            passthrough_chains(b, g->l, gs);
        } else if (mode == SERVER_TLS_AUTO_PASSTHROUGH || mode == SERVER_TLS_NONE) {
            return; /* AUTO_PASSTHROUGH needs SNI-DNAT clusters: not supported */
        } else if (p == PROTO_HTTPS) {
            https_chain(b, g->l, gs);
        } else {
            NetFilter *f = tcp_route(b, gs);
            TransportSocket *ts = f ? tr_downstream_tls(b, &s->tls, &gs->gw->meta, 1) : NULL;
            if (ts == NULL)
                return;
            FilterChain *c = tr_chain(b, NULL, server_sni(b, s), f);
            c->transport_socket = ts;
            tr_add_chain(b, g->l, c);
        }
        return;
    }
    if (tr_is_http(p)) {
        pvec_push(b->a, &g->http, gs);
        return;
    }
    NetFilter *f = tcp_route(b, gs);
    if (f != NULL)
        tr_add_chain(b, g->l, tr_chain(b, NULL, NULL, f));
}

static void emit_gateway_listener(struct tr_build *b, struct gw_group *g)
{
    struct arena *a = b->a;
    struct tr_listener *ol = g->l;
    b->from = arena_printf(a, "listener '%s'", ol->name);
    if (g->http.n > 0) {
        int bound = strcmp(ol->bind, "0.0.0.0") != 0;
        const char *rds = bound ? arena_printf(a, "http.%u.%s", ol->port, ol->bind)
                                : arena_printf(a, "http.%u", ol->port);
        NetFilter *hcm = tr_hcm(b, rds, arena_printf(a, "outbound_%s", ol->name), 1, b->from);
        tr_add_chain(b, ol, tr_chain(b, NULL, NULL, hcm));
        gateway_route_config(b, rds, &g->http);
        b->from = arena_printf(a, "listener '%s'", ol->name);
    }
    if (ol->chains.n == 0)
        return; /* nothing routable on this port */
    Listener *l = NEW(a, Listener);
    l->name = (char *)ol->name;
    l->address = pb_address(a, ol->bind, ol->port);
    l->traffic_direction = ENVOY__CONFIG__CORE__V3__TRAFFIC_DIRECTION__OUTBOUND;
    PV_SET(l->filter_chains, l->n_filter_chains, &ol->chains);
    if (ol->sni) {
        l->n_listener_filters = 1;
        l->listener_filters = arena_alloc(a, sizeof(*l->listener_filters));
        l->listener_filters[0] = tr_listener_filter(b, 1);
    }
    tr_emit(b, XDS_LISTENER, l->name, l);
}

void tr_gateway(struct tr_build *b)
{
    struct arena *a = b->a;
    struct map ls, groups;
    map_init_str(&ls, a);
    map_init_str(&groups, a);
    struct pvec order = {0}, gorder = {0};
    for (size_t g = 0; g < b->n_gws; g++) {
        const struct gateway *gw = b->gws[g];
        for (size_t i = 0; i < gw->n_servers; i++) {
            const struct gateway_server *s = &gw->servers[i];
            const char *bind = s->bind ? s->bind : "0.0.0.0";
            struct tr_listener *l =
                tr_get_listener(b, &ls, &order, bind, listen_port(b, s->port.number));
            struct gw_group *grp = map_get(&groups, l->name);
            if (grp == NULL) {
                grp = arena_alloc(a, sizeof(*grp));
                grp->l = l;
                map_add(&groups, l->name, grp);
                pvec_push(a, &gorder, grp);
            }
            struct gw_server *gs = arena_alloc(a, sizeof(*gs));
            gs->gw = gw;
            gs->s = s;
            b->from = arena_printf(a, "listener '%s'", l->name);
            add_server(b, grp, gs);
        }
    }
    for (size_t i = 0; i < gorder.n; i++)
        emit_gateway_listener(b, gorder.v[i]);
    tr_egress_proxy_listeners(b, &ls);
}
