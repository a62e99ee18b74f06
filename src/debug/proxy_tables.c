/* proxy_tables.c - istioctl proxy-config's summary tables from a ConfigDump.
 *
 * The columns are istioctl's where they apply. What only a running Envoy
 * knows (an endpoint's outlier state) is "-": these tables say what the proxy
 * was sent, not how it is doing. */
#include "xdsd/proxy_tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xdsd/util.h"

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const json_t *path(const json_t *o, const char *const *keys)
{
    for (; o && *keys; keys++)
        o = json_object_get(o, *keys);
    return o;
}

#define PATH(o, ...) path((o), (const char *const[]){__VA_ARGS__, NULL})

/* The dump's section whose @type ends with suffix ("ClustersConfigDump"). */
static const json_t *section(const json_t *dump, const char *suffix)
{
    size_t i, n = strlen(suffix);
    const json_t *c;
    json_array_foreach(json_object_get(dump, "configs"), i, c)
    {
        const char *t = str(c, "@type");
        if (strlen(t) >= n && strcmp(t + strlen(t) - n, suffix) == 0)
            return c;
    }
    return NULL;
}

static json_t *table_new(const char *type, const char *const *columns)
{
    json_t *t = json_object(), *cols = json_array();
    json_object_set_new(t, "type", json_string(type));
    for (; *columns; columns++)
        json_array_append_new(cols, json_string(*columns));
    json_object_set_new(t, "columns", cols);
    json_object_set_new(t, "rows", json_array());
    return t;
}

/* Append a row of n cells; empty cells read "-". */
static void row_add(json_t *table, size_t n, const char *const *cells)
{
    json_t *r = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(r, json_string(cells[i] && *cells[i] ? cells[i] : "-"));
    json_array_append_new(json_object_get(table, "rows"), r);
}

static int name_ok(const struct proxy_tables_filter *f, const char *a, const char *b)
{
    if (f == NULL || f->name == NULL)
        return 1;
    return strcmp(f->name, a) == 0 || (b && strcmp(f->name, b) == 0);
}

static int port_ok(const struct proxy_tables_filter *f, unsigned port)
{
    return f == NULL || f->port == 0 || f->port == port;
}

/* "NAME.NAMESPACE" of the Istio resource in an istio metadata "config"
 * path (/apis/.../namespaces/NS/KIND/NAME), or "". */
static void istio_ref(const json_t *metadata, char *out, size_t cap)
{
    const char *cfg = str(PATH(metadata, "filter_metadata", "istio"), "config");
    const char *ns = strstr(cfg, "/namespaces/");
    const char *name = strrchr(cfg, '/');
    out[0] = '\0';
    if (ns == NULL || name == NULL)
        return;
    ns += strlen("/namespaces/");
    snprintf(out, cap, "%s.%.*s", name + 1, (int)strcspn(ns, "/"), ns);
}

/* ---- clusters ---------------------------------------------------------------------------- */

static const char *cluster_type(const json_t *c)
{
    const char *t = str(c, "type");
    if (*t)
        return t;
    const json_t *ct = json_object_get(c, "cluster_type");
    if (ct == NULL)
        return "STATIC"; /* the enum's zero, left out of the JSON */
    if (strcmp(str(ct, "name"), "envoy.cluster.dns") == 0)
        return json_is_true(PATH(ct, "typed_config", "all_addresses_in_single_endpoint"))
                   ? "LOGICAL_DNS"
                   : "STRICT_DNS";
    return str(ct, "name");
}

static void clusters(const json_t *dump, const struct proxy_tables_filter *f, json_t *t)
{
    size_t i;
    const json_t *e;
    json_array_foreach(
        json_object_get(section(dump, "ClustersConfigDump"), "dynamic_active_clusters"), i, e)
    {
        const json_t *c = json_object_get(e, "cluster");
        const char *name = str(c, "name");
        /* Istio's names: DIRECTION|PORT|SUBSET|FQDN; any other is shown whole */
        char dir[32] = "", port[16] = "", subset[256] = "", fqdn[512], dr[512];
        snprintf(fqdn, sizeof(fqdn), "%s", name);
        const char *b1 = strchr(name, '|');
        const char *b2 = b1 ? strchr(b1 + 1, '|') : NULL;
        const char *b3 = b2 ? strchr(b2 + 1, '|') : NULL;
        if (b3 && strchr(b3 + 1, '|') == NULL && b2 - b1 - 1 > 0 &&
            strspn(b1 + 1, "0123456789") == (size_t)(b2 - b1 - 1)) {
            snprintf(dir, sizeof(dir), "%.*s", (int)(b1 - name), name);
            snprintf(port, sizeof(port), "%.*s", (int)(b2 - b1 - 1), b1 + 1);
            snprintf(subset, sizeof(subset), "%.*s", (int)(b3 - b2 - 1), b2 + 1);
            snprintf(fqdn, sizeof(fqdn), "%s", b3 + 1);
        }
        if (!name_ok(f, name, fqdn) || !port_ok(f, (unsigned)atoi(port)))
            continue;
        istio_ref(json_object_get(c, "metadata"), dr, sizeof(dr));
        const char *cells[] = {fqdn, port, subset, dir, cluster_type(c), dr};
        row_add(t, ARRAY_LEN(cells), cells);
    }
}

