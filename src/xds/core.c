/* core.c - the xDS protocol of one stream: subscriptions, ACK/NACK, what to send. */
#include "core.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "xdsd/util.h"

/* A sorted set of names, interned (intern.h): shared between streams and
 * never written through v. */
struct strset {
    char **v;
    size_t n, cap;
};

/* What the client holds of one resource, as far as we know: the hash of the
 * bytes we sent, or HELD_ABSENT when we told it the resource does not exist.
 * The name is interned. 24 bytes, as each stream keeps one per resource it
 * was sent: a resource whose bytes hash to HELD_ABSENT would pass for absent,
 * which is as likely as two contents sharing a version, and versions already
 * take that to never happen. */
struct held {
    const char *name;
    uint64_t hash;
    uint32_t sent_seq; /* delta: the response that last carried it */
    uint8_t nacked;    /* delta: that response was NACKed */
    uint8_t resend;    /* delta: send again though unchanged (after a CDS push) */
};

#define HELD_ABSENT 0
#define ABSENT(e) ((e).hash == HELD_ABSENT)

struct held_list {
    struct held *v;
    size_t n, cap;
    /* held_key() of the list, kept because each push compares it with the
     * view of every stream: valid while key_ok */
    uint64_t key;
    int key_ok;
};

struct type_state {
    unsigned requested : 1; /* a request for this type arrived */
    unsigned wildcard : 1;
    unsigned named_ever : 1;      /* SotW: some request named resources (legacy wildcard off) */
    unsigned dirty : 1;           /* re-examine before the next send */
    unsigned force : 1;           /* send even if nothing changed */
    unsigned sent : 1;            /* a response went out */
    unsigned after_cds : 1;       /* EDS: reply once after a CDS push (O3) */
    unsigned seen_ok : 1;         /* seen_key is valid: see xds_core_next */
    uint64_t seen_key;            /* the view's key of this type when last examined */
    const struct xds_view *seen_view; /* SotW: that view (the shell keeps it while we use it) */
    /* SotW CDS and EDS during an O1 hold: what the client holds and the view
     * lost, kept in the responses; they point into views the shell keeps */
    const struct xds_resource **stale;
    size_t n_stale;
    struct strset names;          /* explicit subscription, without "*" */
    struct held_list held;        /* SotW: the last response; delta: what the client holds */
    struct strset report_removed; /* delta: unsubscribed under a wildcard, to re-state */
    char sent_version[XDS_VERSION_MAX], acked_version[XDS_VERSION_MAX];
    char sent_nonce[XDS_NONCE_MAX], acked_nonce[XDS_NONCE_MAX];
    char nack_nonce[XDS_NONCE_MAX];
    int last_was_nack; /* a client answering one response twice: the later answer counts */
    char *nack_message;
    int64_t nack_time_ms;
    int64_t sent_stamp;
    uint32_t sent_seq; /* of the last response, to find what a delta NACK rejected */
};

struct xds_core {
    int delta;
    unsigned hold : 1;    /* O1: clusters removed by a push are still held for the client */
    unsigned release : 1; /* O1: listeners and routes moved on: remove them now */
    uint64_t stream_id, seq;
    struct type_state t[XDS_NTYPES];
};

/* ---- small sorted containers ---------------------------------------------------- */

/* Index of name in the set, or -(insertion point) - 1. */
static long strset_find(const struct strset *s, const char *name)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->v[mid], name);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(long)lo - 1;
}

/* Returns 1 when name was added, 0 when it was there already. */
static int strset_add(struct strset *s, const char *name)
{
    long i = strset_find(s, name);
    if (i >= 0)
        return 0;
    size_t at = (size_t)(-i - 1);
    xgrow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v));
    memmove(&s->v[at + 1], &s->v[at], (s->n - at) * sizeof(*s->v));
    s->v[at] = (char *)xds_intern(name);
    s->n++;
    return 1;
}

static int strset_del(struct strset *s, const char *name)
{
    long i = strset_find(s, name);
    if (i < 0)
        return 0;
    xds_intern_put(s->v[i]);
    memmove(&s->v[i], &s->v[i + 1], (s->n - (size_t)i - 1) * sizeof(*s->v));
    s->n--;
    return 1;
}

/* Give back the slack of an array grown by doubling: a stream keeps its sets
 * for its whole life, and there are thousands of streams. */
static void fit(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (*cap <= n + n / 16)
        return;
    if (n == 0) {
        free(*arr);
        *arr = NULL;
    } else {
        *arr = xrealloc(*arr, n * elem);
    }
    *cap = n;
}

