#pragma once

#include "core/Clock.h"
#include "proxy/ProxyCounters.h"
#include "proxy/ProxyOptions.h"
#include "telemetry/IdGenerator.h"
#include "telemetry/TraceContext.h"

#include <QByteArray>

#include <vector>

namespace aap::http {
class RequestHead;
}
namespace aap::telemetry {
class SpanProducer;
class Tracer;
} // namespace aap::telemetry

namespace aap::proxy {

// What a client connection keeps about its exchange in progress for metrics and traces.
struct ExchangeState {
    bool active = false;
    bool traced = false;  // this proxy takes part in the trace (tracing on)
    bool sampled = false; // and records its spans
    std::int64_t startNanos = 0;
    std::int64_t upstreamStartNanos = 0;
    telemetry::TraceId traceId{};
    telemetry::SpanId parentSpanId{};
    telemetry::SpanId serverSpanId{};
    telemetry::SpanId clientSpanId{};
    int upstreamStatus = 0;
    std::uint64_t bytesIn = 0;
    std::uint64_t bytesOut = 0;
};

// One worker's recording of finished exchanges: request counters, duration histogram and bytes per
// route (when metrics are on), and the server/client spans handed to the exporter's queue (when
// tracing is on and the sampler keeps the trace). Worker thread only; never allocates per request.
class ExchangeRecorder {
public:
    ExchangeRecorder(const ProxyOptions &options, WorkerCounters &counters, const Clock &clock);
    ~ExchangeRecorder();
    ExchangeRecorder(const ExchangeRecorder &) = delete;
    ExchangeRecorder &operator=(const ExchangeRecorder &) = delete;
    ExchangeRecorder(ExchangeRecorder &&) = delete;
    ExchangeRecorder &operator=(ExchangeRecorder &&) = delete;

    // A request head was parsed: starts the clock and continues or starts a trace.
    void begin(ExchangeState &state, const http::RequestHead &request);
    // The request goes to the target now (the client span starts; a retry keeps the first start).
    void upstreamStarting(ExchangeState &state);
    // The traceparent to send upstream; empty when tracing is off (the client's own field passes).
    [[nodiscard]] QByteArrayView traceparent(const ExchangeState &state);
    // The exchange ended: `status` is what the client got (0: cut), `errorType` a short code.
    void finish(ExchangeState &state, const http::RequestHead &request, qsizetype routeIndex, int status,
                QByteArrayView peerAddress, QByteArrayView errorType);

private:
    struct RouteInfo {
        QByteArray name;
        QByteArray host;
        quint16 port = 0;
    };

    [[nodiscard]] std::int64_t nowNanos() const;

    WorkerCounters &m_counters;
    const Clock &m_clock;
    bool m_countRequests;
    telemetry::Tracer *m_tracer;
    telemetry::SpanProducer *m_producer = nullptr;
    telemetry::IdGenerator m_ids;
    std::vector<RouteInfo> m_routes;
    telemetry::TraceContext::TraceparentText m_traceparent{};
};

} // namespace aap::proxy
