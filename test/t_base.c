/* t_base.c - the toolbox: arena, map, sorted arrays, and Istio's host rules. */
#include "xdsd/arena.h"
#include "xdsd/host.h"
#include "xdsd/map.h"
#include "xdsd/sorted.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* ---- arena ------------------------------------------------------------------------ */

TEST(arena_memory_is_zeroed_aligned_and_survives_growth)
{
    struct arena a;
    arena_init(&a);
    char *first = arena_strdup(&a, "first");
    for (size_t i = 0; i < 5000; i++) {
        size_t n = 1 + i % 97;
        unsigned char *p = arena_alloc(&a, n);
        CHECK((uintptr_t)p % _Alignof(max_align_t) == 0);
        int zero = 1;
        for (size_t k = 0; k < n; k++)
            zero &= p[k] == 0;
        CHECK(zero);
        memset(p, 0xab, n);
    }
    /* a block bigger than a chunk gets its own, the current one is kept */
    char *big = arena_alloc(&a, 1 << 20);
    CHECK(big[0] == 0 && big[(1 << 20) - 1] == 0);
    char *after = arena_strdup(&a, "after");
    CHECK_STR(first, "first");
    CHECK_STR(after, "after");
    arena_release(&a);
    CHECK(a.head == NULL);
    CHECK_STR(arena_strdup(&a, "reused"), "reused"); /* usable again */
    arena_release(&a);
}

TEST(arena_strings)
{
    struct arena *a = arena_new();
    CHECK_STR(arena_strndup(a, "abcdef", 3), "abc");
    CHECK_STR(arena_printf(a, "%s|%u", "outbound", 443u), "outbound|443");
    char longer[2000];
    memset(longer, 'x', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    CHECK_INT(strlen(arena_printf(a, "%s!", longer)), sizeof(longer));
    CHECK_STR(arena_cat(a, "outbound|", "443", "||", "edition.cnn.com", NULL),
              "outbound|443||edition.cnn.com");
    CHECK_STR(arena_cat(a, NULL), "");
    arena_free(a);
    arena_free(NULL);
}

/* ---- map -------------------------------------------------------------------------- */

TEST(map_string_keys_by_content)
{
    struct map m;
    map_init_str(&m, NULL);
    CHECK(map_get(&m, "absent") == NULL);
    char key[32];
    strcpy(key, "edition.cnn.com");
    int v1 = 1, v2 = 2;
    CHECK(map_add(&m, "edition.cnn.com", &v1) == 1);
    CHECK(map_get(&m, key) == &v1); /* another copy of the text finds it */
    CHECK(map_add(&m, key, &v2) == 0); /* add keeps the first value */
    CHECK(map_get(&m, "edition.cnn.com") == &v1);
    map_put(&m, key, &v2); /* put replaces */
    CHECK(map_get(&m, "edition.cnn.com") == &v2);
    CHECK_INT(map_count(&m), 1);
    CHECK(map_del(&m, "edition.cnn.com") == &v2);
    CHECK(map_get(&m, key) == NULL);
    CHECK(map_del(&m, key) == NULL);
    CHECK_INT(map_count(&m), 0);
    map_release(&m);
}

TEST(map_many_keys_grow_delete_and_iterate)
{
    enum { N = 5000 };
    static char names[N][16];
    struct map m;
    map_init_str(&m, NULL);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "svc-%d", i);
        CHECK(map_add(&m, names[i], names[i]) == 1);
    }
    CHECK_INT(map_count(&m), N);
    /* delete every third: the rest must stay reachable past the holes */
    for (int i = 0; i < N; i += 3)
        CHECK(map_del(&m, names[i]) == names[i]);
    int found = 1;
    for (int i = 0; i < N; i++)
        found &= map_get(&m, names[i]) == (i % 3 == 0 ? NULL : names[i]);
    CHECK(found);
    size_t pos = 0, seen = 0;
    const void *k;
    void *v;
    while (map_next(&m, &pos, &k, &v)) {
        CHECK(k == v);
        seen++;
    }
    CHECK_INT(seen, map_count(&m));
    CHECK_INT(seen, N - (N + 2) / 3);
    map_release(&m);
}

