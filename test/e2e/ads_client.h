/* ads_client.h - for the end-to-end tests: checks, the server under test, and a
 * synchronous ADS client on gRPC C core's client API (one pluck queue per stream).
 *
 * Included by xds_e2e.c only: every .c in test/e2e is a program of its own,
 * so the shared code of one program lives in headers of static functions. */
#ifndef XDSD_E2E_ADS_CLIENT_H
#define XDSD_E2E_ADS_CLIENT_H

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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "envoy/service/discovery/v3/discovery.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "xdsd/snapshot.h"
#include "xdsd/util.h"

#define SOTW_METHOD                                                                                \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
#define DELTA_METHOD                                                                               \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"

static int checks_failed;
#define CHECK(c)                                                                                   \
    ((c) ? 1                                                                                       \
         : (fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #c),                \
            checks_failed++, 0))
#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                   \
            fprintf(stderr, "  %s:%d: %s == %s (\"%s\" vs \"%s\")\n", __FILE__, __LINE__, #a, #b,  \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                       \
            checks_failed++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
    do {                                                                                           \
        long a_ = (long)(a), b_ = (long)(b);                                                       \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "  %s:%d: %s == %s (%ld vs %ld)\n", __FILE__, __LINE__, #a, #b, a_,    \
                    b_);                                                                           \
            checks_failed++;                                                                       \
        }                                                                                          \
    } while (0)

/* short names for the types */
#define CDS XDS_CLUSTER
#define EDS XDS_ENDPOINT
#define LDS XDS_LISTENER
#define RDS XDS_ROUTE

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

/* CPU seconds (user + system) the server has used so far. */
static double server_cpu_s(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)S.pid);
    FILE *f = fopen(path, "r");
    unsigned long ut = 0, st = 0;
    if (f && fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                    &st) != 2)
        ut = st = 0;
    if (f)
        fclose(f);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
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
            if (S.in)
                fclose(S.in);
            if (S.out)
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

/* E2E_TLS_DIR: talk mutual TLS with the certificates there (ca.pem,
 * CLIENT.pem, CLIENT-key.pem with CLIENT tls_client; the server's name is
 * xdsd.test). */
static const char *tls_dir;
static int tls_without_client_cert;
static const char *tls_client = "client";

