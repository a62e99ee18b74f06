/* parts.h - the parts of the reuse layer, for one another: the memo of a
 * build (memo.c), its packed virtual hosts (pieces.c), the records of how
 * route configurations were assembled (recipes.c), the patch that replays
 * them (patch.c), and those of clusters (patch_clusters.c) and Gateways
 * (patch_gateway.c). Outside reuse/, reuse.h is all there is. */
#ifndef XDSD_TRANSLATE_REUSE_PARTS_H
#define XDSD_TRANSLATE_REUSE_PARTS_H

#include <stdatomic.h>
#include <string.h>

#include "reuse.h"
#include "xdsd/util.h"

struct tr_piece;
struct tr_pieces;

/* The reuse state of one build (b->reuse), on the driver's stack. */
struct tr_reuse {
    struct tr_memo *memo;                /* what this build records into */
    const struct tr_memo *prev;          /* the previous build of the class, or NULL */
    struct tr_pieces *pieces;            /* memo's pieces */
    const struct tr_pieces *prev_pieces; /* prev's, or NULL */
    struct map vh_piece;                 /* VirtualHost made from a piece -> the piece */
    struct map vh_key;                   /* VirtualHost to be remembered -> its key (uint64_t *) */
    struct map vh_recipe;                /* VirtualHost -> the struct tr_recipe it was made by */
    struct pvec blocking; /* recipes that made no virtual host in this route config */
    int gw_patch;         /* route configurations of unchanged servers taken (patch_gateway.c) */
    uint64_t gw_vs;       /* gw_patch: a hash of every VirtualService, for whole pieces */
    uint64_t gw_key;      /* the servers' key of the gateway route configuration being built */
};

/* Where a build's output stood before a step, to find what the step added. */
struct tr_mark {
    size_t n[XDS_NTYPES]; /* resources of each type in the view */
    size_t n_refs;        /* references made */
    size_t n_findings;    /* findings made */
    size_t n_rcs;         /* route configuration records in the memo */
};
void tr_mark(const struct tr_build *b, struct tr_mark *mark);

/* Keys: a hash of everything a piece of output is made from, chained. */
static inline uint64_t tr_key_str(uint64_t h, const char *s)
{
    return hash_block(h, s, strlen(s) + 1);
}

static inline uint64_t tr_key_u64(uint64_t h, uint64_t v)
{
    return hash_block(h, &v, sizeof(v));
}

/* Two strings (either may be NULL) or two label lists are equal. */
static inline int tr_same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Two lists of strings (either may hold NULLs) are equal. */
static inline int tr_same_strv(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (!tr_same_str(a[i], b[i]))
            return 0;
    return 1;
}

static inline int tr_same_labels(const struct config_labels *a, const struct config_labels *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (!tr_same_str(a->items[i].key, b->items[i].key) ||
            !tr_same_str(a->items[i].value, b->items[i].value))
            return 0;
    return 1;
}

/* ---- recipes.c: how a route configuration was assembled ------------------------------ */

/* Recipes outlive the build that made them, and the records of later
 * patches of the same route configuration share them. */
struct tr_recipe_store {
    atomic_int refs;
    struct tr_recipe *v;
    size_t n;
};

/* A route configuration's record: its virtual hosts in order, where each
 * one's field lies in the packed bytes and the recipe that made it. */
struct tr_rc_patch {
    atomic_int refs;
    char *name;
    int trimmed;                /* a domain was dropped: not patchable */
    size_t n;                   /* virtual hosts */
    size_t *off;                /* n + 1: each field's start, then the tail's */
    uint64_t *vh_hash;          /* n: of each virtual host's bytes (tr_rc_hash) */
    const struct tr_recipe **r; /* n: NULL for a virtual host that reads none */
    size_t *blocking;           /* VirtualServices read by recipes that made nothing */
    size_t n_blocking;
    struct tr_recipe_store *rs;
    uint64_t gw_key; /* a gateway's: the servers that fed it (patch_gateway.c); 0 none */
};

/* The record of route configuration name (a reference): kept[i]'s recipe
 * r[i] (NULL: none), off and vh_hash as tr_seam_rc_done() has them, and
 * blocking, the recipes of the configuration that made no virtual host. */
struct tr_rc_patch *tr_rc_patch_record(const char *name, const struct tr_recipe *const *r, size_t n,
                                       const size_t *off, const uint64_t *vh_hash, int trimmed,
                                       const struct pvec *blocking);
/* A new record with p's name, recipes (shared), hashes and blocking list,
 * for a patch of p to fill in the offsets and rebuilt hashes. */
