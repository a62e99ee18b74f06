/* client.c - etcd's v3 API over gRPC C core: the channel to one member at a
 * time, blocking unary calls (Range, Txn, Authenticate), the token.
 *
 * A call that finds its member unreachable, or without a leader, is tried
 * on the next listed member, each at most once per call: the members serve
 * one store, and a member cut off from the others must not be read from
 * (reads are linearizable, so such a member answers with an error). */
#include "xdsd/etcd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd_int.h"
#include "xdsd/log.h"
#include "xdsd/util.h"

/* A unary call that takes longer than this has a member that lost its
 * peers: move on to the next one. */
#define CALL_DEADLINE_MS 3000
/* Range pages: well under gRPC's default 4 MiB per message for our YAML. */
#define PAGE_KEYS 500

/* The file at path, or NULL with *err saying why. */
static char *read_or_say(const char *path, char **err)
{
    char *buf = read_whole_file(path, NULL);
    if (buf == NULL)
        *err = xasprintf("cannot open '%s': %s", path, strerror(errno));
    return buf;
}

/* "etcd://h1:p1,h2:p2/prefix" into c's endpoints and prefix. */
static int parse_url(struct etcd_client *c, const char *url, char **err)
{
    static const char scheme[] = "etcd://";
    if (strncmp(url, scheme, sizeof(scheme) - 1) != 0) {
        *err = xasprintf("'%s': not an etcd://HOST:PORT[,HOST:PORT...]/PREFIX URL", url);
        return -1;
    }
    const char *hosts = url + sizeof(scheme) - 1;
    const char *slash = strchr(hosts, '/');
    char *list = slash ? xstrndup(hosts, (size_t)(slash - hosts)) : xstrdup(hosts);
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strchr(t, ':') == NULL) {
            *err = xasprintf("'%s': endpoint '%s' has no port", url, t);
            free(list);
            return -1;
        }
        xgrow((void **)&c->endpoints, &c->cap_endpoints, c->n_endpoints + 1, sizeof(char *));
        c->endpoints[c->n_endpoints++] = xstrdup(t);
    }
    free(list);
    if (c->n_endpoints == 0) {
        *err = xasprintf("'%s': no endpoint", url);
        return -1;
    }
    /* the prefix as given, one leading slash, no trailing one */
    const char *p = slash ? slash : "";
    while (*p == '/')
        p++;
    size_t len = strlen(p);
    while (len > 0 && p[len - 1] == '/')
        len--;
    if (len == 0) {
        *err = xasprintf("'%s': no key prefix (etcd://HOST:PORT/PREFIX)", url);
        return -1;
    }
    c->prefix = xasprintf("/%.*s", (int)len, p);
    return 0;
}

static int read_credentials(struct etcd_client *c, const struct etcd_options *o, char **err)
{
    if (o->cacert) {
        c->tls = 1;
        if ((c->ca_pem = read_or_say(o->cacert, err)) == NULL)
            return -1;
    }
    if ((o->cert != NULL) != (o->key != NULL)) {
        *err = xstrdup("--etcd-cert and --etcd-key go together");
        return -1;
    }
    if (o->cert) {
        c->tls = 1;
        if ((c->cert_pem = read_or_say(o->cert, err)) == NULL ||
            (c->key_pem = read_or_say(o->key, err)) == NULL)
            return -1;
    }
    if ((o->user != NULL) != (o->password_file != NULL)) {
        *err = xstrdup("--etcd-user and --etcd-password-file go together");
        return -1;
    }
    if (o->user) {
        char *pw = read_or_say(o->password_file, err);
        if (pw == NULL)
            return -1;
        pw[strcspn(pw, "\r\n")] = '\0';
        c->user = xstrdup(o->user);
        c->password = pw;
    }
    return 0;
}

struct etcd_client *etcd_client_new(const struct etcd_options *o, char **err)
{
    struct etcd_client *c = xcalloc(1, sizeof(*c));
    *err = NULL;
    if (parse_url(c, o->url, err) != 0 || read_credentials(c, o, err) != 0) {
        etcd_client_free(c);
        return NULL;
    }
    grpc_init();
    c->grpc_up = 1;
    return c;
}

