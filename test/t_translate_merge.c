/* t_translate_merge.c - several VirtualServices for one host, from YAML
 * through translate_snapshot() as the server runs it: on a gateway their
 * routes are merged in (namespace, name) order with catch-alls last, on the
 * mesh the first in that order is used (Istio's behaviour). The YAML lists
 * them out of order on purpose: file order must not matter. */
#include "translate_fixture.h"
#include "unit.h"

static const char gateway_yaml[] =
    "apiVersion: networking.istio.io/v1\n"
    "kind: ServiceEntry\n"
    "metadata: {name: istio-egressgateway, namespace: istio-system}\n"
    "spec:\n"
    "  hosts: [istio-egressgateway.istio-system.svc.cluster.local]\n"
    "  location: MESH_INTERNAL\n"
    "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
    "  resolution: STATIC\n"
    "  endpoints: [{address: 10.0.0.9, labels: {istio: egressgateway}}]\n"
    "---\n"
    "apiVersion: networking.istio.io/v1\n"
    "kind: ServiceEntry\n"
    "metadata: {name: a, namespace: default}\n"
    "spec:\n"
    "  hosts: [a.example.com]\n"
    "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
    "  resolution: DNS\n"
    "---\n"
    "apiVersion: networking.istio.io/v1\n"
    "kind: Gateway\n"
    "metadata: {name: gw, namespace: default}\n"
    "spec:\n"
    "  selector: {istio: egressgateway}\n"
    "  servers:\n"
    "  - port: {number: 80, name: http, protocol: HTTP}\n"
    "    hosts: [a.example.com]\n"
    "---\n"
    "apiVersion: networking.istio.io/v1\n"
    "kind: VirtualService\n"
    "metadata: {name: vs-b, namespace: default}\n"
    "spec:\n"
    "  hosts: [a.example.com]\n"
    "  gateways: [gw]\n"
    "  http:\n"
    "  - name: b-api\n"
    "    match: [{uri: {prefix: /b}}]\n"
    "    route: [{destination: {host: a.example.com}}]\n"
    "  - name: b-all\n"
    "    route: [{destination: {host: a.example.com}}]\n"
    "---\n"
    "apiVersion: networking.istio.io/v1\n"
    "kind: VirtualService\n"
    "metadata: {name: vs-a, namespace: default}\n"
    "spec:\n"
    "  hosts: [a.example.com]\n"
    "  gateways: [gw]\n"
    "  http:\n"
    "  - name: a-api\n"
    "    match: [{uri: {exact: /a}}]\n"
    "    route: [{destination: {host: a.example.com}}]\n"
    "  - name: a-all\n"
    "    match: [{uri: {prefix: /}}]\n"
    "    route: [{destination: {host: a.example.com}}]\n"
    "---\n"
    "apiVersion: networking.istio.io/v1\n"
    "kind: VirtualService\n"
    "metadata: {name: vs-z, namespace: apps}\n"
    "spec:\n"
    "  hosts: [a.example.com]\n"
    "  gateways: [default/gw]\n"
    "  http:\n"
    "  - name: z-header\n"
    "    match: [{uri: {prefix: /}, headers: {x-user: {exact: jason}}}]\n"
    "    route: [{destination: {host: a.example.com}}]\n";

static const char mesh_yaml[] = "apiVersion: networking.istio.io/v1\n"
                                "kind: ServiceEntry\n"
                                "metadata: {name: a, namespace: default}\n"
                                "spec:\n"
                                "  hosts: [a.example.com]\n"
                                "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                "  resolution: DNS\n"
                                "---\n"
                                "apiVersion: networking.istio.io/v1\n"
                                "kind: VirtualService\n"
                                "metadata: {name: vs-b, namespace: default}\n"
                                "spec:\n"
                                "  hosts: [a.example.com, q.example.com]\n"
                                "  http:\n"
                                "  - name: b-api\n"
                                "    match: [{uri: {prefix: /b}}]\n"
                                "    route: [{destination: {host: a.example.com}}]\n"
                                "  - name: b-all\n"
                                "    route: [{destination: {host: a.example.com}}]\n"
                                "---\n"
                                "apiVersion: networking.istio.io/v1\n"
                                "kind: VirtualService\n"
                                "metadata: {name: vs-a, namespace: default}\n"
                                "spec:\n"
                                "  hosts: [a.example.com, q.example.com]\n"
                                "  http:\n"
                                "  - name: a-all\n"
                                "    route: [{destination: {host: a.example.com}}]\n";

