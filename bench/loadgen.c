/* loadgen.c - simulated Envoy proxies on ADS streams, for `make bench`.
 *
 * N proxies (sidecars in M namespaces and egress gateways, state-of-the-world
 * and delta), each on its own ADS stream, spread over C HTTP/2 connections
 * (one per proxy by default, as Envoy does). Each subscribes to CDS and LDS
 * (wildcard), then to the EDS and RDS names those responses mention, and
 * ACKs like Envoy (version_info + response_nonce), over HTTP/2 set up as
 * Envoy's (a large window, no BDP or keepalive pings). Optional NACK streams
 * reject every Listener response; slow readers wait before each read. It
 * stands in for proxies on other machines, so it is kept cheap: responses
 * are read where gRPC left them, and the streams spread over several
 * completion queues.
 *
 * Phases: warm (one stream per proxy class, so the server has built every
 * view), connect (the rest at once), settle, then P pushes: each writes an
 * edited file and renames it into the config directory, and measures for
 * every stream the time from the rename to its last ACK of the new config.
 * With --server-pid, the server's RSS and CPU are sampled at each boundary;
 * each push also reports loadgen's own CPU and page faults.
 * Results are "key=value" lines on stdout. All traffic goes to --target
 * (connection c to the c-th address of a list, in turn).
 * Options are in loadgen_opts.h, one proxy's side of the protocol in
 * proxy_stream.h. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "xdsd/snapshot.h"
#include "xdsd/util.h"

#include "bench.h"
#include "loadgen_opts.h"
#include "proxy_stream.h"

#define SOTW_METHOD                                                                                \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
#define DELTA_METHOD                                                                               \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"

/* Several completion queues, one thread: Debian builds gRPC without NDEBUG,
 * and then every completion is looked up by a linear scan of all the tags
 * outstanding on its queue (two per stream here). One queue of 20,000 tags
 * made that scan a tenth of loadgen's CPU in a push. */
static grpc_completion_queue **cqs;
static int cur_q, last_q; /* the queue pump() takes events from; the last that had one */
enum { QUEUE_STREAMS = 512 }; /* streams on a queue before the next one is used */
static grpc_channel **chans;
static struct stream *st;
static int n_closed;
static char first_error[256];
static double *all_push; /* every (stream, push) latency, for the summary */
static size_t n_all_push, cap_all_push;
static double push_cpu_total;

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
    s->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS,
                                       cqs[s->idx / QUEUE_STREAMS % o.queues],
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

/* Run the completion queues (and slow-reader timers) for up to ms. Each
 * queue is drained without waiting, in turn; only when a whole round found
 * nothing does pump() wait, on the queue of the last event, for at most a
 * millisecond (I/O for any queue is done by whichever queue polls). */
static void pump(double ms)
{
    double end = bench_now() + ms;
    int empty = 0; /* queues found empty in a row */
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
        gpr_timespec deadline = gpr_inf_past(GPR_CLOCK_MONOTONIC);
        if (empty >= o.queues) {
            double wait = end - now < 1 ? end - now : 1;
            deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                    gpr_time_from_micros((int64_t)(wait * 1000), GPR_TIMESPAN));
            empty = 0;
            cur_q = last_q;
        }
        grpc_event ev = grpc_completion_queue_next(cqs[cur_q], deadline, NULL);
        if (ev.type != GRPC_OP_COMPLETE) {
            cur_q = (cur_q + 1) % o.queues;
            empty++;
            continue;
        }
        empty = 0;
        last_q = cur_q;
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
    if (o.edit_cmd) {
        /* the command's start is the moment: what it takes is part of the push */
        char *cmd = xasprintf(o.edit_cmd, src);
        double t = bench_now();
        if (system(cmd) != 0) {
            fprintf(stderr, "loadgen: '%s' failed\n", cmd);
            exit(2);
        }
        free(cmd);
        return t;
    }
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

static double tv_s(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static void push(int i)
{
    for (int k = 0; k < o.streams; k++)
        st[k].updates = 0;
    struct sample a = sample_server();
    struct rusage ra, rb;
    getrusage(RUSAGE_SELF, &ra);
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
    getrusage(RUSAGE_SELF, &rb);
    size_t n = 0, nu = 0, responses = 0;
    double *v = xcalloc((size_t)o.streams + 1, sizeof(*v)), first = 1e18;
    for (int k = 0; k < o.streams; k++) {
        if (!eligible(&st[k]) || st[k].closed)
            continue;
        n++;
        responses += (size_t)st[k].updates;
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
           "p99_ms=%.1f max_ms=%.1f responses=%zu server_cpu_s=%.2f loadgen_user_s=%.2f "
           "loadgen_sys_s=%.2f loadgen_minflt=%ld\n",
           i + 1, n, nu, n - nu, nu ? first : 0, p50, p99, mx, responses, b.cpu_s - a.cpu_s,
           tv_s(rb.ru_utime) - tv_s(ra.ru_utime), tv_s(rb.ru_stime) - tv_s(ra.ru_stime),
           rb.ru_minflt - ra.ru_minflt);
    fflush(stdout);
    free(v);
    capture_phase = 2;
}

static grpc_arg int_arg(const char *key, int value)
{
    grpc_arg a;
    memset(&a, 0, sizeof(a));
    a.type = GRPC_ARG_INTEGER;
    a.key = (char *)key;
    a.value.integer = value;
    return a;
}

static void make_channels(void)
{
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    chans = xcalloc((size_t)o.conns, sizeof(*chans));
    for (int c = 0; c < o.conns; c++) {
        grpc_arg a[] = {
            /* a distinct argument per channel stops gRPC from sharing one
             * subchannel (one TCP connection) between channels to one target */
            int_arg("bench.conn_id", c),
            int_arg(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1),
            int_arg(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, -1),
            /* HTTP/2 as Envoy's ADS client speaks it: a large receive window
             * (Envoy's default is 256 MiB), so that a response never waits
             * for a WINDOW_UPDATE, no BDP probing pings and no keepalive pings
             * (Envoy sends neither by default; gRPC re-arms a keepalive timer
             * on every read, which Debian's debug build of gRPC makes cost
             * a walk of a hash bucket of all timers) */
            int_arg(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, o.window),
            int_arg(GRPC_ARG_HTTP2_BDP_PROBE, 0),
            int_arg(GRPC_ARG_KEEPALIVE_TIME_MS, INT_MAX),
        };
        grpc_channel_args args = {sizeof(a) / sizeof(a[0]), a};
        chans[c] = grpc_channel_create(o.targets[c % o.n_targets], creds, &args);
    }
    grpc_channel_credentials_release(creds);
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
    if (o.queues > (o.streams + QUEUE_STREAMS - 1) / QUEUE_STREAMS)
        o.queues = (o.streams + QUEUE_STREAMS - 1) / QUEUE_STREAMS;
    cqs = xcalloc((size_t)o.queues, sizeof(*cqs));
    for (int q = 0; q < o.queues; q++)
        cqs[q] = grpc_completion_queue_create_for_next(NULL);
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
    /* the streams stay open a while, so that the harness can read the
     * server's view of them after every measurement */
    if (o.linger_ms > 0)
        pump(o.linger_ms);
    /* thousands of channels take seconds to tear down, and the kernel closes
     * their sockets anyway */
    _exit(0);
}
