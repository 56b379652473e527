#pragma once

#include "config/Secret.h"

#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <chrono>
#include <optional>

// The typed configuration of the service: every setting, for the first wave and the roadmap
// (several routes and identities, listener TLS and inbound auth, telemetry, outbound proxy,
// control socket). Loaders fill it (defaults < file < environment < flags); validators check it;
// the service layers receive the parts they need.
namespace aap::config {

using std::chrono::milliseconds;
using std::chrono::seconds;

enum class IdentityKind {
    Default,          // DefaultAzureCredential chain: environment -> workload identity -> managed identity
    SystemAssigned,   // managed identity (App Service / Arc / IMDS), system-assigned
    UserAssigned,     // managed identity, user-assigned (client id, object id or resource id)
    AadApplication,   // Entra client credentials: certificate or client secret
    WorkloadIdentity, // Entra client credentials with a federated token file as assertion
};

enum class Cloud { Public, UsGovernment, China };
enum class AssertionAlgorithm { RS256, PS256 };

struct IdentityConfig {
    QString name = QStringLiteral("default"); // routes refer to identities by name
    IdentityKind kind = IdentityKind::Default;
    QString clientId;                  // AAD_CLIENT_ID / AZURE_CLIENT_ID
    QString objectId;                  // managed identity selector object_id
    QString resourceId;                // managed identity selector msi_res_id / mi_res_id
    QString tenantId;                  // AAD_TENANT_ID / AZURE_TENANT_ID
    QString certificatePath;           // AAD_CLIENT_CERTIFICATE_PATH / AZURE_CLIENT_CERTIFICATE_PATH
    QString certificateKeyPath;        // separate PEM key file, when the key is not in certificatePath
    Secret certificatePassword;        // AZURE_CLIENT_CERTIFICATE_PASSWORD
    QString certificatePasswordFile;   // the password read from a file instead
    bool sendCertificateChain = false; // AZURE_CLIENT_SEND_CERTIFICATE_CHAIN
    AssertionAlgorithm assertionAlgorithm = AssertionAlgorithm::RS256;
    Secret clientSecret;        // AZURE_CLIENT_SECRET
    QString clientSecretFile;   // secret read from a file instead
    QString federatedTokenFile; // AZURE_FEDERATED_TOKEN_FILE
    Cloud cloud = Cloud::Public;
    QUrl authorityHost; // AZURE_AUTHORITY_HOST (https only); empty = the cloud's

