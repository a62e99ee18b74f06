/* secretz.c - /debug/secretz: the secrets xdsd serves over SDS, described
 * by fingerprint, serial and validity, never by content (private keys stay
 * out of every answer). With ?proxyID=, only those in that proxy's view. */
#include "debug_internal.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "xdsd/secrets.h"
#include "xdsd/snapshot.h"
#include "xdsd/util.h"
#include "xdsd/xds_server.h"

/* The set served now: one per process, as there is one debug endpoint. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct secret_set *served;

void debug_secretz_set(struct secret_set *s)
{
    secrets_ref(s);
    pthread_mutex_lock(&lock);
    struct secret_set *old = served;
    served = s;
    pthread_mutex_unlock(&lock);
    secrets_unref(old);
}

struct secret_set *debug_secretz_take(void)
{
    pthread_mutex_lock(&lock);
    struct secret_set *s = secrets_ref(served);
    pthread_mutex_unlock(&lock);
    return s;
}

static json_t *time_json(int64_t t)
{
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
    return json_string(buf);
}

static json_t *secret_json(const struct secret *s)
{
    static const char *const status[] = {"ACTIVE", "EXPIRING", "WITHHELD"};
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "namespace", json_string(s->namespace));
    if (s->service_account)
        json_object_set_new(o, "service_account", json_string(s->service_account));
    json_object_set_new(o, "type", json_string(s->type == SECRET_TLS_CERTIFICATE
                                                   ? "tls_certificate"
                                                   : "validation_context"));
    if (s->served) {
        json_object_set_new(o, "fingerprint_sha256", json_string(s->info.fingerprint_sha256));
        json_object_set_new(o, "serial", json_string(s->info.serial));
        json_object_set_new(o, "not_before", time_json(s->info.not_before));
        json_object_set_new(o, "not_after", time_json(s->info.not_after));
    }
    json_object_set_new(o, "status", json_string(status[s->status]));
    json_object_set_new(o, "file", json_string(s->pos.file ? s->pos.file : ""));
    json_object_set_new(o, "line", json_integer(s->pos.line));
    return o;
}

/* Is s the secret of this name that the stream's proxy would get? */
static int of_proxy(const struct secret *s, const struct xds_stream_status *st)
{
    if (st->view == NULL || xds_view_find(st->view, XDS_SECRET, s->name) == NULL)
        return 0;
    if (strcmp(s->name, "ROOTCA") == 0)
        return 1;
    if (strcmp(s->namespace, st->id.namespace) != 0)
        return 0;
    if (s->service_account == NULL)
        return 1;
    const char *sa = st->id.spiffe ? strstr(st->id.spiffe, "/sa/") : NULL;
    return sa != NULL && strcmp(sa + 4, s->service_account) == 0;
}

json_t *debug_secretz_json(const struct secret_set *set, const struct xds_stream_status *st)
{
    json_t *a = json_array();
    size_t n;
    const struct secret *v = secrets_items(set, &n);
    for (size_t i = 0; i < n; i++)
        if (st == NULL || of_proxy(&v[i], st))
            json_array_append_new(a, secret_json(&v[i]));
    return a;
}
