/* watch.c - inotify over a directory tree.
 *
 * inotify is not recursive: every visible sub-directory gets its own watch,
 * added at start, when a directory appears, and before each reload. Events
 * are only counted, never interpreted further: the reload re-reads the whole
 * tree, which is simpler and cannot drift from what is on disk. */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xdsd/log.h"
#include "xdsd/util.h"

#define WATCH_MASK                                                                                 \
    (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY |            \
     IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define MAX_DEPTH 32

struct watch {
    int fd;
    char *dir;
    int root_wd; /* the watch on dir itself, or -1 when dir is gone */
};

static void add_tree(struct watch *w, const char *dir, int depth)
{
    if (inotify_add_watch(w->fd, dir, WATCH_MASK) < 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            log_warn("cannot watch '%s'", dir);
        return;
    }
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        /* hidden entries (ConfigMap "..2024_..." directories) are reached
         * through the visible symlinks and swapped as a whole */
        if (e->d_name[0] == '.' || depth >= MAX_DEPTH)
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            add_tree(w, path, depth + 1);
        free(path);
    }
    closedir(d);
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
    w->dir = xstrdup(dir);
    w->root_wd = inotify_add_watch(fd, dir, WATCH_MASK);
    if (w->root_wd < 0 && errno != ENOENT) {
        log_warn("cannot watch '%s'", dir);
        watch_free(w);
        return NULL;
    }
    if (w->root_wd < 0)
        log_warnx("'%s' does not exist: waiting for it", dir);
    else
        add_tree(w, dir, 0);
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
    add_tree(w, w->dir, 0);
    return 0;
}

void watch_free(struct watch *w)
{
    if (w == NULL)
        return;
    close(w->fd);
    free(w->dir);
    free(w);
}

int watch_fd(const struct watch *w)
{
    return w->fd;
}

void watch_sync(struct watch *w)
{
    add_tree(w, w->dir, 0);
}

static int relevant(const struct inotify_event *ev)
{
    if (ev->mask & (IN_Q_OVERFLOW | IN_ISDIR | IN_DELETE_SELF | IN_MOVE_SELF))
        return 1;
    if (ev->mask & IN_IGNORED)
        return 0;
    if (ev->len == 0)
        return 1;
    const char *name = ev->name;
    if (strcmp(name, "..data") == 0)
        return 1; /* a ConfigMap update swaps this symlink */
    if (name[0] == '.')
        return 0;
    size_t n = strlen(name);
    /* a plain IN_MODIFY comes before IN_CLOSE_WRITE; both count, the debounce
     * merges them */
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
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
            if (relevant(ev))
                count++;
            /* dir itself deleted or moved away: inotify cannot see it come
             * back, the reloader polls for it (watch_rearm) */
            if (ev->wd == w->root_wd && (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))) {
                inotify_rm_watch(w->fd, w->root_wd);
                w->root_wd = -1;
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
