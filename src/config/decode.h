/* decode.h - the table-driven decoder: YAML nodes into the structs of
 * xdsd/config.h, each value's position recorded (decode.c), the per-kind
 * tables (decode_*.c), and the "did you mean" of its messages. */
#ifndef XDSD_CONFIG_DECODE_H
#define XDSD_CONFIG_DECODE_H

#include <stddef.h>

#include "pos.h"
#include "yaml.h"
#include "xdsd/arena.h"
#include "xdsd/config.h"

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

/* Where node n is, in the file being decoded. */
struct config_pos dc_pos(const struct dctx *c, const struct cnode *n);
/* An error (a warning) at node n about the resource being decoded. */
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
/* Scalar n copied into the arena; NULL (reported) when n is not a scalar. */
const char *dc_str(struct dctx *c, const struct cnode *n);
/* A map of strings into *out; -1 (reported) when n is not one. */
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
/* Start looking for the name closest to word, within limit edits. */
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

/* Per-kind spec decoders (decode_*.c): spec into the resource, errors to c. */
void dec_service_entry(struct dctx *c, const struct cnode *spec, struct service_entry *se);
void dec_gateway(struct dctx *c, const struct cnode *spec, struct gateway *gw);
void dec_virtual_service(struct dctx *c, const struct cnode *spec, struct virtual_service *vs);
void dec_destination_rule(struct dctx *c, const struct cnode *spec, struct destination_rule *dr);
void dec_sidecar(struct dctx *c, const struct cnode *spec, struct sidecar *sc);
void dec_workload_entry(struct dctx *c, const struct cnode *spec, struct workload_entry *we);

/* A ServiceEntry endpoint (struct se_endpoint), the shape of a WorkloadEntry
 * spec too; workloadSelector: {labels} into a struct config_labels. */
void dec_endpoint(struct dctx *c, const struct cnode *n, void *out);
void dec_workload_selector(struct dctx *c, const struct cnode *n, void *out);

/* A ServiceEntry or Gateway port; a traffic policy (DestinationRule). */
void dec_istio_port(struct dctx *c, const struct cnode *n, void *out);
void dec_traffic_policy(struct dctx *c, const struct cnode *n, void *out);
/* Istio's protocol names (HTTP, HTTPS, GRPC, ...). */
extern const struct enum_name protocol_names[];

#endif
