/* t_reload_incremental.c - a reload that reads only the files inotify named
 * gives exactly what a fresh load of the directory gives: the same set
 * (hash, resources in order), the same errors and warnings, through every
 * kind of edit; and whatever it cannot attribute is a full reload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_scan.h"
#include "unit.h"
#include "xdsd/log.h"
#include "xdsd/reload.h"
#include "xdsd/util.h"

struct inc_fixture {
    char dir[64];
    char outside[64];
    struct reloader *r;
    struct config_set *current;
    int64_t clock;
};

static char *inc_path(const struct inc_fixture *f, const char *name)
{
    return xasprintf("%s/%s", f->dir, name);
}

static void inc_put(const struct inc_fixture *f, const char *name, const char *text)
{
    char *p = name[0] == '/' ? xstrdup(name) : inc_path(f, name);
    FILE *fp = fopen(p, "w");
    CHECK(fp != NULL);
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    free(p);
}

#define HEAD "apiVersion: networking.istio.io/v1\n"

static void put_service(const struct inc_fixture *f, const char *file, const char *name,
                        const char *host)
{
    char *y = xasprintf(HEAD "kind: ServiceEntry\nmetadata: {name: %s}\n"
                             "spec:\n  hosts: [%s]\n"
                             "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                             "---\n" HEAD "kind: DestinationRule\nmetadata: {name: %s}\n"
                             "spec:\n  host: %s\n  subsets: [{name: v1}]\n",
                        name, host, name, host);
    inc_put(f, file, y);
    free(y);
}

/* A VirtualService routing to host's subset (an error when it is missing). */
static void put_route(const struct inc_fixture *f, const char *file, const char *host,
                      const char *subset)
{
    char *y = xasprintf(HEAD "kind: VirtualService\nmetadata: {name: to-%s}\n"
                             "spec:\n  hosts: [%s]\n  http:\n  - route:\n"
                             "    - destination: {host: %s, subset: %s}\n",
                        subset, host, host, subset);
    inc_put(f, file, y);
    free(y);
}

static char *diags_of(const struct config_diags *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    config_diags_print(d, m);
    fprintf(m, "errors=%zu warnings=%zu\n", d->n_errors, d->n_warnings);
    fclose(m);
    return buf;
}

/* Every resource of s, kind and name (and what it was decoded from, and
 * where), in the set's order. */
static char *names_of(const struct config_set *s)
{
    char *buf = NULL;
    size_t len = 0, n;
    FILE *m = open_memstream(&buf, &len);
    const struct service_entry *se = config_service_entries(s, &n);
    for (size_t i = 0; i < n; i++)
        fprintf(m, "se %s/%s %s:%d:%d %llx\n", se[i].meta.namespace, se[i].meta.name,
                se[i].meta.pos.file, se[i].meta.pos.line, se[i].meta.pos.column,
                (unsigned long long)se[i].meta.content_hash);
    const struct destination_rule *dr = config_destination_rules(s, &n);
    for (size_t i = 0; i < n; i++)
        fprintf(m, "dr %s/%s %s:%d:%d %llx\n", dr[i].meta.namespace, dr[i].meta.name,
                dr[i].meta.pos.file, dr[i].meta.pos.line, dr[i].meta.pos.column,
                (unsigned long long)dr[i].meta.content_hash);
    const struct virtual_service *vs = config_virtual_services(s, &n);
    for (size_t i = 0; i < n; i++)
        fprintf(m, "vs %s/%s %s:%d:%d %llx\n", vs[i].meta.namespace, vs[i].meta.name,
                vs[i].meta.pos.file, vs[i].meta.pos.line, vs[i].meta.pos.column,
                (unsigned long long)vs[i].meta.content_hash);
    const struct gateway *gw = config_gateways(s, &n);
    for (size_t i = 0; i < n; i++)
        fprintf(m, "gw %s/%s %s:%d:%d %llx\n", gw[i].meta.namespace, gw[i].meta.name,
                gw[i].meta.pos.file, gw[i].meta.pos.line, gw[i].meta.pos.column,
                (unsigned long long)gw[i].meta.content_hash);
    const struct config_source *src = config_sources(s, &n);
    for (size_t i = 0; i < n; i++)
        fprintf(m, "file %s %zu\n", src[i].name, src[i].len);
    fclose(m);
    return buf;
}

