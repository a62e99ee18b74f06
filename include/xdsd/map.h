/* map.h - a hash map from keys to pointers, by open addressing.
 *
 * One map type for the three kinds of key the code has:
 *   - strings, compared by content (host names, resource names);
 *   - pointers, compared by address (a parsed resource to what is known of it);
 *   - fixed-size byte keys, compared by content (a (device, inode) pair).
 * The kind is chosen once, at init. Keys are not copied: each must stay valid
 * and unchanged while it is in the map. A NULL key is not allowed.
 *
 *   struct map by_host;
 *   map_init_str(&by_host, NULL);
 *   map_add(&by_host, se->host, se);
 *   const struct service_entry *found = map_get(&by_host, "a.example.com");
 *   map_release(&by_host);
 *
 * Slots live in the arena given at init (and are then never freed one by
 * one: right for maps that die with their arena), or on the heap when it is
 * NULL (map_release frees them). The table is kept at most half full, with
 * linear probing; deletion shifts the following entries back, so no
 * tombstones slow later lookups. Each slot keeps its key's hash, so growing
 * never hashes a key again. Not thread-safe: one owner at a time. */
#ifndef XDSD_MAP_H
#define XDSD_MAP_H

#include <stddef.h>
#include <stdint.h>

struct arena;

enum map_kind { MAP_STR, MAP_PTR, MAP_BYTES };

struct map_slot {
    const void *key; /* NULL: the slot is free */
    void *val;
    uint64_t hash;
};

struct map {
    struct map_slot *slots;
    size_t cap, n;
    struct arena *arena; /* where slots live; NULL: the heap */
    enum map_kind kind;
    size_t key_size; /* MAP_BYTES */
};

/* An empty map of string keys, pointer keys, or key_size-byte keys. */
void map_init_str(struct map *m, struct arena *a);
void map_init_ptr(struct map *m, struct arena *a);
void map_init_bytes(struct map *m, struct arena *a, size_t key_size);
/* Free heap slots (arena slots are left to their arena); the map is empty
 * and keeps its kind. */
void map_release(struct map *m);

/* The value stored under key, or NULL when there is none. A map that stores
 * NULL values tells "absent" from "NULL" with map_find. */
void *map_get(const struct map *m, const void *key);
/* The slot holding key, or NULL. Its val may be changed in place; its key
 * may not. The pointer is valid until the next insertion or deletion. */
struct map_slot *map_find(const struct map *m, const void *key);
/* Insert key unless it is present: 1 when inserted, 0 when it was there
 * (its value is left as it was). */
int map_add(struct map *m, const void *key, void *val);
/* Insert key, or replace its value when present. */
void map_put(struct map *m, const void *key, void *val);
/* Remove key; returns its value, or NULL when it was not there. */
void *map_del(struct map *m, const void *key);
/* Room for n keys in all without growing (for maps whose size is known). */
void map_reserve(struct map *m, size_t n);
/* The number of keys. */
static inline size_t map_count(const struct map *m)
{
    return m->n;
}
/* Iteration in no particular order: start *pos at 0; each call stores the
 * next entry and returns 1, or returns 0 at the end. The map must not change
 * during the walk except by changing values. */
int map_next(const struct map *m, size_t *pos, const void **key, void **val);

#endif
