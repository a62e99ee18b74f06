/* t_translate_patch_chain.c - many cluster patches in a row (an endpoint, a
 * load balancer or a subset no route names; one service at a time, or
 * eight at once every other step), as a server whose endpoints move all
 * day makes them. Each patch starts from a patched view, whose lists share
 * names and bytes with the views before it and whose memo records lie over
 * those of the last build (xds_view_patch, memo.c); every few patches the
 * lists are copied and the records made whole again. Every step's view
 * must be byte for byte a full translation's, and most steps a patch. */
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
/* more services than a memo lays over its base before recording all again */
#define SERVICES 80
#define STEPS 100

static void put_service(const char *dir, int i, int octet, int lb, int canary)
{
    static const char *const lbs[] = {"LEAST_REQUEST", "ROUND_ROBIN", "RANDOM"};
    char *p = xasprintf("%s/svc-%02d.yaml", dir, i);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fprintf(f,
                HEAD "kind: ServiceEntry\nmetadata: {name: svc-%d}\n"
                     "spec:\n  hosts: [svc-%d.chain.svc.cluster.local]\n"
                     "  location: MESH_INTERNAL\n"
                     "  ports:\n  - {number: 80, name: http, protocol: HTTP}\n"
                     "  resolution: STATIC\n"
                     "  endpoints:\n  - {address: 10.1.%d.%d, labels: {version: v1}}\n"
                     "  - {address: 10.1.%d.2, labels: {version: v2}}\n"
                     "---\n" HEAD "kind: DestinationRule\nmetadata: {name: svc-%d}\n"
                     "spec:\n  host: svc-%d.chain.svc.cluster.local\n"
                     "  trafficPolicy: {loadBalancer: {simple: %s}}\n  subsets:\n"
                     "  - {name: v1, labels: {version: v1}}\n"
                     "  - {name: v2, labels: {version: v2}}\n%s",
                i, i, i, octet, i, i, i, lbs[lb % 3],
                canary ? "  - {name: canary, labels: {version: v2}}\n" : "");
        fclose(f);
    }
    free(p);
}

/* New Clusters, the previous Routes. */
static int clusters_patched(const struct xds_view *now, const struct xds_view *before)
{
    return xds_view_items(now, XDS_ROUTE) == xds_view_items(before, XDS_ROUTE) &&
           xds_view_items(now, XDS_CLUSTER) != xds_view_items(before, XDS_CLUSTER);
}

TEST(translate_a_hundred_cluster_patches_in_a_row)
{
    struct proxy_identity ids[3];
    memo_chain_proxies(ids);
    char dir[] = "/tmp/xdsd-patch-chain-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    for (int i = 0; i < SERVICES; i++)
        put_service(dir, i, 1, 0, 0);
    struct config_cache *cache = config_cache_new();
    struct config_set *s0 = NULL;
    struct memo_link link[3] = {{0}};
    int patched[3] = {0};
    for (int st = 0; st <= STEPS; st++) {
        if (st > 0) {
            /* a different service each step: its endpoint, and at times
             * its load balancer or a subset; every other step eight */
            for (int k = 0; k < (st % 2 == 0 ? 8 : 1); k++) {
                int svc = (st * 37 + k * 13) % SERVICES;
                put_service(dir, svc, 100 + st % 150, st % 4 == 0 ? st / 4 : 0, st % 3 == 0);
            }
        }
        struct config_set *s1 = memo_chain_load(dir, cache);
        CHECK(s1 != NULL);
        if (s1 == NULL)
            break;
        struct translate_model m1;
        model_of(s1, &m1);
        for (int i = 0; i < 3; i++) {
            int p, same = memo_step(&link[i], &m1, &ids[i], clusters_patched, &p);
            if (!same)
                printf("# step %d, proxy %d: differs from a full translation\n", st, i);
            CHECK(same);
            patched[i] += p;
        }
        config_unref(s0);
        s0 = s1;
    }
    /* every step moves an endpoint: every step is a patch */
    for (int i = 0; i < 3; i++)
        CHECK_INT(patched[i], STEPS);
    for (int i = 0; i < 3; i++) {
        memo_link_release(&link[i]);
        proxy_identity_release(&ids[i]);
    }
    config_unref(s0);
    config_cache_free(cache);
    for (int i = 0; i < SERVICES; i++) {
        char *p = xasprintf("%s/svc-%02d.yaml", dir, i);
        unlink(p);
        free(p);
    }
    rmdir(dir);
}
