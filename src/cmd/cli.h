/* cli.h - what the command line's files share: the flag ids, a command's
 * table entry and the checks every command reports the same way. Internal to
 * src/cmd/. main.c holds the tables and the common commands; the operator
 * tools (cli_tools.c) and etcd's commands (cli_etcd.c) parse their own flags
 * with the helpers below. */
#ifndef XDSD_CMD_CLI_H
#define XDSD_CMD_CLI_H

#include <getopt.h>
#include <stddef.h>

#include "xdsd/options.h"

/* Exit codes of every command: 0 success, 1 failure (invalid config, server
 * error), 2 usage. */
enum { EXIT_USAGE = 2 };

enum {
    OPT_CONFIG_DIR = 256,
    OPT_ALLOW_MISSING,
    OPT_XDS_LISTEN,
    OPT_DEBUG_LISTEN,
    OPT_DEBOUNCE,
    OPT_OUTBOUND,
    OPT_MESH_CERTS,
    OPT_TRUST_DOMAIN,
    OPT_STATE_DIR,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_TLS_CA,
    OPT_MAX_RECV,
    OPT_MAX_RESPONSE,
    OPT_MAX_AGE,
    OPT_LOG_LEVEL,
    OPT_LOG_FORMAT,
    OPT_PROXY,
    OPT_LABELS,
    OPT_NAMESPACE,
    OPT_TYPE,
    OPT_DEBUG_ADDR,
    /* secrets over SDS */
    OPT_SECRETS_DIR,
    OPT_MESH_CERTS_MODE,
    OPT_INSECURE_SECRETS,
    /* analyze */
    OPT_LIVE,
    OPT_FAIL_ON,
    OPT_PC_NAME,
    OPT_PC_PORT,
    /* simulate */
    OPT_ACCESS_LOG_FORMAT,
    OPT_HEADER = 'H',
    /* configuration in etcd */
    OPT_CONFIG_SOURCE,
    OPT_ETCD_CACERT,
    OPT_ETCD_CERT,
    OPT_ETCD_KEY,
    OPT_ETCD_USER,
    OPT_ETCD_PASSWORD_FILE,
    OPT_FILE = 'f',
    OPT_HELP = 'h',
    OPT_OUTPUT = 'o',
};

/* A flag of a command: what getopt_long needs and what --help prints. */
struct flag {
    const char *name;    /* without the leading "--" */
    const char *arg;     /* its argument as --help shows it; NULL: takes none */
    int id;              /* what getopt_long returns for it */
    const char *deflt;   /* the default as --help shows it; NULL: none */
    const char *meaning; /* one line */
};

struct command {
    const char *name;
    const char *usage;
    const char *summary;
    const char *operands; /* what the words after the flags are, or NULL */
    const struct flag *flags;
    size_t n_flags;
    int (*run)(int argc, char **argv);
};

/* The most flags a command has, for getopt_long's table on the stack. */
enum { MAX_FLAGS = 32 };

/* The command named name, or NULL. */
const struct command *cli_find_command(const char *name);
/* Fill o (MAX_FLAGS entries) with getopt_long's table of c's flags. */
void cli_long_options(const struct command *c, struct option *o);
/* One line on stderr that names the flag or word at fault, a pointer to
 * --help; returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int cli_usage_error(const char *cmd, const char *fmt, ...);
/* A usage error that names the flag and quotes the value; why (a heap
 * string) is freed. Returns EXIT_USAGE. */
int cli_bad_value(const char *cmd, const char *flag, const char *value, char *why);
/* What no command's switch takes itself: --help (prints it, 0), or an
 * option getopt_long has already complained about (EXIT_USAGE). */
int cli_help_or_bad(const char *cmd, int ch);
/* A word after the operands: a usage error. */
int cli_unexpected(const char *cmd, const char *arg);
/* ALLOW_ANY or REGISTRY_ONLY into *out: 0, else -1. */
int cli_outbound_policy_parse(const char *word, enum outbound_policy *out);
/* Store the text of serve's plain-text flag id in o: 1 when id is one. */
int cli_serve_text(int id, const char *arg, struct serve_options *o);
/* The name of c's flag with this id, for messages. */
const char *cli_flag_name(const struct command *c, int id);

/* The operator tools (cli_tools.c) and etcd's commands (cli_etcd.c): parse
 * argv (argv[0] the command's name), run, return the exit code. */
int cli_run_analyze(int argc, char **argv);
int cli_run_proxy_config(int argc, char **argv);
int cli_run_simulate(int argc, char **argv);
int cli_run_apply(int argc, char **argv);
int cli_run_get(int argc, char **argv);
int cli_run_delete(int argc, char **argv);

#endif
