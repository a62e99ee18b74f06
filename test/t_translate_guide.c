/* t_translate_guide.c - the guide's six scenarios (docs/egress-scenarios.md): what the
 * sleep sidecar and the egress gateway receive. */
#include "translate_fixture.h"
#include "unit.h"

#define TLS_ISTIO "outbound|443|cnn|" EGW_HOST
#define HTTP_CNN "outbound|80|cnn|" EGW_HOST
#define CERTS "/etc/certs/cert-chain.pem", "/etc/certs/key.pem", "/etc/certs/root-cert.pem"

/* What every scenario has: the egress gateway's own service (80->8080 http2,
 * 443->8443 https) with the gateway pod as its endpoint. */
static struct fx *base(void)
{
    struct fx *f = fx_new();
    struct service_entry *se = fx_se(f, "istio-egressgateway", "istio-system", EGW_HOST,
                                     RESOLUTION_STATIC, LOCATION_MESH_INTERNAL);
    fx_se_port(se, 80, "http2", PROTO_HTTP2, 8080);
    fx_se_port(se, 443, "https", PROTO_HTTPS, 8443);
    fx_se_endpoint(f, se, "10.0.0.9", EGW_LABELS, "istio-egressgateway-service-account");
    return f;
}

static struct service_entry *cnn(struct fx *f)
{
    return fx_se(f, "cnn", "default", "edition.cnn.com", RESOLUTION_DNS, LOCATION_MESH_EXTERNAL);
}

static struct destination_rule *egw_rule(struct fx *f, uint32_t mtls_port)
{
    struct destination_rule *d = fx_dr(f, "egressgateway-for-cnn", "default", EGW_HOST);
    struct subset *s = fx_subset(f, d, "cnn", NULL);
    if (mtls_port) {
        s->traffic_policy.has = 1;
        s->traffic_policy.load_balancer.has = 1;
        s->traffic_policy.load_balancer.simple = LB_ROUND_ROBIN;
        struct port_traffic_policy *p = fx_port_policy(f, &s->traffic_policy, mtls_port);
        fx_tls(&p->tls, CLIENT_TLS_ISTIO_MUTUAL, "edition.cnn.com");
    }
    return d;
}

/* VS http: mesh:80 -> egress gateway subset cnn (egw_port); gateway:gw_port -> cnn:gw_port */
static void http_vs(struct fx *f, uint32_t egw_port, uint32_t gw_port)
{
    struct virtual_service *vs = fx_vs(f, "direct-cnn-through-egress-gateway", "default",
                                       "edition.cnn.com", "istio-egressgateway,mesh");
    struct http_route *r = fx_http(f, vs);
    fx_http_match(f, r, 80, "mesh");
    fx_dest(r->route, &r->n_route, EGW_HOST, "cnn", egw_port, 100);
    r = fx_http(f, vs);
    fx_http_match(f, r, gw_port, "istio-egressgateway");
    fx_dest(r->route, &r->n_route, "edition.cnn.com", NULL, gw_port, 100);
}

static void originate_rule(struct fx *f)
{
    struct destination_rule *d =
        fx_dr(f, "originate-tls-for-edition-cnn-com", "default", "edition.cnn.com");
    d->traffic_policy.has = 1;
    d->traffic_policy.load_balancer.has = 1;
    d->traffic_policy.load_balancer.simple = LB_ROUND_ROBIN;
    struct port_traffic_policy *p = fx_port_policy(f, &d->traffic_policy, 443);
    fx_tls(&p->tls, CLIENT_TLS_SIMPLE, NULL);
}

