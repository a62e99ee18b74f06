/* core.c - the xDS protocol of one stream: subscriptions, ACK/NACK, what to
 * send. This file takes a request to its protocol and chooses the type to
 * send next; the protocols are in core_sotw.c and core_delta.c, make before
 * break (O1) in core_hold.c, what they share in core_state.c. */
#include "core_int.h"

#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "xdsd/util.h"

/* ---- lifecycle -------------------------------------------------------------------- */

/* A stream keeps its sets for its whole life: no slack after a change. */
static void type_fit(struct type_state *ts)
{
    xds_strset_fit(&ts->names);
    xds_held_fit(&ts->held);
    xds_strset_fit(&ts->report_removed);
}

struct xds_core *xds_core_new(int delta, uint64_t stream_id)
{
    struct xds_core *s = xcalloc(1, sizeof(*s));
    s->delta = delta;
    s->stream_id = stream_id;
    return s;
}

void xds_core_free(struct xds_core *s)
{
    if (s == NULL)
        return;
    for (int t = 0; t < XDS_NTYPES; t++) {
        xds_strset_clear(&s->t[t].names);
        xds_strset_clear(&s->t[t].report_removed);
        xds_held_clear(&s->t[t].held);
        free(s->t[t].stale);
        free(s->t[t].nack_message);
    }
    free(s);
}

/* ---- requests --------------------------------------------------------------------- */

int xds_core_request(struct xds_core *s, const struct xds_request *r, int64_t now_wall,
                     struct xds_req_result *res, char **err)
{
    memset(res, 0, sizeof(*res));
    res->type = -1;
    res->acked_stamp = -1;
    if (r->type_url == NULL || r->type_url[0] == '\0') {
        /* P3: on ADS the type cannot be inferred */
        *err = xstrdup("type_url is required on an aggregated stream");
        return -1;
    }
    int t = xds_type_from_url(r->type_url);
    if (t < 0) {
        res->flags |= XDS_REQ_UNKNOWN_TYPE;
        return 0;
    }
    res->type = t;
    int changed = s->delta ? xds_core_delta_request(s, t, r, now_wall, res)
                           : xds_core_sotw_request(s, t, r, now_wall, res);
    type_fit(&s->t[t]);
    /* the subscription or what the client holds changed: examine the type
     * again at the next view. A plain ACK changes neither, and keeping
     * seen_ok spares every stream a full look at its (unchanged) types on
     * the first push after it connected */
    if (changed)
        s->t[t].seen_ok = 0;
    return 0;
}

void xds_core_view_changed(struct xds_core *s)
{
    for (int t = 0; t < XDS_NTYPES; t++)
        if (s->t[t].requested)
            s->t[t].dirty = 1;
}

int xds_core_pending(const struct xds_core *s)
{
    for (int t = 0; t < XDS_NTYPES; t++)
        if (s->t[t].dirty)
            return 1;
    return 0;
}

/* ---- responses -------------------------------------------------------------------- */

static int next_type(struct xds_core *s, const struct xds_view *v, int64_t stamp,
                     struct xds_out *out)
{
    /* enum order is push order: CDS, EDS, LDS, RDS (O1) */
    for (int t = 0; t < XDS_NTYPES; t++) {
        struct type_state *ts = &s->t[t];
        if (!ts->dirty)
            continue;
        ts->dirty = 0;
        if (!ts->requested)
            continue;
        if (xds_core_cds_warming(s, t)) {
            ts->dirty = 1; /* examined again once CDS is answered */
            continue;
        }
        /* Nothing of this stream's state changed since it was last examined
         * (a request or a CDS push would have cleared seen_ok) and the view
         * holds the same resources of this type: the answer is still that
         * nothing is due. Most of a push is this case, for every stream. */
        uint64_t vk = strtoull(xds_view_version(v, (enum xds_type)t), NULL, 16);
        if (ts->seen_ok && ts->seen_key == vk && !ts->force && !ts->after_cds) {
            ts->seen_view = v; /* the same resources: what was held from the old one is in v */
            continue;
        }
        int sent = s->delta ? xds_core_delta_next(s, t, v, stamp, out)
                            : xds_core_sotw_next(s, t, v, stamp, out);
        /* after a send, examining again at the same view finds nothing due */
        ts->seen_key = vk;
        ts->seen_ok = 1;
        ts->seen_view = v;
        if (sent) {
            type_fit(ts);
            if (out->type != XDS_ENDPOINT) /* the EDS reply after CDS changed its held set */
                type_fit(&s->t[XDS_ENDPOINT]);
            return 1;
        }
    }
    return 0;
}

