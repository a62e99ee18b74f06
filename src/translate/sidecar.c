/* sidecar.c - what a sidecar receives for outbound traffic (docs/istio-to-envoy.md §2):
 * virtualOutbound on 15001, 0.0.0.0_PORT HTTP listeners with RDS "PORT",
 * SNI / CIDR / VIP matched tcp_proxy listeners for TLS and TCP ports, the
 * PassthroughFilterChain, and the RouteConfigurations of the HTTP ports. */
#include "seam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

/* The capture port: a service port equal to it would be a second listener on
 * 0.0.0.0:15001, which Envoy refuses; such ports get no listener. */
#define VIRTUAL_OUTBOUND_PORT TR_CAPTURE_PORT

static void virtual_outbound(struct tr_build *b)
{
    struct arena *a = b->a;
    Listener *l = NEW(a, Listener);
    l->name = "virtualOutbound";
    b->from = "listener 'virtualOutbound'";
    l->address = pb_address(a, "0.0.0.0", VIRTUAL_OUTBOUND_PORT);
    l->use_original_dst = pb_bool(a, 1);
    l->traffic_direction = ENVOY__CONFIG__CORE__V3__TRAFFIC_DIRECTION__OUTBOUND;
    /* a connection made to 15001 itself would loop: black-hole it */
    FilterChainMatch *self = NEW(a, FilterChainMatch);
    self->destination_port = pb_u32(a, VIRTUAL_OUTBOUND_PORT);
    l->n_filter_chains = 2;
    l->filter_chains = arena_alloc(a, 2 * sizeof(*l->filter_chains));
    l->filter_chains[0] = tr_chain(b, "virtualOutbound-blackhole", self,
                                   tr_tcp_proxy_to(b, "BlackHoleCluster", b->from));
    l->filter_chains[1] = tr_chain(b, "virtualOutbound-catchall-tcp", NULL,
                                   tr_tcp_proxy_to(b, tr_catch_all_cluster(b), b->from));
    tr_emit(b, XDS_LISTENER, l->name, l);
}

static CidrRange *cidr(struct arena *a, const char *text)
{
    CidrRange *r = NEW(a, CidrRange);
    const char *slash = strchr(text, '/');
    uint32_t len = strchr(text, ':') ? 128 : 32;
    if (slash != NULL) {
        r->address_prefix = arena_printf(a, "%.*s", (int)(slash - text), text);
        len = (uint32_t)strtoul(slash + 1, NULL, 10);
    } else {
        r->address_prefix = (char *)text;
    }
    r->prefix_len = pb_u32(a, len);
    return r;
}

static void set_ranges(struct arena *a, FilterChainMatch *m, const char **v, size_t n)
{
    m->n_prefix_ranges = n;
    m->prefix_ranges = arena_alloc(a, (n + 1) * sizeof(CidrRange *));
    for (size_t i = 0; i < n; i++)
        m->prefix_ranges[i] = cidr(a, v[i]);
}

static const char *service_bind(const struct service_entry *se)
{
    for (size_t i = 0; i < se->n_addresses; i++)
        if (!tr_is_cidr(se->addresses[i]))
            return se->addresses[i];
    return "0.0.0.0";
}

/* tls: rules of the host's VirtualService, then the default chain. */
static void tls_chains(struct tr_build *b, struct tr_listener *l, const struct tr_svc *svc,
                       const struct istio_port *p)
{
    struct arena *a = b->a;
    const struct virtual_service *vs = tr_svc_vs(b, svc);
    size_t added = 0;
    for (size_t r = 0; vs != NULL && r < vs->n_tls; r++) {
        const struct l4_route *rule = &vs->tls[r];
        for (size_t k = 0; k < rule->n_match; k++) {
            const struct l4_match *m = &rule->match[k];
            if (!tr_l4_match_applies(b, vs, m, p->number, NULL, NULL))
                continue;
            FilterChainMatch *fm = tr_sni_match(b, m->sni_hosts, m->n_sni_hosts);
            set_ranges(a, fm, m->destination_subnets, m->n_destination_subnets);
            NetFilter *f = tr_tcp_proxy(b, rule->route, rule->n_route, vs, p->number, b->from);
            tr_add_chain(b, l, tr_chain(b, NULL, fm, f));
            added++;
        }
    }
    if (added > 0)
        return;
    const char *cluster = tr_cluster_name(a, p->number, NULL, svc->host);
    if (!tr_cluster_exists(b, cluster))
        return;
    FilterChainMatch *fm = NULL;
    if (strcmp(l->bind, "0.0.0.0") == 0) {
        fm = tr_sni_match(b, &svc->host, 1);
        if (fm->n_server_names == 0)
            fm = NULL;
    }
    tr_add_chain(b, l, tr_chain(b, NULL, fm, tr_tcp_proxy_to(b, cluster, b->from)));
}

