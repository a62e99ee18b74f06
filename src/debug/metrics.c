/* metrics.c - /metrics in the Prometheus text exposition format 0.0.4.
 *
 * Istio's metric names where one exists (pilot_xds, pilot_xds_pushes,
 * pilot_total_xds_rejects, pilot_xds_expired_nonce, pilot_proxy_convergence_time,
 * pilot_xds_push_time, pilot_xds_config_size_bytes), so existing dashboards
 * and alerts keep working; xdsd_* for what istiod has no name for. */
#include "debug_internal.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xdsd/util.h"
#include "xdsd/version.h"

struct text {
    char *buf;
    size_t len, cap;
};

static void emit(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    xgrow((void **)&t->buf, &t->cap, t->len + (size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static void family(struct text *t, const char *name, const char *type, const char *help)
{
    emit(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped, as the format requires. */
static char *label_value(const char *v)
{
    char *out = xmalloc(2 * strlen(v) + 1), *o = out;
    for (; *v; v++) {
        if (*v == '\\' || *v == '"') {
            *o++ = '\\';
            *o++ = *v;
        } else if (*v == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else {
            *o++ = *v;
        }
    }
    *o = '\0';
    return out;
}

/* The shortest text that reads back as v: le="0.1", not le="0.10000000000000001". */
static const char *number(double v, char *buf, size_t size)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

static void histogram(struct text *t, const char *name, const char *help, const double *bounds,
                      const uint64_t *buckets, uint64_t count, double sum)
{
    char buf[32];
    family(t, name, "histogram", help);
    for (int i = 0; bounds && i < 12; i++)
        emit(t, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, number(bounds[i], buf, sizeof(buf)),
             buckets[i]);
    emit(t, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, count);
    emit(t, "%s_sum %s\n%s_count %" PRIu64 "\n", name, number(sum, buf, sizeof(buf)), name, count);
}

static void per_type(struct text *t, const char *name, const char *type, const char *help,
                     const uint64_t *values)
{
    family(t, name, type, help);
    for (int x = 0; x < XDS_NTYPES; x++)
        emit(t, "%s{type=\"%s\"} %" PRIu64 "\n", name, xds_type_short(x), values[x]);
}

static void xds_metrics(struct text *t, const struct xds_status_report *r, const double *bounds)
{
    uint64_t sidecars = 0, routers = 0, grpc = 0, size[XDS_NTYPES] = {0};
    for (size_t i = 0; i < r->n_streams; i++) {
        const struct xds_stream_status *s = &r->streams[i];
        if (s->id.proxyless_grpc)
            grpc++;
        else if (s->id.type == PROXY_ROUTER)
            routers++;
        else
            sidecars++;
        for (int x = 0; s->view && x < XDS_NTYPES; x++)
            if (xds_view_bytes(s->view, x) > size[x])
                size[x] = xds_view_bytes(s->view, x);
    }
    family(t, "pilot_xds", "gauge", "Number of proxies connected over xDS, by proxy type.");
    emit(t,
         "pilot_xds{type=\"sidecar\"} %" PRIu64 "\npilot_xds{type=\"router\"} %" PRIu64
         "\npilot_xds{type=\"grpc\"} %" PRIu64 "\n",
         sidecars, routers, grpc);
    const struct xds_counters *c = &r->counters;
    per_type(t, "pilot_xds_pushes", "counter", "xDS responses sent, by type.", c->pushes);
    per_type(t, "pilot_total_xds_rejects", "counter", "xDS responses rejected by proxies (NACK).",
             c->rejects);
    family(t, "pilot_xds_expired_nonce", "counter",
           "Requests carrying a nonce that is not current.");
    emit(t, "pilot_xds_expired_nonce %" PRIu64 "\n", c->expired_nonce);
    per_type(t, "pilot_xds_config_size_bytes", "gauge",
             "Largest configuration of each type currently served to a proxy, in bytes.", size);
    histogram(t, "pilot_proxy_convergence_time",
              "Seconds from a configuration change to its acknowledgement by a proxy.", bounds,
              c->convergence_buckets, c->convergence_count, c->convergence_sum);
    histogram(t, "pilot_xds_push_time", "Seconds to hand an xDS response to the transport.", bounds,
              c->push_time_buckets, c->push_time_count, c->push_time_sum);
    family(t, "xdsd_xds_connections_total", "counter", "xDS streams accepted since start.");
    emit(t, "xdsd_xds_connections_total %" PRIu64 "\n", c->connections_total);
    family(t, "xdsd_xds_streams_closed_slow_total", "counter",
           "xDS streams closed because the proxy did not read.");
    emit(t, "xdsd_xds_streams_closed_slow_total %" PRIu64 "\n", c->closed_slow);
    family(t, "xdsd_xds_streams_denied_total", "counter",
           "xDS streams refused because of an identity mismatch.");
    emit(t, "xdsd_xds_streams_denied_total %" PRIu64 "\n", c->denied);
    family(t, "xdsd_xds_sent_bytes_total", "counter", "Bytes of xDS responses sent.");
    emit(t, "xdsd_xds_sent_bytes_total %" PRIu64 "\n", c->bytes_sent);
    family(t, "xdsd_xds_listening", "gauge", "1 when the xDS port is listening.");
    emit(t, "xdsd_xds_listening %d\n", r->listening ? 1 : 0);
}

static void config_metrics(struct text *t, const struct debug_config_info *c)
{
    size_t errors = 0, warnings = 0;
    for (size_t i = 0; i < c->n_diags; i++)
        c->diags[i].warning ? warnings++ : errors++;
    family(t, "xdsd_config_reloads_total", "counter", "Configuration load attempts, by result.");
    emit(t, "xdsd_config_reloads_total{result=\"success\"} %" PRIu64 "\n", c->reloads_ok);
    emit(t, "xdsd_config_reloads_total{result=\"rejected\"} %" PRIu64 "\n", c->reloads_rejected);
    family(t, "xdsd_config_errors", "gauge", "Errors found by the last configuration load.");
    emit(t, "xdsd_config_errors %zu\n", errors);
    family(t, "xdsd_config_warnings", "gauge", "Warnings found by the last configuration load.");
    emit(t, "xdsd_config_warnings %zu\n", warnings);
    family(t, "xdsd_config_generation", "gauge", "Generation of the configuration being served.");
    emit(t, "xdsd_config_generation %" PRIu64 "\n", c->generation);
    family(t, "xdsd_config_resources", "gauge", "Istio resources in the configuration served.");
    emit(t, "xdsd_config_resources %zu\n", c->n_resources);
    if (c->source == NULL || strcmp(c->source, "etcd") != 0)
        return;
    family(t, "xdsd_etcd_revision", "gauge", "etcd revision of the configuration served.");
    emit(t, "xdsd_etcd_revision %lld\n", (long long)c->revision);
    family(t, "xdsd_etcd_connected", "gauge", "1 while etcd can be read, 0 while it cannot.");
    emit(t, "xdsd_etcd_connected %d\n", c->source_error ? 0 : 1);
}

static void process_metrics(struct text *t)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    family(t, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    emit(t, "process_resident_memory_bytes %ld\n", rss * sysconf(_SC_PAGESIZE));
    long fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] != '.')
                fds++;
        closedir(d);
        fds--; /* the directory stream's own descriptor */
    }
    family(t, "process_open_fds", "gauge", "Number of open file descriptors.");
    emit(t, "process_open_fds %ld\n", fds < 0 ? 0 : fds);
}

char *debug_metrics_text(const struct xds_status_report *r, const struct debug_config_info *c,
                         const double *bounds)
{
    struct text t = {0};
    emit(&t, "%s", "");
    if (r)
        xds_metrics(&t, r, bounds);
    if (c)
        config_metrics(&t, c);
    char *v = label_value(xdsd_version()), *b = label_value(xdsd_build());
    family(&t, "xdsd_build_info", "gauge", "The version of xdsd, as labels.");
    emit(&t, "xdsd_build_info{version=\"%s\",build=\"%s\"} 1\n", v, b);
    free(v);
    free(b);
    process_metrics(&t);
    return t.buf;
}
