/* common.h - the arena and the sorted merge that every file of src/config/
 * allocates and orders with. */
#ifndef XDSD_CONFIG_COMMON_H
#define XDSD_CONFIG_COMMON_H

#include <stddef.h>

/* Bump allocation in chunks, freed all at once. */
struct arena_chunk;
struct arena {
    struct arena_chunk *head;
    size_t used; /* bytes used in head */
    size_t cap;  /* bytes available in head */
};

/* An empty arena. */
void arena_init(struct arena *a);
/* Free every chunk; the arena is empty again. */
void arena_release(struct arena *a);
/* Zeroed, aligned memory that lives as long as the arena. */
void *arena_alloc(struct arena *a, size_t size);
/* A copy of s (of its first n bytes, NUL-terminated) in the arena. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Merge add (n_add elements of size bytes, sorted by cmp) into base (n
 * sorted elements, room for n + n_add), each after the elements equal to
 * it: a few binary searches and moves of runs, not a comparison each. */
void sorted_insert(void *base, size_t n, const void *add, size_t n_add, size_t size,
                   int (*cmp)(const void *, const void *));

#endif
