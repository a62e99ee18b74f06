/* xds_testserver.c - the ADS server with hand-made snapshots, for the
 * end-to-end tests (test/e2e/xds_e2e.c drives it through stdin/stdout).
 *
 *   xds_testserver [HOST:PORT]      prints "port N" once listening
 *
 * Commands on stdin, one per line:
 *   set c|e|l|r NAME [CONTENT] [SIZE]   add or change a resource (SIZE pads it)
 *   del c|e|l|r NAME                    delete a resource
 *   publish                             publish the current set; prints "published GEN"
 *   status                              prints "status streams=N synced=N ..."
 *   send_timeout MS                     close streams that do not read after MS
 *   fail on|off                         views of later snapshots fail to build
 * End of input or SIGTERM stops the server; the exit status is 0 on a clean stop. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xdsd/commands.h"
#include "xdsd/log.h"
#include "xdsd/snapshot.h"
#include "xdsd/util.h"
#include "xdsd/xds_server.h"

struct entry {
    int type;
    char *name;
    char *content;
    size_t pad;
};

/* The current model; snapshots get a copy. */
struct model {
    struct entry *v;
    size_t n, cap;
    int fail;
};

static struct xds_server *srv;
static int fail_builds; /* "fail on": views of the next snapshots cannot be built */
static struct model model;
static uint64_t generation;

static void model_free(struct model *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].name);
        free(m->v[i].content);
    }
    free(m->v);
    free(m);
}