/* ---- listeners --------------------------------------------------------------------------- */

static void join(char *out, size_t cap, const json_t *arr, const char *sep)
{
    size_t i, used = strlen(out);
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        int n = snprintf(out + used, cap - used, "%s%s", i ? sep : "",
                         json_is_string(v) ? json_string_value(v) : "");
        if (n < 0 || (size_t)n >= cap - used)
            return;
        used += (size_t)n;
    }
}

static void append(char *out, size_t cap, const char *fmt, const char *a)
{
    size_t used = strlen(out);
    if (used < cap)
        snprintf(out + used, cap - used, fmt, a);
}

static void chain_match(const json_t *m, char *out, size_t cap)
{
    out[0] = '\0';
    if (json_array_size(json_object_get(m, "server_names"))) {
        append(out, cap, "%sSNI: ", "");
        join(out, cap, json_object_get(m, "server_names"), ",");
    }
    if (*str(m, "transport_protocol"))
        append(out, cap, *out ? "; Trans: %s" : "Trans: %s", str(m, "transport_protocol"));
    if (json_array_size(json_object_get(m, "application_protocols"))) {
        append(out, cap, *out ? "; App: " : "App: ", "");
        join(out, cap, json_object_get(m, "application_protocols"), ",");
    }
    json_int_t dport = json_integer_value(PATH(m, "destination_port"));
    if (dport > 0) {
        char p[32];
        snprintf(p, sizeof(p), "%lld", (long long)dport);
        append(out, cap, *out ? "; Port: %s" : "Port: %s", p);
    }
    if (*out == '\0')
        snprintf(out, cap, "ALL");
}

/* Where a filter chain sends: "Route: NAME", "Cluster: NAME", or what it is. */
static void chain_destination(const json_t *chain, char *out, size_t cap)
{
    size_t i;
    const json_t *flt;
    snprintf(out, cap, "Non-HTTP/Non-TCP");
    json_array_foreach(json_object_get(chain, "filters"), i, flt)
    {
        const json_t *tc = json_object_get(flt, "typed_config");
        const char *rds = str(PATH(tc, "rds"), "route_config_name");
        if (*rds) {
            snprintf(out, cap, "Route: %s", rds);
            return;
        }
        if (json_object_get(tc, "route_config")) {
            snprintf(out, cap, "Inline Route: %s",
                     str(json_object_get(tc, "route_config"), "name"));
            return;
        }
        if (*str(tc, "cluster")) {
            snprintf(out, cap, "Cluster: %s", str(tc, "cluster"));
            return;
        }
        const json_t *wc = PATH(tc, "weighted_clusters", "clusters");
        if (json_array_size(wc)) {
            snprintf(out, cap, "Clusters: ");
            size_t j;
            const json_t *c;
            json_array_foreach(wc, j, c) append(out, cap, j ? ", %s" : "%s", str(c, "name"));
            return;
        }
    }
}

static void listeners(const json_t *dump, const struct proxy_tables_filter *f, json_t *t)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(section(dump, "ListenersConfigDump"), "dynamic_listeners"),
                       i, e)
    {
        const json_t *l = PATH(e, "active_state", "listener");
        const json_t *sa = PATH(l, "address", "socket_address");
        json_int_t port = json_integer_value(json_object_get(sa, "port_value"));
        if (!name_ok(f, str(l, "name"), NULL) || !port_ok(f, (unsigned)port))
            continue;
        char portbuf[16] = "", match[512], dest[512];
        if (sa)
            snprintf(portbuf, sizeof(portbuf), "%lld", (long long)port);
        if (json_object_get(l, "api_listener")) {
            /* a proxyless gRPC client's listener: no socket, one route */
            snprintf(match, sizeof(match), "API: %s", str(l, "name"));
            const json_t *hcm = PATH(l, "api_listener", "api_listener");
            json_t *fake = json_pack("{s:[{s:O}]}", "filters", "typed_config", hcm);
            chain_destination(fake, dest, sizeof(dest));
            json_decref(fake);
            const char *cells[] = {"", "", match, dest};
            row_add(t, ARRAY_LEN(cells), cells);
            continue;
        }
        size_t j;
        const json_t *fc;
        json_array_foreach(json_object_get(l, "filter_chains"), j, fc)
        {
            chain_match(json_object_get(fc, "filter_chain_match"), match, sizeof(match));
            chain_destination(fc, dest, sizeof(dest));
            const char *cells[] = {str(sa, "address"), portbuf, match, dest};
            row_add(t, ARRAY_LEN(cells), cells);
        }
        const json_t *dfc = json_object_get(l, "default_filter_chain");
        if (dfc) {
            chain_destination(dfc, dest, sizeof(dest));
            const char *cells[] = {str(sa, "address"), portbuf, "ALL", dest};
            row_add(t, ARRAY_LEN(cells), cells);
        }
    }
}

