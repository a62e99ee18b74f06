/* snapshot_ops.c - a translation snapshot over a config set: the snapshot
 * calls back here for class keys and views; translation runs once per class.
 *
 * Kept apart from the translator so that programs using only
 * translate_build() (tests, benchmarks) do not need the config loader. */
#include "xdsd/translate.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reuse.h"
#include "xdsd/secrets.h"
#include "xdsd/util.h"

/* What the build of one class recorded (memo.c), for the next snapshot. */
struct class_memo {
    char *key;
    struct tr_memo *memo;
};

struct tr_ctx {
    struct config_set *cfg;
    struct translate_options o;
    char *mesh_certs, *trust_domain;
    struct translate_model m;
    pthread_mutex_t lock; /* guards memos: a build of this snapshot may run
                             while a newer one reads them */
    struct class_memo *memos;
    size_t n_memos, cap_memos;
    struct tr_ctx *prev;     /* during snapshot_prepare() only */
    int same_inputs_as_prev; /* tr_model_same_but_vs(prev's model, this one's) */
    struct tr_model_diff *diff; /* prev's model against this one's, during the same */
    struct tr_vs_names *vs_names; /* what the VirtualServices name, once noted */
    int vs_looked;                /* the diff looked at each VirtualService instead */
    /* the label keys class keys look at, found once per snapshot: a class
     * key is computed for every proxy that connects */
    const char **label_keys;
    size_t n_label_keys;
    /* routers' own services by address and labels, by position in the
     * model: finding one scans every ServiceEntry, and a router's class key
     * needs it at every build and connection. Carried over from the
     * previous snapshot when its ServiceEntries were the same. */
    struct own_entry *owns;
    size_t n_owns, cap_owns;
    /* what the builds of this generation found, each once (guarded by lock) */
    struct tr_findings findings;
};

struct own_entry {
    char *ident;   /* the proxy's IP and labels */
    size_t se, ep; /* SIZE_MAX: none */
};

static char *own_ident(const struct proxy_identity *id)
{
    size_t len = strlen(id->ip) + 2, at = 0;
    for (size_t i = 0; i < id->n_labels; i++)
        len += strlen(id->labels[i].key) + strlen(id->labels[i].value) + 2;
    char *s = xmalloc(len);
    at += (size_t)sprintf(s, "%s|", id->ip);
    for (size_t i = 0; i < id->n_labels; i++)
        at += (size_t)sprintf(s + at, "%s=%s,", id->labels[i].key, id->labels[i].value);
    return s;
}

/* The cached own service of a router like id, or none (known 0). */
static struct tr_own own_find(struct tr_ctx *c, const char *ident)
{
    struct tr_own own = {0};
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_owns && !own.known; i++) {
        const struct own_entry *e = &c->owns[i];
        if (strcmp(e->ident, ident) != 0)
            continue;
        own.known = 1;
        own.se = e->se == SIZE_MAX ? NULL : &c->m.service_entries[e->se];
        own.ep = e->ep == SIZE_MAX ? NULL : &own.se->endpoints[e->ep];
    }
    pthread_mutex_unlock(&c->lock);
    return own;
}

static void own_add(struct tr_ctx *c, const char *ident, size_t se, size_t ep)
{
    pthread_mutex_lock(&c->lock);
    xgrow((void **)&c->owns, &c->cap_owns, c->n_owns + 1, sizeof(*c->owns));
    c->owns[c->n_owns++] = (struct own_entry){xstrdup(ident), se, ep};
    pthread_mutex_unlock(&c->lock);
}

/* With secrets served, proxies differ also in what they may receive: keys
 * over mutual TLS only (docs/secrets.md), "default" only as its identity. */
static char *sds_key(const struct tr_ctx *c, const struct proxy_identity *id, char *key)
{
    if (c->o.secrets == NULL)
        return key;
    const char *who = id->spiffe == NULL ? "plain" : c->o.mesh_sds ? id->spiffe : "mtls";
    char *k = xasprintf("%s|sds:%s", key, who);
    free(key);
    return k;
}

static char *ctx_class_key(void *ctx, const struct proxy_identity *id)
{
    struct tr_ctx *c = ctx;
    if (id->type != PROXY_ROUTER || id->proxyless_grpc)
        return sds_key(c, id, tr_class_key(&c->m, c->label_keys, c->n_label_keys, id, NULL));
    char *ident = own_ident(id);
    struct tr_own own = own_find(c, ident);
    int known = own.known;
    char *key = tr_class_key(&c->m, c->label_keys, c->n_label_keys, id, &own);
    if (!known)
        own_add(c, ident, own.se ? (size_t)(own.se - c->m.service_entries) : SIZE_MAX,
                own.ep ? (size_t)(own.ep - own.se->endpoints) : SIZE_MAX);
    free(ident);
    return sds_key(c, id, key);
}

/* The memo of class key in c, or NULL. A memo does not change once added. */
static const struct tr_memo *find_memo(struct tr_ctx *c, const char *key)
{
    const struct tr_memo *m = NULL;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_memos && m == NULL; i++)
        if (strcmp(c->memos[i].key, key) == 0)
            m = c->memos[i].memo;
    pthread_mutex_unlock(&c->lock);
    return m;
}

