/* t_debug.c - the debug endpoint over a real socket, fed hand-made xDS and config state. */
#include "xdsd/debug.h"

#include <ctype.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xdsd/commands.h"
#include "xdsd/config.h"
#include "xdsd/httpget.h"
#include "xdsd/util.h"
#include "unit.h"
#include "view_fixture.h"

#define SLEEP_ID "sidecar~10.0.0.5~sleep-abc.default~default.svc.cluster.local"
#define GW_ID "router~10.0.0.9~istio-egressgateway-1.istio-system~istio-system.svc.cluster.local"
#define NACK_TEXT "Error adding/updating listener(s) 0.0.0.0_80: unknown field"

static const double bounds[12] = {0.1, 0.5, 1, 3, 5, 10, 20, 30, 60, 120, 300, 600};

static struct xds_view *view; /* what both fake proxies were sent */
static int listening = 1;

static char **names_of(const char *const *names, size_t n)
{
    char **out = xcalloc(n + 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(names[i]);
    return out;
}

static void sent(struct xds_type_status *t, enum xds_sync sync, const char *const *names, size_t n,
                 const char *nonce)
{
    t->requested = 1;
    t->wildcard = 1;
    t->sync = sync;
    snprintf(t->sent_version, sizeof(t->sent_version), "%s", "aaaabbbbccccdddd");
    snprintf(t->sent_nonce, sizeof(t->sent_nonce), "%s", nonce);
    if (sync == SYNC_SYNCED) {
        memcpy(t->acked_version, t->sent_version, sizeof(t->acked_version));
        memcpy(t->acked_nonce, t->sent_nonce, sizeof(t->acked_nonce));
    }
    t->sent_names = names_of(names, n);
    t->n_sent_names = n;
}

static void fill_sleep(struct xds_stream_status *s)
{
    static const char *const clusters[] = {"outbound|443||edition.cnn.com",
                                           "outbound|80||edition.cnn.com"};
    static const char *const listeners[] = {"0.0.0.0_80"};
    static const char *const cla[] = {"outbound|443||edition.cnn.com"};
    struct config_kv app = {"app", "sleep"};
    s->connection_id = 3;
    s->node_id = xstrdup(SLEEP_ID);
    s->peer = xstrdup("ipv4:10.0.0.5:40000");
    s->metadata_json = xstrdup("{\"ISTIO_VERSION\":\"1.20.0\",\"LABELS\":{\"app\":\"sleep\"}}");
    s->class_key = xstrdup("sidecar/default");
    s->connected_at_ms = 1764446400000;
    proxy_identity_init(&s->id, SLEEP_ID, NULL, NULL, &app, 1, NULL);
    sent(&s->types[XDS_CLUSTER], SYNC_SYNCED, clusters, 2, "1-1");
    sent(&s->types[XDS_ENDPOINT], SYNC_STALE, cla, 1, "1-2");
    sent(&s->types[XDS_LISTENER], SYNC_NACKED, listeners, 1, "1-3");
    s->types[XDS_LISTENER].nack_message = xstrdup(NACK_TEXT);
    snprintf(s->types[XDS_LISTENER].nack_nonce, sizeof(s->types[0].nack_nonce), "1-3");
    s->types[XDS_LISTENER].nack_time_ms = 1764446401000;
    s->types[XDS_ROUTE].requested = 1;
    s->types[XDS_ROUTE].names = names_of((const char *const[]){"80"}, 1);
    s->types[XDS_ROUTE].n_names = 1;
    s->view = view;
}

static void fill_gateway(struct xds_stream_status *s)
{
    static const char *const clusters[] = {"outbound|443||edition.cnn.com"};
    s->connection_id = 4;
    s->node_id = xstrdup(GW_ID);
    s->peer = xstrdup("ipv4:10.0.0.9:40001");
    s->metadata_json = xstrdup("{}");
    s->class_key = xstrdup("router/istio-system");
    s->delta = 1;
    s->connected_at_ms = 1764446402000;
    proxy_identity_init(&s->id, GW_ID, NULL, NULL, NULL, 0, NULL);
    sent(&s->types[XDS_CLUSTER], SYNC_SYNCED, clusters, 1, "2-1");
    s->view = view;
}

static struct xds_status_report *fake_status(void *ctx)
{
    (void)ctx;
    struct xds_status_report *r = xcalloc(1, sizeof(*r));
    r->n_streams = 2;
    r->streams = xcalloc(2, sizeof(*r->streams));
    fill_sleep(&r->streams[0]);
    fill_gateway(&r->streams[1]);
    r->listening = listening;
    r->generation = 7;
    r->counters.pushes[XDS_CLUSTER] = 2;
    r->counters.rejects[XDS_LISTENER] = 1;
    r->counters.expired_nonce = 5;
    for (int i = 0; i < 12; i++)
        r->counters.convergence_buckets[i] = i < 3 ? 1 : 2;
    r->counters.convergence_count = 2;
    r->counters.convergence_sum = 1.25;
    return r;
}

static void fake_status_free(struct xds_status_report *r)
{
    for (size_t i = 0; i < r->n_streams; i++) {
        struct xds_stream_status *s = &r->streams[i];
        free(s->node_id);
        free(s->peer);
        free(s->metadata_json);
        free(s->class_key);
        proxy_identity_release(&s->id);
        for (int t = 0; t < XDS_NTYPES; t++) {
            for (size_t k = 0; k < s->types[t].n_names; k++)
                free(s->types[t].names[k]);
            free(s->types[t].names);
            for (size_t k = 0; k < s->types[t].n_sent_names; k++)
                free(s->types[t].sent_names[k]);
            free(s->types[t].sent_names);
            free(s->types[t].nack_message);
        }
    }
    free(r->streams);
    free(r);
}

struct fixture {
    struct debug_server *srv;
    char addr[64];
};

static int start(struct fixture *f)
{
    struct debug_sources src = {NULL, fake_status, fake_status_free, bounds, NULL, NULL};
    int port = 0;
    if (view == NULL)
        view = fixture_view_new();
    listening = 1;
    f->srv = debug_server_start("127.0.0.1:0", &src, &port);
    snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%d", port);
    return f->srv != NULL && port > 0;
}

/* GET path; the body parsed as JSON when the status is as expected. */
static json_t *get_json(const struct fixture *f, const char *path, int want_status)
{
    struct http_reply r;
    char *err = NULL;
    if (!CHECK(http_get(f->addr, path, 5000, &r, &err) == 0)) {
        free(err);
        return NULL;
    }
    CHECK_INT(r.status, want_status);
    CHECK_STR(r.content_type, "application/json");
    json_t *j = json_loads(r.body, 0, NULL);
    CHECK(j != NULL);
    http_reply_release(&r);
    return j;
}

static void set_config(struct debug_server *srv, int loaded)
{
    struct debug_resource res = {"ServiceEntry", "default", "cnn", "se.yaml", 1, 2};
    struct debug_diag diags[] = {
        {0, "vs.yaml", 4, 7, "VirtualService default/bad", "unknown field 'htp'", NULL},
        {1, "dr.yaml", 2, 3, NULL, "no ServiceEntry for host 'x'", "IST0101"},
    };
    struct debug_config_info c = {
        .loaded = loaded,
        .generation = 3,
        .rejected = 1,
        .resources = &res,
        .n_resources = 1,
        .diags = diags,
        .n_diags = 2,
        .reloads_ok = 2,
        .reloads_rejected = 1,
    };
    debug_server_set_config(srv, &c);
}

static int status_calls;

static struct xds_status_report *counting_status(void *ctx)
{
    status_calls++;
    return fake_status(ctx);
}

static int fake_listening(void *ctx)
{
    (void)ctx;
    return listening;
}

/* With a listening source, /ready never takes a whole report: probes come
 * often and must not copy every stream's state. */
TEST(debug_ready_asks_only_whether_listening)
{
    struct debug_sources src = {NULL, counting_status, fake_status_free, bounds, fake_listening, NULL};
    int port = 0;
    listening = 1;
    struct debug_server *srv = debug_server_start("127.0.0.1:0", &src, &port);
    if (!CHECK(srv != NULL))
        return;
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    set_config(srv, 1);
    status_calls = 0;
    struct http_reply r;
    char *err = NULL;
    CHECK(http_get(addr, "/ready", 5000, &r, &err) == 0);
    CHECK_INT(r.status, 200);
    http_reply_release(&r);
    listening = 0;
    CHECK(http_get(addr, "/ready", 5000, &r, &err) == 0);
    CHECK_INT(r.status, 503);
    CHECK(r.body && strstr(r.body, "not listening"));
    http_reply_release(&r);
    CHECK_INT(status_calls, 0);
    debug_server_stop(srv);
    listening = 1;
}

static int brief_calls;

static struct xds_status_report *counting_brief(void *ctx)
{
    brief_calls++;
    return fake_status(ctx);
}

/* The pages that show states take the report without resource names
 * (copying every stream's names is most of a report's time under the xDS
 * server's lock); those that list names take the whole one. */
TEST(debug_state_pages_take_the_report_without_names)
{
    struct debug_sources src = {NULL,           counting_status, fake_status_free,
                                bounds,         fake_listening,  counting_brief};
    int port = 0;
    struct debug_server *srv = debug_server_start("127.0.0.1:0", &src, &port);
    if (!CHECK(srv != NULL))
        return;
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    set_config(srv, 1);
    static const struct {
        const char *path;
        int names;
    } pages[] = {{"/debug/uiz", 0},       {"/debug/syncz", 0},  {"/metrics", 0},
                 {"/debug/analyzez", 0},  {"/debug/adsz", 1},   {"/debug/config_dump?proxyID=a", 1}};
    for (size_t i = 0; i < ARRAY_LEN(pages); i++) {
        status_calls = brief_calls = 0;
        struct http_reply r;
        char *err = NULL;
        CHECK(http_get(addr, pages[i].path, 5000, &r, &err) == 0);
        free(err);
        http_reply_release(&r);
        if (status_calls != pages[i].names || brief_calls != !pages[i].names)
            printf("# %s: %d whole reports, %d without names\n", pages[i].path, status_calls,
                   brief_calls);
        CHECK_INT(status_calls, pages[i].names);
        CHECK_INT(brief_calls, !pages[i].names);
    }
    debug_server_stop(srv);
}

TEST(debug_ready_and_version)
{
    struct fixture f;
    if (!CHECK(start(&f)))
        return;
    struct http_reply r;
    char *err = NULL;
    CHECK(http_get(f.addr, "/ready", 5000, &r, &err) == 0);
    CHECK_INT(r.status, 503);
    CHECK(r.body && strstr(r.body, "no configuration"));
    http_reply_release(&r);
    set_config(f.srv, 1);
    CHECK(http_get(f.addr, "/ready", 5000, &r, &err) == 0);
    CHECK_INT(r.status, 200);
    http_reply_release(&r);
    listening = 0;
    CHECK(http_get(f.addr, "/ready", 5000, &r, &err) == 0);
    CHECK_INT(r.status, 503);
    CHECK(r.body && strstr(r.body, "not listening"));
    http_reply_release(&r);

    json_t *v = get_json(&f, "/version", 200);
    CHECK(json_is_string(json_object_get(v, "version")));
    CHECK(json_is_string(json_object_get(v, "build")));
    CHECK_INT(json_array_size(json_object_get(v, "protocols")), 2);
    json_decref(v);
    debug_server_stop(f.srv);
}

TEST(debug_configz_lists_resources_and_findings)
{
    struct fixture f;
    if (!CHECK(start(&f)))
        return;
    set_config(f.srv, 1);
    json_t *j = get_json(&f, "/debug/configz", 200);
    CHECK_INT(json_integer_value(json_object_get(j, "generation")), 3);
    CHECK(json_is_true(json_object_get(j, "rejected")));
    json_t *res = json_array_get(json_object_get(j, "resources"), 0);
    CHECK_STR(json_string_value(json_object_get(res, "kind")), "ServiceEntry");
    CHECK_STR(json_string_value(json_object_get(res, "file")), "se.yaml");
    CHECK_INT(json_integer_value(json_object_get(res, "line")), 1);
    CHECK_INT(json_integer_value(json_object_get(res, "column")), 2);
    /* the only generation is the set's: metadata.generation is no news */
    CHECK(json_object_get(res, "generation") == NULL);
    json_t *e = json_array_get(json_object_get(j, "errors"), 0);
    CHECK_STR(json_string_value(json_object_get(e, "file")), "vs.yaml");
    CHECK_INT(json_integer_value(json_object_get(e, "line")), 4);
    CHECK_INT(json_integer_value(json_object_get(e, "column")), 7);
    CHECK_STR(json_string_value(json_object_get(e, "resource")), "VirtualService default/bad");
    CHECK_INT(json_array_size(json_object_get(j, "warnings")), 1);
    json_decref(j);
    debug_server_stop(f.srv);
}

static json_t *find_proxy(json_t *arr, const char *id)
{
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p) if (strcmp(json_string_value(json_object_get(p, "proxy")), id) ==
                                      0) return p;
    return NULL;
}

