/* t_config_rules.c - one passing and one failing document per validation
 * rule; the failure must be reported at the exact FILE:LINE:COLUMN with the
 * expected message. Each case marks the spot in its failing document by
 * line and column; add a case by copying one. */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "xdsd/config.h"

struct rule_case {
    const char *valid;
    const char *invalid;
    int line, column;
    const char *message;
};

static void dump(const struct config_diags *d)
{
    config_diags_print(d, stderr);
}

static void check_rule(const struct rule_case *c)
{
    struct config_diags d;
    struct config_set *s = config_parse("t.yaml", c->valid, strlen(c->valid), &d);
    if (!CHECK(s != NULL) || !CHECK(d.n_errors == 0))
        dump(&d);
    config_unref(s);
    config_diags_release(&d);

    s = config_parse("t.yaml", c->invalid, strlen(c->invalid), &d);
    CHECK(s == NULL);
    int found = 0;
    for (size_t i = 0; i < d.n; i++) {
        const struct config_diag *g = &d.items[i];
        if (g->severity == CONFIG_ERROR && strcmp(g->pos.file, "t.yaml") == 0 &&
            g->pos.line == c->line && g->pos.column == c->column && strstr(g->message, c->message))
            found = 1;
    }
    if (!CHECK(found)) {
        fprintf(stderr, "  expected t.yaml:%d:%d: ...%s\n", c->line, c->column, c->message);
        dump(&d);
    }
    config_unref(s);
    config_diags_release(&d);
}

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
                                       "kind: Sidecar\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n",
                                       2, 7, "unsupported kind 'Sidecar'"};
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
        10, 1, "duplicate ServiceEntry default/se: also defined at t.yaml:1:1"};
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

TEST(rule_gw_name)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: Egress_GW\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n",
                                       4, 9,
                                       "Gateway name 'Egress_GW' is not a valid DNS-1123 label"};
    check_rule(&c);
}

TEST(rule_gw_servers)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers: []\n",
                                       6, 3, "servers: at least one server is required"};
    check_rule(&c);
}

TEST(rule_gw_server_hosts)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n",
                                       8, 5, "server needs at least one host"};
    check_rule(&c);
}

TEST(rule_gw_host)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n"
        "    hosts: [./a.example.com, '*/b.example.com', ns1/c.example.com]\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n"
        "    hosts: [Foo_NS/a.example.com]\n",
        9, 13, "host 'Foo_NS/a.example.com' is not valid"};
    check_rule(&c);
}

TEST(rule_gw_port_name)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n",
                                       8, 11, "server port name is required"};
    check_rule(&c);
}

TEST(rule_gw_port_protocol)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http}\n"
                                       "    hosts: [a.example.com]\n",
                                       8, 11, "server port protocol is required"};
    check_rule(&c);
}

TEST(rule_gw_port_number)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n",
                                       8, 11, "server port number is required"};
    check_rule(&c);
}

TEST(rule_gw_target_port)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n"
        "    hosts: [a.example.com]\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP, targetPort: 8080}\n"
        "    hosts: [a.example.com]\n",
        8, 64, "targetPort is not allowed on a Gateway server"};
    check_rule(&c);
}

TEST(rule_gw_bind)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n"
                                       "    bind: 127.0.0.1\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n"
                                       "    bind: localhost\n",
                                       10, 11,
                                       "bind 'localhost' must be an IP address or a unix:// path"};
    check_rule(&c);
}

TEST(rule_gw_port_name_dup)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n"
        "    hosts: [a.example.com]\n"
        "  - port: {number: 81, name: http2, protocol: HTTP}\n"
        "    hosts: [a.example.com]\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n"
        "    hosts: [a.example.com]\n"
        "  - port: {number: 81, name: http, protocol: HTTP}\n"
        "    hosts: [a.example.com]\n",
        10, 30, "port name 'http' is already used by another server of this Gateway"};
    check_rule(&c);
}

TEST(rule_gw_https_tls)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 443, name: https, protocol: HTTPS}\n"
                                       "    hosts: [a.example.com]\n"
                                       "    tls: {mode: PASSTHROUGH}\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 443, name: https, protocol: HTTPS}\n"
                                       "    hosts: [a.example.com]\n",
                                       8, 11, "protocol HTTPS requires tls settings with a mode"};
    check_rule(&c);
}

TEST(rule_gw_tls_on_http)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n"
                                       "    tls: {httpsRedirect: true}\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n"
                                       "    tls: {mode: SIMPLE, credentialName: c}\n",
                                       10, 10, "tls settings need protocol HTTPS or TLS"};
    check_rule(&c);
}

TEST(rule_gw_simple_certs)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 443, name: https, protocol: HTTPS}\n"
        "    hosts: [a.example.com]\n"
        "    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 443, name: https, protocol: HTTPS}\n"
        "    hosts: [a.example.com]\n"
        "    tls: {mode: SIMPLE, serverCertificate: /c.pem}\n",
        10, 10, "TLS mode SIMPLE requires serverCertificate and privateKey, or credentialName"};
    check_rule(&c);
}