/* A view no client could receive is refused here, where it is built, so that
 * the publisher keeps the last good configuration instead of sending it.
 * Envoys subscribe to every Cluster and Listener and to every Endpoint and
 * Route those name, so each type's whole response must fit; proxyless gRPC
 * clients ask by name, and gRPC's own 4 MiB limit applies to them. */
static int check_size(const struct tr_ctx *c, const struct proxy_identity *id,
                      const struct xds_view *v, char **why)
{
    size_t limit = c->o.max_response_bytes ? c->o.max_response_bytes : XDS_MAX_RESPONSE_BYTES;
    if (id->proxyless_grpc && limit > XDS_GRPC_MAX_RESPONSE_BYTES)
        limit = XDS_GRPC_MAX_RESPONSE_BYTES;
    return xds_view_check_size(v, limit, id->proxyless_grpc, why);
}

static struct xds_view *ctx_build(void *ctx, const struct proxy_identity *id, const char *class_key,
                                  char **err)
{
    struct tr_ctx *c = ctx;
    char *key = xstrdup(class_key);
    const struct tr_memo *prev = c->prev ? find_memo(c->prev, key) : NULL;
    struct tr_memo *memo = tr_memo_new();
    if (prev != NULL) {
        tr_memo_hint_same_inputs(memo, prev, &c->prev->m, c->same_inputs_as_prev);
        tr_memo_hint_diff(memo, c->diff);
    }
    struct tr_findings found;
    tr_findings_init(&found);
    struct xds_view *v =
        tr_reuse_build(tr_build_steps(), &c->m, &c->o, id, prev, memo, &found, err);
    tr_memo_hint_diff(memo, NULL); /* the diff goes with the builds from prev */
    char *why = NULL;
    if (v != NULL && check_size(c, id, v, &why) != 0) {
        if (err)
            *err = xasprintf("proxy class %s: %s", key, why);
        free(why);
        xds_view_free(v);
        v = NULL;
    }
    if (v == NULL) {
        tr_findings_release(&found);
        tr_memo_free(memo);
        free(key);
        return NULL;
    }
    tr_memo_finish(memo, v);
    pthread_mutex_lock(&c->lock);
    xgrow((void **)&c->memos, &c->cap_memos, c->n_memos + 1, sizeof(*c->memos));
    c->memos[c->n_memos++] = (struct class_memo){key, memo};
    for (size_t i = 0; i < found.n; i++)
        tr_findings_add(&c->findings, found.v[i].meta, found.v[i].message);
    pthread_mutex_unlock(&c->lock);
    tr_findings_release(&found);
    return v;
}

static int same_options(const struct tr_ctx *a, const struct tr_ctx *b)
{
    return a->o.outbound_policy == b->o.outbound_policy &&
           strcmp(a->o.mesh_certs, b->o.mesh_certs) == 0 &&
           strcmp(a->o.trust_domain, b->o.trust_domain) == 0 &&
           a->o.max_response_bytes == b->o.max_response_bytes && a->o.mesh_sds == b->o.mesh_sds &&
           a->o.insecure_plaintext_secrets == b->o.insecure_plaintext_secrets &&
           (a->o.secrets == NULL) == (b->o.secrets == NULL);
}

/* The older snapshot's memos serve while it rebuilds the same classes; its
 * config set stays alive meanwhile, which the comparisons rely on. */
static void ctx_warm(void *ctx, void *old_ctx)
{
    struct tr_ctx *c = ctx, *old = old_ctx;
    c->prev = old != NULL && same_options(c, old) ? old : NULL;
    /* once per snapshot, for every class's build */
    tr_model_diff_free(c->diff);
    if (c->prev != NULL) {
        c->diff = tr_model_diff_new(&c->prev->m, &c->m, c->prev->vs_names, c->prev->vs_looked);
        tr_vs_names_unref(c->vs_names);
        c->vs_names = tr_model_diff_names(c->diff, &c->vs_looked);
    } else {
        c->diff = NULL;
    }
    /* once per snapshot, not once per class */
    c->same_inputs_as_prev = c->prev != NULL && tr_model_same_but_vs(&c->prev->m, &c->m);
    if (!c->same_inputs_as_prev || c->owns != NULL)
        return;
    /* the same ServiceEntries: the same own services, by position */
    pthread_mutex_lock(&old->lock);
    c->owns = xcalloc(old->n_owns + 1, sizeof(*c->owns));
    c->cap_owns = old->n_owns + 1;
    for (size_t i = 0; i < old->n_owns; i++) {
        c->owns[i] = old->owns[i];
        c->owns[i].ident = xstrdup(old->owns[i].ident);
    }
    c->n_owns = old->n_owns;
    pthread_mutex_unlock(&old->lock);
}

