/* proxy_stream.h - one simulated proxy's ADS stream, as loadgen drives it: its
 * state per type, the requests it sends (the Node of its first request, SotW and
 * delta subscriptions, ACKs and NACKs) and what it does with each response
 * (subscribe to the EDS and RDS names it mentions, ACK or NACK it, note when the
 * proxy has its full config, capture the first bytes, delay a slow reader's next
 * read). Responses are scanned in place by xds_scan.h. Opening streams and
 * running the completion queues stay in loadgen.c, the only includer (each bench
 * program is its own binary). */
#ifndef XDSD_BENCH_PROXY_STREAM_H
#define XDSD_BENCH_PROXY_STREAM_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>

#include "envoy/service/discovery/v3/discovery.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "xdsd/snapshot.h"
#include "xdsd/util.h"

#include "loadgen_opts.h"
#include "xds_scan.h"

enum { TAG_STATUS, TAG_RECV, TAG_SEND, TAG_START };
enum { F_DELTA = 1, F_GATEWAY = 2, F_NACK = 4, F_SLOW = 8 };

struct pending {
    grpc_byte_buffer *bb;
    struct pending *next;
};

/* Per type: what the proxy holds (sorted by name) and what it asked for. */
struct tstate {
    struct rinfo *resp;  /* SotW: the last response's dependencies */
    struct rinfo **have; /* delta: what the proxy holds, sorted by name */
    size_t n_have;
    char **sub; /* EDS/RDS subscription, sorted; wildcard types keep none */
    size_t n_sub;
    char *version, *nonce;
    char *nacked_version;
    int requested, received;
};

struct stream {
    int idx;
    unsigned flags;
    int ns;
    grpc_call *call;
    grpc_metadata_array md_init, md_trail;
    grpc_status_code status;
    grpc_slice details;
    grpc_byte_buffer *recv_bb;
    struct pending *q_head, *q_tail;
    int sending, closed, sent_node, started;
    struct tstate ts[XDS_NTYPES];
    double t_start, t_full, t_last_ack;
    int full, updates, nacks, nack_resends;
    int capture_fd_seq;
    struct stream *slow_next;
    double slow_due;
};
static struct stream *slow_head, *slow_tail;
static double last_event;
static int capture_phase; /* 0 init, 1 first push, 2 done */

/* ---- sending ------------------------------------------------------------------------- */

static void *tag_of(struct stream *s, int kind)
{
    return (void *)((uintptr_t)s | (uintptr_t)kind);
}

static void start_send(struct stream *s)
{
    if (s->sending || !s->q_head || s->closed)
        return;
    grpc_op op = {0};
    op.op = GRPC_OP_SEND_MESSAGE;
    op.data.send_message.send_message = s->q_head->bb;
    if (grpc_call_start_batch(s->call, &op, 1, tag_of(s, TAG_SEND), NULL) == GRPC_CALL_OK)
        s->sending = 1;
}

static void queue_msg(struct stream *s, const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = xmalloc(len ? len : 1);
    protobuf_c_message_pack(m, buf);
    grpc_slice slice = grpc_slice_new(buf, len, free);
    struct pending *p = xcalloc(1, sizeof(*p));
    p->bb = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    if (s->q_tail)
        s->q_tail->next = p;
    else
        s->q_head = p;
    s->q_tail = p;
    start_send(s);
}

static void on_sent(struct stream *s)
{
    struct pending *p = s->q_head;
    s->sending = 0;
    s->q_head = p->next;
    if (!s->q_head)
        s->q_tail = NULL;
    grpc_byte_buffer_destroy(p->bb);
    free(p);
    start_send(s);
}

/* The Node of a stream's first request, in Istio's form (docs/design.md). */
struct node_buf {
    Envoy__Config__Core__V3__Node node;
    Google__Protobuf__Struct meta, labels;
    Google__Protobuf__Struct__FieldsEntry e_ns, e_labels, e_istio, *meta_e[2], *label_e[1];
    Google__Protobuf__Value v_ns, v_labels, v_istio;
    char id[160], ns[32];
};

