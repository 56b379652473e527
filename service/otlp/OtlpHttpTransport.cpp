#include "otlp/OtlpHttpTransport.h"

#include "otlp/OtlpMessages.h"
#include "tls/TrustStore.h"

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <QEventLoop>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace aap::otlp {

namespace {

QByteArray serialized(const google::protobuf::MessageLite &message)
{
    QByteArray bytes(static_cast<qsizetype>(message.ByteSizeLong()), Qt::Uninitialized);
    message.SerializeToArray(bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
}

} // namespace

OtlpHttpTransport::OtlpHttpTransport(telemetry::ExportSettings settings) : m_settings(std::move(settings))
{
    // A collector is not a proxy's business: OTLP goes direct, as the SDKs do by default.
    m_network.setProxy(QNetworkProxy::NoProxy);
    auto tls = tls::TrustStore::apply(QSslConfiguration::defaultConfiguration(), m_settings.caBundlePath,
                                      qEnvironmentVariable("SSL_CERT_FILE"));
    m_tls = tls ? *tls : QSslConfiguration::defaultConfiguration();
}

telemetry::ExportTransport::Result
OtlpHttpTransport::exportSpans(const std::vector<telemetry::SpanData> &spans)
{
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
    OtlpMessages::fillTraces(request, m_settings.resource, spans);
    return post(m_settings.tracesUrl, serialized(request));
}

telemetry::ExportTransport::Result
OtlpHttpTransport::exportMetrics(const std::vector<telemetry::MetricFamily> &metrics, std::int64_t startNanos,
                                 std::int64_t nowNanos)
{
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest request;
    OtlpMessages::fillMetrics(request, m_settings.resource, metrics, startNanos, nowNanos);
    return post(m_settings.metricsUrl, serialized(request));
}

telemetry::ExportTransport::Result OtlpHttpTransport::post(const QUrl &url, const QByteArray &body)
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-protobuf"));
    request.setTransferTimeout(static_cast<int>(m_settings.timeout.count()));
    if (url.scheme() == QStringLiteral("https")) {
        request.setSslConfiguration(m_tls);
    }
    for (const auto &[key, value] : m_settings.headers) {
        request.setRawHeader(key, value);
    }
    QNetworkReply *reply = m_network.post(request, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(m_settings.timeout, &loop, [reply] { reply->abort(); });
    if (!reply->isFinished()) {
        loop.exec();
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    Result result;
    result.ok = reply->error() == QNetworkReply::NoError && status >= 200 && status < 300;
    if (!result.ok) {
        result.error = status > 0 ? QStringLiteral("http status %1").arg(status) : reply->errorString();
    }
    reply->deleteLater();
    return result;
}

QString OtlpHttpTransport::describe() const
{
    return QStringLiteral("http/protobuf ") + m_settings.endpoint.toString(QUrl::RemoveUserInfo);
}

} // namespace aap::otlp
