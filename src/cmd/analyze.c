/* analyze.c - `xdsd analyze PATH... | --live`: the findings of
 * src/analyze/ on files and directories, or those a running server's
 * /debug/analyzez gives, a line each as istioctl analyze prints them, or
 * one JSON array. */
#include "xdsd/commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xdsd/analyze.h"
#include "xdsd/config.h"
#include "xdsd/httpget.h"
#include "xdsd/util.h"

#define TIMEOUT_MS 10000

static void print_findings(const struct analyze_findings *f, int json, const char *what)
{
    if (json) {
        char *s = analyze_findings_json(f, 1);
        fputs(s, stdout);
        free(s);
        return;
    }
    for (size_t i = 0; i < f->n; i++) {
        char *s = analyze_finding_text(&f->items[i]);
        puts(s);
        free(s);
    }
    if (f->n == 0)
        printf("\u2714 No validation issues found when analyzing %s.\n", what);
}

static int verdict(const struct analyze_request *r, const struct analyze_findings *f)
{
    return !r->fail_never && analyze_findings_reach(f, (enum analyze_level)r->fail_on) ? 1 : 0;
}

static void options_of(const struct analyze_request *r, struct analyze_options *o)
{
    analyze_options_init(o);
    if (r->outbound && strcmp(r->outbound, "REGISTRY_ONLY") == 0)
        o->outbound = OUTBOUND_REGISTRY_ONLY;
    if (r->mesh_certs)
        o->mesh_certs = r->mesh_certs;
    if (r->trust_domain)
        o->trust_domain = r->trust_domain;
}

static int offline(const struct analyze_request *r)
{
    for (int i = 0; i < r->npaths; i++) {
        struct stat st;
        if (strcmp(r->paths[i], CONFIG_STDIN_PATH) != 0 && stat(r->paths[i], &st) < 0) {
            fprintf(stderr, "xdsd analyze: cannot read '%s': %s\n", r->paths[i], strerror(errno));
            return 2;
        }
    }
    struct analyze_options o;
    options_of(r, &o);
    struct config_diags d;
    struct config_paths_report rep;
    struct config_set *s = config_load_paths(r->paths, (size_t)r->npaths, &d, &rep);
    if (s != NULL)
        cmd_translation_findings(s, &d);
    struct analyze_findings f = {0};
    analyze_add_diags(&f, &o, &d);
    if (s != NULL)
        analyze_set(&f, s, &o);
    else
        config_diags_print(&d, stderr); /* as `xdsd validate` prints them */
    analyze_findings_sort(&f);
    char *what = xasprintf("%zu %s, %zu %s", rep.nfiles, rep.nfiles == 1 ? "file" : "files",
                           rep.nresources, rep.nresources == 1 ? "resource" : "resources");
    print_findings(&f, r->json, what);
    free(what);
    int rc = s == NULL ? 1 : verdict(r, &f);
    analyze_findings_release(&f);
    config_unref(s);
    config_diags_release(&d);
    config_paths_report_release(&rep);
    return rc;
}

/* v as a query parameter value: unreserved characters and '/' as they are. */
static char *query_escape(const char *v)
{
    size_t n = strlen(v);
    char *out = xmalloc(3 * n + 1), *p = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~/", c))
            *p++ = (char)c;
        else
            p += sprintf(p, "%%%02X", c);
    }
    *p = '\0';
    return out;
}

static char *live_path(const struct analyze_request *r)
{
    char *path = xstrdup("/debug/analyzez");
    const char *keys[] = {"outbound_traffic_policy", "mesh_certs", "trust_domain"};
    const char *vals[] = {r->outbound, r->mesh_certs, r->trust_domain};
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        if (vals[i] == NULL)
            continue;
        char *e = query_escape(vals[i]);
        char *t = xasprintf("%s%c%s=%s", path, strchr(path, '?') ? '&' : '?', keys[i], e);
        free(e);
        free(path);
        path = t;
    }
    return path;
}

static int live(const struct analyze_request *r)
{
    char *path = live_path(r);
    struct http_reply rep;
    char *err = NULL;
    int got = http_get(r->debug_addr, path, TIMEOUT_MS, &rep, &err);
    free(path);
    if (got < 0) {
        fprintf(stderr, "xdsd analyze: cannot reach xdsd at %s: %s\n", r->debug_addr, err);
        free(err);
        return 1;
    }
    int rc = 1;
    struct analyze_findings f = {0};
    if (rep.status == 404) {
        fprintf(stderr, "xdsd analyze: the xdsd at %s has no /debug/analyzez (older version?)\n",
                r->debug_addr);
    } else if (rep.status != 200) {
        fprintf(stderr, "xdsd analyze: the xdsd at %s answered %d: %.*s\n", r->debug_addr,
                rep.status, (int)strcspn(rep.body, "\n"), rep.body);
    } else if (analyze_findings_parse(rep.body, &f, &err) < 0) {
        fprintf(stderr, "xdsd analyze: unexpected answer from %s: %s\n", r->debug_addr, err);
        free(err);
    } else {
        char *what = xasprintf("the configuration served at %s", r->debug_addr);
        print_findings(&f, r->json, what);
        free(what);
        rc = verdict(r, &f);
    }
    analyze_findings_release(&f);
    http_reply_release(&rep);
    return rc;
}

int cmd_analyze(const struct analyze_request *r)
{
    return r->live ? live(r) : offline(r);
}
