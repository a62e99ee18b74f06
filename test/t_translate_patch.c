/* t_translate_patch.c - an edit of VirtualServices' routes patches the
 * previous views (patch.c): the virtual hosts that read the edited
 * VirtualServices are rebuilt and spliced into the previous route
 * configurations. After every edit of a chain, each patched view must be
 * byte for byte what a full build makes; the edits a patch cannot take (a
 * virtual host that appears, a tls rule) must be built, and equal too. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memo_chain.h"
#include "unit.h"
#include "xdsd/config.h"
#include "xdsd/proxy.h"
#include "xdsd/util.h"

#define HEAD "apiVersion: networking.istio.io/v1beta1\n"

/* The guide's egress gateway for edition.cnn.com, plus what exercises each
 * kind of recipe: a second VirtualService on the gateway's host, a
 * VirtualService host that is no service, a service whose VirtualService
 * routes another port, and one that makes no virtual host at all. */
static const char *const base_yaml =
    HEAD "kind: ServiceEntry\nmetadata: {name: cnn}\n"
         "spec:\n  hosts: [edition.cnn.com]\n  ports:\n"
         "  - {number: 80, name: http-port, protocol: HTTP}\n"
         "  - {number: 443, name: https, protocol: TLS}\n  resolution: DNS\n"
         "---\n" HEAD "kind: ServiceEntry\nmetadata: {name: egress, namespace: istio-system}\n"
         "spec:\n  hosts: [istio-egressgateway.istio-system.svc.cluster.local]\n"
         "  location: MESH_INTERNAL\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n"
         "  resolution: STATIC\n  endpoints:\n  - {address: 10.255.0.1, labels: {istio: "
         "egressgateway}}\n"
         "---\n" HEAD "kind: ServiceEntry\nmetadata: {name: reviews}\n"
         "spec:\n  hosts: [reviews.default.svc.cluster.local]\n  location: MESH_INTERNAL\n"
         "  ports:\n  - {number: 9080, name: http, protocol: HTTP}\n  resolution: STATIC\n"
         "  endpoints:\n  - {address: 10.0.0.1}\n"
         "---\n" HEAD "kind: Gateway\nmetadata: {name: istio-egressgateway}\n"
         "spec:\n  selector: {istio: egressgateway}\n  servers:\n"
         "  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [edition.cnn.com]\n"
         "---\n" HEAD "kind: DestinationRule\nmetadata: {name: egress}\n"
         "spec:\n  host: istio-egressgateway.istio-system.svc.cluster.local\n"
         "  subsets:\n  - {name: cnn}\n";

/* The VirtualServices, each with a knob the edits turn. */
struct knobs {
    int cnn_timeout;    /* cnn: mesh and gateway routes */
    int extra_header;   /* cnn-extra: a second VS on the gateway's host */
    int virt_timeout;   /* virt: a host that is no service (port 80) */
    int reviews_port;   /* reviews: the port its one route matches */
    int reviews_tcp;    /* reviews: a tcp rule too (listeners read it) */
    int ghost_port;     /* ghost: no service, routes nothing on 80 unless 80 */
    int ghost_timeout;
    int tls_port;       /* cnn's tls rule (a listener reads it) */
};

static void write_vs(const char *dir, const struct knobs *k)
{
    char *p = xasprintf("%s/vs.yaml", dir);
    FILE *fp = fopen(p, "w");
    CHECK(fp != NULL);
    if (fp != NULL) {
        fprintf(fp,
                HEAD "kind: VirtualService\nmetadata: {name: cnn}\n"
                     "spec:\n  hosts: [edition.cnn.com]\n  gateways: [istio-egressgateway, mesh]\n"
                     "  http:\n"
                     "  - match: [{gateways: [mesh], port: 80}]\n    timeout: %ds\n    route:\n"
                     "    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, "
                     "subset: cnn, port: {number: 80}}\n"
                     "  - match: [{gateways: [istio-egressgateway], port: 80}]\n    timeout: %ds\n"
                     "    route:\n    - destination: {host: edition.cnn.com, port: {number: 80}}\n"
                     "  tls:\n  - match: [{port: %d, sniHosts: [edition.cnn.com]}]\n"
                     "    route: [{destination: {host: edition.cnn.com, port: {number: 443}}}]\n",
                k->cnn_timeout, k->cnn_timeout + 1, k->tls_port);
        fprintf(fp,
                "---\n" HEAD "kind: VirtualService\nmetadata: {name: cnn-extra}\n"
                "spec:\n  hosts: [edition.cnn.com]\n  gateways: [istio-egressgateway]\n  http:\n"
                "  - match: [{headers: {x-canary: {exact: \"%d\"}}}]\n    route:\n"
                "    - destination: {host: edition.cnn.com, port: {number: 80}}\n",
                k->extra_header);
        fprintf(fp,
                "---\n" HEAD "kind: VirtualService\nmetadata: {name: virt}\n"
                "spec:\n  hosts: [virt.example.com]\n  http:\n  - timeout: %ds\n"
                "    route: [{destination: {host: edition.cnn.com, port: {number: 80}}}]\n",
                k->virt_timeout);
        fprintf(fp,
                "---\n" HEAD "kind: VirtualService\nmetadata: {name: reviews}\n"
                "spec:\n  hosts: [reviews.default.svc.cluster.local]\n  http:\n"
                "  - match: [{port: %d}]\n    timeout: 3s\n"
                "    route: [{destination: {host: reviews.default.svc.cluster.local}}]\n%s",
                k->reviews_port,
                k->reviews_tcp ? "  tcp:\n  - match: [{port: 9090}]\n"
                                 "    route: [{destination: {host: reviews.default.svc.cluster.local}}]\n"
                               : "");
        fprintf(fp,
                "---\n" HEAD "kind: VirtualService\nmetadata: {name: ghost}\n"
                "spec:\n  hosts: [ghost.example.com]\n  http:\n  - match: [{port: %d}]\n"
                "    timeout: %ds\n"
                "    route: [{destination: {host: edition.cnn.com, port: {number: 80}}}]\n",
                k->ghost_port, k->ghost_timeout);
        fclose(fp);
    }
    free(p);
}

