/* validate.h - validation: the per-resource rules (validate.c, with
 * validate_vs.h), the checks across resources (crossref.c, conflicts.c,
 * gwselect.c), on the context of checks.h. It reads the builder and the
 * set; nothing below calls up into it. */
#ifndef XDSD_CONFIG_VALIDATE_H
#define XDSD_CONFIG_VALIDATE_H

#include <stddef.h>

#include "build.h"
#include "checks.h"
#include "reuse.h"
#include "xdsd/config.h"

/* Per-resource rules for the resources of one unit, into v->diags. */
void validate_unit(struct vctx *v, const struct config_unit *u);
/* The checks across the resources of v->b (crossref.c), into v->diags:
 * references to Gateways, hosts and subsets, competing VirtualServices,
 * Gateway selectors. */
void validate_cross(struct vctx *v);

/* Sidecar and WorkloadEntry rules of one resource, and the checks across
 * the Sidecars of v->b (validate_sidecar.c). */
void validate_sidecar(struct vctx *v, const struct sidecar *sc);
void validate_workload_entry(struct vctx *v, const struct workload_entry *we);
void check_sidecars(struct vctx *v);

/* The bindings on the mesh, grouped by host (conflicts.c). A binding
 * added stays where it is until removed. */
struct mesh_hosts;
/* An empty table; mesh_hosts_free(NULL) is a no-op. */
struct mesh_hosts *mesh_hosts_new(void);
void mesh_hosts_free(struct mesh_hosts *m);
/* Group b (kept, not copied) under its host, when it is on the mesh. */
void mesh_hosts_add(struct mesh_hosts *m, const struct binding *b);
/* Take b out of its group. */
void mesh_hosts_remove(struct mesh_hosts *m, const struct binding *b);
/* Warn about each VirtualService ignored for a host on the mesh because
 * another comes first. */
void check_conflicts(struct vctx *v, const struct mesh_hosts *m);

/* Warn (IST0101) about each Gateway whose selector matches no ServiceEntry
 * endpoint's labels. With changed_only (no Gateway changed since the last
 * load), the counts are brought up to date from the builder's gone and
 * fresh units; else counted afresh (gwselect.c). */
void check_gateway_selectors(struct vctx *v, struct selector_memo *sm, int changed_only);

#endif
