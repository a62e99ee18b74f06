/* arena.c - bump allocation in chunks (see arena.h). */
#include "xdsd/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

struct arena_chunk {
    struct arena_chunk *next;
    max_align_t data[];
};

#define CHUNK_MAX 65536
#define CHUNK_FIRST 4096 /* chunks double up to CHUNK_MAX: a small job's arena stays small */

void arena_init(struct arena *a)
{
    memset(a, 0, sizeof(*a));
}

void arena_release(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    memset(a, 0, sizeof(*a));
}

struct arena *arena_new(void)
{
    return xcalloc(1, sizeof(struct arena));
}

void arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    arena_release(a);
    free(a);
}

/* Memory for size bytes (a multiple of the alignment) from a new chunk. */
static void *alloc_slow(struct arena *a, size_t size)
{
    int own = size > CHUNK_MAX / 4;
    size_t cap = a->head != NULL ? a->cap * 2 : CHUNK_FIRST;
    if (cap > CHUNK_MAX)
        cap = CHUNK_MAX;
    if (own)
        cap = size;
    while (cap < size)
        cap *= 2;
    struct arena_chunk *c = xmalloc(sizeof(*c) + cap);
    if (a->head != NULL && own) {
        /* behind the current chunk, whose free space stays in use */
        c->next = a->head->next;
        a->head->next = c;
        return c->data;
    }
    c->next = a->head;
    a->head = c;
    a->used = size;
    a->cap = cap;
    return c->data;
}

void *arena_alloc(struct arena *a, size_t size)
{
    const size_t align = _Alignof(max_align_t);
    size = size == 0 ? align : (size + align - 1) & ~(align - 1);
    void *p;
    if (a->head != NULL && a->cap - a->used >= size) {
        p = (char *)a->head->data + a->used;
        a->used += size;
    } else {
        p = alloc_slow(a, size);
    }
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

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    if ((size_t)n < sizeof(buf)) {
        memcpy(p, buf, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return p;
}

char *arena_cat(struct arena *a, ...)
{
    va_list ap;
    size_t n = 0;
    va_start(ap, a);
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *))
        n += strlen(s);
    va_end(ap);
    char *p = arena_alloc(a, n + 1), *q = p;
    va_start(ap, a);
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
        size_t l = strlen(s);
        memcpy(q, s, l);
        q += l;
    }
    va_end(ap);
    *q = '\0';
    return p;
}
