/* memo_int.h - what a build's memo holds, for the files that read and
 * write it (memo.c, splice.c); outside them it is struct tr_memo, opaque. */
#ifndef XDSD_TRANSLATE_REUSE_MEMO_INT_H
#define XDSD_TRANSLATE_REUSE_MEMO_INT_H

#include "parts.h"

#include <stdatomic.h>

struct memo_res {
    enum xds_type type;
    const char *name;     /* the view's copy */
    const uint8_t *bytes; /* owned by the view of the memo's snapshot */
    size_t len;
    uint64_t hash;
};

struct memo_ref {
    enum xds_type type;
    char *name, *from;
};

/* A service's inputs by content (records outlive the config set they were
 * made from when a later build shares them). */
struct memo_svc {
    char *host;
    uint64_t se_hash, dr_hash; /* dr_hash 0: no DestinationRule */
    size_t first_res, n_res, first_ref, n_ref;
    int found; /* made findings: made again each time, never replayed */
    int gone;  /* a patch's record of a service its base has and it has not */
};

/* A finding kept for a later build, which names its resource in its own
 * model (the same resource, unchanged: the build shares what made it). */
struct memo_finding {
    enum istio_kind kind;
    char *ns, *name, *message;
};

struct findings_list {
    struct memo_finding *v;
    size_t n, cap;
};

/* What a build recorded. When a rebuild shares the Clusters and Endpoints of
 * the previous view (xds_view_share), it shares these records too: they
 * point into the same lists, which live as long as any view holding them.
 * A cluster patch's records are a few services' over those of the build it
 * started from (base), whose names and bytes the patched lists still hold
 * (xds_view_patch): base is never itself a patch's. */
struct memo_data {
    atomic_int refs;
    struct memo_data *base; /* records of the services not in svcs, or NULL */
    size_t n_total;         /* services recorded, base's included */
    size_t n_found;         /* of them, those whose build made findings */
    struct memo_svc *svcs;  /* sorted by host once finished */
    size_t n_svcs, cap_svcs;
    struct memo_res *res;
    size_t n_res, cap_res;
    struct memo_ref *refs_to;
    size_t n_refs, cap_refs;
    struct findings_list found; /* of the Clusters and Endpoints */
};

/* Content hashes (0 stands for an empty slot: a hash of 0 is stored as 1).
 * Not xdsd/map.h: its keys are pointers to keys stored elsewhere, and this
 * set is copied whole (one memcpy, inherit_reuse) by every build that
 * shares or patches the previous view, the path of every edit; a map would
 * need a store for the values and a rehash of each on every copy. */
struct hash_set {
    uint64_t *v;
    size_t cap, n;
};

/* The order of a route configuration's virtual hosts, for tr_memo_rc_order(). */
struct rc_order {
    char *name;
    uint64_t layout;
    size_t n;
    uint32_t *order;
};

struct tr_memo {
    struct memo_data *d;
    size_t n_reused;             /* services replayed from the previous memo */
    const struct xds_view *view; /* the view built with this memo */
    /* the model the build read (its arrays alive while the memo's snapshot is) */
    struct translate_model model;
    struct tr_pieces *pieces; /* virtual hosts, rebuilt or reused by this build */
    struct hash_set used_vs;  /* the VirtualServices whose content the build read */
    struct rc_order *orders;  /* of large route configurations */
    size_t n_orders, cap_orders;
    struct tr_rc_patch **rcs; /* references */
    size_t n_rcs, cap_rcs;
    int same_but_vs; /* same_but_vs(), once known: 1 yes, -1 no */
    /* what patches looked up (hosts copied), for the next patch */
    struct tr_lookup *lookups;
    size_t n_lookups, cap_lookups;
    struct findings_list route_found; /* of the Listeners and Routes */
    const struct tr_model_diff *diff;  /* the snapshot's, during the build */
};

/* The record of host in d or its base, and (in) the records it is in:
 * its resources and references are in->res and in->refs_to. */
const struct memo_svc *tr_memo_data_find(const struct memo_data *d, const char *host,
                                         const struct memo_data **in);

static inline const struct memo_svc *memo_find(const struct tr_memo *m, const char *host,
                                               const struct memo_data **in)
{
    return tr_memo_data_find(m->d, host, in);
}

/* Records by host (qsort, bsearch). */
int tr_memo_svc_cmp(const void *pa, const void *pb);
/* The previous view's Listeners and Routes, with what was recorded of them. */
void tr_memo_take_routes(struct tr_build *b);

#endif