TEST(rule_gw_mutual_ca)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 443, name: https, protocol: HTTPS}\n"
        "    hosts: [a.example.com]\n"
        "    tls: {mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem, caCertificates: "
        "/ca.pem}\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 443, name: https, protocol: HTTPS}\n"
        "    hosts: [a.example.com]\n"
        "    tls: {mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem}\n",
        10, 10, "TLS mode MUTUAL requires caCertificates"};
    check_rule(&c);
}

TEST(rule_gw_credential_files)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 443, name: https, protocol: HTTPS}\n"
        "    hosts: [a.example.com]\n"
        "    tls: {mode: SIMPLE, credentialName: cred}\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 443, name: https, protocol: HTTPS}\n"
        "    hosts: [a.example.com]\n"
        "    tls: {mode: SIMPLE, credentialName: cred, privateKey: /k.pem}\n",
        10, 10, "credentialName cannot be combined with serverCertificate"};
    check_rule(&c);
}

TEST(rule_gw_istio_mutual)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 443, name: https, protocol: HTTPS}\n"
                                       "    hosts: [a.example.com]\n"
                                       "    tls: {mode: ISTIO_MUTUAL}\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 443, name: https, protocol: HTTPS}\n"
                                       "    hosts: [a.example.com]\n"
                                       "    tls:\n"
                                       "      mode: ISTIO_MUTUAL\n"
                                       "      privateKey: /k.pem\n",
                                       11, 7, "TLS mode ISTIO_MUTUAL uses the mesh certificates"};
    check_rule(&c);
}

TEST(rule_gw_tls_versions)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 443, name: tls, protocol: TLS}\n"
        "    hosts: [a.example.com]\n"
        "    tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_2, "
        "maxProtocolVersion: TLSV1_3}\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 443, name: tls, protocol: TLS}\n"
        "    hosts: [a.example.com]\n"
        "    tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_3, "
        "maxProtocolVersion: TLSV1_2}\n",
        10, 10, "minProtocolVersion is greater than maxProtocolVersion"};
    check_rule(&c);
}

TEST(rule_gw_tls_mode)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 443, name: tls, protocol: TLS}\n"
                                       "    hosts: [a.example.com]\n"
                                       "    tls: {mode: PASSTHROUGH}\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 443, name: tls, protocol: TLS}\n"
                                       "    hosts: [a.example.com]\n"
                                       "    tls: {mode: STRICT}\n",
                                       10, 17, "unknown mode 'STRICT'"};
    check_rule(&c);
}

TEST(rule_vs_hosts)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       6, 3, "hosts: at least one host is required"};
    check_rule(&c);
}

TEST(rule_vs_host_invalid)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a..example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       6, 11, "host 'a..example.com' is not a valid host name"};
    check_rule(&c);
}

TEST(rule_vs_host_star_mesh)
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
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  subsets: [{name: v1}]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n"
        "    hosts: [a.example.com]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: ['*']\n"
        "  gateways: [gw]\n"
        "  http:\n"
        "  - route:\n"
        "    - destination: {host: a.example.com}\n",
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: ['*']\n"
        "  http:\n"
        "  - route:\n"
        "    - destination: {host: a.example.com}\n",
        6, 11, "host '*' is not allowed for a VirtualService bound to the mesh gateway"};
    check_rule(&c);
}

TEST(rule_vs_host_dup)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com, a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       6, 26, "duplicate host 'a.example.com'"};
    check_rule(&c);
}

TEST(rule_vs_host_overlap)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com, '*.example.com']\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       6, 26,
                                       "host '*.example.com' overlaps with host 'a.example.com'"};
    check_rule(&c);
}

TEST(rule_vs_rules)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n",
                                       6, 3, "at least one of http, tls or tcp is required"};
    check_rule(&c);
}

TEST(rule_vs_gateway_ref)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  gateways: [mesh]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  gateways: [a/b/c]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       7, 14, "gateway 'a/b/c' is not a valid reference"};
    check_rule(&c);
}

TEST(rule_vs_http_action)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{uri: {prefix: /}}]\n",
                                       8, 5,
                                       "HTTP rule needs a route, a redirect or a directResponse"};
    check_rule(&c);
}

TEST(rule_vs_http_exclusive)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - redirect: {uri: /b}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - redirect: {uri: /b}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 5, "route, redirect and directResponse are exclusive"};
    check_rule(&c);
}

TEST(rule_vs_rewrite_redirect)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - rewrite: {uri: /b}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - redirect: {uri: /b}\n"
                                       "    rewrite: {uri: /c}\n",
                                       9, 14, "rewrite cannot be combined with redirect"};
    check_rule(&c);
}

TEST(rule_vs_fault_redirect)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - fault: {abort: {httpStatus: 503}}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - redirect: {uri: /b}\n"
                                       "    fault: {abort: {httpStatus: 503}}\n",
                                       9, 12, "fault cannot be combined with redirect"};
    check_rule(&c);
}

