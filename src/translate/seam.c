/* seam.c - the few places a build asks the reuse layer, each with what a
 * plain build (no reuse ops) does instead: make it. */
#include "seam.h"

#include <stdlib.h>

struct tr_recipe *tr_recipe_new(struct tr_build *b, enum tr_recipe_kind kind, uint32_t port,
                                const char *host, size_t n_vs)
{
    struct tr_recipe *r = arena_alloc(b->a, sizeof(*r));
    r->kind = kind;
    r->port = port;
    r->host = host;
    r->n_vs = n_vs;
    r->vs = arena_alloc(b->a, (n_vs + 1) * sizeof(size_t));
    if (kind == TR_VH_GATEWAY) {
        r->gw = arena_alloc(b->a, (n_vs + 1) * sizeof(size_t));
        r->server = arena_alloc(b->a, (n_vs + 1) * sizeof(size_t));
    }
    return r;
}

void tr_seam_clusters(struct tr_build *b, const struct tr_svc *svc,
                      const struct destination_rule *dr, tr_clusters_maker make)
{
    if (b->ops != NULL)
        b->ops->clusters(b, svc, dr, make);
    else
        make(b, svc, dr);
}

void tr_seam_read_vs(const struct tr_build *b, const struct virtual_service *vs)
{
    if (b->ops != NULL && vs != NULL)
        b->ops->read_vs(b, vs);
}

VirtualHost *tr_seam_vhost(struct tr_build *b, const struct tr_recipe *r, tr_vhost_maker make)
{
    return b->ops != NULL ? b->ops->vhost(b, r, make) : make(b, r);
}

void tr_seam_service_port(struct tr_build *b, const struct tr_svc *svc, const struct istio_port *p,
                          tr_port_maker make)
{
    if (b->ops != NULL)
        b->ops->service_port(b, svc, p, make);
    else
        make(b, svc, p);
}

void tr_seam_rc_order(struct tr_build *b, const char *name, struct pvec *vhosts, tr_rc_sorter sort,
                      struct tr_rc_order *out)
{
    if (b->ops != NULL)
        b->ops->rc_order(b, name, vhosts, sort, out);
    else
        sort(b, vhosts, out);
}

const uint8_t *tr_seam_vhost_bytes(struct tr_build *b, VirtualHost *v, size_t n_before, size_t *len,
                                   uint8_t **owned)
{
    if (b->ops != NULL)
        return b->ops->vhost_bytes(b, v, n_before, len, owned);
    *owned = pb_pack(v, len);
    return *owned;
}

void tr_seam_rc_done(struct tr_build *b, const char *name, VirtualHost *const *kept, size_t n,
                     const size_t *off, const uint64_t *vh_hash, int trimmed)
{
    if (b->ops != NULL)
        b->ops->rc_done(b, name, kept, n, off, vh_hash, trimmed);
}

void tr_seam_gateway_rc(struct tr_build *b, const struct tr_gateway_rc *rc,
                        tr_gateway_rc_maker make)
{
    if (b->ops != NULL)
        b->ops->gateway_rc(b, rc, make);
    else
        make(b, rc->name, rc->ctx);
}
