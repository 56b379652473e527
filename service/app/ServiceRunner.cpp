#include "app/ServiceRunner.h"

#include "auth/ProviderFactory.h"
#include "auth/TokenManager.h"
#include "auth/providers/TokenHttpClient.h"
#include "control/ControlServer.h"
#include "control/ServiceControl.h"
#include "diagnose/Diagnosis.h"
#include "ipc/ControlEndpoint.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "platform/SignalHandler.h"
#include "proxy/ProxyServer.h"

namespace aap::app {

using namespace Qt::StringLiterals;

ServiceRunner::ServiceRunner(config::ServiceConfig config, const QProcessEnvironment &environment,
                             QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_environment(environment)
{}

ServiceRunner::~ServiceRunner()
{
    // The control socket reads both.
    m_controlServer.reset();
    m_control.reset();
    // The proxy reads the token stores: stop it before the token manager goes.
    m_proxy.reset();
    m_tokens.reset();
}

Expected<void, QString> ServiceRunner::start()
{
    m_http = std::make_unique<auth::TokenHttpClient>(
        m_clock, auth::TokenHttpClient::Options::fromConfig(m_config, m_environment));

    const auth::ProviderFactory factory(m_environment, m_clock, *m_http);
    auto tokens =
        auth::TokenManager::create(m_clock, m_config, [&factory](const config::IdentityConfig &identity) {
            return factory.create(identity);
        });
    if (!tokens)
        return Unexpected(tokens.error());
    m_tokens = std::move(*tokens);

    proxy::ProxyOptions options;
    options.listener = m_config.listener;
    options.upstream = m_config.upstream;
    options.limits = m_config.limits;
    options.workerThreads = m_config.workerThreads;
    for (const config::RouteConfig &route : std::as_const(m_config.routes))
        options.routes.append(proxy::ProxyRoute{route, m_tokens->storeFor(route.name)});
    m_proxy = std::make_unique<proxy::ProxyServer>(std::move(options), m_clock);
    if (auto started = m_proxy->start(); !started)
        return Unexpected(started.error());

    m_signals = std::make_unique<platform::SignalHandler>();
    connect(m_signals.get(), &platform::SignalHandler::terminationRequested, this, [this](int signalNumber) {
        qCInfo(lcApp).noquote() << "shutdown requested" << log::LogField::kv("signal", signalNumber);
        shutdown();
    });
    m_signals->install();

    startControl();
    m_tokens->start();
    qCInfo(lcApp).noquote() << "service started"
                            << log::LogField::kv("address", m_config.listener.address.toString())
                            << log::LogField::kv("port", m_proxy->port())
                            << log::LogField::kv("workers", m_proxy->workerCount())
                            << log::LogField::kv("routes", m_config.routes.size());
    return {};
}

void ServiceRunner::setConfigSources(config::ConfigSources sources, QString configPath)
{
    m_sources = std::move(sources);
    m_configPath = std::move(configPath);
}

void ServiceRunner::startControl()
{
    if (!m_config.control.enabled)
        return;
    control::ServiceView view;
    view.config = [this] { return m_config; };
    view.tokens = [this] { return m_tokens->statuses(); };
    view.counters = [this] {
        const proxy::ProxyCounters &counters = m_proxy->counters();
        control::CounterTotals totals;
        totals.requests = counters.requests.load(std::memory_order_relaxed);
        totals.forwarded = counters.forwarded.load(std::memory_order_relaxed);
        totals.localReplies = counters.localReplies.load(std::memory_order_relaxed);
        totals.activeConnections = counters.activeConnections.load(std::memory_order_relaxed);
        for (std::size_t kind = 0; kind < static_cast<std::size_t>(proxy::ProxyErrorKind::Count); ++kind)
            totals.errors += counters.errorCount(static_cast<proxy::ProxyErrorKind>(kind));
        return totals;
    };
    view.port = [this] { return m_proxy->port(); };
    view.draining = [this] { return m_stopping; };
    view.refreshNow = [this] { m_tokens->refreshNow(); };
    m_control = std::make_unique<control::ServiceControl>(
        m_clock, std::move(view), m_sources, m_configPath, control::ServiceControl::Reload{},
        [this](std::function<void(QJsonObject)> done) { runDiagnosis(std::move(done)); });
    m_controlServer = std::make_unique<control::ControlServer>(*m_control);
    // The proxy works without its console: a socket that cannot be offered is a warning only.
    if (auto listening = m_controlServer->listen(ipc::ControlEndpoint::resolve(m_config.control));
        !listening) {
        qCWarning(lcApp).noquote() << "control socket not offered"
                                   << log::LogField::kv("reason", listening.error());
        m_controlServer.reset();
    }
}

void ServiceRunner::runDiagnosis(std::function<void(QJsonObject)> done)
{
    // Its own token fetch and test request: the running token caches and counters stay untouched.
    auto *diagnosis = new diagnose::Diagnosis(m_clock, control::ServiceControl::load(m_sources),
                                              m_sources.environment, this);
    diagnosis->run([diagnosis, done = std::move(done)](const diagnose::DiagnosisReport &report) {
        done(report.toJson());
        diagnosis->deleteLater();
    });
}

void ServiceRunner::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    // The control socket stays during the drain, so a configurator sees "draining".
    m_proxy->drain([this] {
        m_controlServer.reset();
        m_tokens->stop();
        qCInfo(lcApp).noquote() << "service stopped";
        Q_EMIT finished(0);
    });
}

} // namespace aap::app
