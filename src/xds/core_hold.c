/* core_hold.c - make before break (docs/xds-protocol.md O1): listeners and
 * routes wait until the client answered CDS, and clusters a push removed
 * (then their endpoints) are kept while listeners or routes may still use
 * them. */
#include "core_int.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

/* O1: CDS decides whether removed clusters are still held. A hold that ends
 * here, not through the release in xds_core_next() (say, the client stopped
 * asking for the clusters), leaves endpoints EDS kept for it: EDS must be
 * examined again so that they are removed too. */
void xds_core_set_hold(struct xds_core *s, int on)
{
    if (s->hold && !on && s->t[XDS_ENDPOINT].requested) {
        s->t[XDS_ENDPOINT].dirty = 1;
        s->t[XDS_ENDPOINT].seen_ok = 0;
    }
    s->hold = on;
}

/* O1: whether type t keeps, for now, what the client holds and the view
 * lost. A push that removes clusters holds them (and then their endpoints)
 * while the stream has listeners or routes that may still use them. */
int xds_core_keeps_stale(const struct xds_core *s, int t)
{
    if (t == XDS_CLUSTER)
        return !s->release && (s->t[XDS_LISTENER].requested || s->t[XDS_ROUTE].requested);
    return t == XDS_ENDPOINT && s->hold;
}

/* The bytes of a resource the client holds: from the last hold, else from
 * the view this type was last examined at, which held was taken from. */
static const struct xds_resource *held_bytes(const struct type_state *ts, int t, const char *name,
                                             uint64_t hash)
{
    for (size_t i = 0; i < ts->n_stale; i++)
        if (ts->stale[i]->hash == hash && strcmp(ts->stale[i]->name, name) == 0)
            return ts->stale[i];
    const struct xds_resource *r =
        ts->seen_view ? xds_view_find(ts->seen_view, (enum xds_type)t, name) : NULL;
    return r && r->hash == hash ? r : NULL;
}

/* SotW, O1: what the client holds, still subscribes to and v lacks, in name
 * order, merged into *res; returns how many (0: *res untouched). */
size_t xds_core_sotw_stale(const struct type_state *ts, int t, const struct xds_view *v,
                           const struct xds_resource ***res, size_t n,
                           const struct xds_resource ***stale)
{
    size_t m = 0;
    *stale = NULL;
    for (size_t i = 0; i < ts->held.n; i++) {
        const char *name = xds_held_name(&ts->held, i);
        uint64_t hash = xds_held_hash(&ts->held, i);
        if (hash == HELD_ABSENT || xds_view_find(v, (enum xds_type)t, name))
            continue;
        if (!ts->wildcard && xds_strset_find(&ts->names, name) < 0)
            continue;
        const struct xds_resource *r = held_bytes(ts, t, name, hash);
        if (r == NULL)
            continue; /* not found: cannot be kept, so it is removed now */
        if (m == 0)
            *stale = xmalloc(ts->held.n * sizeof(**stale));
        (*stale)[m++] = r;
    }
    if (m == 0)
        return 0;
    const struct xds_resource **all = xmalloc((n + m) * sizeof(*all));
    size_t i = 0, j = 0, k = 0;
    while (i < n || j < m)
        all[k++] = j == m || (i < n && strcmp((*res)[i]->name, (*stale)[j]->name) < 0)
                       ? (*res)[i++]
                       : (*stale)[j++];
    free(*res);
    *res = all;
    return m;
}

/* O1: Envoy answers a CDS response only once the clusters it added are warm
 * (cluster_manager_impl.cc, updateClusterCounts): listeners and routes wait
 * for that answer, else a route may name a cluster still warming (503,
 * no_cluster). EDS does not wait: warming needs it. */
int xds_core_cds_warming(const struct xds_core *s, int t)
{
    const struct type_state *c = &s->t[XDS_CLUSTER];
    if (t < XDS_LISTENER || t == XDS_SECRET || !c->requested || !c->sent)
        return 0;
    return strcmp(c->acked_nonce, c->sent_nonce) != 0 && strcmp(c->nack_nonce, c->sent_nonce) != 0;
}

int xds_core_holds_removal(const struct xds_core *s)
{
    return s->hold;
}

int xds_core_awaits_cds(const struct xds_core *s)
{
    for (int t = XDS_LISTENER; t < XDS_NTYPES; t++)
        if (s->t[t].dirty && s->t[t].requested && xds_core_cds_warming(s, t))
            return 1;
    return 0;
}

/* O1: the listeners and routes of the stream are examined at the current
 * view (not dirty: next_type() looked at every type it may send) and their
 * last responses answered. */
int xds_core_hold_done(const struct xds_core *s)
{
    for (int t = XDS_LISTENER; t <= XDS_ROUTE; t++)
        if (s->t[t].requested &&
            (s->t[t].dirty || xds_core_sync(s, (enum xds_type)t) == SYNC_STALE))
            return 0;
    return 1;
}

int xds_core_uses_old(const struct xds_core *s, const struct xds_view *v)
{
    if (s->delta)
        return 0;
    for (int t = XDS_CLUSTER; t <= XDS_ENDPOINT; t++) {
        const struct type_state *ts = &s->t[t];
        if (ts->n_stale || (ts->dirty && ts->seen_view && ts->seen_view != v))
            return 1;
    }
    return 0;
}
