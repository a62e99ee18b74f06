/* watch.c - inotify over a directory tree.
 *
 * inotify is not recursive: every visible sub-directory gets its own watch,
 * added at start, when a directory appears, and before each full reload.
 * Events are counted (they start the debounce) and, when that is safe,
 * attributed to the YAML files they name, so that a reload can read just
 * those files. Anything else - a directory, a link, a hidden ConfigMap swap,
 * the root itself, an overflowed queue, a watch that could not be added or
 * whose directory is not known for sure - means "anything may have changed":
 * the reload re-reads the whole tree, which cannot drift from the disk. */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tree.h"
#include "xdsd/log.h"
#include "xdsd/sorted.h"
#include "xdsd/util.h"

#define WATCH_MASK                                                                                 \
    (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY |            \
     IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define MAX_DEPTH 32
/* Past this many changed names a full reload is as quick and simpler. */
#define MAX_CHANGES 4096

/* The directory a watch descriptor stands for. inotify gives one descriptor
 * per inode: a directory reached by two paths (a link, a bind mount) is
 * ambiguous, and its events cannot be attributed. */
struct watched_dir {
    int wd;
    int ambiguous;
    char *path;
};

struct watch {
    int fd;
    char *dir;                /* without trailing '/', as the loader names it */
    int root_wd;              /* the watch on dir itself, or -1 when dir is gone */
    struct watched_dir *dirs; /* sorted by wd after watch_sync() */
    size_t n_dirs, cap_dirs;
    int incomplete; /* a sub-directory could not be watched */
    char **changed; /* YAML files named by events since the last take */
    size_t n_changed, cap_changed;
    int all; /* anything may have changed */
};

static void add_dir(struct watch *w, int wd, const char *path)
{
    xgrow((void **)&w->dirs, &w->cap_dirs, w->n_dirs + 1, sizeof(*w->dirs));
    w->dirs[w->n_dirs++] = (struct watched_dir){wd, 0, xstrdup(path)};
}

/* Watch dir and the directories under it. Each directory is read once
 * (seen holds those read): a link back to a parent would otherwise be
 * followed MAX_DEPTH levels deep, and two such links make that 2^MAX_DEPTH
 * paths. A directory reached twice still gets its path recorded, so that
 * its events are known to be ambiguous. */
static void add_tree(struct watch *w, const char *dir, int depth, struct inode_map *seen)
{
    int wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
    if (wd < 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            log_warn("cannot watch '%s'", dir);
            w->incomplete = 1;
        }
        return;
    }
    add_dir(w, wd, dir);
    DIR *d = opendir(dir);
    if (d == NULL) {
        w->incomplete = 1;
        return;
    }
    struct stat st;
    if (fstat(dirfd(d), &st) == 0 &&
        !inode_map_put(seen, (struct file_id){st.st_dev, st.st_ino}, 0)) {
        closedir(d);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        /* hidden entries (ConfigMap "..2024_..." directories) are reached
         * through the visible symlinks and swapped as a whole */
        if (e->d_name[0] == '.' || depth >= MAX_DEPTH)
            continue;
        /* the entry's type saves a stat per file; links are followed */
        if (e->d_type != DT_DIR && e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
            add_tree(w, path, depth + 1, seen);
        free(path);
    }
    closedir(d);
}

static void clear_dirs(struct watch *w)
{
    for (size_t i = 0; i < w->n_dirs; i++)
        free(w->dirs[i].path);
    w->n_dirs = 0;
}

static int dir_cmp(const void *pa, const void *pb)
{
    const struct watched_dir *a = pa, *b = pb;
    return (a->wd > b->wd) - (a->wd < b->wd);
}

void watch_sync(struct watch *w)
{
    clear_dirs(w);
    w->incomplete = 0;
    if (w->root_wd < 0)
        return;
    struct inode_map seen = {0};
    add_tree(w, w->dir, 0, &seen);
    inode_map_release(&seen);
    qsort(w->dirs, w->n_dirs, sizeof(*w->dirs), dir_cmp);
    for (size_t i = 1; i < w->n_dirs; i++)
        if (w->dirs[i].wd == w->dirs[i - 1].wd)
            w->dirs[i].ambiguous = w->dirs[i - 1].ambiguous = 1;
}

struct watch *watch_new(const char *dir)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        log_warn("inotify_init1");
        return NULL;
    }
    struct watch *w = xcalloc(1, sizeof(*w));
    w->fd = fd;
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    w->dir = xstrndup(dir, len);
    w->all = 1;
    w->root_wd = inotify_add_watch(fd, w->dir, WATCH_MASK);
    if (w->root_wd < 0 && errno != ENOENT) {
        log_warn("cannot watch '%s'", dir);
        watch_free(w);
        return NULL;
    }
    if (w->root_wd < 0)
        log_warnx("'%s' does not exist: waiting for it", dir);
    else
        watch_sync(w);
    return w;
}

