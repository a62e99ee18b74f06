/* t_config_rules_sidecar.c - validation rules: Sidecar and WorkloadEntry,
 * each resource alone and the checks across Sidecars. The harness
 * (check_rule) is in config_rules.h. */
#include "config_rules.h"

#define SC_HEAD "apiVersion: networking.istio.io/v1\nkind: Sidecar\n"
#define WE_HEAD "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n"
#define EGW_SE                                                                                     \
    "apiVersion: networking.istio.io/v1\n"                                                         \
    "kind: ServiceEntry\n"                                                                         \
    "metadata: {name: egw, namespace: istio-system}\n"                                             \
    "spec:\n"                                                                                      \
    "  hosts: [istio-egressgateway.istio-system.svc.cluster.local]\n"                              \
    "  location: MESH_INTERNAL\n"                                                                  \
    "  ports: [{number: 443, name: tls, protocol: TLS}]\n"                                         \
    "  resolution: STATIC\n"                                                                       \
    "  endpoints: [{address: 10.255.0.1}]\n"                                                       \
    "---\n"

TEST(rule_sidecar_host_form)
{
    static const struct rule_case c = {SC_HEAD
                                       "metadata: {name: default}\n"
                                       "spec:\n"
                                       "  egress:\n"
                                       "  - hosts: ['./*', 'istio-system/*', '*/*.cnn.com']\n",
                                       SC_HEAD "metadata: {name: default}\n"
                                               "spec:\n"
                                               "  egress:\n"
                                               "  - hosts: ['./*', edition.cnn.com]\n",
                                       6, 12, "must have the form namespace/dnsName"};
    check_rule(&c);
}

TEST(rule_sidecar_host_namespace)
{
    static const struct rule_case c = {SC_HEAD "metadata: {name: default}\n"
                                               "spec:\n"
                                               "  egress:\n"
                                               "  - hosts: ['~/*']\n",
                                       SC_HEAD "metadata: {name: default}\n"
                                               "spec:\n"
                                               "  egress:\n"
                                               "  - hosts: ['Bad_NS/*']\n",
                                       6, 12, "namespace 'Bad_NS' is not"};
    check_rule(&c);
}

TEST(rule_sidecar_host_name)
{
    static const struct rule_case c = {SC_HEAD "metadata: {name: default}\n"
                                               "spec:\n"
                                               "  egress:\n"
                                               "  - hosts: ['*/*.wikipedia.org']\n",
                                       SC_HEAD "metadata: {name: default}\n"
                                               "spec:\n"
                                               "  egress:\n"
                                               "  - hosts: ['*/wiki*.org']\n",
                                       6, 12, "is not a valid host name or wildcard"};
    check_rule(&c);
}

TEST(rule_sidecar_egress_needs_hosts)
{
    static const struct rule_case c = {SC_HEAD "metadata: {name: default}\n"
                                               "spec:\n"
                                               "  egress:\n"
                                               "  - hosts: ['./*']\n",
                                       SC_HEAD
                                       "metadata: {name: default}\n"
                                       "spec:\n"
                                       "  egress:\n"
                                       "  - bind: 127.0.0.2\n"
                                       "    port: {number: 80, name: http, protocol: HTTP}\n",
                                       6, 5, "at least one host"};
    check_rule(&c);
}

TEST(rule_sidecar_catch_all_last)
{
    static const struct rule_case c = {
        SC_HEAD "metadata: {name: default}\n"
                "spec:\n"
                "  egress:\n"
                "  - port: {number: 80, name: http, protocol: HTTP}\n"
                "    bind: 127.0.0.2\n"
                "    hosts: ['./*']\n"
                "  - hosts: ['istio-system/*']\n",
        SC_HEAD "metadata: {name: default}\n"
                "spec:\n"
                "  egress:\n"
                "  - hosts: ['istio-system/*']\n"
                "  - port: {number: 80, name: http, protocol: HTTP}\n"
                "    hosts: ['./*']\n",
        6, 5, "without a port must be the last"};
    check_rule(&c);
}

TEST(rule_sidecar_bind)
{
    static const struct rule_case c = {
        SC_HEAD "metadata: {name: default}\n"
                "spec:\n"
                "  egress:\n"
                "  - port: {number: 80, name: http, protocol: HTTP}\n"
                "    bind: 127.0.0.2\n"
                "    hosts: ['./*']\n",
        SC_HEAD "metadata: {name: default}\n"
                "spec:\n"
                "  egress:\n"
                "  - port: {number: 80, name: http, protocol: HTTP}\n"
                "    bind: localhost\n"
                "    hosts: ['./*']\n",
        7, 11, "bind 'localhost' must be an IP address"};
    check_rule(&c);
}

TEST(rule_sidecar_empty)
{
    static const struct rule_case c = {SC_HEAD "metadata: {name: default}\n"
                                               "spec:\n"
                                               "  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n",
                                       SC_HEAD "metadata: {name: default}\n"
                                               "spec: {}\n",
                                       1, 1, "empty Sidecar"};
    check_rule(&c);
}