static char *slurp(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return xstrdup("");
    char *buf = xcalloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static grpc_channel_credentials *channel_creds(void)
{
    if (tls_dir == NULL)
        return grpc_insecure_credentials_create();
    char cert_name[64], key_name[64];
    snprintf(cert_name, sizeof(cert_name), "%s.pem", tls_client);
    snprintf(key_name, sizeof(key_name), "%s-key.pem", tls_client);
    char *ca = slurp(tls_dir, "ca.pem"), *cert = slurp(tls_dir, cert_name);
    char *key = slurp(tls_dir, key_name);
    grpc_ssl_pem_key_cert_pair pair = {key, cert};
    grpc_channel_credentials *c =
        grpc_ssl_credentials_create(ca, tls_without_client_cert ? NULL : &pair, NULL, NULL);
    free(ca);
    free(cert);
    free(key);
    return c;
}

static grpc_channel *channel_new(void)
{
    /* one connection per channel, as each Envoy has its own; responses of
     * any size (Envoy's own gRPC client has no limit) */
    grpc_arg a[3];
    memset(a, 0, sizeof(a));
    a[0].type = GRPC_ARG_INTEGER;
    a[0].key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
    a[0].value.integer = 1;
    a[1].type = GRPC_ARG_INTEGER;
    a[1].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    a[1].value.integer = -1;
    a[2].type = GRPC_ARG_STRING;
    a[2].key = (char *)GRPC_SSL_TARGET_NAME_OVERRIDE_ARG;
    a[2].value.string = (char *)"xdsd.test";
    grpc_channel_args args = {tls_dir ? 3 : 2, a};
    grpc_channel_credentials *creds = channel_creds();
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
    int keep_raw;   /* keep each response's bytes in raw (replica_client.c) */
    uint8_t *raw;
    size_t raw_len;
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

/* node.metadata.LABELS from $ADS_CLIENT_LABELS ("k=v k=v"), built once and
 * kept for the process: a gateway proxy that Gateway selectors match. NULL
 * when the variable is not set. */
static Google__Protobuf__Struct *env_labels_metadata(void)
{
    static Google__Protobuf__Struct top = GOOGLE__PROTOBUF__STRUCT__INIT,
                                    labels = GOOGLE__PROTOBUF__STRUCT__INIT;
    static Google__Protobuf__Struct__FieldsEntry top_entry =
        GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT;
    static Google__Protobuf__Struct__FieldsEntry *top_entries[1];
    static Google__Protobuf__Value top_value = GOOGLE__PROTOBUF__VALUE__INIT;
    static int made;
    const char *env = getenv("ADS_CLIENT_LABELS");
    if (env == NULL || *env == '\0')
        return NULL;
    if (!made) {
        made = 1;
        size_t n;
        char **kv = split(env, &n);
        labels.fields = xcalloc(n + 1, sizeof(*labels.fields));
        for (size_t i = 0; i < n; i++) {
            char *eq = strchr(kv[i], '=');
            if (eq == NULL)
                continue;
            *eq = '\0';
            Google__Protobuf__Struct__FieldsEntry *e = xcalloc(1, sizeof(*e));
            Google__Protobuf__Value *v = xcalloc(1, sizeof(*v));
            google__protobuf__struct__fields_entry__init(e);
            google__protobuf__value__init(v);
            e->key = kv[i];
            v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
            v->string_value = eq + 1;
            e->value = v;
            labels.fields[labels.n_fields++] = e;
        }
        top_value.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
        top_value.struct_value = &labels;
        top_entry.key = "LABELS";
        top_entry.value = &top_value;
        top_entries[0] = &top_entry;
        top.fields = top_entries;
        top.n_fields = 1;
    }
    return &top;
}

static Envoy__Config__Core__V3__Node node_of(const char *id)
{
    Envoy__Config__Core__V3__Node n = ENVOY__CONFIG__CORE__V3__NODE__INIT;
    n.id = (char *)id;
    n.metadata = env_labels_metadata();
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
    uint8_t *b =
        pack_sotw(xds_type_url(t), "sidecar~10.0.0.1~e2e.default~default.svc.cluster.local",
                  version, nonce, names, error, &len);
    ads_send_bytes(a, b, len);
    free(b);
}

static uint8_t *pack_delta(enum xds_type t, const char *nonce, const char *sub, const char *unsub,
                           const char *initial, const char *error, size_t *len)
{
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest r =
        ENVOY__SERVICE__DISCOVERY__V3__DELTA_DISCOVERY_REQUEST__INIT;
    Envoy__Config__Core__V3__Node n =
        node_of("router~10.0.0.2~gw.istio-system~istio-system.svc.cluster.local");
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
    int keys; /* resources that carry a private key (SDS) */
};

/* Does a packed resource carry PEM private key material? */
static int holds_key(const uint8_t *p, size_t len)
{
    static const char pem[] = "PRIVATE KEY-----";
    return len >= sizeof(pem) - 1 && memmem(p, len, pem, sizeof(pem) - 1) != NULL;
}

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
        r->keys += holds_key(m->resources[i]->value.data, m->resources[i]->value.len);
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
        if (res->resource) {
            inner_name(res->resource->value.data, res->resource->value.len, name, sizeof(name));
            r->keys += holds_key(res->resource->value.data, res->resource->value.len);
        }
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
    if (a->keep_raw) {
        a->raw_len = GRPC_SLICE_LENGTH(all);
        a->raw = xrealloc(a->raw, a->raw_len + 1);
        memcpy(a->raw, GRPC_SLICE_START_PTR(all), a->raw_len);
    }
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
    while (
        grpc_completion_queue_pluck(a->cq, NULL, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
        GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(a->cq);
    free(a->raw);
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

#endif
