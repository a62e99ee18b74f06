/* server.c - the debug endpoint's HTTP server on libmicrohttpd.
 *
 * libmicrohttpd runs its own polling thread (epoll where available: with a
 * thousand proxies connected the process has more descriptors than select()
 * can watch). Each request reads a fresh copy of the xDS state and the
 * configuration state, then builds its answer from the copy. */
#include "xdsd/debug.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "debug_internal.h"
#include "xdsd/debug_analyze.h"
#include "xdsd/listen.h"
#include "xdsd/log.h"
#include "xdsd/pbjson.h"
#include "xdsd/proxy_tables.h"
#include "xdsd/secrets.h"
#include "xdsd/util.h"

#define CT_JSON "application/json"
#define CT_TEXT "text/plain; charset=utf-8"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"

/* Requests are small GETs: headers beyond this are refused by libmicrohttpd
 * itself (431), bodies by us (413). */
#define MEMORY_LIMIT (32 * 1024)
#define MAX_CONNECTIONS 256
#define IDLE_TIMEOUT_S 30

struct debug_server {
    struct MHD_Daemon *mhd;
    struct debug_sources src;
    pthread_mutex_t lock; /* guards config and snap */
    struct debug_config_info config;
    const struct serve_options *serve; /* for /debug/analyzez, or NULL; guarded by lock */
    struct snapshot *snap; /* being served, for the egress map */
};

/* One answer: status, content type and a heap body. */
struct reply {
    unsigned status;
    const char *type;
    char *body;
    const char *allow; /* Allow header for 405 */
    const char *csp;   /* Content-Security-Policy header, for the dashboard's page */
};

struct request {
    struct debug_server *srv;
    struct MHD_Connection *conn;
    int pretty;
    const char *url;
};

/* ---- answers ----------------------------------------------------------------------------- */

static void reply_json(struct reply *rep, const struct request *rq, unsigned status, json_t *j)
{
    rep->status = status;
    rep->type = CT_JSON;
    rep->body = pbjson_dumps(j, rq->pretty);
    json_decref(j);
}

static void reply_error(struct reply *rep, const struct request *rq, unsigned status,
                        const char *message)
{
    json_t *j = json_object();
    json_object_set_new(j, "error", json_string(message));
    reply_json(rep, rq, status, j);
}

static void reply_text(struct reply *rep, unsigned status, const char *type, char *body)
{
    rep->status = status;
    rep->type = type;
    rep->body = body;
}

static struct xds_status_report *take_status(const struct debug_server *s)
{
    return s->src.status ? s->src.status(s->src.ctx) : NULL;
}

/* States without resource names: for every page but those listing them
 * (/debug/adsz, /debug/config_dump, /debug/proxy_config). */
static struct xds_status_report *take_states(const struct debug_server *s)
{
    return s->src.status_brief ? s->src.status_brief(s->src.ctx) : take_status(s);
}

static void drop_status(const struct debug_server *s, struct xds_status_report *r)
{
    if (r && s->src.status_free)
        s->src.status_free(r);
}

static void copy_config(struct debug_server *s, struct debug_config_info *out)
{
    pthread_mutex_lock(&s->lock);
    debug_config_info_copy(out, &s->config);
    pthread_mutex_unlock(&s->lock);
}

