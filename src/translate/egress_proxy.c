/* egress_proxy.c - the egress gateway's side of a Sidecar's egressProxy
 * (docs/istio-to-envoy.md §2.5). Sidecars send what no service declares to
 * a port of the gateway's own service; there the gateway forwards it to the
 * host it was meant for with Envoy's dynamic forward proxy: TLS by its SNI
 * (envoy.filters.network.sni_dynamic_forward_proxy, to port 443), anything
 * else as HTTP by its Host (envoy.filters.http.dynamic_forward_proxy), both
 * through one dynamic_forward_proxy cluster, and logs each connection or
 * request like its other listeners. */
#include "build.h"

#include <string.h>

#include "envoy/extensions/clusters/dynamic_forward_proxy/v3/cluster.pb-c.h"
#include "envoy/extensions/filters/http/dynamic_forward_proxy/v3/dynamic_forward_proxy.pb-c.h"
#include "envoy/extensions/filters/network/sni_dynamic_forward_proxy/v3/sni_dynamic_forward_proxy.pb-c.h"

#define DnsCache Envoy__Extensions__Common__DynamicForwardProxy__V3__DnsCacheConfig
#define DnsCache_desc                                                                              \
    envoy__extensions__common__dynamic_forward_proxy__v3__dns_cache_config__descriptor
#define DfpCluster Envoy__Extensions__Clusters__DynamicForwardProxy__V3__ClusterConfig
#define DfpCluster_desc                                                                            \
    envoy__extensions__clusters__dynamic_forward_proxy__v3__cluster_config__descriptor
#define DfpHttp Envoy__Extensions__Filters__Http__DynamicForwardProxy__V3__FilterConfig
#define DfpHttp_desc                                                                               \
    envoy__extensions__filters__http__dynamic_forward_proxy__v3__filter_config__descriptor
#define DfpSni Envoy__Extensions__Filters__Network__SniDynamicForwardProxy__V3__FilterConfig
#define DfpSni_desc                                                                                \
    envoy__extensions__filters__network__sni_dynamic_forward_proxy__v3__filter_config__descriptor

/* The cluster both filters send to, and the DNS cache they share. */
#define DFP_CLUSTER "EgressForwardProxyCluster"
#define DFP_CACHE "egress_forward_proxy_dns"
#define DFP_TLS_PORT 443
#define DFP_CONNECT_TIMEOUT_MS 10000

/* Is one of the gateway's own service's hosts the host of sc's egressProxy? */
static int targets_own(const struct tr_build *b, const struct sidecar *sc)
{
    if (!sc->has_egress_proxy || sc->egress_proxy.host == NULL || b->own_se == NULL)
        return 0;
    const char *host = host_fqdn(b->a, sc->egress_proxy.host, sc->meta.namespace);
    const struct service_entry *se = b->own_se;
    for (size_t h = 0; h < se->n_hosts; h++)
        if (strcmp(host_fqdn(b->a, se->hosts[h], se->meta.namespace), host) == 0)
            return 1;
    return 0;
}

/* The ports of the gateway's own service some Sidecar's egressProxy names,
 * each once, in the service's order. */
static size_t proxied_ports(const struct tr_build *b, const struct istio_port **out)
{
    size_t n = 0;
    for (size_t p = 0; b->own_se != NULL && p < b->own_se->n_ports; p++) {
        const struct istio_port *port = &b->own_se->ports[p];
        for (size_t i = 0; i < b->m->n_sidecars; i++) {
            const struct sidecar *sc = &b->m->sidecars[i];
            if (targets_own(b, sc) && sc->egress_proxy.port == port->number) {
                out[n++] = port;
                break;
            }
        }
    }
    return n;
}

static DnsCache *dns_cache(struct arena *a)
{
    DnsCache *c = NEW(a, DnsCache);
    c->name = DFP_CACHE;
    c->dns_lookup_family = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DNS_LOOKUP_FAMILY__V4_ONLY;
    return c;
}

void tr_egress_proxy_cluster(struct tr_build *b)
{
    struct arena *a = b->a;
    const struct istio_port *ports[64];
    if (!b->router || b->grpc || b->own_se == NULL || b->own_se->n_ports > 64 ||
        proxied_ports(b, ports) == 0)
        return;
    DfpCluster *cfg = NEW(a, DfpCluster);
    cfg->cluster_implementation_specifier_case =
        ENVOY__EXTENSIONS__CLUSTERS__DYNAMIC_FORWARD_PROXY__V3__CLUSTER_CONFIG__CLUSTER_IMPLEMENTATION_SPECIFIER_DNS_CACHE_CONFIG;
    cfg->dns_cache_config = dns_cache(a);
    CustomClusterType *t = NEW(a, CustomClusterType);
    t->name = "envoy.clusters.dynamic_forward_proxy";
    t->typed_config = pb_any(a, cfg);
    Cluster *c = NEW(a, Cluster);
    c->name = DFP_CLUSTER;
    c->cluster_discovery_type_case =
        ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_CLUSTER_TYPE;
    c->cluster_type = t;
    c->lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__CLUSTER_PROVIDED;
    c->connect_timeout = pb_ms(a, DFP_CONNECT_TIMEOUT_MS);
    tr_emit(b, XDS_CLUSTER, c->name, c);
}

