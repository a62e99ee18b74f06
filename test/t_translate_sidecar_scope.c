/* t_translate_sidecar_scope.c - what a Sidecar resource does to the view of
 * the sidecars it applies to (which one applies, the services they see,
 * their outbound policy, egressProxy, an egress listener's bind), what
 * WorkloadEntries give the ServiceEntries selecting them; and, through a
 * chain of edits of both, that the reuse layer's view is byte for byte a
 * full translation's and that an edit of a WorkloadEntry changes nothing
 * but Endpoints. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memo_chain.h"
#include "xdsd/debug.h"
#include "translate_fixture.h"
#include "unit.h"

#define H "apiVersion: networking.istio.io/v1\n"
#define GW_HOST "istio-egressgateway.istio-system.svc.cluster.local"
#define HTTPBIN "httpbin.default.svc.cluster.local"
#define REVIEWS "reviews.other.svc.cluster.local"

/* Services in default, other and istio-system; httpbin's endpoints are
 * WorkloadEntries (one in another namespace, which it must not take). */
static const char base[] =
    H "kind: ServiceEntry\n"
      "metadata: {name: httpbin, namespace: default}\n"
      "spec:\n"
      "  hosts: [" HTTPBIN "]\n"
      "  location: MESH_INTERNAL\n"
      "  ports: [{number: 8000, name: http, protocol: HTTP}]\n"
      "  resolution: STATIC\n"
      "  workloadSelector: {labels: {app: httpbin}}\n"
      "---\n" H "kind: ServiceEntry\n"
      "metadata: {name: cnn, namespace: default}\n"
      "spec:\n"
      "  hosts: [edition.cnn.com]\n"
      "  ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: tls, protocol: "
      "TLS}]\n"
      "  resolution: DNS\n"
      "---\n" H "kind: ServiceEntry\n"
      "metadata: {name: reviews, namespace: other}\n"
      "spec:\n"
      "  hosts: [" REVIEWS "]\n"
      "  location: MESH_INTERNAL\n"
      "  ports: [{number: 9080, name: http, protocol: HTTP}]\n"
      "  resolution: STATIC\n"
      "  endpoints: [{address: 10.2.0.1}]\n"
      "---\n" H "kind: ServiceEntry\n"
      "metadata: {name: egw, namespace: istio-system}\n"
      "spec:\n"
      "  hosts: [" GW_HOST "]\n"
      "  location: MESH_INTERNAL\n"
      "  ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: tls, protocol: "
      "TLS}]\n"
      "  resolution: STATIC\n"
      "  endpoints: [{address: 10.255.0.1, labels: {istio: egressgateway}}]\n"
      "---\n" H "kind: WorkloadEntry\n"
      "metadata: {name: httpbin-x, namespace: other}\n"
      "spec: {address: 10.9.0.99, labels: {app: httpbin}}\n"
      "---\n";

static struct config_set *parse(const char *extra)
{
    char *text = xasprintf("%s%s", base, extra);
    struct config_diags d;
    struct config_set *s = config_parse("scope.yaml", text, strlen(text), &d);
    if (s == NULL)
        config_diags_print(&d, stderr);
    config_diags_release(&d);
    free(text);
    return s;
}

/* The view of a proxy of namespace ns with labels (k=v,...) over s. */
static struct xds_view *view_of(struct fx *f, const struct config_set *s, const char *ns,
                                const char *labels)
{
    struct translate_model m;
    model_of(s, &m);
    struct config_labels l = fx_labels(f, labels);
    char *node = xasprintf("sidecar~10.1.0.1~a.%s~%s.svc.cluster.local", ns, ns);
    struct proxy_identity id;
    proxy_identity_init(&id, node, NULL, ns, l.items, l.n, NULL);
    struct xds_view *v = translate_build(&m, &f->o, &id, NULL);
    proxy_identity_release(&id);
    free(node);
    if (v != NULL && f->n_views < FX_CAP)
        f->views[f->n_views++] = v;
    return v;
}

static int has_cluster(const struct xds_view *v, const char *name)
{
    return v != NULL && xds_view_find(v, XDS_CLUSTER, name) != NULL;
}

/* The cluster virtualOutbound's catch-all chain sends to. */
static const char *catch_all(struct fx *f, const struct xds_view *v)
{
    Listener *l = fx_listener(f, v, "virtualOutbound");
    if (l == NULL || l->n_filter_chains < 2)
        return NULL;
    TcpProxy *t = fx_chain_tcp(f, l->filter_chains[1]);
    return t ? t->cluster : NULL;
}

