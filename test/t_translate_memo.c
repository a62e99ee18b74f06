/* t_translate_memo.c - a view rebuilt from the previous snapshot's memo of
 * each service's clusters is byte for byte the view a full build makes, for
 * every class, across edits of one file; the services whose documents did
 * not change are the ones reused, and an edit that changes no Cluster shares
 * the previous view's Clusters and Endpoints whole. */
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

static const char *const reviews_yaml = HEAD
    "kind: ServiceEntry\nmetadata: {name: reviews}\n"
    "spec:\n  hosts: [reviews.default.svc.cluster.local]\n  location: MESH_INTERNAL\n"
    "  ports:\n  - {number: 9080, name: http, protocol: HTTP}\n  resolution: STATIC\n"
    "  endpoints:\n"
    "  - {address: 10.0.0.1, labels: {version: v1, security.istio.io/tlsMode: istio}}\n"
    "  - {address: 10.0.0.2, labels: {version: v2}}\n"
    "---\n" HEAD "kind: DestinationRule\nmetadata: {name: reviews}\n"
    "spec:\n  host: reviews.default.svc.cluster.local\n"
    "  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user}}}\n"
    "  subsets:\n  - {name: v1, labels: {version: v1}}\n  - {name: v2, labels: {version: v2}}\n"
    "---\n" HEAD "kind: VirtualService\nmetadata: {name: reviews}\n"
    "spec:\n  hosts: [reviews.default.svc.cluster.local]\n  http:\n"
    "  - timeout: %ds\n    route:\n"
    "    - {destination: {host: reviews.default.svc.cluster.local, subset: v1}, weight: 80}\n"
    "    - {destination: {host: reviews.default.svc.cluster.local, subset: v2}, weight: 20}\n";

static const char *const ext_yaml =
    HEAD "kind: ServiceEntry\nmetadata: {name: cnn}\n"
         "spec:\n  hosts: [edition.cnn.com]\n  ports:\n"
         "  - {number: 80, name: http-port, protocol: HTTP}\n"
         "  - {number: 443, name: https, protocol: HTTP}\n  resolution: DNS\n"
         "---\n" HEAD "kind: DestinationRule\nmetadata: {name: cnn}\n"
         "spec:\n  host: edition.cnn.com\n  trafficPolicy:\n    portLevelSettings:\n"
         "    - {port: {number: 443}, tls: {mode: SIMPLE}}\n"
         "---\n" HEAD "kind: VirtualService\nmetadata: {name: cnn}\n"
         "spec:\n  hosts: [edition.cnn.com]\n  gateways: [istio-egressgateway, mesh]\n  http:\n"
         "  - match: [{gateways: [mesh], port: 80}]\n    route:\n"
         "    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, "
         "subset: cnn, port: {number: 80}}\n"
         "  - match: [{gateways: [istio-egressgateway], port: 80}]\n    route:\n"
         "    - destination: {host: edition.cnn.com, port: {number: 443}}\n";

static const char *const gw_yaml =
    HEAD "kind: ServiceEntry\nmetadata: {name: egress, namespace: istio-system}\n"
         "spec:\n  hosts: [istio-egressgateway.istio-system.svc.cluster.local]\n"
         "  location: MESH_INTERNAL\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n"
         "  resolution: STATIC\n  endpoints:\n  - {address: 10.255.0.1, labels: {istio: "
         "egressgateway}}\n"
         "---\n" HEAD "kind: Gateway\nmetadata: {name: istio-egressgateway}\n"
         "spec:\n  selector: {istio: egressgateway}\n  servers:\n"
         "  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [edition.cnn.com]\n"
         "---\n" HEAD "kind: DestinationRule\nmetadata: {name: egress}\n"
         "spec:\n  host: istio-egressgateway.istio-system.svc.cluster.local\n"
         "  subsets:\n  - {name: cnn}\n";

static const char *const db_yaml =
    HEAD "kind: ServiceEntry\nmetadata: {name: db, namespace: other}\n"
         "spec:\n  hosts: [db.other.svc.cluster.local]\n  location: MESH_INTERNAL\n"
         "  ports:\n  - {number: 5432, name: tcp, protocol: TCP}\n  resolution: STATIC\n"
         "  endpoints:\n  - {address: %s}\n";

/* A second VirtualService for the gateway's host: its routes join the cnn
 * VirtualService's in one virtual host (a piece made of two). */
static const char *const extra_vs_yaml =
    HEAD "kind: VirtualService\nmetadata: {name: cnn-extra}\n"
         "spec:\n  hosts: [edition.cnn.com]\n  gateways: [istio-egressgateway]\n  http:\n"
         "  - match: [{headers: {x-canary: {exact: \"%d\"}}}]\n    route:\n"
         "    - destination: {host: edition.cnn.com, port: {number: 443}}\n"
         "      headers: {request: {set: {x-canary-seen: \"1\"}}}\n";

struct memo_fixture {
    char dir[64];
    struct config_cache *cache;
    struct proxy_identity ids[4];
};

