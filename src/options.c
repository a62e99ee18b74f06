/* options.c - defaults of `xdsd serve`. */
#include "xdsd/options.h"
#include "xdsd/snapshot.h"

#include <string.h>
#include <sys/stat.h>

void serve_options_init(struct serve_options *o)
{
    struct stat st;
    memset(o, 0, sizeof(*o));
    /* docs/design.md, Defaults: the current directory's config/ when present */
    o->config_dir = stat("config", &st) == 0 && S_ISDIR(st.st_mode) ? "config" : NULL;
    o->xds_listen = "0.0.0.0:15010";
    o->debug_listen = "127.0.0.1:15014";
    o->debounce_ms = 100;
    o->outbound_policy = OUTBOUND_ALLOW_ANY;
    o->mesh_certs = "/etc/certs";
    o->trust_domain = "cluster.local";
    o->max_recv_bytes = 64 << 20;
    o->max_response_bytes = XDS_MAX_RESPONSE_BYTES;
    o->max_connection_age_ms = 0;
}
