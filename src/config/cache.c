/* cache.c - the parsed files kept between loads of one directory, and the
 * reload that reads only the files known to have changed.
 *
 * After a load of a directory the cache holds every YAML file the walk
 * listed, in load order, with its parsed unit (or none when it could not be
 * read), in runs of up to 64 (file_list.c). When the watcher can name the
 * files that changed since, the next load starts from that list: unchanged
 * files are neither listed, opened, read nor hashed again, and a run none of
 * whose files changed is taken whole; each changed file is looked at (read,
 * added or dropped) and put in its sorted place. The files, their order and
 * so the set, its hash and its diagnostics are those of a full walk. The
 * cache also keeps what the checks across resources found and looked up
 * (xref_memo.c, xref_index.c), the resources in order and the last two sets
 * (set.c), each brought up to date from the changed files. Whatever the
 * list cannot stand for - links (whose targets change unseen), directories
 * that could not be read, a root that is another directory now, a changed
 * name that is not a plain file - makes the load a full one.
 *
 * Named buffers held in memory (etcd's values, mem_load.c) go through the
 * same cache: their changes carry the new bytes instead of a path to read
 * (struct cache_change), and the rest of the load is the same. */
#include "build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tree.h"
#include "xdsd/util.h"

struct config_cache {
    struct file_list files; /* sorted by path */
    uint64_t content_id;    /* of the last load (struct builder) */
    char *root;             /* these are all the YAML files under root; NULL: unknown */
    dev_t dev;              /* root's identity when they were listed */
    ino_t ino;
    int partial;                /* the last load read only the changed files */
    int buffers;                /* files holds named buffers (cache_load()), not a tree */
    struct cross_memo *memo;    /* validate_cross's results of the last load */
    struct xref_index *xindex;  /* and its lookups */
    struct sorted_kinds sorted; /* the last load's resources in order */
    struct config_set *set;     /* the set the last load made, or NULL */
    struct config_set *older;   /* the one the load before made, if set was made from it */
    struct kind_patch patch[CONFIG_NKINDS]; /* set's arrays against older's */
};

struct config_cache *config_cache_new(void)
{
    return xcalloc(1, sizeof(struct config_cache));
}

void config_cache_free(struct config_cache *c)
{
    if (c == NULL)
        return;
    file_list_release(&c->files);
    free(c->root);
    cross_memo_free(c->memo);
    xref_index_free(c->xindex);
    sorted_kinds_release(&c->sorted);
    config_unref(c->set);
    config_unref(c->older);
    for (int k = 0; k < CONFIG_NKINDS; k++)
        free(c->patch[k].at);
    free(c);
}

/* Read path into b (path is b's now). Returns its unit, or NULL when it
 * could not be read (then the path is listed, to be read again). */
static struct config_unit *add_read(struct builder *b, char *path)
{
    if (builder_add_file(b, path) == 0) {
        free(path);
        return b->units[b->n_units - 1];
    }
    file_list_add(&b->files, path, NULL);
    return NULL;
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

static void load_full(struct builder *b, struct config_cache *c, const char *dir)
{
    free(c->root);
    c->root = NULL;
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        builder_add_path(b, dir); /* one file, or the error */
        return;
    }
    char *root = config_root_name(dir);
    struct tree_listing t;
    tree_list(b->diags, root, &t);
    for (size_t i = 0; i < t.n; i++)
        add_read(b, t.files[i]);
    if (t.errors == 0 && t.links == 0) {
        c->root = root;
        c->dev = st.st_dev;
        c->ino = st.st_ino;
    } else {
        free(root);
    }
    free(t.files); /* the paths are b's */
    free(t.ids);
}

/* ---- the load of changed files ------------------------------------------------------ */

