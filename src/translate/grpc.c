/* grpc.c - proxyless gRPC clients (docs/istio-to-envoy.md §6): an API listener named
 * HOST:PORT for every name a client may dial, whose HCM reads RDS named after
 * the cluster (outbound|PORT||HOST); that route configuration holds the
 * service's virtual host with the VirtualService routes bound to the mesh. */
#include "seam.h"

#include <string.h>

#include "xdsd/util.h"

#define SVC_SUFFIX "." HOST_SERVICE_DOMAIN

/* host, and for HOST.NS.svc.cluster.local the short forms a client in
 * the proxy's namespace may dial. */
static void dial_names(struct tr_build *b, const char *host, struct pvec *out)
{
    struct arena *a = b->a;
    pvec_push(a, out, (void *)host);
    size_t lh = strlen(host), ls = strlen(SVC_SUFFIX);
    if (lh <= ls || strcmp(host + lh - ls, SVC_SUFFIX) != 0)
        return;
    const char *dot = strchr(host, '.');
    const char *ns = dot + 1;
    size_t nl = (size_t)(dot - host), nsl = lh - ls - (size_t)(ns - host);
    if (nsl == 0 || memchr(ns, '.', nsl) != NULL)
        return;
    pvec_push(a, out, arena_printf(a, "%.*s", (int)(nl + 1 + nsl), host));
    pvec_push(a, out, arena_printf(a, "%.*s.svc", (int)(nl + 1 + nsl), host));
    if (nsl == strlen(b->id->namespace) && strncmp(ns, b->id->namespace, nsl) == 0)
        pvec_push(a, out, arena_printf(a, "%.*s", (int)nl, host));
}

/* gRPC C core before 1.53 (Debian 12 ships 1.51) knows only the deprecated
 * one-field header matchers and NACKs a route with string_match; grpc-js reads
 * both, so proxyless clients get the old form. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void grpc_legacy_header(HeaderMatcher *h)
{
    const Envoy__Type__Matcher__V3__StringMatcher *s = h->string_match;
    if (h->header_match_specifier_case !=
            ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_STRING_MATCH ||
        s->ignore_case)
        return;
    switch (s->match_pattern_case) {
    case ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_EXACT:
        h->header_match_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_EXACT_MATCH;
        h->exact_match = s->exact;
        break;
    case ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_PREFIX:
        h->header_match_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_PREFIX_MATCH;
        h->prefix_match = s->prefix;
        break;
    case ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_SAFE_REGEX:
        h->header_match_specifier_case =
            ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_SAFE_REGEX_MATCH;
        h->safe_regex_match = s->safe_regex;
        break;
    default:
        break;
    }
}
#pragma GCC diagnostic pop

/* gRPC bounds a call with max_stream_duration, not the route timeout, and
 * reads grpc_timeout_header_max first (gRFC A31): a 0s there would mean "no
 * limit" and hide the timeout, so both carry it. gRPC also rejects per-route
 * config of filters it does not have (CORS). */
static void grpc_routes(struct tr_build *b, struct pvec *routes)
{
    for (size_t i = 0; i < routes->n; i++) {
        Route *r = routes->v[i];
        size_t k = 0;
        for (size_t j = 0; j < r->n_typed_per_filter_config; j++)
            if (strcmp(r->typed_per_filter_config[j]->key, "envoy.filters.http.fault") == 0)
                r->typed_per_filter_config[k++] = r->typed_per_filter_config[j];
        r->n_typed_per_filter_config = k;
        for (size_t j = 0; r->match && j < r->match->n_headers; j++)
            grpc_legacy_header(r->match->headers[j]);
        if (r->action_case != ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_ROUTE)
            continue;
        MaxStreamDuration *m = NEW(b->a, MaxStreamDuration);
        m->max_stream_duration = r->route->timeout;
        m->grpc_timeout_header_max = r->route->timeout;
        r->route->max_stream_duration = m;
    }
}

/* The one virtual host of a proxyless client's route configuration for a
 * service port (TR_VH_GRPC). */
VirtualHost *tr_grpc_vhost(struct tr_build *b, const struct tr_recipe *r)
{
    struct arena *a = b->a;
    const struct tr_svc *svc = tr_recipe_svc(b, r);
    uint32_t port = r->port;
    /* every name a client may dial, bare and with the port */
    struct pvec names = {0}, domains = {0}, routes = {0};
    dial_names(b, svc->host, &names);
    for (size_t i = 0; i < names.n; i++) {
        pvec_push(a, &domains, names.v[i]);
        pvec_push(a, &domains, arena_printf(a, "%s:%u", (const char *)names.v[i], port));
    }
    if (svc->vs != NULL)
        tr_vs_routes(b, svc->vs, port, NULL, NULL, &routes);
    if (routes.n == 0)
        pvec_push(a, &routes,
                  tr_default_route(b, tr_cluster_name(a, port, NULL, svc->host), svc->host, port));
    grpc_routes(b, &routes);
    return tr_vhost(b, arena_cat(a, svc->host, ":", ar_u32(a, port), NULL), &domains, &routes);
}

static VirtualHost *service_vhost(struct tr_build *b, const struct tr_svc *svc, uint32_t port)
{
    return tr_seam_vhost(b, tr_recipe_of_svc(b, TR_VH_GRPC, svc, port), tr_grpc_vhost);
}

static void service_port_build(struct tr_build *b, const struct tr_svc *svc,
                               const struct istio_port *p)
{
    struct arena *a = b->a;
    const char *cluster = tr_cluster_name(a, p->number, NULL, svc->host);
    if (!tr_cluster_exists(b, cluster))
        return;
    struct pvec names = {0}, vhosts = {0};
    dial_names(b, svc->host, &names);
    const char *vip = "0.0.0.0";
    for (size_t i = 0; i < svc->se->n_addresses; i++)
        if (!tr_is_cidr(svc->se->addresses[i])) {
            vip = svc->se->addresses[i];
            break;
        }
    for (size_t i = 0; i < names.n; i++) {
        const char *lname = arena_printf(a, "%s:%u", (const char *)names.v[i], p->number);
        Listener *l = NEW(a, Listener);
        l->name = (char *)lname;
        l->address = pb_address(a, vip, p->number);
        l->api_listener = NEW(a, ApiListener);
        l->api_listener->api_listener =
            tr_hcm_any(b, cluster, arena_printf(a, "listener '%s'", lname));
        tr_emit(b, XDS_LISTENER, lname, l);
    }
    b->from = arena_printf(a, "route configuration '%s'", cluster);
    pvec_push(a, &vhosts, service_vhost(b, svc, p->number));
    tr_route_config(b, cluster, &vhosts, 0);
}

/* The listeners and route configuration of one service port, which an
 * earlier build's may stand for when its ServiceEntry and VirtualService
 * are unchanged. */
static void service_port(struct tr_build *b, const struct tr_svc *svc, const struct istio_port *p)
{
    /* no cluster (a DNS service): nothing here, whatever its VirtualService */
    if (!tr_cluster_exists(b, tr_cluster_name(b->a, p->number, NULL, svc->host)))
        return;
    tr_seam_service_port(b, svc, p, service_port_build);
}

void tr_grpc(struct tr_build *b)
{
    for (size_t i = 0; i < b->n_svcs; i++) {
        const struct tr_svc *svc = &b->svcs[i];
        for (size_t p = 0; p < svc->se->n_ports; p++)
            if (svc->se->ports[p].protocol != PROTO_UDP)
                service_port(b, svc, &svc->se->ports[p]);
    }
}
