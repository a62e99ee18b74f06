/* unit.c - one file into resources: the Kubernetes envelope of each YAML
 * document (apiVersion, kind, metadata, List), each spec handed to its
 * kind's decoder, into a unit that reloads share while the file is
 * unchanged. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "diag.h"
#include "xdsd/util.h"
#include "yaml.h"

static int api_version_ok(const char *s)
{
    return strcmp(s, "networking.istio.io/v1alpha3") == 0 ||
           strcmp(s, "networking.istio.io/v1beta1") == 0 ||
           strcmp(s, "networking.istio.io/v1") == 0;
}

/* A fresh resource of kind k, zeroed, in unit u. */
static struct istio_meta *new_resource(struct config_unit *u, enum istio_kind k)
{
    static const size_t sizes[CONFIG_NKINDS] = {
        sizeof(struct service_entry),    sizeof(struct gateway), sizeof(struct virtual_service),
        sizeof(struct destination_rule), sizeof(struct sidecar), sizeof(struct workload_entry)};
    struct istio_meta *m = arena_alloc(&u->arena, sizes[k]);
    xgrow((void **)&u->res, &u->cap_res, u->n_res + 1, sizeof(*u->res));
    u->res[u->n_res++] = m;
    return m;
}

static const struct field meta_fields[] = {
    FLD("name", F_STR, struct istio_meta, name),
    FLD("namespace", F_STR, struct istio_meta, namespace),
    FLD("generation", F_I64, struct istio_meta, generation),
    FLD("labels", F_LABELS, struct istio_meta, labels),
    FIGN("annotations"),
    FIGN("uid"),
    FIGN("resourceVersion"),
    FIGN("creationTimestamp"),
    FIGN("managedFields"),
    FIGN("ownerReferences"),
    FIGN("finalizers"),
    FIGN("generateName"),
    FIGN("selfLink"),
    FIGN("deletionTimestamp"),
    FIGN("deletionGracePeriodSeconds"),
    FEND,
};

static const struct field top_fields[] = {
    FIGN("apiVersion"), FIGN("kind"), FIGN("metadata"), FIGN("spec"), FIGN("status"), FEND,
};

static void decode_spec(struct dctx *c, struct istio_meta *m, const struct cnode *spec)
{
    static const struct cnode empty = {CN_MAP, 0, 0, 0, "", NULL, 0, 1};
    if (spec == NULL || spec->type == CN_NULL)
        spec = &empty;
    switch (m->kind) {
    case KIND_SERVICE_ENTRY:
        dec_service_entry(c, spec, (struct service_entry *)m);
        break;
    case KIND_GATEWAY:
        dec_gateway(c, spec, (struct gateway *)m);
        break;
    case KIND_VIRTUAL_SERVICE:
        dec_virtual_service(c, spec, (struct virtual_service *)m);
        break;
    case KIND_DESTINATION_RULE:
        dec_destination_rule(c, spec, (struct destination_rule *)m);
        break;
    case KIND_SIDECAR:
        dec_sidecar(c, spec, (struct sidecar *)m);
        break;
    case KIND_WORKLOAD_ENTRY:
        dec_workload_entry(c, spec, (struct workload_entry *)m);
        break;
    }
}

/* What the decoded resource depends on: node types, scalar texts and
 * whether they were quoted (a plain 80 is a number), not positions. A map
 * entry whose value is skip is left out (NULL: nothing is). */
static uint64_t cnode_hash(uint64_t h, const struct cnode *n, const struct cnode *skip)
{
    int head[2] = {(int)n->type, n->plain};
    h = hash_bytes(h, head, sizeof(head));
    if (n->type == CN_SCALAR)
        return hash_bytes(h, n->str, strlen(n->str) + 1);
    size_t count = n->type == CN_MAP ? 2 * n->n : n->type == CN_SEQ ? n->n : 0;
    h = hash_bytes(h, &count, sizeof(count));
    for (size_t i = 0; i < count; i++) {
        if (skip != NULL && n->type == CN_MAP && i % 2 == 0 && n->items[i + 1] == skip) {
            i++;
            continue;
        }
        h = cnode_hash(h, n->items[i], skip);
    }
    return h;
}

