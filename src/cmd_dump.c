/* cmd_dump.c - `xdsd dump`: what a proxy would receive, as Envoy's config_dump JSON.
 *
 * The same path as serving: load and validate the directory, translate it
 * into a snapshot, take the view of the proxy's class, and print it through
 * the generic encoder, so what this prints is byte for byte what xDS sends. */
#include "xdsd/commands.h"

#include <stdio.h>
#include <stdlib.h>

#include "xdsd/config.h"
#include "xdsd/config_dump.h"
#include "xdsd/pbjson.h"
#include "xdsd/proxy.h"
#include "xdsd/snapshot.h"
#include "xdsd/translate.h"

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

int cmd_dump(const struct serve_options *o, const struct dump_request *d)
{
    unsigned types = 0;
    if (config_dump_types_parse(d->type ? d->type : "all", &types) < 0) {
        fprintf(stderr,
                "xdsd dump: --type: '%s' is not listeners, routes, clusters, endpoints "
                "or all\n",
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
    struct snapshot *snap = translate_snapshot(set, 1, &to);
    struct proxy_identity id;
    proxy_identity_init(&id, d->proxy, NULL, d->namespace, labels, n_labels, NULL);
    int rc = print_dump(snap, &id, types);
    proxy_identity_release(&id);
    snapshot_unref(snap);
    config_unref(set);
    proxy_labels_free(labels, n_labels);
    return rc;
}
