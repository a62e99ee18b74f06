/* xref_memo.c - what the checks across resources said about each
 * VirtualService, kept for the next load of the same directory.
 *
 * Those checks look a VirtualService's destinations up among the
 * ServiceEntries and DestinationRules (by fully qualified host) and its
 * gateways among the Gateways (by namespace/name); nothing else. So when a
 * reload changed only a few files, a VirtualService from an unchanged file
 * whose lookups meet none of the changed resources would get exactly the same
 * messages and bindings again: they stay in the memo, and only the entries
 * of the changed files' VirtualServices and of those whose lookups meet the
 * changes are made again. The findings of every entry are the load's, in the
 * order of the set; the bindings on the mesh stay grouped by host for the
 * conflicts (conflicts.c). A changed resource with a wildcard host could
 * match anything, and too many changes make the comparison dearer than the
 * checks: then the memo is emptied and everything is checked. */
#include "reuse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "diag.h"
#include "validate.h"
#include "xdsd/host.h"
#include "xdsd/map.h"
#include "xdsd/util.h"

/* What validate_cross said about one VirtualService. */
struct xmemo_entry {
    const void *vs;   /* the key: its address in its unit; NULL: a free slot */
    uint64_t deps[2]; /* a Bloom filter of the hosts and gateways it looks up */
    unsigned wide;    /* XMEMO_WIDE_*: it depends on every host or Gateway too */
    struct config_diags diags;
    struct binding *bindings; /* own copies of the strings */
    size_t n_bindings;
};

/* The entries in no order (a slot whose vs is NULL is free), found by
 * their VirtualService's address through a map; their Bloom filters apart,
 * read in one sweep on each reload. */
struct cross_memo {
    struct xmemo_entry *items;
    uint64_t (*deps)[2]; /* each entry's filter */
    size_t n, cap;       /* slots used (free ones included) */
    size_t *free;        /* free slots */
    size_t n_free, cap_free;
    struct map by_vs;  /* VirtualService -> its slot + 1 */
    size_t with_diags; /* entries with findings */
    struct mesh_hosts *mesh;
    struct selector_memo selectors; /* gwselect.c's */
};

/* Past this many changed hosts or gateways, check everything. */
#define MAX_CHANGED 64

static void selector_memo_release(struct selector_memo *sm)
{
    free(sm->items);
    memset(sm, 0, sizeof(*sm));
}

struct cross_memo *cross_memo_new(void)
{
    struct cross_memo *m = xcalloc(1, sizeof(*m));
    map_init_ptr(&m->by_vs, NULL);
    m->mesh = mesh_hosts_new();
    return m;
}

static int has_diags(const struct xmemo_entry *e)
{
    return e->diags.n > 0 || e->diags.n_errors > 0 || e->diags.n_warnings > 0;
}

static void entry_release(struct cross_memo *m, struct xmemo_entry *e)
{
    for (size_t i = 0; i < e->n_bindings; i++)
        mesh_hosts_remove(m->mesh, &e->bindings[i]);
    m->with_diags -= has_diags(e);
    config_diags_release(&e->diags);
    for (size_t i = 0; i < e->n_bindings; i++)
        free((char *)e->bindings[i].host);
    free(e->bindings);
    memset(e, 0, sizeof(*e));
}

void cross_memo_free(struct cross_memo *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        if (m->items[i].vs)
            entry_release(m, &m->items[i]);
    mesh_hosts_free(m->mesh);
    selector_memo_release(&m->selectors);
    free(m->items);
    free(m->deps);
    free(m->free);
    map_release(&m->by_vs);
    free(m);
}

/* Free the slot of an entry taken out of the map. */
static void slot_free(struct cross_memo *m, size_t slot)
{
    entry_release(m, &m->items[slot]);
    xgrow((void **)&m->free, &m->cap_free, m->n_free + 1, sizeof(*m->free));
    m->free[m->n_free++] = slot;
}

