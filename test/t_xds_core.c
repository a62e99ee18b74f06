/* t_xds_core.c - the xDS protocol core: transport basics (P) and
 * acknowledgements (A), one test per rule of docs/xds-protocol.md (named
 * after the rule id); the other families are in t_xds_core_*.c. */
#include "xds_core_fixture.h"

/* ---- transport basics ------------------------------------------------------------ */

TEST(xds_P3_type_url_required)
{
    struct xds_core *s = xds_core_new(0, 1);
    struct xds_request r = {.type_url = "", .nonce = "", .version_info = ""};
    char *err = NULL;
    CHECK(xds_core_request(s, &r, 0, &last, &err) == -1);
    CHECK(err && strstr(err, "type_url"));
    free(err);
    struct xds_core *d = xds_core_new(1, 2);
    err = NULL;
    CHECK(xds_core_request(d, &r, 0, &last, &err) == -1);
    free(err);
    xds_core_free(s);
    xds_core_free(d);
}

TEST(xds_P2_unknown_type_ignored)
{
    struct xds_core *s = xds_core_new(0, 1);
    struct xds_request r = {
        .type_url = "type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration",
        .nonce = "",
        .version_info = ""};
    char *err = NULL;
    CHECK(xds_core_request(s, &r, 0, &last, &err) == 0);
    CHECK(last.flags & XDS_REQ_UNKNOWN_TYPE);
    CHECK(!xds_core_pending(s));
    xds_core_free(s);
}

TEST(xds_P5_nonce_unique_per_response)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 7);
    sotw(s, CDS, "", "", NULL, NULL);
    sotw(s, LDS, "", "", NULL, NULL);
    CHECK_STR(next(s, v), "cds a b");
    char n1[XDS_NONCE_MAX];
    memcpy(n1, nonce, sizeof(n1));
    sotw(s, CDS, ver, nonce, NULL, NULL); /* O1: LDS waits for the CDS answer */
    CHECK_STR(next(s, v), "lds l0");
    CHECK(strcmp(n1, nonce) != 0);
    /* another stream's nonces differ too */
    struct xds_core *o = xds_core_new(0, 8);
    sotw(o, CDS, "", "", NULL, NULL);
    next(o, v);
    CHECK(strcmp(n1, nonce) != 0);
    xds_core_free(s);
    xds_core_free(o);
    xds_view_free(v);
}

TEST(xds_P6_first_request_always_answered)
{
    struct xds_view *v = mkview("e:a=1");
    struct xds_core *s = xds_core_new(0, 1);
    /* a reconnecting client sends its last version and an old nonce */
    sotw(s, CDS, "0123456789abcdef", "old-nonce", NULL, NULL);
    CHECK(!(last.flags & XDS_REQ_STALE));
    CHECK_STR(next(s, v), "cds"); /* the empty full state, answered */
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_P7_nothing_sent_when_unchanged)
{
    struct xds_view *v = mkview(V1), *w = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    CHECK_STR(next(s, v), "cds a b");
    sotw(s, CDS, ver, nonce, NULL, NULL);
    xds_core_view_changed(s); /* a new snapshot with the same content */
    CHECK_STR(next(s, w), "");
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_P8_latest_request_wins)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, RDS, "", "", "r0", NULL);
    sotw(s, RDS, "", "", "r1", NULL);
    CHECK_STR(next(s, v), "rds r1");
    CHECK_STR(next(s, v), "");
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_P9_no_duplicate_names)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", "* a a b", NULL);
    CHECK_STR(next(s, v), "cds a b");
    sotw(s, EDS, "", "", "a a b a", NULL);
    CHECK_STR(next(s, v), "eds a b");
    struct xds_core *d = xds_core_new(1, 2);
    delta(d, EDS, "", "a a * b", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "eds a b |");
    xds_core_free(s);
    xds_core_free(d);
    xds_view_free(v);
}

