/* xds_e2e.c - end-to-end tests of the ADS server: a client on gRPC C core's
 * client API speaks raw ADS (SotW and delta) to xds_testserver on 127.0.0.1.
 *
 *   xds_e2e SERVER_BINARY [--only NAME,...]
 *
 * The server is started here on a free port and driven through its stdin
 * (see xds_testserver.c). Prints "ok N - name" per test, then "N passed, M failed". */
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "envoy/service/discovery/v3/discovery.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "xdsd/snapshot.h"
#include "xdsd/util.h"

#define SOTW_METHOD "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
#define DELTA_METHOD "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"

static int checks_failed;
#define CHECK(c)                                                                                   \
    ((c) ? 1 : (fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #c),          \
                checks_failed++, 0))
#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                   \
            fprintf(stderr, "  %s:%d: %s == %s (\"%s\" vs \"%s\")\n", __FILE__, __LINE__, #a, #b, \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                       \
            checks_failed++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
    do {                                                                                           \
        long a_ = (long)(a), b_ = (long)(b);                                                       \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "  %s:%d: %s == %s (%ld vs %ld)\n", __FILE__, __LINE__, #a, #b, a_,   \
                    b_);                                                                           \
            checks_failed++;                                                                       \
        }                                                                                          \
    } while (0)

/* ---- the server under test --------------------------------------------------------- */

static struct {
    pid_t pid;
    FILE *in, *out;
    int port;
    char target[64];
} S;

