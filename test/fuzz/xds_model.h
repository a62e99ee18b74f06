/* xds_model.h - fuzz_xds's model of one xDS stream, and the checks of the core
 * against it. The model keeps, per type, what the client subscribed to, which
 * nonce is current, what the client holds and what it rejected; each request
 * fed to the core (send_request) and each response it sends (step, drain) is
 * checked against the model:
 *
 *   - a response names no resource twice, and carries only resources of its type;
 *   - SotW LDS/CDS responses carry the full subscribed state;
 *   - nothing unsubscribed is sent (SotW non-wildcard, delta), no type not asked for;
 *   - a NACKed version (SotW) or resource version (delta) is never sent again to
 *     the stream unless the client asked anew (a new subscription, a request
 *     without a nonce) or something else was sent in between;
 *   - nonces are unique on the stream; ACK/NACK/stale are classified as the
 *     protocol says; the sync state follows;
 *   - once nothing is pending, what the client holds is what it subscribed to
 *     in the current view (delta: removals included);
 *   - each response packs to a message that decodes with the same content.
 *
 * Only fuzz_xds.c includes this: each test/fuzz/fuzz_*.c is a program of its
 * own, so its shared code lives in headers of static functions. */
#ifndef XDSD_FUZZ_XDS_MODEL_H
#define XDSD_FUZZ_XDS_MODEL_H

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/xds/core.h"
#include "../../src/xds/wire.h"
#include "xdsd/util.h"

static void finding(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void finding(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FINDING: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

/* FUZZ_XDS_TRACE=1 prints the program as it runs (to read a finding). */
static int trace;

struct model;
static void trace_request(const struct model *m, const struct xds_request *r);

/* ---- small containers: name -> value, unsorted, linear (sizes stay small) ----------- */

struct kv {
    char **k, **v;
    size_t n, cap;
};

static long kv_find(const struct kv *m, const char *k)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->k[i], k) == 0)
            return (long)i;
    return -1;
}

static const char *kv_get(const struct kv *m, const char *k)
{
    long i = kv_find(m, k);
    return i < 0 ? NULL : m->v[i];
}

static void kv_set(struct kv *m, const char *k, const char *v)
{
    long i = kv_find(m, k);
    if (i >= 0) {
        free(m->v[i]);
        m->v[i] = xstrdup(v ? v : "");
        return;
    }
    size_t cap = m->cap;
    xgrow((void **)&m->k, &cap, m->n + 1, sizeof(char *));
    xgrow((void **)&m->v, &m->cap, m->n + 1, sizeof(char *));
    m->k[m->n] = xstrdup(k);
    m->v[m->n++] = xstrdup(v ? v : "");
}

static void kv_del(struct kv *m, const char *k)
{
    long i = kv_find(m, k);
    if (i < 0)
        return;
    free(m->k[i]);
    free(m->v[i]);
    m->n--;
    m->k[i] = m->k[m->n];
    m->v[i] = m->v[m->n];
}

static void kv_clear(struct kv *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->k[i]);
        free(m->v[i]);
    }
    free(m->k);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

/* ---- the model of one stream -------------------------------------------------------- */

struct mtype {
    int requested;
    int wildcard;
    int named_ever;  /* SotW: a request named something (legacy wildcard off) */
    struct kv names; /* explicit subscription (values unused) */
    char last_nonce[XDS_NONCE_MAX];
    char last_version[XDS_VERSION_MAX];
    char acked_nonce[XDS_NONCE_MAX];      /* a later NACK of an ACKed response leaves it SYNCED */
    struct kv client;                     /* what the client holds: name -> version */
    struct kv last_resp;                  /* the last response: name -> version */
    char nacked_version[XDS_VERSION_MAX]; /* SotW */
    int asked_anew;   /* SotW: a request without nonce (P6) or for other names since
                       * the last send: its answer is due, NACK or not */
    struct kv nacked; /* delta: name -> rejected version */
    struct kv asked;  /* delta: subscribed again since last sent (D5: resend due) */
};

struct model {
    int delta;
    struct xds_core *core;
    const struct xds_view *view;
    struct mtype t[XDS_NTYPES];
    char **nonces; /* every nonce sent */
    size_t n_nonces, cap_nonces;
    int64_t stamp;
};