/* Let the debounce expire, then compare what the reloader holds with a
 * fresh load: the last attempt's diagnostics, and when it was accepted the
 * set itself. Returns how many new sets came out. */
static int settle_and_compare(struct inc_fixture *f)
{
    int n = 0;
    f->clock += 100000;
    for (int64_t t = 0; t <= 1001; t += 50) {
        struct config_set *s = reloader_poll(f->r, f->clock + t);
        if (s) {
            n++;
            config_unref(f->current);
            f->current = s;
        }
    }
    struct config_diags d;
    size_t nfiles = 0;
    struct config_set *fresh = config_load(f->dir, &d, &nfiles);
    char *want = diags_of(&d), *got = diags_of(reloader_diags(f->r));
    CHECK_STR(got, want);
    CHECK((fresh == NULL) == (reloader_rejected(f->r) != 0));
    if (fresh && f->current) {
        CHECK(config_hash(fresh) == config_hash(f->current));
        char *a = names_of(fresh), *b = names_of(f->current);
        CHECK_STR(b, a);
        free(a), free(b);
    }
    free(want), free(got);
    config_diags_release(&d);
    config_unref(fresh);
    return n;
}

static void inc_setup(struct inc_fixture *f)
{
    memset(f, 0, sizeof(*f));
    log_init(getenv("INC_DEBUG") ? LOG_DEBUG : LOG_ERROR, LOG_TEXT);
    strcpy(f->dir, "/tmp/xdsd-inc-XXXXXX");
    strcpy(f->outside, "/tmp/xdsd-incout-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    CHECK(mkdtemp(f->outside) != NULL);
    char *sub = inc_path(f, "team");
    CHECK(mkdir(sub, 0755) == 0);
    free(sub);
    put_service(f, "b.yaml", "b", "b.example.com");
    put_service(f, "d.yml", "d", "d.example.com");
    put_service(f, "team/m.yaml", "m", "m.example.com");
    put_route(f, "team/r.yaml", "b.example.com", "v1");
    f->r = reloader_new(f->dir, 100, 1000);
    CHECK(f->r != NULL);
    f->current = f->r ? reloader_load_now(f->r) : NULL;
    CHECK(f->current != NULL);
}

static void inc_teardown(struct inc_fixture *f)
{
    config_unref(f->current);
    reloader_free(f->r);
    char *cmd = xasprintf("rm -rf '%s' '%s'", f->dir, f->outside);
    CHECK(system(cmd) == 0);
    free(cmd);
    log_init(LOG_INFO, LOG_TEXT);
}

/* Rename from to to (both relative to the directory unless absolute). */
static void inc_rename(const struct inc_fixture *f, const char *from, const char *to)
{
    char *a = from[0] == '/' ? xstrdup(from) : inc_path(f, from);
    char *b = to[0] == '/' ? xstrdup(to) : inc_path(f, to);
    CHECK(rename(a, b) == 0);
    free(a), free(b);
}

static void inc_unlink(const struct inc_fixture *f, const char *name)
{
    char *p = inc_path(f, name);
    CHECK(unlink(p) == 0);
    free(p);
}

TEST(reload_incremental_agrees_with_a_fresh_load)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r)
        return;
    uint64_t partial = reloader_partial_count(f.r);

    put_service(&f, "b.yaml", "b", "b2.example.com"); /* modify */
    put_route(&f, "team/r.yaml", "b2.example.com", "v1");
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(scan_service(f.current, "b2.example.com") != NULL);

    put_service(&f, "a.yaml", "a", "a.example.com"); /* create: sorts first */
    put_service(&f, "team/z.yaml", "z", "z.example.com");
    CHECK_INT(settle_and_compare(&f), 1);

    inc_unlink(&f, "d.yml"); /* delete */
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(scan_service(f.current, "d.example.com") == NULL);

    char *out = xasprintf("%s/c.yaml", f.outside); /* rename in */
    put_service(&f, out, "c", "c.example.com");
    inc_rename(&f, out, "team/c.yaml");
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(scan_service(f.current, "c.example.com") != NULL);

    inc_rename(&f, "team/m.yaml", out); /* rename out */
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(scan_service(f.current, "m.example.com") == NULL);

    inc_rename(&f, "team/z.yaml", "y.yaml"); /* rename within: same resources */
    CHECK_INT(settle_and_compare(&f), 1);

    /* an invalid edit (a cross-resource error and a parse error), then its
     * repair: the last good set stays, the errors are a fresh load's */
    put_route(&f, "team/r.yaml", "b2.example.com", "v9");
    inc_put(&f, "e.yaml", HEAD "kind: ServiceEntry\nmetadata: {name: e\n");
    CHECK_INT(settle_and_compare(&f), 0);
    CHECK(reloader_rejected(f.r));
    char *text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "subset 'v9' not found") != NULL);
    free(text);
    inc_unlink(&f, "e.yaml");
    CHECK_INT(settle_and_compare(&f), 0); /* still rejected: v9 */
    put_route(&f, "team/r.yaml", "b2.example.com", "v1");
    CHECK_INT(settle_and_compare(&f), 0); /* back to the content being served */
    CHECK(!reloader_rejected(f.r));

    /* a duplicate across files, then gone again */
    put_service(&f, "team/dup.yaml", "b", "b3.example.com");
    CHECK_INT(settle_and_compare(&f), 0);
    CHECK(reloader_rejected(f.r));
    inc_unlink(&f, "team/dup.yaml");
    CHECK_INT(settle_and_compare(&f), 0); /* the same content as the good set */
    CHECK(!reloader_rejected(f.r));

    /* same bytes rewritten, other files and hidden ones: nothing new */
    put_service(&f, "a.yaml", "a", "a.example.com");
    inc_put(&f, "notes.txt", "not yaml");
    inc_put(&f, ".a.yaml.swp", "junk");
    CHECK_INT(settle_and_compare(&f), 0);

    /* every one of those read only the files inotify named */
    CHECK_INT(reloader_partial_count(f.r) - partial, 12);
    free(out);
    inc_teardown(&f);
}