TEST(rule_vs_fault_direct)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - directResponse: {status: 503}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - directResponse: {status: 503}\n"
                                       "    fault: {abort: {httpStatus: 503}}\n",
                                       9, 12, "fault cannot be combined with directResponse"};
    check_rule(&c);
}

TEST(rule_vs_empty_prefix)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{uri: {prefix: /}}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{uri: {prefix: ''}}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 28, "uri: prefix must not be empty"};
    check_rule(&c);
}

TEST(rule_vs_regex_empty)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{authority: {regex: '.*'}}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{authority: {regex: ''}}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 33, "authority: regex must not be empty"};
    check_rule(&c);
}

TEST(rule_vs_header_name)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{headers: {x-user: {exact: a}}}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - match: [{headers: {'x user': {exact: a}}}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 24, "headers: 'x user' is not a valid header name"};
    check_rule(&c);
}

TEST(rule_vs_dest_host)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {port: {number: 80}}\n",
                                       9, 20, "destination.host is required"};
    check_rule(&c);
}

TEST(rule_vs_dest_star)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: '*'}\n",
                                       9, 27, "destination.host must not be '*'"};
    check_rule(&c);
}

TEST(rule_vs_subset_label)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com, subset: V_1}\n",
                                       9, 50, "subset 'V_1' is not a valid DNS-1123 label"};
    check_rule(&c);
}

TEST(rule_vs_weight_negative)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n"
                                       "      weight: 100\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n"
                                       "      weight: -5\n",
                                       10, 15, "weight -5 must not be negative"};
    check_rule(&c);
}

TEST(rule_vs_weight_total)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - {destination: {host: a.example.com}, weight: 0}\n"
                                       "    - {destination: {host: b.example.com}, weight: 10}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - {destination: {host: a.example.com}, weight: 0}\n"
                                       "    - {destination: {host: b.example.com}, weight: 0}\n",
                                       9, 7, "total destination weight = 0"};
    check_rule(&c);
}

TEST(rule_vs_mirror_percent)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - mirror: {host: a.example.com}\n"
                                       "    mirrorPercentage: {value: 50}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - mirror: {host: a.example.com}\n"
                                       "    mirror_percentage: {value: 150}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       9, 24, "mirror percentage must be between 0 and 100"};
    check_rule(&c);
}

TEST(rule_vs_redirect_code)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - redirect: {uri: /b, redirectCode: 308}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - redirect: {uri: /b, redirect_code: 399}\n",
                                       8, 40,
                                       "redirectCode 399 is not one of 301, 302, 303, 307, 308"};
    check_rule(&c);
}

TEST(rule_vs_direct_status)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - directResponse: {status: 200, body: {string: ok}}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - directResponse: {status: 99}\n",
                                       8, 30,
                                       "directResponse status 99 must be between 200 and 599"};
    check_rule(&c);
}

TEST(rule_vs_abort_status)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  http:\n"
        "  - fault: {abort: {httpStatus: 503, percentage: {value: 10}}}\n"
        "    route:\n"
        "    - destination: {host: a.example.com}\n",
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  http:\n"
        "  - fault: {abort: {httpStatus: 700}}\n"
        "    route:\n"
        "    - destination: {host: a.example.com}\n",
        8, 33, "abort httpStatus 700 must be between 200 and 599"};
    check_rule(&c);
}

TEST(rule_vs_fault_percent)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  http:\n"
        "  - fault: {delay: {fixedDelay: 1s, percentage: {value: 10}}}\n"
        "    route:\n"
        "    - destination: {host: a.example.com}\n",
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  http:\n"
        "  - fault: {delay: {fixedDelay: 1s, percentage: {value: 101}}}\n"
        "    route:\n"
        "    - destination: {host: a.example.com}\n",
        8, 49, "delay percentage must be between 0 and 100"};
    check_rule(&c);
}

TEST(rule_vs_fault_delay)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - fault: {delay: {fixed_delay: 1s}}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - fault: {delay: {percentage: {value: 5}}}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 12, "fault delay needs fixedDelay"};
    check_rule(&c);
}

TEST(rule_vs_retries)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - retries: {attempts: 3, perTryTimeout: 2s}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - retries: {attempts: -1}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 25, "retries.attempts must not be negative"};
    check_rule(&c);
}

TEST(rule_vs_per_try)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - retries: {attempts: 3, per_try_timeout: 2s}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  http:\n"
                                       "  - retries: {attempts: 3, perTryTimeout: 0s}\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 43, "retries.perTryTimeout must be at least 1ms"};
    check_rule(&c);
}

TEST(rule_vs_tls_match)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  tls:\n"
                                       "  - match: [{sniHosts: [a.example.com]}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  tls:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 5, "tls rule needs at least one match"};
    check_rule(&c);
}

TEST(rule_vs_tls_sni)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  tls:\n"
                                       "  - match: [{sni_hosts: [a.example.com]}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  tls:\n"
                                       "  - match: [{port: 443}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       8, 13, "TLS match must have at least one SNI host"};
    check_rule(&c);
}

