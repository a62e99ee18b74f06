/* destination_rules.c - the analyzers of DestinationRules: TLS origination
 * that verifies no server (IST0128, IST0129) or names another server
 * (XDS1005), subsets that select nothing (IST0173), rules for hosts nobody
 * declares (IST0174). */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "xdsd/host.h"
#include "xdsd/util.h"

static const char *tls_mode_name(enum client_tls_mode m)
{
    switch (m) {
    case CLIENT_TLS_SIMPLE:
        return "SIMPLE";
    case CLIENT_TLS_MUTUAL:
        return "MUTUAL";
    case CLIENT_TLS_ISTIO_MUTUAL:
        return "ISTIO_MUTUAL";
    default:
        return "DISABLE";
    }
}

static int originates(const struct client_tls *t)
{
    return t->has && (t->mode == CLIENT_TLS_SIMPLE || t->mode == CLIENT_TLS_MUTUAL);
}

/* One tls block: port 0 for the destination level (IST0128), else its port
 * (IST0129). Istio leaves out a block that brings its CA from a secret
 * (credentialName) or says on purpose that it verifies nothing. */
static void check_tls(struct actx *a, const struct destination_rule *dr, const struct client_tls *t,
                      uint32_t port, struct config_pos pos, const char *where)
{
    if (!originates(t))
        return;
    if (t->ca_certificates == NULL && t->credential_name == NULL && !t->insecure_skip_verify) {
        if (port == 0)
            an_add(a, "IST0128", &dr->meta, pos,
                   "DestinationRule %s/%s%s has TLS mode set to %s but no caCertificates are set "
                   "to validate server identity for host: %s",
                   dr->meta.namespace, dr->meta.name, where, tls_mode_name(t->mode), dr->host);
        else
            an_add(a, "IST0129", &dr->meta, pos,
                   "DestinationRule %s/%s%s has TLS mode set to %s but no caCertificates are set "
                   "to validate server identity for host: %s at port number:%u",
                   dr->meta.namespace, dr->meta.name, where, tls_mode_name(t->mode), dr->host,
                   port);
    }
    const char *full = host_fqdn(&a->tmp, dr->host, dr->meta.namespace);
    if (t->sni && *t->sni && !host_match(full, t->sni) && !host_match(dr->host, t->sni))
        an_add(a, "XDS1005", &dr->meta, pos,
               "tls.sni '%s'%s differs from host '%s' this rule originates %s TLS for: the "
               "server sees a name it may not serve, and presents another certificate or none",
               t->sni, where, dr->host, tls_mode_name(t->mode));
}

static void check_policy(struct actx *a, const struct destination_rule *dr,
                         const struct traffic_policy *tp, struct config_pos pos, const char *where)
{
    if (!tp->has)
        return;
    check_tls(a, dr, &tp->tls, 0, pos, where);
    for (size_t i = 0; i < tp->n_port_level_settings; i++) {
        const struct port_traffic_policy *p = &tp->port_level_settings[i];
        check_tls(a, dr, &p->tls, p->port, p->pos, where);
    }
}

/* IST0173: endpoints are known (some entry of the host lists them) and none
 * carries the subset's labels. Entries resolved by DNS name alone have no
 * endpoints to select: they are left out. */
static void check_subset(struct actx *a, const struct destination_rule *dr, const struct subset *s)
{
    if (s->labels.n == 0)
        return;
    const char *full = host_fqdn(&a->tmp, dr->host, dr->meta.namespace);
    int known = 0;
    for (size_t i = 0; i < a->nse; i++) {
        const struct service_entry *se = &a->se[i];
        int mine = 0;
        for (size_t h = 0; h < se->n_hosts && !mine; h++)
            mine = host_overlap(host_fqdn(&a->tmp, se->hosts[h], se->meta.namespace), full);
        if (!mine || se->n_endpoints == 0)
            continue;
        known = 1;
        if (an_se_selected(se, &s->labels))
            return;
    }
    if (known) {
        char *sel = config_labels_text(&s->labels);
        an_add(a, "IST0173", &dr->meta, s->pos,
               "subset '%s' selects no endpoint of host '%s': no ServiceEntry endpoint carries "
               "labels %s",
               s->name, dr->host, sel);
        free(sel);
    }
}

void an_destination_rules(struct actx *a)
{
    for (size_t i = 0; i < a->ndr; i++) {
        const struct destination_rule *dr = &a->dr[i];
        if (!an_host_declared(a, dr->host, dr->meta.namespace))
            an_add(a, "IST0174", &dr->meta, (struct config_pos){0},
                   "DestinationRule for non-existent service registry host \"%s\": no "
                   "ServiceEntry declares it",
                   dr->host);
        check_policy(a, dr, &dr->traffic_policy, (struct config_pos){0}, "");
        for (size_t s = 0; s < dr->n_subsets; s++) {
            const struct subset *sub = &dr->subsets[s];
            char *where = xasprintf(" (subset %s)", sub->name);
            check_policy(a, dr, &sub->traffic_policy, sub->pos, where);
            free(where);
            check_subset(a, dr, sub);
        }
    }
}
