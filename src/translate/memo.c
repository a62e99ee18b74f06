/* memo.c - the clusters and load assignments of each service, remembered
 * per proxy class so that the next snapshot's build of the same class
 * reuses the packed bytes of every service whose inputs did not change.
 *
 * A service's clusters depend on its ServiceEntry, the host, the
 * DestinationRule chosen for it, the class (same class key: same proxy type,
 * namespace, generator) and the options (compared by the caller). Inputs are
 * compared as the structs themselves, byte for byte: a reload that did not
 * touch a file shares that file's decoded memory (config_load_cached), so an
 * unchanged resource has the same scalars and the same pointers; and since
 * the previous snapshot holds its config set while the next one is built,
 * none of that memory can have been reused for something else. Any other
 * difference, padding included, only makes the service be built again. */
#include "tr.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

struct memo_res {
    enum xds_type type;
    const char *name;     /* the view's copy */
    const uint8_t *bytes; /* owned by the view of the memo's snapshot */
    size_t len;
    uint64_t hash;
};

struct memo_ref {
    enum xds_type type;
    char *name, *from;
};

struct memo_svc {
    char *host;
    const struct service_entry *se;    /* in the memo's config set */
    const struct destination_rule *dr; /* or NULL */
    size_t first_res, n_res, first_ref, n_ref;
};

struct tr_memo {
    struct memo_svc *svcs; /* sorted by host once finished */
    size_t n_svcs, cap_svcs;
    struct memo_res *res;
    size_t n_res, cap_res;
    struct memo_ref *refs;
    size_t n_refs, cap_refs;
    struct memo_svc *open; /* the service being recorded */
    size_t n_reused;       /* services replayed from the previous memo */
};

struct tr_memo *tr_memo_new(void)
{
    return xcalloc(1, sizeof(struct tr_memo));
}

void tr_memo_free(struct tr_memo *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n_svcs; i++)
        free(m->svcs[i].host);
    for (size_t i = 0; i < m->n_refs; i++) {
        free(m->refs[i].name);
        free(m->refs[i].from);
    }
    free(m->svcs);
    free(m->res);
    free(m->refs);
    free(m);
}

static int svc_cmp(const void *pa, const void *pb)
{
    return strcmp(((const struct memo_svc *)pa)->host, ((const struct memo_svc *)pb)->host);
}

void tr_memo_finish(struct tr_memo *m)
{
    if (m->n_svcs > 1)
        qsort(m->svcs, m->n_svcs, sizeof(*m->svcs), svc_cmp);
}

static const struct memo_svc *memo_find(const struct tr_memo *m, const char *host)
{
    struct memo_svc key = {.host = (char *)host};
    return m->n_svcs ? bsearch(&key, m->svcs, m->n_svcs, sizeof(key), svc_cmp) : NULL;
}

static int same_struct(const void *a, const void *b, size_t size)
{
    if (a == NULL || b == NULL)
        return a == b;
    return memcmp(a, b, size) == 0;
}

void tr_memo_begin(struct tr_build *b, const struct tr_svc *svc, const struct destination_rule *dr)
{
    struct tr_memo *m = b->memo;
    if (m == NULL)
        return;
    xgrow((void **)&m->svcs, &m->cap_svcs, m->n_svcs + 1, sizeof(*m->svcs));
    struct memo_svc *s = &m->svcs[m->n_svcs++];
    *s = (struct memo_svc){xstrdup(svc->host), svc->se, dr, m->n_res, 0, m->n_refs, 0};
    m->open = s;
}

void tr_memo_end(struct tr_build *b)
{
    if (b->memo != NULL)
        b->memo->open = NULL;
}

void tr_memo_emitted(struct tr_build *b, enum xds_type t)
{
    struct tr_memo *m = b->memo;
    if (m == NULL || m->open == NULL)
        return;
    const struct xds_resource *r = &xds_view_items(b->view, t)[xds_view_count(b->view, t) - 1];
    xgrow((void **)&m->res, &m->cap_res, m->n_res + 1, sizeof(*m->res));
    m->res[m->n_res++] = (struct memo_res){t, r->name, r->bytes, r->len, r->hash};
    m->open->n_res++;
}

void tr_memo_referred(struct tr_build *b, enum xds_type t, const char *name, const char *from)
{
    struct tr_memo *m = b->memo;
    if (m == NULL || m->open == NULL)
        return;
    xgrow((void **)&m->refs, &m->cap_refs, m->n_refs + 1, sizeof(*m->refs));
    m->refs[m->n_refs++] = (struct memo_ref){t, xstrdup(name), xstrdup(from)};
    m->open->n_ref++;
}

int tr_memo_replay(struct tr_build *b, const struct tr_svc *svc, const struct destination_rule *dr)
{
    const struct tr_memo *prev = b->memo_prev;
    const struct memo_svc *s = prev ? memo_find(prev, svc->host) : NULL;
    if (s == NULL || !same_struct(s->se, svc->se, sizeof(*svc->se)) ||
        !same_struct(s->dr, dr, sizeof(*dr)))
        return 0;
    if (b->memo == NULL)
        return 0;
    tr_memo_begin(b, svc, dr);
    for (size_t i = 0; i < s->n_res; i++) {
        const struct memo_res *r = &prev->res[s->first_res + i];
        uint8_t *copy = xmalloc(r->len ? r->len : 1);
        memcpy(copy, r->bytes, r->len);
        tr_emit_packed(b, r->type, r->name, copy, r->len, r->hash);
    }
    for (size_t i = 0; i < s->n_ref; i++) {
        const struct memo_ref *r = &prev->refs[s->first_ref + i];
        tr_ref(b, r->type, ar_strdup(b->a, r->name), ar_strdup(b->a, r->from));
    }
    tr_memo_end(b);
    b->memo->n_reused++;
    return 1;
}

size_t tr_memo_reused(const struct tr_memo *m)
{
    return m->n_reused;
}
