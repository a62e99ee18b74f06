/* file_list.c - the files of a load in runs of up to CHUNK_FILES, each run
 * holding a reference on its units.
 *
 * A set must keep the units its resources live in. At 10,000 files, taking
 * and dropping a reference on every unit (each in its own corner of memory)
 * for every reload costs as much as the rest of a one-file reload; sharing
 * the runs in which no file changed costs one reference per 64 files. */
#include "reuse.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "xdsd/sorted.h"
#include "xdsd/util.h"

const char *cache_file_path(const struct cache_file *f)
{
    return f->path ? f->path : f->unit->path;
}

void file_chunk_unref(struct file_chunk *c)
{
    if (c == NULL || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->f[i].path);
        unit_unref(c->f[i].unit);
    }
    free(c);
}

void file_list_add(struct file_list *l, char *path, struct config_unit *u)
{
    if (!l->open || l->items[l->n - 1]->n == CHUNK_FILES) {
        xgrow((void **)&l->items, &l->cap, l->n + 1, sizeof(*l->items));
        l->items[l->n++] = xcalloc(1, sizeof(struct file_chunk));
        l->items[l->n - 1]->refs = 1;
        l->open = 1;
    }
    struct file_chunk *c = l->items[l->n - 1];
    if (u) {
        __atomic_add_fetch(&u->refs, 1, __ATOMIC_RELAXED);
        free(path);
        path = NULL;
        c->units++;
    } else {
        c->unread = 1;
    }
    c->f[c->n++] = (struct cache_file){path, u};
}

void file_list_share(struct file_list *l, struct file_chunk *c)
{
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
    xgrow((void **)&l->items, &l->cap, l->n + 1, sizeof(*l->items));
    l->items[l->n++] = c;
    l->open = 0;
}

void file_list_release(struct file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        file_chunk_unref(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static int has_findings(const struct config_unit *u)
{
    return u->parse_diags.n || u->parse_diags.n_errors || u->parse_diags.n_warnings ||
           u->check_diags.n || u->check_diags.n_errors || u->check_diags.n_warnings;
}

void file_list_seal(struct file_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct file_chunk *c = l->items[i];
        if (c->sealed)
            continue;
        for (size_t j = 0; j < c->n && !c->diags; j++)
            c->diags = c->f[j].unit && has_findings(c->f[j].unit);
        c->sealed = 1;
    }
    l->open = 0;
}

/* A path against the first file of a chunk, a chunk that starts with it
 * counting as before it: lower_bound() then finds the first chunk after. */
static int chunk_key_cmp(const void *path, const void *elem)
{
    const struct file_chunk *c = *(struct file_chunk *const *)elem;
    return strcmp(path, cache_file_path(&c->f[0])) >= 0 ? 1 : -1;
}

size_t file_list_chunk_of(const struct file_list *l, const char *path)
{
    size_t after = lower_bound(path, l->items, l->n, sizeof(*l->items), chunk_key_cmp);
    return after > 0 ? after - 1 : 0;
}

static int file_key_cmp(const void *path, const void *elem)
{
    return strcmp(path, cache_file_path(elem));
}

struct config_unit *file_list_find(const struct file_list *l, const char *path, uint64_t hash,
                                   size_t len)
{
    if (l->n == 0)
        return NULL;
    const struct file_chunk *k = l->items[file_list_chunk_of(l, path)];
    const struct cache_file *f = sorted_find(path, k->f, k->n, sizeof(k->f[0]), file_key_cmp);
    struct config_unit *u = f ? f->unit : NULL;
    return u && u->hash == hash && u->len == len ? u : NULL;
}
