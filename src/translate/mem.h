/* mem.h - the build arena and the small containers translation keeps in it.
 *
 * Everything a build makes (messages, strings, indexes) lives in its arena
 * and is freed at once when the view is finished. */
#ifndef XDSD_TRANSLATE_MEM_H
#define XDSD_TRANSLATE_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/arena.h"

/* The build arena is include/xdsd/arena.h's; these short names are its. */
#define ar_alloc arena_alloc
#define ar_strdup arena_strdup
#define ar_printf arena_printf
#define ar_cat arena_cat
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

/* A string-keyed hash map (keys are not copied: they must outlive the map). */
struct smap {
    struct smap_slot *slots;
    size_t cap, n;
};
void *smap_get(const struct smap *m, const char *key);
/* Insert key unless present; returns 1 if inserted, 0 if the key was there. */
int smap_put(struct arena *a, struct smap *m, const char *key, void *val);
/* Room for n keys without growing (for maps whose size is known ahead). */
void smap_reserve(struct arena *a, struct smap *m, size_t n);

/* A map keyed by address (keys must outlive the map). put replaces. */
struct pmap {
    struct pmap_slot *slots;
    size_t cap, n;
};
void *pmap_get(const struct pmap *m, const void *key);
void pmap_put(struct arena *a, struct pmap *m, const void *key, void *val);

#endif
