/* validate_vs.h - the per-resource rules of a VirtualService (validate_vs.c),
 * which validate_unit() runs. */
#ifndef XDSD_CONFIG_VALIDATE_VS_H
#define XDSD_CONFIG_VALIDATE_VS_H

#include "checks.h"

/* The VirtualService rules, into v->diags (v->meta is vs's). */
void validate_virtual_service(struct vctx *v, const struct virtual_service *vs);

#endif
