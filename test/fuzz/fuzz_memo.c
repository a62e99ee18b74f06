/* fuzz_memo.c - libFuzzer driver: a view rebuilt warm from the previous
 * snapshot equals the view built from nothing.
 *
 *   make fuzz && build/fuzz/fuzz_memo -max_total_time=600 test/fuzz/corpus/fuzz_memo
 *
 * Translation reuses work between snapshots of a proxy class: per-service
 * clusters, whole Cluster and Endpoint lists, packed virtual hosts and gRPC
 * service ports (src/translate/memo.c, pieces.c). Whatever it reuses, the
 * result must be what a fresh build makes. The input describes a base
 * configuration as documents spread over a few files (gen_config.h writes
 * each document from its own slice of the input), then 1-3 edits of it: a
 * changed byte of one document's slice (a route's timeout, weight, match or
 * subset, a ServiceEntry's port or endpoint, a Gateway server's host, ...),
 * a document added, removed, copied, moved to another file or to the end of
 * its file, a comment line added to it, or nothing. Each version is written
 * to a directory under /dev/shm and loaded through one cache, as the
 * reloader does (config_load_changed() naming the files that changed, or
 * every file, or config_load_cached() of the whole directory): unchanged
 * files keep their decoded resources.
 *
 * Each valid version is translated warm from the last valid one's snapshot
 * (snapshot_prepare() or snapshot_warm_from(), as the input chooses; the old
 * snapshot is released before the views are read) and compared, for
 * sidecars in two namespaces (three in one that differ in labels), routers
 * a Gateway may select and one none does, and proxyless gRPC clients, with
 * the views of a fresh snapshot of the same set and of a set parsed again
 * without the cache: same resources, bytes, hashes and type versions. A
 * difference, a failed view build or a sanitizer report is a finding: the
 * driver prints the class, type and resource, the edits and the files, and
 * aborts.
 *
 * Input layout: byte 0 the options (bit 0 REGISTRY_ONLY, bit 1
 * snapshot_prepare() rather than snapshot_warm_from(), the rest % 3 how the
 * files are loaded, LOAD_*), byte 1 the number of edits, three edits of
 * EDIT_BYTES (first, so that short inputs edit too), then the base: a count
 * per kind, and per document its file and SLICE bytes; documents the edits
 * add read the bytes after those.
 *
 * FUZZ_MEMO_PRINT=1 prints each version's files and edits; FUZZ_MEMO_STATS=1
 * prints counts at exit (versions compared, classes whose Clusters were
 * shared with the previous view, classes whose routes were patched,
 * classes whose clusters were patched, classes that took route
 * configurations after a Gateway edit, loads that read only the changed
 * files). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xdsd/config.h"
#include "xdsd/log.h"
#include "xdsd/proxy.h"
#include "xdsd/snapshot.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

#include "gen_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the configuration as documents ------------------------------------------------ */

#define SLICE 48    /* input bytes per document */
#define MAX_DOCS 24 /* at most 6 of a kind: struct gen records 8 */
#define MAX_OF_KIND 6
#define N_FILES 4
#define MAX_EDITS 3
#define EDIT_BYTES 4 /* operation, three arguments */

enum doc_kind { DOC_SE, DOC_GW, DOC_DR, DOC_VS, N_KINDS };

static const char *const kind_prefix[N_KINDS] = {"se", "gw", "dr", "vs"};

struct doc {
    enum doc_kind kind;
    int id;    /* the name's number (gw: the name is gw_names[id % 3]) */
    int file;  /* f<file>.yaml holds it */
    int order; /* place in its file: smaller first */
    int notes; /* comment lines before it: other bytes, same content */
    uint8_t bytes[SLICE];
    size_t used; /* bytes the generator read at the last render */
};

struct spec {
    struct doc docs[MAX_DOCS];
    int n;
    int next_id[N_KINDS];
    int next_order;
};

struct reader {
    const uint8_t *p;
    size_t n;
};

