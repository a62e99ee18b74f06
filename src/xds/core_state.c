/* core_state.c - what the two protocols of the core share (core_int.h): the
 * resources a subscription covers, a NACK recorded, a response marked sent,
 * version keys and the sync state of a type. */
#include "core_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

/* ---- versions ------------------------------------------------------------------- */

uint64_t xds_core_set_key(const struct xds_resource *const *res, size_t n)
{
    uint64_t k = HASH_SEED;
    for (size_t i = 0; i < n; i++)
        k = xds_key_add(k, res[i]->name, res[i]->hash);
    return k;
}

void xds_core_hex_version(char out[XDS_VERSION_MAX], uint64_t k)
{
    snprintf(out, XDS_VERSION_MAX, "%016" PRIx64, k);
}

/* ---- requests --------------------------------------------------------------------- */

void xds_core_record_nack(struct type_state *ts, const struct xds_request *r, int64_t now_wall)
{
    free(ts->nack_message);
    ts->nack_message = xstrdup(r->error_message ? r->error_message : "");
    snprintf(ts->nack_nonce, sizeof(ts->nack_nonce), "%s", r->nonce);
    ts->last_was_nack = 1;
    ts->nack_time_ms = now_wall;
}

/* ---- responses -------------------------------------------------------------------- */

/* The resources of type t the subscription covers, in name order: all of
 * them under a wildcard, else the named ones that exist (S4: the others are
 * remembered and appear when they do). No name appears twice (P9). */
size_t xds_core_covered(const struct type_state *ts, int t, const struct xds_view *v,
                        const struct xds_resource ***out)
{
    size_t n = 0;
    if (ts->wildcard) {
        size_t count = xds_view_count(v, (enum xds_type)t);
        const struct xds_resource *items = xds_view_items(v, (enum xds_type)t);
        *out = xcalloc(count ? count : 1, sizeof(**out));
        for (size_t i = 0; i < count; i++)
            (*out)[n++] = &items[i];
        return n;
    }
    *out = xcalloc(ts->names.n ? ts->names.n : 1, sizeof(**out));
    for (size_t i = 0; i < ts->names.n; i++) {
        const struct xds_resource *r =
            xds_view_find(v, (enum xds_type)t, xds_strset_name(&ts->names, i));
        if (r)
            (*out)[n++] = r;
    }
    return n;
}

static void next_nonce(struct xds_core *s, char out[XDS_NONCE_MAX])
{
    s->seq++;
    snprintf(out, XDS_NONCE_MAX, "%" PRIx64 "-%" PRIx64, s->stream_id, s->seq);
}

void xds_core_mark_sent(struct xds_core *s, struct type_state *ts, struct xds_out *out,
                        int64_t stamp)
{
    next_nonce(s, out->nonce);
    snprintf(ts->sent_nonce, sizeof(ts->sent_nonce), "%s", out->nonce);
    snprintf(ts->sent_version, sizeof(ts->sent_version), "%s", out->version);
    ts->sent = 1;
    ts->sent_stamp = stamp;
    ts->sent_seq = (uint32_t)s->seq;
    ts->force = 0;
    /* O3 (kuma#331): clusters leave warming only on an EDS reply, so every
     * CDS push is followed by one, even when the endpoints did not change */
    struct type_state *eds = &s->t[XDS_ENDPOINT];
    if (out->type != XDS_CLUSTER || !eds->requested)
        return;
    eds->dirty = 1;
    eds->seen_ok = 0;
    if (!out->delta) {
        eds->after_cds = 1;
        return;
    }
    /* delta: resend the endpoints of the clusters just sent (EDS names are
     * cluster names in what xdsd generates), but not endpoints the client
     * rejected, even if the NACK arrives after this push: as in SotW, a
     * NACKed version is not sent again (A5). The entry stays held, so that
     * it is reported removed if it is gone by the time EDS is sent. */
    for (size_t i = 0; i < out->n_res; i++) {
        long h = xds_held_find(&eds->held, out->res[i]->name);
        if (h >= 0 && !ABSENT(eds->held.v[h]))
            eds->held.v[h].resend = 1;
    }
}

/* ---- status ----------------------------------------------------------------------- */

enum xds_sync xds_core_sync(const struct xds_core *s, enum xds_type t)
{
    const struct type_state *ts = &s->t[t];
    if (!ts->sent)
        return SYNC_NOT_SENT;
    int acked = strcmp(ts->acked_nonce, ts->sent_nonce) == 0;
    int nacked = strcmp(ts->nack_nonce, ts->sent_nonce) == 0;
    if (nacked && (!acked || ts->last_was_nack))
        return SYNC_NACKED;
    /* O1: clusters (and endpoints) still to be removed are not in sync */
    if (!acked || (s->hold && (t == XDS_CLUSTER || t == XDS_ENDPOINT)))
        return SYNC_STALE;
    return SYNC_SYNCED;
}
