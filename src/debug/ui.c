/* ui.c - what the dashboard (/ui) reads: its page, built into the binary,
 * /debug/uiz (the overview and every proxy's sync state in one answer, so
 * that the page polls one path) and /debug/proxy_config (a proxy's
 * proxy-config tables).
 *
 * The page's HTML, CSS and JavaScript live in web/ui/; the build turns them
 * into C strings (scripts/gen-ui-page), so the page needs nothing at run
 * time but this process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "debug_internal.h"
#include "ui_page.h"
#include "xdsd/proxy_tables.h"
#include "xdsd/snapshot.h"
#include "xdsd/util.h"

/* istioctl's short labels, in its column order, and SDS after them */
static const struct {
    const char *label;
    enum xds_type type;
} type_labels[] = {
    {"CDS", XDS_CLUSTER}, {"LDS", XDS_LISTENER}, {"EDS", XDS_ENDPOINT},
    {"RDS", XDS_ROUTE},   {"SDS", XDS_SECRET}};

static void set_str(json_t *o, const char *key, const char *v)
{
    json_object_set_new(o, key, json_string(v ? v : ""));
}

static void set_time(json_t *o, const char *key, int64_t ms)
{
    char *t = debug_time_text(ms);
    set_str(o, key, t);
    free(t);
}

static json_t *diag_json(const struct debug_diag *d)
{
    json_t *j = json_object();
    set_str(j, "file", d->file);
    json_object_set_new(j, "line", json_integer(d->line));
    json_object_set_new(j, "column", json_integer(d->column));
    set_str(j, "resource", d->resource);
    set_str(j, "message", d->message);
    return j;
}

static json_t *proxy_json(const struct xds_stream_status *s)
{
    json_t *p = json_object(), *types = json_object();
    set_str(p, "id", s->node_id);
    set_str(p, "pod", s->id.pod);
    set_str(p, "type",
            s->id.proxyless_grpc         ? "proxyless"
            : s->id.type == PROXY_ROUTER ? "router"
                                         : "sidecar");
    set_str(p, "namespace", s->id.namespace);
    set_str(p, "protocol", s->delta ? "delta" : "sotw");
    set_str(p, "address", s->peer);
    set_time(p, "connected_at", s->connected_at_ms);
    json_object_set_new(p, "connection", json_integer((json_int_t)s->connection_id));
    for (size_t i = 0; i < ARRAY_LEN(type_labels); i++) {
        const struct xds_type_status *ts = &s->types[type_labels[i].type];
        json_t *t = json_object();
        set_str(t, "status", xds_sync_name(ts->sync));
        set_str(t, "sent", ts->sent_version);
        set_str(t, "acked", ts->acked_version);
        if (ts->nack_message) {
            set_str(t, "nack", ts->nack_message);
            set_time(t, "nack_time", ts->nack_time_ms);
        }
        json_object_set_new(types, type_labels[i].label, t);
    }
    json_object_set_new(p, "types", types);
    return p;
}

json_t *debug_uiz_json(const struct xds_status_report *r, const struct debug_config_info *c)
{
    json_t *j = json_object();
    json_object_set_new(j, "loaded", json_boolean(c->loaded));
    json_object_set_new(j, "generation", json_integer((json_int_t)c->generation));
    json_object_set_new(j, "rejected", json_boolean(c->rejected));
    set_str(j, "source", c->source ? c->source : "config-dir");
    set_str(j, "source_reason", c->source_reason);
    json_object_set_new(j, "resources", json_integer((json_int_t)c->n_resources));
    json_object_set_new(j, "reloads_ok", json_integer((json_int_t)c->reloads_ok));
    json_object_set_new(j, "reloads_rejected", json_integer((json_int_t)c->reloads_rejected));
    json_t *errs = json_array(), *warns = json_array();
    for (size_t i = 0; i < c->n_diags; i++)
        json_array_append_new(c->diags[i].warning ? warns : errs, diag_json(&c->diags[i]));
    json_object_set_new(j, "errors", errs);
    json_object_set_new(j, "warnings", warns);
    uint64_t pushes = 0, nacks = 0;
    for (int t = 0; r && t < XDS_NTYPES; t++) {
        pushes += r->counters.pushes[t];
        nacks += r->counters.rejects[t];
    }
    json_object_set_new(j, "pushes", json_integer((json_int_t)pushes));
    json_object_set_new(j, "nacks", json_integer((json_int_t)nacks));
    json_t *proxies = json_array();
    for (size_t i = 0; r && i < r->n_streams; i++)
        json_array_append_new(proxies, proxy_json(&r->streams[i]));
    json_object_set_new(j, "proxies", proxies);
    return j;
}

