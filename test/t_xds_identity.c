/* t_xds_identity.c - a client certificate's SPIFFE identity against the
 * trust domain and the namespace its node claims (mutual TLS on xDS). */
#include "../src/xds/identity.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* 0 when allowed; else -1 and the reason contains want */
static int check(const char *id, const char *td, const char *ns, const char *want)
{
    char *why = NULL;
    int rc = xds_identity_check(id, td, ns, &why);
    if (rc != 0)
        CHECK(why != NULL && strstr(why, want) != NULL);
    else
        CHECK(why == NULL);
    free(why);
    return rc;
}

TEST(xds_identity_same_namespace_allowed)
{
    CHECK_INT(check("spiffe://cluster.local/ns/default/sa/sleep", "cluster.local", "default", ""),
              0);
    /* trust domains are compared without case */
    CHECK_INT(check("spiffe://Cluster.Local/ns/default/sa/sleep", "cluster.local", "default", ""),
              0);
}

TEST(xds_identity_other_namespace_refused)
{
    CHECK_INT(check("spiffe://cluster.local/ns/other/sa/sleep", "cluster.local", "default",
                    "may not get configuration for namespace 'default'"),
              -1);
    /* a prefix of the namespace is not the namespace */
    CHECK_INT(check("spiffe://cluster.local/ns/def/sa/x", "cluster.local", "default", "namespace"),
              -1);
    CHECK_INT(
        check("spiffe://cluster.local/ns/defaults/sa/x", "cluster.local", "default", "namespace"),
        -1);
}

TEST(xds_identity_other_trust_domain_refused)
{
    CHECK_INT(check("spiffe://example.org/ns/default/sa/sleep", "cluster.local", "default",
                    "not in trust domain 'cluster.local'"),
              -1);
    CHECK_INT(check("spiffe://cluster.local.evil/ns/default/sa/sleep", "cluster.local", "default",
                    "trust domain"),
              -1);
}

TEST(xds_identity_malformed_refused)
{
    const char *bad[] = {"https://cluster.local/ns/default/sa/sleep",
                         "spiffe://cluster.local/ns/default",
                         "spiffe://cluster.local/ns/default/sa/",
                         "spiffe://cluster.local/ns//sa/sleep",
                         "spiffe:///ns/default/sa/sleep",
                         "spiffe://cluster.local/ns/default/sa/sleep/extra",
                         "spiffe://cluster.local/sa/sleep/ns/default",
                         ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(check(bad[i], "cluster.local", "default", "SPIFFE"), -1);
}
