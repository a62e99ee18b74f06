/* mem.h - what translation keeps in the build arena besides the base
 * toolbox's maps: a growable array of pointers, numbers as strings.
 *
 * Everything a build makes (messages, strings, indexes) lives in its arena
 * (xdsd/arena.h) and is freed at once when the view is finished. */
#ifndef XDSD_TRANSLATE_MEM_H
#define XDSD_TRANSLATE_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/arena.h"
#include "xdsd/map.h"

/* v in decimal. */
char *ar_u32(struct arena *a, uint32_t v);

/* A growable array of pointers (in the arena). */
struct pvec {
    void **v;
    size_t n, cap;
};
void pvec_push(struct arena *a, struct pvec *p, void *x);
/* The array as protobuf-c wants it: (T **)p->v and p->n. */
#define PV_SET(field, n_field, p) ((n_field) = (p)->n, (field) = (void *)(p)->v)

#endif