#define SIDECAR(name, ns, rest)                                                                    \
    H "kind: Sidecar\nmetadata: {name: " name ", namespace: " ns "}\n" rest

TEST(sidecar_scope_limits_services)
{
    struct fx *f = fx_new();
    struct config_set *open = parse(""),
                      *scoped =
                          parse(SIDECAR("default", "default",
                                        "spec: {egress: [{hosts: ['./*', 'istio-system/*']}]}\n"));
    CHECK(open != NULL && scoped != NULL);
    struct xds_view *v0 = view_of(f, open, "default", "");
    struct xds_view *v1 = view_of(f, scoped, "default", "");
    CHECK(has_cluster(v0, "outbound|9080||" REVIEWS));
    CHECK(xds_view_find(v0, XDS_LISTENER, "0.0.0.0_9080") != NULL);
    /* scoped: nothing of namespace other, all of default and istio-system */
    CHECK(!has_cluster(v1, "outbound|9080||" REVIEWS));
    CHECK(xds_view_find(v1, XDS_ENDPOINT, "outbound|9080||" REVIEWS) == NULL);
    CHECK(xds_view_find(v1, XDS_LISTENER, "0.0.0.0_9080") == NULL);
    CHECK(xds_view_find(v1, XDS_ROUTE, "9080") == NULL);
    CHECK(has_cluster(v1, "outbound|8000||" HTTPBIN));
    CHECK(has_cluster(v1, "outbound|443||edition.cnn.com"));
    CHECK(has_cluster(v1, "outbound|443||" GW_HOST));
    CHECK(has_cluster(v1, "PassthroughCluster") && has_cluster(v1, "BlackHoleCluster"));
    /* a proxy of another namespace is not scoped by default's Sidecar */
    struct xds_view *v2 = view_of(f, scoped, "other", "");
    CHECK(has_cluster(v2, "outbound|9080||" REVIEWS) && has_cluster(v2, "outbound|8000||" HTTPBIN));
    config_unref(open);
    config_unref(scoped);
    fx_free(f);
}

TEST(sidecar_scope_precedence)
{
    struct fx *f = fx_new();
    /* the root namespace's Sidecar is every namespace's default; a
     * namespace's own replaces it; a selecting one replaces that */
    struct config_set *s = parse(
        SIDECAR("default", "istio-system", "spec: {egress: [{hosts: ['./*', 'istio-system/*']}]}\n") "---\n" SIDECAR(
            "default", "default",
            "spec: {egress: [{hosts: ['*/*']}]}\n") "---\n" SIDECAR("sleep", "default",
                                                                    "spec:\n  workloadSelector: "
                                                                    "{labels: {app: sleep}}\n"
                                                                    "  egress: [{hosts: "
                                                                    "['istio-system/*']}]\n"));
    CHECK(s != NULL);
    struct xds_view *other = view_of(f, s, "other", "");
    CHECK(has_cluster(other, "outbound|9080||" REVIEWS));
    CHECK(!has_cluster(other, "outbound|8000||" HTTPBIN));
    struct xds_view *plain = view_of(f, s, "default", "app=curl");
    CHECK(has_cluster(plain, "outbound|9080||" REVIEWS) &&
          has_cluster(plain, "outbound|8000||" HTTPBIN));
    struct xds_view *sleep = view_of(f, s, "default", "app=sleep");
    CHECK(!has_cluster(sleep, "outbound|8000||" HTTPBIN) &&
          !has_cluster(sleep, "outbound|9080||" REVIEWS));
    CHECK(has_cluster(sleep, "outbound|80||" GW_HOST));
    /* classes: the Sidecar applying is in the key, the labels it reads are not */
    struct translate_model m;
    model_of(s, &m);
    static const struct config_kv sleep_l[] = {{"app", "sleep"}, {"pod", "x1"}};
    static const struct config_kv sleep_l2[] = {{"app", "sleep"}, {"pod", "x2"}};
    static const struct config_kv curl_l[] = {{"app", "curl"}};
    struct proxy_identity a, b, c;
    proxy_identity_init(&a, "sidecar~10.1.0.1~a.default~default.svc.cluster.local", NULL, "default",
                        sleep_l, 2, NULL);
    proxy_identity_init(&b, "sidecar~10.1.0.2~b.default~default.svc.cluster.local", NULL, "default",
                        sleep_l2, 2, NULL);
    proxy_identity_init(&c, "sidecar~10.1.0.3~c.default~default.svc.cluster.local", NULL, "default",
                        curl_l, 1, NULL);
    char *ka = translate_class_key(&m, &a), *kb = translate_class_key(&m, &b),
         *kc = translate_class_key(&m, &c);
    CHECK_STR(ka, kb);
    CHECK(strcmp(ka, kc) != 0);
    CHECK(strstr(ka, "sc:default/sleep") != NULL && strstr(kc, "sc:default/default") != NULL);
    free(ka);
    free(kb);
    free(kc);
    proxy_identity_release(&a);
    proxy_identity_release(&b);
    proxy_identity_release(&c);
    config_unref(s);
    fx_free(f);
}