static const char *query(const struct request *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

static void on_ready(struct request *rq, struct reply *rep)
{
    pthread_mutex_lock(&rq->srv->lock);
    int loaded = rq->srv->config.loaded;
    pthread_mutex_unlock(&rq->srv->lock);
    int listening = 0;
    const struct debug_sources *src = &rq->srv->src;
    if (src->status && src->listening) {
        /* cheap: probes come often and must not copy every stream's state */
        listening = src->listening(src->ctx);
    } else {
        struct xds_status_report *r = take_states(rq->srv);
        listening = r && r->listening;
        drop_status(rq->srv, r);
    }
    if (!loaded)
        reply_text(rep, MHD_HTTP_SERVICE_UNAVAILABLE, CT_TEXT,
                   xstrdup("not ready: no configuration loaded\n"));
    else if (!listening)
        reply_text(rep, MHD_HTTP_SERVICE_UNAVAILABLE, CT_TEXT,
                   xstrdup("not ready: the xDS server is not listening\n"));
    else
        reply_text(rep, MHD_HTTP_OK, CT_TEXT, xstrdup("ready\n"));
}

static void on_version(struct request *rq, struct reply *rep)
{
    reply_json(rep, rq, MHD_HTTP_OK, debug_version_json());
}

static void on_configz(struct request *rq, struct reply *rep)
{
    struct debug_config_info c;
    copy_config(rq->srv, &c);
    reply_json(rep, rq, MHD_HTTP_OK, debug_configz_json(&c));
    debug_config_info_release(&c);
}

static void on_syncz(struct request *rq, struct reply *rep)
{
    struct xds_status_report *r = take_states(rq->srv);
    reply_json(rep, rq, MHD_HTTP_OK, debug_syncz_json(r));
    drop_status(rq->srv, r);
}

static void on_adsz(struct request *rq, struct reply *rep)
{
    struct xds_status_report *r = take_status(rq->srv);
    const char *id = query(rq, "proxyID");
    reply_json(rep, rq, MHD_HTTP_OK, debug_adsz_json(r, id && *id ? id : NULL));
    drop_status(rq->srv, r);
}

static void on_config_dump(struct request *rq, struct reply *rep)
{
    const char *id = query(rq, "proxyID");
    if (id == NULL || *id == '\0') {
        reply_error(rep, rq, MHD_HTTP_BAD_REQUEST,
                    "give the proxy: /debug/config_dump?proxyID=NODE_ID or POD.NAMESPACE");
        return;
    }
    struct xds_status_report *r = take_status(rq->srv);
    const struct xds_stream_status *s = debug_find_stream(r, id);
    if (s == NULL) {
        char *m = xasprintf("proxy '%s' is not connected to this xdsd", id);
        reply_error(rep, rq, MHD_HTTP_NOT_FOUND, m);
        free(m);
    } else {
        reply_json(rep, rq, MHD_HTTP_OK, debug_stream_config_dump(s));
    }
    drop_status(rq->srv, r);
}

/* /debug/secretz[?proxyID=]: secrets described, never shown (secretz.c). */
static void on_secretz(struct request *rq, struct reply *rep)
{
    const char *id = query(rq, "proxyID");
    struct secret_set *set = debug_secretz_take();
    struct xds_status_report *r = id && *id ? take_states(rq->srv) : NULL;
    const struct xds_stream_status *s = r ? debug_find_stream(r, id) : NULL;
    if (id && *id && s == NULL) {
        char *m = xasprintf("proxy '%s' is not connected to this xdsd", id);
        reply_error(rep, rq, MHD_HTTP_NOT_FOUND, m);
        free(m);
    } else {
        reply_json(rep, rq, MHD_HTTP_OK, debug_secretz_json(set, s));
    }
    drop_status(rq->srv, r);
    secrets_unref(set);
}

static void on_metrics(struct request *rq, struct reply *rep)
{
    struct xds_status_report *r = take_states(rq->srv);
    struct debug_config_info c;
    copy_config(rq->srv, &c);
    reply_text(rep, MHD_HTTP_OK, CT_METRICS,
               debug_metrics_text(r, &c, rq->srv->src.histogram_bounds));
    debug_config_info_release(&c);
    drop_status(rq->srv, r);
}

/* /debug/analyzez: `xdsd analyze --live` (src/debug/analyze.c) */
static void on_analyzez(struct request *rq, struct reply *rep)
{
    struct xds_status_report *r = take_states(rq->srv);
    struct debug_config_info c;
    copy_config(rq->srv, &c);
    pthread_mutex_lock(&rq->srv->lock);
    const struct serve_options *serve = rq->srv->serve;
    pthread_mutex_unlock(&rq->srv->lock);
    int status;
    char *body = debug_analyzez(&c, r, serve, query(rq, "outbound_traffic_policy"),
                                query(rq, "mesh_certs"), query(rq, "trust_domain"), rq->pretty,
                                &status);
    reply_text(rep, (unsigned)status, CT_JSON, body);
    debug_config_info_release(&c);
    drop_status(rq->srv, r);
}
/* the dashboard's (below the table: one of them reads the table) */
static void on_ui_asset(struct request *rq, struct reply *rep);
static void on_uiz(struct request *rq, struct reply *rep);
static void on_proxy_config(struct request *rq, struct reply *rep);
static void on_egressz(struct request *rq, struct reply *rep)
{
    pthread_mutex_lock(&rq->srv->lock);
    struct snapshot *snap = rq->srv->snap ? snapshot_ref(rq->srv->snap) : NULL;
    pthread_mutex_unlock(&rq->srv->lock);
    struct xds_status_report *r = take_states(rq->srv);
    reply_json(rep, rq, MHD_HTTP_OK, debug_egressz_json(snap, r));
    drop_status(rq->srv, r);
    if (snap)
        snapshot_unref(snap);
}

struct header_list {
    const char *v[64];
    size_t n;
};

static enum MHD_Result find_headers(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    struct header_list *h = cls;
    (void)kind;
    if (strcmp(key, "header") == 0 && value && h->n < ARRAY_LEN(h->v))
        h->v[h->n++] = value;
    return MHD_YES;
}

static void on_simulate(struct request *rq, struct reply *rep)
{
    const char *id = query(rq, "proxyID"), *req = query(rq, "request");
    if (id == NULL || *id == '\0' || req == NULL || *req == '\0') {
        reply_error(rep, rq, MHD_HTTP_BAD_REQUEST,
                    "give the proxy and request: /debug/simulate?proxyID=ID&request=URL"
                    "[&header=NAME:VALUE]");
        return;
    }
    struct header_list h = {.n = 0};
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, find_headers, &h);
    struct xds_status_report *r = take_states(rq->srv);
    unsigned status = 200;
    json_t *j = debug_simulate_json(r, id, req, h.v, h.n, &status);
    reply_json(rep, rq, status, j);
    drop_status(rq->srv, r);
}