static void strset_clear(struct strset *s)
{
    xds_intern_put_many((const char *const *)s->v, s->n);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static long held_find(const struct held_list *h, const char *name)
{
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(h->v[mid].name, name);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(long)lo - 1;
}

static void held_set(struct held_list *h, const char *name, uint64_t hash, int absent)
{
    long i = held_find(h, name);
    if (i < 0) {
        size_t at = (size_t)(-i - 1);
        xgrow((void **)&h->v, &h->cap, h->n + 1, sizeof(*h->v));
        memmove(&h->v[at + 1], &h->v[at], (h->n - at) * sizeof(*h->v));
        h->v[at].name = xds_intern(name);
        h->n++;
        i = (long)at;
    }
    h->v[i].hash = absent ? HELD_ABSENT : hash;
    h->v[i].sent_seq = 0;
    h->v[i].nacked = 0;
    h->v[i].resend = 0;
    h->key_ok = 0;
}

static void held_del_at(struct held_list *h, size_t i)
{
    xds_intern_put(h->v[i].name);
    memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof(*h->v));
    h->n--;
    h->key_ok = 0;
}

static void held_del(struct held_list *h, const char *name)
{
    long i = held_find(h, name);
    if (i >= 0)
        held_del_at(h, (size_t)i);
}

static void held_clear(struct held_list *h)
{
    for (size_t i = 0; i < h->n; i++)
        xds_intern_put(h->v[i].name);
    free(h->v);
    memset(h, 0, sizeof(*h));
}

/* Make h exactly res[0..n) (in name order, distinct): one allocation of the
 * right size, as a stream keeps it until the next push. New references are
 * taken before the old ones are dropped, so unchanged names stay shared. */
static void held_replace(struct held_list *h, const struct xds_resource *const *res, size_t n)
{
    struct held *v = n ? xmalloc(n * sizeof(*v)) : NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = (struct held){.name = xds_intern(res[i]->name), .hash = res[i]->hash};
    held_clear(h);
    h->v = v;
    h->n = h->cap = n;
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

/* ---- versions ------------------------------------------------------------------- */

static uint64_t key_add(uint64_t k, const char *name, uint64_t hash)
{
    /* the same chaining as xds_view_finish, so a full set's key is the view's version */
    k = hash_bytes(k, name, strlen(name) + 1);
    return hash_bytes(k, &hash, sizeof(hash));
}

uint64_t xds_core_set_key(const struct xds_resource *const *res, size_t n)
{
    uint64_t k = HASH_SEED;
    for (size_t i = 0; i < n; i++)
        k = key_add(k, res[i]->name, res[i]->hash);
    return k;
}

/* The key of what the client holds (present resources only). */
static uint64_t held_key(struct held_list *h)
{
    if (h->key_ok)
        return h->key;
    uint64_t k = HASH_SEED;
    for (size_t i = 0; i < h->n; i++)
        if (!ABSENT(h->v[i]))
            k = key_add(k, h->v[i].name, h->v[i].hash);
    h->key = k;
    h->key_ok = 1;
    return k;
}

static void hex_version(char out[XDS_VERSION_MAX], uint64_t k)
{
    snprintf(out, XDS_VERSION_MAX, "%016" PRIx64, k);
}

static void type_fit(struct type_state *ts)
{
    fit((void **)&ts->names.v, &ts->names.cap, ts->names.n, sizeof(*ts->names.v));
    fit((void **)&ts->held.v, &ts->held.cap, ts->held.n, sizeof(*ts->held.v));
    fit((void **)&ts->report_removed.v, &ts->report_removed.cap, ts->report_removed.n,
        sizeof(*ts->report_removed.v));
}

/* ---- lifecycle -------------------------------------------------------------------- */

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
        strset_clear(&s->t[t].names);
        strset_clear(&s->t[t].report_removed);
        held_clear(&s->t[t].held);
        free(s->t[t].stale);
        free(s->t[t].nack_message);
    }
    free(s);
}

static int full_state(int t)
{
    return t == XDS_CLUSTER || t == XDS_LISTENER;
}

/* ---- requests --------------------------------------------------------------------- */

