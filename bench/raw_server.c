/* raw_server.c - the floor gRPC itself sets: an ADS server that does nothing
 * but hold streams and send them precomputed bytes.
 *
 * It answers the first request of each type on a stream with the responses
 * loadgen captured from xdsd for that type (--capture DIR, files
 * {sotw,delta}-{init,push}-TYPE-SEQ.bin), or with small synthetic ones
 * (--synthetic K clusters). When a file in --watch DIR is written or renamed
 * into place (inotify, as xdsd watches its config directory), it sends every
 * stream the captured "push" responses, then the "init" ones on the next
 * trigger, so each trigger is a new version. No translation, no per-stream
 * state beyond what the protocol needs: xdsd's push time and memory per
 * stream are reported as ratios to this server's. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/inotify.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "envoy/service/discovery/v3/discovery.pb-c.h"
#include "xdsd/snapshot.h"
#include "xdsd/util.h"

#include "bench.h"

#define SOTW_METHOD                                                                                \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
#define DELTA_METHOD                                                                               \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"
#define PREPOST 64
/* As xdsd (src/xds/server_int.h): calls spread over several completion
 * queues, since Debian's gRPC scans a queue's outstanding tags on every
 * completion. */
#define QUEUES 16
#define QUEUE_STREAMS 512

enum { TAG_NEW_SOTW, TAG_NEW_DELTA, TAG_RECV, TAG_SEND, TAG_CLOSE, TAG_STATUS };

/* Precomputed responses: [delta][push][type] -> list. */
struct msgs {
    grpc_slice *v;
    size_t n, cap;
};
static struct msgs set[2][2][XDS_NTYPES];

struct pending {
    grpc_byte_buffer *bb;
    struct pending *next;
};

struct rcall {
    grpc_call *call;
    int delta;
    int inflight; /* batches not yet completed */
    int closed;   /* RECV_CLOSE_ON_SERVER completed */
    int status_sent;
    int cancelled;
    int live_idx;
    grpc_byte_buffer *recv_bb;
    struct pending *q_head, *q_tail;
    int sending;
    uint8_t served[XDS_NTYPES];
};

/* One pre-posted request per slot: gRPC fills call and metadata. */
struct slot {
    int delta;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array md;
    grpc_byte_buffer *payload;
};

static grpc_server *server;
static grpc_completion_queue *cqs[QUEUES];
static void *method[2];
static struct rcall **live;
static size_t n_live, cap_live;
static int flip;
static volatile sig_atomic_t stop;

static void *tag_of(void *p, int kind)
{
    return (void *)((uintptr_t)p | (uintptr_t)kind);
}

static void msgs_add(struct msgs *m, const void *buf, size_t len)
{
    xgrow((void **)&m->v, &m->cap, m->n + 1, sizeof(*m->v));
    uint8_t *copy = xmalloc(len ? len : 1);
    memcpy(copy, buf, len);
    /* lives as long as the process: gRPC may reference it without a refcount */
    m->v[m->n++] = grpc_slice_from_static_buffer(copy, len);
}

