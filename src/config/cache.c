/* cache.c - the parsed files kept between loads of one directory, and the
 * reload that reads only the files known to have changed.
 *
 * After a load of a directory the cache holds every YAML file the walk
 * listed, in load order, with its parsed unit (or none when it could not be
 * read). When the watcher can name the files that changed since, the next
 * load starts from that list: unchanged files are neither listed, opened,
 * read nor hashed again; each changed one is looked at (read, added or
 * dropped) and put in its sorted place. The files, their order and so the
 * set, its hash and its diagnostics are those of a full walk. Whatever the
 * list cannot stand for - links (whose targets change unseen), directories
 * that could not be read, a root that is another directory now, a changed
 * name that is not a plain file - makes the load a full one. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xdsd/util.h"

struct cache_file {
    char *path;               /* NULL: the unit's */
    struct config_unit *unit; /* NULL: the file could not be read */
};

struct config_cache {
    struct cache_file *files; /* sorted by path */
    size_t n;
    char *root; /* these are all the YAML files under root; NULL: unknown */
    dev_t dev;  /* root's identity when they were listed */
    ino_t ino;
    int partial;                /* the last load read only the changed files */
    struct cross_memo *memo;    /* validate_cross's results of the last load */
    struct xref_index *xindex;  /* and its lookups */
    struct sorted_kinds sorted; /* the last load's resources in order */
    struct config_set *set;     /* the set the last load made, or NULL */
    struct config_set *older;   /* the one the load before made, if set was made from it */
    struct kind_patch patch[4]; /* set's arrays against older's */
};

struct config_cache *config_cache_new(void)
{
    return xcalloc(1, sizeof(struct config_cache));
}

static void files_release(struct cache_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(files[i].path);
        unit_unref(files[i].unit);
    }
    free(files);
}

void config_cache_free(struct config_cache *c)
{
    if (c == NULL)
        return;
    files_release(c->files, c->n);
    free(c->root);
    cross_memo_free(c->memo);
    xref_index_free(c->xindex);
    sorted_kinds_release(&c->sorted);
    config_unref(c->set);
    config_unref(c->older);
    for (int k = 0; k < 4; k++)
        free(c->patch[k].at);
    free(c);
}

static const char *file_path(const struct cache_file *f)
{
    return f->path ? f->path : f->unit->path;
}

struct config_unit *cache_find(const struct config_cache *c, const char *path, uint64_t hash,
                               size_t len)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(file_path(&c->files[mid]), path);
        if (cmp == 0) {
            struct config_unit *u = c->files[mid].unit;
            return u && u->hash == hash && u->len == len ? u : NULL;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The files of the load being made, in order; they become the cache's. */
struct file_list {
    struct cache_file *files;
    size_t n, cap;
};

/* Add path (l's now) and u (l takes a reference). */
static void list_add(struct file_list *l, char *path, struct config_unit *u)
{
    if (u) {
        __atomic_add_fetch(&u->refs, 1, __ATOMIC_RELAXED);
        free(path);
        path = NULL;
    }
    xgrow((void **)&l->files, &l->cap, l->n + 1, sizeof(*l->files));
    l->files[l->n++] = (struct cache_file){path, u};
}

/* Read path into b and add it to l (path is l's now). Returns its unit,
 * or NULL when it could not be read. */
static struct config_unit *add_read(struct builder *b, struct file_list *l, char *path)
{
    struct config_unit *u = builder_add_file(b, path) == 0 ? b->units[b->n_units - 1] : NULL;
    list_add(l, path, u);
    return u;
}

static void push_unit(const struct config_unit ***arr, size_t *n, size_t *cap,
                      const struct config_unit *u)
{
    if (u == NULL)
        return;
    xgrow((void **)arr, cap, *n + 1, sizeof(**arr));
    (*arr)[(*n)++] = u;
}

/* ---- the full load ------------------------------------------------------------------ */

static void load_full(struct builder *b, struct config_cache *c, const char *dir,
                      struct file_list *l)
{
    free(c->root);
    c->root = NULL;
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        builder_add_path(b, dir); /* one file, or the error */
        for (size_t i = 0; i < b->n_units; i++)
            list_add(l, NULL, b->units[i]);
        return;
    }
    char *root = config_root_name(dir);
    struct tree_listing t;
    builder_list_tree(b, root, &t);
    for (size_t i = 0; i < t.n; i++)
        add_read(b, l, t.files[i]);
    if (t.errors == 0 && t.links == 0) {
        c->root = root;
        c->dev = st.st_dev;
        c->ino = st.st_ino;
    } else {
        free(root);
    }
    free(t.files); /* the paths are l's */
}

/* ---- the load of changed files ------------------------------------------------------ */

struct change {
    char *path;
    int present; /* a plain file now: read it; else it is gone */
};

static int change_cmp(const void *pa, const void *pb)
{
    return strcmp(((const struct change *)pa)->path, ((const struct change *)pb)->path);
}

/* Whether the walk would list path (under root): a visible YAML name in
 * visible directories. */
