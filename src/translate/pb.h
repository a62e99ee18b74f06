/* pb.h - short names for the generated protobuf-c types translation builds,
 * and helpers for the messages every builder writes the same way (pb.c).
 *
 * protoc-c names are 60-100 characters long (Envoy__Config__Cluster__V3__Cluster);
 * these macros keep the builders readable. NEW(a, Cluster) allocates and
 * initialises one message in the build arena. */
#ifndef XDSD_TRANSLATE_PB_H
#define XDSD_TRANSLATE_PB_H

#include "envoy/config/cluster/v3/cluster.pb-c.h"
#include "envoy/config/endpoint/v3/endpoint.pb-c.h"
#include "envoy/config/listener/v3/listener.pb-c.h"
#include "envoy/config/route/v3/route.pb-c.h"
#include "envoy/extensions/access_loggers/file/v3/file.pb-c.h"
#include "envoy/extensions/clusters/dns/v3/dns_cluster.pb-c.h"
#include "envoy/extensions/filters/http/cors/v3/cors.pb-c.h"
#include "envoy/extensions/filters/http/fault/v3/fault.pb-c.h"
#include "envoy/extensions/filters/http/router/v3/router.pb-c.h"
#include "envoy/extensions/filters/listener/http_inspector/v3/http_inspector.pb-c.h"
#include "envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.pb-c.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb-c.h"
#include "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.pb-c.h"
#include "envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.pb-c.h"
#include "envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.pb-c.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb-c.h"
#include "envoy/extensions/transport_sockets/tls/v3/secret.pb-c.h"
#include "envoy/extensions/upstreams/http/v3/http_protocol_options.pb-c.h"
#include "mem.h"

/* NEW(a, T): a zero-initialised message of alias T (needs T##_desc). */
#define NEW(a, T) ((T *)tr_msg((a), &T##_desc))

#define Any Google__Protobuf__Any
#define Any_desc google__protobuf__any__descriptor
#define Duration Google__Protobuf__Duration
#define Duration_desc google__protobuf__duration__descriptor
#define BoolValue Google__Protobuf__BoolValue
#define BoolValue_desc google__protobuf__bool_value__descriptor
#define UInt32Value Google__Protobuf__UInt32Value
#define UInt32Value_desc google__protobuf__uint32_value__descriptor
#define UInt64Value Google__Protobuf__UInt64Value
#define UInt64Value_desc google__protobuf__uint64_value__descriptor
#define Struct Google__Protobuf__Struct
#define Struct_desc google__protobuf__struct__descriptor
#define StructEntry Google__Protobuf__Struct__FieldsEntry
#define StructEntry_desc google__protobuf__struct__fields_entry__descriptor
#define Value Google__Protobuf__Value
#define Value_desc google__protobuf__value__descriptor

/* core */
#define Address Envoy__Config__Core__V3__Address
#define Address_desc envoy__config__core__v3__address__descriptor
#define SocketAddress Envoy__Config__Core__V3__SocketAddress
#define SocketAddress_desc envoy__config__core__v3__socket_address__descriptor
#define Pipe Envoy__Config__Core__V3__Pipe
#define Pipe_desc envoy__config__core__v3__pipe__descriptor
#define CidrRange Envoy__Config__Core__V3__CidrRange
#define CidrRange_desc envoy__config__core__v3__cidr_range__descriptor
#define SdsSecretConfig Envoy__Extensions__TransportSockets__Tls__V3__SdsSecretConfig
#define SdsSecretConfig_desc envoy__extensions__transport_sockets__tls__v3__sds_secret_config__descriptor
#define Secret Envoy__Extensions__TransportSockets__Tls__V3__Secret
#define Secret_desc envoy__extensions__transport_sockets__tls__v3__secret__descriptor
#define ConfigSource Envoy__Config__Core__V3__ConfigSource
#define ConfigSource_desc envoy__config__core__v3__config_source__descriptor
#define AggregatedConfigSource Envoy__Config__Core__V3__AggregatedConfigSource
#define AggregatedConfigSource_desc envoy__config__core__v3__aggregated_config_source__descriptor
#define Metadata Envoy__Config__Core__V3__Metadata
#define Metadata_desc envoy__config__core__v3__metadata__descriptor
#define MetadataEntry Envoy__Config__Core__V3__Metadata__FilterMetadataEntry
#define MetadataEntry_desc envoy__config__core__v3__metadata__filter_metadata_entry__descriptor
#define DataSource Envoy__Config__Core__V3__DataSource
#define DataSource_desc envoy__config__core__v3__data_source__descriptor
#define TransportSocket Envoy__Config__Core__V3__TransportSocket
#define TransportSocket_desc envoy__config__core__v3__transport_socket__descriptor
#define HeaderValue Envoy__Config__Core__V3__HeaderValue
#define HeaderValue_desc envoy__config__core__v3__header_value__descriptor
#define HeaderValueOption Envoy__Config__Core__V3__HeaderValueOption
#define HeaderValueOption_desc envoy__config__core__v3__header_value_option__descriptor
#define RuntimeFractionalPercent Envoy__Config__Core__V3__RuntimeFractionalPercent
#define RuntimeFractionalPercent_desc                                                              \
    envoy__config__core__v3__runtime_fractional_percent__descriptor
