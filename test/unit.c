/* unit.c - the runner behind unit.h: runs every registered test, or those
 * whose names contain one of the arguments. */
#include "unit.h"

#include <stdlib.h>

enum { MAX_TESTS = 4096 };

static struct {
    const char *name;
    test_fn fn;
} tests[MAX_TESTS];
static int ntests;
static int current_failures;

void unit_register(const char *name, test_fn fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "too many tests\n");
        exit(2);
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

int unit_fail(const char *file, int line, const char *what)
{
    printf("#   %s:%d: check failed: %s\n", file, line, what);
    current_failures++;
    return 0;
}

const char *unit_data_dir(void)
{
    const char *d = getenv("XDSD_TEST_DATA");
    return d ? d : "test/data";
}

static int selected(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(name, argv[i]))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, n = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < ntests; i++) {
        if (!selected(tests[i].name, argc, argv))
            continue;
        current_failures = 0;
        tests[i].fn();
        n++;
        if (current_failures == 0) {
            printf("ok %d - %s\n", n, tests[i].name);
            passed++;
        } else {
            printf("not ok %d - %s\n", n, tests[i].name);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