TEST(reload_incremental_unreadable_file_and_its_repair)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r || geteuid() == 0) { /* root reads anything */
        if (f.r)
            inc_teardown(&f);
        return;
    }
    char *b = inc_path(&f, "b.yaml");
    CHECK(chmod(b, 0) == 0);
    CHECK_INT(settle_and_compare(&f), 0);
    CHECK(reloader_rejected(f.r));
    put_service(&f, "d.yml", "d", "d2.example.com"); /* another edit: still an error */
    CHECK_INT(settle_and_compare(&f), 0);
    CHECK(chmod(b, 0644) == 0);
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(scan_service(f.current, "d2.example.com") != NULL);
    free(b);
    inc_teardown(&f);
}

TEST(reload_incremental_falls_back_to_a_full_reload)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r)
        return;
    uint64_t partial = reloader_partial_count(f.r);

    char *sub = inc_path(&f, "new"); /* a new directory with a file */
    CHECK(mkdir(sub, 0755) == 0);
    put_service(&f, "new/n.yaml", "n", "n.example.com");
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(scan_service(f.current, "n.example.com") != NULL);

    /* a link: its target can change without an event in the tree, so
     * from now on every reload is a full one */
    char *target = xasprintf("%s/l.yaml", f.outside);
    put_service(&f, target, "l", "l.example.com");
    char *link = inc_path(&f, "l.yaml");
    CHECK(symlink(target, link) == 0);
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(scan_service(f.current, "l.example.com") != NULL);
    put_service(&f, target, "l", "l2.example.com"); /* not seen by inotify */
    put_service(&f, "b.yaml", "b", "b4.example.com");
    put_route(&f, "team/r.yaml", "b4.example.com", "v1");
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(scan_service(f.current, "l2.example.com") != NULL);

    /* the directory removed (and its files with it) */
    CHECK(unlink(link) == 0);
    inc_unlink(&f, "new/n.yaml");
    CHECK(rmdir(sub) == 0);
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(scan_service(f.current, "n.example.com") == NULL);
    CHECK(reloader_partial_count(f.r) == partial); /* none of these was partial */

    put_service(&f, "b.yaml", "b", "b5.example.com"); /* no link left: partial again */
    put_route(&f, "team/r.yaml", "b5.example.com", "v1");
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(reloader_partial_count(f.r) == partial + 1);
    free(sub), free(target), free(link);
    inc_teardown(&f);
}

