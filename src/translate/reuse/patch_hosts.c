/* patch_hosts.c - an edit of a ServiceEntry's hosts (one added or removed,
 * everything else of it as it was), applied to the previous view of a class
 * with the cluster patch (patch_clusters.c) instead of building it again.
 *
 * A host is a service: its clusters and load assignments, and in a
 * sidecar's route configuration of each of its HTTP ports a virtual host
 * "HOST:PORT". Nothing else reads it when nothing else names it: no other
 * ServiceEntry has the host, no VirtualService has it as a host (or a
 * pattern matching it) or as a destination, no Sidecar scopes what proxies
 * see, and the ServiceEntry's ports are all HTTP (a listener per port, the
 * same with or without the host) with no addresses. Its domains are then
 * the host and "HOST." (no short names: not a cluster.local host), which no
 * other virtual host has. A gateway reads hosts only through
 * VirtualServices, and a proxyless client is offered only STATIC services:
 * for those the cluster patch is the whole edit. For a sidecar, the virtual
 * hosts of the added hosts are made (with the maker a build hands the
 * patch) and put in name order into the previous route configuration's
 * bytes, and those of the removed hosts cut out. Anything else is built. */
#include "parts.h"

#include "xdsd/sorted.h"

#include <stdatomic.h>
#include <stdlib.h>

/* Ports whose listener is the port's own HTTP one, whatever the hosts. */
static int http_ports_only(const struct service_entry *se)
{
    for (size_t p = 0; p < se->n_ports; p++)
        if (!tr_is_http(se->ports[p].protocol) || se->ports[p].protocol == PROTO_UNSET ||
            se->ports[p].number == TR_CAPTURE_PORT)
            return 0;
    return se->n_ports > 0;
}

/* a and c, two versions of one ServiceEntry, differ in hosts (and
 * endpoints) only, in the shape described above. */
static int hosts_only(const struct service_entry *a, const struct service_entry *c)
{
    if (!tr_same_str(a->meta.namespace, c->meta.namespace) ||
        !tr_same_str(a->meta.name, c->meta.name) || a->n_ports != c->n_ports ||
        a->location != c->location || a->resolution != c->resolution || a->n_addresses != 0 ||
        c->n_addresses != 0 || a->has_workload_selector != c->has_workload_selector ||
        !tr_same_labels(&a->workload_selector, &c->workload_selector) ||
        !tr_same_strv(a->export_to, a->n_export_to, c->export_to, c->n_export_to) ||
        !http_ports_only(a))
        return 0;
    for (size_t p = 0; p < a->n_ports; p++) {
        const struct istio_port *x = &a->ports[p], *y = &c->ports[p];
        if (x->number != y->number || x->protocol != y->protocol ||
            x->target_port != y->target_port || !tr_same_str(x->name, y->name))
            return 0;
    }
    return 1;
}

/* A host whose virtual host has the host and "HOST." as its only domains. */
static int plain_host(const char *fqdn)
{
    size_t n = strlen(fqdn), ls = strlen("." HOST_SERVICE_DOMAIN);
    return strchr(fqdn, '*') == NULL &&
           !(n > ls && strcmp(fqdn + n - ls, "." HOST_SERVICE_DOMAIN) == 0);
}

