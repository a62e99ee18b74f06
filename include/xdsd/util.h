/* util.h - allocation that cannot fail, small string and time helpers. */
#ifndef XDSD_UTIL_H
#define XDSD_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/* Allocators that abort the process with a message on out-of-memory, so
 * callers never handle allocation failure. */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh heap string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (of element size elem) so that it holds at least need elements;
 * *cap is updated. Doubling, so appends are amortised O(1). */
void xgrow(void **arr, size_t *cap, size_t need, size_t elem);

/* All of f, read to its end, NUL-terminated (a heap string); *len (when not
 * NULL) its length without the NUL. */
char *read_whole_stream(FILE *f, size_t *len);
/* All of the file at path (a heap string, NUL-terminated), or NULL with
 * errno set when it cannot be opened. */
char *read_whole_file(const char *path, size_t *len);

/* Monotonic time in milliseconds, for timers and latency figures. */
int64_t now_ms(void);
/* Wall-clock time in milliseconds since the epoch, for reports. */
int64_t wall_ms(void);

/* 64-bit FNV-1a hash of len bytes, chained from seed (use HASH_SEED to start).
 * Stable across runs and machines: versions derive from it. */
#define HASH_SEED 0xcbf29ce484222325ULL
uint64_t hash_bytes(uint64_t seed, const void *buf, size_t len);
/* A 64-bit hash of len bytes taken eight at a time, for large buffers (packed
 * resources, whose versions derive from it): about ten times faster than
 * hash_bytes. Stable across runs on machines of one byte order. */
uint64_t hash_block(uint64_t seed, const void *buf, size_t len);

/* Keep freed memory in the process for the next snapshot rather than giving
 * it back to the kernel (xdsd serve, and the benchmarks that stand for it). */
void malloc_keep_for_reuse(void);

/* Parse a duration in Istio's form ("1s", "500ms", "1m30s", "1h", "0.5s") into
 * milliseconds. Returns 0 on success, -1 when the text is not a duration, -2
 * when it is one beyond int64 milliseconds. */
int duration_parse_ms(const char *text, int64_t *out_ms);

/* msg (strerror's, gai_strerror's) into buf with its first letter in lower
 * case, as xdsd's own messages are ("address already in use"). Returns buf. */
const char *lower_first(char *buf, size_t size, const char *msg);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
