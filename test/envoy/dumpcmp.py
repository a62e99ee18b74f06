#!/usr/bin/env python3
"""dumpcmp.py - does an Envoy hold what xdsd says it sent?

    dumpcmp.py ENVOY_CONFIG_DUMP XDSD_CONFIG_DUMP [--versions]

ENVOY_CONFIG_DUMP is Envoy's admin /config_dump?include_eds, XDSD_CONFIG_DUMP
xdsd's /debug/config_dump?proxyID=... for the same proxy. Compares the names
of the dynamic clusters, listeners, route configurations and endpoint
assignments; with --versions (delta xDS, where each resource carries its own
version) their versions too. Static resources (the bootstrap's xds-grpc
cluster) are Envoy's own and left out. Prints each difference; exit 1 when
there is one.
"""

import json
import sys


def resources(dump):
    """{kind: {name: version}} from a ConfigDump."""
    out = {"clusters": {}, "listeners": {}, "routes": {}, "endpoints": {}, "eds": set()}
    for c in dump.get("configs", []):
        t = c.get("@type", "")
        if t.endswith("ClustersConfigDump"):
            for r in c.get("dynamic_active_clusters", []):
                out["clusters"][r["cluster"]["name"]] = r.get("version_info", "")
                if r["cluster"].get("type") == "EDS":
                    out["eds"].add(r["cluster"]["name"])
        elif t.endswith("ListenersConfigDump"):
            for r in c.get("dynamic_listeners", []):
                st = r.get("active_state") or r.get("warming_state") or {}
                out["listeners"][r["name"]] = st.get("version_info", "")
        elif t.endswith("RoutesConfigDump"):
            for r in c.get("dynamic_route_configs", []):
                out["routes"][r["route_config"]["name"]] = r.get("version_info", "")
        elif t.endswith("EndpointsConfigDump"):
            for r in c.get("dynamic_endpoint_configs", []):
                out["endpoints"][r["endpoint_config"]["cluster_name"]] = r.get("version_info", "")
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    versions = "--versions" in sys.argv
    with open(args[0]) as f:
        envoy = resources(json.load(f))
    with open(args[1]) as f:
        xdsd = resources(json.load(f))
    bad = 0
    # Envoy lists the inline endpoints of every cluster; xdsd sends (and
    # dumps) only those of EDS clusters
    envoy["endpoints"] = {k: v for k, v in envoy["endpoints"].items() if k in envoy["eds"]}
    for kind in ("clusters", "listeners", "routes", "endpoints"):
        e, x = envoy[kind], xdsd[kind]
        for name in sorted(set(e) | set(x)):
            if name not in e:
                print("%s %s: sent by xdsd, not held by Envoy" % (kind, name))
                bad += 1
            elif name not in x:
                print("%s %s: held by Envoy, not in xdsd's dump" % (kind, name))
                bad += 1
            elif versions and e[name] != x[name] and (kind != "endpoints" or e[name]):
                # Envoy's dump gives EDS assignments no version of their own
                print("%s %s: Envoy holds version %r, xdsd sent %r" % (kind, name, e[name], x[name]))
                bad += 1
    if not envoy["clusters"] or not envoy["listeners"]:
        print("Envoy holds no dynamic resource")
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
