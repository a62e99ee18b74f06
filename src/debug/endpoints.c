/* endpoints.c - the JSON answers of the debug endpoint, built from state copies.
 *
 * Shapes follow istiod's /debug endpoints where one exists (docs/istio-to-envoy.md §8), so
 * habits and scripts carry over: the _sent and _acked nonces of syncz, adsz's
 * totalClients/clients, Envoy's ConfigDump for config_dump. */
#include "debug_internal.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xdsd/config_dump.h"
#include "xdsd/util.h"
#include "xdsd/version.h"
#include "xdsd/xds_server.h"

/* syncz's per-type key prefixes, as istiod names them */
static const char *const sync_prefix[XDS_NTYPES] = {
    [XDS_CLUSTER] = "cluster",
    [XDS_ENDPOINT] = "endpoint",
    [XDS_LISTENER] = "listener",
    [XDS_ROUTE] = "route",
    [XDS_SECRET] = "secret",
};

char *debug_time_text(int64_t wall_ms)
{
    time_t s = (time_t)(wall_ms / 1000);
    struct tm tm;
    char date[40];
    if (gmtime_r(&s, &tm) == NULL)
        return xstrdup("");
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    return xasprintf("%s.%03dZ", date, (int)(wall_ms % 1000));
}

static void set_str(json_t *obj, const char *key, const char *value)
{
    json_t *s = json_string(value ? value : "");
    json_object_set_new(obj, key, s ? s : json_string("[invalid UTF-8]"));
}

static void set_time(json_t *obj, const char *key, int64_t wall_ms)
{
    char *t = debug_time_text(wall_ms);
    set_str(obj, key, t);
    free(t);
}

json_t *debug_version_json(void)
{
    json_t *j = json_object();
    set_str(j, "version", xdsd_version());
    set_str(j, "build", xdsd_build());
    json_t *p = json_array();
    json_array_append_new(p, json_string("sotw"));
    json_array_append_new(p, json_string("delta"));
    json_object_set_new(j, "protocols", p);
    json_t *types = json_array();
    for (int t = 0; t < XDS_NTYPES; t++)
        json_array_append_new(types, json_string(xds_type_url(t)));
    json_object_set_new(j, "types", types);
    return j;
}

/* ---- configz ----------------------------------------------------------------------------- */

static json_t *diag_json(const struct debug_diag *d)
{
    json_t *j = json_object();
    set_str(j, "file", d->file);
    json_object_set_new(j, "line", json_integer(d->line));
    json_object_set_new(j, "column", json_integer(d->column));
    json_object_set_new(j, "resource", d->resource ? json_string(d->resource) : json_null());
    set_str(j, "message", d->message);
    return j;
}

json_t *debug_configz_json(const struct debug_config_info *c)
{
    json_t *j = json_object(), *res = json_array(), *errs = json_array(), *warns = json_array();
    json_object_set_new(j, "loaded", json_boolean(c->loaded));
    json_object_set_new(j, "generation", json_integer((json_int_t)c->generation));
    json_object_set_new(j, "rejected", json_boolean(c->rejected));
    json_t *reloads = json_object();
    json_object_set_new(reloads, "success", json_integer((json_int_t)c->reloads_ok));
    json_object_set_new(reloads, "rejected", json_integer((json_int_t)c->reloads_rejected));
    json_object_set_new(j, "reloads", reloads);
    set_str(j, "source", c->source ? c->source : "config-dir");
    if (c->source_reason)
        set_str(j, "source_reason", c->source_reason);
    if (c->revision)
        json_object_set_new(j, "revision", json_integer((json_int_t)c->revision));
    if (c->source_endpoint)
        set_str(j, "endpoint", c->source_endpoint);
    if (c->source && strcmp(c->source, "etcd") == 0)
        json_object_set_new(j, "last_error",
                            c->source_error ? json_string(c->source_error) : json_null());
    for (size_t i = 0; i < c->n_resources; i++) {
        const struct debug_resource *r = &c->resources[i];
        json_t *o = json_object();
        set_str(o, "kind", r->kind);
        set_str(o, "namespace", r->namespace);
        set_str(o, "name", r->name);
        set_str(o, "file", r->file);
        json_object_set_new(o, "line", json_integer(r->line));
        json_object_set_new(o, "column", json_integer(r->column));
        json_array_append_new(res, o);
    }
    for (size_t i = 0; i < c->n_diags; i++)
        json_array_append_new(c->diags[i].warning ? warns : errs, diag_json(&c->diags[i]));
    json_object_set_new(j, "resources", res);
    json_object_set_new(j, "errors", errs);
    json_object_set_new(j, "warnings", warns);
    return j;
}

/* ---- syncz ------------------------------------------------------------------------------- */