/* FNV-1a, 64 bits, over len bytes (a string with its NUL, so that "ab","c"
 * and "a","bc" differ). */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
    for (const unsigned char *b = p; len--; b++)
        h = (h ^ *b) * 1099511628211ull;
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return s ? fnv(h, s, strlen(s) + 1) : fnv(h, "", 1);
}

/* A hash of everything debug_uiz_json shows, computed without building it:
 * the page polls twice a second and most polls find nothing new. Findings
 * change only with a load attempt, which the reload counters count. */
static uint64_t uiz_stamp(const struct xds_status_report *r, const struct debug_config_info *c)
{
    uint64_t h = 1469598103934665603ull;
    int64_t n[] = {c->loaded,
                   (int64_t)c->generation,
                   c->rejected,
                   (int64_t)c->n_resources,
                   (int64_t)c->reloads_ok,
                   (int64_t)c->reloads_rejected,
                   (int64_t)c->n_diags};
    h = fnv(h, n, sizeof(n));
    h = fnv_str(fnv_str(h, c->source), c->source_reason);
    for (int t = 0; r && t < XDS_NTYPES; t++) {
        h = fnv(h, &r->counters.pushes[t], sizeof(r->counters.pushes[t]));
        h = fnv(h, &r->counters.rejects[t], sizeof(r->counters.rejects[t]));
    }
    for (size_t i = 0; r && i < r->n_streams; i++) {
        const struct xds_stream_status *s = &r->streams[i];
        h = fnv(h, &s->connection_id, sizeof(s->connection_id));
        h = fnv_str(h, s->node_id);
        for (int t = 0; t < XDS_NTYPES; t++) {
            const struct xds_type_status *ts = &s->types[t];
            h = fnv(h, &ts->sync, sizeof(ts->sync));
            h = fnv_str(fnv_str(h, ts->sent_version), ts->acked_version);
            h = fnv(h, &ts->nack_time_ms, sizeof(ts->nack_time_ms));
        }
    }
    return h;
}

char *debug_uiz_text(const struct xds_status_report *r, const struct debug_config_info *c,
                     const char *since)
{
    char stamp[17];
    snprintf(stamp, sizeof(stamp), "%016llx", (unsigned long long)uiz_stamp(r, c));
    if (since && strcmp(since, stamp) == 0)
        return xasprintf("{\"stamp\":\"%s\",\"unchanged\":true}", stamp);
    json_t *j = debug_uiz_json(r, c);
    /* compact and unsorted: the page reads it, people read /debug/configz */
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *out = xasprintf("{\"stamp\":\"%s\",\"state\":%s}", stamp, body ? body : "null");
    free(body);
    return out;
}

json_t *debug_proxy_config_json(const struct xds_stream_status *s, const char *type,
                                const struct proxy_tables_filter *f, const json_t *secretz)
{
    json_t *dump = debug_stream_config_dump(s);
    json_t *tables = json_array();
    static const char *const all[] = {"clusters", "listeners", "routes", "endpoints"};
    for (size_t i = 0; i < ARRAY_LEN(all); i++)
        if (strcmp(type, "all") == 0 || strcmp(type, all[i]) == 0)
            json_array_append_new(tables, proxy_tables_build(dump, all[i], f));
    if (strcmp(type, "all") == 0 || strcmp(type, "secrets") == 0)
        json_array_append_new(tables, proxy_tables_secrets(secretz, f, (int64_t)time(NULL)));
    json_decref(dump);
    json_t *j = json_object();
    set_str(j, "proxy", s->node_id);
    json_object_set_new(j, "tables", tables);
    return j;
}

const char *debug_ui_asset(const char *path, const char **type)
{
    static const struct {
        const char *path, *type, *body;
    } assets[] = {
        {"/ui", "text/html; charset=utf-8", ui_page_html},
        {"/ui/app.js", "text/javascript; charset=utf-8", ui_page_js},
        {"/ui/style.css", "text/css; charset=utf-8", ui_page_css},
    };
    for (size_t i = 0; i < ARRAY_LEN(assets); i++) {
        if (strcmp(assets[i].path, path) == 0) {
            *type = assets[i].type;
            return assets[i].body;
        }
    }
    return NULL;
}
