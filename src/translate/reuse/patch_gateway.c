/* patch_gateway.c - an edit of Gateways, applied to the previous view of a
 * router class instead of building its route configurations again.
 *
 * Only routers read Gateways (model.c), and a router's route configuration
 * reads, besides VirtualServices and the Clusters their routes name, only
 * the Gateway servers that feed it (gateway.c: the plain HTTP servers of
 * one listener, or one terminating HTTPS server): their ports, hosts and
 * TLS redirect, and the namespace and name of their Gateways, which decide
 * the VirtualServices bound to them. At 10,000 services such a
 * configuration holds thousands of virtual hosts; an edit that adds a
 * server on another port changes none of them.
 *
 * So each gateway route configuration's record keeps a key of the servers
 * that fed it: all they say, and their positions in the model, which its
 * recipes name. When only Gateways changed since the previous build of the
 * class (the same ServiceEntries, DestinationRules, VirtualServices,
 * Sidecars and WorkloadEntries, so the same Clusters, shared) and that
 * build found nothing, the build is prepared without indexes of every
 * service and rule (it makes few routes), and a route configuration whose
 * key is the same is the previous one, taken as it is with its record.
 * One it makes is remembered whole as a piece (pieces.c) under that key and
 * every VirtualService's content, for a later build of the same servers
 * (a server edited back and forth). Listeners are built as before. The
 * unit tests (t_translate_edit_kinds.c) and the fuzz_memo driver compare
 * such views with built ones. */
#include "parts.h"

#include <stdlib.h>

static uint64_t key_strv(uint64_t h, const char *const *v, size_t n)
{
    h = tr_key_u64(h, n);
    for (size_t i = 0; i < n; i++)
        h = tr_key_str(h, v[i]);
    return h;
}

static uint64_t key_opt(uint64_t h, const char *s)
{
    return s != NULL ? tr_key_str(tr_key_u64(h, 1), s) : tr_key_u64(h, 0);
}

/* Everything a server says, TLS included: more than a route configuration
 * reads (port, hosts, redirect), so that any doubt is a build. */
static uint64_t server_key(uint64_t h, const struct gateway_server *s)
{
    h = tr_key_u64(tr_key_u64(h, s->port.number), (uint64_t)s->port.protocol);
    h = key_opt(tr_key_u64(h, s->port.target_port), s->port.name);
    h = key_opt(key_opt(h, s->bind), s->name);
    h = key_strv(h, s->hosts, s->n_hosts);
    h = tr_key_u64(h, (uint64_t)s->has_tls);
    if (!s->has_tls)
        return h;
    const struct server_tls *t = &s->tls;
    h = tr_key_u64(tr_key_u64(h, (uint64_t)t->https_redirect), (uint64_t)t->mode);
    h = key_opt(key_opt(h, t->server_certificate), t->private_key);
    h = key_opt(key_opt(h, t->ca_certificates), t->credential_name);
    h = key_strv(h, t->subject_alt_names, t->n_subject_alt_names);
    h = tr_key_u64(tr_key_u64(h, (uint64_t)t->min_protocol_version),
                   (uint64_t)t->max_protocol_version);
    return key_strv(h, t->cipher_suites, t->n_cipher_suites);
}

static uint64_t rc_key(const struct tr_build *b, const struct tr_gateway_rc *rc)
{
    uint64_t h = tr_key_u64(tr_key_str(tr_key_str(HASH_SEED, "gateway-rc"), rc->name), rc->n);
    for (size_t i = 0; i < rc->n; i++) {
        const struct gateway *gw = rc->gws[i];
        h = tr_key_u64(h, (uint64_t)(gw - b->m->gateways));
        h = tr_key_u64(h, (uint64_t)(rc->servers[i] - gw->servers));
        h = tr_key_str(tr_key_str(h, gw->meta.namespace), gw->meta.name);
        h = server_key(h, rc->servers[i]);
    }
    return h ? h : 1; /* 0: no key */
}

/* Every VirtualService by content and position: with the servers' key, the
 * key of a route configuration remembered whole, which an edit of a
 * VirtualService in between must not let a later build take. */
static uint64_t vs_key(const struct translate_model *m)
{
    uint64_t h = tr_key_u64(HASH_SEED, m->n_virtual_services);
    for (size_t i = 0; i < m->n_virtual_services; i++)
        h = tr_key_u64(h, m->virtual_services[i].meta.content_hash);
    return h;
}

/* Larger route configurations are not remembered whole (their bytes would
 * be held twice): a build of them takes their virtual hosts as pieces. */
