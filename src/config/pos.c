/* pos.c - the position table: open addressing on the address while a file
 * is decoded, a sorted array of short entries after.
 *
 * Not the base's struct map: every decoded value puts an entry, so this is
 * the hottest table of a load, and its (address, size) keys live in the
 * slots themselves. A struct map keeps keys by address, so each entry would
 * need a home of its own and a byte-key hash; measured on bench/config_load
 * (10,000 resources), that costs 3 to 5% more CPU per load. */
#include "pos.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/sorted.h"
#include "xdsd/util.h"

static size_t pos_slot(const struct pos_table *t, const void *addr, size_t size)
{
    uint64_t h = ((uint64_t)(uintptr_t)addr * 0x9e3779b97f4a7c15ULL) ^ size;
    h ^= h >> 29;
    return (size_t)h & (t->cap - 1);
}

static void pos_grow(struct pos_table *t)
{
    struct pos_entry *old = t->slots;
    size_t oldcap = t->cap;
    t->cap = oldcap ? oldcap * 2 : 64;
    t->slots = xcalloc(t->cap, sizeof(*t->slots));
    t->n = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].addr)
            pos_put(t, old[i].addr, old[i].size, old[i].pos);
    free(old);
}

void pos_put(struct pos_table *t, const void *addr, size_t size, struct config_pos pos)
{
    if ((t->n + 1) * 2 > t->cap)
        pos_grow(t);
    size_t i = pos_slot(t, addr, size);
    while (t->slots[i].addr && !(t->slots[i].addr == addr && t->slots[i].size == size))
        i = (i + 1) & (t->cap - 1);
    if (!t->slots[i].addr)
        t->n++;
    t->slots[i].addr = addr;
    t->slots[i].size = size;
    t->slots[i].pos = pos;
}

static int short_cmp(const void *pa, const void *pb)
{
    const struct pos_short *a = pa, *b = pb;
    uintptr_t x = (uintptr_t)a->addr, y = (uintptr_t)b->addr;
    if (x != y)
        return x < y ? -1 : 1;
    return (a->size > b->size) - (a->size < b->size);
}

void pos_compact(struct pos_table *t)
{
    if (t->sorted != NULL)
        return;
    t->sorted = xcalloc(t->n ? t->n : 1, sizeof(*t->sorted));
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].addr) {
            const struct pos_entry *e = &t->slots[i];
            t->sorted[k++] =
                (struct pos_short){e->addr, (uint32_t)e->size, e->pos.line, e->pos.column};
            t->file = e->pos.file;
        }
    t->n = k;
    qsort(t->sorted, k, sizeof(*t->sorted), short_cmp);
    free(t->slots);
    t->slots = NULL;
    t->cap = 0;
}

static int pos_get_sorted(const struct pos_table *t, const void *addr, size_t size,
                          struct config_pos *out)
{
    struct pos_short key = {addr, (uint32_t)size, 0, 0};
    const struct pos_short *e = sorted_find(&key, t->sorted, t->n, sizeof(key), short_cmp);
    if (e == NULL)
        return 0;
    *out = (struct config_pos){t->file, e->line, e->column};
    return 1;
}

int pos_get(const struct pos_table *t, const void *addr, size_t size, struct config_pos *out)
{
    if (t->sorted != NULL)
        return pos_get_sorted(t, addr, size, out);
    if (t->cap == 0)
        return 0;
    size_t i = pos_slot(t, addr, size);
    while (t->slots[i].addr) {
        if (t->slots[i].addr == addr && t->slots[i].size == size) {
            *out = t->slots[i].pos;
            return 1;
        }
        i = (i + 1) & (t->cap - 1);
    }
    return 0;
}

void pos_release(struct pos_table *t)
{
    free(t->slots);
    free(t->sorted);
    memset(t, 0, sizeof(*t));
}
