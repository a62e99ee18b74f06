/* sorted.c - binary search and batch insertion in sorted arrays (see sorted.h). */
#include "xdsd/sorted.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

size_t lower_bound(const void *key, const void *base, size_t n, size_t size, sorted_cmp_fn cmp)
{
    const char *b = base;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp(key, b + mid * size) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void *sorted_find(const void *key, const void *base, size_t n, size_t size, sorted_cmp_fn cmp)
{
    size_t i = lower_bound(key, base, n, size, cmp);
    if (i >= n)
        return NULL; /* base may be NULL when n is 0 */
    const char *e = (const char *)base + i * size;
    return cmp(key, e) == 0 ? (void *)e : NULL;
}

void sorted_insert(void *base, size_t n, const void *add, size_t n_add, size_t size,
                   int (*cmp)(const void *, const void *))
{
    char *a = base;
    const char *ad = add;
    size_t *at = xcalloc(n_add + 1, sizeof(*at));
    for (size_t k = 0, lo = 0; k < n_add; k++) { /* add is sorted: so are the places */
        size_t hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp(a + mid * size, ad + k * size) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        at[k] = lo;
    }
    /* from the end: each run of a moves up by the number of adds before it */
    size_t end = n;
    for (size_t k = n_add; k-- > 0;) {
        memmove(a + (at[k] + k + 1) * size, a + at[k] * size, (end - at[k]) * size);
        memcpy(a + (at[k] + k) * size, ad + k * size, size);
        end = at[k];
    }
    free(at);
}
