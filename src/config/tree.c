/* tree.c - the YAML files under a directory, as a load reads them.
 *
 * The walk follows symbolic links (a ConfigMap volume is made of them) and
 * still reads each real directory and file once: directories are known by
 * device and inode, so a link back to a parent is a loop reported once
 * instead of a walk dozens of levels deep, and two paths to one file are one
 * file. The real tree is walked first and links to directories after it, in
 * order of their paths, so that which path a file is read under depends on
 * the tree, not on the order readdir() returns entries in. A YAML-named link
 * that leads nowhere is an error: treating it as a deleted file would
 * withdraw what the file held. */
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "xdsd/arena.h"
#include "xdsd/map.h"
#include "xdsd/util.h"

#define MAX_DIR_DEPTH 32
/* Hops followed to explain an unresolvable link (the kernel stops at 40). */
#define MAX_HOPS 40

/* ---- (device, inode) -> index --------------------------------------------------------- */

static int id_eq(struct file_id a, struct file_id b)
{
    return a.dev == b.dev && a.ino == b.ino;
}

/* The ids are hashed and compared as bytes. */
_Static_assert(sizeof(struct file_id) == sizeof(dev_t) + sizeof(ino_t), "file_id has padding");

size_t inode_map_get(const struct inode_map *m, struct file_id id)
{
    /* values are stored plus one: an absent id reads as SIZE_MAX */
    return m->ready ? (size_t)(uintptr_t)map_get(&m->ids, &id) - 1 : SIZE_MAX;
}

int inode_map_put(struct inode_map *m, struct file_id id, size_t value)
{
    if (!m->ready) {
        map_init_bytes(&m->ids, NULL, sizeof(id));
        m->ready = 1;
    }
    void *v = (void *)(uintptr_t)(value + 1);
    struct map_slot *slot = map_find(&m->ids, &id);
    if (slot != NULL) {
        slot->val = v;
        return 0;
    }
    /* the map keeps keys by address: each id is copied into the arena */
    struct file_id *key = arena_alloc(&m->keys, sizeof(*key));
    *key = id;
    map_add(&m->ids, key, v);
    return 1;
}

void inode_map_release(struct inode_map *m)
{
    map_release(&m->ids);
    arena_release(&m->keys);
    memset(m, 0, sizeof(*m));
}

/* ---- the walk ------------------------------------------------------------------------- */

/* A directory read, by the path it was read under. */
struct walked_dir {
    struct file_id id;
    size_t parent; /* index in the walker's dirs, or SIZE_MAX for the root */
    char *path;
};

/* A link to a directory, followed once the real tree is read. */
struct dir_link {
    char *path;
    size_t parent; /* the directory holding the link */
    int depth;
};

/* A YAML-named link that cannot be followed, reported once the walk is done. */
struct broken_link {
    char *path;
    int err;
};

struct walker {
    struct config_diags *diags;
    struct tree_listing *l;
    struct walked_dir *dirs;
    size_t n_dirs, cap_dirs;
    struct inode_map dir_ids; /* -> index in dirs */
    struct dir_link *links;
    size_t n_links, cap_links;
    struct broken_link *broken;
    size_t n_broken, cap_broken;
};

static void finding(struct config_diags *d, enum config_severity sev, const char *path,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void finding(struct config_diags *d, enum config_severity sev, const char *path,
                    const char *fmt, ...)
{
    struct config_pos pos = {path, 0, 0};
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, sev, pos, NULL, fmt, ap);
    va_end(ap);
}

int config_is_yaml_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* What a link says, or "?" when it cannot be read (the caller frees). */
static char *link_text(const char *path)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    if (n < 0)
        return xstrdup("?");
    buf[n] = '\0';
    return xstrdup(buf);
}

