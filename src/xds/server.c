/* server.c - the ADS server's imperative shell on gRPC C core.
 *
 * One thread, XDS_QUEUES completion queues (server_int.h). Each stream
 * keeps batch A (initial metadata + RECV_CLOSE_ON_SERVER) posted for its
 * whole life, one
 * RECV_MESSAGE re-armed after each request, and at most one SEND_MESSAGE;
 * what to send is decided by the core (core.c) only when the send slot is
 * free, so a pending response is always the latest. A stream is freed by the
 * completion that brings its in-flight count to zero. */
#include "xdsd/xds_server.h"

#include <dlfcn.h>
#include <errno.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "events.h"
#include "identity.h"
#include "server_int.h"
#include "wire.h"
#include "xdsd/listen.h"
#include "xdsd/log.h"
#include "xdsd/util.h"

#define METHOD_SOTW                                                                                \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
#define METHOD_DELTA                                                                               \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"

enum {
    POLL_MS = 10,           /* the loop's wake-up: publish and stop latency */
    BUSY_POLL_MS = 1,       /* the wake-up while completions keep coming */
    BUSY_MS = 100,          /* for this long after the last completion */
    SWEEP_MS = 1000,        /* how often stuck sends are looked for */
    SEND_TIMEOUT_MS = 30000 /* default: a send not accepted by then, the peer does not read */
};

/* Drop the shared bodies; sends in flight hold their own references. */
static void bodies_clear(struct xds_server *srv)
{
    for (size_t i = 0; i < srv->n_bodies; i++)
        grpc_slice_unref(srv->bodies[i].slice);
    srv->n_bodies = 0;
}

/* ---- posting and accepting calls --------------------------------------------------- */

static void post_waiting(struct xds_server *srv, struct waiting *w)
{
    w->call = NULL;
    grpc_metadata_array_init(&w->md);
    grpc_completion_queue *q = srv->cqs[srv->n_streams / XDS_QUEUE_STREAMS % XDS_QUEUES];
    grpc_call_error e = grpc_server_request_registered_call(
        srv->server, w->delta ? srv->m_delta : srv->m_sotw, &w->call, &w->deadline, &w->md, NULL,
        q, q, &w->tag);
    if (e != GRPC_CALL_OK) {
        log_error("cannot wait for xDS calls: grpc error %d", (int)e);
        grpc_metadata_array_destroy(&w->md);
        return;
    }
    w->posted = 1;
    srv->n_posted++;
}

static void post_generic(struct xds_server *srv)
{
    struct generic *g = xcalloc(1, sizeof(*g));
    g->tag.kind = TAG_GENERIC;
    g->tag.ptr = g;
    g->done.kind = TAG_UNIMPLEMENTED;
    g->done.ptr = g;
    grpc_call_details_init(&g->details);
    grpc_metadata_array_init(&g->md);
    if (grpc_server_request_call(srv->server, &g->call, &g->details, &g->md, srv->cqs[0],
                                 srv->cqs[0], &g->tag) != GRPC_CALL_OK) {
        log_error("cannot wait for calls to unknown methods");
        grpc_call_details_destroy(&g->details);
        grpc_metadata_array_destroy(&g->md);
        free(g);
        return;
    }
    srv->n_posted++;
}

static void generic_free(struct generic *g)
{
    if (g->call)
        grpc_call_unref(g->call);
    grpc_call_details_destroy(&g->details);
    grpc_metadata_array_destroy(&g->md);
    free(g);
}

/* A call to a method we do not serve: UNIMPLEMENTED. */
static void on_generic(struct xds_server *srv, struct generic *g, int ok)
{
    srv->n_posted--;
    if (!ok) {
        generic_free(g);
        return;
    }
    if (!srv->shutting_down)
        post_generic(srv);
    grpc_slice details = grpc_slice_from_static_string("unknown method");
    grpc_op ops[3];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[1].data.recv_close_on_server.cancelled = &g->cancelled;
    ops[2].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[2].data.send_status_from_server.status = GRPC_STATUS_UNIMPLEMENTED;
    ops[2].data.send_status_from_server.status_details = &details;
    if (grpc_call_start_batch(g->call, ops, 3, &g->done, NULL) != GRPC_CALL_OK)
        generic_free(g);
    else
        srv->n_unimplemented++;
}

