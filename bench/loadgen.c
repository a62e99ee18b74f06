/* loadgen.c - simulated Envoy proxies on ADS streams, for `make bench`.
 *
 * N proxies (sidecars in M namespaces and egress gateways, state-of-the-world
 * and delta), each on its own ADS stream, spread over C HTTP/2 connections
 * (one per proxy by default, as Envoy does). Each subscribes to CDS and LDS
 * (wildcard), then to the EDS and RDS names those responses mention, and
 * ACKs like Envoy (version_info + response_nonce). Optional NACK streams
 * reject every Listener response; slow readers wait before each read.
 *
 * Phases: warm (one stream per proxy class, so the server has built every
 * view), connect (the rest at once), settle, then P pushes: each writes an
 * edited file and renames it into the config directory, and measures for
 * every stream the time from the rename to its last ACK of the new config.
 * With --server-pid, the server's RSS and CPU are sampled at each boundary.
 * Results are "key=value" lines on stdout. All traffic goes to --target. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <sys/stat.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "envoy/service/discovery/v3/discovery.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "xdsd/snapshot.h"
#include "xdsd/util.h"

#include "bench.h"
#include "xds_scan.h"

#define SOTW_METHOD                                                                                \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
#define DELTA_METHOD                                                                               \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"

enum { TAG_STATUS, TAG_RECV, TAG_SEND, TAG_START };
enum { F_DELTA = 1, F_GATEWAY = 2, F_NACK = 4, F_SLOW = 8 };

struct opts {
    const char *target;
    int streams, conns, delta_pct, gateway_pct, namespaces, nack_pct, slow_pct, slow_ms;
    int server_pid, settle_ms, pushes, quiet_ms, push_timeout_ms, connect_timeout_ms;
    const char *edit_a, *edit_b, *edit_dst, *capture;
};

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

static struct opts o = {
    .target = "127.0.0.1:15010",
    .streams = 100,
    .conns = 0,
    .delta_pct = 20,
    .gateway_pct = 2,
    .namespaces = 10,
    .slow_ms = 50,
    .settle_ms = 1000,
    .quiet_ms = 300,
    .push_timeout_ms = 20000,
    .connect_timeout_ms = 180000,
};
static grpc_completion_queue *cq;
static grpc_channel **chans;
static struct stream *st;
static struct stream *slow_head, *slow_tail;
static double last_event;
static int capture_phase; /* 0 init, 1 first push, 2 done */
static int n_closed;
static char first_error[256];
static double *all_push; /* every (stream, push) latency, for the summary */
static size_t n_all_push, cap_all_push;
static double push_cpu_total;

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

/* The Node of a stream's first request, in Istio's form (DESIGN.md). */
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
    if (nack) {
        google__rpc__status__init(&err);
        err.code = 3;
        err.message = "bench: rejected on purpose";
        rq.error_detail = &err;
    }
    if (!s->sent_node) {
        node_fill(&nb, s);
        rq.node = &nb.node;
        s->sent_node = 1;
    }
    s->ts[t].requested = 1;
    queue_msg(s, &rq.base);
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
    if (nack) {
        google__rpc__status__init(&err);
        err.code = 3;
        err.message = "bench: rejected on purpose";
        rq.error_detail = &err;
    }
    if (!s->sent_node) {
        node_fill(&nb, s);
        rq.node = &nb.node;
        s->sent_node = 1;
    }
    s->ts[t].requested = 1;
    queue_msg(s, &rq.base);
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
    for (int t = 0; t < XDS_NTYPES; t++)
        if (!s->ts[t].received)
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

