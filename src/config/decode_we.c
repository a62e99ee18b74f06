/* decode_we.c - WorkloadEntry spec: a ServiceEntry endpoint of its own. */
#include "decode.h"

void dec_workload_entry(struct dctx *c, const struct cnode *spec, struct workload_entry *we)
{
    dec_endpoint(c, spec, &we->ep);
}