#define Locality Envoy__Config__Core__V3__Locality
#define Locality_desc envoy__config__core__v3__locality__descriptor
#define Http1Options Envoy__Config__Core__V3__Http1ProtocolOptions
#define Http1Options_desc envoy__config__core__v3__http1_protocol_options__descriptor
#define Http2Options Envoy__Config__Core__V3__Http2ProtocolOptions
#define Http2Options_desc envoy__config__core__v3__http2_protocol_options__descriptor
#define CommonHttpOptions Envoy__Config__Core__V3__HttpProtocolOptions
#define CommonHttpOptions_desc envoy__config__core__v3__http_protocol_options__descriptor
#define TcpKeepalive Envoy__Config__Core__V3__TcpKeepalive
#define TcpKeepalive_desc envoy__config__core__v3__tcp_keepalive__descriptor
#define TypedExtensionConfig Envoy__Config__Core__V3__TypedExtensionConfig
#define TypedExtensionConfig_desc envoy__config__core__v3__typed_extension_config__descriptor
#define FractionalPercent Envoy__Type__V3__FractionalPercent
#define FractionalPercent_desc envoy__type__v3__fractional_percent__descriptor
#define Percent Envoy__Type__V3__Percent
#define Percent_desc envoy__type__v3__percent__descriptor
#define StringMatcher Envoy__Type__Matcher__V3__StringMatcher
#define StringMatcher_desc envoy__type__matcher__v3__string_matcher__descriptor
#define RegexMatcher Envoy__Type__Matcher__V3__RegexMatcher
#define RegexMatcher_desc envoy__type__matcher__v3__regex_matcher__descriptor
#define RegexSubst Envoy__Type__Matcher__V3__RegexMatchAndSubstitute
#define RegexSubst_desc envoy__type__matcher__v3__regex_match_and_substitute__descriptor

/* cluster and endpoints */
#define Cluster Envoy__Config__Cluster__V3__Cluster
#define Cluster_desc envoy__config__cluster__v3__cluster__descriptor
#define SocketMatch Envoy__Config__Cluster__V3__Cluster__TransportSocketMatch
#define SocketMatch_desc envoy__config__cluster__v3__cluster__transport_socket_match__descriptor
#define EdsClusterConfig Envoy__Config__Cluster__V3__Cluster__EdsClusterConfig
#define EdsClusterConfig_desc envoy__config__cluster__v3__cluster__eds_cluster_config__descriptor
#define CommonLbConfig Envoy__Config__Cluster__V3__Cluster__CommonLbConfig
#define CommonLbConfig_desc envoy__config__cluster__v3__cluster__common_lb_config__descriptor
#define RingHashLbConfig Envoy__Config__Cluster__V3__Cluster__RingHashLbConfig
#define RingHashLbConfig_desc envoy__config__cluster__v3__cluster__ring_hash_lb_config__descriptor
#define SlowStartConfig Envoy__Config__Cluster__V3__Cluster__SlowStartConfig
#define SlowStartConfig_desc envoy__config__cluster__v3__cluster__slow_start_config__descriptor
#define RoundRobinLbConfig Envoy__Config__Cluster__V3__Cluster__RoundRobinLbConfig
#define RoundRobinLbConfig_desc                                                                    \
    envoy__config__cluster__v3__cluster__round_robin_lb_config__descriptor
