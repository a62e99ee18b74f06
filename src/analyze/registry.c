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

/* The checks of loading and validation that are analyzer codes, by the
 * start of their message (or a text inside it, for those that already say
 * Istio's code). */
static const struct diag_code {
    const char *text;
    int anywhere; /* 0: the message starts with text */
    const char *code;
} diag_codes[] = {
    {"Gateway ", 0, "IST0101"},           /* crossref.c: Gateway NS/NAME not found */
    {"subset '", 0, "IST0101"},           /* crossref.c: subset not found */
    {"destination host '", 0, "IST0101"}, /* crossref.c: not declared by any ServiceEntry */
    {"port ", 0, "IST0101"},              /* crossref.c: port N is not a port of ServiceEntry */
    {"(Istio IST0109)", 1, "IST0109"},    /* conflicts.c */
    {"has several ports: give destination.port", 1, "IST0112"}, /* crossref.c */
    {"is not exposed by any server of Gateway", 1, "IST0132"},  /* crossref.c */
    {"the entry has no addresses", 1, "IST0134"},               /* validate.c */
    {"referenced selector not found", 0, "XDS1001"},            /* gwselect.c */
};

/* Checks that start alike but are not the code: "port N is not a port of
 * ServiceEntry" is IST0101, other messages starting "port " are not. */
static int diag_is(const struct diag_code *c, const char *message)
{
    if (c->anywhere)
        return strstr(message, c->text) != NULL;
    if (strncmp(message, c->text, strlen(c->text)) != 0)
        return 0;
    if (strcmp(c->text, "port ") == 0)
        return strstr(message, "is not a port of ServiceEntry") != NULL;
    if (strcmp(c->text, "Gateway ") == 0)
        return strstr(message, " not found (referenced as") != NULL;
    if (strcmp(c->text, "subset '") == 0)
        return strstr(message, "' not found") != NULL;
    if (strcmp(c->text, "destination host '") == 0)
        return strstr(message, "is not declared by any ServiceEntry") != NULL;
    return 1;
}

const char *analyze_diag_code(int warning, const char *message)
{
    for (size_t i = 0; i < ARRAY_LEN(diag_codes); i++)
        if (diag_is(&diag_codes[i], message))
            return diag_codes[i].code;
    return warning ? "XDS0002" : "XDS0001";
}
