#include "app/ServiceMetrics.h"

#include "proxy/ProxyCounters.h"
#include "telemetry/ExportStats.h"
#include "telemetry/PrometheusText.h"
#include "telemetry/Tracer.h"

#include <QDateTime>

namespace aap::app {

using telemetry::MetricFamily;
using Type = MetricFamily::Type;

namespace {

MetricFamily family(const char *name, Type type, const char *unit, const char *help)
{
    MetricFamily f;
    f.name = name;
    f.type = type;
    f.unit = unit;
    f.help = help;
    return f;
}

void point(MetricFamily &f, MetricFamily::Labels labels, double value)
{
    MetricFamily::Point p;
    p.labels = std::move(labels);
    p.value = value;
    f.points.push_back(std::move(p));
}

double asDouble(std::uint64_t value)
{
    return static_cast<double>(value);
}

} // namespace

ServiceMetrics::ServiceMetrics(const config::ServiceConfig &config, const Clock &clock,
                               const proxy::ProxyCounters &counters, TokenStatuses tokens,
                               const telemetry::Tracer *tracer, const telemetry::ExportStats *exportStats)
    : m_clock(clock), m_counters(counters), m_tokens(std::move(tokens)), m_tracer(tracer),
      m_exportStats(exportStats)
{
    for (const auto &route : config.routes) {
        m_routeNames.append(route.name.toUtf8());
    }
    m_routeNames.append("none");
    for (const auto &identity : config.identities) {
        m_tenantByIdentity.append({identity.name, identity.tenantId});
    }
}

std::vector<MetricFamily> ServiceMetrics::collect() const
{
    std::vector<MetricFamily> out;
    out.reserve(20);
    addRequestMetrics(out);
    addTokenMetrics(out);
    addServiceMetrics(out);
    return out;
}

QByteArray ServiceMetrics::prometheusText() const
{
    return telemetry::PrometheusText::render(collect());
}

void ServiceMetrics::addRequestMetrics(std::vector<MetricFamily> &out) const
{
    const proxy::CountersSnapshot s = m_counters.snapshot();
    auto requests = family("aad_auth_proxy_requests_total", Type::Counter, "1",
                           "Proxied requests by route, method and status class (local endpoints excluded).");
    auto duration = family("aad_auth_proxy_request_duration_milliseconds", Type::Histogram, "ms",
                           "Time from the parsed request head to the end of the response, by route.");
    duration.bounds.assign(proxy::kDurationBucketsMs.begin(), proxy::kDurationBucketsMs.end());
    auto bytesIn = family("aad_auth_proxy_request_bytes_total", Type::Counter, "By",
                          "Request bytes (head and body) read from clients, by route.");
    auto bytesOut = family("aad_auth_proxy_response_bytes_total", Type::Counter, "By",
                           "Response bytes (head and body) relayed to clients, by route.");
    for (qsizetype r = 0; r < m_routeNames.size(); ++r) {
        const proxy::RouteCountersSnapshot &route = s.routes[static_cast<std::size_t>(r)];
        const QByteArray &name = m_routeNames[r];
        for (std::size_t m = 0; m < proxy::kMethodClasses; ++m) {
            for (std::size_t c = 0; c < proxy::kStatusClasses; ++c) {
                const auto count = route.requests[m * proxy::kStatusClasses + c];
                if (count == 0) {
                    continue;
                }
                point(requests,
                      {{"route", name},
                       {"method", proxy::methodClassName(static_cast<proxy::MethodClass>(m)).toByteArray()},
                       {"status_class",
                        proxy::statusClassName(static_cast<proxy::StatusClass>(c)).toByteArray()}},
                      asDouble(count));
            }
        }
        const auto total = route.requestTotal();
        if (total == 0 && r == m_routeNames.size() - 1) {
            continue; // no "none" series until a request matched no route
        }
        MetricFamily::Point histogram;
        histogram.labels = {{"route", name}};
        histogram.buckets.assign(route.durationBuckets.begin(), route.durationBuckets.end());
        histogram.count = total;
        histogram.sum = route.durationSumMs;
        duration.points.push_back(std::move(histogram));
        point(bytesIn, {{"route", name}}, asDouble(route.bytesIn));
        point(bytesOut, {{"route", name}}, asDouble(route.bytesOut));
    }
    out.push_back(std::move(requests));
    out.push_back(std::move(duration));
    out.push_back(std::move(bytesIn));
    out.push_back(std::move(bytesOut));

    auto errors = family("aad_auth_proxy_request_errors_total", Type::Counter, "1",
                         "Requests answered by the proxy itself or cut, by reason.");
    for (std::size_t k = 0; k < proxy::kErrorKinds; ++k) {
        point(errors, {{"kind", proxy::errorKindName(static_cast<proxy::ProxyErrorKind>(k))}},
              asDouble(s.errors[k]));
    }
    out.push_back(std::move(errors));

    auto upstreamErrors =
        family("aad_auth_proxy_upstream_errors_total", Type::Counter, "1",
               "Upstream failures by kind; pool_exhausted counts requests that queued for a connection.");
    using K = proxy::ProxyErrorKind;
    point(upstreamErrors, {{"kind", "connect"}}, asDouble(s.errorCount(K::UpstreamConnect)));
    point(upstreamErrors, {{"kind", "tls"}}, asDouble(s.errorCount(K::UpstreamTls)));
    point(upstreamErrors, {{"kind", "timeout"}}, asDouble(s.errorCount(K::UpstreamTimeout)));
    point(upstreamErrors, {{"kind", "reset"}},
          asDouble(s.errorCount(K::UpstreamReset) + s.errorCount(K::UpstreamBodyAborted)));
    point(upstreamErrors, {{"kind", "pool_exhausted"}}, asDouble(s.upstreamPoolExhausted));
    out.push_back(std::move(upstreamErrors));

    auto clients = family("aad_auth_proxy_client_connections", Type::Gauge, "1", "Open client connections.");
    point(clients, {}, static_cast<double>(s.activeConnections));
    out.push_back(std::move(clients));
    auto upstreams =
        family("aad_auth_proxy_upstream_connections", Type::Gauge, "1", "Open connections to the targets.");
    point(upstreams, {}, static_cast<double>(s.upstreamConnections));
    out.push_back(std::move(upstreams));
    auto opened =
        family("aad_auth_proxy_upstream_connections_opened_total", Type::Counter, "1",
               "Connections opened to the targets; rising with the requests means none are reused.");
    point(opened, {}, asDouble(s.upstreamConnectionsOpened));
    out.push_back(std::move(opened));

    auto exhaustions = family("aad_auth_proxy_descriptor_exhaustions_total", Type::Counter, "1",
                              "Times the descriptor table was full when a client connected.");
    point(exhaustions, {}, asDouble(s.descriptorExhaustions));
    out.push_back(std::move(exhaustions));
    auto shed = family("aad_auth_proxy_idle_connections_shed_total", Type::Counter, "1",
                       "Idle client connections closed to free descriptors.");
    point(shed, {}, asDouble(s.idleConnectionsShed));
    out.push_back(std::move(shed));
    auto rejected = family("aad_auth_proxy_connections_rejected_total", Type::Counter, "1",
                           "Waiting clients closed unanswered because no descriptor could be freed.");
    point(rejected, {}, asDouble(s.connectionsRejected));
    out.push_back(std::move(rejected));
}

void ServiceMetrics::addTokenMetrics(std::vector<MetricFamily> &out) const
{
    const QList<status::TokenStatus> statuses = m_tokens ? m_tokens() : QList<status::TokenStatus>{};
    auto refreshes = family("aad_auth_proxy_token_refresh_total", Type::Counter, "1",
                            "Token acquisitions, as the original counts them.");
    auto acquisitions = family("aad_auth_proxy_token_acquisitions_total", Type::Counter, "1",
                               "Token acquisitions by identity kind and result.");
    auto expiry = family("aad_auth_proxy_token_expiry_seconds", Type::Gauge, "s",
                         "Seconds until the route's current token expires (absent without a token).");
    auto failures = family("aad_auth_proxy_token_refresh_failures_in_a_row", Type::Gauge, "1",
                           "Failed token acquisitions since the last success, by route.");
    const auto now = QDateTime::fromMSecsSinceEpoch(
        std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.now().time_since_epoch()).count(),
        Qt::UTC);
    for (const status::TokenStatus &token : statuses) {
        QString tenant;
        for (const auto &[identity, tenantId] : m_tenantByIdentity) {
            if (identity == token.identityName) {
                tenant = tenantId;
            }
        }
        const QByteArray kind = token.identityKind.toUtf8();
        for (const char *success : {"true", "false"}) {
            const bool ok = QByteArrayView(success) == QByteArrayView("true");
            point(refreshes,
                  {{"audience", token.audience.toUtf8()},
                   {"client_id", token.clientId.toUtf8()},
                   {"tenant_id", tenant.toUtf8()},
                   {"identity_type", kind},
                   {"is_success", success}},
                  static_cast<double>(ok ? token.totalSuccesses : token.totalFailures));
            point(acquisitions,
                  {{"identity_type", kind},
                   {"result", ok ? "success" : "failure"},
                   {"audience", token.audience.toUtf8()}},
                  static_cast<double>(ok ? token.totalSuccesses : token.totalFailures));
        }
        for (const QString &route : token.routes) {
            if (token.hasToken() && token.expiresOn.isValid()) {
                point(expiry, {{"route", route.toUtf8()}}, static_cast<double>(now.secsTo(token.expiresOn)));
            }
            point(failures, {{"route", route.toUtf8()}}, token.consecutiveFailures);
        }
    }
    out.push_back(std::move(refreshes));
    out.push_back(std::move(acquisitions));
    out.push_back(std::move(expiry));
    out.push_back(std::move(failures));
}