static void on_index(struct request *rq, struct reply *rep);

static const struct route {
    const char *path;
    void (*handle)(struct request *rq, struct reply *rep);
    const char *help;
} routes[] = {
    {"/ready", on_ready, "200 when a configuration is loaded and xDS listens, else 503"},
    {"/version", on_version, "version and build"},
    {"/metrics", on_metrics, "Prometheus metrics"},
    {"/debug", on_index, "this list"},
    {"/debug/list", on_index, "this list"},
    {"/debug/configz", on_configz, "loaded resources, errors and warnings"},
    {"/debug/syncz", on_syncz, "per proxy and type: sent, acked, NACKed"},
    {"/debug/adsz", on_adsz, "connected proxies and their subscriptions (?proxyID=)"},
    {"/debug/analyzez", on_analyzez, "xdsd analyze --live: findings on the served set"},
    {"/debug/config_dump", on_config_dump, "what a proxy was last sent (?proxyID=)"},
    /* the dashboard */
    {"/ui", on_ui_asset, "the dashboard (HTML)"},
    {"/ui/app.js", on_ui_asset, "the dashboard's script"},
    {"/ui/style.css", on_ui_asset, "the dashboard's style"},
    {"/debug/uiz", on_uiz, "the dashboard's state: configuration, counts, proxies (?since=)"},
    {"/debug/proxy_config", on_proxy_config,
     "a proxy's proxy-config tables (?proxyID=&type=&name=&port=)"},
    {"/debug/egressz", on_egressz,
     "the egress map: each sidecar namespace's path to each external host"},
    {"/debug/simulate", on_simulate, "where a request from a proxy goes (?proxyID=&request=)"},
    {"/debug/secretz", on_secretz, "secrets served over SDS, by fingerprint (?proxyID=)"},
};

