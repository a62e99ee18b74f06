/* translate_bench.c - translation time and memory, in process.
 *
 *   translate_bench --config-dir DIR [--edit FILE [--edit2 FILE] --edit-dst FILE]
 *                   [--edit-kinds EDIR] [--namespaces M] [--repeat N]
 *                   [--max-response-bytes N]
 *
 * Loads DIR (config_load), wraps it in a snapshot (translate_snapshot) and
 * builds the views the bench's proxies ask for: a sidecar in each of M
 * namespaces, the egress gateway (LABELS istio=egressgateway) and a
 * proxyless gRPC client. Then the one-resource edit, the way xdsd sees it:
 * a reloader on DIR with no debounce, FILE renamed over DIR/EDIT-DST, time
 * until the reloader hands back the new set, and until the new snapshot has
 * rebuilt every view the old one had (snapshot_warm_from); with --repeat N,
 * N more edits alternating FILE and FILE2 and their medians. Prints one
 * "key=value" line per step; times in ms, memory in kB (heap in use from
 * mallinfo2, and VmRSS).
 *
 * With --edit-kinds EDIR (confgen's edit directory), the same for each kind
 * of edit in EDIR/KIND/ (a.yaml, b.yaml, and dst naming the file of DIR they
 * replace, put back afterwards), each after a full translation of its own,
 * and one line per kind: "edit_kind_KIND" with the full translation's,
 * the first edit's and the steady edits' re-translation times (CPU, the work
 * done whatever else runs on the machine) and each edit's as a percentage of
 * the full translation.
 *
 * --max-response-bytes N: the limit a view's response must fit in, as serve's
 * option of that name (default 64 MiB); bench/growth raises it, since at
 * 50,000 services a sidecar's Cluster response is larger. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>

#include "xdsd/config.h"
#include "xdsd/proxy.h"
#include "xdsd/reload.h"
#include "xdsd/snapshot.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

#include "bench.h"

static long heap_kb(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

struct proxy_set {
    struct proxy_identity *ids;
    size_t n;
};

static void proxies_init(struct proxy_set *ps, int namespaces)
{
    static const struct config_kv gw_labels[] = {{"istio", "egressgateway"}};
    ps->n = (size_t)namespaces + 2;
    ps->ids = xcalloc(ps->n, sizeof(*ps->ids));
    for (int i = 0; i < namespaces; i++) {
        char id[128], ns[32];
        snprintf(ns, sizeof(ns), "ns-%d", i);
        snprintf(id, sizeof(id), "sidecar~10.0.0.%d~pod-%d.%s~%s.svc.cluster.local", i + 1, i, ns,
                 ns);
        proxy_identity_init(&ps->ids[i], id, NULL, ns, NULL, 0, NULL);
    }
    proxy_identity_init(&ps->ids[namespaces],
                        "router~10.255.0.1~istio-egressgateway-1.istio-system~istio-system.svc."
                        "cluster.local",
                        NULL, "istio-system", gw_labels, 1, NULL);
    proxy_identity_init(&ps->ids[namespaces + 1],
                        "sidecar~10.0.1.1~grpc-1.ns-0~ns-0.svc.cluster.local", NULL, "ns-0", NULL,
                        0, "grpc");
}

/* Build every view; print counts for the first sidecar and the gateway. */
/* CPU time of the whole process (every thread), in milliseconds. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Pages the process touched for the first time (fresh memory from the kernel). */
static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static int build_views(struct snapshot *s, const struct proxy_set *ps, const char *label)
{
    int failed = 0;
    for (size_t i = 0; i < ps->n; i++) {
        char *err = NULL;
        double t0 = bench_now();
        const struct xds_view *v = snapshot_view(s, &ps->ids[i], NULL, &err);
        double ms = bench_now() - t0;
        if (!v) {
            printf("view %s proxy=%s error=\"%s\"\n", label, ps->ids[i].id, err ? err : "");
            free(err);
            failed++;
            continue;
        }
        if (getenv("BENCH_VERSIONS") != NULL)
            printf("versions %s proxy=%s cds=%s eds=%s lds=%s rds=%s\n", label, ps->ids[i].id,
                   xds_view_version(v, XDS_CLUSTER), xds_view_version(v, XDS_ENDPOINT),
                   xds_view_version(v, XDS_LISTENER), xds_view_version(v, XDS_ROUTE));
        if (i != 0 && i + 2 != ps->n && i + 1 != ps->n)
            continue;
        size_t bytes = 0;
        for (int t = 0; t < XDS_NTYPES; t++)
            bytes += xds_view_bytes(v, (enum xds_type)t);
        printf("view %s class=%s ms=%.1f clusters=%zu endpoints=%zu listeners=%zu routes=%zu "
               "bytes=%zu\n",
               label,
               i == 0           ? "sidecar"
               : i + 2 == ps->n ? "gateway"
                                : "grpc",
               ms, xds_view_count(v, XDS_CLUSTER), xds_view_count(v, XDS_ENDPOINT),
               xds_view_count(v, XDS_LISTENER), xds_view_count(v, XDS_ROUTE), bytes);
    }
    return failed;
}

