/* t_reload.c - the watcher on a real directory: each file operation a user,
 * an editor or Kubernetes performs leads to exactly the expected reloads, and
 * an invalid edit keeps the last good set.
 *
 * inotify queues events during the system call that causes them, so the
 * tests drive the debounce with a fake clock: no sleeping, no timing. */
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

#define DEBOUNCE 100
#define MAX_DELAY 1000

struct fixture {
    char dir[64];
    char outside[64];
    struct reloader *r;
    struct config_set *current;
    int64_t clock;
};

static char *path(const struct fixture *f, const char *name)
{
    return xasprintf("%s/%s", f->dir, name);
}

static void put(const struct fixture *f, const char *name, const char *text)
{
    char *p = path(f, name);
    FILE *fp = fopen(p, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    free(p);
}

static char *se_yaml(const char *name, const char *host)
{
    return xasprintf("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
                     "metadata: {name: %s}\nspec:\n  hosts: [%s]\n"
                     "  ports: [{number: 80, name: http, protocol: HTTP}]\n",
                     name, host);
}

static void put_se(const struct fixture *f, const char *file, const char *name, const char *host)
{
    char *y = se_yaml(name, host);
    put(f, file, y);
    free(y);
}

/* Let the debounce expire (fake clock); returns how many new sets came out. */
static int settle(struct fixture *f)
{
    int n = 0;
    f->clock += 100000;
    for (int64_t t = 0; t <= MAX_DELAY + 1; t += DEBOUNCE / 2) {
        struct config_set *s = reloader_poll(f->r, f->clock + t);
        if (s) {
            n++;
            config_unref(f->current);
            f->current = s;
        }
    }
    CHECK_INT(reloader_timeout_ms(f->r, f->clock + MAX_DELAY + 1), -1);
    return n;
}

static size_t count_se(const struct fixture *f)
{
    size_t n = 0;
    if (f->current)
        config_service_entries(f->current, &n);
    return n;
}

static int has_host(const struct fixture *f, const char *host)
{
    return f->current && scan_service(f->current, host) != NULL;
}

static void setup(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    log_init(LOG_ERROR, LOG_TEXT); /* rejected reloads log; keep the output readable */
    strcpy(f->dir, "/tmp/xdsd-watch-XXXXXX");
    strcpy(f->outside, "/tmp/xdsd-out-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    CHECK(mkdtemp(f->outside) != NULL);
    put_se(f, "a.yaml", "a", "a.example.com");
    f->r = reloader_new(f->dir, DEBOUNCE, MAX_DELAY);
    CHECK(f->r != NULL);
    f->current = f->r ? reloader_load_now(f->r) : NULL;
    CHECK(f->current != NULL);
    CHECK(f->current && config_generation(f->current) == 1);
}

static void teardown(struct fixture *f)
{
    config_unref(f->current);
    reloader_free(f->r);
    char *cmd = xasprintf("rm -rf '%s' '%s'", f->dir, f->outside);
    CHECK(system(cmd) == 0);
    free(cmd);
    log_init(LOG_INFO, LOG_TEXT);
}

TEST(reload_create_write_delete)
{
    struct fixture f;
    setup(&f);
    if (!f.r)
        return;
    CHECK_INT(settle(&f), 0); /* nothing happened */

    put_se(&f, "b.yaml", "b", "b.example.com"); /* create */
    CHECK_INT(settle(&f), 1);
    CHECK(has_host(&f, "b.example.com"));
    CHECK_INT(config_generation(f.current), 2);

    for (int i = 0; i < 5; i++) /* a burst of writes is one reload */
        put_se(&f, "b.yaml", "b", i == 4 ? "b2.example.com" : "bx.example.com");
    CHECK_INT(settle(&f), 1);
    CHECK(has_host(&f, "b2.example.com"));

    put_se(&f, "b.yaml", "b", "b2.example.com"); /* same bytes again: no new set */
    CHECK_INT(settle(&f), 0);
    CHECK(!reloader_rejected(f.r));

    put(&f, "notes.txt", "not yaml"); /* other files are ignored */
    CHECK_INT(settle(&f), 0);

    char *b = path(&f, "b.yaml"); /* delete */
    unlink(b);
    free(b);
    CHECK_INT(settle(&f), 1);
    CHECK(!has_host(&f, "b2.example.com"));
    CHECK_INT(count_se(&f), 1);

    char *a = path(&f, "a.yaml"); /* delete everything: a valid, empty set */
    unlink(a);
    free(a);
    CHECK_INT(settle(&f), 1);
    CHECK_INT(count_se(&f), 0);
    CHECK_INT(reloader_count(f.r, 0), 5);
    CHECK_INT(reloader_count(f.r, 1), 0);
    teardown(&f);
}

TEST(reload_rename_in_out_and_editor_swap)
{
    struct fixture f;
    setup(&f);
    if (!f.r)
        return;
    char *inside = path(&f, "b.yaml");
    char *out = xasprintf("%s/b.yaml", f.outside);
    char *y = se_yaml("b", "b.example.com");
    FILE *fp = fopen(out, "w");
    if (fp) {
        fputs(y, fp);
        fclose(fp);
    }
    CHECK(rename(out, inside) == 0); /* rename into the directory */
    CHECK_INT(settle(&f), 1);
    CHECK(has_host(&f, "b.example.com"));
    CHECK(rename(inside, out) == 0); /* and out of it */
    CHECK_INT(settle(&f), 1);
    CHECK(!has_host(&f, "b.example.com"));

    /* an editor: write a hidden temporary, then rename it over the file */
    char *y2 = se_yaml("a", "a2.example.com");
    put(&f, ".a.yaml.swp", y2);
    char *tmp = path(&f, ".a.yaml.swp"), *a = path(&f, "a.yaml");
    CHECK(rename(tmp, a) == 0);
    CHECK_INT(settle(&f), 1);
    CHECK(has_host(&f, "a2.example.com"));
    free(y), free(y2), free(tmp), free(a), free(inside), free(out);
    teardown(&f);
}

TEST(reload_new_subdirectory)
{
    struct fixture f;
    setup(&f);
    if (!f.r)
        return;
    char *sub = path(&f, "team");
    CHECK(mkdir(sub, 0755) == 0);
    CHECK_INT(settle(&f), 0); /* an empty directory changes nothing */
    put_se(&f, "team/c.yaml", "c", "c.example.com");
    CHECK_INT(settle(&f), 1);
    CHECK(has_host(&f, "c.example.com"));
    put_se(&f, "team/c.yaml", "c", "c2.example.com"); /* the new directory is watched */
    CHECK_INT(settle(&f), 1);
    CHECK(has_host(&f, "c2.example.com"));

    /* a directory created with its files already in it (mkdir -p + cp) */
    char *deep = path(&f, "x");
    CHECK(mkdir(deep, 0755) == 0);
    char *deeper = path(&f, "x/y");
    CHECK(mkdir(deeper, 0755) == 0);
    put_se(&f, "x/y/d.yaml", "d", "d.example.com");
    CHECK_INT(settle(&f), 1);
    CHECK(has_host(&f, "d.example.com"));
    put_se(&f, "x/y/d.yaml", "d", "d2.example.com");
    CHECK_INT(settle(&f), 1);
    CHECK(has_host(&f, "d2.example.com"));
    free(sub), free(deep), free(deeper);
    teardown(&f);
}

TEST(reload_invalid_edit_keeps_last_good)
{
    struct fixture f;
    setup(&f);
    if (!f.r)
        return;
    put(&f, "a.yaml",
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
        "metadata: {name: a}\nspec:\n  hosts: [a.example.com\n"); /* half-written */
    CHECK_INT(settle(&f), 0);
    CHECK(reloader_rejected(f.r));
    CHECK_INT(reloader_count(f.r, 1), 1);
    CHECK(reloader_diags(f.r)->n_errors >= 1);
    CHECK(has_host(&f, "a.example.com")); /* the caller still holds the good set */

    put(&f, "b.yaml", "kind: Sidecar\n"); /* another bad file: still rejected */
    CHECK_INT(settle(&f), 0);
    CHECK_INT(reloader_count(f.r, 1), 2);

    char *b = path(&f, "b.yaml");
    unlink(b);
    free(b);
    put_se(&f, "a.yaml", "a", "a3.example.com"); /* the next write completes it */
    CHECK_INT(settle(&f), 1);
    CHECK(!reloader_rejected(f.r));
    CHECK(has_host(&f, "a3.example.com"));
    CHECK_INT(config_generation(f.current), 2);
    teardown(&f);
}

/* A Kubernetes ConfigMap volume: files are symlinks through "..data", which
 * is itself a symlink to a timestamped directory, swapped atomically. */
TEST(reload_configmap_symlink_swap)
{
    struct fixture f;
    memset(&f, 0, sizeof(f));
    log_init(LOG_ERROR, LOG_TEXT);
    strcpy(f.dir, "/tmp/xdsd-cm-XXXXXX");
    strcpy(f.outside, "/tmp/xdsd-out-XXXXXX");
    CHECK(mkdtemp(f.dir) != NULL);
    CHECK(mkdtemp(f.outside) != NULL);
    char *v1 = path(&f, "..2026_01"), *v2 = path(&f, "..2026_02");
    CHECK(mkdir(v1, 0755) == 0);
    put_se(&f, "..2026_01/se.yaml", "se", "v1.example.com");
    char *data = path(&f, "..data"), *file = path(&f, "se.yaml");
    CHECK(symlink("..2026_01", data) == 0);
    CHECK(symlink("..data/se.yaml", file) == 0);
    f.r = reloader_new(f.dir, DEBOUNCE, MAX_DELAY);
    CHECK(f.r != NULL);
    if (!f.r)
        return;
    f.current = reloader_load_now(f.r);
    CHECK(has_host(&f, "v1.example.com"));
    CHECK_INT(count_se(&f), 1); /* the hidden directories are not read twice */

    CHECK(mkdir(v2, 0755) == 0); /* what the kubelet does on an update */
    put_se(&f, "..2026_02/se.yaml", "se", "v2.example.com");
    char *tmp = path(&f, "..data_tmp");
    CHECK(symlink("..2026_02", tmp) == 0);
    CHECK(rename(tmp, data) == 0);
    char *old = path(&f, "..2026_01/se.yaml");
    unlink(old);
    rmdir(v1);
    CHECK_INT(settle(&f), 1);
    CHECK(has_host(&f, "v2.example.com"));
    CHECK_INT(count_se(&f), 1);
    free(v1), free(v2), free(data), free(file), free(tmp), free(old);
    teardown(&f);
}

TEST(reload_debounce_deadlines)
{
    struct fixture f;
    setup(&f);
    if (!f.r)
        return;
    int64_t t0 = 5000000;
    CHECK_INT(reloader_timeout_ms(f.r, t0), -1);
    put_se(&f, "b.yaml", "b", "b.example.com");
    CHECK(reloader_poll(f.r, t0) == NULL);
    CHECK_INT(reloader_timeout_ms(f.r, t0), DEBOUNCE);
    /* each write pushes the quiet period, but not past max_delay after the first */
    int64_t t = t0;
    for (int i = 0; i < 12; i++) {
        t += DEBOUNCE - 10;
        put_se(&f, "b.yaml", "b", i % 2 ? "b.example.com" : "c.example.com");
        struct config_set *s = reloader_poll(f.r, t);
        if (t < t0 + MAX_DELAY) {
            CHECK(s == NULL);
            int64_t left = reloader_timeout_ms(f.r, t);
            CHECK(left <= DEBOUNCE && left <= t0 + MAX_DELAY - t);
        } else {
            CHECK(s != NULL); /* the burst goes on, the reload happens anyway */
            config_unref(s);
            break;
        }
    }
    teardown(&f);
}
