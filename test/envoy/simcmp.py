#!/usr/bin/env python3
"""simcmp.py - does `xdsd simulate -o json` name what real Envoys logged?

    simcmp.py SIM_JSON SIDECAR_LOG GATEWAY_LOG [--quiet]

The logs hold the access log lines the request made on each proxy, in the
suite's test format: "SIM FILTER_CHAIN UPSTREAM_CLUSTER ROUTE SNI CODE",
where Envoy writes "-" for an empty field. Every hop simulate says reached
a filter chain must have its line on that proxy, in order, with the same
filter chain name, cluster (any branch of a weighted split), route name and
requested server name; no proxy may have a line simulate did not predict.
Exit 0 when they agree, 1 (with the differences) when not.
"""
import json
import sys


def lines(path):
    with open(path) as f:
        return [l.split() for l in f if l.startswith("SIM ")]


def dash(v):
    return v if v else "-"


def main():
    sim = json.load(open(sys.argv[1]))
    logs = {"sidecar": lines(sys.argv[2]), "gateway": lines(sys.argv[3])}
    quiet = "--quiet" in sys.argv
    diffs = []
    for i, hop in enumerate(sim["hops"], 1):
        if hop.get("filter_chain") is None:
            continue  # reset before a filter chain: Envoy logs nothing
        got = logs[hop["kind"]]
        if not got:
            diffs.append(f"hop {i} ({hop['kind']}): simulate names it, Envoy logged nothing")
            continue
        line = got.pop(0) + ["-"] * 6
        _, fc, cluster, route, sni, code = line[:6]
        want_clusters = [b["cluster"] for b in hop.get("branches") or []] or [dash(hop.get("cluster"))]
        checks = [
            ("filter chain", dash(hop.get("filter_chain")), fc, [dash(hop.get("filter_chain"))]),
            ("cluster", dash(hop.get("cluster")), cluster, want_clusters),
            ("route", dash(hop.get("route")), route, [dash(hop.get("route"))]),
            ("requested server name", dash(hop.get("sni")), sni, [dash(hop.get("sni"))]),
        ]
        for what, want, have, ok in checks:
            if have not in ok:
                diffs.append(f"hop {i} ({hop['kind']}) {what}: simulate {want}, Envoy {have} (code {code})")
    for kind, rest in logs.items():
        for l in rest:
            diffs.append(f"{kind}: Envoy logged {' '.join(l)}, simulate predicted no such hop")
    if diffs and not quiet:
        print(f"{sim['request']}: simulate says {sim['path']}")
        print("\n".join(diffs))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