/* ---- streams -------------------------------------------------------------------- */

static int start(struct stream *st, grpc_op *ops, size_t n, struct tag *tag)
{
    grpc_call_error e = grpc_call_start_batch(st->call, ops, n, tag, NULL);
    if (e != GRPC_CALL_OK) {
        /* no completion will come for it */
        log_warnx("xds stream %llu: grpc batch refused (%d)", (unsigned long long)st->connection_id,
                  (int)e);
        return -1;
    }
    st->inflight++;
    return 0;
}

static void stream_free(struct xds_server *srv, struct stream *st)
{
    if (st->prev)
        st->prev->next = st->next;
    else
        srv->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    srv->n_streams--;
    xds_events_disconnect(srv, st);
    log_debug("xds stream %llu closed (%s)", (unsigned long long)st->connection_id,
              st->have_node ? st->id.id : "no node");
    grpc_call_unref(st->call);
    xds_core_free(st->core);
    if (st->have_node)
        proxy_identity_release(&st->id);
    snapshot_unref(st->snap);
    for (size_t i = 0; i < st->n_pins; i++)
        snapshot_unref(st->pins[i]);
    free(st->pins);
    free(st->metadata_json);
    free(st->peer);
    free(st->class_key);
    free(st);
}

static void maybe_free(struct xds_server *srv, struct stream *st)
{
    if (st->inflight == 0)
        stream_free(srv, st);
}

/* End the stream with a status (thread-safe in gRPC; the close op completes). */
static void stream_fail(struct stream *st, grpc_status_code code, const char *msg)
{
    if (st->failed)
        return;
    st->failed = 1;
    log_debug("xds stream %llu: ending with status %d: %s", (unsigned long long)st->connection_id,
              (int)code, msg);
    grpc_call_cancel_with_status(st->call, code, msg, NULL);
}

static void arm_recv(struct stream *st)
{
    if (st->ended || st->failed || st->recv_armed)
        return;
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &st->recv_bb;
    st->recv_bb = NULL;
    if (start(st, &op, 1, &st->t_recv) == 0)
        st->recv_armed = 1;
}

/* The client half-closed: answer with OK once nothing is being sent. */
static void send_status_ok(struct stream *st)
{
    if (st->status_sent || st->ended || st->failed || st->send_busy)
        return;
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    op.data.send_status_from_server.status = GRPC_STATUS_OK;
    if (start(st, &op, 1, &st->t_status) == 0)
        st->status_sent = 1;
}

static void histogram_add(uint64_t *buckets, uint64_t *count, double *sum, double seconds)
{
    for (size_t i = 0; i < ARRAY_LEN(xds_histogram_bounds); i++)
        if (seconds <= xds_histogram_bounds[i])
            buckets[i]++;
    (*count)++;
    *sum += seconds;
}

/* ---- shared response bodies ------------------------------------------------------ */

/* A response body depends only on its type, version and resources (and
 * for delta on its removed names), not on the stream: every stream sent the
 * same set shares one packed body. Emptied on each publish, and when full. */
static grpc_byte_buffer *encode(struct xds_server *srv, struct stream *st, const struct xds_out *o,
                                size_t *len)
{
    const char *system_version = xds_view_version(st->view, o->type);
    uint64_t key = xds_wire_body_key(o, system_version);
    struct body *b = NULL;
    for (size_t i = 0; i < srv->n_bodies && b == NULL; i++)
        if (srv->bodies[i].key == key)
            b = &srv->bodies[i];
    if (b == NULL) {
        if (srv->n_bodies == XDS_BODY_CACHE)
            bodies_clear(srv);
        b = &srv->bodies[srv->n_bodies++];
        b->key = key;
        b->slice = xds_wire_body(o, system_version);
    }
    return xds_wire_message(b->slice, o->nonce, len);
}

/* Drop the earlier snapshots once the core is done with them. */
static void unpin(struct stream *st)
{
    if (st->n_pins == 0 || xds_core_uses_old(st->core, st->view))
        return;
    for (size_t i = 0; i < st->n_pins; i++)
        snapshot_unref(st->pins[i]);
    st->n_pins = 0;
}

