/* registry.c - the codes of `xdsd analyze`, and which check of loading and
 * validation each of their findings comes from.
 *
 * Istio's codes keep Istio's meaning and level, so that what users know of
 * istioctl analyze holds here. Several of them are already checks of
 * validation (config/crossref.c, conflicts.c, gwselect.c, validate.c): those
 * are not checked twice, their findings are given the code instead. The
 * table below names each such check by the start of its message; a unit
 * test per code (test/t_analyze*.c) fails when a message changes under it. */
#include "xdsd/analyze.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze_int.h"
#include "xdsd/util.h"

static const struct analyze_code codes[] = {
    {"IST0101", ANALYZE_ERROR, "ReferencedResourceNotFound",
     "a referenced gateway, host, host:port or subset does not exist"},
    {"IST0109", ANALYZE_ERROR, "ConflictingMeshGatewayVirtualServiceHosts",
     "two VirtualServices of the mesh route the same host: one is ignored"},
    {"IST0112", ANALYZE_ERROR, "VirtualServiceDestinationPortSelectorRequired",
     "the destination host has several ports and the route names none"},
    {"IST0128", ANALYZE_ERROR, "NoServerCertificateVerificationDestinationLevel",
     "DestinationRule originates TLS (SIMPLE/MUTUAL) without caCertificates: the server "
     "is not verified"},
    {"IST0129", ANALYZE_ERROR, "NoServerCertificateVerificationPortLevel",
     "the same, in a portLevelSettings entry"},
    {"IST0132", ANALYZE_WARNING, "VirtualServiceHostNotFoundInGateway",
     "a host of a VirtualService bound to a Gateway is not exposed by any of its servers"},
    {"IST0134", ANALYZE_WARNING, "ServiceEntryAddressesRequired",
     "a TCP or undeclared port of a ServiceEntry without addresses: routed by port alone"},
    {"IST0145", ANALYZE_ERROR, "ConflictingGateways",
     "two Gateways with the same selector claim the same port and host"},
    {"IST0162", ANALYZE_WARNING, "GatewayPortNotDefinedOnService",
     "a Gateway server's port is not a port of the gateway's service"},
    {"IST0173", ANALYZE_WARNING, "DestinationRuleSubsetNotSelectPods",
     "a DestinationRule subset's labels match no endpoint of its host"},
    {"IST0174", ANALYZE_WARNING, "UnknownDestinationRuleHost",
     "a DestinationRule for a host no ServiceEntry declares"},
    {"XDS0001", ANALYZE_ERROR, "ValidationError",
     "an error of `xdsd validate`: the configuration does not load"},
    {"XDS0002", ANALYZE_WARNING, "ValidationWarning", "a warning of `xdsd validate`"},
    {"XDS1001", ANALYZE_WARNING, "GatewaySelectorMatchesNoGateway",
     "a Gateway's selector matches no declared gateway service (offline) or no connected "
     "proxy (--live): no gateway gets its servers"},
    {"XDS1002", ANALYZE_WARNING, "EgressGatewayBypass",
     "sidecars reach an external host directly while another host of the same protocol "
     "and port goes through the egress gateway"},
    {"XDS1003", ANALYZE_ERROR, "GatewayTlsMismatch",
     "sidecars send ISTIO_MUTUAL to a gateway server that cannot accept it, or plain text "
     "to one that requires TLS"},
    {"XDS1004", ANALYZE_ERROR, "EgressGatewayDeadEnd",
     "a mesh route sends to the egress gateway but no gateway VirtualService carries the "
     "host on"},
    {"XDS1005", ANALYZE_WARNING, "OriginationSniMismatch",
     "a DestinationRule originating SIMPLE/MUTUAL TLS names an SNI other than its host"},
    {"XDS1006", ANALYZE_ERROR, "RegistryOnlyUnknownHost",
     "outbound traffic policy REGISTRY_ONLY and a mesh VirtualService routes a host no "
     "ServiceEntry declares"},
};

const struct analyze_code *analyze_codes(size_t *n)
{
    *n = ARRAY_LEN(codes);
    return codes;
}

const struct analyze_code *analyze_code_find(const char *code)
{
    for (size_t i = 0; i < ARRAY_LEN(codes); i++)
        if (strcmp(codes[i].code, code) == 0)
            return &codes[i];
    return NULL;
}

const char *analyze_level_name(enum analyze_level l)
{
    return l == ANALYZE_ERROR ? "Error" : l == ANALYZE_WARNING ? "Warning" : "Info";
}

int analyze_level_parse(const char *word, enum analyze_level *out)
{
    static const enum analyze_level all[] = {ANALYZE_INFO, ANALYZE_WARNING, ANALYZE_ERROR};
    for (size_t i = 0; i < ARRAY_LEN(all); i++)
        if (strcasecmp(word, analyze_level_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    return -1;
}

