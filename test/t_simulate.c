/* t_simulate.c - `xdsd simulate`'s walk on the guide's configurations
 * (test/data/config/guide/) and test/data/config/simulate/: for each stage
 * (listener, filter chain, virtual host and route, cluster, next hop) a
 * request that matches and one that does not. What real Envoy does with the
 * same requests is checked by the Envoy suite's simulate/ cases. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "xdsd/config.h"
#include "xdsd/simulate.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

#define SLEEP "sidecar~10.0.0.3~sleep.default~default.svc.cluster.local"
#define EGW_NODE "router~127.0.0.1~istio-egressgateway.istio-system~istio-system.svc.cluster.local"
#define EGW_CLUSTER_80 "outbound|80|cnn|istio-egressgateway.istio-system.svc.cluster.local"

static const struct xds_view *view_of(void *ctx, const struct proxy_identity *id, char **err)
{
    return snapshot_view(ctx, id, NULL, err);
}

/* Walk url (with one header line or NULL) from node on DIR under test data. */
static int walk(const char *dir, enum outbound_policy pol, const char *node, const char *labels,
                const char *url, const char *header, struct sim_result *res)
{
    char *path = dir[0] == '/' ? xstrdup(dir) : xasprintf("%s/config/%s", unit_data_dir(), dir);
    struct config_diags diags = {0};
    struct config_set *cfg = config_load(path, &diags, NULL);
    config_diags_release(&diags);
    free(path);
    memset(res, 0, sizeof(*res));
    if (!CHECK(cfg != NULL))
        return -1;
    struct translate_options o = {.outbound_policy = pol};
    struct snapshot *s = translate_snapshot(cfg, 1, &o);
    struct sim_request r;
    char *err = NULL;
    int rc = sim_request_parse(url, &r, &err);
    CHECK(rc == 0);
    if (header)
        CHECK(sim_request_header(&r, header, &err) == 0);
    size_t nl = 0;
    struct config_kv *kv = labels ? proxy_labels_parse(labels, &nl) : NULL;
    struct proxy_identity id;
    proxy_identity_init(&id, node, NULL, NULL, kv, nl, NULL);
    if (rc == 0)
        rc = sim_walk(view_of, s, cfg, &id, &r, res, &err);
    CHECK(rc == 0);
    free(err);
    proxy_identity_release(&id);
    proxy_labels_free(kv, nl);
    sim_request_release(&r);
    snapshot_unref(s);
    config_unref(cfg);
    return rc;
}

TEST(simulate_http_through_the_gateway)
{
    struct sim_result res;
    if (walk("guide/http-egress", OUTBOUND_ALLOW_ANY, SLEEP, NULL,
             "http://edition.cnn.com/politics", NULL, &res) < 0)
        return;
    CHECK_INT(res.n_hops, 2);
    if (res.n_hops == 2) {
        const struct sim_hop *s = &res.hops[0], *g = &res.hops[1];
        CHECK_STR(s->kind, "sidecar");
        CHECK_STR(s->listener, "0.0.0.0_80");
        CHECK_STR(s->route_config, "80");
        CHECK_STR(s->virtual_host, "edition.cnn.com:80");
        CHECK_STR(s->cluster, EGW_CLUSTER_80);
        CHECK_STR(s->tls, "plain");
        CHECK_STR(g->kind, "gateway");
        CHECK_STR(g->proxy, EGW_NODE);
        CHECK_STR(g->listener, "0.0.0.0_8080");
        CHECK_STR(g->route_config, "http.8080");
        CHECK_STR(g->virtual_host, "edition.cnn.com:80");
        CHECK_STR(g->cluster, "outbound|80||edition.cnn.com");
        CHECK(g->outcome == NULL);
    }
    CHECK_STR(res.destination, "edition.cnn.com:80");
    sim_result_release(&res);
}

/* A port no listener has: virtualOutbound keeps the connection and its
 * catch-all chain passes it through (ALLOW_ANY). */