TEST(sidecar_outbound_policy_and_egress_proxy)
{
    struct fx *f = fx_new();
    struct config_set *blocked = parse(
        SIDECAR("default", "default", "spec: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}\n"));
    struct config_set *proxied =
        parse(SIDECAR("default", "default",
                      "spec:\n"
                      "  egress: [{hosts: ['./*']}]\n"
                      "  outboundTrafficPolicy:\n"
                      "    mode: ALLOW_ANY\n"
                      "    egressProxy: {host: " GW_HOST ", port: {number: 443}}\n"));
    CHECK(blocked != NULL && proxied != NULL);
    struct xds_view *open = view_of(f, blocked, "other", "");
    CHECK_STR(catch_all(f, open), "PassthroughCluster");
    struct xds_view *b = view_of(f, blocked, "default", "");
    CHECK_STR(catch_all(f, b), "BlackHoleCluster");
    RouteConfiguration *rc = fx_routes(f, b, "80");
    VirtualHost *vh = fx_vhost(rc, "block_all");
    CHECK(vh != NULL && vh->routes[0]->direct_response != NULL &&
          vh->routes[0]->direct_response->status == 502);
    /* the registry-only flag, overridden the other way */
    f->o.outbound_policy = OUTBOUND_REGISTRY_ONLY;
    struct config_set *allowed =
        parse(SIDECAR("default", "default", "spec: {outboundTrafficPolicy: {mode: ALLOW_ANY}}\n"));
    CHECK_STR(catch_all(f, view_of(f, allowed, "default", "")), "PassthroughCluster");
    CHECK_STR(catch_all(f, view_of(f, allowed, "other", "")), "BlackHoleCluster");
    f->o.outbound_policy = OUTBOUND_ALLOW_ANY;
    /* egressProxy: unknown destinations go to the gateway, which stays
     * visible though istio-system is out of the scope */
    struct xds_view *p = view_of(f, proxied, "default", "");
    CHECK_STR(catch_all(f, p), "outbound|443||" GW_HOST);
    CHECK(has_cluster(p, "outbound|443||" GW_HOST));
    Listener *l80 = fx_listener(f, p, "0.0.0.0_80");
    CHECK(l80 != NULL && l80->default_filter_chain != NULL);
    if (l80 != NULL && l80->default_filter_chain != NULL) {
        TcpProxy *t = fx_chain_tcp(f, l80->default_filter_chain);
        CHECK(t != NULL && strcmp(t->cluster, "outbound|443||" GW_HOST) == 0);
    }
    vh = fx_vhost(fx_routes(f, p, "80"), "allow_any");
    CHECK_STR(fx_route_cluster(vh, 0), "outbound|443||" GW_HOST);
    config_unref(blocked);
    config_unref(proxied);
    config_unref(allowed);
    fx_free(f);
}

/* The gateway whose own service an egressProxy names forwards what arrives
 * on that port: TLS by SNI, HTTP by Host, through one forward proxy cluster. */
