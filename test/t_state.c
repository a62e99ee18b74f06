/* t_state.c - the last good configuration on disk (--state-dir), and the
 * loader's refusals that protect it: a saved set loads back identical, an
 * interrupted save is harmless, a damaged file is refused with its reason;
 * an oversized file, a directory turned into a file and a view no client
 * could receive are errors, not new configurations. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "xdsd/config.h"
#include "xdsd/reload.h"
#include "xdsd/snapshot.h"
#include "xdsd/state.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

static const char se_yaml[] = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
                              "metadata: {name: cnn, namespace: web}\nspec:\n"
                              "  hosts: [edition.cnn.com]\n"
                              "  ports: [{number: 443, name: tls, protocol: TLS}]\n"
                              "  resolution: DNS\n";
static const char dr_yaml[] = "# a comment and a blank line are kept too\n\n"
                              "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
                              "metadata: {name: cnn, namespace: web}\nspec:\n"
                              "  host: edition.cnn.com\n";

static void put(const char *dir, const char *name, const char *text, size_t len)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fwrite(text, 1, len, f);
        fclose(f);
    }
    free(p);
}

static void rm_rf(const char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# cannot remove %s\n", dir);
    free(cmd);
}

/* A configuration directory of two files, one in a sub-directory. */
static struct config_set *load_sample(char *dir)
{
    strcpy(dir, "/tmp/t_state_cfg.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return NULL;
    char *sub = xasprintf("%s/rules", dir);
    mkdir(sub, 0755);
    free(sub);
    put(dir, "se.yaml", se_yaml, strlen(se_yaml));
    put(dir, "rules/dr.yaml", dr_yaml, strlen(dr_yaml));
    struct config_diags d;
    struct config_set *s = config_load(dir, &d, NULL);
    config_diags_release(&d);
    return s;
}

static char *state_path(const char *dir)
{
    return xasprintf("%s/%s", dir, STATE_FILE);
}

TEST(state_round_trip_gives_the_same_set)
{
    char cfgdir[64], statedir[] = "/tmp/t_state_st.XXXXXX";
    struct config_set *a = load_sample(cfgdir);
    CHECK(a != NULL && mkdtemp(statedir) != NULL);
    if (a == NULL)
        return;
    size_t nsrc;
    const struct config_source *src = config_sources(a, &nsrc);
    CHECK_INT(nsrc, 2);
    CHECK_INT(src[0].len, strlen(dr_yaml)); /* in load order: sorted paths */
    CHECK_INT(state_save(statedir, a), 0);
    int64_t saved = 0;
    char *err = NULL;
    struct config_set *b = state_load(statedir, &saved, &err);
    CHECK(b != NULL);
    CHECK(saved > 0);
    if (b) {
        CHECK(config_hash(a) == config_hash(b));
        size_t na, nb;
        const struct destination_rule *da = config_destination_rules(a, &na);
        const struct destination_rule *db = config_destination_rules(b, &nb);
        CHECK_INT(nb, 1);
        CHECK_STR(db[0].meta.pos.file, da[0].meta.pos.file); /* messages name the real file */
        CHECK_INT(db[0].meta.pos.line, 3);
        config_service_entries(b, &nb);
        CHECK_INT(nb, 1);
        /* saved again, byte for byte the same sources */
        const struct config_source *sb = config_sources(b, &nb);
        CHECK_INT(nb, 2);
        CHECK(nb == 2 && sb[1].len == strlen(se_yaml) &&
              memcmp(sb[1].data, se_yaml, sb[1].len) == 0);
    }
    free(err);
    config_unref(a);
    config_unref(b);
    rm_rf(cfgdir);
    rm_rf(statedir);
}

TEST(state_leftover_temporary_file_is_ignored)
{
    char cfgdir[64], statedir[] = "/tmp/t_state_st.XXXXXX";
    struct config_set *a = load_sample(cfgdir);
    CHECK(a != NULL && mkdtemp(statedir) != NULL);
    if (a == NULL)
        return;
    CHECK_INT(state_save(statedir, a), 0);
    /* a save interrupted before its rename leaves half a file behind */
    put(statedir, "." STATE_FILE ".tmp", "xdsd-state 1\nhash 00", 20);
    char *err = NULL;
    int64_t saved;
    struct config_set *b = state_load(statedir, &saved, &err);
    CHECK(b != NULL && config_hash(b) == config_hash(a));
    config_unref(b);
    free(err);
    /* and the next save replaces it */
    CHECK_INT(state_save(statedir, a), 0);
    b = state_load(statedir, &saved, &err);
    CHECK(b != NULL);
    config_unref(b);
    config_unref(a);
    rm_rf(cfgdir);
    rm_rf(statedir);
}

TEST(state_missing_file_is_reported)
{
    char statedir[] = "/tmp/t_state_st.XXXXXX";
    CHECK(mkdtemp(statedir) != NULL);
    put(statedir, "." STATE_FILE ".tmp", "x", 1);
    char *err = NULL;
    int64_t saved;
    CHECK(state_load(statedir, &saved, &err) == NULL);
    CHECK(err != NULL && strstr(err, STATE_FILE) && strstr(err, "No such file"));
    free(err);
    rm_rf(statedir);
}

/* Damage the saved file with f and return state_load's error. */
static char *damaged(void (*f)(const char *path, size_t size))
{
    char cfgdir[64], statedir[] = "/tmp/t_state_st.XXXXXX";
    struct config_set *a = load_sample(cfgdir);
    if (a == NULL || mkdtemp(statedir) == NULL || state_save(statedir, a) != 0)
        return xstrdup("setup failed");
    char *p = state_path(statedir);
    struct stat st;
    stat(p, &st);
    f(p, (size_t)st.st_size);
    char *err = NULL;
    int64_t saved;
    struct config_set *b = state_load(statedir, &saved, &err);
    if (b != NULL) {
        free(err);
        err = NULL;
    }
    config_unref(b);
    config_unref(a);
    free(p);
    rm_rf(cfgdir);
    rm_rf(statedir);
    return err;
}

static void truncate_half(const char *path, size_t size)
{
    if (truncate(path, (off_t)(size / 2)) != 0)
        perror(path);
}

static void flip_byte(const char *path, size_t size)
{
    int fd = open(path, O_RDWR);
    char c;
    if (fd >= 0 && pread(fd, &c, 1, (off_t)(size / 2)) == 1) {
        c ^= 0x20;
        if (pwrite(fd, &c, 1, (off_t)(size / 2)) != 1)
            perror(path);
    }
    if (fd >= 0)
        close(fd);
}

static void truncate_end(const char *path, size_t size)
{
    if (truncate(path, (off_t)(size - 1)) != 0)
        perror(path);
}

TEST(state_truncated_file_is_rejected)
{
    char *err = damaged(truncate_half);
    CHECK(err != NULL && strstr(err, "truncated") && strstr(err, STATE_FILE));
    free(err);
    err = damaged(truncate_end);
    CHECK(err != NULL && strstr(err, "truncated"));
    free(err);
}

TEST(state_damaged_file_is_rejected)
{
    char *err = damaged(flip_byte);
    CHECK(err != NULL && strstr(err, "checksum mismatch"));
    free(err);
}

TEST(state_decode_rejects_other_files)
{
    struct config_source *src;
    size_t n;
    uint64_t hash;
    int64_t saved;
    char *err = NULL;
    const char *yaml = "apiVersion: v1\n";
    CHECK_INT(state_decode(yaml, strlen(yaml), &src, &n, &hash, &saved, &err), -1);
    CHECK(err != NULL && strstr(err, "not an xdsd state file"));
    free(err);
    /* a file count larger than the file holds */
    struct config_source one = {"a.yaml", "x: 1\n", 5};
    size_t len;
    char *buf = state_encode(&one, 1, 7, 1000, &len);
    CHECK_INT(state_decode(buf, len, &src, &n, &hash, &saved, &err), 0);
    CHECK(n == 1 && hash == 7 && saved == 1000 && src[0].len == 5);
    state_sources_free(src, n);
    free(buf);
    struct config_source bad = {"a\nb.yaml", "", 0};
    CHECK(state_encode(&bad, 1, 0, 0, &len) == NULL);
}

TEST(config_file_over_the_size_limit_is_an_error)
{
    char dir[] = "/tmp/t_state_big.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *p = xasprintf("%s/big.yaml", dir);
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0 && ftruncate(fd, (off_t)65 << 20) == 0); /* sparse: nothing is written */
    close(fd);
    struct config_diags d;
    CHECK(config_load(dir, &d, NULL) == NULL);
    CHECK(d.n_errors == 1 && strstr(d.items[0].message, "over the limit of 64 MiB") &&
          strstr(d.items[0].message, "68157440 bytes"));
    config_diags_release(&d);
    free(p);
    rm_rf(dir);
}

