#pragma once

#include "config/ConfigLoader.h"
#include "config/ServiceConfig.h"
#include "core/Expected.h"
#include "core/SystemClock.h"

#include <QJsonObject>
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
namespace aap::control {
class ControlServer;
class ServiceControl;
} // namespace aap::control

namespace aap::app {

// Wires a validated configuration into a running service and owns its lifecycle: the listener
// comes up first (so /health answers and /ready says why it is not ready), then token refresh
// starts; SIGTERM/SIGINT drain in-flight requests and finish with exit status 0.
class ServiceRunner : public QObject {
    Q_OBJECT

public:
    ServiceRunner(config::ServiceConfig config, const QProcessEnvironment &environment,
                  QObject *parent = nullptr);
    ~ServiceRunner() override;

    // Where the configuration came from, for the control socket's config requests; without it the
    // control socket answers status but has no file to show or apply.
    void setConfigSources(config::ConfigSources sources, QString configPath);

    // Fails (with a message for the operator) when the listener cannot be bound or an identity
    // cannot be set up; nothing keeps running then.
    Expected<void, QString> start();
    // Stops accepting, drains, stops token refresh, then emits finished(0).
    void shutdown();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void startControl();
    void runDiagnosis(std::function<void(QJsonObject)> done);

    config::ServiceConfig m_config;
    QProcessEnvironment m_environment;
    SystemClock m_clock;
    std::unique_ptr<auth::TokenHttpClient> m_http;
    std::unique_ptr<auth::TokenManager> m_tokens;
    std::unique_ptr<proxy::ProxyServer> m_proxy;
    std::unique_ptr<platform::SignalHandler> m_signals;
    config::ConfigSources m_sources;
    QString m_configPath;
    std::unique_ptr<control::ServiceControl> m_control;
    std::unique_ptr<control::ControlServer> m_controlServer;
    bool m_stopping = false;
};

} // namespace aap::app