TEST(debug_syncz_shows_the_nack)
{
    struct fixture f;
    if (!CHECK(start(&f)))
        return;
    json_t *j = get_json(&f, "/debug/syncz", 200);
    CHECK_INT(json_array_size(j), 2);
    json_t *p = find_proxy(j, SLEEP_ID);
    if (CHECK(p != NULL)) {
        CHECK_STR(json_string_value(json_object_get(p, "proxy_type")), "sidecar");
        CHECK_STR(json_string_value(json_object_get(p, "cluster_sent")), "1-1");
        CHECK_STR(json_string_value(json_object_get(p, "cluster_acked")), "1-1");
        CHECK_STR(json_string_value(json_object_get(p, "listener_sent")), "1-3");
        CHECK_STR(json_string_value(json_object_get(p, "listener_acked")), "");
        json_t *lds = json_object_get(json_object_get(p, "resources"),
                                      "type.googleapis.com/envoy.config.listener.v3.Listener");
        CHECK_STR(json_string_value(json_object_get(lds, "status")), "NACKED");
        json_t *nack = json_object_get(lds, "last_nack");
        CHECK_STR(json_string_value(json_object_get(nack, "message")), NACK_TEXT);
        CHECK_STR(json_string_value(json_object_get(nack, "time")), "2025-11-29T20:00:01.000Z");
        json_t *rds =
            json_object_get(json_object_get(p, "resources"),
                            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration");
        CHECK_STR(json_string_value(json_object_get(rds, "status")), "NOT SENT");
        json_t *eds =
            json_object_get(json_object_get(p, "resources"),
                            "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");
        CHECK_STR(json_string_value(json_object_get(eds, "status")), "STALE");
    }
    json_decref(j);

    /* the same NACK counted in the metrics */
    struct http_reply r;
    char *err = NULL;
    CHECK(http_get(f.addr, "/metrics", 5000, &r, &err) == 0);
    CHECK(r.body && strstr(r.body, "\npilot_total_xds_rejects{type=\"lds\"} 1\n"));
    http_reply_release(&r);
    debug_server_stop(f.srv);
}

TEST(debug_adsz_lists_clients_and_watches)
{
    struct fixture f;
    if (!CHECK(start(&f)))
        return;
    json_t *j = get_json(&f, "/debug/adsz", 200);
    CHECK_INT(json_integer_value(json_object_get(j, "totalClients")), 2);
    json_t *c = json_array_get(json_object_get(j, "clients"), 0);
    CHECK_STR(json_string_value(json_object_get(c, "node")), SLEEP_ID);
    CHECK_STR(json_string_value(json_object_get(c, "protocol")), "sotw");
    CHECK_STR(json_string_value(json_object_get(c, "address")), "ipv4:10.0.0.5:40000");
    CHECK_STR(json_string_value(json_object_get(json_object_get(c, "labels"), "app")), "sleep");
    CHECK_STR(json_string_value(json_object_get(json_object_get(c, "metadata"), "ISTIO_VERSION")),
              "1.20.0");
    json_t *w = json_object_get(c, "watches");
    json_t *rds =
        json_object_get(w, "type.googleapis.com/envoy.config.route.v3.RouteConfiguration");
    CHECK_INT(json_array_size(rds), 1);
    CHECK_STR(json_string_value(json_array_get(rds, 0)), "80");
    json_decref(j);

    j = get_json(&f, "/debug/adsz?proxyID=istio-egressgateway-1.istio-system", 200);
    CHECK_INT(json_array_size(json_object_get(j, "clients")), 1);
    c = json_array_get(json_object_get(j, "clients"), 0);
    CHECK_STR(json_string_value(json_object_get(c, "protocol")), "delta");
    CHECK_STR(json_string_value(json_object_get(c, "proxyType")), "router");
    json_decref(j);
    debug_server_stop(f.srv);
}

TEST(debug_config_dump_is_what_the_proxy_was_sent)
{
    struct fixture f;
    if (!CHECK(start(&f)))
        return;
    json_t *j = get_json(&f, "/debug/config_dump", 400);
    CHECK(json_is_string(json_object_get(j, "error")));
    json_decref(j);
    j = get_json(&f, "/debug/config_dump?proxyID=nobody.default", 404);
    json_decref(j);

    j = get_json(&f, "/debug/config_dump?proxyID=sleep-abc.default", 200);
    json_t *configs = json_object_get(j, "configs");
    CHECK_INT(json_array_size(configs), 4);
    json_t *cds = json_array_get(configs, 0);
    CHECK_INT(json_array_size(json_object_get(cds, "dynamic_active_clusters")), 2);
    CHECK_STR(json_string_value(json_object_get(cds, "version_info")), "aaaabbbbccccdddd");
    json_t *lds = json_array_get(configs, 2);
    json_t *dl = json_object_get(lds, "dynamic_listeners");
    CHECK_INT(json_array_size(dl), 1); /* virtualOutbound was never sent */
    CHECK_STR(json_string_value(json_object_get(json_array_get(dl, 0), "name")), "0.0.0.0_80");
    json_t *rds = json_array_get(configs, 3);
    CHECK_INT(json_array_size(json_object_get(rds, "dynamic_route_configs")), 0);
    json_decref(j);

    /* by full node id, and delta: each resource's own version */
    j = get_json(&f, "/debug/config_dump?proxyID=" GW_ID, 200);
    cds = json_array_get(json_object_get(j, "configs"), 0);
    json_t *c0 = json_array_get(json_object_get(cds, "dynamic_active_clusters"), 0);
    CHECK_STR(json_string_value(json_object_get(c0, "version_info")),
              xds_view_find(view, XDS_CLUSTER, "outbound|443||edition.cnn.com")->version);
    json_decref(j);
    debug_server_stop(f.srv);
}

/* Each line is a comment (# HELP / # TYPE) or `name{labels} value`. */
static int metric_line_ok(const char *line)
{
    if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0)
        return 1;
    const char *p = line;
    if (!(isalpha((unsigned char)*p) || *p == '_' || *p == ':'))
        return 0;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
        p++;
    if (*p == '{') {
        const char *close = strchr(p, '}');
        if (close == NULL)
            return 0;
        p = close + 1;
    }
    if (*p++ != ' ')
        return 0;
    char *end;
    strtod(p, &end);
    return end != p && *end == '\0';
}

