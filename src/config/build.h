/* build.h - building the set: the loading state (struct builder) that takes
 * in the files of a load (builder.c), and the steps that make a set of its
 * resources (set.c). load.c runs them, with validation, in
 * builder_finish(). */
#ifndef XDSD_CONFIG_BUILD_H
#define XDSD_CONFIG_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "reuse.h"
#include "unit.h"
#include "xdsd/arena.h"
#include "xdsd/config.h"

struct config_set {
    int refs;
    uint64_t generation;
    int hash_known; /* hash is computed (on first use) */
    uint64_t hash;
    uint64_t content_id; /* see struct builder */
    struct arena arena;
    struct service_entry *se;
    size_t n_se;
    struct gateway *gw;
    size_t n_gw;
    struct virtual_service *vs;
    size_t n_vs;
    struct destination_rule *dr;
    size_t n_dr;
    struct sidecar *sc;
    size_t n_sc;
    struct workload_entry *we;
    size_t n_we;
    /* the files the resources live in, in load order */
    struct file_chunk **chunks;
    size_t n_chunks;
    /* the files read (config_sources(), made on first use): names and
     * bytes are the units' */
    struct config_source *sources;
};

/* How a kind's sorted array was merged from the last load's (set.c). */
struct kind_merge {
    int merged;
    const char **file; /* of each resource of the sorted array */
    size_t *map;       /* last load's index -> this load's, or SIZE_MAX: gone */
    size_t *added;     /* where the changed files' resources went, ascending */
    size_t n_added;
};

/* Where a set's array of one kind differs from the one of the set before. */
struct kind_patch {
    int same_layout; /* the same resources in the same places, but for: */
    size_t *at;      /* the places of the changed files' resources, ascending */
    size_t n_at;
};

/* Loading state. Resources live in the arenas of their files' units, whose
 * position tables serve validation; builder_finish copies them into sorted
 * arrays. */
struct builder {
    struct config_set *set;
    struct config_diags *diags;
    /* the files of the last load of the directory (cache.c), whose units
     * are reused and which keeps this load's files: NULL without a cache */
    const struct file_list *reuse;
    struct config_unit **units;
    size_t n_units, cap_units;
    struct config_unit **by_file; /* see builder_unit_of() */
    size_t n_by_file, unit_scans;
    struct service_entry **se;
    struct gateway **gw;
    struct virtual_service **vs;
    struct destination_rule **dr;
    struct sidecar **sc;
    struct workload_entry **we;
    size_t n_se, n_gw, n_vs, n_dr, n_sc, n_we;
    size_t cap_se, cap_gw, cap_vs, cap_dr, cap_sc, cap_we;
    size_t nfiles;
    struct file_list files; /* the load's files, in order */
    /* a sum of a hash of each unit's name and content: what the reloader
     * compares to tell a change, kept up to date from the changed files */
    uint64_t content_id;
    /* the results of validate_cross to reuse and to keep (may be NULL) */
    struct cross_memo **memo;
    struct xref_index **xindex; /* validate_cross's lookups, kept likewise (may be NULL) */
    int memo_usable;            /* only the units in fresh and gone changed since *memo */
#define MEMO_MAX_UNITS 64       /* past this many changed files, redo everything */
    const struct config_unit **fresh, **gone;
    size_t n_fresh, n_gone, cap_fresh, cap_gone;
    /* the resources of each kind in order, kept from load to load (may be
     * NULL); with memo_usable, those of the last load */
    struct sorted_kinds *sorted;
    int carried; /* units were added without their resources */
    /* the set the last load made, when its sorted arrays are *sorted's */
    const struct config_set *prev;
    /* the set the load before made, when prev was made from it; only the
     * cache holds it, and while no one else does its arrays can be taken */
    struct config_set *older;
    struct kind_patch *patch; /* per kind: prev against older; then this load against prev */
    struct config_set *spare; /* made for the next load when there is no prev (set.c) */
    struct kind_merge merge[CONFIG_NKINDS];
};

