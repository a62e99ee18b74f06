#!/usr/bin/env python3
"""internet.py - the "internet" host of the real Envoy suite: edition.cnn.com.

    internet.py --cert CERT --key KEY --log FILE [--http-port 80] [--https-port 443]
                [--client-ca CA]

Serves HTTP on --http-port and HTTPS on --https-port (a certificate for
edition.cnn.com from the suite's test CA). Either port also takes the other
kind of traffic: the first byte of a connection tells a TLS ClientHello
(0x16) from plain text, so a gateway that forgot to originate TLS is recorded
as such instead of failing in a handshake.

Every request is one JSON line in --log, written and flushed before the
response goes out:

    {"conn": N, "port": 443, "peer": "10.77.0.30", "tls": true,
     "sni": "edition.cnn.com", "request": "GET /politics HTTP/1.1",
     "host": "edition.cnn.com", "headers": {...}}

and so is a connection that ended without a request (a failed handshake,
for example) with "request": null and "error". With --client-ca, TLS
requires a client certificate signed by CA (mutual TLS, as a partner's API
would) and each entry of a TLS connection has its subject's CN in
"client_cn". The tests read this file to
tell TLS origination from passthrough and to see which address connected.
Standard library only; stops on SIGTERM.
"""

import argparse
import json
import signal
import socket
import ssl
import sys
import threading

BODY = b"edition.cnn.com politics\n"


class Recorder:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()
        self.conns = 0

    def next_conn(self):
        with self.lock:
            self.conns += 1
            return self.conns

    def write(self, entry):
        with self.lock:
            self.f.write(json.dumps(entry, sort_keys=True) + "\n")
            self.f.flush()


def read_head(f):
    """The request line and headers of one HTTP/1.1 request, or None at EOF."""
    line = f.readline(65536)
    if not line:
        return None
    request = line.decode("latin-1").rstrip("\r\n")
    headers = {}
    while True:
        h = f.readline(65536)
        if not h or h in (b"\r\n", b"\n"):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return request, headers


def serve_conn(sock, peer, port, ctx, rec):
    conn = rec.next_conn()
    base = {"conn": conn, "port": port, "peer": peer[0], "tls": False, "sni": None}
    served = 0
    try:
        sock.settimeout(30)
        first = sock.recv(1, socket.MSG_PEEK)
        if first[:1] == b"\x16":
            base["tls"] = True
            sock = ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            try:
                sock.do_handshake()
            finally:
                base["sni"] = getattr(sock, "sni_received", None)
            peer_cert = sock.getpeercert()
            if peer_cert:
                cn = [v for rdn in peer_cert.get("subject", ()) for k, v in rdn if k == "commonName"]
                base["client_cn"] = cn[0] if cn else ""
        f = sock.makefile("rb")
        while True:
            head = read_head(f)
            if head is None:
                break
            request, headers = head
            length = int(headers.get("content-length", "0") or 0)
            if length:
                f.read(length)
            rec.write(dict(base, request=request, host=headers.get("host"), headers=headers))
            served += 1
            sock.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
                b"content-length: %d\r\n\r\n" % len(BODY) + BODY
            )
            if headers.get("connection", "").lower() == "close":
                break
    except (OSError, ssl.SSLError, ValueError) as e:
        if not served:
            rec.write(dict(base, request=None, error=str(e)))
        return
    finally:
        try:
            sock.close()
        except OSError:
            pass
    if not served:
        rec.write(dict(base, request=None, error="closed without a request"))


def listen(port, ctx, rec):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(128)

    def loop():
        while True:
            c, peer = s.accept()
            threading.Thread(target=serve_conn, args=(c, peer, port, ctx, rec), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--http-port", type=int, default=80)
    ap.add_argument("--https-port", type=int, default=443)
    ap.add_argument("--client-ca")
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.client_ca)
    # the callback gets the connection's own socket: keep its SNI there
    ctx.sni_callback = lambda conn, name, _ctx: setattr(conn, "sni_received", name)
    rec = Recorder(args.log)
    listen(args.http_port, ctx, rec)
    listen(args.https_port, ctx, rec)
    print("internet: listening on %d and %d" % (args.http_port, args.https_port), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threading.Event().wait()


if __name__ == "__main__":
    main()
