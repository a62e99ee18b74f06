/* status.c - `xdsd status`: istioctl proxy-status against the debug endpoint.
 *
 * Reads /debug/configz for a header line (what is served, from where, how
 * the last reload went) and /debug/syncz, and prints one line per connected
 * proxy with the sync state of each type, or for one proxy the detail of
 * each type and its last NACK: which proxy rejected which configuration, and
 * why. With -o json, both answers in one object for scripts. */
#include "xdsd/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/httpget.h"
#include "xdsd/snapshot.h"
#include "xdsd/util.h"

#define TIMEOUT_MS 5000

/* Columns in istioctl's order. */
static const struct {
    const char *label;
    enum xds_type type;
} columns[] = {
    {"CDS", XDS_CLUSTER},
    {"LDS", XDS_LISTENER},
    {"EDS", XDS_ENDPOINT},
    {"RDS", XDS_ROUTE},
};

static const char *str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* POD.NAMESPACE from an Istio node id (TYPE~IP~POD.NS~DOMAIN), else the id. */
static char *proxy_name(const char *id)
{
    const char *a = strchr(id, '~');
    const char *b = a ? strchr(a + 1, '~') : NULL;
    const char *c = b ? strchr(b + 1, '~') : NULL;
    if (c == NULL || c == b + 1)
        return xstrdup(id);
    return xstrndup(b + 1, (size_t)(c - b - 1));
}

static json_t *type_of(json_t *proxy, enum xds_type t)
{
    return json_object_get(json_object_get(proxy, "resources"), xds_type_url(t));
}

static int by_name(const void *a, const void *b)
{
    json_t *const *x = a, *const *y = b;
    char *nx = proxy_name(str(*x, "proxy")), *ny = proxy_name(str(*y, "proxy"));
    int c = strcmp(nx, ny);
    free(nx);
    free(ny);
    return c;
}

static void print_table(json_t *proxies)
{
    size_t n = json_array_size(proxies), width = strlen("NAME");
    json_t **rows = xcalloc(n ? n : 1, sizeof(*rows));
    for (size_t i = 0; i < n; i++) {
        rows[i] = json_array_get(proxies, i);
        char *name = proxy_name(str(rows[i], "proxy"));
        if (strlen(name) > width)
            width = strlen(name);
        free(name);
    }
    qsort(rows, n, sizeof(*rows), by_name);
    printf("%-*s", (int)width + 3, "NAME");
    for (size_t c = 0; c < ARRAY_LEN(columns); c++)
        printf("%-11s", columns[c].label);
    printf("VERSION\n");
    for (size_t i = 0; i < n; i++) {
        char *name = proxy_name(str(rows[i], "proxy"));
        printf("%-*s", (int)width + 3, name);
        free(name);
        for (size_t c = 0; c < ARRAY_LEN(columns); c++) {
            const char *st = str(type_of(rows[i], columns[c].type), "status");
            printf("%-11s", *st ? st : "NOT SENT");
        }
        const char *v = str(rows[i], "istio_version");
        printf("%s\n", *v ? v : "-");
    }
    free(rows);
}

/* Whether stream p is proxy want: its node id or POD.NAMESPACE, or (prefix)
 * the start of either. */
static int names(json_t *p, const char *want, int prefix)
{
    const char *id = str(p, "proxy");
    char *name = proxy_name(id);
    size_t n = prefix ? strlen(want) : (size_t)-1;
    int yes = strncmp(id, want, n) == 0 || strncmp(name, want, n) == 0;
    free(name);
    return yes;
}

/* The live stream of PROXY (DESIGN.md: a node id, POD.NAMESPACE or a
 * unique prefix), or NULL after a one-line message. A proxy that
 * reconnected may be listed twice: the last stream is the live one. */
static json_t *find_proxy(json_t *proxies, const char *want, const char *addr)
{
    json_t *found = NULL, *p;
    size_t i;
    json_array_foreach(proxies, i, p)
    {
        if (names(p, want, 0))
            found = p;
    }
    if (found != NULL)
        return found;
    const char *first = NULL;
    int several = 0;
    json_array_foreach(proxies, i, p)
    {
        if (!names(p, want, 1))
            continue;
        first = first ? first : str(p, "proxy");
        if (strcmp(first, str(p, "proxy")) == 0)
            found = p;
        else
            several = 1;
    }
    if (found != NULL && !several)
        return found;
    if (found == NULL)
        fprintf(stderr, "xdsd status: proxy '%s' is not connected to the server at %s\n", want,
                addr);
    else
        fprintf(stderr,
                "xdsd status: '%s' starts the names of several connected proxies: give "
                "more of one\n",
                want);
    return NULL;
}

