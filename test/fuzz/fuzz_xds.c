/* fuzz_xds.c - libFuzzer driver: the xDS protocol core (src/xds/core.c) against a model.
 *
 *   make fuzz && build/fuzz/fuzz_xds -max_total_time=600 test/fuzz/corpus/fuzz_xds
 *
 * The input is a program for one stream (its first byte picks SotW or delta):
 * requests that subscribe, unsubscribe, ACK, NACK, carry stale or foreign
 * nonces, wildcards and initial versions, sent as structs or encoded and
 * unpacked through the wire path (sometimes with bytes flipped), plain garbage
 * through the unpack path, switches between hand-made and translated views,
 * and sends. The driver keeps its own model of the stream (what the client
 * subscribed to, which nonce is current, what the client holds, what it
 * rejected) and checks every response and every request's classification
 * against it, rather than trusting the core (xds_model.h holds the model
 * and lists what it checks).
 *
 * A violation prints "FINDING: ..." and aborts. */
#include <grpc/byte_buffer.h>
#include <grpc/slice.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/xds/core.h"
#include "../../src/xds/wire.h"
#include "google/rpc/status.pb-c.h"
#include "xdsd/config.h"
#include "xdsd/log.h"
#include "xdsd/translate.h"
#include "xdsd/util.h"

#include "xds_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- input ------------------------------------------------------------------------- */

struct in {
    const uint8_t *p;
    size_t n;
};

static unsigned pick(struct in *in, unsigned mod)
{
    if (in->n == 0 || mod <= 1)
        return 0;
    unsigned v = *in->p++;
    in->n--;
    return v % mod;
}

/* ---- the views the stream is served from ------------------------------------------- */

#define MAX_VIEWS 10
#define MAX_POOL 64

static const struct xds_view *views[MAX_VIEWS];
static size_t n_views;
static const char *pool[MAX_POOL]; /* names requests draw from */
static size_t n_pool;

/* A view from "c:name=content e:... l:... r:...". */
static struct xds_view *hand_view(const char *spec)
{
    struct xds_view *v = xds_view_new();
    char *copy = xstrdup(spec), *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        int t = tok[0] == 'c'   ? XDS_CLUSTER
                : tok[0] == 'e' ? XDS_ENDPOINT
                : tok[0] == 'l' ? XDS_LISTENER
                                : XDS_ROUTE;
        char *eq = strchr(tok, '=');
        *eq = '\0';
        xds_view_add(v, (enum xds_type)t, tok + 2, (uint8_t *)xstrdup(eq + 1), strlen(eq + 1));
    }
    free(copy);
    if (xds_view_finish(v, NULL) != 0)
        abort();
    return v;
}

static const char yaml_egress[] =
    "apiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\n"
    "metadata: {name: istio-egressgateway, namespace: istio-system}\n"
    "spec:\n  hosts: [istio-egressgateway.istio-system.svc.cluster.local]\n"
    "  location: MESH_INTERNAL\n  resolution: STATIC\n"
    "  ports:\n  - {number: 80, name: http2, protocol: HTTP2, targetPort: 8080}\n"
    "  - {number: 443, name: https, protocol: HTTPS, targetPort: 8443}\n"
    "  endpoints:\n  - address: 127.0.0.1\n    labels: {istio: egressgateway}\n"
    "---\napiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\n"
    "metadata: {name: cnn}\n"
    "spec:\n  hosts: [edition.cnn.com]\n  resolution: DNS\n"
    "  ports:\n  - {number: 80, name: http-port, protocol: HTTP}\n"
    "  - {number: 443, name: https, protocol: HTTPS}\n"
    "---\napiVersion: networking.istio.io/v1alpha3\nkind: Gateway\n"
    "metadata: {name: istio-egressgateway}\n"
    "spec:\n  selector: {istio: egressgateway}\n"
    "  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n"
    "    hosts: [edition.cnn.com]\n"
    "---\napiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\n"
    "metadata: {name: egressgateway-for-cnn}\n"
    "spec:\n  host: istio-egressgateway.istio-system.svc.cluster.local\n"
    "  subsets:\n  - name: cnn\n";

static const char yaml_vs[] =
    "---\napiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\n"
    "metadata: {name: direct-cnn-through-egress-gateway}\n"
    "spec:\n  hosts: [edition.cnn.com]\n  gateways: [istio-egressgateway, mesh]\n"
    "  http:\n  - match:\n    - gateways: [mesh]\n      port: 80\n"
    "    route:\n    - destination:\n"
    "        host: istio-egressgateway.istio-system.svc.cluster.local\n"
    "        subset: cnn\n        port: {number: 80}\n"
    "  - match:\n    - gateways: [istio-egressgateway]\n      port: 80\n"
    "    route:\n    - destination:\n        host: edition.cnn.com\n        port: {number: 80}\n";