static int listable(const char *root, const char *path)
{
    size_t rlen = strlen(root);
    if (strncmp(path, root, rlen) != 0 || path[rlen] != '/')
        return 0;
    for (const char *p = path + rlen; p; p = strchr(p + 1, '/'))
        if (p[1] == '.' || p[1] == '/' || p[1] == '\0')
            return 0;
    const char *name = strrchr(path, '/') + 1;
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Look at each changed path, sorted and without repeats, into *out.
 * Returns -1 when a full load is needed. */
static int plan(const struct config_cache *c, const char *dir, const char *const *changed, size_t n,
                struct change **out, size_t *n_out)
{
    struct stat st;
    char *root = config_root_name(dir);
    int same = c->root && strcmp(root, c->root) == 0 && stat(root, &st) == 0 &&
               S_ISDIR(st.st_mode) && st.st_dev == c->dev && st.st_ino == c->ino;
    free(root);
    if (!same)
        return -1;
    struct change *ch = xcalloc(n ? n : 1, sizeof(*ch));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        ch[k++].path = (char *)changed[i];
    qsort(ch, k, sizeof(*ch), change_cmp);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && strcmp(ch[m - 1].path, ch[i].path) == 0)
            continue;
        if (!listable(c->root, ch[i].path))
            goto full;
        /* what the walk would make of it; it follows links, so a link (or
         * a directory named like a file) is left to the walk */
        if (lstat(ch[i].path, &st) == 0) {
            if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode))
                goto full;
            ch[m].present = S_ISREG(st.st_mode);
        } else if (errno == ENOENT || errno == ENOTDIR) {
            ch[m].present = 0;
        } else {
            goto full;
        }
        ch[m].path = xstrdup(ch[i].path);
        m++;
    }
    *out = ch;
    *n_out = m;
    return 0;
full:
    for (size_t i = 0; i < m; i++)
        free(ch[i].path);
    free(ch);
    return -1;
}

/* The cache's list with the changes merged in, read into b. The old list
 * stays whole (cache_find() reads it) until the caller replaces it. */
static void load_changes(struct builder *b, const struct config_cache *c, struct change *ch,
                         size_t n, struct file_list *l)
{
    size_t i = 0, j = 0;
    while (i < c->n || j < n) {
        /* the units of 10,000 files are far apart in memory: ask for the
         * next ones (and their names, which are hashed) ahead of use */
        if (i + 16 < c->n)
            __builtin_prefetch(c->files[i + 16].unit);
        if (i + 8 < c->n && c->files[i + 8].unit)
            __builtin_prefetch(c->files[i + 8].unit->path);
        int cmp = i == c->n ? 1 : j == n ? -1 : strcmp(file_path(&c->files[i]), ch[j].path);
        if (cmp < 0) {
            const struct cache_file *f = &c->files[i++];
            if (f->unit) {
                builder_add_carried(b, f->unit);
                list_add(l, NULL, f->unit);
            } else { /* its error may have gone */
                struct config_unit *u = add_read(b, l, xstrdup(f->path));
                push_unit(&b->fresh, &b->n_fresh, &b->cap_fresh, u);
            }
            continue;
        }
        if (cmp == 0)
            push_unit(&b->gone, &b->n_gone, &b->cap_gone, c->files[i++].unit);
        if (ch[j].present)
            push_unit(&b->fresh, &b->n_fresh, &b->cap_fresh, add_read(b, l, ch[j].path));
        else
            free(ch[j].path);
        j++;
    }
}

struct config_set *config_load_changed(const char *dir, struct config_cache *cache,
                                       const char *const *changed, size_t n,
                                       struct config_diags *diags, size_t *nfiles)
{
    struct builder b;
    builder_init(&b, diags);
    b.cache = cache;
    struct file_list l = {NULL, 0, 0};
    struct change *ch = NULL;
    size_t nch = 0;
    cache->partial = changed != NULL && plan(cache, dir, changed, n, &ch, &nch) == 0;
    if (cache->partial)
        load_changes(&b, cache, ch, nch, &l);
    else
        load_full(&b, cache, dir, &l);
    free(ch);
    if (nfiles)
        *nfiles = b.nfiles;
    b.memo = &cache->memo;
    b.xindex = &cache->xindex;
    b.sorted = &cache->sorted;
    b.memo_usable = cache->partial;
    b.prev = cache->partial ? cache->set : NULL;
    b.older = b.prev ? cache->older : NULL;
    b.patch = cache->patch;
    const struct config_unit **fresh = b.fresh, **gone = b.gone;
    struct config_set *s = builder_finish(&b);
    /* a set kept for the next load's copies: the arrays of the one before
     * are taken over once nobody else holds it */
    config_unref(cache->older);
    cache->older = s ? cache->set : NULL;
    if (!s)
        config_unref(cache->set);
    cache->set = config_ref(s);
    /* the units of files gone or changed live until the checks are done */
    files_release(cache->files, cache->n);
    cache->files = l.files;
    cache->n = l.n;
    free(fresh);
    free(gone);
    return s;
}

int config_cache_partial(const struct config_cache *c)
{
    return c->partial;
}

struct config_set *config_load_cached(const char *dir, struct config_cache *cache,
                                      struct config_diags *diags, size_t *nfiles)
{
    return config_load_changed(dir, cache, NULL, 0, diags, nfiles);
}