static void on_index(struct request *rq, struct reply *rep)
{
    json_t *a = json_array();
    for (size_t i = 0; i < ARRAY_LEN(routes); i++) {
        json_t *o = json_object();
        json_object_set_new(o, "path", json_string(routes[i].path));
        json_object_set_new(o, "help", json_string(routes[i].help));
        json_array_append_new(a, o);
    }
    reply_json(rep, rq, MHD_HTTP_OK, a);
}

/* ---- the dashboard: its page, its state and a proxy's tables (ui.c) ---------------------- */

static const struct route *find_route(const char *url);

static void on_ui_asset(struct request *rq, struct reply *rep)
{
    const char *type = NULL;
    const char *body = debug_ui_asset(rq->url, &type);
    reply_text(rep, MHD_HTTP_OK, type, xstrdup(body));
    /* everything the page loads comes from here; nothing inline, nothing remote */
    rep->csp = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
}

static void on_uiz(struct request *rq, struct reply *rep)
{
    struct xds_status_report *r = take_states(rq->srv);
    struct debug_config_info c;
    copy_config(rq->srv, &c);
    reply_text(rep, MHD_HTTP_OK, CT_JSON, debug_uiz_text(r, &c, query(rq, "since")));
    debug_config_info_release(&c);
    drop_status(rq->srv, r);
}

static void on_proxy_config(struct request *rq, struct reply *rep)
{
    const char *id = query(rq, "proxyID"), *type = query(rq, "type");
    const char *name = query(rq, "name"), *port = query(rq, "port");
    if (id == NULL || *id == '\0') {
        reply_error(rep, rq, MHD_HTTP_BAD_REQUEST,
                    "give the proxy: /debug/proxy_config?proxyID=NODE_ID&type=TYPE");
        return;
    }
    type = type && *type ? type : "all";
    if (strcmp(type, "all") != 0 && !proxy_tables_type_ok(type)) {
        reply_error(rep, rq, MHD_HTTP_BAD_REQUEST,
                    "type: clusters, listeners, routes, endpoints, secrets or all");
        return;
    }
    struct proxy_tables_filter f = {name && *name ? name : NULL,
                                    port ? (unsigned)strtoul(port, NULL, 10) : 0};
    /* secrets from /debug/secretz when this build has it, same query */
    json_t *secretz = NULL;
    const struct route *sr = find_route("/debug/secretz");
    if (sr != NULL) {
        struct reply srep = {0};
        sr->handle(rq, &srep);
        if (srep.status == MHD_HTTP_OK && srep.body)
            secretz = json_loads(srep.body, 0, NULL);
        free(srep.body);
    }
    struct xds_status_report *r = take_status(rq->srv);
    const struct xds_stream_status *s = debug_find_stream(r, id);
    if (s == NULL) {
        char *m = xasprintf("proxy '%s' is not connected to this xdsd", id);
        reply_error(rep, rq, MHD_HTTP_NOT_FOUND, m);
        free(m);
    } else {
        reply_json(rep, rq, MHD_HTTP_OK,
                   debug_proxy_config_json(s, type, &f, json_is_array(secretz) ? secretz : NULL));
    }
    json_decref(secretz);
    drop_status(rq->srv, r);
}

/* ---- libmicrohttpd glue ------------------------------------------------------------------ */

