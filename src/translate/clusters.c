/* clusters.c - CDS and EDS: outbound|PORT|SUBSET|HOST per visible service port
 * and DestinationRule subset, BlackHoleCluster, PassthroughCluster, and the
 * ClusterLoadAssignment of every EDS cluster. No alt_stat_name: Envoy's stats
 * carry the cluster name verbatim. */
#include "seam.h"

#include <string.h>

#define CONNECT_TIMEOUT_MS 10000
#define DNS_REFRESH_MS 60000
#define MAX_U32 4294967295u

static void grpc_trim(struct arena *a, Cluster *c, const struct tr_policy *pol);

/* The port an endpoint listens on for service port p: the endpoint's own
 * mapping by port name, else targetPort, else the port itself. */
static uint32_t endpoint_port(const struct se_endpoint *ep, const struct istio_port *p)
{
    if (ep != NULL && p->name != NULL)
        for (size_t i = 0; i < ep->n_ports; i++)
            if (strcmp(ep->ports[i].name, p->name) == 0)
                return ep->ports[i].number;
    return p->target_port ? p->target_port : p->number;
}

#define TLS_MODE_LABEL "security.istio.io/tlsMode"

/* Endpoints whose workload runs Istio's mTLS carry this label (auto mTLS). */
static int istio_tls_mode(const struct se_endpoint *ep)
{
    for (size_t i = 0; ep != NULL && i < ep->labels.n; i++)
        if (strcmp(ep->labels.items[i].key, TLS_MODE_LABEL) == 0)
            return strcmp(ep->labels.items[i].value, "istio") == 0;
    return 0;
}

static LbEndpoint *lb_endpoint(struct arena *a, const char *addr, uint32_t port, uint32_t weight)
{
    LbEndpoint *l = NEW(a, LbEndpoint);
    Endpoint *e = NEW(a, Endpoint);
    e->address = pb_address(a, addr, port);
    l->host_identifier_case = ENVOY__CONFIG__ENDPOINT__V3__LB_ENDPOINT__HOST_IDENTIFIER_ENDPOINT;
    l->endpoint = e;
    l->load_balancing_weight = pb_u32(a, weight ? weight : 1);
    return l;
}

static Locality *locality(struct arena *a, const char *text)
{
    Locality *l = NEW(a, Locality);
    if (text == NULL)
        return l;
    char *s = arena_strdup(a, text);
    char *parts[3] = {s, NULL, NULL};
    for (int i = 1; i < 3 && parts[i - 1] != NULL; i++) {
        char *slash = strchr(parts[i - 1], '/');
        if (slash != NULL) {
            *slash = '\0';
            parts[i] = slash + 1;
        }
    }
    l->region = parts[0];
    l->zone = parts[1] ? parts[1] : "";
    l->sub_zone = parts[2] ? parts[2] : "";
    return l;
}

/* Endpoints of one locality while a load assignment is assembled. */
struct loc_group {
    LocalityLbEndpoints *g;
    struct pvec eps;
};

static LocalityLbEndpoints *finish_group(struct loc_group *lg)
{
    LocalityLbEndpoints *g = lg->g;
    PV_SET(g->lb_endpoints, g->n_lb_endpoints, &lg->eps);
    uint32_t w = 0;
    for (size_t k = 0; k < lg->eps.n; k++)
        w += ((LbEndpoint *)lg->eps.v[k])->load_balancing_weight->value;
    g->load_balancing_weight->value = w;
    return g;
}

/* The endpoints of svc:port (of a subset when ss is set), grouped by locality.
 * A DNS service without endpoints resolves its own host name. */
