/* txn.c - one guarded write: every put and delete of an apply in a single
 * etcd transaction, taken only if what it was validated against still
 * holds. */
#include "xdsd/etcd.h"

#include <stdlib.h>
#include <string.h>

#include "etcd_int.h"
#include "xdsd/util.h"

/* The transaction's messages, all pointing into w's strings. */
struct txn_msg {
    Etcdserverpb__TxnRequest req;
    Etcdserverpb__Compare *cmp, **cmpp;
    Etcdserverpb__RequestOp *ops, **opsp;
    Etcdserverpb__PutRequest *puts;
    Etcdserverpb__DeleteRangeRequest *dels;
    char *prefix_from, *prefix_end;
};

static ProtobufCBinaryData bytes(const char *s, size_t len)
{
    ProtobufCBinaryData b = {len, (uint8_t *)s};
    return b;
}

static void txn_build(struct txn_msg *t, const struct etcd_client *c, const struct etcd_write *w)
{
    etcdserverpb__txn_request__init(&t->req);
    size_t ncmp = w->n_guard + 1, nops = w->n_puts + w->n_deletes;
    t->cmp = xcalloc(ncmp, sizeof(*t->cmp));
    t->cmpp = xcalloc(ncmp, sizeof(*t->cmpp));
    t->ops = xcalloc(nops + 1, sizeof(*t->ops));
    t->opsp = xcalloc(nops + 1, sizeof(*t->opsp));
    t->puts = xcalloc(w->n_puts + 1, sizeof(*t->puts));
    t->dels = xcalloc(w->n_deletes + 1, sizeof(*t->dels));
    for (size_t i = 0; i < w->n_guard; i++) {
        /* the key as it was: its mod_revision, 0 when it did not exist */
        Etcdserverpb__Compare *k = &t->cmp[i];
        etcdserverpb__compare__init(k);
        k->result = ETCDSERVERPB__COMPARE__COMPARE_RESULT__EQUAL;
        k->target = ETCDSERVERPB__COMPARE__COMPARE_TARGET__MOD;
        k->key = bytes(w->guard[i].key, strlen(w->guard[i].key));
        k->target_union_case = ETCDSERVERPB__COMPARE__TARGET_UNION_MOD_REVISION;
        k->mod_revision = w->guard[i].mod_revision;
        t->cmpp[i] = k;
    }
    /* and no key under the prefix written after the validated revision */
    t->prefix_from = xasprintf("%s/", c->prefix);
    t->prefix_end = etcd_range_end(t->prefix_from);
    Etcdserverpb__Compare *all = &t->cmp[w->n_guard];
    etcdserverpb__compare__init(all);
    all->result = ETCDSERVERPB__COMPARE__COMPARE_RESULT__LESS;
    all->target = ETCDSERVERPB__COMPARE__COMPARE_TARGET__MOD;
    all->key = bytes(t->prefix_from, strlen(t->prefix_from));
    all->range_end = bytes(t->prefix_end, strlen(t->prefix_end));
    all->target_union_case = ETCDSERVERPB__COMPARE__TARGET_UNION_MOD_REVISION;
    all->mod_revision = w->since + 1;
    t->cmpp[w->n_guard] = all;
    size_t k = 0;
    for (size_t i = 0; i < w->n_puts; i++, k++) {
        etcdserverpb__put_request__init(&t->puts[i]);
        t->puts[i].key = bytes(w->puts[i].key, strlen(w->puts[i].key));
        t->puts[i].value = bytes(w->puts[i].value, w->puts[i].value_len);
        etcdserverpb__request_op__init(&t->ops[k]);
        t->ops[k].request_case = ETCDSERVERPB__REQUEST_OP__REQUEST_REQUEST_PUT;
        t->ops[k].request_put = &t->puts[i];
        t->opsp[k] = &t->ops[k];
    }
    for (size_t i = 0; i < w->n_deletes; i++, k++) {
        etcdserverpb__delete_range_request__init(&t->dels[i]);
        t->dels[i].key = bytes(w->deletes[i], strlen(w->deletes[i]));
        etcdserverpb__request_op__init(&t->ops[k]);
        t->ops[k].request_case = ETCDSERVERPB__REQUEST_OP__REQUEST_REQUEST_DELETE_RANGE;
        t->ops[k].request_delete_range = &t->dels[i];
        t->opsp[k] = &t->ops[k];
    }
    t->req.n_compare = ncmp;
    t->req.compare = t->cmpp;
    t->req.n_success = nops;
    t->req.success = t->opsp;
}

static void txn_release(struct txn_msg *t)
{
    free(t->cmp);
    free(t->cmpp);
    free(t->ops);
    free(t->opsp);
    free(t->puts);
    free(t->dels);
    free(t->prefix_from);
    free(t->prefix_end);
}

size_t etcd_txn_size(const struct etcd_client *c, const struct etcd_write *w)
{
    struct txn_msg t;
    txn_build(&t, c, w);
    size_t n = protobuf_c_message_get_packed_size(&t.req.base);
    txn_release(&t);
    return n;
}

int etcd_txn(struct etcd_client *c, const struct etcd_write *w, int64_t *revision, char **err)
{
    struct txn_msg t;
    txn_build(&t, c, w);
    ProtobufCMessage *m = NULL;
    int rc = etcd_call(c, "/etcdserverpb.KV/Txn", &t.req.base,
                       &etcdserverpb__txn_response__descriptor, &m, err);
    txn_release(&t);
    if (rc != 0)
        return -1;
    Etcdserverpb__TxnResponse *r = (Etcdserverpb__TxnResponse *)m;
    *revision = r->header ? r->header->revision : 0;
    rc = r->succeeded ? 1 : 0;
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}
