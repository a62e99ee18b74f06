/* t_xds_core_order.c - the xDS protocol core: the order of responses and
 * make before break (O), one test per rule of docs/xds-protocol.md. */
#include "xds_core_fixture.h"

/* ---- ordering -------------------------------------------------------------------------- */

TEST(xds_O1_push_order_cds_eds_lds_rds)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, RDS, "", "", "r0", NULL);
    sotw(s, LDS, "", "", NULL, NULL);
    sotw(s, EDS, "", "", "a", NULL);
    sotw(s, CDS, "", "", NULL, NULL);
    CHECK_STR(next(s, v), "cds a b");
    char cv[XDS_VERSION_MAX], cn[XDS_NONCE_MAX];
    memcpy(cv, ver, sizeof(cv));
    memcpy(cn, nonce, sizeof(cn));
    CHECK_STR(next(s, v), "eds a");
    /* Envoy answers CDS once the new clusters are warm: LDS and RDS wait */
    CHECK_STR(next(s, v), "");
    CHECK(xds_core_sync(s, LDS) == SYNC_NOT_SENT);
    sotw(s, CDS, cv, cn, NULL, NULL);
    CHECK_STR(next(s, v), "lds l0");
    CHECK_STR(next(s, v), "rds r0");
    CHECK_STR(next(s, v), "");
    xds_core_free(s);
    xds_view_free(v);
}

static void ack_all(struct xds_core *s, const struct xds_view *v)
{
    /* acknowledge every response due, in order */
    const char *names[XDS_NTYPES] = {NULL, "a", NULL, "r0"};
    for (int i = 0; i < 8; i++) {
        const char *o = next(s, v);
        if (o[0] == '\0')
            return;
        int t = xds_type_from_url(xds_type_url(strncmp(o, "cds", 3) == 0   ? CDS
                                               : strncmp(o, "eds", 3) == 0 ? EDS
                                               : strncmp(o, "lds", 3) == 0 ? LDS
                                                                           : RDS));
        sotw(s, t, ver, nonce, names[t], NULL);
    }
}

TEST(xds_O3_eds_reply_after_every_cds_push)
{
    struct xds_view *v = mkview(V1), *w = mkview("c:a=2 c:b=1 e:a=1 e:b=1 l:l0=1 r:r0=1");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    sotw(s, EDS, "", "", "a", NULL);
    ack_all(s, v);
    xds_core_view_changed(s);
    /* cluster a changed, its endpoints did not: EDS is still answered */
    CHECK_STR(next(s, w), "cds a b");
    CHECK_STR(next(s, w), "eds a");
    CHECK_STR(next(s, w), "");
    xds_core_free(s);

    /* delta: the endpoints of the clusters just sent are resent */
    struct xds_core *d = xds_core_new(1, 2);
    delta(d, CDS, "", "*", NULL, NULL, NULL);
    delta(d, EDS, "", "a b", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "cds a b |");
    CHECK_STR(next(d, v), "eds a b |");
    xds_core_view_changed(d);
    CHECK_STR(next(d, w), "cds a |");
    CHECK_STR(next(d, w), "eds a |");
    xds_core_free(d);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_O4_reply_not_held_for_unasked_names)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    /* only one of the snapshot's EDS names is asked for: answered at once */
    sotw(s, EDS, "", "", "b", NULL);
    CHECK_STR(next(s, v), "eds b");
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_O5_superseded_reply_dropped)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, EDS, "", "", "a b", NULL);
    /* before the stream could send, the client narrows its subscription */
    sotw(s, EDS, "", "", "b", NULL);
    CHECK_STR(next(s, v), "eds b");
    CHECK_STR(next(s, v), "");
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_O3_no_eds_reply_of_a_nacked_set)
{
    struct xds_view *v = mkview(V1), *w = mkview("c:a=2 c:b=1 e:a=1 e:b=1");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    sotw(s, EDS, "", "", "a", NULL);
    CHECK_STR(next(s, v), "cds a b");
    sotw(s, CDS, ver, nonce, NULL, NULL);
    CHECK_STR(next(s, v), "eds a");
    sotw(s, EDS, ver, nonce, "a", "bad endpoints");
    xds_core_view_changed(s);
    /* the CDS push does not bring back the EDS set the client rejected */
    CHECK_STR(next(s, w), "cds a b");
    CHECK_STR(next(s, w), "");
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_O2_new_route_after_its_new_cluster)
{
    /* a route to a new cluster, published together: the cluster goes first,
     * so the route never points at a cluster the client lacks (translation
     * guarantees the cluster exists in the same view) */
    struct xds_view *v = mkview(V1), *w = mkview("c:a=1 c:b=1 c:new=1 e:a=1 r:r0=2");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, RDS, "", "", "r0", NULL);
    sotw(s, CDS, "", "", NULL, NULL);
    CHECK_STR(next(s, v), "cds a b");
    sotw(s, CDS, ver, nonce, NULL, NULL);
    CHECK_STR(next(s, v), "rds r0");
    sotw(s, RDS, ver, nonce, "r0", NULL);
    xds_core_view_changed(s);
    CHECK_STR(next(s, w), "cds a b new");
    CHECK_STR(next(s, w), ""); /* O1: until the new cluster is warm */
    sotw(s, CDS, ver, nonce, NULL, NULL);
    CHECK_STR(next(s, w), "rds r0");
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(w);
}