static CLA *load_assignment(struct tr_build *b, const char *name, const struct tr_svc *svc,
                            const struct istio_port *p, const struct subset *ss, int dns)
{
    struct arena *a = b->a;
    CLA *cla = NEW(a, CLA);
    cla->cluster_name = (char *)name;
    struct pvec groups = {0};
    struct map by_loc;
    map_init_str(&by_loc, a);
    size_t n_eps;
    const struct se_endpoint **eps = tr_se_endpoints(b, svc->se, &n_eps);
    if (dns && n_eps == 0 && strchr(svc->host, '*') == NULL) {
        struct loc_group *lg = arena_alloc(a, sizeof(*lg));
        lg->g = NEW(a, LocalityLbEndpoints);
        lg->g->load_balancing_weight = pb_u32(a, 0);
        pvec_push(a, &lg->eps, lb_endpoint(a, svc->host, endpoint_port(NULL, p), 1));
        pvec_push(a, &groups, lg);
    }
    for (size_t i = 0; i < n_eps; i++) {
        const struct se_endpoint *ep = eps[i];
        if (ep->address == NULL || (ss != NULL && !tr_labels_match(&ss->labels, &ep->labels)))
            continue;
        const char *key = ep->locality ? ep->locality : "";
        struct loc_group *lg = map_get(&by_loc, key);
        if (lg == NULL) {
            lg = arena_alloc(a, sizeof(*lg));
            lg->g = NEW(a, LocalityLbEndpoints);
            lg->g->locality = locality(a, ep->locality);
            lg->g->load_balancing_weight = pb_u32(a, 0);
            map_add(&by_loc, key, lg);
            pvec_push(a, &groups, lg);
        }
        LbEndpoint *le = lb_endpoint(a, ep->address, endpoint_port(ep, p), ep->weight);
        if (istio_tls_mode(ep))
            pb_meta_str(a, &le->metadata, "envoy.transport_socket_match", "tlsMode", "istio");
        pvec_push(a, &lg->eps, le);
    }
    cla->n_endpoints = groups.n;
    cla->endpoints = arena_alloc(a, (groups.n + 1) * sizeof(*cla->endpoints));
    for (size_t i = 0; i < groups.n; i++)
        cla->endpoints[i] = finish_group(groups.v[i]);
    return cla;
}

static CircuitBreakers *breakers(struct arena *a, const struct connection_pool *pool)
{
    Thresholds *t = NEW(a, Thresholds);
    uint32_t conns = MAX_U32, pending = MAX_U32, requests = MAX_U32, retries = MAX_U32;
    if (pool->has) {
        /* Istio cannot tell 0 from unset: 0 keeps the default */
        if (pool->max_connections > 0)
            conns = (uint32_t)pool->max_connections;
        if (pool->http1_max_pending_requests > 0)
            pending = (uint32_t)pool->http1_max_pending_requests;
        if (pool->http2_max_requests > 0)
            requests = (uint32_t)pool->http2_max_requests;
        if (pool->max_retries > 0)
            retries = (uint32_t)pool->max_retries;
    }
    t->max_connections = pb_u32(a, conns);
    t->max_pending_requests = pb_u32(a, pending);
    t->max_requests = pb_u32(a, requests);
    t->max_retries = pb_u32(a, retries);
    t->track_remaining = 1;
    CircuitBreakers *cb = NEW(a, CircuitBreakers);
    cb->n_thresholds = 1;
    cb->thresholds = arena_alloc(a, sizeof(*cb->thresholds));
    cb->thresholds[0] = t;
    return cb;
}

static void apply_outlier(struct arena *a, Cluster *c, const struct outlier_detection *od)
{
    if (!od->has)
        return;
    OutlierDetection *o = NEW(a, OutlierDetection);
    int32_t c5 =
        od->consecutive_5xx_errors >= 0 ? od->consecutive_5xx_errors : od->consecutive_errors;
    if (c5 >= 0) {
        o->consecutive_5xx = pb_u32(a, (uint32_t)c5);
        o->enforcing_consecutive_5xx = pb_u32(a, c5 > 0 ? 100 : 0);
    }
    if (od->consecutive_gateway_errors > 0) {
        o->consecutive_gateway_failure = pb_u32(a, (uint32_t)od->consecutive_gateway_errors);
        o->enforcing_consecutive_gateway_failure = pb_u32(a, 100);
    }
    if (od->interval_ms > 0)
        o->interval = pb_ms(a, od->interval_ms);
    if (od->base_ejection_time_ms > 0)
        o->base_ejection_time = pb_ms(a, od->base_ejection_time_ms);
    if (od->max_ejection_percent > 0)
        o->max_ejection_percent = pb_u32(a, (uint32_t)od->max_ejection_percent);
    o->enforcing_success_rate = pb_u32(a, 0);
    o->split_external_local_origin_errors = od->split_external_local_origin_errors != 0;
    c->outlier_detection = o;
    Percent *p = NEW(a, Percent);
    p->value = od->min_health_percent > 0 ? od->min_health_percent : 0;
    c->common_lb_config->healthy_panic_threshold = p;
}

