/* t_xds_core.c - the xDS protocol core, one test per rule of the checklist in
 * docs/xds-protocol.md (named after the rule id). */
#include "../src/xds/core.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"
#include "unit.h"

#define CDS XDS_CLUSTER
#define EDS XDS_ENDPOINT
#define LDS XDS_LISTENER
#define RDS XDS_ROUTE

/* A view from "c:name=content e:name=content l:... r:..." */
static struct xds_view *mkview(const char *spec)
{
    struct xds_view *v = xds_view_new();
    char *copy = xstrdup(spec), *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        int t = tok[0] == 'c' ? CDS : tok[0] == 'e' ? EDS : tok[0] == 'l' ? LDS : RDS;
        char *eq = strchr(tok, '=');
        *eq = '\0';
        xds_view_add(v, t, tok + 2, (uint8_t *)xstrdup(eq + 1), strlen(eq + 1));
    }
    free(copy);
    CHECK(xds_view_finish(v, NULL) == 0);
    return v;
}

/* Split "a b c" into a heap array (NULL or "" gives none). */
static char **split(const char *s, size_t *n)
{
    *n = 0;
    size_t cap = 0;
    char **v = NULL;
    xgrow((void **)&v, &cap, 1, sizeof(*v));
    if (s == NULL)
        return v;
    char *copy = xstrdup(s), *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        xgrow((void **)&v, &cap, *n + 1, sizeof(*v));
        v[(*n)++] = xstrdup(tok);
    }
    free(copy);
    return v;
}

static void split_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static struct xds_req_result last;

/* A SotW request; error != NULL makes it a NACK. Returns xds_core_request's result. */
static int sotw(struct xds_core *s, int t, const char *version, const char *nonce,
                const char *names, const char *error)
{
    struct xds_request r = {.type_url = xds_type_url(t),
                            .nonce = nonce ? nonce : "",
                            .version_info = version ? version : "",
                            .has_error = error != NULL,
                            .error_message = error};
    char **v = split(names, &r.n_names);
    r.names = v;
    char *err = NULL;
    int rc = xds_core_request(s, &r, 1000, &last, &err);
    free(err);
    split_free(v, r.n_names);
    return rc;
}

static int delta(struct xds_core *s, int t, const char *nonce, const char *sub, const char *unsub,
                 const char *initial, const char *error)
{
    struct xds_request r = {.type_url = xds_type_url(t),
                            .nonce = nonce ? nonce : "",
                            .has_error = error != NULL,
                            .error_message = error};
    char **a = split(sub, &r.n_subscribe), **b = split(unsub, &r.n_unsubscribe);
    size_t ni;
    char **init = split(initial, &ni); /* "name=version ..." */
    char **names = xcalloc(64, sizeof(char *)), **versions = xcalloc(64, sizeof(char *));
    for (size_t i = 0; i < ni; i++) {
        char *eq = strchr(init[i], '=');
        *eq = '\0';
        names[i] = init[i];
        versions[i] = eq + 1;
    }
    r.subscribe = a;
    r.unsubscribe = b;
    r.initial_names = names;
    r.initial_versions = versions;
    r.n_initial = ni;
    char *err = NULL;
    int rc = xds_core_request(s, &r, 1000, &last, &err);
    free(err);
    split_free(a, r.n_subscribe);
    split_free(b, r.n_unsubscribe);
    split_free(init, ni);
    free(names);
    free(versions);
    return rc;
}

/* The next response as "TYPE names | removed", or "" when nothing is due.
 * The last response's version and nonce land in ver / nonce. */
static char ver[XDS_VERSION_MAX], nonce[XDS_NONCE_MAX];
static char outbuf[1024];

static const char *next(struct xds_core *s, const struct xds_view *v)
{
    struct xds_out o;
    outbuf[0] = '\0';
    if (!xds_core_next(s, v, 1, &o))
        return outbuf;
    size_t len = (size_t)snprintf(outbuf, sizeof(outbuf), "%s", xds_type_short(o.type));
    for (size_t i = 0; i < o.n_res; i++)
        len += (size_t)snprintf(outbuf + len, sizeof(outbuf) - len, " %s", o.res[i]->name);
    if (o.delta) {
        len += (size_t)snprintf(outbuf + len, sizeof(outbuf) - len, " |");
        for (size_t i = 0; i < o.n_removed; i++)
            len += (size_t)snprintf(outbuf + len, sizeof(outbuf) - len, " %s", o.removed[i]);
    }
    memcpy(ver, o.version, sizeof(ver));
    memcpy(nonce, o.nonce, sizeof(nonce));
    xds_out_release(&o);
    return outbuf;
}

static const char *V1 = "c:a=1 c:b=1 e:a=1 e:b=1 l:l0=1 r:r0=1 r:r1=1";

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
        .type_url = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
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
    for (int t = 0; t < XDS_NTYPES; t++)
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
    for (int t = 0; t < XDS_NTYPES; t++)
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
