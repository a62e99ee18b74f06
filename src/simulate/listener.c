/* listener.c - which listener and which filter chain a connection reaches,
 * as Envoy decides: the listener of the original destination behind
 * virtualOutbound, then filter_chain_match criteria in Envoy's order
 * (destination port, destination address, server name, transport protocol,
 * application protocols), where at each criterion the chains that name the
 * connection's value win over those that leave it open, and a connection
 * that none of them takes goes to the default filter chain. */
#include "sim.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "xdsd/util.h"

void sim_msgs_init(struct sim_msgs *m)
{
    memset(m, 0, sizeof(*m));
    map_init_ptr(&m->by_bytes, NULL);
}

void *sim_unpack(struct sim_msgs *m, const ProtobufCMessageDescriptor *desc, const uint8_t *bytes,
                 size_t len)
{
    /* the same bytes always hold the same type: a resource, or an Any's value */
    ProtobufCMessage *msg = len ? map_get(&m->by_bytes, bytes) : NULL;
    if (msg != NULL)
        return msg->descriptor == desc ? msg : NULL;
    msg = protobuf_c_message_unpack(desc, NULL, len, bytes);
    if (msg == NULL)
        return NULL;
    xgrow((void **)&m->v, &m->cap, m->n + 1, sizeof(*m->v));
    m->v[m->n++] = msg;
    if (len)
        map_put(&m->by_bytes, bytes, msg);
    return msg;
}

void *sim_unpack_any(struct sim_msgs *m, const ProtobufCMessageDescriptor *desc, const Any *any)
{
    if (any == NULL || any->type_url == NULL)
        return NULL;
    const char *slash = strrchr(any->type_url, '/');
    const char *name = slash ? slash + 1 : any->type_url;
    if (strcmp(name, desc->name) != 0)
        return NULL;
    return sim_unpack(m, desc, any->value.data, any->value.len);
}

void sim_msgs_release(struct sim_msgs *m)
{
    for (size_t i = 0; i < m->n; i++)
        protobuf_c_message_free_unpacked(m->v[i], NULL);
    free(m->v);
    map_release(&m->by_bytes);
    memset(m, 0, sizeof(*m));
}

char *sim_str(const char *s)
{
    return xstrdup(s ? s : "");
}

static int listener_at(const Listener *l, const char *ip, uint32_t port)
{
    if (l->address == NULL || l->address->socket_address == NULL)
        return 0;
    const SocketAddress *sa = l->address->socket_address;
    return sa->port_value == port && ip != NULL && strcmp(sa->address, ip) == 0;
}

Listener *sim_listener(struct sim_msgs *m, const struct xds_view *v, const struct sim_conn *c,
                       int captured)
{
    size_t n = xds_view_count(v, XDS_LISTENER);
    const struct xds_resource *items = xds_view_items(v, XDS_LISTENER);
    Listener *exact = NULL, *wild = NULL, *orig = NULL;
    for (size_t i = 0; i < n; i++) {
        Listener *l = sim_unpack(m, &Listener_desc, items[i].bytes, items[i].len);
        if (l == NULL)
            continue;
        if (l->use_original_dst && l->use_original_dst->value) {
            orig = l;
            continue;
        }
        if (l->api_listener != NULL)
            continue;
        if (exact == NULL && listener_at(l, c->dst_ip, c->dst_port))
            exact = l;
        else if (wild == NULL && listener_at(l, "0.0.0.0", c->dst_port))
            wild = l;
    }
    if (!captured)
        return exact ? exact : wild;
    /* virtualOutbound hands the connection to the listener of its original
     * destination; with none, its own chains take it */
    if (orig == NULL)
        return NULL;
    return exact ? exact : wild ? wild : orig;
}

int sim_has_filter(const Listener *l, const char *name)
{
    for (size_t i = 0; i < l->n_listener_filters; i++)
        if (strcmp(l->listener_filters[i]->name, name) == 0)
            return 1;
    return 0;
}

/* Longest prefix of ranges that holds ip (IPv4), -1 when none does. */
static int prefix_len(CidrRange **ranges, size_t n, const char *ip)
{
    struct in_addr a, p;
    int best = -1;
    if (ip == NULL || inet_pton(AF_INET, ip, &a) != 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (inet_pton(AF_INET, ranges[i]->address_prefix, &p) != 1)
            continue;
        uint32_t len = ranges[i]->prefix_len ? ranges[i]->prefix_len->value : 32;
        uint32_t mask = len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
        if ((ntohl(a.s_addr) & mask) == (ntohl(p.s_addr) & mask) && (int)len > best)
            best = (int)len;
    }
    return best;
}