struct tr_rc_patch *tr_rc_patch_copy(const struct tr_rc_patch *p);
/* The same with room for n virtual hosts, none filled in (recipes shared). */
struct tr_rc_patch *tr_rc_patch_resized(const struct tr_rc_patch *p, size_t n);
void tr_rc_patch_ref(struct tr_rc_patch *p);
void tr_rc_patch_unref(struct tr_rc_patch *p);

/* ---- pieces.c: packed virtual hosts reused across builds of a class ------------------ */

struct tr_pieces *tr_pieces_new(void);
void tr_pieces_free(struct tr_pieces *p);
/* dst also holds every piece of src. */
void tr_pieces_inherit(struct tr_pieces *dst, const struct tr_pieces *src);
/* prev's piece for key (NULL: none), kept in cur for the next build too. */
const struct tr_piece *tr_pieces_take(struct tr_pieces *cur, const struct tr_pieces *prev,
                                      uint64_t key);
/* Remember v packed as bytes under key (v NULL: these inputs make none). */
void tr_piece_record(struct tr_pieces *p, uint64_t key, const VirtualHost *v, const uint8_t *bytes,
                     size_t len);
/* Remember, under key, every resource b emitted since mark and the route
 * configuration records rcs made for them. */
void tr_piece_record_emitted(struct tr_pieces *p, uint64_t key, const struct tr_build *b,
                             const struct tr_mark *mark, struct tr_rc_patch *const *rcs,
                             size_t n_rcs);
/* Emit the resources of a piece of tr_piece_record_emitted() again; its
 * records in *rcs. */
void tr_piece_emit(struct tr_build *b, const struct tr_piece *pc, struct tr_rc_patch *const **rcs,
                   size_t *n_rcs);
/* Does the piece say that its inputs make no virtual host? */
int tr_piece_empty(const struct tr_piece *pc);
const uint8_t *tr_piece_bytes(const struct tr_piece *pc, size_t *len);
/* tr_vhost_layout() of the piece's VirtualHost, kept with it. */
uint64_t tr_piece_layout(const struct tr_piece *pc);
/* A VirtualHost standing for the piece in a route configuration: its name
 * and domains (which the configuration may still trim) over the bytes. */
VirtualHost *tr_piece_vhost(struct arena *a, const struct tr_piece *pc);
/* The piece's bytes with v's domains, for a v whose domains were trimmed
 * (malloc'd). */
uint8_t *tr_piece_repack(const struct tr_piece *pc, const VirtualHost *v, size_t *len);
/* A hash of what the domain dedup and the order read of v: name, domains. */
uint64_t tr_vhost_layout(const VirtualHost *v);

/* ---- memo.c: what a build recorded ---------------------------------------------------- */

/* Below this many virtual hosts, sorting them again is cheaper than
 * remembering the order (a gRPC client has a route configuration per
 * service, each with one). */
#define TR_RC_ORDER_MIN 32

/* When the previous build's Clusters and Endpoints cannot differ (the same
 * ServiceEntries and DestinationRules), share them into b's view, with the
 * records, and return 1; else 0 (b builds them). */
int tr_memo_share_clusters(struct tr_build *b);
/* When nothing the previous build of the class read has changed (the same
 * ServiceEntries, DestinationRules and, for a router, Gateways;
 * VirtualServices the same, or changed only in routes that build never
 * read), share its whole view
 * and records into b and return 1; else 0. Call it before anything else. */
int tr_memo_share_view(struct tr_build *b);
/* After the Clusters were built: when only endpoints of ServiceEntries
 * changed and the same Clusters exist, share the previous view's Listeners
 * and Routes with the records made for them, and return 1; else 0. */
int tr_memo_share_routes(struct tr_build *b);
/* The order (positions in the caller's list) the previous build gave the
 * virtual hosts of route configuration name, when their names and domains
 * (layout, a hash) were the same and none was trimmed; NULL otherwise. */
const uint32_t *tr_memo_rc_order(struct tr_build *b, const char *name, uint64_t layout, size_t n);
void tr_memo_rc_record(struct tr_build *b, const char *name, uint64_t layout, size_t n,
                       const uint32_t *order);
/* The model of the previous build when it had the same ServiceEntries,
 * DestinationRules and, for a router, Gateways (a patch's start), else NULL. */
const struct translate_model *tr_memo_prev_model(const struct tr_build *b);
/* What decides where a VirtualService applies (namespace, name, hosts,
 * gateways, exportTo), not what it routes, as a hash. */
uint64_t tr_vs_shape(const struct virtual_service *vs);
/* Did the build recording into m read vs (by content)? */
int tr_memo_read_vs(const struct tr_memo *m, const struct virtual_service *vs);
/* The build reads vs's routes: a change to them changes its view. */
void tr_memo_used_vs(struct tr_memo *m, const struct virtual_service *vs);
/* A patch of the previous view starts: its Clusters, Endpoints and Listeners
 * shared, its records inherited (pieces, orders, VirtualServices read). */
