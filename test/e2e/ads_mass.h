/* ads_mass.h - for the end-to-end tests: many ADS streams on one completion
 * queue, each ACKing what it receives (SotW and delta). Included by xds_e2e.c. */
#ifndef XDSD_E2E_ADS_MASS_H
#define XDSD_E2E_ADS_MASS_H

#include "ads_client.h"

/* ---- many streams at once (one completion queue) ------------------------------------ */

enum { M_START, M_RECV, M_SEND, M_STATUS };

struct mstream;
struct mtag {
    int kind;
    struct mstream *s;
};

struct mstream {
    grpc_channel *ch;
    grpc_call *call;
    int delta;
    struct mtag t[4];
    grpc_byte_buffer *rbb, *sbb;
    grpc_byte_buffer *q[8];
    int nq;
    int send_busy, recv_pending, status_pending, start_pending, got_imd, dead;
    grpc_metadata_array imd, tmd;
    grpc_status_code status;
    grpc_slice details;
    int64_t last_ack_ms;
    long responses;
};

struct mass {
    grpc_completion_queue *cq;
    struct mstream *s;
    int n;
};

static void m_start_send(struct mass *m, struct mstream *s, grpc_byte_buffer *bb)
{
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_SEND_MESSAGE;
    op.data.send_message.send_message = bb;
    s->sbb = bb;
    if (grpc_call_start_batch(s->call, &op, 1, &s->t[M_SEND], NULL) == GRPC_CALL_OK)
        s->send_busy = 1;
    else
        grpc_byte_buffer_destroy(bb), s->sbb = NULL;
    (void)m;
}

static void m_enqueue(struct mass *m, struct mstream *s, uint8_t *buf, size_t len)
{
    grpc_slice sl = grpc_slice_from_copied_buffer((const char *)buf, len);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&sl, 1);
    grpc_slice_unref(sl);
    free(buf);
    if (!s->send_busy)
        m_start_send(m, s, bb);
    else if (s->nq < 8)
        s->q[s->nq++] = bb;
    else
        grpc_byte_buffer_destroy(bb);
}

static void m_arm_recv(struct mstream *s)
{
    grpc_op ops[2];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_RECV_MESSAGE;
    ops[0].data.recv_message.recv_message = &s->rbb;
    ops[1].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[1].data.recv_initial_metadata.recv_initial_metadata = &s->imd;
    size_t n = s->got_imd ? 1 : 2;
    s->got_imd = 1;
    if (grpc_call_start_batch(s->call, ops, n, &s->t[M_RECV], NULL) == GRPC_CALL_OK)
        s->recv_pending = 1;
}

static const char *node_id = "sidecar~10.1.0.1~mass.default~default.svc.cluster.local";

static void m_request(struct mass *m, struct mstream *s, enum xds_type t, const char *version,
                      const char *nonce)
{
    size_t len;
    const char *names = t == EDS ? "c0 c1" : NULL;
    uint8_t *b = s->delta ? pack_delta(t, nonce,
                                       nonce[0] ? NULL
                                       : names  ? names
                                                : "*",
                                       NULL, NULL, NULL, &len)
                          : pack_sotw(xds_type_url(t), node_id, version, nonce, names, NULL, &len);
    m_enqueue(m, s, b, len);
}

static void m_open(struct mass *m, struct mstream *s, int delta, grpc_channel *ch)
{
    memset(s, 0, sizeof(*s));
    s->delta = delta;
    s->ch = ch;
    for (int k = 0; k < 4; k++)
        s->t[k] = (struct mtag){k, s};
    grpc_metadata_array_init(&s->imd);
    grpc_metadata_array_init(&s->tmd);
    s->call =
        grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, m->cq,
                                 grpc_slice_from_static_string(delta ? DELTA_METHOD : SOTW_METHOD),
                                 NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    grpc_op ops[1];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    if (grpc_call_start_batch(s->call, ops, 1, &s->t[M_START], NULL) == GRPC_CALL_OK)
        s->start_pending = 1;
    grpc_op st;
    memset(&st, 0, sizeof(st));
    st.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    st.data.recv_status_on_client.trailing_metadata = &s->tmd;
    st.data.recv_status_on_client.status = &s->status;
    st.data.recv_status_on_client.status_details = &s->details;
    if (grpc_call_start_batch(s->call, &st, 1, &s->t[M_STATUS], NULL) == GRPC_CALL_OK)
        s->status_pending = 1;
    m_request(m, s, CDS, "", "");
    m_request(m, s, EDS, "", "");
    m_arm_recv(s);
}