TEST(simulate_listener_none_for_the_port)
{
    struct sim_result res;
    if (walk("guide/http-egress", OUTBOUND_ALLOW_ANY, SLEEP, NULL, "http://edition.cnn.com:8081/",
             NULL, &res) < 0)
        return;
    CHECK_INT(res.n_hops, 1);
    CHECK_STR(res.hops[0].listener, "virtualOutbound");
    CHECK_STR(res.hops[0].filter_chain, "virtualOutbound-catchall-tcp");
    CHECK_STR(res.hops[0].cluster, "PassthroughCluster");
    CHECK_STR(res.destination, "edition.cnn.com:8081");
    sim_result_release(&res);
}

/* The app's TLS: the chain of its SNI, on through the gateway untouched;
 * another SNI falls to the default chain. */
TEST(simulate_filter_chain_by_sni)
{
    struct sim_result res;
    if (walk("guide/https-passthrough", OUTBOUND_ALLOW_ANY, SLEEP, NULL,
             "https://edition.cnn.com/politics", NULL, &res) < 0)
        return;
    CHECK_INT(res.n_hops, 2);
    CHECK_STR(res.hops[0].listener, "0.0.0.0_443");
    CHECK(res.hops[0].filter_chain_index >= 0);
    CHECK_STR(res.hops[0].sni, "edition.cnn.com");
    if (res.n_hops == 2) {
        CHECK_STR(res.hops[1].sni, "edition.cnn.com");
        CHECK_STR(res.hops[1].cluster, "outbound|443||edition.cnn.com");
        CHECK_STR(res.hops[1].tls, "passthrough");
    }
    sim_result_release(&res);

    if (walk("guide/https-passthrough", OUTBOUND_ALLOW_ANY, SLEEP, NULL,
             "https://unlisted.example.org/", NULL, &res) < 0)
        return;
    CHECK_INT(res.n_hops, 1);
    CHECK_INT(res.hops[0].filter_chain_index, -1);
    CHECK_STR(res.hops[0].filter_chain, "PassthroughFilterChain");
    CHECK_STR(res.hops[0].cluster, "PassthroughCluster");
    CHECK_STR(res.hops[0].tls, "passthrough");
    sim_result_release(&res);
}

/* REGISTRY_ONLY: the catch-all virtual host answers 502 itself, and TLS to
 * an unknown name goes to the BlackHoleCluster. */
TEST(simulate_registry_only)
{
    struct sim_result res;
    if (walk("guide/http-egress", OUTBOUND_REGISTRY_ONLY, SLEEP, NULL,
             "http://unlisted.example.org/", NULL, &res) < 0)
        return;
    CHECK_INT(res.n_hops, 1);
    CHECK_STR(res.hops[0].virtual_host, "block_all");
    CHECK_STR(res.hops[0].outcome, "502 direct response");
    CHECK(res.destination == NULL);
    sim_result_release(&res);

    if (walk("guide/https-passthrough", OUTBOUND_REGISTRY_ONLY, SLEEP, NULL,
             "https://unlisted.example.org/", NULL, &res) < 0)
        return;
    CHECK_STR(res.hops[0].cluster, "BlackHoleCluster");
    CHECK_STR(res.hops[0].outcome, "connection reset");
    sim_result_release(&res);
}

/* Mutual TLS to the gateway, TLS originated at the gateway. */
TEST(simulate_tls_modes)
{
    struct sim_result res;
    if (walk("guide/tls-origination-mtls", OUTBOUND_ALLOW_ANY, SLEEP, NULL,
             "http://edition.cnn.com/politics", NULL, &res) < 0)
        return;
    CHECK_INT(res.n_hops, 2);
    CHECK_STR(res.hops[0].tls, "ISTIO_MUTUAL");
    if (res.n_hops == 2) {
        CHECK_STR(res.hops[1].listener, "0.0.0.0_8443");
        CHECK_STR(res.hops[1].sni, "edition.cnn.com");
        CHECK_STR(res.hops[1].cluster, "outbound|443||edition.cnn.com");
        CHECK_STR(res.hops[1].tls, "originated");
    }
    CHECK_STR(res.destination, "edition.cnn.com:443");
    sim_result_release(&res);
}

/* Routes in order: a header picks the first, else the weighted split with
 * both branches; the second port of the host has its own listener. */
