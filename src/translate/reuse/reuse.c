/* reuse.c - the reuse layer's side of the seam (seam.h): the ops a build
 * with a memo runs, and the build itself: the previous view of the class
 * shared whole, patched, or built with the steps handed in, reusing every
 * part whose inputs are the same. */
#include "parts.h"

#include <stdlib.h>

void tr_mark(const struct tr_build *b, struct tr_mark *mark)
{
    for (int t = 0; t < XDS_NTYPES; t++)
        mark->n[t] = xds_view_count(b->view, (enum xds_type)t);
    mark->n_refs = b->refs.n;
    mark->n_findings = b->findings.n;
    mark->n_rcs = 0;
    tr_memo_rcs(b->reuse->memo, &mark->n_rcs);
}

/* A service's clusters depend on its ServiceEntry, host and rule only. */
static void op_clusters(struct tr_build *b, const struct tr_svc *svc,
                        const struct destination_rule *dr, tr_clusters_maker make)
{
    struct tr_mark mark;
    tr_mark(b, &mark);
    if (!tr_memo_replay(b, svc, dr))
        make(b, svc, dr);
    tr_memo_record_service(b, svc, dr, &mark);
}

static void op_read_vs(const struct tr_build *b, const struct virtual_service *vs)
{
    tr_memo_used_vs(b->reuse->memo, vs);
}

/* A key of kind for svc's port: host, port, its ServiceEntry and
 * VirtualService by content. */
static uint64_t service_key(const char *kind, uint32_t port, const char *host,
                            const struct service_entry *se, const struct virtual_service *vs)
{
    uint64_t k =
        tr_key_u64(tr_key_u64(tr_key_str(HASH_SEED, kind), port), tr_key_str(HASH_SEED, host));
    k = tr_key_u64(k, se->meta.content_hash);
    return tr_key_u64(k, vs ? vs->meta.content_hash : 0);
}

/* What a virtual host of a service or a gateway is made of, by content;
 * 0 for the kinds not kept as pieces. */
static uint64_t recipe_key(const struct tr_build *b, const struct tr_recipe *r)
{
    const struct translate_model *m = b->m;
    if (r->kind == TR_VH_SERVICE)
        return service_key("sidecar", r->port, r->host, &m->service_entries[r->se],
                           r->n_vs ? &m->virtual_services[r->vs[0]] : NULL);
    if (r->kind != TR_VH_GATEWAY || r->none)
        return 0;
    /* a gateway's virtual host reads of each server only its Gateway's
     * namespace and name and its port (tr_gateway_vhost): an edit of
     * another server keeps it */
    uint64_t k =
        tr_key_u64(tr_key_str(tr_key_str(HASH_SEED, "gateway"), r->name), (uint64_t)r->redirect);
    for (size_t i = 0; i < r->n_vs; i++) {
        const struct gateway *gw = &m->gateways[r->gw[i]];
        k = tr_key_u64(k, m->virtual_services[r->vs[i]].meta.content_hash);
        k = tr_key_str(tr_key_str(k, gw->meta.namespace), gw->meta.name);
        k = tr_key_u64(k, gw->servers[r->server[i]].port.number);
    }
    return k;
}

/* Pieces read other services too (a destination's port and subsets, whether
 * its cluster exists): only a build sharing the previous Clusters (the same
 * ServiceEntries and DestinationRules) can trust them. */
static const struct tr_piece *take_piece(struct tr_build *b, uint64_t key)
{
    struct tr_reuse *u = b->reuse;
    if (!b->shared[XDS_CLUSTER] || u->prev_pieces == NULL)
        return NULL;
    return tr_pieces_take(u->pieces, u->prev_pieces, key);
}

