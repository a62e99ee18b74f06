/* loadgen_opts.h - loadgen's command line: its options, their defaults and
 * their parsing (see usage() for the list). Only loadgen.c includes this (each
 * bench program is its own binary). */
#ifndef XDSD_BENCH_LOADGEN_OPTS_H
#define XDSD_BENCH_LOADGEN_OPTS_H

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
    const char *target;
    /* --target may list several addresses, comma-separated: connection c
     * goes to targets[c % n_targets] (past one address's port range) */
    char **targets;
    int n_targets;
    int streams, conns, delta_pct, gateway_pct, namespaces, nack_pct, slow_pct, slow_ms;
    int server_pid, settle_ms, pushes, quiet_ms, push_timeout_ms, connect_timeout_ms;
    int window, queues, linger_ms;
    const char *edit_a, *edit_b, *edit_dst, *capture;
    /* instead of renaming over edit_dst, run this command with %s replaced
     * by the edit's file (bench/etcd: `xdsd apply -f %s`) */
    const char *edit_cmd;
};

static struct opts o = {
    .target = "127.0.0.1:15010",
    .streams = 100,
    .conns = 0,
    .delta_pct = 20,
    .gateway_pct = 2,
    .namespaces = 10,
    .slow_ms = 50,
    .settle_ms = 1000,
    .quiet_ms = 300,
    .push_timeout_ms = 20000,
    .connect_timeout_ms = 180000,
    .window = 256 << 20,
    .queues = 32,
};

static void usage(void)
{
    fprintf(stderr,
            "usage: loadgen [--target HOST:PORT[,HOST:PORT...]] [--streams N] [--conns C]\n"
            "               [--delta-pct P] [--gateway-pct P] [--namespaces M] [--nack-pct P]\n"
            "               [--slow-pct P] [--slow-ms MS] [--server-pid PID] [--settle-ms MS]\n"
            "               [--pushes P] [--edit-a FILE --edit-b FILE --edit-dst FILE]\n"
            "               [--quiet-ms MS] [--push-timeout-ms MS] [--connect-timeout-ms MS]\n"
            "               [--capture DIR] [--window BYTES] [--queues Q] [--linger-ms MS]\n"
            "               [--edit-cmd 'COMMAND %%s' (in place of --edit-dst)]\n");
    exit(2);
}

/* o.target split at commas into o.targets. */
static void split_targets(void)
{
    char *copy = strdup(o.target), *save = NULL;
    if (copy == NULL)
        exit(1);
    o.targets = calloc(strlen(copy) / 2 + 2, sizeof(*o.targets));
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        o.targets[o.n_targets++] = t;
    if (o.n_targets == 0)
        usage();
}

static void parse_args(int argc, char **argv)
{
    static const struct option lo[] = {
        {"target", 1, 0, 't'},          {"streams", 1, 0, 'n'},
        {"conns", 1, 0, 'c'},           {"delta-pct", 1, 0, 'd'},
        {"gateway-pct", 1, 0, 'g'},     {"namespaces", 1, 0, 'm'},
        {"nack-pct", 1, 0, 'k'},        {"slow-pct", 1, 0, 's'},
        {"slow-ms", 1, 0, 'S'},         {"server-pid", 1, 0, 'p'},
        {"settle-ms", 1, 0, 'w'},       {"pushes", 1, 0, 'P'},
        {"edit-a", 1, 0, 'A'},          {"edit-b", 1, 0, 'B'},
        {"edit-dst", 1, 0, 'D'},        {"quiet-ms", 1, 0, 'q'},
        {"push-timeout-ms", 1, 0, 'T'}, {"connect-timeout-ms", 1, 0, 'C'},
        {"capture", 1, 0, 'x'},         {"window", 1, 0, 'W'},
        {"queues", 1, 0, 'Q'},          {"linger-ms", 1, 0, 'L'},
        {"edit-cmd", 1, 0, 'E'},        {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 't':
            o.target = optarg;
            break;
        case 'n':
            o.streams = atoi(optarg);
            break;
        case 'c':
            o.conns = atoi(optarg);
            break;
        case 'd':
            o.delta_pct = atoi(optarg);
            break;
        case 'g':
            o.gateway_pct = atoi(optarg);
            break;
        case 'm':
            o.namespaces = atoi(optarg);
            break;
        case 'k':
            o.nack_pct = atoi(optarg);
            break;
        case 's':
            o.slow_pct = atoi(optarg);
            break;
        case 'S':
            o.slow_ms = atoi(optarg);
            break;
        case 'p':
            o.server_pid = atoi(optarg);
            break;
        case 'w':
            o.settle_ms = atoi(optarg);
            break;
        case 'P':
            o.pushes = atoi(optarg);
            break;
        case 'A':
            o.edit_a = optarg;
            break;
        case 'B':
            o.edit_b = optarg;
            break;
        case 'D':
            o.edit_dst = optarg;
            break;
        case 'q':
            o.quiet_ms = atoi(optarg);
            break;
        case 'T':
            o.push_timeout_ms = atoi(optarg);
            break;
        case 'C':
            o.connect_timeout_ms = atoi(optarg);
            break;
        case 'x':
            o.capture = optarg;
            break;
        case 'W':
            o.window = atoi(optarg);
            break;
        case 'Q':
            o.queues = atoi(optarg);
            break;
        case 'L':
            o.linger_ms = atoi(optarg);
            break;
        case 'E':
            o.edit_cmd = optarg;
            break;

        default:
            usage();
        }
    }
    if (o.streams < 1 || o.namespaces < 1 || (o.pushes && (!o.edit_a || !o.edit_b || !(o.edit_dst || o.edit_cmd))))
        usage();
    if (o.conns <= 0 || o.conns > o.streams)
        o.conns = o.streams;
    if (o.queues < 1)
        o.queues = 1;
    split_targets();
}

#endif