TEST(egress_proxy_gateway_forwards)
{
    struct fx *f = fx_new();
    struct config_set *s =
        parse(SIDECAR("default", "default",
                      "spec:\n  outboundTrafficPolicy:\n"
                      "    egressProxy: {host: " GW_HOST ", port: {number: 443}}\n"));
    struct config_set *none = parse("");
    CHECK(s != NULL && none != NULL);
    struct translate_model m;
    model_of(s, &m);
    struct config_labels l = fx_labels(f, "istio=egressgateway");
    struct proxy_identity id;
    proxy_identity_init(&id, "router~10.255.0.1~egw.istio-system~istio-system.svc.cluster.local",
                        NULL, "istio-system", l.items, l.n, NULL);
    struct xds_view *v = translate_build(&m, &f->o, &id, NULL);
    CHECK(v != NULL);
    Cluster *c = fx_cluster(f, v, "EgressForwardProxyCluster");
    CHECK(c != NULL && c->cluster_type != NULL &&
          strcmp(c->cluster_type->name, "envoy.clusters.dynamic_forward_proxy") == 0);
    Listener *ln = fx_listener(f, v, "0.0.0.0_443");
    CHECK(ln != NULL && ln->n_filter_chains == 2 &&
          fx_has_listener_filter(ln, "envoy.filters.listener.tls_inspector"));
    if (ln != NULL && ln->n_filter_chains == 2) {
        FilterChain *tls = ln->filter_chains[0], *http = ln->filter_chains[1];
        CHECK(tls->filter_chain_match != NULL &&
              strcmp(tls->filter_chain_match->transport_protocol, "tls") == 0);
        CHECK(tls->n_filters == 2 &&
              strcmp(tls->filters[0]->name, "envoy.filters.network.sni_dynamic_forward_proxy") ==
                  0);
        if (tls->n_filters == 2) {
            TcpProxy *t = fx_any(f, tls->filters[1]->typed_config, &TcpProxy_desc);
            CHECK(t != NULL && strcmp(t->cluster, "EgressForwardProxyCluster") == 0 &&
                  t->n_access_log == 1);
        }
        Hcm *h = fx_chain_hcm(f, http);
        CHECK(h != NULL && h->n_http_filters == 2 && h->n_access_log == 1 &&
              strcmp(h->http_filters[0]->name, "envoy.filters.http.dynamic_forward_proxy") == 0);
        CHECK(h != NULL && h->route_config != NULL &&
              strcmp(fx_route_cluster(h->route_config->virtual_hosts[0], 0),
                     "EgressForwardProxyCluster") == 0);
    }
    /* no egressProxy naming the gateway: neither */
    model_of(none, &m);
    struct xds_view *v0 = translate_build(&m, &f->o, &id, NULL);
    CHECK(v0 != NULL && xds_view_find(v0, XDS_CLUSTER, "EgressForwardProxyCluster") == NULL &&
          xds_view_find(v0, XDS_LISTENER, "0.0.0.0_443") == NULL);
    xds_view_free(v);
    xds_view_free(v0);
    proxy_identity_release(&id);
    config_unref(s);
    config_unref(none);
    fx_free(f);
}

TEST(sidecar_egress_bind)
{
    struct fx *f = fx_new();
    struct config_set *s = parse(SIDECAR("default", "default",
                                         "spec:\n  egress:\n"
                                         "  - port: {number: 8000, name: http, protocol: HTTP}\n"
                                         "    bind: 127.0.0.2\n"
                                         "    hosts: ['./*']\n"
                                         "  - hosts: ['./*', 'istio-system/*']\n"));
    CHECK(s != NULL);
    struct xds_view *v = view_of(f, s, "default", "");
    Listener *l = fx_listener(f, v, "127.0.0.2_8000");
    CHECK(l != NULL && xds_view_find(v, XDS_LISTENER, "0.0.0.0_8000") == NULL);
    CHECK(l != NULL && strcmp(l->address->socket_address->address, "127.0.0.2") == 0);
    CHECK(xds_view_find(v, XDS_LISTENER, "0.0.0.0_80") != NULL);
    config_unref(s);
    fx_free(f);
}

/* An egress listener with a port decides what that port's listener
 * carries; the one without a port decides the other ports; clusters are
 * those of every egress listener together. */
TEST(sidecar_egress_port_hosts)
{
    struct fx *f = fx_new();
    struct config_set *s = parse(SIDECAR("default", "default",
                                         "spec:\n  egress:\n"
                                         "  - port: {number: 8000, name: http, protocol: HTTP}\n"
                                         "    hosts: ['./*']\n"
                                         "  - hosts: ['istio-system/*']\n"));
    CHECK(s != NULL);
    struct xds_view *v = view_of(f, s, "default", "");
    CHECK(has_cluster(v, "outbound|80||edition.cnn.com") &&
          has_cluster(v, "outbound|8000||" HTTPBIN));
    CHECK(has_cluster(v, "outbound|80||" GW_HOST));
    VirtualHost *gw = fx_vhost(fx_routes(f, v, "80"), GW_HOST ":80");
    VirtualHost *cnn = fx_vhost(fx_routes(f, v, "80"), "edition.cnn.com:80");
    CHECK(gw != NULL && cnn == NULL);
    CHECK(fx_vhost(fx_routes(f, v, "8000"), HTTPBIN ":8000") != NULL);
    /* edition.cnn.com's TLS port 443: only the gateway's chain there */
    Listener *l443 = fx_listener(f, v, "0.0.0.0_443");
    CHECK(l443 != NULL && fx_sni_chain(l443, "edition.cnn.com") == NULL);
    config_unref(s);
    fx_free(f);
}

