/* core_delta.c - the incremental (delta) protocol of one stream: requests
 * subscribe and unsubscribe names, a response carries what changed and what
 * was removed (docs/xds-protocol.md D). */
#include "core_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

/* Delta initial_resource_versions: what the client holds from an earlier
 * stream (D10). A version we cannot read never matches, so it is resent. */
static void delta_initial(struct type_state *ts, const struct xds_request *r)
{
    xds_held_clear(&ts->held);
    for (size_t i = 0; i < r->n_initial; i++) {
        char *end = NULL;
        const char *v = r->initial_versions[i];
        uint64_t h = strtoull(v, &end, 16);
        /* held, with a hash no resource has (as far as versions go): it is
         * resent if it exists and reported removed if it does not */
        if (strlen(v) != 16 || *end != '\0' || h == HELD_ABSENT)
            h = HELD_ABSENT + 1;
        xds_held_set(&ts->held, r->initial_names[i], h, 0);
    }
}

static int in_initial(const struct xds_request *r, const char *name)
{
    for (size_t i = 0; i < r->n_initial; i++)
        if (strcmp(r->initial_names[i], name) == 0)
            return 1;
    return 0;
}

static void delta_subscribe(struct type_state *ts, const struct xds_request *r, int first)
{
    /* D4: a first request with both lists empty is the legacy wildcard */
    if (first && r->n_subscribe == 0 && r->n_unsubscribe == 0)
        ts->wildcard = 1;
    for (size_t i = 0; i < r->n_subscribe; i++) {
        const char *name = r->subscribe[i];
        if (strcmp(name, "*") == 0) {
            ts->wildcard = 1;
            continue;
        }
        xds_strset_add(&ts->names, name);
        /* D5: a name subscribed again is resent, unless the client just told
         * us its version on reconnect (D10) */
        if (!in_initial(r, name))
            xds_held_del(&ts->held, name);
    }
    for (size_t i = 0; i < r->n_unsubscribe; i++) {
        const char *name = r->unsubscribe[i];
        if (strcmp(name, "*") == 0) {
            if (ts->wildcard) {
                ts->wildcard = 0;
                /* the client drops what only the wildcard covered */
                for (size_t j = ts->held.n; j-- > 0;)
                    if (xds_strset_find(&ts->names, ts->held.v[j].name) < 0)
                        xds_held_del_at(&ts->held, j);
            }
            continue;
        }
        if (!xds_strset_del(&ts->names, name))
            continue; /* D6: never subscribed, nothing to do */
        xds_held_del(&ts->held, name);
        /* D7: still covered by the wildcard: re-state it (resource or removed) */
        if (ts->wildcard)
            xds_strset_add(&ts->report_removed, name);
    }
}

/* Returns 0 for a plain ACK (nothing subscribed, unsubscribed or
 * rejected), else 1. */
int xds_core_delta_request(struct xds_core *s, int t, const struct xds_request *r, int64_t now_wall,
                           struct xds_req_result *res)
{
    struct type_state *ts = &s->t[t];
    int first = !ts->requested;
    if (r->nonce[0] != '\0' && !first) {
        if (strcmp(r->nonce, ts->sent_nonce) != 0) {
            res->flags |= XDS_REQ_STALE; /* D3: subscriptions still apply below */
        } else if (r->has_error) {
            res->flags |= XDS_REQ_NACK;
            xds_core_record_nack(ts, r, now_wall);
            /* what that response carried is held but rejected (A5) */
            for (size_t i = 0; i < ts->held.n; i++)
                if (ts->held.v[i].sent_seq == ts->sent_seq && !ABSENT(ts->held.v[i]))
                    ts->held.v[i].nacked = 1;
        } else {
            res->flags |= XDS_REQ_ACK;
            memcpy(ts->acked_version, ts->sent_version, sizeof(ts->acked_version));
            snprintf(ts->acked_nonce, sizeof(ts->acked_nonce), "%s", r->nonce);
            ts->last_was_nack = 0;
            res->acked_stamp = ts->sent_stamp;
        }
    }
    if (first && r->n_initial > 0)
        delta_initial(ts, r);
    delta_subscribe(ts, r, first);
    ts->requested = 1;
    ts->dirty = 1;
    if (first)
        ts->force = 1;
    return first || r->has_error || r->n_subscribe || r->n_unsubscribe || r->n_initial;
}