static void ctx_free(void *ctx)
{
    struct tr_ctx *c = ctx;
    for (size_t i = 0; i < c->n_memos; i++) {
        free(c->memos[i].key);
        tr_memo_free(c->memos[i].memo);
    }
    free(c->memos);
    tr_model_diff_free(c->diff);
    tr_vs_names_unref(c->vs_names);
    free(c->label_keys);
    for (size_t i = 0; i < c->n_owns; i++)
        free(c->owns[i].ident);
    free(c->owns);
    tr_findings_release(&c->findings);
    pthread_mutex_destroy(&c->lock);
    config_unref(c->cfg);
    secrets_unref(c->o.secrets);
    free(c->mesh_certs);
    free(c->trust_domain);
    free(c);
}

static const struct snapshot_ops tr_ops = {ctx_class_key, ctx_build, ctx_free, ctx_warm};

struct snapshot *translate_snapshot(struct config_set *cfg, uint64_t gen,
                                    const struct translate_options *o)
{
    struct tr_ctx *c = xcalloc(1, sizeof(*c));
    c->cfg = config_ref(cfg);
    pthread_mutex_init(&c->lock, NULL);
    tr_findings_init(&c->findings);
    if (o != NULL)
        c->o = *o;
    c->mesh_certs = xstrdup(c->o.mesh_certs ? c->o.mesh_certs : "/etc/certs");
    c->trust_domain = xstrdup(c->o.trust_domain ? c->o.trust_domain : "cluster.local");
    c->o.mesh_certs = c->mesh_certs;
    c->o.trust_domain = c->trust_domain;
    secrets_ref(c->o.secrets);
    struct translate_model *m = &c->m;
    m->service_entries = config_service_entries(cfg, &m->n_service_entries);
    m->gateways = config_gateways(cfg, &m->n_gateways);
    m->virtual_services = config_virtual_services(cfg, &m->n_virtual_services);
    m->destination_rules = config_destination_rules(cfg, &m->n_destination_rules);
    m->sidecars = config_sidecars(cfg, &m->n_sidecars);
    m->workload_entries = config_workload_entries(cfg, &m->n_workload_entries);
    c->label_keys = tr_label_keys_used(m, &c->n_label_keys);
    return snapshot_new(gen, &tr_ops, c);
}

void translate_findings(const struct snapshot *s, struct config_diags *diags)
{
    struct tr_ctx *c = snapshot_ctx(s);
    pthread_mutex_lock(&c->lock);
    tr_findings_diags(&c->findings, diags);
    pthread_mutex_unlock(&c->lock);
}

struct config_set *translate_config(const struct snapshot *s)
{
    struct tr_ctx *c = snapshot_ctx(s);
    return c->cfg;
}

/* Namespaces and Gateways probed at publish beyond these are left to the
 * first proxy that asks: a probe costs one translation. */
#define PROBE_NAMESPACES 8
#define PROBE_GATEWAYS 32

static void add_probe(struct proxy_identity **ids, size_t *n, size_t *cap, const char *type,
                      const char *ns, const struct config_labels *labels, const char *generator)
{
    xgrow((void **)ids, cap, *n + 1, sizeof(**ids));
    char *id = xasprintf("%s~0.0.0.0~probe.%s~%s.svc.cluster.local", type, ns, ns);
    proxy_identity_init(&(*ids)[(*n)++], id, type, ns, labels ? labels->items : NULL,
                        labels ? labels->n : 0, generator);
    free(id);
}

static int seen(const struct proxy_identity *ids, size_t n, const char *ns)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i].type == PROXY_SIDECAR && strcmp(ids[i].namespace, ns) == 0)
            return 1;
    return 0;
}

struct proxy_identity *translate_probe_proxies(const struct config_set *cfg, size_t *n)
{
    struct proxy_identity *ids = NULL;
    size_t cap = 0, nsc = 0, k;
    *n = 0;
    add_probe(&ids, n, &cap, "sidecar", "default", NULL, NULL);
    const struct virtual_service *vs = config_virtual_services(cfg, &k);
    for (size_t i = 0; i < k && nsc < PROBE_NAMESPACES; i++)
        if (!seen(ids, *n, vs[i].meta.namespace)) {
            add_probe(&ids, n, &cap, "sidecar", vs[i].meta.namespace, NULL, NULL);
            nsc++;
        }
    const struct service_entry *se = config_service_entries(cfg, &k);
    for (size_t i = 0; i < k && nsc < PROBE_NAMESPACES; i++)
        if (!seen(ids, *n, se[i].meta.namespace)) {
            add_probe(&ids, n, &cap, "sidecar", se[i].meta.namespace, NULL, NULL);
            nsc++;
        }
    const struct gateway *gw = config_gateways(cfg, &k);
    for (size_t i = 0; i < k && i < PROBE_GATEWAYS; i++)
        add_probe(&ids, n, &cap, "router", gw[i].meta.namespace, &gw[i].selector, NULL);
    add_probe(&ids, n, &cap, "sidecar", "default", NULL, "grpc");
    return ids;
}

void translate_probe_proxies_free(struct proxy_identity *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        proxy_identity_release(&ids[i]);
    free(ids);
}
