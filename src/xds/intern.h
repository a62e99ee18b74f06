/* intern.h - shared, reference-counted copies of resource names (private to
 * src/xds).
 *
 * Every stream remembers the names it subscribed to and the names it was
 * sent; with thousands of streams on the same configuration these are the
 * same few hundred strings. Each distinct name is stored once; a stream holds
 * a reference. Thread-safe (one lock), so the status report can take
 * references from another thread. */
#ifndef XDSD_XDS_INTERN_H
#define XDSD_XDS_INTERN_H

#include <stddef.h>

/* A reference to the shared copy of s (never NULL). */
const char *xds_intern(const char *s);
/* Another reference to v[0..n), which are interned strings, under one lock. */
void xds_intern_ref_many(const char *const *v, size_t n);
/* Drop a reference to an interned string (NULL is ignored). */
void xds_intern_put(const char *s);
/* Drop references to v[0..n) under one lock. */
void xds_intern_put_many(const char *const *v, size_t n);
/* Distinct names held, for tests. */
size_t xds_intern_count(void);

#endif
