#include "ui/SettingLabels.h"

#include <QCoreApplication>
#include <QHash>

namespace aap::configurator {

using namespace Qt::StringLiterals;

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("aap::configurator::SettingLabels", text);
}

const QHash<QString, QString> &labels()
{
    static const QHash<QString, QString> table{
        {u"listener.address"_s, tr("Listen address")},
        {u"listener.port"_s, tr("Port")},
        {u"listener.tls_certificate"_s, tr("TLS certificate")},
        {u"listener.tls_key"_s, tr("TLS private key")},
        {u"listener.api_keys"_s, tr("API keys")},
        {u"listener.allowed_cidrs"_s, tr("Allowed client addresses")},
        {u"listener.client_ca"_s, tr("Client certificate CA")},
        {u"listener.tls_key_password"_s, tr("TLS key password")},
        {u"listener.tls_key_password_file"_s, tr("TLS key password file")},
        {u"listener.api_keys_file"_s, tr("API keys file")},
        {u"listener.api_key_header"_s, tr("API key header")},
        {u"route.target_host"_s, tr("Target URL")},
        {u"route.audience"_s, tr("Audience (token resource)")},
        {u"route.path_prefix"_s, tr("Path prefix")},
        {u"route.identity"_s, tr("Identity")},
        {u"route.override_request_headers"_s, tr("Override request headers")},
        {u"route.remove_request_headers"_s, tr("Remove request headers")},
        {u"route.strip_prefix"_s, tr("Strip the path prefix")},
        {u"route.listen_port"_s, tr("Own listening port")},
        {u"route.proxy"_s, tr("Outbound proxy for this route")},
        {u"route.client_certificate"_s, tr("Client certificate to the target")},
        {u"route.client_key"_s, tr("Client certificate key")},
        {u"route.client_certificate_password"_s, tr("Client certificate password")},
        {u"route.client_certificate_password_file"_s, tr("Client certificate password file")},
        {u"identity.type"_s, tr("Identity type")},
        {u"identity.client_id"_s, tr("Client ID")},
        {u"identity.object_id"_s, tr("Object (principal) ID")},
        {u"identity.resource_id"_s, tr("Resource ID")},
        {u"identity.tenant_id"_s, tr("Tenant ID")},
        {u"identity.certificate_path"_s, tr("Certificate file")},
        {u"identity.certificate_key_path"_s, tr("Private key file")},
        {u"identity.certificate_password"_s, tr("Certificate password")},
        {u"identity.certificate_password_file"_s, tr("Certificate password file")},
        {u"identity.send_certificate_chain"_s, tr("Send certificate chain (x5c)")},
        {u"identity.assertion_algorithm"_s, tr("Assertion signature")},
        {u"identity.client_secret"_s, tr("Client secret")},
        {u"identity.client_secret_file"_s, tr("Client secret file")},
        {u"identity.federated_token_file"_s, tr("Federated token file")},
        {u"identity.cloud"_s, tr("Azure cloud")},
        {u"identity.authority_host"_s, tr("Authority host")},
        {u"upstream.connect_timeout_ms"_s, tr("Connect timeout")},
        {u"upstream.tls_handshake_timeout_ms"_s, tr("TLS handshake timeout")},
        {u"upstream.response_headers_timeout_ms"_s, tr("Response start timeout")},
        {u"upstream.idle_body_timeout_ms"_s, tr("Response body pause limit")},
        {u"upstream.ca_bundle"_s, tr("Extra trusted CAs")},
        {u"upstream.max_connections_per_worker"_s, tr("Connections per worker")},
        {u"upstream.max_idle_connections_per_worker"_s, tr("Idle connections per worker")},
        {u"upstream.idle_connection_expiry_ms"_s, tr("Idle connection expiry")},
        {u"limits.max_header_bytes"_s, tr("Largest request head")},
        {u"limits.max_request_target_bytes"_s, tr("Longest request target")},
        {u"limits.header_timeout_ms"_s, tr("Request head timeout")},
        {u"limits.client_idle_timeout_ms"_s, tr("Idle client timeout")},
        {u"limits.drain_timeout_ms"_s, tr("Drain time on stop")},
        {u"limits.token_wait_timeout_ms"_s, tr("Wait for the first token")},
        {u"limits.request_body_timeout_ms"_s, tr("Request body time limit")},
        {u"limits.request_body_min_rate"_s, tr("Slowest request body")},
        {u"token.refresh_percent"_s, tr("Refresh when lifetime left")},
        {u"token.request_timeout_ms"_s, tr("Token request timeout")},
        {u"outbound_proxy.https_proxy"_s, tr("HTTPS proxy")},
        {u"outbound_proxy.no_proxy"_s, tr("Bypass the proxy for")},
        {u"outbound_proxy.http_proxy"_s, tr("HTTP proxy")},
        {u"telemetry.service_name"_s, tr("Service name")},
        {u"telemetry.grpc_endpoint"_s, tr("OTLP gRPC endpoint")},
        {u"telemetry.otlp_endpoint"_s, tr("OTLP endpoint")},
        {u"telemetry.otlp_protocol"_s, tr("OTLP protocol")},
        {u"telemetry.otlp_headers"_s, tr("OTLP headers")},
        {u"telemetry.resource_attributes"_s, tr("Resource attributes")},
        {u"telemetry.traces_sampler"_s, tr("Traces sampler")},
        {u"telemetry.span_export_delay_ms"_s, tr("Span export delay")},
        {u"telemetry.metric_export_interval_ms"_s, tr("Metric export interval")},
        {u"telemetry.sdk_disabled"_s, tr("Turn OpenTelemetry export off")},
        {u"telemetry.traces_sampler_arg"_s, tr("Sampling ratio")},
        {u"telemetry.export_timeout_ms"_s, tr("Export timeout")},
        {u"telemetry.prometheus_metrics"_s, tr("Prometheus /metrics")},
        {u"telemetry.admin_port"_s, tr("Admin port (0 = off)")},
        {u"log.level"_s, tr("Log level")},
        {u"control.socket"_s, tr("Control socket")},
        {u"control.enabled"_s, tr("Offer the control socket")},
        {u"service.worker_threads"_s, tr("Worker threads")},
    };
    return table;
}