static int in_list(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (v[i][0] == s[0] && strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* ---- the hosts VirtualServices name ------------------------------------------------------ */

/* What VirtualServices name, as written: hosts with a dot (a name without
 * one is made a cluster.local one, never a plain host), by hash, and
 * patterns. Kept from snapshot to snapshot while the VirtualServices stay
 * the same: at 10,000 of them a look at each costs more than the rest of a
 * patch. Two names of one hash only make a patch refuse what it could take. */
struct tr_vs_names {
    atomic_int refs;
    struct arena *a;
    uint64_t *hash; /* sorted */
    size_t n, cap;
    struct pvec patterns; /* VirtualService hosts starting with '*' */
};

static uint64_t name_hash(const char *host)
{
    return hash_block(HASH_SEED, host, strlen(host));
}

/* Note host, a name of vs: its hosts are noted first, and a destination
 * that is one of them or the last one noted (the egress gateway, named by
 * thousands of VirtualServices in a row) is not noted again. */
static void note_name(struct tr_vs_names *n, const struct virtual_service *vs, const char *host,
                      const char **last)
{
    if (host == NULL || (host[0] != '*' && strchr(host, '.') == NULL))
        return;
    if (*last != NULL && strcmp(host, *last) == 0)
        return;
    for (size_t h = 0; vs != NULL && h < vs->n_hosts; h++)
        if (strcmp(host, vs->hosts[h]) == 0)
            return;
    *last = host;
    if (host[0] == '*') {
        pvec_push(n->a, &n->patterns, arena_strdup(n->a, host));
        return;
    }
    xgrow((void **)&n->hash, &n->cap, n->n + 1, sizeof(*n->hash));
    n->hash[n->n++] = name_hash(host);
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void note_l4(struct tr_vs_names *n, const struct virtual_service *vs,
                    const struct l4_route *r, size_t count, const char **last)
{
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < r[i].n_route; k++)
            note_name(n, vs, r[i].route[k].destination.host, last);
}

struct tr_vs_names *tr_vs_names_new(const struct translate_model *m)
{
    struct tr_vs_names *n = xcalloc(1, sizeof(*n));
    atomic_init(&n->refs, 1);
    n->a = arena_new();
    const char *last = NULL;
    for (size_t v = 0; v < m->n_virtual_services; v++) {
        const struct virtual_service *vs = &m->virtual_services[v];
        for (size_t h = 0; h < vs->n_hosts; h++)
            note_name(n, NULL, vs->hosts[h], &last);
        for (size_t i = 0; i < vs->n_http; i++) {
            const struct http_route *hr = &vs->http[i];
            for (size_t k = 0; k < hr->n_route; k++)
                note_name(n, vs, hr->route[k].destination.host, &last);
            for (size_t k = 0; k < hr->n_mirrors; k++)
                note_name(n, vs, hr->mirrors[k].destination.host, &last);
        }
        note_l4(n, vs, vs->tls, vs->n_tls, &last);
        note_l4(n, vs, vs->tcp, vs->n_tcp, &last);
    }
    if (n->n > 1)
        qsort(n->hash, n->n, sizeof(*n->hash), u64_cmp);
    return n;
}

struct tr_vs_names *tr_vs_names_ref(struct tr_vs_names *n)
{
    if (n != NULL)
        atomic_fetch_add_explicit(&n->refs, 1, memory_order_relaxed);
    return n;
}

void tr_vs_names_unref(struct tr_vs_names *n)
{
    if (n == NULL || atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) != 1)
        return;
    arena_free(n->a);
    free(n->hash);
    free(n);
}

/* Does a VirtualService of m name one of hosts (as tr_vs_names_new()
 * would note them)? One look at each, for a change of hosts with no names
 * kept. */
static int vs_name_any(const struct translate_model *m, const char *const *hosts, size_t n)
{
    for (size_t v = 0; v < m->n_virtual_services; v++) {
        const struct virtual_service *vs = &m->virtual_services[v];
        for (size_t h = 0; h < vs->n_hosts; h++)
            for (size_t k = 0; k < n; k++)
                if (vs->hosts[h][0] == '*' ? host_match(vs->hosts[h], hosts[k])
                                           : strcmp(vs->hosts[h], hosts[k]) == 0)
                    return 1;
        for (size_t i = 0; i < vs->n_http; i++) {
            const struct http_route *hr = &vs->http[i];
            for (size_t k = 0; k < hr->n_route; k++)
                if (in_list(hosts, n, hr->route[k].destination.host))
                    return 1;
            for (size_t k = 0; k < hr->n_mirrors; k++)
                if (in_list(hosts, n, hr->mirrors[k].destination.host))
                    return 1;
        }
        const struct l4_route *l4[2] = {vs->tls, vs->tcp};
        size_t n4[2] = {vs->n_tls, vs->n_tcp};
        for (int t = 0; t < 2; t++)
            for (size_t i = 0; i < n4[t]; i++)
                for (size_t k = 0; k < l4[t][i].n_route; k++)
                    if (in_list(hosts, n, l4[t][i].route[k].destination.host))
                        return 1;
    }
    return 0;
}

/* Nothing in m but ServiceEntry se names any of hosts (plain hosts: a name
 * without a dot, made a cluster.local one, is none of them); vs: what m's
 * VirtualServices name, or NULL to look at each. */
static int named_by_se_alone(const struct translate_model *m, const struct tr_vs_names *vs,
                             size_t se, const char *const *hosts, size_t n)
{
    for (size_t i = 0; i < m->n_service_entries; i++) {
        const struct service_entry *e = &m->service_entries[i];
        for (size_t h = 0; i != se && h < e->n_hosts; h++)
            if (in_list(hosts, n, e->hosts[h]))
                return 0;
    }
    if (vs == NULL)
        return !vs_name_any(m, hosts, n);
    for (size_t k = 0; k < n; k++) {
        uint64_t h = name_hash(hosts[k]);
        if (sorted_find(&h, vs->hash, vs->n, sizeof(h), u64_cmp) != NULL)
            return 0;
        for (size_t p = 0; p < vs->patterns.n; p++)
            if (host_match(vs->patterns.v[p], hosts[k]))
                return 0;
    }
    return 1;
}

int tr_host_change_of(struct arena *a, const struct translate_model *pm,
                      const struct translate_model *m, const struct tr_vs_names *vs, size_t se,
                      struct tr_host_change *hc)
{
    const struct service_entry *was = &pm->service_entries[se], *now = &m->service_entries[se];
    if (m->n_sidecars > 0 || !hosts_only(was, now))
        return 0;
    const char **old = arena_alloc(a, (was->n_hosts + 1) * sizeof(*old));
    const char **cur = arena_alloc(a, (now->n_hosts + 1) * sizeof(*cur));
    for (size_t h = 0; h < was->n_hosts; h++)
        old[h] = host_fqdn(a, was->hosts[h], was->meta.namespace);
    for (size_t h = 0; h < now->n_hosts; h++)
        cur[h] = host_fqdn(a, now->hosts[h], now->meta.namespace);
    *hc = (struct tr_host_change){.se = se};
    hc->added = arena_alloc(a, (now->n_hosts + 1) * sizeof(*hc->added));
    hc->removed = arena_alloc(a, (was->n_hosts + 1) * sizeof(*hc->removed));
    for (size_t h = 0; h < now->n_hosts; h++)
        if (!in_list(old, was->n_hosts, cur[h]))
            hc->added[hc->n_added++] = cur[h];
    for (size_t h = 0; h < was->n_hosts; h++)
        if (!in_list(cur, now->n_hosts, old[h]))
            hc->removed[hc->n_removed++] = old[h];
    for (size_t i = 0; i < hc->n_added + hc->n_removed; i++)
        if (!plain_host(i < hc->n_added ? hc->added[i] : hc->removed[i - hc->n_added]))
            return 0;
    if (hc->n_added + hc->n_removed == 0)
        return 0; /* something else of it changed */
    /* the other ServiceEntries name the same hosts in pm and m (a patch
     * takes changes of endpoints or of this one's hosts alone), and the
     * VirtualServices are the same: one look at m covers both */
    const char **both = arena_alloc(a, (hc->n_added + hc->n_removed + 1) * sizeof(*both));
    memcpy(both, hc->added, hc->n_added * sizeof(*both));
    memcpy(both + hc->n_added, hc->removed, hc->n_removed * sizeof(*both));
    return named_by_se_alone(m, vs, se, both, hc->n_added + hc->n_removed);
}

struct tr_lookup *tr_host_lookups(struct arena *a, const struct tr_host_change *hc,
                                  const struct translate_model *m, const struct proxy_identity *id)
{
    const struct service_entry *se = &m->service_entries[hc->se];
    int sees = host_exported(se->export_to, se->n_export_to, se->meta.namespace, id->namespace);
    size_t n = hc->n_added + hc->n_removed;
    struct tr_lookup *v = arena_alloc(a, (n + 1) * sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        int added = i < hc->n_added;
        v[i] = (struct tr_lookup){added ? hc->added[i] : hc->removed[i - hc->n_added], 0,
                                  added && sees ? hc->se : SIZE_MAX};
    }
    v[n] = (struct tr_lookup){0};
    return v;
}

int tr_host_change_names(const struct tr_host_change *hc, const char *host)
{
    return in_list(hc->added, hc->n_added, host) || in_list(hc->removed, hc->n_removed, host);
}

/* ---- a sidecar's route configurations ---------------------------------------------------- */

static size_t get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    size_t n = 0;
    *v = 0;
    for (int shift = 0; p + n < end && shift < 64; shift += 7) {
        uint8_t byte = p[n++];
        *v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return n;
    }
    return 0;
}