void cross_memo_drop(struct cross_memo *m, const void *vs)
{
    uintptr_t slot = (uintptr_t)map_del(&m->by_vs, vs);
    if (slot)
        slot_free(m, slot - 1);
}

void cross_memo_clear(struct cross_memo *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->items[i].vs)
            entry_release(m, &m->items[i]);
    m->n = m->n_free = 0;
    map_release(&m->by_vs);
}

/* A new entry for vs (not in m yet). */
static struct xmemo_entry *append(struct cross_memo *m, const void *vs)
{
    size_t slot;
    if (m->n_free > 0) {
        slot = m->free[--m->n_free];
    } else {
        xgrow((void **)&m->items, &m->cap, m->n + 1, sizeof(*m->items));
        m->deps = xrealloc(m->deps, m->cap * sizeof(*m->deps));
        slot = m->n++;
    }
    struct xmemo_entry *e = &m->items[slot];
    memset(e, 0, sizeof(*e));
    e->vs = vs;
    map_put(&m->by_vs, vs, (void *)(uintptr_t)(slot + 1));
    return e;
}

static void entry_summarize(struct xmemo_entry *e, const struct virtual_service *vs);
static void changes_summarize(struct xref_changes *c);

void cross_memo_put(struct cross_memo *m, const struct virtual_service *vs, struct config_diags *d,
                    const struct binding *b, size_t n, unsigned wide)
{
    struct xmemo_entry *e = append(m, vs);
    entry_summarize(e, vs);
    e->wide = wide;
    if (wide) /* any change may meet it: the filter lets every one through */
        e->deps[0] = e->deps[1] = ~0ull;
    m->deps[e - m->items][0] = e->deps[0];
    m->deps[e - m->items][1] = e->deps[1];
    e->diags = *d;
    memset(d, 0, sizeof(*d));
    m->with_diags += has_diags(e);
    e->bindings = xcalloc(n ? n : 1, sizeof(*e->bindings));
    e->n_bindings = n;
    for (size_t i = 0; i < n; i++) {
        /* the key is the VirtualService's own string, "mesh", or made up:
         * one allocation holds host and key */
        size_t hl = strlen(b[i].host) + 1, gl = strlen(b[i].gateway) + 1;
        char *s = xmalloc(hl + gl);
        memcpy(s, b[i].host, hl);
        memcpy(s + hl, b[i].gateway, gl);
        e->bindings[i] = (struct binding){s + hl, s, b[i].vs, b[i].pos};
        mesh_hosts_add(m->mesh, &e->bindings[i]);
    }
}

/* Set order: (namespace, name, position). */
static int entry_vs_cmp(const void *pa, const void *pb)
{
    const struct xmemo_entry *a = *(const struct xmemo_entry *const *)pa;
    const struct xmemo_entry *b = *(const struct xmemo_entry *const *)pb;
    return meta_order(a->vs, b->vs);
}

void cross_memo_diags(const struct cross_memo *m, struct config_diags *d)
{
    if (m->with_diags == 0)
        return;
    const struct xmemo_entry **with = xcalloc(m->with_diags, sizeof(*with));
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->items[i].vs && has_diags(&m->items[i]))
            with[k++] = &m->items[i];
    qsort(with, k, sizeof(*with), entry_vs_cmp); /* the order of a full load's checks */
    for (size_t i = 0; i < k; i++)
        diags_append(d, &with[i]->diags);
    free(with);
}

const struct mesh_hosts *cross_memo_mesh(const struct cross_memo *m)
{
    return m->mesh;
}

struct selector_memo *cross_memo_selectors(struct cross_memo *m)
{
    return &m->selectors;
}

/* ---- what changed ---------------------------------------------------------------- */

struct gw_name {
    const char *ns, *name;
};

struct xref_changes {
    char *hosts[MAX_CHANGED]; /* fully qualified, of changed ServiceEntries and DestinationRules */
    size_t n_hosts;
    struct gw_name gws[MAX_CHANGED];
    size_t n_gws;
    uint64_t keys[2 * MAX_CHANGED][2]; /* the filter bits of each host and gateway */
    size_t n_keys;
};