static int full_state(int t)
{
    return t == XDS_CLUSTER || t == XDS_LISTENER;
}

static int covers(const struct mtype *m, const char *name)
{
    return m->wildcard || kv_find(&m->names, name) >= 0;
}

static void model_free(struct model *m)
{
    for (int t = 0; t < XDS_NTYPES; t++) {
        kv_clear(&m->t[t].names);
        kv_clear(&m->t[t].client);
        kv_clear(&m->t[t].last_resp);
        kv_clear(&m->t[t].nacked);
        kv_clear(&m->t[t].asked);
    }
    for (size_t i = 0; i < m->n_nonces; i++)
        free(m->nonces[i]);
    free(m->nonces);
    xds_core_free(m->core);
}

/* ---- requests ----------------------------------------------------------------------- */

static void check_flags(const struct xds_req_result *res, int want, const char *what)
{
    int got = res->flags & (XDS_REQ_ACK | XDS_REQ_NACK | XDS_REQ_STALE);
    if (got != want)
        finding("%s: the core classified a request as %d, the model as %d", what, got, want);
}

static void check_sync(const struct model *m, int t, enum xds_sync want, const char *what)
{
    enum xds_sync got = xds_core_sync(m->core, (enum xds_type)t);
    if (got != want)
        finding("%s: %s sync state %s, expected %s", what, xds_type_short((enum xds_type)t),
                xds_sync_name(got), xds_sync_name(want));
}


/* What an ACK leaves: SYNCED, except CDS and EDS while clusters a push
 * removed are still kept for the routes that used them (O1) */
static enum xds_sync acked_state(const struct model *m, int t)
{
    if ((t == XDS_CLUSTER || t == XDS_ENDPOINT) && xds_core_holds_removal(m->core))
        return SYNC_STALE;
    return SYNC_SYNCED;
}
static void sotw_model(struct model *m, int t, const struct xds_request *r,
                       const struct xds_req_result *res)
{
    struct mtype *mt = &m->t[t];
    int initial = !mt->requested || r->nonce[0] == '\0';
    if (!initial && strcmp(r->nonce, mt->last_nonce) != 0) {
        check_flags(res, XDS_REQ_STALE, "SotW stale nonce");
        return; /* A3: ignored, subscription included */
    }
    int want = r->has_error ? XDS_REQ_NACK : initial ? 0 : XDS_REQ_ACK;
    check_flags(res, want, "SotW request");
    if (want == XDS_REQ_NACK && !initial) {
        /* an answer the client asked for before it NACKed stays due */
        if (!mt->asked_anew)
            snprintf(mt->nacked_version, sizeof(mt->nacked_version), "%s", mt->last_version);
        if (strcmp(mt->acked_nonce, r->nonce) != 0)
            check_sync(m, t, SYNC_NACKED, "NACK");
    } else if (want == XDS_REQ_ACK) {
        snprintf(mt->acked_nonce, sizeof(mt->acked_nonce), "%s", r->nonce);
        check_sync(m, t, acked_state(m, t), "ACK");
    }
    /* the new subscription */
    struct kv now = {0};
    int star = 0;
    for (size_t i = 0; i < r->n_names; i++) {
        if (strcmp(r->names[i], "*") == 0)
            star = 1;
        else
            kv_set(&now, r->names[i], "");
    }
    int wildcard = star || (r->n_names == 0 && full_state(t) && !mt->named_ever);
    if (r->n_names > 0)
        mt->named_ever = 1;
    int changed = wildcard != mt->wildcard || now.n != mt->names.n;
    for (size_t i = 0; i < now.n && !changed; i++)
        changed = kv_find(&mt->names, now.k[i]) < 0;
    kv_clear(&mt->names);
    mt->names = now;
    mt->wildcard = wildcard;
    mt->requested = 1;
    /* asking anew, or for something else, may bring back what was rejected */
    if (initial || changed)
        mt->nacked_version[0] = '\0';
    if (initial || changed)
        mt->asked_anew = 1;
    /* the client drops RDS/EDS resources it no longer asks for */
    if (!full_state(t))
        for (size_t i = mt->client.n; i-- > 0;)
            if (!covers(mt, mt->client.k[i]))
                kv_del(&mt->client, mt->client.k[i]);
}

