#pragma once

#include "config/ServiceConfig.h"
#include "http/HttpTypes.h"
#include "proxy/ProxyRoute.h"

#include <QByteArray>
#include <QList>

#include <functional>

namespace aap::telemetry {
class Tracer;
}

namespace aap::proxy {

struct ProxyTelemetry {
    bool countRequests = true;               // per-route requests, durations and bytes
    telemetry::Tracer *tracer = nullptr;     // not owned; nullptr or disabled: no spans, headers untouched
    std::function<QByteArray()> metricsText; // empty: /metrics is forwarded like any other path
};

struct ProxyOptions {
    config::ListenerConfig listener;
    config::UpstreamConfig upstream;
    config::LimitsConfig limits;
    int workerThreads = 0; // 0 = QThread::idealThreadCount()
    QList<ProxyRoute> routes;
    config::OutboundProxyConfig outboundProxy;
    // Test hook, never set from configuration (see OutboundProxy::forRoute).
    bool loopbackBypassesProxy = true;
    // How often the listener certificate files are checked for a renewal.
    std::chrono::milliseconds certificateCheckInterval{10'000};
    ProxyTelemetry telemetry;
};

// The parsers' limits, from the configured ones.
inline http::Limits httpLimits(const config::LimitsConfig &limits)
{
    http::Limits result;
    result.maxHeadBytes = limits.maxHeaderBytes;
    result.maxTargetBytes = limits.maxRequestTargetBytes;
    return result;
}

// What a buffer for a head may hold: room above the head limit, so the parser (not the buffer)
// decides when a head is too large.
inline qint64 headBufferBytes(const config::LimitsConfig &limits)
{
    return limits.maxHeaderBytes + qint64{1024};
}

} // namespace aap::proxy