static void capture(struct stream *s, int type, const uint8_t *buf, size_t len)
{
    if (!o.capture || capture_phase > 1 || s->idx > 1)
        return;
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

static void on_sotw(struct stream *s, const uint8_t *buf, size_t len, double now)
{
    struct pbr msg = {buf, buf + len};
    struct rsp r;
    if (rsp_scan(msg, &r) < 0)
        return;
    enum xds_type t = (enum xds_type)r.type;
    capture(s, t, buf, len);
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

static void on_delta(struct stream *s, const uint8_t *buf, size_t len, double now)
{
    struct pbr msg = {buf, buf + len};
    struct rsp r;
    if (rsp_scan(msg, &r) < 0)
        return;
    enum xds_type t = (enum xds_type)r.type;
    capture(s, t, buf, len);
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

static void on_recv(struct stream *s, int ok, double now)
{
    if (!ok || !s->recv_bb)
        return; /* the status tag reports the end */
    grpc_byte_buffer_reader rd;
    grpc_byte_buffer_reader_init(&rd, s->recv_bb);
    grpc_slice sl = grpc_byte_buffer_reader_readall(&rd);
    grpc_byte_buffer_reader_destroy(&rd);
    grpc_byte_buffer_destroy(s->recv_bb);
    s->recv_bb = NULL;
    if (s->flags & F_DELTA)
        on_delta(s, GRPC_SLICE_START_PTR(sl), GRPC_SLICE_LENGTH(sl), now);
    else
        on_sotw(s, GRPC_SLICE_START_PTR(sl), GRPC_SLICE_LENGTH(sl), now);
    grpc_slice_unref(sl);
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

/* ---- streams ------------------------------------------------------------------------- */

static unsigned pick(int i, int salt, int pct)
{
    uint32_t h = (uint32_t)i * 2654435761u ^ (uint32_t)salt * 40503u;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    return (int)(h % 100) < pct;
}

/* The first streams cover every class (namespace x protocol, gateway x
 * protocol) so that the warm phase builds every view; the rest are drawn. */
static void stream_init(struct stream *s, int i, int warm)
{
    memset(s, 0, sizeof(*s));
    s->idx = i;
    if (i < warm - 2) {
        s->ns = (i / 2) % o.namespaces;
        s->flags = (i & 1) ? F_DELTA : 0;
    } else if (i < warm) {
        s->flags = F_GATEWAY | ((i & 1) ? F_DELTA : 0);
    } else {
        s->ns = i % o.namespaces;
        s->flags = (pick(i, 1, o.delta_pct) ? F_DELTA : 0) |
                   (pick(i, 2, o.gateway_pct) ? F_GATEWAY : 0) |
                   (pick(i, 3, o.nack_pct) ? F_NACK : 0) | (pick(i, 4, o.slow_pct) ? F_SLOW : 0);
    }
    grpc_metadata_array_init(&s->md_init);
    grpc_metadata_array_init(&s->md_trail);
}

static void stream_start(struct stream *s, double now)
{
    grpc_channel *ch = chans[s->idx % o.conns];
    const char *m = s->flags & F_DELTA ? DELTA_METHOD : SOTW_METHOD;
    s->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
                                       grpc_slice_from_static_string(m), NULL,
                                       gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    s->t_start = now;
    s->started = 1;
    grpc_op ops[3];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY;
    ops[1].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[1].data.recv_status_on_client.trailing_metadata = &s->md_trail;
    ops[1].data.recv_status_on_client.status = &s->status;
    ops[1].data.recv_status_on_client.status_details = &s->details;
    grpc_call_start_batch(s->call, ops, 2, tag_of(s, TAG_STATUS), NULL);
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[0].data.recv_initial_metadata.recv_initial_metadata = &s->md_init;
    grpc_call_start_batch(s->call, ops, 1, tag_of(s, TAG_START), NULL);
    start_recv(s);
    /* wildcard CDS and LDS, as Envoy starts */
    if (s->flags & F_DELTA) {
        send_delta(s, XDS_CLUSTER, NULL, 0, NULL, 0, NULL, 0);
        send_delta(s, XDS_LISTENER, NULL, 0, NULL, 0, NULL, 0);
    } else {
        send_sotw(s, XDS_CLUSTER, 0);
        send_sotw(s, XDS_LISTENER, 0);
    }
}

static void on_status(struct stream *s)
{
    s->closed = 1;
    n_closed++;
    if (!first_error[0]) {
        char *d = grpc_slice_to_c_string(s->details);
        snprintf(first_error, sizeof(first_error), "stream %d: status %d: %s", s->idx,
                 (int)s->status, d);
        gpr_free(d);
    }
}

/* Run the completion queue (and slow-reader timers) for up to ms. */
static void pump(double ms)
{
    double end = bench_now() + ms;
    for (;;) {
        double now = bench_now();
        while (slow_head && slow_head->slow_due <= now) {
            struct stream *s = slow_head;
            slow_head = s->slow_next;
            if (!slow_head)
                slow_tail = NULL;
            start_recv(s);
        }
        if (now >= end)
            return;
        double wait = end - now;
        if (wait > 5)
            wait = 5;
        grpc_event ev = grpc_completion_queue_next(
            cq,
            gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                         gpr_time_from_micros((int64_t)(wait * 1000), GPR_TIMESPAN)),
            NULL);
        if (ev.type != GRPC_OP_COMPLETE)
            continue;
        struct stream *s = (struct stream *)((uintptr_t)ev.tag & ~(uintptr_t)7);
        switch ((uintptr_t)ev.tag & 7) {
        case TAG_RECV:
            on_recv(s, ev.success, bench_now());
            break;
        case TAG_SEND:
            on_sent(s);
            break;
        case TAG_STATUS:
            on_status(s);
            break;
        default:
            break;
        }
    }
}

/* ---- phases -------------------------------------------------------------------------- */

static int eligible(const struct stream *s)
{
    return s->started && !(s->flags & F_NACK);
}

/* Pump until every eligible stream among [from, to) has its full config (or
 * ended), or timeout_ms passed. Returns the number that got it. */
static int wait_full(int from, int to, double timeout_ms)
{
    double end = bench_now() + timeout_ms;
    int full = 0;
    while (bench_now() < end) {
        pump(20);
        int waiting = 0;
        full = 0;
        for (int i = from; i < to; i++) {
            if (!eligible(&st[i]))
                continue;
            if (st[i].full)
                full++;
            else if (!st[i].closed)
                waiting++;
        }
        if (!waiting)
            break;
    }
    return full;
}

struct sample {
    long rss_kb;
    double cpu_s;
};

static struct sample sample_server(void)
{
    struct sample x = {-1, -1};
    if (o.server_pid > 0) {
        x.rss_kb = bench_rss_kb(o.server_pid);
        x.cpu_s = bench_cpu_s(o.server_pid);
    }
    return x;
}

static void report_full(const char *phase, int from, int to, double t0, struct sample a,
                        struct sample b)
{
    size_t n = 0, nf = 0, failed = 0;
    double *v = xcalloc((size_t)(to - from) + 1, sizeof(*v)), last = t0;
    for (int i = from; i < to; i++) {
        if (!eligible(&st[i]))
            continue;
        n++;
        if (st[i].full) {
            v[nf++] = st[i].t_full - t0;
            if (st[i].t_full > last)
                last = st[i].t_full;
        } else if (st[i].closed) {
            failed++;
        }
    }
    double p50 = bench_quantile(v, nf, 0.5), p99 = bench_quantile(v, nf, 0.99);
    printf("%s streams=%zu full=%zu failed=%zu ms=%.1f p50_ms=%.1f p99_ms=%.1f "
           "server_rss_kb=%ld server_cpu_s=%.2f\n",
           phase, n, nf, failed, last - t0, p50, p99, b.rss_kb, b.cpu_s - a.cpu_s);
    fflush(stdout);
    free(v);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "loadgen: cannot open '%s': %s\n", path, strerror(errno));
        exit(2);
    }
    char *buf = NULL;
    size_t cap = 0, n = 0, r;
    do {
        xgrow((void **)&buf, &cap, n + 65536, 1);
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    *len = n;
    return buf;
}

/* Write the next edit beside its source, then rename it over the watched
 * file: the rename is the moment the new configuration is published (the
 * server runs with --debounce 0). Returns that moment. */
static double publish(int i)
{
    const char *src = i % 2 ? o.edit_b : o.edit_a;
    size_t len;
    char *buf = slurp(src, &len);
    char *tmp = xasprintf("%s.tmp", src);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "loadgen: cannot write '%s'\n", tmp);
        exit(2);
    }
    double t0 = bench_now();
    if (rename(tmp, o.edit_dst) < 0) {
        fprintf(stderr, "loadgen: cannot rename to '%s': %s\n", o.edit_dst, strerror(errno));
        exit(2);
    }
    free(tmp);
    free(buf);
    return t0;
}

