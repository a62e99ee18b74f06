/* t_config_rules_load.c - validation rules: loading and decoding (apiVersion
 * and kind, metadata, unknown fields, YAML types and syntax, shared field
 * kinds). The harness (check_rule) is in config_rules.h. */
#include "config_rules.h"

TEST(rule_api_version)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       "apiVersion: networking.istio.io/v2\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n",
                                       1, 13, "unsupported apiVersion 'networking.istio.io/v2'"};
    check_rule(&c);
}

TEST(rule_kind)
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
                                       "kind: EnvoyFilter\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       2, 7, "unsupported kind 'EnvoyFilter'"};
    check_rule(&c);
}

TEST(rule_other_group)
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
        "apiVersion: networking.k8s.io/v1\n"
        "kind: NetworkPolicy\n"
        "metadata: {name: x}\n",
        1, 13, "unsupported apiVersion 'networking.k8s.io/v1' for kind 'NetworkPolicy'"};
    check_rule(&c);
}

TEST(rule_kind_required)
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
                                       "metadata: {name: x}\n",
                                       1, 1, "kind is required"};
    check_rule(&c);
}

TEST(rule_name_required)
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
                                       "  namespace: x\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       4, 3, "metadata.name is required"};
    check_rule(&c);
}

TEST(rule_not_a_mapping)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       "- a\n"
                                       "- b\n",
                                       1, 1, "expected a resource"};
    check_rule(&c);
}

TEST(rule_unknown_top)
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
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "specs: {}\n",
                                       9, 1, "unknown field 'specs' (did you mean 'spec'?)"};
    check_rule(&c);
}

TEST(rule_unknown_spec_field)
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
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  portz: []\n",
                                       9, 3, "unknown field 'portz' (did you mean 'ports'?)"};
    check_rule(&c);
}

TEST(rule_unknown_snake_field)
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
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  export_tox: []\n",
                                       9, 3,
                                       "unknown field 'export_tox' (did you mean 'exportTo'?)"};
    check_rule(&c);
}

TEST(rule_unknown_far_field)
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
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  zzzzzzzz: 1\n",
                                       9, 3, "unknown field 'zzzzzzzz'"};
    check_rule(&c);
}

TEST(rule_field_twice)
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
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  hosts: [b.example.com]\n",
                                       9, 3, "field 'hosts' given twice"};
    check_rule(&c);
}

TEST(rule_list_expected)
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
                                       "  hosts: a.example.com\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       6, 10, "expected a list of strings"};
    check_rule(&c);
}

TEST(rule_map_expected)
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
                                       "  ports: [http]\n"
                                       "  resolution: DNS\n",
                                       7, 11, "expected a mapping, found a scalar"};
    check_rule(&c);
}

TEST(rule_integer)
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
                                       "  ports: [{number: eighty, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       7, 20, "expected an integer, found 'eighty'"};
    check_rule(&c);
}

TEST(rule_port_range)
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
                                       "  ports: [{number: 70000, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       7, 20, "port 70000 out of range 1-65535"};
    check_rule(&c);
}

TEST(rule_port_zero)
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
                                       "  ports: [{number: 0, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       7, 20, "port 0 out of range 1-65535"};
    check_rule(&c);
}

TEST(rule_duration)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - timeout: 5s\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - timeout: 5x\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 14, "timeout: invalid duration '5x'"};
    check_rule(&c);
}

TEST(rule_bool)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{ignoreUriCase: true}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{ignoreUriCase: yes}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 29, "expected true or false, found yes"};
    check_rule(&c);
}

TEST(rule_enum_case)
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
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: dns\n",
        8, 15, "unknown resolution 'dns' (one of NONE, STATIC, DNS, DNS_ROUND_ROBIN)"};
    check_rule(&c);
}

TEST(rule_yaml_syntax)
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
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "  location: [MESH_INTERNAL\n",
                                       10, 1, "invalid YAML"};
    check_rule(&c);
}

TEST(rule_unknown_anchor)
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
                                       "  hosts: [*nope]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       6, 11, "unknown anchor 'nope'"};
    check_rule(&c);
}

TEST(rule_duplicate_resource)
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
        "---\n"
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se2\n"
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
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n"
        "---\n"
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n",
        13, 9, "duplicate ServiceEntry default/se: also defined at t.yaml:4:9"};
    check_rule(&c);
}

TEST(rule_delegate)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - name: r\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - delegate: {name: other}\n",
                                       8, 15, "delegate is not supported"};
    check_rule(&c);
}

TEST(rule_tcp_sni_field)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  tcp:\n"
                                       "  - match: [{port: 9000}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  tcp:\n"
                                       "  - match: [{sniHosts: [a.example.com]}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 14, "unknown field 'sniHosts'"};
    check_rule(&c);
}

TEST(rule_string_match_kind)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{uri: {prefix: /a}}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{uri: {prefx: /a}}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 20, "unknown field 'prefx' (did you mean 'prefix'?)"};
    check_rule(&c);
}

TEST(rule_string_match_two)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{uri: {prefix: /a}}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{uri: {prefix: /a, exact: /b}}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 32, "only one of exact, prefix or regex"};
    check_rule(&c);
}

TEST(rule_protocol)
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
                                       "  ports: [{number: 80, name: http, protocol: HTTPX}]\n"
                                       "  resolution: DNS\n",
                                       7, 46, "unknown protocol 'HTTPX'"};
    check_rule(&c);
}

TEST(rule_meta_name)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se.v1\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: SE_1\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       4, 9, "name 'SE_1' is not a valid DNS-1123 subdomain"};
    check_rule(&c);
}

TEST(rule_meta_namespace)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "  namespace: istio-system\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "  namespace: Istio.System\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       5, 14,
                                       "namespace 'Istio.System' is not a valid DNS-1123 label"};
    check_rule(&c);
}
