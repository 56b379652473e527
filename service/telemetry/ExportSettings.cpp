#include "telemetry/ExportSettings.h"

#include "config/ConfigValues.h"

namespace aap::telemetry {

using namespace Qt::StringLiterals;

Expected<ExportSettings, QString> ExportSettings::fromConfig(const config::ServiceConfig &config)
{
    const config::TelemetryConfig &t = config.telemetry;
    ExportSettings s;
    s.protocol = t.protocol;
    s.timeout = t.exportTimeout;
    s.caBundlePath = config.upstream.caBundlePath;
    const bool http = t.protocol == config::OtlpProtocol::HttpProtobuf;
    s.endpoint = !t.otlpEndpoint.isEmpty() ? t.otlpEndpoint
                 : !t.grpcEndpoint.isEmpty()
                     ? t.grpcEndpoint
                     : QUrl(http ? u"http://localhost:4318"_s : u"http://localhost:4317"_s);
    if (s.endpoint.port() < 0) {
        s.endpoint.setPort(http ? 4318 : 4317);
    }
    if (http) {
        QString base = s.endpoint.path();
        while (base.endsWith(u'/')) {
            base.chop(1);
        }
        s.tracesUrl = s.endpoint;
        s.tracesUrl.setPath(base + u"/v1/traces"_s);
        s.metricsUrl = s.endpoint;
        s.metricsUrl.setPath(base + u"/v1/metrics"_s);
    }
    auto headers = config::values::parseKeyValueList(t.otlpHeaders.reveal());
    if (!headers) {
        return Unexpected(u"telemetry.otlp_headers: "_s + headers.error());
    }
    for (const auto &[key, value] : std::as_const(*headers)) {
        s.headers.append({key.toLower().toUtf8(), value.toUtf8()});
    }
    auto resource = config::values::parseKeyValueList(t.resourceAttributes);
    if (!resource) {
        return Unexpected(u"telemetry.resource_attributes: "_s + resource.error());
    }
    // OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES (the SDK rule).
    s.resource.append({QByteArray("service.name"), t.serviceName.toUtf8()});
    s.resource.append({QByteArray("service.version"), QByteArray(AAP_VERSION)});
    for (const auto &[key, value] : std::as_const(*resource)) {
        if (key != u"service.name"_s && key != u"service.version"_s) {
            s.resource.append({key.toUtf8(), value.toUtf8()});
        }
    }
    return s;
}

} // namespace aap::telemetry
