/* snapshot_ops.c - a translation snapshot over a config set: the snapshot
 * calls back here for class keys and views; translation runs once per class.
 *
 * Kept apart from the translator so that programs using only
 * translate_build() (tests, benchmarks) do not need the config loader. */
#include "xdsd/translate.h"

#include <stdlib.h>

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

static struct xds_view *ctx_build(void *ctx, const struct proxy_identity *id, char **err)
{
    struct tr_ctx *c = ctx;
    return translate_build(&c->m, &c->o, id, err);
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