TEST(reload_of_a_directory_replaced_by_a_file_is_rejected)
{
    char dir[] = "/tmp/t_state_dir.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    put(dir, "se.yaml", se_yaml, strlen(se_yaml));
    struct reloader *r = reloader_new(dir, 0, 0);
    CHECK(r != NULL);
    if (r == NULL)
        return;
    struct config_set *s = reloader_load_now(r);
    CHECK(s != NULL);
    config_unref(s);
    rm_rf(dir);
    /* a valid YAML file where the directory was must not become the config */
    FILE *f = fopen(dir, "w");
    if (f) {
        fputs(se_yaml, f);
        fclose(f);
    }
    CHECK(reloader_load_now(r) == NULL);
    CHECK(reloader_rejected(r));
    const struct config_diags *d = reloader_diags(r);
    CHECK(d->n_errors == 1 && strstr(d->items[0].message, "no longer a directory"));
    reloader_free(r);
    unlink(dir);
}

TEST(reload_refused_at_publish_keeps_the_served_generation)
{
    char dir[] = "/tmp/t_state_ref.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    put(dir, "se.yaml", se_yaml, strlen(se_yaml));
    struct reloader *r = reloader_new(dir, 0, 0);
    if (r == NULL)
        return;
    struct config_set *s1 = reloader_load_now(r);
    CHECK(s1 && config_generation(s1) == 1);
    put(dir, "dr.yaml", dr_yaml, strlen(dr_yaml));
    struct config_set *s2 = reloader_load_now(r);
    CHECK(s2 && config_generation(s2) == 2);
    reloader_refuse(r, "too large");
    CHECK(reloader_rejected(r));
    CHECK_INT(reloader_count(r, 1), 1);
    CHECK_INT(reloader_count(r, 0), 1);
    const struct config_diags *d = reloader_diags(r);
    CHECK(d->n_errors == 1 && strcmp(d->items[d->n - 1].message, "too large") == 0);
    /* the next good content gets generation 2: the refused one was never served */
    char *p = xasprintf("%s/dr.yaml", dir);
    unlink(p);
    free(p);
    put(dir, "se2.yaml", dr_yaml, strlen(dr_yaml));
    struct config_set *s3 = reloader_load_now(r);
    CHECK(s3 && config_generation(s3) == 2);
    config_unref(s1);
    config_unref(s2);
    config_unref(s3);
    reloader_free(r);
    rm_rf(dir);
}