/* Virtual host i of a route configuration's bytes (its field at off[i]):
 * its name, and whether it is the catch-all (its one domain "*"). NULL
 * when the bytes are not as packed (then the class is built). */
static const char *vhost_name(const uint8_t *rc, const size_t *off, size_t i, size_t *len,
                              int *catch_all)
{
    const uint8_t *p = rc + off[i], *end = rc + off[i + 1];
    uint64_t tag, l;
    size_t k = get_varint(p, end, &tag);
    if (k == 0 || tag != ((2 << 3) | 2) || (p += k, k = get_varint(p, end, &l)) == 0)
        return NULL;
    p += k;
    const char *name = NULL;
    size_t n_domains = 0;
    *catch_all = 0;
    while (p < end) {
        if ((k = get_varint(p, end, &tag)) == 0 || (tag & 7) != 2)
            break; /* the fields after name and domains are not read */
        p += k;
        if ((k = get_varint(p, end, &l)) == 0 || l > (uint64_t)(end - p - (long)k))
            return NULL;
        p += k;
        if (tag >> 3 == 1) {
            name = (const char *)p;
            *len = (size_t)l;
        } else if (tag >> 3 == 2) {
            *catch_all = ++n_domains == 1 && l == 1 && *p == '*';
        } else {
            break;
        }
        p += l;
    }
    *catch_all &= n_domains == 1;
    return name;
}