TEST(map_pointer_keys_by_address)
{
    struct arena *a = arena_new();
    struct map m;
    map_init_ptr(&m, a); /* slots in the arena: nothing to release */
    char x[] = "same", y[] = "same";
    map_put(&m, x, "x");
    map_put(&m, y, "y");
    CHECK_INT(map_count(&m), 2);
    CHECK_STR(map_get(&m, x), "x");
    CHECK_STR(map_get(&m, y), "y");
    int many[1000];
    for (int i = 0; i < 1000; i++)
        map_put(&m, &many[i], &many[i]);
    int ok = 1;
    for (int i = 0; i < 1000; i++)
        ok &= map_get(&m, &many[i]) == &many[i];
    CHECK(ok);
    struct map_slot *s = map_find(&m, x);
    CHECK(s != NULL && s->key == x);
    s->val = "changed";
    CHECK_STR(map_get(&m, x), "changed");
    arena_free(a);
}

TEST(map_byte_keys_by_content)
{
    struct pair {
        uint64_t dev, ino;
    };
    struct pair a = {1, 42}, b = {1, 42}, c = {2, 42};
    struct map m;
    map_init_bytes(&m, NULL, sizeof(struct pair));
    map_reserve(&m, 100);
    CHECK(map_add(&m, &a, "a") == 1);
    CHECK(map_add(&m, &b, "b") == 0); /* same bytes: same key */
    CHECK(map_add(&m, &c, "c") == 1);
    CHECK_STR(map_get(&m, &b), "a");
    CHECK_INT(map_count(&m), 2);
    map_release(&m);
}

/* ---- sorted arrays ---------------------------------------------------------------- */

static int int_cmp(const void *key, const void *elem)
{
    int x = *(const int *)key, y = *(const int *)elem;
    return (x > y) - (x < y);
}

TEST(lower_bound_finds_the_first_not_less)
{
    int v[] = {1, 3, 3, 3, 7, 9};
    size_t n = sizeof(v) / sizeof(v[0]);
    int keys[] = {0, 1, 2, 3, 4, 9, 10};
    size_t want[] = {0, 0, 1, 1, 4, 5, 6};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CHECK_INT(lower_bound(&keys[i], v, n, sizeof(int), int_cmp), want[i]);
    CHECK_INT(lower_bound(&keys[0], v, 0, sizeof(int), int_cmp), 0);
    int three = 3, four = 4;
    CHECK(sorted_find(&three, v, n, sizeof(int), int_cmp) == &v[1]);
    CHECK(sorted_find(&four, v, n, sizeof(int), int_cmp) == NULL);
}

static int pair_cmp(const void *a, const void *b)
{
    return int_cmp(a, b); /* compares the first int: the second tells equal ones apart */
}

TEST(sorted_insert_merges_and_keeps_equal_ones_in_order)
{
    int v[10][2] = {{1, 0}, {3, 0}, {5, 0}, {7, 0}};
    int add[][2] = {{0, 1}, {3, 1}, {6, 1}, {9, 1}};
    sorted_insert(v, 4, add, 4, sizeof(v[0]), pair_cmp);
    int want[8][2] = {{0, 1}, {1, 0}, {3, 0}, {3, 1}, {5, 0}, {6, 1}, {7, 0}, {9, 1}};
    CHECK(memcmp(v, want, sizeof(want)) == 0);
}

/* ---- Istio's host rules ---------------------------------------------------------- */

/* Istio's documented host semantics: a wildcard is '*' then a suffix, and a
 * host is "within" a pattern when every name it stands for is one the
 * pattern stands for. */
