/* walk.c - a request hop by hop: at each proxy the listener, filter chain,
 * route and cluster Envoy would pick (listener.c, route.c, cluster.c), then
 * on to the endpoint, which is either the destination or, when the
 * configuration declares it as a gateway proxy, the next hop.
 *
 * What travels between hops is the bytes' layering: the app's own bytes
 * (plain HTTP, TLS when the app speaks it, or opaque TCP), possibly wrapped
 * in TLS that a proxy added (mesh mTLS or origination). A listener whose
 * filter chain has a TLS context takes the outer layer off; an HTTP
 * connection manager can only read plain HTTP. */
#include "sim.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/host.h"
#include "xdsd/util.h"

#define MAX_HOPS 4

/* The bytes on one connection. */
struct layers {
    int wrapped;     /* a proxy's TLS around the app's bytes */
    const char *sni; /* of the wrapping TLS */
    char **alpn;     /* of the wrapping TLS */
    size_t n_alpn;
    int app_tls;  /* the app's bytes are TLS (https://) */
    int app_http; /* under everything, HTTP */
};

static const char *const APP_ALPN[] = {"h2", "http/1.1"};

static void conn_of(const struct layers *b, const struct sim_request *r, const char *ip,
                    uint32_t port, struct sim_conn *c)
{
    memset(c, 0, sizeof(*c));
    c->dst_ip = ip;
    c->dst_port = port;
    c->tls = b->wrapped || b->app_tls;
    if (b->wrapped) {
        c->sni = b->sni;
        c->alpn = (const char *const *)b->alpn;
        c->n_alpn = b->n_alpn;
    } else if (b->app_tls) {
        c->sni = r->host;
        c->alpn = APP_ALPN;
        c->n_alpn = 2;
    }
    c->http = !c->tls && b->app_http;
}

static struct sim_hop *new_hop(struct sim_result *out, const struct proxy_identity *id)
{
    out->hops = xrealloc(out->hops, (out->n_hops + 1) * sizeof(*out->hops));
    struct sim_hop *h = &out->hops[out->n_hops++];
    memset(h, 0, sizeof(*h));
    h->proxy = xstrdup(id->id);
    h->kind = xstrdup(id->type == PROXY_ROUTER ? "gateway" : "sidecar");
    h->filter_chain_index = -1;
    return h;
}

__attribute__((format(printf, 3, 4))) static void stop(struct sim_hop *h, const char *outcome,
                                                       const char *fmt, ...)
{
    va_list ap;
    char *why = NULL;
    va_start(ap, fmt);
    if (vasprintf(&why, fmt, ap) < 0)
        why = NULL;
    va_end(ap);
    free(h->outcome);
    free(h->why);
    h->outcome = xstrdup(outcome);
    h->why = why ? why : xstrdup("");
}

/* The authority the app sends: the host, with the port when not the scheme's. */
static char *authority(const struct sim_request *r)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcmp(r->headers[i].key, "host") == 0)
            return xstrdup(r->headers[i].value);
    uint32_t def = r->scheme == SIM_HTTPS ? 443 : 80;
    return r->port == def ? xstrdup(r->host) : xasprintf("%s:%u", r->host, r->port);
}

static void set_branches(struct sim_hop *h, const char *single, size_t n, char **names,
                         const uint32_t *weights)
{
    if (single) {
        h->cluster = xstrdup(single);
        return;
    }
    h->branches = xcalloc(n ? n : 1, sizeof(*h->branches));
    h->n_branches = n;
    size_t heavy = 0;
    for (size_t i = 0; i < n; i++) {
        h->branches[i].cluster = xstrdup(names[i]);
        h->branches[i].weight = weights[i];
        if (weights[i] > weights[heavy])
            heavy = i;
    }
    h->cluster = xstrdup(n ? names[heavy] : "");
}

/* The HTTP half of a hop: route configuration, virtual host, route, and the
 * cluster(s) of its action. 0 when a cluster was chosen. */