TEST(rule_sidecar_selector_labels)
{
    static const struct rule_case c = {SC_HEAD "metadata: {name: sleep}\n"
                                               "spec:\n"
                                               "  workloadSelector: {labels: {app: sleep}}\n"
                                               "  egress: [{hosts: ['./*']}]\n",
                                       SC_HEAD "metadata: {name: sleep}\n"
                                               "spec:\n"
                                               "  workloadSelector: {labels: {}}\n"
                                               "  egress: [{hosts: ['./*']}]\n",
                                       5, 21, "at least one label"};
    check_rule(&c);
}

TEST(rule_sidecar_two_namespace_wide)
{
    static const struct rule_case c = {SC_HEAD "metadata: {name: a}\n"
                                               "spec: {egress: [{hosts: ['./*']}]}\n"
                                               "---\n" SC_HEAD "metadata: {name: b}\n"
                                               "spec:\n"
                                               "  workloadSelector: {labels: {app: sleep}}\n"
                                               "  egress: [{hosts: ['./*']}]\n",
                                       SC_HEAD "metadata: {name: a}\n"
                                               "spec: {egress: [{hosts: ['./*']}]}\n"
                                               "---\n" SC_HEAD "metadata: {name: b}\n"
                                               "spec:\n"
                                               "  egress: [{hosts: ['*/*']}]\n",
                                       6, 1, "several Sidecars without a workloadSelector"};
    check_rule(&c);
}

TEST(rule_sidecar_selectors_overlap)
{
    static const struct rule_case c = {SC_HEAD "metadata: {name: a}\n"
                                               "spec:\n"
                                               "  workloadSelector: {labels: {app: sleep}}\n"
                                               "  egress: [{hosts: ['./*']}]\n"
                                               "---\n" SC_HEAD "metadata: {name: b}\n"
                                               "spec:\n"
                                               "  workloadSelector: {labels: {app: curl}}\n"
                                               "  egress: [{hosts: ['./*']}]\n",
                                       SC_HEAD
                                       "metadata: {name: a}\n"
                                       "spec:\n"
                                       "  workloadSelector: {labels: {app: sleep}}\n"
                                       "  egress: [{hosts: ['./*']}]\n"
                                       "---\n" SC_HEAD "metadata: {name: b}\n"
                                       "spec:\n"
                                       "  workloadSelector: {labels: {app: sleep, v: '1'}}\n"
                                       "  egress: [{hosts: ['./*']}]\n",
                                       12, 21, "can select the same workload as Sidecar default/a"};
    check_rule(&c);
}

TEST(rule_sidecar_selectors_overlap_on_a_workload)
{
    /* disjoint selectors, but a declared workload carries both */
    static const struct rule_case c = {
        SC_HEAD "metadata: {name: a}\n"
                "spec:\n"
                "  workloadSelector: {labels: {app: sleep}}\n"
                "  egress: [{hosts: ['./*']}]\n"
                "---\n" SC_HEAD "metadata: {name: b}\n"
                "spec:\n"
                "  workloadSelector: {labels: {tier: web}}\n"
                "  egress: [{hosts: ['./*']}]\n"
                "---\n" WE_HEAD "metadata: {name: vm}\n"
                "spec: {address: 10.0.0.7, labels: {app: sleep, tier: db}}\n",
        SC_HEAD "metadata: {name: a}\n"
                "spec:\n"
                "  workloadSelector: {labels: {app: sleep}}\n"
                "  egress: [{hosts: ['./*']}]\n"
                "---\n" SC_HEAD "metadata: {name: b}\n"
                "spec:\n"
                "  workloadSelector: {labels: {tier: web}}\n"
                "  egress: [{hosts: ['./*']}]\n"
                "---\n" WE_HEAD "metadata: {name: vm}\n"
                "spec: {address: 10.0.0.7, labels: {app: sleep, tier: web}}\n",
        12, 21, "can select the same workload"};
    check_rule(&c);
}

TEST(rule_sidecar_egress_proxy_host)
{
    static const struct rule_case c = {
        EGW_SE SC_HEAD "metadata: {name: default}\n"
                       "spec:\n"
                       "  outboundTrafficPolicy:\n"
                       "    mode: ALLOW_ANY\n"
                       "    egressProxy:\n"
                       "      host: istio-egressgateway.istio-system.svc.cluster.local\n"
                       "      port: {number: 443}\n",
        EGW_SE SC_HEAD "metadata: {name: default}\n"
                       "spec:\n"
                       "  outboundTrafficPolicy:\n"
                       "    mode: ALLOW_ANY\n"
                       "    egressProxy:\n"
                       "      host: egressgateway.istio-system.svc.cluster.local\n"
                       "      port: {number: 443}\n",
        18, 13, "is no service visible in namespace default"};
    check_rule(&c);
}