void tr_memo_patch_begin(struct tr_build *b);
/* m keeps p (takes the caller's reference); the record of name, or NULL. */
void tr_memo_add_rc(struct tr_memo *m, struct tr_rc_patch *p);
/* The same, in place of m's record of the same name if it has one. */
void tr_memo_set_rc(struct tr_memo *m, struct tr_rc_patch *p);
struct tr_rc_patch *tr_memo_rc_patch(const struct tr_memo *m, const char *name);
/* The records m holds, in the order added (sorted once finished). */
struct tr_rc_patch *const *tr_memo_rcs(const struct tr_memo *m, size_t *n);
/* What patches of the class looked up (tr_lazy_known), kept for the next;
 * share_view and patches inherit them. */
void tr_memo_add_lookup(struct tr_memo *m, const struct tr_lookup *l);
const struct tr_lookup *tr_memo_lookups(const struct tr_memo *m, size_t *n);
struct tr_host_change;
/* Forget the services looked up of the hosts hc added or removed. */
void tr_memo_forget_lookups(struct tr_memo *m, const struct tr_host_change *hc);
/* The view built with m (finished), or NULL. */
const struct xds_view *tr_memo_view(const struct tr_memo *m);
/* Emit what the previous build recorded for svc when its inputs are the
 * same, and return 1; 0 when svc must be built. */
int tr_memo_replay(struct tr_build *b, const struct tr_svc *svc, const struct destination_rule *dr);
/* Record the resources and references b made for svc since mark. */
void tr_memo_record_service(struct tr_build *b, const struct tr_svc *svc,
                            const struct destination_rule *dr, const struct tr_mark *mark);
/* The findings b made since from (an index in b->findings), kept with the
 * Clusters (routes 0) or the Listeners and Routes (routes 1) the step made:
 * a build that shares those takes them along. */
void tr_memo_keep_findings(struct tr_build *b, int routes, size_t from);
/* How many findings m keeps with its Listeners and Routes. */
size_t tr_memo_n_route_findings(const struct tr_memo *m);
/* The packed virtual hosts m remembers. */
struct tr_pieces *tr_memo_pieces(const struct tr_memo *m);

/* What a build made again for one service (patch_clusters.c): its
 * resources, in the order tr_memo_record_service() records them, and the
 * references they make. */
struct tr_made {
    const char *host;
    int gone; /* the service is no more: what was recorded for it goes */
    uint64_t se_hash, dr_hash; /* dr_hash 0: no DestinationRule */
    const struct xds_resource *const *res; /* n_res, each of type type[i] */
    const enum xds_type *type;
    size_t n_res;
    const struct tr_ref *const *refs;
    size_t n_refs;
};

/* The model the build recording into m read. */
const struct translate_model *tr_memo_model(const struct tr_memo *m);
/* The previous build recorded no findings of its own (a patch makes none). */
int tr_memo_no_findings(const struct tr_memo *m);
/* Did the previous build record resources for host? */
int tr_memo_has_service(const struct tr_memo *m, const char *host);
/* May a patch add or remove the resource of type t called name, which
 * Listeners and Routes would then find or miss? */
typedef int tr_name_pred(void *ctx, enum xds_type t, const char *name);
/* The previous view with the resources of the services in made (n) made
 * again and the rest shared: its Clusters and Endpoints with made's in place
 * of what the previous build recorded for those services (each recorded),
 * and its Listeners and Routes as they were. Names made that the previous
 * view has not, or that it had and are made no more, are added or removed
 * when may_change(ctx, ...) allows each. Returns 1 when the view is
 * complete, 0 otherwise (b is as it was). */
int tr_memo_splice_services(struct tr_build *b, const struct tr_made *made, size_t n,
                            tr_name_pred *may_change, void *ctx);

/* ---- patch.c -------------------------------------------------------------------------- */

/* When only what VirtualServices route changed since the previous build of
 * the class, rebuild the virtual hosts that read them (with steps' makers)
 * into the previous route configurations and share the rest. Returns 1
 * when the view is complete, 0 when the class must be built (b is as it
 * was). */
int tr_patch_view(struct tr_build *b, const struct tr_steps *steps);

/* ---- patch_hosts.c --------------------------------------------------------------------- */

/* One ServiceEntry (by position) whose hosts alone changed: those it has
 * now and had not (added), and the reverse (removed), as FQDNs. */