/* How well server_names take sni: 3 + suffix length for a wildcard, a large
 * value for the exact name, 0 when they do not. */
static size_t sni_score(char **names, size_t n, const char *sni)
{
    size_t best = 0;
    if (sni == NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = names[i];
        if (strcasecmp(s, sni) == 0)
            return (size_t)-1;
        size_t ls = strlen(s), lh = strlen(sni);
        /* "*.cnn.com" takes "edition.cnn.com", not "cnn.com" */
        if (s[0] == '*' && s[1] == '.' && lh > ls - 1 &&
            strcasecmp(sni + lh - (ls - 1), s + 1) == 0 && ls + 3 > best)
            best = ls + 3;
    }
    return best;
}

static int alpn_matches(char **protos, size_t n, const struct sim_conn *c, const char *http)
{
    for (size_t i = 0; i < n; i++) {
        if (http && strcmp(protos[i], http) == 0)
            return 1;
        for (size_t j = 0; j < c->n_alpn; j++)
            if (strcmp(protos[i], c->alpn[j]) == 0)
                return 1;
    }
    return 0;
}

/* One criterion: score each remaining chain (0: leaves it open, -1: names
 * another value, > 0: takes the connection, higher is more specific) and
 * keep the best; chains that leave it open stay only when none takes it. */
static size_t narrow(FilterChain **cand, size_t n, long long *score)
{
    long long best = 0;
    for (size_t i = 0; i < n; i++)
        if (score[i] > best)
            best = score[i];
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (score[i] == best) {
            cand[k] = cand[i];
            score[k++] = score[i];
        }
    return k;
}

FilterChain *sim_filter_chain(const Listener *l, const struct sim_conn *c, int *idx)
{
    size_t n = l->n_filter_chains;
    FilterChain **cand = xcalloc(n + 1, sizeof(*cand));
    long long *score = xcalloc(n + 1, sizeof(*score));
    int tls_insp = sim_has_filter(l, "envoy.filters.listener.tls_inspector");
    int http_insp = sim_has_filter(l, "envoy.filters.listener.http_inspector");
    const char *sni = tls_insp && c->tls ? c->sni : NULL;
    const char *transport = tls_insp && c->tls ? "tls" : "raw_buffer";
    const char *http = http_insp && !c->tls && c->http ? "http/1.1" : NULL;
    struct sim_conn alpn = *c;
    if (!(tls_insp && c->tls))
        alpn.n_alpn = 0;
    memcpy(cand, l->filter_chains, n * sizeof(*cand));
    for (int stage = 0; stage < 5 && n > 0; stage++) {
        for (size_t i = 0; i < n; i++) {
            const FilterChainMatch *fm = cand[i]->filter_chain_match;
            long long s = 0;
            if (fm == NULL)
                ;
            else if (stage == 0 && fm->destination_port)
                s = fm->destination_port->value == c->dst_port ? 1 : -1;
            else if (stage == 1 && fm->n_prefix_ranges)
                s = prefix_len(fm->prefix_ranges, fm->n_prefix_ranges, c->dst_ip) + 1;
            else if (stage == 2 && fm->n_server_names) {
                size_t v = sni_score(fm->server_names, fm->n_server_names, sni);
                s = v == 0 ? -1 : v == (size_t)-1 ? 1LL << 40 : (long long)v;
            } else if (stage == 3 && fm->transport_protocol && *fm->transport_protocol)
                s = strcmp(fm->transport_protocol, transport) == 0 ? 1 : -1;
            else if (stage == 4 && fm->n_application_protocols)
                s = alpn_matches(fm->application_protocols, fm->n_application_protocols, &alpn,
                                 http)
                        ? 1
                        : -1;
            score[i] = s == 0 && stage == 1 && fm && fm->n_prefix_ranges ? -1 : s;
        }
        n = narrow(cand, n, score);
    }
    FilterChain *fc = NULL;
    *idx = -1;
    if (n > 0) {
        fc = cand[0];
        for (size_t i = 0; i < l->n_filter_chains; i++)
            if (l->filter_chains[i] == fc)
                *idx = (int)i;
    } else {
        fc = l->default_filter_chain;
    }
    free(cand);
    free(score);
    return fc;
}