/* The client forgets what it no longer subscribes to. */
static void delta_drop(struct mtype *mt, const char *name)
{
    char *copy = xstrdup(name); /* name may be the client map's own key */
    kv_del(&mt->client, copy);
    kv_del(&mt->nacked, copy);
    free(copy);
}

static void delta_model(struct model *m, int t, const struct xds_request *r,
                        const struct xds_req_result *res)
{
    struct mtype *mt = &m->t[t];
    int first = !mt->requested;
    int want = 0;
    if (r->nonce[0] != '\0' && !first)
        want = strcmp(r->nonce, mt->last_nonce) != 0 ? XDS_REQ_STALE
               : r->has_error                        ? XDS_REQ_NACK
                                                     : XDS_REQ_ACK;
    check_flags(res, want, "delta request");
    if (want == XDS_REQ_NACK) {
        /* a resend the client asked for before it NACKed stays due */
        for (size_t i = 0; i < mt->last_resp.n; i++) {
            /* ...and one the client dropped since is due again (D7) */
            const char *held = kv_get(&mt->client, mt->last_resp.k[i]);
            if (kv_find(&mt->asked, mt->last_resp.k[i]) < 0 && held &&
                strcmp(held, mt->last_resp.v[i]) == 0)
                kv_set(&mt->nacked, mt->last_resp.k[i], mt->last_resp.v[i]);
        }
        if (strcmp(mt->acked_nonce, r->nonce) != 0)
            check_sync(m, t, SYNC_NACKED, "delta NACK");
    } else if (want == XDS_REQ_ACK) {
        snprintf(mt->acked_nonce, sizeof(mt->acked_nonce), "%s", r->nonce);
        check_sync(m, t, acked_state(m, t), "delta ACK");
    }
    if (first) {
        kv_clear(&mt->nacked);
        for (size_t i = 0; i < r->n_initial; i++)
            kv_set(&mt->client, r->initial_names[i], r->initial_versions[i]);
        if (r->n_subscribe == 0 && r->n_unsubscribe == 0)
            mt->wildcard = 1; /* D4: legacy wildcard */
    }
    for (size_t i = 0; i < r->n_subscribe; i++) {
        const char *name = r->subscribe[i];
        if (strcmp(name, "*") == 0) {
            mt->wildcard = 1;
            continue;
        }
        kv_set(&mt->names, name, "");
        kv_del(&mt->nacked, name); /* D5: asked again, sent again */
        kv_set(&mt->asked, name, "");
    }
    for (size_t i = 0; i < r->n_unsubscribe; i++) {
        const char *name = r->unsubscribe[i];
        if (strcmp(name, "*") == 0) {
            if (!mt->wildcard)
                continue;
            mt->wildcard = 0;
            for (size_t k = mt->client.n; k-- > 0;)
                if (kv_find(&mt->names, mt->client.k[k]) < 0)
                    delta_drop(mt, mt->client.k[k]);
            continue;
        }
        if (kv_find(&mt->names, name) < 0)
            continue; /* D6 */
        kv_del(&mt->names, name);
        delta_drop(mt, name);
    }
    mt->requested = 1;
}

/* Feed one request to the core and the model. Returns -1 when the stream ends. */
static int send_request(struct model *m, const struct xds_request *r)
{
    if (trace)
        trace_request(m, r);
    struct xds_req_result res;
    char *err = NULL;
    int rc = xds_core_request(m->core, r, 1000, &res, &err);
    int empty = r->type_url == NULL || r->type_url[0] == '\0';
    if (rc != 0) {
        if (!empty || err == NULL)
            finding("request refused (%s) though it has type_url '%s'", err ? err : "no message",
                    r->type_url ? r->type_url : "(null)");
        free(err);
        return -1;
    }
    if (empty)
        finding("a request without type_url was accepted");
    int t = xds_type_from_url(r->type_url);
    if (t < 0) {
        if (!(res.flags & XDS_REQ_UNKNOWN_TYPE))
            finding("unknown type '%s' not reported", r->type_url);
        return 0;
    }
    if (res.type != t)
        finding("request of type %d reported as %d", t, res.type);
    if (m->delta)
        delta_model(m, t, r, &res);
    else
        sotw_model(m, t, r, &res);
    return 0;
}