static const char *proxy_type_name(const struct xds_stream_status *s)
{
    return s->id.type == PROXY_ROUTER ? "router" : "sidecar";
}

static char *connection_name(const struct xds_stream_status *s)
{
    /* istiod's connection ids: the node id and a counter */
    return xasprintf("%s-%" PRIu64, s->node_id ? s->node_id : "", s->connection_id);
}

static json_t *metadata_of(const struct xds_stream_status *s)
{
    json_t *m = s->metadata_json ? json_loads(s->metadata_json, 0, NULL) : NULL;
    if (!json_is_object(m)) {
        json_decref(m);
        m = json_object();
    }
    return m;
}

static json_t *type_sync_json(const struct xds_type_status *ts)
{
    json_t *j = json_object();
    set_str(j, "sent_version", ts->sent_version);
    set_str(j, "sent_nonce", ts->sent_nonce);
    set_str(j, "acked_version", ts->acked_version);
    set_str(j, "acked_nonce", ts->acked_nonce);
    set_str(j, "status", xds_sync_name(ts->sync));
    json_object_set_new(j, "subscribed", json_boolean(ts->requested));
    if (ts->nack_message) {
        json_t *n = json_object();
        set_str(n, "message", ts->nack_message);
        set_str(n, "nonce", ts->nack_nonce);
        set_time(n, "time", ts->nack_time_ms);
        json_object_set_new(j, "last_nack", n);
    }
    return j;
}

static json_t *stream_sync_json(const struct xds_stream_status *s)
{
    json_t *j = json_object(), *res = json_object();
    set_str(j, "proxy", s->node_id);
    set_str(j, "proxy_type", proxy_type_name(s));
    char *conn = connection_name(s);
    set_str(j, "connection_id", conn);
    free(conn);
    json_t *md = metadata_of(s);
    json_t *iv = json_object_get(md, "ISTIO_VERSION");
    set_str(j, "istio_version", json_is_string(iv) ? json_string_value(iv) : "");
    json_decref(md);
    for (int t = 0; t < XDS_NTYPES; t++) {
        char key[32];
        snprintf(key, sizeof(key), "%s_sent", sync_prefix[t]);
        set_str(j, key, s->types[t].sent_nonce);
        snprintf(key, sizeof(key), "%s_acked", sync_prefix[t]);
        set_str(j, key, s->types[t].acked_nonce);
        json_object_set_new(res, xds_type_url(t), type_sync_json(&s->types[t]));
    }
    json_object_set_new(j, "resources", res);
    return j;
}

json_t *debug_syncz_json(const struct xds_status_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; r && i < r->n_streams; i++)
        json_array_append_new(a, stream_sync_json(&r->streams[i]));
    return a;
}

/* ---- adsz -------------------------------------------------------------------------------- */

int debug_stream_matches(const struct xds_stream_status *s, const char *proxy_id)
{
    if (s->node_id && strcmp(s->node_id, proxy_id) == 0)
        return 1;
    if (s->id.pod && *s->id.pod && strcmp(s->id.pod, proxy_id) == 0)
        return 1;
    char *conn = connection_name(s);
    int same = strcmp(conn, proxy_id) == 0;
    free(conn);
    return same;
}

const struct xds_stream_status *debug_find_stream(const struct xds_status_report *r,
                                                  const char *proxy_id)
{
    const struct xds_stream_status *best = NULL;
    for (size_t i = 0; r && i < r->n_streams; i++) {
        const struct xds_stream_status *s = &r->streams[i];
        /* a proxy that reconnected has an old stream still draining: the newest wins */
        if (debug_stream_matches(s, proxy_id) &&
            (best == NULL || s->connection_id > best->connection_id))
            best = s;
    }
    return best;
}

static json_t *watches_json(const struct xds_stream_status *s)
{
    json_t *w = json_object();
    for (int t = 0; t < XDS_NTYPES; t++) {
        const struct xds_type_status *ts = &s->types[t];
        if (!ts->requested)
            continue;
        json_t *names = json_array();
        if (ts->wildcard)
            json_array_append_new(names, json_string("*"));
        for (size_t i = 0; i < ts->n_names; i++)
            json_array_append_new(names, json_string(ts->names[i]));
        json_object_set_new(w, xds_type_url(t), names);
    }
    return w;
}

