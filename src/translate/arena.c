/* arena.c - small containers for the build arena. */
#include "mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

char *ar_u32(struct arena *a, uint32_t v)
{
    char buf[11], *p = buf + sizeof(buf);
    *--p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return ar_strdup(a, p);
}


void pvec_push(struct arena *a, struct pvec *p, void *x)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        void **v = ar_alloc(a, cap * sizeof(*v));
        if (p->n)
            memcpy(v, p->v, p->n * sizeof(*v));
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = x;
}

/* ---- string map: open addressing, hash_block ------------------------------------------ */

struct smap_slot {
    const char *key;
    void *val;
    uint64_t hash;
};

static uint64_t str_hash(const char *s)
{
    return hash_block(HASH_SEED, s, strlen(s));
}

static void *smap_find(const struct smap *m, const char *key, uint64_t h)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct smap_slot *s = &m->slots[i];
        if (s->key == NULL)
            return NULL;
        if (s->hash == h && strcmp(s->key, key) == 0)
            return s->val;
    }
}

void *smap_get(const struct smap *m, const char *key)
{
    return m->cap == 0 ? NULL : smap_find(m, key, str_hash(key));
}

static void smap_insert(struct smap *m, const char *key, void *val, uint64_t h)
{
    size_t i = h & (m->cap - 1);
    while (m->slots[i].key != NULL)
        i = (i + 1) & (m->cap - 1);
    m->slots[i] = (struct smap_slot){key, val, h};
    m->n++;
}

static void smap_grow(struct arena *a, struct smap *m, size_t cap)
{
    struct smap old = *m;
    m->cap = cap;
    m->slots = ar_alloc(a, m->cap * sizeof(*m->slots));
    m->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key != NULL)
            smap_insert(m, old.slots[i].key, old.slots[i].val, old.slots[i].hash);
}

void smap_reserve(struct arena *a, struct smap *m, size_t n)
{
    size_t cap = m->cap ? m->cap : 16;
    while (2 * n > cap)
        cap *= 2;
    if (cap > m->cap)
        smap_grow(a, m, cap);
}

int smap_put(struct arena *a, struct smap *m, const char *key, void *val)
{
    uint64_t h = str_hash(key); /* once for the lookup and the insert */
    if (smap_find(m, key, h) != NULL)
        return 0;
    if ((m->n + 1) * 2 > m->cap)
        smap_grow(a, m, m->cap ? m->cap * 2 : 16);
    smap_insert(m, key, val ? val : (void *)key, h);
    return 1;
}

/* ---- pointer map: open addressing on the address ----------------------------------- */

struct pmap_slot {
    const void *key;
    void *val;
};

static size_t ptr_slot(const void *p, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (cap - 1);
}

void *pmap_get(const struct pmap *m, const void *key)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = ptr_slot(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->slots[i].key == NULL)
            return NULL;
        if (m->slots[i].key == key)
            return m->slots[i].val;
    }
}

void pmap_put(struct arena *a, struct pmap *m, const void *key, void *val)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct pmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 16;
        m->slots = ar_alloc(a, m->cap * sizeof(*m->slots));
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.slots[i].key != NULL)
                pmap_put(a, m, old.slots[i].key, old.slots[i].val);
    }
    size_t i = ptr_slot(key, m->cap);
    while (m->slots[i].key != NULL && m->slots[i].key != key)
        i = (i + 1) & (m->cap - 1);
    if (m->slots[i].key == NULL)
        m->n++;
    m->slots[i] = (struct pmap_slot){key, val};
}