static struct snapshot *snaps[2];

/* Views translated from the guide's HTTP egress configuration, with and without
 * its VirtualService, for a sidecar and for the egress gateway. */
static void add_translated_views(void)
{
    char *both = xasprintf("%s%s", yaml_egress, yaml_vs);
    const char *texts[2] = {both, yaml_egress};
    for (int i = 0; i < 2; i++) {
        struct config_diags d;
        struct config_set *cfg = config_parse("fuzz-xds.yaml", texts[i], strlen(texts[i]), &d);
        if (cfg == NULL) {
            config_diags_print(&d, stderr);
            abort();
        }
        config_diags_release(&d);
        snaps[i] = translate_snapshot(cfg, (uint64_t)i + 1, NULL);
        config_unref(cfg);
        struct config_kv gw_label = {"istio", "egressgateway"};
        struct proxy_identity side, gw;
        proxy_identity_init(&side, "sidecar~10.0.0.5~sleep-1.default~default.svc.cluster.local",
                            NULL, NULL, NULL, 0, NULL);
        proxy_identity_init(&gw,
                            "router~127.0.0.1~egw-1.istio-system~istio-system.svc.cluster.local",
                            NULL, NULL, &gw_label, 1, NULL);
        char *err = NULL;
        const struct xds_view *a = snapshot_view(snaps[i], &side, NULL, &err);
        const struct xds_view *b = snapshot_view(snaps[i], &gw, NULL, &err);
        if (a == NULL || b == NULL)
            abort();
        views[n_views++] = a;
        views[n_views++] = b;
        proxy_identity_release(&side);
        proxy_identity_release(&gw);
    }
    free(both);
}

static void pool_add(const char *name)
{
    for (size_t i = 0; i < n_pool; i++)
        if (strcmp(pool[i], name) == 0)
            return;
    if (n_pool < MAX_POOL)
        pool[n_pool++] = name;
}

static void init_views(void)
{
    static const char *const specs[] = {
        "c:a=1 c:b=1 e:a=1 e:b=1 l:l0=1 r:r0=1 r:r1=1",
        "c:a=2 c:b=1 c:c=1 e:a=1 e:b=2 e:c=1 l:l0=1 l:l1=1 r:r0=2",
        "e:a=1",
        "c:a=1 c:b=1 e:a=1 e:b=1 l:l0=1 r:r0=1 r:r1=1", /* the first again, another object */
        "c:a=1 c:b=1 e:a=3 e:b=1 l:l0=2 r:r0=1 r:r1=1 r:r2=1",
    };
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        views[n_views++] = hand_view(specs[i]);
    add_translated_views();
    pool_add("*");
    pool_add("nope");
    for (size_t i = 0; i < n_views; i++)
        for (int t = 0; t < XDS_NTYPES; t++) {
            const struct xds_resource *r = xds_view_items(views[i], (enum xds_type)t);
            for (size_t k = 0; k < xds_view_count(views[i], (enum xds_type)t); k++)
                pool_add(r[k].name);
        }
}

/* ---- building requests ------------------------------------------------------------- */

/* Strings a request borrows, freed after it is sent. */
struct req_buf {
    struct xds_request r;
    char *a[8], *b[8], *c[8], *d[8]; /* names / subscribe, unsubscribe, initial names, versions */
    char *owned[40];
    int n_owned;
};

static char *own(struct req_buf *rb, const char *s)
{
    char *c = xstrdup(s);
    if (rb->n_owned < 40)
        rb->owned[rb->n_owned++] = c;
    return c;
}

static void req_buf_free(struct req_buf *rb)
{
    for (int i = 0; i < rb->n_owned; i++)
        free(rb->owned[i]);
}

static const char *choose_nonce(struct in *in, const struct model *m, int t)
{
    switch (pick(in, 6)) {
    case 0:
        return "";
    case 1:
    case 2:
        return m->t[t].last_nonce;
    case 3:
        return m->n_nonces ? m->nonces[pick(in, (unsigned)m->n_nonces)] : "";
    case 4:
        return "bogus-nonce";
    default:
        return m->t[pick(in, XDS_NTYPES)].last_nonce;
    }
}

static const char *choose_name(struct in *in)
{
    return pool[pick(in, (unsigned)n_pool)];
}