static int http_hop(struct sim_msgs *m, const struct xds_view *v, const Hcm *hcm,
                    const struct sim_request *r, struct sim_hop *h)
{
    /* route_specifier is a oneof: an inline route configuration (the
     * gateway's forward proxy for egressProxy) or the name of one over RDS */
    RouteConfig *rc = NULL;
    const char *rds = "";
    if (hcm->route_specifier_case ==
        ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_CONNECTION_MANAGER__ROUTE_SPECIFIER_ROUTE_CONFIG) {
        rc = hcm->route_config;
        rds = rc && rc->name && *rc->name ? rc->name : "(inline)";
    } else if (hcm->route_specifier_case ==
               ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_CONNECTION_MANAGER__ROUTE_SPECIFIER_RDS) {
        rds = hcm->rds->route_config_name;
        const struct xds_resource *res = xds_view_find(v, XDS_ROUTE, rds);
        rc = res ? sim_unpack(m, &RouteConfig_desc, res->bytes, res->len) : NULL;
    }
    h->route_config = xstrdup(rds);
    if (rc == NULL) {
        stop(h, "404 NR", "route configuration %s was not sent", rds);
        return -1;
    }
    char *auth = authority(r);
    VirtualHost *vh = sim_virtual_host(rc, auth);
    if (vh == NULL) {
        stop(h, "404 NR", "no virtual host of route configuration %s has a domain for '%s'", rds,
             auth);
        free(auth);
        return -1;
    }
    h->virtual_host = xstrdup(vh->name);
    Route *rt = sim_route(vh, r);
    if (rt == NULL) {
        stop(h, "404 NR", "no route of virtual host %s matches %s '%s'", vh->name, auth,
             r->path ? r->path : "/");
        free(auth);
        return -1;
    }
    free(auth);
    h->route = xstrdup(rt->name);
    if (rt->action_case == ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_DIRECT_RESPONSE) {
        char *code = xasprintf("%u direct response", rt->direct_response->status);
        stop(h, code, "route %s answers itself%s", rt->name,
             strcmp(vh->name, "block_all") == 0
                 ? " (REGISTRY_ONLY: no ServiceEntry declares this host)"
                 : "");
        free(code);
        return -1;
    }
    if (rt->action_case == ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_REDIRECT) {
        stop(h, "301 redirect", "route %s redirects", rt->name);
        return -1;
    }
    const Envoy__Config__Route__V3__RouteAction *a = rt->route;
    if (a->cluster_specifier_case ==
        ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_SPECIFIER_CLUSTER) {
        set_branches(h, a->cluster, 0, NULL, NULL);
        return 0;
    }
    if (a->cluster_specifier_case !=
        ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_SPECIFIER_WEIGHTED_CLUSTERS) {
        stop(h, "503 NC", "route %s names no cluster", rt->name);
        return -1;
    }
    size_t n = a->weighted_clusters->n_clusters;
    char **names = xcalloc(n + 1, sizeof(*names));
    uint32_t *w = xcalloc(n + 1, sizeof(*w));
    for (size_t i = 0; i < n; i++) {
        names[i] = a->weighted_clusters->clusters[i]->name;
        w[i] = a->weighted_clusters->clusters[i]->weight
                   ? a->weighted_clusters->clusters[i]->weight->value
                   : 0;
    }
    set_branches(h, NULL, n, names, w);
    free(names);
    free(w);
    return 0;
}

static void tcp_hop(const TcpProxy *t, struct sim_hop *h)
{
    if (t->cluster_specifier_case !=
        ENVOY__EXTENSIONS__FILTERS__NETWORK__TCP_PROXY__V3__TCP_PROXY__CLUSTER_SPECIFIER_WEIGHTED_CLUSTERS) {
        set_branches(h, t->cluster, 0, NULL, NULL);
        return;
    }
    size_t n = t->weighted_clusters->n_clusters;
    char **names = xcalloc(n + 1, sizeof(*names));
    uint32_t *w = xcalloc(n + 1, sizeof(*w));
    for (size_t i = 0; i < n; i++) {
        names[i] = t->weighted_clusters->clusters[i]->name;
        w[i] = t->weighted_clusters->clusters[i]->weight;
    }
    set_branches(h, NULL, n, names, w);
    free(names);
    free(w);
}

/* The gateway proxy at address, as the configuration declares it: a
 * ServiceEntry endpoint there whose labels some Gateway selects. Fills id
 * (release it) and returns 1, else 0. */
static int gateway_at(const struct config_set *cfg, const char *address, struct proxy_identity *id)
{
    size_t nse = 0, ngw = 0;
    const struct service_entry *se = config_service_entries(cfg, &nse);
    const struct gateway *gw = config_gateways(cfg, &ngw);
    for (size_t i = 0; i < nse; i++)
        for (size_t e = 0; e < se[i].n_endpoints; e++) {
            const struct se_endpoint *ep = &se[i].endpoints[e];
            if (strcmp(ep->address, address) != 0 || se[i].n_hosts == 0)
                continue;
            for (size_t g = 0; g < ngw; g++) {
                const struct config_labels *sel = &gw[g].selector;
                int all = sel->n > 0;
                for (size_t k = 0; all && k < sel->n; k++) {
                    int found = 0;
                    for (size_t l = 0; l < ep->labels.n; l++)
                        found |= strcmp(ep->labels.items[l].key, sel->items[k].key) == 0 &&
                                 strcmp(ep->labels.items[l].value, sel->items[k].value) == 0;
                    all = found;
                }
                if (!all)
                    continue;
                /* istio-egressgateway.istio-system.svc.cluster.local: pod
                 * named after the service, in the host's namespace */
                const char *host = se[i].hosts[0];
                size_t short_len = strcspn(host, ".");
                const char *ns = se[i].meta.namespace;
                char *ns_buf = NULL;
                if (strstr(host, "." HOST_SERVICE_DOMAIN) && host[short_len] == '.') {
                    const char *n0 = host + short_len + 1;
                    ns = ns_buf = xstrndup(n0, strcspn(n0, "."));
                }
                char *node = xasprintf("router~%s~%.*s.%s~%s.svc.cluster.local", address,
                                       (int)short_len, host, ns, ns);
                proxy_identity_init(id, node, "router", ns, ep->labels.items, ep->labels.n, NULL);
                free(node);
                free(ns_buf);
                return 1;
            }
        }
    return 0;
}