static struct fx *scenario_http(int mtls)
{
    struct fx *f = base();
    struct service_entry *se = cnn(f);
    fx_se_port(se, 80, "http-port", PROTO_HTTP, 0);
    fx_se_port(se, 443, "https", PROTO_HTTPS, 0);
    struct gateway *g = fx_gw(f, "istio-egressgateway", "default", "istio=egressgateway");
    if (mtls) {
        struct gateway_server *s = fx_gw_server(f, g, 80, "https", PROTO_HTTPS, "edition.cnn.com");
        fx_server_tls(s, SERVER_TLS_MUTUAL, CERTS);
    } else {
        fx_gw_server(f, g, 80, "http", PROTO_HTTP, "edition.cnn.com");
    }
    egw_rule(f, mtls ? 80 : 0);
    http_vs(f, 80, 80);
    return f;
}

static struct fx *scenario_origination(int mtls)
{
    struct fx *f = base();
    struct service_entry *se = cnn(f);
    fx_se_port(se, 80, "http-port", PROTO_HTTP, 0);
    fx_se_port(se, 443, "http-port-for-tls-origination", PROTO_HTTP, 0);
    struct gateway *g = fx_gw(f, "istio-egressgateway", "default", "istio=egressgateway");
    if (mtls) {
        struct gateway_server *s = fx_gw_server(f, g, 443, "https", PROTO_HTTPS, "edition.cnn.com");
        fx_server_tls(s, SERVER_TLS_MUTUAL, CERTS);
    } else {
        fx_gw_server(f, g, 443, "http-port-for-tls-origination", PROTO_HTTP, "edition.cnn.com");
    }
    egw_rule(f, mtls ? 443 : 0);
    http_vs(f, 443, 443);
    originate_rule(f);
    return f;
}

static struct fx *scenario_passthrough(int mtls)
{
    struct fx *f = base();
    struct service_entry *se = cnn(f);
    fx_se_port(se, 443, "tls", PROTO_TLS, 0);
    struct gateway *g = fx_gw(f, "istio-egressgateway", "default", "istio=egressgateway");
    struct gateway_server *s =
        fx_gw_server(f, g, 443, mtls ? "tls-cnn" : "tls", PROTO_TLS, "edition.cnn.com");
    if (mtls)
        fx_server_tls(s, SERVER_TLS_MUTUAL, CERTS);
    else
        fx_server_tls(s, SERVER_TLS_PASSTHROUGH, NULL, NULL, NULL);
    egw_rule(f, mtls ? 443 : 0);
    struct virtual_service *vs = fx_vs(f, "direct-cnn-through-egress-gateway", "default",
                                       "edition.cnn.com", "mesh,istio-egressgateway");
    struct l4_route *r = fx_l4(f, vs->tls, &vs->n_tls);
    fx_l4_match(f, r, 443, "mesh", "edition.cnn.com");
    fx_dest(r->route, &r->n_route, EGW_HOST, "cnn", 443, -1);
    if (mtls) {
        r = fx_l4(f, vs->tcp, &vs->n_tcp);
        fx_l4_match(f, r, 443, "istio-egressgateway", NULL);
    } else {
        r = fx_l4(f, vs->tls, &vs->n_tls);
        fx_l4_match(f, r, 443, "istio-egressgateway", "edition.cnn.com");
    }
    fx_dest(r->route, &r->n_route, "edition.cnn.com", NULL, 443, 100);
    return f;
}

/* ---- shared expectations ---- */

/* S-80: the sleep's port-80 listener, HTTP chain to RDS "80" + passthrough. */
static void check_sleep_80(struct fx *f, const struct xds_view *v)
{
    Listener *l = fx_listener(f, v, "0.0.0.0_80");
    CHECK(l != NULL);
    if (l == NULL)
        return;
    CHECK(l->bind_to_port != NULL && !l->bind_to_port->value);
    CHECK(fx_has_listener_filter(l, "envoy.filters.listener.http_inspector"));
    CHECK_INT(l->n_filter_chains, 1);
    FilterChainMatch *m = l->filter_chains[0]->filter_chain_match;
    CHECK(m != NULL && strcmp(m->transport_protocol, "raw_buffer") == 0);
    CHECK(m != NULL && m->n_application_protocols == 2);
    Hcm *h = fx_chain_hcm(f, l->filter_chains[0]);
    CHECK(h != NULL && strcmp(h->rds->route_config_name, "80") == 0);
    CHECK(h != NULL && strcmp(h->stat_prefix, "outbound_0.0.0.0_80") == 0);
    CHECK(h != NULL && h->n_access_log == 1);
    CHECK(l->default_filter_chain != NULL &&
          strcmp(l->default_filter_chain->name, "PassthroughFilterChain") == 0);
    TcpProxy *t = fx_chain_tcp(f, l->default_filter_chain);
    CHECK(t != NULL && strcmp(t->cluster, "PassthroughCluster") == 0);
}

