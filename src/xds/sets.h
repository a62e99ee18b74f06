/* sets.h - the sorted sets a stream keeps (private to src/xds): the names it
 * subscribes to, and what the client holds of each resource.
 *
 * Both are arrays in name order, searched by bisection: a stream keeps them
 * for its whole life and there are thousands of streams, so they are as
 * small as an array can be (the fit functions give back the slack). Names
 * are interned (intern.h): shared between streams, never written through. */
#ifndef XDSD_XDS_SETS_H
#define XDSD_XDS_SETS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xdsd/snapshot.h"
#include "xdsd/util.h"

/* A sorted set of interned names. Zero is the empty set.
 *
 * A SotW stream that subscribes to exactly the names of a view's list of a
 * type (the endpoints of every cluster it was sent) keeps a reference to the
 * list instead (shared, v NULL); a change copies first, as for held_list.
 * Read names through xds_strset_name(). */
struct strset {
    char **v;
    const struct xds_list *shared;
    size_t n, cap;
};

/* What the client holds of one resource, as far as we know: the hash of the
 * bytes we sent, or HELD_ABSENT when we told it the resource does not exist.
 * The name is interned. 24 bytes, as each stream keeps one per resource it
 * was sent: a resource whose bytes hash to HELD_ABSENT would pass for absent,
 * which is as likely as two contents sharing a version, and versions already
 * take that to never happen. */
struct held {
    const char *name;
    uint64_t hash;
    uint32_t sent_seq; /* delta: the response that last carried it */
    uint8_t nacked;    /* delta: that response was NACKed */
    uint8_t resend;    /* delta: send again though unchanged (after a CDS push) */
};

#define HELD_ABSENT 0
#define ABSENT(e) ((e).hash == HELD_ABSENT)

/* What the client holds, in name order. Zero is the empty list.
 *
 * A SotW stream that was sent every resource of a type holds exactly the
 * view's list of that type: it then keeps a reference to that list (shared,
 * items pointing into it) and no entries of its own, so that ten thousand
 * streams in sync cost one list. Any change to the entries copies them first
 * (xds_held_set, xds_held_del_at...); read entries through xds_held_name()
 * and xds_held_hash(), which see both forms. */
struct held_list {
    struct held *v;                   /* own entries; NULL while shared */
    const struct xds_list *shared;    /* or a reference to a view's list */
    const struct xds_resource *items; /* its resources */
    size_t n, cap;
    /* xds_held_key() of the list, kept because each push compares it with
     * the view of every stream: valid while key_ok */
    uint64_t key;
    int key_ok;
};

/* Name i of s, in either form. */
const char *xds_strset_name(const struct strset *s, size_t i);
/* Make s exactly the names of l, sharing l (a reference) instead of copying. */
void xds_strset_share(struct strset *s, const struct xds_list *l);
/* Index of name in s, or -(insertion point) - 1. */
long xds_strset_find(const struct strset *s, const char *name);
/* Add a reference to name; returns 1 when it was added, 0 when it was there. */
int xds_strset_add(struct strset *s, const char *name);
/* Drop name; returns 1 when it was there, else 0. */
int xds_strset_del(struct strset *s, const char *name);
/* Drop every name and the array: s is empty again. */
void xds_strset_clear(struct strset *s);
/* Give back the slack of the array. */
void xds_strset_fit(struct strset *s);

/* Entry i's name and hash, in either form. */
static inline const char *xds_held_name(const struct held_list *h, size_t i)
{
    return h->shared ? h->items[i].name : h->v[i].name;
}

static inline uint64_t xds_held_hash(const struct held_list *h, size_t i)
{
    return h->shared ? h->items[i].hash : h->v[i].hash;
}

/* Index of name in h, or -(insertion point) - 1. */
long xds_held_find(const struct held_list *h, const char *name);
/* Record that the client holds name with hash (or, with absent, that it was
 * told name does not exist); clears the entry's delta marks. */
void xds_held_set(struct held_list *h, const char *name, uint64_t hash, int absent);
/* Forget entry i. */
void xds_held_del_at(struct held_list *h, size_t i);
/* Forget name, if held. */
void xds_held_del(struct held_list *h, const char *name);
/* Forget everything: h is empty again. */
void xds_held_clear(struct held_list *h);
/* Make h exactly res[0..n) (in name order, distinct), in one allocation. */
void xds_held_replace(struct held_list *h, const struct xds_resource *const *res, size_t n);
/* Make h exactly the resources of l, sharing l (a reference) instead of copying. */
void xds_held_share(struct held_list *h, const struct xds_list *l);
/* Give h entries of its own (a copy of the shared list), before changing
 * them one by one; nothing when they are its own already. */
void xds_held_own(struct held_list *h);
/* The version key of what the client holds (present resources only), as
 * xds_core_set_key() computes it; cached in h. */
uint64_t xds_held_key(struct held_list *h);
/* Give back the slack of the array. */
void xds_held_fit(struct held_list *h);

/* One resource added to a version key: the same sum as xds_view_finish,
 * so a full set's key is the view's version. */
static inline uint64_t xds_key_add(uint64_t k, const char *name, uint64_t hash)
{
    return k + xds_version_entry(name, hash);
}

#endif
