/* core_sotw.c - the state-of-the-world protocol of one stream: a request
 * replaces the subscription of its type, a response carries every resource
 * it covers (docs/xds-protocol.md S, A). */
#include "core_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

static int full_state(int t)
{
    return t == XDS_CLUSTER || t == XDS_LISTENER;
}

/* The key of the resources a SotW response covers: for a wildcard, all of
 * the type, whose key the view computed already (xds_view_version). */
static uint64_t covered_key(const struct type_state *ts, int t, const struct xds_view *v,
                            const struct xds_resource *const *res, size_t n)
{
    if (ts->wildcard)
        return strtoull(xds_view_version(v, (enum xds_type)t), NULL, 16);
    return xds_core_set_key(res, n);
}

/* SotW names: "*" is the wildcard; an empty list is the legacy wildcard for
 * LDS/CDS only while no request ever named anything (S1, S2), and for RDS/EDS
 * simply no names (S3). Returns 1 when a name was added or the wildcard
 * appeared, so the subscription grew; sets *same when it is exactly what it
 * was. */
static int sotw_subscribe(struct type_state *ts, int t, const struct xds_request *r, int *same)
{
    int star = 0, grew = 0;
    struct strset now = {0};
    for (size_t i = 0; i < r->n_names; i++) {
        if (strcmp(r->names[i], "*") == 0)
            star = 1;
        else
            xds_strset_add(&now, r->names[i]);
    }
    int wildcard = star;
    if (r->n_names == 0 && full_state(t) && !ts->named_ever)
        wildcard = 1;
    if (r->n_names > 0)
        ts->named_ever = 1;
    if (wildcard && !ts->wildcard)
        grew = 1;
    for (size_t i = 0; i < now.n && !grew; i++)
        grew = xds_strset_find(&ts->names, now.v[i]) < 0;
    /* sets of distinct names: equal sizes and nothing new means equal */
    *same = !grew && (unsigned)wildcard == ts->wildcard && now.n == ts->names.n;
    ts->wildcard = (unsigned)wildcard;
    xds_strset_clear(&ts->names);
    ts->names = now;
    return grew;
}

/* The client dropped names of a partial type (RDS/EDS): forget we sent them,
 * so that nothing is resent for a pure removal. */
static void sotw_prune(struct type_state *ts)
{
    if (ts->wildcard)
        return;
    for (size_t i = ts->held.n; i-- > 0;)
        if (xds_strset_find(&ts->names, xds_held_name(&ts->held, i)) < 0)
            xds_held_del_at(&ts->held, i);
}

/* Returns 0 when the request changed nothing an answer depends on (a plain
 * ACK of the same subscription), else 1. */
int xds_core_sotw_request(struct xds_core *s, int t, const struct xds_request *r, int64_t now_wall,
                          struct xds_req_result *res)
{
    struct type_state *ts = &s->t[t];
    /* the first request for a type, or one without a nonce, is always answered
     * (P6); nonces of an earlier stream mean nothing here (P5) */
    int initial = !ts->requested || r->nonce[0] == '\0';
    if (!initial && strcmp(r->nonce, ts->sent_nonce) != 0) {
        res->flags |= XDS_REQ_STALE; /* A3: the response it answers was superseded */
        return 0;
    }
    if (r->has_error) {
        res->flags |= XDS_REQ_NACK;
        xds_core_record_nack(ts, r, now_wall);
    } else if (!initial) {
        res->flags |= XDS_REQ_ACK;
        snprintf(ts->acked_version, sizeof(ts->acked_version), "%s", r->version_info);
        snprintf(ts->acked_nonce, sizeof(ts->acked_nonce), "%s", r->nonce);
        ts->last_was_nack = 0;
        res->acked_stamp = ts->sent_stamp;
    }
    int same = 0;
    int grew = sotw_subscribe(ts, t, r, &same);
    ts->requested = 1;
    if (initial) {
        ts->dirty = ts->force = 1;
    } else if (grew || full_state(t)) {
        /* A4: names changed at the same version; LDS/CDS are full state, so
         * any change of the set is answered, but only if the set differs */
        ts->dirty = 1;
    }
    if (!full_state(t))
        sotw_prune(ts);
    return initial || r->has_error || !same;
}

int xds_core_sotw_next(struct xds_core *s, int t, const struct xds_view *v, int64_t stamp,
                       struct xds_out *out)
{
    struct type_state *ts = &s->t[t];
    const struct xds_resource **res, **stale = NULL;
    size_t n = xds_core_covered(ts, t, v, &res), n_stale = 0;
    uint64_t k = covered_key(ts, t, v, res, n);
    /* O1: only a change can have removed something (the fast path stops here) */
    if (ts->sent && xds_core_keeps_stale(s, t) && k != xds_held_key(&ts->held)) {
        n_stale = xds_core_sotw_stale(ts, t, v, &res, n, &stale);
        n += n_stale;
        if (n_stale)
            k = xds_core_set_key(res, n);
    }
    if (t == XDS_CLUSTER)
        xds_core_set_hold(s, n_stale > 0);
    free(ts->stale);
    ts->stale = stale;
    ts->n_stale = n_stale;
    char version[XDS_VERSION_MAX];
    xds_core_hex_version(version, k);
    /* P7: nothing changed for this stream. A5: a NACKed version is not sent
     * again, not even as the EDS reply after CDS; only a fresh request (force)
     * or a change brings a response */
    int changed = !ts->sent || k != xds_held_key(&ts->held);
    int nacked = ts->sent && strcmp(ts->nack_nonce, ts->sent_nonce) == 0 &&
                 strcmp(version, ts->sent_version) == 0;
    int send = ts->force || changed || (ts->after_cds && !nacked);
    ts->after_cds = 0;
    if (!send) {
        free(res);
        return 0;
    }
    /* every resource of the type, as the view has them (covered ones are
     * distinct): keep the view's list, not a copy; else copy */
    if (n_stale == 0 && n == xds_view_count(v, (enum xds_type)t)) {
        xds_held_share(&ts->held, xds_view_list(v, (enum xds_type)t));
        /* the names subscribed are those of the view's list: the same */
        if (!ts->wildcard && ts->names.n == n && ts->names.shared == NULL)
            xds_strset_share(&ts->names, xds_view_list(v, (enum xds_type)t));
    } else {
        xds_held_replace(&ts->held, res, n);
    }
    ts->held.key = k;
    ts->held.key_ok = 1;
    out->type = (enum xds_type)t;
    out->delta = 0;
    out->res = res;
    out->n_res = n;
    memcpy(out->version, version, sizeof(version));
    xds_core_mark_sent(s, ts, out, stamp);
    return 1;
}