/* tcp: the first applicable rule without destinationSubnets ends the list. */
static void tcp_chains(struct tr_build *b, struct tr_listener *l, const struct tr_svc *svc,
                       const struct istio_port *p)
{
    struct arena *a = b->a;
    const struct virtual_service *vs = tr_svc_vs(b, svc);
    int wildcard = strcmp(l->bind, "0.0.0.0") == 0;
    for (size_t r = 0; vs != NULL && r < vs->n_tcp; r++) {
        const struct l4_route *rule = &vs->tcp[r];
        const struct l4_match *hit = NULL;
        int applies = rule->n_match == 0;
        for (size_t k = 0; k < rule->n_match && !applies; k++)
            if (tr_l4_match_applies(b, vs, &rule->match[k], p->number, NULL, NULL)) {
                hit = &rule->match[k];
                applies = 1;
            }
        if (!applies)
            continue;
        FilterChainMatch *fm = NULL;
        if (hit != NULL && hit->n_destination_subnets > 0) {
            fm = NEW(a, FilterChainMatch);
            set_ranges(a, fm, hit->destination_subnets, hit->n_destination_subnets);
        }
        tr_add_chain(b, l,
                     tr_chain(b, NULL, fm,
                              tr_tcp_proxy(b, rule->route, rule->n_route, vs, p->number, b->from)));
        if (fm == NULL)
            return;
    }
    const char *cluster = tr_cluster_name(a, p->number, NULL, svc->host);
    if (!tr_cluster_exists(b, cluster))
        return;
    FilterChainMatch *fm = NULL;
    size_t n_cidr = 0;
    for (size_t i = 0; i < svc->se->n_addresses; i++)
        n_cidr += tr_is_cidr(svc->se->addresses[i]);
    if (wildcard && n_cidr > 0) {
        fm = NEW(a, FilterChainMatch);
        set_ranges(a, fm, svc->se->addresses, svc->se->n_addresses);
    }
    tr_add_chain(b, l, tr_chain(b, NULL, fm, tr_tcp_proxy_to(b, cluster, b->from)));
}

static FilterChain *passthrough_chain(struct tr_build *b)
{
    return tr_chain(b, "PassthroughFilterChain", NULL,
                    tr_tcp_proxy_to(b, tr_catch_all_cluster(b), b->from));
}

static void emit_listener(struct tr_build *b, struct tr_listener *ol)
{
    struct arena *a = b->a;
    Listener *l = NEW(a, Listener);
    l->name = (char *)ol->name;
    l->address = pb_address(a, ol->bind, ol->port);
    l->bind_to_port = pb_bool(a, 0);
    l->traffic_direction = ENVOY__CONFIG__CORE__V3__TRAFFIC_DIRECTION__OUTBOUND;
    PV_SET(l->filter_chains, l->n_filter_chains, &ol->chains);
    if (ol->match_all == NULL)
        l->default_filter_chain = passthrough_chain(b);
    struct pvec lf = {0};
    if (ol->sni)
        pvec_push(a, &lf, tr_listener_filter(b, 1));
    if (ol->http) {
        pvec_push(a, &lf, tr_listener_filter(b, 0));
        l->listener_filters_timeout = pb_ms(a, 0);
        l->continue_on_listener_filters_timeout = 1;
    }
    PV_SET(l->listener_filters, l->n_listener_filters, &lf);
    tr_emit(b, XDS_LISTENER, l->name, l);
}

/* ---- RDS of an HTTP port ---------------------------------------------------------------- */

#define SVC_SUFFIX "." HOST_SERVICE_DOMAIN

/* The names a client in the proxy's namespace may use for host (docs/istio-to-envoy.md §1.4). */
static void domains_for(struct tr_build *b, const struct tr_svc *svc, struct pvec *out)
{
    struct arena *a = b->a;
    const char *h = svc->host;
    pvec_push(a, out, (void *)h);
    size_t lh = strlen(h), ls = strlen(SVC_SUFFIX);
    if (lh > ls && strcmp(h + lh - ls, SVC_SUFFIX) == 0) {
        const char *dot = strchr(h, '.');
        const char *ns = dot + 1;
        size_t nl = (size_t)(dot - h), nsl = lh - ls - (size_t)(ns - h);
        if (nsl == strlen(b->id->namespace) && strncmp(ns, b->id->namespace, nsl) == 0)
            pvec_push(a, out, arena_printf(a, "%.*s", (int)nl, h));
        if (nsl > 0 && memchr(ns, '.', nsl) == NULL) {
            pvec_push(a, out, arena_printf(a, "%.*s", (int)(nl + 1 + nsl), h));
            pvec_push(a, out, arena_printf(a, "%.*s.svc", (int)(nl + 1 + nsl), h));
        }
    }
    if (h[0] != '*')
        pvec_push(a, out, arena_printf(a, "%s.", h));
    for (size_t i = 0; i < svc->se->n_addresses; i++)
        if (!tr_is_cidr(svc->se->addresses[i]))
            pvec_push(a, out, (void *)svc->se->addresses[i]);
}

