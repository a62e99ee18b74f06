/* xds_c_client.c - gRPC C core's own xDS client against xdsd.
 *
 *   xds_c_client [--xds HOST:PORT --node ID] [--header NAME=VALUE] [--wait-stdin]
 *                TARGET N
 *
 * Makes N unary calls of /interop.Echo/Who (raw bytes; test/interop/echo.js
 * backends answer with their name) on a channel to TARGET, normally
 * xds:///HOST:PORT, and prints how many answers came from whom:
 *
 *   answer NAME COUNT
 *   error CODE COUNT
 *   done N
 *
 * With --xds, the bootstrap (node ID, metadata GENERATOR grpc) is written into
 * GRPC_XDS_BOOTSTRAP_CONFIG before gRPC starts; without, gRPC reads
 * GRPC_XDS_BOOTSTRAP or GRPC_XDS_BOOTSTRAP_CONFIG from the environment as any
 * application would. With --wait-stdin the channel stays open after the
 * calls until stdin closes, so a test can look at xdsd's view of this client
 * while it is still connected. Exit 0 when every call succeeded, 1 when some
 * failed, 2 on usage errors. */
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METHOD "/interop.Echo/Who"
#define MAX_KEYS 32
#define FIRST_CALL_MS 15000 /* the first call waits for xDS to resolve */
#define CALL_MS 5000

struct tally {
    char key[MAX_KEYS][96];
    int count[MAX_KEYS];
    int n;
};

struct args {
    const char *xds;
    const char *node;
    const char *header_name;
    char *header_value;
    int wait_stdin;
    const char *target;
    int calls;
};

static void tally_add(struct tally *t, const char *key)
{
    for (int i = 0; i < t->n; i++) {
        if (strcmp(t->key[i], key) == 0) {
            t->count[i]++;
            return;
        }
    }
    if (t->n == MAX_KEYS)
        return;
    snprintf(t->key[t->n], sizeof(t->key[0]), "%s", key);
    t->count[t->n++] = 1;
}

static gpr_timespec deadline_in(int ms)
{
    return gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

/* Run one batch and wait for its completion; 0 when the batch succeeded. */
static int run_batch(grpc_call *call, grpc_completion_queue *cq, const grpc_op *ops, size_t n)
{
    static int tag;
    if (grpc_call_start_batch(call, ops, n, &tag, NULL) != GRPC_CALL_OK)
        return -1;
    grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    return ev.type == GRPC_OP_COMPLETE && ev.success ? 0 : -1;
}

/* The reply as a string (the backend's name), at most size-1 bytes. */
static void read_reply(grpc_byte_buffer *bb, char *out, size_t size)
{
    grpc_byte_buffer_reader reader;
    out[0] = '\0';
    if (bb == NULL || !grpc_byte_buffer_reader_init(&reader, bb))
        return;
    grpc_slice s = grpc_byte_buffer_reader_readall(&reader);
    size_t len = GRPC_SLICE_LENGTH(s) < size - 1 ? GRPC_SLICE_LENGTH(s) : size - 1;
    memcpy(out, GRPC_SLICE_START_PTR(s), len);
    out[len] = '\0';
    grpc_slice_unref(s);
    grpc_byte_buffer_reader_destroy(&reader);
}

/* One unary call; fills key with "answer NAME" or "error CODE" and returns
 * the status code. */
static grpc_status_code call_once(grpc_channel *ch, grpc_completion_queue *cq, const struct args *a,
                                  int first, char *key, size_t size)
{
    grpc_slice method = grpc_slice_from_static_string(METHOD);
    grpc_call *call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method, NULL,
                                               deadline_in(first ? FIRST_CALL_MS : CALL_MS), NULL);
    grpc_slice payload = grpc_slice_from_static_string("who?");
    grpc_byte_buffer *request = grpc_raw_byte_buffer_create(&payload, 1);
    grpc_byte_buffer *reply = NULL;
    grpc_metadata_array initial, trailing;
    grpc_metadata header;
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details;
    grpc_op ops[6];

    grpc_metadata_array_init(&initial);
    grpc_metadata_array_init(&trailing);
    memset(ops, 0, sizeof(ops));
    memset(&header, 0, sizeof(header));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    if (a->header_name) {
        header.key = grpc_slice_from_static_string(a->header_name);
        header.value = grpc_slice_from_static_string(a->header_value);
        ops[0].data.send_initial_metadata.count = 1;
        ops[0].data.send_initial_metadata.metadata = &header;
    }
    /* Until xDS has answered once the channel is not ready: wait for it. */
    ops[0].flags = first ? GRPC_INITIAL_METADATA_WAIT_FOR_READY : 0;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = request;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &reply;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &trailing;
    ops[5].data.recv_status_on_client.status = &status;
    ops[5].data.recv_status_on_client.status_details = &details;

    if (run_batch(call, cq, ops, 6) != 0) {
        snprintf(key, size, "error batch");
        status = GRPC_STATUS_INTERNAL;
    } else if (status == GRPC_STATUS_OK) {
        char who[64];
        read_reply(reply, who, sizeof(who));
        snprintf(key, size, "answer %s", who);
        grpc_slice_unref(details);
    } else {
        char *text = grpc_slice_to_c_string(details);
        snprintf(key, size, "error %d", (int)status);
        if (first)
            fprintf(stderr, "xds_c_client: first call failed: status %d: %s\n", (int)status, text);
        gpr_free(text);
        grpc_slice_unref(details);
    }
    grpc_byte_buffer_destroy(request);
    if (reply)
        grpc_byte_buffer_destroy(reply);
    grpc_metadata_array_destroy(&initial);
    grpc_metadata_array_destroy(&trailing);
    grpc_call_unref(call);
    return status;
}

