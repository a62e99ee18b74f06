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
/* config_mem_load() when only the buffers named in changed (n_changed
 * names, as in src) can differ from those of the last load through m: a
 * name in src is parsed again (or added), one not in src is gone; the
 * others are carried as parsed and checked, and the checks across
 * resources and the set are brought up to date from the changed ones. The
 * result and findings are config_parse_sources()'s. A full load when
 * changed is NULL or m has loaded nothing yet. */
struct config_set *config_mem_load_changed(struct config_mem *m, const struct config_source *src,
                                           size_t n, const char *const *changed, size_t n_changed,
                                           struct config_diags *diags);
/* Whether the last load through m took only the changed buffers (1). */
int config_mem_partial(const struct config_mem *m);
/* A sum of a hash of each file's (buffer's) name and bytes: equal for two
 * sets of the same files, and kept up to date from the changed ones, so it
 * costs nothing where config_hash() reads every file's name. */
uint64_t config_content_id(const struct config_set *s);

#endif