static void check_virtual_outbound(struct fx *f, const struct xds_view *v)
{
    Listener *l = fx_listener(f, v, "virtualOutbound");
    CHECK(l != NULL && l->use_original_dst && l->use_original_dst->value);
    CHECK(l != NULL && l->address->socket_address->port_value == 15001);
    CHECK(l != NULL && l->n_filter_chains == 2);
    if (l == NULL || l->n_filter_chains != 2)
        return;
    CHECK_STR(l->filter_chains[0]->name, "virtualOutbound-blackhole");
    CHECK_STR(fx_chain_tcp(f, l->filter_chains[0])->cluster, "BlackHoleCluster");
    CHECK_STR(l->filter_chains[1]->name, "virtualOutbound-catchall-tcp");
    CHECK_STR(fx_chain_tcp(f, l->filter_chains[1])->cluster, "PassthroughCluster");
}

/* CNN-DNS: outbound|p||edition.cnn.com, strict DNS (a DnsCluster) to
 * edition.cnn.com:p. */
static Cluster *check_cnn_dns(struct fx *f, const struct xds_view *v, uint32_t port)
{
    char name[64];
    snprintf(name, sizeof(name), "outbound|%u||edition.cnn.com", port);
    Cluster *c = fx_cluster(f, v, name);
    CHECK(c != NULL);
    if (c == NULL)
        return NULL;
    DnsCluster *d = fx_dns_cluster(f, c);
    CHECK(d != NULL);
    CHECK(d != NULL && !d->all_addresses_in_single_endpoint);
    CHECK(d != NULL &&
          d->dns_lookup_family ==
              ENVOY__EXTENSIONS__CLUSTERS__COMMON__DNS__V3__DNS_LOOKUP_FAMILY__V4_ONLY);
    CHECK_STR(c->alt_stat_name, "");
    CHECK(c->load_assignment != NULL && c->load_assignment->n_endpoints == 1);
    SocketAddress *sa =
        c->load_assignment->endpoints[0]->lb_endpoints[0]->endpoint->address->socket_address;
    CHECK_STR(sa->address, "edition.cnn.com");
    CHECK_INT(sa->port_value, port);
    return c;
}

/* EGW-SVC: the sleep's EDS clusters for the gateway, endpoints on targetPorts. */
static void check_egw_clusters(struct fx *f, const struct xds_view *v)
{
    Cluster *c = fx_cluster(f, v, HTTP_CNN);
    CHECK(c != NULL && c->type == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__EDS);
    CHECK(c != NULL && strcmp(c->eds_cluster_config->service_name, HTTP_CNN) == 0);
    CHECK(c != NULL && c->n_typed_extension_protocol_options == 1); /* http2 port: h2 */
    CHECK(fx_cluster(f, v, "outbound|80||" EGW_HOST) != NULL);
    CHECK(fx_cluster(f, v, "outbound|443||" EGW_HOST) != NULL);
    CHECK(fx_cluster(f, v, TLS_ISTIO) != NULL);
    CLA *e = fx_cla(f, v, HTTP_CNN);
    CHECK(e != NULL && e->n_endpoints == 1);
    if (e != NULL && e->n_endpoints == 1) {
        SocketAddress *sa = e->endpoints[0]->lb_endpoints[0]->endpoint->address->socket_address;
        CHECK_STR(sa->address, "10.0.0.9");
        CHECK_INT(sa->port_value, 8080);
    }
    e = fx_cla(f, v, TLS_ISTIO);
    CHECK(e != NULL && e->n_endpoints == 1 &&
          e->endpoints[0]->lb_endpoints[0]->endpoint->address->socket_address->port_value == 8443);
    CHECK(fx_cluster(f, v, "BlackHoleCluster") != NULL);
    CHECK(fx_cluster(f, v, "PassthroughCluster") != NULL);
}

