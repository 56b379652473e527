#pragma once

#include "config/ServiceConfig.h"
#include "core/Clock.h"
#include "status/TokenStatus.h"
#include "telemetry/MetricFamily.h"

#include <QList>

#include <functional>
#include <vector>

namespace aap::proxy {
class ProxyCounters;
}
namespace aap::telemetry {
class Tracer;
struct ExportStats;
} // namespace aap::telemetry

namespace aap::app {

// Every metric of the service, gathered when read (a scrape or an OTLP export): the proxy's
// per-worker counters summed, the token caches' status, build info and the exporter's own counts.
// Thread-safe; nothing is counted here.
class ServiceMetrics {
public:
    using TokenStatuses = std::function<QList<status::TokenStatus>()>;

    ServiceMetrics(const config::ServiceConfig &config, const Clock &clock,
                   const proxy::ProxyCounters &counters, TokenStatuses tokens,
                   const telemetry::Tracer *tracer, const telemetry::ExportStats *exportStats);

    [[nodiscard]] std::vector<telemetry::MetricFamily> collect() const;
    [[nodiscard]] QByteArray prometheusText() const;

private:
    void addRequestMetrics(std::vector<telemetry::MetricFamily> &out) const;
    void addTokenMetrics(std::vector<telemetry::MetricFamily> &out) const;
    void addServiceMetrics(std::vector<telemetry::MetricFamily> &out) const;

    QList<QByteArray> m_routeNames; // route order, then "none"
    QList<QPair<QString, QString>> m_tenantByIdentity;
    const Clock &m_clock;
    const proxy::ProxyCounters &m_counters;
    TokenStatuses m_tokens;
    const telemetry::Tracer *m_tracer;
    const telemetry::ExportStats *m_exportStats;
};

} // namespace aap::app