static void try_send(struct xds_server *srv, struct stream *st)
{
    if (st->send_busy || st->status_sent || st->ended || st->failed || st->half_closed)
        return;
    struct xds_out out;
    int due = xds_core_next(st->core, st->view, st->stamp, &out);
    unpin(st);
    if (!due) {
        /* a type held back until CDS is answered (O1) is still to come */
        if (!xds_core_pending(st->core))
            xds_events_push_settle(srv, st);
        return;
    }
    int64_t t0 = now_ms();
    size_t len = 0;
    st->send_bb = encode(srv, st, &out, &len);
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_SEND_MESSAGE;
    op.data.send_message.send_message = st->send_bb;
    if (start(st, &op, 1, &st->t_send) != 0) {
        grpc_byte_buffer_destroy(st->send_bb);
        st->send_bb = NULL;
        stream_fail(st, GRPC_STATUS_INTERNAL, "cannot send");
    } else {
        st->send_busy = 1;
        st->send_started_ms = t0;
        srv->counters.pushes[out.type]++;
        xds_events_push_sent(srv, st, out.type);
        srv->counters.bytes_sent += len;
        histogram_add(srv->counters.push_time_buckets, &srv->counters.push_time_count,
                      &srv->counters.push_time_sum, (double)(now_ms() - t0) / 1000.0);
    }
    xds_out_release(&out);
}

/* Point the stream at the view of snapshot s for its proxy; 0 when it did. */
static int adopt(struct xds_server *srv, struct stream *st, struct snapshot *s, int64_t stamp)
{
    if (s == NULL || !st->have_node)
        return -1;
    const char *key = NULL;
    char *err = NULL;
    const struct xds_view *v = snapshot_view(s, &st->id, &key, &err);
    if (v == NULL) {
        /* keep serving what the proxy has; a later snapshot may build. One
         * line per distinct failure, not one per proxy of the class */
        const char *msg = err ? err : "unknown error";
        if (srv->last_view_error == NULL || strcmp(srv->last_view_error, msg) != 0) {
            log_warnx("no configuration for proxy %s: %s", st->id.id, msg);
            free(srv->last_view_error);
            srv->last_view_error = xstrdup(msg);
        }
        free(err);
        return -1;
    }
    /* the core may still need the old view (O1): the reference moves to the
     * pins, and unpin() drops it when the core is done */
    if (st->snap) {
        xgrow((void **)&st->pins, &st->cap_pins, st->n_pins + 1, sizeof(*st->pins));
        st->pins[st->n_pins++] = st->snap;
    }
    st->snap = snapshot_ref(s);
    st->view = v;
    st->stamp = stamp;
    free(st->class_key);
    st->class_key = xstrdup(key ? key : "");
    xds_core_view_changed(st->core);
    unpin(st);
    return 0;
}

/* Mutual TLS: the certificate's SPIFFE identity must belong to the trust
 * domain and to the namespace the node claims, else PERMISSION_DENIED. */
static int authorize(struct xds_server *srv, struct stream *st)
{
    char *why = NULL;
    char *spiffe = xds_identity_of_call(st->call, &why);
    if (spiffe && xds_identity_check(spiffe, srv->trust_domain, st->id.namespace, &why) == 0) {
        st->id.spiffe = spiffe; /* which secrets it may have (SDS) */
        return 0;
    }
    free(spiffe);
    log_warnx("xds stream %llu from %s refused: proxy %s: %s",
              (unsigned long long)st->connection_id, st->peer, st->id.id, why);
    srv->counters.denied++;
    stream_fail(st, GRPC_STATUS_PERMISSION_DENIED, why);
    free(why);
    return -1;
}

static int take_node(struct xds_server *srv, struct stream *st, struct xds_wire_request *w)
{
    if (st->have_node)
        return 0;
    if (w->node == NULL || w->node->id == NULL || w->node->id[0] == '\0') {
        /* P4: the node comes with the first request, and only then */
        stream_fail(st, GRPC_STATUS_INVALID_ARGUMENT, "the first request must carry a node id");
        return -1;
    }
    xds_wire_node(w->node, &st->id, &st->metadata_json);
    st->have_node = 1;
    if (srv->trust_domain && authorize(srv, st) != 0)
        return -1;
    xds_events_connect(srv, st);
    adopt(srv, st, srv->snap, 0);
    return 0;
}