TEST(xds_P10_many_names)
{
    struct xds_view *v = xds_view_new();
    char names[4096] = "";
    size_t len = 0;
    for (int i = 0; i < 300; i++) {
        char n[16];
        snprintf(n, sizeof(n), "e%03d", i);
        xds_view_add(v, EDS, n, (uint8_t *)xstrdup("x"), 1);
        if (i % 2 == 0)
            len += (size_t)snprintf(names + len, sizeof(names) - len, "%s ", n);
    }
    CHECK(xds_view_finish(v, NULL) == 0);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, EDS, "", "", names, NULL);
    struct xds_out o;
    CHECK(xds_core_next(s, v, 0, &o) == 1);
    CHECK_INT(o.n_res, 150);
    xds_out_release(&o);
    xds_core_free(s);
    xds_view_free(v);
}

/* ---- ACK, NACK, nonces ------------------------------------------------------------ */

TEST(xds_A1_ack_syncs_and_gets_nothing)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    CHECK_STR(next(s, v), "cds a b");
    CHECK(xds_core_sync(s, CDS) == SYNC_STALE);
    CHECK_STR(ver, xds_view_version(v, CDS)); /* LDS/CDS version: the view's */
    sotw(s, CDS, ver, nonce, NULL, NULL);
    CHECK(last.flags & XDS_REQ_ACK);
    CHECK(xds_core_sync(s, CDS) == SYNC_SYNCED);
    CHECK_STR(next(s, v), "");
    struct xds_type_status st;
    xds_core_type_status(s, CDS, &st);
    CHECK_STR(st.acked_version, ver);
    CHECK_STR(st.acked_nonce, nonce);
    CHECK_INT(st.n_sent_names, 2);
    xds_type_status_release(&st);
    xds_core_free(s);
    xds_view_free(v);
}

/* A client that answers one response twice is as its later answer says. */
TEST(xds_A2_second_answer_to_one_response_counts)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    CHECK_STR(next(s, v), "cds a b");
    char sent_ver[64], sent_nonce[64];
    snprintf(sent_ver, sizeof(sent_ver), "%s", ver);
    snprintf(sent_nonce, sizeof(sent_nonce), "%s", nonce);
    sotw(s, CDS, sent_ver, sent_nonce, NULL, NULL);
    CHECK(xds_core_sync(s, CDS) == SYNC_SYNCED);
    sotw(s, CDS, sent_ver, sent_nonce, NULL, "rejected after all");
    CHECK(xds_core_sync(s, CDS) == SYNC_NACKED);
    sotw(s, CDS, sent_ver, sent_nonce, NULL, NULL);
    CHECK(xds_core_sync(s, CDS) == SYNC_SYNCED);
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_A2_nack_detected_by_error_detail_only)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, RDS, "", "", "r0", NULL);
    CHECK_STR(next(s, v), "rds r0");
    /* the NACK carries the version just sent (Envoy PR #14841): still a NACK */
    sotw(s, RDS, ver, nonce, "r0", "bad route");
    CHECK(last.flags & XDS_REQ_NACK);
    CHECK(!(last.flags & XDS_REQ_ACK));
    CHECK(xds_core_sync(s, RDS) == SYNC_NACKED);
    struct xds_type_status st;
    xds_core_type_status(s, RDS, &st);
    CHECK_STR(st.nack_message, "bad route");
    CHECK_STR(st.nack_nonce, nonce);
    CHECK_INT(st.nack_time_ms, 1000);
    xds_type_status_release(&st);
    xds_core_free(s);
    xds_view_free(v);
}

TEST(xds_A3_stale_nonce_ignored)
{
    struct xds_view *v = mkview(V1), *w = mkview("c:a=2 c:b=1");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    next(s, v);
    char old[XDS_NONCE_MAX];
    memcpy(old, nonce, sizeof(old));
    xds_core_view_changed(s);
    CHECK_STR(next(s, w), "cds a b");
    /* the ACK of the first response arrives after the second was sent */
    sotw(s, CDS, "x", old, "a", NULL);
    CHECK(last.flags & XDS_REQ_STALE);
    CHECK(xds_core_sync(s, CDS) == SYNC_STALE);
    CHECK_STR(next(s, w), "");
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(w);
}