static int add_host(struct xref_changes *c, const char *host, const char *ns)
{
    if (host == NULL)
        return 0;
    if (host[0] == '*')
        return -1; /* a wildcard could match anything */
    char *full =
        strchr(host, '.') ? xstrdup(host) : xasprintf("%s.%s." HOST_SERVICE_DOMAIN, host, ns);
    for (size_t i = 0; i < c->n_hosts; i++)
        if (strcmp(c->hosts[i], full) == 0) {
            free(full);
            return 0;
        }
    if (c->n_hosts == MAX_CHANGED) {
        free(full);
        return -1;
    }
    c->hosts[c->n_hosts++] = full;
    return 0;
}

static int add_gateway(struct xref_changes *c, const struct istio_meta *m)
{
    for (size_t i = 0; i < c->n_gws; i++)
        if (strcmp(c->gws[i].ns, m->namespace) == 0 && strcmp(c->gws[i].name, m->name) == 0)
            return 0;
    if (c->n_gws == MAX_CHANGED)
        return -1;
    c->gws[c->n_gws++] = (struct gw_name){m->namespace, m->name};
    return 0;
}

static int add_unit(struct xref_changes *c, const struct config_unit *u)
{
    for (size_t i = 0; i < u->n_res; i++) {
        const struct istio_meta *m = u->res[i];
        if (m->kind == KIND_SERVICE_ENTRY) {
            const struct service_entry *se = (const struct service_entry *)m;
            for (size_t j = 0; j < se->n_hosts; j++)
                if (add_host(c, se->hosts[j], m->namespace) < 0)
                    return -1;
        } else if (m->kind == KIND_DESTINATION_RULE) {
            if (add_host(c, ((const struct destination_rule *)m)->host, m->namespace) < 0)
                return -1;
        } else if (m->kind == KIND_GATEWAY && add_gateway(c, m) < 0) {
            return -1;
        }
    }
    return 0;
}

int xref_changes_gateways(const struct xref_changes *c)
{
    return c->n_gws > 0;
}

void xref_changes_free(struct xref_changes *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_hosts; i++)
        free(c->hosts[i]);
    free(c);
}

struct xref_changes *xref_changes_new(const struct builder *b)
{
    if (!b->memo_usable || b->n_fresh + b->n_gone > MEMO_MAX_UNITS)
        return NULL;
    struct xref_changes *c = xcalloc(1, sizeof(*c));
    for (size_t i = 0; i < b->n_fresh; i++) {
        if (add_unit(c, b->fresh[i]) < 0)
            goto all;
    }
    for (size_t i = 0; i < b->n_gone; i++)
        if (add_unit(c, b->gone[i]) < 0)
            goto all;
    changes_summarize(c);
    return c;
all:
    xref_changes_free(c);
    return NULL;
}

/* Does gateway reference ref (from namespace ns) name gw? The forms are
 * crossref.c's gateway_key(): NAME, NAMESPACE/NAME, NAME.NAMESPACE.svc... */
static int names_gateway(const char *ref, const char *ns, const struct gw_name *gw)
{
    const char *slash = strchr(ref, '/'), *dot = strchr(ref, '.');
    const char *name = ref, *rns = ns;
    size_t name_len = strlen(ref), ns_len = strlen(ns);
    if (slash) {
        rns = ref;
        ns_len = (size_t)(slash - ref);
        name = slash + 1;
        name_len = strlen(name);
    } else if (dot) {
        name_len = (size_t)(dot - ref);
        rns = dot + 1;
        const char *end = strchr(rns, '.');
        ns_len = end ? (size_t)(end - rns) : strlen(rns);
    }
    return strlen(gw->name) == name_len && strncmp(gw->name, name, name_len) == 0 &&
           strlen(gw->ns) == ns_len && strncmp(gw->ns, rns, ns_len) == 0;
}

/* What a VirtualService looks up: each destination host and each gateway
 * reference (relative to its namespace). fn returns non-zero to stop. */