TEST(workload_entries_are_endpoints)
{
    struct fx *f = fx_new();
    struct config_set *s =
        parse(H "kind: WorkloadEntry\n"
                "metadata: {name: httpbin-vm-1, namespace: default}\n"
                "spec: {address: 10.9.0.1, labels: {app: httpbin, v: '1'}, ports: {http: 8080},\n"
                "       weight: 3, locality: us-east/a, network: vpc-1}\n"
                "---\n" H "kind: WorkloadEntry\n"
                "metadata: {name: httpbin-vm-2, namespace: default}\n"
                "spec: {address: 10.9.0.2, labels: {app: httpbin}}\n"
                "---\n" H "kind: WorkloadEntry\n"
                "metadata: {name: other-vm, namespace: default}\n"
                "spec: {address: 10.9.0.3, labels: {app: reviews}}\n");
    CHECK(s != NULL);
    struct xds_view *v = view_of(f, s, "default", "");
    CLA *cla = fx_cla(f, v, "outbound|8000||" HTTPBIN);
    CHECK(cla != NULL && cla->n_endpoints == 2);
    int seen = 0;
    for (size_t g = 0; cla != NULL && g < cla->n_endpoints; g++) {
        LocalityLbEndpoints *le = cla->endpoints[g];
        for (size_t i = 0; i < le->n_lb_endpoints; i++) {
            SocketAddress *sa = le->lb_endpoints[i]->endpoint->address->socket_address;
            uint32_t w = le->lb_endpoints[i]->load_balancing_weight->value;
            if (strcmp(sa->address, "10.9.0.1") == 0) {
                seen |= 1;
                CHECK_INT(sa->port_value, 8080);
                CHECK_INT(w, 3);
                CHECK(le->locality != NULL && strcmp(le->locality->region, "us-east") == 0 &&
                      strcmp(le->locality->zone, "a") == 0);
            } else if (strcmp(sa->address, "10.9.0.2") == 0) {
                seen |= 2;
                CHECK_INT(sa->port_value, 8000);
                CHECK_INT(w, 1);
            } else {
                seen |= 4; /* another namespace's, or another app's */
            }
        }
    }
    CHECK_INT(seen, 3);
    config_unref(s);
    fx_free(f);
}

/* ---- edits through the reuse layer ----------------------------------------------- */

static void put(const char *dir, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *fp = fopen(p, "w");
    CHECK(fp != NULL);
    if (fp != NULL) {
        fputs(text, fp);
        fclose(fp);
    }
    free(p);
}

static void drop(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    unlink(p);
    free(p);
}

/* Each type's version in a and b: equal (1) or not (0), by type. */
static void versions_equal(const struct xds_view *a, const struct xds_view *b, int out[XDS_NTYPES])
{
    for (int t = 0; t < XDS_NTYPES; t++)
        out[t] = a != NULL && b != NULL &&
                 strcmp(xds_view_version(a, (enum xds_type)t),
                        xds_view_version(b, (enum xds_type)t)) == 0;
}

