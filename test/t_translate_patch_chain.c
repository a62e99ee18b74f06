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
#include "xdsd/snapshot.h"
#include "xdsd/translate.h"
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

/* An external HTTP service i (DNS, port 80), with host alt-I.chain.example
 * too when alt is set. */
static void put_external(const char *dir, int i, int alt)
{
    char *p = xasprintf("%s/ext-%02d.yaml", dir, i);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fprintf(f,
                HEAD "kind: ServiceEntry\nmetadata: {name: ext-%d}\n"
                     "spec:\n  hosts: [www.ext-%d.example%s]\n"
                     "  ports:\n  - {number: 80, name: http, protocol: HTTP}\n"
                     "  resolution: DNS\n",
                i, i, alt ? ", alt.ext-0.example" : "");
        fclose(f);
    }
    free(p);
}

/* The same chain of host edits through snapshots, as a server makes them:
 * the snapshot finds what changed once for every class (diff.c), looking
 * at each VirtualService the first time a change of hosts asks and keeping
 * their names from the second on. A host a VirtualService names is built,
 * one nothing names is patched; every view equals a full translation. */
TEST(translate_host_edits_through_snapshots)
{
    struct proxy_identity ids[3];
    memo_chain_proxies(ids);
    char dir[] = "/tmp/xdsd-host-chain-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    for (int i = 0; i < 4; i++)
        put_external(dir, i, 0);
    char *vs = xasprintf("%s/alt-vs.yaml", dir);
    struct config_cache *cache = config_cache_new();
    struct snapshot *s0 = NULL;
    /* the host comes and goes, named by a VirtualService in the middle;
     * patched: the sidecar's Listeners are the previous view's */
    static const struct {
        int alt, named, patched;
    } steps[] = {{0, 0, 0}, {1, 0, 1}, {0, 0, 1}, {1, 0, 1}, {0, 1, 0},
                 {1, 1, 0}, {0, 1, 0}, {0, 0, 0}, {1, 0, 1}, {0, 0, 1}};
    for (size_t st = 0; st < ARRAY_LEN(steps); st++) {
        put_external(dir, 0, steps[st].alt);
        if (steps[st].named) {
            FILE *f = fopen(vs, "w");
            CHECK(f != NULL);
            if (f != NULL) {
                fprintf(f, HEAD "kind: VirtualService\nmetadata: {name: alt}\n"
                                "spec:\n  hosts: [alt.ext-0.example]\n  http:\n  - route:\n"
                                "    - destination: {host: www.ext-1.example}\n");
                fclose(f);
            }
        } else {
            unlink(vs);
        }
        struct config_set *set = memo_chain_load(dir, cache);
        CHECK(set != NULL);
        if (set == NULL)
            break;
        struct snapshot *s1 = translate_snapshot(set, st + 1, NULL);
        config_unref(set);
        for (int i = 0; i < 3; i++) /* the views of s0, then those of s1 warm from them */
            if (s0 == NULL)
                CHECK(snapshot_view(s1, &ids[i], NULL, NULL) != NULL);
        if (s0 != NULL) {
            snapshot_warm_from(s1, s0);
            const struct xds_view *was = snapshot_view(s0, &ids[0], NULL, NULL),
                                  *now = snapshot_view(s1, &ids[0], NULL, NULL);
            int patched = was != NULL && now != NULL &&
                          xds_view_items(was, XDS_LISTENER) == xds_view_items(now, XDS_LISTENER);
            if (patched != steps[st].patched)
                printf("# step %zu: sidecar patched %d\n", st, patched);
            CHECK_INT(patched, steps[st].patched);
        }
        struct translate_model m;
        model_of(translate_config(s1), &m);
        for (int i = 0; i < 3; i++) {
            struct xds_view *full = translate_build(&m, NULL, &ids[i], NULL);
            if (!same_view(snapshot_view(s1, &ids[i], NULL, NULL), full))
                printf("# step %zu, proxy %d: differs from a full translation\n", st, i);
            CHECK(same_view(snapshot_view(s1, &ids[i], NULL, NULL), full));
            xds_view_free(full);
        }
        snapshot_unref(s0);
        s0 = s1;
    }
    snapshot_unref(s0);
    config_cache_free(cache);
    for (int i = 0; i < 3; i++)
        proxy_identity_release(&ids[i]);
    unlink(vs);
    free(vs);
    for (int i = 0; i < 4; i++) {
        char *p = xasprintf("%s/ext-%02d.yaml", dir, i);
        unlink(p);
        free(p);
    }
    rmdir(dir);
}
