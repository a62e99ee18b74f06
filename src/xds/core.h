/* core.h - the xDS protocol of one stream, without sockets (private to src/xds).
 *
 * The functional core of the ADS server: given the state of a stream, one
 * request and the current view, it decides what to send next, and updates the
 * state as if it had been sent. The shell (server.c) only moves bytes.
 *
 * Responses are computed lazily: a request or a new view marks types dirty,
 * and xds_core_next() builds the response of the first dirty type (CDS, EDS,
 * LDS, RDS: make before break) when the stream can send. A pending response
 * is therefore always the latest one, and a response built for an old
 * subscription is never sent. */
#ifndef XDSD_XDS_CORE_H
#define XDSD_XDS_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "xdsd/snapshot.h"
#include "xdsd/xds_server.h"

#define XDS_NONCE_MAX 24   /* with the NUL, as in struct xds_type_status */
#define XDS_VERSION_MAX 17 /* 16 hex digits and the NUL */

/* One request, decoded: strings borrowed from the unpacked message. */
struct xds_request {
    const char *type_url;
    const char *nonce;         /* "" when none */
    int has_error;             /* error_detail present: a NACK */
    const char *error_message; /* error_detail.message, or "" */
    /* state of the world */
    const char *version_info;
    char *const *names;
    size_t n_names;
    /* incremental */
    char *const *subscribe;
    size_t n_subscribe;
    char *const *unsubscribe;
    size_t n_unsubscribe;
    char *const *initial_names; /* initial_resource_versions, as two arrays */
    char *const *initial_versions;
    size_t n_initial;
};

/* What a request turned out to be, for counters. */
enum {
    XDS_REQ_ACK = 1,
    XDS_REQ_NACK = 2,
    XDS_REQ_STALE = 4,       /* SotW: ignored; delta: subscriptions applied */
    XDS_REQ_UNKNOWN_TYPE = 8 /* a type xdsd does not serve: ignored */
};

struct xds_req_result {
    int flags;
    int type;            /* enum xds_type, or -1 */
    int64_t acked_stamp; /* the stamp of the response an ACK acknowledged, or -1 */
};

/* A response to send. Resources point into the view passed to xds_core_next(). */
struct xds_out {
    enum xds_type type;
    int delta;
    const struct xds_resource **res;
    size_t n_res;
    char **removed; /* delta: removed_resources (owned) */
    size_t n_removed;
    char version[XDS_VERSION_MAX];
    char nonce[XDS_NONCE_MAX];
};

struct xds_core;

/* Protocol state of a new stream; delta selects the incremental protocol.
 * stream_id makes nonces unique across streams (for logs and reports). */
struct xds_core *xds_core_new(int delta, uint64_t stream_id);
void xds_core_free(struct xds_core *s);

/* Apply one request. Returns 0, or -1 with a message in *err (caller frees)
 * when the request breaks the protocol and the stream must end with
 * INVALID_ARGUMENT (a request without type_url on ADS). */
int xds_core_request(struct xds_core *s, const struct xds_request *r, int64_t now_wall,
                     struct xds_req_result *res, char **err);

/* The view changed (a new snapshot): re-examine every requested type. */
void xds_core_view_changed(struct xds_core *s);

/* Whether any type may have something to send. */
int xds_core_pending(const struct xds_core *s);

/* Whether a type is due but held back until the client answers the last
 * CDS response (O1): pending, yet nothing to send until that answer. */
int xds_core_awaits_cds(const struct xds_core *s);

/* Whether clusters a push removed are still kept for the client (O1): CDS
 * and EDS read STALE, not SYNCED, until they are gone. */
int xds_core_holds_removal(const struct xds_core *s);

/* Build the next response against v into *out and record it as sent; stamp
 * is remembered to report convergence when it is ACKed. Returns 1 when *out
 * holds a response (release it with xds_out_release), 0 when nothing is due. */
int xds_core_next(struct xds_core *s, const struct xds_view *v, int64_t stamp, struct xds_out *out);
void xds_out_release(struct xds_out *out);

/* Whether the core may still read views older than v (SotW, O1): resources
 * kept for a pending removal, or a type not yet examined at v. While it
 * does, the shell keeps every snapshot the stream was on since the last
 * time this said 0. */
int xds_core_uses_old(const struct xds_core *s, const struct xds_view *v);

/* Fill st with the state of type t: the name arrays are the caller's, the
 * names in them references to shared strings (intern.h), no copies;
 * release with xds_type_status_release(). */
void xds_core_type_status(const struct xds_core *s, enum xds_type t, struct xds_type_status *st);
/* The same without the names (none subscribed, none sent, in st): versions,
 * nonces, sync state and the last NACK, for reports that show states. */
void xds_core_type_state(const struct xds_core *s, enum xds_type t, struct xds_type_status *st);
/* Release what xds_core_type_status allocated. */
void xds_type_status_release(struct xds_type_status *st);

/* The sync state of a type: NOT SENT, SYNCED (last response ACKed), NACKED
 * (last response NACKed) or STALE (last response not answered yet, or, for
 * CDS and EDS, a removal held back by O1). */
enum xds_sync xds_core_sync(const struct xds_core *s, enum xds_type t);

/* The version key of a set of resources, as xds_view_version() computes it
 * for a whole type: the sum of each resource's xds_version_entry(). */
uint64_t xds_core_set_key(const struct xds_resource *const *res, size_t n);

#endif
