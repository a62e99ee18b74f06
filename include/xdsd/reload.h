/* reload.h - the watched configuration directory: inotify events, debounce,
 * atomic reload with the last good set kept on error. */
#ifndef XDSD_RELOAD_H
#define XDSD_RELOAD_H

#include <stdint.h>

#include "xdsd/config.h"

struct reloader;

/* Watch dir (recursively, following a ConfigMap-style ..data symlink swap).
 * Does not load anything yet. Returns NULL when dir cannot be watched (logged).
 * A dir that does not exist, or that is deleted later, is looked for every
 * second (reloader_timeout_ms() says when) and loaded once it is back. */
struct reloader *reloader_new(const char *dir, int64_t debounce_ms, int64_t max_delay_ms);
void reloader_free(struct reloader *r);

/* The file descriptor to poll for readability. */
int reloader_fd(const struct reloader *r);
/* Milliseconds until the debounce deadline, or -1 when nothing is pending. */
int64_t reloader_timeout_ms(const struct reloader *r, int64_t now);

/* Read pending events (non-blocking) and, when the debounce has expired, reload.
 * Returns a new valid set (the caller owns one reference) when the reload
 * succeeded and the content changed, NULL otherwise. Errors are logged once per
 * attempt and kept for reloader_diags(). */
struct config_set *reloader_poll(struct reloader *r, int64_t now);

/* Load now, ignoring the debounce (start-up). Same return as reloader_poll,
 * except that an unchanged content still returns the set. */
struct config_set *reloader_load_now(struct reloader *r);

/* Read the whole tree now, pending events or not (SIGHUP: for a change the
 * watch cannot see, such as a file system without inotify). Same return as
 * reloader_poll: NULL when rejected or unchanged. */
struct config_set *reloader_reread(struct reloader *r, int64_t now);

/* Serve s, loaded elsewhere (the state directory), as the last good set: it
 * gets the next generation number and later reloads are compared with it. */
void reloader_adopt(struct reloader *r, struct config_set *s);

/* The set the last reload returned could not be published (message says
 * why): count the attempt as rejected, report message as its error, and go
 * back to the previous good set's content hash and generation. */
void reloader_refuse(struct reloader *r, const char *message);

/* The errors and warnings of the last attempt, and whether it was rejected. */
const struct config_diags *reloader_diags(const struct reloader *r);
int reloader_rejected(const struct reloader *r);
/* Number of successful and rejected reloads so far. */
uint64_t reloader_count(const struct reloader *r, int rejected);
/* Number of reloads that read only the files the watch named as changed
 * (the others read the whole tree). */
uint64_t reloader_partial_count(const struct reloader *r);

#endif
