/* t_config_rules_vs.c - validation rules: VirtualService.
 * The harness (check_rule) is in config_rules.h. */
#include "config_rules.h"

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
