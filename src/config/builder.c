/* builder.c - the files of a load into the builder: reading them (a file,
 * standard input, every YAML file under a directory), parsing each into a
 * unit or taking the unit the last load made of it, and the resources of
 * each kind in load order. */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "tree.h"
#include "xdsd/util.h"

#define MAX_FILE_BYTES (64u << 20)

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
    return b->n_se + b->n_gw + b->n_vs + b->n_dr + b->n_sc + b->n_we;
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
        case KIND_SIDECAR:
            ADD(sc, n_sc, cap_sc, struct sidecar);
            break;
        case KIND_WORKLOAD_ENTRY:
            ADD(we, n_we, cap_we, struct workload_entry);
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
    struct config_unit *u = b->reuse ? file_list_find(b->reuse, file, h, len) : NULL;
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
    tree_list(b->diags, root, &l);
    int rc = l.errors ? -1 : 0;
    for (size_t i = 0; i < l.n; i++)
        if (builder_add_file(b, l.files[i]) < 0)
            rc = -1;
    tree_listing_release(&l);
    free(root);
    return rc;
}
