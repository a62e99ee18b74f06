/* t_xds_core_sotw.c - the xDS protocol core: state-of-the-world
 * subscriptions (S) and what responses contain (R), one test per rule of
 * docs/xds-protocol.md. */
#include "xds_core_fixture.h"

/* ---- subscriptions (SotW) ----------------------------------------------------------- */

TEST(xds_S1_wildcard_by_star_or_empty)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    CHECK_STR(next(s, v), "cds a b");
    sotw(s, CDS, ver, nonce, NULL, NULL);
    sotw(s, LDS, "", "", "*", NULL);
    CHECK_STR(next(s, v), "lds l0");
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_S2_legacy_wildcard_sequence)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL); /* unset: wildcard */
    CHECK_STR(next(s, v), "cds a b");
    sotw(s, CDS, ver, nonce, "* a", NULL); /* wildcard plus a: same set */
    CHECK_STR(next(s, v), "");
    sotw(s, CDS, ver, nonce, "a", NULL); /* wildcard dropped: full state of {a} */
    CHECK_STR(next(s, v), "cds a");
    sotw(s, CDS, ver, nonce, NULL, NULL); /* unset again: nothing, not a wildcard */
    CHECK_STR(next(s, v), "cds");
    struct xds_type_status st;
    xds_core_type_status(s, CDS, &st);
    CHECK(!st.wildcard);
    xds_type_status_release(&st);
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_S3_empty_rds_eds_is_unsubscribe)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, EDS, "", "", "a", NULL);
    CHECK_STR(next(s, v), "eds a");
    sotw(s, EDS, ver, nonce, NULL, NULL);
    CHECK_STR(next(s, v), "");
    struct xds_type_status st;
    xds_core_type_status(s, EDS, &st);
    CHECK(!st.wildcard);
    CHECK_INT(st.n_names, 0);
    xds_type_status_release(&st);
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_S4_missing_names_pushed_when_they_appear)
{
    struct xds_view *v = mkview(V1), *w = mkview("r:r0=1 r:r1=1 r:r9=1");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, RDS, "", "", "r0 r9", NULL);
    CHECK_STR(next(s, v), "rds r0");
    sotw(s, RDS, ver, nonce, "r0 r9", NULL);
    xds_core_view_changed(s);
    CHECK_STR(next(s, w), "rds r0 r9");
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_S5_newly_requested_names_sent)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", "a", NULL);
    CHECK_STR(next(s, v), "cds a");
    sotw(s, CDS, ver, nonce, "a b", NULL);
    CHECK_STR(next(s, v), "cds a b");
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_S6_unrequested_resources_not_sent)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, RDS, "", "", "r1", NULL);
    CHECK_STR(next(s, v), "rds r1");
    CHECK_STR(next(s, v), ""); /* no other type was asked for */
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_S7_grpc_explicit_lds_is_full_state)
{
    struct xds_view *v = mkview("l:a=1 l:b=1"), *w = mkview("l:b=1");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, LDS, "", "", "a b", NULL);
    CHECK_STR(next(s, v), "lds a b");
    sotw(s, LDS, ver, nonce, "a b", NULL);
    xds_core_view_changed(s);
    CHECK_STR(next(s, w), "lds b"); /* a missing: deleted */
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(w);
}

/* ---- what responses contain ------------------------------------------------------------ */

TEST(xds_R1_empty_full_state_sent)
{
    struct xds_view *v = mkview(V1), *empty = mkview("e:a=1");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    CHECK_STR(next(s, v), "cds a b");
    sotw(s, CDS, ver, nonce, NULL, NULL);
    xds_core_view_changed(s);
    CHECK_STR(next(s, empty), "cds"); /* the last cluster deleted: an empty response */
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(empty);
}

TEST(xds_R2_rds_eds_only_asked_names)
{
    struct xds_view *v = mkview(V1), *w = mkview("r:r0=1 r:r1=2");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, RDS, "", "", "r0", NULL);
    CHECK_STR(next(s, v), "rds r0");
    sotw(s, RDS, ver, nonce, "r0", NULL);
    xds_core_view_changed(s);
    CHECK_STR(next(s, w), ""); /* r1 changed but was not asked for */
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(w);
}
