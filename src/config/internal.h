/* internal.h - machinery shared by the files of src/config/, not part of the
 * public API: an arena, the positioned YAML node tree, the table-driven field
 * decoder, the position side table used by validation, and diagnostics. */
#ifndef XDSD_CONFIG_INTERNAL_H
#define XDSD_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xdsd/arena.h"
#include "xdsd/config.h"

/* ---- positioned YAML nodes (private to the loader) ---------------------- */

enum cnode_type { CN_NULL, CN_SCALAR, CN_MAP, CN_SEQ };

struct cnode {
    enum cnode_type type;
    int line, column;     /* 1-based */
    int plain;            /* unquoted scalar: may be read as a number or bool */
    const char *str;      /* scalar text (NUL-terminated; "" for null) */
    struct cnode **items; /* seq: n items; map: 2n nodes, key then value */
    size_t n;
    size_t weight; /* nodes below and including this one, aliases expanded */
};

struct cdoc {
    struct cnode *root; /* NULL: empty document */
    int line, column;
};

/* Nodes after alias expansion allowed in one document (alias bombs). */
#define CYAML_MAX_NODES 1000000

/* Parse a YAML stream into documents allocated in *a. Errors (syntax, alias
 * bombs, unknown anchors, non-scalar keys) are added to *d; the documents read
 * before the first error are returned. Returns the number of errors added. */
int cyaml_parse(struct arena *a, const char *file, const char *buf, size_t len, struct cdoc **docs,
                size_t *ndocs, struct config_diags *d);

/* The value of key in map node n, or NULL. */
const struct cnode *cnode_get(const struct cnode *n, const char *key);

/* ---- diagnostics ------------------------------------------------------- */

/* Diagnostics kept per load; past this they are only counted. */
#define CONFIG_MAX_DIAGS 1000

