/* route.c - which virtual host and which route take a request, as Envoy
 * decides: domains exact first, then suffix wildcards ("*.cnn.com",
 * longest first), then prefix wildcards ("edition.*"), then "*"; routes in
 * their order, the first whose path and header matchers all hold. */
#include "sim.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xdsd/util.h"

/* How domain d takes host: a large value for exact, the pattern length
 * for wildcards (suffix ones above prefix ones), 1 for "*", 0 for not. */
static size_t domain_score(const char *d, const char *host)
{
    size_t ld = strlen(d), lh = strlen(host);
    if (strcmp(d, "*") == 0)
        return 1;
    if (strcasecmp(d, host) == 0)
        return 1u << 30;
    /* a wildcard needs at least one character of its own */
    if (d[0] == '*' && lh > ld - 1 && strcasecmp(host + lh - (ld - 1), d + 1) == 0)
        return (1u << 20) + ld;
    if (d[ld - 1] == '*' && lh > ld - 1 && strncasecmp(host, d, ld - 1) == 0)
        return (1u << 10) + ld;
    return 0;
}

VirtualHost *sim_virtual_host(const RouteConfig *rc, const char *authority)
{
    char *host = xstrdup(authority);
    if (rc->ignore_port_in_host_matching) {
        char *colon = strrchr(host, ':');
        if (colon && host[0] != '[')
            *colon = '\0';
    }
    VirtualHost *best = NULL;
    size_t best_score = 0;
    for (size_t i = 0; i < rc->n_virtual_hosts; i++) {
        VirtualHost *vh = rc->virtual_hosts[i];
        for (size_t d = 0; d < vh->n_domains; d++) {
            size_t s = domain_score(vh->domains[d], host);
            if (s > best_score) {
                best_score = s;
                best = vh;
            }
        }
    }
    free(host);
    return best;
}

/* Envoy's regexes are RE2 and match the whole value; POSIX extended
 * regular expressions agree on what VirtualService regexes use. */
static int regex_full(const char *re, const char *s)
{
    char *anchored = xasprintf("^(%s)$", re);
    regex_t rx;
    int ok = 0;
    if (regcomp(&rx, anchored, REG_EXTENDED | REG_NOSUB) == 0) {
        ok = regexec(&rx, s, 0, NULL, 0) == 0;
        regfree(&rx);
    }
    free(anchored);
    return ok;
}

static int string_match(const StringMatcher *m, const char *s)
{
    int ic = m->ignore_case;
    size_t ls = strlen(s), lv;
    switch (m->match_pattern_case) {
    case ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_EXACT:
        return ic ? strcasecmp(s, m->exact) == 0 : strcmp(s, m->exact) == 0;
    case ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_PREFIX:
        lv = strlen(m->prefix);
        return ic ? strncasecmp(s, m->prefix, lv) == 0 : strncmp(s, m->prefix, lv) == 0;
    case ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_SUFFIX:
        lv = strlen(m->suffix);
        return ls >= lv &&
               (ic ? strcasecmp(s + ls - lv, m->suffix) : strcmp(s + ls - lv, m->suffix)) == 0;
    case ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_CONTAINS:
        return ic ? strcasestr(s, m->contains) != NULL : strstr(s, m->contains) != NULL;
    case ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_SAFE_REGEX:
        return m->safe_regex && regex_full(m->safe_regex->regex, s);
    default:
        return 0;
    }
}

static const char *header_value(const struct sim_request *r, const char *name)
{
    if (strcasecmp(name, ":authority") == 0 || strcasecmp(name, "host") == 0) {
        for (size_t i = 0; i < r->n_headers; i++)
            if (strcmp(r->headers[i].key, "host") == 0)
                return r->headers[i].value;
        return r->host;
    }
    if (strcasecmp(name, ":path") == 0)
        return r->path;
    if (strcasecmp(name, ":method") == 0)
        return "GET";
    if (strcasecmp(name, ":scheme") == 0)
        return "http";
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].key, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static int header_ok(const HeaderMatcher *h, const struct sim_request *r)
{
    const char *v = header_value(r, h->name);
    int hit;
    if (v == NULL && h->treat_missing_header_as_empty)
        v = "";
    switch (h->header_match_specifier_case) {
    case ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_PRESENT_MATCH:
        hit = (v != NULL) == h->present_match;
        break;
    case ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_STRING_MATCH:
        hit = v != NULL && string_match(h->string_match, v);
        break;
    default:
        hit = v != NULL; /* no specifier (or a form translation never writes): presence */
        break;
    }
    /* an absent header fails even an inverted matcher, as in Envoy */
    if (v == NULL &&
        h->header_match_specifier_case !=
            ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_PRESENT_MATCH)
        return 0;
    return h->invert_match ? !hit : hit;
}

static int path_ok(const Envoy__Config__Route__V3__RouteMatch *m, const char *full)
{
    int cs = m->case_sensitive == NULL || m->case_sensitive->value;
    size_t qlen = strcspn(full, "?");
    char *path = xstrndup(full, qlen);
    int ok = 0;
    size_t lp;
    switch (m->path_specifier_case) {
    case ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PREFIX:
        lp = strlen(m->prefix);
        ok = cs ? strncmp(path, m->prefix, lp) == 0 : strncasecmp(path, m->prefix, lp) == 0;
        break;
    case ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PATH:
        ok = cs ? strcmp(path, m->path) == 0 : strcasecmp(path, m->path) == 0;
        break;
    case ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_SAFE_REGEX:
        ok = m->safe_regex && regex_full(m->safe_regex->regex, path);
        break;
    case ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PATH_SEPARATED_PREFIX:
        lp = strlen(m->path_separated_prefix);
        ok = strncmp(path, m->path_separated_prefix, lp) == 0 &&
             (path[lp] == '\0' || path[lp] == '/');
        break;
    default:
        break;
    }
    free(path);
    return ok;
}

/* The value of query parameter name in path, or NULL (heap). */
static char *query_value(const char *path, const char *name)
{
    const char *q = strchr(path, '?');
    size_t ln = strlen(name);
    while (q) {
        q++;
        if (strncmp(q, name, ln) == 0 && (q[ln] == '=' || q[ln] == '&' || q[ln] == '\0'))
            return q[ln] == '=' ? xstrndup(q + ln + 1, strcspn(q + ln + 1, "&")) : xstrdup("");
        q = strchr(q, '&');
    }
    return NULL;
}

Route *sim_route(const VirtualHost *vh, const struct sim_request *r)
{
    const char *path = r->path ? r->path : "/";
    for (size_t i = 0; i < vh->n_routes; i++) {
        Route *rt = vh->routes[i];
        const Envoy__Config__Route__V3__RouteMatch *m = rt->match;
        if (m == NULL || !path_ok(m, path))
            continue;
        int ok = 1;
        for (size_t h = 0; ok && h < m->n_headers; h++)
            ok = header_ok(m->headers[h], r);
        for (size_t q = 0; ok && q < m->n_query_parameters; q++) {
            const Envoy__Config__Route__V3__QueryParameterMatcher *qm = m->query_parameters[q];
            char *v = query_value(path, qm->name);
            ok = v != NULL && (qm->string_match == NULL || string_match(qm->string_match, v));
            free(v);
        }
        if (ok)
            return rt;
    }
    return NULL;
}