static void drop_channel(struct etcd_client *c)
{
    etcd_watch_stop(c);
    if (c->ch)
        grpc_channel_destroy(c->ch);
    c->ch = NULL;
}

void etcd_client_free(struct etcd_client *c)
{
    if (c == NULL)
        return;
    drop_channel(c);
    for (size_t i = 0; i < c->n_endpoints; i++)
        free(c->endpoints[i]);
    free(c->endpoints);
    free(c->prefix);
    free(c->ca_pem);
    free(c->cert_pem);
    free(c->key_pem);
    free(c->user);
    free(c->password);
    free(c->token);
    if (c->grpc_up)
        grpc_shutdown();
    free(c);
}

const char *etcd_client_prefix(const struct etcd_client *c)
{
    return c->prefix;
}

const char *etcd_client_endpoint(const struct etcd_client *c)
{
    return c->endpoints[c->cur];
}

void etcd_client_rotate(struct etcd_client *c)
{
    drop_channel(c);
    c->cur = (c->cur + 1) % c->n_endpoints;
}

grpc_channel *etcd_channel(struct etcd_client *c)
{
    if (c->ch)
        return c->ch;
    grpc_arg a[3];
    memset(a, 0, sizeof(a));
    a[0].type = GRPC_ARG_INTEGER;
    a[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    a[0].value.integer = -1; /* a watch response holds a whole transaction */
    /* a member that vanishes without closing the connection (a cut cable)
     * would leave the watch silent for ever: pings find it within 15 s.
     * etcd accepts one every 5 s (its --grpc-keepalive-min-time), and only
     * while a call is open (the watch is) */
    a[1].type = GRPC_ARG_INTEGER;
    a[1].key = (char *)GRPC_ARG_KEEPALIVE_TIME_MS;
    a[1].value.integer = 10000;
    a[2].type = GRPC_ARG_INTEGER;
    a[2].key = (char *)GRPC_ARG_KEEPALIVE_TIMEOUT_MS;
    a[2].value.integer = 5000;
    grpc_channel_args args = {3, a};
    grpc_channel_credentials *creds;
    if (c->tls) {
        grpc_ssl_pem_key_cert_pair pair = {c->key_pem, c->cert_pem};
        creds = grpc_ssl_credentials_create(c->ca_pem, c->cert_pem ? &pair : NULL, NULL, NULL);
    } else {
        creds = grpc_insecure_credentials_create();
    }
    c->ch = grpc_channel_create(c->endpoints[c->cur], creds, &args);
    grpc_channel_credentials_release(creds);
    return c->ch;
}

void etcd_metadata(struct etcd_client *c, grpc_metadata md[2], size_t *n, int watch)
{
    *n = 0;
    memset(md, 0, 2 * sizeof(*md));
    if (c->token) {
        md[*n].key = grpc_slice_from_static_string("token");
        md[*n].value = grpc_slice_from_static_string(c->token);
        (*n)++;
    }
    if (watch) {
        /* a member cut off from the leader ends the stream instead of
         * leaving it silent: the watch then moves to another member */
        md[*n].key = grpc_slice_from_static_string("hasleader");
        md[*n].value = grpc_slice_from_static_string("true");
        (*n)++;
    }
}

grpc_byte_buffer *etcd_pack(const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    grpc_slice s = grpc_slice_malloc(len);
    protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(s));
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    return bb;
}

ProtobufCMessage *etcd_unpack(const ProtobufCMessageDescriptor *d, grpc_byte_buffer *bb)
{
    grpc_byte_buffer_reader r;
    if (!grpc_byte_buffer_reader_init(&r, bb))
        return NULL;
    grpc_slice s = grpc_byte_buffer_reader_readall(&r);
    grpc_byte_buffer_reader_destroy(&r);
    ProtobufCMessage *m =
        protobuf_c_message_unpack(d, NULL, GRPC_SLICE_LENGTH(s), GRPC_SLICE_START_PTR(s));
    grpc_slice_unref(s);
    return m;
}

/* One call on the current member. Returns the gRPC status; *msg gets its
 * details (heap) when not OK. */
