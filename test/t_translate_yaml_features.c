/* t_translate_yaml_features.c - a configuration using most of the Istio
 * features translation covers, from YAML through the loader. */
#include "translate_fixture.h"
#include "unit.h"

static const char FEATURES[] =
    "apiVersion: networking.istio.io/v1beta1\n"
    "kind: ServiceEntry\n"
    "metadata: {name: reviews, namespace: default}\n"
    "spec:\n"
    "  hosts: [reviews.default.svc.cluster.local]\n"
    "  location: MESH_INTERNAL\n"
    "  ports: [{number: 9080, name: http, protocol: HTTP, targetPort: 8080}]\n"
    "  resolution: STATIC\n"
    "  endpoints:\n"
    "  - {address: 10.1.0.1, labels: {version: v1}, serviceAccount: reviews, locality: r1/z1}\n"
    "  - {address: 10.1.0.2, labels: {version: v2}, serviceAccount: reviews, locality: r1/z2}\n"
    "---\n"
    "apiVersion: networking.istio.io/v1beta1\n"
    "kind: ServiceEntry\n"
    "metadata: {name: ext, namespace: default}\n"
    "spec:\n"
    "  hosts: [api.example.com]\n"
    "  ports: [{number: 443, name: https, protocol: HTTPS}, {number: 80, name: http, protocol: "
    "HTTP}]\n"
    "  resolution: DNS\n"
    "---\n"
    "apiVersion: networking.istio.io/v1beta1\n"
    "kind: ServiceEntry\n"
    "metadata: {name: wiki, namespace: default}\n"
    "spec:\n"
    "  hosts: ['*.wikipedia.org']\n"
    "  ports: [{number: 443, name: tls, protocol: TLS}]\n"
    "  resolution: NONE\n"
    "---\n"
    "apiVersion: networking.istio.io/v1beta1\n"
    "kind: DestinationRule\n"
    "metadata: {name: reviews, namespace: default}\n"
    "spec:\n"
    "  host: reviews\n"
    "  trafficPolicy:\n"
    "    connectionPool:\n"
    "      tcp: {maxConnections: 100, connectTimeout: 3s}\n"
    "      http: {http1MaxPendingRequests: 10, maxRequestsPerConnection: 5}\n"
    "    outlierDetection: {consecutive5xxErrors: 3, interval: 5s, baseEjectionTime: 30s}\n"
    "  subsets:\n"
    "  - name: v1\n"
    "    labels: {version: v1}\n"
    "  - name: v2\n"
    "    labels: {version: v2}\n"
    "    trafficPolicy:\n"
    "      loadBalancer:\n"
    "        consistentHash: {httpHeaderName: x-user}\n"
    "---\n"
    "apiVersion: networking.istio.io/v1beta1\n"
    "kind: DestinationRule\n"
    "metadata: {name: ext, namespace: default}\n"
    "spec:\n"
    "  host: api.example.com\n"
    "  trafficPolicy:\n"
    "    portLevelSettings:\n"
    "    - port: {number: 80}\n"
    "      tls: {mode: SIMPLE, sni: api.example.com}\n"
    "---\n"
    "apiVersion: networking.istio.io/v1beta1\n"
    "kind: VirtualService\n"
    "metadata: {name: reviews, namespace: default}\n"
    "spec:\n"
    "  hosts: [reviews]\n"
    "  http:\n"
    "  - name: jason\n"
    "    match:\n"
    "    - headers: {end-user: {exact: jason}}\n"
    "      uri: {prefix: /api}\n"
    "      ignoreUriCase: true\n"
    "    route:\n"
    "    - destination: {host: reviews, subset: v2}\n"
    "    fault:\n"
    "      delay: {fixedDelay: 2s, percentage: {value: 50}}\n"
    "    timeout: 5s\n"
    "    retries: {attempts: 3, perTryTimeout: 1s, retryOn: 'gateway-error,503'}\n"
    "  - match: [{uri: {exact: /old}}]\n"
    "    redirect: {uri: /new, authority: other.example.com}\n"
    "  - match: [{uri: {exact: /teapot}}]\n"
    "    directResponse: {status: 418, body: {string: teapot}}\n"
    "  - route:\n"
    "    - destination: {host: reviews, subset: v1}\n"
    "      weight: 90\n"
    "    - destination: {host: reviews, subset: v2}\n"
    "      weight: 10\n"
    "    mirror: {host: reviews, subset: v2}\n"
    "    mirrorPercentage: {value: 5}\n"
    "    headers:\n"
    "      request: {set: {x-via: xdsd}, remove: [x-debug]}\n"
    "    corsPolicy:\n"
    "      allowOrigins: [{exact: 'https://a.example.com'}]\n"
    "      allowMethods: [GET, POST]\n"
    "      maxAge: 24h\n"
    "---\n"
    "apiVersion: networking.istio.io/v1beta1\n"
    "kind: Gateway\n"
    "metadata: {name: gw, namespace: istio-system}\n"
    "spec:\n"
    "  selector: {istio: egressgateway}\n"
    "  servers:\n"
    "  - port: {number: 443, name: https, protocol: HTTPS}\n"
    "    hosts: [api.example.com]\n"
    "    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}\n"
    "  - port: {number: 8443, name: tls, protocol: TLS}\n"
    "    hosts: ['*.wikipedia.org']\n"
    "    tls: {mode: PASSTHROUGH}\n"
    "---\n"
    "apiVersion: networking.istio.io/v1beta1\n"
    "kind: VirtualService\n"
    "metadata: {name: ext, namespace: default}\n"
    "spec:\n"
    "  hosts: [api.example.com]\n"
    "  gateways: [istio-system/gw]\n"
    "  http:\n"
    "  - rewrite: {uri: /v1, authority: api.example.com}\n"
    "    route: [{destination: {host: api.example.com, port: {number: 80}}}]\n"
    "---\n"
    "apiVersion: networking.istio.io/v1beta1\n"
    "kind: VirtualService\n"
    "metadata: {name: wiki, namespace: default}\n"
    "spec:\n"
    "  hosts: ['*.wikipedia.org']\n"
    "  gateways: [istio-system/gw]\n"
    "  tls:\n"
    "  - match: [{port: 8443, sniHosts: [en.wikipedia.org]}]\n"
    "    route: [{destination: {host: en.wikipedia.org, port: {number: 443}}}]\n";