#define WHOLE_MAX_BYTES (1u << 20)

int tr_patch_gateway_begin(struct tr_build *b, const struct tr_steps *steps)
{
    struct tr_reuse *u = b->reuse;
    if (b->id->type != PROXY_ROUTER || b->id->proxyless_grpc || u->prev == NULL ||
        tr_memo_view(u->prev) == NULL || tr_memo_n_route_findings(u->prev) > 0 ||
        !tr_model_same_but_gateways(tr_memo_model(u->prev), b->m) || !tr_memo_share_clusters(b))
        return 0;
    b->shared[XDS_CLUSTER] = b->shared[XDS_ENDPOINT] = 1;
    /* what is built reads a few services at most: no index of them all */
    steps->prepare_router_lazy(b);
    u->gw_patch = 1;
    u->gw_vs = vs_key(b->m);
    /* the virtual hosts of the configurations taken whole, and the
     * configurations remembered whole, stay known for a later build (their
     * keys name servers, not Gateways) */
    tr_pieces_inherit(u->pieces, u->prev_pieces);
    return 1;
}

/* What the build of rec read is read now: the VirtualServices of its
 * recipes, those that made a virtual host and those that made none. */
static void read_again(struct tr_build *b, const struct tr_rc_patch *rec)
{
    const struct translate_model *m = b->m;
    struct tr_memo *memo = b->reuse->memo;
    for (size_t i = 0; i < rec->n; i++)
        for (size_t k = 0; rec->r[i] != NULL && k < rec->r[i]->n_vs; k++)
            tr_memo_used_vs(memo, &m->virtual_services[rec->r[i]->vs[k]]);
    for (size_t k = 0; k < rec->n_blocking; k++)
        tr_memo_used_vs(memo, &m->virtual_services[rec->blocking[k]]);
}

/* The previous view's route configuration of these servers, shared. */
static int take_previous(struct tr_build *b, const char *name, uint64_t key)
{
    struct tr_reuse *u = b->reuse;
    struct tr_rc_patch *rec = tr_memo_rc_patch(u->prev, name);
    const struct xds_resource *old = xds_view_find(tr_memo_view(u->prev), XDS_ROUTE, name);
    if (rec == NULL || rec->gw_key != key || old == NULL)
        return 0;
    tr_emit_again(b, XDS_ROUTE, old);
    tr_rc_patch_ref(rec);
    tr_memo_add_rc(u->memo, rec);
    read_again(b, rec);
    return 1;
}

/* One remembered whole by an earlier build of the class (copied). */
static int take_whole(struct tr_build *b, uint64_t whole)
{
    struct tr_reuse *u = b->reuse;
    const struct tr_piece *pc = tr_pieces_take(u->pieces, u->prev_pieces, whole);
    if (pc == NULL)
        return 0;
    struct tr_rc_patch *const *rcs;
    size_t n;
    tr_piece_emit(b, pc, &rcs, &n);
    for (size_t i = 0; i < n; i++) {
        tr_rc_patch_ref(rcs[i]);
        tr_memo_add_rc(u->memo, rcs[i]);
        read_again(b, rcs[i]);
    }
    return 1;
}

void tr_patch_gateway_rc(struct tr_build *b, const struct tr_gateway_rc *rc,
                         tr_gateway_rc_maker make)
{
    struct tr_reuse *u = b->reuse;
    uint64_t key = rc_key(b, rc), whole = tr_key_u64(key, u->gw_vs);
    /* a name made twice is the build's error, as a build would find it */
    int again = map_find(&b->emitted[XDS_ROUTE], rc->name) != NULL;
    if (u->gw_patch && !again && (take_previous(b, rc->name, key) || take_whole(b, whole)))
        return;
    struct tr_mark mark;
    tr_mark(b, &mark);
    u->gw_key = key; /* for the record tr_seam_rc_done() makes */
    make(b, rc->name, rc->ctx);
    u->gw_key = 0;
    if (!u->gw_patch || again || b->findings.n > mark.n_findings ||
        xds_view_count(b->view, XDS_ROUTE) != mark.n[XDS_ROUTE] + 1 ||
        xds_view_items(b->view, XDS_ROUTE)[mark.n[XDS_ROUTE]].len > WHOLE_MAX_BYTES)
        return;
    size_t n;
    struct tr_rc_patch *const *rcs = tr_memo_rcs(u->memo, &n);
    tr_piece_record_emitted(u->pieces, whole, b, &mark, rcs + mark.n_rcs, n - mark.n_rcs);
}