static void node_fill(struct node_buf *b, const struct stream *s)
{
    envoy__config__core__v3__node__init(&b->node);
    google__protobuf__struct__init(&b->meta);
    google__protobuf__struct__init(&b->labels);
    google__protobuf__struct__fields_entry__init(&b->e_ns);
    google__protobuf__struct__fields_entry__init(&b->e_labels);
    google__protobuf__struct__fields_entry__init(&b->e_istio);
    google__protobuf__value__init(&b->v_ns);
    google__protobuf__value__init(&b->v_labels);
    google__protobuf__value__init(&b->v_istio);
    int i = s->idx;
    if (s->flags & F_GATEWAY) {
        snprintf(b->ns, sizeof(b->ns), "istio-system");
        snprintf(b->id, sizeof(b->id),
                 "router~10.255.%d.%d~istio-egressgateway-%d.istio-system~istio-system.svc."
                 "cluster.local",
                 (i >> 8) & 255, i & 255, i);
    } else {
        snprintf(b->ns, sizeof(b->ns), "ns-%d", s->ns);
        snprintf(b->id, sizeof(b->id), "sidecar~10.%d.%d.%d~pod-%d.%s~%s.svc.cluster.local",
                 (i >> 16) & 255, (i >> 8) & 255, i & 255, i, b->ns, b->ns);
    }
    b->node.id = b->id;
    b->node.cluster = s->flags & F_GATEWAY ? "istio-egressgateway.istio-system" : "app";
    b->v_ns.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
    b->v_ns.string_value = b->ns;
    b->e_ns.key = "NAMESPACE";
    b->e_ns.value = &b->v_ns;
    b->meta_e[0] = &b->e_ns;
    b->meta.fields = b->meta_e;
    b->meta.n_fields = 1;
    if (s->flags & F_GATEWAY) {
        b->v_istio.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
        b->v_istio.string_value = "egressgateway";
        b->e_istio.key = "istio";
        b->e_istio.value = &b->v_istio;
        b->label_e[0] = &b->e_istio;
        b->labels.fields = b->label_e;
        b->labels.n_fields = 1;
        b->v_labels.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
        b->v_labels.struct_value = &b->labels;
        b->e_labels.key = "LABELS";
        b->e_labels.value = &b->v_labels;
        b->meta_e[1] = &b->e_labels;
        b->meta.n_fields = 2;
    }
    b->node.metadata = &b->meta;
}

static const char *str_or_empty(const char *p)
{
    return p ? p : "";
}

/* What SotW and delta requests end alike with: a NACK's error, the node on
 * the stream's first request, and the sending. err and nb live in the
 * caller's frame until the message is queued (packed). */
static void finish_request(struct stream *s, enum xds_type t, int nack, Google__Rpc__Status *err,
                           struct node_buf *nb, Google__Rpc__Status **error_detail,
                           Envoy__Config__Core__V3__Node **node, ProtobufCMessage *msg)
{
    if (nack) {
        google__rpc__status__init(err);
        err->code = 3;
        err->message = "bench: rejected on purpose";
        *error_detail = err;
    }
    if (!s->sent_node) {
        node_fill(nb, s);
        *node = &nb->node;
        s->sent_node = 1;
    }
    s->ts[t].requested = 1;
    queue_msg(s, msg);
}

/* A SotW request: subscription (names), ACK/NACK (version, nonce). */
static void send_sotw(struct stream *s, enum xds_type t, int nack)
{
    Envoy__Service__Discovery__V3__DiscoveryRequest rq;
    Google__Rpc__Status err;
    struct node_buf nb;
    envoy__service__discovery__v3__discovery_request__init(&rq);
    rq.type_url = (char *)xds_type_url(t);
    rq.version_info = (char *)str_or_empty(s->ts[t].version);
    rq.response_nonce = (char *)str_or_empty(s->ts[t].nonce);
    rq.resource_names = s->ts[t].sub;
    rq.n_resource_names = s->ts[t].n_sub;
    finish_request(s, t, nack, &err, &nb, &rq.error_detail, &rq.node, &rq.base);
}

