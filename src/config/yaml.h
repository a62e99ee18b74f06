/* yaml.h - YAML streams into trees of positioned nodes (yaml.c). */
#ifndef XDSD_CONFIG_YAML_H
#define XDSD_CONFIG_YAML_H

#include <stddef.h>

#include "xdsd/arena.h"
#include "xdsd/config.h"

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

#endif