TEST(rule_vs_sni_host)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  tls:\n"
        "  - match: [{sniHosts: [a.example.com]}]\n"
        "    route:\n"
        "    - destination: {host: a.example.com}\n",
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  tls:\n"
        "  - match: [{sniHosts: [b.example.com]}]\n"
        "    route:\n"
        "    - destination: {host: a.example.com}\n",
        8, 25, "SNI host 'b.example.com' is not one of the VirtualService's hosts"};
    check_rule(&c);
}

TEST(rule_vs_tls_route)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  tls:\n"
                                       "  - match: [{sniHosts: [a.example.com]}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  tls:\n"
                                       "  - match: [{sniHosts: [a.example.com]}]\n",
                                       8, 5, "tls rule needs at least one route"};
    check_rule(&c);
}

TEST(rule_vs_tcp_route)
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
                                       "  - match: [{port: 9000}]\n",
                                       8, 5, "tcp rule needs at least one route"};
    check_rule(&c);
}

TEST(rule_vs_subnets)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  tcp:\n"
        "  - match: [{destinationSubnets: [10.0.0.0/8, 10.1.1.1]}]\n"
        "    route:\n"
        "    - destination: {host: a.example.com}\n",
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  tcp:\n"
        "  - match: [{destination_subnets: [10.0.0.0/99]}]\n"
        "    route:\n"
        "    - destination: {host: a.example.com}\n",
        8, 36, "destinationSubnets: '10.0.0.0/99' is not an IP address or CIDR"};
    check_rule(&c);
}

TEST(rule_dr_host)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  subsets: [{name: v1}]\n",
                                       6, 3, "host is required"};
    check_rule(&c);
}

TEST(rule_dr_host_invalid)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a_b\n",
                                       6, 9, "host 'a_b' is not a valid host name"};
    check_rule(&c);
}

TEST(rule_dr_subset_dup)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: v1}, {name: v2}]\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: v1}, {name: v1}]\n",
                                       7, 32, "duplicate subset names: v1"};
    check_rule(&c);
}

TEST(rule_dr_subset_name)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: v1, labels: {version: v1}}]\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{labels: {version: v1}}]\n",
                                       7, 13, "subset name is required"};
    check_rule(&c);
}

TEST(rule_dr_subset_label)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: v1}]\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: V1}]\n",
                                       7, 20, "subset name 'V1' is not a valid DNS-1123 label"};
    check_rule(&c);
}

TEST(rule_dr_policy_empty)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy: {tls: {mode: SIMPLE}}\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy: {}\n",
                                       7, 18, "trafficPolicy must set at least one field"};
    check_rule(&c);
}

TEST(rule_dr_port_level_port)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    portLevelSettings:\n"
                                       "    - port: {number: 443}\n"
                                       "      tls: {mode: SIMPLE}\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    portLevelSettings:\n"
                                       "    - tls: {mode: SIMPLE}\n",
                                       9, 7, "portLevelSettings entry needs a port"};
    check_rule(&c);
}

TEST(rule_dr_port_level_empty)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    port_level_settings:\n"
                                       "    - port: {number: 443}\n"
                                       "      loadBalancer: {simple: RANDOM}\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    port_level_settings:\n"
                                       "    - port: {number: 443}\n",
                                       9, 7, "port-level traffic policy must set at least one of"};
    check_rule(&c);
}

TEST(rule_dr_port_level_dup)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    portLevelSettings:\n"
                                       "    - {port: {number: 443}, tls: {mode: SIMPLE}}\n"
                                       "    - {port: {number: 80}, tls: {mode: DISABLE}}\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    portLevelSettings:\n"
                                       "    - {port: {number: 443}, tls: {mode: SIMPLE}}\n"
                                       "    - {port: {number: 443}, tls: {mode: DISABLE}}\n",
                                       10, 7, "port 443 appears twice in portLevelSettings"};
    check_rule(&c);
}

TEST(rule_dr_pool_negative)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    connectionPool:\n"
        "      tcp: {maxConnections: 100, connectTimeout: 30ms}\n"
        "      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}\n",
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    connectionPool:\n"
        "      tcp: {max_connections: -1}\n",
        9, 30, "maxConnections must not be negative"};
    check_rule(&c);
}

TEST(rule_dr_outlier_percent)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    outlierDetection: {consecutive5xxErrors: 7, interval: 5m, baseEjectionTime: 15m, "
        "maxEjectionPercent: 100}\n",
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    outlierDetection: {consecutive_5xx_errors: 7, maxEjectionPercent: 150}\n",
        8, 71, "maxEjectionPercent must be between 0 and 100"};
    check_rule(&c);
}

TEST(rule_dr_lb_exclusive)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    loadBalancer: {consistentHash: {httpHeaderName: x-user}}\n",
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    loadBalancer: {simple: ROUND_ROBIN, consistentHash: {httpHeaderName: x-user}}\n",
        8, 19, "loadBalancer: simple and consistentHash are exclusive"};
    check_rule(&c);
}

TEST(rule_dr_cookie_name)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    loadBalancer: {consistentHash: {httpCookie: {name: user, ttl: 0s}}}\n",
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    loadBalancer: {consistentHash: {httpCookie: {ttl: 0s}}}\n",
        8, 36, "consistentHash.httpCookie needs a name"};
    check_rule(&c);
}

