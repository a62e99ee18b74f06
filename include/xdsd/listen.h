/* listen.h - the addresses `xdsd serve` listens on (--xds-listen,
 * --debug-listen) and the ones its clients connect to (--debug-addr).
 *
 * Checked on the command line, so that a typo is a usage error and not a
 * port nobody meant (gRPC reads "127.0.0.1:99999" as port 34463, a missing
 * port as 443); bind-tested at start, so that a port in use is reported with
 * its reason before a library reports it in its own way. */
#ifndef XDSD_LISTEN_H
#define XDSD_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

/* Split "HOST:PORT" or "[IPV6]:PORT": HOST not empty, PORT decimal digits
 * from min_port (0 or 1) to 65535. Returns NULL and sets *host (heap, without
 * brackets; the caller frees it) and *port, or returns a heap string saying
 * what is wrong (the caller frees it; *host is then NULL). */
char *hostport_split(const char *text, int min_port, char **host, int *port);

/* Check a listen address: HOST:PORT as hostport_split() with port 0 allowed
 * (0 picks a free port) and a HOST that resolves (a lookup, which may ask
 * DNS). gRPC's "unix:PATH" passes too. Returns NULL when it is fine, else a
 * heap string saying why not. */
char *listen_addr_check(const char *text);

/* Bind a throw-away socket (SO_REUSEADDR, as gRPC and libmicrohttpd set it)
 * to each address text resolves to, and close it again: 0 when the address
 * can be listened on, else -1 with errno set (EINVAL: not an address). An
 * address of a name that the host lacks (::1 of "localhost" with IPv6 off)
 * is skipped while another one binds, as gRPC does. The real bind may still
 * fail if another process takes the port in between. */
int listen_probe(const char *text);

/* Open a listening TCP socket (SO_REUSEADDR, non-blocking, close-on-exec) on
 * the first address text resolves to that binds. Returns the descriptor and
 * fills *addr (the bound address, its port chosen when text asked for 0), or
 * -1 with errno set. */
int listen_open(const char *text, struct sockaddr_storage *addr);

/* 1 when every address text resolves to is a loopback one, or text is
 * "unix:PATH": then only this host can connect. */
int listen_is_local(const char *text);

#endif
