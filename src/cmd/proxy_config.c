/* proxy_config.c - `xdsd proxy-config`: istioctl proxy-config against the
 * debug endpoint of a running xdsd.
 *
 * Finds the proxy in /debug/syncz (node id, POD.NAMESPACE or a unique prefix
 * of either), reads what it was last sent from /debug/config_dump and prints
 * the summary tables of proxy_tables.h, the same the dashboard shows, or the
 * resources themselves as JSON or YAML. Secrets come from /debug/secretz
 * (names, fingerprints and dates, never keys); a server without it has none. */
#include "xdsd/commands.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xdsd/httpget.h"
#include "xdsd/proxy_tables.h"
#include "xdsd/util.h"

#define TIMEOUT_MS 5000
#define MAX_CANDIDATES 10

static const char *const all_types[] = {"clusters", "listeners", "routes", "endpoints", "secrets"};

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* POD.NAMESPACE of an Istio node id (TYPE~IP~POD.NS~DOMAIN), else "". */
static char *pod_of(const char *id)
{
    const char *a = strchr(id, '~');
    const char *b = a ? strchr(a + 1, '~') : NULL;
    const char *c = b ? strchr(b + 1, '~') : NULL;
    return c ? xstrndup(b + 1, (size_t)(c - b - 1)) : xstrdup("");
}

/* GET path: 0 with *out the parsed JSON (status 200), 1 for a 404 when
 * missing_ok, else -1 after a one-line message. */
static int fetch(const char *addr, const char *path, int missing_ok, json_t **out)
{
    struct http_reply rep;
    char *err = NULL;
    *out = NULL;
    if (http_get(addr, path, TIMEOUT_MS, &rep, &err) < 0) {
        fprintf(stderr, "xdsd proxy-config: %s (is `xdsd serve` running with --debug-listen %s?)\n",
                err, addr);
        free(err);
        return -1;
    }
    int rc = 0;
    if (rep.status == 404 && missing_ok) {
        rc = 1;
    } else {
        *out = rep.status == 200 ? json_loads(rep.body, 0, NULL) : NULL;
        if (*out == NULL) {
            json_t *e = json_loads(rep.body, 0, NULL);
            fprintf(stderr, "xdsd proxy-config: %s%s answered HTTP %d%s%s\n", addr, path,
                    rep.status, json_is_string(json_object_get(e, "error")) ? ": " : "",
                    str(e, "error"));
            json_decref(e);
            rc = -1;
        }
    }
    http_reply_release(&rep);
    return rc;
}

/* The node id PROXY names among the connected proxies, or NULL after a
 * message that lists the candidates. */
static char *resolve(json_t *proxies, const char *want, const char *addr)
{
    size_t i, n = 0;
    const char *ids[MAX_CANDIDATES + 1];
    json_t *p;
    /* exact first: a node id or POD.NAMESPACE */
    json_array_foreach(proxies, i, p)
    {
        char *pod = pod_of(str(p, "proxy"));
        int yes = strcmp(str(p, "proxy"), want) == 0 || strcmp(pod, want) == 0;
        free(pod);
        if (yes)
            return xstrdup(str(p, "proxy"));
    }
    size_t len = strlen(want), total = 0;
    json_array_foreach(proxies, i, p)
    {
        const char *id = str(p, "proxy");
        char *pod = pod_of(id);
        int yes = strncmp(id, want, len) == 0 || strncmp(pod, want, len) == 0;
        free(pod);
        int seen = 0;
        for (size_t k = 0; k < n; k++)
            seen |= strcmp(ids[k], id) == 0;
        if (!yes || seen)
            continue;
        total++;
        if (n < MAX_CANDIDATES)
            ids[n++] = id;
    }
    if (total == 1)
        return xstrdup(ids[0]);
    if (total == 0) {
        fprintf(stderr, "xdsd proxy-config: no proxy '%s' is connected to the server at %s", want,
                addr);
        n = 0;
        json_array_foreach(proxies, i, p)
        {
            if (n < MAX_CANDIDATES)
                ids[n] = str(p, "proxy");
            n++;
        }
        if (n == 0) {
            fprintf(stderr, " (none is)\n");
            return NULL;
        }
        fprintf(stderr, "; connected:\n");
        total = n;
        n = n < MAX_CANDIDATES ? n : MAX_CANDIDATES;
    } else {
        fprintf(stderr, "xdsd proxy-config: '%s' names %zu connected proxies; give one of:\n", want,
                total);
    }
    for (size_t k = 0; k < n; k++)
        fprintf(stderr, "  %s\n", ids[k]);
    if (total > n)
        fprintf(stderr, "  ... and %zu more\n", total - n);
    return NULL;
}

