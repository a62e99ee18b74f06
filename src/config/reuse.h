/* reuse.h - what a load of a directory keeps for the next, so that a reload
 * costs what changed: the files of a load with their parsed units
 * (file_list.c; cache.c keeps them between loads), and what the checks
 * across resources said and looked up (xref_memo.c, xref_index.c). None of
 * it changes a result: a load that reuses nothing says the same. */
#ifndef XDSD_CONFIG_REUSE_H
#define XDSD_CONFIG_REUSE_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/config.h"

struct builder;
struct config_unit;
struct mesh_hosts;

/* ---- the files of a load ------------------------------------------------ */

/* A file of a load: its parsed unit, or for a file that could not be read
 * its path (cache.c re-reads it). */
struct cache_file {
    char *path;               /* NULL: the unit's */
    struct config_unit *unit; /* NULL: the file could not be read */
};

/* A run of the files of a load, in order (file_list.c). Immutable once
 * sealed: the next load of the directory shares it when none of its files
 * changed, and so does every set made from those loads, so that a reload
 * takes one reference per run instead of one per unit. */
#define CHUNK_FILES 64
struct file_chunk {
    int refs;
    int sealed;                       /* diags is known */
    int diags;                        /* a unit here has findings (parse or per-resource) */
    int unread;                       /* a file here could not be read */
    size_t n;                         /* files */
    size_t units;                     /* of them with a unit */
    struct cache_file f[CHUNK_FILES]; /* one reference on each unit */
};
struct file_list {
    struct file_chunk **items;
    size_t n, cap;
    int open; /* the last chunk is this list's own, being filled */
};
/* Append a file: a unit (the list takes a reference) or, when unit is
 * NULL, the path of a file that could not be read (taken). */
void file_list_add(struct file_list *l, char *path, struct config_unit *u);
/* Append a whole sealed chunk (a reference is taken). */
void file_list_share(struct file_list *l, struct file_chunk *c);
/* Drop the list's reference on each chunk. */
void file_list_release(struct file_list *l);
/* Drop a reference on c; the last drops c's references on its units. */
void file_chunk_unref(struct file_chunk *c);
/* Seal the chunks not sealed yet (after the per-resource checks). */
void file_list_seal(struct file_list *l);
/* The file's path, whether it was read or not. */
const char *cache_file_path(const struct cache_file *f);
/* The last chunk of l (sorted by path) whose first file sorts at or before
 * path, or 0. */
size_t file_list_chunk_of(const struct file_list *l, const char *path);
/* The unit l holds for path (l sorted by path) when its content has this
 * hash and length, else NULL: what a load of the directory can reuse. */
struct config_unit *file_list_find(const struct file_list *l, const char *path, uint64_t hash,
                                   size_t len);

/* ---- the checks across resources --------------------------------------- */

/* One (gateway, host) pair a VirtualService claims (crossref.c). */
struct binding {
    const char *gateway; /* "mesh" or "ns/name" */
    const char *host;    /* fully qualified */
    const struct virtual_service *vs;
    struct config_pos pos;
};

/* For each Gateway with a selector, how many ServiceEntry endpoints its
 * selector matches (gwselect.c counts), kept in the memo from load to load. */
struct selector_count {
    const struct gateway *gw;
    long matches;
};
struct selector_memo {
    struct selector_count *items;
    size_t n, cap;
    int valid; /* the counts are those of the last load */
};

/* What a VirtualService's findings depend on besides the names it looks up. */
#define XMEMO_WIDE_HOSTS 1u    /* its findings name the closest of every host */
#define XMEMO_WIDE_GATEWAYS 2u /* ... of every Gateway */
/* What validate_cross said about each VirtualService, kept from load to load
 * (xref_memo.c). */
struct cross_memo;
/* An empty memo; cross_memo_free(NULL) is a no-op. */
struct cross_memo *cross_memo_new(void);
void cross_memo_free(struct cross_memo *m);
/* Forget every entry. */
void cross_memo_clear(struct cross_memo *m);
/* Forget vs's entry, if there is one. */
void cross_memo_drop(struct cross_memo *m, const void *vs);
/* Record vs's results (vs has no entry): *d is taken (and emptied), the
 * bindings copied; wide: XMEMO_WIDE_*. */
void cross_memo_put(struct cross_memo *m, const struct virtual_service *vs, struct config_diags *d,
                    const struct binding *b, size_t n, unsigned wide);
/* Append every entry's findings to d, in the order of the VirtualServices
 * in a set. */
void cross_memo_diags(const struct cross_memo *m, struct config_diags *d);
/* The entries' bindings on the mesh. */
const struct mesh_hosts *cross_memo_mesh(const struct cross_memo *m);
/* The resources that changed since b's memo, or NULL when every
 * VirtualService must be checked again. */
struct xref_changes;
struct xref_changes *xref_changes_new(const struct builder *b);
/* Free c; NULL is a no-op. */
void xref_changes_free(struct xref_changes *c);
/* Did a Gateway change? */
int xref_changes_gateways(const struct xref_changes *c);

/* The memo's selector counts. */
struct selector_memo *cross_memo_selectors(struct cross_memo *m);
/* The VirtualServices whose checks might say something else after the
 * changes c: appended to *out (*n of them, *cap allocated), their entries
 * dropped. */
void cross_memo_affected(struct cross_memo *m, const struct xref_changes *c,
                         const struct virtual_service ***out, size_t *n, size_t *cap);

/* The lookups of validate_cross, kept from load to load (xref_index.c). */
struct xref_host {
    const char *host; /* fully qualified */
    const char *ns;
    const void *res;  /* the ServiceEntry or DestinationRule */
    const char *file; /* res's file name (its unit's address) */
    char *own;        /* host, when made here from a short name */
};
struct xref_hosts {
    struct xref_host *exact; /* by (host, namespace), then in set order */
    size_t n_exact, cap_exact;
    struct xref_host *wild; /* hosts starting with '*', in set order */
    size_t n_wild, cap_wild;
};
/* The names of one Gateway (its servers' hosts) or DestinationRule (its
 * subsets), sorted, for the few that hold many. */
struct name_ref {
    const char *name;
    size_t idx;
};
struct name_index {
    const void *owner;      /* the resource: its memory is its unit's */
    struct name_ref *items; /* sorted by name, then idx */
    size_t n;
    size_t *wild; /* gateway hosts with a wildcard (or a namespace part), in order */
    size_t n_wild;
};
struct name_indexes {
    struct name_index *items;
    size_t n, cap;
};
struct xref_index {
    struct xref_hosts se, dr;
    int built; /* se and dr hold every host of the load */
    struct name_indexes gw_hosts, subsets;
};
/* An empty index; xref_index_free(NULL) is a no-op. */
struct xref_index *xref_index_new(void);
void xref_index_free(struct xref_index *ix);
/* Every host of b's ServiceEntries and DestinationRules. */
void xref_index_build(struct xref_index *ix, const struct builder *b);
/* Bring ix, the last load's, up to b's: drop what the changed files held,
 * add what they hold now. -1 when the hosts must be built afresh (the
 * names of unchanged resources are kept all the same). */
int xref_index_carry(struct xref_index *ix, const struct builder *b);
/* owner's entry in l, made empty when there is none. */
struct name_index *xref_names(struct name_indexes *l, const void *owner);
/* owner's entry in l, or NULL. */
struct name_index *xref_names_find(const struct name_indexes *l, const void *owner);

#endif
