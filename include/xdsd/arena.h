/* arena.h - bump allocation in chunks, freed all at once.
 *
 * Everything one job makes (a parsed file's nodes, one translation's
 * messages) goes into one arena and is released together, so the job's code
 * never frees piece by piece and cannot leak a piece.
 *
 *   struct arena a;                         struct arena *a = arena_new();
 *   arena_init(&a);                         char *s = arena_strdup(a, "x");
 *   char *s = arena_printf(&a, "%d", 7);    ...
 *   arena_release(&a);                      arena_free(a);
 *
 * Chunks start small and double up to 64 KiB, so a small job's arena stays
 * small; a request larger than a quarter chunk gets a chunk of its own behind
 * the current one, so the current chunk's free space is not thrown away.
 * Memory from an arena is zeroed and aligned for any type. Allocation cannot
 * fail (it aborts on out-of-memory, like xmalloc). */
#ifndef XDSD_ARENA_H
#define XDSD_ARENA_H

#include <stddef.h>

struct arena_chunk;

/* Embeddable; all zero is an empty arena. The fields are the allocator's. */
struct arena {
    struct arena_chunk *head;
    size_t used; /* bytes used in head */
    size_t cap;  /* bytes head holds */
};

/* An empty arena in place. */
void arena_init(struct arena *a);
/* Free every chunk; the arena is empty again and may be reused. */
void arena_release(struct arena *a);

/* An empty arena on the heap; arena_free releases it and its memory
 * (arena_free(NULL) is a no-op). */
struct arena *arena_new(void);
void arena_free(struct arena *a);

/* size bytes of zeroed memory aligned for any type, living as long as a. */
void *arena_alloc(struct arena *a, size_t size);
/* Copies of s (and of its first n bytes, NUL-terminated) in a. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into a. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The strings up to a NULL, concatenated: "%s%s" without the formatting
 * cost, for paths run once per resource. */
char *arena_cat(struct arena *a, ...) __attribute__((sentinel));

#endif