/* A patch shares the previous Listeners and makes new Routes. */
static int patched(const struct xds_view *now, const struct xds_view *before)
{
    return xds_view_items(now, XDS_LISTENER) == xds_view_items(before, XDS_LISTENER) &&
           xds_view_items(now, XDS_ROUTE) != xds_view_items(before, XDS_ROUTE);
}

TEST(translate_patch_equals_build_across_a_chain_of_edits)
{
    struct proxy_identity ids[3];
    memo_chain_proxies(ids);
    char dir[] = "/tmp/xdsd-patch-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *base = xasprintf("%s/base.yaml", dir);
    FILE *fp = fopen(base, "w");
    if (fp != NULL) {
        fputs(base_yaml, fp);
        fclose(fp);
    }
    struct config_cache *cache = config_cache_new();
    struct knobs k = {5, 1, 5, 9999, 0, 9999, 5, 443};
    /* each step turns one knob; expect: does the sidecar (0), the gateway
     * (1) and the proxyless gRPC client (2) get patched, or built (a change
     * to a view's listeners, or a virtual host that would appear), or keep
     * the whole view (neither) */
    static const struct {
        const char *what;
        int patched[3];
    } steps[] = {
        {"base", {0, 0, 0}},
        {"cnn timeout", {1, 1, 0}}, /* a DNS service: nothing for gRPC clients */
        {"cnn timeout again (a patch of a patch)", {1, 1, 0}},
        {"cnn-extra header", {0, 1, 0}},
        {"virt timeout", {1, 0, 0}},
        {"reviews now routes its own port", {1, 0, 1}},
        {"reviews routes another port again", {1, 0, 1}},
        {"ghost now routes port 80: its virtual host appears", {0, 0, 0}},
        {"ghost edited while it has a virtual host", {1, 0, 0}},
        {"cnn tls rule: listeners change", {0, 0, 0}},
        {"cnn timeout after a build", {1, 1, 0}},
        {"reviews gains a tcp rule: built, gRPC from its pieces", {0, 0, 0}},
        {"reviews routes its own port: gRPC patched after that build", {1, 0, 1}},
    };
    struct config_set *s0 = NULL;
    struct memo_link link[3] = {{0}};
    for (size_t st = 0; st < ARRAY_LEN(steps); st++) {
        k.cnn_timeout += st == 1 || st == 2 || st == 10;
        k.extra_header += st == 3;
        k.virt_timeout += st == 4;
        k.reviews_port = st == 5 ? 9080 : st == 6 ? 9999 : k.reviews_port;
        k.ghost_port = st == 7 ? 80 : k.ghost_port;
        k.ghost_timeout += st == 8;
        k.tls_port = st == 9 ? 8443 : k.tls_port;
        k.reviews_tcp |= st == 11;
        k.reviews_port = st == 12 ? 9080 : k.reviews_port;
        write_vs(dir, &k);
        struct config_set *s1 = memo_chain_load(dir, cache);
        CHECK(s1 != NULL);
        if (s1 == NULL)
            break;
        struct translate_model m1;
        model_of(s1, &m1);
        for (int i = 0; i < 3; i++) {
            int p, same = memo_step(&link[i], &m1, &ids[i], patched, &p);
            if (!same || p != steps[st].patched[i])
                printf("# step '%s', proxy %d: same %d, patched %d\n", steps[st].what, i, same,
                       p);
            CHECK(same);
            CHECK_INT(p, steps[st].patched[i]);
        }
        config_unref(s0);
        s0 = s1;
    }
    for (int i = 0; i < 3; i++) {
        memo_link_release(&link[i]);
        proxy_identity_release(&ids[i]);
    }
    config_unref(s0);
    config_cache_free(cache);
    char *vs = xasprintf("%s/vs.yaml", dir);
    unlink(vs);
    unlink(base);
    rmdir(dir);
    free(vs);
    free(base);
}

