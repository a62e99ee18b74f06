/* host.c - Istio's rules for host names (see host.h). */
#include "xdsd/host.h"

#include <string.h>

#include "xdsd/arena.h"

/* Whether s ends with suffix (of length n). */
static int ends_with(const char *s, const char *suffix, size_t n)
{
    size_t l = strlen(s);
    return l >= n && memcmp(s + l - n, suffix, n) == 0;
}

int host_match(const char *pattern, const char *host)
{
    if (pattern[0] != '*')
        return strcmp(pattern, host) == 0;
    /* a wildcard: its suffix must end host, whose own wildcard (if any) is
     * then inside the suffix's reach ("*.eu.cnn.com" within "*.cnn.com") */
    const char *suffix = pattern + 1;
    size_t n = strlen(suffix);
    if (host[0] == '*')
        return ends_with(host + 1, suffix, n);
    return ends_with(host, suffix, n);
}

int host_overlap(const char *a, const char *b)
{
    return host_match(a, b) || host_match(b, a);
}

int host_exported(const char *const *export_to, size_t n, const char *resource_ns,
                  const char *viewer_ns)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++) {
        const char *e = export_to[i];
        if (strcmp(e, "*") == 0 || strcmp(e, viewer_ns) == 0)
            return 1;
        if (strcmp(e, ".") == 0 && strcmp(resource_ns, viewer_ns) == 0)
            return 1;
    }
    return 0;
}

const char *host_fqdn(struct arena *a, const char *host, const char *ns)
{
    if (strchr(host, '.') != NULL || strcmp(host, "*") == 0)
        return host;
    return arena_cat(a, host, ".", ns, "." HOST_SERVICE_DOMAIN, NULL);
}

int host_gateway_ref_is(const char *ref, const char *vs_ns, const char *gw_ns,
                        const char *gw_name)
{
    if (gw_name == NULL)
        return strcmp(ref, "mesh") == 0;
    const char *slash = strchr(ref, '/');
    if (slash != NULL) {
        size_t nl = (size_t)(slash - ref);
        return strlen(gw_ns) == nl && strncmp(ref, gw_ns, nl) == 0 &&
               strcmp(slash + 1, gw_name) == 0;
    }
    const char *dot = strchr(ref, '.');
    if (dot == NULL)
        return strcmp(vs_ns, gw_ns) == 0 && strcmp(ref, gw_name) == 0;
    size_t nl = (size_t)(dot - ref);
    const char *ns = dot + 1;
    const char *ns_end = strchr(ns, '.');
    size_t nsl = ns_end ? (size_t)(ns_end - ns) : strlen(ns);
    return strlen(gw_name) == nl && strncmp(ref, gw_name, nl) == 0 && strlen(gw_ns) == nsl &&
           strncmp(ns, gw_ns, nsl) == 0;
}

int host_gateways_bind_mesh(const char **gateways, size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(gateways[i], "mesh") == 0)
            return 1;
    return 0;
}