TEST(rule_sidecar_egress_proxy_port)
{
    static const struct rule_case c = {
        EGW_SE SC_HEAD "metadata: {name: default}\n"
                       "spec:\n"
                       "  outboundTrafficPolicy:\n"
                       "    egressProxy:\n"
                       "      host: istio-egressgateway.istio-system.svc.cluster.local\n"
                       "      port: {number: 443}\n",
        EGW_SE SC_HEAD "metadata: {name: default}\n"
                       "spec:\n"
                       "  outboundTrafficPolicy:\n"
                       "    egressProxy:\n"
                       "      host: istio-egressgateway.istio-system.svc.cluster.local\n"
                       "      port: {number: 8443}\n",
        18, 13, "port 8443 is not a port of"};
    check_rule(&c);
}

TEST(rule_sidecar_egress_proxy_mode)
{
    static const struct rule_case c = {
        EGW_SE SC_HEAD "metadata: {name: default}\n"
                       "spec:\n"
                       "  outboundTrafficPolicy:\n"
                       "    mode: ALLOW_ANY\n"
                       "    egressProxy:\n"
                       "      host: istio-egressgateway.istio-system.svc.cluster.local\n"
                       "      port: {number: 443}\n",
        EGW_SE SC_HEAD "metadata: {name: default}\n"
                       "spec:\n"
                       "  outboundTrafficPolicy:\n"
                       "    mode: REGISTRY_ONLY\n"
                       "    egressProxy:\n"
                       "      host: istio-egressgateway.istio-system.svc.cluster.local\n"
                       "      port: {number: 443}\n",
        18, 7, "egressProxy needs outboundTrafficPolicy.mode ALLOW_ANY"};
    check_rule(&c);
}

TEST(rule_sidecar_outbound_mode)
{
    static const struct rule_case c = {SC_HEAD "metadata: {name: default}\n"
                                               "spec: {outboundTrafficPolicy: {mode: ALLOW_ANY}}\n",
                                       SC_HEAD "metadata: {name: default}\n"
                                               "spec: {outboundTrafficPolicy: {mode: DENY}}\n",
                                       4, 38, "DENY"};
    check_rule(&c);
}

TEST(rule_we_address)
{
    static const struct rule_case c = {WE_HEAD "metadata: {name: vm}\n"
                                               "spec: {address: 10.0.0.7, labels: {app: vm}}\n",
                                       WE_HEAD "metadata: {name: vm}\n"
                                               "spec: {labels: {app: vm}}\n",
                                       1, 1, "address is required"};
    check_rule(&c);
}

TEST(rule_we_address_form)
{
    static const struct rule_case c = {WE_HEAD
                                       "metadata: {name: vm}\n"
                                       "spec: {address: vm-1.example.com, ports: {http: 8080}}\n",
                                       WE_HEAD "metadata: {name: vm}\n"
                                               "spec: {address: 'vm_1:80', ports: {http: 8080}}\n",
                                       4, 17, "is not an IP address, a host name"};
    check_rule(&c);
}

TEST(rule_we_port)
{
    static const struct rule_case c = {WE_HEAD "metadata: {name: vm}\n"
                                               "spec: {address: 10.0.0.7, ports: {http: 8080}}\n",
                                       WE_HEAD "metadata: {name: vm}\n"
                                               "spec: {address: 10.0.0.7, ports: {http: 80800}}\n",
                                       4, 41, "expected a port number"};
    check_rule(&c);
}

TEST(rule_sidecar_egress_proxy_subset)
{
#define EGW_DR                                                                                     \
    "apiVersion: networking.istio.io/v1\n"                                                         \
    "kind: DestinationRule\n"                                                                      \
    "metadata: {name: egw, namespace: istio-system}\n"                                             \
    "spec:\n"                                                                                      \
    "  host: istio-egressgateway.istio-system.svc.cluster.local\n"                                 \
    "  subsets: [{name: egress}]\n"                                                                \
    "---\n"
    static const struct rule_case c = {
        EGW_SE EGW_DR SC_HEAD "metadata: {name: default}\n"
                              "spec:\n"
                              "  outboundTrafficPolicy:\n"
                              "    egressProxy:\n"
                              "      host: istio-egressgateway.istio-system.svc.cluster.local\n"
                              "      subset: egress\n"
                              "      port: {number: 443}\n",
        EGW_SE EGW_DR SC_HEAD "metadata: {name: default}\n"
                              "spec:\n"
                              "  outboundTrafficPolicy:\n"
                              "    egressProxy:\n"
                              "      host: istio-egressgateway.istio-system.svc.cluster.local\n"
                              "      subset: egres\n"
                              "      port: {number: 443}\n",
        25, 15, "egressProxy.subset 'egres' is no subset"};
#undef EGW_DR
    check_rule(&c);
}