static void record_nack(struct type_state *ts, const struct xds_request *r, int64_t now_wall)
{
    free(ts->nack_message);
    ts->nack_message = xstrdup(r->error_message ? r->error_message : "");
    snprintf(ts->nack_nonce, sizeof(ts->nack_nonce), "%s", r->nonce);
    ts->last_was_nack = 1;
    ts->nack_time_ms = now_wall;
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
            strset_add(&now, r->names[i]);
    }
    int wildcard = star;
    if (r->n_names == 0 && full_state(t) && !ts->named_ever)
        wildcard = 1;
    if (r->n_names > 0)
        ts->named_ever = 1;
    if (wildcard && !ts->wildcard)
        grew = 1;
    for (size_t i = 0; i < now.n && !grew; i++)
        grew = strset_find(&ts->names, now.v[i]) < 0;
    /* sets of distinct names: equal sizes and nothing new means equal */
    *same = !grew && (unsigned)wildcard == ts->wildcard && now.n == ts->names.n;
    ts->wildcard = (unsigned)wildcard;
    strset_clear(&ts->names);
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
        if (strset_find(&ts->names, ts->held.v[i].name) < 0)
            held_del_at(&ts->held, i);
}

/* Returns 0 when the request changed nothing an answer depends on (a plain
 * ACK of the same subscription), else 1. */