TEST(rule_dr_lb_enum)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    loadBalancer: {simple: LEAST_REQUEST}\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    loadBalancer: {simple: ROUND_ROBBIN}\n",
                                       8, 28, "unknown simple 'ROUND_ROBBIN'"};
    check_rule(&c);
}

TEST(rule_dr_tls_mutual)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}\n",
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    tls: {mode: MUTUAL, clientCertificate: /c.pem}\n",
        8, 10, "TLS mode MUTUAL requires clientCertificate and privateKey, or credentialName"};
    check_rule(&c);
}

TEST(rule_dr_tls_credential)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    tls: {mode: MUTUAL, credentialName: cred}\n",
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    tls: {mode: MUTUAL, credentialName: cred, caCertificates: /ca.pem}\n",
        8, 10, "credentialName cannot be combined with clientCertificate"};
    check_rule(&c);
}

TEST(rule_dr_tls_insecure)
{
    static const struct rule_case c = {
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    tls: {mode: SIMPLE, insecureSkipVerify: true}\n",
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  trafficPolicy:\n"
        "    tls: {mode: SIMPLE, insecureSkipVerify: true, caCertificates: /ca.pem}\n",
        8, 10, "insecureSkipVerify cannot be combined with caCertificates"};
    check_rule(&c);
}

TEST(rule_dr_tls_istio_mutual)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    tls: {mode: ISTIO_MUTUAL, sni: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    tls: {mode: ISTIO_MUTUAL, caCertificates: /ca.pem}\n",
                                       8, 10, "TLS mode ISTIO_MUTUAL uses the mesh certificates"};
    check_rule(&c);
}

TEST(rule_dr_subset_policy)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets:\n"
                                       "  - name: v1\n"
                                       "    trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n",
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets:\n"
                                       "  - name: v1\n"
                                       "    trafficPolicy:\n"
                                       "      tls: {mode: MUTUAL}\n"
                                       "      outlierDetection: {min_health_percent: -3}\n",
                                       11, 46, "minHealthPercent must be between 0 and 100"};
    check_rule(&c);
}

TEST(rule_x_gateway_missing)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: v1}]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  gateways: [gw, mesh]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: v1}]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  gateways: [nosuch, mesh]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       34, 14,
                                       "Gateway default/nosuch not found (referenced as 'nosuch')"};
    check_rule(&c);
}

TEST(rule_x_gateway_ns)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: v1}]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  gateways: [default/gw]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: v1}]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  gateways: [other/gw]\n"
                                       "  http:\n"
                                       "  - route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       34, 14, "Gateway other/gw not found"};
    check_rule(&c);
}

TEST(rule_x_match_gateway)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: v1}]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  gateways: [gw]\n"
                                       "  http:\n"
                                       "  - match: [{gateways: [gw]}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: ServiceEntry\n"
                                       "metadata:\n"
                                       "  name: se\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                                       "  resolution: DNS\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1alpha3\n"
                                       "kind: DestinationRule\n"
                                       "metadata:\n"
                                       "  name: dr\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  subsets: [{name: v1}]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata:\n"
                                       "  name: gw\n"
                                       "spec:\n"
                                       "  selector: {istio: egressgateway}\n"
                                       "  servers:\n"
                                       "  - port: {number: 80, name: http, protocol: HTTP}\n"
                                       "    hosts: [a.example.com]\n"
                                       "---\n"
                                       "apiVersion: networking.istio.io/v1beta1\n"
                                       "kind: VirtualService\n"
                                       "metadata:\n"
                                       "  name: vs\n"
                                       "spec:\n"
                                       "  hosts: [a.example.com]\n"
                                       "  gateways: [gw]\n"
                                       "  http:\n"
                                       "  - match: [{gateways: [gw2]}]\n"
                                       "    route:\n"
                                       "    - destination: {host: a.example.com}\n",
                                       36, 25, "Gateway default/gw2 not found"};
    check_rule(&c);
}

TEST(rule_x_subset_no_dr)
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
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  subsets: [{name: v1}]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n"
        "    hosts: [a.example.com]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  http:\n"
        "  - route:\n"
        "    - destination: {host: a.example.com, subset: v1}\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n"
        "---\n"
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: b.example.com\n"
        "  subsets: [{name: v1}]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n"
        "    hosts: [a.example.com]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  http:\n"
        "  - route:\n"
        "    - destination: {host: a.example.com, subset: v1}\n",
        36, 50, "subset 'v1' not found: no DestinationRule for host 'a.example.com'"};
    check_rule(&c);
}