TEST(view_over_the_client_message_limit_is_refused)
{
    const size_t limit = XDS_GRPC_MAX_RESPONSE_BYTES;
    struct xds_view *v = xds_view_new();
    size_t big = limit - 1000;
    xds_view_add(v, XDS_CLUSTER, "a", xcalloc(1, big), big);
    xds_view_add(v, XDS_ROUTE, "r", xcalloc(1, 100), 100);
    CHECK_INT(xds_view_finish(v, NULL), 0);
    char *err = NULL;
    CHECK_INT(xds_view_check_size(v, limit, 0, &err), 0);
    xds_view_add(v, XDS_CLUSTER, "b", xcalloc(1, 2000), 2000);
    CHECK_INT(xds_view_finish(v, NULL), 0);
    CHECK_INT(xds_view_check_size(v, limit, 0, &err), -1);
    CHECK(err != NULL && strstr(err, "cds response") && strstr(err, "4194304-byte"));
    free(err);
    err = NULL;
    /* asked for by name, each Cluster travels alone: both fit */
    CHECK_INT(xds_view_check_size(v, limit, 1, &err), 0);
    xds_view_add(v, XDS_CLUSTER, "c", xcalloc(1, limit), limit);
    CHECK_INT(xds_view_finish(v, NULL), 0);
    CHECK_INT(xds_view_check_size(v, limit, 1, &err), -1);
    CHECK(err != NULL && strstr(err, "cds response with c alone"));
    free(err);
    xds_view_free(v);
}