static void push(int i)
{
    for (int k = 0; k < o.streams; k++)
        st[k].updates = 0;
    struct sample a = sample_server();
    capture_phase = i == 0 ? 1 : 2;
    double t0 = publish(i), end = t0 + o.push_timeout_ms;
    last_event = t0;
    for (;;) {
        pump(10);
        double now = bench_now();
        if (now >= end)
            break;
        if (now - last_event < o.quiet_ms)
            continue;
        int waiting = 0;
        for (int k = 0; k < o.streams && !waiting; k++)
            waiting = eligible(&st[k]) && !st[k].closed && st[k].updates == 0;
        if (!waiting)
            break;
    }
    struct sample b = sample_server();
    size_t n = 0, nu = 0;
    double *v = xcalloc((size_t)o.streams + 1, sizeof(*v)), first = 1e18;
    for (int k = 0; k < o.streams; k++) {
        if (!eligible(&st[k]) || st[k].closed)
            continue;
        n++;
        if (st[k].updates) {
            v[nu++] = st[k].t_last_ack - t0;
            if (st[k].t_last_ack - t0 < first)
                first = st[k].t_last_ack - t0;
        }
    }
    xgrow((void **)&all_push, &cap_all_push, n_all_push + nu, sizeof(*all_push));
    memcpy(all_push + n_all_push, v, nu * sizeof(*v));
    n_all_push += nu;
    push_cpu_total += b.cpu_s - a.cpu_s;
    double p50 = bench_quantile(v, nu, 0.5), p99 = bench_quantile(v, nu, 0.99);
    double mx = nu ? v[nu - 1] : 0;
    printf("push i=%d streams=%zu updated=%zu missing=%zu first_ms=%.1f p50_ms=%.1f "
           "p99_ms=%.1f max_ms=%.1f server_cpu_s=%.2f\n",
           i + 1, n, nu, n - nu, nu ? first : 0, p50, p99, mx, b.cpu_s - a.cpu_s);
    fflush(stdout);
    free(v);
    capture_phase = 2;
}

