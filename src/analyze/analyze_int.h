/* analyze_int.h - what the analyzers of src/analyze/ share: adding a
 * finding about a resource, and the questions every egress check asks of
 * the configuration (which hosts are gateway services, which Gateways a
 * VirtualService names). */
#ifndef XDSD_ANALYZE_INT_H
#define XDSD_ANALYZE_INT_H

#include "xdsd/analyze.h"
#include "xdsd/arena.h"

/* One analysis: the set's resources, the options, a scratch arena. */
struct actx {
    struct analyze_findings *out;
    const struct analyze_options *o;
    struct arena tmp;
    const struct service_entry *se;
    size_t nse;
    const struct gateway *gw;
    size_t ngw;
    const struct virtual_service *vs;
    size_t nvs;
    const struct destination_rule *dr;
    size_t ndr;
};

/* Add a finding of code about the resource of meta at pos (meta->pos when
 * pos.file is NULL). */
void an_add(struct actx *a, const char *code, const struct istio_meta *meta, struct config_pos pos,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Does have hold every label of want (an empty want: yes)? */
int an_labels_have(const struct config_kv *have, size_t nhave, const struct config_labels *want);
/* Does an endpoint of se carry every label of sel (sel not empty)? */
int an_se_selected(const struct service_entry *se, const struct config_labels *sel);
/* Is se a gateway's service: MESH_INTERNAL, and an endpoint some Gateway's
 * selector matches? */
int an_is_gateway_service(const struct actx *a, const struct service_entry *se);
/* The ServiceEntry (a gateway service when gateway_only) that declares
 * host, written in namespace ns, or NULL. */
const struct service_entry *an_se_of(struct actx *a, const char *host, const char *ns,
                                     int gateway_only);
/* Does some ServiceEntry host overlap host (written in namespace ns)? */
int an_host_declared(struct actx *a, const char *host, const char *ns);

/* The analyzers, by group. */
void an_destination_rules(struct actx *a); /* IST0128 IST0129 IST0173 IST0174 XDS1005 */
void an_gateways(struct actx *a);          /* IST0145 IST0162, XDS1001 live */
void an_egress(struct actx *a);            /* XDS1002 XDS1003 XDS1004 XDS1006 */

#endif
