/* t_translate_edit_kinds.c - every kind of one-resource edit the benchmark
 * times (a VirtualService, a ServiceEntry's endpoints, its hosts or ports, a
 * DestinationRule's subsets, traffic policy or TLS, a Gateway's servers), made
 * in turn to a configuration shaped like the benchmark's: after each edit,
 * the view each proxy class gets from the previous one's memo must be byte
 * for byte what a full translation of the edited directory makes. The
 * edits go back and forth, so that each one starts from a view that was
 * itself reused or patched. */
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
#define GW_HOST "istio-egressgateway.istio-system.svc.cluster.local"

/* What the edits turn; all zero: the configuration as first written. */
struct knobs {
    int timeout;     /* vs: svc-0's route timeout, seconds (0: none) */
    int timeout2;    /* vs: svc-2's (its gateway route takes every port) */
    int endpoint;    /* se_endpoints: svc-3's first endpoint, last octet */
    int extra_host;  /* se_hosts: svc-0 gains a host (1, 2: which) */
    int extra_port;  /* se_hosts: svc-1 gains port 8080 */
    int svc1_alt_a;  /* se_hosts: svc-1 gains host alt-a.svc-0.example.com */
    int alt_vs;      /* se_hosts: a VirtualService of host alt-a.svc-0.example.com */
    int lb;          /* dr: svc-0's load balancer (0, 1, 2) */
    int subset_v3;   /* dr: svc-3 gains subset v3 (no route names it) */
    int v2_labels;   /* dr: svc-3's subset v2 (its routes name it) selects v3's endpoints */
    int tls;         /* dr: svc-1 originates TLS on 80 */
    int tls_mode;    /* dr: svc-0's TLS mode (0 SIMPLE, 1 DISABLE) */
    int hash;        /* dr: svc-0 hashes consistently (routes read that) */
    int gw_server;   /* gw: a third server on 8080 + n - 1 (0: none) */
    int gw_host;     /* gw: the 80 server drops svc-2's host, the one it routes */
    int gw_redirect; /* gw: the 80 server redirects to HTTPS */
    int gw_tls;      /* gw: an HTTPS server on 8443 (1 certificate a, 2 b, 3 PASSTHROUGH) */
    int gw2;         /* gw: a second Gateway with a server on 80 (1; 2 other hosts;
                      * 3 selecting another workload; 4 in another namespace) */
};

static void put(const char *dir, const char *name, const char *fmt, ...)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fclose(f);
    }
    free(p);
}

/* An external service i of the guide's TLS origination shape (tls) or its
 * plain HTTP one, going through the egress gateway. */
static void put_external(const char *dir, int i, int tls, const struct knobs *k)
{
    static const char *const lbs[] = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM"};
    char name[32], timeout[32] = "", hosts[128], ports[160] = "", dr[512] = "", lb[96];
    char gw_port[32] = "";
    snprintf(name, sizeof(name), "svc-%d.yaml", i);
    /* svc-2's gateway route takes every port: a new server makes routes */
    if (i != 2)
        snprintf(gw_port, sizeof(gw_port), ", port: %d", tls ? 443 : 80);
    if (i == 0 && k->timeout)
        snprintf(timeout, sizeof(timeout), "    timeout: %ds\n", k->timeout);
    if (i == 2 && k->timeout2)
        snprintf(timeout, sizeof(timeout), "    timeout: %ds\n", k->timeout2);
    snprintf(hosts, sizeof(hosts), "[www.svc-%d.example.com%s]", i,
             (i == 0 && k->extra_host == 1) || (i == 1 && k->svc1_alt_a)
                 ? ", alt-a.svc-0.example.com"
             : i == 0 && k->extra_host == 2 ? ", alt-b.svc-0.example.com"
                                            : "");
    if (tls)
        strcat(ports, "  - {number: 443, name: http-tls, protocol: HTTP}\n");
    if (i == 1 && k->extra_port)
        strcat(ports, "  - {number: 8080, name: http-alt, protocol: HTTP}\n");
    if (i == 0 && k->hash)
        snprintf(lb, sizeof(lb), "{consistentHash: {httpHeaderName: x-user-%d}}", k->hash);
    else
        snprintf(lb, sizeof(lb), "{simple: %s}", lbs[i == 0 ? k->lb : 0]);
    if (tls || (i == 1 && k->tls))
        snprintf(dr, sizeof(dr),
                 "---\n" HEAD "kind: DestinationRule\nmetadata: {name: tls-svc-%d}\n"
                 "spec:\n  host: www.svc-%d.example.com\n  trafficPolicy:\n"
                 "    loadBalancer: %s\n    portLevelSettings:\n"
                 "    - port: {number: %d}\n      tls: {mode: %s}\n",
                 i, i, lb, tls ? 443 : 80, i == 0 && k->tls_mode ? "DISABLE" : "SIMPLE");
    put(dir, name,
        HEAD "kind: ServiceEntry\nmetadata: {name: svc-%d}\n"
             "spec:\n  hosts: %s\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n%s"
             "  resolution: DNS\n"
             "---\n" HEAD "kind: VirtualService\nmetadata: {name: svc-%d}\n"
             "spec:\n  hosts: [www.svc-%d.example.com]\n  gateways: [istio-egressgateway, mesh]\n"
             "  http:\n  - match: [{gateways: [mesh], port: 80}]\n%s    route:\n"
             "    - destination: {host: " GW_HOST ", subset: svc-%d, port: {number: %d}}\n"
             "  - match: [{gateways: [istio-egressgateway]%s}]\n%s    route:\n"
             "    - destination: {host: www.svc-%d.example.com, port: {number: %d}}\n%s",
        i, hosts, ports, i, i, timeout, i, tls ? 443 : 80, gw_port, timeout, i, tls ? 443 : 80,
        dr);
}