static void build_request(struct in *in, const struct model *m, struct req_buf *rb)
{
    struct xds_request *r = &rb->r;
    memset(r, 0, sizeof(*r));
    unsigned tt = pick(in, 9);
    int t = tt < 8 ? (int)(tt % XDS_NTYPES) : XDS_CLUSTER;
    r->type_url = tt < 8 ? xds_type_url((enum xds_type)t)
                         : "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    r->nonce = own(rb, choose_nonce(in, m, t));
    r->has_error = pick(in, 5) == 0;
    r->error_message = r->has_error ? "rejected by the fuzzer" : "";
    if (!m->delta) {
        unsigned v = pick(in, 3);
        r->version_info = own(rb, v == 0 ? "" : v == 1 ? m->t[t].last_version : "garbage");
        r->n_names = pick(in, 6);
        for (size_t i = 0; i < r->n_names; i++)
            rb->a[i] = own(rb, choose_name(in));
        r->names = rb->a;
        return;
    }
    r->version_info = "";
    r->n_subscribe = pick(in, 4);
    for (size_t i = 0; i < r->n_subscribe; i++)
        rb->a[i] = own(rb, choose_name(in));
    r->n_unsubscribe = pick(in, 3);
    for (size_t i = 0; i < r->n_unsubscribe; i++)
        rb->b[i] = own(rb, choose_name(in));
    if (pick(in, 4) == 0) {
        r->n_initial = pick(in, 4);
        for (size_t i = 0; i < r->n_initial; i++) {
            const char *name = choose_name(in);
            const struct xds_resource *cur = xds_view_find(m->view, (enum xds_type)t, name);
            unsigned v = pick(in, 4);
            rb->c[i] = own(rb, name);
            rb->d[i] = own(rb, v == 0 && cur ? cur->version
                               : v == 1      ? "0000000000000001"
                               : v == 2      ? "zz"
                                             : "");
        }
    }
    r->subscribe = rb->a;
    r->unsubscribe = rb->b;
    r->initial_names = rb->c;
    r->initial_versions = rb->d;
}

/* What a well-behaved client sends after a response: an ACK or a NACK that
 * re-states its subscription. */
static void build_reply(struct in *in, const struct model *m, struct req_buf *rb)
{
    struct xds_request *r = &rb->r;
    memset(r, 0, sizeof(*r));
    int t = (int)pick(in, XDS_NTYPES);
    const struct mtype *mt = &m->t[t];
    r->type_url = xds_type_url((enum xds_type)t);
    r->nonce = mt->last_nonce;
    r->has_error = pick(in, 4) == 0;
    r->error_message = r->has_error ? "NACK from a well-behaved client" : "";
    r->version_info = mt->last_version;
    r->names = rb->a;
    r->subscribe = rb->a;
    r->unsubscribe = rb->b;
    if (m->delta)
        return;
    if (mt->wildcard && mt->named_ever)
        rb->a[r->n_names++] = own(rb, "*");
    for (size_t i = 0; i < mt->names.n && r->n_names < 8; i++)
        rb->a[r->n_names++] = own(rb, mt->names.k[i]);
}

/* ---- the wire path ------------------------------------------------------------------ */

static grpc_byte_buffer *buffer_of(const uint8_t *p, size_t n)
{
    grpc_slice s = grpc_slice_from_copied_buffer((const char *)p, n);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    return bb;
}

/* Pack a request as the client would, with the node on it. */
static uint8_t *encode_request(const struct model *m, const struct xds_request *r, size_t *len)
{
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    st.code = 3;
    st.message = (char *)r->error_message;
    Envoy__Config__Core__V3__Node node = ENVOY__CONFIG__CORE__V3__NODE__INIT;
    node.id = "sidecar~10.0.0.5~sleep-1.default~default.svc.cluster.local";
    uint8_t *buf;
    if (!m->delta) {
        Envoy__Service__Discovery__V3__DiscoveryRequest q =
            ENVOY__SERVICE__DISCOVERY__V3__DISCOVERY_REQUEST__INIT;
        q.type_url = (char *)r->type_url;
        q.response_nonce = (char *)r->nonce;
        q.version_info = (char *)r->version_info;
        q.resource_names = (char **)r->names;
        q.n_resource_names = r->n_names;
        q.error_detail = r->has_error ? &st : NULL;
        q.node = &node;
        *len = envoy__service__discovery__v3__discovery_request__get_packed_size(&q);
        buf = xmalloc(*len ? *len : 1);
        envoy__service__discovery__v3__discovery_request__pack(&q, buf);
        return buf;
    }
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest q =
        ENVOY__SERVICE__DISCOVERY__V3__DELTA_DISCOVERY_REQUEST__INIT;
    Envoy__Service__Discovery__V3__DeltaDiscoveryRequest__InitialResourceVersionsEntry e[8], *pe[8];
    for (size_t i = 0; i < r->n_initial; i++) {
        envoy__service__discovery__v3__delta_discovery_request__initial_resource_versions_entry__init(
            &e[i]);
        e[i].key = r->initial_names[i];
        e[i].value = r->initial_versions[i];
        pe[i] = &e[i];
    }
    q.type_url = (char *)r->type_url;
    q.response_nonce = (char *)r->nonce;
    q.resource_names_subscribe = (char **)r->subscribe;
    q.n_resource_names_subscribe = r->n_subscribe;
    q.resource_names_unsubscribe = (char **)r->unsubscribe;
    q.n_resource_names_unsubscribe = r->n_unsubscribe;
    q.initial_resource_versions = pe;
    q.n_initial_resource_versions = r->n_initial;
    q.error_detail = r->has_error ? &st : NULL;
    q.node = &node;
    *len = envoy__service__discovery__v3__delta_discovery_request__get_packed_size(&q);
    buf = xmalloc(*len ? *len : 1);
    envoy__service__discovery__v3__delta_discovery_request__pack(&q, buf);
    return buf;
}

