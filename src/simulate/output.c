/* output.c - a walk's result as JSON (`simulate -o json`, the ground truth
 * tests read it) and as text, one line per hop and the path. */
#include "xdsd/simulate.h"

#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

static json_t *hop_json(const struct sim_hop *h)
{
    json_t *o = json_object();
    const char *keys[] = {"proxy", "kind", "listener", "filter_chain", "sni", "transport",
                          "route_config", "virtual_host", "route", "cluster", "upstream", "tls",
                          "outcome", "why"};
    const char *vals[] = {h->proxy, h->kind, h->listener, h->filter_chain, h->sni,
                          h->transport, h->route_config, h->virtual_host, h->route, h->cluster,
                          h->upstream, h->tls, h->outcome, h->why};
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
    const char *end = res->destination ? res->destination
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

char *sim_result_text(const struct sim_request *r, const struct sim_result *res)
{
    char *out = xasprintf("%s\n", r->text);
    for (size_t i = 0; i < res->n_hops; i++) {
        const struct sim_hop *h = &res->hops[i];
        char num[32];
        snprintf(num, sizeof(num), "%zu", i + 1);
        add(&out, "%s. %s ", num, h->kind);
        add(&out, "%s%s\n", h->proxy, "");
        if (h->listener)
            add(&out, "   listener       %s%s\n", h->listener, "");
        if (h->filter_chain) {
            char idx[32];
            if (h->filter_chain_index >= 0)
                snprintf(idx, sizeof(idx), "#%d", h->filter_chain_index);
            else
                snprintf(idx, sizeof(idx), "default");
            add(&out, "   filter chain   %s%s", *h->filter_chain ? h->filter_chain : idx, "");
            if (h->sni && *h->sni)
                add(&out, " (SNI %s)%s", h->sni, "");
            add(&out, "%s%s\n", "", "");
        }
        if (h->route_config)
            add(&out, "   route config   %s%s\n", h->route_config, "");
        if (h->virtual_host)
            add(&out, "   virtual host   %s%s\n", h->virtual_host, "");
        if (h->route)
            add(&out, "   route          %s%s\n", *h->route ? h->route : "(unnamed)", "");
        for (size_t k = 0; k < h->n_branches; k++) {
            char w[32];
            snprintf(w, sizeof(w), "%u", h->branches[k].weight);
            add(&out, "   weighted       %s weight %s\n", h->branches[k].cluster, w);
        }
        if (h->cluster)
            add(&out, "   cluster        %s%s\n", h->cluster, "");
        if (h->upstream)
            add(&out, "   upstream       %s (%s)\n", h->upstream, h->tls ? h->tls : "plain");
        if (h->outcome)
            add(&out, "   => %s: %s\n", h->outcome, h->why ? h->why : "");
    }
    char *p = path_line(res);
    add(&out, "path: %s%s\n", p, "");
    free(p);
    return out;
}
