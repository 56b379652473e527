#include "app/ServiceRunner.h"

#include "app/StatusLine.h"
#include "auth/ProviderFactory.h"
#include "auth/TokenManager.h"
#include "auth/providers/TokenHttpClient.h"
#include "control/ControlServer.h"
#include "control/ServiceControl.h"
#include "diagnose/Diagnosis.h"
#include "ipc/ControlEndpoint.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "platform/ServiceNotifier.h"
#include "platform/SignalHandler.h"
#include "proxy/ProxyServer.h"

#include <QCoreApplication>
#include <QDateTime>

#include <gsl/assert>

#include <chrono>

namespace aap::app {

using namespace Qt::StringLiterals;

namespace {

// "token valid 52 min" is shown in minutes: refreshing the line twice a minute keeps it current.
constexpr std::chrono::seconds kStatusRefresh{30};

bool sameListener(const config::ListenerConfig &a, const config::ListenerConfig &b)
{
    return a.address == b.address && a.port == b.port;
}

} // namespace

// One configuration's running parts. Members are destroyed bottom-up: the proxy (which reads the
// token stores) before the token caches, and those before the HTTP client their providers use.
struct ServiceRunner::Generation {
    config::ServiceConfig config;
    auth::TokenHttpClient::Options httpOptions;
    std::shared_ptr<auth::TokenHttpClient> http;
    std::unique_ptr<auth::TokenManager> tokens;
    std::unique_ptr<proxy::ProxyServer> proxy;
};

ServiceRunner::ServiceRunner(ConfigReader reader, config::ServiceConfig config, QString configPath,
                             QObject *parent)
    : QObject(parent), m_reader(std::move(reader)), m_startConfig(std::move(config)),
      m_configPath(std::move(configPath)),
      m_notifier(std::make_unique<platform::ServiceNotifier>(m_reader.sources().environment,
                                                             QCoreApplication::applicationPid()))
{}

ServiceRunner::~ServiceRunner()
{
    m_clock.cancel(m_watchdogTimer);
    m_clock.cancel(m_statusTimer);
    // The control socket reads the running generation.
    m_controlServer.reset();
    m_control.reset();
    m_retiring.clear();
    m_current.reset();
}

Expected<void, QString> ServiceRunner::start()
{
    // Installed first: a SIGHUP from an early `systemctl reload` must not kill the process.
    m_signals = std::make_unique<platform::SignalHandler>();
    connect(m_signals.get(), &platform::SignalHandler::terminationRequested, this, [this](int signalNumber) {
        qCInfo(lcApp).noquote() << "shutdown requested" << log::LogField::kv("signal", signalNumber);
        shutdown();
    });
    connect(m_signals.get(), &platform::SignalHandler::reloadRequested, this, [this] { reload(); });
    m_signals->install();

    ReloadResult unused;
    auto generation = buildGeneration(m_startConfig, unused);
    if (!generation)
        return Unexpected(generation.error());
    m_current = std::move(*generation);
    startControl();
    m_current->tokens->start();

    qCInfo(lcApp).noquote() << "service started"
                            << log::LogField::kv("address", m_current->config.listener.address.toString())
                            << log::LogField::kv("port", m_current->proxy->port())
                            << log::LogField::kv("workers", m_current->proxy->workerCount())
                            << log::LogField::kv("routes", m_current->config.routes.size());
    m_statusSent = statusText();
    m_notifier->ready(m_statusSent);
    scheduleStatusRefresh();
    if (const auto timeout = m_notifier->watchdogTimeout()) {
        qCInfo(lcApp).noquote()
            << "watchdog enabled"
            << log::LogField::kv("timeout_ms",
                                 std::chrono::duration_cast<std::chrono::milliseconds>(*timeout).count());
        watchdogTick();
    }
    installTestHooks();
    return {};
}

Expected<std::unique_ptr<ServiceRunner::Generation>, QString>
ServiceRunner::buildGeneration(const config::ServiceConfig &config, ReloadResult &result)
{
    const QProcessEnvironment &environment = m_reader.sources().environment;
    auto generation = std::make_unique<Generation>();
    generation->config = config;
    generation->httpOptions = auth::TokenHttpClient::Options::fromConfig(config, environment);
    // Token caches survive a reload only with the HTTP client their providers were built on.
    const bool keepTokens = m_current != nullptr && m_current->httpOptions == generation->httpOptions;
    generation->http = keepTokens ? m_current->http
                                  : std::make_shared<auth::TokenHttpClient>(m_clock, generation->httpOptions);

    const auth::ProviderFactory factory(environment, m_clock, *generation->http);
    const auto create = [&factory](const config::IdentityConfig &identity) {
        return factory.create(identity);
    };
    auto tokens = keepTokens ? auth::TokenManager::createFrom(*m_current->tokens, m_clock, config, create)
                             : auth::TokenManager::create(m_clock, config, create);
    if (!tokens)
        return Unexpected(tokens.error());
    generation->tokens = std::move(*tokens);
    result.tokenCachesKept = static_cast<int>(generation->tokens->sharedCacheCount());
    result.tokenCachesNew =
        static_cast<int>(generation->tokens->cacheCount() - generation->tokens->sharedCacheCount());

    proxy::ProxyOptions options;
    options.listener = config.listener;
    options.upstream = config.upstream;
    options.limits = config.limits;
    options.workerThreads = config.workerThreads;
    options.outboundProxy = config.outboundProxy;
    for (const config::RouteConfig &route : std::as_const(config.routes))
        options.routes.append(proxy::ProxyRoute{route, generation->tokens->storeFor(route.name)});
    generation->proxy = std::make_unique<proxy::ProxyServer>(std::move(options), m_clock);
    // The new proxy takes over each listening socket whose address and port are unchanged (the main
    // one, and routes' own ports); the others are bound anew.
    result.listenerRebound =
        m_current != nullptr && !sameListener(m_current->config.listener, config.listener);
    if (auto started = generation->proxy->start(m_current != nullptr ? m_current->proxy.get() : nullptr);
        !started)
        return Unexpected(started.error());
    result.routes = static_cast<int>(config.routes.size());

    connect(generation->tokens.get(), &auth::TokenManager::statusChanged, this, &ServiceRunner::updateStatus);
    return generation;
}

ReloadResult ServiceRunner::reload()
{
    if (m_stopping || m_current == nullptr) {
        ReloadResult refused;
        refused.errors << u"the service is not running"_s;
        return refused;
    }
    m_notifier->reloading();
    qCInfo(lcApp).noquote() << "reloading configuration"
                            << log::LogField::kv("file", m_reader.sources().configFlag.value_or(
                                                             m_reader.sources().defaultConfigPath));
    ReloadResult result = apply(m_reader.read());
    if (result.applied) {
        m_reloadNote.clear();
        qCInfo(lcApp).noquote() << "configuration reloaded" << log::LogField::kv("routes", result.routes)
                                << log::LogField::kv("token_caches_kept", result.tokenCachesKept)
                                << log::LogField::kv("token_caches_new", result.tokenCachesNew)
                                << log::LogField::kv("listener_rebound",
                                                     result.listenerRebound ? "yes" : "no")
                                << log::LogField::kv("port", port());
    } else {
        m_reloadNote = u"reload rejected (%1 %2, see the log), running the previous configuration; "_s
                           .arg(result.errors.size())
                           .arg(result.errors.size() == 1 ? u"error"_s : u"errors"_s);
        qCWarning(lcApp).noquote() << "reload rejected, the previous configuration keeps running"
                                   << log::LogField::kv("errors", result.errors.size());
    }
    m_statusSent = statusText();
    m_notifier->ready(m_statusSent);
    Q_EMIT reloaded(result);
    return result;
}

ReloadResult ServiceRunner::apply(config::LoadedConfig loaded)
{
    ReloadResult result;
    for (const config::ConfigIssue &issue : std::as_const(loaded.issues)) {
        if (issue.isError()) {
            result.errors << issue.toString();
            qCWarning(lcConfig).noquote() << "reload:" << issue.toString();
        } else {
            result.warnings << issue.toString();
            qCWarning(lcConfig).noquote() << issue.toString();
        }
    }
    if (!result.errors.isEmpty())
        return result;

    auto generation = buildGeneration(loaded.config, result);
    if (!generation) {
        result.errors << generation.error();
        qCWarning(lcApp).noquote() << "reload:" << generation.error();
        return result;
    }
    log::setLevel(loaded.config.logLevel);
    (*generation)->tokens->start();
    retire(std::exchange(m_current, std::move(*generation)));
    result.applied = true;
    return result;
}

void ServiceRunner::retire(std::unique_ptr<Generation> generation)
{
    proxy::ProxyServer *successor = m_current->proxy.get();
    generation->tokens->disconnect(this);
    Generation *retired = generation.get();
    m_retiring.push_back(std::move(generation));
    retired->proxy->drain(
        [this, retired] {
            // Not from inside the proxy's own callback: it is destroyed with the generation.
            QMetaObject::invokeMethod(
                this,
                [this, retired] {
                    std::erase_if(m_retiring,
                                  [retired](const auto &candidate) { return candidate.get() == retired; });
                },
                Qt::QueuedConnection);
        },
        successor);
}

void ServiceRunner::startControl()
{
    if (!m_current->config.control.enabled)
        return;
    // Every reader goes through m_current, so after a reload the socket shows the new generation.
    control::ServiceView view;
    view.config = [this] { return m_current->config; };
    view.tokens = [this] { return m_current->tokens->statuses(); };
    view.counters = [this] {
        const proxy::ProxyCounters &counters = m_current->proxy->counters();
        control::CounterTotals totals;
        totals.requests = counters.requests.load(std::memory_order_relaxed);
        totals.forwarded = counters.forwarded.load(std::memory_order_relaxed);
        totals.localReplies = counters.localReplies.load(std::memory_order_relaxed);
        totals.activeConnections = counters.activeConnections.load(std::memory_order_relaxed);
        for (std::size_t kind = 0; kind < static_cast<std::size_t>(proxy::ProxyErrorKind::Count); ++kind)
            totals.errors += counters.errorCount(static_cast<proxy::ProxyErrorKind>(kind));
        return totals;
    };
    view.port = [this] { return port(); };
    view.draining = [this] { return m_stopping; };
    view.refreshNow = [this] { refreshNow(); };
    const auto reloadForControl = [this] {
        const ReloadResult result = reload();
        return control::ServiceControl::ReloadOutcome{result.applied,
                                                      result.applied ? result.warnings : result.errors};
    };
    m_control = std::make_unique<control::ServiceControl>(
        m_clock, std::move(view), m_reader.sources(), m_configPath, reloadForControl,
        [this](std::function<void(QJsonObject)> done) { runDiagnosis(std::move(done)); });
    m_controlServer = std::make_unique<control::ControlServer>(*m_control);
    // The proxy works without its console: a socket that cannot be offered is a warning only.
    if (auto listening = m_controlServer->listen(ipc::ControlEndpoint::resolve(m_current->config.control));
        !listening) {
        qCWarning(lcApp).noquote() << "control socket not offered"
                                   << log::LogField::kv("reason", listening.error());
        m_controlServer.reset();
    }
}

void ServiceRunner::runDiagnosis(std::function<void(QJsonObject)> done)
{
    // Its own token fetch and test request: the running token caches and counters stay untouched.
    auto *diagnosis = new diagnose::Diagnosis(m_clock, m_reader.read(), m_reader.sources().environment, this);
    diagnosis->run([diagnosis, done = std::move(done)](const diagnose::DiagnosisReport &report) {
        done(report.toJson());
        diagnosis->deleteLater();
    });
}

void ServiceRunner::refreshNow()
{
    if (m_current != nullptr)
        m_current->tokens->refreshNow();
}

const config::ServiceConfig &ServiceRunner::currentConfig() const
{
    return m_current != nullptr ? m_current->config : m_startConfig;
}

const auth::TokenManager &ServiceRunner::tokens() const
{
    Expects(m_current != nullptr);
    return *m_current->tokens;
}

quint16 ServiceRunner::port() const
{
    return m_current != nullptr ? m_current->proxy->port() : 0;
}

QString ServiceRunner::statusText() const
{
    const QString listener = m_current->config.listener.address.toString() + u":"_s + QString::number(port());
    return m_reloadNote + StatusLine::describe(static_cast<int>(m_current->config.routes.size()), listener,
                                               m_current->tokens->statuses(),
                                               QDateTime::currentDateTimeUtc());
}

void ServiceRunner::updateStatus()
{
    if (m_current == nullptr || m_stopping)
        return;
    const QString text = statusText();
    if (text == m_statusSent)
        return;
    m_statusSent = text;
    m_notifier->status(text);
}

void ServiceRunner::scheduleStatusRefresh()
{
    m_statusTimer = m_clock.startTimer(kStatusRefresh, [this] {
        updateStatus();
        scheduleStatusRefresh();
    });
}

void ServiceRunner::watchdogTick()
{
    // This runs on the main loop (token refresh, reloads); the workers answer the pings posted at
    // the previous tick. A stuck loop anywhere withholds the ping and systemd restarts the service.
    if (m_current->proxy->workersResponsive()) {
        m_notifier->watchdog();
    } else {
        qCWarning(lcApp).noquote() << "watchdog ping withheld: a worker did not respond";
    }
    m_current->proxy->pingWorkers();
    const auto half =
        std::chrono::duration_cast<std::chrono::milliseconds>(*m_notifier->watchdogTimeout() / 2);
    m_watchdogTimer = m_clock.startTimer(half, [this] { watchdogTick(); });
}

void ServiceRunner::installTestHooks()
{
#ifdef AAP_TEST_HOOKS
    // AAP_TEST_STALL_WORKER=AFTER_MS:FOR_MS blocks worker 0 for FOR_MS, AFTER_MS after start
    // (docs/linux-service.md, "Test hooks"): the watchdog test's stuck worker.
    const QStringList stall = m_reader.sources().environment.value(u"AAP_TEST_STALL_WORKER"_s).split(u':');
    if (stall.size() != 2)
        return;
    const std::chrono::milliseconds after{stall[0].toLongLong()};
    const std::chrono::milliseconds duration{stall[1].toLongLong()};
    qCWarning(lcApp).noquote() << "test hook armed: worker stall"
                               << log::LogField::kv("after_ms", after.count())
                               << log::LogField::kv("for_ms", duration.count());
    m_clock.startTimer(after, [this, duration] {
        if (m_current != nullptr)
            m_current->proxy->stallWorker(0, duration);
    });
#endif
}

void ServiceRunner::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_notifier->stopping();
    m_clock.cancel(m_statusTimer);
    // The control socket stays during the drain, so a configurator sees "draining".
    m_current->proxy->drain([this] {
        m_controlServer.reset();
        m_current->tokens->stop();
        qCInfo(lcApp).noquote() << "service stopped";
        Q_EMIT finished(0);
    });
}

} // namespace aap::app
