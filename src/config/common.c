/* common.c - the arena and the sorted merge of src/config/. */
#include "common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

/* ---- arena ---------------------------------------------------------------- */

struct arena_chunk {
    struct arena_chunk *next;
    max_align_t data[];
};

#define ARENA_CHUNK 65536
#define ARENA_FIRST 4096 /* chunks double up to ARENA_CHUNK: a small file's arena stays small */

void arena_init(struct arena *a)
{
    memset(a, 0, sizeof(*a));
}

void arena_release(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    memset(a, 0, sizeof(*a));
}

void *arena_alloc(struct arena *a, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    if (a->head == NULL || a->cap - a->used < size) {
        /* big requests get a chunk of their own behind the current one */
        int own = size > ARENA_CHUNK / 4;
        size_t cap = a->head ? a->cap * 2 : ARENA_FIRST;
        cap = own ? size : cap > ARENA_CHUNK ? ARENA_CHUNK : cap;
        while (cap < size)
            cap *= 2;
        struct arena_chunk *c = xmalloc(sizeof(*c) + cap);
        if (a->head != NULL && own) {
            c->next = a->head->next;
            a->head->next = c;
            memset(c->data, 0, size);
            return c->data;
        }
        c->next = a->head;
        a->head = c;
        a->used = 0;
        a->cap = cap;
    }
    void *p = (char *)a->head->data + a->used;
    a->used += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

/* ---- sorted arrays ------------------------------------------------------------ */

void sorted_insert(void *base, size_t n, const void *add, size_t n_add, size_t size,
                   int (*cmp)(const void *, const void *))
{
    char *a = base;
    const char *ad = add;
    size_t *at = xcalloc(n_add + 1, sizeof(*at));
    for (size_t k = 0, lo = 0; k < n_add; k++) { /* add is sorted: so are the places */
        size_t hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp(a + mid * size, ad + k * size) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        at[k] = lo;
    }
    /* from the end: each run of a moves up by the number of adds before it */
    size_t end = n;
    for (size_t k = n_add; k-- > 0;) {
        memmove(a + (at[k] + k + 1) * size, a + at[k] * size, (end - at[k]) * size);
        memcpy(a + (at[k] + k) * size, ad + k * size, size);
        end = at[k];
    }
    free(at);
}