/* Append a file (path taken): files and ids grow together. */
static void add_file(struct walker *w, char *path, struct file_id id)
{
    struct tree_listing *l = w->l;
    if (l->n == l->cap) {
        size_t cap = l->cap;
        xgrow((void **)&l->files, &cap, l->n + 1, sizeof(*l->files));
        xgrow((void **)&l->ids, &l->cap, l->n + 1, sizeof(*l->ids));
    }
    l->files[l->n] = path;
    l->ids[l->n++] = id;
}

/* The index of the directory among dir's ancestors (dir included) that is
 * id, or SIZE_MAX. */
static size_t ancestor(const struct walker *w, size_t dir, struct file_id id)
{
    for (size_t i = dir; i != SIZE_MAX; i = w->dirs[i].parent)
        if (id_eq(w->dirs[i].id, id))
            return i;
    return SIZE_MAX;
}

/* Record path (a directory that is id) as read, unless it was read before:
 * then say why it is not read again (through the link it was reached by,
 * if any). Returns 1 when it is to be read. */
static int enter_dir(struct walker *w, const char *path, size_t parent, struct file_id id,
                     int is_link)
{
    size_t seen = inode_map_get(&w->dir_ids, id);
    if (seen != SIZE_MAX) {
        char *target = is_link ? link_text(path) : NULL;
        char *what = target ? xasprintf("symbolic link to '%s': ", target) : xstrdup("");
        if (parent != SIZE_MAX && ancestor(w, parent, id) != SIZE_MAX)
            finding(w->diags, CONFIG_WARNING, path,
                    "%sloops back to '%s', which holds it: not followed", what, w->dirs[seen].path);
        else
            finding(w->diags, CONFIG_WARNING, path,
                    "%sthe directory already read as '%s': not read twice", what,
                    w->dirs[seen].path);
        free(what);
        free(target);
        return 0;
    }
    xgrow((void **)&w->dirs, &w->cap_dirs, w->n_dirs + 1, sizeof(*w->dirs));
    w->dirs[w->n_dirs] = (struct walked_dir){id, parent, xstrdup(path)};
    inode_map_put(&w->dir_ids, id, w->n_dirs++);
    return 1;
}

static void walk_dir(struct walker *w, const char *path, size_t parent, int depth, int is_link);

/* One entry of directory self (on device dev), named path (taken). */
static void on_entry(struct walker *w, char *path, const struct dirent *e, size_t self, int depth,
                     dev_t dev)
{
    /* the entry's type saves a stat per file; links are followed */
    if (e->d_type == DT_DIR) {
        if (depth < MAX_DIR_DEPTH)
            walk_dir(w, path, self, depth + 1, 0);
        free(path);
        return;
    }
    int yaml = config_is_yaml_name(e->d_name);
    if (e->d_type == DT_REG) {
        if (yaml)
            add_file(w, path, (struct file_id){dev, e->d_ino});
        else
            free(path);
        return;
    }
    struct stat st;
    int link = e->d_type == DT_LNK;
    if (e->d_type == DT_UNKNOWN) {
        if (lstat(path, &st) < 0) {
            free(path); /* gone meanwhile */
            return;
        }
        link = S_ISLNK(st.st_mode);
    } else if (!link) {
        free(path); /* a socket, a fifo, a device */
        return;
    }
    if (link) {
        w->l->links++;
        if (stat(path, &st) < 0) {
            if (!yaml) {
                free(path); /* not a configuration file, whatever it was */
                return;
            }
            xgrow((void **)&w->broken, &w->cap_broken, w->n_broken + 1, sizeof(*w->broken));
            w->broken[w->n_broken++] = (struct broken_link){path, errno};
            return;
        }
    }
    if (S_ISDIR(st.st_mode) && link && depth < MAX_DIR_DEPTH) {
        xgrow((void **)&w->links, &w->cap_links, w->n_links + 1, sizeof(*w->links));
        w->links[w->n_links++] = (struct dir_link){path, self, depth + 1};
        return;
    }
    if (S_ISDIR(st.st_mode) && depth < MAX_DIR_DEPTH)
        walk_dir(w, path, self, depth + 1, 0);
    else if (S_ISREG(st.st_mode) && yaml) {
        add_file(w, path, (struct file_id){st.st_dev, st.st_ino});
        return;
    }
    free(path);
}

