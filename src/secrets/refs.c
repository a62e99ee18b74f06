/* refs.c - credentialNames that name no Secret: the gateway would wait for
 * its certificate forever, so say so where the name is written. */
#include "xdsd/secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/diag.h"
#include "xdsd/util.h"

/* Is there a kubernetes://NAME secret in any namespace? */
static int named_anywhere(const struct secret_set *s, const char *name)
{
    size_t n;
    const struct secret *v = secrets_items(s, &n);
    char *want = xasprintf("kubernetes://%s", name);
    int found = 0;
    for (size_t i = 0; i < n && !found; i++)
        found = strcmp(v[i].name, want) == 0;
    free(want);
    return found;
}

static void check(const struct secret_set *s, const char *name, const struct istio_meta *m,
                  struct config_pos pos, const char *kind, struct config_diags *d)
{
    if (name == NULL || *name == '\0' || named_anywhere(s, name))
        return;
    char label[300];
    snprintf(label, sizeof(label), "%s %s/%s", kind, m->namespace, m->name);
    diag_add(d, CONFIG_WARNING, pos, label,
             "credentialName '%s': no Secret of that name in --secrets-dir; the gateway waits "
             "for it", name);
}

void secrets_check_refs(const struct secret_set *s, const struct config_set *cfg,
                        struct config_diags *d)
{
    if (s == NULL || cfg == NULL)
        return;
    size_t n;
    const struct gateway *gw = config_gateways(cfg, &n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < gw[i].n_servers; j++) {
            const struct gateway_server *sv = &gw[i].servers[j];
            if (sv->has_tls && (sv->tls.mode == SERVER_TLS_SIMPLE ||
                                sv->tls.mode == SERVER_TLS_MUTUAL ||
                                sv->tls.mode == SERVER_TLS_OPTIONAL_MUTUAL))
                check(s, sv->tls.credential_name, &gw[i].meta, sv->pos, "Gateway", d);
        }
    const struct destination_rule *dr = config_destination_rules(cfg, &n);
    for (size_t i = 0; i < n; i++) {
        const struct traffic_policy *tp = &dr[i].traffic_policy;
        check(s, tp->tls.credential_name, &dr[i].meta, dr[i].meta.pos, "DestinationRule", d);
        for (size_t k = 0; k < tp->n_port_level_settings; k++)
            check(s, tp->port_level_settings[k].tls.credential_name, &dr[i].meta,
                  tp->port_level_settings[k].pos, "DestinationRule", d);
    }
}