static void model_of(struct config_set *cfg, struct translate_model *m)
{
    m->service_entries = config_service_entries(cfg, &m->n_service_entries);
    m->gateways = config_gateways(cfg, &m->n_gateways);
    m->virtual_services = config_virtual_services(cfg, &m->n_virtual_services);
    m->destination_rules = config_destination_rules(cfg, &m->n_destination_rules);
    m->sidecars = config_sidecars(cfg, &m->n_sidecars);
    m->workload_entries = config_workload_entries(cfg, &m->n_workload_entries);
}

TEST(translate_yaml_features)
{
    struct config_diags diags = {0};
    struct config_set *cfg = config_parse("features.yaml", FEATURES, strlen(FEATURES), &diags);
    if (cfg == NULL)
        config_diags_print(&diags, stderr);
    config_diags_release(&diags);
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return;
    struct fx *f = fx_new();
    model_of(cfg, &f->m);
    char *err = NULL;
    struct xds_view *v = fx_build(f, SLEEP_ID, "app=sleep", NULL, &err);
    CHECK(v != NULL);
    free(err);
    VirtualHost *vh = fx_vhost(fx_routes(f, v, "9080"), "reviews.default.svc.cluster.local:9080");
    CHECK(fx_has_domain(vh, "reviews"));
    CHECK(vh != NULL && vh->n_routes == 4);
    if (vh != NULL && vh->n_routes == 4) {
        Route *r = vh->routes[0];
        CHECK_STR(r->name, "jason");
        CHECK(!r->match->case_sensitive->value);
        CHECK_STR(r->route->cluster, "outbound|9080|v2|reviews.default.svc.cluster.local");
        CHECK(r->route->n_hash_policy == 1);
        CHECK(r->n_typed_per_filter_config == 1);
        CHECK(r->route->retry_policy->n_retriable_status_codes == 1);
        CHECK(vh->routes[1]->redirect != NULL);
        CHECK(vh->routes[2]->direct_response != NULL);
        CHECK(vh->routes[3]->route->weighted_clusters != NULL);
        CHECK(vh->routes[3]->route->n_request_mirror_policies == 1);
        CHECK(vh->routes[3]->n_request_headers_to_remove == 1);
    }
    CLA *e = fx_cla(f, v, "outbound|9080|v1|reviews.default.svc.cluster.local");
    CHECK(e != NULL && e->n_endpoints == 1 && strcmp(e->endpoints[0]->locality->zone, "z1") == 0);
    CHECK(e != NULL &&
          e->endpoints[0]->lb_endpoints[0]->endpoint->address->socket_address->port_value == 8080);
    Cluster *c = fx_cluster(f, v, "outbound|9080|v2|reviews.default.svc.cluster.local");
    CHECK(c != NULL && c->lb_policy == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__RING_HASH);
    CHECK(c != NULL && c->outlier_detection != NULL); /* inherited: the subset sets no outlier */
    Cluster *wiki = fx_cluster(f, v, "outbound|443||*.wikipedia.org");
    CHECK(wiki != NULL &&
          wiki->type == ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__ORIGINAL_DST);
    CHECK(fx_sni_chain(fx_listener(f, v, "0.0.0.0_443"), "*.wikipedia.org") != NULL);

    struct xds_view *g = fx_build(f, EGW_ID, EGW_LABELS, NULL, NULL);
    CHECK(g != NULL);
    Listener *l = fx_listener(f, g, "0.0.0.0_443");
    FilterChain *fc = fx_sni_chain(l, "api.example.com");
    CHECK(fx_downstream_tls(f, fc) != NULL);
    VirtualHost *gv =
        fx_vhost(fx_routes(f, g, "https.443.https.gw.istio-system"), "api.example.com:443");
    CHECK(gv != NULL && strcmp(gv->routes[0]->route->prefix_rewrite, "/v1") == 0);
    CHECK_STR(fx_route_cluster(gv, 0), "outbound|80||api.example.com");
    CHECK(fx_upstream_tls(f, fx_cluster(f, g, "outbound|80||api.example.com")) != NULL);
    TcpProxy *t =
        fx_chain_tcp(f, fx_sni_chain(fx_listener(f, g, "0.0.0.0_8443"), "en.wikipedia.org"));
    /* en.wikipedia.org has no cluster of its own: refused, never dangling */
    CHECK(t != NULL && strcmp(t->cluster, "BlackHoleCluster") == 0);

    CHECK(fx_build(f, SLEEP_ID, "app=sleep", "grpc", NULL) != NULL);
    fx_free(f);
    config_unref(cfg);
}

