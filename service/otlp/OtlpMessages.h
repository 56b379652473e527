#pragma once

#include "telemetry/MetricFamily.h"
#include "telemetry/SpanData.h"

#include <QByteArray>
#include <QList>
#include <QPair>

#include <vector>

namespace opentelemetry::proto::collector::trace::v1 {
class ExportTraceServiceRequest;
}
namespace opentelemetry::proto::collector::metrics::v1 {
class ExportMetricsServiceRequest;
}

namespace aap::otlp {

using Resource = QList<QPair<QByteArray, QByteArray>>;

// Builds the OTLP request messages from the service's spans and metrics.
class OtlpMessages {
public:
    static void fillTraces(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest &request,
                           const Resource &resource, const std::vector<telemetry::SpanData> &spans);
    static void
    fillMetrics(opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest &request,
                const Resource &resource, const std::vector<telemetry::MetricFamily> &families,
                std::int64_t startNanos, std::int64_t nowNanos);
};

} // namespace aap::otlp