TEST(debug_metrics_parse_line_by_line)
{
    struct fixture f;
    if (!CHECK(start(&f)))
        return;
    set_config(f.srv, 1);
    struct http_reply r;
    char *err = NULL;
    if (!CHECK(http_get(f.addr, "/metrics", 5000, &r, &err) == 0))
        return;
    CHECK_STR(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    CHECK(r.len > 0 && r.body[r.len - 1] == '\n');
    int bad = 0, lines = 0;
    for (char *line = strtok(r.body, "\n"); line; line = strtok(NULL, "\n")) {
        lines++;
        if (!metric_line_ok(line)) {
            bad++;
            fprintf(stderr, "bad metric line: %s\n", line);
        }
    }
    CHECK_INT(bad, 0);
    CHECK(lines > 40);
    http_reply_release(&r);

    CHECK(http_get(f.addr, "/metrics", 5000, &r, &err) == 0);
    static const char *const want[] = {
        "\npilot_xds{type=\"sidecar\"} 1\n",
        "\npilot_xds{type=\"router\"} 1\n",
        "\npilot_xds_pushes{type=\"cds\"} 2\n",
        "\npilot_xds_expired_nonce 5\n",
        "\npilot_proxy_convergence_time_bucket{le=\"0.1\"} 1\n",
        "\npilot_proxy_convergence_time_bucket{le=\"+Inf\"} 2\n",
        "\npilot_proxy_convergence_time_count 2\n",
        "\npilot_proxy_convergence_time_sum 1.25\n",
        "\n# TYPE pilot_xds_push_time histogram\n",
        "\nxdsd_config_reloads_total{result=\"success\"} 2\n",
        "\nxdsd_config_reloads_total{result=\"rejected\"} 1\n",
        "\nxdsd_config_errors 1\n",
        "\nxdsd_build_info{version=\"",
        "\nprocess_resident_memory_bytes ",
        "\nprocess_open_fds ",
        "\npilot_xds_config_size_bytes{type=\"lds\"} ",
    };
    for (size_t i = 0; i < ARRAY_LEN(want); i++)
        if (!CHECK(r.body && strstr(r.body, want[i])))
            fprintf(stderr, "missing: %s", want[i]);
    http_reply_release(&r);
    debug_server_stop(f.srv);
}

/* Send raw bytes, return the status code of the answer. */
static int raw_request(const struct fixture *f, const char *req, char *head, size_t headsz)
{
    int port = atoi(strrchr(f->addr, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return -1;
    }
    size_t len = strlen(req), off = 0;
    while (off < len) {
        ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    ssize_t n = recv(fd, head, headsz - 1, MSG_WAITALL);
    close(fd);
    head[n > 0 ? n : 0] = '\0';
    return n > 12 ? atoi(head + 9) : -1;
}

TEST(debug_http_errors_and_pretty)
{
    struct fixture f;
    if (!CHECK(start(&f)))
        return;
    json_t *j = get_json(&f, "/nope", 404);
    CHECK(json_is_string(json_object_get(j, "error")));
    json_decref(j);

    char head[4096];
    CHECK_INT(raw_request(&f, "POST /debug/syncz HTTP/1.0\r\nContent-Length: 0\r\n\r\n", head,
                          sizeof(head)),
              405);
    CHECK(strstr(head, "Allow: GET, HEAD") != NULL);
    CHECK_INT(raw_request(&f, "POST /debug/syncz HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", head,
                          sizeof(head)),
              413);
    /* headers larger than the connection's memory limit are refused */
    size_t big = 64 * 1024;
    char *req = xmalloc(big + 128);
    int n = snprintf(req, big + 128, "GET /ready HTTP/1.0\r\nX-Big: ");
    memset(req + n, 'a', big);
    strcpy(req + n + big, "\r\n\r\n");
    int status = raw_request(&f, req, head, sizeof(head));
    CHECK(status == 431 || status == 413 || status == 400);
    free(req);

    struct http_reply r;
    char *err = NULL;
    CHECK(http_get(f.addr, "/version?pretty", 5000, &r, &err) == 0);
    CHECK(r.body && strstr(r.body, "{\n  \"build\": "));
    http_reply_release(&r);
    CHECK(http_get(f.addr, "/version", 5000, &r, &err) == 0);
    CHECK(r.body && strchr(r.body, '\n') == NULL);
    http_reply_release(&r);
    debug_server_stop(f.srv);
}

TEST(debug_bad_listen_address)
{
    struct debug_sources src = {0};
    CHECK(debug_server_start("no-port-here", &src, NULL) == NULL);
    CHECK(debug_server_start("999.1.1.1:0", &src, NULL) == NULL);
}

TEST(debug_answers_curl)
{
    if (access("/usr/bin/curl", X_OK) != 0)
        return;
    struct fixture f;
    if (!CHECK(start(&f)))
        return;
    set_config(f.srv, 1);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "curl -s -o /dev/null -w '%%{http_code}' http://%s/ready", f.addr);
    FILE *p = popen(cmd, "r");
    char out[16] = "";
    if (p) {
        if (fgets(out, sizeof(out), p) == NULL)
            out[0] = '\0';
        pclose(p);
    }
    CHECK_STR(out, "200");
    debug_server_stop(f.srv);
}

/* Run cmd_status with stdout captured into buf. */
static int status_output(const char *addr, const char *proxy, char *buf, size_t size)
{
    char path[] = "/tmp/xdsd-status-XXXXXX";
    int fd = mkstemp(path);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    int rc = cmd_status(addr, proxy, STATUS_TABLE);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return rc;
}

TEST(status_command_prints_proxy_status_table)
{
    struct fixture f;
    if (!CHECK(start(&f)))
        return;
    char out[8192];
    CHECK_INT(status_output(f.addr, NULL, out, sizeof(out)), 0);
    /* the header line, then the table as it always was */
    char head[256];
    snprintf(head, sizeof(head),
             "xdsd %s: no configuration loaded; last reload accepted: 0 errors, 0 warnings\nNAME",
             f.addr);
    CHECK(strncmp(out, head, strlen(head)) == 0);
    CHECK(strstr(out, "CDS        LDS        EDS        RDS        VERSION\n") != NULL);
    const char *sleep = strstr(out, "\nsleep-abc.default ");
    CHECK(sleep != NULL);
    CHECK(sleep && strstr(sleep, "SYNCED     NACKED     STALE      NOT SENT   1.20.0\n"));
    CHECK(strstr(out, "\nistio-egressgateway-1.istio-system ") != NULL);

    CHECK_INT(status_output(f.addr, "sleep-abc.default", out, sizeof(out)), 0);
    CHECK(strstr(out, "Proxy:      " SLEEP_ID) != NULL);
    CHECK(strstr(out, "Last NACK of LDS (nonce 1-3, 2025-11-29T20:00:01.000Z):\n  " NACK_TEXT) !=
          NULL);
    CHECK_INT(status_output(f.addr, "nobody.default", out, sizeof(out)), 1);
    set_config(f.srv, 1);
    CHECK_INT(status_output(f.addr, NULL, out, sizeof(out)), 0);
    snprintf(head, sizeof(head),
             "xdsd %s: serving generation 3 from config-dir; last reload rejected: 1 error, "
             "1 warning\nNAME",
             f.addr);
    CHECK(strncmp(out, head, strlen(head)) == 0);
    debug_server_stop(f.srv);
    /* nothing listening any more */
    CHECK_INT(status_output(f.addr, NULL, out, sizeof(out)), 1);
}

TEST(debug_config_info_from_a_loaded_set)
{
    static const char good[] = "apiVersion: networking.istio.io/v1alpha3\n"
                               "kind: ServiceEntry\n"
                               "metadata:\n"
                               "  name: cnn\n"
                               "spec:\n"
                               "  hosts: [edition.cnn.com]\n"
                               "  ports: [{number: 80, name: http-port, protocol: HTTP}]\n"
                               "  resolution: DNS\n";
    struct config_diags d = {0};
    struct config_set *set = config_parse("se.yaml", good, strlen(good), &d);
    if (!CHECK(set != NULL)) {
        config_diags_print(&d, stderr);
        config_diags_release(&d);
        return;
    }
    struct debug_config_info info = {.reloads_ok = 4};
    debug_config_info_fill(&info, set, &d, 0);
    CHECK(info.loaded);
    CHECK_INT(info.reloads_ok, 4);
    CHECK_INT(info.n_resources, 1);
    CHECK_STR(info.resources[0].kind, "ServiceEntry");
    CHECK_STR(info.resources[0].namespace, "default");
    CHECK_STR(info.resources[0].name, "cnn");
    CHECK_STR(info.resources[0].file, "se.yaml");
    CHECK_INT(info.resources[0].line, 1);
    CHECK_INT(info.resources[0].column, 1);
    config_diags_release(&d);

    /* a rejected reload: the set served stays, the errors are the new ones */
    static const char bad[] = "apiVersion: networking.istio.io/v1alpha3\n"
                              "kind: ServiceEntry\n"
                              "metadata:\n"
                              "  name: cnn\n"
                              "spec:\n"
                              "  hosts: [edition.cnn.com]\n"
                              "  resolution: NOPE\n";
    memset(&d, 0, sizeof(d));
    CHECK(config_parse("bad.yaml", bad, strlen(bad), &d) == NULL);
    debug_config_info_fill(&info, set, &d, 1);
    CHECK(info.loaded && info.rejected);
    const struct debug_diag *err = NULL;
    for (size_t i = 0; i < info.n_diags; i++)
        if (!info.diags[i].warning)
            err = &info.diags[i];
    if (CHECK(err != NULL)) {
        CHECK_STR(err->file, "bad.yaml");
        CHECK_INT(err->line, 7);
        CHECK(strstr(err->message, "NOPE") != NULL);
        CHECK_STR(err->resource, "ServiceEntry default/cnn");
    }
    config_diags_release(&d);
    debug_config_info_release(&info);
    config_unref(set);
}

TEST(debug_warns_when_reachable_from_other_hosts)
{
    char path[] = "/tmp/xdsd-debug-log-XXXXXX";
    int fd = mkstemp(path);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    struct debug_sources src = {0};
    struct debug_server *lo = debug_server_start("127.0.0.1:0", &src, NULL);
    off_t after_lo = lseek(fd, 0, SEEK_END);
    struct debug_server *any = debug_server_start("0.0.0.0:0", &src, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char log[4096];
    ssize_t n = pread(fd, log, sizeof(log) - 1, 0);
    log[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    CHECK(lo != NULL && any != NULL);
    CHECK(strstr(log, "reachable from other hosts") != NULL);
    /* nothing of the kind for the loopback address */
    log[after_lo] = '\0';
    CHECK(strstr(log, "reachable from other hosts") == NULL);
    debug_server_stop(lo);
    debug_server_stop(any);
}

/* The server's copy of a filled configuration state shares its resources'
 * block: it must outlive the original, and each copy of a later state. */
TEST(debug_configz_from_a_filled_state_after_the_original_is_gone)
{
    static const char two[] = "apiVersion: networking.istio.io/v1alpha3\n"
                              "kind: ServiceEntry\n"
                              "metadata: {name: cnn, namespace: web}\n"
                              "spec:\n"
                              "  hosts: [edition.cnn.com]\n"
                              "  ports: [{number: 80, name: http-port, protocol: HTTP}]\n"
                              "  resolution: DNS\n"
                              "---\n"
                              "apiVersion: networking.istio.io/v1alpha3\n"
                              "kind: DestinationRule\n"
                              "metadata: {name: cnn, namespace: web}\n"
                              "spec: {host: edition.cnn.com}\n";
    struct config_diags d = {0};
    struct config_set *set = config_parse("two.yaml", two, strlen(two), &d);
    config_diags_release(&d);
    struct fixture f;
    if (!CHECK(set != NULL) || !CHECK(start(&f))) {
        config_unref(set);
        return;
    }
    for (int round = 0; round < 2; round++) {
        struct debug_config_info info = {0};
        debug_config_info_fill(&info, set, NULL, 0);
        debug_server_set_config(f.srv, &info);
        debug_config_info_release(&info);
    }
    config_unref(set);
    json_t *j = get_json(&f, "/debug/configz", 200);
    json_t *res = json_object_get(j, "resources");
    CHECK_INT(json_array_size(res), 2);
    json_t *dr = json_array_get(res, 1);
    CHECK_STR(json_string_value(json_object_get(dr, "kind")), "DestinationRule");
    CHECK_STR(json_string_value(json_object_get(dr, "namespace")), "web");
    CHECK_STR(json_string_value(json_object_get(dr, "file")), "two.yaml");
    json_decref(j);
    debug_server_stop(f.srv);
}
