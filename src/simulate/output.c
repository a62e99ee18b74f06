/* output.c - a walk's result as JSON (`simulate -o json`, the ground truth
 * tests read it) and as text, one line per hop and the path. */
#include "xdsd/simulate.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

static json_t *hop_json(const struct sim_hop *h)
{
    json_t *o = json_object();
    const char *keys[] = {"proxy",     "kind",         "listener",     "filter_chain", "sni",
                          "transport", "route_config", "virtual_host", "route",        "cluster",
                          "upstream",  "tls",          "outcome",      "why"};
    const char *vals[] = {h->proxy,   h->kind,      h->listener,     h->filter_chain,
                          h->sni,     h->transport, h->route_config, h->virtual_host,
                          h->route,   h->cluster,   h->upstream,     h->tls,
                          h->outcome, h->why};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        json_object_set_new(o, keys[i], vals[i] ? json_string(vals[i]) : json_null());
    json_object_set_new(o, "filter_chain_index", json_integer(h->filter_chain_index));
    json_t *br = json_array();
    for (size_t i = 0; i < h->n_branches; i++)
        json_array_append_new(br, json_pack("{s:s,s:I}", "cluster", h->branches[i].cluster,
                                            "weight", (json_int_t)h->branches[i].weight));
    json_object_set_new(o, "branches", br);
    return o;
}

/* "sidecar → egress gateway → edition.cnn.com:443", or "... → 404 NR". */
static char *path_line(const struct sim_result *res)
{
    char *p = xstrdup("");
    for (size_t i = 0; i < res->n_hops; i++) {
        const struct sim_hop *h = &res->hops[i];
        char *t = xasprintf("%s%s%s", p, i ? " → " : "",
                            strcmp(h->kind, "gateway") == 0 ? "egress gateway" : "sidecar");
        free(p);
        p = t;
    }
    const struct sim_hop *last = res->n_hops ? &res->hops[res->n_hops - 1] : NULL;
    const char *end = res->destination        ? res->destination
                      : last && last->outcome ? last->outcome
                                              : NULL;
    if (end) {
        char *t = xasprintf("%s → %s", p, end);
        free(p);
        p = t;
    }
    return p;
}

json_t *sim_result_json(const struct sim_request *r, const struct sim_result *res)
{
    json_t *hops = json_array();
    for (size_t i = 0; i < res->n_hops; i++)
        json_array_append_new(hops, hop_json(&res->hops[i]));
    char *path = path_line(res);
    json_t *o = json_pack("{s:s,s:o,s:s}", "request", r->text, "hops", hops, "path", path);
    json_object_set_new(o, "destination",
                        res->destination ? json_string(res->destination) : json_null());
    free(path);
    return o;
}

static void add(char **out, const char *fmt, const char *a, const char *b)
{
    char *t = xasprintf(fmt, a, b);
    char *n = xasprintf("%s%s", *out, t);
    free(t);
    free(*out);
    *out = n;
}

static const char *get(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* One hop's block: the names of each stage it reached. */
static void hop_text(char **out, size_t i, const json_t *h)
{
    static const char *const stages[][2] = {
        {"listener", "listener"},
        {"route_config", "route config"},
        {"virtual_host", "virtual host"},
        {"route", "route"},
    };
    char num[32];
    snprintf(num, sizeof(num), "%zu", i + 1);
    add(out, "%s. %s ", num, get(h, "kind"));
    add(out, "%s%s\n", get(h, "proxy"), "");
    for (size_t s = 0; s < sizeof(stages) / sizeof(stages[0]); s++) {
        const char *v = get(h, stages[s][0]);
        if (s == 1 && get(h, "filter_chain")) {
            char idx[32];
            json_int_t k = json_integer_value(json_object_get(h, "filter_chain_index"));
            snprintf(idx, sizeof(idx), k >= 0 ? "#%lld" : "default", (long long)k);
            const char *fc = get(h, "filter_chain");
            add(out, "   %-14s %s", "filter chain", *fc ? fc : idx);
            const char *sni = get(h, "sni");
            if (sni && *sni)
                add(out, " (SNI %s)%s", sni, "");
            add(out, "%s%s\n", "", "");
        }
        if (v)
            add(out, "   %-14s %s\n", stages[s][1], *v ? v : "(unnamed)");
    }
    size_t k;
    json_t *b;
    json_array_foreach(json_object_get(h, "branches"), k, b)
    {
        char w[32];
        snprintf(w, sizeof(w), "%lld", (long long)json_integer_value(json_object_get(b, "weight")));
        add(out, "   weighted       %s weight %s\n", get(b, "cluster"), w);
    }
    if (get(h, "cluster"))
        add(out, "   cluster        %s%s\n", get(h, "cluster"), "");
    if (get(h, "upstream"))
        add(out, "   upstream       %s (%s)\n", get(h, "upstream"),
            get(h, "tls") ? get(h, "tls") : "plain");
    if (get(h, "outcome"))
        add(out, "   => %s: %s\n", get(h, "outcome"), get(h, "why") ? get(h, "why") : "");
    else if (get(h, "why"))
        add(out, "   (%s)%s\n", get(h, "why"), "");
}

char *sim_json_text(const json_t *j)
{
    char *out = xasprintf("%s\n", get(j, "request") ? get(j, "request") : "");
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(j, "hops"), i, h) hop_text(&out, i, h);
    add(&out, "path: %s%s\n", get(j, "path") ? get(j, "path") : "", "");
    return out;
}
