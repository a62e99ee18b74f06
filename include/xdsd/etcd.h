/* etcd.h - a client of etcd's v3 gRPC API, the subset xdsd uses: read a
 * prefix at one revision, write it in one guarded transaction, watch it.
 *
 * The client talks to one member at a time and moves to the next listed
 * endpoint when a call finds it unreachable (the members share one store,
 * so any of them answers alike). Calls block, with a deadline; the watch is
 * one stream read with a timeout, so the caller's loop stays in charge.
 * Not thread-safe: one thread uses a client. */
#ifndef XDSD_ETCD_H
#define XDSD_ETCD_H

#include <stddef.h>
#include <stdint.h>

/* What --config-source etcd://... and the --etcd-* flags say. */
struct etcd_options {
    const char *url;           /* etcd://HOST:PORT[,HOST:PORT...]/PREFIX */
    const char *cacert;        /* TLS: the CA that signed the members' certificates */
    const char *cert, *key;    /* TLS: our client certificate and key, or NULL */
    const char *user;          /* etcd user, or NULL: no authentication */
    const char *password_file; /* the user's password, first line of this file */
};

/* etcd refuses larger transactions unless started with --max-txn-ops and
 * --max-request-bytes: its defaults. */
#define ETCD_MAX_TXN_OPS 128
#define ETCD_MAX_REQUEST_BYTES (1536 * 1024)

/* One key and its value as stored. */
struct etcd_kv {
    char *key;
    char *value; /* NUL-terminated copy; value_len bytes before the NUL */
    size_t value_len;
    int64_t mod_revision;
};

/* A list of keys, sorted by key. */
struct etcd_kvs {
    struct etcd_kv *items;
    size_t n, cap;
};
void etcd_kvs_release(struct etcd_kvs *l);

struct etcd_client;

/* Parse o->url into endpoints and a prefix (without trailing slash) and
 * read the TLS and password files; connects lazily. Returns NULL with the
 * reason in *err (caller frees) on a malformed URL or unreadable file. */
struct etcd_client *etcd_client_new(const struct etcd_options *o, char **err);
void etcd_client_free(struct etcd_client *c);

/* The prefix every key is under, e.g. "/xdsd" (no trailing slash). */
const char *etcd_client_prefix(const struct etcd_client *c);
/* The endpoint the client uses now, "HOST:PORT". */
const char *etcd_client_endpoint(const struct etcd_client *c);

/* Every key under prefix + "/" at one revision: paged Range calls pinned at
 * the revision of the first page, so the whole is one consistent cut.
 * Returns 0 with *out filled and *revision set, or -1 with *err (a page
 * whose revision was compacted meanwhile fails too: list again). */
int etcd_list(struct etcd_client *c, struct etcd_kvs *out, int64_t *revision, char **err);

/* One write: puts (keys and values) and deletes, applied only if every
 * key in guard still has its mod_revision (0: absent) and nothing under the
 * prefix changed after revision since. Returns 1 applied, 0 a concurrent
 * writer won (nothing written), -1 with *err; *revision gets the store's
 * revision after the write. */
struct etcd_write {
    const struct etcd_kv *puts;
    size_t n_puts;
    const char *const *deletes;
    size_t n_deletes;
    const struct etcd_kv *guard; /* key and mod_revision expected */
    size_t n_guard;
    int64_t since; /* the revision the change was validated at */
};
int etcd_txn(struct etcd_client *c, const struct etcd_write *w, int64_t *revision, char **err);

/* The size in bytes of the transaction w would send, to check it against
 * ETCD_MAX_REQUEST_BYTES before sending. */
size_t etcd_txn_size(const struct etcd_client *c, const struct etcd_write *w);

/* A batch of watch events: the keys put (with their values) and deleted at
 * one revision or more, in order. */
struct etcd_event {
    int deleted;
    struct etcd_kv kv;
};
struct etcd_events {
    struct etcd_event *items;
    size_t n, cap;
    int64_t revision; /* of the last change in the batch */
};
void etcd_events_release(struct etcd_events *e);

/* Watch prefix + "/" from revision start (inclusive) on a stream of its own.
 * Returns 0 or -1 with *err. A watch already open is closed first. */
int etcd_watch_start(struct etcd_client *c, int64_t start, char **err);
/* Wait up to timeout_ms for the next batch. Returns 1 with *out filled
 * (with no events when etcd just confirmed the watch), 0 on timeout, -1 when the watch ended (*err
 * says why; *compacted receives the oldest revision still kept when the start revision was
 * compacted, else 0): start another, after a relist when compacted. */
int etcd_watch_next(struct etcd_client *c, int timeout_ms, struct etcd_events *out,
                    int64_t *compacted, char **err);
/* Close the watch stream, if any. */
void etcd_watch_stop(struct etcd_client *c);

/* Move to the next listed endpoint (after a failure), dropping the channel. */
void etcd_client_rotate(struct etcd_client *c);

#endif
