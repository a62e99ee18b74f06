/* diag.h - findings: adding them to a list with their positions, and the
 * "Kind ns/name" labels they name resources by. */
#ifndef XDSD_CONFIG_DIAG_H
#define XDSD_CONFIG_DIAG_H

#include <stdarg.h>

#include "xdsd/arena.h"
#include "xdsd/config.h"

/* Diagnostics kept per load; past this they are only counted. */
#define CONFIG_MAX_DIAGS 1000

/* Add a finding at pos about resource (a label, or NULL), message from fmt;
 * every string is copied. Past CONFIG_MAX_DIAGS it is only counted. */
void diag_add(struct config_diags *d, enum config_severity sev, struct config_pos pos,
              const char *resource, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_vadd(struct config_diags *d, enum config_severity sev, struct config_pos pos,
               const char *resource, const char *fmt, va_list ap);
/* The same for a finding that is an analyzer code (a static string, kept as
 * it is: "IST0101"), what `xdsd analyze` reports it as. */
void diag_add_code(struct config_diags *d, enum config_severity sev, const char *code,
                   struct config_pos pos, const char *resource, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void diag_vadd_code(struct config_diags *d, enum config_severity sev, const char *code,
                    struct config_pos pos, const char *resource, const char *fmt, va_list ap);
/* Sort by file, line, column, keeping insertion order for ties. */
void diag_sort(struct config_diags *d);
/* Append src's diagnostics (and counts) to dst. */
void diags_append(struct config_diags *dst, const struct config_diags *src);

/* -1 when s names no kind xdsd reads. */
int kind_parse(const char *s, enum istio_kind *out);
/* Label for messages, in a: "VirtualService ns/name". */
const char *meta_label(struct arena *a, const struct istio_meta *m);

#endif
