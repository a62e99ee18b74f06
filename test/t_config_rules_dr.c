/* t_config_rules_dr.c - validation rules: DestinationRule.
 * The harness (check_rule) is in config_rules.h. */
#include "config_rules.h"

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