void diag_add(struct config_diags *d, enum config_severity sev, struct config_pos pos,
              const char *resource, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_vadd(struct config_diags *d, enum config_severity sev, struct config_pos pos,
               const char *resource, const char *fmt, va_list ap);
/* Sort by file, line, column, keeping insertion order for ties. */
void diag_sort(struct config_diags *d);

/* ---- position table: where each decoded value came from ----------------- */

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

void pos_put(struct pos_table *t, const void *addr, size_t size, struct config_pos pos);
/* Position of the value at addr (of that size); 0 when not recorded. */
int pos_get(const struct pos_table *t, const void *addr, size_t size, struct config_pos *out);
/* Trade the hash table for the sorted array (no pos_put after this). */
void pos_compact(struct pos_table *t);
void pos_release(struct pos_table *t);

/* ---- the decoder -------------------------------------------------------- */

struct dctx {
    struct arena *a; /* the set's arena: decoded values live here */
    struct config_diags *diags;
    struct pos_table *pos;
    const char *file;     /* arena copy */
    const char *resource; /* "Kind ns/name" for messages, arena copy */
    int errors;
};

typedef void (*dec_fn)(struct dctx *c, const struct cnode *n, void *out);

enum ftype {
    F_STR,     /* const char * */
    F_STRS,    /* const char ** + size_t count at n_off */
    F_LABELS,  /* struct config_labels */
    F_U32,     /* uint32_t, >= 0 */
    F_I32,     /* int32_t */
    F_I64,     /* int64_t */
    F_U64,     /* uint64_t */
    F_PORT,    /* uint32_t, 1-65535 */
    F_BOOL,    /* int */
    F_DUR,     /* int64_t milliseconds */
    F_DOUBLE,  /* double */
    F_ENUM,    /* int-sized enum, names in enums */
    F_PERCENT, /* struct percent from {value: N} */
    F_PORTSEL, /* uint32_t from {number: N} */
    F_SUB,     /* sub(c, node, base + off) */
    F_LIST,    /* array of elem_size built with sub, count at n_off */
    F_IGNORE,  /* accepted, not kept */
};

struct enum_name {
    const char *name;
    int value;
};

struct field {
    const char *name; /* camelCase; the snake_case spelling is accepted too */
    enum ftype type;
    size_t off, n_off;
    const struct enum_name *enums; /* NULL-terminated */
    dec_fn sub;
    size_t elem_size;
    int has_off; /* offset of an int set to 1 when the field is present, or -1 */
};

/* clang-format off */
#define FLD(nm, ty, st, mb) {nm, ty, offsetof(st, mb), 0, NULL, NULL, 0, -1}
#define FLDH(nm, ty, st, mb, hs) {nm, ty, offsetof(st, mb), 0, NULL, NULL, 0, offsetof(st, hs)}
#define FSTRS(nm, st, mb) {nm, F_STRS, offsetof(st, mb), offsetof(st, n_##mb), NULL, NULL, 0, -1}
#define FENUM(nm, st, mb, tab) {nm, F_ENUM, offsetof(st, mb), 0, tab, NULL, 0, -1}
#define FSUB(nm, st, mb, fn) {nm, F_SUB, offsetof(st, mb), 0, NULL, fn, 0, -1}
#define FSUBH(nm, st, mb, fn, hs) {nm, F_SUB, offsetof(st, mb), 0, NULL, fn, 0, offsetof(st, hs)}
#define FLIST(nm, st, mb, fn, et)                                                                  \
    {nm, F_LIST, offsetof(st, mb), offsetof(st, n_##mb), NULL, fn, sizeof(et), -1}
/* A custom decoder handed the whole struct (fields that fill several members). */
#define FSUBBASE(nm, fn) {nm, F_SUB, 0, 0, NULL, fn, 0, -1}
#define FIGN(nm) {nm, F_IGNORE, 0, 0, NULL, NULL, 0, -1}
#define FEND {NULL, F_IGNORE, 0, 0, NULL, NULL, 0, -1}
/* clang-format on */

struct config_pos dc_pos(const struct dctx *c, const struct cnode *n);
void dc_error(struct dctx *c, const struct cnode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dc_warn(struct dctx *c, const struct cnode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Decode mapping n into base (a struct of size bytes) following fields.
 * Returns 0, or -1 when n is not a mapping (reported). */
int dc_map(struct dctx *c, const struct cnode *n, const struct field *fields, void *base,
           size_t size);
/* Record where the value at addr (size bytes) came from. */
void dc_mark(struct dctx *c, const void *addr, size_t size, const struct cnode *n);
const char *dc_str(struct dctx *c, const struct cnode *n);
int dc_labels(struct dctx *c, const struct cnode *n, struct config_labels *out);
/* The closest of the names to s by edit distance, or NULL if none is close. */
const char *dc_suggest(const char *s, const char *const *names, size_t n);

/* "Did you mean": the name closest to a word by edit distance (ignoring
 * case), among those offered, when it is within a limit. */
struct suggest {
    const char *word;
    size_t len;
    int limit;
    const char *best; /* the shown form of the closest name so far, or NULL */
    int best_d;
};
void suggest_init(struct suggest *sg, const char *word, int limit);
/* The edit distance between a and b, ignoring case (INT_MAX past 64
 * characters). */
int config_edit_distance(const char *a, const char *b);
/* The limit for a word that names another resource (a host, a Gateway, a
 * subset): close for its length; -1 (nothing is close) for a very short
 * one. */
int suggest_name_limit(const char *word);
/* Offer name, shown as shown (kept, not copied), extra edits away besides
 * its distance to the word. */
void suggest_offer(struct suggest *sg, const char *name, const char *shown, int extra);

/* Per-kind spec decoders (decode_*.c). */
void dec_service_entry(struct dctx *c, const struct cnode *spec, struct service_entry *se);
void dec_gateway(struct dctx *c, const struct cnode *spec, struct gateway *gw);
void dec_virtual_service(struct dctx *c, const struct cnode *spec, struct virtual_service *vs);
void dec_destination_rule(struct dctx *c, const struct cnode *spec, struct destination_rule *dr);
/* Shared pieces. */
void dec_istio_port(struct dctx *c, const struct cnode *n, void *out);
void dec_traffic_policy(struct dctx *c, const struct cnode *n, void *out);
extern const struct enum_name protocol_names[];

/* ---- the set under construction ------------------------------------------ */

struct host_ref {
    const char *host;
    const char *ns;
    const void *res;
};

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
void file_list_release(struct file_list *l);
void file_chunk_unref(struct file_chunk *c);
/* Seal the chunks not sealed yet (after the per-resource checks). */
void file_list_seal(struct file_list *l);
const char *cache_file_path(const struct cache_file *f);

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
    /* indexes (set.c) */
    struct host_ref *se_by_host;
    size_t n_se_by_host;
    struct host_ref *dr_by_host;
    size_t n_dr_by_host;
    struct host_ref *dr_wild; /* DestinationRules with a wildcard host */
    size_t n_dr_wild;
    /* the files the resources live in, in load order */
    struct file_chunk **chunks;
    size_t n_chunks;
    /* the files read (config_sources(), made on first use): names and
     * bytes are the units' */
    struct config_source *sources;
};

/* One parsed file: its resources (decoded into its own arena, with the
 * positions of their values) and what parsing and per-resource validation
 * said about them. A unit depends on the file's bytes alone, so a reload
 * reuses it while the file is unchanged; sets share units by reference. */
struct config_unit {
    int refs;
    char *path;
    char *data;    /* a copy of the file's bytes (config_sources()) */
    uint64_t hash; /* of the content */
    size_t len;
    struct arena arena;
    struct pos_table pos;
    struct istio_meta **res; /* in document order */
    size_t n_res, cap_res;
    struct config_diags parse_diags; /* YAML and decoding */
    struct config_diags check_diags; /* per-resource validation */
    int checked;                     /* check_diags is filled */
};

void unit_unref(struct config_unit *u);
/* Append src's diagnostics (and counts) to dst. */
void diags_append(struct config_diags *dst, const struct config_diags *src);

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
    struct config_cache *cache; /* may be NULL */
    struct config_unit **units;
    size_t n_units, cap_units;
    struct config_unit **by_file; /* see builder_unit_of() */
    size_t n_by_file, unit_scans;
    struct service_entry **se;
    struct gateway **gw;
    struct virtual_service **vs;
    struct destination_rule **dr;
    size_t n_se, n_gw, n_vs, n_dr;
    size_t cap_se, cap_gw, cap_vs, cap_dr;
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
    struct kind_patch *patch; /* [4]: prev against older; then this load against prev */
    struct config_set *spare; /* made for the next load when there is no prev (set.c) */
    struct kind_merge merge[4];
};

/* One host of a ServiceEntry (or DestinationRule) of the set's sorted array,
 * in the order of the set's lookups by host (host_index.c). */
struct host_order {
    const char *host, *ns; /* the unit's strings */
    size_t idx;            /* in the set's array */
};

struct host_orders {
    struct host_order *se, *dr; /* dr: the rules without a wildcard host */
    size_t n_se, n_dr;
    size_t *wild; /* the rules with one: their places in the set's array, ascending */
    size_t n_wild;
    int valid;
};

/* Every resource of a load, per kind, in (namespace, name, position) order. */
struct sorted_kinds {
    struct istio_meta **arr[4];
    const char **file[4]; /* each one's file name (its unit's address) */
    size_t n[4];
    size_t dups[4];           /* duplicates reported among them */
    struct host_orders hosts; /* of the last load that made a set */
};
void sorted_kinds_release(struct sorted_kinds *k);
void host_orders_release(struct host_orders *h);

/* Build s's lookups by host. With prev valid and both kinds merged, by
 * merging prev with the changed files' hosts; else by sorting. *out (may be
 * NULL) receives the new order. */
void host_index_build(struct config_set *s, const struct host_orders *prev,
                      const struct kind_merge *se, const struct kind_merge *dr,
                      struct host_orders *out);

void builder_init(struct builder *b, struct config_diags *diags);
/* Parse one YAML stream into b. */
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
/* What u adds to a content id. */
uint64_t unit_content_id(const struct config_unit *u);

/* A file or directory by identity, whatever path reaches it. */
struct file_id {
    dev_t dev;
    ino_t ino;
};
/* A map from file_id to an index (tree.c). */
struct inode_slot {
    struct file_id id;
    size_t value;
    int used;
};
struct inode_map {
    struct inode_slot *slots;
    size_t n, cap;
};
/* The value put for id, or SIZE_MAX. */
size_t inode_map_get(const struct inode_map *m, struct file_id id);
/* Map id to value: 1 when id is new, 0 when it was there (the value is
 * replaced). */
int inode_map_put(struct inode_map *m, struct file_id id, size_t value);
void inode_map_release(struct inode_map *m);

/* Is name that of a configuration file (*.yaml, *.yml)? */
int config_is_yaml_name(const char *name);

/* The YAML files under a directory, sorted by name (strcmp), as a load
 * reads them: each real file once, under the first of its paths. */
struct tree_listing {
    char **files;
    struct file_id *ids; /* of each file */
    size_t n, cap;
    int errors; /* directories that could not be read, links that lead nowhere (reported) */
    int links;  /* symbolic links met */
};
/* List the tree under root into *l (which the caller releases). Loops,
 * directories reached twice and files reached by several paths are
 * warnings; links that lead nowhere and unreadable directories errors. */
void builder_list_tree(struct builder *b, const char *root, struct tree_listing *l);
void tree_listing_release(struct tree_listing *l);
/* dir without trailing '/': the prefix of every path a load names. */
char *config_root_name(const char *dir);
/* The unit the cache holds for path when its content has this hash and
 * length, else NULL (cache.c). */
struct config_unit *cache_find(const struct config_cache *c, const char *path, uint64_t hash,
                               size_t len);
/* Run the per-resource rules on every unit not checked yet. */
void builder_check_units(struct builder *b);
/* Validate, index and hand out the set (NULL on any error); releases b. */
struct config_set *builder_finish(struct builder *b);
size_t builder_resources(const struct builder *b);

/* Label for messages: "VirtualService ns/name". */
const char *kind_name(enum istio_kind k);
const char *meta_label(struct arena *a, const struct istio_meta *m);

/* Validation passes (validate.c, crossref.c). */
struct vctx {
    struct builder *b;
    struct config_diags *diags;
    const struct pos_table *pos;   /* of the unit holding meta */
    const struct istio_meta *meta; /* resource being checked */
    const char *label;
};
struct config_pos vc_at(const struct vctx *v, const void *addr, size_t size,
                        struct config_pos fallback);
#define AT(v, ptr) vc_at((v), (ptr), sizeof(*(ptr)), (v)->meta->pos)
#define AT2(v, ptr, fb) vc_at((v), (ptr), sizeof(*(ptr)), (fb))
void vc_error(struct vctx *v, struct config_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vc_warn(struct vctx *v, struct config_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Per-resource rules for the resources of one unit, into v->diags. */
void validate_unit(struct vctx *v, const struct config_unit *u);
/* The unit a resource of the builder came from. */
const struct config_unit *builder_unit_of(struct builder *b, const struct istio_meta *m);
void validate_cross(struct vctx *v);

/* One (gateway, host) pair a VirtualService claims (crossref.c). */
struct binding {
    const char *gateway; /* "mesh" or "ns/name" */
    const char *host;    /* fully qualified */
    const struct virtual_service *vs;
    struct config_pos pos;
};

/* The bindings on the mesh, grouped by host (conflicts.c). A binding
 * added stays where it is until removed. */
struct mesh_hosts;
struct mesh_hosts *mesh_hosts_new(void);
void mesh_hosts_free(struct mesh_hosts *m);
void mesh_hosts_add(struct mesh_hosts *m, const struct binding *b);
void mesh_hosts_remove(struct mesh_hosts *m, const struct binding *b);
/* Warn about each VirtualService ignored for a host on the mesh because
 * another comes first. */
void check_conflicts(struct vctx *v, const struct mesh_hosts *m);

/* What validate_cross said about one VirtualService (xref_memo.c). */
#define XMEMO_WIDE_HOSTS 1u    /* its findings name the closest of every host */
#define XMEMO_WIDE_GATEWAYS 2u /* ... of every Gateway */
struct xmemo_entry {
    const void *vs;   /* the key: its address in its unit; NULL: a free slot */
    uint64_t deps[2]; /* a Bloom filter of the hosts and gateways it looks up */
    unsigned wide;    /* XMEMO_WIDE_*: it depends on every host or Gateway too */
    struct config_diags diags;
    struct binding *bindings; /* own copies of the strings */
    size_t n_bindings;
};
/* Every VirtualService's entry, kept from load to load. */
struct cross_memo;
struct cross_memo *cross_memo_new(void);
void cross_memo_free(struct cross_memo *m);
/* Forget every entry. */
void cross_memo_clear(struct cross_memo *m);
/* Forget vs's entry, if there is one. */
void cross_memo_drop(struct cross_memo *m, const void *vs);
/* Record vs's results (vs has no entry): *d is taken (and emptied), the
 * bindings copied; wide as in struct xmemo_entry. */
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
void xref_changes_free(struct xref_changes *c);
/* Did a Gateway change? */
int xref_changes_gateways(const struct xref_changes *c);

/* For each Gateway with a selector, how many ServiceEntry endpoints its
 * selector matches (gwselect.c), kept in the memo from load to load. */
struct selector_count {
    const struct gateway *gw;
    long matches;
};
struct selector_memo {
    struct selector_count *items;
    size_t n, cap;
    int valid; /* the counts are those of the last load */
};
/* The memo's counts. */
struct selector_memo *cross_memo_selectors(struct cross_memo *m);
/* Warn (IST0101) about each Gateway whose selector matches no ServiceEntry
 * endpoint's labels. With changed_only (no Gateway changed since the last
 * load), the counts are brought up to date from the builder's gone and
 * fresh units; else counted afresh. */
void check_gateway_selectors(struct vctx *v, struct selector_memo *sm, int changed_only);
void selector_memo_release(struct selector_memo *sm);
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

/* Small checks shared by validation. */
int is_dns1123_label(const char *s);
int is_fqdn_or_wildcard(const char *s);
int is_ip(const char *s);
int is_cidr(const char *s);
/* Istio host matching: pattern may be "*" or "*.suffix". */
int host_matches(const char *pattern, const char *host);

#endif