static VirtualHost *catch_all_vhost(struct tr_build *b)
{
    struct arena *a = b->a;
    struct pvec domains = {0}, routes = {0};
    pvec_push(a, &domains, "*");
    if (tr_outbound_policy(b) == OUTBOUND_REGISTRY_ONLY) {
        Route *r = NEW(a, Route);
        r->name = "block_all";
        r->match = NEW(a, RouteMatch);
        r->match->path_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PREFIX;
        r->match->prefix = "/";
        r->action_case = ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_DIRECT_RESPONSE;
        r->direct_response = NEW(a, DirectResponse);
        r->direct_response->status = 502;
        pvec_push(a, &routes, r);
        return tr_vhost(b, "block_all", &domains, &routes);
    }
    Route *r = tr_default_route(b, tr_catch_all_cluster(b), NULL, 0);
    r->name = "allow_any";
    pvec_push(a, &routes, r);
    return tr_vhost(b, "allow_any", &domains, &routes);
}

struct http_port {
    uint32_t port;
    struct pvec svcs;
};

/* The virtual host of a service on an HTTP port (TR_VH_SERVICE), or NULL
 * when it has none (no route and no cluster). */
VirtualHost *tr_sidecar_service_vhost(struct tr_build *b, const struct tr_recipe *r)
{
    struct arena *a = b->a;
    const struct tr_svc *svc = tr_recipe_svc(b, r);
    uint32_t port = r->port;
    const char *cluster = tr_cluster_name(a, port, NULL, svc->host);
    struct pvec domains = {0}, routes = {0};
    if (svc->vs != NULL)
        tr_vs_routes(b, svc->vs, port, NULL, NULL, &routes);
    if (routes.n == 0) {
        if (!tr_cluster_exists(b, cluster))
            return NULL;
        pvec_push(a, &routes, tr_default_route(b, cluster, svc->host, port));
    }
    domains_for(b, svc, &domains);
    return tr_vhost(b, arena_cat(a, svc->host, ":", ar_u32(a, port), NULL), &domains, &routes);
}

/* The virtual host of a VirtualService host that is no service
 * (TR_VH_VS_HOST, port 80 only), or NULL when the VirtualService routes
 * nothing there. */
VirtualHost *tr_sidecar_vs_vhost(struct tr_build *b, const struct tr_recipe *r)
{
    struct arena *a = b->a;
    struct pvec domains = {0}, routes = {0};
    tr_vs_routes(b, &b->m->virtual_services[r->vs[0]], r->port, NULL, NULL, &routes);
    if (routes.n == 0)
        return NULL;
    pvec_push(a, &domains, (void *)r->host);
    return tr_vhost(b, arena_cat(a, r->host, ":", ar_u32(a, r->port), NULL), &domains, &routes);
}

static VirtualHost *service_vhost(struct tr_build *b, const struct tr_svc *svc, uint32_t port)
{
    return tr_seam_vhost(b, tr_recipe_of_svc(b, TR_VH_SERVICE, svc, port),
                         tr_sidecar_service_vhost);
}

static VirtualHost *vs_host_vhost(struct tr_build *b, const struct virtual_service *vs,
                                  const char *host, uint32_t port)
{
    struct tr_recipe *r = tr_recipe_new(b, TR_VH_VS_HOST, port, host, 1);
    r->vs[0] = (size_t)(vs - b->m->virtual_services);
    return tr_seam_vhost(b, r, tr_sidecar_vs_vhost);
}