/* The next input byte, 0 once the input is used up. */
static unsigned take(struct reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static int count_kind(const struct spec *s, enum doc_kind k)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += s->docs[i].kind == k;
    return n;
}

/* Add a document of kind k in file; its bytes from the input (zeros past
 * the end). Returns its index, or -1 when there is no room. */
static int add_doc(struct spec *s, enum doc_kind k, int file, struct reader *r)
{
    if (s->n == MAX_DOCS || count_kind(s, k) >= MAX_OF_KIND)
        return -1;
    struct doc *d = &s->docs[s->n];
    memset(d, 0, sizeof(*d));
    d->kind = k;
    d->id = s->next_id[k]++;
    d->file = file;
    d->order = s->next_order++;
    for (size_t i = 0; i < SLICE; i++)
        d->bytes[i] = (uint8_t)take(r);
    return s->n++;
}

/* The base: as many of each kind as fuzz_translate's generate() writes. */
static void base_spec(struct spec *s, struct reader *r)
{
    static const unsigned most[N_KINDS] = {4, 4, 4, 5};
    unsigned n[N_KINDS];
    memset(s, 0, sizeof(*s));
    for (int k = 0; k < N_KINDS; k++)
        n[k] = take(r) % most[k];
    n[DOC_SE]++;
    for (int k = 0; k < N_KINDS; k++)
        for (unsigned i = 0; i < n[k]; i++) {
            int file = (int)(take(r) % N_FILES);
            add_doc(s, (enum doc_kind)k, file, r);
        }
}

/* ---- rendering: documents into files ------------------------------------------------ */

struct rendered {
    char *text[N_FILES]; /* NULL: no document in the file */
    size_t len[N_FILES];
};

static void rendered_release(struct rendered *out)
{
    for (int f = 0; f < N_FILES; f++)
        free(out->text[f]);
    memset(out, 0, sizeof(*out));
}

static void append(struct rendered *out, int f, const char *text, size_t n)
{
    out->text[f] = xrealloc(out->text[f], out->len[f] + n + 1);
    memcpy(out->text[f] + out->len[f], text, n);
    out->len[f] += n;
    out->text[f][out->len[f]] = '\0';
}

static int by_generation(const void *pa, const void *pb)
{
    const struct doc *a = *(struct doc *const *)pa, *b = *(struct doc *const *)pb;
    if (a->kind != b->kind)
        return (int)a->kind - (int)b->kind;
    return a->id - b->id;
}

static int by_order(const void *pa, const void *pb)
{
    const struct doc *a = *(struct doc *const *)pa, *b = *(struct doc *const *)pb;
    return a->order - b->order;
}

/* Generate every document (in the order references need: ServiceEntries,
 * Gateways, DestinationRules, VirtualServices) and gather them by file. */
static void render(struct spec *s, struct rendered *out)
{
    struct doc *gen_order[MAX_DOCS], *file_order[MAX_DOCS];
    size_t start[MAX_DOCS], end[MAX_DOCS];
    for (int i = 0; i < s->n; i++)
        gen_order[i] = file_order[i] = &s->docs[i];
    qsort(gen_order, (size_t)s->n, sizeof(*gen_order), by_generation);
    struct gen g = {0};
    for (int i = 0; i < s->n; i++) {
        struct doc *d = gen_order[i];
        g.p = d->bytes;
        g.n = SLICE;
        start[d - s->docs] = g.len;
        if (d->kind == DOC_SE)
            gen_service_entry(&g, d->id);
        else if (d->kind == DOC_GW)
            gen_gateway(&g, d->id);
        else if (d->kind == DOC_DR)
            gen_destination_rule(&g, d->id);
        else
            gen_virtual_service(&g, d->id);
        end[d - s->docs] = g.len;
        d->used = SLICE - g.n;
    }
    qsort(file_order, (size_t)s->n, sizeof(*file_order), by_order);
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < s->n; i++) {
        const struct doc *d = file_order[i];
        size_t k = (size_t)(d - s->docs), n = end[k] - start[k], head = 4; /* "---\n" */
        char note[32];
        int f = d->file;
        append(out, f, g.buf + start[k], head);
        for (int j = 0; j < d->notes; j++)
            append(out, f, note, (size_t)snprintf(note, sizeof(note), "# note %d\n", j));
        append(out, f, g.buf + start[k] + head, n - head);
    }
    free(g.buf);
}

