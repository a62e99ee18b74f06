/* t_xds_core_delta.c - the xDS protocol core: the incremental protocol (D),
 * one test per rule of docs/xds-protocol.md. */
#include "xds_core_fixture.h"

/* ---- incremental ------------------------------------------------------------------------ */

TEST(xds_D1_per_resource_versions_and_nonce)
{
    struct xds_view *v = mkview(V1), *w = mkview("c:a=1 c:b=2");
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, CDS, "", "*", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "cds a b |");
    CHECK(nonce[0] != '\0');
    delta(d, CDS, nonce, NULL, NULL, NULL, NULL);
    CHECK(last.flags & XDS_REQ_ACK);
    xds_core_view_changed(d);
    CHECK_STR(next(d, w), "cds b |"); /* only the changed resource */
    xds_core_free(d);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_D2_spontaneous_subscribe_without_nonce)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, EDS, "", "a", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "eds a |");
    delta(d, EDS, "", "b", NULL, NULL, NULL);
    CHECK(!(last.flags & (XDS_REQ_ACK | XDS_REQ_STALE)));
    CHECK_STR(next(d, v), "eds b |");
    xds_core_free(d);
    xds_view_free(v);
}

TEST(xds_D3_stale_nonce_subscription_honoured)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, EDS, "", "a", NULL, NULL, NULL);
    next(d, v);
    char old[XDS_NONCE_MAX];
    memcpy(old, nonce, sizeof(old));
    delta(d, EDS, "", "r", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "eds | r");
    /* a request with the older nonce that subscribes b */
    delta(d, EDS, old, "b", NULL, NULL, NULL);
    CHECK(last.flags & XDS_REQ_STALE);
    CHECK_STR(next(d, v), "eds b |");
    xds_core_free(d);
    xds_view_free(v);
}

TEST(xds_D4_delta_wildcard_legacy_and_star)
{
    struct xds_view *v = mkview("e:e0=1 e:e1=1 e:e2=1 e:e3=1");
    /* legacy: a first request with both lists empty */
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, EDS, "", NULL, NULL, NULL, NULL);
    CHECK_STR(next(d, v), "eds e0 e1 e2 e3 |");
    delta(d, EDS, nonce, "e0", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "eds e0 |"); /* D5: resent, the wildcard still holds */
    delta(d, EDS, nonce, NULL, "*", NULL, NULL);
    CHECK_STR(next(d, v), "");
    struct xds_type_status st;
    xds_core_type_status(d, EDS, &st);
    CHECK(!st.wildcard);
    CHECK_INT(st.n_sent_names, 1); /* only e0 is left */
    xds_type_status_release(&st);
    /* emptying the named set never makes a wildcard again */
    delta(d, EDS, nonce, NULL, "e0", NULL, NULL);
    CHECK_STR(next(d, v), "");
    xds_core_type_status(d, EDS, &st);
    CHECK(!st.wildcard);
    xds_type_status_release(&st);
    xds_core_free(d);

    /* "*" after a name, then unsubscribing "*" keeps the name */
    d = xds_core_new(1, 2);
    delta(d, EDS, "", "e1", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "eds e1 |");
    delta(d, EDS, nonce, "*", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "eds e0 e2 e3 |");
    delta(d, EDS, nonce, NULL, "*", NULL, NULL);
    CHECK_STR(next(d, v), "");
    xds_core_type_status(d, EDS, &st);
    CHECK_INT(st.n_sent_names, 1);
    CHECK_STR(st.sent_names[0], "e1");
    xds_type_status_release(&st);
    xds_core_free(d);
    xds_view_free(v);
}

TEST(xds_D5_resubscribe_means_resend)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, RDS, "", "r0", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "rds r0 |");
    delta(d, RDS, nonce, NULL, "r0", NULL, NULL);
    CHECK_STR(next(d, v), "");
    delta(d, RDS, "", "r0", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "rds r0 |");
    /* subscribing a name already held resends it too */
    delta(d, RDS, "", "r0", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "rds r0 |");
    xds_core_free(d);
    xds_view_free(v);
}

TEST(xds_D6_phantom_unsubscribe_ignored)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, RDS, "", "r0", NULL, NULL, NULL);
    next(d, v);
    delta(d, RDS, nonce, NULL, "never", NULL, NULL);
    CHECK_STR(next(d, v), "");
    CHECK(xds_core_sync(d, RDS) == SYNC_SYNCED);
    xds_core_free(d);
    xds_view_free(v);
}