/* sourceLabels in an http or a tcp match, as decoded, make proxies that
 * differ in those labels different classes; other labels do not. */
TEST(translate_yaml_source_labels_split_classes)
{
    static const char yaml[] =
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata: {name: plain, namespace: default}\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  http: [{route: [{destination: {host: a.example.com}}]}]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata: {name: by-app, namespace: default}\n"
        "spec:\n"
        "  hosts: [b.example.com]\n"
        "  http:\n"
        "  - match: [{sourceLabels: {app: sleep}}]\n"
        "    route: [{destination: {host: b.example.com}}]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata: {name: by-tier, namespace: default}\n"
        "spec:\n"
        "  hosts: [c.example.com]\n"
        "  tcp:\n"
        "  - match: [{port: 5432, sourceLabels: {tier: db}}]\n"
        "    route: [{destination: {host: c.example.com}}]\n";
    struct config_diags diags = {0};
    struct config_set *cfg = config_parse("labels.yaml", yaml, strlen(yaml), &diags);
    config_diags_release(&diags);
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return;
    struct translate_model m = {0};
    model_of(cfg, &m);
    CHECK(m.n_virtual_services == 3);
    for (size_t i = 0; i < m.n_virtual_services; i++)
        CHECK_INT(m.virtual_services[i].has_source_labels,
                  strcmp(m.virtual_services[i].meta.name, "plain") != 0);
    const char *labels[] = {"app=sleep,tier=web,v=1", "app=sleep,tier=web,v=2",
                            "app=other,tier=web", "app=sleep,tier=db"};
    char *keys[4];
    for (int i = 0; i < 4; i++) {
        size_t n = 0;
        struct config_kv *l = proxy_labels_parse(labels[i], &n);
        struct proxy_identity p;
        proxy_identity_init(&p, SLEEP_ID, NULL, NULL, l, n, NULL);
        proxy_labels_free(l, n);
        keys[i] = translate_class_key(&m, &p);
        proxy_identity_release(&p);
    }
    CHECK_STR(keys[0], keys[1]); /* v is read by nothing */
    CHECK(strcmp(keys[0], keys[2]) != 0);
    CHECK(strcmp(keys[0], keys[3]) != 0);
    for (int i = 0; i < 4; i++)
        free(keys[i]);
    config_unref(cfg);
}