/* Hidden entries are skipped: a ConfigMap volume keeps its real files in
 * "..data" and "..TIMESTAMP" behind visible symlinks, and editors keep
 * their swap and lock files hidden. */
static void walk_dir(struct walker *w, const char *path, size_t parent, int depth, int is_link)
{
    DIR *d = opendir(path);
    struct stat st;
    if (d == NULL || fstat(dirfd(d), &st) < 0) {
        /* an unreadable directory is not an empty one: withdrawing every
         * resource it held would be the wrong answer */
        finding(w->diags, CONFIG_ERROR, path, "cannot read directory: %s", strerror(errno));
        w->l->errors++;
        if (d)
            closedir(d);
        return;
    }
    if (!enter_dir(w, path, parent, (struct file_id){st.st_dev, st.st_ino}, is_link)) {
        closedir(d);
        return;
    }
    size_t self = w->n_dirs - 1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            on_entry(w, xasprintf("%s/%s", path, e->d_name), e, self, depth, st.st_dev);
    closedir(d);
}

/* Follow the links to directories, the first by path each time: links
 * found in the directories they lead to join the queue. */
static void follow_links(struct walker *w)
{
    while (w->n_links > 0) {
        size_t first = 0;
        for (size_t i = 1; i < w->n_links; i++)
            if (strcmp(w->links[i].path, w->links[first].path) < 0)
                first = i;
        struct dir_link k = w->links[first];
        w->links[first] = w->links[--w->n_links];
        walk_dir(w, k.path, k.parent, k.depth, 1);
        free(k.path);
    }
}

/* The path a link's text names: relative to the link's directory. */
static char *resolve(const char *link, const char *text)
{
    const char *slash = strrchr(link, '/');
    if (text[0] == '/' || slash == NULL)
        return xstrdup(text);
    return xasprintf("%.*s/%s", (int)(slash - link), link, text);
}

/* "symbolic link loop: 'A' -> 'B' -> 'A'" when path leads into a loop of
 * links, else NULL (a chain longer than the kernel follows). */
static char *explain_loop(const char *path)
{
    struct file_id seen[MAX_HOPS];
    char *hop[MAX_HOPS];
    size_t n = 0, start = SIZE_MAX;
    hop[n] = xstrdup(path);
    for (;;) {
        struct stat st;
        if (lstat(hop[n], &st) < 0 || !S_ISLNK(st.st_mode))
            break;
        struct file_id id = {st.st_dev, st.st_ino};
        for (size_t i = 0; i < n && start == SIZE_MAX; i++)
            if (id_eq(seen[i], id))
                start = i;
        if (start != SIZE_MAX || n + 1 == MAX_HOPS)
            break;
        seen[n] = id;
        char *text = link_text(hop[n]);
        hop[n + 1] = resolve(hop[n], text);
        free(text);
        n++;
    }
    char *msg;
    if (start == SIZE_MAX) {
        msg = NULL;
    } else {
        msg = xstrdup("symbolic link loop:");
        for (size_t i = 0; i <= n; i++) {
            char *m = xasprintf("%s%s '%s'", msg, i ? " ->" : "", hop[i]);
            free(msg);
            msg = m;
        }
    }
    for (size_t i = 0; i <= n; i++)
        free(hop[i]);
    return msg;
}

static int broken_cmp(const void *pa, const void *pb)
{
    return strcmp(((const struct broken_link *)pa)->path, ((const struct broken_link *)pb)->path);
}

/* One error per YAML-named link that leads nowhere, and one per loop of
 * links (named after the first of its links in path order). */