#define LeastRequestLbConfig Envoy__Config__Cluster__V3__Cluster__LeastRequestLbConfig
#define LeastRequestLbConfig_desc                                                                  \
    envoy__config__cluster__v3__cluster__least_request_lb_config__descriptor
#define CustomClusterType Envoy__Config__Cluster__V3__Cluster__CustomClusterType
#define CustomClusterType_desc envoy__config__cluster__v3__cluster__custom_cluster_type__descriptor
#define DnsCluster Envoy__Extensions__Clusters__Dns__V3__DnsCluster
#define DnsCluster_desc envoy__extensions__clusters__dns__v3__dns_cluster__descriptor
#define OriginalDstLbConfig Envoy__Config__Cluster__V3__Cluster__OriginalDstLbConfig
#define OriginalDstLbConfig_desc                                                                   \
    envoy__config__cluster__v3__cluster__original_dst_lb_config__descriptor
#define ProtocolOptionsEntry Envoy__Config__Cluster__V3__Cluster__TypedExtensionProtocolOptionsEntry
#define ProtocolOptionsEntry_desc                                                                  \
    envoy__config__cluster__v3__cluster__typed_extension_protocol_options_entry__descriptor
#define CircuitBreakers Envoy__Config__Cluster__V3__CircuitBreakers
#define CircuitBreakers_desc envoy__config__cluster__v3__circuit_breakers__descriptor
#define Thresholds Envoy__Config__Cluster__V3__CircuitBreakers__Thresholds
#define Thresholds_desc envoy__config__cluster__v3__circuit_breakers__thresholds__descriptor
#define OutlierDetection Envoy__Config__Cluster__V3__OutlierDetection
#define OutlierDetection_desc envoy__config__cluster__v3__outlier_detection__descriptor
#define UpstreamConnectionOptions Envoy__Config__Cluster__V3__UpstreamConnectionOptions
#define UpstreamConnectionOptions_desc                                                             \
    envoy__config__cluster__v3__upstream_connection_options__descriptor
#define UpstreamHttpOptions Envoy__Extensions__Upstreams__Http__V3__HttpProtocolOptions
#define UpstreamHttpOptions_desc                                                                   \
    envoy__extensions__upstreams__http__v3__http_protocol_options__descriptor
#define ExplicitHttpConfig                                                                         \
    Envoy__Extensions__Upstreams__Http__V3__HttpProtocolOptions__ExplicitHttpConfig
#define ExplicitHttpConfig_desc                                                                    \
    envoy__extensions__upstreams__http__v3__http_protocol_options__explicit_http_config__descriptor
#define CLA Envoy__Config__Endpoint__V3__ClusterLoadAssignment
#define CLA_desc envoy__config__endpoint__v3__cluster_load_assignment__descriptor
#define LocalityLbEndpoints Envoy__Config__Endpoint__V3__LocalityLbEndpoints
#define LocalityLbEndpoints_desc envoy__config__endpoint__v3__locality_lb_endpoints__descriptor
#define LbEndpoint Envoy__Config__Endpoint__V3__LbEndpoint
#define LbEndpoint_desc envoy__config__endpoint__v3__lb_endpoint__descriptor
#define Endpoint Envoy__Config__Endpoint__V3__Endpoint
#define Endpoint_desc envoy__config__endpoint__v3__endpoint__descriptor

/* TLS */
#define UpstreamTlsContext Envoy__Extensions__TransportSockets__Tls__V3__UpstreamTlsContext
#define UpstreamTlsContext_desc                                                                    \
    envoy__extensions__transport_sockets__tls__v3__upstream_tls_context__descriptor
#define DownstreamTlsContext Envoy__Extensions__TransportSockets__Tls__V3__DownstreamTlsContext
#define DownstreamTlsContext_desc                                                                  \
    envoy__extensions__transport_sockets__tls__v3__downstream_tls_context__descriptor
#define CommonTlsContext Envoy__Extensions__TransportSockets__Tls__V3__CommonTlsContext
#define CommonTlsContext_desc                                                                      \
    envoy__extensions__transport_sockets__tls__v3__common_tls_context__descriptor
#define TlsParameters Envoy__Extensions__TransportSockets__Tls__V3__TlsParameters
#define TlsParameters_desc envoy__extensions__transport_sockets__tls__v3__tls_parameters__descriptor
#define TlsCertificate Envoy__Extensions__TransportSockets__Tls__V3__TlsCertificate
#define TlsCertificate_desc                                                                        \
    envoy__extensions__transport_sockets__tls__v3__tls_certificate__descriptor