/* A VirtualService in a file that does not change, checked again because
 * what it refers to changed in another file: its subset, its host (by a
 * short name), its Gateway; and two VirtualServices competing for a host. */
TEST(reload_incremental_rechecks_what_an_unchanged_file_refers_to)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r)
        return;
    uint64_t partial = reloader_partial_count(f.r);
    char *text;
    inc_put(&f, "team/gw.yaml",
            HEAD "kind: Gateway\nmetadata: {name: egress}\n"
                 "spec:\n  selector: {istio: egressgateway}\n  servers:\n"
                 "  - port: {number: 80, name: http, protocol: HTTP}\n"
                 "    hosts: [svc.example.com]\n");
    inc_put(&f, "vs-gw.yaml",
            HEAD "kind: VirtualService\nmetadata: {name: via-gw}\n"
                 "spec:\n  hosts: [svc.example.com]\n  gateways: [egress]\n"
                 "  http:\n  - route:\n    - destination: {host: short, subset: v1}\n");
    put_service(&f, "short.yaml", "short", "short.default.svc.cluster.local");
    /* the other ways to name the Gateway */
    inc_put(&f, "vs-slash.yaml",
            HEAD "kind: VirtualService\nmetadata: {name: via-slash, namespace: x}\n"
                 "spec:\n  hosts: [svc.example.com]\n  gateways: [default/egress]\n"
                 "  http:\n  - route:\n    - destination: {host: b.example.com}\n");
    inc_put(&f, "vs-dots.yaml",
            HEAD "kind: VirtualService\nmetadata: {name: via-dots, namespace: y}\n"
                 "spec:\n  hosts: [svc.example.com]\n"
                 "  gateways: [egress.default.svc.cluster.local]\n"
                 "  http:\n  - route:\n    - destination: {host: b.example.com}\n");
    CHECK_INT(settle_and_compare(&f), 1);

    /* the subset goes away in b.yaml: team/r.yaml is now in error */
    inc_put(&f, "b.yaml",
            HEAD "kind: ServiceEntry\nmetadata: {name: b}\nspec:\n  hosts: [b.example.com]\n"
                 "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                 "---\n" HEAD "kind: DestinationRule\nmetadata: {name: b}\n"
                 "spec:\n  host: b.example.com\n  subsets: [{name: v2}]\n");
    CHECK_INT(settle_and_compare(&f), 0);
    CHECK(reloader_rejected(f.r));
    put_service(&f, "b.yaml", "b", "b.example.com");
    CHECK_INT(settle_and_compare(&f), 0);
    CHECK(!reloader_rejected(f.r));

    /* the short host's ServiceEntry and DestinationRule change name */
    put_service(&f, "short.yaml", "short", "short.other.svc.cluster.local");
    CHECK_INT(settle_and_compare(&f), 0);
    CHECK(reloader_rejected(f.r));
    put_service(&f, "short.yaml", "short", "short.default.svc.cluster.local");
    CHECK_INT(settle_and_compare(&f), 0);

    /* the Gateway stops exposing the host (a warning), then goes away */
    inc_put(&f, "team/gw.yaml",
            HEAD "kind: Gateway\nmetadata: {name: egress}\n"
                 "spec:\n  selector: {istio: egressgateway}\n  servers:\n"
                 "  - port: {number: 80, name: http, protocol: HTTP}\n"
                 "    hosts: [other.example.com]\n");
    CHECK_INT(settle_and_compare(&f), 1);
    inc_unlink(&f, "team/gw.yaml");
    CHECK_INT(settle_and_compare(&f), 0);
    CHECK(reloader_rejected(f.r));
    text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "via-slash: Gateway default/egress not found") != NULL);
    CHECK(strstr(text, "via-dots: Gateway default/egress not found") != NULL);
    free(text);

    /* a second VirtualService for b.example.com on the mesh, sorting before
     * the one in team/r.yaml: that one is now ignored (a warning on it) */
    inc_put(&f, "team/gw.yaml",
            HEAD "kind: Gateway\nmetadata: {name: egress}\n"
                 "spec:\n  selector: {istio: egressgateway}\n  servers:\n"
                 "  - port: {number: 80, name: http, protocol: HTTP}\n"
                 "    hosts: [svc.example.com]\n");
    inc_put(&f, "first.yaml",
            HEAD "kind: VirtualService\nmetadata: {name: a-first}\n"
                 "spec:\n  hosts: [b.example.com]\n"
                 "  http:\n  - route:\n    - destination: {host: b.example.com}\n");
    CHECK_INT(settle_and_compare(&f), 1);
    text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "IST0109") != NULL);
    free(text);
    inc_unlink(&f, "first.yaml");
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK_INT(reloader_partial_count(f.r) - partial, 9);
    inc_teardown(&f);
}

