/* seam.h - where a build meets the reuse layer (reuse/), and all it knows of it.
 *
 * The builders say how Istio becomes Envoy; reuse/ makes an edit cost what
 * it changes. A builder describes what a virtual host is made from (a
 * recipe) and asks seam.c for it, handing over the function that makes it;
 * the same for a service's clusters and a proxyless client's service port.
 * With reuse ops in the build, they may be served from an earlier build;
 * without (a plain translate_build()), the maker runs. reuse/ re-builds
 * only through makers and steps handed to it, never by calling a builder. */
#ifndef XDSD_TRANSLATE_SEAM_H
#define XDSD_TRANSLATE_SEAM_H

#include "build.h"

/* What a virtual host was made from, by position in the model, so that it
 * can be made again from a later model whose only change is in what
 * VirtualServices route. */
struct tr_recipe {
    enum tr_recipe_kind kind;
    uint32_t port;    /* TR_VH_SERVICE, TR_VH_VS_HOST, TR_VH_GRPC */
    int redirect;     /* TR_VH_GATEWAY */
    int none;         /* TR_VH_GATEWAY: known to make no virtual host (cheaper than a piece) */
    const char *host; /* the service's or VirtualService's host; a gateway's domain */
    const char *name; /* TR_VH_GATEWAY: the virtual host's name */
    size_t se;        /* TR_VH_SERVICE, TR_VH_GRPC: index of its ServiceEntry */
    size_t n_vs;      /* the VirtualServices read, by index ... */
    size_t *vs;
    size_t *gw, *server; /* ... and for TR_VH_GATEWAY the Gateway and server of each */
};

/* A recipe reading n_vs VirtualServices (the caller fills them in). */
struct tr_recipe *tr_recipe_new(struct tr_build *b, enum tr_recipe_kind kind, uint32_t port,
                                const char *host, size_t n_vs);

/* Make the virtual host of r, or NULL when its inputs make none. */
typedef VirtualHost *(*tr_vhost_maker)(struct tr_build *b, const struct tr_recipe *r);
/* Emit the clusters and load assignments of svc (its rule dr). */
typedef void (*tr_clusters_maker)(struct tr_build *b, const struct tr_svc *svc,
                                  const struct destination_rule *dr);
/* Emit what a proxyless client gets for svc's port p. */
typedef void (*tr_port_maker)(struct tr_build *b, const struct tr_svc *svc,
                              const struct istio_port *p);

/* A gateway's route configuration and the Gateway servers it is made from
 * (servers[i] of gws[i]); ctx is the maker's. */
struct tr_gateway_rc {
    const char *name;
    const struct gateway *const *gws;
    const struct gateway_server *const *servers;
    size_t n;
    struct pvec *ctx;
};
/* Make and emit it. */
typedef void (*tr_gateway_rc_maker)(struct tr_build *b, const char *name, struct pvec *ctx);

/* A route configuration's virtual hosts as Envoy gets them. */
struct tr_rc_order {
    struct pvec kept;      /* in order, each with domains no earlier one has */
    size_t *n_before;      /* the domains kept[i] had before duplicates were dropped */
    const uint32_t *order; /* kept[i]'s position in the caller's list; NULL when a
                          domain was dropped */
};
/* Drop duplicate domains and sort (route_config.c). */
typedef void (*tr_rc_sorter)(struct tr_build *b, struct pvec *vhosts, struct tr_rc_order *out);

/* What the reuse layer does at each seam (reuse/reuse.c). */
struct tr_reuse_ops {
    void (*clusters)(struct tr_build *b, const struct tr_svc *svc,
                     const struct destination_rule *dr, tr_clusters_maker make);
    void (*read_vs)(const struct tr_build *b, const struct virtual_service *vs);
    VirtualHost *(*vhost)(struct tr_build *b, const struct tr_recipe *r, tr_vhost_maker make);
    void (*service_port)(struct tr_build *b, const struct tr_svc *svc, const struct istio_port *p,
                         tr_port_maker make);
    void (*rc_order)(struct tr_build *b, const char *name, struct pvec *vhosts, tr_rc_sorter sort,
                     struct tr_rc_order *out);
    const uint8_t *(*vhost_bytes)(struct tr_build *b, VirtualHost *v, size_t n_before, size_t *len,
                                  uint8_t **owned);
    void (*rc_done)(struct tr_build *b, const char *name, VirtualHost *const *kept, size_t n,
                    const size_t *off, const uint64_t *vh_hash, int trimmed);
    void (*gateway_rc)(struct tr_build *b, const struct tr_gateway_rc *rc,
                       tr_gateway_rc_maker make);
};

/* ---- the seams (seam.c) ---------------------------------------------------------------- */

/* svc's clusters: make(b, svc, dr), or what an earlier build made of the
 * same inputs. */
void tr_seam_clusters(struct tr_build *b, const struct tr_svc *svc,
                      const struct destination_rule *dr, tr_clusters_maker make);
/* The build reads vs's routes (vs may be NULL): a change to them changes
 * its view. */
void tr_seam_read_vs(const struct tr_build *b, const struct virtual_service *vs);
/* The virtual host of r: make(b, r), or an earlier build's of the same inputs. */
VirtualHost *tr_seam_vhost(struct tr_build *b, const struct tr_recipe *r, tr_vhost_maker make);
/* A proxyless client's service port: make(b, svc, p), or what an earlier
 * build emitted for the same inputs. */
void tr_seam_service_port(struct tr_build *b, const struct tr_svc *svc, const struct istio_port *p,
                          tr_port_maker make);
/* Route configuration name's virtual hosts in order: sort(b, vhosts, out),
 * or the order an earlier build found for the same names and domains. */
void tr_seam_rc_order(struct tr_build *b, const char *name, struct pvec *vhosts, tr_rc_sorter sort,
                      struct tr_rc_order *out);
/* v packed (*owned: the caller frees), or an earlier build's bytes of it.
 * n_before: the domains v had before duplicates were dropped. */
const uint8_t *tr_seam_vhost_bytes(struct tr_build *b, VirtualHost *v, size_t n_before, size_t *len,
                                   uint8_t **owned);
/* Route configuration name was packed: kept its virtual hosts, off[i] where
 * each one's field starts (off[n]: the fields after them), vh_hash[i] the
 * hash of its bytes; trimmed: a domain was dropped. */
void tr_seam_rc_done(struct tr_build *b, const char *name, VirtualHost *const *kept, size_t n,
                     const size_t *off, const uint64_t *vh_hash, int trimmed);
/* A gateway's route configuration: make(b, rc->name, rc->ctx), or an
 * earlier build's made from the same servers. */
void tr_seam_gateway_rc(struct tr_build *b, const struct tr_gateway_rc *rc,
                        tr_gateway_rc_maker make);

/* ---- what a build is, handed to reuse/ (steps.c) -------------------------------------- */

struct tr_steps {
    void (*prepare)(struct tr_build *b);  /* index the model for the proxy */
    void (*clusters)(struct tr_build *b); /* Clusters and Endpoints */
    void (*proxy)(struct tr_build *b);    /* Listeners and Routes of the proxy's kind */
    tr_vhost_maker vhost[TR_VH_KINDS];    /* a virtual host again, by recipe kind */
    tr_clusters_maker service_clusters;   /* one service's clusters again */
    /* a router's prepare without indexes, for a build that takes nearly all */
    void (*prepare_router_lazy)(struct tr_build *b);
};
const struct tr_steps *tr_build_steps(void);

#endif