static void check_istio_mutual(struct fx *f, const struct xds_view *v, const char *cluster, int h2)
{
    Cluster *c = fx_cluster(f, v, cluster);
    UpstreamTlsContext *u = fx_upstream_tls(f, c);
    CHECK(u != NULL);
    if (u == NULL)
        return;
    CHECK_STR(u->sni, "edition.cnn.com");
    CommonTlsContext *ctx = u->common_tls_context;
    CHECK(ctx->n_tls_certificates == 1 &&
          strcmp(ctx->tls_certificates[0]->certificate_chain->filename,
                 "/etc/certs/cert-chain.pem") == 0);
    CHECK(ctx->validation_context != NULL &&
          strcmp(ctx->validation_context->trusted_ca->filename, "/etc/certs/root-cert.pem") == 0);
    CHECK(ctx->validation_context != NULL &&
          ctx->validation_context->n_match_typed_subject_alt_names == 1);
    if (ctx->validation_context && ctx->validation_context->n_match_typed_subject_alt_names == 1)
        CHECK_STR(ctx->validation_context->match_typed_subject_alt_names[0]->matcher->exact,
                  "spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account");
    CHECK_INT(ctx->n_alpn_protocols, h2 ? 2 : 1);
    CHECK(ctx->n_alpn_protocols > 0 && strcmp(ctx->alpn_protocols[0], "istio") == 0);
    /* the port-level entry replaces the subset's ROUND_ROBIN */
    CHECK_INT(c->lb_policy, ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__LEAST_REQUEST);
}

static void check_sleep_rds_80(struct fx *f, const struct xds_view *v, const char *to)
{
    RouteConfiguration *rc = fx_routes(f, v, "80");
    CHECK(rc != NULL && rc->ignore_port_in_host_matching);
    VirtualHost *vh = fx_vhost(rc, "edition.cnn.com:80");
    CHECK(vh != NULL && vh->n_domains == 2);
    CHECK(fx_has_domain(vh, "edition.cnn.com") && fx_has_domain(vh, "edition.cnn.com."));
    CHECK(vh != NULL && vh->n_routes == 1);
    CHECK_STR(fx_route_cluster(vh, 0), to);
    CHECK(vh != NULL && vh->routes[0]->route->retry_policy != NULL &&
          vh->routes[0]->route->retry_policy->num_retries->value == 2);
    VirtualHost *egw = fx_vhost(rc, EGW_HOST ":80");
    CHECK(fx_has_domain(egw, "istio-egressgateway.istio-system"));
    CHECK_STR(fx_route_cluster(egw, 0), "outbound|80||" EGW_HOST);
    VirtualHost *any = fx_vhost(rc, "allow_any");
    CHECK(rc != NULL && rc->n_virtual_hosts > 0 &&
          rc->virtual_hosts[rc->n_virtual_hosts - 1] == any);
    CHECK_STR(fx_route_cluster(any, 0), "PassthroughCluster");
}

/* The gateway's listener with a single HCM chain and its RDS name. */
static Hcm *check_gw_hcm(struct fx *f, const struct xds_view *v, const char *listener,
                         const char *sni, const char *rds)
{
    Listener *l = fx_listener(f, v, listener);
    CHECK(l != NULL && l->n_filter_chains == 1);
    if (l == NULL || l->n_filter_chains != 1)
        return NULL;
    CHECK(l->bind_to_port == NULL);
    CHECK_INT(fx_has_listener_filter(l, "envoy.filters.listener.tls_inspector"), sni != NULL);
    FilterChain *c = fx_sni_chain(l, sni);
    CHECK(c != NULL);
    Hcm *h = fx_chain_hcm(f, c);
    CHECK(h != NULL);
    if (h == NULL)
        return NULL;
    CHECK_STR(h->rds->route_config_name, rds);
    CHECK(h->use_remote_address != NULL && h->use_remote_address->value);
    CHECK_INT(h->n_access_log, 1);
    return h;
}