static void make_channels(void)
{
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    chans = xcalloc((size_t)o.conns, sizeof(*chans));
    for (int c = 0; c < o.conns; c++) {
        /* a distinct argument per channel stops gRPC from sharing one
         * subchannel (one TCP connection) between channels to one target */
        grpc_arg a[3];
        memset(a, 0, sizeof(a));
        a[0].type = GRPC_ARG_INTEGER;
        a[0].key = "bench.conn_id";
        a[0].value.integer = c;
        a[1].type = GRPC_ARG_INTEGER;
        a[1].key = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
        a[1].value.integer = 1;
        a[2].type = GRPC_ARG_INTEGER;
        a[2].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
        a[2].value.integer = -1;
        grpc_channel_args args = {3, a};
        chans[c] = grpc_channel_create(o.target, creds, &args);
    }
    grpc_channel_credentials_release(creds);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: loadgen [--target HOST:PORT] [--streams N] [--conns C] [--delta-pct P]\n"
            "               [--gateway-pct P] [--namespaces M] [--nack-pct P] [--slow-pct P]\n"
            "               [--slow-ms MS] [--server-pid PID] [--settle-ms MS] [--pushes P]\n"
            "               [--edit-a FILE --edit-b FILE --edit-dst FILE] [--quiet-ms MS]\n"
            "               [--push-timeout-ms MS] [--connect-timeout-ms MS] [--capture DIR]\n");
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    static const struct option lo[] = {
        {"target", 1, 0, 't'},          {"streams", 1, 0, 'n'},
        {"conns", 1, 0, 'c'},           {"delta-pct", 1, 0, 'd'},
        {"gateway-pct", 1, 0, 'g'},     {"namespaces", 1, 0, 'm'},
        {"nack-pct", 1, 0, 'k'},        {"slow-pct", 1, 0, 's'},
        {"slow-ms", 1, 0, 'S'},         {"server-pid", 1, 0, 'p'},
        {"settle-ms", 1, 0, 'w'},       {"pushes", 1, 0, 'P'},
        {"edit-a", 1, 0, 'A'},          {"edit-b", 1, 0, 'B'},
        {"edit-dst", 1, 0, 'D'},        {"quiet-ms", 1, 0, 'q'},
        {"push-timeout-ms", 1, 0, 'T'}, {"connect-timeout-ms", 1, 0, 'C'},
        {"capture", 1, 0, 'x'},         {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 't':
            o.target = optarg;
            break;
        case 'n':
            o.streams = atoi(optarg);
            break;
        case 'c':
            o.conns = atoi(optarg);
            break;
        case 'd':
            o.delta_pct = atoi(optarg);
            break;
        case 'g':
            o.gateway_pct = atoi(optarg);
            break;
        case 'm':
            o.namespaces = atoi(optarg);
            break;
        case 'k':
            o.nack_pct = atoi(optarg);
            break;
        case 's':
            o.slow_pct = atoi(optarg);
            break;
        case 'S':
            o.slow_ms = atoi(optarg);
            break;
        case 'p':
            o.server_pid = atoi(optarg);
            break;
        case 'w':
            o.settle_ms = atoi(optarg);
            break;
        case 'P':
            o.pushes = atoi(optarg);
            break;
        case 'A':
            o.edit_a = optarg;
            break;
        case 'B':
            o.edit_b = optarg;
            break;
        case 'D':
            o.edit_dst = optarg;
            break;
        case 'q':
            o.quiet_ms = atoi(optarg);
            break;
        case 'T':
            o.push_timeout_ms = atoi(optarg);
            break;
        case 'C':
            o.connect_timeout_ms = atoi(optarg);
            break;
        case 'x':
            o.capture = optarg;
            break;
        default:
            usage();
        }
    }
    if (o.streams < 1 || o.namespaces < 1 || (o.pushes && (!o.edit_a || !o.edit_b || !o.edit_dst)))
        usage();
    if (o.conns <= 0 || o.conns > o.streams)
        o.conns = o.streams;
}