/* ---- responses --------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void check_unique(const struct xds_out *o)
{
    size_t n = o->n_res + o->n_removed;
    const char **all = xcalloc(n ? n : 1, sizeof(*all));
    for (size_t i = 0; i < o->n_res; i++)
        all[i] = o->res[i]->name;
    for (size_t i = 0; i < o->n_removed; i++)
        all[o->n_res + i] = o->removed[i];
    qsort(all, n, sizeof(*all), cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(all[i - 1], all[i]) == 0)
            finding("%s response names '%s' twice", xds_type_short(o->type), all[i]);
    free(all);
}

static void check_nonce(struct model *m, const char *nonce)
{
    if (nonce[0] == '\0')
        finding("response without a nonce");
    for (size_t i = 0; i < m->n_nonces; i++)
        if (strcmp(m->nonces[i], nonce) == 0)
            finding("nonce '%s' sent twice on the stream", nonce);
    xgrow((void **)&m->nonces, &m->cap_nonces, m->n_nonces + 1, sizeof(char *));
    m->nonces[m->n_nonces++] = xstrdup(nonce);
}

/* The response decodes to what the core said it holds. */
static void check_wire(const struct xds_out *o)
{
    size_t len = 0;
    grpc_slice body = xds_wire_body(o, "fuzz");
    grpc_byte_buffer *bb = xds_wire_message(body, o->nonce, &len);
    grpc_slice_unref(body);
    grpc_byte_buffer_reader rd;
    if (!grpc_byte_buffer_reader_init(&rd, bb))
        finding("response buffer unreadable");
    grpc_slice s = grpc_byte_buffer_reader_readall(&rd);
    grpc_byte_buffer_reader_destroy(&rd);
    const uint8_t *p = GRPC_SLICE_START_PTR(s);
    size_t n = GRPC_SLICE_LENGTH(s), n_res = 0;
    const char *url = xds_type_url(o->type);
    if (n != len)
        finding("response is %zu bytes, said %zu", n, len);
    if (o->delta) {
        Envoy__Service__Discovery__V3__DeltaDiscoveryResponse *r =
            envoy__service__discovery__v3__delta_discovery_response__unpack(NULL, n, p);
        if (r == NULL || strcmp(r->nonce, o->nonce) != 0 || strcmp(r->type_url, url) != 0 ||
            r->n_removed_resources != o->n_removed)
            finding("delta response does not decode as built");
        n_res = r->n_resources;
        for (size_t i = 0; i < n_res && i < o->n_res; i++)
            if (strcmp(r->resources[i]->name, o->res[i]->name) != 0 ||
                r->resources[i]->resource == NULL ||
                strcmp(r->resources[i]->resource->type_url, url) != 0)
                finding("delta resource %zu decodes differently", i);
        envoy__service__discovery__v3__delta_discovery_response__free_unpacked(r, NULL);
    } else {
        Envoy__Service__Discovery__V3__DiscoveryResponse *r =
            envoy__service__discovery__v3__discovery_response__unpack(NULL, n, p);
        if (r == NULL || strcmp(r->nonce, o->nonce) != 0 || strcmp(r->type_url, url) != 0 ||
            strcmp(r->version_info, o->version) != 0)
            finding("response does not decode as built");
        n_res = r->n_resources;
        for (size_t i = 0; i < n_res; i++)
            if (strcmp(r->resources[i]->type_url, url) != 0)
                finding("a %s response carries a %s", url, r->resources[i]->type_url);
        envoy__service__discovery__v3__discovery_response__free_unpacked(r, NULL);
    }
    if (n_res != o->n_res)
        finding("response decodes to %zu resources, built with %zu", n_res, o->n_res);
    grpc_slice_unref(s);
    grpc_byte_buffer_destroy(bb);
}

/* Expected SotW full state: how many resources the subscription covers. */
static size_t sotw_expected(const struct mtype *mt, const struct xds_view *v, int t)
{
    if (mt->wildcard)
        return xds_view_count(v, (enum xds_type)t);
    size_t n = 0;
    for (size_t i = 0; i < mt->names.n; i++)
        n += xds_view_find(v, (enum xds_type)t, mt->names.k[i]) != NULL;
    return n;
}

