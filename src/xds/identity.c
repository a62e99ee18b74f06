/* identity.c - the SPIFFE identity of an xDS client and the namespace it may
 * ask configuration for (as istiod's xDS authentication: a proxy only gets
 * the configuration of its own namespace's identity). */
#include "identity.h"

#include <grpc/grpc_security.h>
#include <grpc/grpc_security_constants.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xdsd/util.h"

#define SPIFFE_SCHEME "spiffe://"

/* The next path segment of *p after the literal prefix lit, as [start, len):
 * returns 0 and advances *p, or -1 when the path does not continue so. */
static int segment(const char **p, const char *lit, const char **start, size_t *len)
{
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n) != 0)
        return -1;
    *start = *p + n;
    *len = strcspn(*start, "/");
    if (*len == 0)
        return -1;
    *p = *start + *len;
    return 0;
}

int xds_identity_check(const char *spiffe_id, const char *trust_domain, const char *ns, char **why)
{
    const char *p = spiffe_id, *td, *cns, *sa;
    size_t td_len, ns_len, sa_len;
    if (strncasecmp(p, SPIFFE_SCHEME, strlen(SPIFFE_SCHEME)) != 0) {
        *why = xasprintf("client identity '%s' is not a SPIFFE ID", spiffe_id);
        return -1;
    }
    p += strlen(SPIFFE_SCHEME) - 1; /* at the '/' before the trust domain */
    if (segment(&p, "/", &td, &td_len) != 0 || segment(&p, "/ns/", &cns, &ns_len) != 0 ||
        segment(&p, "/sa/", &sa, &sa_len) != 0 || *p != '\0') {
        *why = xasprintf("client identity '%s' is not a SPIFFE ID of the form "
                         "spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT",
                         spiffe_id);
        return -1;
    }
    (void)sa;
    /* trust domains are case-insensitive DNS-like names */
    if (strlen(trust_domain) != td_len || strncasecmp(td, trust_domain, td_len) != 0) {
        *why =
            xasprintf("client identity '%s' is not in trust domain '%s'", spiffe_id, trust_domain);
        return -1;
    }
    if (strlen(ns) != ns_len || strncmp(cns, ns, ns_len) != 0) {
        *why = xasprintf("client identity '%s' may not get configuration for namespace '%s'",
                         spiffe_id, ns);
        return -1;
    }
    return 0;
}

/* Add the SPIFFE URIs among the values of property name to found (distinct). */
static void collect(const grpc_auth_context *ctx, const char *name, char **found, size_t *n)
{
    grpc_auth_property_iterator it = grpc_auth_context_find_properties_by_name(ctx, name);
    const grpc_auth_property *prop;
    while ((prop = grpc_auth_property_iterator_next(&it)) != NULL) {
        if (prop->value == NULL || prop->value_length < strlen(SPIFFE_SCHEME) ||
            strncasecmp(prop->value, SPIFFE_SCHEME, strlen(SPIFFE_SCHEME)) != 0)
            continue;
        int seen = 0;
        for (size_t i = 0; i < *n && !seen; i++)
            seen = strlen(found[i]) == prop->value_length &&
                   memcmp(found[i], prop->value, prop->value_length) == 0;
        if (!seen && *n < 2)
            found[(*n)++] = xstrndup(prop->value, prop->value_length);
        else if (!seen)
            (*n)++;
    }
}

char *xds_identity_of_call(grpc_call *call, char **why)
{
    grpc_auth_context *ctx = grpc_call_auth_context(call);
    if (ctx == NULL || !grpc_auth_context_peer_is_authenticated(ctx)) {
        grpc_auth_context_release(ctx);
        *why = xstrdup("the client presented no verified certificate");
        return NULL;
    }
    /* gRPC lists URI SANs under peer_uri and the subject alternative names */
    char *found[2] = {NULL, NULL};
    size_t n = 0;
    collect(ctx, GRPC_PEER_URI_PROPERTY_NAME, found, &n);
    collect(ctx, GRPC_X509_SAN_PROPERTY_NAME, found, &n);
    grpc_auth_context_release(ctx);
    if (n == 1)
        return found[0];
    free(found[0]);
    free(found[1]);
    *why = xstrdup(n == 0 ? "the client certificate has no SPIFFE URI SAN"
                          : "the client certificate has more than one SPIFFE URI SAN");
    return NULL;
}