static void count_request(struct xds_server *srv, struct stream *st,
                          const struct xds_req_result *res, const struct xds_request *r)
{
    if (res->flags & XDS_REQ_NACK) {
        srv->counters.rejects[res->type]++;
        xds_events_nack(srv, st, res->type, r);
    }
    if ((res->flags & XDS_REQ_STALE))
        srv->counters.expired_nonce++;
    if ((res->flags & XDS_REQ_ACK) && res->acked_stamp > 0)
        histogram_add(srv->counters.convergence_buckets, &srv->counters.convergence_count,
                      &srv->counters.convergence_sum,
                      (double)(now_ms() - res->acked_stamp) / 1000.0);
}

static void on_recv(struct xds_server *srv, struct stream *st, int ok)
{
    st->inflight--;
    st->recv_armed = 0;
    grpc_byte_buffer *bb = st->recv_bb;
    st->recv_bb = NULL;
    if (!ok || bb == NULL) {
        if (ok && !st->failed) {
            st->half_closed = 1;
            send_status_ok(st);
        }
        maybe_free(srv, st);
        return;
    }
    struct xds_wire_request w;
    int rc = xds_wire_request_parse(bb, st->delta, &w);
    grpc_byte_buffer_destroy(bb);
    if (rc != 0) {
        stream_fail(st, GRPC_STATUS_INVALID_ARGUMENT, "cannot parse the discovery request");
        maybe_free(srv, st);
        return;
    }
    if (take_node(srv, st, &w) == 0) {
        struct xds_req_result res;
        char *err = NULL;
        if (xds_core_request(st->core, &w.req, wall_ms(), &res, &err) != 0) {
            stream_fail(st, GRPC_STATUS_INVALID_ARGUMENT, err);
            free(err);
        } else {
            count_request(srv, st, &res, &w.req);
            arm_recv(st);
            try_send(srv, st);
        }
    }
    xds_wire_request_release(&w);
    maybe_free(srv, st);
}

static void on_send(struct xds_server *srv, struct stream *st, int ok)
{
    st->inflight--;
    st->send_busy = 0;
    grpc_byte_buffer_destroy(st->send_bb);
    st->send_bb = NULL;
    if (!ok)
        st->failed = 1; /* the peer is gone: the close op completes too */
    else if (st->half_closed)
        send_status_ok(st);
    else
        try_send(srv, st);
    maybe_free(srv, st);
}

static struct stream *stream_new(struct xds_server *srv, grpc_call *call, int delta)
{
    struct stream *st = xcalloc(1, sizeof(*st));
    st->call = call;
    st->delta = delta;
    st->connection_id = ++srv->next_id;
    st->connected_at_ms = wall_ms();
    st->core = xds_core_new(st->delta, st->connection_id);
    char *peer = grpc_call_get_peer(call);
    st->peer = xstrdup(peer ? peer : "");
    gpr_free(peer);
    st->t_close = (struct tag){TAG_CLOSE, st};
    st->t_recv = (struct tag){TAG_RECV, st};
    st->t_send = (struct tag){TAG_SEND, st};
    st->t_status = (struct tag){TAG_STATUS, st};
    st->next = srv->streams;
    if (srv->streams)
        srv->streams->prev = st;
    srv->streams = st;
    srv->n_streams++;
    srv->counters.connections_total++;
    return st;
}

static void on_new_call(struct xds_server *srv, struct waiting *w, int ok)
{
    srv->n_posted--;
    w->posted = 0;
    grpc_call *call = w->call;
    grpc_metadata_array_destroy(&w->md);
    if (!srv->shutting_down)
        post_waiting(srv, w);
    if (!ok || call == NULL)
        return;
    if (srv->shutting_down) {
        /* accepted before the shutdown, seen after cancel_all_calls */
        grpc_call_cancel_with_status(call, GRPC_STATUS_UNAVAILABLE, "server stopping", NULL);
        grpc_call_unref(call);
        return;
    }
    struct stream *st = stream_new(srv, call, w->delta);
    /* batch A: its completion says the call is over */
    grpc_op ops[2];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[1].data.recv_close_on_server.cancelled = &st->cancelled;
    if (start(st, ops, 2, &st->t_close) != 0) {
        grpc_call_cancel(call, NULL);
        maybe_free(srv, st);
        return;
    }
    arm_recv(st);
}

