/* t_snapshot.c - views: sorting, versions, duplicates; snapshots: one build per class. */
#include "xdsd/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"
#include "unit.h"

static uint8_t *bytes_of(const char *s)
{
    return (uint8_t *)xstrdup(s);
}

TEST(view_sorts_and_versions)
{
    struct xds_view *v = xds_view_new();
    xds_view_add(v, XDS_CLUSTER, "b", bytes_of("bb"), 2);
    xds_view_add(v, XDS_CLUSTER, "a", bytes_of("aa"), 2);
    char *err = NULL;
    CHECK(xds_view_finish(v, &err) == 0);
    CHECK(xds_view_count(v, XDS_CLUSTER) == 2);
    CHECK_STR(xds_view_items(v, XDS_CLUSTER)[0].name, "a");
    CHECK(xds_view_find(v, XDS_CLUSTER, "b") != NULL);
    CHECK(xds_view_find(v, XDS_CLUSTER, "c") == NULL);
    CHECK(xds_view_count(v, XDS_LISTENER) == 0);
    CHECK(strlen(xds_view_version(v, XDS_CLUSTER)) == 16);
    CHECK(xds_view_bytes(v, XDS_CLUSTER) == 4);

    /* same content in another order: same versions */
    struct xds_view *w = xds_view_new();
    xds_view_add(w, XDS_CLUSTER, "a", bytes_of("aa"), 2);
    xds_view_add(w, XDS_CLUSTER, "b", bytes_of("bb"), 2);
    CHECK(xds_view_finish(w, NULL) == 0);
    CHECK_STR(xds_view_version(v, XDS_CLUSTER), xds_view_version(w, XDS_CLUSTER));
    CHECK_STR(xds_view_find(w, XDS_CLUSTER, "a")->version,
              xds_view_find(v, XDS_CLUSTER, "a")->version);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(view_rejects_duplicates)
{
    struct xds_view *v = xds_view_new();
    xds_view_add(v, XDS_ROUTE, "80", bytes_of("x"), 1);
    xds_view_add(v, XDS_ROUTE, "80", bytes_of("y"), 1);
    char *err = NULL;
    CHECK(xds_view_finish(v, &err) == -1);
    CHECK(err && strstr(err, "'80'"));
    free(err);
    xds_view_free(v);
}

static int builds;

static char *ns_key(void *ctx, const struct proxy_identity *id)
{
    (void)ctx;
    return xstrdup(id->namespace);
}

static struct xds_view *one_cluster(void *ctx, const struct proxy_identity *id, const char *key,
                                    char **err)
{
    (void)ctx;
    (void)key;
    (void)err;
    builds++;
    struct xds_view *v = xds_view_new();
    xds_view_add(v, XDS_CLUSTER, id->namespace, bytes_of("c"), 1);
    xds_view_finish(v, NULL);
    return v;
}

TEST(snapshot_builds_once_per_class)
{
    static const struct snapshot_ops ops = {ns_key, one_cluster, NULL, NULL};
    struct snapshot *s = snapshot_new(7, &ops, NULL);
    struct proxy_identity a, b, c;
    proxy_identity_init(&a, "sidecar~1.1.1.1~a.ns1~ns1.svc.cluster.local", NULL, NULL, NULL, 0, NULL);
    proxy_identity_init(&b, "sidecar~1.1.1.2~b.ns1~ns1.svc.cluster.local", NULL, NULL, NULL, 0, NULL);
    proxy_identity_init(&c, "sidecar~1.1.1.3~c.ns2~ns2.svc.cluster.local", NULL, NULL, NULL, 0, NULL);
    builds = 0;
    const char *key = NULL;
    const struct xds_view *va = snapshot_view(s, &a, &key, NULL);
    const struct xds_view *vb = snapshot_view(s, &b, NULL, NULL);
    const struct xds_view *vc = snapshot_view(s, &c, NULL, NULL);
    CHECK(va == vb && va != vc);
    CHECK(builds == 2);
    CHECK_STR(key, "ns1");
    CHECK(snapshot_generation(s) == 7);

    struct snapshot *next = snapshot_new(8, &ops, NULL);
    builds = 0;
    snapshot_warm_from(next, s);
    CHECK(builds == 2);
    snapshot_view(next, &b, NULL, NULL);
    CHECK(builds == 2);
    snapshot_unref(s);
    snapshot_unref(next);
    proxy_identity_release(&a);
    proxy_identity_release(&b);
    proxy_identity_release(&c);
}

TEST(type_urls_round_trip)
{
    for (int t = 0; t < XDS_NTYPES; t++)
        CHECK(xds_type_from_url(xds_type_url(t)) == t);
    CHECK(xds_type_from_url("type.googleapis.com/envoy.config.core.v3.Node") == -1);
}

/* A resource added again to a later view shares counted bytes (they outlive
 * the first view) and copies plain ones; either way the same resource. */
TEST(view_adds_a_resource_again)
{
    struct xds_view *a = xds_view_new();
    uint8_t *big = xds_bytes_new(5);
    memcpy(big, "hello", 5);
    xds_view_add_counted(a, XDS_ROUTE, "80", big, 5, hash_block(HASH_SEED, big, 5));
    uint8_t *small = malloc(3);
    memcpy(small, "abc", 3);
    xds_view_add(a, XDS_ROUTE, "90", small, 3);
    CHECK(xds_view_finish(a, NULL) == 0);
    struct xds_view *b = xds_view_new();
    for (size_t i = 0; i < 2; i++)
        xds_view_add_again(b, XDS_ROUTE, &xds_view_items(a, XDS_ROUTE)[i]);
    CHECK(xds_view_finish(b, NULL) == 0);
    const struct xds_resource *ra = xds_view_items(a, XDS_ROUTE), *rb = xds_view_items(b, XDS_ROUTE);
    CHECK(rb[0].bytes == ra[0].bytes && rb[0].counted); /* shared */
    CHECK(rb[1].bytes != ra[1].bytes && !rb[1].counted); /* copied */
    CHECK_STR(xds_view_version(a, XDS_ROUTE), xds_view_version(b, XDS_ROUTE));
    xds_view_free(a);
    rb = xds_view_items(b, XDS_ROUTE);
    CHECK(memcmp(rb[0].bytes, "hello", 5) == 0 && memcmp(rb[1].bytes, "abc", 3) == 0);
    xds_view_free(b);
}

/* A view of the clusters present: c{i} with bytes "gen-i". */
static struct xds_view *clusters_of(const int *gen, const int *present, int n)
{
    struct xds_view *v = xds_view_new();
    for (int i = 0; i < n; i++) {
        if (!present[i])
            continue;
        char name[16], body[32];
        snprintf(name, sizeof(name), "c%02d", i);
        snprintf(body, sizeof(body), "%d-%d", gen[i], i);
        xds_view_add(v, XDS_CLUSTER, name, bytes_of(body), strlen(body));
    }
    CHECK(xds_view_finish(v, NULL) == 0);
    return v;
}

/* Patching a list (resources replaced, added, removed) gives the list a
 * full build of the same resources gives, version and sizes included,
 * whether it shared the previous list's storage or copied it; the
 * previous views can go first. */
TEST(view_patch_equals_a_build)
{
    enum { N = 24 };
    int gen[N] = {0}, present[N] = {0}, copies = 0, shares = 0;
    for (int i = 0; i < N; i += 2)
        present[i] = 1;
    struct xds_view *prev = clusters_of(gen, present, N);
    for (int round = 1; round <= 60; round++) {
        /* a replace, and every other round one added and one dropped */
        int a = (round * 5) % N, add = (round * 7 + 1) % N, drop = (round * 11 + 2) % N;
        while (!present[a])
            a = (a + 1) % N;
        char drop_name[16];
        int adding = round % 2 == 0 && !present[add];
        int dropping = round % 2 == 0 && present[drop] && drop != a;
        snprintf(drop_name, sizeof(drop_name), "c%02d", drop);
        gen[a] = round;
        present[add] |= adding;
        gen[add] = adding ? round + 1000 : gen[add];
        present[drop] &= !dropping;
        struct xds_view *want = clusters_of(gen, present, N);
        char name_a[16], name_add[16];
        snprintf(name_a, sizeof(name_a), "c%02d", a);
        snprintf(name_add, sizeof(name_add), "c%02d", add);
        const struct xds_resource *put[2] = {xds_view_find(want, XDS_CLUSTER, name_a),
                                             xds_view_find(want, XDS_CLUSTER, name_add)};
        const char *drops[1] = {drop_name};
        struct xds_view *v = xds_view_new();
        int rc = xds_view_patch(v, XDS_CLUSTER, prev, put, adding ? 2 : 1, drops,
                                dropping ? 1 : 0);
        CHECK(rc == 0 || rc == 1);
        copies += rc == 1;
        shares += rc == 0;
        CHECK(xds_view_finish(v, NULL) == 0);
        CHECK_STR(xds_view_version(v, XDS_CLUSTER), xds_view_version(want, XDS_CLUSTER));
        CHECK(xds_view_count(v, XDS_CLUSTER) == xds_view_count(want, XDS_CLUSTER));
        CHECK(xds_view_bytes(v, XDS_CLUSTER) == xds_view_bytes(want, XDS_CLUSTER));
        CHECK(xds_view_response_bytes(v, XDS_CLUSTER) ==
              xds_view_response_bytes(want, XDS_CLUSTER));
        CHECK(xds_view_check_size(v, xds_view_response_bytes(want, XDS_CLUSTER), 1, NULL) == 0);
        for (size_t i = 0; i < xds_view_count(want, XDS_CLUSTER); i++) {
            const struct xds_resource *x = &xds_view_items(v, XDS_CLUSTER)[i],
                                      *y = &xds_view_items(want, XDS_CLUSTER)[i];
            CHECK_STR(x->name, y->name);
            CHECK(x->len == y->len && memcmp(x->bytes, y->bytes, x->len) == 0);
            CHECK_STR(x->version, y->version);
        }
        /* the list it came from goes first, the new one stays whole */
        xds_view_free(prev);
        xds_view_free(want);
        prev = v;
    }
    /* every so often the list is copied, giving back the replaced ones */
    CHECK(copies >= 1 && shares > copies);
    /* a name to drop that is not there, or one put twice: refused, the
     * view unchanged */
    const struct xds_resource *twice[2] = {&xds_view_items(prev, XDS_CLUSTER)[0],
                                           &xds_view_items(prev, XDS_CLUSTER)[0]};
    const char *stray = "zz";
    struct xds_view *v = xds_view_new();
    CHECK(xds_view_patch(v, XDS_CLUSTER, prev, NULL, 0, &stray, 1) == -1);
    CHECK(xds_view_patch(v, XDS_CLUSTER, prev, twice, 2, NULL, 0) == -1);
    CHECK(xds_view_patch(v, XDS_CLUSTER, prev, twice, 1, &twice[0]->name, 1) == -1);
    CHECK(xds_view_count(v, XDS_CLUSTER) == 0);
    xds_view_free(v);
    xds_view_free(prev);
}