static int usage(void)
{
    fprintf(stderr, "usage: xds_c_client [--xds HOST:PORT --node ID] [--header NAME=VALUE] "
                    "[--wait-stdin] TARGET N\n");
    return 2;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    int i = 1;
    memset(a, 0, sizeof(*a));
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--wait-stdin") == 0) {
            a->wait_stdin = 1;
        } else if (i + 1 >= argc) {
            return -1;
        } else if (strcmp(argv[i], "--xds") == 0) {
            a->xds = argv[++i];
        } else if (strcmp(argv[i], "--node") == 0) {
            a->node = argv[++i];
        } else if (strcmp(argv[i], "--header") == 0) {
            char *eq = strchr(argv[++i], '=');
            if (eq == NULL)
                return -1;
            *eq = '\0';
            a->header_name = argv[i];
            a->header_value = eq + 1;
        } else {
            return -1;
        }
    }
    if (argc - i != 2 || (a->xds != NULL) != (a->node != NULL))
        return -1;
    a->target = argv[i];
    a->calls = atoi(argv[i + 1]);
    return a->calls > 0 ? 0 : -1;
}

/* The bootstrap a proxyless client of xdsd needs, into the environment. */
static void set_bootstrap(const struct args *a)
{
    char buf[1024];
    snprintf(buf, sizeof(buf),
             "{\"xds_servers\": [{\"server_uri\": \"%s\", "
             "\"channel_creds\": [{\"type\": \"insecure\"}], \"server_features\": [\"xds_v3\"]}], "
             "\"node\": {\"id\": \"%s\", "
             "\"metadata\": {\"GENERATOR\": \"grpc\", \"NAMESPACE\": \"default\"}}}",
             a->xds, a->node);
    setenv("GRPC_XDS_BOOTSTRAP_CONFIG", buf, 1);
    unsetenv("GRPC_XDS_BOOTSTRAP");
}

int main(int argc, char **argv)
{
    struct args a;
    struct tally t = {0};
    int failed = 0;

    if (parse_args(argc, argv, &a) != 0)
        return usage();
    if (a.xds)
        set_bootstrap(&a);
    grpc_init();
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    grpc_channel *ch = grpc_channel_create(a.target, creds, NULL);
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);

    for (int i = 0; i < a.calls; i++) {
        char key[96];
        grpc_status_code st = call_once(ch, cq, &a, i == 0, key, sizeof(key));
        tally_add(&t, key);
        if (st != GRPC_STATUS_OK) {
            failed++;
            if (i == 0) /* nothing will work: do not wait out every deadline */
                break;
        }
    }
    for (int i = 0; i < t.n; i++)
        printf("%s %d\n", t.key[i], t.count[i]);
    printf("done %d\n", a.calls);
    fflush(stdout);
    if (a.wait_stdin)
        while (getchar() != EOF)
            ;

    grpc_channel_destroy(ch);
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    grpc_channel_credentials_release(creds);
    grpc_shutdown();
    return failed ? 1 : 0;
}