static void dispatch(struct xds_server *srv, struct tag *tag, int ok)
{
    struct stream *st = tag->ptr;
    switch (tag->kind) {
    case TAG_NEW_CALL:
        on_new_call(srv, tag->ptr, ok);
        break;
    case TAG_GENERIC:
        on_generic(srv, tag->ptr, ok);
        break;
    case TAG_UNIMPLEMENTED:
        srv->n_unimplemented--;
        generic_free(tag->ptr);
        break;
    case TAG_CLOSE:
        st->inflight--;
        st->ended = 1;
        maybe_free(srv, st);
        break;
    case TAG_RECV:
        on_recv(srv, st, ok);
        break;
    case TAG_SEND:
        on_send(srv, st, ok);
        break;
    case TAG_STATUS:
        st->inflight--;
        maybe_free(srv, st);
        break;
    case TAG_SHUTDOWN:
        srv->shutdown_done = 1;
        break;
    }
}

/* ---- the loop ----------------------------------------------------------------------- */

/* A snapshot handed over by xds_server_publish(): every stream moves to it. */
static void take_incoming(struct xds_server *srv)
{
    if (srv->incoming == NULL)
        return;
    snapshot_unref(srv->snap);
    srv->snap = srv->incoming;
    srv->snap_ms = srv->incoming_ms;
    srv->incoming = NULL;
    bodies_clear(srv);
    xds_events_push_begin(srv);
    for (struct stream *st = srv->streams; st; st = st->next) {
        if (adopt(srv, st, srv->snap, srv->snap_ms) == 0)
            xds_events_push_join(srv, st);
        try_send(srv, st);
    }
    xds_events_push_opened(srv);
}

/* Streams whose send has not been accepted for too long do not read: close
 * them so that the proxy reconnects, instead of holding memory for them. */
static void sweep_slow(struct xds_server *srv, int64_t now)
{
    for (struct stream *st = srv->streams; st; st = st->next) {
        if (st->send_busy && !st->failed && now - st->send_started_ms > srv->send_timeout_ms) {
            log_warnx("proxy %s does not read its xDS stream: closing it",
                      st->have_node ? st->id.id : st->peer);
            srv->counters.closed_slow++;
            stream_fail(st, GRPC_STATUS_UNAVAILABLE, "stream not read");
        }
    }
}

static void begin_shutdown(struct xds_server *srv)
{
    srv->shutting_down = 1;
    atomic_store(&srv->listening, 0);
    grpc_server_shutdown_and_notify(srv->server, srv->cqs[0], &srv->t_shutdown);
    grpc_server_cancel_all_calls(srv->server);
}

/* Housekeeping after each event or timeout; returns 1 once the queue is shut down. */
static void housekeeping(struct xds_server *srv)
{
    int64_t now = now_ms();
    if (!srv->shutting_down) {
        take_incoming(srv);
        if (atomic_load(&srv->stop))
            begin_shutdown(srv);
        else if (now - srv->last_sweep_ms >= SWEEP_MS) {
            srv->last_sweep_ms = now;
            sweep_slow(srv, now);
        }
        return;
    }
    if (srv->shutdown_done && srv->n_streams == 0 && srv->n_posted == 0 &&
        srv->n_unimplemented == 0 && !srv->cq_shut) {
        grpc_server_destroy(srv->server);
        srv->server = NULL;
        for (int q = 0; q < XDS_QUEUES; q++)
            grpc_completion_queue_shutdown(srv->cqs[q]);
        srv->cq_shut = 1;
    }
}

/* How long the loop may block on one queue: completions landing on the
 * others meanwhile wait for it, so not long while they keep coming. */
static int64_t wait_ms(const struct xds_server *srv)
{
    return now_ms() - srv->last_event_ms < BUSY_MS ? BUSY_POLL_MS : POLL_MS;
}

/* Each queue is drained without waiting, in turn (any queue's poll does the
 * I/O of all); only when a whole round found nothing does the loop block, on
 * the queue of the last completion. Housekeeping follows every completion
 * and every such wait. */