/* A delta request: subscribe/unsubscribe lists, or an ACK/NACK of nonce. */
static void send_delta(struct stream *s, enum xds_type t, char **sub, size_t n_sub, char **unsub,
                       size_t n_unsub, const char *nonce, int nack)
{
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest rq;
    Google__Rpc__Status err;
    struct node_buf nb;
    envoy__service__discovery__v3__delta_discovery_request__init(&rq);
    rq.type_url = (char *)xds_type_url(t);
    rq.resource_names_subscribe = sub;
    rq.n_resource_names_subscribe = n_sub;
    rq.resource_names_unsubscribe = unsub;
    rq.n_resource_names_unsubscribe = n_unsub;
    rq.response_nonce = (char *)str_or_empty(nonce);
    finish_request(s, t, nack, &err, &nb, &rq.error_detail, &rq.node, &rq.base);
}

/* ---- receiving ----------------------------------------------------------------------- */

static int cmp_rinfo(const void *a, const void *b)
{
    return strcmp((*(struct rinfo *const *)a)->name, (*(struct rinfo *const *)b)->name);
}

/* The sorted, unique names the proxy's resources of a type depend on. */
static char **deps_of(const struct tstate *ts, size_t *n)
{
    size_t cap = 0, k = 0;
    char **v = NULL;
    if (ts->resp) {
        v = xcalloc(ts->resp->n_deps + 1, sizeof(*v));
        memcpy(v, ts->resp->deps, ts->resp->n_deps * sizeof(*v));
        *n = ts->resp->n_deps;
        return v;
    }
    for (size_t i = 0; i < ts->n_have; i++)
        for (size_t j = 0; j < ts->have[i]->n_deps; j++) {
            xgrow((void **)&v, &cap, k + 1, sizeof(*v));
            v[k++] = ts->have[i]->deps[j];
        }
    *n = sort_unique(v, k);
    return v;
}

/* Resubscribe the dependent type when the set of names changed (Envoy asks
 * for a cluster's endpoints and a listener's routes once it sees them). */
static void update_deps(struct stream *s, enum xds_type from)
{
    enum xds_type dep = from == XDS_CLUSTER ? XDS_ENDPOINT : XDS_ROUTE;
    struct tstate *d = &s->ts[dep];
    size_t n;
    char **names = deps_of(&s->ts[from], &n);
    int same = n == d->n_sub;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(names[i], d->sub[i]) == 0;
    if (same && d->requested) {
        free(names);
        return;
    }
    if (s->flags & F_DELTA) {
        /* names and d->sub are both sorted: walk them together */
        char **add = xcalloc(n + 1, sizeof(*add)), **del = xcalloc(d->n_sub + 1, sizeof(*del));
        size_t na = 0, nd = 0, i = 0, j = 0;
        while (i < n || j < d->n_sub) {
            int c = i == n ? 1 : j == d->n_sub ? -1 : strcmp(names[i], d->sub[j]);
            if (c < 0)
                add[na++] = names[i++];
            else if (c > 0)
                del[nd++] = d->sub[j++];
            else
                i++, j++;
        }
        if (na || nd || !d->requested)
            send_delta(s, dep, add, na, del, nd, NULL, 0);
        free(add);
        free(del);
    }
    free(d->sub);
    d->sub = names;
    d->n_sub = n;
    if (!(s->flags & F_DELTA))
        send_sotw(s, dep, 0);
    if (n == 0)
        d->received = 1; /* nothing to wait for */
}

static void check_full(struct stream *s, double now)
{
    if (s->full || (s->flags & F_NACK))
        return;
    /* the four types a proxy of the bench configuration asks for: it names
     * no credential, so it never subscribes to Secrets */
    for (int t = 0; t < XDS_NTYPES; t++)
        if (t != XDS_SECRET && !s->ts[t].received)
            return;
    s->full = 1;
    s->t_full = now;
}

static void set_str(char **dst, struct pbr src)
{
    free(*dst);
    *dst = src.p ? pb_str(&src) : xstrdup("");
}

static int same_str(const char *a, struct pbr b)
{
    size_t n = (size_t)(b.end - b.p);
    return a && strlen(a) == n && (n == 0 || memcmp(a, b.p, n) == 0);
}