/* ---- precomputed responses --------------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_capture(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "raw_server: cannot open '%s': %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".bin")) {
            xgrow((void **)&names, &cap, n + 1, sizeof(*names));
            names[n++] = xstrdup(e->d_name);
        }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_name); /* sequence numbers are zero-padded */
    int loaded = 0;
    for (size_t i = 0; i < n; i++) {
        char proto[16], phase[16], type[16];
        if (sscanf(names[i], "%15[a-z]-%15[a-z]-%15[a-z]-", proto, phase, type) != 3)
            continue;
        int t = -1;
        for (int k = 0; k < XDS_NTYPES; k++)
            if (strcmp(type, xds_type_short((enum xds_type)k)) == 0)
                t = k;
        if (t < 0)
            continue;
        char *path = xasprintf("%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        free(path);
        if (!f)
            continue;
        static uint8_t buf[64 << 20];
        size_t len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        msgs_add(&set[strcmp(proto, "delta") == 0][strcmp(phase, "push") == 0][t], buf, len);
        loaded++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return loaded;
}

/* A tiny protobuf writer for the synthetic resources. */
struct pbw {
    uint8_t *b;
    size_t n, cap;
};

static void w_byte(struct pbw *w, uint8_t c)
{
    xgrow((void **)&w->b, &w->cap, w->n + 1, 1);
    w->b[w->n++] = c;
}

static void w_varint(struct pbw *w, uint64_t v)
{
    while (v >= 0x80) {
        w_byte(w, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    w_byte(w, (uint8_t)v);
}

static void w_bytes(struct pbw *w, uint32_t field, const void *p, size_t len)
{
    w_varint(w, (uint64_t)field << 3 | 2);
    w_varint(w, len);
    for (size_t i = 0; i < len; i++)
        w_byte(w, ((const uint8_t *)p)[i]);
}

static void w_str(struct pbw *w, uint32_t field, const char *s)
{
    w_bytes(w, field, s, strlen(s));
}

/* Synthetic resources: K EDS clusters with their endpoints, one listener
 * whose HttpConnectionManager names route "80", and that route. */
static void synth_resource(struct pbw *w, enum xds_type t, int k, int version)
{
    char name[64];
    snprintf(name, sizeof(name), "outbound|80||svc-%d.example.com", k);
    struct pbw a = {0}, b = {0}, c = {0};
    switch (t) {
    case XDS_CLUSTER:
        w_str(w, 1, name);
        w_varint(w, 2 << 3);
        w_varint(w, 3);
        w_str(&a, 2, name);
        w_bytes(w, 3, a.b, a.n);
        break;
    case XDS_ENDPOINT:
        w_str(w, 1, name);
        break;
    case XDS_LISTENER:
        w_str(w, 1, "0.0.0.0_80");
        w_str(&a, 2, "80");
        w_bytes(&b, 3, a.b, a.n); /* HCM.rds */
        a.n = 0;
        w_str(&a, 1,
              "type.googleapis.com/envoy.extensions.filters.network."
              "http_connection_manager.v3.HttpConnectionManager");
        w_bytes(&a, 2, b.b, b.n);
        w_bytes(&c, 4, a.b, a.n); /* Filter.typed_config */
        a.n = 0;
        w_bytes(&a, 3, c.b, c.n); /* FilterChain.filters */
        w_bytes(w, 3, a.b, a.n);  /* Listener.filter_chains */
        break;
    case XDS_ROUTE:
        w_str(w, 1, "80");
        snprintf(name, sizeof(name), "v%d", version);
        w_str(w, 99, name); /* an unknown field makes the bytes differ */
        break;
    default:
        break;
    }
    free(a.b);
    free(b.b);
    free(c.b);
}

static void synth(int k_clusters)
{
    for (int delta = 0; delta < 2; delta++)
        for (int push = 0; push < 2; push++)
            for (int t = 0; t < XDS_NTYPES; t++) {
                int n = t == XDS_CLUSTER || t == XDS_ENDPOINT ? k_clusters : 1;
                if (push && t != XDS_ROUTE)
                    continue;
                Google__Protobuf__Any **anys = xcalloc((size_t)n, sizeof(*anys));
                Envoy__Service__Discovery__V3__Resource **res = xcalloc((size_t)n, sizeof(*res));
                struct pbw *ws = xcalloc((size_t)n, sizeof(*ws));
                char ver[16];
                snprintf(ver, sizeof(ver), "v%d", push + 1);
                for (int i = 0; i < n; i++) {
                    synth_resource(&ws[i], (enum xds_type)t, i, push + 1);
                    anys[i] = xcalloc(1, sizeof(**anys));
                    google__protobuf__any__init(anys[i]);
                    anys[i]->type_url = (char *)xds_type_url((enum xds_type)t);
                    anys[i]->value.data = ws[i].b;
                    anys[i]->value.len = ws[i].n;
                    res[i] = xcalloc(1, sizeof(**res));
                    envoy__service__discovery__v3__resource__init(res[i]);
                    res[i]->resource = anys[i];
                    res[i]->version = ver;
                    res[i]->name = t == XDS_ROUTE ? "80" : t == XDS_LISTENER ? "0.0.0.0_80" : "";
                }
                if (t == XDS_CLUSTER || t == XDS_ENDPOINT)
                    for (int i = 0; i < n; i++)
                        res[i]->name = xasprintf("outbound|80||svc-%d.example.com", i);
                uint8_t *buf;
                size_t len;
                if (delta) {
                    Envoy__Service__Discovery__V3__DeltaDiscoveryResponse r;
                    envoy__service__discovery__v3__delta_discovery_response__init(&r);
                    r.type_url = (char *)xds_type_url((enum xds_type)t);
                    r.system_version_info = ver;
                    r.nonce = ver;
                    r.resources = res;
                    r.n_resources = (size_t)n;
                    len = envoy__service__discovery__v3__delta_discovery_response__get_packed_size(
                        &r);
                    buf = xmalloc(len + 1);
                    envoy__service__discovery__v3__delta_discovery_response__pack(&r, buf);
                } else {
                    Envoy__Service__Discovery__V3__DiscoveryResponse r;
                    envoy__service__discovery__v3__discovery_response__init(&r);
                    r.type_url = (char *)xds_type_url((enum xds_type)t);
                    r.version_info = ver;
                    r.nonce = ver;
                    r.resources = anys;
                    r.n_resources = (size_t)n;
                    len = envoy__service__discovery__v3__discovery_response__get_packed_size(&r);
                    buf = xmalloc(len + 1);
                    envoy__service__discovery__v3__discovery_response__pack(&r, buf);
                }
                msgs_add(&set[delta][push][t], buf, len);
                free(buf);
                for (int i = 0; i < n; i++) {
                    free(ws[i].b);
                    free(anys[i]);
                    if (t == XDS_CLUSTER || t == XDS_ENDPOINT)
                        free(res[i]->name);
                    free(res[i]);
                }
                free(ws);
                free(anys);
                free(res);
            }
}

/* ---- streams ----------------------------------------------------------------------- */

static void call_maybe_free(struct rcall *c)
{
    if (c->inflight > 0 || !c->closed)
        return;
    /* swap-remove from the live list */
    live[c->live_idx] = live[--n_live];
    live[c->live_idx]->live_idx = c->live_idx;
    while (c->q_head) {
        struct pending *p = c->q_head;
        c->q_head = p->next;
        grpc_byte_buffer_destroy(p->bb);
        free(p);
    }
    grpc_call_unref(c->call);
    free(c);
}

static void start_batch(struct rcall *c, grpc_op *ops, size_t n, int kind)
{
    if (grpc_call_start_batch(c->call, ops, n, tag_of(c, kind), NULL) == GRPC_CALL_OK)
        c->inflight++;
}

static void start_send(struct rcall *c)
{
    if (c->sending || !c->q_head || c->closed || c->status_sent)
        return;
    grpc_op op = {0};
    op.op = GRPC_OP_SEND_MESSAGE;
    op.data.send_message.send_message = c->q_head->bb;
    c->sending = 1;
    start_batch(c, &op, 1, TAG_SEND);
}

static void queue_set(struct rcall *c, const struct msgs *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct pending *p = xcalloc(1, sizeof(*p));
        p->bb = grpc_raw_byte_buffer_create(&m->v[i], 1);
        if (c->q_tail)
            c->q_tail->next = p;
        else
            c->q_head = p;
        c->q_tail = p;
    }
    start_send(c);
}

static void start_recv(struct rcall *c)
{
    grpc_op op = {0};
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &c->recv_bb;
    start_batch(c, &op, 1, TAG_RECV);
}

static void post_slot(struct slot *s)
{
    grpc_metadata_array_init(&s->md);
    s->call = NULL;
    grpc_completion_queue *q = cqs[n_live / QUEUE_STREAMS % QUEUES];
    grpc_server_request_registered_call(server, method[s->delta], &s->call, &s->deadline, &s->md,
                                        NULL, q, q,
                                        tag_of(s, s->delta ? TAG_NEW_DELTA : TAG_NEW_SOTW));
}

static void on_new(struct slot *s, int ok)
{
    if (!ok || stop)
        return;
    struct rcall *c = xcalloc(1, sizeof(*c));
    c->call = s->call;
    c->delta = s->delta;
    grpc_metadata_array_destroy(&s->md);
    post_slot(s);
    xgrow((void **)&live, &cap_live, n_live + 1, sizeof(*live));
    c->live_idx = (int)n_live;
    live[n_live++] = c;
    grpc_op ops[2];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[1].data.recv_close_on_server.cancelled = &c->cancelled;
    start_batch(c, ops, 2, TAG_CLOSE);
    start_recv(c);
}

/* Only the type and whether it is a first request matter here. */
static void on_request(struct rcall *c, const uint8_t *buf, size_t len)
{
    const char *url = NULL, *nonce = NULL;
    Envoy__Service__Discovery__V3__DiscoveryRequest *r = NULL;
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest *d = NULL;
    if (c->delta) {
        d = envoy__service__discovery__v3__delta_discovery_request__unpack(NULL, len, buf);
        if (d) {
            url = d->type_url;
            nonce = d->response_nonce;
        }
    } else {
        r = envoy__service__discovery__v3__discovery_request__unpack(NULL, len, buf);
        if (r) {
            url = r->type_url;
            nonce = r->response_nonce;
        }
    }
    int t = url ? xds_type_from_url(url) : -1;
    if (t >= 0 && (!nonce || !*nonce) && !c->served[t]) {
        c->served[t] = 1;
        queue_set(c, &set[c->delta][0][t]);
    }
    if (d)
        envoy__service__discovery__v3__delta_discovery_request__free_unpacked(d, NULL);
    if (r)
        envoy__service__discovery__v3__discovery_request__free_unpacked(r, NULL);
}

static void on_recv(struct rcall *c, int ok)
{
    if (!ok || !c->recv_bb) {
        if (!c->status_sent && !c->closed) {
            grpc_op op = {0};
            op.op = GRPC_OP_SEND_STATUS_FROM_SERVER;
            op.data.send_status_from_server.status = GRPC_STATUS_OK;
            c->status_sent = 1;
            start_batch(c, &op, 1, TAG_STATUS);
        }
        return;
    }
    grpc_byte_buffer_reader rd;
    grpc_byte_buffer_reader_init(&rd, c->recv_bb);
    grpc_slice sl = grpc_byte_buffer_reader_readall(&rd);
    grpc_byte_buffer_reader_destroy(&rd);
    grpc_byte_buffer_destroy(c->recv_bb);
    c->recv_bb = NULL;
    on_request(c, GRPC_SLICE_START_PTR(sl), GRPC_SLICE_LENGTH(sl));
    grpc_slice_unref(sl);
    start_recv(c);
}

static void on_sent(struct rcall *c)
{
    struct pending *p = c->q_head;
    c->sending = 0;
    c->q_head = p->next;
    if (!c->q_head)
        c->q_tail = NULL;
    grpc_byte_buffer_destroy(p->bb);
    free(p);
    start_send(c);
}

/* A trigger: every stream gets the next version of each type it was served. */
static void push_all(void)
{
    flip = !flip;
    for (size_t i = 0; i < n_live; i++) {
        struct rcall *c = live[i];
        for (int t = 0; t < XDS_NTYPES; t++) {
            const struct msgs *m = &set[c->delta][flip][t];
            if (!c->served[t])
                continue;
            if (!flip) { /* back to init: resend the last init of the type */
                if (set[c->delta][1][t].n == 0)
                    continue;
                m = &set[c->delta][0][t];
            }
            queue_set(c, m);
        }
    }
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void dispatch(grpc_event ev)
{
    void *p = (void *)((uintptr_t)ev.tag & ~(uintptr_t)7);
    int kind = (int)((uintptr_t)ev.tag & 7);
    if (kind == TAG_NEW_SOTW || kind == TAG_NEW_DELTA) {
        on_new(p, ev.success);
        return;
    }
    struct rcall *c = p;
    c->inflight--;
    if (kind == TAG_RECV)
        on_recv(c, ev.success);
    else if (kind == TAG_SEND)
        on_sent(c);
    else if (kind == TAG_CLOSE)
        c->closed = 1;
    call_maybe_free(c);
}

/* As in loadgen.c: Debian's abseil checks every Mutex for deadlocks, a cost
 * that grows with the number of connections; the floor is gRPC without it. */
static void absl_deadlock_detection_off(void)
{
    void (*fn)(int) = (void (*)(int))dlsym(
        RTLD_DEFAULT, "_ZN4absl7debian329SetMutexDeadlockDetectionModeENS0_15OnDeadlockCycleE");
    if (fn)
        fn(0); /* OnDeadlockCycle::kIgnore */
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:18000", *capture = NULL, *watch = NULL;
    int k = 100;
    static const struct option lo[] = {{"listen", 1, 0, 'l'},
                                       {"capture", 1, 0, 'c'},
                                       {"synthetic", 1, 0, 's'},
                                       {"watch", 1, 0, 'w'},
                                       {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'l':
            listen = optarg;
            break;
        case 'c':
            capture = optarg;
            break;
        case 's':
            k = atoi(optarg);
            break;
        case 'w':
            watch = optarg;
            break;
        default:
            fprintf(stderr, "usage: raw_server [--listen HOST:PORT] [--capture DIR | "
                            "--synthetic K] [--watch DIR]\n");
            return 2;
        }
    }
    bench_raise_nofile();
    if (!getenv("BENCH_ABSL_DEADLOCK_DETECTION"))
        absl_deadlock_detection_off();
    if (capture) {
        int n = load_capture(capture);
        if (n <= 0) {
            fprintf(stderr, "raw_server: nothing captured in '%s'\n", capture);
            return 1;
        }
        fprintf(stderr, "raw_server: %d captured responses\n", n);
    } else {
        synth(k);
    }
    int ifd = -1;
    if (watch) {
        ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (ifd < 0 || inotify_add_watch(ifd, watch, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
            fprintf(stderr, "raw_server: cannot watch '%s': %s\n", watch, strerror(errno));
            return 1;
        }
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    grpc_init();
    for (int q = 0; q < QUEUES; q++)
        cqs[q] = grpc_completion_queue_create_for_next(NULL);
    /* the server arguments of xdsd that bear on a push (src/xds/server.c) */
    grpc_arg a[] = {{GRPC_ARG_INTEGER, GRPC_ARG_MAX_CONCURRENT_STREAMS, {.integer = 100000}},
                    {GRPC_ARG_INTEGER, GRPC_ARG_HTTP2_BDP_PROBE, {.integer = 0}}};
    grpc_channel_args args = {sizeof(a) / sizeof(a[0]), a};
    server = grpc_server_create(&args, NULL);
    method[0] = grpc_server_register_method(server, SOTW_METHOD, NULL, GRPC_SRM_PAYLOAD_NONE, 0);
    method[1] = grpc_server_register_method(server, DELTA_METHOD, NULL, GRPC_SRM_PAYLOAD_NONE, 0);
    for (int q = 0; q < QUEUES; q++)
        grpc_server_register_completion_queue(server, cqs[q], NULL);
    grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
    if (!grpc_server_add_http2_port(server, listen, creds)) {
        fprintf(stderr, "raw_server: cannot listen on %s\n", listen);
        return 1;
    }
    grpc_server_credentials_release(creds);
    grpc_server_start(server);
    static struct slot slots[2][PREPOST];
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < PREPOST; i++) {
            slots[d][i].delta = d;
            post_slot(&slots[d][i]);
        }
    printf("raw_server listening on %s\n", listen);
    fflush(stdout);
    /* each queue drained in turn without waiting; a millisecond's wait, on
     * the queue of the last completion, only when a whole round found
     * nothing (as xdsd's loop) */
    int q = 0, empty = 0, last_q = 0;
    while (!stop) {
        int wait = empty >= QUEUES;
        gpr_timespec deadline = gpr_inf_past(GPR_CLOCK_MONOTONIC);
        if (wait) {
            deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                    gpr_time_from_millis(1, GPR_TIMESPAN));
            q = last_q;
        }
        grpc_event ev = grpc_completion_queue_next(cqs[q], deadline, NULL);
        if (ev.type == GRPC_OP_COMPLETE) {
            dispatch(ev);
            empty = 0;
            last_q = q;
        } else {
            q = (q + 1) % QUEUES;
            empty = wait ? 0 : empty + 1;
            if (!wait)
                continue;
        }
        char buf[4096];
        if (ifd >= 0 && read(ifd, buf, sizeof(buf)) > 0)
            push_all();
    }
    /* the harness kills us when it is done; no orderly teardown of N streams
     * is measured, so none is done */
    return 0;
}