static json_t *client_json(const struct xds_stream_status *s)
{
    json_t *j = json_object();
    char *conn = connection_name(s);
    set_str(j, "connectionId", conn);
    free(conn);
    set_str(j, "node", s->node_id);
    set_str(j, "address", s->peer);
    set_time(j, "connectedAt", s->connected_at_ms);
    set_str(j, "protocol", s->delta ? "delta" : "sotw");
    set_str(j, "proxyType", proxy_type_name(s));
    set_str(j, "namespace", s->id.namespace);
    set_str(j, "class", s->class_key);
    json_object_set_new(j, "proxylessGrpc", json_boolean(s->id.proxyless_grpc));
    json_t *labels = json_object();
    for (size_t i = 0; i < s->id.n_labels; i++)
        set_str(labels, s->id.labels[i].key, s->id.labels[i].value);
    json_object_set_new(j, "labels", labels);
    json_object_set_new(j, "metadata", metadata_of(s));
    json_object_set_new(j, "watches", watches_json(s));
    return j;
}

json_t *debug_adsz_json(const struct xds_status_report *r, const char *proxy_id)
{
    json_t *j = json_object(), *clients = json_array();
    for (size_t i = 0; r && i < r->n_streams; i++)
        if (proxy_id == NULL || debug_stream_matches(&r->streams[i], proxy_id))
            json_array_append_new(clients, client_json(&r->streams[i]));
    json_object_set_new(j, "totalClients", json_integer(r ? (json_int_t)r->n_streams : 0));
    json_object_set_new(j, "clients", clients);
    return j;
}

/* ---- config_dump ------------------------------------------------------------------------- */

json_t *debug_stream_config_dump(const struct xds_stream_status *s)
{
    struct config_dump_filter f;
    memset(&f, 0, sizeof(f));
    for (int t = 0; t < XDS_NTYPES; t++) {
        /* exactly what was sent: nothing for a type never sent */
        f.by_name[t] = 1;
        f.names[t] = (const char *const *)s->types[t].sent_names;
        f.n_names[t] = s->types[t].n_sent_names;
        f.versions[t] = s->types[t].sent_version;
    }
    /* delta responses carry a version per resource */
    f.resource_versions = s->delta;
    return config_dump_json(s->view, &f);
}

/* ---- copies ------------------------------------------------------------------------------ */

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

struct debug_block {
    atomic_int refs;
    void (*release)(void *);
    void *arg;
    _Alignas(max_align_t) unsigned char data[];
};

struct debug_block *debug_block_new(size_t size, void **data, void (*release)(void *), void *arg)
{
    struct debug_block *b = xcalloc(1, sizeof(*b) + size);
    atomic_init(&b->refs, 1);
    b->release = release;
    b->arg = arg;
    *data = b->data;
    return b;
}

static void block_unref(struct debug_block *b)
{
    if (b == NULL || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (b->release != NULL)
        b->release(b->arg);
    free(b);
}

void debug_config_info_copy(struct debug_config_info *dst, const struct debug_config_info *src)
{
    *dst = *src;
    if (src->resources_block != NULL)
        atomic_fetch_add_explicit(&src->resources_block->refs, 1, memory_order_relaxed);
    else
        dst->resources = xcalloc(src->n_resources + 1, sizeof(*dst->resources));
    for (size_t i = 0; src->resources_block == NULL && i < src->n_resources; i++) {
        const struct debug_resource *a = &src->resources[i];
        struct debug_resource *b = &dst->resources[i];
        *b = *a;
        b->kind = dup_or_null(a->kind);
        b->namespace = dup_or_null(a->namespace);
        b->name = dup_or_null(a->name);
        b->file = dup_or_null(a->file);
    }
    dst->diags = xcalloc(src->n_diags + 1, sizeof(*dst->diags));
    for (size_t i = 0; i < src->n_diags; i++) {
        const struct debug_diag *a = &src->diags[i];
        struct debug_diag *b = &dst->diags[i];
        *b = *a;
        b->file = dup_or_null(a->file);
        b->resource = dup_or_null(a->resource);
        b->message = dup_or_null(a->message);
    }
    dst->source = dup_or_null(src->source);
    dst->source_reason = dup_or_null(src->source_reason);
    dst->source_endpoint = dup_or_null(src->source_endpoint);
    dst->source_error = dup_or_null(src->source_error);
}

void debug_config_info_release(struct debug_config_info *info)
{
    if (info == NULL)
        return;
    for (size_t i = 0; info->resources_block == NULL && i < info->n_resources; i++) {
        free(info->resources[i].kind);
        free(info->resources[i].namespace);
        free(info->resources[i].name);
        free(info->resources[i].file);
    }
    for (size_t i = 0; i < info->n_diags; i++) {
        free(info->diags[i].file);
        free(info->diags[i].resource);
        free(info->diags[i].message);
    }
    if (info->resources_block != NULL)
        block_unref(info->resources_block);
    else
        free(info->resources);
    free(info->diags);
    free(info->source);
    free(info->source_reason);
    free(info->source_endpoint);
    free(info->source_error);
    memset(info, 0, sizeof(*info));
}