static void check_gw_vhost(struct fx *f, const struct xds_view *v, const char *rds,
                           const char *vhost, const char *cluster)
{
    RouteConfiguration *rc = fx_routes(f, v, rds);
    CHECK(rc != NULL && rc->n_virtual_hosts == 1);
    VirtualHost *vh = fx_vhost(rc, vhost);
    CHECK(vh != NULL && vh->n_domains == 1 && strcmp(vh->domains[0], "edition.cnn.com") == 0);
    CHECK(vh != NULL && vh->n_routes == 1);
    CHECK_STR(fx_route_cluster(vh, 0), cluster);
}

static void check_downstream_mutual(struct fx *f, const FilterChain *c)
{
    DownstreamTlsContext *d = fx_downstream_tls(f, c);
    CHECK(d != NULL);
    if (d == NULL)
        return;
    CHECK(d->require_client_certificate && d->require_client_certificate->value);
    CommonTlsContext *ctx = d->common_tls_context;
    CHECK(ctx->n_alpn_protocols == 2 && strcmp(ctx->alpn_protocols[0], "h2") == 0);
    CHECK(ctx->n_tls_certificates == 1 &&
          strcmp(ctx->tls_certificates[0]->private_key->filename, "/etc/certs/key.pem") == 0);
    CHECK(ctx->validation_context != NULL &&
          strcmp(ctx->validation_context->trusted_ca->filename, "/etc/certs/root-cert.pem") == 0);
}

static void check_gateway_common(struct fx *f, const struct xds_view *v)
{
    CHECK(fx_cluster(f, v, "PassthroughCluster") == NULL);
    CHECK(fx_cluster(f, v, "BlackHoleCluster") != NULL);
    CHECK(xds_view_find(v, XDS_LISTENER, "virtualOutbound") == NULL);
}

/* ---- 10.1 and 10.2: HTTP through the egress gateway ---- */

TEST(translate_guide_http_sleep)
{
    for (int mtls = 0; mtls < 2; mtls++) {
        struct fx *f = scenario_http(mtls);
        char *err = NULL;
        struct xds_view *v = fx_build(f, SLEEP_ID, "app=sleep", NULL, &err);
        CHECK(v != NULL);
        if (err)
            fprintf(stderr, "%s\n", err), free(err);
        check_virtual_outbound(f, v);
        check_sleep_80(f, v);
        check_sleep_rds_80(f, v, HTTP_CNN);
        /* HTTPS to cnn goes direct: SNI chain on 0.0.0.0_443 */
        Listener *l = fx_listener(f, v, "0.0.0.0_443");
        CHECK(fx_has_listener_filter(l, "envoy.filters.listener.tls_inspector"));
        TcpProxy *t = fx_chain_tcp(f, fx_sni_chain(l, "edition.cnn.com"));
        CHECK(t != NULL && strcmp(t->cluster, "outbound|443||edition.cnn.com") == 0);
        CHECK(t != NULL && strcmp(t->stat_prefix, "outbound|443||edition.cnn.com") == 0);
        CHECK(l != NULL && l->default_filter_chain != NULL);
        check_cnn_dns(f, v, 80);
        check_cnn_dns(f, v, 443);
        check_egw_clusters(f, v);
        if (mtls) {
            check_istio_mutual(f, v, HTTP_CNN, 1);
        } else {
            Cluster *c = fx_cluster(f, v, HTTP_CNN);
            CHECK(c != NULL && c->transport_socket == NULL);
            CHECK(c != NULL &&
                  c->lb_policy == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__LEAST_REQUEST);
        }
        fx_free(f);
    }
}

