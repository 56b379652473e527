#pragma once

#include "telemetry/ExportSettings.h"
#include "telemetry/ExportTransport.h"

#include <memory>

namespace aap::otlp {

// OTLP over gRPC: unary TraceService/Export and MetricsService/Export on one channel (plain text
// for http://, TLS for https:// with the configured CA bundle and the system's CAs). Calls block the
// exporter's thread up to the export time-out; nothing waits for a collector that is not there.
class OtlpGrpcTransport : public telemetry::ExportTransport {
public:
    explicit OtlpGrpcTransport(telemetry::ExportSettings settings);
    ~OtlpGrpcTransport() override;

    Result exportSpans(const std::vector<telemetry::SpanData> &spans) override;
    Result exportMetrics(const std::vector<telemetry::MetricFamily> &metrics, std::int64_t startNanos,
                         std::int64_t nowNanos) override;
    [[nodiscard]] QString describe() const override;

private:
    struct Channel; // gRPC types stay inside the .cpp
    telemetry::ExportSettings m_settings;
    std::unique_ptr<Channel> m_channel;
};

} // namespace aap::otlp