int xds_core_next(struct xds_core *s, const struct xds_view *v, int64_t stamp, struct xds_out *out)
{
    memset(out, 0, sizeof(*out));
    if (v == NULL)
        return 0;
    if (next_type(s, v, stamp, out))
        return 1;
    if (!s->hold || !xds_core_hold_done(s))
        return 0;
    /* O1: nothing uses the removed clusters any more: a CDS (and EDS)
     * without them. Held only once: release keeps CDS from holding again */
    s->hold = 0;
    s->release = 1;
    for (int t = XDS_CLUSTER; t <= XDS_ENDPOINT; t++)
        if (s->t[t].requested) {
            s->t[t].dirty = 1;
            s->t[t].seen_ok = 0;
        }
    int sent = next_type(s, v, stamp, out);
    s->release = 0;
    return sent;
}

void xds_out_release(struct xds_out *out)
{
    free(out->res);
    xds_intern_put_many((const char *const *)out->removed, out->n_removed);
    free(out->removed);
    memset(out, 0, sizeof(*out));
}

/* ---- status ----------------------------------------------------------------------- */

/* The report shares the interned names: a reference each, no copy. */
static char **ref_names(char *const *v, size_t n)
{
    char **out = xmalloc((n ? n : 1) * sizeof(*out));
    if (n)
        memcpy(out, v, n * sizeof(*out));
    xds_intern_ref_many((const char *const *)out, n);
    return out;
}

void xds_core_type_state(const struct xds_core *s, enum xds_type t, struct xds_type_status *st)
{
    const struct type_state *ts = &s->t[t];
    memset(st, 0, sizeof(*st));
    st->requested = ts->requested;
    st->wildcard = ts->wildcard;
    memcpy(st->sent_version, ts->sent_version, sizeof(st->sent_version));
    memcpy(st->acked_version, ts->acked_version, sizeof(st->acked_version));
    memcpy(st->sent_nonce, ts->sent_nonce, sizeof(st->sent_nonce));
    memcpy(st->acked_nonce, ts->acked_nonce, sizeof(st->acked_nonce));
    st->sync = xds_core_sync(s, t);
    st->nack_message = ts->nack_message ? xstrdup(ts->nack_message) : NULL;
    memcpy(st->nack_nonce, ts->nack_nonce, sizeof(st->nack_nonce));
    st->nack_time_ms = ts->nack_time_ms;
}

void xds_core_type_status(const struct xds_core *s, enum xds_type t, struct xds_type_status *st)
{
    const struct type_state *ts = &s->t[t];
    xds_core_type_state(s, t, st);
    if (ts->names.shared) {
        /* a view's list: its names are not interned, so the report interns them */
        st->names = xmalloc((ts->names.n ? ts->names.n : 1) * sizeof(char *));
        for (size_t i = 0; i < ts->names.n; i++)
            st->names[i] = (char *)xds_intern(xds_strset_name(&ts->names, i));
    } else {
        st->names = ref_names(ts->names.v, ts->names.n);
    }
    st->n_names = ts->names.n;
    st->sent_names = xmalloc((ts->held.n ? ts->held.n : 1) * sizeof(char *));
    if (ts->held.shared) {
        /* a view's list: its names are not interned, so the report interns them */
        for (size_t i = 0; i < ts->held.n; i++)
            st->sent_names[st->n_sent_names++] = (char *)xds_intern(xds_held_name(&ts->held, i));
        return;
    }
    for (size_t i = 0; i < ts->held.n; i++)
        if (!ABSENT(ts->held.v[i]))
            st->sent_names[st->n_sent_names++] = (char *)ts->held.v[i].name;
    xds_intern_ref_many((const char *const *)st->sent_names, st->n_sent_names);
}

void xds_type_status_release(struct xds_type_status *st)
{
    xds_intern_put_many((const char *const *)st->names, st->n_names);
    free(st->names);
    xds_intern_put_many((const char *const *)st->sent_names, st->n_sent_names);
    free(st->sent_names);
    free(st->nack_message);
    memset(st, 0, sizeof(*st));
}
