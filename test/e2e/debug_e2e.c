/* debug_e2e.c - the debug endpoint over a running ADS server with real clients.
 *
 * In one process: the ADS server serving the translation of
 * test/data/dump-check/sidecar-tls-origination, the debug endpoint reading it
 * through xds_server_status, and gRPC clients that ACK and NACK. Then every
 * endpoint is fetched over HTTP: the NACK shows in syncz, in the metrics and
 * in `xdsd status`; config_dump equals what the client received.
 *
 *   debug_e2e [TEST_DATA_DIR]       prints TAP lines and "N passed, M failed" */
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envoy/service/discovery/v3/discovery.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "xdsd/commands.h"
#include "xdsd/config.h"
#include "xdsd/debug.h"
#include "xdsd/httpget.h"
#include "xdsd/log.h"
#include "xdsd/pbjson.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"
#include "xdsd/xds_server.h"

#define SOTW_METHOD                                                                                \
    "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
#define SLEEP_ID "sidecar~10.0.0.5~sleep-6bdb595bcb-xv2ls.default~default.svc.cluster.local"
#define SLEEP_POD "sleep-6bdb595bcb-xv2ls.default"
#define NACK_TEXT "Error adding/updating listener(s) 0.0.0.0_80: e2e says no"

static int n_checks, n_failed;

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static void check(int ok, const char *what)
{
    n_checks++;
    if (!ok)
        n_failed++;
    printf("%s %d - %s\n", ok ? "ok" : "not ok", n_checks, what);
    fflush(stdout);
}

/* ---- a synchronous SotW client -------------------------------------------------------- */

struct client {
    grpc_channel *ch;
    grpc_completion_queue *cq;
    grpc_call *call;
    grpc_metadata_array imd, tmd;
    grpc_status_code status;
    grpc_slice details;
    int got_imd;
    char tag_start, tag_send, tag_recv, tag_status;
};

