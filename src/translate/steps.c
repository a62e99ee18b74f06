/* steps.c - a translation from start to finish: the steps of a build, run
 * in order by translate_build(), and handed as they are to the reuse layer,
 * which runs them when it cannot reuse. */
#include "seam.h"

/* Listeners and Routes, by the kind of proxy. */
static void proxy_step(struct tr_build *b)
{
    if (b->grpc)
        tr_grpc(b);
    else if (b->router)
        tr_gateway(b);
    else
        tr_sidecar(b);
}

static const struct tr_steps steps = {
    .prepare = tr_prepare,
    .prepare_router_lazy = tr_prepare_router_lazy,
    .clusters = tr_clusters,
    .proxy = proxy_step,
    .vhost =
        {
            [TR_VH_SERVICE] = tr_sidecar_service_vhost,
            [TR_VH_VS_HOST] = tr_sidecar_vs_vhost,
            [TR_VH_GATEWAY] = tr_gateway_vhost,
            [TR_VH_GRPC] = tr_grpc_vhost,
        },
    .service_clusters = tr_service_clusters,
};

const struct tr_steps *tr_build_steps(void)
{
    return &steps;
}

struct xds_view *translate_build(const struct translate_model *m, const struct translate_options *o,
                                 const struct proxy_identity *id, char **err)
{
    struct tr_build b;
    tr_build_start(&b, m, o, id);
    steps.prepare(&b);
    steps.clusters(&b);
    steps.proxy(&b);
    return tr_build_finish(&b, err);
}