/* ---- edits ------------------------------------------------------------------------- */

enum edit_op {
    ED_NONE,
    ED_TWEAK,
    ED_TWEAK_LATE,
    ED_ADD,
    ED_REMOVE,
    ED_MOVE,
    ED_REORDER,
    ED_COPY,
    ED_COMMENT,
    N_OPS
};

static void doc_name(const struct doc *d, char *buf, size_t n)
{
    if (d->kind == DOC_GW)
        snprintf(buf, n, "gw %s (#%d)", gw_names[d->id % 3], d->id);
    else
        snprintf(buf, n, "%s-%d", kind_prefix[d->kind], d->id);
}

/* Apply the edit the next EDIT_BYTES of ed describe (an added document's
 * bytes come from r); what says which, for reports. */
static void apply_edit(struct spec *s, struct reader *ed, struct reader *r, char *what,
                       size_t n_what)
{
    enum edit_op op = (enum edit_op)(take(ed) % N_OPS);
    unsigned a = take(ed), b = take(ed), c = take(ed);
    char name[48] = "";
    struct doc *d = s->n ? &s->docs[a % (unsigned)s->n] : NULL;
    if (d == NULL && op != ED_ADD)
        op = ED_NONE;
    if (d != NULL)
        doc_name(d, name, sizeof(name));
    switch (op) {
    case ED_NONE:
    case N_OPS:
        snprintf(what, n_what, "no change");
        break;
    case ED_TWEAK:
    case ED_TWEAK_LATE: {
        /* a late byte changes one of the last choices: a small edit */
        size_t used = d->used ? d->used : 1, off = b % used;
        if (op == ED_TWEAK_LATE)
            off = used - 1 - b % (used < 6 ? used : 6);
        snprintf(what, n_what, "%s: byte %zu of %zu 0x%02x -> 0x%02x", name, off, used,
                 d->bytes[off], c & 0xff);
        d->bytes[off] = (uint8_t)c;
        break;
    }
    case ED_ADD: {
        int i = add_doc(s, (enum doc_kind)(a % N_KINDS), (int)(b % N_FILES), r);
        if (i < 0) {
            snprintf(what, n_what, "add %s: no room", kind_prefix[a % N_KINDS]);
            break;
        }
        doc_name(&s->docs[i], name, sizeof(name));
        snprintf(what, n_what, "add %s to f%d.yaml", name, s->docs[i].file);
        break;
    }
    case ED_REMOVE:
        snprintf(what, n_what, "remove %s from f%d.yaml", name, d->file);
        *d = s->docs[--s->n];
        break;
    case ED_MOVE:
        snprintf(what, n_what, "move %s from f%d.yaml to the end of f%u.yaml", name, d->file,
                 b % N_FILES);
        d->file = (int)(b % N_FILES);
        d->order = s->next_order++;
        break;
    case ED_COMMENT:
        snprintf(what, n_what, "comment line before %s in f%d.yaml", name, d->file);
        d->notes++;
        break;
    case ED_REORDER:
        snprintf(what, n_what, "move %s to the end of f%d.yaml", name, d->file);
        d->order = s->next_order++;
        break;
    case ED_COPY: {
        if (s->n == MAX_DOCS || count_kind(s, d->kind) >= MAX_OF_KIND) {
            snprintf(what, n_what, "copy %s: no room", name);
            break;
        }
        struct doc *copy = &s->docs[s->n++];
        *copy = *d;
        copy->id = s->next_id[d->kind]++;
        copy->file = (int)(b % N_FILES);
        copy->order = s->next_order++;
        char cname[48];
        doc_name(copy, cname, sizeof(cname));
        snprintf(what, n_what, "copy %s as %s to f%d.yaml", name, cname, copy->file);
        break;
    }
    }
}

