/* options.c - defaults of `xdsd serve`, and the checks of numeric flags (commands.h). */
#include "xdsd/commands.h"

#include <string.h>
#include <sys/stat.h>

#include "xdsd/snapshot.h"
#include "xdsd/util.h"

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

char *option_bytes(const char *text, int64_t max, int64_t *out)
{
    if (*text == '\0')
        return xasprintf("not a number of bytes");
    int64_t v = 0;
    int over = 0;
    /* digits only: strtoll would take " 1", "+1" and "-1", and say LLONG_MAX
     * for anything longer */
    if (*text == '-' && text[1] >= '0' && text[1] <= '9')
        return xasprintf("negative");
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return xasprintf("not a number of bytes");
        if (v > max)
            over = 1;
        else
            v = v * 10 + (*p - '0');
    }
    if (over || v > max)
        return xasprintf("too large: at most %lld", (long long)max);
    if (v == 0)
        return xasprintf("zero: give a positive number of bytes");
    *out = v;
    return NULL;
}

char *option_duration(const char *text, int64_t max_ms, const char *max_text, int64_t *out_ms)
{
    int64_t ms;
    int rc = duration_parse_ms(text, &ms);
    if (rc == -1 && *text == '-')
        return xasprintf("negative");
    if (rc == -1 && *text && text[strspn(text, "0123456789.")] == '\0')
        return xasprintf("no unit: give e.g. %sms or %ss", text, text);
    if (rc == -1)
        return xasprintf("not a duration: give e.g. 100ms, 30s, 1m30s or 0");
    if (rc == -2 || ms > max_ms)
        return xasprintf("too long: at most %s", max_text);
    *out_ms = ms;
    return NULL;
}