/* warmupDurationSecs: new endpoints get traffic gradually (slow start). */
static void apply_warmup(struct arena *a, Cluster *c, const struct load_balancer *lb)
{
    if (lb->warmup_ms <= 0)
        return;
    SlowStartConfig *ss = NEW(a, SlowStartConfig);
    ss->slow_start_window = pb_ms(a, lb->warmup_ms);
    if (c->lb_policy == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__ROUND_ROBIN) {
        c->lb_config_case = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_CONFIG_ROUND_ROBIN_LB_CONFIG;
        c->round_robin_lb_config = NEW(a, RoundRobinLbConfig);
        c->round_robin_lb_config->slow_start_config = ss;
    } else if (c->lb_policy == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__LEAST_REQUEST) {
        c->lb_config_case = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_CONFIG_LEAST_REQUEST_LB_CONFIG;
        c->least_request_lb_config = NEW(a, LeastRequestLbConfig);
        c->least_request_lb_config->slow_start_config = ss;
    }
}

static void apply_lb(struct arena *a, Cluster *c, const struct load_balancer *lb)
{
    c->lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__LEAST_REQUEST;
    if (!lb->has)
        return;
    if (lb->has_consistent_hash) {
        RingHashLbConfig *r = NEW(a, RingHashLbConfig);
        UInt64Value *size = NEW(a, UInt64Value);
        size->value =
            lb->consistent_hash.minimum_ring_size ? lb->consistent_hash.minimum_ring_size : 1024;
        r->minimum_ring_size = size;
        c->lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__RING_HASH;
        c->lb_config_case = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_CONFIG_RING_HASH_LB_CONFIG;
        c->ring_hash_lb_config = r;
        return;
    }
    switch (lb->simple) {
    case LB_ROUND_ROBIN:
        c->lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__ROUND_ROBIN;
        break;
    case LB_RANDOM:
        c->lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__RANDOM;
        break;
    case LB_PASSTHROUGH:
        c->cluster_discovery_type_case =
            ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_TYPE;
        c->type = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__ORIGINAL_DST;
        c->lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__CLUSTER_PROVIDED;
        c->load_assignment = NULL;
        c->eds_cluster_config = NULL;
        break;
    default:
        break;
    }
    apply_warmup(a, c, lb);
}

/* typed_extension_protocol_options for the HTTP upstream: h2 for HTTP2/GRPC
 * ports, connection pool limits that live there. */
/* The protocol Envoy speaks upstream: h2 for HTTP2/GRPC ports, the client's
 * own for unnamed (sniffed) ports, else HTTP/1.1. Envoy requires one. */