static int sotw_request(struct xds_core *s, int t, const struct xds_request *r, int64_t now_wall,
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
        record_nack(ts, r, now_wall);
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

/* Delta initial_resource_versions: what the client holds from an earlier
 * stream (D10). A version we cannot read never matches, so it is resent. */
static void delta_initial(struct type_state *ts, const struct xds_request *r)
{
    held_clear(&ts->held);
    for (size_t i = 0; i < r->n_initial; i++) {
        char *end = NULL;
        const char *v = r->initial_versions[i];
        uint64_t h = strtoull(v, &end, 16);
        /* held, with a hash no resource has (as far as versions go): it is
         * resent if it exists and reported removed if it does not */
        if (strlen(v) != 16 || *end != '\0' || h == HELD_ABSENT)
            h = HELD_ABSENT + 1;
        held_set(&ts->held, r->initial_names[i], h, 0);
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
        strset_add(&ts->names, name);
        /* D5: a name subscribed again is resent, unless the client just told
         * us its version on reconnect (D10) */
        if (!in_initial(r, name))
            held_del(&ts->held, name);
    }
    for (size_t i = 0; i < r->n_unsubscribe; i++) {
        const char *name = r->unsubscribe[i];
        if (strcmp(name, "*") == 0) {
            if (ts->wildcard) {
                ts->wildcard = 0;
                /* the client drops what only the wildcard covered */
                for (size_t j = ts->held.n; j-- > 0;)
                    if (strset_find(&ts->names, ts->held.v[j].name) < 0)
                        held_del_at(&ts->held, j);
            }
            continue;
        }
        if (!strset_del(&ts->names, name))
            continue; /* D6: never subscribed, nothing to do */
        held_del(&ts->held, name);
        /* D7: still covered by the wildcard: re-state it (resource or removed) */
        if (ts->wildcard)
            strset_add(&ts->report_removed, name);
    }
}

/* Returns 0 for a plain ACK (nothing subscribed, unsubscribed or
 * rejected), else 1. */
static int delta_request(struct xds_core *s, int t, const struct xds_request *r, int64_t now_wall,
                         struct xds_req_result *res)
{
    struct type_state *ts = &s->t[t];
    int first = !ts->requested;
    if (r->nonce[0] != '\0' && !first) {
        if (strcmp(r->nonce, ts->sent_nonce) != 0) {
            res->flags |= XDS_REQ_STALE; /* D3: subscriptions still apply below */
        } else if (r->has_error) {
            res->flags |= XDS_REQ_NACK;
            record_nack(ts, r, now_wall);
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
    int changed = s->delta ? delta_request(s, t, r, now_wall, res)
                           : sotw_request(s, t, r, now_wall, res);
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

/* The resources of type t the subscription covers, in name order: all of
 * them under a wildcard, else the named ones that exist (S4: the others are
 * remembered and appear when they do). No name appears twice (P9). */
static size_t covered(const struct type_state *ts, int t, const struct xds_view *v,
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
        const struct xds_resource *r = xds_view_find(v, (enum xds_type)t, ts->names.v[i]);
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

static void mark_sent(struct xds_core *s, struct type_state *ts, struct xds_out *out, int64_t stamp)
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
        long h = held_find(&eds->held, out->res[i]->name);
        if (h >= 0 && !ABSENT(eds->held.v[h]))
            eds->held.v[h].resend = 1;
    }
}

/* O1: CDS decides whether removed clusters are still held. A hold that ends
 * here, not through the release in xds_core_next() (say, the client stopped
 * asking for the clusters), leaves endpoints EDS kept for it: EDS must be
 * examined again so that they are removed too. */
static void set_hold(struct xds_core *s, int on)
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
static int keeps_stale(const struct xds_core *s, int t)
{
    if (t == XDS_CLUSTER)
        return !s->release && (s->t[XDS_LISTENER].requested || s->t[XDS_ROUTE].requested);
    return t == XDS_ENDPOINT && s->hold;
}

/* The bytes of a resource the client holds: from the last hold, else from
 * the view this type was last examined at, which held was taken from. */
static const struct xds_resource *held_bytes(const struct type_state *ts, int t,
                                             const struct held *e)
{
    for (size_t i = 0; i < ts->n_stale; i++)
        if (ts->stale[i]->hash == e->hash && strcmp(ts->stale[i]->name, e->name) == 0)
            return ts->stale[i];
    const struct xds_resource *r =
        ts->seen_view ? xds_view_find(ts->seen_view, (enum xds_type)t, e->name) : NULL;
    return r && r->hash == e->hash ? r : NULL;
}

/* SotW, O1: what the client holds, still subscribes to and v lacks, in name
 * order, merged into *res; returns how many (0: *res untouched). */
static size_t sotw_stale(const struct type_state *ts, int t, const struct xds_view *v,
                         const struct xds_resource ***res, size_t n,
                         const struct xds_resource ***stale)
{
    size_t m = 0;
    *stale = NULL;
    for (size_t i = 0; i < ts->held.n; i++) {
        const struct held *e = &ts->held.v[i];
        if (ABSENT(*e) || xds_view_find(v, (enum xds_type)t, e->name))
            continue;
        if (!ts->wildcard && strset_find(&ts->names, e->name) < 0)
            continue;
        const struct xds_resource *r = held_bytes(ts, t, e);
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

static int sotw_next(struct xds_core *s, int t, const struct xds_view *v, int64_t stamp,
                     struct xds_out *out)
{
    struct type_state *ts = &s->t[t];
    const struct xds_resource **res, **stale = NULL;
    size_t n = covered(ts, t, v, &res), n_stale = 0;
    uint64_t k = covered_key(ts, t, v, res, n);
    /* O1: only a change can have removed something (the fast path stops here) */
    if (ts->sent && keeps_stale(s, t) && k != held_key(&ts->held)) {
        n_stale = sotw_stale(ts, t, v, &res, n, &stale);
        n += n_stale;
        if (n_stale)
            k = xds_core_set_key(res, n);
    }
    if (t == XDS_CLUSTER)
        set_hold(s, n_stale > 0);
    free(ts->stale);
    ts->stale = stale;
    ts->n_stale = n_stale;
    char version[XDS_VERSION_MAX];
    hex_version(version, k);
    /* P7: nothing changed for this stream. A5: a NACKed version is not sent
     * again, not even as the EDS reply after CDS; only a fresh request (force)
     * or a change brings a response */
    int changed = !ts->sent || k != held_key(&ts->held);
    int nacked = ts->sent && strcmp(ts->nack_nonce, ts->sent_nonce) == 0 &&
                 strcmp(version, ts->sent_version) == 0;
    int send = ts->force || changed || (ts->after_cds && !nacked);
    ts->after_cds = 0;
    if (!send) {
        free(res);
        return 0;
    }
    held_replace(&ts->held, res, n);
    ts->held.key = k;
    ts->held.key_ok = 1;
    out->type = (enum xds_type)t;
    out->delta = 0;
    out->res = res;
    out->n_res = n;
    memcpy(out->version, version, sizeof(version));
    mark_sent(s, ts, out, stamp);
    return 1;
}

static int interested(const struct type_state *ts, const char *name)
{
    return ts->wildcard || strset_find(&ts->names, name) >= 0;
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
            strset_add(removed, ts->held.v[i].name);
    }
    for (size_t i = 0; i < ts->names.n; i++) {
        const char *name = ts->names.v[i];
        long h = held_find(&ts->held, name);
        if (h >= 0 && !ABSENT(ts->held.v[h]) && keep)
            continue;
        if ((h < 0 || !ABSENT(ts->held.v[h])) && !xds_view_find(v, (enum xds_type)t, name))
            strset_add(removed, name);
    }
    for (size_t i = 0; i < ts->report_removed.n; i++)
        if (!xds_view_find(v, (enum xds_type)t, ts->report_removed.v[i]))
            strset_add(removed, ts->report_removed.v[i]);
    return kept;
}

static int delta_next(struct xds_core *s, int t, const struct xds_view *v, int64_t stamp,
                      struct xds_out *out)
{
    struct type_state *ts = &s->t[t];
    const struct xds_resource **res;
    size_t n = covered(ts, t, v, &res), m = 0;
    for (size_t i = 0; i < n; i++) {
        long h = held_find(&ts->held, res[i]->name);
        const struct held *e = h < 0 ? NULL : &ts->held.v[h];
        if (e == NULL || ABSENT(*e) || e->hash != res[i]->hash || (e->resend && !e->nacked))
            res[m++] = res[i];
    }
    struct strset removed = {0};
    size_t kept = delta_removed(ts, t, v, keeps_stale(s, t), &removed);
    if (t == XDS_CLUSTER)
        set_hold(s, kept > 0);
    strset_clear(&ts->report_removed);
    if (m == 0 && removed.n == 0 && !ts->force) {
        free(res);
        return 0;
    }
    /* the client is taken to hold what we send: after a NACK nothing is resent
     * until the resource changes (A5) */
    uint32_t seq = (uint32_t)(s->seq + 1); /* the nonce mark_sent() gives this response */
    for (size_t i = 0; i < m; i++) {
        held_set(&ts->held, res[i]->name, res[i]->hash, 0);
        ts->held.v[held_find(&ts->held, res[i]->name)].sent_seq = seq;
    }
    for (size_t i = 0; i < removed.n; i++) {
        if (interested(ts, removed.v[i]))
            held_set(&ts->held, removed.v[i], 0, 1);
        else
            held_del(&ts->held, removed.v[i]);
    }
    out->type = (enum xds_type)t;
    out->delta = 1;
    out->res = res;
    out->n_res = m;
    out->removed = removed.v;
    out->n_removed = removed.n;
    hex_version(out->version, held_key(&ts->held));
    mark_sent(s, ts, out, stamp);
    return 1;
}

/* O1: Envoy answers a CDS response only once the clusters it added are warm
 * (cluster_manager_impl.cc, updateClusterCounts): listeners and routes wait
 * for that answer, else a route may name a cluster still warming (503,
 * no_cluster). EDS does not wait: warming needs it. */
static int cds_warming(const struct xds_core *s, int t)
{
    const struct type_state *c = &s->t[XDS_CLUSTER];
    if (t < XDS_LISTENER || !c->requested || !c->sent)
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
        if (s->t[t].dirty && s->t[t].requested && cds_warming(s, t))
            return 1;
    return 0;
}

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
        if (cds_warming(s, t)) {
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
        int sent = s->delta ? delta_next(s, t, v, stamp, out) : sotw_next(s, t, v, stamp, out);
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

/* O1: the listeners and routes of the stream are examined at the current
 * view (not dirty: next_type() looked at every type it may send) and their
 * last responses answered. */
static int hold_done(const struct xds_core *s)
{
    for (int t = XDS_LISTENER; t <= XDS_ROUTE; t++)
        if (s->t[t].requested && (s->t[t].dirty || xds_core_sync(s, (enum xds_type)t) == SYNC_STALE))
            return 0;
    return 1;
}

int xds_core_next(struct xds_core *s, const struct xds_view *v, int64_t stamp, struct xds_out *out)
{
    memset(out, 0, sizeof(*out));
    if (v == NULL)
        return 0;
    if (next_type(s, v, stamp, out))
        return 1;
    if (!s->hold || !hold_done(s))
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

void xds_out_release(struct xds_out *out)
{
    free(out->res);
    xds_intern_put_many((const char *const *)out->removed, out->n_removed);
    free(out->removed);
    memset(out, 0, sizeof(*out));
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

/* The report shares the interned names: a reference each, no copy. */
static char **ref_names(char *const *v, size_t n)
{
    char **out = xmalloc((n ? n : 1) * sizeof(*out));
    if (n)
        memcpy(out, v, n * sizeof(*out));
    xds_intern_ref_many((const char *const *)out, n);
    return out;
}

void xds_core_type_status(const struct xds_core *s, enum xds_type t, struct xds_type_status *st)
{
    const struct type_state *ts = &s->t[t];
    memset(st, 0, sizeof(*st));
    st->requested = ts->requested;
    st->wildcard = ts->wildcard;
    st->names = ref_names(ts->names.v, ts->names.n);
    st->n_names = ts->names.n;
    memcpy(st->sent_version, ts->sent_version, sizeof(st->sent_version));
    memcpy(st->acked_version, ts->acked_version, sizeof(st->acked_version));
    memcpy(st->sent_nonce, ts->sent_nonce, sizeof(st->sent_nonce));
    memcpy(st->acked_nonce, ts->acked_nonce, sizeof(st->acked_nonce));
    st->sync = xds_core_sync(s, t);
    st->nack_message = ts->nack_message ? xstrdup(ts->nack_message) : NULL;
    memcpy(st->nack_nonce, ts->nack_nonce, sizeof(st->nack_nonce));
    st->nack_time_ms = ts->nack_time_ms;
    st->sent_names = xmalloc((ts->held.n ? ts->held.n : 1) * sizeof(char *));
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