static struct snapshot *snapshot_of(const char *yaml, size_t *n_warnings)
{
    struct config_diags d;
    struct config_set *cfg = config_parse("t.yaml", yaml, strlen(yaml), &d);
    if (!CHECK(cfg != NULL) || !CHECK(d.n_errors == 0))
        config_diags_print(&d, stderr);
    *n_warnings = d.n_warnings;
    config_diags_release(&d);
    if (cfg == NULL)
        return NULL;
    struct translate_options o = {.outbound_policy = OUTBOUND_ALLOW_ANY};
    struct snapshot *s = translate_snapshot(cfg, 1, &o);
    config_unref(cfg);
    return s;
}

static const struct xds_view *view_of(struct snapshot *s, const char *id, const char *labels)
{
    size_t n = 0;
    struct config_kv *l = proxy_labels_parse(labels, &n);
    struct proxy_identity p;
    proxy_identity_init(&p, id, NULL, NULL, l, n, NULL);
    proxy_labels_free(l, n);
    char *err = NULL;
    const struct xds_view *v = snapshot_view(s, &p, NULL, &err);
    if (err != NULL) {
        fprintf(stderr, "# %s: %s\n", id, err);
        free(err);
    }
    proxy_identity_release(&p);
    fx_dump(v, id);
    return v;
}

/* The names of a virtual host's routes, comma-separated. */
static const char *route_names(struct fx *f, const VirtualHost *vh)
{
    if (vh == NULL)
        return "(no virtual host)";
    const char *out = "";
    for (size_t i = 0; i < vh->n_routes; i++)
        out = arena_printf(f->a, "%s%s%s", out, i ? "," : "", vh->routes[i]->name);
    return out;
}

TEST(translate_merge_gateway_concatenates_catch_alls_last)
{
    size_t warnings = 0;
    struct snapshot *s = snapshot_of(gateway_yaml, &warnings);
    CHECK_INT(warnings, 0); /* merging on a gateway is not worth a warning */
    const struct xds_view *v = s ? view_of(s, EGW_ID, EGW_LABELS) : NULL;
    CHECK(v != NULL);
    if (v != NULL) {
        struct fx *f = fx_new();
        RouteConfiguration *rc = fx_routes(f, v, "http.80");
        CHECK(rc != NULL && rc->n_virtual_hosts == 1);
        VirtualHost *vh = fx_vhost(rc, "a.example.com:80");
        /* apps/vs-z, default/vs-a, default/vs-b; then their catch-alls */
        CHECK_STR(route_names(f, vh), "z-header,a-api,b-api,a-all,b-all");
        if (vh != NULL && vh->n_routes == 5) {
            CHECK_INT(vh->routes[0]->match->n_headers, 1);
            CHECK_STR(vh->routes[1]->match->path, "/a");
            CHECK_STR(vh->routes[2]->match->prefix, "/b");
            CHECK_STR(vh->routes[3]->match->prefix, "/");
            CHECK_STR(vh->routes[4]->match->prefix, "/");
            CHECK_STR(fx_route_cluster(vh, 4), "outbound|80||a.example.com");
        }
        fx_free(f);
    }
    snapshot_unref(s);
}

TEST(translate_merge_mesh_first_virtual_service_wins)
{
    size_t warnings = 0;
    struct snapshot *s = snapshot_of(mesh_yaml, &warnings);
    CHECK_INT(warnings, 2); /* IST0109: vs-b is ignored for both hosts */
    const struct xds_view *v = s ? view_of(s, SLEEP_ID, "app=sleep") : NULL;
    CHECK(v != NULL);
    if (v != NULL) {
        struct fx *f = fx_new();
        RouteConfiguration *rc = fx_routes(f, v, "80");
        CHECK(rc != NULL);
        /* default/vs-a comes before default/vs-b, whatever the file order */
        CHECK_STR(route_names(f, fx_vhost(rc, "a.example.com:80")), "a-all");
        /* a host that is no service: one virtual host, the same VS */
        CHECK_STR(route_names(f, fx_vhost(rc, "q.example.com:80")), "a-all");
        size_t q = 0;
        for (size_t i = 0; rc != NULL && i < rc->n_virtual_hosts; i++)
            q += fx_has_domain(rc->virtual_hosts[i], "q.example.com");
        CHECK_INT(q, 1);
        fx_free(f);
    }
    snapshot_unref(s);
}
