/* emit.c - a build's start and finish, the resources it emits, and the
 * consistency check that guards every view before it is published: every
 * name a resource refers to is in the view. */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/log.h"
#include "xdsd/util.h"

void tr_build_start(struct tr_build *b, const struct translate_model *m,
                    const struct translate_options *o, const struct proxy_identity *id)
{
    *b = (struct tr_build){.a = arena_new(), .m = m, .id = id, .view = xds_view_new()};
    if (o != NULL)
        b->o = *o;
    if (b->o.mesh_certs == NULL)
        b->o.mesh_certs = "/etc/certs";
    if (b->o.trust_domain == NULL)
        b->o.trust_domain = "cluster.local";
    tr_build_init_maps(b);
}

void tr_build_init_maps(struct tr_build *b)
{
    map_init_str(&b->svc_by_host, b->a);
    map_init_str(&b->dr_by_host, b->a);
    map_init_str(&b->vs_by_host, b->a);
    map_init_ptr(&b->subsets, b->a);
    map_init_ptr(&b->gw_bound, b->a);
    for (int t = 0; t < XDS_NTYPES; t++)
        map_init_str(&b->emitted[t], b->a);
}

struct xds_view *tr_build_finish(struct tr_build *b, char **err)
{
    tr_sds_emit(b);
    int rc = tr_check(b);
    if (rc == 0 && xds_view_finish(b->view, &b->err) != 0)
        rc = -1;
    if (rc != 0) {
        log_error("translation for %s failed: %s", b->id->id, b->err);
        xds_view_free(b->view);
        b->view = NULL;
        if (err != NULL)
            *err = b->err;
        else
            free(b->err);
        b->err = NULL;
    }
    arena_free(b->a);
    b->a = NULL;
    return b->view;
}

/* Is name new to the build? Else the duplicate is the build's error. */
static int first_of_name(struct tr_build *b, enum xds_type t, const char *name)
{
    if (map_add(&b->emitted[t], arena_strdup(b->a, name), NULL))
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
}

void tr_emit_counted(struct tr_build *b, enum xds_type t, const char *name, uint8_t *bytes,
                     size_t len, uint64_t hash)
{
    if (!first_of_name(b, t, name)) {
        xds_bytes_unref(bytes);
        return;
    }
    xds_view_add_counted(b->view, t, name, bytes, len, hash);
}

void tr_emit_again(struct tr_build *b, enum xds_type t, const struct xds_resource *r)
{
    if (!first_of_name(b, t, r->name))
        return;
    xds_view_add_again(b->view, t, r);
}

void tr_emit(struct tr_build *b, enum xds_type t, const char *name, const void *msg)
{
    if (map_find(&b->emitted[t], name) != NULL) {
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
    struct tr_ref *r = arena_alloc(b->a, sizeof(*r));
    r->type = t;
    r->name = name;
    r->from = from;
    pvec_push(b->a, &b->refs, r);
}

/* Emitted by this build, or in a type shared from the previous view. */
static int in_view(const struct tr_build *b, enum xds_type t, const char *name)
{
    if (b->shared[t])
        return xds_view_find(b->view, t, name) != NULL;
    return map_find(&b->emitted[t], name) != NULL;
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