static void put_dr(const struct inc_fixture *f, const char *file, const char *ns, const char *host,
                   const char *export_to)
{
    char *y = xasprintf(HEAD "kind: DestinationRule\nmetadata: {name: dr, namespace: %s}\n"
                             "spec:\n  host: '%s'\n  exportTo: [%s]\n  subsets: [{name: s-%s}]\n",
                        ns, host, export_to, ns);
    inc_put(f, file, y);
    free(y);
}

static void put_se_ns(const struct inc_fixture *f, const char *file, const char *ns, int port)
{
    char *y = xasprintf(HEAD "kind: ServiceEntry\nmetadata: {name: h, namespace: %s}\n"
                             "spec:\n  hosts: [h.example.com]\n"
                             "  ports: [{number: %d, name: http, protocol: HTTP}]\n",
                        ns, port);
    inc_put(f, file, y);
    free(y);
}

/* Which DestinationRule and ServiceEntry a VirtualService from an unchanged
 * file is checked against (the messages name them), as rules for its host
 * come and go in several namespaces. */
TEST(reload_incremental_picks_the_rule_a_fresh_load_picks)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r)
        return;
    inc_put(&f, "vs.yaml",
            HEAD "kind: VirtualService\nmetadata: {name: v, namespace: app}\n"
                 "spec:\n  hosts: [h.example.com]\n  http:\n  - route:\n"
                 "    - destination: {host: h.example.com, subset: none, port: {number: 9}}\n");
    put_se_ns(&f, "se-b.yaml", "b", 80);
    put_se_ns(&f, "se-c.yaml", "c", 81);
    put_dr(&f, "dr-b.yaml", "b", "h.example.com", "'*'");
    put_dr(&f, "dr-c.yaml", "c", "h.example.com", "'*'");
    put_dr(&f, "dr-w.yaml", "d", "*.example.com", "'*'");
    CHECK_INT(settle_and_compare(&f), 0);
    char *text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "DestinationRule b/dr") != NULL);
    CHECK(strstr(text, "ServiceEntry b/h") != NULL);
    free(text);

    put_dr(&f, "dr-b.yaml", "b", "h.example.com", "'.'"); /* b's rule no longer visible */
    put_se_ns(&f, "se-a.yaml", "a", 82);                  /* an SE sorting first */
    CHECK_INT(settle_and_compare(&f), 0);
    inc_unlink(&f, "dr-c.yaml"); /* only the wildcard rule is left */
    CHECK_INT(settle_and_compare(&f), 0);
    put_dr(&f, "dr-app.yaml", "app", "h.example.com", "'.'"); /* the VS's own namespace */
    put_dr(&f, "dr-a.yaml", "a", "h.example.com", "'*'");
    CHECK_INT(settle_and_compare(&f), 0);
    text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "DestinationRule app/dr") != NULL);
    CHECK(strstr(text, "ServiceEntry a/h") != NULL);
    free(text);
    inc_unlink(&f, "dr-app.yaml");
    CHECK_INT(settle_and_compare(&f), 0);

    /* valid now: the set, as rules for its host come and go */
    inc_put(&f, "vs.yaml",
            HEAD "kind: VirtualService\nmetadata: {name: v, namespace: app}\n"
                 "spec:\n  hosts: [h.example.com]\n  http:\n  - route:\n"
                 "    - destination: {host: h.example.com, port: {number: 82}}\n");
    CHECK_INT(settle_and_compare(&f), 1);
    put_se_ns(&f, "se-0.yaml", "0", 82); /* sorts first */
    put_dr(&f, "dr-app.yaml", "app", "h.example.com", "'.'");
    CHECK_INT(settle_and_compare(&f), 1);
    inc_unlink(&f, "se-b.yaml");
    put_dr(&f, "dr-w2.yaml", "e", "*.com", "'*'");
    CHECK_INT(settle_and_compare(&f), 1);
    inc_unlink(&f, "se-0.yaml");
    inc_unlink(&f, "dr-a.yaml");
    CHECK_INT(settle_and_compare(&f), 1);
    inc_teardown(&f);
}