TEST(rule_x_subset_missing)
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
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  subsets: [{name: v1}]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n"
        "    hosts: [a.example.com]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  http:\n"
        "  - route:\n"
        "    - destination: {host: a.example.com, subset: v1}\n",
        "apiVersion: networking.istio.io/v1\n"
        "kind: ServiceEntry\n"
        "metadata:\n"
        "  name: se\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
        "  resolution: DNS\n"
        "---\n"
        "apiVersion: networking.istio.io/v1alpha3\n"
        "kind: DestinationRule\n"
        "metadata:\n"
        "  name: dr\n"
        "spec:\n"
        "  host: a.example.com\n"
        "  subsets: [{name: v1}]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 80, name: http, protocol: HTTP}\n"
        "    hosts: [a.example.com]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1beta1\n"
        "kind: VirtualService\n"
        "metadata:\n"
        "  name: vs\n"
        "spec:\n"
        "  hosts: [a.example.com]\n"
        "  http:\n"
        "  - route:\n"
        "    - destination: {host: a.example.com, subset: v2}\n",
        36, 50, "subset 'v2' not found in DestinationRule default/dr (host 'a.example.com')"};
    check_rule(&c);
}

/* A warning is reported where it belongs and does not reject the set. */
static void check_warning(const char *yaml, int line, int column, const char *message)
{
    struct config_diags d;
    struct config_set *s = config_parse("t.yaml", yaml, strlen(yaml), &d);
    CHECK(s != NULL);
    int found = 0;
    for (size_t i = 0; i < d.n; i++) {
        const struct config_diag *g = &d.items[i];
        if (g->severity == CONFIG_WARNING && g->pos.line == line && g->pos.column == column &&
            strstr(g->message, message))
            found = 1;
    }
    if (!CHECK(found)) {
        fprintf(stderr, "  expected warning at t.yaml:%d:%d: ...%s\n", line, column, message);
        dump(&d);
    }
    config_unref(s);
    config_diags_release(&d);
}

/* Two VirtualServices for one host on the mesh: Istio uses the first in
 * (namespace, name) order (IST0109), so the second only gets a warning. */
TEST(rule_w_conflict_mesh)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: ServiceEntry\n"
                  "metadata:\n"
                  "  name: se\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                  "  resolution: DNS\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1alpha3\n"
                  "kind: DestinationRule\n"
                  "metadata:\n"
                  "  name: dr\n"
                  "spec:\n"
                  "  host: a.example.com\n"
                  "  subsets: [{name: v1}]\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1\n"
                  "kind: Gateway\n"
                  "metadata:\n"
                  "  name: gw\n"
                  "spec:\n"
                  "  selector: {istio: egressgateway}\n"
                  "  servers:\n"
                  "  - port: {number: 80, name: http, protocol: HTTP}\n"
                  "    hosts: [a.example.com]\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1beta1\n"
                  "kind: VirtualService\n"
                  "metadata:\n"
                  "  name: vs\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  http:\n"
                  "  - route:\n"
                  "    - destination: {host: a.example.com}\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1beta1\n"
                  "kind: VirtualService\n"
                  "metadata:\n"
                  "  name: vs2\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  http:\n"
                  "  - route:\n"
                  "    - destination: {host: a.example.com}\n",
                  43, 11,
                  "host 'a.example.com' on the mesh is also routed by VirtualService "
                  "default/vs (t.yaml:33:11), which comes first");
}

/* On a gateway Istio merges them: neither error nor warning. */
TEST(rule_x_merge_gateway)
{
    static const char yaml[] = "apiVersion: networking.istio.io/v1\n"
                               "kind: ServiceEntry\n"
                               "metadata:\n"
                               "  name: se\n"
                               "spec:\n"
                               "  hosts: [a.example.com]\n"
                               "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                               "  resolution: DNS\n"
                               "---\n"
                               "apiVersion: networking.istio.io/v1alpha3\n"
                               "kind: DestinationRule\n"
                               "metadata:\n"
                               "  name: dr\n"
                               "spec:\n"
                               "  host: a.example.com\n"
                               "  subsets: [{name: v1}]\n"
                               "---\n"
                               "apiVersion: networking.istio.io/v1\n"
                               "kind: Gateway\n"
                               "metadata:\n"
                               "  name: gw\n"
                               "spec:\n"
                               "  selector: {istio: egressgateway}\n"
                               "  servers:\n"
                               "  - port: {number: 80, name: http, protocol: HTTP}\n"
                               "    hosts: [a.example.com]\n"
                               "---\n"
                               "apiVersion: networking.istio.io/v1beta1\n"
                               "kind: VirtualService\n"
                               "metadata:\n"
                               "  name: vs\n"
                               "spec:\n"
                               "  hosts: [a.example.com]\n"
                               "  gateways: [gw]\n"
                               "  http:\n"
                               "  - route:\n"
                               "    - destination: {host: a.example.com}\n"
                               "---\n"
                               "apiVersion: networking.istio.io/v1beta1\n"
                               "kind: VirtualService\n"
                               "metadata:\n"
                               "  name: vs2\n"
                               "spec:\n"
                               "  hosts: [a.example.com]\n"
                               "  gateways: [default/gw]\n"
                               "  http:\n"
                               "  - route:\n"
                               "    - destination: {host: a.example.com}\n";
    struct config_diags d;
    struct config_set *s = config_parse("t.yaml", yaml, strlen(yaml), &d);
    if (!CHECK(s != NULL) || !CHECK(d.n == 0))
        dump(&d);
    config_unref(s);
    config_diags_release(&d);
}