static int name_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c != 0 ? c : (la > lb) - (la < lb);
}

/* A virtual host to put in, and where. */
struct vh_add {
    size_t at; /* before the previous configuration's virtual host at */
    const char *name;
    const uint8_t *bytes;
    size_t len;
    uint8_t *owned;
};

static int add_cmp(const void *x, const void *y)
{
    const struct vh_add *a = x, *b = y;
    return a->at != b->at ? (a->at > b->at) - (a->at < b->at) : strcmp(a->name, b->name);
}

/* A route configuration old of the previous view (its record rec) with
 * adds put in and the virtual hosts at the positions in cut left out, into
 * out: its bytes and record. */
static void splice_rc(const struct xds_resource *old, const struct tr_rc_patch *rec,
                      struct vh_add *adds, size_t n_adds, const unsigned char *cut, size_t n_cut,
                      struct tr_host_rc *out)
{
    size_t n = rec->n + n_adds - n_cut, total = old->len;
    for (size_t i = 0; i < n_adds; i++)
        total += 1 + 10 + adds[i].len;
    qsort(adds, n_adds, sizeof(*adds), add_cmp);
    struct tr_rc_patch *q = tr_rc_patch_resized(rec, n);
    uint8_t *bytes = xds_bytes_new(total), *w = bytes;
    memcpy(w, old->bytes, rec->off[0]);
    w += rec->off[0];
    size_t j = 0, k = 0;
    for (size_t i = 0; i <= rec->n; i++) {
        for (; k < n_adds && adds[k].at == i; k++, j++) {
            q->off[j] = (size_t)(w - bytes);
            q->vh_hash[j] = hash_block(HASH_SEED, adds[k].bytes, adds[k].len);
            q->r[j] = NULL; /* it reads no VirtualService */
            w += tr_put_vhost_field(w, adds[k].bytes, adds[k].len);
        }
        if (i == rec->n || cut[i])
            continue;
        size_t len = rec->off[i + 1] - rec->off[i];
        q->off[j] = (size_t)(w - bytes);
        q->vh_hash[j] = rec->vh_hash[i];
        q->r[j++] = rec->r[i];
        memcpy(w, old->bytes + rec->off[i], len);
        w += len;
    }
    q->off[n] = (size_t)(w - bytes);
    memcpy(w, old->bytes + rec->off[rec->n], old->len - rec->off[rec->n]);
    w += old->len - rec->off[rec->n];
    size_t len = (size_t)(w - bytes);
    out->res = (struct xds_resource){.name = old->name, .bytes = bytes, .len = len,
                                     .hash = tr_rc_hash(bytes, len, q->off, q->vh_hash, n),
                                     .counted = 1};
    out->rec = q;
}

/* The virtual host of added host on port: made (NULL: none, e.g. no
 * cluster) and packed into add. */
static int make_vhost(struct tr_build *s, const struct tr_steps *steps,
                      const struct tr_host_change *hc, const char *host, uint32_t port,
                      struct vh_add *add)
{
    const struct tr_svc *svc = tr_find_svc(s, host);
    if (svc == NULL || svc->se != &s->m->service_entries[hc->se])
        return 0; /* not a service this proxy sees */
    struct tr_recipe *r = tr_recipe_new(s, TR_VH_SERVICE, port, host, 0);
    r->se = hc->se;
    VirtualHost *v = steps->vhost[TR_VH_SERVICE](s, r);
    if (v == NULL)
        return 0;
    add->bytes = tr_seam_vhost_bytes(s, v, v->n_domains, &add->len, &add->owned);
    return 1;
}