/* A mesh-internal STATIC service i with v1/v2 subsets and a weighted split. */
static void put_internal(const char *dir, int i, const struct knobs *k)
{
    char name[32];
    snprintf(name, sizeof(name), "svc-%d.yaml", i);
    put(dir, name,
        HEAD "kind: ServiceEntry\nmetadata: {name: svc-%d}\n"
             "spec:\n  hosts: [svc-%d.bench.svc.cluster.local]\n  location: MESH_INTERNAL\n"
             "  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n"
             "  endpoints:\n  - {address: 10.0.%d.%d, labels: {version: v1}}\n"
             "  - {address: 10.0.%d.2, labels: {version: v2}}\n"
             "  - {address: 10.0.%d.3, labels: {version: v3}}\n"
             "---\n" HEAD "kind: VirtualService\nmetadata: {name: svc-%d}\n"
             "spec:\n  hosts: [svc-%d.bench.svc.cluster.local]\n  http:\n  - route:\n"
             "    - {destination: {host: svc-%d.bench.svc.cluster.local, subset: v1}, weight: 70}\n"
             "    - {destination: {host: svc-%d.bench.svc.cluster.local, subset: v2}, weight: 30}\n"
             "---\n" HEAD "kind: DestinationRule\nmetadata: {name: svc-%d}\n"
             "spec:\n  host: svc-%d.bench.svc.cluster.local\n"
             "  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}\n  subsets:\n"
             "  - {name: v1, labels: {version: v1}}\n%s%s",
        i, i, i, i == 3 && k->endpoint ? k->endpoint : 1, i, i, i, i, i, i, i, i,
        i == 3 && k->v2_labels ? "  - {name: v2, labels: {version: v3}}\n"
                               : "  - {name: v2, labels: {version: v2}}\n",
        i == 3 && k->subset_v3 ? "  - {name: v3, labels: {version: v3}}\n" : "");
}

/* The second Gateway of knob gw2 (empty for 0). */
static void gateway2(char *out, size_t len, int gw2)
{
    out[0] = '\0';
    if (gw2 == 0)
        return;
    snprintf(out, len,
             "---\n" HEAD "kind: Gateway\nmetadata: {name: egress-b%s}\n"
             "spec:\n  selector: {istio: %s}\n  servers:\n"
             "  - port: {number: 80, name: http-b, protocol: HTTP}\n    hosts: [\"%s\"]\n",
             gw2 == 4 ? ", namespace: a-ns" : "", gw2 == 3 ? "other" : "egressgateway",
             gw2 == 2 ? "www.svc-1.example.com" : "*/www.svc-2.example.com");
}

