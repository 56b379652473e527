#include "app/ServiceRunner.h"

#include "app/AdminServer.h"
#include "app/ServiceMetrics.h"

#include "auth/ProviderFactory.h"
#include "auth/TokenManager.h"
#include "auth/providers/TokenHttpClient.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "platform/SignalHandler.h"
#include "proxy/ProxyServer.h"
#include "telemetry/ExportPipeline.h"
#include "telemetry/Tracer.h"

namespace aap::app {

using namespace Qt::StringLiterals;

namespace {

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

ServiceRunner::ServiceRunner(config::ServiceConfig config, const QProcessEnvironment &environment,
                             TransportFactory exportTransport, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_environment(environment),
      m_exportTransport(std::move(exportTransport))
{}

ServiceRunner::~ServiceRunner()
{
    // The proxy reads the token stores and feeds the tracer; the exporter reads both.
    m_admin.reset();
    m_proxy.reset();
    m_export.reset();
    m_metrics.reset();
    m_tracer.reset();
    m_tokens.reset();
}

Expected<void, QString> ServiceRunner::start()
{
    m_http = std::make_unique<auth::TokenHttpClient>(
        m_clock, auth::TokenHttpClient::Options::fromConfig(m_config, m_environment));

    const bool exporting = !m_config.telemetry.sdkDisabled && m_exportTransport;
    telemetry::Tracer::Settings tracing;
    tracing.enabled = exporting;
    tracing.sampler = m_config.telemetry.tracesSampler;
    tracing.samplerRatio = m_config.telemetry.tracesSamplerRatio;
    tracing.listenerAddress = m_config.listener.address.toString().toUtf8();
    tracing.listenerPort = m_config.listener.port;
    m_tracer = std::make_unique<telemetry::Tracer>(tracing);
    auto recordAttempt = [tracer = m_tracer.get()](const auth::RefreshScheduler::Settings &settings,
                                                   const auth::RefreshScheduler::Attempt &attempt) {
        tracer->recordSpan(tokenSpan(settings, attempt));
    };

    const auth::ProviderFactory factory(m_environment, m_clock, *m_http);
    auto tokens = auth::TokenManager::create(
        m_clock, m_config,
        [&factory](const config::IdentityConfig &identity) { return factory.create(identity); }, {},
        exporting ? decltype(auth::RefreshScheduler::Settings::attemptFinished)(recordAttempt) : nullptr);
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
    options.telemetry.tracer = m_tracer.get();
    options.telemetry.countRequests = exporting || m_config.telemetry.prometheusMetrics;
    if (m_config.telemetry.prometheusMetrics)
        options.telemetry.metricsText = [this] { return m_metrics->prometheusText(); };
    m_proxy = std::make_unique<proxy::ProxyServer>(std::move(options), m_clock);
    m_metrics = std::make_unique<ServiceMetrics>(
        m_config, m_clock, m_proxy->counters(), [this] { return m_tokens->statuses(); }, m_tracer.get(),
        &m_exportStats);
    if (auto started = m_proxy->start(); !started)
        return Unexpected(started.error());
    if (m_config.telemetry.adminPort != 0) {
        std::function<QByteArray()> text;
        if (m_config.telemetry.prometheusMetrics)
            text = [this] { return m_metrics->prometheusText(); };
        m_admin = std::make_unique<AdminServer>(m_proxy->readiness(), std::move(text));
        if (auto listening = m_admin->listen(m_config.listener.address, m_config.telemetry.adminPort);
            !listening)
            return Unexpected(listening.error());
    }
    if (exporting) {
        auto settings = telemetry::ExportSettings::fromConfig(m_config);
        if (!settings)
            return Unexpected(settings.error());
        telemetry::ExportPipeline::Settings pipeline;
        pipeline.spanDelay = m_config.telemetry.spanExportDelay;
        pipeline.metricInterval = m_config.telemetry.metricExportInterval;
        m_export = std::make_unique<telemetry::ExportPipeline>(
            pipeline, *m_tracer, [this] { return m_metrics->collect(); },
            [factory = m_exportTransport, s = *settings] { return factory(s); }, m_exportStats, m_clock);
        m_export->start();
    }

    m_signals = std::make_unique<platform::SignalHandler>();
    connect(m_signals.get(), &platform::SignalHandler::terminationRequested, this, [this](int signalNumber) {
        qCInfo(lcApp).noquote() << "shutdown requested" << log::LogField::kv("signal", signalNumber);
        shutdown();
    });
    m_signals->install();

    m_tokens->start();
    qCInfo(lcApp).noquote() << "service started"
                            << log::LogField::kv("address", m_config.listener.address.toString())
                            << log::LogField::kv("port", m_proxy->port())
                            << log::LogField::kv("workers", m_proxy->workerCount())
                            << log::LogField::kv("routes", m_config.routes.size());
    return {};
}

void ServiceRunner::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_proxy->drain([this] {
        if (m_export)
            m_export->shutdown();
        m_tokens->stop();
        qCInfo(lcApp).noquote() << "service stopped";
        Q_EMIT finished(0);
    });
}

} // namespace aap::app
