/* load.c - files and documents into resources: the directory walk, the
 * Kubernetes envelope (apiVersion, kind, metadata, List) and the entry points
 * config_load() and config_parse(). */
#include "internal.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xdsd/log.h"
#include "xdsd/util.h"

#define MAX_FILE_BYTES (64u << 20)
#define MAX_DIR_DEPTH 32

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
    b->hash = HASH_SEED;
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

/* A fresh resource of kind k, zeroed, registered in the builder. */
static struct istio_meta *new_resource(struct builder *b, enum istio_kind k)
{
    struct arena *a = &b->set->arena;
#define ADD(arr, n, cap, type)                                                                     \
    do {                                                                                           \
        type *r = arena_alloc(a, sizeof(type));                                                    \
        xgrow((void **)&b->arr, &b->cap, b->n + 1, sizeof(*b->arr));                               \
        b->arr[b->n++] = r;                                                                        \
        return &r->meta;                                                                           \
    } while (0)
    switch (k) {
    case KIND_SERVICE_ENTRY:
        ADD(se, n_se, cap_se, struct service_entry);
    case KIND_GATEWAY:
        ADD(gw, n_gw, cap_gw, struct gateway);
    case KIND_VIRTUAL_SERVICE:
        ADD(vs, n_vs, cap_vs, struct virtual_service);
    case KIND_DESTINATION_RULE:
        ADD(dr, n_dr, cap_dr, struct destination_rule);
    }
#undef ADD
    return NULL;
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

static void add_resource(struct builder *b, struct dctx *c, const struct cnode *root,
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
    dc_map(c, md, meta_fields, m, sizeof(*m));
    if (ns == NULL || ns->type != CN_SCALAR || !*ns->str)
        m->namespace = arena_strdup(c->a, "default");
    c->resource = meta_label(c->a, m);
    dc_map(c, root, top_fields, m, sizeof(*m) + 1);
    decode_spec(c, m, cnode_get(root, "spec"));
    c->resource = NULL;
}

static void add_document(struct builder *b, struct dctx *c, const struct cnode *root, int in_list)
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

void builder_add_buffer(struct builder *b, const char *file, const char *buf, size_t len)
{
    struct arena tmp;
    struct cdoc *docs;
    size_t ndocs;
    arena_init(&tmp);
    b->nfiles++;
    b->hash = hash_bytes(b->hash, file, strlen(file) + 1);
    b->hash = hash_bytes(b->hash, buf, len);
    set_add_source(b->set, file, buf, len);
    struct dctx c = {&b->set->arena, b->diags, &b->pos, arena_strdup(&b->set->arena, file),
                     NULL,           0};
    cyaml_parse(&tmp, c.file, buf, len, &docs, &ndocs, b->diags);
    for (size_t i = 0; i < ndocs; i++)
        if (docs[i].root)
            add_document(b, &c, docs[i].root, 0);
    free(docs);
    arena_release(&tmp);
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

static int add_file(struct builder *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        file_error(b, path, "cannot open: %s", strerror(errno));
        return -1;
    }
    /* refuse a huge file before reading it; the read below caps a file that
     * grows meanwhile (or a pipe) as well */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > MAX_FILE_BYTES) {
        fclose(f);
        return too_large(b, path, (unsigned long long)st.st_size);
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        xgrow((void **)&buf, &cap, len + 65536, 1);
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0 || len > MAX_FILE_BYTES)
            break;
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    int rc = -1;
    if (err)
        file_error(b, path, "cannot read: %s", strerror(err));
    else if (len > MAX_FILE_BYTES)
        too_large(b, path, (unsigned long long)len);
    else {
        builder_add_buffer(b, path, buf, len);
        rc = 0;
    }
    free(buf);
    return rc;
}

static int is_yaml_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the YAML files under dir. Hidden entries are skipped: a ConfigMap
 * volume keeps its real files in "..data" and "..TIMESTAMP" behind visible
 * symlinks, and editors keep their swap and lock files hidden. */
static void walk(struct builder *b, const char *dir, int depth, char ***files, size_t *n,
                 size_t *cap)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        /* an unreadable directory is not an empty one: withdrawing every
         * resource it held would be the wrong answer */
        file_error(b, dir, "cannot read directory: %s", strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth < MAX_DIR_DEPTH) {
            walk(b, path, depth + 1, files, n, cap);
        } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && is_yaml_name(e->d_name)) {
            xgrow((void **)files, cap, *n + 1, sizeof(**files));
            (*files)[(*n)++] = path;
            continue;
        }
        free(path);
    }
    closedir(d);
}

int builder_add_path(struct builder *b, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        file_error(b, path, "cannot read: %s", strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return add_file(b, path);
    char **files = NULL;
    size_t n = 0, cap = 0;
    size_t plen = strlen(path);
    while (plen > 1 && path[plen - 1] == '/')
        plen--;
    char *root = xstrndup(path, plen);
    walk(b, root, 0, &files, &n, &cap);
    if (n > 1)
        qsort(files, n, sizeof(*files), cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (add_file(b, files[i]) < 0)
            rc = -1;
        free(files[i]);
    }
    free(files);
    free(root);
    return rc;
}

struct config_set *config_load_paths(const char *const *paths, size_t npaths,
                                     struct config_diags *diags, size_t *nfiles, size_t *nresources)
{
    struct builder b;
    builder_init(&b, diags);
    for (size_t i = 0; i < npaths; i++)
        builder_add_path(&b, paths[i]);
    if (nfiles)
        *nfiles = b.nfiles;
    if (nresources)
        *nresources = builder_resources(&b);
    return builder_finish(&b);
}

struct config_set *config_load(const char *dir, struct config_diags *diags, size_t *nfiles)
{
    return config_load_paths(&dir, 1, diags, nfiles, NULL);
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
