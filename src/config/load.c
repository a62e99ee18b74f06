/* load.c - files and documents into resources: the directory walk, the
 * Kubernetes envelope (apiVersion, kind, metadata, List) and the entry points
 * config_load() and config_parse(). */
#include "internal.h"

#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xdsd/log.h"
#include "xdsd/util.h"

#define MAX_FILE_BYTES (64u << 20)

static const char *const kind_names[] = {"ServiceEntry", "Gateway", "VirtualService",
                                         "DestinationRule"};

const char *kind_name(enum istio_kind k)
{
    return kind_names[k];
}

const char *meta_label(struct arena *a, const struct istio_meta *m)
{
    char *s = xasprintf("%s %s/%s", kind_names[m->kind], m->namespace, m->name);
    const char *r = arena_strdup(a, s);
    free(s);
    return r;
}

void builder_init(struct builder *b, struct config_diags *diags)
{
    memset(b, 0, sizeof(*b));
    memset(diags, 0, sizeof(*diags));
    b->diags = diags;
    b->set = xcalloc(1, sizeof(*b->set));
    b->set->refs = 1;
    arena_init(&b->set->arena);
}

size_t builder_resources(const struct builder *b)
{
    return b->n_se + b->n_gw + b->n_vs + b->n_dr;
}

static int parse_kind(const char *s, enum istio_kind *out)
{
    for (size_t i = 0; i < ARRAY_LEN(kind_names); i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum istio_kind)i;
            return 0;
        }
    return -1;
}

static int api_version_ok(const char *s)
{
    return strcmp(s, "networking.istio.io/v1alpha3") == 0 ||
           strcmp(s, "networking.istio.io/v1beta1") == 0 ||
           strcmp(s, "networking.istio.io/v1") == 0;
}

/* A fresh resource of kind k, zeroed, in unit u. */
static struct istio_meta *new_resource(struct config_unit *u, enum istio_kind k)
{
    static const size_t sizes[] = {sizeof(struct service_entry), sizeof(struct gateway),
                                   sizeof(struct virtual_service), sizeof(struct destination_rule)};
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
                 kind_names[kind]);
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
    if (parse_kind(kind->str, &k) < 0) {
        dc_error(c, kind,
                 "unsupported kind '%s' (one of ServiceEntry, Gateway, VirtualService, "
                 "DestinationRule)",
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

/* Parse and decode one YAML stream into a new unit (refcount 1). */
static struct config_unit *unit_parse(const char *file, const char *buf, size_t len, uint64_t hash)
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

/* Copy the diagnostics of src to the end of dst, counts included (src may
 * have counted more than it kept). */
void diags_append(struct config_diags *dst, const struct config_diags *src)
{
    size_t errors = dst->n_errors, warnings = dst->n_warnings;
    for (size_t i = 0; i < src->n; i++) {
        const struct config_diag *g = &src->items[i];
        diag_add(dst, g->severity, g->pos, g->resource, "%s", g->message);
    }
    dst->n_errors = errors + src->n_errors;
    dst->n_warnings = warnings + src->n_warnings;
}

uint64_t unit_content_id(const struct config_unit *u)
{
    uint64_t x =
        hash_bytes(HASH_SEED, u->path, strlen(u->path)) ^ (u->hash * 0x9e3779b97f4a7c15ULL);
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    return x ^ (x >> 29);
}

/* Register the resources of u (the file list takes a reference). */
static void builder_add_unit(struct builder *b, struct config_unit *u)
{
    xgrow((void **)&b->units, &b->cap_units, b->n_units + 1, sizeof(*b->units));
    b->units[b->n_units++] = u;
    file_list_add(&b->files, NULL, u);
    b->content_id += unit_content_id(u);
    diags_append(b->diags, &u->parse_diags);
#define ADD(arr, n, cap, type)                                                                     \
    do {                                                                                           \
        xgrow((void **)&b->arr, &b->cap, b->n + 1, sizeof(*b->arr));                               \
        b->arr[b->n++] = (type *)m;                                                                \
    } while (0)
    for (size_t i = 0; i < u->n_res; i++) {
        struct istio_meta *m = u->res[i];
        switch (m->kind) {
        case KIND_SERVICE_ENTRY:
            ADD(se, n_se, cap_se, struct service_entry);
            break;
        case KIND_GATEWAY:
            ADD(gw, n_gw, cap_gw, struct gateway);
            break;
        case KIND_VIRTUAL_SERVICE:
            ADD(vs, n_vs, cap_vs, struct virtual_service);
            break;
        case KIND_DESTINATION_RULE:
            ADD(dr, n_dr, cap_dr, struct destination_rule);
            break;
        }
    }
#undef ADD
}

static int has_parse_diags(const struct config_unit *u)
{
    return u->parse_diags.n || u->parse_diags.n_errors || u->parse_diags.n_warnings;
}

void builder_add_carried(struct builder *b, struct config_unit *u)
{
    b->nfiles++;
    xgrow((void **)&b->units, &b->cap_units, b->n_units + 1, sizeof(*b->units));
    b->units[b->n_units++] = u;
    file_list_add(&b->files, NULL, u);
    if (has_parse_diags(u))
        diags_append(b->diags, &u->parse_diags);
    b->carried = 1;
}

void builder_add_chunk(struct builder *b, struct file_chunk *c)
{
    b->nfiles += c->units;
    xgrow((void **)&b->units, &b->cap_units, b->n_units + c->units, sizeof(*b->units));
    for (size_t i = 0; i < c->n; i++)
        b->units[b->n_units++] = c->f[i].unit;
    for (size_t i = 0; c->diags && i < c->n; i++)
        if (has_parse_diags(c->f[i].unit))
            diags_append(b->diags, &c->f[i].unit->parse_diags);
    file_list_share(&b->files, c);
    b->carried = 1;
}

void builder_add_buffer(struct builder *b, const char *file, const char *buf, size_t len)
{
    uint64_t h = hash_bytes(HASH_SEED, buf, len);
    b->nfiles++;
    struct config_unit *u = b->cache ? cache_find(b->cache, file, h, len) : NULL;
    if (u != NULL) {
        __atomic_add_fetch(&u->refs, 1, __ATOMIC_RELAXED);
    } else {
        u = unit_parse(file, buf, len, h);
    }
    builder_add_unit(b, u);
    unit_unref(u);
}

/* Read a whole file (at most MAX_FILE_BYTES + 1 bytes) with read(2): no
 * stdio buffer per file, one read for most configuration files. Returns 0;
 * -1 when it cannot be opened, -2 read, -3 when it is too large (*out_len:
 * its size); errno tells why. */
static int read_fd(int fd, char **out, size_t *out_len)
{
    /* refuse a huge file before reading it; the loop below caps a file that
     * grows meanwhile (or a pipe) as well */
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > MAX_FILE_BYTES) {
        close(fd);
        *out = NULL;
        *out_len = (size_t)st.st_size;
        return -3;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        xgrow((void **)&buf, &cap, len + 8192, 1);
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            close(fd);
            free(buf);
            errno = e;
            return -2;
        }
        len += (size_t)got;
        if (got == 0 || len > MAX_FILE_BYTES)
            break;
    }
    close(fd);
    *out = buf;
    *out_len = len;
    return 0;
}

