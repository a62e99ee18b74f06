/* t_config_mem_changed.c - named buffers loaded with the names that changed
 * (the etcd source's watch batches, config_mem_load_changed): over a chain
 * of edits each load takes only the changed buffers and gives what a load
 * of every buffer from scratch gives: the set, its content id, the
 * findings with their positions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/config/build.h"
#include "unit.h"
#include "xdsd/config.h"
#include "xdsd/config_mem.h"
#include "xdsd/util.h"

#define HEAD "apiVersion: networking.istio.io/v1beta1\n"
#define NS "etcd:/x/default/"
static const char *const dr_yaml = HEAD "kind: DestinationRule\nmetadata: {name: ext}\n"
                                        "spec:\n  host: ext.example.com\n  subsets:\n"
                                        "  - {name: v1}\n";
static const char *const gw_yaml =
    HEAD "kind: Gateway\nmetadata: {name: egress}\n"
         "spec:\n  selector: {istio: egressgateway}\n  servers:\n"
         "  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [ext.example.com]\n";
/* a warning: two ports and no destination port */
static const char *const vs_yaml =
    HEAD "kind: VirtualService\nmetadata: {name: ext}\n"
         "spec:\n  hosts: [ext.example.com]\n  gateways: [egress, mesh]\n"
         "  http:\n  - route:\n    - destination: {host: ext.example.com, subset: v1}\n";
/* names a subset no DestinationRule has */
static const char *const vs_subset_yaml =
    HEAD "kind: VirtualService\nmetadata: {name: ext}\n"
         "spec:\n  hosts: [ext.example.com]\n  gateways: [egress, mesh]\n"
         "  http:\n  - route:\n    - destination: {host: ext.example.com, subset: v9}\n";
static const char *const vs_broken_yaml = HEAD "kind: VirtualService\nmetadata: {name: [\n";

/* The store: sorted keys and their values, as the etcd source holds them. */
struct store {
    char *name[400];
    char *value[400];
    size_t n;
};

static size_t store_at(const struct store *s, const char *name, int *found)
{
    size_t i = 0;
    while (i < s->n && strcmp(s->name[i], name) < 0)
        i++;
    *found = i < s->n && strcmp(s->name[i], name) == 0;
    return i;
}

static void store_put(struct store *s, const char *name, const char *value)
{
    int found;
    size_t i = store_at(s, name, &found);
    if (found) {
        free(s->value[i]);
    } else {
        memmove(&s->name[i + 1], &s->name[i], (s->n - i) * sizeof(char *));
        memmove(&s->value[i + 1], &s->value[i], (s->n - i) * sizeof(char *));
        s->n++;
        s->name[i] = xstrdup(name);
    }
    s->value[i] = xstrdup(value);
}

static void store_del(struct store *s, const char *name)
{
    int found;
    size_t i = store_at(s, name, &found);
    if (!found)
        return;
    free(s->name[i]);
    free(s->value[i]);
    memmove(&s->name[i], &s->name[i + 1], (s->n - i - 1) * sizeof(char *));
    memmove(&s->value[i], &s->value[i + 1], (s->n - i - 1) * sizeof(char *));
    s->n--;
}

static void store_free(struct store *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->name[i]);
        free(s->value[i]);
    }
}