static void m_on_recv(struct mass *m, struct mstream *s, int ok)
{
    s->recv_pending = 0;
    if (!ok || s->rbb == NULL) {
        s->dead = 1;
        return;
    }
    grpc_byte_buffer_reader rd;
    grpc_byte_buffer_reader_init(&rd, s->rbb);
    grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
    grpc_byte_buffer_reader_destroy(&rd);
    grpc_byte_buffer_destroy(s->rbb);
    s->rbb = NULL;
    struct resp *r = xcalloc(1, sizeof(*r));
    if (s->delta)
        decode_delta(GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all), r);
    else
        decode_sotw(GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all), r);
    grpc_slice_unref(all);
    int t = strcmp(r->type, "cds") == 0 ? CDS : EDS;
    m_request(m, s, (enum xds_type)t, r->version, r->nonce);
    free(r);
    s->responses++;
    s->last_ack_ms = now_ms();
    m_arm_recv(s);
}

static void m_event(struct mass *m, grpc_event ev)
{
    struct mtag *tag = ev.tag;
    struct mstream *s = tag->s;
    switch (tag->kind) {
    case M_START:
        s->start_pending = 0;
        break;
    case M_RECV:
        m_on_recv(m, s, ev.success);
        break;
    case M_SEND:
        s->send_busy = 0;
        grpc_byte_buffer_destroy(s->sbb);
        s->sbb = NULL;
        if (s->nq > 0 && ev.success) {
            grpc_byte_buffer *bb = s->q[0];
            memmove(s->q, s->q + 1, (size_t)(--s->nq) * sizeof(s->q[0]));
            m_start_send(m, s, bb);
        }
        break;
    case M_STATUS:
        s->status_pending = 0;
        s->dead = 1;
        break;
    }
}

static void m_pump(struct mass *m, int ms)
{
    gpr_timespec end = in_ms(ms);
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(m->cq, end, NULL);
        if (ev.type != GRPC_OP_COMPLETE)
            return;
        m_event(m, ev);
    }
}

/* Pump until the server reports want synced streams (and as many streams). */
static int m_wait_synced(struct mass *m, long want, int timeout_ms, struct server_status *st)
{
    int64_t end = now_ms() + timeout_ms;
    while (now_ms() < end) {
        m_pump(m, 100);
        if (server_status(st) == 0 && st->synced == want && st->streams == want)
            return 0;
    }
    return -1;
}

static int m_busy(const struct mstream *s)
{
    return s->send_busy || s->recv_pending || s->status_pending || s->start_pending;
}

static void m_close_all(struct mass *m)
{
    for (int i = 0; i < m->n; i++)
        grpc_call_cancel(m->s[i].call, NULL);
    for (int tries = 0; tries < 600; tries++) {
        int busy = 0;
        for (int i = 0; i < m->n; i++)
            busy += m_busy(&m->s[i]);
        if (!busy)
            break;
        m_pump(m, 100);
    }
    for (int i = 0; i < m->n; i++) {
        struct mstream *s = &m->s[i];
        for (int k = 0; k < s->nq; k++)
            grpc_byte_buffer_destroy(s->q[k]);
        grpc_byte_buffer_destroy(s->rbb);
        grpc_slice_unref(s->details);
        grpc_metadata_array_destroy(&s->imd);
        grpc_metadata_array_destroy(&s->tmd);
        grpc_call_unref(s->call);
        grpc_channel_destroy(s->ch);
    }
    grpc_completion_queue_shutdown(m->cq);
    while (grpc_completion_queue_next(m->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(m->cq);
    free(m->s);
}

static void m_open_all(struct mass *m, int n)
{
    m->cq = grpc_completion_queue_create_for_next(NULL);
    m->n = n;
    m->s = xcalloc((size_t)n, sizeof(*m->s));
    for (int i = 0; i < n; i++) {
        m_open(m, &m->s[i], i % 2, channel_new());
        if (i % 50 == 49)
            m_pump(m, 1);
    }
}

#endif