/* Where a virtual host called name is, or goes, among the sorted ones of
 * rec (the catch-all stays last); *found: one is called so. -1 when the
 * bytes cannot be read. */
static long position(const struct xds_resource *old, const struct tr_rc_patch *rec,
                     const char *name, int *found)
{
    size_t lo = 0, hi = rec->n, nl, len = strlen(name);
    int catch_all;
    *found = 0;
    if (hi > 0 && vhost_name(old->bytes, rec->off, hi - 1, &nl, &catch_all) != NULL && catch_all)
        hi--;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *at = vhost_name(old->bytes, rec->off, mid, &nl, &catch_all);
        if (at == NULL)
            return -1;
        int c = name_cmp(at, nl, name, len);
        if (c == 0) {
            *found = 1;
            return (long)mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo;
}

int tr_host_routes_make(struct tr_build *s, const struct tr_steps *steps,
                        const struct tr_memo *prev, const struct tr_host_change *hc,
                        struct tr_host_routes *out)
{
    const struct service_entry *se = &s->m->service_entries[hc->se];
    const struct xds_view *pv = tr_memo_view(prev);
    *out = (struct tr_host_routes){0};
    out->rc = arena_alloc(s->a, (se->n_ports + 1) * sizeof(*out->rc));
    for (size_t p = 0; p < se->n_ports; p++) {
        uint32_t port = se->ports[p].number;
        char name[16];
        snprintf(name, sizeof(name), "%u", port);
        const struct xds_resource *old = xds_view_find(pv, XDS_ROUTE, name);
        const struct tr_rc_patch *rec = tr_memo_rc_patch(prev, name);
        if (old == NULL || rec == NULL || rec->trimmed)
            return 0;
        struct vh_add *adds = arena_alloc(s->a, (hc->n_added + 1) * sizeof(*adds));
        unsigned char *cut = arena_alloc(s->a, rec->n + 1);
        memset(cut, 0, rec->n + 1);
        size_t n_adds = 0, n_cut = 0;
        int ok = 1;
        for (size_t h = 0; ok && h < hc->n_added + hc->n_removed; h++) {
            int adding = h < hc->n_added, found;
            const char *host = adding ? hc->added[h] : hc->removed[h - hc->n_added];
            const char *vname = arena_printf(s->a, "%s:%u", host, port);
            long at = position(old, rec, vname, &found);
            ok = at >= 0 && !(adding && found);
            if (ok && !adding) { /* its virtual host, if it had one */
                n_cut += (size_t)found;
                cut[at] |= (unsigned char)found;
            } else if (ok && make_vhost(s, steps, hc, host, port, &adds[n_adds])) {
                adds[n_adds].name = vname;
                adds[n_adds++].at = (size_t)at;
            }
        }
        if (ok && n_adds + n_cut > 0)
            splice_rc(old, rec, adds, n_adds, cut, n_cut, &out->rc[out->n++]);
        for (size_t i = 0; i < n_adds; i++)
            free(adds[i].owned);
        if (!ok)
            return 0;
    }
    return 1;
}

void tr_host_routes_apply(struct tr_build *b, struct tr_host_routes *hr)
{
    const struct xds_resource **put = arena_alloc(b->a, (hr->n + 1) * sizeof(*put));
    for (size_t i = 0; i < hr->n; i++)
        put[i] = &hr->rc[i].res;
    if (hr->n > 0 && xds_view_patch(b->view, XDS_ROUTE, tr_memo_view(b->reuse->prev), put,
                                    hr->n, NULL, 0) < 0)
        abort(); /* each replaces a route configuration of the previous view */
    for (size_t i = 0; i < hr->n; i++) {
        tr_memo_set_rc(b->reuse->memo, hr->rc[i].rec);
        hr->rc[i].rec = NULL;
    }
    tr_host_routes_drop(hr);
}

void tr_host_routes_drop(struct tr_host_routes *hr)
{
    for (size_t i = 0; i < hr->n; i++) {
        xds_bytes_unref((uint8_t *)hr->rc[i].res.bytes);
        if (hr->rc[i].rec != NULL)
            tr_rc_patch_unref(hr->rc[i].rec);
    }
    hr->n = 0;
}
