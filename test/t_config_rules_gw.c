/* t_config_rules_gw.c - validation rules: Gateway.
 * The harness (check_rule) is in config_rules.h. */
#include "config_rules.h"

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