/* Many files changed at once: the reload still reads only them, but checks
 * and sorts everything as a full one does. */
TEST(reload_incremental_many_files_at_once)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r)
        return;
    uint64_t partial = reloader_partial_count(f.r);
    char name[64], host[64];
    for (int i = 0; i < 80; i++) {
        snprintf(name, sizeof(name), "team/m%02d.yaml", i);
        snprintf(host, sizeof(host), "m%02d.example.com", i);
        put_service(&f, name, name + 5, host);
    }
    CHECK_INT(settle_and_compare(&f), 1);
    for (int i = 0; i < 80; i++) {
        snprintf(name, sizeof(name), "team/m%02d.yaml", i);
        snprintf(host, sizeof(host), "m%02d.example.com", i);
        put_service(&f, name, i % 2 ? "odd" : host, host); /* duplicates, then fixed */
    }
    CHECK_INT(settle_and_compare(&f), 0);
    CHECK(reloader_rejected(f.r));
    for (int i = 0; i < 80; i++) {
        snprintf(name, sizeof(name), "team/m%02d.yaml", i);
        snprintf(host, sizeof(host), "m%02d.example.com", i);
        char res[16];
        snprintf(res, sizeof(res), "m%02d", i);
        put_service(&f, name, res, host);
    }
    CHECK_INT(settle_and_compare(&f), 1);
    put_service(&f, "team/m07.yaml", "m07", "m07b.example.com"); /* and one again */
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK(scan_service(f.current, "m07b.example.com") != NULL);
    CHECK_INT(reloader_partial_count(f.r) - partial, 4);
    inc_teardown(&f);
}

/* The same file edited again and again, its resources keeping their names
 * and places: each set is made from the one before (or takes over the
 * arrays of the one before that, once nobody holds it), and every one is
 * what a fresh load makes, whether or not an older set is still held. */
TEST(reload_incremental_one_file_edited_again_and_again)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r)
        return;
    put_se_ns(&f, "se-x.yaml", "x", 80);
    put_se_ns(&f, "se-y.yaml", "y", 80);
    CHECK_INT(settle_and_compare(&f), 1);
    struct config_set *kept = NULL;
    for (int i = 1; i <= 8; i++) {
        put_se_ns(&f, "se-x.yaml", "x", 80 + i);
        if (i % 3 == 0)
            put_se_ns(&f, "se-y.yaml", "y", 90 + i);
        CHECK_INT(settle_and_compare(&f), 1);
        if (i == 3)
            kept = config_ref(f.current);
        if (i == 6) {
            config_unref(kept);
            kept = NULL;
        }
    }
    size_t n;
    const struct service_entry *se = config_service_entries(f.current, &n);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(se[i].meta.namespace, "x") == 0 && se[i].n_ports == 1)
            found = se[i].ports[0].number == 88;
    CHECK(found);
    inc_teardown(&f);
}

