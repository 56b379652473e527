#include "telemetry/Tracer.h"

namespace aap::telemetry {

namespace {

constexpr std::size_t kInternalCapacity = 256;

void add(SpanData &span, const char *key, QByteArrayView value)
{
    if (!value.isEmpty()) {
        span.attributes.append({QByteArray(key), QByteArray(value.data(), value.size())});
    }
}

void add(SpanData &span, const char *key, std::int64_t value)
{
    span.attributes.append({QByteArray(key), value});
}

// The response status and, for a failure (an error type, or a status from `errorFrom` on), the
// semantic conventions' error.type and an error status.
void setOutcome(SpanData &span, int statusCode, int errorFrom, QByteArrayView errorType)
{
    if (statusCode > 0) {
        add(span, "http.response.status_code", std::int64_t{statusCode});
    }
    QByteArray error = errorType.toByteArray();
    if (error.isEmpty() && statusCode >= errorFrom) {
        error = QByteArray::number(statusCode);
    }
    add(span, "error.type", error);
    if (!error.isEmpty()) {
        span.status = SpanStatus::Error;
        span.statusMessage = error;
    }
}

// What the server and the client span of one exchange share; the first attributes of both are the
// method and the path.
SpanData exchangeSpan(const ExchangeRecord &r, SpanKind kind)
{
    SpanData span;
    span.traceId = r.traceId;
    span.traceState = r.traceState.view().toByteArray();
    span.name = r.method.view().toByteArray();
    span.kind = kind;
    span.endNanos = r.endNanos;
    add(span, "http.request.method", r.method.view());
    add(span, "url.path", r.path.view());
    return span;
}

} // namespace

Tracer::Tracer(Settings settings)
    : m_settings(std::move(settings)), m_sampler(m_settings.sampler, m_settings.samplerRatio)
{}

SpanProducer &Tracer::addProducer()
{
    const std::lock_guard lock(m_mutex);
    m_producers.push_back(std::make_unique<SpanProducer>(m_settings.queueCapacity));
    return *m_producers.back();
}

void Tracer::recordSpan(SpanData span)
{
    const std::lock_guard lock(m_mutex);
    if (m_internal.size() >= kInternalCapacity) {
        ++m_internalDropped;
        return;
    }
    m_internalIds.fill(span.traceId);
    m_internalIds.fill(span.spanId);
    if (!m_sampler.shouldSample(std::nullopt, span.traceId)) {
        return;
    }
    m_internal.push_back(std::move(span));
}

std::vector<SpanData> Tracer::drain(std::size_t max)
{
    std::vector<SpanData> out;
    const std::lock_guard lock(m_mutex);
    while (!m_internal.empty() && out.size() < max) {
        out.push_back(std::move(m_internal.front()));
        m_internal.pop_front();
    }
    for (auto &producer : m_producers) {
        // Read before the ring: a producer that retired wrote its last record before.
        const bool retired = producer->m_retired.load(std::memory_order_acquire);
        while (out.size() + 2 <= max) {
            const ExchangeRecord *record = producer->m_ring.front();
            if (record == nullptr) {
                break;
            }
            appendSpans(*record, out);
            producer->m_ring.pop();
        }
        if (retired && producer->m_ring.front() == nullptr) {
            m_retiredDropped += producer->dropped();
            producer.reset();
        }
    }
    std::erase(m_producers, nullptr);
    return out;
}

std::uint64_t Tracer::dropped() const
{
    const std::lock_guard lock(m_mutex);
    std::uint64_t total = m_internalDropped + m_retiredDropped;
    for (const auto &producer : m_producers) {
        total += producer->dropped();
    }
    return total;
}

void Tracer::appendSpans(const ExchangeRecord &r, std::vector<SpanData> &out) const
{
    SpanData server = exchangeSpan(r, SpanKind::Server);
    server.spanId = r.serverSpanId;
    server.parentSpanId = r.parentSpanId;
    server.startNanos = r.startNanos;
    add(server, "url.scheme", QByteArrayView("http"));
    add(server, "server.address", m_settings.listenerAddress);
    add(server, "server.port", std::int64_t{m_settings.listenerPort});
    add(server, "network.peer.address", r.peerAddress.view());
    add(server, "user_agent.original", r.userAgent.view());
    add(server, "aad_auth_proxy.route", r.route.view());
    setOutcome(server, r.statusCode, 500, r.errorType.view());
    out.push_back(std::move(server));

    if (r.upstreamStartNanos == 0) {
        return;
    }
    SpanData client = exchangeSpan(r, SpanKind::Client);
    client.spanId = r.clientSpanId;
    client.parentSpanId = r.serverSpanId;
    client.startNanos = r.upstreamStartNanos;
    add(client, "server.address", r.serverAddress.view());
    add(client, "server.port", std::int64_t{r.serverPort});
    add(client, "aad_auth_proxy.route", r.route.view());
    setOutcome(client, r.upstreamStatusCode, 400, r.errorType.view());
    out.push_back(std::move(client));
}

} // namespace aap::telemetry