TEST(xds_A4_names_changed_at_same_version)
{
    struct xds_view *v = mkview(V1);
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, EDS, "", "", "a", NULL);
    CHECK_STR(next(s, v), "eds a");
    sotw(s, EDS, ver, nonce, "a b", NULL); /* ACK that adds b */
    CHECK_STR(next(s, v), "eds a b");
    sotw(s, EDS, ver, nonce, "a b", NULL); /* the same request again: nothing */
    CHECK_STR(next(s, v), "");
    sotw(s, EDS, ver, nonce, "a", NULL); /* a pure removal needs no answer */
    CHECK_STR(next(s, v), "");
    xds_core_free(s);
    xds_view_free(v);
}

/* What a push examines after plain ACKs: only changes of what the client
 * subscribes to now, however its subscription last changed. */
TEST(xds_A4_push_after_acks_follows_the_subscription)
{
    struct xds_view *v = mkview(V1);
    struct xds_view *b2 = mkview("c:a=1 c:b=1 e:a=1 e:b=2 l:l0=1 r:r0=1 r:r1=1");
    struct xds_view *a2 = mkview("c:a=1 c:b=1 e:a=2 e:b=2 l:l0=1 r:r0=1 r:r1=1");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, EDS, "", "", "a b", NULL);
    CHECK_STR(next(s, v), "eds a b");
    sotw(s, EDS, ver, nonce, "a b", NULL); /* plain ACK */
    xds_core_view_changed(s);
    CHECK_STR(next(s, v), "");
    sotw(s, EDS, ver, nonce, "a", NULL); /* narrowed in an ACK: no answer */
    xds_core_view_changed(s);
    CHECK_STR(next(s, b2), ""); /* b is no longer asked for */
    xds_core_view_changed(s);
    CHECK_STR(next(s, a2), "eds a");
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(b2);
    xds_view_free(a2);
}

TEST(xds_A5_nack_never_answered_with_same_version)
{
    struct xds_view *v = mkview(V1), *same = mkview(V1), *fixed = mkview("c:a=2 c:b=1");
    struct xds_core *s = xds_core_new(0, 1);
    sotw(s, CDS, "", "", NULL, NULL);
    next(s, v);
    sotw(s, CDS, "", nonce, NULL, "cluster a is bad");
    CHECK_STR(next(s, v), "");
    /* a reload that does not change the rejected content: still silent */
    xds_core_view_changed(s);
    CHECK_STR(next(s, same), "");
    /* a CDS push forces no EDS reply of a NACKed EDS set either */
    /* a new version goes out */
    xds_core_view_changed(s);
    CHECK_STR(next(s, fixed), "cds a b");
    sotw(s, CDS, ver, nonce, NULL, NULL);
    CHECK(xds_core_sync(s, CDS) == SYNC_SYNCED);
    xds_core_free(s);
    xds_view_free(v);
    xds_view_free(same);
    xds_view_free(fixed);
}

TEST(xds_A5_delta_nack_not_resent)
{
    struct xds_view *v = mkview(V1), *same = mkview(V1);
    struct xds_core *d = xds_core_new(1, 1);
    delta(d, CDS, "", "*", NULL, NULL, NULL);
    CHECK_STR(next(d, v), "cds a b |");
    delta(d, CDS, nonce, NULL, NULL, NULL, "no");
    CHECK(last.flags & XDS_REQ_NACK);
    CHECK(xds_core_sync(d, CDS) == SYNC_NACKED);
    CHECK_STR(next(d, v), "");
    xds_core_view_changed(d);
    CHECK_STR(next(d, same), "");
    xds_core_free(d);
    xds_view_free(v);
    xds_view_free(same);
}