void ServiceMetrics::addServiceMetrics(std::vector<MetricFamily> &out) const
{
    auto build = family("aad_auth_proxy_build_info", Type::Gauge, "1", "Always 1; the labels say what runs.");
    point(build, {{"version", AAP_VERSION}, {"qt_version", qVersion()}}, 1);
    out.push_back(std::move(build));

    auto dropped = family("aad_auth_proxy_telemetry_spans_dropped_total", Type::Counter, "1",
                          "Spans not exported: queue full (collector slow or down) or batch refused.");
    point(dropped, {{"reason", "queue_full"}}, m_tracer != nullptr ? asDouble(m_tracer->dropped()) : 0.0);
    point(dropped, {{"reason", "export_failed"}},
          m_exportStats != nullptr ? asDouble(m_exportStats->spansLost.load()) : 0.0);
    out.push_back(std::move(dropped));
    auto exported = family("aad_auth_proxy_telemetry_spans_exported_total", Type::Counter, "1",
                           "Spans the collector accepted.");
    point(exported, {}, m_exportStats != nullptr ? asDouble(m_exportStats->spansExported.load()) : 0.0);
    out.push_back(std::move(exported));
    auto failures = family("aad_auth_proxy_telemetry_export_failures_total", Type::Counter, "1",
                           "OTLP export calls that failed, by signal.");
    point(failures, {{"signal", "traces"}},
          m_exportStats != nullptr ? asDouble(m_exportStats->traceExportFailures.load()) : 0.0);
    point(failures, {{"signal", "metrics"}},
          m_exportStats != nullptr ? asDouble(m_exportStats->metricExportFailures.load()) : 0.0);
    out.push_back(std::move(failures));
}

} // namespace aap::app