static int change_cmp(const void *pa, const void *pb)
{
    return strcmp(((const struct cache_change *)pa)->path,
                  ((const struct cache_change *)pb)->path);
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
                struct cache_change **out, size_t *n_out)
{
    struct stat st;
    char *root = config_root_name(dir);
    int same = c->root && strcmp(root, c->root) == 0 && stat(root, &st) == 0 &&
               S_ISDIR(st.st_mode) && st.st_dev == c->dev && st.st_ino == c->ino;
    free(root);
    if (!same)
        return -1;
    struct cache_change *ch = xcalloc(n ? n : 1, sizeof(*ch));
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

/* The files of chunk k merged with the changes ch (those that sort before
 * the next chunk), read into b. */
static void merge_chunk(struct builder *b, const struct file_chunk *k, struct cache_change *ch,
                        size_t n)
{
    size_t i = 0, j = 0;
    while (i < k->n || j < n) {
        int cmp = i == k->n ? 1 : j == n ? -1 : strcmp(cache_file_path(&k->f[i]), ch[j].path);
        if (cmp < 0) {
            const struct cache_file *f = &k->f[i++];
            if (f->unit) {
                builder_add_carried(b, f->unit);
            } else { /* its error may have gone */
                struct config_unit *u = add_read(b, xstrdup(f->path));
                push_unit(&b->fresh, &b->n_fresh, &b->cap_fresh, u);
            }
            continue;
        }
        if (cmp == 0)
            push_unit(&b->gone, &b->n_gone, &b->cap_gone, k->f[i++].unit);
        if (ch[j].present && ch[j].data == NULL) {
            push_unit(&b->fresh, &b->n_fresh, &b->cap_fresh, add_read(b, ch[j].path));
        } else if (ch[j].present) {
            builder_add_buffer(b, ch[j].path, ch[j].data, ch[j].len);
            push_unit(&b->fresh, &b->n_fresh, &b->cap_fresh, b->units[b->n_units - 1]);
            free(ch[j].path);
        } else {
            free(ch[j].path);
        }
        j++;
    }
}

/* The cache's list with the changes merged in, read into b: the chunks
 * where nothing changed are shared whole (unless small: then their files
 * join a new chunk, so that edits do not leave the list in crumbs). The old
 * list stays whole (file_list_find() reads it) until the caller replaces it. */
static void load_changes(struct builder *b, const struct config_cache *c, struct cache_change *ch,
                         size_t n)
{
    if (c->files.n == 0) {
        merge_chunk(b, &(struct file_chunk){0}, ch, n);
        return;
    }
    /* each change goes to the last chunk whose first file sorts before it
     * (or the first chunk): a binary search each */
    size_t *at = xcalloc(n + 1, sizeof(*at));
    for (size_t j = 0; j < n; j++)
        at[j] = file_list_chunk_of(&c->files, ch[j].path);
    size_t j = 0;
    for (size_t ci = 0; ci < c->files.n; ci++) {
        const struct file_chunk *k = c->files.items[ci];
        size_t end = j;
        while (end < n && at[end] == ci)
            end++;
        if (end == j && !k->unread && k->n >= CHUNK_FILES / 4) {
            builder_add_chunk(b, (struct file_chunk *)k);
            continue;
        }
        merge_chunk(b, k, ch + j, end - j);
        j = end;
    }
    free(at);
}

const struct file_list *cache_files(const struct config_cache *c)
{
    return &c->files;
}

int cache_holds_buffers(const struct config_cache *c)
{
    return c->buffers;
}

struct config_set *cache_load(struct config_cache *cache, struct builder *b,
                              struct cache_change *ch, size_t nch, int partial, int buffers,
                              size_t *nfiles)
{
    cache->partial = partial;
    cache->buffers = buffers;
    if (buffers) { /* no tree behind the files */
        free(cache->root);
        cache->root = NULL;
    }
    if (partial) {
        b->content_id = cache->content_id;
        load_changes(b, cache, ch, nch);
        for (size_t i = 0; i < b->n_gone; i++)
            b->content_id -= unit_content_id(b->gone[i]);
    }
    if (nfiles)
        *nfiles = b->nfiles;
    b->memo = &cache->memo;
    b->xindex = &cache->xindex;
    b->sorted = &cache->sorted;
    b->memo_usable = partial;
    b->prev = partial ? cache->set : NULL;
    b->older = b->prev ? cache->older : NULL;
    b->patch = cache->patch;
    const struct config_unit **fresh = b->fresh, **gone = b->gone;
    struct config_set *s = builder_finish(b);
    cache->content_id = b->content_id;
    /* sets kept for the next load's copies: the arrays of the one before
     * are taken over once nobody else holds it (a spare copy when this set
     * was not made from the last) */
    config_unref(cache->older);
    cache->older = NULL;
    if (b->spare != NULL)
        cache->older = b->spare;
    else if (s != NULL)
        cache->older = cache->set;
    if (cache->older != cache->set)
        config_unref(cache->set);
    cache->set = config_ref(s);
    /* the units of files gone or changed live until the checks are done */
    file_list_release(&cache->files);
    cache->files = b->files;
    free(fresh);
    free(gone);
    return s;
}

struct config_set *config_load_changed(const char *dir, struct config_cache *cache,
                                       const char *const *changed, size_t n,
                                       struct config_diags *diags, size_t *nfiles)
{
    struct builder b;
    builder_init(&b, diags);
    b.reuse = &cache->files;
    struct cache_change *ch = NULL;
    size_t nch = 0;
    int partial =
        changed != NULL && !cache->buffers && plan(cache, dir, changed, n, &ch, &nch) == 0;
    if (!partial)
        load_full(&b, cache, dir);
    struct config_set *s = cache_load(cache, &b, ch, nch, partial, 0, nfiles);
    free(ch);
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
