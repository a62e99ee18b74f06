/* state.h - the last good configuration, kept across restarts (`--state-dir`).
 *
 * Every published configuration set is saved as the exact bytes of the files
 * it was made from, in one file DIR/last-good.xdsd, replaced atomically
 * (write a temporary file, fsync, rename, fsync the directory). A restart
 * whose configuration directory is invalid serves that copy instead.
 *
 * The file is text with a header per file and a checksum at the end:
 *
 *   xdsd-state 1
 *   hash <config_hash, 16 hex digits>
 *   saved <wall clock, ms>
 *   files <N>
 *   file <LEN> <NAME>          N times: the line, LEN bytes, a newline
 *   end <FNV-1a of everything before this line, 16 hex digits>
 */
#ifndef XDSD_STATE_H
#define XDSD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/config.h"

#define STATE_FILE "last-good.xdsd"

/* The state file's bytes for these sources (heap; *len receives the size).
 * Returns NULL when a name cannot be stored (it holds a newline). */
char *state_encode(const struct config_source *src, size_t n, uint64_t hash, int64_t saved_ms,
                   size_t *len);

/* Parse a state file. Returns 0 and the sources (names and data on the heap,
 * free with state_sources_free()), their content hash and the time they were
 * saved; or -1 with the reason in *err (caller frees) when the file is
 * truncated, damaged or of another format. */
int state_decode(const char *buf, size_t len, struct config_source **src, size_t *n, uint64_t *hash,
                 int64_t *saved_ms, char **err);
void state_sources_free(struct config_source *src, size_t n);

/* Save the files set was made from to dir/last-good.xdsd atomically,
 * creating dir when missing. Returns 0, or -1 (logged); a failure leaves the
 * previous copy in place. */
int state_save(const char *dir, const struct config_set *set);

/* The set saved in dir, loaded again (same resources, positions and content
 * hash), with its generation unset; *saved_ms receives when it was saved.
 * Returns NULL with the reason in *err (caller frees): no saved copy, a
 * damaged one, or one that no longer validates. A leftover temporary file of
 * an interrupted save is never read. */
struct config_set *state_load(const char *dir, int64_t *saved_ms, char **err);

#endif
