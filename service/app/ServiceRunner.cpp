#include "app/ServiceRunner.h"

#include "app/AdminServer.h"
#include "app/ServiceMetrics.h"
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
#include "proxy/ProxyCounters.h"
#include "proxy/ProxyServer.h"
#include "telemetry/ExportPipeline.h"
#include "telemetry/Tracer.h"

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

// Every [telemetry] setting; they are read at start only (ServiceRunner::startTelemetry()).
bool sameTelemetry(const config::TelemetryConfig &a, const config::TelemetryConfig &b)
{
    return a.serviceName == b.serviceName && a.grpcEndpoint == b.grpcEndpoint &&
           a.otlpEndpoint == b.otlpEndpoint && a.protocol == b.protocol && a.otlpHeaders == b.otlpHeaders &&
           a.resourceAttributes == b.resourceAttributes && a.sdkDisabled == b.sdkDisabled &&
           a.tracesSampler == b.tracesSampler &&
           qFuzzyCompare(1.0 + a.tracesSamplerRatio, 1.0 + b.tracesSamplerRatio) &&
           a.spanExportDelay == b.spanExportDelay && a.metricExportInterval == b.metricExportInterval &&
           a.exportTimeout == b.exportTimeout && a.prometheusMetrics == b.prometheusMetrics &&
           a.adminPort == b.adminPort;
}

std::int64_t nanos(Clock::TimePoint time)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

// A token acquisition as a span of its own trace (it serves many requests, belongs to none).
telemetry::SpanData tokenSpan(const auth::RefreshScheduler::Settings &settings,
                              const auth::RefreshScheduler::Attempt &attempt)
{
    telemetry::SpanData span;
    span.name = "token.acquire";
    span.kind = telemetry::SpanKind::Internal;
    span.startNanos = nanos(attempt.started);
    span.endNanos = nanos(attempt.finished);
    const auto text = [&span](const char *key, const QString &value) {
        if (!value.isEmpty())
            span.attributes.append({QByteArray(key), value.toUtf8()});
    };
    text("aad_auth_proxy.identity.name", settings.identityName);
    text("aad_auth_proxy.identity.kind", settings.identityKind);
    text("aad_auth_proxy.token.audience", settings.resource);
    text("aad_auth_proxy.token.source", attempt.source);
    text("aad_auth_proxy.token.result", attempt.success ? u"success"_s : u"failure"_s);
    text("aad_auth_proxy.token.error_code", attempt.errorCode);
    text("error.type", attempt.errorKind);
    if (!attempt.success) {
        span.status = telemetry::SpanStatus::Error;
        span.statusMessage = attempt.errorCode.toUtf8();
    }
    return span;
}

} // namespace

// One configuration's running parts. Members are destroyed bottom-up: the proxy (whose workers read
// the token stores and answer /metrics) before the metrics and the token caches, and those before
// the HTTP client their providers use.
struct ServiceRunner::Generation {
    config::ServiceConfig config;
    auth::TokenHttpClient::Options httpOptions;
    std::shared_ptr<auth::TokenHttpClient> http;
    std::unique_ptr<auth::TokenManager> tokens;
    std::unique_ptr<ServiceMetrics> metrics; // reads the proxy's counters, only while it runs
    std::unique_ptr<proxy::ProxyServer> proxy;
};

