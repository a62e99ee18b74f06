/* internal.h - machinery shared by the files of src/config/, not part of the
 * public API: an arena, the positioned YAML node tree, the table-driven field
 * decoder, the position side table used by validation, and diagnostics. */
#ifndef XDSD_CONFIG_INTERNAL_H
#define XDSD_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "xdsd/config.h"

/* ---- arena: bump allocation in chunks, freed all at once ---------------- */

struct arena_chunk;
struct arena {
    struct arena_chunk *head;
    size_t used; /* bytes used in head */
    size_t cap;  /* bytes available in head */
};

void arena_init(struct arena *a);
void arena_release(struct arena *a);
/* Zeroed, aligned memory that lives as long as the arena. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);

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

struct pos_table {
    struct pos_entry *slots;
    size_t cap, n;
};

void pos_put(struct pos_table *t, const void *addr, size_t size, struct config_pos pos);
/* Position of the value at addr (of that size); 0 when not recorded. */
int pos_get(const struct pos_table *t, const void *addr, size_t size, struct config_pos *out);
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

struct config_set {
    int refs;
    uint64_t generation;
    uint64_t hash;
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
    /* the files read, with copies of their bytes (heap, not arena: they may be large) */
    struct config_source *sources;
    size_t n_sources, cap_sources;
};

/* Loading state. Resources are allocated one by one in the set's arena so
 * that their addresses (keys of the position table) stay put until
 * validation is over; builder_finish then copies them into sorted arrays. */
struct builder {
    struct config_set *set;
    struct config_diags *diags;
    struct pos_table pos;
    struct service_entry **se;
    struct gateway **gw;
    struct virtual_service **vs;
    struct destination_rule **dr;
    size_t n_se, n_gw, n_vs, n_dr;
    size_t cap_se, cap_gw, cap_vs, cap_dr;
    size_t nfiles;
    uint64_t hash;
};

void builder_init(struct builder *b, struct config_diags *diags);
/* Parse one YAML stream into b. */
void builder_add_buffer(struct builder *b, const char *file, const char *buf, size_t len);
/* Add a file, or every *.yaml / *.yml under a directory. -1 when path cannot be read. */
int builder_add_path(struct builder *b, const char *path);
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
    const struct pos_table *pos;
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
void validate_resources(struct vctx *v);
void validate_cross(struct vctx *v);
void set_index(struct config_set *s);
/* Keep a copy of a file's bytes in the set (config_sources()). */
void set_add_source(struct config_set *s, const char *name, const char *buf, size_t len);
void set_free_sources(struct config_set *s);

/* Small checks shared by validation. */
int is_dns1123_label(const char *s);
int is_fqdn_or_wildcard(const char *s);
int is_ip(const char *s);
int is_cidr(const char *s);
/* Istio host matching: pattern may be "*" or "*.suffix". */
int host_matches(const char *pattern, const char *host);

#endif