const QHash<QString, QString> &choiceLabels()
{
    static const QHash<QString, QString> table{
        {u"identity.type/default"_s, tr("Automatic (try environment, workload, managed identity)")},
        {u"identity.type/systemAssigned"_s, tr("Managed identity, system-assigned")},
        {u"identity.type/userAssigned"_s, tr("Managed identity, user-assigned")},
        {u"identity.type/aadApplication"_s, tr("App registration (certificate or secret)")},
        {u"identity.type/workloadIdentity"_s, tr("Workload identity (federated token)")},
        {u"identity.cloud/public"_s, tr("Azure public cloud")},
        {u"identity.cloud/usGovernment"_s, tr("Azure US Government")},
        {u"identity.cloud/china"_s, tr("Azure China (21Vianet)")},
    };
    return table;
}

} // namespace

QString SettingLabels::label(const config::SettingDescriptor &setting)
{
    QString known = labels().value(setting.section + QLatin1Char('.') + setting.key);
    if (!known.isEmpty())
        return known;
    QString words = setting.key;
    if (words.endsWith(u"_ms"_s))
        words.chop(3);
    words.replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!words.isEmpty())
        words[0] = words.at(0).toUpper();
    return words;
}

QString SettingLabels::choiceLabel(const config::SettingDescriptor &setting, const QString &choice)
{
    return choiceLabels().value(setting.section + QLatin1Char('.') + setting.key + QLatin1Char('/') + choice,
                                choice);
}

} // namespace aap::configurator