struct ref_visit {
    int (*host)(struct ref_visit *r, const char *host, const char *ns);
    int (*gateway)(struct ref_visit *r, const char *ref, const char *ns);
};

static int visit_gateways(struct ref_visit *r, const char *const *refs, size_t n, const char *ns)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(refs[i], "mesh") != 0 && r->gateway(r, refs[i], ns))
            return 1;
    return 0;
}

static int visit_host(struct ref_visit *r, const char *host, const char *ns)
{
    return host != NULL && strcmp(host, "*") != 0 && r->host(r, host, ns);
}

static int visit_refs(struct ref_visit *r, const struct virtual_service *vs)
{
    const char *ns = vs->meta.namespace;
    if (visit_gateways(r, vs->gateways, vs->n_gateways, ns))
        return 1;
    for (size_t i = 0; i < vs->n_http; i++) {
        const struct http_route *h = &vs->http[i];
        for (size_t j = 0; j < h->n_route; j++)
            if (visit_host(r, h->route[j].destination.host, ns))
                return 1;
        for (size_t j = 0; j < h->n_mirrors; j++)
            if (visit_host(r, h->mirrors[j].destination.host, ns))
                return 1;
        for (size_t j = 0; j < h->n_match; j++)
            if (visit_gateways(r, h->match[j].gateways, h->match[j].n_gateways, ns))
                return 1;
    }
    const struct l4_route *l4[2] = {vs->tls, vs->tcp};
    size_t nl4[2] = {vs->n_tls, vs->n_tcp};
    for (int t = 0; t < 2; t++)
        for (size_t i = 0; i < nl4[t]; i++) {
            for (size_t j = 0; j < l4[t][i].n_route; j++)
                if (visit_host(r, l4[t][i].route[j].destination.host, ns))
                    return 1;
            for (size_t j = 0; j < l4[t][i].n_match; j++)
                if (visit_gateways(r, l4[t][i].match[j].gateways, l4[t][i].match[j].n_gateways, ns))
                    return 1;
        }
    return 0;
}

/* ---- the exact answer ---- */

struct changed_visit {
    struct ref_visit r;
    const struct xref_changes *c;
};

static int host_changed(struct ref_visit *r, const char *host, const char *ns)
{
    const struct xref_changes *c = ((struct changed_visit *)r)->c;
    if (strchr(host, '.')) {
        for (size_t i = 0; i < c->n_hosts; i++)
            if (strcmp(c->hosts[i], host) == 0)
                return 1;
        return 0;
    }
    for (size_t i = 0; i < c->n_hosts; i++)
        if (fqdn_is(host, ns, c->hosts[i]))
            return 1;
    return 0;
}

static int gateway_changed(struct ref_visit *r, const char *ref, const char *ns)
{
    const struct xref_changes *c = ((struct changed_visit *)r)->c;
    for (size_t i = 0; i < c->n_gws; i++)
        if (names_gateway(ref, ns, &c->gws[i]))
            return 1;
    return 0;
}

/* ---- a summary kept with each entry: a Bloom filter of what it looks up ---- */

/* The two bits of key h in a 128-bit filter. */
static void key_bits(uint64_t h, uint64_t bits[2])
{
    unsigned a = (unsigned)(h & 127), b = (unsigned)((h >> 7) & 127);
    bits[0] = bits[1] = 0;
    bits[a >> 6] |= 1ull << (a & 63);
    bits[b >> 6] |= 1ull << (b & 63);
}

/* Hash of fqdn(host, ns), made piece by piece. */
static uint64_t host_key(const char *host, const char *ns)
{
    uint64_t h = hash_bytes(HASH_SEED, host, strlen(host));
    if (strchr(host, '.') || strcmp(host, "*") == 0)
        return h;
    h = hash_bytes(h, ".", 1);
    h = hash_bytes(h, ns, strlen(ns));
    return hash_bytes(h, "." HOST_SERVICE_DOMAIN, sizeof(HOST_SERVICE_DOMAIN));
}

