/* build.c - one translation: class keys, the build, emission of resources and
 * the consistency check that guards every view before it is published. */
#include "tr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/log.h"
#include "xdsd/util.h"

/* Is name new to the build? Else the duplicate is the build's error. */
static int first_of_name(struct tr_build *b, enum xds_type t, const char *name)
{
    if (smap_put(b->a, &b->emitted[t], ar_strdup(b->a, name), NULL))
        return 1;
    if (b->err == NULL)
        b->err = xasprintf("duplicate %s resource '%s'", xds_type_short(t), name);
    return 0;
}

void tr_emit_packed(struct tr_build *b, enum xds_type t, const char *name, uint8_t *bytes,
                    size_t len, uint64_t hash)
{
    if (!first_of_name(b, t, name)) {
        free(bytes);
        return;
    }
    xds_view_add_hashed(b->view, t, name, bytes, len, hash);
    tr_memo_emitted(b, t);
}

void tr_emit_counted(struct tr_build *b, enum xds_type t, const char *name, uint8_t *bytes,
                     size_t len, uint64_t hash)
{
    if (!first_of_name(b, t, name)) {
        xds_bytes_unref(bytes);
        return;
    }
    xds_view_add_counted(b->view, t, name, bytes, len, hash);
    tr_memo_emitted(b, t);
}

void tr_emit_again(struct tr_build *b, enum xds_type t, const struct xds_resource *r)
{
    if (!first_of_name(b, t, r->name))
        return;
    xds_view_add_again(b->view, t, r);
    tr_memo_emitted(b, t);
}

void tr_emit(struct tr_build *b, enum xds_type t, const char *name, const void *msg)
{
    if (smap_get(&b->emitted[t], name) != NULL) {
        if (b->err == NULL)
            b->err = xasprintf("duplicate %s resource '%s'", xds_type_short(t), name);
        return;
    }
    size_t len;
    uint8_t *bytes = pb_pack(msg, &len);
    tr_emit_packed(b, t, name, bytes, len, hash_block(HASH_SEED, bytes, len));
}

void tr_ref(struct tr_build *b, enum xds_type t, const char *name, const char *from)
{
    struct tr_ref *r = ar_alloc(b->a, sizeof(*r));
    r->type = t;
    r->name = name;
    r->from = from;
    pvec_push(b->a, &b->refs, r);
    tr_memo_referred(b, t, name, from);
}

/* Emitted by this build, or in a type shared from the previous view. */
static int in_view(const struct tr_build *b, enum xds_type t, const char *name)
{
    if (b->shared[t])
        return xds_view_find(b->view, t, name) != NULL;
    return smap_get(&b->emitted[t], name) != NULL;
}

int tr_cluster_exists(const struct tr_build *b, const char *name)
{
    return in_view(b, XDS_CLUSTER, name);
}

/* Every name a resource refers to must be in the view: a listener's RDS name,
 * a route's or tcp_proxy's cluster, an EDS cluster's load assignment. */
int tr_check(struct tr_build *b)
{
    if (b->err != NULL)
        return -1;
    for (size_t i = 0; i < b->refs.n; i++) {
        const struct tr_ref *r = b->refs.v[i];
        if (!in_view(b, r->type, r->name)) {
            b->err = xasprintf("%s refers to %s '%s', which is not in the view", r->from,
                               xds_type_short(r->type), r->name);
            return -1;
        }
    }
    return 0;
}

/* ---- class keys ----------------------------------------------------------------------- */

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    xgrow((void **)buf, cap, *len + n + 1, 1);
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

static void add_keys(const char ***keys, size_t *n, size_t *cap, const struct config_labels *l)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t j = 0;
        while (j < *n && strcmp((*keys)[j], l->items[i].key) != 0)
            j++;
        if (j < *n)
            continue;
        xgrow((void **)keys, cap, *n + 1, sizeof(**keys));
        (*keys)[(*n)++] = l->items[i].key;
    }
}

const char **tr_label_keys_used(const struct translate_model *m, size_t *n)
{
    const char **keys = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < m->n_destination_rules; i++)
        if (m->destination_rules[i].has_workload_selector)
            add_keys(&keys, n, &cap, &m->destination_rules[i].workload_selector);
    for (size_t i = 0; i < m->n_virtual_services; i++) {
        const struct virtual_service *vs = &m->virtual_services[i];
        if (!vs->has_source_labels)
            continue; /* the common case, known without walking its rules */
        for (size_t r = 0; r < vs->n_http; r++)
            for (size_t k = 0; k < vs->http[r].n_match; k++)
                add_keys(&keys, n, &cap, &vs->http[r].match[k].source_labels);
        const struct l4_route *l4[2] = {vs->tls, vs->tcp};
        size_t n4[2] = {vs->n_tls, vs->n_tcp};
        for (int t = 0; t < 2; t++)
            for (size_t r = 0; r < n4[t]; r++)
                for (size_t k = 0; k < l4[t][r].n_match; k++)
                    add_keys(&keys, n, &cap, &l4[t][r].match[k].source_labels);
    }
    return keys;
}