struct tr_host_change {
    size_t se;
    const char **added, **removed;
    size_t n_added, n_removed;
};
/* Whether the change of ServiceEntry se from pm to m is one of hosts alone
 * that nothing else names (into *hc; vs: what m's VirtualServices name);
 * 0 when a patch does not take it. */
int tr_host_change_of(struct arena *a, const struct translate_model *pm,
                      const struct translate_model *m, const struct tr_vs_names *vs, size_t se,
                      struct tr_host_change *hc);
/* Is host one hc added or removed? */
int tr_host_change_names(const struct tr_host_change *hc, const char *host);
/* The services of the hosts hc added (its ServiceEntry, when exported to
 * id's namespace) and removed (none), as lookups: nothing else has them.
 * Ends with a lookup of host NULL. */
struct tr_lookup *tr_host_lookups(struct arena *a, const struct tr_host_change *hc,
                                  const struct translate_model *m, const struct proxy_identity *id);

/* A sidecar's route configurations, patched for a change of hosts. */
struct tr_host_rc {
    struct xds_resource res; /* counted bytes */
    struct tr_rc_patch *rec;
};
struct tr_host_routes {
    struct tr_host_rc *rc;
    size_t n;
};
/* Make, in s (a lazy build over the new model), the virtual hosts of the
 * added hosts and put them into the previous view's route configurations
 * of the ServiceEntry's ports, the removed hosts' cut out (*out; drop it
 * unless applied). 0 when a route configuration cannot be patched so. */
int tr_host_routes_make(struct tr_build *s, const struct tr_steps *steps,
                        const struct tr_memo *prev, const struct tr_host_change *hc,
                        struct tr_host_routes *out);
/* Put them in b's view and memo, in place of the previous ones; hr is
 * dropped. */
void tr_host_routes_apply(struct tr_build *b, struct tr_host_routes *hr);
void tr_host_routes_drop(struct tr_host_routes *hr);

/* ---- diff.c ---------------------------------------------------------------------------- */

/* Past this many changed resources of a kind, the diff stops counting. */
#define TR_DIFF_MAX 16

struct tr_model_diff {
    struct arena *a;
    struct translate_model pm, m; /* from, to */
    int comparable;               /* the same Sidecars, WorkloadEntries and counts */
    int vs_changed, gw_changed;   /* some VirtualService, Gateway differs */
    size_t *se, n_se;             /* positions of the ServiceEntries that differ */
    size_t *dr, n_dr;             /* and of the DestinationRules (each at most TR_DIFF_MAX + 1) */
    int hosts;                    /* 1: one ServiceEntry's hosts alone (hc); -1: hosts
                                     otherwise; 0: none changed */
    struct tr_host_change hc;
    struct tr_vs_names *vs_names; /* what m's VirtualServices name, once kept */
    int looked;                   /* a change of hosts looked at every VirtualService */
};
/* Is d the diff from pm to m? */
int tr_model_diff_is_of(const struct tr_model_diff *d, const struct translate_model *pm,
                        const struct translate_model *m);
/* The diff the snapshot handed the build recording into m, or NULL. */
const struct tr_model_diff *tr_memo_diff(const struct tr_memo *m);

/* ---- patch_clusters.c ------------------------------------------------------------------ */

/* When only the endpoints of a few ServiceEntries, or what a few
 * DestinationRules of exact hosts set for clusters alone, changed since the
 * previous build of the class, make again the clusters of the services they
 * read (with steps' maker) and share everything else. Returns 1 when the
 * view is complete, 0 when the class must be built (b is as it was). */
int tr_patch_clusters(struct tr_build *b, const struct tr_steps *steps);

/* ---- patch_gateway.c ------------------------------------------------------------------- */

/* The same ServiceEntries, DestinationRules, VirtualServices, Sidecars and
 * WorkloadEntries in a and b: all but Gateways (memo.c). */
int tr_model_same_but_gateways(const struct translate_model *a, const struct translate_model *b);
/* When only Gateways changed since the previous build of this router
 * class, which found nothing: share its Clusters and Endpoints, prepare
 * the build without indexes (steps' prepare_router_lazy) and let
 * tr_patch_gateway_rc() take route configurations from it; the caller
 * runs the proxy step. Returns 1 so, 0 when the class is built as usual
 * (b is as it was). */
int tr_patch_gateway_begin(struct tr_build *b, const struct tr_steps *steps);
/* The reuse op of tr_seam_gateway_rc(): in a build so begun, the previous
 * view's route configuration of the same servers, or one remembered whole
 * from an earlier build of them (a piece); else made, its record carrying
 * the servers' key. */
void tr_patch_gateway_rc(struct tr_build *b, const struct tr_gateway_rc *rc,
                         tr_gateway_rc_maker make);

#endif