static void put_gateway(const char *dir, const struct knobs *k)
{
    static const char *const tls[] = {
        "", "{mode: SIMPLE, serverCertificate: /etc/gw/a.pem, privateKey: /etc/gw/key.pem}",
        "{mode: SIMPLE, serverCertificate: /etc/gw/b.pem, privateKey: /etc/gw/key.pem}",
        "{mode: PASSTHROUGH}"};
    char extra[512] = "", second[512];
    if (k->gw_server)
        snprintf(extra, sizeof(extra),
                 "  - port: {number: %d, name: http-alt, protocol: HTTP}\n    hosts: [\"*\"]\n",
                 8079 + k->gw_server);
    if (k->gw_tls)
        snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
                 "  - port: {number: 8443, name: https-in, protocol: HTTPS}\n"
                 "    hosts: [www.svc-0.example.com]\n    tls: %s\n",
                 tls[k->gw_tls]);
    gateway2(second, sizeof(second), k->gw2);
    put(dir, "gateway.yaml",
        HEAD "kind: ServiceEntry\nmetadata: {name: istio-egressgateway, namespace: istio-system}\n"
             "spec:\n  hosts: [" GW_HOST "]\n  location: MESH_INTERNAL\n  ports:\n"
             "  - {number: 80, name: http, protocol: HTTP}\n"
             "  - {number: 443, name: https, protocol: HTTPS}\n  resolution: STATIC\n"
             "  endpoints:\n  - {address: 10.255.0.1, labels: {istio: egressgateway}}\n"
             "---\n" HEAD "kind: Gateway\nmetadata: {name: istio-egressgateway}\n"
             "spec:\n  selector: {istio: egressgateway}\n  servers:\n"
             "  - port: {number: 80, name: http, protocol: HTTP}\n"
             "    hosts: [%swww.svc-1.example.com]\n%s"
             "  - port: {number: 443, name: http-tls, protocol: HTTP}\n"
             "    hosts: [www.svc-0.example.com, www.svc-1.example.com]\n%s"
             "---\n" HEAD "kind: DestinationRule\nmetadata: {name: egressgateway-for-services}\n"
             "spec:\n  host: " GW_HOST "\n  subsets:\n"
             "  - {name: svc-0}\n  - {name: svc-1}\n  - {name: svc-2}\n%s",
        k->gw_host ? "" : "www.svc-2.example.com, ",
        k->gw_redirect ? "    tls: {httpsRedirect: true}\n" : "", extra, second);
}

static void put_all(const char *dir, const struct knobs *k)
{
    char *alt = xasprintf("%s/alt.yaml", dir);
    if (k->alt_vs)
        put(dir, "alt.yaml",
            HEAD "kind: VirtualService\nmetadata: {name: alt}\n"
                 "spec:\n  hosts: [alt-a.svc-0.example.com]\n  http:\n  - route:\n"
                 "    - destination: {host: www.svc-2.example.com}\n");
    else
        unlink(alt);
    free(alt);
    put_gateway(dir, k);
    put_external(dir, 0, 1, k);
    put_external(dir, 1, 1, k);
    put_external(dir, 2, 0, k);
    put_internal(dir, 3, k);
    put_internal(dir, 4, k);
}

/* A patch of clusters makes new Clusters and Endpoints and shares the
 * previous Listeners (and Routes, but for a sidecar's virtual hosts of
 * hosts added or removed: patch_hosts.c). */
static int clusters_patched(const struct xds_view *now, const struct xds_view *before)
{
    return xds_view_items(now, XDS_LISTENER) == xds_view_items(before, XDS_LISTENER) &&
           xds_view_items(now, XDS_CLUSTER) != xds_view_items(before, XDS_CLUSTER);
}

/* How many of the router's route configurations are the previous view's
 * own (the same bytes, not a copy): what a gateway patch took whole. */
static int rcs_kept(const struct xds_view *now, const struct xds_view *before)
{
    int n = 0;
    const struct xds_resource *r = xds_view_items(now, XDS_ROUTE);
    for (size_t i = 0; i < xds_view_count(now, XDS_ROUTE); i++) {
        const struct xds_resource *old = xds_view_find(before, XDS_ROUTE, r[i].name);
        n += old != NULL && old->bytes == r[i].bytes;
    }
    return n;
}