TEST(simulate_routes_header_and_weights)
{
    struct sim_result res;
    if (walk("simulate", OUTBOUND_ALLOW_ANY, SLEEP, NULL, "http://unlisted.example.org/",
             "X-Variant: port-8080", &res) < 0)
        return;
    CHECK_STR(res.hops[0].route, "by-header");
    CHECK_STR(res.hops[0].cluster, "outbound|8080||unlisted.example.org");
    sim_result_release(&res);

    if (walk("simulate", OUTBOUND_ALLOW_ANY, SLEEP, NULL, "http://unlisted.example.org:8080/",
             "x-variant: other", &res) < 0)
        return;
    CHECK_STR(res.hops[0].listener, "0.0.0.0_8080");
    CHECK_STR(res.hops[0].route_config, "8080");
    CHECK_STR(res.hops[0].route, "split");
    CHECK_INT(res.hops[0].n_branches, 2);
    if (res.hops[0].n_branches == 2) {
        CHECK_STR(res.hops[0].branches[0].cluster, "outbound|80||unlisted.example.org");
        CHECK_INT(res.hops[0].branches[0].weight, 70);
        CHECK_INT(res.hops[0].branches[1].weight, 30);
    }
    CHECK_STR(res.hops[0].cluster, "outbound|80||unlisted.example.org");
    sim_result_release(&res);
}

/* At the gateway itself: a host its Gateway does not carry has no virtual
 * host, and Envoy answers 404. */
TEST(simulate_gateway_no_virtual_host)
{
    struct sim_result res;
    if (walk("guide/http-egress", OUTBOUND_ALLOW_ANY, EGW_NODE, "istio=egressgateway",
             "http://other.example.com:8080/", NULL, &res) < 0)
        return;
    CHECK_INT(res.n_hops, 1);
    CHECK_STR(res.hops[0].listener, "0.0.0.0_8080");
    CHECK_STR(res.hops[0].outcome, "404 NR");
    CHECK(res.hops[0].virtual_host == NULL);
    sim_result_release(&res);
}

TEST(simulate_request_parse)
{
    struct sim_request r;
    char *err = NULL;
    CHECK(sim_request_parse("tcp://10.1.2.3:3306", &r, &err) == 0);
    CHECK_INT(r.scheme, SIM_TCP);
    CHECK_INT(r.port, 3306);
    CHECK(r.path == NULL);
    sim_request_release(&r);
    CHECK(sim_request_parse("https://Edition.CNN.com", &r, &err) == 0);
    CHECK_STR(r.host, "edition.cnn.com");
    CHECK_INT(r.port, 443);
    CHECK_STR(r.path, "/");
    CHECK(sim_request_header(&r, "no colon", &err) < 0);
    free(err);
    err = NULL;
    sim_request_release(&r);
    CHECK(sim_request_parse("tcp://10.1.2.3", &r, &err) < 0);
    free(err);
    err = NULL;
    CHECK(sim_request_parse("ftp://x/", &r, &err) < 0);
    free(err);
    err = NULL;
    CHECK(sim_request_parse("http://x:99999/", &r, &err) < 0);
    free(err);
}

/* Copy the files of each directory under test data into one new temporary
 * directory (heap path; remove with drop_dir()). */
static char *merge_dirs(const char *const *dirs, size_t n)
{
    char tmpl[] = "/tmp/xdsd-t-simulate.XXXXXX";
    if (mkdtemp(tmpl) == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char *cmd = xasprintf("cp %s/config/%s/*.yaml %s/", unit_data_dir(), dirs[i], tmpl);
        int rc = system(cmd);
        free(cmd);
        if (rc != 0)
            return NULL;
    }
    return xstrdup(tmpl);
}

static void drop_dir(char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        unit_fail(__FILE__, __LINE__, "cannot remove the temporary directory");
    free(cmd);
    free(dir);
}

/* A Sidecar's egressProxy: a host no ServiceEntry declares goes to the
 * egress gateway, whose forward proxy sends it on to the name the request
 * carries (Host for HTTP, SNI for the app's TLS). */