static VirtualHost *op_vhost(struct tr_build *b, const struct tr_recipe *r, tr_vhost_maker make)
{
    struct tr_reuse *u = b->reuse;
    uint64_t key = recipe_key(b, r);
    const struct tr_piece *pc = key != 0 ? take_piece(b, key) : NULL;
    VirtualHost *v;
    if (pc != NULL) {
        v = tr_piece_empty(pc) ? NULL : tr_piece_vhost(b->a, pc);
        if (v != NULL)
            map_put(&u->vh_piece, v, (void *)pc);
    } else {
        size_t n_findings = b->findings.n;
        v = make(b, r);
        if (b->findings.n > n_findings)
            key = 0; /* made again each time, so that its findings are made again */
        if (key != 0 && v == NULL) {
            tr_piece_record(u->pieces, key, NULL, NULL, 0);
        } else if (key != 0) {
            uint64_t *box = arena_alloc(b->a, sizeof(*box));
            *box = key;
            map_put(&u->vh_key, v, box); /* recorded once packed */
        }
    }
    /* a recipe that made nothing reads VirtualServices a patch cannot undo */
    if (v != NULL)
        map_put(&u->vh_recipe, v, (void *)r);
    else if (r->n_vs > 0)
        pvec_push(b->a, &u->blocking, (void *)r);
    return v;
}

static void op_service_port(struct tr_build *b, const struct tr_svc *svc,
                            const struct istio_port *p, tr_port_maker make)
{
    struct tr_reuse *u = b->reuse;
    uint64_t key = service_key("grpc", p->number, svc->host, svc->se, tr_svc_vs(b, svc));
    const struct tr_piece *pc = take_piece(b, key);
    if (pc != NULL) {
        struct tr_rc_patch *const *rcs;
        size_t n;
        tr_piece_emit(b, pc, &rcs, &n);
        for (size_t i = 0; i < n; i++) {
            tr_rc_patch_ref(rcs[i]);
            tr_memo_add_rc(u->memo, rcs[i]);
        }
        return;
    }
    struct tr_mark mark;
    tr_mark(b, &mark);
    make(b, svc, p);
    if (b->findings.n > mark.n_findings)
        return; /* made again each time, so that its findings are made again */
    size_t n;
    struct tr_rc_patch *const *rcs = tr_memo_rcs(u->memo, &n);
    tr_piece_record_emitted(u->pieces, key, b, &mark, rcs + mark.n_rcs, n - mark.n_rcs);
}

/* Route configurations of this many virtual hosts keep their order: the
 * same names and domains in the same order as in the previous build, where
 * no domain was trimmed, sort the same, and nothing is trimmed. */
static void op_rc_order(struct tr_build *b, const char *name, struct pvec *vhosts,
                        tr_rc_sorter sort, struct tr_rc_order *out)
{
    struct tr_reuse *u = b->reuse;
    if (vhosts->n < TR_RC_ORDER_MIN) {
        sort(b, vhosts, out);
        return;
    }
    uint64_t layout = tr_key_str(HASH_SEED, name);
    for (size_t i = 0; i < vhosts->n; i++) {
        const struct tr_piece *pc = map_get(&u->vh_piece, vhosts->v[i]);
        layout = tr_key_u64(layout, pc ? tr_piece_layout(pc) : tr_vhost_layout(vhosts->v[i]));
    }
    const uint32_t *order = tr_memo_rc_order(b, name, layout, vhosts->n);
    if (order == NULL) {
        sort(b, vhosts, out);
        if (out->order != NULL)
            tr_memo_rc_record(b, name, layout, vhosts->n, out->order);
        return;
    }
    out->kept = (struct pvec){0};
    out->order = order;
    out->n_before = arena_alloc(b->a, (vhosts->n + 1) * sizeof(*out->n_before));
    for (size_t i = 0; i < vhosts->n; i++) {
        pvec_push(b->a, &out->kept, vhosts->v[order[i]]);
        out->n_before[i] = ((VirtualHost *)out->kept.v[i])->n_domains;
    }
}

/* A virtual host made from a piece keeps the piece's bytes unless the
 * route configuration trimmed its domains; one made here is remembered as
 * a piece when nothing was trimmed. */