static int copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    char buf[65536];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

/* One edit as xdsd sees it: src renamed over dst, the reloader (debounce 0)
 * returns the new set, and a new snapshot rebuilds the views of old's
 * classes. Prints a line starting with label; returns the new snapshot and
 * its set in *set (NULL on failure). */
struct edit_times {
    double reload, retranslate, total, cpu;
};

static struct snapshot *one_edit(struct reloader *r, const char *src, const char *dst,
                                 struct snapshot *old, uint64_t gen,
                                 const struct translate_options *to, const char *label,
                                 struct config_set **set, struct edit_times *et)
{
    char *tmp = xasprintf("%s.tmp", src);
    struct snapshot *s1 = NULL;
    *set = NULL;
    if (copy_file(src, tmp) < 0) {
        printf("%s error=\"cannot copy %s\"\n", label, src);
        free(tmp);
        return NULL;
    }
    double t0 = bench_now();
    if (rename(tmp, dst) < 0) {
        printf("%s error=\"rename: %s\"\n", label, strerror(errno));
        free(tmp);
        return NULL;
    }
    free(tmp);
    struct config_set *set1 = NULL;
    while (!set1 && bench_now() - t0 < 10000) {
        set1 = reloader_poll(r, now_ms());
        if (!set1)
            usleep(100);
    }
    double t1 = bench_now();
    if (!set1) {
        printf("%s error=\"no reload within 10 s\"\n", label);
        return NULL;
    }
    double c1 = cpu_ms();
    long f1 = minor_faults();
    s1 = translate_snapshot(set1, gen, to);
    snapshot_warm_from(s1, old);
    double t2 = bench_now();
    /* CPU time: the work done, whatever else runs on the machine */
    *et = (struct edit_times){t1 - t0, t2 - t1, t2 - t0, cpu_ms() - c1};
    printf("%s reload_ms=%.2f retranslate_ms=%.2f total_ms=%.2f retranslate_cpu_ms=%.2f "
           "retranslate_faults=%ld\n",
           label, et->reload, et->retranslate, et->total, et->cpu, minor_faults() - f1);
    *set = set1;
    return s1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of field f (a double) over n edit_times. */
static double median(const struct edit_times *t, size_t n, size_t f)
{
    double *v = xcalloc(n + 1, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        memcpy(&v[i], (const char *)&t[i] + f, sizeof(double));
    qsort(v, n, sizeof(*v), cmp_double);
    double m = n ? v[n / 2] : 0;
    free(v);
    return m;
}

/* The edit (and, with edit2, a second one: the steady state, where the
 * memory of the snapshot before is there to be reused; then `repeat` more,
 * alternating, whose medians stand for an edit in a server that has made
 * many). */
/* What bench_edit() measured (CPU ms; 0: not measured). */
struct edit_result {
    double full, first, steady;
};

static void bench_edit(const char *dir, const char *edit, const char *edit2, const char *dst,
                       int repeat, const struct translate_options *to, const struct proxy_set *ps,
                       struct edit_result *res)
{
    struct edit_times et, *times = xcalloc((size_t)repeat + 1, sizeof(*times));
    struct reloader *r = reloader_new(dir, 0, 0);
    *res = (struct edit_result){0};
    if (!r) {
        free(times);
        return;
    }
    struct config_set *set0 = reloader_load_now(r);
    if (!set0) {
        printf("edit error=\"initial load failed\"\n");
        free(times);
        reloader_free(r);
        return;
    }
    double c0 = cpu_ms();
    struct snapshot *s0 = translate_snapshot(set0, 1, to);
    build_views(s0, ps, "before-edit");
    res->full = cpu_ms() - c0;
    struct config_set *set1;
    struct snapshot *s1 = one_edit(r, edit, dst, s0, 2, to, "edit", &set1, &et);
    if (s1 != NULL)
        res->first = et.cpu;
    if (s1 != NULL && getenv("BENCH_VERSIONS") != NULL)
        build_views(s1, ps, "after-edit");
    if (s1 != NULL && edit2 != NULL) {
        snapshot_unref(s0);
        config_unref(set0);
        s0 = s1;
        set0 = set1;
        s1 = one_edit(r, edit2, dst, s0, 3, to, "edit2", &set1, &et);
    }
    int done = 0;
    for (; s1 != NULL && edit2 != NULL && done < repeat; done++) {
        snapshot_unref(s0);
        config_unref(set0);
        s0 = s1;
        set0 = set1;
        s1 = one_edit(r, done % 2 ? edit2 : edit, dst, s0, 4 + (uint64_t)done, to, "repeat",
                      &set1, &times[done]);
    }
    if (done > 0)
        res->steady = median(times, (size_t)done, offsetof(struct edit_times, cpu));
    if (done > 0)
        printf("steady edits=%d reload_ms=%.2f retranslate_ms=%.2f total_ms=%.2f "
               "retranslate_cpu_ms=%.2f\n",
               done, median(times, (size_t)done, offsetof(struct edit_times, reload)),
               median(times, (size_t)done, offsetof(struct edit_times, retranslate)),
               median(times, (size_t)done, offsetof(struct edit_times, total)),
               median(times, (size_t)done, offsetof(struct edit_times, cpu)));
    free(times);
    snapshot_unref(s1);
    config_unref(set1);
    snapshot_unref(s0);
    config_unref(set0);
    reloader_free(r);
}

static char *read_line(const char *path)
{
    char buf[256];
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *line = fgets(buf, sizeof(buf), f) ? xstrdup(buf) : NULL;
    fclose(f);
    if (line != NULL)
        line[strcspn(line, "\n")] = '\0';
    return line;
}

/* Each kind of edit confgen wrote into edir, on dir, one after another. */
static void bench_edit_kinds(const char *dir, const char *edir, int repeat,
                             const struct translate_options *to, const struct proxy_set *ps)
{
    static const char *const kinds[] = {"vs", "se_endpoints", "se_hosts", "dr", "gw"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        char *dstf = xasprintf("%s/%s/dst", edir, kinds[i]);
        char *name = read_line(dstf);
        free(dstf);
        if (name == NULL) {
            printf("edit_kind_%s error=\"no edit of this kind\"\n", kinds[i]);
            continue;
        }
        char *dst = xasprintf("%s/%s", dir, name), *orig = xasprintf("%s.orig", dst);
        char *a = xasprintf("%s/%s/a.yaml", edir, kinds[i]);
        char *b = xasprintf("%s/%s/b.yaml", edir, kinds[i]);
        struct edit_result res;
        if (copy_file(dst, orig) < 0) {
            printf("edit_kind_%s error=\"cannot copy %s\"\n", kinds[i], dst);
        } else {
            printf("kind %s\n", kinds[i]);
            bench_edit(dir, a, b, dst, repeat, to, ps, &res);
            if (rename(orig, dst) < 0)
                printf("edit_kind_%s error=\"cannot restore %s\"\n", kinds[i], dst);
            double full = res.full > 0 ? res.full : 1;
            printf("edit_kind_%s full_cpu_ms=%.1f first_cpu_ms=%.2f steady_cpu_ms=%.2f "
                   "first_pct=%.2f steady_pct=%.2f\n",
                   kinds[i], res.full, res.first, res.steady, 100 * res.first / full,
                   100 * res.steady / full);
        }
        free(name);
        free(dst);
        free(orig);
        free(a);
        free(b);
    }
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *edit = NULL, *edit2 = NULL, *dst = NULL, *kinds = NULL;
    int namespaces = 10, repeat = 0;
    size_t max_response = 0; /* 0: xdsd's default, as serve without the option */
    static const struct option lo[] = {{"config-dir", 1, 0, 'c'},
                                       {"edit", 1, 0, 'e'},
                                       {"edit2", 1, 0, '2'},
                                       {"edit-dst", 1, 0, 'd'},
                                       {"edit-kinds", 1, 0, 'k'},
                                       {"namespaces", 1, 0, 'm'},
                                       {"repeat", 1, 0, 'r'},
                                       {"max-response-bytes", 1, 0, 'x'},
                                       {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'c':
            dir = optarg;
            break;
        case 'e':
            edit = optarg;
            break;
        case '2':
            edit2 = optarg;
            break;
        case 'd':
            dst = optarg;
            break;
        case 'k':
            kinds = optarg;
            break;
        case 'r':
            repeat = atoi(optarg);
            break;
        case 'x':
            max_response = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'm':
            namespaces = atoi(optarg);
            break;
        default:
            dir = NULL;
            optind = argc;
            break;
        }
    }
    if (!dir || namespaces < 1) {
        fprintf(stderr, "usage: translate_bench --config-dir DIR [--edit FILE [--edit2 FILE] --edit-dst FILE] "
                        "[--edit-kinds EDIR] [--namespaces M] [--repeat N]\n"
                        "       [--max-response-bytes N]\n");
        return 2;
    }
    malloc_keep_for_reuse(); /* as xdsd serve does */
    /* a larger limit, as `serve --max-response-bytes` would set it: at 50,000
     * services a sidecar's Cluster response is over the 64 MiB default */
    struct translate_options to = {.outbound_policy = OUTBOUND_ALLOW_ANY, .trust_domain = "cluster.local", .max_response_bytes = max_response};
    struct proxy_set ps;
    proxies_init(&ps, namespaces);

    long h0 = heap_kb(), r0 = bench_rss_kb(0);
    struct config_diags diags;
    size_t nfiles = 0;
    double t0 = bench_now();
    struct config_set *set = config_load(dir, &diags, &nfiles);
    double t1 = bench_now();
    if (!set) {
        config_diags_print(&diags, stderr);
        config_diags_release(&diags);
        return 1;
    }
    config_diags_release(&diags);
    long h1 = heap_kb();
    printf("load files=%zu ms=%.1f heap_kb=%ld\n", nfiles, t1 - t0, h1 - h0);

    t0 = bench_now();
    struct snapshot *s = translate_snapshot(set, 1, &to);
    int failed = build_views(s, &ps, "initial");
    t1 = bench_now();
    long h2 = heap_kb(), r2 = bench_rss_kb(0);
    printf("translate ms=%.1f classes=%zu failed=%d heap_kb=%ld rss_kb=%ld\n", t1 - t0, ps.n,
           failed, h2 - h1, r2 - r0);
    snapshot_unref(s);
    config_unref(set);
    if (edit && dst) {
        struct edit_result res;
        bench_edit(dir, edit, edit2, dst, repeat, &to, &ps, &res);
    }
    if (kinds)
        bench_edit_kinds(dir, kinds, repeat, &to, &ps);
    for (size_t i = 0; i < ps.n; i++)
        proxy_identity_release(&ps.ids[i]);
    free(ps.ids);
    return failed ? 1 : 0;
}