/* TLS: the SNI names the host, connected to on 443; the bytes pass as they are. */
static FilterChain *tls_chain(struct tr_build *b)
{
    struct arena *a = b->a;
    DfpSni *sni = NEW(a, DfpSni);
    sni->dns_cache_config = dns_cache(a);
    sni->port_specifier_case =
        ENVOY__EXTENSIONS__FILTERS__NETWORK__SNI_DYNAMIC_FORWARD_PROXY__V3__FILTER_CONFIG__PORT_SPECIFIER_PORT_VALUE;
    sni->port_value = DFP_TLS_PORT;
    FilterChain *c = NEW(a, FilterChain);
    c->name = "egress-proxy-tls";
    c->filter_chain_match = NEW(a, FilterChainMatch);
    c->filter_chain_match->transport_protocol = "tls";
    c->n_filters = 2;
    c->filters = arena_alloc(a, 2 * sizeof(*c->filters));
    c->filters[0] = tr_net_filter(a, "envoy.filters.network.sni_dynamic_forward_proxy", sni);
    c->filters[1] = tr_tcp_proxy_to(b, DFP_CLUSTER, b->from);
    return c;
}

/* The rest: HTTP, to the host its Host header names (port 80 unless given). */
static FilterChain *http_chain(struct tr_build *b, const char *stat_prefix)
{
    struct arena *a = b->a;
    DfpHttp *dfp = NEW(a, DfpHttp);
    dfp->implementation_specifier_case =
        ENVOY__EXTENSIONS__FILTERS__HTTP__DYNAMIC_FORWARD_PROXY__V3__FILTER_CONFIG__IMPLEMENTATION_SPECIFIER_DNS_CACHE_CONFIG;
    dfp->dns_cache_config = dns_cache(a);
    struct pvec domains = {0}, routes = {0}, vhosts = {0};
    pvec_push(a, &domains, "*");
    Route *r = tr_default_route(b, DFP_CLUSTER, NULL, 0);
    r->name = "egress-proxy";
    pvec_push(a, &routes, r);
    VirtualHost *vh = NEW(a, VirtualHost);
    vh->name = "egress-proxy";
    PV_SET(vh->domains, vh->n_domains, &domains);
    PV_SET(vh->routes, vh->n_routes, &routes);
    pvec_push(a, &vhosts, vh);
    RouteConfiguration *rc = NEW(a, RouteConfiguration);
    rc->name = "egress-proxy";
    PV_SET(rc->virtual_hosts, rc->n_virtual_hosts, &vhosts);
    Hcm *h = NEW(a, Hcm);
    h->stat_prefix = (char *)stat_prefix;
    h->route_specifier_case =
        ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_CONNECTION_MANAGER__ROUTE_SPECIFIER_ROUTE_CONFIG;
    h->route_config = rc;
    h->n_http_filters = 2;
    h->http_filters = arena_alloc(a, 2 * sizeof(*h->http_filters));
    h->http_filters[0] = tr_http_filter(a, "envoy.filters.http.dynamic_forward_proxy", dfp);
    h->http_filters[1] = tr_http_filter(a, "envoy.filters.http.router", NEW(a, Router));
    h->n_access_log = 1;
    h->access_log = arena_alloc(a, sizeof(*h->access_log));
    h->access_log[0] = tr_access_log(b);
    FilterChain *c = NEW(a, FilterChain);
    c->name = "egress-proxy-http";
    c->n_filters = 1;
    c->filters = arena_alloc(a, sizeof(*c->filters));
    c->filters[0] = tr_net_filter(a, "envoy.filters.network.http_connection_manager", h);
    return c;
}

void tr_egress_proxy_listeners(struct tr_build *b, const struct map *taken)
{
    struct arena *a = b->a;
    const struct istio_port *ports[64];
    if (!b->router || b->grpc || b->own_se == NULL || b->own_se->n_ports > 64)
        return;
    size_t n = proxied_ports(b, ports);
    for (size_t i = 0; i < n; i++) {
        uint32_t port = ports[i]->target_port ? ports[i]->target_port : ports[i]->number;
        const char *name = arena_printf(a, "0.0.0.0_%u", port);
        if (map_get(taken, name) != NULL) {
            tr_finding(b, &b->own_se->meta,
                       "port %u is a Gateway server's listener: unknown destinations a "
                       "Sidecar's egressProxy sends there are not forwarded",
                       ports[i]->number);
            continue;
        }
        b->from = arena_printf(a, "listener '%s'", name);
        Listener *l = NEW(a, Listener);
        l->name = (char *)name;
        l->address = pb_address(a, "0.0.0.0", port);
        l->traffic_direction = ENVOY__CONFIG__CORE__V3__TRAFFIC_DIRECTION__OUTBOUND;
        l->n_filter_chains = 2;
        l->filter_chains = arena_alloc(a, 2 * sizeof(*l->filter_chains));
        l->filter_chains[0] = tls_chain(b);
        l->filter_chains[1] = http_chain(b, arena_printf(a, "outbound_%s", name));
        l->n_listener_filters = 1;
        l->listener_filters = arena_alloc(a, sizeof(*l->listener_filters));
        l->listener_filters[0] = tr_listener_filter(b, 1);
        tr_emit(b, XDS_LISTENER, l->name, l);
    }
}