#define ValidationContext Envoy__Extensions__TransportSockets__Tls__V3__CertificateValidationContext
#define ValidationContext_desc                                                                     \
    envoy__extensions__transport_sockets__tls__v3__certificate_validation_context__descriptor
#define SanMatcher Envoy__Extensions__TransportSockets__Tls__V3__SubjectAltNameMatcher
#define SanMatcher_desc                                                                            \
    envoy__extensions__transport_sockets__tls__v3__subject_alt_name_matcher__descriptor
#define ProviderInstance                                                                           \
    Envoy__Extensions__TransportSockets__Tls__V3__CertificateProviderPluginInstance
#define ProviderInstance_desc                                                                      \
    envoy__extensions__transport_sockets__tls__v3__certificate_provider_plugin_instance__descriptor
#define OldProviderInstance                                                                        \
    Envoy__Extensions__TransportSockets__Tls__V3__CommonTlsContext__CertificateProviderInstance
#define OldProviderInstance_desc                                                                   \
    envoy__extensions__transport_sockets__tls__v3__common_tls_context__certificate_provider_instance__descriptor
#define CombinedValidation                                                                         \
    Envoy__Extensions__TransportSockets__Tls__V3__CommonTlsContext__CombinedCertificateValidationContext
#define CombinedValidation_desc                                                                    \
    envoy__extensions__transport_sockets__tls__v3__common_tls_context__combined_certificate_validation_context__descriptor
#define RawBuffer Envoy__Extensions__TransportSockets__RawBuffer__V3__RawBuffer
#define RawBuffer_desc envoy__extensions__transport_sockets__raw_buffer__v3__raw_buffer__descriptor

/* listeners and network filters */
#define Listener Envoy__Config__Listener__V3__Listener
#define Listener_desc envoy__config__listener__v3__listener__descriptor
#define ApiListener Envoy__Config__Listener__V3__ApiListener
#define ApiListener_desc envoy__config__listener__v3__api_listener__descriptor
#define FilterChain Envoy__Config__Listener__V3__FilterChain
#define FilterChain_desc envoy__config__listener__v3__filter_chain__descriptor
#define FilterChainMatch Envoy__Config__Listener__V3__FilterChainMatch
#define FilterChainMatch_desc envoy__config__listener__v3__filter_chain_match__descriptor
#define NetFilter Envoy__Config__Listener__V3__Filter
#define NetFilter_desc envoy__config__listener__v3__filter__descriptor
#define ListenerFilter Envoy__Config__Listener__V3__ListenerFilter
#define ListenerFilter_desc envoy__config__listener__v3__listener_filter__descriptor
#define TlsInspector Envoy__Extensions__Filters__Listener__TlsInspector__V3__TlsInspector
#define TlsInspector_desc                                                                          \
    envoy__extensions__filters__listener__tls_inspector__v3__tls_inspector__descriptor
#define HttpInspector Envoy__Extensions__Filters__Listener__HttpInspector__V3__HttpInspector
#define HttpInspector_desc                                                                         \
    envoy__extensions__filters__listener__http_inspector__v3__http_inspector__descriptor
#define Hcm Envoy__Extensions__Filters__Network__HttpConnectionManager__V3__HttpConnectionManager
#define Hcm_desc                                                                                   \
    envoy__extensions__filters__network__http_connection_manager__v3__http_connection_manager__descriptor
#define HcmUpgrade                                                                                 \
    Envoy__Extensions__Filters__Network__HttpConnectionManager__V3__HttpConnectionManager__UpgradeConfig
#define HcmUpgrade_desc                                                                            \
    envoy__extensions__filters__network__http_connection_manager__v3__http_connection_manager__upgrade_config__descriptor
#define HcmCertDetails                                                                             \
    Envoy__Extensions__Filters__Network__HttpConnectionManager__V3__HttpConnectionManager__SetCurrentClientCertDetails
#define HcmCertDetails_desc                                                                        \
    envoy__extensions__filters__network__http_connection_manager__v3__http_connection_manager__set_current_client_cert_details__descriptor
#define Rds Envoy__Extensions__Filters__Network__HttpConnectionManager__V3__Rds
#define Rds_desc envoy__extensions__filters__network__http_connection_manager__v3__rds__descriptor
#define HttpFilter Envoy__Extensions__Filters__Network__HttpConnectionManager__V3__HttpFilter
#define HttpFilter_desc                                                                            \
    envoy__extensions__filters__network__http_connection_manager__v3__http_filter__descriptor