/* ---- routes ------------------------------------------------------------------------------ */

/* istioctl's short form: the first domain, then "+ N more" (a name and its
 * trailing-dot twin count once). */
static void domains(const json_t *vh, char *out, size_t cap)
{
    const json_t *d = json_object_get(vh, "domains");
    size_t n = json_array_size(d), distinct = 0, i;
    const json_t *v;
    json_array_foreach(d, i, v)
    {
        const char *s = json_string_value(v);
        size_t len = s ? strlen(s) : 0;
        if (len > 1 && s[len - 1] == '.')
            continue;
        distinct++;
    }
    snprintf(out, cap, "%s", n ? json_string_value(json_array_get(d, 0)) : "");
    if (distinct > 1)
        snprintf(out + strlen(out), cap - strlen(out), " +%zu more", distinct - 1);
}

static void route_match(const json_t *m, char *out, size_t cap)
{
    if (json_object_get(m, "prefix"))
        snprintf(out, cap, "%s*", str(m, "prefix"));
    else if (json_object_get(m, "path"))
        snprintf(out, cap, "%s", str(m, "path"));
    else if (json_object_get(m, "safe_regex"))
        snprintf(out, cap, "%s", str(json_object_get(m, "safe_regex"), "regex"));
    else if (json_object_get(m, "path_separated_prefix"))
        snprintf(out, cap, "%s/*", str(m, "path_separated_prefix"));
    else
        snprintf(out, cap, "/*");
    if (json_array_size(json_object_get(m, "headers")))
        append(out, cap, "%s (+headers)", "");
}

static void routes(const json_t *dump, const struct proxy_tables_filter *f, json_t *t)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(section(dump, "RoutesConfigDump"), "dynamic_route_configs"),
                       i, e)
    {
        const json_t *rc = json_object_get(e, "route_config");
        const char *name = str(rc, "name");
        char portname[16];
        snprintf(portname, sizeof(portname), "%u", f ? f->port : 0);
        if (f && f->port && strcmp(name, portname) != 0)
            continue;
        size_t j;
        const json_t *vh;
        json_array_foreach(json_object_get(rc, "virtual_hosts"), j, vh)
        {
            if (!name_ok(f, name, str(vh, "name")))
                continue;
            char dom[512], match[512], vs[512];
            domains(vh, dom, sizeof(dom));
            size_t k;
            const json_t *r;
            json_array_foreach(json_object_get(vh, "routes"), k, r)
            {
                route_match(json_object_get(r, "match"), match, sizeof(match));
                istio_ref(json_object_get(r, "metadata"), vs, sizeof(vs));
                if (*vs == '\0' && json_object_get(r, "direct_response"))
                    snprintf(vs, sizeof(vs), "%lld",
                             (long long)json_integer_value(PATH(r, "direct_response", "status")));
                const char *cells[] = {name, str(vh, "name"), dom, match, vs};
                row_add(t, ARRAY_LEN(cells), cells);
            }
        }
    }
}

/* ---- endpoints --------------------------------------------------------------------------- */

static void assignment(const json_t *cla, const struct proxy_tables_filter *f, json_t *t)
{
    const char *cluster = str(cla, "cluster_name");
    if (!name_ok(f, cluster, NULL))
        return;
    size_t i, j;
    const json_t *le, *lb;
    json_array_foreach(json_object_get(cla, "endpoints"), i, le)
    {
        json_array_foreach(json_object_get(le, "lb_endpoints"), j, lb)
        {
            const json_t *sa = PATH(lb, "endpoint", "address", "socket_address");
            const json_t *pipe = PATH(lb, "endpoint", "address", "pipe");
            json_int_t port = json_integer_value(json_object_get(sa, "port_value"));
            if (!port_ok(f, (unsigned)port))
                continue;
            char ep[512];
            if (sa)
                snprintf(ep, sizeof(ep), "%s:%lld", str(sa, "address"), (long long)port);
            else
                snprintf(ep, sizeof(ep), "unix://%s", str(pipe, "path"));
            /* unset is UNKNOWN, which Envoy counts as healthy */
            const char *health = str(lb, "health_status");
            const char *cells[] = {ep, *health ? health : "HEALTHY", "-", cluster};
            row_add(t, ARRAY_LEN(cells), cells);
        }
    }
}