TEST(simulate_egress_proxy)
{
    const char *dirs[] = {"guide/http-egress", "simulate-egress-proxy"};
    char *dir = merge_dirs(dirs, 2);
    if (!CHECK(dir != NULL))
        return;
    const char *urls[] = {"http://unlisted.example.org/", "https://unlisted.example.org/"};
    const char *dest[] = {"unlisted.example.org:80", "unlisted.example.org:443"};
    for (int i = 0; i < 2; i++) {
        struct sim_result res;
        if (walk(dir, OUTBOUND_ALLOW_ANY, SLEEP, NULL, urls[i], NULL, &res) < 0)
            break;
        CHECK_INT(res.n_hops, 2);
        if (res.n_hops == 2) {
            CHECK_STR(res.hops[0].cluster,
                      "outbound|443||istio-egressgateway.istio-system.svc.cluster.local");
            CHECK_STR(res.hops[1].kind, "gateway");
            CHECK_STR(res.hops[1].cluster, "EgressForwardProxyCluster");
            CHECK_STR(res.hops[1].tls, i == 0 ? "plain" : "passthrough");
            CHECK(res.hops[1].outcome == NULL);
        }
        CHECK_STR(res.destination, dest[i]);
        sim_result_release(&res);
    }
    drop_dir(dir);
}

/* The edge of map from -> to for request, or NULL. */
static json_t *edge(json_t *map, const char *from, const char *to, const char *request)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(map, "edges"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "from")), from) == 0 &&
            strcmp(json_string_value(json_object_get(e, "to")), to) == 0 &&
            strcmp(json_string_value(json_object_get(e, "request")), request) == 0)
            return e;
    }
    return NULL;
}

/* The egress map: HTTP to edition.cnn.com through the gateway; HTTP to
 * unlisted.example.org straight out, a bypass beside it; HTTPS straight out
 * with no HTTPS host through a gateway, so no bypass. */
TEST(simulate_egress_map)
{
    static const char *const dirs[] = {"guide/http-egress", "simulate"};
    char *dir = merge_dirs(dirs, 2);
    if (!CHECK(dir != NULL))
        return;
    struct config_diags diags = {0};
    struct config_set *cfg = config_load(dir, &diags, NULL);
    config_diags_release(&diags);
    drop_dir(dir);
    if (!CHECK(cfg != NULL))
        return;
    struct translate_options o = {.outbound_policy = OUTBOUND_ALLOW_ANY};
    struct snapshot *s = translate_snapshot(cfg, 7, &o);
    static const char *const ns[] = {"default"};
    json_t *map = sim_egress_map(view_of, s, cfg, ns, 1, 7);
    CHECK_INT(json_integer_value(json_object_get(map, "generation")), 7);
    json_t *e = edge(map, "sidecar:default", "gateway:istio-system/istio-egressgateway",
                     "http://edition.cnn.com:80/");
    if (CHECK(e != NULL)) {
        CHECK_INT(json_integer_value(json_object_get(e, "port")), 8080);
        CHECK_STR(json_string_value(json_object_get(e, "tls")), "plain");
        CHECK(json_is_false(json_object_get(e, "bypass")));
    }
    CHECK(edge(map, "gateway:istio-system/istio-egressgateway", "external:edition.cnn.com:80",
               "http://edition.cnn.com:80/") != NULL);
    e = edge(map, "sidecar:default", "external:unlisted.example.org:80",
             "http://unlisted.example.org:80/");
    if (CHECK(e != NULL))
        CHECK(json_is_true(json_object_get(e, "bypass")));
    e = edge(map, "sidecar:default", "external:edition.cnn.com:443",
             "https://edition.cnn.com:443/");
    if (CHECK(e != NULL)) {
        CHECK_STR(json_string_value(json_object_get(e, "tls")), "passthrough");
        CHECK(json_is_false(json_object_get(e, "bypass")));
    }
    size_t i, gateways = 0;
    json_t *n;
    json_array_foreach(json_object_get(map, "nodes"), i, n) gateways +=
        strcmp(json_string_value(json_object_get(n, "kind")), "gateway") == 0;
    CHECK_INT(gateways, 1);
    json_decref(map);
    snapshot_unref(s);
    config_unref(cfg);
}
