/* decode_sidecar.c - Sidecar spec: the workload it applies to, the egress
 * listeners whose hosts scope what the proxy sees, and the outbound policy
 * of the scope. */
#include "decode.h"

static const struct field egress_fields[] = {
    FSUBH("port", struct sidecar_egress, port, dec_istio_port, has_port),
    FLD("bind", F_STR, struct sidecar_egress, bind),
    FIGN("captureMode"),
    FSTRS("hosts", struct sidecar_egress, hosts),
    FEND,
};

static void dec_egress(struct dctx *c, const struct cnode *n, void *out)
{
    struct sidecar_egress *e = out;
    e->pos = dc_pos(c, n);
    dc_map(c, n, egress_fields, e, sizeof(*e));
}

static const struct field egress_proxy_fields[] = {
    FLD("host", F_STR, struct egress_proxy, host),
    FLD("subset", F_STR, struct egress_proxy, subset),
    FLD("port", F_PORTSEL, struct egress_proxy, port),
    FEND,
};

static void dec_egress_proxy(struct dctx *c, const struct cnode *n, void *out)
{
    struct egress_proxy *p = out;
    p->pos = dc_pos(c, n);
    dc_map(c, n, egress_proxy_fields, p, sizeof(*p));
}

static const struct enum_name outbound_modes[] = {
    {"REGISTRY_ONLY", SIDECAR_REGISTRY_ONLY},
    {"ALLOW_ANY", SIDECAR_ALLOW_ANY},
    {NULL, 0},
};

static const struct field outbound_fields[] = {
    FENUM("mode", struct sidecar, outbound_mode, outbound_modes),
    FSUBH("egressProxy", struct sidecar, egress_proxy, dec_egress_proxy, has_egress_proxy),
    FEND,
};

/* outboundTrafficPolicy fills two members of the Sidecar. */
static void dec_outbound(struct dctx *c, const struct cnode *n, void *out)
{
    /* size + 1: the mapping's position, distinct from the Sidecar's */
    dc_map(c, n, outbound_fields, out, sizeof(struct sidecar) + 1);
}

/* ingress listeners configure inbound traffic, which xdsd does not serve:
 * accepted, and said so by validation */
static void dec_ingress(struct dctx *c, const struct cnode *n, void *out)
{
    (void)c;
    *(int *)out = n->type != CN_NULL;
}

static const struct field sidecar_fields[] = {
    FSUBH("workloadSelector", struct sidecar, workload_selector, dec_workload_selector,
          has_workload_selector),
    FSUB("ingress", struct sidecar, has_ingress, dec_ingress),
    FLIST("egress", struct sidecar, egress, dec_egress, struct sidecar_egress),
    FSUBBASE("outboundTrafficPolicy", dec_outbound),
    FIGN("inboundConnectionPool"),
    FEND,
};

void dec_sidecar(struct dctx *c, const struct cnode *spec, struct sidecar *sc)
{
    dc_map(c, spec, sidecar_fields, sc, sizeof(*sc));
}
