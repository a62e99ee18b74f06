/* status.c - the report of every stream for the debug endpoint, and the
 * credentials of the xDS port. */
#include "xdsd/xds_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_int.h"
#include "xdsd/log.h"
#include "xdsd/util.h"

const double xds_histogram_bounds[12] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25,
                                         0.5,   1,     2.5,  5,    10,  30};

const char *xds_sync_name(enum xds_sync s)
{
    switch (s) {
    case SYNC_SYNCED:
        return "SYNCED";
    case SYNC_STALE:
        return "STALE";
    case SYNC_NACKED:
        return "NACKED";
    default:
        return "NOT SENT";
    }
}

/* with_names: which resources the stream subscribed to and was sent, one
 * interned reference each: at 1,000 sidecars of 600 resources, most of
 * the time a report takes under the server's lock. */
static void copy_stream(struct xds_stream_status *d, const struct stream *st, int with_names)
{
    d->connection_id = st->connection_id;
    d->node_id = xstrdup(st->have_node ? st->id.id : "");
    d->peer = xstrdup(st->peer ? st->peer : "");
    d->metadata_json = xstrdup(st->metadata_json ? st->metadata_json : "{}");
    d->class_key = xstrdup(st->class_key ? st->class_key : "");
    d->delta = st->delta;
    d->connected_at_ms = st->connected_at_ms;
    if (st->have_node)
        proxy_identity_init(&d->id, st->id.id, st->id.type == PROXY_ROUTER ? "router" : "sidecar",
                            st->id.namespace, st->id.labels, st->id.n_labels,
                            st->id.proxyless_grpc ? "grpc" : NULL);
    if (st->have_node && st->id.spiffe)
        d->id.spiffe = xstrdup(st->id.spiffe);
    if (!st->have_node)
        proxy_identity_init(&d->id, "", NULL, NULL, NULL, 0, NULL);
    for (int t = 0; t < XDS_NTYPES; t++)
        if (with_names)
            xds_core_type_status(st->core, (enum xds_type)t, &d->types[t]);
        else
            xds_core_type_state(st->core, (enum xds_type)t, &d->types[t]);
    d->snapshot = snapshot_ref(st->snap);
    d->view = st->snap ? st->view : NULL;
}

static struct xds_status_report *report(struct xds_server *srv, int with_names)
{
    struct xds_status_report *r = xcalloc(1, sizeof(*r));
    pthread_mutex_lock(&srv->lock);
    r->streams = xcalloc(srv->n_streams ? srv->n_streams : 1, sizeof(*r->streams));
    for (const struct stream *st = srv->streams; st; st = st->next)
        copy_stream(&r->streams[r->n_streams++], st, with_names);
    r->counters = srv->counters;
    const struct snapshot *s = srv->incoming ? srv->incoming : srv->snap;
    r->generation = s ? snapshot_generation(s) : 0;
    r->listening = atomic_load(&srv->listening);
    pthread_mutex_unlock(&srv->lock);
    return r;
}

struct xds_status_report *xds_server_status(struct xds_server *srv)
{
    return report(srv, 1);
}

struct xds_status_report *xds_server_status_brief(struct xds_server *srv)
{
    return report(srv, 0);
}

int xds_server_listening(struct xds_server *srv)
{
    return atomic_load(&srv->listening);
}

void xds_status_report_free(struct xds_status_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_streams; i++) {
        struct xds_stream_status *d = &r->streams[i];
        free(d->node_id);
        free(d->peer);
        free(d->metadata_json);
        free(d->class_key);
        proxy_identity_release(&d->id);
        for (int t = 0; t < XDS_NTYPES; t++)
            xds_type_status_release(&d->types[t]);
        snapshot_unref(d->snapshot);
    }
    free(r->streams);
    free(r);
}

/* ---- credentials ----------------------------------------------------------------- */

/* The file at path, or NULL with a warning. */
static char *read_or_warn(const char *path)
{
    char *buf = read_whole_file(path, NULL);
    if (buf == NULL)
        log_warn("cannot open '%s'", path);
    return buf;
}

grpc_server_credentials *xds_server_credentials(const struct serve_options *o)
{
    int set = (o->xds_tls_cert != NULL) + (o->xds_tls_key != NULL) + (o->xds_tls_ca != NULL);
    if (set == 0)
        return grpc_insecure_server_credentials_create();
    if (set != 3) {
        log_error("mutual TLS on the xDS port needs --xds-tls-cert, --xds-tls-key and "
                  "--xds-tls-ca together");
        return NULL;
    }
    char *cert = read_or_warn(o->xds_tls_cert), *key = read_or_warn(o->xds_tls_key);
    char *ca = read_or_warn(o->xds_tls_ca);
    grpc_server_credentials *c = NULL;
    if (cert && key && ca) {
        grpc_ssl_pem_key_cert_pair pair = {.private_key = key, .cert_chain = cert};
        /* every client must present a certificate signed by the CA */
        c = grpc_ssl_server_credentials_create_ex(
            ca, &pair, 1, GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY, NULL);
        if (c == NULL)
            log_error("cannot use the xDS TLS certificate '%s'", o->xds_tls_cert);
    }
    free(cert);
    free(key);
    free(ca);
    return c;
}
