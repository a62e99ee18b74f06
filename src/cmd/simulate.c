/* simulate.c - `xdsd simulate`: where a request from a proxy goes, hop by
 * hop, on the configuration that proxy would receive.
 *
 * The directory is loaded and translated as `xdsd dump` does, and the walk
 * (src/simulate/) reads the packed resources of each proxy's view: the
 * bytes xDS would send, not the YAML. */
#include "xdsd/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/config.h"
#include "xdsd/httpget.h"
#include "xdsd/pbjson.h"
#include "xdsd/proxy.h"
#include "xdsd/simulate.h"
#include "xdsd/snapshot.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

static const struct xds_view *snapshot_view_of(void *ctx, const struct proxy_identity *id,
                                               char **err)
{
    return snapshot_view(ctx, id, NULL, err);
}

static void print_result(const json_t *j, int json)
{
    char *text = json ? pbjson_dumps(j, 1) : sim_json_text(j);
    fputs(text, stdout);
    free(text);
}

/* Walk and print; 0, or 1 when a view could not be built. */
static int walk_print(struct snapshot *snap, struct config_set *set,
                      const struct proxy_identity *id, const struct sim_request *r, int json)
{
    struct sim_result res;
    char *err = NULL;
    int rc = sim_walk(snapshot_view_of, snap, set, id, r, &res, &err);
    if (rc < 0) {
        fprintf(stderr, "xdsd simulate: cannot translate the configuration: %s\n",
                err ? err : "unknown error");
        free(err);
    }
    json_t *j = sim_result_json(r, &res);
    print_result(j, json);
    json_decref(j);
    sim_result_release(&res);
    return rc < 0 ? 1 : 0;
}

/* s with every byte but unreserved ones percent-encoded, for a query (heap). */
static char *query_escape(const char *s)
{
    char *out = xmalloc(strlen(s) * 3 + 1), *p = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c))
            *p++ = (char)c;
        else
            p += sprintf(p, "%%%02X", c);
    }
    *p = '\0';
    return out;
}

/* --live: the running server walks the request from the connected proxy,
 * on the snapshot that proxy was last sent (/debug/simulate). */
static int simulate_live(const struct simulate_request *s)
{
    char *id = query_escape(s->proxy), *req = query_escape(s->request);
    char *path = xasprintf("/debug/simulate?proxyID=%s&request=%s", id, req);
    free(id);
    free(req);
    for (size_t i = 0; i < s->n_headers; i++) {
        char *h = query_escape(s->headers[i]);
        char *t = xasprintf("%s&header=%s", path, h);
        free(h);
        free(path);
        path = t;
    }
    struct http_reply rep;
    char *err = NULL;
    int rc = http_get(s->debug_addr, path, 10000, &rep, &err);
    free(path);
    if (rc < 0) {
        fprintf(stderr, "xdsd simulate: cannot reach the debug endpoint at %s: %s\n", s->debug_addr,
                err);
        free(err);
        return 1;
    }
    json_error_t jerr;
    json_t *j = json_loads(rep.body, 0, &jerr);
    rc = 1;
    if (j == NULL)
        fprintf(stderr, "xdsd simulate: %s answered what is not JSON: %s\n", s->debug_addr,
                jerr.text);
    else if (rep.status != 200)
        fprintf(stderr, "xdsd simulate: %s: %s\n", s->debug_addr,
                json_string_value(json_object_get(j, "error"))
                    ? json_string_value(json_object_get(j, "error"))
                    : rep.body);
    else {
        print_result(j, s->json);
        rc = 0;
    }
    json_decref(j);
    http_reply_release(&rep);
    return rc;
}

int cmd_simulate(const struct serve_options *o, const struct simulate_request *s)
{
    if (s->debug_addr)
        return simulate_live(s);
    struct sim_request r;
    char *why = NULL;
    if (sim_request_parse(s->request, &r, &why) < 0) {
        fprintf(stderr, "xdsd simulate: REQUEST '%s': %s\n", s->request, why);
        free(why);
        return 2;
    }
    for (size_t i = 0; i < s->n_headers; i++)
        if (sim_request_header(&r, s->headers[i], &why) < 0) {
            fprintf(stderr, "xdsd simulate: -H: %s\n", why);
            free(why);
            sim_request_release(&r);
            return 2;
        }
    size_t n_labels = 0;
    struct config_kv *labels = NULL;
    if (s->labels && *s->labels) {
        labels = proxy_labels_parse(s->labels, &n_labels);
        if (n_labels == (size_t)-1) {
            fprintf(stderr, "xdsd simulate: --labels: '%s' is not k=v,k=v\n", s->labels);
            sim_request_release(&r);
            return 2;
        }
    }
    struct config_diags diags = {0};
    size_t nfiles = 0;
    struct config_set *set = config_load(o->config_dir, &diags, &nfiles);
    config_diags_print(&diags, stderr);
    config_diags_release(&diags);
    int rc = 1;
    if (set == NULL) {
        fprintf(stderr, "xdsd simulate: %s: the configuration is invalid, nothing to walk\n",
                o->config_dir);
    } else {
        struct translate_options to = {
            .outbound_policy = o->outbound_policy,
            .mesh_certs = o->mesh_certs,
            .trust_domain = o->trust_domain,
        };
        struct snapshot *snap = translate_snapshot(set, 1, &to);
        struct proxy_identity id;
        proxy_identity_init(&id, s->proxy, NULL, NULL, labels, n_labels, NULL);
        rc = walk_print(snap, set, &id, &r, s->json);
        proxy_identity_release(&id);
        snapshot_unref(snap);
        config_unref(set);
    }
    proxy_labels_free(labels, n_labels);
    sim_request_release(&r);
    return rc;
}
