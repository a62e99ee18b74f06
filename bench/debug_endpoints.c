/* debug_endpoints.c - response times of the debug endpoint with 1,000 proxies.
 *
 * A status source reports 1,000 connected proxies (as xds_server_status would:
 * a fresh deep copy per request), each sent the same view of 200 clusters,
 * 200 load assignments, 20 listeners and 20 route configurations. Each
 * endpoint is fetched over a real socket; the figure is the mean wall time of
 * a request, copy of the state included. /ready is answered as `xdsd serve`
 * answers it, from whether the xDS port listens, without a report. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envoy/config/cluster/v3/cluster.pb-c.h"
#include "envoy/config/endpoint/v3/endpoint.pb-c.h"
#include "envoy/config/listener/v3/listener.pb-c.h"
#include "envoy/config/route/v3/route.pb-c.h"
#include "xdsd/debug.h"
#include "xdsd/httpget.h"
#include "xdsd/log.h"
#include "xdsd/util.h"

#define PROXIES 1000
#define ROUNDS 10

static const double bounds[12] = {0.1, 0.5, 1, 3, 5, 10, 20, 30, 60, 120, 300, 600};
static struct xds_view *view;

static void add(struct xds_view *v, enum xds_type t, const char *name, const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = xmalloc(len ? len : 1);
    protobuf_c_message_pack(m, buf);
    xds_view_add(v, t, name, buf, len);
}

static struct xds_view *make_view(void)
{
    struct xds_view *v = xds_view_new();
    for (int i = 0; i < 200; i++) {
        char name[64];
        snprintf(name, sizeof(name), "outbound|443||svc%d.example.com", i);
        Envoy__Config__Cluster__V3__Cluster c = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__INIT;
        Google__Protobuf__Duration timeout = GOOGLE__PROTOBUF__DURATION__INIT;
        timeout.seconds = 10;
        c.name = name;
        c.connect_timeout = &timeout;
        c.cluster_discovery_type_case =
            ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_TYPE;
        c.type = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__EDS;
        add(v, XDS_CLUSTER, name, &c.base);
        Envoy__Config__Endpoint__V3__ClusterLoadAssignment cla =
            ENVOY__CONFIG__ENDPOINT__V3__CLUSTER_LOAD_ASSIGNMENT__INIT;
        cla.cluster_name = name;
        add(v, XDS_ENDPOINT, name, &cla.base);
    }
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof(name), "0.0.0.0_%d", 8000 + i);
        Envoy__Config__Listener__V3__Listener l = ENVOY__CONFIG__LISTENER__V3__LISTENER__INIT;
        l.name = name;
        add(v, XDS_LISTENER, name, &l.base);
        snprintf(name, sizeof(name), "%d", 8000 + i);
        Envoy__Config__Route__V3__RouteConfiguration rc =
            ENVOY__CONFIG__ROUTE__V3__ROUTE_CONFIGURATION__INIT;
        rc.name = name;
        add(v, XDS_ROUTE, name, &rc.base);
    }
    xds_view_finish(v, NULL);
    return v;
}

static void fill_stream(struct xds_stream_status *s, size_t i)
{
    char id[128];
    snprintf(id, sizeof(id), "sidecar~10.1.%zu.%zu~app-%zu.ns%zu~ns%zu.svc.cluster.local", i / 250,
             i % 250, i, i % 10, i % 10);
    s->connection_id = i + 1;
    s->node_id = xstrdup(id);
    s->peer = xasprintf("ipv4:10.1.%zu.%zu:40000", i / 250, i % 250);
    s->metadata_json = xstrdup("{\"ISTIO_VERSION\":\"1.20.0\"}");
    s->class_key = xasprintf("sidecar/ns%zu", i % 10);
    s->connected_at_ms = wall_ms();
    proxy_identity_init(&s->id, id, NULL, NULL, NULL, 0, NULL);
    for (int t = 0; t < XDS_NTYPES; t++) {
        struct xds_type_status *ts = &s->types[t];
        size_t n = xds_view_count(view, t);
        ts->requested = 1;
        ts->wildcard = t == XDS_CLUSTER || t == XDS_LISTENER;
        ts->sync = SYNC_SYNCED;
        snprintf(ts->sent_version, sizeof(ts->sent_version), "%s", xds_view_version(view, t));
        memcpy(ts->acked_version, ts->sent_version, sizeof(ts->acked_version));
        snprintf(ts->sent_nonce, sizeof(ts->sent_nonce), "%zu-%d", i, t);
        memcpy(ts->acked_nonce, ts->sent_nonce, sizeof(ts->acked_nonce));
        ts->sent_names = xcalloc(n, sizeof(char *));
        for (size_t k = 0; k < n; k++)
            ts->sent_names[k] = xstrdup(xds_view_items(view, t)[k].name);
        ts->n_sent_names = n;
    }
    s->view = view;
}

static struct xds_status_report *status(void *ctx)
{
    (void)ctx;
    struct xds_status_report *r = xcalloc(1, sizeof(*r));
    r->streams = xcalloc(PROXIES, sizeof(*r->streams));
    r->n_streams = PROXIES;
    r->listening = 1;
    for (size_t i = 0; i < PROXIES; i++)
        fill_stream(&r->streams[i], i);
    return r;
}

static void status_free(struct xds_status_report *r)
{
    for (size_t i = 0; i < r->n_streams; i++) {
        struct xds_stream_status *s = &r->streams[i];
        free(s->node_id);
        free(s->peer);
        free(s->metadata_json);
        free(s->class_key);
        proxy_identity_release(&s->id);
        for (int t = 0; t < XDS_NTYPES; t++) {
            for (size_t k = 0; k < s->types[t].n_sent_names; k++)
                free(s->types[t].sent_names[k]);
            free(s->types[t].sent_names);
        }
    }
    free(r->streams);
    free(r);
}

/* The xDS port listens: what xdsd serve answers /ready from, without a report. */
static int listening(void *ctx)
{
    (void)ctx;
    return 1;
}

int main(void)
{
    static const char *const paths[] = {
        "/ready",
        "/debug/syncz",
        "/debug/adsz",
        "/metrics",
        "/debug/config_dump?proxyID=app-500.ns0",
    };
    log_init(LOG_WARN, LOG_TEXT);
    view = make_view();
    struct debug_sources src = {NULL, status, status_free, bounds, listening, NULL};
    int port = 0;
    struct debug_server *srv = debug_server_start("127.0.0.1:0", &src, &port);
    if (srv == NULL)
        return 1;
    struct debug_config_info c = {.loaded = 1, .generation = 1};
    debug_server_set_config(srv, &c);
    char addr[32];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    printf("debug endpoint, %d connected proxies (state copy included), %d rounds\n", PROXIES,
           ROUNDS);
    int64_t t0 = now_ms();
    for (int i = 0; i < ROUNDS; i++)
        status_free(status(NULL));
    printf("  %-42s %8.1f ms\n", "(the state copy alone)", (double)(now_ms() - t0) / ROUNDS);
    for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
        int64_t start = now_ms();
        size_t bytes = 0;
        for (int i = 0; i < ROUNDS; i++) {
            struct http_reply r;
            char *err = NULL;
            if (http_get(addr, paths[p], 30000, &r, &err) < 0) {
                fprintf(stderr, "%s: %s\n", paths[p], err);
                return 1;
            }
            bytes = r.len;
            http_reply_release(&r);
        }
        printf("  %-42s %8.1f ms  %9zu bytes\n", paths[p], (double)(now_ms() - start) / ROUNDS,
               bytes);
    }
    debug_server_stop(srv);
    xds_view_free(view);
    return 0;
}