TEST(rule_w_se_no_ports)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: ServiceEntry\n"
                  "metadata:\n"
                  "  name: se\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n",
                  6, 3, "no ports: nothing can route to this ServiceEntry");
}

TEST(rule_w_se_tcp_no_addresses)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: ServiceEntry\n"
                  "metadata:\n"
                  "  name: se\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  ports: [{number: 5432, name: pg, protocol: TCP}]\n"
                  "  resolution: DNS\n",
                  7, 11, "port 5432 carries TCP traffic but the entry has no addresses");
}

TEST(rule_w_gw_redirect_non_http)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: Gateway\n"
                  "metadata:\n"
                  "  name: gw\n"
                  "spec:\n"
                  "  selector: {istio: egressgateway}\n"
                  "  servers:\n"
                  "  - port: {number: 9000, name: tcp, protocol: TCP}\n"
                  "    hosts: [a.example.com]\n"
                  "    tls: {httpsRedirect: true}\n",
                  10, 10, "httpsRedirect only applies to HTTP servers");
}

TEST(rule_w_gw_passthrough_certs)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: Gateway\n"
                  "metadata:\n"
                  "  name: gw\n"
                  "spec:\n"
                  "  selector: {istio: egressgateway}\n"
                  "  servers:\n"
                  "  - port: {number: 443, name: tls, protocol: TLS}\n"
                  "    hosts: [a.example.com]\n"
                  "    tls: {mode: PASSTHROUGH, serverCertificate: /c.pem}\n",
                  10, 10, "certificates are not used with TLS mode PASSTHROUGH");
}

TEST(rule_w_gw_cipher_dup)
{
    check_warning(
        "apiVersion: networking.istio.io/v1\n"
        "kind: Gateway\n"
        "metadata:\n"
        "  name: gw\n"
        "spec:\n"
        "  selector: {istio: egressgateway}\n"
        "  servers:\n"
        "  - port: {number: 443, name: tls, protocol: TLS}\n"
        "    hosts: [a.example.com]\n"
        "    tls: {mode: SIMPLE, credentialName: c, cipherSuites: [AES128-SHA, AES128-SHA]}\n",
        10, 71, "duplicate cipher suite 'AES128-SHA'");
}

TEST(rule_w_vs_unreachable)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: ServiceEntry\n"
                  "metadata:\n"
                  "  name: se\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                  "  resolution: DNS\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1beta1\n"
                  "kind: VirtualService\n"
                  "metadata:\n"
                  "  name: vs\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  http:\n"
                  "  - route: [{destination: {host: a.example.com}}]\n"
                  "  - match: [{uri: {prefix: /a}}]\n"
                  "    route: [{destination: {host: a.example.com}}]\n",
                  18, 5, "this rule is unreachable");
}

TEST(rule_w_vs_host_not_on_gateway)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: ServiceEntry\n"
                  "metadata:\n"
                  "  name: se\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                  "  resolution: DNS\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1alpha3\n"
                  "kind: DestinationRule\n"
                  "metadata:\n"
                  "  name: dr\n"
                  "spec:\n"
                  "  host: a.example.com\n"
                  "  subsets: [{name: v1}]\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1\n"
                  "kind: Gateway\n"
                  "metadata:\n"
                  "  name: gw\n"
                  "spec:\n"
                  "  selector: {istio: egressgateway}\n"
                  "  servers:\n"
                  "  - port: {number: 80, name: http, protocol: HTTP}\n"
                  "    hosts: [a.example.com]\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1beta1\n"
                  "kind: VirtualService\n"
                  "metadata:\n"
                  "  name: vs\n"
                  "spec:\n"
                  "  hosts: [b.example.com]\n"
                  "  gateways: [gw]\n"
                  "  http:\n"
                  "  - route: [{destination: {host: a.example.com}}]\n",
                  33, 11,
                  "host 'b.example.com' is not exposed by any server of Gateway default/gw");
}

TEST(rule_w_vs_undeclared_host)
{
    check_warning("apiVersion: networking.istio.io/v1beta1\n"
                  "kind: VirtualService\n"
                  "metadata:\n"
                  "  name: vs\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  http:\n"
                  "  - route: [{destination: {host: b.example.com}}]\n",
                  8, 34, "destination host 'b.example.com' is not declared by any ServiceEntry");
}

TEST(rule_w_vs_port_not_on_se)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: ServiceEntry\n"
                  "metadata:\n"
                  "  name: se\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                  "  resolution: DNS\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1beta1\n"
                  "kind: VirtualService\n"
                  "metadata:\n"
                  "  name: vs\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  http:\n"
                  "  - route: [{destination: {host: a.example.com, port: {number: 8080}}}]\n",
                  17, 55, "port 8080 is not a port of ServiceEntry default/se");
}