/* Unpack bytes as the server does and feed what decodes. Returns -1 when
 * the stream ends. */
static int send_bytes(struct model *m, const uint8_t *p, size_t n)
{
    grpc_byte_buffer *bb = buffer_of(p, n);
    struct xds_wire_request w;
    int rc = 0;
    if (xds_wire_request_parse(bb, m->delta, &w) == 0) {
        if (w.node != NULL) {
            struct proxy_identity id;
            char *md = NULL;
            xds_wire_node(w.node, &id, &md);
            proxy_identity_release(&id);
            free(md);
        }
        rc = send_request(m, &w.req);
        xds_wire_request_release(&w);
    }
    grpc_byte_buffer_destroy(bb);
    return rc;
}

/* A request through the wire: encoded, maybe with one byte changed or cut short. */
static int send_encoded(struct in *in, struct model *m, const struct req_buf *rb)
{
    size_t len;
    uint8_t *buf = encode_request(m, &rb->r, &len);
    unsigned how = pick(in, 8);
    if (how == 1 && len > 0)
        buf[pick(in, 256) % len] ^= (uint8_t)(1 + pick(in, 255));
    else if (how == 2 && len > 0)
        len = pick(in, 256) % len;
    int rc = send_bytes(m, buf, len);
    free(buf);
    return rc;
}

/* ---- the program ----------------------------------------------------------------------- */

static int run_op(struct in *in, struct model *m)
{
    struct req_buf rb;
    unsigned op = pick(in, 32);
    int rc = 0;
    memset(&rb, 0, sizeof(rb));
    if (op <= 11) {
        build_request(in, m, &rb);
        rc = pick(in, 3) == 0 ? send_encoded(in, m, &rb) : send_request(m, &rb.r);
    } else if (op <= 17) {
        build_reply(in, m, &rb);
        rc = pick(in, 4) == 0 ? send_encoded(in, m, &rb) : send_request(m, &rb.r);
    } else if (op <= 22) {
        drain(m);
    } else if (op <= 24) {
        step(m);
    } else if (op <= 27) {
        m->view = views[pick(in, (unsigned)n_views)];
        if (trace)
            fprintf(stderr, "== view changed\n");
        xds_core_view_changed(m->core);
    } else if (op <= 29) {
        size_t n = pick(in, 48);
        n = n < in->n ? n : in->n;
        rc = send_bytes(m, in->p, n);
        in->p += n;
        in->n -= n;
    } else if (op == 30) {
        struct xds_request r = {.type_url = "", .nonce = "", .version_info = ""};
        rc = send_request(m, &r); /* P3: ends the stream */
    } else {
        /* the same request twice in a row */
        build_request(in, m, &rb);
        rc = send_request(m, &rb.r);
        if (rc == 0)
            rc = send_request(m, &rb.r);
    }
    req_buf_free(&rb);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        init = 1;
        log_init(LOG_ERROR, LOG_TEXT);
        init_views();
        trace = getenv("FUZZ_XDS_TRACE") != NULL;
    }
    if (size < 2)
        return 0;
    struct model m;
    memset(&m, 0, sizeof(m));
    m.delta = data[0] & 1;
    m.core = xds_core_new(m.delta, data[0] >> 1);
    m.view = views[data[1] % n_views];
    struct in in = {data + 2, size - 2};
    for (int ops = 0; in.n > 0 && ops < 400; ops++)
        if (run_op(&in, &m) != 0)
            break;
    if (in.n == 0)
        drain(&m);
    model_free(&m);
    return 0;
}