static void add_resource(struct config_unit *b, struct dctx *c, const struct cnode *root,
                         enum istio_kind kind)
{
    const struct cnode *md = cnode_get(root, "metadata");
    const struct cnode *name = cnode_get(md, "name");
    const struct cnode *ns = cnode_get(md, "namespace");
    if (md == NULL || md->type != CN_MAP || name == NULL || name->type != CN_SCALAR ||
        !*name->str) {
        dc_error(c, md && md->type == CN_MAP ? md : root, "%s: metadata.name is required",
                 config_kind_name(kind));
        return;
    }
    struct istio_meta *m = new_resource(b, kind);
    m->kind = kind;
    m->pos = dc_pos(c, root);
    m->content_hash = cnode_hash(HASH_SEED, root, NULL);
    dc_map(c, md, meta_fields, m, sizeof(*m));
    if (ns == NULL || ns->type != CN_SCALAR || !*ns->str)
        m->namespace = arena_strdup(c->a, "default");
    c->resource = meta_label(c->a, m);
    dc_map(c, root, top_fields, m, sizeof(*m) + 1);
    decode_spec(c, m, cnode_get(root, "spec"));
    if (kind == KIND_SERVICE_ENTRY) {
        const struct cnode *eps = cnode_get(cnode_get(root, "spec"), "endpoints");
        ((struct service_entry *)m)->hash_apart_endpoints =
            eps ? cnode_hash(HASH_SEED, root, eps) : m->content_hash;
    }
    c->resource = NULL;
}

static void add_document(struct config_unit *b, struct dctx *c, const struct cnode *root,
                         int in_list)
{
    if (root->type != CN_MAP) {
        dc_error(c, root, "expected a resource (a mapping with apiVersion and kind)");
        return;
    }
    const struct cnode *api = cnode_get(root, "apiVersion");
    const struct cnode *kind = cnode_get(root, "kind");
    if (kind == NULL || kind->type != CN_SCALAR) {
        dc_error(c, root, "kind is required");
        return;
    }
    if (!in_list && strcmp(kind->str, "List") == 0) {
        const struct cnode *items = cnode_get(root, "items");
        if (items && items->type == CN_SEQ)
            for (size_t i = 0; i < items->n; i++)
                add_document(b, c, items->items[i], 1);
        else if (items && items->type != CN_NULL)
            dc_error(c, items, "List: items must be a list");
        return;
    }
    if (api == NULL || api->type != CN_SCALAR) {
        dc_error(c, root, "apiVersion is required");
        return;
    }
    enum istio_kind k;
    if (!api_version_ok(api->str)) {
        dc_error(c, api,
                 "unsupported apiVersion '%s' for kind '%s' (xdsd reads "
                 "networking.istio.io/v1alpha3, v1beta1 and v1)",
                 api->str, kind->str);
        return;
    }
    if (kind_parse(kind->str, &k) < 0) {
        dc_error(c, kind,
                 "unsupported kind '%s' (one of ServiceEntry, Gateway, VirtualService, "
                 "DestinationRule, Sidecar, WorkloadEntry)",
                 kind->str);
        return;
    }
    add_resource(b, c, root, k);
}

void unit_unref(struct config_unit *u)
{
    if (u == NULL || __atomic_sub_fetch(&u->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    free(u->path);
    free(u->data);
    free(u->res);
    pos_release(&u->pos);
    config_diags_release(&u->parse_diags);
    config_diags_release(&u->check_diags);
    arena_release(&u->arena);
    free(u);
}

struct config_unit *unit_parse(const char *file, const char *buf, size_t len, uint64_t hash)
{
    struct config_unit *u = xcalloc(1, sizeof(*u));
    u->refs = 1;
    u->path = xstrdup(file);
    u->data = xmalloc(len + 1);
    memcpy(u->data, buf, len);
    u->data[len] = '\0';
    u->hash = hash;
    u->len = len;
    arena_init(&u->arena);
    struct arena tmp;
    struct cdoc *docs;
    size_t ndocs;
    arena_init(&tmp);
    struct dctx c = {&u->arena, &u->parse_diags, &u->pos, arena_strdup(&u->arena, file), NULL, 0};
    cyaml_parse(&tmp, c.file, buf, len, &docs, &ndocs, &u->parse_diags);
    for (size_t i = 0; i < ndocs; i++)
        if (docs[i].root)
            add_document(u, &c, docs[i].root, 0);
    free(docs);
    arena_release(&tmp);
    return u;
}

uint64_t unit_content_id(const struct config_unit *u)
{
    uint64_t x =
        hash_bytes(HASH_SEED, u->path, strlen(u->path)) ^ (u->hash * 0x9e3779b97f4a7c15ULL);
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    return x ^ (x >> 29);
}