TEST(sidecar_and_workload_entry_edits_equal_a_full_translation)
{
    struct proxy_identity ids[3];
    memo_chain_proxies(ids);
    char dir[] = "/tmp/xdsd-sidecar-edits-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    put(dir, "base.yaml", base);
    struct config_cache *cache = config_cache_new();
    static const char *const sc_scoped =
        SIDECAR("default", "default", "spec: {egress: [{hosts: ['./*', 'istio-system/*']}]}\n");
    static const char *const sc_wide =
        SIDECAR("default", "default", "spec: {egress: [{hosts: ['*/*']}]}\n");
    static const char *const sc_proxy = SIDECAR(
        "default", "default",
        "spec:\n  egress: [{hosts: ['./*']}]\n"
        "  outboundTrafficPolicy: {egressProxy: {host: " GW_HOST ", port: {number: 443}}}\n");
#define WE(addr, weight)                                                                           \
    H "kind: WorkloadEntry\nmetadata: {name: httpbin-vm-1, namespace: default}\n"                  \
      "spec: {address: " addr ", labels: {app: httpbin}, weight: " weight "}\n"
    static const struct {
        const char *what, *sidecar, *we;
        int only_endpoints; /* against the step before: only Endpoints differ */
    } steps[] = {
        {"base", NULL, WE("10.9.0.1", "1"), 0},
        {"we: address", NULL, WE("10.9.0.2", "1"), 1},
        {"sidecar: scoped", sc_scoped, WE("10.9.0.2", "1"), 0},
        {"we: weight under a scope", sc_scoped, WE("10.9.0.2", "5"), 1},
        {"sidecar: wider", sc_wide, WE("10.9.0.2", "5"), 0},
        {"sidecar: egressProxy", sc_proxy, WE("10.9.0.2", "5"), 0},
        {"we: address again", sc_proxy, WE("10.9.0.7", "5"), 1},
        {"sidecar: gone", NULL, WE("10.9.0.7", "5"), 0},
        {"we: gone", NULL, NULL, 0},
        {"we: back", NULL, WE("10.9.0.7", "5"), 0},
    };
#undef WE
    struct config_set *s0 = NULL;
    struct memo_link link[3] = {{0}};
    struct xds_view *last_full[3] = {NULL, NULL, NULL};
    for (size_t st = 0; st < ARRAY_LEN(steps); st++) {
        if (steps[st].sidecar)
            put(dir, "sidecar.yaml", steps[st].sidecar);
        else
            drop(dir, "sidecar.yaml");
        if (steps[st].we)
            put(dir, "we.yaml", steps[st].we);
        else
            drop(dir, "we.yaml");
        struct config_set *s1 = memo_chain_load(dir, cache);
        CHECK(s1 != NULL);
        if (s1 == NULL)
            break;
        struct translate_model m1;
        model_of(s1, &m1);
        for (int i = 0; i < 3; i++) {
            struct tr_memo *memo1;
            struct xds_view *full, *warm = memo_rebuild(&link[i], &m1, &ids[i], &memo1, &full);
            int same = same_view(warm, full);
            if (!same)
                printf("# step '%s', proxy %d: the reused view differs from a full one\n",
                       steps[st].what, i);
            CHECK(same);
            if (steps[st].only_endpoints && last_full[i] != NULL) {
                int eq[XDS_NTYPES];
                versions_equal(last_full[i], full, eq);
                CHECK(eq[XDS_CLUSTER] && eq[XDS_LISTENER] && eq[XDS_ROUTE]);
                /* the sidecar and the gateway see httpbin's endpoints */
                if (i < 2)
                    CHECK(!eq[XDS_ENDPOINT]);
            }
            xds_view_free(last_full[i]);
            last_full[i] = full;
            memo_advance(&link[i], warm, memo1);
        }
        config_unref(s0);
        s0 = s1;
    }
    for (int i = 0; i < 3; i++) {
        xds_view_free(last_full[i]);
        memo_link_release(&link[i]);
        proxy_identity_release(&ids[i]);
    }
    config_unref(s0);
    config_cache_free(cache);
    drop(dir, "base.yaml");
    drop(dir, "sidecar.yaml");
    drop(dir, "we.yaml");
    rmdir(dir);
}

/* /debug/configz lists Sidecars and WorkloadEntries with the other kinds. */
TEST(configz_lists_sidecars_and_workload_entries)
{
    struct config_set *s =
        parse(SIDECAR("default", "default", "spec: {egress: [{hosts: ['./*']}]}\n"));
    CHECK(s != NULL);
    if (s == NULL)
        return;
    struct debug_config_info info = {0};
    debug_config_info_fill(&info, s, NULL, 0);
    int sc = 0, we = 0;
    for (size_t i = 0; i < info.n_resources; i++) {
        sc += strcmp(info.resources[i].kind, "Sidecar") == 0;
        we += strcmp(info.resources[i].kind, "WorkloadEntry") == 0 &&
              strcmp(info.resources[i].name, "httpbin-x") == 0;
    }
    CHECK_INT(sc, 1);
    CHECK_INT(we, 1);
    debug_config_info_release(&info);
    config_unref(s);
}