int xds_server_run(struct xds_server *srv)
{
    int q = 0, empty = 0, shut = 0;
    unsigned char done[XDS_QUEUES] = {0};
    while (shut < XDS_QUEUES) {
        int wait = empty >= XDS_QUEUES - shut;
        gpr_timespec deadline = gpr_inf_past(GPR_CLOCK_MONOTONIC);
        if (wait) {
            deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                    gpr_time_from_millis(wait_ms(srv), GPR_TIMESPAN));
            if (!done[srv->last_queue])
                q = srv->last_queue;
        }
        grpc_event ev = grpc_completion_queue_next(srv->cqs[q], deadline, NULL);
        if (ev.type != GRPC_OP_COMPLETE) {
            if (ev.type == GRPC_QUEUE_SHUTDOWN && !done[q]) {
                done[q] = 1;
                shut++;
            }
            for (int k = 0; k < XDS_QUEUES && shut < XDS_QUEUES; k++) {
                q = (q + 1) % XDS_QUEUES;
                if (!done[q])
                    break;
            }
            empty = wait ? 0 : empty + 1;
            if (!wait)
                continue;
        } else {
            empty = 0;
            srv->last_queue = q;
        }
        pthread_mutex_lock(&srv->lock);
        if (ev.type == GRPC_OP_COMPLETE) {
            srv->last_event_ms = now_ms();
            dispatch(srv, ev.tag, ev.success);
        }
        housekeeping(srv);
        xds_events_tick(srv, 0);
        pthread_mutex_unlock(&srv->lock);
    }
    xds_events_tick(srv, 1);
    log_info("xds server stopped");
    return 0;
}

void xds_server_stop(struct xds_server *srv)
{
    atomic_store(&srv->stop, 1);
}

void xds_server_set_send_timeout(struct xds_server *srv, int64_t ms)
{
    pthread_mutex_lock(&srv->lock);
    srv->send_timeout_ms = ms;
    pthread_mutex_unlock(&srv->lock);
}

void xds_server_publish(struct xds_server *srv, struct snapshot *snap)
{
    pthread_mutex_lock(&srv->lock);
    /* latest wins: a snapshot not picked up yet is simply replaced */
    snapshot_unref(srv->incoming);
    srv->incoming = snap;
    srv->incoming_ms = now_ms();
    pthread_mutex_unlock(&srv->lock);
}

/* ---- start-up ---------------------------------------------------------------------- */

static grpc_arg int_arg(const char *key, int value)
{
    grpc_arg a;
    memset(&a, 0, sizeof(a));
    a.type = GRPC_ARG_INTEGER;
    a.key = (char *)key;
    a.value.integer = value;
    return a;
}