static void report_nacks(void)
{
    int n = 0, nacks = 0, resends = 0;
    for (int i = 0; i < o.streams; i++)
        if (st[i].flags & F_NACK) {
            n++;
            nacks += st[i].nacks;
            resends += st[i].nack_resends;
        }
    if (n)
        printf("nack streams=%d nacks=%d resent_after_nack=%d\n", n, nacks, resends);
}

/* Debian builds abseil with Mutex deadlock detection on: every lock taken
 * records edges in a global graph, which grows with the number of channels
 * and made connecting 10,000 channels take seconds of CPU. gRPC C core
 * offers no switch, so turn it off through abseil's own setter when present. */
static void absl_deadlock_detection_off(void)
{
    void (*set)(int) = (void (*)(int))dlsym(
        RTLD_DEFAULT, "_ZN4absl7debian329SetMutexDeadlockDetectionModeENS0_15OnDeadlockCycleE");
    if (set)
        set(0); /* OnDeadlockCycle::kIgnore */
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    if (!getenv("BENCH_ABSL_DEADLOCK_DETECTION"))
        absl_deadlock_detection_off();
    bench_raise_nofile();
    if (o.capture)
        mkdir(o.capture, 0755);
    grpc_init();
    cq = grpc_completion_queue_create_for_next(NULL);
    make_channels();
    st = xcalloc((size_t)o.streams, sizeof(*st));
    int warm = 2 * o.namespaces + 2;
    if (warm > o.streams)
        warm = o.streams;
    int kinds[4] = {0};
    for (int i = 0; i < o.streams; i++) {
        stream_init(&st[i], i, warm);
        kinds[0] += !!(st[i].flags & F_DELTA);
        kinds[1] += !!(st[i].flags & F_GATEWAY);
        kinds[2] += !!(st[i].flags & F_NACK);
        kinds[3] += !!(st[i].flags & F_SLOW);
    }
    printf("loadgen streams=%d conns=%d delta=%d gateways=%d nack=%d slow=%d namespaces=%d\n",
           o.streams, o.conns, kinds[0], kinds[1], kinds[2], kinds[3], o.namespaces);
    struct sample idle = sample_server();
    printf("idle server_rss_kb=%ld server_cpu_s=%.2f\n", idle.rss_kb, idle.cpu_s);

    double t0 = bench_now();
    for (int i = 0; i < warm; i++)
        stream_start(&st[i], bench_now());
    wait_full(0, warm, o.connect_timeout_ms);
    struct sample w = sample_server();
    report_full("warm", 0, warm, t0, idle, w);

    t0 = bench_now();
    for (int i = warm; i < o.streams; i++)
        stream_start(&st[i], t0);
    printf("start streams=%d ms=%.1f\n", o.streams - warm, bench_now() - t0);
    wait_full(warm, o.streams, o.connect_timeout_ms);
    struct sample c = sample_server();
    report_full("connect", warm, o.streams, t0, w, c);

    pump(o.settle_ms);
    struct sample s = sample_server();
    int rest = o.streams - warm;
    printf("settle server_rss_kb=%ld kb_per_stream=%.1f loadgen_rss_kb=%ld closed=%d "
           "server_cpu_s=%.2f\n",
           s.rss_kb, rest > 0 ? (double)(s.rss_kb - w.rss_kb) / rest : 0.0, bench_rss_kb(0),
           n_closed, s.cpu_s - c.cpu_s);
    fflush(stdout);

    for (int i = 0; i < o.pushes; i++) {
        push(i);
        pump(200);
    }
    if (o.pushes) {
        double p50 = bench_quantile(all_push, n_all_push, 0.5);
        double p99 = bench_quantile(all_push, n_all_push, 0.99);
        printf("pushes n=%d samples=%zu p50_ms=%.1f p99_ms=%.1f max_ms=%.1f server_cpu_s=%.2f\n",
               o.pushes, n_all_push, p50, p99, n_all_push ? all_push[n_all_push - 1] : 0.0,
               push_cpu_total);
    }
    report_nacks();
    if (first_error[0])
        printf("error %s\n", first_error);
    printf("done closed=%d loadgen_cpu_s=%.2f\n", n_closed, bench_cpu_s(0));
    fflush(stdout);
    /* thousands of channels take seconds to tear down, and the kernel closes
     * their sockets anyway */
    _exit(0);
}
