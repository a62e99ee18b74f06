/* watch.h - inotify over a directory tree (private to src/config/). */
#ifndef XDSD_CONFIG_WATCH_H
#define XDSD_CONFIG_WATCH_H

#include <stddef.h>

struct watch;

/* Watch dir and its visible sub-directories. NULL when inotify fails (logged);
 * a dir that does not exist yet is not a failure: the watch starts lost. */
struct watch *watch_new(const char *dir);
void watch_free(struct watch *w);
int watch_fd(const struct watch *w);
/* Add watches for sub-directories that appeared since (idempotent), and
 * learn again which directory each watch stands for. */
void watch_sync(struct watch *w);
/* Read every queued event without blocking. Returns how many of them can
 * change the configuration (YAML files, directories, ConfigMap "..data"). */
int watch_drain(struct watch *w);
/* What changed since the last call (or since the start): 1 when anything
 * may have (a directory, a link, a lost or overflowed queue, a watch that
 * could not be added...); else 0 and *paths (the caller frees each and the
 * array) holds the YAML files created, written, deleted or renamed, named
 * like the loader names them (dir without trailing '/', then "/name"),
 * possibly repeated. */
int watch_take_changes(struct watch *w, char ***paths, size_t *n);
/* dir itself is not watched: it was deleted, moved away, or never existed. */
int watch_lost(const struct watch *w);
/* Try to watch dir again: 0 when it exists now (and is watched), else -1. */
int watch_rearm(struct watch *w);

#endif