    friend bool operator==(const IdentityConfig &, const IdentityConfig &) = default;
};

// TARGET_HOST after parsing: scheme, host, port and an optional base path that is prefixed to
// every forwarded request path.
struct TargetUrl {
    QString scheme = QStringLiteral("https");
    QString host;
    quint16 port = 443;
    QString basePath; // "" or starts with '/', no trailing '/'
    [[nodiscard]] bool isTls() const { return scheme == QStringLiteral("https"); }
    [[nodiscard]] bool isValid() const { return !host.isEmpty() && port != 0; }
};

struct RouteConfig {
    QString name = QStringLiteral("default");
    QString pathPrefix = QStringLiteral("/"); // requests whose path starts with it use this route
    TargetUrl target;                         // TARGET_HOST
    QString audience;                         // AUDIENCE as a resource, without "/.default" or trailing '/'
    QString identity = QStringLiteral("default");
    QList<QPair<QByteArray, QByteArray>> overrideRequestHeaders; // never Authorization, Host, hop-by-hop
    QList<QByteArray> removeRequestHeaders;                      // incoming headers dropped before forwarding
    bool stripPrefix = false;                                    // forward the path without pathPrefix
    quint16 listenPort = 0;        // != 0: the route owns this listener port (same address)
    QUrl proxy;                    // per-route outbound proxy; empty = outbound_proxy settings
    QString clientCertificatePath; // client certificate toward the target (mutual TLS)
    QString clientKeyPath;
    Secret clientCertificatePassword;
    QString clientCertificatePasswordFile;
};

struct InboundAuthConfig {
    QList<Secret> apiKeys; // accepted in "Authorization: ApiKey" or X-Api-Key; constant-time compare
    QString apiKeysFile;   // more keys, one per line
    QByteArray apiKeyHeader = QByteArrayLiteral("X-Api-Key"); // header that carries a key
    QStringList allowedCidrs; // empty = every peer that can reach the listener
    QString clientCaPath;     // mutual TLS: CA that client certificates must chain to
};

struct ListenerConfig {
    QHostAddress address = QHostAddress(QHostAddress::LocalHost); // LISTEN_ADDRESS; 127.0.0.1 by default
    quint16 port = 8081;                                          // LISTENING_PORT
    QString tlsCertificatePath;                                   // optional TLS on the listener
    QString tlsKeyPath;
    Secret tlsKeyPassword; // PFX or encrypted PEM key
    QString tlsKeyPasswordFile;
    InboundAuthConfig inboundAuth;
    // Whether a client must pass some check before its request is forwarded.
    [[nodiscard]] bool isProtected() const
    {
        return !inboundAuth.apiKeys.isEmpty() || !inboundAuth.apiKeysFile.isEmpty() ||
               !inboundAuth.allowedCidrs.isEmpty() || !inboundAuth.clientCaPath.isEmpty();
    }
};

struct UpstreamConfig {
    milliseconds connectTimeout{5'000};
    milliseconds tlsHandshakeTimeout{10'000};
    milliseconds responseHeadersTimeout{60'000};
    milliseconds idleBodyTimeout{60'000};
    QString caBundlePath; // extra PEM CAs; SSL_CERT_FILE is also honoured
    int maxConnectionsPerWorker = 512;
    // As many as a worker may open: a lower cap closes connections under steady load only for the
    // next requests to open new ones. Idle ones still close after idleConnectionExpiry.
    int maxIdleConnectionsPerWorker = 512;
    milliseconds idleConnectionExpiry{60'000};
};

struct LimitsConfig {
    int maxHeaderBytes = 64 * 1024;        // larger header sections get 431
    int maxRequestTargetBytes = 16 * 1024; // longer request-targets get 414
    milliseconds headerTimeout{10'000};    // whole request head must arrive in this time
    milliseconds clientIdleTimeout{60'000};
    milliseconds drainTimeout{15'000};    // SIGTERM: in-flight requests get this long
    milliseconds tokenWaitTimeout{5'000}; // requests before the first token wait this long, then 503
    // A request body must arrive within requestBodyTimeout plus one second per requestBodyMinRate
    // bytes received (0: no rate, the time-out alone), so a trickled body cannot hold a connection.
    milliseconds requestBodyTimeout{20'000};
    int requestBodyMinRate = 1024; // bytes per second
};

struct TokenConfig {
    int refreshPercent = 10;             // AAD_TOKEN_REFRESH_INTERVAL_IN_PERCENTAGE (1..99)
    milliseconds requestTimeout{15'000}; // each token HTTP call
};

struct OutboundProxyConfig {
    QUrl httpsProxy;     // HTTPS_PROXY; never used for IMDS, Arc or App Service
    QUrl httpProxy;      // HTTP_PROXY, for plain-http targets
    QStringList noProxy; // NO_PROXY

    friend bool operator==(const OutboundProxyConfig &, const OutboundProxyConfig &) = default;
};

// OTEL_TRACES_SAMPLER's values.
enum class TracesSampler {
    AlwaysOn,
    AlwaysOff,
    TraceIdRatio,
    ParentBasedAlwaysOn,
    ParentBasedAlwaysOff,
    ParentBasedTraceIdRatio
};
enum class OtlpProtocol { Grpc, HttpProtobuf };

struct TelemetryConfig {
    QString serviceName = QStringLiteral("aad_auth_proxy"); // OTEL_SERVICE_NAME
    QUrl grpcEndpoint;                                      // OTEL_GRPC_ENDPOINT (the original's name)
    QUrl otlpEndpoint; // OTEL_EXPORTER_OTLP_ENDPOINT; wins; neither: localhost:4317 (grpc) or :4318 (http)
    OtlpProtocol protocol = OtlpProtocol::Grpc;                       // OTEL_EXPORTER_OTLP_PROTOCOL
    Secret otlpHeaders;                                               // OTEL_EXPORTER_OTLP_HEADERS, k=v,k2=v2
    QString resourceAttributes;                                       // OTEL_RESOURCE_ATTRIBUTES, k=v,k2=v2
    bool sdkDisabled = false;                                         // OTEL_SDK_DISABLED: no export
    TracesSampler tracesSampler = TracesSampler::ParentBasedAlwaysOn; // OTEL_TRACES_SAMPLER
    double tracesSamplerRatio = 1.0;                                  // OTEL_TRACES_SAMPLER_ARG
    milliseconds spanExportDelay{5'000};                              // OTEL_BSP_SCHEDULE_DELAY
    milliseconds metricExportInterval{60'000};                        // OTEL_METRIC_EXPORT_INTERVAL
    milliseconds exportTimeout{10'000};                               // OTEL_EXPORTER_OTLP_TIMEOUT
    bool prometheusMetrics = true;                                    // /metrics
    quint16 adminPort = 0; // a second listener (same address) for /metrics, /health, /ready; 0 = none
};

struct ControlConfig {
    QString socketPath; // empty = platform default (runtime dir / named pipe)
    bool enabled = true;
};

enum class LogLevel { Debug, Info, Warning, Error };

struct ServiceConfig {
    ListenerConfig listener;
    QList<RouteConfig> routes{RouteConfig{}};
    QList<IdentityConfig> identities{IdentityConfig{}};
    UpstreamConfig upstream;
    LimitsConfig limits;
    TokenConfig token;
    OutboundProxyConfig outboundProxy;
    TelemetryConfig telemetry;
    ControlConfig control;
    LogLevel logLevel = LogLevel::Info;
    int workerThreads = 0; // 0 = number of cores
};

} // namespace aap::config