/* ---- proxies ------------------------------------------------------------------------ */

struct proxy_case {
    const char *id;
    const char *labels; /* "k=v,..." */
    const char *generator;
};

/* Sidecars in one namespace whose labels differ share a class unless a
 * sourceLabels match or a workloadSelector reads a label they differ in. */
static const struct proxy_case proxies[] = {
    {"sidecar~10.0.0.5~sleep-1.default~default.svc.cluster.local", "app=sleep,version=v1", NULL},
    {"sidecar~10.0.0.6~sleep-2.default~default.svc.cluster.local", "app=sleep,version=v2", NULL},
    {"sidecar~10.0.0.8~bare-1.default~default.svc.cluster.local", "", NULL},
    {"sidecar~10.0.1.5~web-1.ns1~ns1.svc.cluster.local", "app=web", NULL},
    {"router~127.0.0.1~egw-1.istio-system~istio-system.svc.cluster.local",
     "istio=egressgateway,app=istio-egressgateway", NULL},
    {"router~10.0.2.9~igw-1.ns1~ns1.svc.cluster.local", "istio=ingressgateway", NULL},
    {"router~10.0.3.9~lonely-1.default~default.svc.cluster.local", "app=lonely", NULL},
    {"sidecar~10.0.0.7~grpc-1.default~default.svc.cluster.local", "app=grpc", "grpc"},
    {"sidecar~10.0.1.7~grpc-2.ns1~ns1.svc.cluster.local", "app=grpc", "grpc"},
};
#define N_PROXIES (sizeof(proxies) / sizeof(proxies[0]))

static struct proxy_identity ids[N_PROXIES];

static void init_proxies(void)
{
    for (size_t i = 0; i < N_PROXIES; i++) {
        size_t n = 0;
        struct config_kv *l = proxy_labels_parse(proxies[i].labels, &n);
        proxy_identity_init(&ids[i], proxies[i].id, NULL, NULL, l, n, proxies[i].generator);
        proxy_labels_free(l, n);
    }
}

/* ---- the run of one input ------------------------------------------------------------ */

struct run {
    struct spec spec;
    struct rendered files;
    struct rendered loaded; /* the files at the last load */
    int load_mode;          /* LOAD_* */
    char edits[MAX_EDITS][160];
    int n_edits;
    int version; /* 0: the base */
    struct translate_options o;
};

/* How each version is loaded: naming the files that changed (as the
 * reloader does with what inotify saw), every file as if it changed (a
 * burst of events), or the whole directory. */
enum { LOAD_CHANGED, LOAD_ALL_NAMED, LOAD_FULL };

static char dir[64];
static size_t n_inputs, n_versions, n_compared, n_shared, n_patched, n_partial;
static size_t n_clusters_patched, n_gw_patched;

static void remove_dir(void)
{
    for (int f = 0; f < N_FILES; f++) {
        char *p = xasprintf("%s/f%d.yaml", dir, f);
        unlink(p);
        free(p);
    }
    rmdir(dir);
}

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/dev/shm/xdsd-fuzzmemo-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        snprintf(dir, sizeof(dir), "/tmp/xdsd-fuzzmemo-XXXXXX");
        if (mkdtemp(dir) == NULL) {
            fprintf(stderr, "fuzz_memo: mkdtemp: %s\n", strerror(errno));
            exit(1);
        }
    }
}

/* Write the files of this version: unchanged bytes are left to the cache's
 * comparison, a file without documents is removed. */
static void write_files(const struct rendered *rf)
{
    for (int f = 0; f < N_FILES; f++) {
        char *p = xasprintf("%s/f%d.yaml", dir, f);
        if (rf->text[f] == NULL) {
            unlink(p);
        } else {
            FILE *fp = fopen(p, "w");
            if (fp == NULL || fwrite(rf->text[f], 1, rf->len[f], fp) != rf->len[f] ||
                fclose(fp) != 0) {
                fprintf(stderr, "fuzz_memo: cannot write %s\n", p);
                abort();
            }
        }
        free(p);
    }
}

