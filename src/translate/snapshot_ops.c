/* snapshot_ops.c - a translation snapshot over a config set: the snapshot
 * calls back here for class keys and views; translation runs once per class.
 *
 * Kept apart from the translator so that programs using only
 * translate_build() (tests, benchmarks) do not need the config loader. */
#include "xdsd/translate.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

struct tr_ctx {
    struct config_set *cfg;
    struct translate_options o;
    char *mesh_certs, *trust_domain;
    struct translate_model m;
};

static char *ctx_class_key(void *ctx, const struct proxy_identity *id)
{
    struct tr_ctx *c = ctx;
    return translate_class_key(&c->m, id);
}

/* A view no client could receive is refused here, where it is built, so that
 * the publisher keeps the last good configuration instead of sending it. */
static struct xds_view *ctx_build(void *ctx, const struct proxy_identity *id, char **err)
{
    struct tr_ctx *c = ctx;
    struct xds_view *v = translate_build(&c->m, &c->o, id, err);
    char *why = NULL;
    if (v != NULL && xds_view_check_size(v, XDS_MAX_RESPONSE_BYTES, &why) != 0) {
        char *key = translate_class_key(&c->m, id);
        if (err)
            *err = xasprintf("proxy class %s: %s", key, why);
        free(key);
        free(why);
        xds_view_free(v);
        return NULL;
    }
    return v;
}

static void ctx_free(void *ctx)
{
    struct tr_ctx *c = ctx;
    config_unref(c->cfg);
    free(c->mesh_certs);
    free(c->trust_domain);
    free(c);
}

static const struct snapshot_ops tr_ops = {ctx_class_key, ctx_build, ctx_free};

struct snapshot *translate_snapshot(struct config_set *cfg, uint64_t gen,
                                    const struct translate_options *o)
{
    struct tr_ctx *c = xcalloc(1, sizeof(*c));
    c->cfg = config_ref(cfg);
    if (o != NULL)
        c->o = *o;
    c->mesh_certs = xstrdup(c->o.mesh_certs ? c->o.mesh_certs : "/etc/certs");
    c->trust_domain = xstrdup(c->o.trust_domain ? c->o.trust_domain : "cluster.local");
    c->o.mesh_certs = c->mesh_certs;
    c->o.trust_domain = c->trust_domain;
    struct translate_model *m = &c->m;
    m->service_entries = config_service_entries(cfg, &m->n_service_entries);
    m->gateways = config_gateways(cfg, &m->n_gateways);
    m->virtual_services = config_virtual_services(cfg, &m->n_virtual_services);
    m->destination_rules = config_destination_rules(cfg, &m->n_destination_rules);
    return snapshot_new(gen, &tr_ops, c);
}

struct config_set *translate_config(const struct snapshot *s)
{
    struct tr_ctx *c = snapshot_ctx(s);
    return c->cfg;
}

/* Namespaces and Gateways probed at publish beyond these are left to the
 * first proxy that asks: a probe costs one translation. */
#define PROBE_NAMESPACES 8
#define PROBE_GATEWAYS 32

static void add_probe(struct proxy_identity **ids, size_t *n, size_t *cap, const char *type,
                      const char *ns, const struct config_labels *labels, const char *generator)
{
    xgrow((void **)ids, cap, *n + 1, sizeof(**ids));
    char *id = xasprintf("%s~0.0.0.0~probe.%s~%s.svc.cluster.local", type, ns, ns);
    proxy_identity_init(&(*ids)[(*n)++], id, type, ns, labels ? labels->items : NULL,
                        labels ? labels->n : 0, generator);
    free(id);
}

static int seen(const struct proxy_identity *ids, size_t n, const char *ns)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i].type == PROXY_SIDECAR && strcmp(ids[i].namespace, ns) == 0)
            return 1;
    return 0;
}

struct proxy_identity *translate_probe_proxies(const struct config_set *cfg, size_t *n)
{
    struct proxy_identity *ids = NULL;
    size_t cap = 0, nsc = 0, k;
    *n = 0;
    add_probe(&ids, n, &cap, "sidecar", "default", NULL, NULL);
    const struct virtual_service *vs = config_virtual_services(cfg, &k);
    for (size_t i = 0; i < k && nsc < PROBE_NAMESPACES; i++)
        if (!seen(ids, *n, vs[i].meta.namespace)) {
            add_probe(&ids, n, &cap, "sidecar", vs[i].meta.namespace, NULL, NULL);
            nsc++;
        }
    const struct service_entry *se = config_service_entries(cfg, &k);
    for (size_t i = 0; i < k && nsc < PROBE_NAMESPACES; i++)
        if (!seen(ids, *n, se[i].meta.namespace)) {
            add_probe(&ids, n, &cap, "sidecar", se[i].meta.namespace, NULL, NULL);
            nsc++;
        }
    const struct gateway *gw = config_gateways(cfg, &k);
    for (size_t i = 0; i < k && i < PROBE_GATEWAYS; i++)
        add_probe(&ids, n, &cap, "router", gw[i].meta.namespace, &gw[i].selector, NULL);
    add_probe(&ids, n, &cap, "sidecar", "default", NULL, "grpc");
    return ids;
}

void translate_probe_proxies_free(struct proxy_identity *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        proxy_identity_release(&ids[i]);
    free(ids);
}
