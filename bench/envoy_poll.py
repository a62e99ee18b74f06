#!/usr/bin/env python3
"""envoy_poll.py VALUE TIMEOUT_S PORT... - bench/envoy-converge's watcher.

Polls the admin /config_dump (route configurations only) of the Envoys whose
admin listens on 127.0.0.1:PORT, one keep-alive connection each, round
robin over those that do not show VALUE yet, until all do or TIMEOUT_S
passed. Prints "polling" once connected, then one line:

    seen n=N of=M first_ns=T last_ns=T

with wall-clock nanoseconds (as `date +%s%N`) of the first and last Envoy
seen holding VALUE. One process polls them all, so the watcher costs one
core's share at most, not one per Envoy.
"""
import http.client
import sys
import time

PATH = "/config_dump?resource=dynamic_route_configs"


def main():
    value = sys.argv[1].encode()
    end = time.time() + float(sys.argv[2])
    ports = [int(p) for p in sys.argv[3:]]
    conns = {p: http.client.HTTPConnection("127.0.0.1", p, timeout=5) for p in ports}
    seen = {}
    print("polling", flush=True)
    while len(seen) < len(ports) and time.time() < end:
        for p in ports:
            if p in seen:
                continue
            try:
                conns[p].request("GET", PATH)
                body = conns[p].getresponse().read()
            except (OSError, http.client.HTTPException):
                conns[p].close()
                conns[p] = http.client.HTTPConnection("127.0.0.1", p, timeout=5)
                continue
            if value in body:
                seen[p] = time.time_ns()
    times = sorted(seen.values())
    print("seen n=%d of=%d first_ns=%d last_ns=%d"
          % (len(times), len(ports), times[0] if times else 0, times[-1] if times else 0),
          flush=True)


if __name__ == "__main__":
    main()
