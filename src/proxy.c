/* proxy.c - the identity of a proxy, from the parts of its Node. */
#include "xdsd/proxy.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

static int kv_cmp(const void *a, const void *b)
{
    const struct config_kv *x = a, *y = b;
    return strcmp(x->key, y->key);
}

static int field_count(const char *id)
{
    int n = 1;
    for (const char *p = id; *p; p++)
        n += *p == '~';
    return n;
}

/* The n-th '~'-separated field of id (0-based); id has more than n fields. */
static char *id_field(const char *id, int n)
{
    const char *p = id;
    for (int i = 0; i < n; i++)
        p = strchr(p, '~') + 1;
    const char *end = strchr(p, '~');
    return xstrndup(p, end ? (size_t)(end - p) : strlen(p));
}

/* The namespace an Istio-form id names: POD.NAMESPACE, else the fourth
 * field's NAMESPACE.svc.cluster.local. */
static char *id_namespace(const char *pod, const char *id)
{
    const char *dot = strchr(pod, '.');
    if (dot && dot[1])
        return xstrdup(dot + 1);
    char *dom = id_field(id, 3);
    size_t len = strcspn(dom, ".");
    char *ns = len ? xstrndup(dom, len) : xstrdup("default");
    free(dom);
    return ns;
}

void proxy_identity_init(struct proxy_identity *p, const char *id, const char *type_hint,
                         const char *namespace, const struct config_kv *labels, size_t n_labels,
                         const char *generator)
{
    memset(p, 0, sizeof(*p));
    p->id = xstrdup(id ? id : "");
    int istio_form = field_count(p->id) == 4;
    char *type = istio_form ? id_field(p->id, 0) : NULL;
    const char *t = istio_form ? type : type_hint;
    p->type = t && strcmp(t, "router") == 0 ? PROXY_ROUTER : PROXY_SIDECAR;
    p->ip = istio_form ? id_field(p->id, 1) : xstrdup("");
    p->pod = istio_form ? id_field(p->id, 2) : xstrdup("");
    if (namespace && *namespace)
        p->namespace = xstrdup(namespace);
    else if (istio_form)
        p->namespace = id_namespace(p->pod, p->id);
    else
        p->namespace = xstrdup("default");
    free(type);

    p->labels = xcalloc(n_labels ? n_labels : 1, sizeof(*p->labels));
    for (size_t i = 0; i < n_labels; i++) {
        p->labels[i].key = xstrdup(labels[i].key);
        p->labels[i].value = xstrdup(labels[i].value);
    }
    p->n_labels = n_labels;
    qsort(p->labels, n_labels, sizeof(*p->labels), kv_cmp);
    p->proxyless_grpc = generator && strcmp(generator, "grpc") == 0;
}

void proxy_labels_free(struct config_kv *labels, size_t n)
{
    for (size_t i = 0; labels && i < n; i++) {
        free((char *)labels[i].key);
        free((char *)labels[i].value);
    }
    free(labels);
}

void proxy_identity_release(struct proxy_identity *p)
{
    free(p->id);
    free(p->ip);
    free(p->pod);
    free(p->namespace);
    free(p->spiffe);
    proxy_labels_free(p->labels, p->n_labels);
    memset(p, 0, sizeof(*p));
}

struct config_kv *proxy_labels_parse(const char *text, size_t *n)
{
    struct config_kv *out = NULL;
    size_t cap = 0, count = 0;
    const char *p = text;
    *n = 0;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        if (eq == NULL || eq == p) {
            proxy_labels_free(out, count);
            *n = (size_t)-1;
            return NULL;
        }
        xgrow((void **)&out, &cap, count + 1, sizeof(*out));
        out[count].key = xstrndup(p, (size_t)(eq - p));
        out[count].value = xstrndup(eq + 1, len - (size_t)(eq - p) - 1);
        count++;
        p += len;
        if (*p == ',')
            p++;
    }
    *n = count;
    return out;
}

const char *proxy_label(const struct proxy_identity *p, const char *key)
{
    struct config_kv k = {.key = key};
    struct config_kv *hit = bsearch(&k, p->labels, p->n_labels, sizeof(k), kv_cmp);
    return hit ? hit->value : NULL;
}