static void report_broken(struct walker *w)
{
    if (w->n_broken == 0)
        return;
    struct inode_map looped = {0};
    qsort(w->broken, w->n_broken, sizeof(*w->broken), broken_cmp);
    for (size_t i = 0; i < w->n_broken; i++) {
        const struct broken_link *k = &w->broken[i];
        struct stat st;
        int known = lstat(k->path, &st) == 0;
        if (k->err == ELOOP && known &&
            inode_map_get(&looped, (struct file_id){st.st_dev, st.st_ino}) != SIZE_MAX)
            continue; /* a link of a loop already reported */
        char *text = link_text(k->path);
        if (k->err == ENOENT || k->err == ENOTDIR) {
            finding(w->diags, CONFIG_ERROR, k->path,
                    "dangling symbolic link: its target '%s' does not exist", text);
        } else if (k->err == ELOOP) {
            char *why = explain_loop(k->path);
            if (why)
                finding(w->diags, CONFIG_ERROR, k->path, "%s", why);
            else
                finding(w->diags, CONFIG_ERROR, k->path,
                        "cannot follow the symbolic link to '%s': %s", text, strerror(ELOOP));
            free(why);
            /* the other links of the loop say the same: once is enough */
            for (char *p = xstrdup(k->path); p;) {
                char *t = NULL;
                if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode) &&
                    inode_map_put(&looped, (struct file_id){st.st_dev, st.st_ino}, 0)) {
                    char *lt = link_text(p);
                    t = resolve(p, lt);
                    free(lt);
                }
                free(p);
                p = t;
            }
        } else {
            finding(w->diags, CONFIG_ERROR, k->path, "cannot follow the symbolic link to '%s': %s",
                    text, strerror(k->err));
        }
        free(text);
    }
    inode_map_release(&looped);
}

struct listed {
    char *path;
    struct file_id id;
};

static int listed_cmp(const void *pa, const void *pb)
{
    return strcmp(((const struct listed *)pa)->path, ((const struct listed *)pb)->path);
}

/* Sort the files by path; of several paths to one file (through links) the
 * first is read and the others are named in a warning. */
static void sort_and_dedup(struct config_diags *d, struct tree_listing *l)
{
    if (l->n < 2)
        return;
    struct listed *f = xcalloc(l->n, sizeof(*f));
    for (size_t i = 0; i < l->n; i++)
        f[i] = (struct listed){l->files[i], l->ids[i]};
    qsort(f, l->n, sizeof(*f), listed_cmp);
    struct inode_map first = {0};
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        /* without links no file has two paths (bind mounts aside) */
        size_t seen = l->links ? inode_map_get(&first, f[i].id) : SIZE_MAX;
        if (seen != SIZE_MAX) {
            finding(d, CONFIG_WARNING, f[i].path, "the same file as '%s': read once, as '%s'",
                    l->files[seen], l->files[seen]);
            free(f[i].path);
            continue;
        }
        if (l->links)
            inode_map_put(&first, f[i].id, k);
        l->files[k] = f[i].path;
        l->ids[k++] = f[i].id;
    }
    l->n = k;
    inode_map_release(&first);
    free(f);
}

void tree_list(struct config_diags *d, const char *root, struct tree_listing *l)
{
    memset(l, 0, sizeof(*l));
    struct walker w = {.diags = d, .l = l};
    walk_dir(&w, root, SIZE_MAX, 0, 0);
    follow_links(&w);
    report_broken(&w);
    sort_and_dedup(d, l);
    for (size_t i = 0; i < w.n_dirs; i++)
        free(w.dirs[i].path);
    free(w.dirs);
    inode_map_release(&w.dir_ids);
    free(w.links);
    for (size_t i = 0; i < w.n_broken; i++)
        free(w.broken[i].path);
    free(w.broken);
    /* a link that leads nowhere is an error like an unreadable directory:
     * a reload that read the tree without it must not stand */
    l->errors += (int)w.n_broken;
}

void tree_listing_release(struct tree_listing *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->files[i]);
    free(l->files);
    free(l->ids);
    memset(l, 0, sizeof(*l));
}

char *config_root_name(const char *dir)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    return xstrndup(dir, len);
}
