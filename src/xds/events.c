/* events.c - the ADS server's info lines: connects, disconnects, NACKs and
 * pushes.
 *
 * Each kind has a limit of LINES_PER_SECOND; past it one summary line a
 * second says how many were left out. A push is followed from the publish
 * of its snapshot until every stream that moved to it has nothing left to
 * send, now or after an ACK it waits for (O1: listeners wait for the CDS
 * answer), and then gets one line: generation, types sent, proxies reached,
 * time taken; or, when a newer snapshot comes first or a stream is still
 * not done after PUSH_WAIT_MS, the same with how many streams were left.
 * What this costs the loop: a few tests per send, and the formatting of at
 * most a few dozen lines a second. */
#include "events.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "xdsd/util.h"

#define LINES_PER_SECOND 20
/* a push some stream has not finished by then is logged as it stands */
#define PUSH_WAIT_MS 10000

/* as `xdsd status` names the types */
static const char *const type_names[XDS_NTYPES] = {
    [XDS_CLUSTER] = "CDS", [XDS_ENDPOINT] = "EDS", [XDS_LISTENER] = "LDS", [XDS_ROUTE] = "RDS",
    [XDS_SECRET] = "SDS"};

void xds_events_init(struct xds_server *srv)
{
    srv->log_connects = (struct log_limit)LOG_LIMIT_INIT("connects", LOG_INFO, LINES_PER_SECOND);
    srv->log_disconnects =
        (struct log_limit)LOG_LIMIT_INIT("disconnects", LOG_INFO, LINES_PER_SECOND);
    srv->log_nacks = (struct log_limit)LOG_LIMIT_INIT("NACKs", LOG_WARN, LINES_PER_SECOND);
}

/* ---- connects and disconnects ------------------------------------------------------------ */

static const char *proxy_kind(const struct stream *st)
{
    if (st->id.proxyless_grpc)
        return "grpc";
    return st->id.type == PROXY_ROUTER ? "router" : "sidecar";
}

/* connect and disconnect lines: the same fields, so that they pair up */
static void log_stream(struct stream *st, const char *event, const char *after)
{
    const char *proto = st->delta ? "delta" : "sotw";
    struct log_field f[] = {LOG_STR("event", event),
                            LOG_STR("proxy", st->id.id),
                            LOG_STR("proxy_type", proxy_kind(st)),
                            LOG_STR("protocol", proto),
                            LOG_STR("peer", st->peer),
                            LOG_NUM("connection_id", st->connection_id)};
    log_fields(LOG_INFO, f, ARRAY_LEN(f), "proxy %s: %s (%s, %s, from %s)%s", event, st->id.id,
               proxy_kind(st), proto, st->peer, after);
}

void xds_events_connect(struct xds_server *srv, struct stream *st)
{
    st->logged = 1;
    if (log_enabled(LOG_INFO) && log_limit_allow(&srv->log_connects, now_ms()))
        log_stream(st, "connected", "");
}

void xds_events_disconnect(struct xds_server *srv, struct stream *st)
{
    xds_events_push_settle(srv, st);
    if (!st->logged || !log_enabled(LOG_INFO) || !log_limit_allow(&srv->log_disconnects, now_ms()))
        return;
    char after[48];
    int64_t ms = wall_ms() - st->connected_at_ms;
    snprintf(after, sizeof(after), " after %lld.%01lld s", (long long)(ms / 1000),
             (long long)(ms % 1000 / 100));
    log_stream(st, "disconnected", after);
}

/* ---- NACKs ------------------------------------------------------------------------------- */

void xds_events_nack(struct xds_server *srv, struct stream *st, int t, const struct xds_request *r)
{
    if (!log_enabled(LOG_WARN) || !log_limit_allow(&srv->log_nacks, now_ms()))
        return;
    /* Envoy's messages run to many lines, one per rejected resource: the
     * first says what went wrong; /debug/syncz and `xdsd status PROXY`
     * keep the whole */
    const char *msg = r->error_message ? r->error_message : "";
    size_t len = strcspn(msg, "\r\n");
    char first[512];
    snprintf(first, sizeof(first), "%.*s%s", (int)len, msg, msg[len] ? " [...]" : "");
    const char *type = type_names[t];
    struct log_field f[] = {LOG_STR("event", "nack"), LOG_STR("proxy", st->id.id),
                            LOG_STR("type", type), LOG_STR("nonce", r->nonce),
                            LOG_STR("error", first)};
    log_fields(LOG_WARN, f, ARRAY_LEN(f), "proxy %s rejected %s (nonce %s): %s", st->id.id, type,
               r->nonce, first);
}