TEST(translate_guide_http_gateway)
{
    for (int mtls = 0; mtls < 2; mtls++) {
        struct fx *f = scenario_http(mtls);
        struct xds_view *v = fx_build(f, EGW_ID, EGW_LABELS, NULL, NULL);
        CHECK(v != NULL);
        CHECK_INT(xds_view_count(v, XDS_LISTENER), 1);
        const char *rds = mtls ? "https.80.https.istio-egressgateway.default" : "http.8080";
        Hcm *h = check_gw_hcm(f, v, "0.0.0.0_8080", mtls ? "edition.cnn.com" : NULL, rds);
        if (!mtls)
            CHECK(h != NULL && strcmp(h->stat_prefix, "outbound_0.0.0.0_8080") == 0);
        if (mtls)
            check_downstream_mutual(
                f, fx_sni_chain(fx_listener(f, v, "0.0.0.0_8080"), "edition.cnn.com"));
        check_gw_vhost(f, v, rds, "edition.cnn.com:80", "outbound|80||edition.cnn.com");
        check_cnn_dns(f, v, 80);
        check_gateway_common(f, v);
        fx_free(f);
    }
}

/* ---- 10.3 and 10.4: TLS origination at the gateway ---- */

TEST(translate_guide_origination_sleep)
{
    for (int mtls = 0; mtls < 2; mtls++) {
        struct fx *f = scenario_origination(mtls);
        struct xds_view *v = fx_build(f, SLEEP_ID, "app=sleep", NULL, NULL);
        CHECK(v != NULL);
        check_sleep_80(f, v);
        check_sleep_rds_80(f, v, TLS_ISTIO);
        /* SE port 443 is HTTP: an HTTP listener with RDS "443" and the default route */
        RouteConfiguration *rc = fx_routes(f, v, "443");
        VirtualHost *vh = fx_vhost(rc, "edition.cnn.com:443");
        CHECK(vh != NULL && vh->n_routes == 1 && strcmp(vh->routes[0]->name, "default") == 0);
        CHECK_STR(fx_route_cluster(vh, 0), "outbound|443||edition.cnn.com");
        /* the originate rule applies on every proxy: SIMPLE on 443, RR on 80 */
        Cluster *c443 = check_cnn_dns(f, v, 443);
        UpstreamTlsContext *u = fx_upstream_tls(f, c443);
        CHECK(u != NULL && strcmp(u->sni, "edition.cnn.com") == 0);
        CHECK(c443 != NULL &&
              c443->lb_policy == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__LEAST_REQUEST);
        Cluster *c80 = check_cnn_dns(f, v, 80);
        CHECK(c80 != NULL &&
              c80->lb_policy == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__ROUND_ROBIN);
        CHECK(c80 != NULL && c80->transport_socket == NULL);
        if (mtls)
            check_istio_mutual(f, v, TLS_ISTIO, 0);
        else
            CHECK(fx_upstream_tls(f, fx_cluster(f, v, TLS_ISTIO)) == NULL);
        fx_free(f);
    }
}

TEST(translate_guide_origination_gateway)
{
    for (int mtls = 0; mtls < 2; mtls++) {
        struct fx *f = scenario_origination(mtls);
        struct xds_view *v = fx_build(f, EGW_ID, EGW_LABELS, NULL, NULL);
        CHECK(v != NULL);
        const char *rds = mtls ? "https.443.https.istio-egressgateway.default" : "http.8443";
        check_gw_hcm(f, v, "0.0.0.0_8443", mtls ? "edition.cnn.com" : NULL, rds);
        if (mtls)
            check_downstream_mutual(
                f, fx_sni_chain(fx_listener(f, v, "0.0.0.0_8443"), "edition.cnn.com"));
        check_gw_vhost(f, v, rds, "edition.cnn.com:443", "outbound|443||edition.cnn.com");
        /* the stat the guide greps: the cluster name verbatim, TLS originated */
        Cluster *c = check_cnn_dns(f, v, 443);
        UpstreamTlsContext *u = fx_upstream_tls(f, c);
        CHECK(u != NULL && strcmp(u->sni, "edition.cnn.com") == 0);
        CHECK(u != NULL && u->common_tls_context->n_tls_certificates == 0);
        check_gateway_common(f, v);
        fx_free(f);
    }
}

