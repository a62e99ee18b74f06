/* identity.h - binding a client certificate's SPIFFE identity to the
 * namespace its node claims (private to src/xds). */
#ifndef XDSD_XDS_IDENTITY_H
#define XDSD_XDS_IDENTITY_H

#include <grpc/grpc.h>

/* Check a SPIFFE ID "spiffe://TD/ns/NS/sa/SA" against the trust domain and
 * the namespace a node claims. Returns 0 when it matches, else -1 with the
 * reason in *why (heap, for the PERMISSION_DENIED status and the log). */
int xds_identity_check(const char *spiffe_id, const char *trust_domain, const char *ns, char **why);

/* The SPIFFE ID of the peer of call, from its client certificate's URI SANs
 * (heap), or NULL with the reason in *why (heap): no certificate, no SPIFFE
 * URI, or more than one. */
char *xds_identity_of_call(grpc_call *call, char **why);

#endif