static int interested(const struct type_state *ts, const char *name)
{
    return ts->wildcard || xds_strset_find(&ts->names, name) >= 0;
}

/* Delta removed_resources: what the client holds that is gone (D9, D10), named
 * subscriptions that do not exist and were not reported yet (D8), and names
 * unsubscribed under a wildcard that do not exist (D7). */
/* With keep (O1), what the client holds is not removed yet: returns how
 * many names were held back so. */
static size_t delta_removed(struct type_state *ts, int t, const struct xds_view *v, int keep,
                            struct strset *removed)
{
    size_t kept = 0;
    for (size_t i = 0; i < ts->held.n; i++) {
        if (ABSENT(ts->held.v[i]) || xds_view_find(v, (enum xds_type)t, ts->held.v[i].name))
            continue;
        if (keep)
            kept++;
        else
            xds_strset_add(removed, ts->held.v[i].name);
    }
    for (size_t i = 0; i < ts->names.n; i++) {
        const char *name = xds_strset_name(&ts->names, i);
        long h = xds_held_find(&ts->held, name);
        if (h >= 0 && !ABSENT(ts->held.v[h]) && keep)
            continue;
        if ((h < 0 || !ABSENT(ts->held.v[h])) && !xds_view_find(v, (enum xds_type)t, name))
            xds_strset_add(removed, name);
    }
    for (size_t i = 0; i < ts->report_removed.n; i++)
        if (!xds_view_find(v, (enum xds_type)t, ts->report_removed.v[i]))
            xds_strset_add(removed, ts->report_removed.v[i]);
    return kept;
}

int xds_core_delta_next(struct xds_core *s, int t, const struct xds_view *v, int64_t stamp,
                        struct xds_out *out)
{
    struct type_state *ts = &s->t[t];
    const struct xds_resource **res;
    size_t n = xds_core_covered(ts, t, v, &res), m = 0;
    for (size_t i = 0; i < n; i++) {
        long h = xds_held_find(&ts->held, res[i]->name);
        const struct held *e = h < 0 ? NULL : &ts->held.v[h];
        if (e == NULL || ABSENT(*e) || e->hash != res[i]->hash || (e->resend && !e->nacked))
            res[m++] = res[i];
    }
    struct strset removed = {0};
    size_t kept = delta_removed(ts, t, v, xds_core_keeps_stale(s, t), &removed);
    if (t == XDS_CLUSTER)
        xds_core_set_hold(s, kept > 0);
    xds_strset_clear(&ts->report_removed);
    if (m == 0 && removed.n == 0 && !ts->force) {
        free(res);
        return 0;
    }
    /* the client is taken to hold what we send: after a NACK nothing is resent
     * until the resource changes (A5) */
    uint32_t seq = (uint32_t)(s->seq + 1); /* the nonce xds_core_mark_sent() gives this response */
    for (size_t i = 0; i < m; i++) {
        xds_held_set(&ts->held, res[i]->name, res[i]->hash, 0);
        ts->held.v[xds_held_find(&ts->held, res[i]->name)].sent_seq = seq;
    }
    for (size_t i = 0; i < removed.n; i++) {
        if (interested(ts, removed.v[i]))
            xds_held_set(&ts->held, removed.v[i], 0, 1);
        else
            xds_held_del(&ts->held, removed.v[i]);
    }
    out->type = (enum xds_type)t;
    out->delta = 1;
    out->res = res;
    out->n_res = m;
    out->removed = removed.v;
    out->n_removed = removed.n;
    xds_core_hex_version(out->version, xds_held_key(&ts->held));
    xds_core_mark_sent(s, ts, out, stamp);
    return 1;
}
