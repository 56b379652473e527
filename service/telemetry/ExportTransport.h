#pragma once

#include "telemetry/MetricFamily.h"
#include "telemetry/SpanData.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace aap::telemetry {

// Sends one batch to a collector and says whether it was taken. Called on the exporter's thread
// only, one call at a time; a call may block up to the export time-out.
class ExportTransport {
public:
    struct Result {
        bool ok = false;
        QString error; // for the log; never carries a header value
    };

    ExportTransport() = default;
    ExportTransport(const ExportTransport &) = delete;
    ExportTransport &operator=(const ExportTransport &) = delete;
    ExportTransport(ExportTransport &&) = delete;
    ExportTransport &operator=(ExportTransport &&) = delete;
    virtual ~ExportTransport() = default;

    virtual Result exportSpans(const std::vector<SpanData> &spans) = 0;
    // Cumulative points since startNanos, observed at nowNanos.
    virtual Result exportMetrics(const std::vector<MetricFamily> &metrics, std::int64_t startNanos,
                                 std::int64_t nowNanos) = 0;
    // "grpc http://localhost:4317" for the log.
    [[nodiscard]] virtual QString describe() const = 0;
};

} // namespace aap::telemetry
