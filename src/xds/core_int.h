/* core_int.h - the state of one stream's protocol, shared by the files of
 * the core (private to src/xds), from the top down: core.c (a request to its
 * protocol, the type to send next, status), core_sotw.c and core_delta.c (the
 * two protocols), core_hold.c (make before break, O1) and core_state.c (what
 * they all share). */
#ifndef XDSD_XDS_CORE_INT_H
#define XDSD_XDS_CORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "sets.h"

struct type_state {
    unsigned requested : 1; /* a request for this type arrived */
    unsigned wildcard : 1;
    unsigned named_ever : 1;          /* SotW: some request named resources (legacy wildcard off) */
    unsigned dirty : 1;               /* re-examine before the next send */
    unsigned force : 1;               /* send even if nothing changed */
    unsigned sent : 1;                /* a response went out */
    unsigned after_cds : 1;           /* EDS: reply once after a CDS push (O3) */
    unsigned seen_ok : 1;             /* seen_key is valid: see xds_core_next */
    uint64_t seen_key;                /* the view's key of this type when last examined */
    const struct xds_view *seen_view; /* SotW: that view (the shell keeps it while we use it) */
    /* SotW CDS and EDS during an O1 hold: what the client holds and the view
     * lost, kept in the responses; they point into views the shell keeps */
    const struct xds_resource **stale;
    size_t n_stale;
    struct strset names;          /* explicit subscription, without "*" */
    struct held_list held;        /* SotW: the last response; delta: what the client holds */
    struct strset report_removed; /* delta: unsubscribed under a wildcard, to re-state */
    char sent_version[XDS_VERSION_MAX], acked_version[XDS_VERSION_MAX];
    char sent_nonce[XDS_NONCE_MAX], acked_nonce[XDS_NONCE_MAX];
    char nack_nonce[XDS_NONCE_MAX];
    int last_was_nack; /* a client answering one response twice: the later answer counts */
    char *nack_message;
    int64_t nack_time_ms;
    int64_t sent_stamp;
    uint32_t sent_seq; /* of the last response, to find what a delta NACK rejected */
};

struct xds_core {
    int delta;
    unsigned hold : 1;    /* O1: clusters removed by a push are still held for the client */
    unsigned release : 1; /* O1: listeners and routes moved on: remove them now */
    uint64_t stream_id, seq;
    struct type_state t[XDS_NTYPES];
};

/* ---- core_state.c: what the others share */

/* Remember a NACK of type ts: its message, nonce and time. */
void xds_core_record_nack(struct type_state *ts, const struct xds_request *r, int64_t now_wall);
/* The resources of type t the subscription covers, in name order, into a
 * new array *out (the caller frees it); returns how many. */
size_t xds_core_covered(const struct type_state *ts, int t, const struct xds_view *v,
                        const struct xds_resource ***out);
/* A version key as the 16 hex digits of a response's version. */
void xds_core_hex_version(char out[XDS_VERSION_MAX], uint64_t k);
/* Give out a nonce for *out and record it as sent on ts (with stamp). */
void xds_core_mark_sent(struct xds_core *s, struct type_state *ts, struct xds_out *out,
                        int64_t stamp);

/* ---- core_sotw.c and core_delta.c: one request, one response */

/* Apply a request of type t; returns 0 when it changed nothing an answer
 * depends on (a plain ACK), else 1. */
int xds_core_sotw_request(struct xds_core *s, int t, const struct xds_request *r, int64_t now_wall,
                          struct xds_req_result *res);
int xds_core_delta_request(struct xds_core *s, int t, const struct xds_request *r, int64_t now_wall,
                           struct xds_req_result *res);
/* Build the response of type t against v into *out, if one is due; returns
 * 1 when it did (and recorded it as sent), else 0. */
int xds_core_sotw_next(struct xds_core *s, int t, const struct xds_view *v, int64_t stamp,
                       struct xds_out *out);
int xds_core_delta_next(struct xds_core *s, int t, const struct xds_view *v, int64_t stamp,
                        struct xds_out *out);

/* ---- core_hold.c: make before break (O1) */

/* CDS decides whether removed clusters are still held. */
void xds_core_set_hold(struct xds_core *s, int on);
/* Whether type t keeps, for now, what the client holds and the view lost. */
int xds_core_keeps_stale(const struct xds_core *s, int t);
/* SotW: what the client holds, still subscribes to and v lacks, merged in
 * name order into *res (n entries, replaced by a new array); *stale gets the
 * kept ones (the caller frees it). Returns how many (0: *res untouched). */
size_t xds_core_sotw_stale(const struct type_state *ts, int t, const struct xds_view *v,
                           const struct xds_resource ***res, size_t n,
                           const struct xds_resource ***stale);
/* Whether type t waits for the client's answer to the last CDS response. */
int xds_core_cds_warming(const struct xds_core *s, int t);
/* Whether the listeners and routes of the stream moved on, so that a hold
 * can be released. */
int xds_core_hold_done(const struct xds_core *s);

#endif