TEST(xds_D7_unsubscribe_under_wildcard_restated)
{
    struct xds_view *v = mkview("e:e0=1 e:e1=1 e:e2=1 e:e3=1");
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, EDS, "", "* e2 e4", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "eds e0 e1 e2 e3 | e4");
    delta(d, EDS, nonce, NULL, "e2 e4", NULL, NULL);
    CHECK_STR(next(d, v), "eds e2 | e4");
    xds_core_free(d);
    xds_view_free(v);
}

TEST(xds_D8_missing_subscribed_names_removed)
{
    struct xds_view *v = mkview(V1), *w = mkview("r:r0=1 r:r7=1");
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, RDS, "", "r0 r7", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "rds r0 | r7");
    delta(d, RDS, nonce, NULL, NULL, NULL, NULL);
    CHECK_STR(next(d, v), ""); /* told once */
    xds_core_view_changed(d);
    CHECK_STR(next(d, w), "rds r7 |"); /* and sent when it appears (S4) */
    xds_core_free(d);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_D9_deleted_resource_removed)
{
    struct xds_view *v = mkview(V1), *w = mkview("c:b=1");
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, CDS, "", NULL, NULL, NULL, NULL);
    CHECK_STR(next(d, v), "cds a b |");
    delta(d, CDS, nonce, NULL, NULL, NULL, NULL);
    xds_core_view_changed(d);
    CHECK_STR(next(d, w), "cds | a");
    xds_core_free(d);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_D10_initial_resource_versions)
{
    struct xds_view *v = mkview("c:a=1 c:b=1 c:c=1");
    char spec[256];
    snprintf(spec, sizeof(spec), "a=%s b=0000000000000001 gone=%s",
             xds_view_find(v, CDS, "a")->version, xds_view_find(v, CDS, "a")->version);
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, CDS, "", "*", NULL, spec, NULL);
    /* a is current: not sent; b differs, c is new; gone no longer exists */
    CHECK_STR(next(d, v), "cds b c | gone");
    xds_core_free(d);
    /* each type has its own map (D12) */
    d = xds_core_new(1, 2);
    delta(d, CDS, "", "*", NULL, spec, NULL);
    delta(d, EDS, "", "a", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "cds b c | gone");
    CHECK_STR(next(d, v), "eds | a");
    xds_core_free(d);
    xds_view_free(v);
}

TEST(xds_D11_large_reconnect_request)
{
    /* thousands of initial versions in one request are handled */
    struct xds_view *v = mkview("c:a=1");
    struct xds_core *d = xds_core_new(1, 1);
    enum { N = 5000 };
    char **names = xcalloc(N, sizeof(char *)), **vers = xcalloc(N, sizeof(char *));
    for (int i = 0; i < N; i++) {
        names[i] = xasprintf("cluster-%05d", i);
        vers[i] = xstrdup("0000000000000001");
    }
    char *star = "*";
    struct xds_request r = {.type_url = xds_type_url(CDS),
                            .nonce = "",
                            .subscribe = &star,
                            .n_subscribe = 1,
                            .initial_names = names,
                            .initial_versions = vers,
                            .n_initial = N};
    char *err = NULL;
    CHECK(xds_core_request(d, &r, 0, &last, &err) == 0);
    struct xds_out o;
    CHECK(xds_core_next(d, v, 0, &o) == 1);
    CHECK_INT(o.n_res, 1);
    CHECK_INT(o.n_removed, N);
    xds_out_release(&o);
    for (int i = 0; i < N; i++) {
        free(names[i]);
        free(vers[i]);
    }
    free(names);
    free(vers);
    xds_core_free(d);
    xds_view_free(v);
}

TEST(xds_D12_types_are_separate)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, CDS, "", "*", NULL, NULL, NULL);
    delta(d, RDS, "", "r0", NULL, NULL, NULL);
    next(d, v);
    delta(d, CDS, nonce, NULL, NULL, NULL, NULL);
    next(d, v);
    delta(d, RDS, nonce, NULL, NULL, NULL, "bad route");
    CHECK(xds_core_sync(d, CDS) == SYNC_SYNCED);
    CHECK(xds_core_sync(d, RDS) == SYNC_NACKED);
    xds_core_free(d);
    xds_view_free(v);
}
