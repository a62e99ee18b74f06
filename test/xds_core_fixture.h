/* xds_core_fixture.h - requests, views and responses of the xDS protocol
 * core in a line each, for its tests (t_xds_core*.c). Each test file has its
 * own copy of the last result, version and nonce. */
#ifndef XDSD_TEST_XDS_CORE_FIXTURE_H
#define XDSD_TEST_XDS_CORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/xds/core.h"
#include "unit.h"
#include "xdsd/util.h"

#define CDS XDS_CLUSTER
#define EDS XDS_ENDPOINT
#define LDS XDS_LISTENER
#define RDS XDS_ROUTE

/* A view from "c:name=content e:name=content l:... r:..." */
static inline struct xds_view *mkview(const char *spec)
{
    struct xds_view *v = xds_view_new();
    char *copy = xstrdup(spec), *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        int t = tok[0] == 'c' ? CDS : tok[0] == 'e' ? EDS : tok[0] == 'l' ? LDS : RDS;
        char *eq = strchr(tok, '=');
        *eq = '\0';
        xds_view_add(v, t, tok + 2, (uint8_t *)xstrdup(eq + 1), strlen(eq + 1));
    }
    free(copy);
    CHECK(xds_view_finish(v, NULL) == 0);
    return v;
}

/* Split "a b c" into a heap array (NULL or "" gives none). */
static inline char **split(const char *s, size_t *n)
{
    *n = 0;
    size_t cap = 0;
    char **v = NULL;
    xgrow((void **)&v, &cap, 1, sizeof(*v));
    if (s == NULL)
        return v;
    char *copy = xstrdup(s), *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        xgrow((void **)&v, &cap, *n + 1, sizeof(*v));
        v[(*n)++] = xstrdup(tok);
    }
    free(copy);
    return v;
}

static inline void split_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static struct xds_req_result last;

/* A SotW request; error != NULL makes it a NACK. Returns xds_core_request's result. */
static inline int sotw(struct xds_core *s, int t, const char *version, const char *nonce,
                const char *names, const char *error)
{
    struct xds_request r = {.type_url = xds_type_url(t),
                            .nonce = nonce ? nonce : "",
                            .version_info = version ? version : "",
                            .has_error = error != NULL,
                            .error_message = error};
    char **v = split(names, &r.n_names);
    r.names = v;
    char *err = NULL;
    int rc = xds_core_request(s, &r, 1000, &last, &err);
    free(err);
    split_free(v, r.n_names);
    return rc;
}

static inline int delta(struct xds_core *s, int t, const char *nonce, const char *sub, const char *unsub,
                 const char *initial, const char *error)
{
    struct xds_request r = {.type_url = xds_type_url(t),
                            .nonce = nonce ? nonce : "",
                            .has_error = error != NULL,
                            .error_message = error};
    char **a = split(sub, &r.n_subscribe), **b = split(unsub, &r.n_unsubscribe);
    size_t ni;
    char **init = split(initial, &ni); /* "name=version ..." */
    char **names = xcalloc(64, sizeof(char *)), **versions = xcalloc(64, sizeof(char *));
    for (size_t i = 0; i < ni; i++) {
        char *eq = strchr(init[i], '=');
        *eq = '\0';
        names[i] = init[i];
        versions[i] = eq + 1;
    }
    r.subscribe = a;
    r.unsubscribe = b;
    r.initial_names = names;
    r.initial_versions = versions;
    r.n_initial = ni;
    char *err = NULL;
    int rc = xds_core_request(s, &r, 1000, &last, &err);
    free(err);
    split_free(a, r.n_subscribe);
    split_free(b, r.n_unsubscribe);
    split_free(init, ni);
    free(names);
    free(versions);
    return rc;
}

/* The next response as "TYPE names | removed", or "" when nothing is due.
 * The last response's version and nonce land in ver / nonce. */
static char ver[XDS_VERSION_MAX], nonce[XDS_NONCE_MAX];
static char outbuf[1024];

static inline const char *next(struct xds_core *s, const struct xds_view *v)
{
    struct xds_out o;
    outbuf[0] = '\0';
    if (!xds_core_next(s, v, 1, &o))
        return outbuf;
    size_t len = (size_t)snprintf(outbuf, sizeof(outbuf), "%s", xds_type_short(o.type));
    for (size_t i = 0; i < o.n_res; i++)
        len += (size_t)snprintf(outbuf + len, sizeof(outbuf) - len, " %s", o.res[i]->name);
    if (o.delta) {
        len += (size_t)snprintf(outbuf + len, sizeof(outbuf) - len, " |");
        for (size_t i = 0; i < o.n_removed; i++)
            len += (size_t)snprintf(outbuf + len, sizeof(outbuf) - len, " %s", o.removed[i]);
    }
    memcpy(ver, o.version, sizeof(ver));
    memcpy(nonce, o.nonce, sizeof(nonce));
    xds_out_release(&o);
    return outbuf;
}

/* The view most core tests start from. */
static const char *V1 __attribute__((unused)) = "c:a=1 c:b=1 e:a=1 e:b=1 l:l0=1 r:r0=1 r:r1=1";

#endif