static grpc_channel_args *make_args(const struct serve_options *o, grpc_arg *a)
{
    size_t n = 0;
    int64_t max_recv = o->max_recv_bytes > 0 ? o->max_recv_bytes : 64 << 20;
    a[n++] =
        int_arg(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, max_recv > INT_MAX ? INT_MAX : (int)max_recv);
    a[n++] = int_arg(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
    a[n++] = int_arg(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
    /* Envoy and gRPC clients may ping often: never answer with too_many_pings */
    a[n++] = int_arg(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
    a[n++] = int_arg(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
    a[n++] = int_arg(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    /* requests are small: no bandwidth probing (a PING and a timer per
     * connection) to size a receive window they never fill */
    a[n++] = int_arg(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    a[n++] = int_arg(GRPC_ARG_MAX_CONCURRENT_STREAMS, 100000);
    /* a second server on the same port must fail, not share it */
    a[n++] = int_arg(GRPC_ARG_ALLOW_REUSEPORT, 0);
    if (o->max_connection_age_ms > 0) {
        int64_t age = o->max_connection_age_ms;
        a[n++] = int_arg(GRPC_ARG_MAX_CONNECTION_AGE_MS, age > INT_MAX ? INT_MAX : (int)age);
        a[n++] = int_arg(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 10000);
    }
    grpc_channel_args *args = xcalloc(1, sizeof(*args));
    args->num_args = n;
    args->args = a;
    return args;
}

/* Undo xds_server_new for a server that never started. */
static void server_abandon(struct xds_server *srv)
{
    grpc_server_destroy(srv->server);
    for (int q = 0; q < XDS_QUEUES; q++) {
        grpc_completion_queue_shutdown(srv->cqs[q]);
        while (grpc_completion_queue_next(srv->cqs[q], gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL)
                   .type != GRPC_QUEUE_SHUTDOWN)
            ;
        grpc_completion_queue_destroy(srv->cqs[q]);
    }
    pthread_mutex_destroy(&srv->lock);
    free(srv->trust_domain);
    free(srv);
    grpc_shutdown();
}

static void post_all(struct xds_server *srv)
{
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < XDS_POSTED_CALLS; i++) {
            struct waiting *w = &srv->waits[m][i];
            w->srv = srv;
            w->delta = m;
            w->tag = (struct tag){TAG_NEW_CALL, w};
            post_waiting(srv, w);
        }
    post_generic(srv);
}

/* Debian builds abseil with Mutex deadlock detection on: every lock gRPC
 * takes records edges in a global graph, which costs CPU in proportion to
 * the connections held (the bench measured seconds when 10,000 connect).
 * gRPC C core has no switch for it, so call abseil's own setter when this
 * build has it (Debian's inline namespace absl::debian3); else nothing. */
static void absl_deadlock_detection_off(void)
{
    void (*set)(int) = (void (*)(int))dlsym(
        RTLD_DEFAULT, "_ZN4absl7debian329SetMutexDeadlockDetectionModeENS0_15OnDeadlockCycleE");
    if (set)
        set(0); /* OnDeadlockCycle::kIgnore */
}

struct xds_server *xds_server_new(const struct serve_options *o, int *bound_port)
{
    absl_deadlock_detection_off();
    grpc_init();
    struct xds_server *srv = xcalloc(1, sizeof(*srv));
    pthread_mutex_init(&srv->lock, NULL);
    atomic_init(&srv->stop, 0);
    atomic_init(&srv->listening, 0);
    srv->t_shutdown = (struct tag){TAG_SHUTDOWN, srv};
    srv->send_timeout_ms = SEND_TIMEOUT_MS;
    xds_events_init(srv);
    for (int q = 0; q < XDS_QUEUES; q++)
        srv->cqs[q] = grpc_completion_queue_create_for_next(NULL);
    grpc_arg a[16];
    grpc_channel_args *args = make_args(o, a);
    srv->server = grpc_server_create(args, NULL);
    free(args);
    srv->m_sotw =
        grpc_server_register_method(srv->server, METHOD_SOTW, NULL, GRPC_SRM_PAYLOAD_NONE, 0);
    srv->m_delta =
        grpc_server_register_method(srv->server, METHOD_DELTA, NULL, GRPC_SRM_PAYLOAD_NONE, 0);
    for (int q = 0; q < XDS_QUEUES; q++)
        grpc_server_register_completion_queue(srv->server, srv->cqs[q], NULL);
    grpc_server_credentials *creds = xds_server_credentials(o);
    if (creds == NULL) { /* logged */
        server_abandon(srv);
        return NULL;
    }
    if (o->xds_tls_cert != NULL)
        srv->trust_domain = xstrdup(o->trust_domain ? o->trust_domain : "cluster.local");
    int port = grpc_server_add_http2_port(srv->server, o->xds_listen, creds);
    grpc_server_credentials_release(creds);
    if (port == 0 || srv->m_sotw == NULL || srv->m_delta == NULL) {
        /* `xdsd serve` bind-tests the address first (listen_probe) to say why
         * in one line; here it was taken in between, or by a test's caller:
         * gRPC gives no errno, so ask the same test for the reason */
        char why[128] = "see gRPC's message above";
        if (listen_probe(o->xds_listen) < 0)
            lower_first(why, sizeof(why), strerror(errno));
        log_error("--xds-listen %s: %s", o->xds_listen, why);
        server_abandon(srv);
        return NULL;
    }
    grpc_server_start(srv->server);
    post_all(srv);
    atomic_store(&srv->listening, 1);
    srv->port = port;
    if (bound_port)
        *bound_port = port;
    log_info("xds listening on %s (port %d)", o->xds_listen, port);
    return srv;
}

void xds_server_free(struct xds_server *srv)
{
    if (srv == NULL)
        return;
    if (srv->server) {
        /* never run: shut down here */
        atomic_store(&srv->stop, 1);
        pthread_mutex_lock(&srv->lock);
        begin_shutdown(srv);
        pthread_mutex_unlock(&srv->lock);
        xds_server_run(srv);
    }
    bodies_clear(srv);
    free(srv->last_view_error);
    free(srv->trust_domain);
    for (int q = 0; q < XDS_QUEUES; q++)
        grpc_completion_queue_destroy(srv->cqs[q]);
    snapshot_unref(srv->snap);
    snapshot_unref(srv->incoming);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
    grpc_shutdown();
}