static void put_vs_host(const struct inc_fixture *f, int i, int host)
{
    char *file = xasprintf("vs-%02d.yaml", i);
    char *y = xasprintf(HEAD "kind: VirtualService\nmetadata: {name: v%02d, namespace: n%d}\n"
                             "spec:\n  hosts: [h%d.example.com, h%d.example.com]\n"
                             "  http:\n  - route:\n    - destination: {host: b.example.com}\n",
                        i, i % 4, host, host + 1);
    inc_put(f, file, y);
    free(y);
    free(file);
}

/* Many VirtualServices competing for hosts on the mesh, edited and removed
 * in an order that takes groups apart and brings them together: the
 * warnings (IST0109) are those of a fresh load every time. */
TEST(reload_incremental_conflicts_come_and_go)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r)
        return;
    for (int i = 0; i < 120; i++)
        put_vs_host(&f, i, i % 97);
    CHECK_INT(settle_and_compare(&f), 1);
    char *text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "IST0109") != NULL);
    free(text);
    for (int round = 0; round < 6; round++) {
        for (int i = round; i < 120; i += 5)
            put_vs_host(&f, i, (i * (round + 3)) % 151);
        CHECK_INT(settle_and_compare(&f), 1);
    }
    for (int i = 119; i >= 0; i -= 9) {
        char *name = xasprintf("vs-%02d.yaml", (i * 7) % 120);
        inc_unlink(&f, name);
        free(name);
        CHECK_INT(settle_and_compare(&f), 1);
    }
    inc_teardown(&f);
}

/* A directory of a few hundred files, held in runs that loads share when
 * none of their files changed: edits in the middle, files added before the
 * first, between runs and after the last, runs emptied, findings (a warning,
 * then a parse error) in files that do not change while others do. */
TEST(reload_incremental_many_files_in_runs)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r)
        return;
    uint64_t partial = reloader_partial_count(f.r);
    char name[64], host[64];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "s%03d.yaml", i * 2);
        snprintf(host, sizeof(host), "s%03d.example.com", i * 2);
        put_service(&f, name, name, host);
    }
    inc_put(&f, "s101.yaml", /* a warning: no ports */
            HEAD
            "kind: ServiceEntry\nmetadata: {name: noports}\nspec:\n  hosts: [np.example.com]\n");
    CHECK_INT(settle_and_compare(&f), 1);
    static const int edits[] = {300, 0, 598, 127, 128, 129, 64, 63};
    for (size_t e = 0; e < ARRAY_LEN(edits); e++) {
        snprintf(name, sizeof(name), "s%03d.yaml", edits[e]);
        snprintf(host, sizeof(host), "e%zu.example.com", e);
        put_service(&f, name, name, host); /* odd ones are new files */
        CHECK_INT(settle_and_compare(&f), 1);
    }
    put_service(&f, "a.yaml", "first", "first.example.com"); /* before every file */
    put_service(&f, "z.yaml", "last", "last.example.com");   /* after every file */
    CHECK_INT(settle_and_compare(&f), 1);
    for (int i = 100; i < 160; i++) { /* a run emptied, in two loads */
        snprintf(name, sizeof(name), "s%03d.yaml", i * 2);
        inc_unlink(&f, name);
        if (i == 130)
            CHECK_INT(settle_and_compare(&f), 1);
    }
    CHECK_INT(settle_and_compare(&f), 1);
    inc_put(&f, "s400.yaml", HEAD "kind: ServiceEntry\nmetadata: {name: broken\n");
    CHECK_INT(settle_and_compare(&f), 0);
    put_service(&f, "s500.yaml", "s500", "s500b.example.com"); /* the error stays */
    CHECK_INT(settle_and_compare(&f), 0);
    put_service(&f, "s400.yaml", "s400", "s400.example.com");
    CHECK_INT(settle_and_compare(&f), 1);
    put_service(&f, "s500.yaml", "s500", "s500c.example.com");
    CHECK_INT(settle_and_compare(&f), 1);
    CHECK_INT(reloader_partial_count(f.r) - partial, 16);
    inc_teardown(&f);
}

/* A "did you mean" names the closest of every host or Gateway, not only
 * those the VirtualService looks up: a reload of other files that adds or
 * removes a close name changes the finding of a VirtualService in a file
 * that did not change, as a fresh load would. */