static int read_file(const char *path, char **out, size_t *out_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -1 : read_fd(fd, out, out_len);
}

static void file_error(struct builder *b, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void file_error(struct builder *b, const char *path, const char *fmt, ...)
{
    struct config_pos pos = {path, 0, 0};
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(b->diags, CONFIG_ERROR, pos, NULL, fmt, ap);
    va_end(ap);
}

static int too_large(struct builder *b, const char *path, unsigned long long size)
{
    file_error(b, path, "file is %llu bytes, over the limit of %u MiB (%u bytes) per file", size,
               MAX_FILE_BYTES >> 20, MAX_FILE_BYTES);
    return -1;
}

/* Add what read_fd() read (rc, its result) to b as path, or the reason
 * it could not be read. */
static int add_read(struct builder *b, const char *path, int rc, char *buf, size_t len)
{
    if (rc == -1) {
        file_error(b, path, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (rc == -2) {
        file_error(b, path, "cannot read: %s", strerror(errno));
        return -1;
    }
    if (rc == -3 || len > MAX_FILE_BYTES) {
        free(buf);
        return too_large(b, path, (unsigned long long)len);
    }
    builder_add_buffer(b, path, buf, len);
    free(buf);
    return 0;
}

int builder_add_stdin(struct builder *b, const char *name)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = read_fd(STDIN_FILENO, &buf, &len);
    return add_read(b, name, rc == -1 ? -2 : rc, buf, len);
}

int builder_add_file(struct builder *b, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = read_file(path, &buf, &len);
    return add_read(b, path, rc, buf, len);
}

int builder_add_path(struct builder *b, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        file_error(b, path, "cannot read: %s", strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return builder_add_file(b, path);
    char *root = config_root_name(path);
    struct tree_listing l;
    builder_list_tree(b, root, &l);
    int rc = l.errors ? -1 : 0;
    for (size_t i = 0; i < l.n; i++)
        if (builder_add_file(b, l.files[i]) < 0)
            rc = -1;
    tree_listing_release(&l);
    free(root);
    return rc;
}

struct config_set *config_load(const char *dir, struct config_diags *diags, size_t *nfiles)
{
    struct builder b;
    builder_init(&b, diags);
    builder_add_path(&b, dir);
    if (nfiles)
        *nfiles = b.nfiles;
    return builder_finish(&b);
}

struct config_set *config_parse(const char *name, const char *buf, size_t len,
                                struct config_diags *diags)
{
    struct builder b;
    builder_init(&b, diags);
    builder_add_buffer(&b, name, buf, len);
    return builder_finish(&b);
}

struct config_set *config_parse_sources(const struct config_source *src, size_t n,
                                        struct config_diags *diags)
{
    struct builder b;
    builder_init(&b, diags);
    for (size_t i = 0; i < n; i++)
        builder_add_buffer(&b, src[i].name, src[i].data, src[i].len);
    return builder_finish(&b);
}