static enum MHD_Result find_pretty(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    (void)value;
    if (strcmp(key, "pretty") == 0) {
        *(int *)cls = 1;
        return MHD_NO;
    }
    return MHD_YES;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct reply *rep)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(rep->body), rep->body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(rep->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (rep->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rep->allow);
    if (rep->csp)
        MHD_add_response_header(resp, "Content-Security-Policy", rep->csp);
    enum MHD_Result ret = MHD_queue_response(conn, rep->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static int has_body(struct MHD_Connection *conn)
{
    const char *len =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return (len && strtoull(len, NULL, 10) > 0) || te != NULL;
}

static const struct route *find_route(const char *url)
{
    for (size_t i = 0; i < ARRAY_LEN(routes); i++)
        if (strcmp(url, routes[i].path) == 0)
            return &routes[i];
    return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    static int started;
    (void)version;
    (void)upload_data;
    struct request rq = {.srv = cls, .conn = conn, .url = url};
    struct reply rep = {0};
    if (*con_cls == NULL) {
        *con_cls = &started;
        /* these endpoints take no body: refuse one before it is read */
        if (has_body(conn)) {
            reply_error(&rep, &rq, MHD_HTTP_CONTENT_TOO_LARGE, "request bodies are not accepted");
            return send_reply(conn, &rep);
        }
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* not announced by the headers: dropped unread */
        return MHD_YES;
    }
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, find_pretty, &rq.pretty);
    const struct route *r = find_route(url);
    if (r == NULL) {
        char *m = xasprintf("no such path '%s'; see /debug/list", url);
        reply_error(&rep, &rq, MHD_HTTP_NOT_FOUND, m);
        free(m);
    } else if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
               strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        reply_error(&rep, &rq, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD are allowed");
        rep.allow = "GET, HEAD";
    } else {
        r->handle(&rq, &rep);
    }
    return send_reply(conn, &rep);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    buf[strcspn(buf, "\n")] = '\0';
    log_warnx("debug endpoint: %s", buf);
}

/* ---- start and stop ---------------------------------------------------------------------- */

struct debug_server *debug_server_start(const char *listen, const struct debug_sources *src,
                                        int *bound_port)
{
    /* our own socket, not libmicrohttpd's: a failed bind then has its errno,
     * where libmicrohttpd would log "Failed to bind to port 0" */
    struct sockaddr_storage ss;
    int fd = listen_open(listen, &ss);
    if (fd < 0) {
        char why[128];
        log_error("debug endpoint: cannot listen on %s: %s", listen,
                  errno == EINVAL ? "not a HOST:PORT address"
                                  : lower_first(why, sizeof(why), strerror(errno)));
        return NULL;
    }
    struct debug_server *s = xcalloc(1, sizeof(*s));
    if (src)
        s->src = *src;
    pthread_mutex_init(&s->lock, NULL);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_END);
    if (s->mhd == NULL) {
        /* fd is left open: whether libmicrohttpd closed it on failure is not
         * documented, and closing a reused descriptor would be worse */
        log_error("debug endpoint: cannot start on %s", listen);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    int port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
    if (bound_port)
        *bound_port = port;
    if (!listen_is_local(listen))
        log_warnx("debug endpoint on %s is reachable from other hosts and has no "
                  "authentication: it shows every proxy's configuration",
                  listen);
    log_info("debug endpoint listening on %s (port %d)", listen, port);
    return s;
}

void debug_server_stop(struct debug_server *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->mhd);
    debug_config_info_release(&s->config);
    if (s->snap)
        snapshot_unref(s->snap);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void debug_server_set_serve_options(struct debug_server *s, const struct serve_options *o)
{
    pthread_mutex_lock(&s->lock);
    s->serve = o;
    pthread_mutex_unlock(&s->lock);
}

void debug_server_set_snapshot(struct debug_server *s, struct snapshot *snap)
{
    if (s == NULL)
        return;
    struct snapshot *ref = snap ? snapshot_ref(snap) : NULL, *old;
    pthread_mutex_lock(&s->lock);
    old = s->snap;
    s->snap = ref;
    pthread_mutex_unlock(&s->lock);
    if (old)
        snapshot_unref(old);
}

void debug_server_set_config(struct debug_server *s, const struct debug_config_info *info)
{
    struct debug_config_info copy, old;
    debug_config_info_copy(&copy, info);
    pthread_mutex_lock(&s->lock);
    old = s->config;
    s->config = copy;
    pthread_mutex_unlock(&s->lock);
    debug_config_info_release(&old);
}