static int server_start(const char *path)
{
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    S.pid = fork();
    if (S.pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl(path, path, "127.0.0.1:0", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    S.in = fdopen(in[1], "w");
    S.out = fdopen(out[0], "r");
    char line[256];
    if (!fgets(line, sizeof(line), S.out) || sscanf(line, "port %d", &S.port) != 1)
        return -1;
    snprintf(S.target, sizeof(S.target), "127.0.0.1:%d", S.port);
    return 0;
}

static void server_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void server_cmd(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(S.in, fmt, ap);
    va_end(ap);
    fputc('\n', S.in);
    fflush(S.in);
}

static void publish(void)
{
    char line[256];
    server_cmd("publish");
    if (!fgets(line, sizeof(line), S.out))
        fprintf(stderr, "  server gone\n");
}

struct server_status {
    long streams, synced, nacked, gen, rejects, expired, closed_slow;
    long pushes[4];
};

static int server_status(struct server_status *st)
{
    char line[512];
    server_cmd("status");
    memset(st, 0, sizeof(*st));
    if (!fgets(line, sizeof(line), S.out))
        return -1;
    return sscanf(line,
                  "status streams=%ld synced=%ld nacked=%ld gen=%ld pushes=%ld,%ld,%ld,%ld "
                  "rejects=%ld expired=%ld closed_slow=%ld",
                  &st->streams, &st->synced, &st->nacked, &st->gen, &st->pushes[0], &st->pushes[1],
                  &st->pushes[2], &st->pushes[3], &st->rejects, &st->expired,
                  &st->closed_slow) == 11
               ? 0
               : -1;
}

static long server_rss_kb(void)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)S.pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* Stop with SIGTERM; the exit status, or -1 when it does not exit in 10 s. */
static int server_stop(double *seconds)
{
    int64_t t0 = now_ms();
    kill(S.pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 1000; i++) {
        if (waitpid(S.pid, &status, WNOHANG) == S.pid) {
            *seconds = (double)(now_ms() - t0) / 1000.0;
            fclose(S.in);
            fclose(S.out);
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        usleep(10000);
    }
    kill(S.pid, SIGKILL);
    waitpid(S.pid, &status, 0);
    return -1;
}

/* ---- a synchronous ADS client --------------------------------------------------------- */

static gpr_timespec in_ms(int64_t ms)
{
    return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

static grpc_channel *channel_new(void)
{
    /* one connection per channel, as each Envoy has its own */
    grpc_arg a;
    memset(&a, 0, sizeof(a));
    a.type = GRPC_ARG_INTEGER;
    a.key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
    a.value.integer = 1;
    grpc_channel_args args = {1, &a};
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    grpc_channel *ch = grpc_channel_create(S.target, creds, &args);
    grpc_channel_credentials_release(creds);
    return ch;
}

struct ads {
    grpc_channel *ch;
    grpc_call *call;
    grpc_completion_queue *cq;
    int delta;
    int recv_pending, status_done, ended, got_imd;
    grpc_byte_buffer *rbb;
    grpc_metadata_array imd, tmd;
    grpc_status_code status;
    grpc_slice details;
    char t_start, t_recv, t_send, t_status; /* their addresses are the tags */
};

static struct ads *ads_open_method(const char *method, int delta)
{
    struct ads *a = xcalloc(1, sizeof(*a));
    a->delta = delta;
    a->ch = channel_new();
    a->cq = grpc_completion_queue_create_for_pluck(NULL);
    a->call = grpc_channel_create_call(a->ch, NULL, GRPC_PROPAGATE_DEFAULTS, a->cq,
                                       grpc_slice_from_static_string(method), NULL,
                                       gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    grpc_metadata_array_init(&a->imd);
    grpc_metadata_array_init(&a->tmd);
    grpc_op ops[1];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    grpc_call_start_batch(a->call, ops, 1, &a->t_start, NULL);
    grpc_completion_queue_pluck(a->cq, &a->t_start, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
    grpc_op st;
    memset(&st, 0, sizeof(st));
    st.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    st.data.recv_status_on_client.trailing_metadata = &a->tmd;
    st.data.recv_status_on_client.status = &a->status;
    st.data.recv_status_on_client.status_details = &a->details;
    grpc_call_start_batch(a->call, &st, 1, &a->t_status, NULL);
    return a;
}

static struct ads *ads_open(int delta)
{
    return ads_open_method(delta ? DELTA_METHOD : SOTW_METHOD, delta);
}

static void ads_send_bytes(struct ads *a, const uint8_t *buf, size_t len)
{
    grpc_slice s = grpc_slice_from_copied_buffer((const char *)buf, len);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_SEND_MESSAGE;
    op.data.send_message.send_message = bb;
    if (grpc_call_start_batch(a->call, &op, 1, &a->t_send, NULL) == GRPC_CALL_OK)
        grpc_completion_queue_pluck(a->cq, &a->t_send, in_ms(5000), NULL);
    grpc_byte_buffer_destroy(bb);
}

static char **split(const char *s, size_t *n)
{
    size_t cap = 0;
    char **v = NULL;
    *n = 0;
    xgrow((void **)&v, &cap, 1, sizeof(*v));
    if (s == NULL)
        return v;
    char *copy = xstrdup(s), *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        xgrow((void **)&v, &cap, *n + 1, sizeof(*v));
        v[(*n)++] = xstrdup(t);
    }
    free(copy);
    return v;
}

static void split_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static Envoy__Config__Core__V3__Node node_of(const char *id)
{
    Envoy__Config__Core__V3__Node n = ENVOY__CONFIG__CORE__V3__NODE__INIT;
    n.id = (char *)id;
    return n;
}

/* type_url NULL: the request has none; node NULL: no node. */
static uint8_t *pack_sotw(const char *type_url, const char *node, const char *version,
                          const char *nonce, const char *names, const char *error, size_t *len)
{
    Envoy__Service__Discovery__V3__DiscoveryRequest r =
        ENVOY__SERVICE__DISCOVERY__V3__DISCOVERY_REQUEST__INIT;
    Envoy__Config__Core__V3__Node n = node_of(node);
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    if (node)
        r.node = &n;
    if (type_url)
        r.type_url = (char *)type_url;
    r.version_info = (char *)(version ? version : "");
    r.response_nonce = (char *)(nonce ? nonce : "");
    char **v = split(names, &r.n_resource_names);
    r.resource_names = v;
    if (error) {
        st.code = 3;
        st.message = (char *)error;
        r.error_detail = &st;
    }
    *len = envoy__service__discovery__v3__discovery_request__get_packed_size(&r);
    uint8_t *buf = xmalloc(*len + 1);
    envoy__service__discovery__v3__discovery_request__pack(&r, buf);
    split_free(v, r.n_resource_names);
    return buf;
}

static void sotw_req(struct ads *a, enum xds_type t, const char *version, const char *nonce,
                     const char *names, const char *error)
{
    size_t len;
    uint8_t *b = pack_sotw(xds_type_url(t), "sidecar~10.0.0.1~e2e.default~default.svc.cluster.local",
                           version, nonce, names, error, &len);
    ads_send_bytes(a, b, len);
    free(b);
}

static uint8_t *pack_delta(enum xds_type t, const char *nonce, const char *sub, const char *unsub,
                           const char *initial, const char *error, size_t *len)
{
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest r =
        ENVOY__SERVICE__DISCOVERY__V3__DELTA_DISCOVERY_REQUEST__INIT;
    Envoy__Config__Core__V3__Node n = node_of("router~10.0.0.2~gw.istio-system~istio-system.svc.cluster.local");
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    r.node = &n;
    r.type_url = (char *)xds_type_url(t);
    r.response_nonce = (char *)(nonce ? nonce : "");
    char **s = split(sub, &r.n_resource_names_subscribe);
    char **u = split(unsub, &r.n_resource_names_unsubscribe);
    size_t ni;
    char **iv = split(initial, &ni);
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest__InitialResourceVersionsEntry *e =
        xcalloc(ni + 1, sizeof(*e));
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest__InitialResourceVersionsEntry **ep =
        xcalloc(ni + 1, sizeof(*ep));
    for (size_t i = 0; i < ni; i++) {
        envoy__service__discovery__v3__delta_discovery_request__initial_resource_versions_entry__init(
            &e[i]);
        char *eq = strchr(iv[i], '=');
        *eq = '\0';
        e[i].key = iv[i];
        e[i].value = eq + 1;
        ep[i] = &e[i];
    }
    r.resource_names_subscribe = s;
    r.resource_names_unsubscribe = u;
    r.initial_resource_versions = ep;
    r.n_initial_resource_versions = ni;
    if (error) {
        st.code = 3;
        st.message = (char *)error;
        r.error_detail = &st;
    }
    *len = envoy__service__discovery__v3__delta_discovery_request__get_packed_size(&r);
    uint8_t *buf = xmalloc(*len + 1);
    envoy__service__discovery__v3__delta_discovery_request__pack(&r, buf);
    split_free(s, r.n_resource_names_subscribe);
    split_free(u, r.n_resource_names_unsubscribe);
    split_free(iv, ni);
    free(e);
    free(ep);
    return buf;
}

static void delta_req(struct ads *a, enum xds_type t, const char *nonce, const char *sub,
                      const char *unsub, const char *initial, const char *error)
{
    size_t len;
    uint8_t *b = pack_delta(t, nonce, sub, unsub, initial, error, &len);
    ads_send_bytes(a, b, len);
    free(b);
}

/* A response, flattened for checks. */
struct resp {
    char type[8];     /* "cds", ... */
    char names[4096]; /* resource names in order, space separated */
    char removed[1024];
    char versions[4096]; /* delta: "name=version ..." */
    char version[64], nonce[64];
    int n, bad_type_url, duplicates;
};

/* The name in field 1 of a packed resource. */
static void inner_name(const uint8_t *p, size_t len, char *out, size_t cap)
{
    out[0] = '\0';
    if (len < 2 || p[0] != 0x0a)
        return;
    size_t n = 0, i = 1;
    int shift = 0;
    while (i < len && (p[i] & 0x80))
        n |= (size_t)(p[i++] & 0x7f) << shift, shift += 7;
    n |= (size_t)p[i++] << shift;
    if (i + n > len || n + 1 > cap)
        return;
    memcpy(out, p + i, n);
    out[n] = '\0';
}

static void append(char *buf, size_t cap, const char *s)
{
    size_t l = strlen(buf);
    snprintf(buf + l, cap - l, "%s%s", l ? " " : "", s);
}

static int type_index(const char *url)
{
    int t = xds_type_from_url(url);
    return t;
}

static void decode_sotw(const uint8_t *p, size_t len, struct resp *r)
{
    Envoy__Service__Discovery__V3__DiscoveryResponse *m =
        envoy__service__discovery__v3__discovery_response__unpack(NULL, len, p);
    if (m == NULL)
        return;
    int t = type_index(m->type_url);
    snprintf(r->type, sizeof(r->type), "%s", t >= 0 ? xds_type_short(t) : "?");
    snprintf(r->version, sizeof(r->version), "%s", m->version_info);
    snprintf(r->nonce, sizeof(r->nonce), "%s", m->nonce);
    for (size_t i = 0; i < m->n_resources; i++) {
        char name[256];
        r->bad_type_url |= strcmp(m->resources[i]->type_url, m->type_url) != 0;
        inner_name(m->resources[i]->value.data, m->resources[i]->value.len, name, sizeof(name));
        append(r->names, sizeof(r->names), name);
    }
    r->n = (int)m->n_resources;
    envoy__service__discovery__v3__discovery_response__free_unpacked(m, NULL);
}

static void decode_delta(const uint8_t *p, size_t len, struct resp *r)
{
    Envoy__Service__Discovery__V3__DeltaDiscoveryResponse *m =
        envoy__service__discovery__v3__delta_discovery_response__unpack(NULL, len, p);
    if (m == NULL)
        return;
    int t = type_index(m->type_url);
    snprintf(r->type, sizeof(r->type), "%s", t >= 0 ? xds_type_short(t) : "?");
    snprintf(r->version, sizeof(r->version), "%s", m->system_version_info);
    snprintf(r->nonce, sizeof(r->nonce), "%s", m->nonce);
    for (size_t i = 0; i < m->n_resources; i++) {
        const Envoy__Service__Discovery__V3__Resource *res = m->resources[i];
        char name[256], nv[512];
        r->bad_type_url |= res->resource == NULL || strcmp(res->resource->type_url, m->type_url);
        if (res->resource)
            inner_name(res->resource->value.data, res->resource->value.len, name, sizeof(name));
        r->bad_type_url |= strcmp(name, res->name) != 0;
        append(r->names, sizeof(r->names), res->name);
        snprintf(nv, sizeof(nv), "%s=%s", res->name, res->version);
        append(r->versions, sizeof(r->versions), nv);
    }
    for (size_t i = 0; i < m->n_removed_resources; i++)
        append(r->removed, sizeof(r->removed), m->removed_resources[i]);
    r->n = (int)m->n_resources;
    envoy__service__discovery__v3__delta_discovery_response__free_unpacked(m, NULL);
}

/* The next response within timeout_ms: 1 with *r filled, 0 on timeout, -1 when
 * the stream ended. */
static int ads_recv(struct ads *a, int timeout_ms, struct resp *r)
{
    memset(r, 0, sizeof(*r));
    if (a->ended)
        return -1;
    if (!a->recv_pending) {
        grpc_op ops[2];
        memset(ops, 0, sizeof(ops));
        ops[0].op = GRPC_OP_RECV_MESSAGE;
        ops[0].data.recv_message.recv_message = &a->rbb;
        ops[1].op = GRPC_OP_RECV_INITIAL_METADATA;
        ops[1].data.recv_initial_metadata.recv_initial_metadata = &a->imd;
        size_t n = a->got_imd ? 1 : 2;
        a->got_imd = 1;
        if (grpc_call_start_batch(a->call, ops, n, &a->t_recv, NULL) != GRPC_CALL_OK)
            return -1;
        a->recv_pending = 1;
    }
    grpc_event ev = grpc_completion_queue_pluck(a->cq, &a->t_recv, in_ms(timeout_ms), NULL);
    if (ev.type == GRPC_QUEUE_TIMEOUT)
        return 0;
    a->recv_pending = 0;
    if (!ev.success || a->rbb == NULL) {
        a->ended = 1;
        return -1;
    }
    grpc_byte_buffer_reader rd;
    grpc_byte_buffer_reader_init(&rd, a->rbb);
    grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
    grpc_byte_buffer_reader_destroy(&rd);
    grpc_byte_buffer_destroy(a->rbb);
    a->rbb = NULL;
    if (a->delta)
        decode_delta(GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all), r);
    else
        decode_sotw(GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all), r);
    grpc_slice_unref(all);
    return 1;
}

/* Wait for the call's status. */

static grpc_status_code ads_status(struct ads *a, int timeout_ms)
{
    if (!a->status_done) {
        /* the status is delivered once the messages have been read */
        struct resp *r = xcalloc(1, sizeof(*r));
        while (!a->ended && ads_recv(a, timeout_ms, r) == 1)
            ;
        free(r);
        grpc_event ev = grpc_completion_queue_pluck(a->cq, &a->t_status, in_ms(timeout_ms), NULL);
        if (ev.type == GRPC_QUEUE_TIMEOUT)
            return (grpc_status_code)-1;
        a->status_done = 1;
        if (getenv("E2E_DEBUG"))
            fprintf(stderr, "  status %d\n", (int)a->status);
    }
    return a->status;
}

static void ads_close(struct ads *a)
{
    grpc_call_cancel(a->call, NULL);
    if (a->recv_pending) {
        grpc_completion_queue_pluck(a->cq, &a->t_recv, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
        grpc_byte_buffer_destroy(a->rbb);
        a->recv_pending = 0;
    }
    a->ended = 1; /* cancelled: the status needs no more reading */
    ads_status(a, 100000);
    grpc_slice_unref(a->details);
    grpc_metadata_array_destroy(&a->imd);
    grpc_metadata_array_destroy(&a->tmd);
    grpc_call_unref(a->call);
    grpc_channel_destroy(a->ch);
    grpc_completion_queue_shutdown(a->cq);
    while (grpc_completion_queue_pluck(a->cq, NULL, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL)
               .type != GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(a->cq);
    free(a);
}

/* Expect one response of type t (short name) and return it in *r. */
static int expect(struct ads *a, const char *type, struct resp *r)
{
    int rc = ads_recv(a, 5000, r);
    if (!CHECK(rc == 1))
        return 0;
    CHECK_STR(r->type, type);
    CHECK(r->nonce[0] != '\0');
    CHECK(!r->bad_type_url);
    return 1;
}

/* Expect nothing for ms milliseconds. */
static void silence(struct ads *a, int ms)
{
    struct resp r;
    int rc = ads_recv(a, ms, &r);
    if (rc == 1)
        fprintf(stderr, "  unexpected %s response: %s\n", r.type, r.names);
    CHECK(rc == 0);
}

/* ---- protocol tests against the server --------------------------------------------- */

#define CDS XDS_CLUSTER
#define EDS XDS_ENDPOINT
#define LDS XDS_LISTENER
#define RDS XDS_ROUTE

/* The base configuration every test starts from. */
static void base_config(void)
{
    server_cmd("set c c0 v1");
    server_cmd("set c c1 v1");
    server_cmd("set e c0 v1");
    server_cmd("set e c1 v1");
    server_cmd("set l l0 v1");
    server_cmd("set r r0 v1");
    publish();
}

static void e2e_P1_unknown_method_unimplemented(void)
{
    struct ads *a = ads_open_method("/envoy.service.discovery.v3.Nope/Stream", 0);
    CHECK(ads_status(a, 5000) == GRPC_STATUS_UNIMPLEMENTED);
    ads_close(a);
}

static void e2e_P3_missing_type_url_invalid_argument(void)
{
    struct ads *a = ads_open(0);
    size_t len;
    uint8_t *b = pack_sotw(NULL, "sidecar~1.1.1.1~a.default~default.svc.cluster.local", "", "",
                           NULL, NULL, &len);
    ads_send_bytes(a, b, len);
    free(b);
    CHECK(ads_status(a, 5000) == GRPC_STATUS_INVALID_ARGUMENT);
    ads_close(a);
}

static void e2e_P4_node_only_on_first_request(void)
{
    /* a first request without a node is refused */
    struct ads *a = ads_open(0);
    size_t len;
    uint8_t *b = pack_sotw(xds_type_url(CDS), NULL, "", "", NULL, NULL, &len);
    ads_send_bytes(a, b, len);
    free(b);
    CHECK(ads_status(a, 5000) == GRPC_STATUS_INVALID_ARGUMENT);
    ads_close(a);
    /* later requests may omit it */
    a = ads_open(0);
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    expect(a, "cds", &r);
    b = pack_sotw(xds_type_url(EDS), NULL, "", "", "c0", NULL, &len);
    ads_send_bytes(a, b, len);
    free(b);
    if (expect(a, "eds", &r))
        CHECK_STR(r.names, "c0");
    ads_close(a);
}

static void e2e_A1_sotw_wildcard_then_ack_gets_nothing(void)
{
    struct ads *a = ads_open(0);
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    if (expect(a, "cds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        CHECK(strlen(r.version) == 16);
        sotw_req(a, CDS, r.version, r.nonce, NULL, NULL);
    }
    silence(a, 1000);
    ads_close(a);
}

static void e2e_A5_nack_then_3s_silence(void)
{
    struct ads *a = ads_open(0);
    struct resp r;
    struct server_status before, after;
    server_status(&before);
    sotw_req(a, LDS, "", "", NULL, NULL);
    if (expect(a, "lds", &r))
        sotw_req(a, LDS, "", r.nonce, NULL, "listener l0: invalid filter");
    /* a reload that changes nothing must not resend the rejected version either */
    publish();
    silence(a, 3000);
    server_status(&after);
    CHECK(after.rejects == before.rejects + 1);
    CHECK(after.nacked >= 1);
    /* a new version is sent */
    server_cmd("set l l0 v2");
    publish();
    if (expect(a, "lds", &r))
        CHECK_STR(r.names, "l0");
    server_cmd("set l l0 v1");
    publish();
    ads_close(a);
}

/* Subscribe to all four types and ACK everything; returns the stream. */
static struct ads *subscribed_sotw(char ver[4][64], char nonce[4][64])
{
    struct ads *a = ads_open(0);
    struct resp r;
    static const char *names[4] = {NULL, "c0 c1", NULL, "r0"};
    static const char *shorts[4] = {"cds", "eds", "lds", "rds"};
    for (int t = 0; t < 4; t++) {
        sotw_req(a, (enum xds_type)t, "", "", names[t], NULL);
        if (expect(a, shorts[t], &r)) {
            snprintf(ver[t], 64, "%s", r.version);
            snprintf(nonce[t], 64, "%s", r.nonce);
            sotw_req(a, (enum xds_type)t, r.version, r.nonce, names[t], NULL);
        }
    }
    return a;
}

static void ack(struct ads *a, const struct resp *r)
{
    static const char *names[4] = {NULL, "c0 c1", NULL, "r0"};
    int t = strcmp(r->type, "cds") == 0   ? 0
            : strcmp(r->type, "eds") == 0 ? 1
            : strcmp(r->type, "lds") == 0 ? 2
                                          : 3;
    sotw_req(a, (enum xds_type)t, r->version, r->nonce, names[t], NULL);
}

static void e2e_P7_one_push_per_affected_type(void)
{
    char ver[4][64], nonce[4][64];
    struct ads *a = subscribed_sotw(ver, nonce);
    struct resp r;
    silence(a, 500);
    /* an endpoint change: one EDS response, nothing else */
    server_cmd("set e c1 v2");
    publish();
    if (expect(a, "eds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        CHECK(strcmp(r.version, ver[1]) != 0);
        ack(a, &r);
    }
    silence(a, 1000);
    /* a route change: one RDS response */
    server_cmd("set r r0 v2");
    publish();
    if (expect(a, "rds", &r)) {
        CHECK_STR(r.names, "r0");
        ack(a, &r);
    }
    silence(a, 1000);
    /* a route not asked for: nothing */
    server_cmd("set r r-other v1");
    publish();
    silence(a, 1000);
    server_cmd("del r r-other");
    server_cmd("set e c1 v1");
    server_cmd("set r r0 v1");
    publish();
    ads_close(a);
}

static void e2e_O3_cds_push_followed_by_eds(void)
{
    char ver[4][64], nonce[4][64];
    struct ads *a = subscribed_sotw(ver, nonce);
    struct resp r;
    /* clusters change, endpoints do not: CDS, then EDS (kuma#331), then nothing */
    server_cmd("set c c0 v2");
    server_cmd("set l l0 v2");
    publish();
    if (expect(a, "cds", &r))
        ack(a, &r);
    if (expect(a, "eds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        CHECK_STR(r.version, ver[1]);
        ack(a, &r);
    }
    if (expect(a, "lds", &r)) /* O1: listeners after clusters and endpoints */
        ack(a, &r);
    silence(a, 1000);
    server_cmd("set c c0 v1");
    server_cmd("set l l0 v1");
    publish();
    ads_close(a);
}

static void e2e_A4_S4_names_added_and_missing(void)
{
    struct ads *a = ads_open(0);
    struct resp r;
    sotw_req(a, EDS, "", "", "c0", NULL);
    if (!expect(a, "eds", &r))
        goto out;
    CHECK_STR(r.names, "c0");
    /* same version, one more name that does not exist: nothing to send */
    sotw_req(a, EDS, r.version, r.nonce, "c0 c9", NULL);
    silence(a, 500);
    /* another that exists: answered at once */
    sotw_req(a, EDS, r.version, r.nonce, "c0 c1 c9", NULL);
    if (expect(a, "eds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        sotw_req(a, EDS, r.version, r.nonce, "c0 c1 c9", NULL);
    }
    /* c9 appears: pushed */
    server_cmd("set e c9 v1");
    publish();
    if (expect(a, "eds", &r))
        CHECK_STR(r.names, "c0 c1 c9");
    server_cmd("del e c9");
    publish();
out:
    ads_close(a);
}

static void e2e_R1_empty_cds_after_last_cluster_deleted(void)
{
    struct ads *a = ads_open(0);
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    if (expect(a, "cds", &r))
        sotw_req(a, CDS, r.version, r.nonce, NULL, NULL);
    server_cmd("del c c0");
    server_cmd("del c c1");
    publish();
    if (expect(a, "cds", &r)) {
        CHECK_INT_EQ(r.n, 0);
        sotw_req(a, CDS, r.version, r.nonce, NULL, NULL);
    }
    server_cmd("set c c0 v1");
    server_cmd("set c c1 v1");
    publish();
    if (expect(a, "cds", &r))
        CHECK_STR(r.names, "c0 c1");
    ads_close(a);
}

static void e2e_D1_D8_D9_delta_versions_missing_and_removed(void)
{
    struct ads *a = ads_open(1);
    struct resp r;
    delta_req(a, CDS, "", "*", NULL, NULL, NULL);
    if (expect(a, "cds", &r)) {
        CHECK_STR(r.names, "c0 c1");
        CHECK(strstr(r.versions, "c0=") != NULL);
        delta_req(a, CDS, r.nonce, NULL, NULL, NULL, NULL);
    }
    delta_req(a, RDS, "", "r0 r-missing", NULL, NULL, NULL);
    if (expect(a, "rds", &r)) {
        CHECK_STR(r.names, "r0");
        CHECK_STR(r.removed, "r-missing");
        delta_req(a, RDS, r.nonce, NULL, NULL, NULL, NULL);
    }
    server_cmd("del c c1");
    publish();
    if (expect(a, "cds", &r)) {
        CHECK_INT_EQ(r.n, 0);
        CHECK_STR(r.removed, "c1");
        delta_req(a, CDS, r.nonce, NULL, NULL, NULL, NULL);
    }
    silence(a, 500);
    server_cmd("set c c1 v1");
    publish();
    if (expect(a, "cds", &r))
        CHECK_STR(r.names, "c1");
    ads_close(a);
}

static void e2e_D5_D6_delta_resubscribe_and_phantom(void)
{
    struct ads *a = ads_open(1);
    struct resp r;
    delta_req(a, EDS, "", "c0", NULL, NULL, NULL);
    if (expect(a, "eds", &r))
        delta_req(a, EDS, r.nonce, NULL, "never-subscribed", NULL, NULL);
    silence(a, 500);
    delta_req(a, EDS, "", "c0", NULL, NULL, NULL);
    if (expect(a, "eds", &r))
        CHECK_STR(r.names, "c0");
    ads_close(a);
}

static void e2e_D10_delta_reconnect_with_initial_versions(void)
{
    struct ads *a = ads_open(1);
    struct resp r;
    char held[4200] = "";
    delta_req(a, CDS, "", "*", NULL, NULL, NULL);
    if (expect(a, "cds", &r))
        snprintf(held, sizeof(held), "%s gone=0123456789abcdef", r.versions);
    ads_close(a);
    server_cmd("set c c1 v2");
    publish();
    a = ads_open(1);
    delta_req(a, CDS, "", "*", NULL, held, NULL);
    if (expect(a, "cds", &r)) {
        CHECK_STR(r.names, "c1"); /* c0 is current on the client */
        CHECK_STR(r.removed, "gone");
    }
    server_cmd("set c c1 v1");
    publish();
    ads_close(a);
}

static void e2e_D12_delta_types_are_separate(void)
{
    struct ads *a = ads_open(1);
    struct resp r;
    struct server_status st;
    delta_req(a, CDS, "", "*", NULL, NULL, NULL);
    if (expect(a, "cds", &r))
        delta_req(a, CDS, r.nonce, NULL, NULL, NULL, NULL);
    delta_req(a, RDS, "", "r0", NULL, NULL, NULL);
    if (expect(a, "rds", &r))
        delta_req(a, RDS, r.nonce, NULL, NULL, NULL, "route r0 rejected");
    silence(a, 500);
    server_status(&st);
    CHECK(st.nacked >= 1);
    ads_close(a);
}

/* ---- many streams at once (one completion queue) ------------------------------------ */

enum { M_START, M_RECV, M_SEND, M_STATUS };

struct mstream;
struct mtag {
    int kind;
    struct mstream *s;
};

struct mstream {
    grpc_channel *ch;
    grpc_call *call;
    int delta;
    struct mtag t[4];
    grpc_byte_buffer *rbb, *sbb;
    grpc_byte_buffer *q[8];
    int nq;
    int send_busy, recv_pending, status_pending, start_pending, got_imd, dead;
    grpc_metadata_array imd, tmd;
    grpc_status_code status;
    grpc_slice details;
    int64_t last_ack_ms;
    long responses;
};

struct mass {
    grpc_completion_queue *cq;
    struct mstream *s;
    int n;
};

static void m_start_send(struct mass *m, struct mstream *s, grpc_byte_buffer *bb)
{
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_SEND_MESSAGE;
    op.data.send_message.send_message = bb;
    s->sbb = bb;
    if (grpc_call_start_batch(s->call, &op, 1, &s->t[M_SEND], NULL) == GRPC_CALL_OK)
        s->send_busy = 1;
    else
        grpc_byte_buffer_destroy(bb), s->sbb = NULL;
    (void)m;
}

static void m_enqueue(struct mass *m, struct mstream *s, uint8_t *buf, size_t len)
{
    grpc_slice sl = grpc_slice_from_copied_buffer((const char *)buf, len);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&sl, 1);
    grpc_slice_unref(sl);
    free(buf);
    if (!s->send_busy)
        m_start_send(m, s, bb);
    else if (s->nq < 8)
        s->q[s->nq++] = bb;
    else
        grpc_byte_buffer_destroy(bb);
}

static void m_arm_recv(struct mstream *s)
{
    grpc_op ops[2];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_RECV_MESSAGE;
    ops[0].data.recv_message.recv_message = &s->rbb;
    ops[1].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[1].data.recv_initial_metadata.recv_initial_metadata = &s->imd;
    size_t n = s->got_imd ? 1 : 2;
    s->got_imd = 1;
    if (grpc_call_start_batch(s->call, ops, n, &s->t[M_RECV], NULL) == GRPC_CALL_OK)
        s->recv_pending = 1;
}

static const char *node_id = "sidecar~10.1.0.1~mass.default~default.svc.cluster.local";

static void m_request(struct mass *m, struct mstream *s, enum xds_type t, const char *version,
                      const char *nonce)
{
    size_t len;
    const char *names = t == EDS ? "c0 c1" : NULL;
    uint8_t *b = s->delta ? pack_delta(t, nonce, nonce[0] ? NULL : names ? names : "*", NULL, NULL,
                                       NULL, &len)
                          : pack_sotw(xds_type_url(t), node_id, version, nonce, names, NULL, &len);
    m_enqueue(m, s, b, len);
}

static void m_open(struct mass *m, struct mstream *s, int delta, grpc_channel *ch)
{
    memset(s, 0, sizeof(*s));
    s->delta = delta;
    s->ch = ch;
    for (int k = 0; k < 4; k++)
        s->t[k] = (struct mtag){k, s};
    grpc_metadata_array_init(&s->imd);
    grpc_metadata_array_init(&s->tmd);
    s->call = grpc_channel_create_call(
        ch, NULL, GRPC_PROPAGATE_DEFAULTS, m->cq,
        grpc_slice_from_static_string(delta ? DELTA_METHOD : SOTW_METHOD), NULL,
        gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    grpc_op ops[1];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    if (grpc_call_start_batch(s->call, ops, 1, &s->t[M_START], NULL) == GRPC_CALL_OK)
        s->start_pending = 1;
    grpc_op st;
    memset(&st, 0, sizeof(st));
    st.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    st.data.recv_status_on_client.trailing_metadata = &s->tmd;
    st.data.recv_status_on_client.status = &s->status;
    st.data.recv_status_on_client.status_details = &s->details;
    if (grpc_call_start_batch(s->call, &st, 1, &s->t[M_STATUS], NULL) == GRPC_CALL_OK)
        s->status_pending = 1;
    m_request(m, s, CDS, "", "");
    m_request(m, s, EDS, "", "");
    m_arm_recv(s);
}

static void m_on_recv(struct mass *m, struct mstream *s, int ok)
{
    s->recv_pending = 0;
    if (!ok || s->rbb == NULL) {
        s->dead = 1;
        return;
    }
    grpc_byte_buffer_reader rd;
    grpc_byte_buffer_reader_init(&rd, s->rbb);
    grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
    grpc_byte_buffer_reader_destroy(&rd);
    grpc_byte_buffer_destroy(s->rbb);
    s->rbb = NULL;
    struct resp *r = xcalloc(1, sizeof(*r));
    if (s->delta)
        decode_delta(GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all), r);
    else
        decode_sotw(GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all), r);
    grpc_slice_unref(all);
    int t = strcmp(r->type, "cds") == 0 ? CDS : EDS;
    m_request(m, s, (enum xds_type)t, r->version, r->nonce);
    free(r);
    s->responses++;
    s->last_ack_ms = now_ms();
    m_arm_recv(s);
}

static void m_event(struct mass *m, grpc_event ev)
{
    struct mtag *tag = ev.tag;
    struct mstream *s = tag->s;
    switch (tag->kind) {
    case M_START:
        s->start_pending = 0;
        break;
    case M_RECV:
        m_on_recv(m, s, ev.success);
        break;
    case M_SEND:
        s->send_busy = 0;
        grpc_byte_buffer_destroy(s->sbb);
        s->sbb = NULL;
        if (s->nq > 0 && ev.success) {
            grpc_byte_buffer *bb = s->q[0];
            memmove(s->q, s->q + 1, (size_t)(--s->nq) * sizeof(s->q[0]));
            m_start_send(m, s, bb);
        }
        break;
    case M_STATUS:
        s->status_pending = 0;
        s->dead = 1;
        break;
    }
}

static void m_pump(struct mass *m, int ms)
{
    gpr_timespec end = in_ms(ms);
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(m->cq, end, NULL);
        if (ev.type != GRPC_OP_COMPLETE)
            return;
        m_event(m, ev);
    }
}

/* Pump until the server reports want synced streams (and as many streams). */
static int m_wait_synced(struct mass *m, long want, int timeout_ms, struct server_status *st)
{
    int64_t end = now_ms() + timeout_ms;
    while (now_ms() < end) {
        m_pump(m, 100);
        if (server_status(st) == 0 && st->synced == want && st->streams == want)
            return 0;
    }
    return -1;
}

static int m_busy(const struct mstream *s)
{
    return s->send_busy || s->recv_pending || s->status_pending || s->start_pending;
}

static void m_close_all(struct mass *m)
{
    for (int i = 0; i < m->n; i++)
        grpc_call_cancel(m->s[i].call, NULL);
    for (int tries = 0; tries < 600; tries++) {
        int busy = 0;
        for (int i = 0; i < m->n; i++)
            busy += m_busy(&m->s[i]);
        if (!busy)
            break;
        m_pump(m, 100);
    }
    for (int i = 0; i < m->n; i++) {
        struct mstream *s = &m->s[i];
        for (int k = 0; k < s->nq; k++)
            grpc_byte_buffer_destroy(s->q[k]);
        grpc_byte_buffer_destroy(s->rbb);
        grpc_slice_unref(s->details);
        grpc_metadata_array_destroy(&s->imd);
        grpc_metadata_array_destroy(&s->tmd);
        grpc_call_unref(s->call);
        grpc_channel_destroy(s->ch);
    }
    grpc_completion_queue_shutdown(m->cq);
    while (grpc_completion_queue_next(m->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(m->cq);
    free(m->s);
}

static void m_open_all(struct mass *m, int n)
{
    m->cq = grpc_completion_queue_create_for_next(NULL);
    m->n = n;
    m->s = xcalloc((size_t)n, sizeof(*m->s));
    for (int i = 0; i < n; i++) {
        m_open(m, &m->s[i], i % 2, channel_new());
        if (i % 50 == 49)
            m_pump(m, 1);
    }
}

/* Wait for the server to count `want` streams. */
static int wait_streams(long want, int timeout_ms)
{
    struct server_status st;
    for (int i = 0; i < timeout_ms / 100; i++) {
        if (server_status(&st) == 0 && st.streams == want)
            return 0;
        usleep(100000);
    }
    return -1;
}

static void e2e_mass_1000_streams_converge(void)
{
    enum { N = 1000 };
    struct mass m;
    struct server_status st;
    CHECK(wait_streams(0, 10000) == 0);
    long rss0 = server_rss_kb();
    int64_t t0 = now_ms();
    m_open_all(&m, N);
    CHECK(m_wait_synced(&m, N, 120000, &st) == 0);
    int64_t t_connect = now_ms() - t0;
    long rss1 = server_rss_kb();
    printf("# %d streams (SotW and delta): all SYNCED %.2f s after the first connect\n", N,
           (double)t_connect / 1000.0);
    printf("# server RSS: %ld kB with 0 streams, %ld kB with %d (%.1f kB per stream)\n", rss0,
           rss1, N, (double)(rss1 - rss0) / N);
    /* an edit: CDS changes, so every stream gets CDS and then EDS (O3) */
    for (int i = 0; i < N; i++)
        m.s[i].responses = 0;
    int64_t p0 = now_ms();
    server_cmd("set c c0 mass");
    publish();
    int all = 0;
    for (int tries = 0; tries < 600 && !all; tries++) {
        m_pump(&m, 100);
        all = 1;
        for (int i = 0; i < N; i++)
            all &= m.s[i].responses >= 2;
    }
    CHECK(all);
    int64_t last = 0;
    for (int i = 0; i < N; i++)
        if (m.s[i].last_ack_ms > last)
            last = m.s[i].last_ack_ms;
    CHECK(m_wait_synced(&m, N, 30000, &st) == 0);
    printf("# publish to the last ACK of %d streams: %.3f s\n", N, (double)(last - p0) / 1000.0);
    long extra = 0;
    for (int i = 0; i < N; i++)
        extra += m.s[i].responses > 2;
    CHECK_INT_EQ(extra, 0); /* exactly one push per affected type */
    m_close_all(&m);
    CHECK(wait_streams(0, 20000) == 0);
    server_cmd("set c c0 v1");
    publish();
}

static void e2e_disconnect_mid_push_no_leak(void)
{
    enum { N = 200 };
    struct mass m;
    struct server_status st;
    m_open_all(&m, N);
    CHECK(m_wait_synced(&m, N, 60000, &st) == 0);
    /* about 2 MB of clusters per stream, then every client goes away */
    for (int i = 0; i < 100; i++)
        server_cmd("set c big%03d v1 20000", i);
    publish();
    m_pump(&m, 50);
    for (int i = 0; i < N; i++)
        grpc_call_cancel(m.s[i].call, NULL);
    m_close_all(&m);
    CHECK(wait_streams(0, 20000) == 0);
    for (int i = 0; i < 100; i++)
        server_cmd("del c big%03d", i);
    publish();
}

/* ---- the runner ------------------------------------------------------------------------- */

struct test {
    const char *name;
    void (*fn)(void);
};

#define T(f) {#f, f}
static const struct test tests[] = {
    T(e2e_P1_unknown_method_unimplemented),
    T(e2e_P3_missing_type_url_invalid_argument),
    T(e2e_P4_node_only_on_first_request),
    T(e2e_A1_sotw_wildcard_then_ack_gets_nothing),
    T(e2e_A5_nack_then_3s_silence),
    T(e2e_P7_one_push_per_affected_type),
    T(e2e_O3_cds_push_followed_by_eds),
    T(e2e_A4_S4_names_added_and_missing),
    T(e2e_R1_empty_cds_after_last_cluster_deleted),
    T(e2e_D1_D8_D9_delta_versions_missing_and_removed),
    T(e2e_D5_D6_delta_resubscribe_and_phantom),
    T(e2e_D10_delta_reconnect_with_initial_versions),
    T(e2e_D12_delta_types_are_separate),
    T(e2e_mass_1000_streams_converge),
    T(e2e_disconnect_mid_push_no_leak),
};

static int selected(const char *only, const char *name)
{
    if (only == NULL)
        return 1;
    size_t n = strlen(name);
    for (const char *p = only; (p = strstr(p, name)) != NULL; p += n)
        if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: xds_e2e SERVER_BINARY [--only NAME,...]\n");
        return 2;
    }
    const char *only = argc > 3 && strcmp(argv[2], "--only") == 0 ? argv[3] : NULL;
    signal(SIGPIPE, SIG_IGN);
    grpc_init();
    if (server_start(argv[1]) != 0) {
        fprintf(stderr, "cannot start %s\n", argv[1]);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    base_config();
    int passed = 0, failed = 0, n = 0;
    for (size_t i = 0; i < ARRAY_LEN(tests); i++) {
        if (!selected(only, tests[i].name))
            continue;
        int before = checks_failed;
        tests[i].fn();
        int ok = checks_failed == before;
        printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n, tests[i].name);
        fflush(stdout);
        ok ? passed++ : failed++;
    }
    /* last: SIGTERM stops the server cleanly, with streams open */
    struct ads *a = ads_open(0);
    struct resp r;
    sotw_req(a, CDS, "", "", NULL, NULL);
    expect(a, "cds", &r);
    double secs = 0;
    int before = checks_failed;
    int rc = server_stop(&secs);
    CHECK_INT_EQ(rc, 0);
    printf("# SIGTERM with a stream open: exit %d after %.3f s\n", rc, secs);
    CHECK(secs < 5.0);
    CHECK(ads_status(a, 5000) != GRPC_STATUS_OK);
    ads_close(a);
    int ok = checks_failed == before;
    printf("%s %d - e2e_shutdown_sigterm_exit_0\n", ok ? "ok" : "not ok", ++n);
    ok ? passed++ : failed++;
    grpc_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