/* Whether this stream's responses are saved for the raw server (--capture). */
static int capturing(const struct stream *s)
{
    return o.capture && capture_phase <= 1 && s->idx <= 1;
}

static void capture(struct stream *s, int type, struct pbr msg)
{
    if (!capturing(s))
        return;
    const uint8_t *buf = msg.p;
    size_t len = (size_t)(msg.end - msg.p);
    char path[512];
    snprintf(path, sizeof(path), "%s/%s-%s-%s-%03d.bin", o.capture,
             s->flags & F_DELTA ? "delta" : "sotw", capture_phase ? "push" : "init",
             xds_type_short((enum xds_type)type), s->capture_fd_seq++);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    if (write(fd, buf, len) != (ssize_t)len)
        fprintf(stderr, "loadgen: short write to %s\n", path);
    close(fd);
}

/* A SotW response r; msg, its bytes, only where on_recv says they are needed. */
static void on_sotw(struct stream *s, const struct rsp *rp, struct pbr msg, double now)
{
    struct rsp r = *rp;
    enum xds_type t = (enum xds_type)r.type;
    capture(s, t, msg);
    struct tstate *ts = &s->ts[t];
    if ((s->flags & F_NACK) && t == XDS_LISTENER) {
        if (same_str(ts->nacked_version, r.version))
            s->nack_resends++;
        set_str(&ts->nacked_version, r.version);
        set_str(&ts->nonce, r.nonce);
        s->nacks++;
        send_sotw(s, t, 1);
        return;
    }
    if (t == XDS_CLUSTER || t == XDS_LISTENER) /* only these name other resources */
        ts->resp = response_info(t, msg, r.version);
    set_str(&ts->version, r.version);
    set_str(&ts->nonce, r.nonce);
    ts->received = 1;
    send_sotw(s, t, 0); /* the ACK */
    if (t == XDS_CLUSTER || t == XDS_LISTENER)
        update_deps(s, t);
    s->t_last_ack = now;
    s->updates++;
    check_full(s, now);
}

static int in_sorted(char **v, size_t n, const char *name)
{
    return n && bsearch(&name, v, n, sizeof(*v), cmp_str) != NULL;
}

/* Apply a delta response to the sorted list of what the proxy holds: old
 * entries not replaced nor removed, then the new ones. */
static void delta_apply(struct tstate *ts, enum xds_type t, struct pbr msg)
{
    struct rinfo **add = NULL;
    char **names = NULL, **removed = NULL;
    size_t na = 0, nr = 0, ca = 0, cn = 0, cr = 0, n = 0;
    uint32_t f, g;
    struct pbr sub, x;
    uint64_t v;
    while (pb_next(&msg, &f, &sub, &v)) {
        if (f == 6 && sub.p) {
            xgrow((void **)&removed, &cr, nr + 1, sizeof(*removed));
            removed[nr++] = pb_str(&sub);
        }
        if (f != 2 || !sub.p)
            continue;
        struct pbr name = {0}, version = {0}, bytes = {0};
        while (pb_next(&sub, &g, &x, &v)) { /* Resource: 1 version, 2 Any, 3 name */
            if (g == 1)
                version = x;
            else if (g == 3)
                name = x;
            else if (g == 2 && x.p)
                while (pb_next(&x, &f, &bytes, &v) && f != 2)
                    ;
        }
        struct rinfo *ri = resource_info(t, name, version, bytes);
        xgrow((void **)&add, &ca, na + 1, sizeof(*add));
        xgrow((void **)&names, &cn, na + 1, sizeof(*names));
        names[na] = ri->name;
        add[na++] = ri;
    }
    qsort(names, na, sizeof(*names), cmp_str);
    if (nr)
        qsort(removed, nr, sizeof(*removed), cmp_str);
    struct rinfo **out = xcalloc(ts->n_have + na + 1, sizeof(*out));
    for (size_t i = 0; i < ts->n_have; i++)
        if (!in_sorted(names, na, ts->have[i]->name) && !in_sorted(removed, nr, ts->have[i]->name))
            out[n++] = ts->have[i];
    memcpy(out + n, add, na * sizeof(*add));
    n += na;
    qsort(out, n, sizeof(*out), cmp_rinfo);
    for (size_t i = 0; i < nr; i++)
        free(removed[i]);
    free(removed);
    free(names);
    free(add);
    free(ts->have);
    ts->have = out;
    ts->n_have = n;
}

