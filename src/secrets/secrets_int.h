/* secrets_int.h - building a secret set (set.c), shared by the readers of
 * Kubernetes Secrets and of mesh certificate directories (load.c). */
#ifndef XDSD_SECRETS_INT_H
#define XDSD_SECRETS_INT_H

#include "xdsd/arena.h"
#include "xdsd/secrets.h"

struct secrets_builder {
    struct arena *a; /* the set's */
    struct secret *v;
    size_t n, cap;
    const struct secret_set *prev;
    int64_t now;
    struct config_diags *d;
};

void secrets_builder_init(struct secrets_builder *b, const struct secret_set *prev, int64_t now,
                          struct config_diags *d);
/* Check and add one secret (strings copied). label names it in findings
 * ("Secret ns/name"). A failed check keeps prev's version, if any. */
void secrets_builder_add(struct secrets_builder *b, const char *label, const char *ns,
                         const char *name, const char *sa, enum secret_type type,
                         const char *cert_pem, const char *key_pem, struct config_pos pos);
/* The set: sorted, duplicates reported (the first kept). */
struct secret_set *secrets_builder_finish(struct secrets_builder *b);

#endif