static int key_listed(const char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return 1;
    return 0;
}

char *translate_class_key(const struct translate_model *m, const struct proxy_identity *id)
{
    size_t n;
    const char **keys = tr_label_keys_used(m, &n);
    char *key = tr_class_key(m, keys, n, id, NULL);
    free(keys);
    return key;
}

char *tr_class_key(const struct translate_model *m, const char *const *label_keys,
                   size_t n_label_keys, const struct proxy_identity *id, struct tr_own *own)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    append(&buf, &len, &cap,
           id->proxyless_grpc         ? "grpc"
           : id->type == PROXY_ROUTER ? "router"
                                      : "sidecar");
    append(&buf, &len, &cap, "|");
    append(&buf, &len, &cap, id->namespace);
    if (id->type == PROXY_ROUTER && !id->proxyless_grpc) {
        struct tr_build b = {.a = arena_new(), .m = m, .id = id};
        if (own != NULL && own->known) {
            tr_match_gateways(&b);
            b.own_se = own->se;
            b.own_ep = own->ep;
        } else {
            tr_prepare_router(&b);
            if (own != NULL)
                *own = (struct tr_own){1, b.own_se, b.own_ep};
        }
        append(&buf, &len, &cap, "|gw:");
        for (size_t i = 0; i < b.n_gws; i++) {
            char *s =
                xasprintf("%s%s/%s", i ? "," : "", b.gws[i]->meta.namespace, b.gws[i]->meta.name);
            append(&buf, &len, &cap, s);
            free(s);
        }
        if (b.own_se != NULL) {
            char *s = xasprintf("|svc:%s/%s/%s", b.own_se->meta.namespace, b.own_se->meta.name,
                                b.own_ep ? b.own_ep->address : "");
            append(&buf, &len, &cap, s);
            free(s);
        }
        arena_free(b.a);
    }
    /* labels matter only where a sourceLabels rule or a DestinationRule's
     * workloadSelector looks at them */
    for (size_t i = 0; i < id->n_labels; i++) {
        if (!key_listed(label_keys, n_label_keys, id->labels[i].key))
            continue;
        char *s = xasprintf("|%s=%s", id->labels[i].key, id->labels[i].value);
        append(&buf, &len, &cap, s);
        free(s);
    }
    return buf;
}

/* ---- the build ------------------------------------------------------------------------ */

struct xds_view *translate_build(const struct translate_model *m, const struct translate_options *o,
                                 const struct proxy_identity *id, char **err)
{
    return tr_build_view(m, o, id, NULL, NULL, err);
}

/* What the view holds beyond what tr_memo_share_view() shares: patched from
 * the previous view of the class when only routes changed, else built. */
static void build_types(struct tr_build *b)
{
    if (tr_patch_view(b))
        return;
    tr_prepare(b);
    if (tr_memo_share_clusters(b))
        b->shared[XDS_CLUSTER] = b->shared[XDS_ENDPOINT] = 1;
    else
        tr_clusters(b);
    if (tr_memo_share_routes(b)) {
        b->shared[XDS_LISTENER] = b->shared[XDS_ROUTE] = 1;
        return;
    }
    if (b->grpc)
        tr_grpc(b);
    else if (b->router)
        tr_gateway(b);
    else
        tr_sidecar(b);
}

struct xds_view *tr_build_view(const struct translate_model *m, const struct translate_options *o,
                               const struct proxy_identity *id, const struct tr_memo *prev,
                               struct tr_memo *memo, char **err)
{
    struct tr_build b = {.a = arena_new(), .m = m, .id = id, .view = xds_view_new()};
    b.memo = memo;
    b.memo_prev = prev;
    if (o != NULL)
        b.o = *o;
    if (b.o.mesh_certs == NULL)
        b.o.mesh_certs = "/etc/certs";
    if (b.o.trust_domain == NULL)
        b.o.trust_domain = "cluster.local";
    if (tr_memo_share_view(&b)) {
        xds_view_finish(b.view, NULL); /* every type is a finished shared one */
        arena_free(b.a);
        return b.view;
    }
    build_types(&b);
    int rc = tr_check(&b);
    if (rc == 0 && xds_view_finish(b.view, &b.err) != 0)
        rc = -1;
    if (rc != 0) {
        log_error("translation for %s failed: %s", id->id, b.err);
        xds_view_free(b.view);
        b.view = NULL;
        if (err != NULL)
            *err = b.err;
        else
            free(b.err);
    }
    arena_free(b.a);
    return b.view;
}