TEST(rule_w_vs_port_selector)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: ServiceEntry\n"
                  "metadata:\n"
                  "  name: se\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  ports: [{number: 80, name: http, protocol: HTTP}, {number: 8080, name: "
                  "http-alt, protocol: HTTP}]\n"
                  "  resolution: DNS\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1beta1\n"
                  "kind: VirtualService\n"
                  "metadata:\n"
                  "  name: vs\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  http:\n"
                  "  - route: [{destination: {host: a.example.com}}]\n",
                  17, 34, "host 'a.example.com' has several ports: give destination.port");
}

TEST(rule_w_vs_match_gateway_unbound)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: ServiceEntry\n"
                  "metadata:\n"
                  "  name: se\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                  "  resolution: DNS\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1alpha3\n"
                  "kind: DestinationRule\n"
                  "metadata:\n"
                  "  name: dr\n"
                  "spec:\n"
                  "  host: a.example.com\n"
                  "  subsets: [{name: v1}]\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1\n"
                  "kind: Gateway\n"
                  "metadata:\n"
                  "  name: gw\n"
                  "spec:\n"
                  "  selector: {istio: egressgateway}\n"
                  "  servers:\n"
                  "  - port: {number: 80, name: http, protocol: HTTP}\n"
                  "    hosts: [a.example.com]\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1beta1\n"
                  "kind: VirtualService\n"
                  "metadata:\n"
                  "  name: vs\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  http:\n"
                  "  - match: [{gateways: [gw]}]\n"
                  "    route: [{destination: {host: a.example.com}}]\n",
                  35, 25, "match gateway 'gw' is not in spec.gateways");
}

TEST(rule_w_vs_legacy_gateway_name)
{
    check_warning("apiVersion: networking.istio.io/v1\n"
                  "kind: ServiceEntry\n"
                  "metadata:\n"
                  "  name: se\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  ports: [{number: 80, name: http, protocol: HTTP}]\n"
                  "  resolution: DNS\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1alpha3\n"
                  "kind: DestinationRule\n"
                  "metadata:\n"
                  "  name: dr\n"
                  "spec:\n"
                  "  host: a.example.com\n"
                  "  subsets: [{name: v1}]\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1\n"
                  "kind: Gateway\n"
                  "metadata:\n"
                  "  name: gw\n"
                  "spec:\n"
                  "  selector: {istio: egressgateway}\n"
                  "  servers:\n"
                  "  - port: {number: 80, name: http, protocol: HTTP}\n"
                  "    hosts: [a.example.com]\n"
                  "---\n"
                  "apiVersion: networking.istio.io/v1beta1\n"
                  "kind: VirtualService\n"
                  "metadata:\n"
                  "  name: vs\n"
                  "spec:\n"
                  "  hosts: [a.example.com]\n"
                  "  gateways: [gw.default.svc.cluster.local]\n"
                  "  http:\n"
                  "  - route: [{destination: {host: a.example.com}}]\n",
                  34, 14,
                  "the NAME.NAMESPACE.svc.cluster.local form is deprecated, write default/gw");
}

TEST(rule_tls_key_content_instead_of_path)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: DestinationRule\n"
                                       "metadata: {name: dr}\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    tls:\n"
                                       "      mode: MUTUAL\n"
                                       "      clientCertificate: /etc/certs/c.pem\n"
                                       "      privateKey: /etc/certs/k.pem\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: DestinationRule\n"
                                       "metadata: {name: dr}\n"
                                       "spec:\n"
                                       "  host: a.example.com\n"
                                       "  trafficPolicy:\n"
                                       "    tls:\n"
                                       "      mode: MUTUAL\n"
                                       "      clientCertificate: /etc/certs/c.pem\n"
                                       "      privateKey: |\n"
                                       "        -----BEGIN PRIVATE KEY-----\n"
                                       "        MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
                                       "        -----END PRIVATE KEY-----\n",
                                       10, 19, "privateKey must be the path of a file"};
    check_rule(&c);
}

TEST(rule_gateway_tls_key_content_instead_of_path)
{
    static const struct rule_case c = {"apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata: {name: gw}\n"
                                       "spec:\n"
                                       "  servers:\n"
                                       "  - port: {number: 443, name: https, protocol: HTTPS}\n"
                                       "    hosts: [\"*\"]\n"
                                       "    tls:\n"
                                       "      mode: SIMPLE\n"
                                       "      serverCertificate: /etc/certs/c.pem\n"
                                       "      privateKey: /etc/certs/k.pem\n",
                                       "apiVersion: networking.istio.io/v1\n"
                                       "kind: Gateway\n"
                                       "metadata: {name: gw}\n"
                                       "spec:\n"
                                       "  servers:\n"
                                       "  - port: {number: 443, name: https, protocol: HTTPS}\n"
                                       "    hosts: [\"*\"]\n"
                                       "    tls:\n"
                                       "      mode: SIMPLE\n"
                                       "      serverCertificate: /etc/certs/c.pem\n"
                                       "      privateKey: \"-----BEGIN EC PRIVATE KEY-----\\nMHc\"\n",
                                       11, 19, "privateKey must be the path of a file"};
    check_rule(&c);
}
