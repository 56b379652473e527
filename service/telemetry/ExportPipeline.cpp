#include "telemetry/ExportPipeline.h"

#include "eventloop/SanitizerHandOver.h"
#include "eventloop/WorkerEventDispatcher.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "telemetry/Tracer.h"

#include <QTimer>

namespace aap::telemetry {

using log::LogField;

ExportPipeline::ExportPipeline(Settings settings, Tracer &tracer, MetricsSource metrics,
                               TransportFactory makeTransport, ExportStats &stats, const Clock &clock)
    : m_settings(settings), m_tracer(tracer), m_metrics(std::move(metrics)),
      m_makeTransport(std::move(makeTransport)), m_stats(stats), m_clock(clock),
      m_context(std::make_unique<QObject>())
{
    m_thread.setObjectName(QStringLiteral("otlp-exporter"));
    if (auto dispatcher = eventloop::createWorkerEventDispatcher()) {
        m_thread.setEventDispatcher(dispatcher.release()); // the thread owns it
    }
    m_context->moveToThread(&m_thread);
}

ExportPipeline::~ExportPipeline()
{
    shutdown();
}

std::int64_t ExportPipeline::nowNanos() const
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(m_clock.now().time_since_epoch()).count();
}

void ExportPipeline::start()
{
    m_startNanos = nowNanos();
    m_thread.start();
    QMetaObject::invokeMethod(
        m_context.get(),
        [this] {
            m_transport = m_makeTransport();
            qCInfo(lcTelemetry).noquote()
                << "OTLP export" << LogField::kv("to", m_transport->describe())
                << LogField::kv("span_delay_ms", m_settings.spanDelay.count())
                << LogField::kv("metric_interval_ms", m_settings.metricInterval.count());
            // Children of the context: created, fired and destroyed on the exporter's thread.
            auto *spans = new QTimer(m_context.get());
            QObject::connect(spans, &QTimer::timeout, m_context.get(), [this] { exportSpans(false); });
            spans->start(m_settings.spanDelay);
            auto *metrics = new QTimer(m_context.get());
            QObject::connect(metrics, &QTimer::timeout, m_context.get(), [this] { exportMetrics(); });
            metrics->start(m_settings.metricInterval);
        },
        Qt::QueuedConnection);
}

void ExportPipeline::shutdown()
{
    if (m_stopped || !m_thread.isRunning()) {
        m_stopped = true;
        return;
    }
    m_stopped = true;
    QMetaObject::invokeMethod(
        m_context.get(),
        [this] {
            qDeleteAll(m_context->findChildren<QTimer *>());
            if (m_transport) {
                exportSpans(true);
                exportMetrics();
            }
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    eventloop::handOverAcquire(&m_thread);
    // Destroyed only once its thread has finished: the thread's last posted events may still refer
    // to the transport's objects (an HTTP transport's network replies), and a finished thread's
    // objects may be deleted from any thread.
    m_transport.reset();
}

void ExportPipeline::exportSpans(bool final)
{
    // A periodic run sends what is queued now; while the collector is failing one batch per run is
    // enough to notice its recovery, the queues bound the rest.
    for (;;) {
        std::vector<SpanData> batch = m_tracer.drain(m_settings.batchSize);
        if (batch.empty()) {
            return;
        }
        const auto result = m_transport->exportSpans(batch);
        noteResult(Signal::Traces, result);
        if (result.ok) {
            m_stats.spansExported.fetch_add(batch.size(), std::memory_order_relaxed);
        } else {
            m_stats.spansLost.fetch_add(batch.size(), std::memory_order_relaxed);
            if (!final) {
                return;
            }
        }
        if (batch.size() < m_settings.batchSize || (final && !result.ok)) {
            return;
        }
    }
}

void ExportPipeline::exportMetrics()
{
    const auto result = m_transport->exportMetrics(m_metrics(), m_startNanos, nowNanos());
    noteResult(Signal::Metrics, result);
    if (result.ok) {
        m_stats.metricExports.fetch_add(1, std::memory_order_relaxed);
    }
}

void ExportPipeline::noteResult(Signal signal, const ExportTransport::Result &result)
{
    if (!result.ok) {
        (signal == Signal::Traces ? m_stats.traceExportFailures : m_stats.metricExportFailures)
            .fetch_add(1, std::memory_order_relaxed);
        if (!m_failing) {
            m_failing = true;
            qCWarning(lcTelemetry).noquote()
                << "OTLP export failed; further failures are only counted "
                   "(aad_auth_proxy_telemetry_export_failures_total)"
                << LogField::kv("to", m_transport->describe()) << LogField::kv("error", result.error);
        }
        return;
    }
    if (m_failing) {
        m_failing = false;
        qCInfo(lcTelemetry).noquote()
            << "OTLP export works again" << LogField::kv("to", m_transport->describe());
    }
}

} // namespace aap::telemetry
