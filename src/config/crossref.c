/* crossref.c - checks across resources: VirtualService references to
 * Gateways, hosts and subsets, and VirtualServices competing for the same
 * host on the same gateway (istioctl analyze's IST0101, IST0109, IST0132);
 * Gateway selectors that no declared gateway matches (gwselect.c). */
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode.h"
#include "diag.h"
#include "xdsd/host.h"
#include "xdsd/sorted.h"
#include "xdsd/util.h"

struct xctx {
    struct vctx *v;
    struct arena tmp;
    struct xref_index *ix; /* the lookups: the last load's, carried over, or made here */
    int indexed;           /* ix's hosts are built */
    size_t scans;          /* lookups left to answer by a scan before building them */
    size_t name_scans;     /* the same for the names of a Gateway or a DestinationRule */
    unsigned wide;         /* XMEMO_WIDE_*: the VirtualService's findings look at every name */
};

/* A reload that checks a few VirtualServices again looks a few hosts up:
 * scanning for them is quicker than sorting every host. */
#define MAX_SCANS 16

#define INDEX_MIN 8 /* below this many names a scan is as quick */

static int name_ref_cmp(const void *pa, const void *pb)
{
    const struct name_ref *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

static int name_key_cmp(const void *name, const void *elem)
{
    return strcmp(name, ((const struct name_ref *)elem)->name);
}

/* First entry named name, or ix->n. */
static size_t name_first(const struct name_index *ix, const char *name)
{
    return lower_bound(name, ix->items, ix->n, sizeof(*ix->items), name_key_cmp);
}

static int host_key_cmp(const void *host, const void *elem)
{
    return strcmp(host, ((const struct xref_host *)elem)->host);
}

/* The first exact entry for host, or ix->n_exact. */
static size_t first_of(const struct xref_hosts *ix, const char *host)
{
    return lower_bound(host, ix->exact, ix->n_exact, sizeof(*ix->exact), host_key_cmp);
}

/* Istio keeps a DestinationRule in force in its own namespace whatever its
 * exportTo says; elsewhere exportTo decides. */
static int dr_visible(const struct destination_rule *dr, const char *ns)
{
    return strcmp(dr->meta.namespace, ns) == 0 ||
           host_exported(dr->export_to, dr->n_export_to, dr->meta.namespace, ns);
}

/* Whether to answer this lookup by a scan; else the indexes are there. */
static int scan_instead(struct xctx *x)
{
    if (x->indexed)
        return 0;
    if (x->scans > 0) {
        x->scans--;
        return 1;
    }
    xref_index_build(x->ix, x->v->b);
    x->indexed = 1;
    return 0;
}

/* find_dr() without the index: the same answer, the same order (the index
 * holds the rules by (host, namespace), then in set order). */
static const struct destination_rule *scan_dr(struct xctx *x, const char *host, const char *ns)
{
    struct builder *b = x->v->b;
    const struct destination_rule *other = NULL;
    for (size_t i = 0; i < b->n_dr; i++) {
        const struct destination_rule *dr = b->dr[i];
        if (!dr->host || dr->host[0] == '*' || !fqdn_is(dr->host, dr->meta.namespace, host))
            continue;
        if (strcmp(dr->meta.namespace, ns) == 0)
            return dr;
        if (dr_visible(dr, ns) && (!other || strcmp(dr->meta.namespace, other->meta.namespace) < 0))
            other = dr;
    }
    if (other)
        return other;
    for (size_t i = 0; i < b->n_dr; i++) {
        const struct destination_rule *dr = b->dr[i];
        if (dr->host && dr->host[0] == '*' &&
            host_match(host_fqdn(&x->tmp, dr->host, dr->meta.namespace), host) &&
            dr_visible(dr, ns))
            return dr;
    }
    return NULL;
}

/* find_se() without the index (see scan_dr()). */
static const struct service_entry *scan_se(struct xctx *x, const char *host)
{
    struct builder *b = x->v->b;
    const struct service_entry *best = NULL;
    for (size_t i = 0; i < b->n_se; i++) {
        const struct service_entry *se = b->se[i];
        for (size_t j = 0; j < se->n_hosts; j++)
            if (se->hosts[j][0] != '*' && fqdn_is(se->hosts[j], se->meta.namespace, host) &&
                (!best || strcmp(se->meta.namespace, best->meta.namespace) < 0))
                best = se;
    }
    if (best)
        return best;
    for (size_t i = 0; i < b->n_se; i++) {
        const struct service_entry *se = b->se[i];
        for (size_t j = 0; j < se->n_hosts; j++)
            if (se->hosts[j][0] == '*' &&
                host_match(host_fqdn(&x->tmp, se->hosts[j], se->meta.namespace), host))
                return se;
    }
    return NULL;
}

/* The DestinationRule that applies to host from namespace ns: same namespace
 * first, then any exported there, then wildcard rules. */
static const struct destination_rule *find_dr(struct xctx *x, const char *host, const char *ns)
{
    if (scan_instead(x))
        return scan_dr(x, host, ns);
    const struct destination_rule *other = NULL;
    for (size_t i = first_of(&x->ix->dr, host);
         i < x->ix->dr.n_exact && strcmp(x->ix->dr.exact[i].host, host) == 0; i++) {
        const struct destination_rule *dr = x->ix->dr.exact[i].res;
        if (strcmp(dr->meta.namespace, ns) == 0)
            return dr;
        if (!other && dr_visible(dr, ns))
            other = dr;
    }
    if (other)
        return other;
    for (size_t i = 0; i < x->ix->dr.n_wild; i++)
        if (host_match(x->ix->dr.wild[i].host, host) && dr_visible(x->ix->dr.wild[i].res, ns))
            return x->ix->dr.wild[i].res;
    return NULL;
}

static const struct service_entry *find_se(struct xctx *x, const char *host)
{
    if (scan_instead(x))
        return scan_se(x, host);
    size_t i = first_of(&x->ix->se, host);
    if (i < x->ix->se.n_exact && strcmp(x->ix->se.exact[i].host, host) == 0)
        return x->ix->se.exact[i].res;
    for (size_t j = 0; j < x->ix->se.n_wild; j++)
        if (host_match(x->ix->se.wild[j].host, host))
            return x->ix->se.wild[j].res;
    return NULL;
}

static int has_port(const struct service_entry *se, uint32_t port)
{
    for (size_t i = 0; i < se->n_ports; i++)
        if (se->ports[i].number == port)
            return 1;
    return 0;
}

static int has_subset(struct xctx *x, const struct destination_rule *dr, const char *name)
{
    int kept = dr->n_subsets >= INDEX_MIN && xref_names_find(&x->ix->subsets, dr) != NULL;
    if (!kept && (dr->n_subsets < INDEX_MIN || x->name_scans > 0)) {
        x->name_scans -= dr->n_subsets >= INDEX_MIN && x->name_scans > 0;
        for (size_t i = 0; i < dr->n_subsets; i++)
            if (dr->subsets[i].name && strcmp(dr->subsets[i].name, name) == 0)
                return 1;
        return 0;
    }
    struct name_index *ix = xref_names(&x->ix->subsets, dr);
    if (ix->items == NULL) {
        ix->items = xcalloc(dr->n_subsets, sizeof(*ix->items));
        for (size_t i = 0; i < dr->n_subsets; i++)
            if (dr->subsets[i].name)
                ix->items[ix->n++] = (struct name_ref){dr->subsets[i].name, i};
        qsort(ix->items, ix->n, sizeof(*ix->items), name_ref_cmp);
    }
    size_t i = name_first(ix, name);
    return i < ix->n && strcmp(ix->items[i].name, name) == 0;
}

/* ": did you mean 'NAME'?" when sg found a close name, else "". */
static const char *did_you_mean(struct xctx *x, const struct suggest *sg)
{
    return sg->best ? arena_printf(&x->tmp, ": did you mean '%s'?", sg->best) : "";
}

/* Are the first labels of two hosts alike? "b.example.com" is no
 * correction of "a.example.com", though a single edit away. */
static int first_labels_alike(const char *a, const char *b)
{
    size_t la = strcspn(a, "."), lb = strcspn(b, ".");
    if (la == lb && strncasecmp(a, b, la) == 0)
        return 1;
    char x[64], y[64];
    if (la >= sizeof(x) || lb >= sizeof(y))
        return 0;
    memcpy(x, a, la), x[la] = '\0';
    memcpy(y, b, lb), y[lb] = '\0';
    return 2 * config_edit_distance(x, y) < (int)(la > lb ? la : lb);
}

/* The declared host closest to host (fully qualified), written as its
 * ServiceEntry writes it (qualified when it is short and of another
 * namespace than ns). Every host is looked at: the VirtualService is checked
 * again whenever any changes. */
static const char *suggest_host(struct xctx *x, const char *written, const char *host,
                                const char *ns)
{
    struct suggest sg;
    suggest_init(&sg, host, suggest_name_limit(written));
    x->wide |= XMEMO_WIDE_HOSTS;
    struct builder *b = x->v->b;
    for (size_t i = 0; i < b->n_se && sg.limit >= 0; i++) {
        const struct service_entry *se = b->se[i];
        for (size_t j = 0; j < se->n_hosts; j++) {
            const char *h = se->hosts[j];
            if (h[0] == '*')
                continue;
            const char *full = host_fqdn(&x->tmp, h, se->meta.namespace);
            int local = full == h || strcmp(se->meta.namespace, ns) == 0;
            if (first_labels_alike(host, full))
                suggest_offer(&sg, full, local ? h : full, 0);
        }
    }
    return did_you_mean(x, &sg);
}

/* The subset of dr closest to name. */
static const char *suggest_subset(struct xctx *x, const struct destination_rule *dr,
                                  const char *name)
{
    struct suggest sg;
    suggest_init(&sg, name, suggest_name_limit(name));
    for (size_t i = 0; i < dr->n_subsets && sg.limit >= 0; i++)
        if (dr->subsets[i].name)
            suggest_offer(&sg, dr->subsets[i].name, dr->subsets[i].name, 0);
    return did_you_mean(x, &sg);
}

static void check_destination(struct xctx *x, const struct virtual_service *vs,
                              const struct destination *d, int http)
{
    struct vctx *v = x->v;
    if (d->host == NULL || strcmp(d->host, "*") == 0)
        return;
    const char *host = host_fqdn(&x->tmp, d->host, vs->meta.namespace);
    const struct service_entry *se = find_se(x, host);
    struct config_pos at = AT2(v, &d->host, d->pos);
    if (se == NULL)
        vc_coded(v, CONFIG_WARNING, "IST0101", at,
                 "destination host '%s' is not declared by any ServiceEntry%s", d->host,
                 suggest_host(x, d->host, host, vs->meta.namespace));
    else if (d->port && se->n_ports && !has_port(se, d->port))
        vc_coded(v, CONFIG_WARNING, "IST0101", AT2(v, &d->port, d->pos),
                 "port %u is not a port of ServiceEntry %s/%s", d->port, se->meta.namespace,
                 se->meta.name);
    else if (!d->port && http && se->n_ports > 1)
        vc_coded(v, CONFIG_WARNING, "IST0112", at,
                 "host '%s' has several ports: give destination.port", d->host);
    if (d->subset == NULL)
        return;
    const struct destination_rule *dr = find_dr(x, host, vs->meta.namespace);
    struct config_pos sat = AT2(v, &d->subset, d->pos);
    if (dr == NULL) {
        vc_coded(v, CONFIG_ERROR, "IST0101", sat,
                 "subset '%s' not found: no DestinationRule for host '%s'", d->subset, d->host);
        return;
    }
    if (has_subset(x, dr, d->subset))
        return;
    vc_coded(v, CONFIG_ERROR, "IST0101", sat,
             "subset '%s' not found in DestinationRule %s/%s (host '%s')%s", d->subset,
             dr->meta.namespace, dr->meta.name, dr->host, suggest_subset(x, dr, d->subset));
}

static void check_destinations(struct xctx *x, const struct virtual_service *vs)
{
    for (size_t i = 0; i < vs->n_http; i++) {
        for (size_t j = 0; j < vs->http[i].n_route; j++)
            check_destination(x, vs, &vs->http[i].route[j].destination, 1);
        for (size_t j = 0; j < vs->http[i].n_mirrors; j++)
            check_destination(x, vs, &vs->http[i].mirrors[j].destination, 1);
    }
    for (size_t i = 0; i < vs->n_tls; i++)
        for (size_t j = 0; j < vs->tls[i].n_route; j++)
            check_destination(x, vs, &vs->tls[i].route[j].destination, 0);
    for (size_t i = 0; i < vs->n_tcp; i++)
        for (size_t j = 0; j < vs->tcp[i].n_route; j++)
            check_destination(x, vs, &vs->tcp[i].route[j].destination, 0);
}

/* "mesh" stays "mesh"; NAME, NAMESPACE/NAME and NAME.NAMESPACE.svc.cluster.local
 * become "NAMESPACE/NAME". */
static const char *gateway_key(struct xctx *x, const char *ref, const char *ns)
{
    if (strcmp(ref, "mesh") == 0 || strchr(ref, '/'))
        return ref;
    const char *dot = strchr(ref, '.');
    if (dot == NULL)
        return arena_cat(&x->tmp, ns, "/", ref, NULL);
    const char *ns_start = dot + 1, *ns_end = strchr(ns_start, '.');
    size_t nl = ns_end ? (size_t)(ns_end - ns_start) : strlen(ns_start);
    return arena_printf(&x->tmp, "%.*s/%.*s", (int)nl, ns_start, (int)(dot - ref), ref);
}

/* A key "namespace/name" against a Gateway of the builder's sorted array. */
static int gateway_key_cmp(const void *key, const void *elem)
{
    const char *k = key, *slash = strchr(k, '/');
    const struct istio_meta *m = &(*(struct gateway *const *)elem)->meta;
    size_t nl = (size_t)(slash - k);
    int c = strncmp(k, m->namespace, nl);
    if (c == 0 && m->namespace[nl] != '\0')
        c = -1; /* the key's namespace is a prefix of the Gateway's */
    return c ? c : strcmp(slash + 1, m->name);
}

/* The first Gateway (in sorted order) with that key: of duplicates, always
 * the same one, whatever else the set holds (xref_memo.c relies on it). */
static const struct gateway *find_gateway(struct builder *b, const char *key)
{
    struct gateway **gw = sorted_find(key, b->gw, b->n_gw, sizeof(*b->gw), gateway_key_cmp);
    return gw ? *gw : NULL;
}

/* Does server host h (as written, maybe "ns/host") of gw expose host to
 * VirtualServices of namespace ns? */
static int server_host_exposes(const struct gateway *gw, const char *h, const char *host,
                               const char *ns)
{
    const char *slash = strchr(h, '/');
    if (slash) {
        size_t nl = (size_t)(slash - h);
        int ns_ok = (nl == 1 && h[0] == '*') ||
                    (nl == 1 && h[0] == '.' && strcmp(gw->meta.namespace, ns) == 0) ||
                    (strlen(ns) == nl && strncmp(h, ns, nl) == 0);
        if (!ns_ok)
            return 0;
        h = slash + 1;
    }
    return host_overlap(h, host);
}

/* Every host of every server of gw, indexed: exact hosts written without a
 * namespace part sorted by name; the rest (wildcards, "ns/host") kept apart. */
static struct name_index *gateway_hosts(struct xctx *x, const struct gateway *gw)
{
    struct name_index *ix = xref_names(&x->ix->gw_hosts, gw);
    if (ix->items != NULL || ix->wild != NULL)
        return ix;
    size_t total = 0;
    for (size_t i = 0; i < gw->n_servers; i++)
        total += gw->servers[i].n_hosts;
    ix->items = xcalloc(total + 1, sizeof(*ix->items));
    ix->wild = xcalloc(total + 1, sizeof(*ix->wild));
    size_t k = 0;
    for (size_t i = 0; i < gw->n_servers; i++)
        for (size_t j = 0; j < gw->servers[i].n_hosts; j++, k++) {
            const char *h = gw->servers[i].hosts[j];
            if (strchr(h, '*') || strchr(h, '/'))
                ix->wild[ix->n_wild++] = k;
            else
                ix->items[ix->n++] = (struct name_ref){h, k};
        }
    qsort(ix->items, ix->n, sizeof(*ix->items), name_ref_cmp);
    return ix;
}

/* Does a server of gw expose host to VirtualServices of namespace ns? */
static int gateway_exposes(struct xctx *x, const struct gateway *gw, const char *host,
                           const char *ns)
{
    size_t total = 0;
    for (size_t i = 0; i < gw->n_servers && total < INDEX_MIN; i++)
        total += gw->servers[i].n_hosts;
    int kept = total >= INDEX_MIN && xref_names_find(&x->ix->gw_hosts, gw) != NULL;
    if (total < INDEX_MIN || strchr(host, '*') || (!kept && x->name_scans > 0)) {
        x->name_scans -= total >= INDEX_MIN && x->name_scans > 0;
        for (size_t i = 0; i < gw->n_servers; i++)
            for (size_t j = 0; j < gw->servers[i].n_hosts; j++)
                if (server_host_exposes(gw, gw->servers[i].hosts[j], host, ns))
                    return 1;
        return 0;
    }
    /* an exact host is exposed by an equal exact server host or by one of
     * the others, each checked as the scan would */
    struct name_index *ix = gateway_hosts(x, gw);
    size_t i = name_first(ix, host);
    if (i < ix->n && strcmp(ix->items[i].name, host) == 0)
        return 1;
    for (size_t w = 0; w < ix->n_wild; w++) {
        size_t k = ix->wild[w];
        for (size_t s = 0; s < gw->n_servers; s++) {
            if (k < gw->servers[s].n_hosts) {
                if (server_host_exposes(gw, gw->servers[s].hosts[k], host, ns))
                    return 1;
                break;
            }
            k -= gw->servers[s].n_hosts;
        }
    }
    return 0;
}

struct binding_list {
    struct binding *items;
    size_t n, cap;
};

static int listed(const struct virtual_service *vs, const char *ref)
{
    for (size_t i = 0; i < vs->n_gateways; i++)
        if (strcmp(vs->gateways[i], ref) == 0)
            return 1;
    return vs->n_gateways == 0 && strcmp(ref, "mesh") == 0;
}

/* The Gateway closest to key ("namespace/name"): by name, one edit more
 * in another namespace, shown as a VirtualService of ns would write it.
 * Every Gateway is looked at: the VirtualService is checked again whenever
 * any changes. */
static const char *suggest_gateway(struct xctx *x, const char *key, const char *ns)
{
    const char *slash = strchr(key, '/');
    size_t nl = (size_t)(slash - key);
    struct suggest sg;
    suggest_init(&sg, slash + 1, suggest_name_limit(slash + 1));
    x->wide |= XMEMO_WIDE_GATEWAYS;
    struct builder *b = x->v->b;
    for (size_t i = 0; i < b->n_gw && sg.limit >= 0; i++) {
        const struct istio_meta *m = &b->gw[i]->meta;
        int same_ns = strlen(m->namespace) == nl && strncmp(m->namespace, key, nl) == 0;
        const char *shown = m->name;
        if (strcmp(m->namespace, ns) != 0)
            shown = arena_cat(&x->tmp, m->namespace, "/", m->name, NULL);
        suggest_offer(&sg, m->name, shown, !same_ns);
    }
    return did_you_mean(x, &sg);
}

/* Check one gateway reference; returns its key, or NULL when it is missing. */
static const char *check_ref(struct xctx *x, const struct virtual_service *vs, const char *ref,
                             struct config_pos at, const struct gateway **gw)
{
    const char *key = gateway_key(x, ref, vs->meta.namespace);
    *gw = NULL;
    if (strcmp(key, "mesh") == 0)
        return key;
    if (strchr(ref, '.') && !strchr(ref, '/'))
        vc_warn(x->v, at,
                "gateway '%s': the NAME.NAMESPACE.svc.cluster.local form is "
                "deprecated, write %s",
                ref, key);
    *gw = find_gateway(x->v->b, key);
    if (*gw == NULL) {
        vc_coded(x->v, CONFIG_ERROR, "IST0101", at, "Gateway %s not found (referenced as '%s')%s",
                 key, ref, suggest_gateway(x, key, vs->meta.namespace));
        return NULL;
    }
    return key;
}

static void check_gateways(struct xctx *x, const struct virtual_service *vs,
                           struct binding_list *bl)
{
    struct vctx *v = x->v;
    static const char *const mesh[] = {"mesh"};
    const char *const *refs = vs->n_gateways ? vs->gateways : mesh;
    size_t n = vs->n_gateways ? vs->n_gateways : 1;
    for (size_t i = 0; i < n; i++) {
        const struct gateway *gw;
        struct config_pos at = vs->n_gateways ? AT(v, &vs->gateways[i]) : AT(v, vs);
        const char *key = check_ref(x, vs, refs[i], at, &gw);
        if (key == NULL)
            continue;
        for (size_t h = 0; h < vs->n_hosts; h++) {
            struct config_pos hat = AT(v, &vs->hosts[h]);
            if (gw && !gateway_exposes(x, gw, vs->hosts[h], vs->meta.namespace))
                vc_coded(v, CONFIG_WARNING, "IST0132", hat,
                         "host '%s' is not exposed by any server of Gateway %s", vs->hosts[h],
                         key);
            xgrow((void **)&bl->items, &bl->cap, bl->n + 1, sizeof(*bl->items));
            bl->items[bl->n++] = (struct binding){
                key, host_fqdn(&x->tmp, vs->hosts[h], vs->meta.namespace), vs, hat};
        }
    }
    /* gateways named in matches must exist and be bound at the top */
    for (size_t i = 0; i < vs->n_http; i++)
        for (size_t j = 0; j < vs->http[i].n_match; j++) {
            const struct http_match *m = &vs->http[i].match[j];
            for (size_t k = 0; k < m->n_gateways; k++) {
                const struct gateway *gw;
                struct config_pos at = AT2(v, &m->gateways[k], m->pos);
                if (check_ref(x, vs, m->gateways[k], at, &gw) && !listed(vs, m->gateways[k]))
                    vc_warn(v, at,
                            "match gateway '%s' is not in spec.gateways: this match "
                            "never applies",
                            m->gateways[k]);
            }
        }
    const struct l4_route *l4[2] = {vs->tls, vs->tcp};
    size_t nl4[2] = {vs->n_tls, vs->n_tcp};
    for (int t = 0; t < 2; t++)
        for (size_t i = 0; i < nl4[t]; i++)
            for (size_t j = 0; j < l4[t][i].n_match; j++) {
                const struct l4_match *m = &l4[t][i].match[j];
                for (size_t k = 0; k < m->n_gateways; k++) {
                    const struct gateway *gw;
                    struct config_pos at = AT2(v, &m->gateways[k], m->pos);
                    if (check_ref(x, vs, m->gateways[k], at, &gw) && !listed(vs, m->gateways[k]))
                        vc_warn(v, at,
                                "match gateway '%s' is not in spec.gateways: this "
                                "match never applies",
                                m->gateways[k]);
                }
            }
}

/* Check vs afresh into its own diagnostics, which go with its bindings
 * into memo. */
static void check_vs(struct xctx *x, const struct virtual_service *vs, struct cross_memo *memo)
{
    struct vctx *v = x->v;
    struct builder *b = v->b;
    struct config_diags *out = v->diags, own = {0};
    struct binding_list bl = {0};
    v->meta = &vs->meta;
    v->pos = &builder_unit_of(b, &vs->meta)->pos;
    v->label = NULL; /* made on the first message (checks.c) */
    v->diags = &own;
    x->wide = 0;
    check_gateways(x, vs, &bl);
    check_destinations(x, vs);
    v->diags = out;
    cross_memo_put(memo, vs, &own, bl.items, bl.n, x->wide);
    free(bl.items);
}

/* The VirtualServices of units, into *todo. */
static void add_vs_of(const struct config_unit *const *units, size_t n,
                      const struct virtual_service ***todo, size_t *n_todo, size_t *cap)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < units[i]->n_res; j++)
            if (units[i]->res[j]->kind == KIND_VIRTUAL_SERVICE) {
                xgrow((void **)todo, cap, *n_todo + 1, sizeof(**todo));
                (*todo)[(*n_todo)++] = (const struct virtual_service *)units[i]->res[j];
            }
}

