/* map.c - open addressing with linear probing (see map.h). */
#include "xdsd/map.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/arena.h"
#include "xdsd/util.h"

#define MIN_CAP 16

static void init(struct map *m, struct arena *a, enum map_kind kind, size_t key_size)
{
    *m = (struct map){.arena = a, .kind = kind, .key_size = key_size};
}

void map_init_str(struct map *m, struct arena *a)
{
    init(m, a, MAP_STR, 0);
}

void map_init_ptr(struct map *m, struct arena *a)
{
    init(m, a, MAP_PTR, 0);
}

void map_init_bytes(struct map *m, struct arena *a, size_t key_size)
{
    assert(key_size > 0);
    init(m, a, MAP_BYTES, key_size);
}

void map_release(struct map *m)
{
    if (m->arena == NULL)
        free(m->slots);
    init(m, m->arena, m->kind, m->key_size);
}

static uint64_t hash_of(const struct map *m, const void *key)
{
    switch (m->kind) {
    case MAP_STR:
        return hash_block(HASH_SEED, key, strlen(key));
    case MAP_PTR: {
        /* the low bits pick the slot: mix the high ones of the product in */
        uint64_t h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ULL;
        return h ^ (h >> 32);
    }
    case MAP_BYTES:
        return hash_block(HASH_SEED, key, m->key_size);
    }
    return 0;
}

static int same_key(const struct map *m, const struct map_slot *s, const void *key, uint64_t h)
{
    if (m->kind == MAP_PTR)
        return s->key == key;
    if (s->hash != h)
        return 0;
    if (m->kind == MAP_STR)
        return strcmp(s->key, key) == 0;
    return memcmp(s->key, key, m->key_size) == 0;
}

/* The slot of key, or the free slot where it would go. */
static struct map_slot *probe(const struct map *m, const void *key, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct map_slot *s = &m->slots[i];
        if (s->key == NULL || same_key(m, s, key, h))
            return s;
    }
}

static void resize(struct map *m, size_t cap)
{
    struct map_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = m->arena != NULL ? arena_alloc(m->arena, cap * sizeof(*m->slots))
                                : xcalloc(cap, sizeof(*m->slots));
    m->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key == NULL)
            continue;
        size_t j = (size_t)old[i].hash & (cap - 1);
        while (m->slots[j].key != NULL)
            j = (j + 1) & (cap - 1);
        m->slots[j] = old[i];
    }
    if (m->arena == NULL)
        free(old);
}

void map_reserve(struct map *m, size_t n)
{
    size_t cap = m->cap ? m->cap : MIN_CAP;
    while (2 * n > cap)
        cap *= 2;
    if (cap > m->cap)
        resize(m, cap);
}

struct map_slot *map_find(const struct map *m, const void *key)
{
    if (m->n == 0)
        return NULL;
    struct map_slot *s = probe(m, key, hash_of(m, key));
    return s->key != NULL ? s : NULL;
}

void *map_get(const struct map *m, const void *key)
{
    struct map_slot *s = map_find(m, key);
    return s != NULL ? s->val : NULL;
}

/* The slot for key, claimed for it when it was free; *fresh says which. */
static struct map_slot *claim(struct map *m, const void *key, int *fresh)
{
    assert(key != NULL);
    if (2 * (m->n + 1) > m->cap)
        resize(m, m->cap ? 2 * m->cap : MIN_CAP);
    uint64_t h = hash_of(m, key);
    struct map_slot *s = probe(m, key, h);
    *fresh = s->key == NULL;
    if (*fresh) {
        s->key = key;
        s->hash = h;
        m->n++;
    }
    return s;
}

int map_add(struct map *m, const void *key, void *val)
{
    int fresh;
    struct map_slot *s = claim(m, key, &fresh);
    if (fresh)
        s->val = val;
    return fresh;
}

void map_put(struct map *m, const void *key, void *val)
{
    int fresh;
    claim(m, key, &fresh)->val = val;
}

void *map_del(struct map *m, const void *key)
{
    struct map_slot *s = map_find(m, key);
    if (s == NULL)
        return NULL;
    void *val = s->val;
    size_t mask = m->cap - 1, hole = (size_t)(s - m->slots);
    /* shift back each following entry that may move into the hole: one whose
     * home is not cyclically in (hole, j] */
    for (size_t j = (hole + 1) & mask; m->slots[j].key != NULL; j = (j + 1) & mask) {
        size_t home = (size_t)m->slots[j].hash & mask;
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole] = (struct map_slot){0};
    m->n--;
    return val;
}

int map_next(const struct map *m, size_t *pos, const void **key, void **val)
{
    for (; *pos < m->cap; (*pos)++) {
        const struct map_slot *s = &m->slots[*pos];
        if (s->key != NULL) {
            (*pos)++;
            if (key != NULL)
                *key = s->key;
            if (val != NULL)
                *val = s->val;
            return 1;
        }
    }
    return 0;
}
