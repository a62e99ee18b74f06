/* config_mem.h - a configuration made of named buffers held in memory (etcd's
 * values), loaded again and again: what did not change is not parsed or
 * checked again. */
#ifndef XDSD_CONFIG_MEM_H
#define XDSD_CONFIG_MEM_H

#include <stddef.h>

#include "xdsd/config.h"

/* The parsed buffers of the last load. */
struct config_mem;
struct config_mem *config_mem_new(void);
void config_mem_free(struct config_mem *m);

/* config_parse_sources() of src (sorted by name, strcmp), reusing the
 * parsed and checked buffers of the last call on m whose name and bytes are
 * the same; m then holds this call's. The result and findings are those of
 * config_parse_sources(); the checks across resources run on the whole. */
struct config_set *config_mem_load(struct config_mem *m, const struct config_source *src, size_t n,
                                   struct config_diags *diags);

#endif