static void on_delta(struct stream *s, const struct rsp *rp, struct pbr msg, double now)
{
    struct rsp r = *rp;
    enum xds_type t = (enum xds_type)r.type;
    capture(s, t, msg);
    struct tstate *ts = &s->ts[t];
    char *nonce = pb_str(&r.nonce);
    if ((s->flags & F_NACK) && t == XDS_LISTENER) {
        if (same_str(ts->nacked_version, r.version))
            s->nack_resends++;
        set_str(&ts->nacked_version, r.version);
        s->nacks++;
        send_delta(s, t, NULL, 0, NULL, 0, nonce, 1);
        free(nonce);
        return;
    }
    if (t == XDS_CLUSTER || t == XDS_LISTENER)
        delta_apply(ts, t, msg);
    ts->received = 1;
    send_delta(s, t, NULL, 0, NULL, 0, nonce, 0);
    free(nonce);
    if (t == XDS_CLUSTER || t == XDS_LISTENER)
        update_deps(s, t);
    s->t_last_ack = now;
    s->updates++;
    check_full(s, now);
}

static void start_recv(struct stream *s)
{
    if (s->closed)
        return;
    grpc_op op = {0};
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &s->recv_bb;
    grpc_call_start_batch(s->call, &op, 1, tag_of(s, TAG_RECV), NULL);
}

/* Whether handling a response of this type needs its bytes, not only its
 * top-level fields: Clusters and Listeners name what to subscribe to next. */
static int needs_body(const struct stream *s, int type)
{
    return type == XDS_CLUSTER || type == XDS_LISTENER || capturing(s);
}

static void handle(struct stream *s, const struct rsp *r, struct pbr msg, double now)
{
    if (s->flags & F_DELTA)
        on_delta(s, r, msg, now);
    else
        on_sotw(s, r, msg, now);
}

static void on_recv(struct stream *s, int ok, double now)
{
    if (!ok || !s->recv_bb)
        return; /* the status tag reports the end */
    /* first the top-level fields, read where gRPC left them */
    struct pbr parts[64];
    size_t n = 0;
    int all = 1;
    grpc_byte_buffer_reader rd;
    grpc_slice *piece;
    grpc_byte_buffer_reader_init(&rd, s->recv_bb);
    while (all && grpc_byte_buffer_reader_peek(&rd, &piece)) {
        if (n == sizeof(parts) / sizeof(parts[0])) {
            all = 0;
            break;
        }
        parts[n].p = GRPC_SLICE_START_PTR(*piece);
        parts[n].end = parts[n].p + GRPC_SLICE_LENGTH(*piece);
        n++;
    }
    grpc_byte_buffer_reader_destroy(&rd);
    struct rsp r;
    uint8_t small[3][RSP_SMALL];
    if (all && rsp_scan_pieces(parts, n, &r, small) == 0 && !needs_body(s, r.type)) {
        handle(s, &r, (struct pbr){NULL, NULL}, now);
    } else {
        grpc_byte_buffer_reader_init(&rd, s->recv_bb);
        grpc_slice sl = grpc_byte_buffer_reader_readall(&rd);
        grpc_byte_buffer_reader_destroy(&rd);
        struct pbr msg = {GRPC_SLICE_START_PTR(sl), GRPC_SLICE_END_PTR(sl)};
        if (rsp_scan(msg, &r) == 0)
            handle(s, &r, msg, now);
        grpc_slice_unref(sl);
    }
    grpc_byte_buffer_destroy(s->recv_bb);
    s->recv_bb = NULL;
    last_event = now;
    if (s->flags & F_SLOW) {
        s->slow_due = now + o.slow_ms;
        s->slow_next = NULL;
        if (slow_tail)
            slow_tail->slow_next = s;
        else
            slow_head = s;
        slow_tail = s;
        return;
    }
    start_recv(s);
}

#endif
