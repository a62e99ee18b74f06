/* reuse.h - what one build of a proxy class leaves for the next build of
 * the same class, so that an edit costs what it changes.
 *
 * A build with a memo records what it made and from what (memo.c: the
 * clusters of each service, the VirtualServices it read; pieces.c: packed
 * virtual hosts; recipes.c: how each route configuration was assembled).
 * The next build of the class, given that memo as prev, shares the whole
 * previous view when none of its inputs changed, patches its route
 * configurations when only routes changed (patch.c), takes a router's
 * route configurations of unchanged Gateway servers when only Gateways
 * changed (patch_gateway.c), or builds with the steps handed to it,
 * reusing every piece whose inputs are the same (reuse.c). Views built
 * so are the same, byte for byte, as plain builds: the unit tests and the
 * fuzz_memo driver compare them. */
#ifndef XDSD_TRANSLATE_REUSE_H
#define XDSD_TRANSLATE_REUSE_H

#include <stddef.h>

#include "../seam.h"

struct tr_memo;
/* An empty memo for one build; free with tr_memo_free() (NULL: no-op). */
struct tr_memo *tr_memo_new(void);
void tr_memo_free(struct tr_memo *m);
/* Done recording: v is the finished view built with m. m may be read (as
 * a later build's prev) while v is alive. */
void tr_memo_finish(struct tr_memo *m, const struct xds_view *v);
/* The same Sidecars and WorkloadEntries in a and b. */
int tr_model_same_scopes(const struct translate_model *a, const struct translate_model *b);
/* The same ServiceEntries, DestinationRules, Sidecars, WorkloadEntries and
 * Gateways in a and b. */
int tr_model_same_but_vs(const struct translate_model *a, const struct translate_model *b);
/* The caller compared the model prev was built from with the one m is for
 * (same: tr_model_same_but_vs()): m need not compare them again. */
void tr_memo_hint_same_inputs(struct tr_memo *m, const struct tr_memo *prev,
                              const struct translate_model *compared, int same);
/* What changed from the model pm to m (positions of changed resources,
 * changes of hosts), found once per snapshot for the builds of every class. */
struct tr_model_diff;
/* vs: what the VirtualServices of pm name (tr_model_diff_names() of the
 * diff before), or NULL: taken when m's VirtualServices are the same;
 * want_names: note them, if a change of hosts asks, rather than look at
 * each VirtualService once (the diff before looked). */
struct tr_vs_names;
struct tr_model_diff *tr_model_diff_new(const struct translate_model *pm,
                                        const struct translate_model *m, struct tr_vs_names *vs,
                                        int want_names);
void tr_model_diff_free(struct tr_model_diff *d);
/* What m's VirtualServices name, if noted (a reference: drop it with
 * tr_vs_names_unref()), else NULL; *looked: whether the diff looked at each
 * VirtualService instead. */
struct tr_vs_names *tr_model_diff_names(const struct tr_model_diff *d, int *looked);
/* What the VirtualServices of m name, as a patch of hosts asks (patch_hosts.c). */
struct tr_vs_names *tr_vs_names_new(const struct translate_model *m);
struct tr_vs_names *tr_vs_names_ref(struct tr_vs_names *n);
void tr_vs_names_unref(struct tr_vs_names *n);
/* The build recording into m may read d (alive until it is done). */
void tr_memo_hint_diff(struct tr_memo *m, const struct tr_model_diff *d);
/* How many services a build recording into m reused. */
size_t tr_memo_reused(const struct tr_memo *m);

/* translate_build() with steps (tr_build_steps()), recording into memo and
 * reusing what prev recorded where the inputs are the same (prev may be
 * NULL; memo NULL: a plain build). The view's findings, those of reused
 * parts included, are added to found (may be NULL). */
struct xds_view *tr_reuse_build(const struct tr_steps *steps, const struct translate_model *m,
                                const struct translate_options *o, const struct proxy_identity *id,
                                const struct tr_memo *prev, struct tr_memo *memo,
                                struct tr_findings *found, char **err);

#endif