/* ---- pushes ------------------------------------------------------------------------------ */

/* "CDS, LDS" from a set of type bits, or "nothing" */
static void type_list(unsigned types, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (int t = 0; t < XDS_NTYPES; t++)
        if (types & (1u << t))
            n += (size_t)snprintf(out + n, size - n, "%s%s", n ? ", " : "", type_names[t]);
    if (n == 0)
        snprintf(out, size, "nothing");
}

/* The push's line: over (every stream settled), superseded by a newer
 * snapshot, or still waiting on some stream after PUSH_WAIT_MS. */
static void log_push(const struct push_log *p, uint64_t superseded_by)
{
    char types[64], end[96];
    type_list(p->types, types, sizeof(types));
    long long ms = (long long)(now_ms() - p->started_ms);
    if (p->owed == 0)
        snprintf(end, sizeof(end), " in %lld ms", ms);
    else if (superseded_by)
        snprintf(end, sizeof(end), ", superseded by generation %llu after %lld ms with %zu to go",
                 (unsigned long long)superseded_by, ms, p->owed);
    else
        snprintf(end, sizeof(end), ", %zu still to go after %lld ms", p->owed, ms);
    struct log_field f[] = {LOG_STR("event", "push"),       LOG_NUM("generation", p->generation),
                            LOG_STR("types", types),        LOG_NUM("proxies", p->proxies),
                            LOG_NUM("streams", p->streams), LOG_NUM("ms", ms),
                            LOG_NUM("pending", p->owed)};
    if (p->proxies == 0 && p->owed == 0)
        log_fields(LOG_INFO, f, ARRAY_LEN(f),
                   "push of generation %llu: nothing changed for the %zu connected proxies",
                   (unsigned long long)p->generation, p->streams);
    else
        log_fields(LOG_INFO, f, ARRAY_LEN(f), "push of generation %llu: %s to %zu of %zu proxies%s",
                   (unsigned long long)p->generation, types, p->proxies, p->streams, end);
}

/* Streams that join a push remember its sequence number: a stream of an
 * earlier push (superseded, or given up on) settles nothing. */
static int owes(const struct xds_server *srv, const struct stream *st)
{
    return srv->push.active && st->push_seq == srv->push.seq;
}

void xds_events_push_begin(struct xds_server *srv)
{
    struct push_log *p = &srv->push;
    if (p->active)
        log_push(p, snapshot_generation(srv->snap));
    uint32_t seq = p->seq + 1 ? p->seq + 1 : 1; /* 0: owes nothing */
    memset(p, 0, sizeof(*p));
    p->seq = seq;
    p->active = 1;
    p->opening = 1;
    p->generation = snapshot_generation(srv->snap);
    p->started_ms = srv->snap_ms;
}

void xds_events_push_join(struct xds_server *srv, struct stream *st)
{
    st->push_seq = srv->push.seq;
    st->push_sent = 0;
    srv->push.owed++;
    srv->push.streams++;
}

/* The line, once the push is over. */
static void push_done(struct xds_server *srv)
{
    struct push_log *p = &srv->push;
    p->active = 0;
    if (p->streams > 0)
        log_push(p, 0);
    else
        log_debug("generation %llu published with no proxy connected",
                  (unsigned long long)p->generation);
}

void xds_events_push_opened(struct xds_server *srv)
{
    srv->push.opening = 0;
    if (srv->push.owed == 0)
        push_done(srv);
}

void xds_events_push_sent(struct xds_server *srv, struct stream *st, enum xds_type t)
{
    if (!owes(srv, st))
        return;
    srv->push.types |= 1u << t;
    if (!st->push_sent) {
        st->push_sent = 1;
        srv->push.proxies++;
    }
}

void xds_events_push_settle(struct xds_server *srv, struct stream *st)
{
    int was = owes(srv, st);
    st->push_seq = 0;
    if (was && --srv->push.owed == 0 && !srv->push.opening)
        push_done(srv);
}

/* A stream that never answers (a proxy stuck, or one that does not read)
 * would hold the line back until it goes away: say what is known. */
static void push_give_up(struct xds_server *srv, int64_t now)
{
    struct push_log *p = &srv->push;
    if (p->active && !p->opening && now - p->started_ms >= PUSH_WAIT_MS) {
        log_push(p, 0);
        p->active = 0;
    }
}

void xds_events_tick(struct xds_server *srv, int final)
{
    int64_t now = final ? INT64_MAX : now_ms();
    if (!final)
        push_give_up(srv, now);
    log_limit_flush(&srv->log_connects, now);
    log_limit_flush(&srv->log_disconnects, now);
    log_limit_flush(&srv->log_nacks, now);
}
