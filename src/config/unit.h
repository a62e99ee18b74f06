/* unit.h - one parsed file: its resources, decoded into its own arena with
 * the positions of their values, and what parsing and per-resource
 * validation said about them (unit.c). */
#ifndef XDSD_CONFIG_UNIT_H
#define XDSD_CONFIG_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "pos.h"
#include "xdsd/arena.h"
#include "xdsd/config.h"

/* A unit depends on the file's bytes alone, so a reload reuses it while the
 * file is unchanged; sets share units by reference. */
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

/* Parse and decode one YAML stream (len bytes of buf, copied) named file
 * into a new unit (refcount 1); hash is the content's. Errors are the
 * unit's parse_diags. */
struct config_unit *unit_parse(const char *file, const char *buf, size_t len, uint64_t hash);
/* Drop a reference; the last frees the unit. NULL is a no-op. */
void unit_unref(struct config_unit *u);
/* What u adds to a content id (struct builder). */
uint64_t unit_content_id(const struct config_unit *u);

#endif
