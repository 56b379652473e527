#pragma once

#include "config/ServiceConfig.h"
#include "core/Expected.h"
#include "core/SystemClock.h"
#include "telemetry/ExportSettings.h"
#include "telemetry/ExportStats.h"
#include "telemetry/ExportTransport.h"

#include <QObject>
#include <QProcessEnvironment>

#include <functional>
#include <memory>

namespace aap::auth {
class TokenHttpClient;
class TokenManager;
} // namespace aap::auth
namespace aap::proxy {
class ProxyServer;
}
namespace aap::platform {
class SignalHandler;
}
namespace aap::telemetry {
class ExportPipeline;
class Tracer;
} // namespace aap::telemetry

namespace aap::proxy {
struct ProxyOptions;
}

namespace aap::app {

class AdminServer;
class ServiceMetrics;

// Wires a validated configuration into a running service and owns its lifecycle: the listener
// comes up first (so /health answers and /ready says why it is not ready), then token refresh
// starts; SIGTERM/SIGINT drain in-flight requests and finish with exit status 0.
class ServiceRunner : public QObject {
    Q_OBJECT

public:
    // Makes the OTLP transport (on the exporter's thread); empty: no export whatever the settings.
    using TransportFactory =
        std::function<std::unique_ptr<telemetry::ExportTransport>(const telemetry::ExportSettings &)>;

    ServiceRunner(config::ServiceConfig config, const QProcessEnvironment &environment,
                  TransportFactory exportTransport = {}, QObject *parent = nullptr);
    ~ServiceRunner() override;

    // Fails (with a message for the operator) when the listener cannot be bound or an identity
    // cannot be set up; nothing keeps running then.
    Expected<void, QString> start();
    // Stops accepting, drains, stops token refresh, then emits finished(0).
    void shutdown();

Q_SIGNALS:
    void finished(int exitCode);

private:
    config::ServiceConfig m_config;
    QProcessEnvironment m_environment;
    SystemClock m_clock;
    std::unique_ptr<auth::TokenHttpClient> m_http;
    TransportFactory m_exportTransport;
    std::unique_ptr<auth::TokenManager> m_tokens;
    std::unique_ptr<telemetry::Tracer> m_tracer;
    telemetry::ExportStats m_exportStats;
    std::unique_ptr<ServiceMetrics> m_metrics;
    std::unique_ptr<telemetry::ExportPipeline> m_export;
    std::unique_ptr<AdminServer> m_admin;
    std::unique_ptr<proxy::ProxyServer> m_proxy;
    std::unique_ptr<platform::SignalHandler> m_signals;
    bool m_stopping = false;
};

} // namespace aap::app
