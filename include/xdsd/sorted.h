/* sorted.h - binary search and batch insertion in sorted arrays.
 *
 * The comparison takes the key first and an element second, like bsearch's,
 * so the key may be a different type than the elements (a name looked up in
 * an array of structs). */
#ifndef XDSD_SORTED_H
#define XDSD_SORTED_H

#include <stddef.h>

typedef int (*sorted_cmp_fn)(const void *key, const void *elem);

/* The index of the first of base[0..n) (elements of size bytes, sorted by
 * cmp) that is not less than key: where key is, or would be inserted.
 * n when every element is less. */
size_t lower_bound(const void *key, const void *base, size_t n, size_t size, sorted_cmp_fn cmp);

/* The element equal to key, or NULL (the first one when several are). */
void *sorted_find(const void *key, const void *base, size_t n, size_t size, sorted_cmp_fn cmp);

/* Merge the n_add sorted elements at add into base[0..n), sorted by cmp
 * (which here compares two elements); base must have room for n + n_add.
 * Equal elements keep their order, the added ones after the present ones.
 * One pass from the end: O(n + n_add log n) instead of a sort. */
void sorted_insert(void *base, size_t n, const void *add, size_t n_add, size_t size,
                   int (*cmp)(const void *, const void *));

#endif