/* Hash of "namespace/name" of the Gateway ref names (see names_gateway()). */
static uint64_t gateway_key_hash(const char *ref, const char *ns)
{
    const char *slash = strchr(ref, '/'), *dot = strchr(ref, '.');
    if (slash)
        return hash_bytes(HASH_SEED, ref, strlen(ref));
    uint64_t h;
    if (dot) {
        const char *rns = dot + 1, *end = strchr(rns, '.');
        h = hash_bytes(HASH_SEED, rns, end ? (size_t)(end - rns) : strlen(rns));
        h = hash_bytes(h, "/", 1);
        return hash_bytes(h, ref, (size_t)(dot - ref));
    }
    h = hash_bytes(HASH_SEED, ns, strlen(ns));
    h = hash_bytes(h, "/", 1);
    return hash_bytes(h, ref, strlen(ref));
}

struct filter_visit {
    struct ref_visit r;
    uint64_t *deps;
};

static int add_host_key(struct ref_visit *r, const char *host, const char *ns)
{
    uint64_t bits[2], *deps = ((struct filter_visit *)r)->deps;
    key_bits(host_key(host, ns), bits);
    deps[0] |= bits[0], deps[1] |= bits[1];
    return 0;
}

static int add_gateway_key(struct ref_visit *r, const char *ref, const char *ns)
{
    uint64_t bits[2], *deps = ((struct filter_visit *)r)->deps;
    key_bits(gateway_key_hash(ref, ns), bits);
    deps[0] |= bits[0], deps[1] |= bits[1];
    return 0;
}

static void entry_summarize(struct xmemo_entry *e, const struct virtual_service *vs)
{
    struct filter_visit f = {{add_host_key, add_gateway_key}, e->deps};
    e->deps[0] = e->deps[1] = 0;
    visit_refs(&f.r, vs);
}

/* The filters of the changed keys, once per load. */
static void changes_summarize(struct xref_changes *c)
{
    c->n_keys = 0;
    for (size_t i = 0; i < c->n_hosts; i++)
        key_bits(hash_bytes(HASH_SEED, c->hosts[i], strlen(c->hosts[i])), c->keys[c->n_keys++]);
    for (size_t i = 0; i < c->n_gws; i++) {
        uint64_t h = hash_bytes(HASH_SEED, c->gws[i].ns, strlen(c->gws[i].ns));
        h = hash_bytes(h, "/", 1);
        h = hash_bytes(h, c->gws[i].name, strlen(c->gws[i].name));
        key_bits(h, c->keys[c->n_keys++]);
    }
}

/* Might the checks of the VirtualService whose filter is deps meet the
 * changes? */
static int filter_meets(const struct xref_changes *c, const uint64_t deps[2])
{
    for (size_t i = 0; i < c->n_keys; i++)
        if ((deps[0] & c->keys[i][0]) == c->keys[i][0] &&
            (deps[1] & c->keys[i][1]) == c->keys[i][1])
            return 1;
    return 0;
}

/* Do the changes c meet an entry that depends on every host or Gateway
 * (its "did you mean")? */
static int wide_meets(const struct xref_changes *c, unsigned wide)
{
    return ((wide & XMEMO_WIDE_HOSTS) && c->n_hosts > 0) ||
           ((wide & XMEMO_WIDE_GATEWAYS) && c->n_gws > 0);
}

void cross_memo_affected(struct cross_memo *m, const struct xref_changes *c,
                         const struct virtual_service ***out, size_t *n, size_t *cap)
{
    struct changed_visit v = {{host_changed, gateway_changed}, c};
    for (size_t i = 0; i < m->n; i++) {
        const struct virtual_service *vs = m->items[i].vs;
        if (vs == NULL || !filter_meets(c, m->deps[i]))
            continue;
        if (!wide_meets(c, m->items[i].wide) && !visit_refs(&v.r, vs))
            continue;
        xgrow((void **)out, cap, *n + 1, sizeof(**out));
        (*out)[(*n)++] = vs;
        cross_memo_drop(m, vs);
    }
}
