/* t_config_rules_se.c - validation rules: ServiceEntry.
 * The harness (check_rule) is in config_rules.h. */
#include "config_rules.h"

TEST(rule_se_hosts_required)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n",
                                       6, 3, "hosts: at least one host is required"};
    check_rule(&c);
}

TEST(rule_se_host_star)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: ['*']\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: NONE\n",
                                       6, 11, "host '*' is not allowed"};
    check_rule(&c);
}

TEST(rule_se_host_invalid)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [bad_host]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       6, 11, "host 'bad_host' is not a valid host name"};
    check_rule(&c);
}

TEST(rule_se_wildcard_dns)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: ['*.example.com']\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: NONE\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: ['*.example.com']\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n",
        6, 11, "wildcard host '*.example.com' cannot be resolved with resolution DNS"};
    check_rule(&c);
}

TEST(rule_se_cidr_dns)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n"
        "  addresses: [10.0.0.1]\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n"
        "  addresses: [10.0.0.0/8]\n",
        9, 15, "CIDR address '10.0.0.0/8' is allowed only with resolution NONE or STATIC"};
    check_rule(&c);
}

TEST(rule_se_address)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  addresses: [10.0.0.1]\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  addresses: [ten]\n",
                                       9, 15, "address 'ten' is not an IP address or CIDR"};
    check_rule(&c);
}

TEST(rule_se_port_name_required)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       7, 11, "port name is required"};
    check_rule(&c);
}

TEST(rule_se_port_name_label)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: Http_Port, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       7, 30,
                                       "port name 'Http_Port' is not a valid DNS-1123 label"};
    check_rule(&c);
}

TEST(rule_se_port_name_dup)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}, {number: 81, name: http}]\n"
        "  resolution: DNS\n",
        7, 72, "port name 'http' already defined"};
    check_rule(&c);
}

TEST(rule_se_port_number_dup)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}, {number: 80, name: http2}]\n"
        "  resolution: DNS\n",
        7, 62, "port 80 already defined"};
    check_rule(&c);
}

TEST(rule_se_port_number_required)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       7, 11, "port number is required"};
    check_rule(&c);
}

TEST(rule_se_multi_host_tcp)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com, b.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com, b.example.com]\n"
        "  ports: [{number: 80, name: tcp, protocol: TCP}]\n"
        "  resolution: DNS\n",
        7, 11, "several hosts need resolution NONE when port 80 is not HTTP or TLS"};
    check_rule(&c);
}

TEST(rule_se_none_endpoints)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: NONE\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: NONE\n"
                                       "  endpoints:\n"
                                       "  - address: 10.0.0.1\n",
                                       10, 3, "endpoints are not allowed with resolution NONE"};
    check_rule(&c);
}

TEST(rule_se_static_endpoints)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: STATIC\n"
                                       "  endpoints: [{address: 10.0.0.1}]\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: STATIC\n",
                                       6, 3, "resolution STATIC needs endpoints"};
    check_rule(&c);
}

TEST(rule_se_static_ip)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: STATIC\n"
        "  endpoints: [{address: 10.0.0.1}]\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: STATIC\n"
        "  endpoints: [{address: foo.example.com}]\n",
        9, 25, "endpoint address 'foo.example.com' is not an IP address (resolution STATIC)"};
    check_rule(&c);
}

TEST(rule_se_dns_endpoint)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n"
        "  endpoints: [{address: b.example.com}]\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n"
        "  endpoints: [{address: 'b_example'}]\n",
        9, 25, "endpoint address 'b_example' is not an IP address or a host name"};
    check_rule(&c);
}

TEST(rule_se_dns_rr)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS_ROUND_ROBIN\n"
        "  endpoints: [{address: b.example.com}]\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS_ROUND_ROBIN\n"
        "  endpoints: [{address: b.example.com}, {address: c.example.com}]\n",
        9, 14, "resolution DNS_ROUND_ROBIN allows at most one endpoint"};
    check_rule(&c);
}

TEST(rule_se_selector_xor)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: STATIC\n"
                                       "  workloadSelector:\n"
                                       "    labels: {app: a}\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: STATIC\n"
                                       "  endpoints: [{address: 10.0.0.1}]\n"
                                       "  workloadSelector:\n"
                                       "    labels: {app: a}\n",
                                       11, 5, "workloadSelector and endpoints are exclusive"};
    check_rule(&c);
}

TEST(rule_se_endpoint_port)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: STATIC\n"
                                       "  endpoints: [{address: 10.0.0.1, ports: {http: 8080}}]\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: STATIC\n"
                                       "  endpoints: [{address: 10.0.0.1, ports: {https: 8443}}]\n",
                                       9, 43,
                                       "endpoint port 'https' is not a port of this ServiceEntry"};
    check_rule(&c);
}

TEST(rule_se_location)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  location: MESH_INTERNAL\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  location: INTERNAL\n",
                                       9, 13, "unknown location 'INTERNAL'"};
    check_rule(&c);
}

TEST(rule_export_to)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  exportTo: [., '*', other]\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  exportTo: [Other_NS]\n",
                                       9, 14,
                                       "exportTo: 'Other_NS' is not '.', '*' or a namespace"};
    check_rule(&c);
}