static void set_upstream_protocol(struct arena *a, UpstreamHttpOptions *o,
                                  enum istio_protocol proto, const struct connection_pool *pool)
{
    if (proto == PROTO_UNSET) {
        Envoy__Extensions__Upstreams__Http__V3__HttpProtocolOptions__UseDownstreamHttpConfig *d = tr_msg(
            a,
            &envoy__extensions__upstreams__http__v3__http_protocol_options__use_downstream_http_config__descriptor);
        d->http_protocol_options = NEW(a, Http1Options);
        d->http2_protocol_options = NEW(a, Http2Options);
        o->upstream_protocol_options_case =
            ENVOY__EXTENSIONS__UPSTREAMS__HTTP__V3__HTTP_PROTOCOL_OPTIONS__UPSTREAM_PROTOCOL_OPTIONS_USE_DOWNSTREAM_PROTOCOL_CONFIG;
        o->use_downstream_protocol_config = d;
        return;
    }
    ExplicitHttpConfig *e = NEW(a, ExplicitHttpConfig);
    if (tr_is_h2(proto)) {
        e->protocol_config_case =
            ENVOY__EXTENSIONS__UPSTREAMS__HTTP__V3__HTTP_PROTOCOL_OPTIONS__EXPLICIT_HTTP_CONFIG__PROTOCOL_CONFIG_HTTP2_PROTOCOL_OPTIONS;
        e->http2_protocol_options = NEW(a, Http2Options);
        if (pool->has && pool->max_concurrent_streams > 0)
            e->http2_protocol_options->max_concurrent_streams =
                pb_u32(a, (uint32_t)pool->max_concurrent_streams);
    } else {
        e->protocol_config_case =
            ENVOY__EXTENSIONS__UPSTREAMS__HTTP__V3__HTTP_PROTOCOL_OPTIONS__EXPLICIT_HTTP_CONFIG__PROTOCOL_CONFIG_HTTP_PROTOCOL_OPTIONS;
        e->http_protocol_options = NEW(a, Http1Options);
    }
    o->upstream_protocol_options_case =
        ENVOY__EXTENSIONS__UPSTREAMS__HTTP__V3__HTTP_PROTOCOL_OPTIONS__UPSTREAM_PROTOCOL_OPTIONS_EXPLICIT_HTTP_CONFIG;
    o->explicit_http_config = e;
}

/* typed_extension_protocol_options for the HTTP upstream: emitted for h2 ports
 * and when connection pool limits that live there are set. */
static void apply_http_options(struct arena *a, Cluster *c, enum istio_protocol proto,
                               const struct connection_pool *pool)
{
    UpstreamHttpOptions *o = NEW(a, UpstreamHttpOptions);
    int used = tr_is_h2(proto);
    if (pool->has && (pool->idle_timeout_ms > 0 || pool->max_requests_per_connection > 0)) {
        CommonHttpOptions *ch = NEW(a, CommonHttpOptions);
        if (pool->idle_timeout_ms > 0)
            ch->idle_timeout = pb_ms(a, pool->idle_timeout_ms);
        if (pool->max_requests_per_connection > 0)
            ch->max_requests_per_connection =
                pb_u32(a, (uint32_t)pool->max_requests_per_connection);
        o->common_http_protocol_options = ch;
        used = 1;
    }
    if (used)
        set_upstream_protocol(a, o, proto, pool);
    if (!used)
        return;
    ProtocolOptionsEntry *e = NEW(a, ProtocolOptionsEntry);
    e->key = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    e->value = pb_any(a, o);
    c->n_typed_extension_protocol_options = 1;
    c->typed_extension_protocol_options =
        arena_alloc(a, sizeof(*c->typed_extension_protocol_options));
    c->typed_extension_protocol_options[0] = e;
}

static void set_type(Cluster *c, int type)
{
    c->cluster_discovery_type_case =
        ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_TYPE;
    c->type = type;
}

/* type and cluster_type share a union: read type only when it is the one set */
static int has_type(const Cluster *c, int type)
{
    return c->cluster_discovery_type_case ==
               ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_TYPE &&
           (int)c->type == type;
}

/* A DNS cluster is Envoy's DnsCluster extension: the STRICT_DNS and
 * LOGICAL_DNS types with Cluster's own DNS fields are deprecated, and Envoy
 * warns about every such cluster. Only Envoys get one: proxyless gRPC knows
 * no cluster extension but the aggregate, and is never offered a DNS service
 * (tr_clusters). */
static void set_dns(struct arena *a, Cluster *c, int logical)
{
    DnsCluster *d = NEW(a, DnsCluster);
    d->dns_refresh_rate = pb_ms(a, DNS_REFRESH_MS);
    d->respect_dns_ttl = 1;
    d->dns_lookup_family = ENVOY__EXTENSIONS__CLUSTERS__COMMON__DNS__V3__DNS_LOOKUP_FAMILY__V4_ONLY;
    d->all_addresses_in_single_endpoint = logical != 0;
    CustomClusterType *t = NEW(a, CustomClusterType);
    t->name = "envoy.cluster.dns";
    t->typed_config = pb_any(a, d);
    c->cluster_discovery_type_case =
        ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_CLUSTER_TYPE;
    c->cluster_type = t;
}