static gpr_timespec in_ms(int64_t ms)
{
    return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

static struct client *client_open(const char *target)
{
    struct client *c = xcalloc(1, sizeof(*c));
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    c->ch = grpc_channel_create(target, creds, NULL);
    grpc_channel_credentials_release(creds);
    c->cq = grpc_completion_queue_create_for_pluck(NULL);
    c->call = grpc_channel_create_call(c->ch, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq,
                                       grpc_slice_from_static_string(SOTW_METHOD), NULL,
                                       gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    grpc_metadata_array_init(&c->imd);
    grpc_metadata_array_init(&c->tmd);
    grpc_op ops[2];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    grpc_call_start_batch(c->call, ops, 1, &c->tag_start, NULL);
    grpc_completion_queue_pluck(c->cq, &c->tag_start, in_ms(5000), NULL);
    ops[1].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[1].data.recv_status_on_client.trailing_metadata = &c->tmd;
    ops[1].data.recv_status_on_client.status = &c->status;
    ops[1].data.recv_status_on_client.status_details = &c->details;
    grpc_call_start_batch(c->call, &ops[1], 1, &c->tag_status, NULL);
    return c;
}

/* Send a DiscoveryRequest; nack_message non-NULL makes it a NACK. */
static void client_send(struct client *c, const char *type_url, const char *version,
                        const char *nonce, const char *nack_message, int with_node)
{
    Envoy__Service__Discovery__V3__DiscoveryRequest req =
        ENVOY__SERVICE__DISCOVERY__V3__DISCOVERY_REQUEST__INIT;
    Envoy__Config__Core__V3__Node node = ENVOY__CONFIG__CORE__V3__NODE__INIT;
    Google__Rpc__Status err = GOOGLE__RPC__STATUS__INIT;
    node.id = SLEEP_ID;
    if (with_node)
        req.node = &node;
    req.type_url = (char *)type_url;
    req.version_info = (char *)version;
    req.response_nonce = (char *)nonce;
    if (nack_message) {
        err.code = 3;
        err.message = (char *)nack_message;
        req.error_detail = &err;
    }
    size_t len = protobuf_c_message_get_packed_size(&req.base);
    uint8_t *buf = xmalloc(len + 1);
    protobuf_c_message_pack(&req.base, buf);
    grpc_slice s = grpc_slice_from_copied_buffer((const char *)buf, len);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    free(buf);
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_SEND_MESSAGE;
    op.data.send_message.send_message = bb;
    if (grpc_call_start_batch(c->call, &op, 1, &c->tag_send, NULL) == GRPC_CALL_OK)
        grpc_completion_queue_pluck(c->cq, &c->tag_send, in_ms(5000), NULL);
    grpc_byte_buffer_destroy(bb);
}

/* The next DiscoveryResponse (caller frees with ..._free_unpacked), or NULL. */
static Envoy__Service__Discovery__V3__DiscoveryResponse *client_recv(struct client *c)
{
    grpc_byte_buffer *bb = NULL;
    grpc_op ops[2];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_RECV_MESSAGE;
    ops[0].data.recv_message.recv_message = &bb;
    ops[1].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[1].data.recv_initial_metadata.recv_initial_metadata = &c->imd;
    size_t n = c->got_imd ? 1 : 2;
    c->got_imd = 1;
    if (grpc_call_start_batch(c->call, ops, n, &c->tag_recv, NULL) != GRPC_CALL_OK)
        return NULL;
    grpc_event ev = grpc_completion_queue_pluck(c->cq, &c->tag_recv, in_ms(10000), NULL);
    if (ev.type == GRPC_QUEUE_TIMEOUT) {
        grpc_call_cancel(c->call, NULL);
        grpc_completion_queue_pluck(c->cq, &c->tag_recv, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
    }
    if (bb == NULL)
        return NULL;
    grpc_byte_buffer_reader rd;
    grpc_byte_buffer_reader_init(&rd, bb);
    grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
    grpc_byte_buffer_reader_destroy(&rd);
    grpc_byte_buffer_destroy(bb);
    Envoy__Service__Discovery__V3__DiscoveryResponse *r =
        envoy__service__discovery__v3__discovery_response__unpack(NULL, GRPC_SLICE_LENGTH(all),
                                                                  GRPC_SLICE_START_PTR(all));
    grpc_slice_unref(all);
    return r;
}

static void client_close(struct client *c)
{
    grpc_call_cancel(c->call, NULL);
    grpc_completion_queue_pluck(c->cq, &c->tag_status, in_ms(10000), NULL);
    grpc_slice_unref(c->details);
    grpc_metadata_array_destroy(&c->imd);
    grpc_metadata_array_destroy(&c->tmd);
    grpc_call_unref(c->call);
    grpc_channel_destroy(c->ch);
    grpc_completion_queue_shutdown(c->cq);
    while (
        grpc_completion_queue_pluck(c->cq, NULL, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
        GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(c->cq);
    free(c);
}

/* ---- the server under test ---------------------------------------------------------- */

static struct xds_status_report *xds_status(void *srv)
{
    return xds_server_status(srv);
}

static int xds_listening(void *srv)
{
    return xds_server_listening(srv);
}

static struct xds_status_report *xds_status_brief(void *srv)
{
    return xds_server_status_brief(srv);
}

static void *run_xds(void *srv)
{
    xds_server_run(srv);
    return NULL;
}

static json_t *get_json(const char *addr, const char *path, int *status)
{
    struct http_reply r;
    char *err = NULL;
    if (http_get(addr, path, 10000, &r, &err) < 0) {
        fprintf(stderr, "# GET %s: %s\n", path, err);
        free(err);
        *status = -1;
        return NULL;
    }
    *status = r.status;
    json_t *j = json_loads(r.body, 0, NULL);
    http_reply_release(&r);
    return j;
}

static json_t *sleep_sync(json_t *syncz, const char *type_url)
{
    size_t i;
    json_t *p;
    json_array_foreach(syncz, i, p)
    {
        const char *id = json_string_value(json_object_get(p, "proxy"));
        if (id && strcmp(id, SLEEP_ID) == 0)
            return json_object_get(json_object_get(p, "resources"), type_url);
    }
    return NULL;
}

/* Does the dump's cluster list hold exactly the clusters of response r? */
static int dump_matches(json_t *dump, const Envoy__Service__Discovery__V3__DiscoveryResponse *r)
{
    json_t *cds = json_array_get(json_object_get(dump, "configs"), 0);
    json_t *list = json_object_get(cds, "dynamic_active_clusters");
    if (json_array_size(list) != r->n_resources)
        return 0;
    for (size_t i = 0; i < r->n_resources; i++) {
        json_t *got = pbjson_encode_any(r->resources[i]->type_url, r->resources[i]->value.data,
                                        r->resources[i]->value.len, PBJSON_PROTO_NAMES);
        int found = 0;
        size_t k;
        json_t *e;
        json_array_foreach(list, k, e)
        {
            const char *v = json_string_value(json_object_get(e, "version_info"));
            found |= json_equal(json_object_get(e, "cluster"), got) && v &&
                     strcmp(v, r->version_info) == 0;
        }
        json_decref(got);
        if (!found)
            return 0;
    }
    return 1;
}

/* The output of `xdsd status [proxy]` against addr. */
static char *status_output(const char *addr, const char *proxy)
{
    char path[] = "/tmp/xdsd-e2e-status-XXXXXX";
    int fd = mkstemp(path);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    cmd_status(addr, proxy, STATUS_TABLE);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    char *buf = xcalloc(1, 65536);
    ssize_t n = pread(fd, buf, 65535, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return buf;
}

static void run_checks(const char *xds_target, const char *debug_addr)
{
    const char *cds_url = xds_type_url(XDS_CLUSTER), *lds_url = xds_type_url(XDS_LISTENER);
    struct client *c = client_open(xds_target);
    client_send(c, cds_url, "", "", NULL, 1);
    Envoy__Service__Discovery__V3__DiscoveryResponse *cds = client_recv(c);
    check(cds != NULL && cds->n_resources > 0, "the sidecar receives its clusters");
    if (cds == NULL) {
        client_close(c);
        return;
    }
    client_send(c, cds_url, cds->version_info, cds->nonce, NULL, 0); /* ACK */
    client_send(c, lds_url, "", "", NULL, 0);
    Envoy__Service__Discovery__V3__DiscoveryResponse *lds = client_recv(c);
    check(lds != NULL && lds->n_resources > 0, "the sidecar receives its listeners");
    if (lds)
        client_send(c, lds_url, "", lds->nonce, NACK_TEXT, 0); /* NACK */
    usleep(300 * 1000); /* the NACK reaches the server's loop */

    int status;
    json_t *j = get_json(debug_addr, "/ready", &status);
    check(status == 200, "/ready answers 200 with a configuration and xDS listening");
    json_decref(j);

    json_t *syncz = get_json(debug_addr, "/debug/syncz", &status);
    json_t *cs = sleep_sync(syncz, cds_url), *ls = sleep_sync(syncz, lds_url);
    check(status == 200 && streq(json_string_value(json_object_get(cs, "status")), "SYNCED"),
          "syncz: CDS of the sidecar is SYNCED");
    check(cs && streq(json_string_value(json_object_get(cs, "acked_nonce")), cds->nonce),
          "syncz: the acked nonce is the response's");
    json_t *nack = json_object_get(ls, "last_nack");
    check(ls && streq(json_string_value(json_object_get(ls, "status")), "NACKED"),
          "syncz: LDS of the sidecar is NACKED");
    check(nack && streq(json_string_value(json_object_get(nack, "message")), NACK_TEXT),
          "syncz: the NACK's message is there");
    json_decref(syncz);

    struct http_reply m;
    char *err = NULL;
    int got = http_get(debug_addr, "/metrics", 10000, &m, &err) == 0;
    check(got && strstr(m.body, "\npilot_total_xds_rejects{type=\"lds\"} 1\n") != NULL,
          "metrics: the NACK is counted in pilot_total_xds_rejects{type=\"lds\"}");
    check(got && strstr(m.body, "\npilot_xds{type=\"sidecar\"} 1\n") != NULL,
          "metrics: one sidecar connected");
    if (got)
        http_reply_release(&m);
    free(err);

    json_t *dump = get_json(debug_addr, "/debug/config_dump?proxyID=" SLEEP_POD, &status);
    check(status == 200 && dump_matches(dump, cds),
          "config_dump: the clusters are exactly those the client received, with its version");
    json_decref(dump);

    json_t *adsz = get_json(debug_addr, "/debug/adsz", &status);
    json_t *client = json_array_get(json_object_get(adsz, "clients"), 0);
    check(json_integer_value(json_object_get(adsz, "totalClients")) == 1 &&
              streq(json_string_value(json_object_get(client, "node")), SLEEP_ID),
          "adsz: the client, by node id");
    json_decref(adsz);

    char *table = status_output(debug_addr, NULL);
    check(strstr(table, SLEEP_POD) && strstr(table, "SYNCED     NACKED"),
          "xdsd status: the sidecar's CDS is SYNCED and its LDS NACKED");
    free(table);
    char *detail = status_output(debug_addr, SLEEP_POD);
    check(strstr(detail, "Last NACK of LDS") && strstr(detail, NACK_TEXT),
          "xdsd status PROXY: the last NACK and its message");
    free(detail);

    envoy__service__discovery__v3__discovery_response__free_unpacked(cds, NULL);
    if (lds)
        envoy__service__discovery__v3__discovery_response__free_unpacked(lds, NULL);
    client_close(c);
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "test/data";
    log_init(getenv("XDSD_DEBUG") ? LOG_DEBUG : LOG_WARN, LOG_TEXT);
    grpc_init();
    char *dir = xasprintf("%s/dump-check/sidecar-tls-origination", data);
    struct config_diags diags = {0};
    struct config_set *set = config_load(dir, &diags, NULL);
    check(set != NULL, "the scenario loads");
    if (set == NULL) {
        printf("%d passed, %d failed\n", n_checks - n_failed, n_failed);
        return 1;
    }
    struct serve_options o;
    serve_options_init(&o);
    o.xds_listen = "127.0.0.1:0";
    int xds_port = 0, debug_port = 0;
    struct xds_server *srv = xds_server_new(&o, &xds_port);
    check(srv != NULL, "the ADS server listens");
    if (srv == NULL)
        return 1;
    struct translate_options to = {.outbound_policy = OUTBOUND_ALLOW_ANY,
                                   .mesh_certs = "/etc/certs",
                                   .trust_domain = "cluster.local"};
    xds_server_publish(srv, translate_snapshot(set, 1, &to));
    pthread_t th;
    pthread_create(&th, NULL, run_xds, srv);

    struct debug_sources src = {srv,           xds_status,    xds_status_report_free,
                                xds_histogram_bounds, xds_listening, xds_status_brief};
    struct debug_server *dbg = debug_server_start("127.0.0.1:0", &src, &debug_port);
    check(dbg != NULL, "the debug endpoint listens");
    struct debug_config_info info = {.reloads_ok = 1};
    debug_config_info_fill(&info, set, &diags, 0);
    debug_server_set_config(dbg, &info);
    debug_config_info_release(&info);

    char target[64], addr[64];
    snprintf(target, sizeof(target), "127.0.0.1:%d", xds_port);
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", debug_port);
    if (dbg)
        run_checks(target, addr);

    debug_server_stop(dbg);
    xds_server_stop(srv);
    pthread_join(th, NULL);
    xds_server_free(srv);
    config_diags_release(&diags);
    config_unref(set);
    free(dir);
    grpc_shutdown();
    printf("%d passed, %d failed\n", n_checks - n_failed, n_failed);
    return n_failed ? 1 : 0;
}