int watch_lost(const struct watch *w)
{
    return w->root_wd < 0;
}

int watch_rearm(struct watch *w)
{
    w->root_wd = inotify_add_watch(w->fd, w->dir, WATCH_MASK);
    if (w->root_wd < 0)
        return -1;
    w->all = 1;
    watch_sync(w);
    return 0;
}

static void clear_changes(struct watch *w)
{
    for (size_t i = 0; i < w->n_changed; i++)
        free(w->changed[i]);
    w->n_changed = 0;
}

void watch_free(struct watch *w)
{
    if (w == NULL)
        return;
    close(w->fd);
    clear_dirs(w);
    free(w->dirs);
    clear_changes(w);
    free(w->changed);
    free(w->dir);
    free(w);
}

int watch_fd(const struct watch *w)
{
    return w->fd;
}

static int wd_key_cmp(const void *key, const void *elem)
{
    int a = *(const int *)key, b = ((const struct watched_dir *)elem)->wd;
    return (a > b) - (a < b);
}

static const struct watched_dir *find_dir(const struct watch *w, int wd)
{
    const struct watched_dir *d =
        sorted_find(&wd, w->dirs, w->n_dirs, sizeof(*w->dirs), wd_key_cmp);
    return d && !d->ambiguous ? d : NULL;
}

static void note_file(struct watch *w, const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    /* a write comes as a run of events on the same file */
    if (w->n_changed > 0 && strcmp(w->changed[w->n_changed - 1], path) == 0) {
        free(path);
        return;
    }
    if (w->n_changed >= MAX_CHANGES) {
        free(path);
        w->all = 1;
        return;
    }
    xgrow((void **)&w->changed, &w->cap_changed, w->n_changed + 1, sizeof(*w->changed));
    w->changed[w->n_changed++] = path;
}

/* An entry that is not a YAML file by name can still matter: a link or a
 * directory appearing under any name (the loader follows links). */
static int is_dir_or_link(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    struct stat st;
    int r = lstat(path, &st) == 0 && (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode));
    free(path);
    return r;
}

/* Record what ev says changed. Returns 1 when it can change the
 * configuration (the debounce starts), else 0. */
static int on_event(struct watch *w, const struct inotify_event *ev)
{
    if (ev->mask & (IN_Q_OVERFLOW | IN_ISDIR | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
        w->all = 1;
        return 1;
    }
    if (ev->mask & IN_IGNORED) {
        w->all = 1; /* a watch went away with its directory: nothing to read yet */
        return 0;
    }
    if (ev->len == 0 || strcmp(ev->name, "..data") == 0) {
        w->all = 1; /* the directory itself; a ConfigMap update swaps "..data" */
        return 1;
    }
    const char *name = ev->name;
    if (name[0] == '.')
        return 0;
    const struct watched_dir *d = find_dir(w, ev->wd);
    int yaml = config_is_yaml_name(name);
    if (d == NULL) {
        w->all = 1;
        return yaml;
    }
    /* a plain IN_MODIFY comes before IN_CLOSE_WRITE; both count, the debounce
     * merges them */
    if (yaml) {
        note_file(w, d->path, name);
        return 1;
    }
    if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && is_dir_or_link(d->path, name)) {
        w->all = 1;
        return 1;
    }
    return 0;
}

int watch_drain(struct watch *w)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    int count = 0, new_dirs = 0;
    for (;;) {
        ssize_t len = read(w->fd, buf, sizeof(buf));
        if (len <= 0) {
            if (len < 0 && errno != EAGAIN && errno != EINTR)
                log_warn("inotify read");
            if (len < 0 && errno == EINTR)
                continue;
            break;
        }
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            count += on_event(w, ev);
            /* dir itself deleted or moved away: inotify cannot see it come
             * back, the reloader polls for it (watch_rearm) */
            if (ev->wd == w->root_wd && (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))) {
                inotify_rm_watch(w->fd, w->root_wd);
                w->root_wd = -1;
                w->all = 1;
                count++;
            }
            if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
                new_dirs = 1;
            if (ev->mask & IN_Q_OVERFLOW)
                new_dirs = 1;
            p += sizeof(*ev) + ev->len;
        }
    }
    /* watch new directories now, so writes into them extend the debounce */
    if (new_dirs)
        watch_sync(w);
    return count;
}

int watch_take_changes(struct watch *w, char ***paths, size_t *n)
{
    int all = w->all || w->incomplete || w->root_wd < 0;
    if (all) {
        clear_changes(w);
        *paths = NULL;
        *n = 0;
    } else {
        *paths = w->changed;
        *n = w->n_changed;
        w->changed = NULL;
        w->n_changed = w->cap_changed = 0;
    }
    w->all = 0;
    return all;
}