static void apply_pool(struct arena *a, Cluster *c, const struct connection_pool *pool)
{
    c->connect_timeout =
        pb_ms(a, pool->has && pool->connect_timeout_ms > 0 ? pool->connect_timeout_ms
                                                           : CONNECT_TIMEOUT_MS);
    c->circuit_breakers = breakers(a, pool);
    if (pool->has && pool->has_tcp_keepalive) {
        TcpKeepalive *k = NEW(a, TcpKeepalive);
        if (pool->keepalive_probes > 0)
            k->keepalive_probes = pb_u32(a, (uint32_t)pool->keepalive_probes);
        if (pool->keepalive_time_ms > 0)
            k->keepalive_time = pb_u32(a, (uint32_t)(pool->keepalive_time_ms / 1000));
        if (pool->keepalive_interval_ms > 0)
            k->keepalive_interval = pb_u32(a, (uint32_t)(pool->keepalive_interval_ms / 1000));
        c->upstream_connection_options = NEW(a, UpstreamConnectionOptions);
        c->upstream_connection_options->tcp_keepalive = k;
    }
}

/* Discovery type and endpoints from the ServiceEntry's resolution. */
static void apply_resolution(struct tr_build *b, Cluster *c, const struct tr_svc *svc,
                             const struct istio_port *p, const struct subset *ss)
{
    struct arena *a = b->a;
    switch (b->grpc ? RESOLUTION_STATIC : svc->se->resolution) {
    case RESOLUTION_DNS:
    case RESOLUTION_DNS_ROUND_ROBIN: {
        /* DNS_ROUND_ROBIN is Envoy's logical DNS, DNS its strict DNS */
        int logical = svc->se->resolution == RESOLUTION_DNS_ROUND_ROBIN;
        set_dns(a, c, logical);
        c->load_assignment = load_assignment(b, c->name, svc, p, ss, 1);
        /* logical DNS takes exactly one endpoint */
        if (logical && c->load_assignment->n_endpoints > 0) {
            c->load_assignment->n_endpoints = 1;
            c->load_assignment->endpoints[0]->n_lb_endpoints = 1;
        }
        break;
    }
    case RESOLUTION_NONE:
        if (!b->router) {
            set_type(c, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__ORIGINAL_DST);
            c->lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__CLUSTER_PROVIDED;
            c->lb_config_case = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_CONFIG__NOT_SET;
            if (p->target_port && p->target_port != p->number) {
                OriginalDstLbConfig *o = NEW(a, OriginalDstLbConfig);
                o->upstream_port_override = pb_u32(a, p->target_port);
                c->lb_config_case =
                    ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_CONFIG_ORIGINAL_DST_LB_CONFIG;
                c->original_dst_lb_config = o;
            }
            break;
        }
        /* gateways see passthrough services as EDS */
        __attribute__((fallthrough));
    case RESOLUTION_STATIC: {
        set_type(c, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__EDS);
        EdsClusterConfig *e = NEW(a, EdsClusterConfig);
        e->eds_config = pb_ads(a);
        e->service_name = c->name;
        c->eds_cluster_config = e;
        tr_emit(b, XDS_ENDPOINT, c->name, load_assignment(b, c->name, svc, p, ss, 0));
        tr_ref(b, XDS_ENDPOINT, c->name, arena_cat(a, "cluster '", c->name, "'", NULL));
        break;
    }
    }
}

/* set_dns() makes the only cluster_type there is */
static int is_dns(const Cluster *c)
{
    return c->cluster_discovery_type_case ==
           ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_CLUSTER_TYPE;
}

/* Auto mTLS (docs/istio-to-envoy.md §4.6): without a DestinationRule tls, an in-mesh
 * service's endpoints labelled tlsMode=istio get Istio mTLS and the others
 * plaintext, by transport_socket_matches. Only offered when some endpoint is
 * so labelled, since the mTLS socket reads the mesh certificate files. */