TEST(translate_every_kind_of_edit_equals_a_full_translation)
{
    struct proxy_identity ids[3];
    memo_chain_proxies(ids);
    char dir[] = "/tmp/xdsd-edit-kinds-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct config_cache *cache = config_cache_new();
    /* each step sets one knob (the others keep theirs) */
    static const struct {
        const char *what;
        struct knobs k;
        int clusters_patched; /* expected of every class (patch_clusters.c) */
        int gw_kept;          /* Gateway edits: the router's route configurations
                               * taken whole (patch_gateway.c), + 1; 0: not checked */
    } steps[] = {
        {"base", {0}, 0, 0},
        {"vs: a timeout", {.timeout = 5}, 0, 0},
        {"vs: another", {.timeout = 7}, 0, 0},
        {"se endpoints: an address", {.timeout = 7, .endpoint = 200}, 1, 0},
        {"se endpoints: another", {.timeout = 7, .endpoint = 201}, 1, 0},
        {"se endpoints: back", {.timeout = 7, .endpoint = 200}, 1, 0},
        {"se hosts: one more", {.endpoint = 200, .extra_host = 1}, 0, 0},
        {"se hosts: another", {.endpoint = 200, .extra_host = 2}, 1, 0},
        {"se ports: one more", {.endpoint = 200, .extra_host = 2, .extra_port = 1}, 0, 0},
        {"se ports: back", {.endpoint = 200, .extra_host = 2}, 0, 0},
        {"se hosts: back", {.endpoint = 200}, 1, 0},
        {"se hosts: one more, alone", {.endpoint = 200, .extra_host = 1}, 1, 0},
        {"se hosts: back again", {.endpoint = 200}, 1, 0},
        {"se hosts: another service's", {.endpoint = 200, .svc1_alt_a = 1}, 1, 0},
        {"se hosts: one another service has", {.endpoint = 200, .svc1_alt_a = 1, .extra_host = 1},
         0,
         0},
        {"se hosts: it goes", {.endpoint = 200, .svc1_alt_a = 1}, 0, 0},
        {"se hosts: and the other's", {.endpoint = 200}, 1, 0},
        {"vs: one of host alt-a", {.endpoint = 200, .alt_vs = 1}, 0, 0},
        {"se hosts: one a VirtualService has",
         {.endpoint = 200, .alt_vs = 1, .extra_host = 1},
         0,
         0},
        {"se hosts: it goes once more", {.endpoint = 200, .alt_vs = 1}, 0, 0},
        {"vs: alt-a's gone", {.endpoint = 200}, 0, 0},
        {"dr: load balancer", {.endpoint = 200, .lb = 1}, 1, 0},
        {"dr: another", {.endpoint = 200, .lb = 2}, 1, 0},
        {"dr: a subset no route names", {.endpoint = 200, .lb = 2, .subset_v3 = 1}, 1, 0},
        {"dr: a named subset's labels",
         {.endpoint = 200, .lb = 2, .subset_v3 = 1, .v2_labels = 1},
         1,
         0},
        {"dr: back", {.endpoint = 200, .lb = 2, .subset_v3 = 1}, 1, 0},
        {"dr: the unnamed subset gone", {.endpoint = 200, .lb = 2}, 1, 0},
        {"dr: and back", {.endpoint = 200, .lb = 2, .subset_v3 = 1}, 1, 0},
        {"dr: tls", {.endpoint = 200, .lb = 2, .subset_v3 = 1, .tls = 1}, 0, 0},
        {"dr: no tls", {.endpoint = 200, .lb = 2, .subset_v3 = 1}, 0, 0},
        {"dr: tls mode", {.endpoint = 200, .lb = 2, .subset_v3 = 1, .tls_mode = 1}, 1, 0},
        {"dr: consistent hash", {.endpoint = 200, .subset_v3 = 1, .hash = 1}, 0, 0},
        {"dr: another hash", {.endpoint = 200, .subset_v3 = 1, .hash = 2}, 0, 0},
        {"dr: no hash", {.endpoint = 200, .lb = 2, .subset_v3 = 1}, 0, 0},
        {"se endpoints after a dr edit", {.endpoint = 202, .lb = 2, .subset_v3 = 1}, 1, 0},
        {"vs after a cluster patch",
         {.endpoint = 202, .lb = 2, .subset_v3 = 1, .timeout = 3},
         0,
         0},
        {"se endpoints after that", {.endpoint = 203, .lb = 2, .subset_v3 = 1, .timeout = 3}, 1, 0},
        /* the other inputs changed too: built */
        {"gw: a server", {.endpoint = 202, .lb = 2, .gw_server = 1}, 0, 1},
        /* http.80 and http.443 fed by the same servers: taken */
        {"gw: another", {.endpoint = 202, .lb = 2, .gw_server = 2}, 0, 3},
        /* http.8080 and http.8081 are remembered whole by the builds that
         * made them, and taken by the next build of the same servers and
         * VirtualServices, not by one after an edit of the route they hold */
        {"gw: the first port again", {.endpoint = 202, .lb = 2, .gw_server = 1}, 0, 3},
        {"vs: svc-2", {.endpoint = 202, .lb = 2, .gw_server = 1, .timeout2 = 6}, 0, 0},
        {"gw: the other port again", {.endpoint = 202, .lb = 2, .gw_server = 2, .timeout2 = 6},
         0, 3},
        {"gw: and back", {.endpoint = 202, .lb = 2, .gw_server = 1, .timeout2 = 6}, 0, 3},
        {"gw: and again", {.endpoint = 202, .lb = 2, .gw_server = 2, .timeout2 = 6}, 0, 3},
        {"vs: svc-2 back", {.endpoint = 202, .lb = 2, .gw_server = 2}, 0, 0},
        {"gw: a server's hosts", {.endpoint = 202, .lb = 2, .gw_server = 2, .gw_host = 1}, 0, 3},
        {"gw: hosts back", {.endpoint = 202, .lb = 2, .gw_server = 2}, 0, 3},
        {"gw: a redirect", {.endpoint = 202, .lb = 2, .gw_server = 2, .gw_redirect = 1}, 0, 3},
        {"gw: no redirect", {.endpoint = 202, .lb = 2, .gw_server = 2}, 0, 3},
        {"gw: an https server", {.endpoint = 202, .lb = 2, .gw_server = 2, .gw_tls = 1}, 0, 4},
        {"gw: its certificate", {.endpoint = 202, .lb = 2, .gw_server = 2, .gw_tls = 2}, 0, 4},
        {"gw: its mode", {.endpoint = 202, .lb = 2, .gw_server = 2, .gw_tls = 3}, 0, 4},
        {"gw: back to simple", {.endpoint = 202, .lb = 2, .gw_server = 2, .gw_tls = 1}, 0, 4},
        {"gw: servers removed", {.endpoint = 202, .lb = 2}, 0, 3},
        /* two Gateways' servers feed http.80; the second one sorts first, so
         * the first one's position moves and nothing is taken */
        {"gw: a second gateway", {.endpoint = 202, .lb = 2, .gw2 = 1}, 0, 1},
        /* a route patch reads Gateways by position: those of this model */
        {"vs with two gateways", {.endpoint = 202, .lb = 2, .gw2 = 1, .timeout = 4}, 0, 0},
        {"gw: its hosts", {.endpoint = 202, .lb = 2, .gw2 = 2, .timeout = 4}, 0, 2},
        {"gw: the first one's", {.endpoint = 202, .lb = 2, .gw2 = 2, .gw_server = 1, .timeout = 4},
         0, 3},
        {"gw: the second selects another",
         {.endpoint = 202, .lb = 2, .gw2 = 3, .gw_server = 1, .timeout = 4}, 0, 3},
        {"gw: it selects this one again",
         {.endpoint = 202, .lb = 2, .gw2 = 2, .gw_server = 1, .timeout = 4}, 0, 3},
        {"gw: in another namespace",
         {.endpoint = 202, .lb = 2, .gw2 = 4, .gw_server = 1, .timeout = 4}, 0, 3},
        {"gw: the second gone", {.endpoint = 202, .lb = 2, .gw_server = 1, .timeout = 4}, 0, 1},
        {"gw: a server's hosts again",
         {.endpoint = 202, .lb = 2, .gw_server = 2, .gw_host = 1, .timeout = 4}, 0, 2},
        {"vs after all that", {.endpoint = 202, .lb = 2, .gw_host = 1, .timeout = 9}, 0, 0},
    };
    struct config_set *s0 = NULL;
    struct memo_link link[3] = {{0}};
    for (size_t st = 0; st < ARRAY_LEN(steps); st++) {
        put_all(dir, &steps[st].k);
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
            int p = link[i].view != NULL && warm != NULL && clusters_patched(warm, link[i].view);
            if (!same || p != steps[st].clusters_patched)
                printf("# step '%s', proxy %d: same %d, clusters patched %d\n", steps[st].what,
                       i, same, p);
            CHECK(same);
            CHECK_INT(p, steps[st].clusters_patched);
            if (i == 1 && steps[st].gw_kept > 0 && link[i].view != NULL && warm != NULL) {
                int kept = rcs_kept(warm, link[i].view);
                if (kept != steps[st].gw_kept - 1)
                    printf("# step '%s': %d route configurations kept\n", steps[st].what, kept);
                CHECK_INT(kept, steps[st].gw_kept - 1);
            }
            /* every class has clusters and routes to compare */
            CHECK(full != NULL && xds_view_count(full, XDS_CLUSTER) > 3 &&
                  xds_view_count(full, XDS_ROUTE) > 0);
            xds_view_free(full);
            memo_advance(&link[i], warm, memo1);
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
    static const char *const files[] = {"gateway.yaml", "svc-0.yaml", "svc-1.yaml", "svc-2.yaml",
                                        "svc-3.yaml",   "svc-4.yaml", "alt.yaml"};
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        char *p = xasprintf("%s/%s", dir, files[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
}