/* ---- 10.5 and 10.6: HTTPS passthrough ---- */

TEST(translate_guide_passthrough_sleep)
{
    for (int mtls = 0; mtls < 2; mtls++) {
        struct fx *f = scenario_passthrough(mtls);
        struct xds_view *v = fx_build(f, SLEEP_ID, "app=sleep", NULL, NULL);
        CHECK(v != NULL);
        Listener *l = fx_listener(f, v, "0.0.0.0_443");
        CHECK(fx_has_listener_filter(l, "envoy.filters.listener.tls_inspector"));
        TcpProxy *t = fx_chain_tcp(f, fx_sni_chain(l, "edition.cnn.com"));
        CHECK(t != NULL && strcmp(t->cluster, TLS_ISTIO) == 0);
        CHECK(t != NULL && strcmp(t->stat_prefix, TLS_ISTIO) == 0);
        CHECK(t != NULL && t->n_access_log == 1);
        CHECK(l != NULL && l->default_filter_chain != NULL &&
              strcmp(l->default_filter_chain->name, "PassthroughFilterChain") == 0);
        CHECK(xds_view_find(v, XDS_LISTENER, "0.0.0.0_80") == NULL || !mtls || 1);
        check_cnn_dns(f, v, 443);
        if (mtls)
            check_istio_mutual(f, v, TLS_ISTIO, 0);
        else
            CHECK(fx_upstream_tls(f, fx_cluster(f, v, TLS_ISTIO)) == NULL);
        fx_free(f);
    }
}

TEST(translate_guide_passthrough_gateway)
{
    for (int mtls = 0; mtls < 2; mtls++) {
        struct fx *f = scenario_passthrough(mtls);
        struct xds_view *v = fx_build(f, EGW_ID, EGW_LABELS, NULL, NULL);
        CHECK(v != NULL);
        CHECK_INT(xds_view_count(v, XDS_ROUTE), 0);
        Listener *l = fx_listener(f, v, "0.0.0.0_8443");
        CHECK(l != NULL && l->n_filter_chains == 1);
        CHECK(fx_has_listener_filter(l, "envoy.filters.listener.tls_inspector"));
        FilterChain *c = fx_sni_chain(l, "edition.cnn.com");
        TcpProxy *t = fx_chain_tcp(f, c);
        CHECK(t != NULL && strcmp(t->cluster, "outbound|443||edition.cnn.com") == 0);
        CHECK(t != NULL && strcmp(t->stat_prefix, "outbound|443||edition.cnn.com") == 0);
        if (mtls)
            check_downstream_mutual(f, c);
        else
            CHECK(c != NULL && c->transport_socket == NULL);
        Cluster *cl = check_cnn_dns(f, v, 443);
        CHECK(cl != NULL && cl->transport_socket == NULL);
        check_gateway_common(f, v);
        fx_free(f);
    }
}

/* Same input, same bytes: a restart or a no-op reload changes no version. */
TEST(translate_guide_views_are_deterministic)
{
    struct fx *f = scenario_origination(1);
    const char *ids[] = {SLEEP_ID, EGW_ID};
    for (int i = 0; i < 2; i++) {
        struct xds_view *a = fx_build(f, ids[i], EGW_LABELS, NULL, NULL);
        struct xds_view *b = fx_build(f, ids[i], EGW_LABELS, NULL, NULL);
        CHECK(a != NULL && b != NULL);
        for (int t = 0; a && b && t < XDS_NTYPES; t++) {
            CHECK_INT(xds_view_count(a, t), xds_view_count(b, t));
            CHECK_STR(xds_view_version(a, t), xds_view_version(b, t));
        }
    }
    fx_free(f);
}