static int is_ip(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

/* One hop at the proxy of view v. Returns 1 when the walk goes on to the
 * gateway put in *next, 0 when it ended. */
static int one_hop(struct sim_msgs *m, const struct xds_view *v, const struct config_set *cfg,
                   const struct sim_request *r, struct sim_hop *h, struct layers *b,
                   const char *dst_ip, uint32_t dst_port, int captured, struct proxy_identity *next,
                   char **next_ip, uint32_t *next_port, struct sim_result *out)
{
    struct sim_conn c;
    conn_of(b, r, dst_ip, dst_port, &c);
    Listener *l = sim_listener(m, v, &c, captured);
    if (l == NULL) {
        stop(h, "connection refused", "no listener on port %u", dst_port);
        return 0;
    }
    h->listener = xstrdup(l->name);
    int idx;
    FilterChain *fc = sim_filter_chain(l, &c, &idx);
    int tls_insp = sim_has_filter(l, "envoy.filters.listener.tls_inspector");
    h->transport = xstrdup(tls_insp && c.tls ? "tls" : "raw_buffer");
    if (fc == NULL) {
        h->sni = sim_str(tls_insp && c.tls ? c.sni : NULL);
        stop(h, "connection reset", "no filter chain of listener %s matches and it has no default",
             l->name);
        return 0;
    }
    h->filter_chain = sim_str(fc->name);
    h->filter_chain_index = idx;
    DownstreamTlsContext *dtls =
        fc->transport_socket
            ? sim_unpack_any(m, &DownstreamTlsContext_desc, fc->transport_socket->typed_config)
            : NULL;
    h->sni = sim_str((tls_insp || dtls) && c.tls ? c.sni : NULL);
    if (dtls && !c.tls) {
        stop(h, "connection reset", "filter chain of listener %s expects TLS, the client sent none",
             l->name);
        return 0;
    }
    if (dtls) {
        if (b->wrapped)
            b->wrapped = 0;
        else
            b->app_tls = 0; /* the gateway terminates the app's own TLS */
    }
    Hcm *hcm = NULL;
    TcpProxy *tcp = NULL;
    for (size_t i = 0; i < fc->n_filters; i++) {
        if (!hcm)
            hcm = sim_unpack_any(m, &Hcm_desc, fc->filters[i]->typed_config);
        if (!tcp)
            tcp = sim_unpack_any(m, &TcpProxy_desc, fc->filters[i]->typed_config);
    }
    if (hcm) {
        if (b->wrapped || b->app_tls || !b->app_http) {
            stop(h, "connection reset",
                 "filter chain %d of %s speaks HTTP and the bytes here are %s", idx, l->name,
                 b->wrapped || b->app_tls ? "TLS" : "not HTTP");
            return 0;
        }
        if (http_hop(m, v, hcm, r, h) < 0)
            return 0;
    } else if (tcp) {
        tcp_hop(tcp, h);
    } else {
        stop(h, "connection reset", "filter chain %d of %s has no proxy filter", idx, l->name);
        return 0;
    }
    const char *what = hcm ? "503" : "connection reset";
    Cluster *cl = sim_cluster(m, v, h->cluster);
    if (cl == NULL) {
        stop(h, hcm ? "503 NC" : what, "cluster %s was not sent", h->cluster);
        return 0;
    }
    if (cl->cluster_discovery_type_case ==
            ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_TYPE &&
        cl->type == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__ORIGINAL_DST) {
        /* out as it came: to the address the app connected to */
        h->upstream = xasprintf("%s:%u", r->host, r->port);
        h->tls = xstrdup(b->app_tls ? "passthrough" : "plain");
        h->why = xstrdup("PassthroughCluster: out to the address the app connected to; no "
                         "ServiceEntry took it and the outbound traffic policy is ALLOW_ANY");
        out->destination = xasprintf("%s:%u", r->host, r->port);
        return 0;
    }
    if (cl->cluster_discovery_type_case ==
            ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_CLUSTER_TYPE &&
        cl->cluster_type && cl->cluster_type->name &&
        strcmp(cl->cluster_type->name, "envoy.clusters.dynamic_forward_proxy") == 0) {
        /* the gateway's forward proxy (egressProxy): out to the host the
         * request names (Host for HTTP, SNI for TLS), resolved there */
        h->upstream = xasprintf("%s:%u", r->host, r->port);
        h->tls = xstrdup(b->app_tls ? "passthrough" : "plain");
        h->why = xstrdup("dynamic forward proxy: out to the host the request names, resolved by "
                         "the gateway");
        out->destination = xasprintf("%s:%u", r->host, r->port);
        return 0;
    }
    size_t n = 0;
    struct sim_endpoint *eps = sim_endpoints(m, v, cl, &n);
    if (n == 0) {
        free(eps);
        stop(h, hcm ? "503 UH" : what, "cluster %s has no endpoint%s", h->cluster,
             strcmp(h->cluster, "BlackHoleCluster") == 0 ? " (BlackHoleCluster drops the traffic)"
                                                         : "");
        return 0;
    }
    struct sim_endpoint ep = eps[0];
    free(eps);
    h->upstream = xasprintf("%s:%u", ep.address, ep.port);
    UpstreamTlsContext *utls = sim_upstream_tls(m, cl, &ep);
    int gw = gateway_at(cfg, ep.address, next);
    h->tls = xstrdup(utls                       ? (gw ? "ISTIO_MUTUAL" : "originated")
                     : b->wrapped || b->app_tls ? "passthrough"
                                                : "plain");
    if (utls) {
        b->wrapped = 1;
        b->sni = utls->sni && *utls->sni ? utls->sni : NULL;
        const CommonTlsContext *ct = utls->common_tls_context;
        b->alpn = ct ? ct->alpn_protocols : NULL;
        b->n_alpn = ct ? ct->n_alpn_protocols : 0;
    }
    if (!gw) {
        out->destination = xasprintf("%s:%u", ep.address, ep.port);
        return 0;
    }
    *next_ip = xstrdup(ep.address);
    *next_port = ep.port;
    return 1;
}

int sim_walk(sim_view_fn view, void *ctx, const struct config_set *cfg,
             const struct proxy_identity *id, const struct sim_request *r, struct sim_result *out,
             char **err)
{
    struct sim_msgs m;
    sim_msgs_init(&m);
    int rc = sim_walk_in(&m, view, ctx, cfg, id, r, out, err);
    sim_msgs_release(&m);
    return rc;
}

int sim_walk_in(struct sim_msgs *m, sim_view_fn view, void *ctx, const struct config_set *cfg,
                const struct proxy_identity *id, const struct sim_request *r,
                struct sim_result *out, char **err)
{
    memset(out, 0, sizeof(*out));
    struct layers b = {.app_tls = r->scheme == SIM_HTTPS, .app_http = r->scheme != SIM_TCP};
    struct proxy_identity cur, next;
    proxy_identity_init(&cur, id->id, id->type == PROXY_ROUTER ? "router" : "sidecar",
                        id->namespace, id->labels, id->n_labels, NULL);
    char *ip = xstrdup(is_ip(r->host) ? r->host : "");
    uint32_t port = r->port;
    int rc = 0;
    for (int i = 0; i < MAX_HOPS; i++) {
        const struct xds_view *v = view(ctx, &cur, err);
        if (v == NULL) {
            rc = -1;
            break;
        }
        struct sim_hop *h = new_hop(out, &cur);
        char *next_ip = NULL;
        int captured = i == 0 && cur.type == PROXY_SIDECAR;
        int more = one_hop(m, v, cfg, r, h, &b, *ip ? ip : NULL, port, captured, &next, &next_ip,
                           &port, out);
        proxy_identity_release(&cur);
        if (!more) {
            memset(&cur, 0, sizeof(cur));
            break;
        }
        cur = next;
        free(ip);
        ip = next_ip;
    }
    if (cur.id)
        proxy_identity_release(&cur);
    free(ip);
    return rc;
}

void sim_result_release(struct sim_result *res)
{
    for (size_t i = 0; i < res->n_hops; i++) {
        struct sim_hop *h = &res->hops[i];
        char **s[] = {&h->proxy,   &h->kind,      &h->listener,     &h->filter_chain,
                      &h->sni,     &h->transport, &h->route_config, &h->virtual_host,
                      &h->route,   &h->cluster,   &h->upstream,     &h->tls,
                      &h->outcome, &h->why};
        for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++)
            free(*s[k]);
        for (size_t k = 0; k < h->n_branches; k++)
            free(h->branches[k].cluster);
        free(h->branches);
    }
    free(res->hops);
    free(res->destination);
    memset(res, 0, sizeof(*res));
}