ServiceRunner::ServiceRunner(ConfigReader reader, config::ServiceConfig config, QString configPath,
                             TransportFactory exportTransport, QObject *parent)
    : QObject(parent), m_reader(std::move(reader)), m_startConfig(std::move(config)),
      m_configPath(std::move(configPath)), m_exportTransport(std::move(exportTransport)),
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
    // The admin port and the exporter read the running generation; the exporter flushes once more.
    m_admin.reset();
    m_export.reset();
    publishMetrics(nullptr);
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

    const config::TelemetryConfig &telemetry = m_startConfig.telemetry;
    telemetry::Tracer::Settings tracing;
    tracing.enabled = !telemetry.sdkDisabled && m_exportTransport;
    tracing.sampler = telemetry.tracesSampler;
    tracing.samplerRatio = telemetry.tracesSamplerRatio;
    tracing.listenerAddress = m_startConfig.listener.address.toString().toUtf8();
    tracing.listenerPort = m_startConfig.listener.port;
    m_tracer = std::make_unique<telemetry::Tracer>(tracing);

    ReloadResult unused;
    auto generation = buildGeneration(m_startConfig, unused);
    if (!generation)
        return Unexpected(generation.error());
    m_current = std::move(*generation);
    publishMetrics(m_current->metrics.get());
    if (auto started = startTelemetry(); !started)
        return started;
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
    auth::TokenManager::AttemptObserver observer;
    if (m_tracer->enabled()) {
        observer = [tracer = m_tracer.get()](const auth::RefreshScheduler::Settings &settings,
                                             const auth::RefreshScheduler::Attempt &attempt) {
            tracer->recordSpan(tokenSpan(settings, attempt));
        };
    }
    auto tokens =
        keepTokens ? auth::TokenManager::createFrom(*m_current->tokens, m_clock, config, create, {}, observer)
                   : auth::TokenManager::create(m_clock, config, create, {}, observer);
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
    // [telemetry] is the service's, as started (startTelemetry()); a reload does not change it.
    const config::TelemetryConfig &telemetry = m_startConfig.telemetry;
    Generation *self = generation.get();
    options.telemetry.tracer = m_tracer.get();
    options.telemetry.countRequests = m_tracer->enabled() || telemetry.prometheusMetrics;
    if (telemetry.prometheusMetrics)
        options.telemetry.metricsText = [self] { return self->metrics->prometheusText(); };
    generation->proxy = std::make_unique<proxy::ProxyServer>(std::move(options), m_clock);
    generation->metrics = std::make_unique<ServiceMetrics>(
        config, m_clock, generation->proxy->counters(), [self] { return self->tokens->statuses(); },
        m_tracer.get(), &m_exportStats);
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
    if (!sameTelemetry(loaded.config.telemetry, m_startConfig.telemetry)) {
        const QString note = u"telemetry: the [telemetry] settings take effect at the next restart"_s;
        result.warnings << note;
        qCWarning(lcConfig).noquote() << note;
    }
    log::setLevel(loaded.config.logLevel);
    (*generation)->tokens->start();
    retire(std::exchange(m_current, std::move(*generation)));
    publishMetrics(m_current->metrics.get());
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

Expected<void, QString> ServiceRunner::startTelemetry()
{
    const config::TelemetryConfig &telemetry = m_startConfig.telemetry;
    if (telemetry.adminPort != 0) {
        std::function<QByteArray()> text;
        if (telemetry.prometheusMetrics)
            text = [this] { return m_current->metrics->prometheusText(); };
        m_admin = std::make_unique<AdminServer>(
            [this]() -> const health::ReadinessProbe & { return m_current->proxy->readiness(); },
            std::move(text));
        if (auto listening = m_admin->listen(m_startConfig.listener.address, telemetry.adminPort); !listening)
            return Unexpected(listening.error());
    }
    if (!m_tracer->enabled())
        return {};
    auto settings = telemetry::ExportSettings::fromConfig(m_startConfig);
    if (!settings)
        return Unexpected(settings.error());
    telemetry::ExportPipeline::Settings pipeline;
    pipeline.spanDelay = telemetry.spanExportDelay;
    pipeline.metricInterval = telemetry.metricExportInterval;
    m_export = std::make_unique<telemetry::ExportPipeline>(
        pipeline, *m_tracer,
        [this] {
            // The exporter's thread: the lock keeps the generation it reads from being retired.
            const std::lock_guard lock(m_exportedMetricsMutex);
            return m_exportedMetrics != nullptr ? m_exportedMetrics->collect()
                                                : std::vector<telemetry::MetricFamily>{};
        },
        [factory = m_exportTransport, exportSettings = *settings] { return factory(exportSettings); },
        m_exportStats, m_clock);
    m_export->start();
    return {};
}

void ServiceRunner::publishMetrics(const ServiceMetrics *metrics)
{
    const std::lock_guard lock(m_exportedMetricsMutex);
    m_exportedMetrics = metrics;
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
        // The same snapshot /metrics and the OTLP export read.
        const proxy::CountersSnapshot counters = m_current->proxy->counters().snapshot();
        control::CounterTotals totals;
        totals.requests = counters.requests;
        totals.forwarded = counters.forwarded;
        totals.localReplies = counters.localReplies;
        totals.activeConnections = counters.activeConnections;
        totals.errors = counters.errorTotal();
        for (std::size_t k = 0; k < proxy::kErrorKinds; ++k) {
            if (counters.errors[k] > 0) {
                totals.errorsByKind.append(
                    {QString::fromLatin1(proxy::errorKindName(static_cast<proxy::ProxyErrorKind>(k))),
                     counters.errors[k]});
            }
        }
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
        if (m_export)
            m_export->shutdown();
        m_current->tokens->stop();
        qCInfo(lcApp).noquote() << "service stopped";
        Q_EMIT finished(0);
    });
}

} // namespace aap::app
