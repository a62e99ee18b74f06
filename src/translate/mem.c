/* mem.c - small helpers for the build arena (mem.h). */
#include "mem.h"

#include <string.h>

#include "xdsd/util.h"

char *ar_u32(struct arena *a, uint32_t v)
{
    char buf[11], *p = buf + sizeof(buf);
    *--p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return arena_strdup(a, p);
}

void pvec_push(struct arena *a, struct pvec *p, void *x)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        void **v = arena_alloc(a, cap * sizeof(*v));
        if (p->n)
            memcpy(v, p->v, p->n * sizeof(*v));
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = x;
}