static void write_eps(const char *dir, const char *reviews_ip, int reviews_port, const char *api_ep,
                      const char *api_version)
{
    char *p = xasprintf("%s/eps.yaml", dir);
    FILE *fp = fopen(p, "w");
    CHECK(fp != NULL);
    if (fp != NULL) {
        fprintf(fp,
                HEAD "kind: ServiceEntry\nmetadata: {name: reviews}\n"
                     "spec:\n  hosts: [reviews.default.svc.cluster.local]\n"
                     "  location: MESH_INTERNAL\n"
                     "  ports:\n  - {number: %d, name: http, protocol: HTTP}\n"
                     "  resolution: STATIC\n  endpoints:\n  - {address: %s}\n"
                     "---\n" HEAD "kind: ServiceEntry\nmetadata: {name: api}\n"
                     "spec:\n  hosts: [api.example.com]\n"
                     "  ports:\n  - {number: 80, name: http, protocol: HTTP}\n"
                     "  resolution: DNS\n  endpoints:\n"
                     "  - {address: %s, labels: {version: %s}}\n"
                     "---\n" HEAD "kind: DestinationRule\nmetadata: {name: api}\n"
                     "spec:\n  host: api.example.com\n  subsets:\n"
                     "  - {name: v1, labels: {version: v1}}\n"
                     "---\n" HEAD "kind: VirtualService\nmetadata: {name: api}\n"
                     "spec:\n  hosts: [api.example.com]\n  http:\n"
                     "  - route: [{destination: {host: api.example.com, subset: v1}}]\n",
                reviews_port, reviews_ip, api_ep, api_version);
        fclose(fp);
    }
    free(p);
}

/* Listeners and Routes kept, Clusters or Endpoints built again. */
static int routes_kept(const struct xds_view *now, const struct xds_view *before)
{
    return xds_view_items(now, XDS_LISTENER) == xds_view_items(before, XDS_LISTENER) &&
           xds_view_items(now, XDS_ROUTE) == xds_view_items(before, XDS_ROUTE) &&
           (xds_view_items(now, XDS_CLUSTER) != xds_view_items(before, XDS_CLUSTER) ||
            xds_view_items(now, XDS_ENDPOINT) != xds_view_items(before, XDS_ENDPOINT));
}

/* An edit of ServiceEntry endpoints alone keeps the previous Listeners and
 * Routes, unless it changes which Clusters exist (a DNS subset that loses
 * its last endpoint is left out, and routes to it go to BlackHoleCluster). */
TEST(translate_endpoint_edits_keep_listeners_and_routes)
{
    struct proxy_identity ids[2];
    proxy_identity_init(&ids[0], "sidecar~10.1.0.1~a.default~default.svc.cluster.local", NULL,
                        "default", NULL, 0, NULL);
    proxy_identity_init(&ids[1], "sidecar~10.1.0.3~g.default~default.svc.cluster.local", NULL,
                        "default", NULL, 0, "grpc");
    char dir[] = "/tmp/xdsd-eps-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct config_cache *cache = config_cache_new();
    static const struct {
        const char *what, *reviews_ip, *api_ep, *api_version;
        int reviews_port, kept[2];
    } steps[] = {
        {"base", "10.0.0.1", "a.example.net", "v1", 9080, {0, 0}},
        {"a STATIC endpoint moves", "10.0.0.2", "a.example.net", "v1", 9080, {1, 1}},
        {"a DNS endpoint moves", "10.0.0.2", "b.example.net", "v1", 9080, {1, 1}},
        {"the DNS subset loses its endpoint", "10.0.0.2", "b.example.net", "v2", 9080, {0, 1}},
        {"and gets it back", "10.0.0.2", "b.example.net", "v1", 9080, {0, 1}},
        {"a port changes: not endpoints alone", "10.0.0.2", "b.example.net", "v1", 9081, {0, 0}},
    };
    struct config_set *s0 = NULL;
    struct memo_link link[2] = {{0}};
    for (size_t st = 0; st < ARRAY_LEN(steps); st++) {
        write_eps(dir, steps[st].reviews_ip, steps[st].reviews_port, steps[st].api_ep,
                  steps[st].api_version);
        struct config_set *s1 = memo_chain_load(dir, cache);
        if (!CHECK(s1 != NULL))
            break;
        struct translate_model m1;
        model_of(s1, &m1);
        for (int i = 0; i < 2; i++) {
            struct tr_memo *memo1;
            struct xds_view *full, *warm = memo_rebuild(&link[i], &m1, &ids[i], &memo1, &full);
            int same = same_view(warm, full);
            int k = link[i].view != NULL && warm != NULL && routes_kept(warm, link[i].view);
            if (!same || k != steps[st].kept[i])
                printf("# step '%s', proxy %d: same %d, routes kept %d\n", steps[st].what, i,
                       same, k);
            CHECK(same);
            CHECK_INT(k, steps[st].kept[i]);
            xds_view_free(full);
            memo_advance(&link[i], warm, memo1);
        }
        config_unref(s0);
        s0 = s1;
    }
    for (int i = 0; i < 2; i++) {
        memo_link_release(&link[i]);
        proxy_identity_release(&ids[i]);
    }
    config_unref(s0);
    config_cache_free(cache);
    char *p = xasprintf("%s/eps.yaml", dir);
    unlink(p);
    rmdir(dir);
    free(p);
}