static void sotw_response(struct model *m, const struct xds_out *o)
{
    int t = (int)o->type;
    struct mtype *mt = &m->t[t];
    for (size_t i = 0; i < o->n_res; i++)
        if (!covers(mt, o->res[i]->name))
            finding("SotW %s response carries '%s', which is not subscribed",
                    xds_type_short(o->type), o->res[i]->name);
    if (full_state(t)) {
        size_t want = sotw_expected(mt, m->view, t), kept = 0;
        /* O1: the clusters kept for routes not yet moved on are extra */
        for (size_t i = 0; i < o->n_res; i++)
            kept += xds_view_find(m->view, o->type, o->res[i]->name) == NULL;
        if (o->n_res - kept != want)
            finding("SotW %s response carries %zu resources, the full state is %zu",
                    xds_type_short(o->type), o->n_res, want);
        if (mt->wildcard && !kept && strcmp(o->version, xds_view_version(m->view, o->type)) != 0)
            finding("wildcard %s version %s is not the view's %s", xds_type_short(o->type),
                    o->version, xds_view_version(m->view, o->type));
    }
    if (mt->nacked_version[0] != '\0' && strcmp(o->version, mt->nacked_version) == 0)
        finding("SotW %s version %s re-sent after the client NACKed it", xds_type_short(o->type),
                o->version);
    mt->nacked_version[0] = '\0'; /* something was sent: the NACK is history */
    mt->asked_anew = 0;
    if (full_state(t))
        kv_clear(&mt->client);
    kv_clear(&mt->last_resp);
    for (size_t i = 0; i < o->n_res; i++) {
        kv_set(&mt->client, o->res[i]->name, o->res[i]->version);
        kv_set(&mt->last_resp, o->res[i]->name, o->res[i]->version);
    }
}

static void delta_response(struct model *m, const struct xds_out *o)
{
    struct mtype *mt = &m->t[o->type];
    kv_clear(&mt->last_resp);
    for (size_t i = 0; i < o->n_res; i++) {
        const struct xds_resource *r = o->res[i];
        if (!covers(mt, r->name))
            finding("delta %s response carries '%s', which is not subscribed",
                    xds_type_short(o->type), r->name);
        const char *nacked = kv_get(&mt->nacked, r->name);
        if (nacked && strcmp(nacked, r->version) == 0)
            finding("delta %s '%s' version %s re-sent after the client NACKed it",
                    xds_type_short(o->type), r->name, r->version);
        kv_del(&mt->nacked, r->name);
        kv_del(&mt->asked, r->name);
        kv_set(&mt->client, r->name, r->version);
        kv_set(&mt->last_resp, r->name, r->version);
    }
    for (size_t i = 0; i < o->n_removed; i++) {
        kv_del(&mt->client, o->removed[i]);
        kv_del(&mt->nacked, o->removed[i]);
    }
}

static void check_response(struct model *m, const struct xds_out *o)
{
    int t = (int)o->type;
    if (trace) {
        fprintf(stderr, "<- %s %s nonce=%s version=%s:", o->delta ? "delta" : "sotw",
                xds_type_short(o->type), o->nonce, o->version);
        for (size_t i = 0; i < o->n_res; i++)
            fprintf(stderr, " %s@%.6s", o->res[i]->name, o->res[i]->version);
        fprintf(stderr, " | removed:");
        for (size_t i = 0; i < o->n_removed; i++)
            fprintf(stderr, " %s", o->removed[i]);
        fprintf(stderr, "\n");
    }
    if (t < 0 || t >= XDS_NTYPES || !m->t[t].requested)
        finding("response of type %d, which the client never requested", t);
    if (o->delta != m->delta)
        finding("a %s response on a %s stream", o->delta ? "delta" : "SotW",
                m->delta ? "delta" : "SotW");
    const struct xds_resource *items = xds_view_items(m->view, o->type);
    size_t count = xds_view_count(m->view, o->type);
    for (size_t i = 0; i < o->n_res; i++) {
        if (o->res[i] >= items && o->res[i] < items + count)
            continue;
        /* O1, SotW: a cluster (or its endpoints) the client holds is sent
         * again as it was, from an older view, until the routes moved on */
        const char *held = kv_get(&m->t[t].client, o->res[i]->name);
        if (!m->delta && (t == XDS_CLUSTER || t == XDS_ENDPOINT) && held != NULL &&
            strcmp(held, o->res[i]->version) == 0)
            continue;
        finding("%s response carries '%s', not a %s of the current view",
                xds_type_short(o->type), o->res[i]->name, xds_type_short(o->type));
    }
    check_unique(o);
    check_nonce(m, o->nonce);
    check_wire(o);
    if (m->delta)
        delta_response(m, o);
    else
        sotw_response(m, o);
    struct mtype *mt = &m->t[t];
    snprintf(mt->last_nonce, sizeof(mt->last_nonce), "%s", o->nonce);
    snprintf(mt->last_version, sizeof(mt->last_version), "%s", o->version);
    check_sync(m, t, SYNC_STALE, "after a send");
}

