/* t_config_cache.c - loading through the cache of parsed files gives what a
 * fresh load gives (resources, hash, errors and warnings), reuses the files
 * that did not change, and forgets the ones that are gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_scan.h"
#include "unit.h"
#include "xdsd/config.h"
#include "xdsd/util.h"

struct cache_fixture {
    char dir[64];
    struct config_cache *cache;
};

static void put_file(const struct cache_fixture *f, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", f->dir, name);
    FILE *fp = fopen(p, "w");
    CHECK(fp != NULL);
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    free(p);
}

static void drop_file(const struct cache_fixture *f, const char *name)
{
    char *p = xasprintf("%s/%s", f->dir, name);
    unlink(p);
    free(p);
}

static char *diags_text(const struct config_diags *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    config_diags_print(d, m);
    fprintf(m, "errors=%zu warnings=%zu\n", d->n_errors, d->n_warnings);
    fclose(m);
    return buf;
}

/* Load through the cache and afresh; both must agree in every respect the
 * loader shows. Returns the cached set (or NULL), diagnostics in *text. */
static struct config_set *load_both(struct cache_fixture *f, char **text)
{
    struct config_diags dc, df;
    size_t nc = 0, nf = 0;
    struct config_set *c = config_load_cached(f->dir, f->cache, &dc, &nc);
    struct config_set *s = config_load(f->dir, &df, &nf);
    char *tc = diags_text(&dc), *tf = diags_text(&df);
    CHECK_STR(tc, tf);
    CHECK_INT(nc, nf);
    CHECK((c == NULL) == (s == NULL));
    if (c && s) {
        CHECK(config_hash(c) == config_hash(s));
        size_t a, b;
        config_service_entries(c, &a), config_service_entries(s, &b);
        CHECK_INT(a, b);
        config_virtual_services(c, &a), config_virtual_services(s, &b);
        CHECK_INT(a, b);
        config_destination_rules(c, &a), config_destination_rules(s, &b);
        CHECK_INT(a, b);
        config_gateways(c, &a), config_gateways(s, &b);
        CHECK_INT(a, b);
    }
    config_unref(s);
    free(tf);
    *text = tc;
    config_diags_release(&dc);
    config_diags_release(&df);
    return c;
}

#define HEAD "apiVersion: networking.istio.io/v1beta1\n"
static const char *const svc_yaml =
    HEAD "kind: ServiceEntry\nmetadata: {name: ext}\n"
         "spec:\n  hosts: [ext.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n"
         "  - {number: 443, name: https, protocol: HTTPS}\n  resolution: DNS\n"
         "---\n" HEAD "kind: DestinationRule\nmetadata: {name: ext}\n"
         "spec:\n  host: ext.example.com\n  subsets:\n  - {name: v1}\n";
static const char *const gw_yaml =
    HEAD "kind: Gateway\nmetadata: {name: egress}\n"
         "spec:\n  selector: {istio: egressgateway}\n  servers:\n"
         "  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [ext.example.com]\n";
/* a VirtualService with a warning: two ports and no destination port */
static const char *const vs_yaml =
    HEAD "kind: VirtualService\nmetadata: {name: ext}\n"
         "spec:\n  hosts: [ext.example.com]\n  gateways: [egress, mesh]\n"
         "  http:\n  - route:\n    - destination: {host: ext.example.com, subset: v1}\n";
static const char *const vs_bad_yaml =
    HEAD "kind: VirtualService\nmetadata: {name: ext}\n"
         "spec:\n  hosts: [ext.example.com]\n  gateways: [egress, mesh]\n"
         "  http:\n  - route:\n    - destination: {host: ext.example.com, subset: v9}\n";

TEST(config_cache_agrees_with_a_fresh_load)
{
    struct cache_fixture f;
    strcpy(f.dir, "/tmp/xdsd-cache-XXXXXX");
    CHECK(mkdtemp(f.dir) != NULL);
    f.cache = config_cache_new();
    put_file(&f, "a-svc.yaml", svc_yaml);
    put_file(&f, "b-gw.yaml", gw_yaml);
    put_file(&f, "c-vs.yaml", vs_yaml);

    char *t1, *t2, *t3, *t4;
    struct config_set *s1 = load_both(&f, &t1);
    CHECK(s1 != NULL);
    CHECK(strstr(t1, "give destination.port") != NULL); /* the warning */

    /* an edit of one file: the others are reused, the warning still shows */
    put_file(&f, "b-gw.yaml", gw_yaml); /* rewritten, same bytes */
    put_file(&f, "a-svc.yaml", svc_yaml);
    struct config_set *s2 = load_both(&f, &t2);
    CHECK(s2 != NULL);
    CHECK_STR(t2, t1);
    const struct service_entry *e1 = s1 ? scan_service(s1, "ext.example.com") : NULL;
    const struct service_entry *e2 = s2 ? scan_service(s2, "ext.example.com") : NULL;
    CHECK(e1 && e2 && e1->hosts == e2->hosts); /* same decoded file */

    /* a cross-resource error in an edited file rejects the set; the checks
     * across resources run over the cached files too */
    put_file(&f, "c-vs.yaml", vs_bad_yaml);
    struct config_set *s3 = load_both(&f, &t3);
    CHECK(s3 == NULL);
    CHECK(strstr(t3, "subset 'v9' not found") != NULL);

    /* fixed, and a file removed: its resources are gone */
    put_file(&f, "c-vs.yaml", vs_yaml);
    drop_file(&f, "b-gw.yaml");
    struct config_set *s4 = load_both(&f, &t4);
    CHECK(s4 == NULL); /* the VirtualService names a Gateway that is gone */
    CHECK(strstr(t4, "Gateway default/egress not found") != NULL);
    put_file(&f, "b-gw.yaml", gw_yaml);
    free(t4);
    s4 = load_both(&f, &t4);
    CHECK(s4 != NULL);
    CHECK_STR(t4, t1);
    size_t n = 0;
    if (s4)
        config_gateways(s4, &n);
    CHECK_INT(n, 1);

    config_unref(s1);
    config_unref(s2);
    config_unref(s4);
    free(t1);
    free(t2);
    free(t3);
    free(t4);
    config_cache_free(f.cache);
    drop_file(&f, "a-svc.yaml");
    drop_file(&f, "b-gw.yaml");
    drop_file(&f, "c-vs.yaml");
    rmdir(f.dir);
}

TEST(config_cache_keeps_parse_errors_of_unchanged_files)
{
    struct cache_fixture f;
    strcpy(f.dir, "/tmp/xdsd-cache-XXXXXX");
    CHECK(mkdtemp(f.dir) != NULL);
    f.cache = config_cache_new();
    put_file(&f, "a.yaml", svc_yaml);
    put_file(&f, "z.yaml", "kind: [unclosed\n");
    char *t1, *t2;
    struct config_set *s1 = load_both(&f, &t1);
    struct config_set *s2 = load_both(&f, &t2);
    CHECK(s1 == NULL && s2 == NULL);
    CHECK_STR(t2, t1);
    CHECK(strstr(t1, "z.yaml:") != NULL);
    free(t1);
    free(t2);
    config_cache_free(f.cache);
    drop_file(&f, "a.yaml");
    drop_file(&f, "z.yaml");
    rmdir(f.dir);
}