/* ack: answer the response just taken by next() (SotW), with the names the
 * client then subscribes to */
static void ack(struct xds_core *s, int t, const char *names)
{
    sotw(s, t, ver, nonce, names, NULL);
}

TEST(xds_O1_removed_cluster_outlives_its_route_sotw)
{
    /* the subset rename: cluster old becomes new, route r0 moves with it */
    struct xds_view *v = mkview("c:a=1 c:old=1 e:a=1 e:old=1 l:l0=1 r:r0=old"),
                    *w = mkview("c:a=1 c:new=1 e:a=1 e:new=1 l:l0=1 r:r0=new");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    sotw(s, EDS, "", "", "a old", NULL);
    sotw(s, LDS, "", "", NULL, NULL);
    sotw(s, RDS, "", "", "r0", NULL);
    CHECK_STR(next(s, v), "cds a old");
    char v1[XDS_VERSION_MAX];
    memcpy(v1, ver, sizeof(v1));
    ack(s, CDS, NULL);
    CHECK_STR(next(s, v), "eds a old");
    ack(s, EDS, "a old");
    CHECK_STR(next(s, v), "lds l0");
    ack(s, LDS, NULL);
    CHECK_STR(next(s, v), "rds r0");
    ack(s, RDS, "r0");
    CHECK_STR(next(s, v), "");

    xds_core_view_changed(s);
    /* the first CDS still carries the old cluster, with the old view's bytes
     * (v stays alive, as the shell keeps it while the core uses it) */
    CHECK(xds_core_uses_old(s, w));
    CHECK_STR(next(s, w), "cds a new old");
    char v2[XDS_VERSION_MAX], n2[XDS_NONCE_MAX];
    memcpy(v2, ver, sizeof(v2));
    memcpy(n2, nonce, sizeof(n2));
    CHECK(strcmp(v1, v2) != 0);
    CHECK(xds_core_sync(s, CDS) == SYNC_STALE);
    CHECK_STR(next(s, w), "eds a old"); /* O3 reply: old endpoints kept */
    CHECK_STR(next(s, w), "");          /* LDS and RDS wait for the CDS answer */
    ack(s, EDS, "a new old");           /* the new cluster warms: its endpoints */
    sotw(s, CDS, v2, n2, NULL, NULL);
    CHECK_STR(next(s, w), "eds a new old");
    ack(s, EDS, "a new old");
    CHECK_STR(next(s, w), "rds r0"); /* LDS unchanged: not sent */
    CHECK(xds_core_sync(s, CDS) == SYNC_STALE); /* the removal is pending */
    CHECK(xds_core_uses_old(s, w));
    CHECK_STR(next(s, w), "");
    ack(s, RDS, "r0");
    /* the route moved on: now the set without the old cluster */
    CHECK_STR(next(s, w), "cds a new");
    CHECK(strcmp(ver, v2) != 0);
    CHECK_STR(ver, xds_view_version(w, CDS));
    ack(s, CDS, NULL);
    CHECK_STR(next(s, w), "eds a new");
    ack(s, EDS, "a new");
    CHECK_STR(next(s, w), "");
    CHECK(!xds_core_uses_old(s, w));
    for (int t = 0; t <= XDS_ROUTE; t++)
        CHECK(xds_core_sync(s, (enum xds_type)t) == SYNC_SYNCED);
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_O1_removed_cluster_outlives_its_route_delta)
{
    struct xds_view *v = mkview("c:a=1 c:old=1 e:a=1 e:old=1 l:l0=1 r:r0=old"),
                    *w = mkview("c:a=1 c:new=1 e:a=1 e:new=1 l:l0=1 r:r0=new");
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, CDS, "", "*", NULL, NULL, NULL);
    delta(d, EDS, "", "a old", NULL, NULL, NULL);
    delta(d, LDS, "", "*", NULL, NULL, NULL);
    delta(d, RDS, "", "r0", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "cds a old |");
    delta(d, CDS, nonce, NULL, NULL, NULL, NULL);
    CHECK_STR(next(d, v), "eds a old |");
    delta(d, EDS, nonce, NULL, NULL, NULL, NULL);
    CHECK_STR(next(d, v), "lds l0 |");
    delta(d, LDS, nonce, NULL, NULL, NULL, NULL);
    CHECK_STR(next(d, v), "rds r0 |");
    delta(d, RDS, nonce, NULL, NULL, NULL, NULL);

    xds_core_view_changed(d);
    CHECK(!xds_core_uses_old(d, w)); /* delta needs no old bytes */
    /* the new cluster, and no removal yet */
    CHECK_STR(next(d, w), "cds new |");
    CHECK_STR(next(d, w), "");
    delta(d, CDS, nonce, NULL, NULL, NULL, NULL);
    CHECK(xds_core_sync(d, CDS) == SYNC_STALE);
    delta(d, EDS, "", "new", NULL, NULL, NULL);
    CHECK_STR(next(d, w), "eds new |");
    delta(d, EDS, nonce, NULL, NULL, NULL, NULL);
    CHECK_STR(next(d, w), "rds r0 |");
    CHECK_STR(next(d, w), "");
    delta(d, RDS, nonce, NULL, NULL, NULL, NULL);
    /* then a response that only removes it, and its endpoints */
    CHECK_STR(next(d, w), "cds | old");
    delta(d, CDS, nonce, NULL, NULL, NULL, NULL);
    CHECK_STR(next(d, w), "eds | old");
    delta(d, EDS, nonce, NULL, "old", NULL, NULL);
    CHECK_STR(next(d, w), "");
    for (int t = 0; t <= XDS_ROUTE; t++)
        CHECK(xds_core_sync(d, (enum xds_type)t) == SYNC_SYNCED);
    xds_core_free(d);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_O1_removal_not_held_without_listeners_or_routes)
{
    struct xds_view *v = mkview("c:a=1 c:old=1 e:a=1 e:old=1"), *w = mkview("c:a=1 e:a=1");
    /* SotW: nothing may use the cluster, so it goes at once */
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    CHECK_STR(next(s, v), "cds a old");
    ack(s, CDS, NULL);
    xds_core_view_changed(s);
    CHECK_STR(next(s, w), "cds a");
    ack(s, CDS, NULL);
    CHECK(xds_core_sync(s, CDS) == SYNC_SYNCED);
    CHECK(!xds_core_uses_old(s, w));
    xds_core_free(s);
    /* delta */
    struct xds_core *d = xds_core_new(1, 2);
    delta(d, CDS, "", "*", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "cds a old |");
    delta(d, CDS, nonce, NULL, NULL, NULL, NULL);
    xds_core_view_changed(d);
    CHECK_STR(next(d, w), "cds | old");
    xds_core_free(d);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_O1_removal_after_a_nacked_route)
{
    /* the client rejects the new route: the hold still ends (it is answered),
     * and a new request for RDS is not blocked by the hold */
    struct xds_view *v = mkview("c:a=1 c:old=1 l:l0=1 r:r0=old"),
                    *w = mkview("c:a=1 c:new=1 l:l0=1 r:r0=new");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    sotw(s, RDS, "", "", "r0", NULL);
    CHECK_STR(next(s, v), "cds a old");
    ack(s, CDS, NULL);
    CHECK_STR(next(s, v), "rds r0");
    ack(s, RDS, "r0");
    xds_core_view_changed(s);
    CHECK_STR(next(s, w), "cds a new old");
    ack(s, CDS, NULL);
    CHECK_STR(next(s, w), "rds r0");
    sotw(s, RDS, ver, nonce, "r0", "bad route");
    CHECK_STR(next(s, w), "cds a new");
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(w);
}