TEST(reload_incremental_did_you_mean_follows_every_name)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r)
        return;
    uint64_t partial = reloader_partial_count(f.r);
    inc_put(&f, "team/t.yaml",
            HEAD "kind: VirtualService\nmetadata: {name: typo}\n"
                 "spec:\n  hosts: [t.example.com]\n  gateways: [egress-gatway]\n"
                 "  http:\n  - route:\n    - destination: {host: q.example.co}\n");
    CHECK_INT(settle_and_compare(&f), 0); /* the Gateway is missing */
    char *text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "did you mean") == NULL);
    free(text);

    put_service(&f, "q.yaml", "q", "q.example.com"); /* a close host appears */
    inc_put(&f, "g.yaml",
            HEAD "kind: Gateway\nmetadata: {name: egress-gateway}\n"
                 "spec:\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n"
                 "    hosts: ['*']\n");
    CHECK_INT(settle_and_compare(&f), 0);
    text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "did you mean 'q.example.com'?") != NULL);
    CHECK(strstr(text, "did you mean 'egress-gateway'?") != NULL);
    free(text);

    inc_unlink(&f, "q.yaml"); /* and goes */
    inc_rename(&f, "g.yaml", "h.yaml");
    CHECK_INT(settle_and_compare(&f), 0);
    put_service(&f, "b.yaml", "b", "q.example.cm"); /* another file holds the closest now */
    CHECK_INT(settle_and_compare(&f), 0);
    text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "did you mean 'q.example.cm'?") != NULL);
    free(text);
    CHECK(reloader_partial_count(f.r) > partial);
    inc_teardown(&f);
}

static void put_gateway_service(const struct inc_fixture *f, const char *file, const char *name,
                                const char *labels)
{
    char *y = xasprintf(HEAD "kind: ServiceEntry\nmetadata: {name: %s, namespace: istio-system}\n"
                             "spec:\n  hosts: [egw.istio-system.svc.cluster.local]\n"
                             "  location: MESH_INTERNAL\n  resolution: STATIC\n"
                             "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                             "  endpoints: [{address: 10.0.0.9, labels: {%s}}]\n",
                        name, labels);
    inc_put(f, file, y);
    free(y);
}

/* A Gateway's selector is matched by the endpoints of every ServiceEntry:
 * edits of those files alone bring the IST0101 warning and take it away. */
TEST(reload_incremental_gateway_selector_follows_the_endpoints)
{
    struct inc_fixture f;
    inc_setup(&f);
    if (!f.r)
        return;
    uint64_t partial = reloader_partial_count(f.r);
    inc_put(&f, "gw.yaml",
            HEAD "kind: Gateway\nmetadata: {name: egw}\n"
                 "spec:\n  selector: {istio: egressgateway}\n  servers:\n"
                 "  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ['*']\n");
    put_gateway_service(&f, "s.yaml", "egw", "istio: egressgateway, app: egw");
    CHECK_INT(settle_and_compare(&f), 1);
    char *text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "IST0101") == NULL);
    free(text);

    put_gateway_service(&f, "s.yaml", "egw", "istio: egresgateway"); /* a typo */
    CHECK_INT(settle_and_compare(&f), 1);
    text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "gw.yaml:5:13: warning: Gateway default/egw: referenced selector not "
                       "found: \"istio=egressgateway\"") != NULL);
    free(text);

    put_gateway_service(&f, "s2.yaml", "egw2", "istio: egressgateway"); /* fixed elsewhere */
    CHECK_INT(settle_and_compare(&f), 1);
    inc_unlink(&f, "s.yaml");
    CHECK_INT(settle_and_compare(&f), 1);
    inc_unlink(&f, "s2.yaml"); /* the last one goes */
    CHECK_INT(settle_and_compare(&f), 1);
    text = diags_of(reloader_diags(f.r));
    CHECK(strstr(text, "IST0101") != NULL);
    free(text);
    CHECK(reloader_partial_count(f.r) >= partial + 4);
    inc_teardown(&f);
}