TEST(host_match_follows_istio)
{
    static const struct {
        const char *pattern, *host;
        int within;
    } cases[] = {
        {"edition.cnn.com", "edition.cnn.com", 1},
        {"edition.cnn.com", "cnn.com", 0},
        {"edition.cnn.com", "*.cnn.com", 0}, /* a name does not hold a wildcard */
        {"*", "edition.cnn.com", 1},
        {"*", "*.cnn.com", 1},
        {"*", "*", 1},
        {"*.cnn.com", "edition.cnn.com", 1},
        {"*.cnn.com", "a.b.cnn.com", 1},
        {"*.cnn.com", "cnn.com", 0}, /* the dot is part of the suffix */
        {"*.cnn.com", "xcnn.com", 0},
        {"*.cnn.com", "*.eu.cnn.com", 1}, /* a narrower wildcard */
        {"*.cnn.com", "*.cnn.com", 1},
        {"*.eu.cnn.com", "*.cnn.com", 0}, /* a wider one is not within */
        {"*.cnn.com", "*", 0},
        {"*cnn.com", "cnn.com", 1}, /* '*' then a suffix without a dot */
        {"*cnn.com", "edition.cnn.com", 1},
        {"*cnn.com", "xcnn.com", 1},
        {"*cnn.com", "*.cnn.com", 1},
        {"*.cnn.com", "*cnn.com", 0},
        {"*.com", "edition.cnn.com", 1},
        {"reviews", "reviews", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = host_match(cases[i].pattern, cases[i].host);
        if (got != cases[i].within) {
            char m[256];
            snprintf(m, sizeof(m), "host_match(\"%s\", \"%s\") is %d", cases[i].pattern,
                     cases[i].host, got);
            unit_fail(__FILE__, __LINE__, m);
        }
    }
}

TEST(host_overlap_is_symmetric)
{
    CHECK(host_overlap("*.cnn.com", "edition.cnn.com"));
    CHECK(host_overlap("edition.cnn.com", "*.cnn.com"));
    CHECK(host_overlap("*.cnn.com", "*.eu.cnn.com"));
    CHECK(host_overlap("*.eu.cnn.com", "*.cnn.com"));
    CHECK(host_overlap("*", "anything.example"));
    CHECK(!host_overlap("*.cnn.com", "*.bbc.com"));
    CHECK(!host_overlap("edition.cnn.com", "cnn.com"));
}

TEST(host_exported_follows_export_to)
{
    const char *none[1] = {NULL};
    const char *all[] = {"*"};
    const char *own[] = {"."};
    const char *listed[] = {"istio-system", "team-a"};
    CHECK(host_exported(none, 0, "ns1", "ns2"));
    CHECK(host_exported(all, 1, "ns1", "ns2"));
    CHECK(host_exported(own, 1, "ns1", "ns1"));
    CHECK(!host_exported(own, 1, "ns1", "ns2"));
    CHECK(host_exported(listed, 2, "ns1", "team-a"));
    CHECK(!host_exported(listed, 2, "ns1", "ns1")); /* not even its own */
}

TEST(host_fqdn_expands_short_names_only)
{
    struct arena a;
    arena_init(&a);
    CHECK_STR(host_fqdn(&a, "reviews", "default"), "reviews.default.svc.cluster.local");
    CHECK_STR(host_fqdn(&a, "edition.cnn.com", "default"), "edition.cnn.com");
    CHECK_STR(host_fqdn(&a, "reviews.other", "default"), "reviews.other");
    CHECK_STR(host_fqdn(&a, "*", "default"), "*");
    CHECK_STR(host_fqdn(&a, "*.cnn.com", "default"), "*.cnn.com");
    arena_release(&a);
}

TEST(host_gateway_refs_follow_istio)
{
    /* a VirtualService in default naming istio-system/egress */
    CHECK(host_gateway_ref_is("istio-system/egress", "default", "istio-system", "egress"));
    CHECK(!host_gateway_ref_is("istio-system/egress", "default", "istio", "egress"));
    CHECK(!host_gateway_ref_is("egress", "default", "istio-system", "egress")); /* its own ns */
    CHECK(host_gateway_ref_is("egress", "istio-system", "istio-system", "egress"));
    CHECK(host_gateway_ref_is("egress.istio-system.svc.cluster.local", "default", "istio-system",
                              "egress"));
    CHECK(!host_gateway_ref_is("egress.istio.svc.cluster.local", "default", "istio-system",
                               "egress"));
    CHECK(host_gateway_ref_is("mesh", "default", NULL, NULL));
    CHECK(!host_gateway_ref_is("egress", "default", NULL, NULL));

    const char *none[1] = {NULL};
    const char *gw_only[] = {"egress"};
    const char *both[] = {"egress", "mesh"};
    CHECK(host_gateways_bind_mesh(none, 0));
    CHECK(!host_gateways_bind_mesh(gw_only, 1));
    CHECK(host_gateways_bind_mesh(both, 2));
}