static void endpoints(const json_t *dump, const struct proxy_tables_filter *f, json_t *t)
{
    size_t i;
    const json_t *e;
    json_array_foreach(
        json_object_get(section(dump, "EndpointsConfigDump"), "dynamic_endpoint_configs"), i, e)
        assignment(json_object_get(e, "endpoint_config"), f, t);
    /* DNS and static clusters carry theirs inline */
    json_array_foreach(
        json_object_get(section(dump, "ClustersConfigDump"), "dynamic_active_clusters"), i, e)
    {
        const json_t *cla = PATH(e, "cluster", "load_assignment");
        if (cla)
            assignment(cla, f, t);
    }
}

/* ---- the interface ----------------------------------------------------------------------- */

static const struct {
    const char *type;
    const char *const *columns;
    void (*fill)(const json_t *dump, const struct proxy_tables_filter *f, json_t *t);
} kinds[] = {
    {"clusters",
     (const char *const[]){"SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE",
                           "DESTINATION RULE", NULL},
     clusters},
    {"listeners", (const char *const[]){"ADDRESSES", "PORT", "MATCH", "DESTINATION", NULL},
     listeners},
    {"routes",
     (const char *const[]){"NAME", "VHOST NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE", NULL},
     routes},
    {"endpoints", (const char *const[]){"ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER", NULL},
     endpoints},
};

int proxy_tables_type_ok(const char *type)
{
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
        if (strcmp(kinds[i].type, type) == 0)
            return 1;
    return strcmp(type, "secrets") == 0;
}

json_t *proxy_tables_build(const json_t *dump, const char *type,
                           const struct proxy_tables_filter *f)
{
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
        if (strcmp(kinds[i].type, type) != 0)
            continue;
        json_t *t = table_new(type, kinds[i].columns);
        kinds[i].fill(dump, f, t);
        return t;
    }
    return NULL;
}

/* Seconds since the epoch of an RFC 3339 UTC time ("2026-01-02T03:04:05Z",
 * fractions ignored), or -1. */
static int64_t rfc3339(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == NULL)
        return -1;
    return (int64_t)timegm(&tm);
}

json_t *proxy_tables_secrets(const json_t *secretz, const struct proxy_tables_filter *f,
                             int64_t now_s)
{
    static const char *const columns[] = {"RESOURCE NAME", "TYPE",      "STATUS",     "VALID CERT",
                                          "SERIAL NUMBER", "NOT AFTER", "NOT BEFORE", NULL};
    json_t *t = table_new("secrets", columns);
    size_t i;
    const json_t *s;
    json_array_foreach(secretz, i, s)
    {
        if (!name_ok(f, str(s, "name"), NULL))
            continue;
        int64_t nb = rfc3339(str(s, "not_before")), na = rfc3339(str(s, "not_after"));
        const char *valid = nb < 0 || na < 0 ? "-" : nb <= now_s && now_s <= na ? "true" : "false";
        const char *cells[] = {str(s, "name"),   str(s, "type"),      str(s, "status"),    valid,
                               str(s, "serial"), str(s, "not_after"), str(s, "not_before")};
        row_add(t, ARRAY_LEN(cells), cells);
    }
    return t;
}

json_t *proxy_tables_resources(const json_t *dump, const char *type,
                               const struct proxy_tables_filter *f)
{
    static const struct {
        const char *type, *section, *list, *field;
    } where[] = {
        {"clusters", "ClustersConfigDump", "dynamic_active_clusters", "cluster"},
        {"listeners", "ListenersConfigDump", "dynamic_listeners", NULL},
        {"routes", "RoutesConfigDump", "dynamic_route_configs", "route_config"},
        {"endpoints", "EndpointsConfigDump", "dynamic_endpoint_configs", "endpoint_config"},
    };
    json_t *out = json_array();
    for (size_t w = 0; w < ARRAY_LEN(where); w++) {
        if (strcmp(where[w].type, type) != 0)
            continue;
        size_t i;
        const json_t *e;
        json_array_foreach(json_object_get(section(dump, where[w].section), where[w].list), i, e)
        {
            const json_t *r = where[w].field ? json_object_get(e, where[w].field)
                                             : PATH(e, "active_state", "listener");
            if (r == NULL)
                continue;
            /* keep what the table keeps: a row of its own table survives f */
            json_t *one = json_pack("{s:[{s:O,s:o}]}", "configs", "@type",
                                    json_object_get(section(dump, where[w].section), "@type"),
                                    where[w].list, json_pack("[O]", e));
            json_t *t = proxy_tables_build(one, type, f);
            if (json_array_size(json_object_get(t, "rows")) > 0 || (f == NULL))
                json_array_append(out, (json_t *)r);
            json_decref(t);
            json_decref(one);
        }
    }
    return out;
}