/* Every resource of a load, per kind, in (namespace, name, position) order. */
struct sorted_kinds {
    struct istio_meta **arr[CONFIG_NKINDS];
    const char **file[CONFIG_NKINDS]; /* each one's file name (its unit's address) */
    size_t n[CONFIG_NKINDS];
    size_t dups[CONFIG_NKINDS]; /* duplicates reported among them */
};
/* Free the arrays (k is empty again). */
void sorted_kinds_release(struct sorted_kinds *k);

/* ---- the builder takes in files (builder.c) ------------------------------ */

/* An empty builder whose findings go to *diags (emptied). */
void builder_init(struct builder *b, struct config_diags *diags);
/* Parse one YAML stream into b (or take the unit b->reuse holds for it). */
void builder_add_buffer(struct builder *b, const char *file, const char *buf, size_t len);
/* Add a file, or every *.yaml / *.yml under a directory. -1 when path cannot be read. */
int builder_add_path(struct builder *b, const char *path);
/* Read and parse one file (errors name it). -1 when it cannot be read. */
int builder_add_file(struct builder *b, const char *path);
/* The same for standard input, named name in messages (fd 0 is closed). */
int builder_add_stdin(struct builder *b, const char *name);
/* Add u, a unit of the last load from a file that has not changed since,
 * leaving its resources out of the per-kind arrays: builder_finish takes
 * them from b->sorted (the last load's), so u must be in it. */
void builder_add_carried(struct builder *b, struct config_unit *u);
/* The same for every file of c (sealed, without unread files). */
void builder_add_chunk(struct builder *b, struct file_chunk *c);
/* How many resources b holds. */
size_t builder_resources(const struct builder *b);

/* ---- the set (set.c) ---------------------------------------------------- */

/* The set's order of resources: (namespace, name), then where each is
 * written (file, line, column), which tells any two apart. */
int meta_order(const struct istio_meta *a, const struct istio_meta *b);

/* Sort each kind's resources (merging into the last load's order when only
 * a few files changed) and report duplicates; dups[k]: how many of kind k. */
void builder_sort(struct builder *b, size_t dups[CONFIG_NKINDS]);
/* The unit a resource of the builder came from. */
const struct config_unit *builder_unit_of(struct builder *b, const struct istio_meta *m);
/* Move the sorted resources into b->set; b->set is complete. */
void builder_fill_set(struct builder *b);
/* Free what b holds but the set (and, for a directory's cache, keep the
 * sorted arrays for the next load); dups as builder_sort() gave them. */
void builder_release(struct builder *b, const size_t dups[CONFIG_NKINDS]);

/* Validate, index and hand out the set (NULL on any error); releases b
 * (load.c). */
struct config_set *builder_finish(struct builder *b);

/* ---- the loads through a cache (cache.c) -------------------------------- */

/* A file (or named buffer) that may differ from the cache's last load. */
struct cache_change {
    char *path;       /* its name (malloc'ed; cache_load() takes it) */
    int present;      /* there now: read or parse it; else it is gone */
    const char *data; /* a buffer's bytes (len of them); NULL: read path */
    size_t len;
};

/* The files of the cache's last load (to reuse units from: b->reuse). */
const struct file_list *cache_files(const struct config_cache *c);
/* Whether the cache's last load was of named buffers (1) or of a tree. */
int cache_holds_buffers(const struct config_cache *c);
/* Finish a load through the cache: when partial, b holds nothing yet and
 * gets the cache's last files with the changes ch (n, sorted by path,
 * without repeats) merged in; else b holds every file of the load already.
 * buffers: whether the files are named buffers. The memo, the sorted kinds
 * and the last sets are used and brought up to date; releases b; the
 * result is builder_finish()'s. */
struct config_set *cache_load(struct config_cache *c, struct builder *b, struct cache_change *ch,
                              size_t n, int partial, int buffers, size_t *nfiles);

#endif
