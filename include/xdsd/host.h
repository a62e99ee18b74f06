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

#endif