/* ---- output ------------------------------------------------------------------------------ */

/* One line: cells padded to their column's width, the last one not. */
static void print_row(const json_t *cells, const size_t *w, size_t nc)
{
    for (size_t j = 0; j < nc; j++) {
        const char *c = json_string_value(json_array_get(cells, j));
        if (j + 1 < nc)
            printf("%-*s   ", (int)w[j], c ? c : "");
        else
            printf("%s\n", c ? c : "");
    }
}

static void print_table(const json_t *t, int heading)
{
    const json_t *cols = json_object_get(t, "columns"), *rows = json_object_get(t, "rows");
    size_t nc = json_array_size(cols), i, j;
    size_t *w = xcalloc(nc, sizeof(*w));
    const json_t *r;
    for (j = 0; j < nc; j++)
        w[j] = strlen(json_string_value(json_array_get(cols, j)));
    json_array_foreach(rows, i, r)
    {
        for (j = 0; j < nc; j++) {
            size_t l = strlen(json_string_value(json_array_get(r, j)));
            w[j] = l > w[j] ? l : w[j];
        }
    }
    if (heading)
        printf("%s:\n", str(t, "type"));
    if (strcmp(str(t, "type"), "secrets") == 0 && json_array_size(rows) == 0) {
        printf("no secrets\n");
        free(w);
        return;
    }
    print_row(cols, w, nc);
    json_array_foreach(rows, i, r) print_row(r, w, nc);
    free(w);
}

static int plain_key(const char *k)
{
    if (!isalpha((unsigned char)*k) && *k != '_')
        return 0;
    for (; *k; k++)
        if (!isalnum((unsigned char)*k) && *k != '_' && *k != '-')
            return 0;
    return 1;
}

/* A scalar as YAML: JSON's own spelling is valid YAML for every one
 * (strings double-quoted with JSON's escapes). */
static void yaml_scalar(const json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY);
    fputs(s ? s : "null", stdout);
    free(s);
}

static void yaml_key(const char *k)
{
    if (plain_key(k)) {
        fputs(k, stdout);
    } else {
        json_t *s = json_string(k);
        yaml_scalar(s);
        json_decref(s);
    }
    fputc(':', stdout);
}

static int is_container(const json_t *v)
{
    return (json_is_object(v) && json_object_size(v) > 0) ||
           (json_is_array(v) && json_array_size(v) > 0);
}

/* Block-style YAML of v at indent; inline: the first line is already
 * started (after "- "). */
static void yaml_emit(const json_t *v, int indent, int inline_first)
{
    if (json_is_object(v) && json_object_size(v) > 0) {
        const char *k;
        json_t *x;
        int first = 1;
        json_object_foreach((json_t *)v, k, x)
        {
            if (!(first && inline_first))
                printf("%*s", indent, "");
            first = 0;
            yaml_key(k);
            if (is_container(x)) {
                fputc('\n', stdout);
                yaml_emit(x, indent + (json_is_array(x) ? 0 : 2), 0);
            } else {
                fputc(' ', stdout);
                if (json_is_object(x))
                    fputs("{}", stdout);
                else if (json_is_array(x))
                    fputs("[]", stdout);
                else
                    yaml_scalar(x);
                fputc('\n', stdout);
            }
        }
    } else if (json_is_array(v) && json_array_size(v) > 0) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (!(i == 0 && inline_first))
                printf("%*s", indent, "");
            fputs("- ", stdout);
            if (is_container(x)) {
                yaml_emit(x, indent + 2, 1);
            } else {
                yaml_scalar(x);
                fputc('\n', stdout);
            }
        }
    } else {
        if (!inline_first)
            printf("%*s", indent, "");
        if (json_is_object(v))
            fputs("{}", stdout);
        else if (json_is_array(v))
            fputs("[]", stdout);
        else
            yaml_scalar(v);
        fputc('\n', stdout);
    }
}