#define TcpProxy Envoy__Extensions__Filters__Network__TcpProxy__V3__TcpProxy
#define TcpProxy_desc envoy__extensions__filters__network__tcp_proxy__v3__tcp_proxy__descriptor
#define TcpWeighted Envoy__Extensions__Filters__Network__TcpProxy__V3__TcpProxy__WeightedCluster
#define TcpWeighted_desc                                                                           \
    envoy__extensions__filters__network__tcp_proxy__v3__tcp_proxy__weighted_cluster__descriptor
#define TcpClusterWeight                                                                           \
    Envoy__Extensions__Filters__Network__TcpProxy__V3__TcpProxy__WeightedCluster__ClusterWeight
#define TcpClusterWeight_desc                                                                      \
    envoy__extensions__filters__network__tcp_proxy__v3__tcp_proxy__weighted_cluster__cluster_weight__descriptor
#define AccessLog Envoy__Config__Accesslog__V3__AccessLog
#define AccessLog_desc envoy__config__accesslog__v3__access_log__descriptor
#define FileAccessLog Envoy__Extensions__AccessLoggers__File__V3__FileAccessLog
#define FileAccessLog_desc envoy__extensions__access_loggers__file__v3__file_access_log__descriptor
#define FormatString Envoy__Config__Core__V3__SubstitutionFormatString
#define FormatString_desc envoy__config__core__v3__substitution_format_string__descriptor
#define Router Envoy__Extensions__Filters__Http__Router__V3__Router
#define Router_desc envoy__extensions__filters__http__router__v3__router__descriptor
#define FaultFilter Envoy__Extensions__Filters__Http__Fault__V3__HTTPFault
#define FaultFilter_desc envoy__extensions__filters__http__fault__v3__httpfault__descriptor
#define FaultAbort Envoy__Extensions__Filters__Http__Fault__V3__FaultAbort
#define FaultAbort_desc envoy__extensions__filters__http__fault__v3__fault_abort__descriptor
#define FaultDelay Envoy__Extensions__Filters__Common__Fault__V3__FaultDelay
#define FaultDelay_desc envoy__extensions__filters__common__fault__v3__fault_delay__descriptor
#define CorsFilter Envoy__Extensions__Filters__Http__Cors__V3__Cors
#define CorsFilter_desc envoy__extensions__filters__http__cors__v3__cors__descriptor
#define CorsPolicy Envoy__Extensions__Filters__Http__Cors__V3__CorsPolicy
#define CorsPolicy_desc envoy__extensions__filters__http__cors__v3__cors_policy__descriptor

/* routes */
#define RouteConfiguration Envoy__Config__Route__V3__RouteConfiguration
#define RouteConfiguration_desc envoy__config__route__v3__route_configuration__descriptor
#define VirtualHost Envoy__Config__Route__V3__VirtualHost
#define VirtualHost_desc envoy__config__route__v3__virtual_host__descriptor
#define Route Envoy__Config__Route__V3__Route
#define Route_desc envoy__config__route__v3__route__descriptor
#define RouteFilterEntry Envoy__Config__Route__V3__Route__TypedPerFilterConfigEntry
#define RouteFilterEntry_desc                                                                      \
    envoy__config__route__v3__route__typed_per_filter_config_entry__descriptor
#define RouteMatch Envoy__Config__Route__V3__RouteMatch
#define RouteMatch_desc envoy__config__route__v3__route_match__descriptor
#define RouteAction Envoy__Config__Route__V3__RouteAction
#define RouteAction_desc envoy__config__route__v3__route_action__descriptor
#define MirrorPolicy Envoy__Config__Route__V3__RouteAction__RequestMirrorPolicy
#define MirrorPolicy_desc envoy__config__route__v3__route_action__request_mirror_policy__descriptor
#define HashPolicy Envoy__Config__Route__V3__RouteAction__HashPolicy
#define HashPolicy_desc envoy__config__route__v3__route_action__hash_policy__descriptor
#define HashHeader Envoy__Config__Route__V3__RouteAction__HashPolicy__Header
#define HashHeader_desc envoy__config__route__v3__route_action__hash_policy__header__descriptor
#define HashCookie Envoy__Config__Route__V3__RouteAction__HashPolicy__Cookie
#define HashCookie_desc envoy__config__route__v3__route_action__hash_policy__cookie__descriptor
#define HashConnection Envoy__Config__Route__V3__RouteAction__HashPolicy__ConnectionProperties
#define HashConnection_desc                                                                        \
    envoy__config__route__v3__route_action__hash_policy__connection_properties__descriptor
