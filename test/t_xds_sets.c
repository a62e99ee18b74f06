/* t_xds_sets.c - what a stream keeps of what it was sent: a view's list
 * shared while the stream holds all of it, its own copy once it diverges. */
#include "../src/xds/sets.h"

#include <stdlib.h>
#include <string.h>

#include "../src/xds/core.h"
#include "../src/xds/intern.h"
#include "unit.h"
#include "xdsd/util.h"

static struct xds_view *three_clusters(void)
{
    struct xds_view *v = xds_view_new();
    const char *names[] = {"c", "a", "b"};
    for (int i = 0; i < 3; i++)
        xds_view_add(v, XDS_CLUSTER, names[i], (uint8_t *)xstrdup(names[i]), 1);
    CHECK(xds_view_finish(v, NULL) == 0);
    return v;
}

TEST(xds_held_share_outlives_its_view_and_copies_on_change)
{
    struct xds_view *v = three_clusters();
    size_t n;
    const struct xds_resource *items = xds_list_items(xds_view_list(v, XDS_CLUSTER), &n);
    const struct xds_resource *ptrs[] = {&items[0], &items[1], &items[2]};
    uint64_t key = xds_core_set_key(ptrs, 3);
    uint64_t hash_b = items[1].hash;
    size_t interned = xds_intern_count();

    struct held_list h = {0};
    xds_held_share(&h, xds_view_list(v, XDS_CLUSTER));
    xds_view_free(v); /* the stream's reference keeps the list */
    CHECK(h.shared != NULL && h.v == NULL);
    CHECK_INT(h.n, 3);
    CHECK_INT(xds_intern_count(), interned); /* nothing copied, nothing interned */
    CHECK_STR(xds_held_name(&h, 0), "a");
    CHECK(xds_held_hash(&h, 1) == hash_b);
    CHECK(xds_held_find(&h, "b") == 1);
    CHECK(xds_held_find(&h, "bb") == -3);
    CHECK(xds_held_key(&h) == key);

    /* a change copies first: the entries become the stream's own */
    xds_held_del(&h, "a");
    CHECK(h.shared == NULL && h.v != NULL);
    CHECK_INT(h.n, 2);
    CHECK_STR(xds_held_name(&h, 0), "b");
    CHECK(xds_held_hash(&h, 0) == hash_b);
    CHECK_INT(xds_intern_count(), interned + 2);
    xds_held_clear(&h);
    CHECK_INT(xds_intern_count(), interned);
}

TEST(xds_held_share_replaces_and_is_replaced)
{
    struct xds_view *v = three_clusters();
    struct held_list h = {0};
    xds_held_set(&h, "z", 7, 0);
    xds_held_share(&h, xds_view_list(v, XDS_CLUSTER)); /* own entries dropped */
    CHECK_INT(h.n, 3);
    CHECK(xds_held_find(&h, "z") < 0);
    xds_held_share(&h, xds_view_list(v, XDS_CLUSTER)); /* the same list again */
    CHECK_INT(h.n, 3);
    size_t n;
    const struct xds_resource *items = xds_list_items(xds_view_list(v, XDS_CLUSTER), &n);
    const struct xds_resource *one[] = {&items[2]};
    xds_held_replace(&h, one, 1); /* a subset: a copy */
    CHECK(h.shared == NULL);
    CHECK_STR(xds_held_name(&h, 0), "c");
    xds_held_clear(&h);
    xds_view_free(v);
}

TEST(xds_strset_share_reads_finds_and_copies_on_change)
{
    struct xds_view *v = three_clusters();
    size_t interned = xds_intern_count();
    struct strset s = {0};
    xds_strset_add(&s, "q");
    xds_strset_share(&s, xds_view_list(v, XDS_CLUSTER));
    xds_view_free(v);
    CHECK(s.shared != NULL && s.v == NULL);
    CHECK_INT(s.n, 3);
    CHECK_INT(xds_intern_count(), interned);
    CHECK_STR(xds_strset_name(&s, 2), "c");
    CHECK(xds_strset_find(&s, "b") == 1);
    CHECK(xds_strset_find(&s, "q") == -4);
    CHECK(xds_strset_add(&s, "b") == 0); /* there: no copy needed, but harmless */
    CHECK(xds_strset_del(&s, "zz") == 0);
    CHECK(xds_strset_add(&s, "d") == 1);
    CHECK(s.shared == NULL);
    CHECK_INT(s.n, 4);
    CHECK_STR(xds_strset_name(&s, 3), "d");
    CHECK(xds_strset_del(&s, "a") == 1);
    CHECK_STR(xds_strset_name(&s, 0), "b");
    xds_strset_clear(&s);
    CHECK_INT(xds_intern_count(), interned);
}