static void http_route_config(struct tr_build *b, uint32_t port, struct pvec *svcs)
{
    struct arena *a = b->a;
    const char *name = ar_u32(a, port);
    b->from = arena_printf(a, "route configuration '%s'", name);
    struct pvec vhosts = {0};
    for (size_t i = 0; i < svcs->n; i++) {
        VirtualHost *v = service_vhost(b, svcs->v[i], port);
        if (v != NULL)
            pvec_push(a, &vhosts, v);
    }
    /* VirtualService hosts that are not services: kept on port 80 only; of
     * several VirtualServices for one host the first, as for services */
    struct map seen;
    map_init_str(&seen, a);
    for (size_t i = 0; port == 80 && i < b->vs_all.n; i++) {
        const struct virtual_service *vs = b->vs_all.v[i];
        if (!tr_vs_bound(vs, NULL, NULL))
            continue;
        for (size_t h = 0; h < vs->n_hosts; h++) {
            const char *host = host_fqdn(a, vs->hosts[h], vs->meta.namespace);
            if (tr_find_svc(b, host) != NULL || !map_add(&seen, host, NULL))
                continue;
            VirtualHost *v = vs_host_vhost(b, vs, host, port);
            if (v != NULL)
                pvec_push(a, &vhosts, v);
        }
    }
    pvec_push(a, &vhosts, catch_all_vhost(b));
    tr_route_config(b, name, &vhosts, 1);
}

static void http_listener(struct tr_build *b, struct tr_listener *l)
{
    struct arena *a = b->a;
    FilterChainMatch *m = NEW(a, FilterChainMatch);
    m->transport_protocol = "raw_buffer";
    m->n_application_protocols = 2;
    m->application_protocols = arena_alloc(a, 2 * sizeof(char *));
    m->application_protocols[0] = "http/1.1";
    m->application_protocols[1] = "h2c";
    const char *rds = ar_u32(a, l->port);
    NetFilter *hcm = tr_hcm(b, rds, arena_printf(a, "outbound_%s", l->name), 0,
                            arena_printf(a, "listener '%s'", l->name));
    tr_add_chain(b, l, tr_chain(b, NULL, m, hcm));
}

void tr_sidecar(struct tr_build *b)
{
    struct arena *a = b->a;
    virtual_outbound(b);
    struct map ls, http_ports;
    map_init_str(&ls, a);
    map_init_str(&http_ports, a);
    struct pvec order = {0}, ports = {0};
    /* HTTP ports first: their listener is always the wildcard one */
    for (size_t i = 0; i < b->n_svcs; i++) {
        const struct tr_svc *svc = &b->svcs[i];
        for (size_t p = 0; p < svc->se->n_ports; p++) {
            const struct istio_port *port = &svc->se->ports[p];
            if (!tr_is_http(port->protocol) || port->number == VIRTUAL_OUTBOUND_PORT ||
                !tr_scope_port_sees(b, port->number, svc->se->meta.namespace, svc->host))
                continue;
            const char *key = ar_u32(a, port->number);
            struct http_port *hp = map_get(&http_ports, key);
            if (hp == NULL) {
                hp = arena_alloc(a, sizeof(*hp));
                hp->port = port->number;
                map_add(&http_ports, key, hp);
                pvec_push(a, &ports, hp);
                const char *bind = tr_scope_bind(b, port->number);
                struct tr_listener *l =
                    tr_get_listener(b, &ls, &order, bind ? bind : "0.0.0.0", port->number);
                l->http = 1;
                b->from = arena_printf(a, "listener '%s'", l->name);
                http_listener(b, l);
            }
            pvec_push(a, &hp->svcs, (void *)svc);
        }
    }
    for (size_t i = 0; i < b->n_svcs; i++) {
        const struct tr_svc *svc = &b->svcs[i];
        for (size_t p = 0; p < svc->se->n_ports; p++) {
            const struct istio_port *port = &svc->se->ports[p];
            if ((tr_is_http(port->protocol) && port->protocol != PROTO_UNSET) ||
                port->protocol == PROTO_UDP || port->number == VIRTUAL_OUTBOUND_PORT ||
                !tr_scope_port_sees(b, port->number, svc->se->meta.namespace, svc->host))
                continue;
            /* an unnamed port sniffs: its wildcard HTTP listener also gets the
             * service's TCP chain for whatever is not HTTP */
            const char *bind = tr_scope_bind(b, port->number);
            if (bind == NULL)
                bind = port->protocol == PROTO_UNSET ? "0.0.0.0" : service_bind(svc->se);
            struct tr_listener *l = tr_get_listener(b, &ls, &order, bind, port->number);
            b->from = arena_printf(a, "listener '%s'", l->name);
            if (port->protocol == PROTO_TLS || port->protocol == PROTO_HTTPS)
                tls_chains(b, l, svc, port);
            else
                tcp_chains(b, l, svc, port);
        }
    }
    for (size_t i = 0; i < order.n; i++) {
        struct tr_listener *l = order.v[i];
        b->from = arena_printf(a, "listener '%s'", l->name);
        if (l->chains.n > 0)
            emit_listener(b, l);
    }
    for (size_t i = 0; i < ports.n; i++) {
        struct http_port *hp = ports.v[i];
        http_route_config(b, hp->port, &hp->svcs);
    }
}
