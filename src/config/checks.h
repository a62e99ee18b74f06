/* checks.h - what every validation pass shares (checks.c): the context of
 * a check, findings at the positions of the values checked, and small
 * predicates on names and addresses. */
#ifndef XDSD_CONFIG_CHECKS_H
#define XDSD_CONFIG_CHECKS_H

#include <stddef.h>

#include "pos.h"
#include "xdsd/config.h"

struct builder;

/* The context of a check: where its findings go, the resource checked and
 * the positions of its values. */
struct vctx {
    struct builder *b;
    struct config_diags *diags;
    const struct pos_table *pos;   /* of the unit holding meta */
    const struct istio_meta *meta; /* resource being checked */
    const char *label;
};
/* Where the value at addr (size bytes) of the resource checked was
 * written, or fallback. */
struct config_pos vc_at(const struct vctx *v, const void *addr, size_t size,
                        struct config_pos fallback);
#define AT(v, ptr) vc_at((v), (ptr), sizeof(*(ptr)), (v)->meta->pos)
#define AT2(v, ptr, fb) vc_at((v), (ptr), sizeof(*(ptr)), (fb))
/* An error (a warning) at pos about the resource checked. */
void vc_error(struct vctx *v, struct config_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vc_warn(struct vctx *v, struct config_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A finding that is an analyzer code (Istio's "IST0101", xdsd's "XDS1001":
 * docs/analyze.md), of severity sev. */
void vc_coded(struct vctx *v, enum config_severity sev, const char *code, struct config_pos pos,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* exportTo: each entry is ".", "*" or a namespace. */
void validate_export_to(struct vctx *v, const char *const *e, size_t n);

/* Small checks shared by validation (checks.c): a DNS-1123 label; a DNS
 * name or a wildcard ("*", "*.suffix"); an IP address; a CIDR block. */
int is_dns1123_label(const char *s);
int is_fqdn_or_wildcard(const char *s);
int is_ip(const char *s);
int is_cidr(const char *s);
/* Is host_fqdn(h, ns) the name full? Without making it, for the scans
 * that compare every host of a load. */
int fqdn_is(const char *h, const char *ns, const char *full);

#endif
