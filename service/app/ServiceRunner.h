#pragma once

#include "app/ConfigReader.h"
#include "app/ReloadResult.h"
#include "config/ServiceConfig.h"
#include "core/Expected.h"
#include "core/SystemClock.h"
#include "telemetry/ExportSettings.h"
#include "telemetry/ExportStats.h"
#include "telemetry/ExportTransport.h"

#include <QJsonObject>
#include <QObject>
#include <QProcessEnvironment>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace aap::auth {
class TokenHttpClient;
class TokenManager;
} // namespace aap::auth
namespace aap::proxy {
class ProxyServer;
}
namespace aap::platform {
class ServiceNotifier;
class SignalHandler;
} // namespace aap::platform
namespace aap::control {
class ControlServer;
class ServiceControl;
} // namespace aap::control
namespace aap::telemetry {
class ExportPipeline;
class Tracer;
} // namespace aap::telemetry

namespace aap::app {

class AdminServer;
class ServiceMetrics;

// Wires a validated configuration into a running service and owns its lifecycle: the listener
// comes up first (so /health answers and /ready says why it is not ready), then token refresh
// starts; SIGTERM/SIGINT drain in-flight requests and finish with exit status 0; SIGHUP reloads.
// The service manager hears about each step (READY/RELOADING/STOPPING/STATUS/WATCHDOG, see
// platform::ServiceNotifier).
//
// A reload builds a new generation (token caches + proxy) next to the running one: unchanged
// identities keep their token cache, an unchanged listener socket is handed over (so no connection
// attempt is refused), a changed one is bound anew. Once the new generation serves, the old one
// drains: its in-flight requests finish on the configuration they started with.
//
// Telemetry (the tracer, the OTLP exporter, the admin port) belongs to the service, not to a
// generation: it is set up at start from [telemetry] and keeps running across reloads; each
// generation has its own counters and metrics, and /metrics and the exporter read the current one.
class ServiceRunner : public QObject {
    Q_OBJECT

public:
    // Makes the OTLP transport (on the exporter's thread); empty: no export whatever the settings.
    using TransportFactory =
        std::function<std::unique_ptr<telemetry::ExportTransport>(const telemetry::ExportSettings &)>;

    // config is what reader.read() returned at start, already validated; configPath is the file it
    // came from (empty when none), which the control socket shows and applies to.
    ServiceRunner(ConfigReader reader, config::ServiceConfig config, QString configPath = {},
                  TransportFactory exportTransport = {}, QObject *parent = nullptr);
    ~ServiceRunner() override;

    // Fails (with a message for the operator) when the listener cannot be bound or an identity
    // cannot be set up; nothing keeps running then.
    Expected<void, QString> start();
    // Stops accepting, drains, stops token refresh, then emits finished(0).
    void shutdown();

    // Re-reads the configuration from the sources used at start (file, environment, flags),
    // validates it and, when valid, switches to it; when not, the running configuration stays and
    // the errors are in the result (and logged). SIGHUP and the control socket's "config apply"
    // both come here. Also emits reloaded().
    ReloadResult reload();
    // Every token cache fetches a new token now (the control socket's "refresh now").
    void refreshNow();

    [[nodiscard]] const config::ServiceConfig &currentConfig() const;
    [[nodiscard]] const auth::TokenManager &tokens() const;
    // The port the listener is bound to (useful when the configuration asked for port 0).
    [[nodiscard]] quint16 port() const;

Q_SIGNALS:
    void finished(int exitCode);
    void reloaded(const aap::app::ReloadResult &result);

private:
    struct Generation;

    [[nodiscard]] Expected<std::unique_ptr<Generation>, QString>
    buildGeneration(const config::ServiceConfig &config, ReloadResult &result);
    ReloadResult apply(config::LoadedConfig loaded);
    void retire(std::unique_ptr<Generation> generation);
    [[nodiscard]] Expected<void, QString> startTelemetry();
    // The metrics the exporter's thread reads: the current generation's, switched under a lock.
    void publishMetrics(const ServiceMetrics *metrics);
    [[nodiscard]] QString statusText() const;
    void updateStatus();
    void watchdogTick();
    void scheduleStatusRefresh();
    void installTestHooks();
    void startControl();
    void runDiagnosis(std::function<void(QJsonObject)> done);

    ConfigReader m_reader;
    config::ServiceConfig m_startConfig;
    QString m_configPath;
    SystemClock m_clock;
    TransportFactory m_exportTransport;
    // Outlive every generation: the data path and the token schedulers feed the tracer.
    std::unique_ptr<telemetry::Tracer> m_tracer;
    telemetry::ExportStats m_exportStats;
    std::mutex m_exportedMetricsMutex;
    const ServiceMetrics *m_exportedMetrics = nullptr;
    std::unique_ptr<telemetry::ExportPipeline> m_export;
    std::unique_ptr<AdminServer> m_admin;
    std::unique_ptr<Generation> m_current;
    std::vector<std::unique_ptr<Generation>> m_retiring;
    std::unique_ptr<platform::SignalHandler> m_signals;
    std::unique_ptr<platform::ServiceNotifier> m_notifier;
    Clock::TimerId m_watchdogTimer = 0;
    Clock::TimerId m_statusTimer = 0;
    QString m_statusSent;
    QString m_reloadNote; // "reload rejected ..." until the next successful reload
    std::unique_ptr<control::ServiceControl> m_control;
    std::unique_ptr<control::ControlServer> m_controlServer;
    bool m_stopping = false;
};

} // namespace aap::app