/* A sidecar's Clusters for n hosts, as one ServiceEntry. */
static struct config_set *many_hosts(size_t n)
{
    size_t cap = 64 * n + 512, len = 0;
    char *y = xmalloc(cap);
    len += (size_t)snprintf(y + len, cap - len,
                            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
                            "metadata: {name: many}\nspec:\n  resolution: DNS\n"
                            "  ports: [{number: 443, name: tls, protocol: TLS}]\n  hosts:\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(y + len, cap - len, "  - h%zu.example-external-service.com\n", i);
    struct config_diags d;
    struct config_set *s = config_parse("many.yaml", y, len, &d);
    config_diags_release(&d);
    free(y);
    return s;
}

/* 20,000 hosts make a 7.6 MB Cluster response for a sidecar: within an
 * Envoy's default limit (64 MiB), over a limit of 4 MiB; the proxyless gRPC
 * client asks for Clusters by name, so none is too large for it. */
TEST(publish_probe_refuses_a_configuration_over_the_limit)
{
    struct config_set *small = many_hosts(10), *big = many_hosts(20000);
    CHECK(small != NULL && big != NULL);
    if (small == NULL || big == NULL)
        return;
    struct translate_options strict = {.outbound_policy = OUTBOUND_ALLOW_ANY,
                                       .mesh_certs = "/etc/certs",
                                       .trust_domain = "cluster.local",
                                       .max_response_bytes = 4u << 20};
    struct {
        struct config_set *set;
        const struct translate_options *o;
        int refused;
    } cases[] = {{small, &strict, 0}, {big, NULL, 0}, {big, &strict, 1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct snapshot *snap = translate_snapshot(cases[i].set, 1, cases[i].o);
        size_t n;
        struct proxy_identity *probes = translate_probe_proxies(cases[i].set, &n);
        CHECK(n >= 2); /* a sidecar in default, a proxyless gRPC client */
        char *err = NULL;
        int rc = snapshot_prepare(snap, NULL, probes, n, &err);
        if (!cases[i].refused)
            CHECK(rc == 0 && err == NULL);
        else
            CHECK(rc == -1 && err && strstr(err, "proxy class sidecar") &&
                  strstr(err, "a cds response with its 20002 resources") &&
                  strstr(err, "over the 4194304-byte message limit"));
        free(err);
        translate_probe_proxies_free(probes, n);
        snapshot_unref(snap);
    }
    config_unref(small);
    config_unref(big);
}

TEST(reload_waits_for_a_missing_or_deleted_directory)
{
    char dir[] = "/tmp/t_state_gone.XXXXXX";
    CHECK(mkdtemp(dir) != NULL && rmdir(dir) == 0);
    struct reloader *r = reloader_new(dir, 0, 0);
    CHECK(r != NULL);
    if (r == NULL)
        return;
    CHECK(reloader_load_now(r) == NULL);
    const struct config_diags *d = reloader_diags(r);
    CHECK(d->n_errors == 1 && strstr(d->items[0].message, "No such file"));
    int64_t t = 1000000;
    int64_t wait = reloader_timeout_ms(r, t);
    CHECK(wait >= 0 && wait <= 1000); /* polled for: inotify cannot see it appear */
    CHECK(mkdir(dir, 0755) == 0);
    put(dir, "se.yaml", se_yaml, strlen(se_yaml));
    struct config_set *s = reloader_poll(r, t + 1000);
    CHECK(s != NULL && !reloader_rejected(r));
    config_unref(s);
    CHECK_INT(reloader_timeout_ms(r, t + 1000), -1); /* watched again: no polling */

    rm_rf(dir);
    CHECK(reloader_poll(r, t + 1500) == NULL);
    CHECK(reloader_rejected(r));
    CHECK(mkdir(dir, 0755) == 0);
    put(dir, "dr.yaml", dr_yaml, strlen(dr_yaml));
    s = reloader_poll(r, t + 3000);
    CHECK(s != NULL);
    if (s) {
        size_t n;
        config_destination_rules(s, &n);
        CHECK_INT(n, 1);
    }
    config_unref(s);
    reloader_free(r);
    rm_rf(dir);
}
