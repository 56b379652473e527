#pragma once

#include "config/ServiceConfig.h"
#include "core/Expected.h"

#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

#include <chrono>

namespace aap::telemetry {

// Where and how the OTLP exporter sends, resolved from the configuration once at start.
struct ExportSettings {
    config::OtlpProtocol protocol = config::OtlpProtocol::Grpc;
    QUrl endpoint;   // grpc: scheme://host:port; http/protobuf: base URL, /v1/traces etc. appended
    QUrl tracesUrl;  // http/protobuf only
    QUrl metricsUrl; // http/protobuf only
    QList<QPair<QByteArray, QByteArray>> headers;  // names lower-cased (gRPC metadata rules)
    QList<QPair<QByteArray, QByteArray>> resource; // service.name first
    std::chrono::milliseconds timeout{10'000};
    QString caBundlePath; // https endpoints trust these besides the system store

    // OTEL_EXPORTER_OTLP_ENDPOINT, else OTEL_GRPC_ENDPOINT, else localhost:4317 / :4318.
    [[nodiscard]] static Expected<ExportSettings, QString> fromConfig(const config::ServiceConfig &config);
    [[nodiscard]] bool isTls() const { return endpoint.scheme() == QStringLiteral("https"); }
};

} // namespace aap::telemetry
