/* pos.h - the position table: where in its file each decoded value came
 * from, for the messages of validation. */
#ifndef XDSD_CONFIG_POS_H
#define XDSD_CONFIG_POS_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/config.h"

struct pos_entry {
    const void *addr;
    size_t size;
    struct config_pos pos;
};

/* A hash table while a file is decoded; then, for as long as a cached unit
 * lives, a sorted array of short entries (every position of a unit is in
 * the same file). */
struct pos_short {
    const void *addr;
    uint32_t size;
    int line, column;
};

struct pos_table {
    struct pos_entry *slots;
    size_t cap, n;
    struct pos_short *sorted; /* after pos_compact(): n entries */
    const char *file;
};

/* Record that the value at addr (of that size) was written at pos. */
void pos_put(struct pos_table *t, const void *addr, size_t size, struct config_pos pos);
/* Position of the value at addr (of that size); 0 when not recorded. */
int pos_get(const struct pos_table *t, const void *addr, size_t size, struct config_pos *out);
/* Trade the hash table for the sorted array (no pos_put after this). */
void pos_compact(struct pos_table *t);
/* Free the table's memory. */
void pos_release(struct pos_table *t);

#endif