static grpc_status_code call_once(struct etcd_client *c, const char *method,
                                  const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rd,
                                  ProtobufCMessage **resp, char **msg)
{
    grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
    gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                                         gpr_time_from_millis(CALL_DEADLINE_MS, GPR_TIMESPAN));
    grpc_call *call =
        grpc_channel_create_call(etcd_channel(c), NULL, GRPC_PROPAGATE_DEFAULTS, cq,
                                 grpc_slice_from_static_string(method), NULL, deadline, NULL);
    grpc_metadata md[2];
    size_t nmd;
    etcd_metadata(c, md, &nmd, 0);
    grpc_byte_buffer *send = etcd_pack(req), *recv = NULL;
    grpc_metadata_array imd, tmd;
    grpc_metadata_array_init(&imd);
    grpc_metadata_array_init(&tmd);
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details = grpc_empty_slice();
    grpc_op ops[6];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = nmd;
    ops[0].data.send_initial_metadata.metadata = md;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = send;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &imd;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &recv;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &tmd;
    ops[5].data.recv_status_on_client.status = &status;
    ops[5].data.recv_status_on_client.status_details = &details;
    char tag;
    if (grpc_call_start_batch(call, ops, 6, &tag, NULL) == GRPC_CALL_OK)
        grpc_completion_queue_pluck(cq, &tag, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (status == GRPC_STATUS_OK) {
        *resp = recv ? etcd_unpack(rd, recv) : NULL;
        if (*resp == NULL) {
            status = GRPC_STATUS_INTERNAL;
            *msg = xasprintf("cannot decode the answer to %s", method);
        }
    } else {
        char *d = grpc_slice_to_c_string(details);
        *msg = xstrdup(d);
        gpr_free(d);
    }
    grpc_byte_buffer_destroy(send);
    if (recv)
        grpc_byte_buffer_destroy(recv);
    grpc_slice_unref(details);
    grpc_metadata_array_destroy(&imd);
    grpc_metadata_array_destroy(&tmd);
    grpc_call_unref(call);
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    return status;
}

int etcd_authenticate(struct etcd_client *c, char **err)
{
    free(c->token);
    c->token = NULL;
    Etcdserverpb__AuthenticateRequest req = ETCDSERVERPB__AUTHENTICATE_REQUEST__INIT;
    req.name = c->user;
    req.password = c->password;
    ProtobufCMessage *resp = NULL;
    char *msg = NULL;
    grpc_status_code st = call_once(c, "/etcdserverpb.Auth/Authenticate", &req.base,
                                    &etcdserverpb__authenticate_response__descriptor, &resp, &msg);
    if (st != GRPC_STATUS_OK) {
        *err = xasprintf("etcd %s: authentication as '%s' failed: %s", etcd_client_endpoint(c),
                         c->user, msg);
        free(msg);
        return -1;
    }
    c->token = xstrdup(((Etcdserverpb__AuthenticateResponse *)resp)->token);
    protobuf_c_message_free_unpacked(resp, NULL);
    return 0;
}

/* The member cannot serve us now, another may. */
static int try_another(grpc_status_code st)
{
    return st == GRPC_STATUS_UNAVAILABLE || st == GRPC_STATUS_DEADLINE_EXCEEDED ||
           st == GRPC_STATUS_CANCELLED;
}

