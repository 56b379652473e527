#include "otlp/OtlpGrpcTransport.h"

#include "otlp/OtlpMessages.h"

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <QFile>

#include <chrono>

namespace aap::otlp {

namespace collector_trace = opentelemetry::proto::collector::trace::v1;
namespace collector_metrics = opentelemetry::proto::collector::metrics::v1;

namespace {

constexpr const char *kSystemBundle = "/etc/ssl/certs/ca-certificates.crt";

std::string readPem(const QString &path)
{
    QFile file(path);
    if (path.isEmpty() || !file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return file.readAll().toStdString();
}

telemetry::ExportTransport::Result toResult(const grpc::Status &status)
{
    if (status.ok()) {
        return {true, {}};
    }
    return {false, QStringLiteral("grpc status %1: %2")
                       .arg(static_cast<int>(status.error_code()))
                       .arg(QString::fromStdString(status.error_message()))};
}

} // namespace

struct OtlpGrpcTransport::Channel {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<collector_trace::TraceService::Stub> traces;
    std::unique_ptr<collector_metrics::MetricsService::Stub> metrics;
};

OtlpGrpcTransport::OtlpGrpcTransport(telemetry::ExportSettings settings)
    : m_settings(std::move(settings)), m_channel(std::make_unique<Channel>())
{
    const std::string target =
        QStringLiteral("%1:%2").arg(m_settings.endpoint.host()).arg(m_settings.endpoint.port()).toStdString();
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    if (m_settings.isTls()) {
        grpc::SslCredentialsOptions options;
        // The configured CAs and the system's, as for the targets.
        options.pem_root_certs =
            readPem(m_settings.caBundlePath) + readPem(QString::fromLatin1(kSystemBundle));
        credentials = grpc::SslCredentials(options);
    } else {
        credentials = grpc::InsecureChannelCredentials();
    }
    m_channel->channel = grpc::CreateChannel(target, credentials);
    m_channel->traces = collector_trace::TraceService::NewStub(m_channel->channel);
    m_channel->metrics = collector_metrics::MetricsService::NewStub(m_channel->channel);
}

OtlpGrpcTransport::~OtlpGrpcTransport() = default;

namespace {

void prepare(grpc::ClientContext &context, const telemetry::ExportSettings &settings)
{
    context.set_deadline(std::chrono::system_clock::now() + settings.timeout);
    for (const auto &[key, value] : settings.headers) {
        context.AddMetadata(key.toStdString(), value.toStdString());
    }
}

} // namespace

telemetry::ExportTransport::Result
OtlpGrpcTransport::exportSpans(const std::vector<telemetry::SpanData> &spans)
{
    collector_trace::ExportTraceServiceRequest request;
    OtlpMessages::fillTraces(request, m_settings.resource, spans);
    collector_trace::ExportTraceServiceResponse response;
    grpc::ClientContext context;
    prepare(context, m_settings);
    return toResult(m_channel->traces->Export(&context, request, &response));
}

telemetry::ExportTransport::Result
OtlpGrpcTransport::exportMetrics(const std::vector<telemetry::MetricFamily> &metrics, std::int64_t startNanos,
                                 std::int64_t nowNanos)
{
    collector_metrics::ExportMetricsServiceRequest request;
    OtlpMessages::fillMetrics(request, m_settings.resource, metrics, startNanos, nowNanos);
    collector_metrics::ExportMetricsServiceResponse response;
    grpc::ClientContext context;
    prepare(context, m_settings);
    return toResult(m_channel->metrics->Export(&context, request, &response));
}

QString OtlpGrpcTransport::describe() const
{
    return QStringLiteral("grpc ") + m_settings.endpoint.toString(QUrl::RemoveUserInfo);
}

} // namespace aap::otlp
