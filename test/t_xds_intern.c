/* t_xds_intern.c - resource names shared between streams. */
#include "../src/xds/intern.h"

#include <stdio.h>
#include <string.h>

#include "unit.h"

TEST(xds_intern_one_copy_per_name_until_last_reference)
{
    size_t before = xds_intern_count();
    char buf[32];
    strcpy(buf, "outbound|80||a.example.com");
    const char *a = xds_intern(buf);
    strcpy(buf, "outbound|80||a.example.com"); /* another copy of the same text */
    const char *b = xds_intern(buf);
    CHECK(a == b);
    CHECK(a != buf);
    CHECK_STR(a, "outbound|80||a.example.com");
    const char *c = xds_intern("outbound|80||b.example.com");
    CHECK(c != a);
    CHECK_INT(xds_intern_count(), before + 2);
    xds_intern_ref_many(&a, 1);
    xds_intern_put(a);
    xds_intern_put(b);
    CHECK_INT(xds_intern_count(), before + 2); /* one reference left */
    xds_intern_put(a);
    xds_intern_put_many(&c, 1);
    CHECK_INT(xds_intern_count(), before);
}

TEST(xds_intern_many_names_survive_growth)
{
    const char *v[5000];
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof(buf), "name-%d", i);
        v[i] = xds_intern(buf);
    }
    int ok = 1;
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof(buf), "name-%d", i);
        ok &= xds_intern(buf) == v[i];
    }
    CHECK(ok);
    xds_intern_put_many(v, 5000);
    xds_intern_put_many(v, 5000);
}
