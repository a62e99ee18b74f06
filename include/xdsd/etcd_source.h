/* etcd_source.h - the configuration kept in etcd, as `serve` reads it: one
 * Istio resource per key PREFIX/NAMESPACE/KIND/NAME, its YAML the value.
 *
 * Start: the prefix listed at one revision, then watched from the next, so
 * no change falls between the two. Each batch of watch events is one reload
 * of the whole content, as the directory's, all or nothing; findings name
 * "etcd:KEY". When etcd cannot be read the last good set keeps serving; the
 * source retries with backoff on the listed members in turn, resumes the
 * watch after the last revision it applied, and lists again when that
 * revision was compacted. */
#ifndef XDSD_ETCD_SOURCE_H
#define XDSD_ETCD_SOURCE_H

#include <stdint.h>

#include "xdsd/config.h"
#include "xdsd/etcd.h"

struct etcd_source;

/* A source on o (see etcd_client_new()); reads nothing yet. NULL with *err. */
struct etcd_source *etcd_source_new(const struct etcd_options *o, char **err);
void etcd_source_free(struct etcd_source *s);

/* Do what is due, waiting at most wait_ms: connect and list, read the
 * watch, or wait out a backoff. Returns a new valid set whose content
 * differs from the last good one (the caller owns one reference), else
 * NULL. The first valid set is always returned. */
struct config_set *etcd_source_step(struct etcd_source *s, int wait_ms);

/* The findings of the last reload and whether it was rejected. */
const struct config_diags *etcd_source_diags(const struct etcd_source *s);
int etcd_source_rejected(const struct etcd_source *s);
/* Reloads so far that were accepted / rejected. */
uint64_t etcd_source_count(const struct etcd_source *s, int rejected);
/* The revision of the last good set (0: none yet). */
int64_t etcd_source_revision(const struct etcd_source *s);
/* The member in use. */
const char *etcd_source_endpoint(const struct etcd_source *s);
/* Why etcd cannot be read now, or NULL while it can. */
const char *etcd_source_error(const struct etcd_source *s);
/* Serve set, loaded elsewhere (the --state-dir copy), as the last good set:
 * a later read of the same content from etcd is no change. */
void etcd_source_adopt(struct etcd_source *s, struct config_set *set);
/* The set the last step returned could not be published: report message
 * as the error of that attempt, and compare later ones with the set before. */
void etcd_source_refuse(struct etcd_source *s, const char *message);

#endif