int etcd_call(struct etcd_client *c, const char *method, const ProtobufCMessage *req,
              const ProtobufCMessageDescriptor *rd, ProtobufCMessage **resp, char **err)
{
    int reauth = 1;
    char *auth_err = NULL; /* the last member's refusal, if all refuse */
    for (size_t tries = 0; tries < c->n_endpoints;) {
        if (c->user && c->token == NULL) {
            free(auth_err);
            auth_err = NULL;
            if (etcd_authenticate(c, &auth_err) != 0) {
                /* an unreachable member fails authentication too */
                etcd_client_rotate(c);
                tries++;
                continue;
            }
        }
        char *msg = NULL;
        grpc_status_code st = call_once(c, method, req, rd, resp, &msg);
        if (st == GRPC_STATUS_OK)
            return 0;
        if (c->user && reauth && (st == GRPC_STATUS_UNAUTHENTICATED || strstr(msg, "token"))) {
            reauth = 0; /* the token expired: a new one, once per call */
            free(msg);
            free(c->token);
            c->token = NULL;
            continue;
        }
        free(auth_err);
        auth_err = NULL;
        if (!try_another(st) || tries + 1 == c->n_endpoints) {
            if (try_another(st) && c->n_endpoints > 1)
                *err = xasprintf("etcd: none of the %zu members answers (the last, %s: %s)",
                                 c->n_endpoints, etcd_client_endpoint(c), msg);
            else
                *err = xasprintf("etcd %s: %s", etcd_client_endpoint(c), msg);
            free(msg);
            if (try_another(st))
                etcd_client_rotate(c);
            return -1;
        }
        log_debug("etcd %s: %s; trying the next member", etcd_client_endpoint(c), msg);
        free(msg);
        etcd_client_rotate(c);
        tries++;
    }
    *err = auth_err ? auth_err : xstrdup("etcd: no member answers");
    return -1;
}

void etcd_kvs_release(struct etcd_kvs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void etcd_kv_copy(struct etcd_kv *o, const Mvccpb__KeyValue *kv)
{
    o->key = xstrndup((const char *)kv->key.data, kv->key.len);
    o->value = xmalloc(kv->value.len + 1);
    if (kv->value.len)
        memcpy(o->value, kv->value.data, kv->value.len);
    o->value[kv->value.len] = '\0';
    o->value_len = kv->value.len;
    o->mod_revision = kv->mod_revision;
}

char *etcd_range_end(const char *key)
{
    /* the first key after every key that starts with key */
    char *end = xstrdup(key);
    size_t n = strlen(end);
    end[n - 1]++;
    return end;
}

/* One page of the range [from, end) at revision rev (0: now), appended to out. */
static int list_page(struct etcd_client *c, ProtobufCBinaryData from, const char *end, int64_t *rev,
                     struct etcd_kvs *out, ProtobufCBinaryData *next, char **err)
{
    Etcdserverpb__RangeRequest req = ETCDSERVERPB__RANGE_REQUEST__INIT;
    req.key = from;
    req.range_end.data = (uint8_t *)end;
    req.range_end.len = strlen(end);
    req.limit = PAGE_KEYS;
    req.revision = *rev;
    ProtobufCMessage *m = NULL;
    if (etcd_call(c, "/etcdserverpb.KV/Range", &req.base, &etcdserverpb__range_response__descriptor,
                  &m, err) != 0)
        return -1;
    Etcdserverpb__RangeResponse *r = (Etcdserverpb__RangeResponse *)m;
    if (*rev == 0 && r->header)
        *rev = r->header->revision; /* every later page reads this same cut */
    for (size_t i = 0; i < r->n_kvs; i++) {
        xgrow((void **)&out->items, &out->cap, out->n + 1, sizeof(*out->items));
        etcd_kv_copy(&out->items[out->n++], r->kvs[i]);
    }
    next->len = 0;
    if (r->more && r->n_kvs > 0) {
        /* the next page starts just after the last key: that key plus a NUL */
        const Mvccpb__KeyValue *last = r->kvs[r->n_kvs - 1];
        next->data = xcalloc(1, last->key.len + 1);
        memcpy(next->data, last->key.data, last->key.len);
        next->len = last->key.len + 1;
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}

int etcd_list(struct etcd_client *c, struct etcd_kvs *out, int64_t *revision, char **err)
{
    char *start = xasprintf("%s/", c->prefix);
    char *end = etcd_range_end(start);
    ProtobufCBinaryData from = {strlen(start), (uint8_t *)xstrdup(start)};
    int64_t rev = 0;
    int rc = 0;
    memset(out, 0, sizeof(*out));
    while (from.len > 0) {
        ProtobufCBinaryData next = {0, NULL};
        rc = list_page(c, from, end, &rev, out, &next, err);
        free(from.data);
        from = next;
        if (rc != 0) {
            free(from.data);
            etcd_kvs_release(out);
            break;
        }
    }
    free(start);
    free(end);
    *revision = rev;
    return rc;
}