static void auto_mtls(struct tr_build *b, Cluster *c, const struct tr_svc *svc,
                      const struct istio_port *p, const struct subset *ss)
{
    struct arena *a = b->a;
    const struct service_entry *se = svc->se;
    size_t n_eps;
    const struct se_endpoint **eps = tr_se_endpoints(b, se, &n_eps);
    int labelled = 0;
    for (size_t i = 0; i < n_eps && !labelled; i++)
        labelled =
            istio_tls_mode(eps[i]) && (ss == NULL || tr_labels_match(&ss->labels, &eps[i]->labels));
    if (!labelled || se->location != LOCATION_MESH_INTERNAL)
        return;
    static const struct client_tls istio = {.has = 1, .mode = CLIENT_TLS_ISTIO_MUTUAL};
    SocketMatch *on = NEW(a, SocketMatch);
    on->name = "tlsMode-istio";
    on->match = pb_struct_str(a, "tlsMode", "istio");
    on->transport_socket = tr_upstream_tls(b, &istio, NULL, svc, p->number, ss ? ss->name : NULL,
                                           tr_is_h2(p->protocol), 0);
    SocketMatch *off = NEW(a, SocketMatch);
    off->name = "tlsMode-disabled";
    off->match = pb_struct_str(a, NULL, NULL);
    TransportSocket *raw = NEW(a, TransportSocket);
    raw->name = "envoy.transport_sockets.raw_buffer";
    raw->config_type_case = ENVOY__CONFIG__CORE__V3__TRANSPORT_SOCKET__CONFIG_TYPE_TYPED_CONFIG;
    raw->typed_config = pb_any(a, NEW(a, RawBuffer));
    off->transport_socket = raw;
    c->n_transport_socket_matches = 2;
    c->transport_socket_matches = arena_alloc(a, 2 * sizeof(*c->transport_socket_matches));
    c->transport_socket_matches[0] = on;
    c->transport_socket_matches[1] = off;
}

static void service_cluster(struct tr_build *b, const struct tr_svc *svc,
                            const struct istio_port *p, const struct destination_rule *dr,
                            const struct subset *ss)
{
    struct arena *a = b->a;
    Cluster *c = NEW(a, Cluster);
    c->name = tr_cluster_name(a, p->number, ss ? ss->name : NULL, svc->host);
    struct tr_policy pol;
    tr_policy_for(dr, ss, p->number, &pol);
    c->common_lb_config = NEW(a, CommonLbConfig);
    apply_pool(a, c, pol.pool);
    apply_lb(a, c, pol.lb);
    /* a PASSTHROUGH load balancer made it ORIGINAL_DST already */
    if (!has_type(c, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__ORIGINAL_DST))
        apply_resolution(b, c, svc, p, ss);
    int original_dst =
        has_type(c, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__ORIGINAL_DST);
    apply_outlier(a, c, pol.outlier);
    if (tr_is_http(p->protocol))
        apply_http_options(a, c, p->protocol, pol.pool);
    if (!original_dst)
        c->transport_socket =
            tr_upstream_tls(b, pol.tls, pol.dr ? &pol.dr->meta : NULL, svc, p->number,
                            ss ? ss->name : NULL, tr_is_h2(p->protocol), b->grpc);
    if (!pol.tls->has && !b->grpc && !original_dst)
        auto_mtls(b, c, svc, p, ss);
    if (b->grpc)
        grpc_trim(a, c, &pol);
    /* a DNS cluster with nothing to resolve is left out (Istio does too) */
    if (is_dns(c) && (c->load_assignment == NULL || c->load_assignment->n_endpoints == 0))
        return;
    if (svc->se->location == LOCATION_MESH_EXTERNAL)
        pb_meta_bool(a, &c->metadata, "istio", "external", 1);
    if (ss != NULL)
        pb_meta_str(a, &c->metadata, "istio", "subset", ss->name);
    if (dr != NULL)
        pb_meta_str(a, &c->metadata, "istio", "config",
                    arena_cat(a, "/apis/networking.istio.io/v1alpha3/namespaces/",
                              dr->meta.namespace, "/destination-rule/", dr->meta.name, NULL));
    tr_emit(b, XDS_CLUSTER, c->name, c);
}

/* gRPC understands only EDS (and LOGICAL_DNS) clusters: its black hole is an
 * EDS cluster without endpoints, so RPCs routed there fail UNAVAILABLE. */