static char *service(int i, int port)
{
    return xasprintf(HEAD "kind: ServiceEntry\nmetadata: {name: s%03d}\n"
                          "spec:\n  hosts: [s%03d.example.com]\n"
                          "  ports: [{number: %d, name: http, protocol: HTTP}]\n"
                          "  resolution: DNS\n",
                     i, i, port);
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

/* Load the store through m, naming the changed keys (NULL: all), and from
 * scratch: the same in every respect. Returns the findings' text. */
static char *load_both(struct config_mem *m, const struct store *st, const char *const *changed,
                       size_t n_changed)
{
    struct config_source *src = xcalloc(st->n + 1, sizeof(*src));
    for (size_t i = 0; i < st->n; i++)
        src[i] = (struct config_source){st->name[i], st->value[i], strlen(st->value[i])};
    struct config_diags dp, df;
    struct config_set *p = config_mem_load_changed(m, src, st->n, changed, n_changed, &dp);
    CHECK(config_mem_partial(m) == (changed != NULL));
    struct config_set *f = config_parse_sources(src, st->n, &df);
    char *tp = diags_text(&dp), *tf = diags_text(&df);
    CHECK_STR(tp, tf);
    CHECK((p == NULL) == (f == NULL));
    if (p && f) {
        CHECK(config_hash(p) == config_hash(f));
        CHECK(p->content_id == f->content_id);
        size_t a, b;
        config_service_entries(p, &a), config_service_entries(f, &b);
        CHECK_INT(a, b);
        const struct virtual_service *vp = config_virtual_services(p, &a);
        const struct virtual_service *vf = config_virtual_services(f, &b);
        CHECK_INT(a, b);
        for (size_t i = 0; i < a && i < b; i++)
            CHECK_STR(vp[i].meta.name, vf[i].meta.name);
        config_destination_rules(p, &a), config_destination_rules(f, &b);
        CHECK_INT(a, b);
        config_gateways(p, &a), config_gateways(f, &b);
        CHECK_INT(a, b);
    }
    config_unref(p);
    config_unref(f);
    config_diags_release(&dp);
    config_diags_release(&df);
    free(src);
    free(tf);
    return tp;
}

/* One batch: the changed names go to the loader, which must agree with a
 * load from scratch; *valid: whether the set was made. */
static char *batch(struct config_mem *m, const struct store *st, const char *const *changed,
                   size_t n, int *valid)
{
    char *t = load_both(m, st, changed, n);
    *valid = strstr(t, "errors=0 ") != NULL;
    return t;
}

TEST(config_mem_load_changed_equals_a_full_load_over_a_chain_of_edits)
{
    struct store st = {0};
    struct config_mem *m = config_mem_new();
    /* enough keys for several runs of files, the Istio ones among them */
    for (int i = 0; i < 300; i++) {
        char *name = xasprintf(NS "ServiceEntry/s%03d", i), *v = service(i, 80);
        store_put(&st, name, v);
        free(name);
        free(v);
    }
    store_put(&st, NS "ServiceEntry/ext",
              HEAD "kind: ServiceEntry\nmetadata: {name: ext}\nspec:\n"
                   "  hosts: [ext.example.com]\n  ports:\n"
                   "  - {number: 80, name: http, protocol: HTTP}\n"
                   "  - {number: 443, name: https, protocol: HTTPS}\n  resolution: DNS\n");
    store_put(&st, NS "DestinationRule/ext", dr_yaml);
    store_put(&st, NS "Gateway/egress", gw_yaml);
    store_put(&st, NS "VirtualService/ext", vs_yaml);
    int valid;
    char *t = batch(m, &st, NULL, 0, &valid); /* the listing */
    CHECK(valid);
    CHECK(strstr(t, "give destination.port") != NULL); /* the warning, at its place */
    free(t);

    /* a new key, then a change of it */
    char *v = service(999, 80);
    store_put(&st, NS "ServiceEntry/zz-new", v);
    free(v);
    const char *k_new[] = {NS "ServiceEntry/zz-new"};
    free(batch(m, &st, k_new, 1, &valid));
    CHECK(valid);
    v = service(999, 81);
    store_put(&st, NS "ServiceEntry/zz-new", v);
    free(v);
    free(batch(m, &st, k_new, 1, &valid));
    CHECK(valid);

    /* the Gateway a VirtualService names is deleted, then put back */
    store_del(&st, NS "Gateway/egress");
    const char *k_gw[] = {NS "Gateway/egress"};
    t = batch(m, &st, k_gw, 1, &valid);
    CHECK(strstr(t, "egress") != NULL); /* the VirtualService names a missing gateway */
    free(t);
    store_put(&st, NS "Gateway/egress", gw_yaml);
    free(batch(m, &st, k_gw, 1, &valid));
    CHECK(valid);

    /* an invalid value (with its key and position), then its fix */
    store_put(&st, NS "VirtualService/ext", vs_broken_yaml);
    const char *k_vs[] = {NS "VirtualService/ext"};
    t = batch(m, &st, k_vs, 1, &valid);
    CHECK(!valid);
    CHECK(strstr(t, NS "VirtualService/ext:") != NULL);
    free(t);
    store_put(&st, NS "VirtualService/ext", vs_yaml);
    free(batch(m, &st, k_vs, 1, &valid));
    CHECK(valid);

    /* a cross-reference that breaks (no such subset) and heals from the
     * other side: the DestinationRule gains the subset */
    store_put(&st, NS "VirtualService/ext", vs_subset_yaml);
    t = batch(m, &st, k_vs, 1, &valid);
    CHECK(!valid);
    CHECK(strstr(t, "v9") != NULL);
    free(t);
    store_put(&st, NS "DestinationRule/ext",
              HEAD "kind: DestinationRule\nmetadata: {name: ext}\n"
                   "spec:\n  host: ext.example.com\n  subsets:\n  - {name: v1}\n  - {name: v9}\n");
    const char *k_dr[] = {NS "DestinationRule/ext"};
    free(batch(m, &st, k_dr, 1, &valid));
    CHECK(valid);

    /* one batch of many: deletes across runs, a put of the same bytes, a
     * key named twice, a delete of a key never held, a duplicate resource */
    const char *k_many[] = {NS "ServiceEntry/s000", NS "ServiceEntry/s150", NS "ServiceEntry/s299",
                            NS "ServiceEntry/s010", NS "ServiceEntry/s150", NS "Sidecar/none",
                            NS "ServiceEntry/s200", NS "ServiceEntry/zz-new"};
    store_del(&st, NS "ServiceEntry/s000");
    store_del(&st, NS "ServiceEntry/s150");
    store_del(&st, NS "ServiceEntry/s299");
    v = service(10, 80); /* unchanged */
    store_put(&st, NS "ServiceEntry/s010", v);
    free(v);
    v = service(200, 80); /* a second s200: a duplicate */
    store_put(&st, NS "ServiceEntry/zz-new", v);
    free(v);
    t = batch(m, &st, k_many, sizeof(k_many) / sizeof(*k_many), &valid);
    free(t);
    /* the duplicate goes */
    store_del(&st, NS "ServiceEntry/zz-new");
    free(batch(m, &st, k_new, 1, &valid));
    CHECK(valid);

    /* a listing again (a compacted watch), then edits on top of it */
    free(batch(m, &st, NULL, 0, &valid));
    CHECK(valid);
    v = service(42, 8080);
    store_put(&st, NS "ServiceEntry/s042", v);
    free(v);
    const char *k_42[] = {NS "ServiceEntry/s042"};
    free(batch(m, &st, k_42, 1, &valid));
    CHECK(valid);

    /* every key gone, then back */
    struct store all = st;
    const char **names = xcalloc(st.n, sizeof(*names));
    for (size_t i = 0; i < st.n; i++)
        names[i] = all.name[i];
    struct store none = {0};
    free(batch(m, &none, names, all.n, &valid));
    free(batch(m, &all, names, all.n, &valid));
    CHECK(valid);
    free(names);
    config_mem_free(m);
    store_free(&st);
}