static void write_file(const struct memo_fixture *f, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void write_file(const struct memo_fixture *f, const char *name, const char *fmt, ...)
{
    char *p = xasprintf("%s/%s", f->dir, name);
    FILE *fp = fopen(p, "w");
    CHECK(fp != NULL);
    if (fp) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(fp, fmt, ap);
        va_end(ap);
        fclose(fp);
    }
    free(p);
}

static int unlink_file(const struct memo_fixture *f, const char *name)
{
    char *p = xasprintf("%s/%s", f->dir, name);
    int rc = unlink(p);
    free(p);
    return rc;
}

static void setup(struct memo_fixture *f)
{
    static const struct config_kv gw_labels[] = {{"istio", "egressgateway"}};
    strcpy(f->dir, "/tmp/xdsd-memo-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    f->cache = config_cache_new();
    proxy_identity_init(&f->ids[0], "sidecar~10.1.0.1~a.default~default.svc.cluster.local", NULL,
                        "default", NULL, 0, NULL);
    proxy_identity_init(&f->ids[1], "sidecar~10.1.0.2~b.other~other.svc.cluster.local", NULL,
                        "other", NULL, 0, NULL);
    proxy_identity_init(&f->ids[2],
                        "router~10.255.0.1~egress.istio-system~istio-system.svc.cluster.local",
                        NULL, "istio-system", gw_labels, 1, NULL);
    proxy_identity_init(&f->ids[3], "sidecar~10.1.0.3~g.default~default.svc.cluster.local", NULL,
                        "default", NULL, 0, "grpc");
    write_file(f, "reviews.yaml", reviews_yaml, 5);
    write_file(f, "ext.yaml", "%s", ext_yaml);
    write_file(f, "gw.yaml", "%s", gw_yaml);
    write_file(f, "db.yaml", db_yaml, "10.2.0.1");
}

static void teardown(struct memo_fixture *f)
{
    static const char *const files[] = {"reviews.yaml", "ext.yaml", "gw.yaml", "db.yaml"};
    for (size_t i = 0; i < 4; i++) {
        char *p = xasprintf("%s/%s", f->dir, files[i]);
        unlink(p);
        free(p);
        proxy_identity_release(&f->ids[i]);
    }
    rmdir(f->dir);
    config_cache_free(f->cache);
}

static struct config_set *load(struct memo_fixture *f)
{
    return memo_chain_load(f->dir, f->cache);
}

TEST(translate_memo_rebuild_is_byte_identical)
{
    struct memo_fixture f;
    setup(&f);
    struct config_set *s0 = load(&f);
    CHECK(s0 != NULL);
    if (s0 == NULL) {
        teardown(&f);
        return;
    }
    struct translate_model m0;
    model_of(s0, &m0);
    struct memo_link link[4] = {{0}};
    for (int i = 0; i < 4; i++) {
        struct tr_memo *memo = tr_memo_new();
        struct xds_view *v =
            tr_reuse_build(tr_build_steps(), &m0, NULL, &f.ids[i], NULL, memo, NULL, NULL);
        CHECK(v != NULL);
        memo_advance(&link[i], v, memo);
    }
    /* edits of one file each: the VirtualService's timeout (its file's
     * ServiceEntry and rule are parsed again), then an endpoint */
    const char *edits[] = {
        "reviews",   "db", "none", "second VS on the gateway", "gateway-only VS edited",
        "VS removed"};
    for (int e = 0; e < 6; e++) {
        if (e == 0)
            write_file(&f, "reviews.yaml", reviews_yaml, 7);
        else if (e == 1)
            write_file(&f, "db.yaml", db_yaml, "10.2.0.9");
        else if (e == 3 || e == 4)
            write_file(&f, "extra.yaml", extra_vs_yaml, e);
        else if (e == 5)
            CHECK(unlink_file(&f, "extra.yaml") == 0);
        struct config_set *s1 = load(&f);
        CHECK(s1 != NULL);
        if (s1 == NULL)
            break;
        struct translate_model m1;
        model_of(s1, &m1);
        for (int i = 0; i < 4; i++) {
            struct tr_memo *memo1;
            struct xds_view *full, *warm = memo_rebuild(&link[i], &m1, &f.ids[i], &memo1, &full);
            const struct xds_view *v0 = link[i].view;
            if (!same_view(warm, full))
                printf("# edit %s, proxy %s: views differ\n", edits[e], f.ids[i].id);
            CHECK(same_view(warm, full));
            /* every service but the edited file's is reused */
            CHECK(tr_memo_reused(memo1) > 0);
            /* the VirtualService edit changes no Cluster or Endpoint: the
             * rebuilt view holds the previous one's, the endpoint edit not */
            int shared = xds_view_items(warm, XDS_CLUSTER) == xds_view_items(v0, XDS_CLUSTER) &&
                         xds_view_items(warm, XDS_ENDPOINT) == xds_view_items(v0, XDS_ENDPOINT);
            CHECK_INT(shared, e != 1);
            /* the second VirtualService changes the gateway's routes */
            if (e == 3 && i == 2)
                CHECK(
                    strcmp(xds_view_version(warm, XDS_ROUTE), xds_view_version(v0, XDS_ROUTE)));
            /* editing it changes nothing the sidecars and the gRPC client read:
             * their whole views are the previous ones */
            if (e == 4) {
                int all = 1;
                for (int t = 0; t < XDS_NTYPES; t++)
                    all &= xds_view_items(warm, (enum xds_type)t) ==
                           xds_view_items(v0, (enum xds_type)t);
                CHECK_INT(all, i != 2);
            }
            xds_view_free(full);
            memo_advance(&link[i], warm, memo1);
        }
        config_unref(s0);
        s0 = s1;
    }
    for (int i = 0; i < 4; i++)
        memo_link_release(&link[i]);
    config_unref(s0);
    teardown(&f);
}

TEST(translate_memo_snapshot_warm_equals_fresh)
{
    struct memo_fixture f;
    setup(&f);
    struct config_set *s0 = load(&f);
    CHECK(s0 != NULL);
    struct snapshot *old = s0 ? translate_snapshot(s0, 1, NULL) : NULL;
    for (int i = 0; old && i < 4; i++)
        CHECK(snapshot_view(old, &f.ids[i], NULL, NULL) != NULL);
    write_file(&f, "ext.yaml", "%s", ext_yaml);      /* same bytes */
    write_file(&f, "reviews.yaml", reviews_yaml, 9); /* changed */
    struct config_set *s1 = load(&f);
    CHECK(s1 != NULL);
    if (old && s1) {
        struct snapshot *warm = translate_snapshot(s1, 2, NULL);
        struct snapshot *fresh = translate_snapshot(s1, 3, NULL);
        snapshot_warm_from(warm, old);
        for (int i = 0; i < 4; i++)
            CHECK(same_view(snapshot_view(warm, &f.ids[i], NULL, NULL),
                            snapshot_view(fresh, &f.ids[i], NULL, NULL)));
        snapshot_unref(warm);
        snapshot_unref(fresh);
    }
    snapshot_unref(old);
    config_unref(s0);
    config_unref(s1);
    teardown(&f);
}

/* "many.yaml": 40 hosts on port 80 (a route configuration large enough for
 * its order to be remembered), a VirtualService on h5 with a timeout, and
 * when clash is set a second ServiceEntry whose address is h7's too, so a
 * domain is trimmed from one of their virtual hosts. */
static void write_many(struct memo_fixture *f, int timeout, int clash)
{
    char *hosts = xstrdup("");
    for (int i = 0; i < 40; i++) {
        char *next = xasprintf("%s  - h%d.example.com\n", hosts, i);
        free(hosts);
        hosts = next;
    }
    write_file(f, "many.yaml",
               HEAD "kind: ServiceEntry\nmetadata: {name: many}\nspec:\n  hosts:\n%s"
                    "  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: DNS\n"
                    "%s---\n" HEAD "kind: VirtualService\nmetadata: {name: h5}\n"
                    "spec:\n  hosts: [h5.example.com]\n  http:\n  - timeout: %ds\n"
                    "    route: [{destination: {host: h5.example.com}}]\n",
               hosts, clash ? "  addresses: [10.9.9.9]\n" : "", timeout);
    write_file(f, "clash.yaml",
               HEAD "kind: ServiceEntry\nmetadata: {name: clash}\nspec:\n"
                    "  hosts: [zz.example.com]\n  addresses: [10.9.9.9]\n"
                    "  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: DNS\n");
    free(hosts);
}

/* Rebuilding a large route configuration in the order the previous build
 * found, and sorting it afresh when a domain had to be trimmed, both give
 * what a full build gives. */
TEST(translate_memo_large_route_configuration)
{
    struct memo_fixture f;
    setup(&f);
    struct memo_link link = {0};
    struct config_set *s0 = NULL;
    for (int step = 0; step < 5; step++) {
        /* timeouts 1..5; the shared address from step 2 on */
        write_many(&f, step + 1, step >= 2);
        struct config_set *s1 = load(&f);
        CHECK(s1 != NULL);
        if (s1 == NULL)
            break;
        struct translate_model m1;
        model_of(s1, &m1);
        struct tr_memo *memo1;
        struct xds_view *full, *warm = memo_rebuild(&link, &m1, &f.ids[0], &memo1, &full);
        if (!same_view(warm, full))
            printf("# step %d: views differ\n", step);
        CHECK(same_view(warm, full));
        xds_view_free(full);
        memo_advance(&link, warm, memo1);
        config_unref(s0);
        s0 = s1;
    }
    memo_link_release(&link);
    config_unref(s0);
    char *p = xasprintf("%s/many.yaml", f.dir), *q = xasprintf("%s/clash.yaml", f.dir);
    unlink(p);
    unlink(q);
    free(p);
    free(q);
    teardown(&f);
}
