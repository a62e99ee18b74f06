/* events.h - the ADS server's info lines (private to src/xds): connects,
 * disconnects, NACKs and pushes, each limited so that 10,000 proxies
 * reconnecting at once make a few lines a second, not 10,000.
 *
 * Everything here runs on the xDS loop's thread, under the server's lock. */
#ifndef XDSD_XDS_EVENTS_H
#define XDSD_XDS_EVENTS_H

#include "core.h"
#include "server_int.h"

/* Set up the server's limits (before the loop runs). */
void xds_events_init(struct xds_server *srv);
/* Print pending summaries of limits: call after every event of the loop.
 * final prints them at once (the loop is ending). */
void xds_events_tick(struct xds_server *srv, int final);

/* The stream's node is known and allowed: one connect line. */
void xds_events_connect(struct xds_server *srv, struct stream *st);
/* The stream is being freed: its disconnect line (when its connect was
 * logged) and its part of a push in progress. */
void xds_events_disconnect(struct xds_server *srv, struct stream *st);
/* The proxy NACKed a response of type t: the first line of its message. */
void xds_events_nack(struct xds_server *srv, struct stream *st, int t, const struct xds_request *r);

/* srv->snap is new and its streams are about to move to it: a push begins
 * (a push still in progress is logged as superseded). */
void xds_events_push_begin(struct xds_server *srv);
/* The stream moved to the new snapshot: it owes the push until settled. */
void xds_events_push_join(struct xds_server *srv, struct stream *st);
/* Every stream that moves to the snapshot has joined (some may have
 * settled already): the push is over when none owes it any more. */
void xds_events_push_opened(struct xds_server *srv);
/* The stream handed a response of type t to gRPC. */
void xds_events_push_sent(struct xds_server *srv, struct stream *st, enum xds_type t);
/* The stream has nothing more to send, now or after an answer it waits for:
 * when it was the last, the push's line. */
void xds_events_push_settle(struct xds_server *srv, struct stream *st);

#endif