static void print_data(const json_t *j, enum proxy_config_output output)
{
    if (output == PROXY_CONFIG_YAML) {
        yaml_emit(j, 0, 0);
        return;
    }
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", s ? s : "null");
    free(s);
}

/* id percent-encoded for a query string (node ids hold '~', '.', '|'). */
static char *query_escape(const char *id)
{
    char *out = xmalloc(strlen(id) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return out;
}

/* ---- the command ------------------------------------------------------------------------- */

/* /debug/secretz for proxy id: its array, or NULL when the server has none
 * (404: no SDS, so no secrets) or failed (*failed set, message printed). */
static json_t *fetch_secretz(const char *addr, const char *id, int *failed)
{
    char *q = query_escape(id);
    char *path = xasprintf("/debug/secretz?proxyID=%s", q);
    free(q);
    json_t *secretz = NULL;
    if (fetch(addr, path, 1, &secretz) < 0)
        *failed = 1;
    free(path);
    if (!json_is_array(secretz)) {
        json_decref(secretz);
        return NULL;
    }
    return secretz;
}

static json_t *secrets_table(const char *addr, const char *id, const struct proxy_tables_filter *f,
                             int *failed)
{
    json_t *secretz = fetch_secretz(addr, id, failed);
    json_t *t = proxy_tables_secrets(secretz, f, (int64_t)time(NULL));
    json_decref(secretz);
    return t;
}

/* The secrets f keeps, with only the fields the table knows: whatever else
 * a server might add, nothing that could be a key is printed. */
static json_t *secrets_data(const char *addr, const char *id, const struct proxy_tables_filter *f,
                            int *failed)
{
    static const char *const fields[] = {"name",   "type",      "fingerprint_sha256", "serial",
                                         "status", "not_after", "not_before"};
    json_t *secretz = fetch_secretz(addr, id, failed), *out = json_array(), *s;
    size_t i;
    json_array_foreach(secretz, i, s)
    {
        if (f->name && strcmp(f->name, str(s, "name")) != 0)
            continue;
        json_t *o = json_object();
        for (size_t k = 0; k < ARRAY_LEN(fields); k++)
            if (json_object_get(s, fields[k]))
                json_object_set(o, fields[k], json_object_get(s, fields[k]));
        json_array_append_new(out, o);
    }
    json_decref(secretz);
    return out;
}

int cmd_proxy_config(const struct proxy_config_request *req)
{
    const char *addr = req->addr;
    if (strcmp(req->type, "all") != 0 && !proxy_tables_type_ok(req->type)) {
        fprintf(stderr, "xdsd proxy-config: unknown type '%s'\n", req->type);
        return 2;
    }
    json_t *proxies = NULL;
    if (fetch(addr, "/debug/syncz", 0, &proxies) < 0)
        return 1;
    char *id = json_is_array(proxies) ? resolve(proxies, req->proxy, addr) : NULL;
    json_decref(proxies);
    if (id == NULL)
        return 1;
    char *q = query_escape(id);
    char *path = xasprintf("/debug/config_dump?proxyID=%s", q);
    free(q);
    json_t *dump = NULL;
    int rc = fetch(addr, path, 0, &dump) < 0 ? 1 : 0;
    free(path);
    struct proxy_tables_filter f = {req->name, req->port};
    int all = strcmp(req->type, "all") == 0, failed = 0;
    if (rc == 0 && req->output != PROXY_CONFIG_TABLE) {
        json_t *data;
        if (all) {
            data = json_incref(dump);
        } else if (strcmp(req->type, "secrets") == 0) {
            data = secrets_data(addr, id, &f, &failed);
        } else {
            data = proxy_tables_resources(dump, req->type, &f);
        }
        print_data(data, req->output);
        json_decref(data);
    } else if (rc == 0) {
        int first = 1;
        for (size_t i = 0; i < ARRAY_LEN(all_types); i++) {
            if (!all && strcmp(req->type, all_types[i]) != 0)
                continue;
            json_t *t = strcmp(all_types[i], "secrets") == 0
                            ? secrets_table(addr, id, &f, &failed)
                            : proxy_tables_build(dump, all_types[i], &f);
            if (!first)
                printf("\n");
            first = 0;
            print_table(t, all);
            json_decref(t);
        }
    }
    json_decref(dump);
    free(id);
    return rc || failed;
}
