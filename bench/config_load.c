/* config_load.c - load time for a large configuration: N resources (a
 * quarter of each kind, realistic shapes) written to a temporary directory as
 * 100 files, then loaded and validated. Prints a figure; asserts nothing.
 *
 *   build/bench/config_load [N]     (default 10000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xdsd/config.h"
#include "xdsd/util.h"

static void emit(FILE *f, int i)
{
    fprintf(f,
            "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
            "metadata: {name: svc-%d, namespace: ns-%d}\nspec:\n"
            "  hosts: [svc-%d.example.com]\n  location: MESH_EXTERNAL\n"
            "  ports:\n  - {number: 80, name: http, protocol: HTTP}\n"
            "  - {number: 443, name: https, protocol: HTTPS}\n  resolution: DNS\n",
            i, i % 50, i);
    fprintf(f,
            "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
            "metadata: {name: dr-%d, namespace: ns-%d}\nspec:\n  host: svc-%d.example.com\n"
            "  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n"
            "    portLevelSettings:\n    - port: {number: 443}\n      tls: {mode: SIMPLE}\n"
            "  subsets:\n  - name: v1\n    labels: {version: v1}\n"
            "  - name: v2\n    labels: {version: v2}\n",
            i, i % 50, i);
    fprintf(f,
            "---\napiVersion: networking.istio.io/v1\nkind: Gateway\n"
            "metadata: {name: gw-%d, namespace: ns-%d}\nspec:\n"
            "  selector: {istio: egressgateway}\n  servers:\n"
            "  - port: {number: 80, name: http-%d, protocol: HTTP}\n"
            "    hosts: [svc-%d.example.com]\n",
            i, i % 50, i, i);
    fprintf(f,
            "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\n"
            "metadata: {name: vs-%d, namespace: ns-%d}\nspec:\n"
            "  hosts: [svc-%d.example.com]\n  gateways: [gw-%d, mesh]\n  http:\n"
            "  - match: [{gateways: [mesh], port: 80}]\n    route:\n"
            "    - destination: {host: svc-%d.example.com, subset: v1, port: {number: 80}}\n"
            "      weight: 90\n"
            "    - destination: {host: svc-%d.example.com, subset: v2, port: {number: 80}}\n"
            "      weight: 10\n"
            "  - match: [{gateways: [gw-%d], port: 80}]\n    timeout: 5s\n"
            "    route:\n    - destination: {host: svc-%d.example.com, port: {number: 80}}\n",
            i, i % 50, i, i, i, i, i, i);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    char dir[] = "/tmp/xdsd-bench-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 1;
    int groups = n / 4, files = 100;
    for (int f = 0; f < files; f++) {
        char *p = xasprintf("%s/f%03d.yaml", dir, f);
        FILE *fp = fopen(p, "w");
        free(p);
        if (!fp)
            return 1;
        for (int i = f; i < groups; i += files)
            emit(fp, i);
        fclose(fp);
    }
    double best = 1e9;
    size_t nres = 0;
    for (int run = 0; run < 5; run++) {
        struct config_diags d;
        size_t nf;
        int64_t t0 = now_ms();
        struct config_set *s = config_load(dir, &d, &nf);
        int64_t t1 = now_ms();
        if (s == NULL) {
            config_diags_print(&d, stderr);
            return 1;
        }
        size_t a, b, c, e;
        config_service_entries(s, &a), config_gateways(s, &b);
        config_virtual_services(s, &c), config_destination_rules(s, &e);
        nres = a + b + c + e;
        if (t1 - t0 < best)
            best = (double)(t1 - t0);
        config_unref(s);
        config_diags_release(&d);
    }
    printf("config_load: %zu resources in %d files: %.0f ms (best of 5)\n", nres, files, best);
    char *cmd = xasprintf("rm -rf '%s'", dir);
    int rc = system(cmd);
    free(cmd);
    return rc != 0;
}