#define HashQuery Envoy__Config__Route__V3__RouteAction__HashPolicy__QueryParameter
#define HashQuery_desc                                                                             \
    envoy__config__route__v3__route_action__hash_policy__query_parameter__descriptor
#define MaxStreamDuration Envoy__Config__Route__V3__RouteAction__MaxStreamDuration
#define MaxStreamDuration_desc                                                                     \
    envoy__config__route__v3__route_action__max_stream_duration__descriptor
#define WeightedCluster Envoy__Config__Route__V3__WeightedCluster
#define WeightedCluster_desc envoy__config__route__v3__weighted_cluster__descriptor
#define ClusterWeight Envoy__Config__Route__V3__WeightedCluster__ClusterWeight
#define ClusterWeight_desc envoy__config__route__v3__weighted_cluster__cluster_weight__descriptor
#define RetryPolicy Envoy__Config__Route__V3__RetryPolicy
#define RetryPolicy_desc envoy__config__route__v3__retry_policy__descriptor
#define RetryHostPredicate Envoy__Config__Route__V3__RetryPolicy__RetryHostPredicate
#define RetryHostPredicate_desc                                                                    \
    envoy__config__route__v3__retry_policy__retry_host_predicate__descriptor
#define PreviousHosts Envoy__Extensions__Retry__Host__PreviousHosts__V3__PreviousHostsPredicate
#define PreviousHosts_desc                                                                         \
    envoy__extensions__retry__host__previous_hosts__v3__previous_hosts_predicate__descriptor
#define RedirectAction Envoy__Config__Route__V3__RedirectAction
#define RedirectAction_desc envoy__config__route__v3__redirect_action__descriptor
#define DirectResponse Envoy__Config__Route__V3__DirectResponseAction
#define DirectResponse_desc envoy__config__route__v3__direct_response_action__descriptor
#define Decorator Envoy__Config__Route__V3__Decorator
#define Decorator_desc envoy__config__route__v3__decorator__descriptor
#define HeaderMatcher Envoy__Config__Route__V3__HeaderMatcher
#define HeaderMatcher_desc envoy__config__route__v3__header_matcher__descriptor
#define QueryMatcher Envoy__Config__Route__V3__QueryParameterMatcher
#define QueryMatcher_desc envoy__config__route__v3__query_parameter_matcher__descriptor

/* ---- helpers (pb.c); messages live in the arena a ---------------------------------- */

/* A message of descriptor d, initialised to its defaults. */
void *tr_msg(struct arena *a, const ProtobufCMessageDescriptor *d);
/* m packed into an Any with type_url "type.googleapis.com/<full name>". */
Any *pb_any(struct arena *a, const void *msg);
Duration *pb_ms(struct arena *a, int64_t ms);
BoolValue *pb_bool(struct arena *a, int v);
UInt32Value *pb_u32(struct arena *a, uint32_t v);
/* A socket address (or a pipe for "unix://PATH"). */
Address *pb_address(struct arena *a, const char *ip, uint32_t port);
/* ads {} with initial_fetch_timeout 0s and resource_api_version V3. */
ConfigSource *pb_ads(struct arena *a);
DataSource *pb_file(struct arena *a, const char *path);
StringMatcher *pb_exact(struct arena *a, const char *s);
FractionalPercent *pb_fraction(struct arena *a, double percent);
/* metadata.filter_metadata[filter] = {key: value...}; adds to *m (created on
 * first use). pb_meta_bool makes value a JSON bool. */
void pb_meta_str(struct arena *a, Metadata **m, const char *filter, const char *key,
                 const char *value);
void pb_meta_bool(struct arena *a, Metadata **m, const char *filter, const char *key, int value);
/* A Struct {key: value} (an empty one when key is NULL). */
Struct *pb_struct_str(struct arena *a, const char *key, const char *value);
/* Pack a message into malloc'd bytes (the caller frees them). */
uint8_t *pb_pack(const void *msg, size_t *len);

#endif
