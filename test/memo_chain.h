/* memo_chain.h - warm rebuilds checked against full builds, for the tests of
 * what translation reuses between snapshots (t_translate_memo.c,
 * t_translate_patch.c). */
#ifndef XDSD_TEST_MEMO_CHAIN_H
#define XDSD_TEST_MEMO_CHAIN_H

#include <stdio.h>
#include <string.h>

#include "../src/translate/reuse/reuse.h"
#include "xdsd/config.h"
#include "xdsd/proxy.h"

static inline void model_of(const struct config_set *s, struct translate_model *m)
{
    m->service_entries = config_service_entries(s, &m->n_service_entries);
    m->gateways = config_gateways(s, &m->n_gateways);
    m->virtual_services = config_virtual_services(s, &m->n_virtual_services);
    m->destination_rules = config_destination_rules(s, &m->n_destination_rules);
    m->sidecars = config_sidecars(s, &m->n_sidecars);
    m->workload_entries = config_workload_entries(s, &m->n_workload_entries);
}

/* Every resource of every type: same names, bytes, hashes; same versions. */
static inline int same_view(const struct xds_view *a, const struct xds_view *b)
{
    if (a == NULL || b == NULL)
        return 0;
    for (int t = 0; t < XDS_NTYPES; t++) {
        size_t n = xds_view_count(a, (enum xds_type)t);
        if (n != xds_view_count(b, (enum xds_type)t) ||
            strcmp(xds_view_version(a, (enum xds_type)t), xds_view_version(b, (enum xds_type)t)))
            return 0;
        const struct xds_resource *x = xds_view_items(a, (enum xds_type)t);
        const struct xds_resource *y = xds_view_items(b, (enum xds_type)t);
        for (size_t i = 0; i < n; i++)
            if (strcmp(x[i].name, y[i].name) != 0 || x[i].len != y[i].len ||
                memcmp(x[i].bytes, y[i].bytes, x[i].len) != 0 || x[i].hash != y[i].hash)
                return 0;
    }
    return 1;
}

/* The directory loaded through cache; its findings are printed when it is
 * refused (NULL), so that a failing chain says why. */
static inline struct config_set *memo_chain_load(const char *dir, struct config_cache *cache)
{
    struct config_diags d;
    struct config_set *s = config_load_cached(dir, cache, &d, NULL);
    if (s == NULL)
        config_diags_print(&d, stderr);
    config_diags_release(&d);
    return s;
}

/* The three proxy classes the chains follow: a sidecar in default, the
 * egress gateway (istio=egressgateway) and a proxyless gRPC client.
 * Release each with proxy_identity_release(). */
static inline void memo_chain_proxies(struct proxy_identity ids[3])
{
    static const struct config_kv gw_labels[] = {{"istio", "egressgateway"}};
    proxy_identity_init(&ids[0], "sidecar~10.1.0.1~a.default~default.svc.cluster.local", NULL,
                        "default", NULL, 0, NULL);
    proxy_identity_init(&ids[1],
                        "router~10.255.0.1~egress.istio-system~istio-system.svc.cluster.local",
                        NULL, "istio-system", gw_labels, 1, NULL);
    proxy_identity_init(&ids[2], "sidecar~10.1.0.3~g.default~default.svc.cluster.local", NULL,
                        "default", NULL, 0, "grpc");
}

/* One proxy class through a chain of configurations: its view and memo. */
struct memo_link {
    struct tr_memo *memo;
    struct xds_view *view;
};

/* Build id's view of m warm from the link (its memo, when it has one) and
 * from nothing; *full gets the latter (free it). Returns the warm view. */
static inline struct xds_view *memo_rebuild(const struct memo_link *l,
                                            const struct translate_model *m,
                                            const struct proxy_identity *id,
                                            struct tr_memo **memo, struct xds_view **full)
{
    *memo = tr_memo_new();
    struct xds_view *warm =
        tr_reuse_build(tr_build_steps(), m, NULL, id, l->memo, *memo, NULL, NULL);
    *full = translate_build(m, NULL, id, NULL);
    return warm;
}

/* The warm view and its memo become the link's, the old ones are freed. */
static inline void memo_advance(struct memo_link *l, struct xds_view *warm, struct tr_memo *memo)
{
    tr_memo_finish(memo, warm);
    xds_view_free(l->view);
    tr_memo_free(l->memo);
    l->view = warm;
    l->memo = memo;
}

/* A view of the class patched (the caller's test of it, given the new
 * view and the one before), or NULL: any build counts. */
typedef int memo_patched_fn(const struct xds_view *now, const struct xds_view *before);

/* One step of a chain: id's view of m rebuilt warm from the link, compared
 * with a full build, and advanced. Returns whether the two are the same;
 * *patched (may be NULL) gets what is_patched said of the warm view. */
static inline int memo_step(struct memo_link *l, const struct translate_model *m,
                            const struct proxy_identity *id, memo_patched_fn *is_patched,
                            int *patched)
{
    struct tr_memo *memo1;
    struct xds_view *full, *warm = memo_rebuild(l, m, id, &memo1, &full);
    int same = same_view(warm, full);
    if (patched != NULL)
        *patched = l->view != NULL && warm != NULL && is_patched(warm, l->view);
    xds_view_free(full);
    memo_advance(l, warm, memo1);
    return same;
}

static inline void memo_link_release(struct memo_link *l)
{
    xds_view_free(l->view);
    tr_memo_free(l->memo);
    l->view = NULL;
    l->memo = NULL;
}

#endif
