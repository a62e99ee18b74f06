/* egressz.c - /debug/egressz, the egress map, and /debug/simulate, the walk
 * of `xdsd simulate --live`, both on the snapshot being served.
 *
 * The map covers every sidecar namespace that a connected proxy is in or
 * that holds configuration, so it shows paths before any proxy asks. The
 * live walk starts at a connected proxy, with the identity it stated and
 * on the snapshot it was last sent. */
#include "debug_internal.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/simulate.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

static const struct xds_view *view_of(void *ctx, const struct proxy_identity *id, char **err)
{
    return snapshot_view(ctx, id, NULL, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void push(const char ***v, size_t *n, size_t *cap, const char *s)
{
    xgrow((void **)v, cap, *n + 1, sizeof(**v));
    (*v)[(*n)++] = s;
}

json_t *debug_egressz_json(struct snapshot *snap, const struct xds_status_report *r)
{
    if (snap == NULL)
        return json_pack("{s:I,s:[],s:[]}", "generation", (json_int_t)0, "nodes", "edges");
    const struct config_set *cfg = translate_config(snap);
    const char **ns = NULL;
    size_t n = 0, cap = 0, k;
    for (size_t i = 0; r && i < r->n_streams; i++) {
        const struct proxy_identity *id = &r->streams[i].id;
        if (id->type == PROXY_SIDECAR && !id->proxyless_grpc && id->namespace)
            push(&ns, &n, &cap, id->namespace);
    }
    const struct virtual_service *vs = config_virtual_services(cfg, &k);
    for (size_t i = 0; i < k; i++)
        push(&ns, &n, &cap, vs[i].meta.namespace);
    const struct service_entry *se = config_service_entries(cfg, &k);
    for (size_t i = 0; i < k; i++)
        if (se[i].location == LOCATION_MESH_EXTERNAL)
            push(&ns, &n, &cap, se[i].meta.namespace);
    if (n == 0)
        push(&ns, &n, &cap, "default");
    qsort(ns, n, sizeof(*ns), cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(ns[u - 1], ns[i]) != 0)
            ns[u++] = ns[i];
    json_t *j = sim_egress_map(view_of, snap, cfg, ns, u, snapshot_generation(snap));
    free(ns);
    return j;
}

json_t *debug_simulate_json(const struct xds_status_report *r, const char *proxy,
                            const char *request, const char *const *headers, size_t n_headers,
                            unsigned *status)
{
    const struct xds_stream_status *s = debug_find_stream(r, proxy);
    char *err = NULL;
    *status = 400;
    if (s == NULL || s->snapshot == NULL) {
        *status = 404;
        return json_pack("{s:s+}", "error",
                         s ? "nothing was sent yet to " : "not connected: ", proxy);
    }
    struct sim_request req;
    if (sim_request_parse(request, &req, &err) < 0) {
        json_t *j = json_pack("{s:s}", "error", err);
        free(err);
        return j;
    }
    for (size_t i = 0; i < n_headers; i++)
        if (sim_request_header(&req, headers[i], &err) < 0) {
            json_t *j = json_pack("{s:s}", "error", err);
            free(err);
            sim_request_release(&req);
            return j;
        }
    struct sim_result res;
    json_t *j;
    if (sim_walk(view_of, s->snapshot, translate_config(s->snapshot), &s->id, &req, &res, &err) <
        0) {
        *status = 500;
        j = json_pack("{s:s}", "error", err ? err : "translation failed");
    } else {
        *status = 200;
        j = sim_result_json(&req, &res);
        json_object_set_new(j, "generation",
                            json_integer((json_int_t)snapshot_generation(s->snapshot)));
    }
    free(err);
    sim_result_release(&res);
    sim_request_release(&req);
    return j;
}
