#pragma once

#include "core/Clock.h"
#include "telemetry/ExportStats.h"
#include "telemetry/ExportTransport.h"

#include <QObject>
#include <QThread>

#include <chrono>
#include <functional>
#include <memory>

namespace aap::telemetry {

class Tracer;

// Moves spans and metrics from the service to a collector on a thread of its own: every
// spanDelay it drains the workers' span queues in batches, every metricInterval it exports a
// metrics snapshot, and at shutdown it does both once more. A failing collector is logged once
// (and its recovery once); every failure after that is only counted, and the spans of a batch it
// did not take are dropped and counted, so the queues never grow beyond their bounds.
class ExportPipeline {
public:
    using TransportFactory = std::function<std::unique_ptr<ExportTransport>()>;
    using MetricsSource = std::function<std::vector<MetricFamily>()>;

    struct Settings {
        std::chrono::milliseconds spanDelay{5'000};
        std::chrono::milliseconds metricInterval{60'000};
        std::size_t batchSize = 512;
    };

    // The transport is made (and destroyed) on the exporter's thread.
    ExportPipeline(Settings settings, Tracer &tracer, MetricsSource metrics, TransportFactory makeTransport,
                   ExportStats &stats, const Clock &clock);
    ExportPipeline(const ExportPipeline &) = delete;
    ExportPipeline &operator=(const ExportPipeline &) = delete;
    ExportPipeline(ExportPipeline &&) = delete;
    ExportPipeline &operator=(ExportPipeline &&) = delete;
    ~ExportPipeline();

    void start();
    // Flushes once more (bounded by the transport's time-out) and stops the thread.
    void shutdown();

private:
    enum class Signal { Traces, Metrics };

    void exportSpans(bool final);
    void exportMetrics();
    void noteResult(Signal signal, const ExportTransport::Result &result);
    [[nodiscard]] std::int64_t nowNanos() const;

    Settings m_settings;
    Tracer &m_tracer;
    MetricsSource m_metrics;
    TransportFactory m_makeTransport;
    ExportStats &m_stats;
    const Clock &m_clock; // timestamps; the periods are QTimers of the exporter's thread
    std::int64_t m_startNanos = 0;
    QThread m_thread;
    std::unique_ptr<QObject> m_context; // lives on m_thread: timers and queued calls run there
    std::unique_ptr<ExportTransport> m_transport;
    bool m_failing = false;
    bool m_stopped = false;
};

} // namespace aap::telemetry
