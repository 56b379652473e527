#include "proxy/ExchangeRecorder.h"

#include "http/RequestHead.h"
#include "telemetry/Tracer.h"

namespace aap::proxy {

using telemetry::TraceContext;

ExchangeRecorder::ExchangeRecorder(const ProxyOptions &options, WorkerCounters &counters, const Clock &clock)
    : m_counters(counters), m_clock(clock), m_countRequests(options.telemetry.countRequests),
      m_tracer(options.telemetry.tracer != nullptr && options.telemetry.tracer->enabled()
                   ? options.telemetry.tracer
                   : nullptr)
{
    if (m_tracer != nullptr) {
        m_producer = &m_tracer->addProducer();
    }
    for (const auto &route : options.routes) {
        m_routes.push_back(
            {route.config.name.toUtf8(), route.config.target.host.toUtf8(), route.config.target.port});
    }
}

ExchangeRecorder::~ExchangeRecorder()
{
    if (m_producer != nullptr) {
        m_producer->retire();
    }
}

std::int64_t ExchangeRecorder::nowNanos() const
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(m_clock.now().time_since_epoch()).count();
}

void ExchangeRecorder::begin(ExchangeState &state, const http::RequestHead &request)
{
    state.active = m_countRequests || m_tracer != nullptr;
    if (!state.active) {
        return;
    }
    state.startNanos = nowNanos();
    state.upstreamStartNanos = 0;
    state.upstreamStatus = 0;
    state.bytesIn = static_cast<std::uint64_t>(request.bytes().size());
    state.bytesOut = 0;
    state.traced = m_tracer != nullptr;
    if (!state.traced) {
        return;
    }
    const auto parent = TraceContext::parse(request.traceparent());
    if (parent) {
        state.traceId = parent->traceId;
        state.parentSpanId = parent->spanId;
    } else {
        m_ids.fill(state.traceId);
        state.parentSpanId = {};
    }
    m_ids.fill(state.serverSpanId);
    m_ids.fill(state.clientSpanId);
    state.sampled = m_tracer->sampler().shouldSample(parent, state.traceId);
}

void ExchangeRecorder::upstreamStarting(ExchangeState &state)
{
    if (state.active && state.upstreamStartNanos == 0) {
        state.upstreamStartNanos = nowNanos();
    }
}

QByteArrayView ExchangeRecorder::traceparent(const ExchangeState &state)
{
    if (!state.active || !state.traced) {
        return {};
    }
    // The target's parent is the client span, recorded or not, so its own spans nest under it.
    TraceContext context{state.traceId, state.clientSpanId, state.sampled};
    context.writeTraceparent(m_traceparent);
    return {m_traceparent.data(), qsizetype(m_traceparent.size())};
}

void ExchangeRecorder::finish(ExchangeState &state, const http::RequestHead &request, qsizetype routeIndex,
                              int status, QByteArrayView peerAddress, QByteArrayView errorType)
{
    if (!state.active) {
        return;
    }
    state.active = false;
    const std::int64_t end = nowNanos();
    if (m_countRequests) {
        m_counters.recordExchange(routeIndex, methodClassOf(request.method()), status,
                                  std::chrono::microseconds((end - state.startNanos) / 1000), state.bytesIn,
                                  state.bytesOut);
    }
    if (!state.sampled || m_producer == nullptr) {
        return;
    }
    telemetry::ExchangeRecord *record = m_producer->claim();
    if (record == nullptr) {
        return;
    }
    record->traceId = state.traceId;
    record->serverSpanId = state.serverSpanId;
    record->clientSpanId = state.clientSpanId;
    record->parentSpanId = state.parentSpanId;
    record->startNanos = state.startNanos;
    record->upstreamStartNanos = state.upstreamStartNanos;
    record->endNanos = end;
    record->statusCode = status;
    record->upstreamStatusCode = state.upstreamStatus;
    record->method.assign(request.method());
    QByteArrayView path = request.pathAndQuery();
    if (const auto query = path.indexOf('?'); query >= 0) {
        path = path.first(query);
    }
    record->path.assign(path);
    record->peerAddress.assign(peerAddress);
    record->userAgent.assign(request.value("user-agent"));
    // Cut between list-members, so the exported span's trace_state stays a valid tracestate; the
    // target gets the header as it came.
    record->traceState.assign(TraceContext::truncatedTraceState(request.value("tracestate"),
                                                                telemetry::ExchangeRecord::kTraceStateBytes));
    // 4xx are the client's business, not an error of this exchange (semantic conventions).
    record->errorType.assign(status == 0 || status >= 500 ? errorType : QByteArrayView());
    if (routeIndex >= 0) {
        const RouteInfo &route = m_routes[static_cast<std::size_t>(routeIndex)];
        record->route.assign(route.name);
        record->serverAddress.assign(route.host);
        record->serverPort = route.port;
    } else {
        record->route.assign({});
        record->serverAddress.assign({});
        record->serverPort = 0;
    }
    m_producer->publish();
}

} // namespace aap::proxy
