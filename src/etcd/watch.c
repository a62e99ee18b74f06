/* watch.c - the one watch stream on the prefix: created from a revision,
 * read with a timeout so the caller's loop keeps control.
 *
 * The stream has a pluck completion queue of its own; at most one receive
 * is in flight, posted again after each message, and the status is asked
 * for at the start, so a stream the member ends is seen at the next read. */
#include "xdsd/etcd.h"

#include <stdlib.h>
#include <string.h>

#include "etcd_int.h"
#include "xdsd/util.h"

struct etcd_watch {
    grpc_completion_queue *cq;
    grpc_call *call;
    grpc_byte_buffer *recv;
    int recv_pending, status_pending;
    int created; /* etcd confirmed the watch: the member answers */
    grpc_metadata_array imd, tmd;
    grpc_status_code status;
    grpc_slice details;
    char t_start, t_recv, t_status; /* their addresses are the tags */
};

/* Several responses that are already there make one batch, up to this. */
#define BATCH_MAX_EVENTS 20000

static gpr_timespec in_ms(int ms)
{
    return gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

static int post_recv(struct etcd_watch *w)
{
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &w->recv;
    w->recv = NULL;
    if (grpc_call_start_batch(w->call, &op, 1, &w->t_recv, NULL) != GRPC_CALL_OK)
        return -1;
    w->recv_pending = 1;
    return 0;
}

void etcd_watch_stop(struct etcd_client *c)
{
    struct etcd_watch *w = c->watch;
    if (w == NULL)
        return;
    c->watch = NULL;
    grpc_call_cancel(w->call, NULL);
    if (w->recv_pending)
        grpc_completion_queue_pluck(w->cq, &w->t_recv, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (w->status_pending)
        grpc_completion_queue_pluck(w->cq, &w->t_status, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (w->recv)
        grpc_byte_buffer_destroy(w->recv);
    grpc_call_unref(w->call);
    grpc_completion_queue_shutdown(w->cq);
    while (
        grpc_completion_queue_pluck(w->cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
        GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(w->cq);
    grpc_metadata_array_destroy(&w->imd);
    grpc_metadata_array_destroy(&w->tmd);
    grpc_slice_unref(w->details);
    free(w);
}

/* Open the stream and send the create request; the answer comes with the
 * first read. */
int etcd_watch_start(struct etcd_client *c, int64_t start, char **err)
{
    etcd_watch_stop(c);
    /* a token is checked when a stream opens: a fresh one for each, as
     * the last may have expired while the stream was up */
    if (c->user && etcd_authenticate(c, err) != 0)
        return -1;
    struct etcd_watch *w = xcalloc(1, sizeof(*w));
    w->cq = grpc_completion_queue_create_for_pluck(NULL);
    w->details = grpc_empty_slice();
    grpc_metadata_array_init(&w->imd);
    grpc_metadata_array_init(&w->tmd);
    w->call = grpc_channel_create_call(etcd_channel(c), NULL, GRPC_PROPAGATE_DEFAULTS, w->cq,
                                       grpc_slice_from_static_string("/etcdserverpb.Watch/Watch"),
                                       NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    c->watch = w;
    char *from = xasprintf("%s/", c->prefix);
    char *end = etcd_range_end(from);
    Etcdserverpb__WatchCreateRequest cr = ETCDSERVERPB__WATCH_CREATE_REQUEST__INIT;
    cr.key.data = (uint8_t *)from;
    cr.key.len = strlen(from);
    cr.range_end.data = (uint8_t *)end;
    cr.range_end.len = strlen(end);
    cr.start_revision = start;
    Etcdserverpb__WatchRequest req = ETCDSERVERPB__WATCH_REQUEST__INIT;
    req.request_union_case = ETCDSERVERPB__WATCH_REQUEST__REQUEST_UNION_CREATE_REQUEST;
    req.create_request = &cr;
    grpc_byte_buffer *bb = etcd_pack(&req.base);
    free(from);
    free(end);
    grpc_metadata md[2];
    size_t nmd;
    etcd_metadata(c, md, &nmd, 1);
    grpc_op ops[3];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = nmd;
    ops[0].data.send_initial_metadata.metadata = md;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = bb;
    ops[2].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[2].data.recv_initial_metadata.recv_initial_metadata = &w->imd;
    grpc_call_error e = grpc_call_start_batch(w->call, ops, 3, &w->t_start, NULL);
    grpc_event ev = {0};
    if (e == GRPC_CALL_OK)
        ev = grpc_completion_queue_pluck(w->cq, &w->t_start, in_ms(3000), NULL);
    grpc_byte_buffer_destroy(bb);
    grpc_op st;
    memset(&st, 0, sizeof(st));
    st.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    st.data.recv_status_on_client.trailing_metadata = &w->tmd;
    st.data.recv_status_on_client.status = &w->status;
    st.data.recv_status_on_client.status_details = &w->details;
    if (grpc_call_start_batch(w->call, &st, 1, &w->t_status, NULL) == GRPC_CALL_OK)
        w->status_pending = 1;
    if (e != GRPC_CALL_OK || ev.type != GRPC_OP_COMPLETE || !ev.success || post_recv(w) != 0) {
        *err = xasprintf("etcd %s: cannot open a watch", etcd_client_endpoint(c));
        etcd_watch_stop(c);
        return -1;
    }
    return 0;
}

void etcd_events_release(struct etcd_events *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->items[i].kv.key);
        free(e->items[i].kv.value);
    }
    free(e->items);
    memset(e, 0, sizeof(*e));
}

/* Why the stream ended, from its status. */
static char *ended(struct etcd_client *c)
{
    struct etcd_watch *w = c->watch;
    if (w->status_pending) {
        grpc_completion_queue_pluck(w->cq, &w->t_status, in_ms(1000), NULL);
        w->status_pending = 0;
    }
    char *d = grpc_slice_to_c_string(w->details);
    char *msg =
        xasprintf("etcd %s: watch ended: %s", etcd_client_endpoint(c), *d ? d : "stream closed");
    gpr_free(d);
    return msg;
}

/* One response into out. Returns 1 events (or a created watch: 0 events),
 * -1 when the watch was cancelled. */
static int take(struct etcd_client *c, Etcdserverpb__WatchResponse *r, struct etcd_events *out,
                int64_t *compacted, char **err)
{
    if (r->canceled) {
        *compacted = r->compact_revision;
        *err = r->compact_revision
                   ? xasprintf("etcd %s: watch cancelled: revision compacted (oldest kept %lld)",
                               etcd_client_endpoint(c), (long long)r->compact_revision)
                   : xasprintf("etcd %s: watch cancelled: %s", etcd_client_endpoint(c),
                               r->cancel_reason && *r->cancel_reason ? r->cancel_reason
                                                                     : "no reason given");
        return -1;
    }
    if (r->created)
        c->watch->created = 1;
    for (size_t i = 0; i < r->n_events; i++) {
        const Mvccpb__Event *ev = r->events[i];
        if (ev->kv == NULL)
            continue;
        xgrow((void **)&out->items, &out->cap, out->n + 1, sizeof(*out->items));
        struct etcd_event *o = &out->items[out->n++];
        o->deleted = ev->type == MVCCPB__EVENT__EVENT_TYPE__DELETE;
        etcd_kv_copy(&o->kv, ev->kv);
        /* the revision of the change itself (of the deletion, for one): the
         * header's may be ahead of events still to come */
        if (ev->kv->mod_revision > out->revision)
            out->revision = ev->kv->mod_revision;
    }
    return 1;
}

int etcd_watch_next(struct etcd_client *c, int timeout_ms, struct etcd_events *out,
                    int64_t *compacted, char **err)
{
    struct etcd_watch *w = c->watch;
    *compacted = 0;
    memset(out, 0, sizeof(*out));
    if (w == NULL) {
        *err = xstrdup("etcd: no watch open");
        return -1;
    }
    int got = 0;
    /* the first response waits; those already there join the batch */
    for (int wait = timeout_ms; out->n < BATCH_MAX_EVENTS; wait = 0) {
        grpc_event ev = grpc_completion_queue_pluck(w->cq, &w->t_recv, in_ms(wait), NULL);
        if (ev.type == GRPC_QUEUE_TIMEOUT)
            break;
        w->recv_pending = 0;
        if (!ev.success || w->recv == NULL) {
            *err = ended(c);
            etcd_events_release(out);
            return -1;
        }
        ProtobufCMessage *m = etcd_unpack(&etcdserverpb__watch_response__descriptor, w->recv);
        grpc_byte_buffer_destroy(w->recv);
        w->recv = NULL;
        int rc = m ? take(c, (Etcdserverpb__WatchResponse *)m, out, compacted, err) : -1;
        if (m == NULL)
            *err = xasprintf("etcd %s: cannot decode a watch response", etcd_client_endpoint(c));
        if (m)
            protobuf_c_message_free_unpacked(m, NULL);
        if (rc < 0 || post_recv(w) != 0) {
            if (rc >= 0)
                *err = ended(c);
            etcd_events_release(out);
            return -1;
        }
        got |= out->n > 0 || w->created == 1;
        if (w->created == 1)
            w->created = 2; /* said once */
    }
    return got;
}