/* The VirtualServices to check: after a few changes, those of the changed
 * files and those whose lookups meet the changes (their entries leave the
 * memo); else every one (the memo starts empty). */
static const struct virtual_service **to_check(struct builder *b, struct cross_memo *memo,
                                               const struct xref_changes *changes, size_t *n)
{
    const struct virtual_service **todo = NULL;
    size_t cap = 0;
    *n = 0;
    if (changes == NULL) {
        cross_memo_clear(memo);
        todo = xcalloc(b->n_vs + 1, sizeof(*todo));
        if (b->n_vs > 0)
            memcpy(todo, b->vs, b->n_vs * sizeof(*todo));
        *n = b->n_vs;
        return todo;
    }
    add_vs_of(b->gone, b->n_gone, &todo, n, &cap);
    for (size_t i = 0; i < *n; i++)
        cross_memo_drop(memo, todo[i]);
    *n = 0;
    cross_memo_affected(memo, changes, &todo, n, &cap);
    add_vs_of(b->fresh, b->n_fresh, &todo, n, &cap);
    return todo;
}

void validate_cross(struct vctx *v)
{
    struct xctx x;
    memset(&x, 0, sizeof(x));
    x.v = v;
    arena_init(&x.tmp);
    struct builder *b = v->b;
    int kept = b->memo && *b->memo;
    struct cross_memo *memo = kept ? *b->memo : cross_memo_new();
    struct xref_changes *changes = kept ? xref_changes_new(b) : NULL;
    x.scans = x.name_scans = changes ? MAX_SCANS : 0;
    /* the last load's lookups, brought up to date, or new ones */
    x.ix = b->xindex && *b->xindex ? *b->xindex : xref_index_new();
    x.indexed = xref_index_carry(x.ix, b) == 0;
    size_t n;
    const struct virtual_service **todo = to_check(b, memo, changes, &n);
    for (size_t i = 0; i < n; i++)
        check_vs(&x, todo[i], memo);
    free(todo);
    /* the findings of every VirtualService, in the order of the set */
    cross_memo_diags(memo, v->diags);
    check_conflicts(v, cross_memo_mesh(memo));
    check_gateway_selectors(v, cross_memo_selectors(memo),
                            changes != NULL && !xref_changes_gateways(changes));
    check_sidecars(v);
    if (b->memo)
        *b->memo = memo;
    else
        cross_memo_free(memo);
    xref_changes_free(changes);
    if (b->xindex)
        *b->xindex = x.ix;
    else
        xref_index_free(x.ix);
    arena_release(&x.tmp);
}