static void print_proxy(json_t *found)
{
    printf("Proxy:      %s\nConnection: %s\nType:       %s\n\n", str(found, "proxy"),
           str(found, "connection_id"), str(found, "proxy_type"));
    printf("%-5s %-10s %-18s %-18s %-24s %s\n", "TYPE", "STATUS", "SENT VERSION", "ACKED VERSION",
           "SENT NONCE", "ACKED NONCE");
    int nacks = 0;
    for (size_t c = 0; c < ARRAY_LEN(columns); c++) {
        json_t *t = type_of(found, columns[c].type);
        printf("%-5s %-10s %-18s %-18s %-24s %s\n", columns[c].label,
               *str(t, "status") ? str(t, "status") : "NOT SENT",
               *str(t, "sent_version") ? str(t, "sent_version") : "-",
               *str(t, "acked_version") ? str(t, "acked_version") : "-",
               *str(t, "sent_nonce") ? str(t, "sent_nonce") : "-",
               *str(t, "acked_nonce") ? str(t, "acked_nonce") : "-");
    }
    for (size_t c = 0; c < ARRAY_LEN(columns); c++) {
        json_t *nack = json_object_get(type_of(found, columns[c].type), "last_nack");
        if (nack == NULL)
            continue;
        if (nacks++ == 0)
            printf("\n");
        printf("Last NACK of %s (nonce %s, %s):\n  %s\n", columns[c].label, str(nack, "nonce"),
               str(nack, "time"), str(nack, "message"));
    }
    if (nacks == 0)
        printf("\nNo NACK from this proxy.\n");
}

/* The server's answer at path as JSON, or NULL after a one-line message. */
static json_t *fetch(const char *addr, const char *path, int (*shape)(const json_t *))
{
    struct http_reply rep;
    char *err = NULL;
    if (http_get(addr, path, TIMEOUT_MS, &rep, &err) < 0) {
        fprintf(stderr, "xdsd status: %s (is `xdsd serve` running with --debug-listen %s?)\n", err,
                addr);
        free(err);
        return NULL;
    }
    json_error_t jerr;
    json_t *j = rep.status == 200 ? json_loads(rep.body, 0, &jerr) : NULL;
    if (j == NULL || !shape(j)) {
        fprintf(stderr,
                "xdsd status: unexpected answer from %s%s (HTTP %d): not xdsd's debug "
                "endpoint?\n",
                addr, path, rep.status);
        json_decref(j);
        j = NULL;
    }
    http_reply_release(&rep);
    return j;
}

static int is_array(const json_t *j)
{
    return json_is_array(j);
}

static int is_object(const json_t *j)
{
    return json_is_object(j);
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* The line above the table: what the server serves and how its last
 * reload went, so that an empty table is not mistaken for a healthy one. */
static void print_header(const char *addr, json_t *configz)
{
    size_t ne = json_array_size(json_object_get(configz, "errors"));
    size_t nw = json_array_size(json_object_get(configz, "warnings"));
    printf("xdsd %s: ", addr);
    if (json_is_true(json_object_get(configz, "loaded")))
        printf("serving generation %lld from %s",
               (long long)json_integer_value(json_object_get(configz, "generation")),
               str(configz, "source"));
    else
        printf("no configuration loaded");
    printf("; last reload %s: %zu error%s, %zu warning%s\n",
           json_is_true(json_object_get(configz, "rejected")) ? "rejected" : "accepted", ne,
           plural(ne), nw, plural(nw));
}

/* configz without the lists: what `-o json` says about the configuration. */
static json_t *config_summary(json_t *configz)
{
    static const char *const kept[] = {"loaded",   "generation", "source",  "source_reason",
                                       "rejected", "reloads",    "revision"};
    json_t *c = json_object();
    for (size_t i = 0; i < ARRAY_LEN(kept); i++) {
        json_t *v = json_object_get(configz, kept[i]);
        if (v != NULL)
            json_object_set(c, kept[i], v);
    }
    static const char *const counted[] = {"resources", "errors", "warnings"};
    for (size_t i = 0; i < ARRAY_LEN(counted); i++)
        json_object_set_new(
            c, counted[i],
            json_integer((json_int_t)json_array_size(json_object_get(configz, counted[i]))));
    return c;
}

/* One object: where it asked, the configuration, and the proxies (all,
 * or the one given). */
static void print_json(const char *addr, json_t *configz, json_t *proxies, json_t *one)
{
    json_t *list = proxies;
    if (one != NULL) {
        list = json_array();
        json_array_append(list, one);
    } else {
        json_incref(list);
    }
    json_t *out = json_object();
    json_object_set_new(out, "debug_addr", json_string(addr));
    json_object_set_new(out, "config", config_summary(configz));
    json_object_set_new(out, "proxies", list);
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", text ? text : "{}");
    free(text);
    json_decref(out);
}

int cmd_status(const char *addr, const char *proxy, enum status_output output)
{
    json_t *configz = fetch(addr, "/debug/configz", is_object);
    json_t *proxies = configz ? fetch(addr, "/debug/syncz", is_array) : NULL;
    if (proxies == NULL) {
        json_decref(configz);
        return 1;
    }
    int rc = 0;
    json_t *one = proxy ? find_proxy(proxies, proxy, addr) : NULL;
    if (proxy != NULL && one == NULL) {
        rc = 1;
    } else if (output == STATUS_JSON) {
        print_json(addr, configz, proxies, one);
    } else {
        print_header(addr, configz);
        if (one != NULL)
            print_proxy(one);
        else
            print_table(proxies);
    }
    json_decref(configz);
    json_decref(proxies);
    return rc;
}