static const uint8_t *op_vhost_bytes(struct tr_build *b, VirtualHost *v, size_t n_before,
                                     size_t *len, uint8_t **owned)
{
    struct tr_reuse *u = b->reuse;
    const struct tr_piece *pc = map_get(&u->vh_piece, v);
    *owned = NULL;
    if (pc != NULL && v->n_domains == n_before)
        return tr_piece_bytes(pc, len);
    *owned = pc ? tr_piece_repack(pc, v, len) : pb_pack(v, len);
    const uint64_t *key = map_get(&u->vh_key, v);
    if (key != NULL && v->n_domains == n_before)
        tr_piece_record(u->pieces, *key, v, *owned, *len);
    return *owned;
}

static void op_rc_done(struct tr_build *b, const char *name, VirtualHost *const *kept, size_t n,
                       const size_t *off, const uint64_t *vh_hash, int trimmed)
{
    struct tr_reuse *u = b->reuse;
    const struct tr_recipe **r = arena_alloc(b->a, (n + 1) * sizeof(*r));
    for (size_t i = 0; i < n; i++)
        r[i] = map_get(&u->vh_recipe, kept[i]);
    struct tr_rc_patch *p = tr_rc_patch_record(name, r, n, off, vh_hash, trimmed, &u->blocking);
    p->gw_key = u->gw_key;
    u->gw_key = 0;
    tr_memo_add_rc(u->memo, p);
    u->blocking.n = 0;
}

static const struct tr_reuse_ops ops = {
    .clusters = op_clusters,
    .read_vs = op_read_vs,
    .vhost = op_vhost,
    .service_port = op_service_port,
    .rc_order = op_rc_order,
    .vhost_bytes = op_vhost_bytes,
    .rc_done = op_rc_done,
    .gateway_rc = tr_patch_gateway_rc,
};

/* What the view holds beyond what tr_memo_share_view() shares: patched from
 * the previous view of the class when only routes, or only what some
 * services' clusters read, changed, else built. */
static void build_types(struct tr_build *b, const struct tr_steps *steps)
{
    if (tr_patch_view(b, steps) || tr_patch_clusters(b, steps))
        return;
    if (tr_patch_gateway_begin(b, steps)) {
        size_t from = b->findings.n; /* those of the Clusters are kept with them */
        steps->proxy(b);
        tr_memo_keep_findings(b, 1, from);
        return;
    }
    steps->prepare(b);
    size_t from = b->findings.n;
    if (tr_memo_share_clusters(b)) {
        b->shared[XDS_CLUSTER] = b->shared[XDS_ENDPOINT] = 1;
    } else {
        steps->clusters(b);
        tr_memo_keep_findings(b, 0, from);
    }
    from = b->findings.n;
    if (tr_memo_share_routes(b)) {
        b->shared[XDS_LISTENER] = b->shared[XDS_ROUTE] = 1;
    } else {
        steps->proxy(b);
        tr_memo_keep_findings(b, 1, from);
    }
}

struct xds_view *tr_reuse_build(const struct tr_steps *steps, const struct translate_model *m,
                                const struct translate_options *o, const struct proxy_identity *id,
                                const struct tr_memo *prev, struct tr_memo *memo,
                                struct tr_findings *found, char **err)
{
    struct tr_build b;
    tr_build_start(&b, m, o, id);
    if (memo == NULL) {
        steps->prepare(&b);
        steps->clusters(&b);
        steps->proxy(&b);
        if (found != NULL)
            tr_build_findings(&b, found);
        return tr_build_finish(&b, err);
    }
    struct tr_reuse u = {.memo = memo, .prev = prev, .pieces = tr_memo_pieces(memo)};
    if (prev != NULL)
        u.prev_pieces = tr_memo_pieces(prev);
    map_init_ptr(&u.vh_piece, b.a);
    map_init_ptr(&u.vh_key, b.a);
    map_init_ptr(&u.vh_recipe, b.a);
    b.ops = &ops;
    b.reuse = &u;
    if (tr_memo_share_view(&b)) {
        if (found != NULL)
            tr_build_findings(&b, found);
        tr_sds_emit(&b); /* secrets are never shared: a rotation is a new build of them */
        xds_view_finish(b.view, NULL); /* every type is a finished shared one */
        arena_free(b.a);
        return b.view;
    }
    build_types(&b, steps);
    if (found != NULL)
        tr_build_findings(&b, found);
    return tr_build_finish(&b, err);
}