/* One send; returns 1 when something was sent. */
static int step(struct model *m)
{
    struct xds_out o;
    if (!xds_core_next(m->core, m->view, ++m->stamp, &o))
        return 0;
    check_response(m, &o);
    xds_out_release(&o);
    return 1;
}

/* Once nothing is pending, the client holds what it subscribed to. */
static void check_converged(const struct model *m)
{
    const struct xds_view *v = m->view;
    for (int t = 0; t < XDS_NTYPES; t++) {
        const struct mtype *mt = &m->t[t];
        if (!mt->requested)
            continue;
        const char *ts = xds_type_short((enum xds_type)t);
        const struct xds_resource *items = xds_view_items(v, (enum xds_type)t);
        size_t count = xds_view_count(v, (enum xds_type)t);
        /* every covered resource of the view, current */
        for (size_t i = 0; i < count; i++) {
            if (!covers(mt, items[i].name))
                continue;
            const char *held = kv_get(&mt->client, items[i].name);
            if (held == NULL || strcmp(held, items[i].version) != 0)
                finding("settled, but the client holds %s '%s' at %s, the view has %s", ts,
                        items[i].name, held ? held : "nothing", items[i].version);
        }
        /* and nothing covered that is gone (delta says so; SotW LDS/CDS by omission) */
        if (!m->delta && !full_state(t))
            continue;
        for (size_t i = 0; i < mt->client.n; i++)
            if (covers(mt, mt->client.k[i]) && !xds_view_find(v, (enum xds_type)t, mt->client.k[i]))
                finding("settled, but the client still holds %s '%s', which is gone", ts,
                        mt->client.k[i]);
    }
}

static void drain(struct model *m)
{
    for (int i = 0; i < 16; i++)
        if (!step(m)) {
            /* O1: listeners and routes wait for the answer to the last CDS
             * response, and removed clusters for the answers to those: both
             * come only in later requests, so nothing is settled yet (the
             * unit tests xds_O1_* check that a hold ends) */
            if (xds_core_awaits_cds(m->core) || xds_core_holds_removal(m->core))
                return;
            if (xds_core_pending(m->core))
                finding("nothing to send, yet something is pending");
            check_converged(m);
            return;
        }
    finding("still sending after 16 responses with no request in between");
}

static void trace_list(const char *what, char *const *v, size_t n)
{
    fprintf(stderr, " %s=[", what);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s%s", i ? " " : "", v[i]);
    fprintf(stderr, "]");
}

static void trace_request(const struct model *m, const struct xds_request *r)
{
    int t = r->type_url ? xds_type_from_url(r->type_url) : -1;
    fprintf(stderr, "-> %s nonce=%s%s", t >= 0 ? xds_type_short((enum xds_type)t) : r->type_url,
            r->nonce, r->has_error ? " NACK" : "");
    if (m->delta) {
        trace_list("sub", r->subscribe, r->n_subscribe);
        trace_list("unsub", r->unsubscribe, r->n_unsubscribe);
        if (r->n_initial)
            trace_list("initial", r->initial_names, r->n_initial);
    } else {
        fprintf(stderr, " version=%s", r->version_info);
        trace_list("names", r->names, r->n_names);
    }
    fprintf(stderr, "\n");
}

#endif