static struct model *model_copy(const struct model *src)
{
    struct model *m = xcalloc(1, sizeof(*m));
    xgrow((void **)&m->v, &m->cap, src->n + 1, sizeof(*m->v));
    for (size_t i = 0; i < src->n; i++) {
        m->v[i] = src->v[i];
        m->v[i].name = xstrdup(src->v[i].name);
        m->v[i].content = xstrdup(src->v[i].content);
    }
    m->n = src->n;
    m->fail = fail_builds;
    return m;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* field 1 (the name of every xDS resource type), then the content in an
 * unknown field, so that a content change changes the bytes */
static uint8_t *encode(const struct entry *e, size_t *len)
{
    size_t nl = strlen(e->name), cl = strlen(e->content) + e->pad;
    uint8_t *b = xmalloc(nl + cl + 32);
    size_t n = 0;
    b[n++] = 0x0a;
    n += put_varint(b + n, nl);
    memcpy(b + n, e->name, nl);
    n += nl;
    n += put_varint(b + n, (2047u << 3) | 2);
    n += put_varint(b + n, cl);
    memcpy(b + n, e->content, strlen(e->content));
    memset(b + n + strlen(e->content), 'x', e->pad);
    n += cl;
    *len = n;
    return b;
}

static char *class_key(void *ctx, const struct proxy_identity *id)
{
    (void)ctx;
    (void)id;
    return xstrdup("all");
}

static struct xds_view *build(void *ctx, const struct proxy_identity *id, const char *key,
                              char **err)
{
    (void)id;
    (void)key;
    const struct model *m = ctx;
    if (m->fail) {
        *err = xstrdup("translation failed (test)");
        return NULL;
    }
    struct xds_view *v = xds_view_new();
    for (size_t i = 0; i < m->n; i++) {
        size_t len;
        uint8_t *b = encode(&m->v[i], &len);
        xds_view_add(v, m->v[i].type, m->v[i].name, b, len);
    }
    if (xds_view_finish(v, err) != 0) {
        xds_view_free(v);
        return NULL;
    }
    return v;
}

static void free_ctx(void *ctx)
{
    model_free(ctx);
}

static const struct snapshot_ops ops = {class_key, build, free_ctx, NULL};

static int type_of(const char *s)
{
    switch (s[0]) {
    case 'c':
        return XDS_CLUSTER;
    case 'e':
        return XDS_ENDPOINT;
    case 'l':
        return XDS_LISTENER;
    default:
        return XDS_ROUTE;
    }
}

static void on_set(int t, const char *name, const char *content, size_t pad)
{
    for (size_t i = 0; i < model.n; i++)
        if (model.v[i].type == t && strcmp(model.v[i].name, name) == 0) {
            free(model.v[i].content);
            model.v[i].content = xstrdup(content);
            model.v[i].pad = pad;
            return;
        }
    xgrow((void **)&model.v, &model.cap, model.n + 1, sizeof(*model.v));
    model.v[model.n++] = (struct entry){t, xstrdup(name), xstrdup(content), pad};
}

static void on_del(int t, const char *name)
{
    for (size_t i = 0; i < model.n; i++)
        if (model.v[i].type == t && strcmp(model.v[i].name, name) == 0) {
            free(model.v[i].name);
            free(model.v[i].content);
            model.v[i] = model.v[--model.n];
            return;
        }
}

static void on_status(void)
{
    struct xds_status_report *r = xds_server_status(srv);
    size_t synced = 0, nacked = 0;
    for (size_t i = 0; i < r->n_streams; i++) {
        int all = 1, any = 0;
        for (int t = 0; t < XDS_NTYPES; t++) {
            const struct xds_type_status *ts = &r->streams[i].types[t];
            if (!ts->requested)
                continue;
            any = 1;
            all &= ts->sync == SYNC_SYNCED;
            nacked += ts->sync == SYNC_NACKED;
        }
        synced += any && all;
    }
    const struct xds_counters *c = &r->counters;
    printf("status streams=%zu synced=%zu nacked=%zu gen=%llu pushes=%llu,%llu,%llu,%llu "
           "rejects=%llu expired=%llu closed_slow=%llu connections=%llu\n",
           r->n_streams, synced, nacked, (unsigned long long)r->generation,
           (unsigned long long)c->pushes[0], (unsigned long long)c->pushes[1],
           (unsigned long long)c->pushes[2], (unsigned long long)c->pushes[3],
           (unsigned long long)(c->rejects[0] + c->rejects[1] + c->rejects[2] + c->rejects[3]),
           (unsigned long long)c->expired_nonce, (unsigned long long)c->closed_slow,
           (unsigned long long)c->connections_total);
    fflush(stdout);
    xds_status_report_free(r);
}

static void handle(char *line)
{
    char *save = NULL;
    char *cmd = strtok_r(line, " \n", &save);
    if (cmd == NULL)
        return;
    if (strcmp(cmd, "set") == 0) {
        char *t = strtok_r(NULL, " \n", &save), *name = strtok_r(NULL, " \n", &save);
        char *content = strtok_r(NULL, " \n", &save), *pad = strtok_r(NULL, " \n", &save);
        if (t && name)
            on_set(type_of(t), name, content ? content : "", pad ? (size_t)atol(pad) : 0);
    } else if (strcmp(cmd, "del") == 0) {
        char *t = strtok_r(NULL, " \n", &save), *name = strtok_r(NULL, " \n", &save);
        if (t && name)
            on_del(type_of(t), name);
    } else if (strcmp(cmd, "publish") == 0) {
        struct snapshot *s = snapshot_new(++generation, &ops, model_copy(&model));
        xds_server_publish(srv, s);
        printf("published %llu\n", (unsigned long long)generation);
        fflush(stdout);
    } else if (strcmp(cmd, "fail") == 0) {
        char *on = strtok_r(NULL, " \n", &save);
        fail_builds = on && strcmp(on, "on") == 0;
    } else if (strcmp(cmd, "send_timeout") == 0) {
        char *ms = strtok_r(NULL, " \n", &save);
        if (ms)
            xds_server_set_send_timeout(srv, atol(ms));
    } else if (strcmp(cmd, "status") == 0) {
        on_status();
    }
}

static void *commands(void *arg)
{
    (void)arg;
    char line[4096];
    while (fgets(line, sizeof(line), stdin))
        handle(line);
    xds_server_stop(srv);
    return NULL;
}

static void *signals(void *arg)
{
    sigset_t *set = arg;
    int sig;
    sigwait(set, &sig);
    xds_server_stop(srv);
    return NULL;
}

int main(int argc, char **argv)
{
    log_init(getenv("XDSD_DEBUG") ? LOG_DEBUG : LOG_WARN, LOG_TEXT);
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct serve_options o;
    serve_options_init(&o);
    o.xds_listen = argc > 1 ? argv[1] : "127.0.0.1:0";
    int port = 0;
    srv = xds_server_new(&o, &port);
    if (srv == NULL)
        return 1;
    printf("port %d\n", port);
    fflush(stdout);
    pthread_t cmd_thread, sig_thread;
    pthread_create(&cmd_thread, NULL, commands, NULL);
    pthread_detach(cmd_thread);
    pthread_create(&sig_thread, NULL, signals, &set);
    pthread_detach(sig_thread);
    int rc = xds_server_run(srv);
    xds_server_free(srv);
    for (size_t i = 0; i < model.n; i++) {
        free(model.v[i].name);
        free(model.v[i].content);
    }
    free(model.v);
    return rc;
}
