/* host.h - Istio's rules for host names, in one place.
 *
 * Validation and translation both ask these questions; both must get the same
 * answer, so each rule is written once, here (docs/istio-to-envoy.md §1 says
 * where Istio uses them).
 *
 * A host is a DNS name ("edition.cnn.com"), a short name that means a
 * Kubernetes service of the resource's own namespace ("reviews"), or a
 * wildcard: "*" alone, or "*" followed by a suffix ("*.cnn.com", and also
 * "*cnn.com", which Istio accepts and reads as any name ending in "cnn.com"). */
#ifndef XDSD_HOST_H
#define XDSD_HOST_H

#include <stddef.h>

struct arena;

/* The DNS domain of Kubernetes services that short names expand into. */
#define HOST_SERVICE_DOMAIN "svc.cluster.local"

/* Whether every name host stands for is one pattern stands for (Istio's
 * "host is a subset of pattern"): equal names; "*"; a wildcard pattern whose
 * suffix (the text after '*') ends host, so "*.cnn.com" takes
 * "edition.cnn.com" and the narrower wildcard "*.eu.cnn.com", but neither
 * "cnn.com" nor the wider "*.com". */
int host_match(const char *pattern, const char *host);

/* Whether a and b have a name in common (Istio's symmetric "matches"):
 * either is within the other, or both are wildcards of which one's suffix
 * ends the other's. */
int host_overlap(const char *a, const char *b);

/* Whether a resource of namespace resource_ns whose exportTo is the n
 * entries of export_to is visible in namespace viewer_ns: no entries or "*"
 * is everywhere, "." the resource's own namespace, any other entry names a
 * namespace. */
int host_exported(const char *const *export_to, size_t n, const char *resource_ns,
                  const char *viewer_ns);

/* host as a full name: a short name (no dot, not "*") becomes
 * "NAME.NS.svc.cluster.local" in a; any other host is returned as it is. */
const char *host_fqdn(struct arena *a, const char *host, const char *ns);

/* Whether ref, an entry of a VirtualService's gateways in namespace vs_ns,
 * names the Gateway gw_ns/gw_name: "NS/NAME", "NAME" in vs_ns, or the
 * deprecated "NAME.NS.svc.cluster.local"; gw_name NULL asks for "mesh". */
int host_gateway_ref_is(const char *ref, const char *vs_ns, const char *gw_ns,
                        const char *gw_name);

/* Whether the n entries of a gateways list (a VirtualService's, or one of
 * its rules' match) bind the mesh's sidecars: none (the default) or "mesh". */
int host_gateways_bind_mesh(const char **gateways, size_t n);

#endif