static void print_run(const struct run *r)
{
    for (int e = 0; e < r->n_edits; e++)
        fprintf(stderr, "# edit %d: %s\n", e + 1, r->edits[e]);
    for (int f = 0; f < N_FILES; f++)
        if (r->files.text[f] != NULL)
            fprintf(stderr, "# ---- f%d.yaml\n%s", f, r->files.text[f]);
}

static void finding(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)))
__attribute__((noreturn));
static void finding(const struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FINDING: version %d (after edit %d: %s): ", r->version, r->version,
            r->version > 0 ? r->edits[r->version - 1] : "base");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    print_run(r);
    remove_dir();
    abort();
}

/* The first resource of type t whose name, bytes or hash differ, by name
 * (both lists are sorted), as a message; NULL when the lists are equal. */
static char *type_diff(const struct xds_view *a, const struct xds_view *b, enum xds_type t)
{
    const struct xds_resource *x = xds_view_items(a, t), *y = xds_view_items(b, t);
    size_t nx = xds_view_count(a, t), ny = xds_view_count(b, t), i = 0, j = 0;
    while (i < nx || j < ny) {
        int cmp = i == nx ? 1 : j == ny ? -1 : strcmp(x[i].name, y[j].name);
        if (cmp < 0)
            return xasprintf("%s %s only in the warm view", xds_type_short(t), x[i].name);
        if (cmp > 0)
            return xasprintf("%s %s only in the fresh view", xds_type_short(t), y[j].name);
        if (x[i].len != y[j].len || memcmp(x[i].bytes, y[j].bytes, x[i].len) != 0)
            return xasprintf("%s %s: bytes differ (%zu warm, %zu fresh)", xds_type_short(t),
                             x[i].name, x[i].len, y[j].len);
        if (x[i].hash != y[j].hash || strcmp(x[i].version, y[j].version) != 0)
            return xasprintf("%s %s: same bytes, hashes differ (%s warm, %s fresh)",
                             xds_type_short(t), x[i].name, x[i].version, y[j].version);
        i++;
        j++;
    }
    if (strcmp(xds_view_version(a, t), xds_view_version(b, t)) != 0)
        return xasprintf("%s: same resources, type versions differ (%s warm, %s fresh)",
                         xds_type_short(t), xds_view_version(a, t), xds_view_version(b, t));
    return NULL;
}

static const struct xds_view *view_of(const struct run *r, struct snapshot *s, size_t i,
                                      const char *which, const char **class_key)
{
    char *err = NULL;
    const char *key = NULL;
    const struct xds_view *v = snapshot_view(s, &ids[i], &key, &err);
    if (class_key != NULL)
        *class_key = key;
    if (v == NULL)
        finding(r, "%s view of %s (class %s) failed: %s", which, proxies[i].id, key ? key : "?",
                err ? err : "(no message)");
    return v;
}

/* Every proxy's view in warm equals its view in fresh. */
static void compare(const struct run *r, struct snapshot *warm, struct snapshot *fresh,
                    const char *what)
{
    for (size_t i = 0; i < N_PROXIES; i++) {
        const char *key = NULL;
        const struct xds_view *a = view_of(r, warm, i, "warm", &key);
        const struct xds_view *b = view_of(r, fresh, i, what, NULL);
        for (int t = 0; t < XDS_NTYPES; t++) {
            char *d = type_diff(a, b, (enum xds_type)t);
            if (d != NULL)
                finding(r, "proxy %s, class %s: warm view and %s view differ: %s", proxies[i].id,
                        key, what, d);
        }
    }
}

