/* dump.c - `xdsd dump`: what a proxy would receive, as Envoy's config_dump JSON.
 *
 * The same path as serving: load and validate the directory, translate it
 * into a snapshot, take the view of the proxy's class, and print it through
 * the generic encoder, so what this prints is byte for byte what xDS sends. */
#include "xdsd/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xdsd/config.h"
#include "xdsd/config_dump.h"
#include "xdsd/pbjson.h"
#include "xdsd/proxy.h"
#include "xdsd/secrets.h"
#include "xdsd/snapshot.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

/* Print the dump of proxy id from snap; 0, or 1 when translation failed. */
static int print_dump(struct snapshot *snap, const struct proxy_identity *id, unsigned types)
{
    char *err = NULL;
    const struct xds_view *v = snapshot_view(snap, id, NULL, &err);
    if (v == NULL) {
        fprintf(stderr, "xdsd dump: cannot translate the configuration for '%s': %s\n", id->id,
                err ? err : "unknown error");
        free(err);
        return 1;
    }
    struct config_dump_filter f = {.types = types};
    json_t *j = config_dump_json(v, &f);
    char *text = pbjson_dumps(j, 1);
    fputs(text, stdout);
    free(text);
    json_decref(j);
    return 0;
}

/* Does the proxy carry every label of sel? (An empty selector selects
 * every gateway proxy, as translation has it.) */
static int selects(const struct config_labels *sel, const struct proxy_identity *id)
{
    for (size_t i = 0; i < sel->n; i++) {
        const char *v = proxy_label(id, sel->items[i].key);
        if (v == NULL || strcmp(v, sel->items[i].value) != 0)
            return 0;
    }
    return 1;
}

/* "ns/name (k=v,k=v)" of each Gateway, "; " between them. */
static char *list_gateways(const struct gateway *gw, size_t n, int only_empty)
{
    char *out = xstrdup("");
    for (size_t i = 0; i < n; i++) {
        if (only_empty && gw[i].selector.n > 0)
            continue;
        char *sel = config_labels_text(&gw[i].selector);
        char *t = xasprintf("%s%s%s/%s (%s)", out, *out ? "; " : "", gw[i].meta.namespace,
                            gw[i].meta.name, *sel ? sel : "no selector");
        free(sel);
        free(out);
        out = t;
    }
    return out;
}

/* The ServiceEntry endpoint at the proxy's address that carries labels:
 * the labels its pod most likely has. */
static void hint_labels(const struct config_set *set, const struct proxy_identity *id)
{
    size_t n = 0;
    const struct service_entry *se = config_service_entries(set, &n);
    for (size_t i = 0; i < n && *id->ip; i++)
        for (size_t e = 0; e < se[i].n_endpoints; e++) {
            const struct se_endpoint *ep = &se[i].endpoints[e];
            if (ep->labels.n == 0 || strcmp(ep->address, id->ip) != 0)
                continue;
            char *l = config_labels_text(&ep->labels);
            fprintf(stderr,
                    "xdsd dump: %s is an endpoint of ServiceEntry %s/%s, with labels %s: try "
                    "--labels %s\n",
                    id->ip, se[i].meta.namespace, se[i].meta.name, l, l);
            free(l);
            return;
        }
}

/* A gateway proxy that matches no Gateway gets no listeners, and a dump of
 * it shows nothing without saying why: say which Gateways it matched (or
 * what they select), and which labels it might have meant. */
static void explain_gateways(const struct config_set *set, const struct proxy_identity *id,
                             const char *labels)
{
    if (id->type != PROXY_ROUTER)
        return;
    size_t n = 0, matched = 0;
    const struct gateway *gw = config_gateways(set, &n);
    for (size_t i = 0; i < n; i++)
        matched += selects(&gw[i].selector, id);
    if (matched > 0 && id->n_labels > 0)
        return;
    const char *who = id->n_labels > 0 ? "with labels" : "with no labels (--labels)";
    if (matched > 0) {
        char *list = list_gateways(gw, n, 1);
        fprintf(stderr,
                "xdsd dump: warning: gateway proxy '%s' %s matches only the Gateways without a "
                "selector: %s\n",
                id->id, who, list);
        free(list);
    } else if (n == 0) {
        fprintf(stderr,
                "xdsd dump: warning: gateway proxy '%s' matches no Gateway: there are none, so "
                "it gets no gateway listeners\n",
                id->id);
    } else {
        char *list = list_gateways(gw, n, 0);
        fprintf(stderr,
                "xdsd dump: warning: gateway proxy '%s' %s%s%s matches no Gateway, so it gets "
                "no gateway listeners; the Gateways select: %s\n",
                id->id, who, id->n_labels > 0 ? " " : "", id->n_labels > 0 ? labels : "", list);
        free(list);
    }
    if (id->n_labels == 0)
        hint_labels(set, id);
}

int cmd_dump(const struct serve_options *o, const struct dump_request *d)
{
    unsigned types = 0;
    if (config_dump_types_parse(d->type ? d->type : "all", &types) < 0) {
        fprintf(stderr,
                "xdsd dump: --type: '%s' is not listeners, routes, clusters, endpoints, "
                "secrets or all\n",
                d->type);
        return 2;
    }
    size_t n_labels = 0;
    struct config_kv *labels = NULL;
    if (d->labels && *d->labels) {
        labels = proxy_labels_parse(d->labels, &n_labels);
        if (n_labels == (size_t)-1) {
            fprintf(stderr, "xdsd dump: --labels: '%s' is not k=v,k=v\n", d->labels);
            return 2;
        }
    }
    struct config_diags diags = {0};
    size_t nfiles = 0;
    struct config_set *set = config_load(o->config_dir, &diags, &nfiles);
    config_diags_print(&diags, stderr);
    if (set == NULL) {
        fprintf(stderr,
                "xdsd dump: %s: the configuration is invalid (%zu error%s), nothing to "
                "dump\n",
                o->config_dir, diags.n_errors, diags.n_errors == 1 ? "" : "s");
        config_diags_release(&diags);
        proxy_labels_free(labels, n_labels);
        return 1;
    }
    config_diags_release(&diags);

    struct translate_options to = {
        .outbound_policy = o->outbound_policy,
        .mesh_certs = o->mesh_certs,
        .trust_domain = o->trust_domain,
    };
    struct secret_set *secrets = NULL;
    if (o->secrets_dir != NULL) {
        struct config_diags sd = {0};
        secrets = secrets_load(o->secrets_dir, NULL, NULL, (int64_t)time(NULL), &sd);
        config_diags_print(&sd, stderr);
        config_diags_release(&sd);
        to.secrets = secrets;
    }
    struct snapshot *snap = translate_snapshot(set, 1, &to);
    struct proxy_identity id;
    proxy_identity_init(&id, d->proxy, NULL, d->namespace, labels, n_labels, NULL);
    if (secrets != NULL) /* as its namespace's identity over mutual TLS would */
        id.spiffe = xasprintf("spiffe://%s/ns/%s/sa/default",
                              o->trust_domain ? o->trust_domain : "cluster.local", id.namespace);
    explain_gateways(set, &id, d->labels);
    int rc = print_dump(snap, &id, types);
    struct config_diags found = {0};
    translate_findings(snap, &found);
    config_diags_print(&found, stderr);
    config_diags_release(&found);
    proxy_identity_release(&id);
    snapshot_unref(snap);
    secrets_unref(secrets);
    config_unref(set);
    proxy_labels_free(labels, n_labels);
    return rc;
}