static void grpc_black_hole(struct tr_build *b)
{
    struct arena *a = b->a;
    Cluster *bh = NEW(a, Cluster);
    bh->name = "BlackHoleCluster";
    set_type(bh, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__EDS);
    EdsClusterConfig *e = NEW(a, EdsClusterConfig);
    e->eds_config = pb_ads(a);
    e->service_name = bh->name;
    bh->eds_cluster_config = e;
    bh->connect_timeout = pb_ms(a, CONNECT_TIMEOUT_MS);
    CLA *cla = NEW(a, CLA);
    cla->cluster_name = bh->name;
    tr_emit(b, XDS_ENDPOINT, bh->name, cla);
    tr_emit(b, XDS_CLUSTER, bh->name, bh);
}

/* What proxyless gRPC honours of a cluster (docs/istio-to-envoy.md §6): round robin or
 * least request or ring hash, max_requests, EDS, ISTIO_MUTUAL. */
static void grpc_trim(struct arena *a, Cluster *c, const struct tr_policy *pol)
{
    if (!pol->lb->has || pol->lb->simple == LB_UNSET) {
        c->lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__ROUND_ROBIN;
        c->lb_config_case = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_CONFIG__NOT_SET;
    }
    c->outlier_detection = NULL;
    c->common_lb_config = NULL;
    c->n_typed_extension_protocol_options = 0;
    c->upstream_connection_options = NULL;
    c->circuit_breakers = NULL;
    if (pol->pool->has && pol->pool->http2_max_requests > 0) {
        Thresholds *t = NEW(a, Thresholds);
        t->max_requests = pb_u32(a, (uint32_t)pol->pool->http2_max_requests);
        c->circuit_breakers = NEW(a, CircuitBreakers);
        c->circuit_breakers->n_thresholds = 1;
        c->circuit_breakers->thresholds = arena_alloc(a, sizeof(Thresholds *));
        c->circuit_breakers->thresholds[0] = t;
    }
}

static void special_clusters(struct tr_build *b)
{
    struct arena *a = b->a;
    if (b->grpc) {
        grpc_black_hole(b);
        return;
    }
    Cluster *bh = NEW(a, Cluster);
    bh->name = "BlackHoleCluster";
    set_type(bh, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__STATIC);
    bh->connect_timeout = pb_ms(a, CONNECT_TIMEOUT_MS);
    tr_emit(b, XDS_CLUSTER, bh->name, bh);
    if (b->router)
        return;
    Cluster *pt = NEW(a, Cluster);
    pt->name = "PassthroughCluster";
    set_type(pt, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__ORIGINAL_DST);
    pt->lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__CLUSTER_PROVIDED;
    pt->connect_timeout = pb_ms(a, CONNECT_TIMEOUT_MS);
    pt->circuit_breakers = breakers(a, &(struct connection_pool){0});
    tr_emit(b, XDS_CLUSTER, pt->name, pt);
}

void tr_service_clusters(struct tr_build *b, const struct tr_svc *svc,
                         const struct destination_rule *dr)
{
    for (size_t p = 0; p < svc->se->n_ports; p++) {
        const struct istio_port *port = &svc->se->ports[p];
        if (port->protocol == PROTO_UDP)
            continue;
        service_cluster(b, svc, port, dr, NULL);
        for (size_t s = 0; dr != NULL && s < dr->n_subsets; s++)
            service_cluster(b, svc, port, dr, &dr->subsets[s]);
    }
}

void tr_clusters(struct tr_build *b)
{
    special_clusters(b);
    for (size_t i = 0; i < b->n_svcs; i++) {
        const struct tr_svc *svc = &b->svcs[i];
        /* proxyless gRPC needs endpoint addresses: services it would have to
         * resolve by DNS or pass through are not offered */
        if (b->grpc && (svc->se->resolution != RESOLUTION_STATIC || strchr(svc->host, '*')))
            continue;
        /* a service's clusters depend on nothing else: an earlier build's
         * bytes serve while its inputs are unchanged */
        tr_seam_clusters(b, svc, tr_find_dr(b, svc->host), tr_service_clusters);
    }
    tr_egress_proxy_cluster(b);
}