/* The same set parsed again from the files, without the cache. */
static struct config_set *parse_uncached(const struct run *r)
{
    struct config_source src[N_FILES];
    char *names[N_FILES];
    size_t n = 0;
    for (int f = 0; f < N_FILES; f++)
        if (r->files.text[f] != NULL) {
            names[n] = xasprintf("%s/f%d.yaml", dir, f);
            src[n] = (struct config_source){names[n], r->files.text[f], r->files.len[f]};
            n++;
        }
    struct config_diags d;
    struct config_set *cfg = config_parse_sources(src, n, &d);
    config_diags_release(&d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return cfg;
}

static int same_list(const struct xds_view *a, const struct xds_view *b, enum xds_type t)
{
    return xds_view_count(a, t) && xds_view_items(a, t) == xds_view_items(b, t);
}

/* Some route configuration of a is old's own (the same bytes), though the
 * Listeners were built: a Gateway patch took it (patch_gateway.c). */
static int routes_taken(const struct xds_view *a, const struct xds_view *b)
{
    if (same_list(a, b, XDS_LISTENER) || same_list(a, b, XDS_ROUTE))
        return 0;
    const struct xds_resource *r = xds_view_items(a, XDS_ROUTE);
    for (size_t i = 0; i < xds_view_count(a, XDS_ROUTE); i++) {
        const struct xds_resource *o = xds_view_find(b, XDS_ROUTE, r[i].name);
        if (o != NULL && o->bytes == r[i].bytes)
            return 1;
    }
    return 0;
}

/* Count the classes whose Clusters the warm build shared with old's view,
 * those patched (Listeners shared, Routes not: patch.c), those whose
 * Clusters were made again alone (Listeners and Routes shared, Clusters
 * not: patch_clusters.c, or memo.c when only endpoints changed) and those
 * that took route configurations after a Gateway edit. */
static void count_shared(struct snapshot *s, struct snapshot *old)
{
    for (size_t i = 0; i < N_PROXIES; i++) {
        const struct xds_view *a = snapshot_view(s, &ids[i], NULL, NULL);
        const struct xds_view *b = snapshot_view(old, &ids[i], NULL, NULL);
        if (a && b && same_list(a, b, XDS_CLUSTER))
            n_shared++;
        if (a && b && same_list(a, b, XDS_LISTENER) && xds_view_count(a, XDS_ROUTE) &&
            !same_list(a, b, XDS_ROUTE))
            n_patched++;
        if (a && b && same_list(a, b, XDS_LISTENER) && same_list(a, b, XDS_ROUTE) &&
            !same_list(a, b, XDS_CLUSTER))
            n_clusters_patched++;
        if (a && b && routes_taken(a, b))
            n_gw_patched++;
    }
}

static int same_file(const struct rendered *a, const struct rendered *b, int f)
{
    if (a->text[f] == NULL || b->text[f] == NULL)
        return a->text[f] == b->text[f];
    return a->len[f] == b->len[f] && memcmp(a->text[f], b->text[f], a->len[f]) == 0;
}

/* Load the directory through cache as r->load_mode says. */
static struct config_set *load(struct run *r, struct config_cache *cache, struct config_diags *d)
{
    if (r->load_mode == LOAD_FULL)
        return config_load_cached(dir, cache, d, NULL);
    char *changed[N_FILES];
    size_t n = 0;
    for (int f = 0; f < N_FILES; f++)
        if (r->load_mode == LOAD_ALL_NAMED || !same_file(&r->files, &r->loaded, f))
            changed[n++] = xasprintf("%s/f%d.yaml", dir, f);
    struct config_set *cfg =
        config_load_changed(dir, cache, (const char *const *)changed, n, d, NULL);
    n_partial += (size_t)config_cache_partial(cache);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
    return cfg;
}

/* Build this version warm from prev (NULL for the base) and check it.
 * Returns its snapshot, or NULL when the configuration is not valid. */
static struct snapshot *check_version(struct run *r, struct config_cache *cache,
                                      struct snapshot *prev, int prepare)
{
    struct config_diags d;
    struct config_set *cfg = load(r, cache, &d);
    if (getenv("FUZZ_MEMO_PRINT") && cfg == NULL)
        config_diags_print(&d, stderr);
    config_diags_release(&d);
    struct config_set *again = parse_uncached(r);
    if ((cfg == NULL) != (again == NULL))
        finding(r, "the cached load %s, the uncached parse %s", cfg ? "passed" : "failed",
                again ? "passed" : "failed");
    if (cfg == NULL)
        return NULL;
    n_versions++;
    struct snapshot *s = translate_snapshot(cfg, (uint64_t)r->version + 1, &r->o);
    if (prev != NULL) {
        char *err = NULL;
        if (prepare && snapshot_prepare(s, prev, ids, N_PROXIES, &err) != 0)
            finding(r, "snapshot_prepare failed: %s", err ? err : "(no message)");
        if (!prepare)
            snapshot_warm_from(s, prev);
        free(err);
        count_shared(s, prev);
        snapshot_unref(prev); /* what the warm views hold must outlive it */
        struct snapshot *fresh = translate_snapshot(cfg, 1000, &r->o);
        compare(r, s, fresh, "fresh");
        snapshot_unref(fresh);
        fresh = translate_snapshot(again, 1001, &r->o);
        compare(r, s, fresh, "uncached fresh");
        snapshot_unref(fresh);
        n_compared++;
    } else {
        for (size_t i = 0; i < N_PROXIES; i++)
            view_of(r, s, i, "base", NULL);
    }
    config_unref(again);
    config_unref(cfg);
    return s;
}

static void print_stats(void)
{
    fprintf(stderr,
            "fuzz_memo: %zu inputs, %zu valid versions, %zu warm rebuilds compared, "
            "%zu class builds shared the previous Clusters, %zu patched its routes, "
            "%zu patched its clusters, %zu took route configurations after a Gateway edit, "
            "%zu partial loads\n",
            n_inputs, n_versions, n_compared, n_shared, n_patched, n_clusters_patched,
            n_gw_patched, n_partial);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        init = 1;
        log_init(LOG_ERROR, LOG_TEXT);
        init_proxies();
        if (getenv("FUZZ_MEMO_STATS"))
            atexit(print_stats);
    }
    /* the edits first, at fixed places, so that a short input has them
     * too; a document an edit adds takes its bytes after the base's */
    if (size < 2 + EDIT_BYTES * MAX_EDITS)
        return 0;
    n_inputs++;
    struct reader ed = {data + 2, EDIT_BYTES * MAX_EDITS};
    struct reader rd = {ed.p + ed.n, size - 2 - ed.n};
    struct run *r = xcalloc(1, sizeof(*r));
    r->o = (struct translate_options){data[0] & 1 ? OUTBOUND_REGISTRY_ONLY : OUTBOUND_ALLOW_ANY,
                                      "/etc/certs", "cluster.local", 0};
    int prepare = (data[0] >> 1) & 1, n_edits = 1 + data[1] % MAX_EDITS;
    r->load_mode = (data[0] >> 2) % 3;
    base_spec(&r->spec, &rd);
    /* a directory per input: libFuzzer ends without running atexit */
    make_dir();
    struct config_cache *cache = config_cache_new();
    struct snapshot *prev = NULL;
    for (r->version = 0; r->version <= n_edits; r->version++) {
        if (r->version > 0) {
            apply_edit(&r->spec, &ed, &rd, r->edits[r->n_edits], sizeof(r->edits[0]));
            r->n_edits++;
        }
        rendered_release(&r->files);
        render(&r->spec, &r->files);
        if (getenv("FUZZ_MEMO_PRINT")) {
            fprintf(stderr, "# ======== version %d\n", r->version);
            print_run(r);
        }
        write_files(&r->files);
        /* an invalid version is skipped, as the reloader keeps the last
         * good snapshot: the next one warms from that */
        struct snapshot *s = check_version(r, cache, prev, prepare);
        if (s != NULL)
            prev = s;
        rendered_release(&r->loaded);
        r->loaded = r->files;
        memset(&r->files, 0, sizeof(r->files));
    }
    snapshot_unref(prev);
    config_cache_free(cache);
    remove_dir();
    rendered_release(&r->loaded);
    free(r);
    return 0;
}
