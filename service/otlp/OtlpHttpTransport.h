#pragma once

#include "telemetry/ExportSettings.h"
#include "telemetry/ExportTransport.h"

#include <QNetworkAccessManager>
#include <QSslConfiguration>

namespace aap::otlp {

// OTLP over HTTP with protobuf bodies: POST application/x-protobuf to <endpoint>/v1/traces and
// /v1/metrics. Created and used on the exporter's thread; each call waits (in a local event loop
// of that thread) for the answer up to the export time-out.
class OtlpHttpTransport : public telemetry::ExportTransport {
public:
    explicit OtlpHttpTransport(telemetry::ExportSettings settings);

    Result exportSpans(const std::vector<telemetry::SpanData> &spans) override;
    Result exportMetrics(const std::vector<telemetry::MetricFamily> &metrics, std::int64_t startNanos,
                         std::int64_t nowNanos) override;
    [[nodiscard]] QString describe() const override;

private:
    Result post(const QUrl &url, const QByteArray &body);

    telemetry::ExportSettings m_settings;
    QNetworkAccessManager m_network;
    QSslConfiguration m_tls;
};

} // namespace aap::otlp
