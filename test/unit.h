/* unit.h - a test runner that fits on a screen.
 *
 *   TEST(duration_units) { CHECK(parse("1s") == 1000); }
 *
 * Tests register themselves at start-up; CHECK records a failure with its
 * file and line and goes on. The runner prints "ok N - name" or "not ok N -
 * name" per test and ends with "N passed, M failed". */
#ifndef XDSD_TEST_UNIT_H
#define XDSD_TEST_UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);
void unit_register(const char *name, test_fn fn);
/* Record a failed check; returns 0 so CHECK can be used in expressions. */
int unit_fail(const char *file, int line, const char *what);
/* The directory holding test data (test/data), from $XDSD_TEST_DATA or the default. */
const char *unit_data_dir(void);

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void)                                 \
    {                                                                                              \
        unit_register(#name, test_##name);                                                         \
    }                                                                                              \
    static void test_##name(void)

#define CHECK(cond) ((cond) ? 1 : unit_fail(__FILE__, __LINE__, #cond))

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                                     \
            char m_[512];                                                                          \
            snprintf(m_, sizeof(m_), "%s == %s (\"%s\" vs \"%s\")", #a, #b, a_ ? a_ : "(null)",    \
                     b_ ? b_ : "(null)");                                                          \
            unit_fail(__FILE__, __LINE__, m_);                                                     \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            char m_[512];                                                                          \
            snprintf(m_, sizeof(m_), "%s == %s (%lld vs %lld)", #a, #b, a_, b_);                   \
            unit_fail(__FILE__, __LINE__, m_);                                                     \
        }                                                                                          \
    } while (0)

#endif
