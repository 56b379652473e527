#include "proxy/ProxyCounters.h"

#include <algorithm>

namespace aap::proxy {

MethodClass methodClassOf(QByteArrayView method) noexcept
{
    // Methods are case-sensitive (RFC 9110 section 9.1): "get" is an extension method.
    switch (method.size()) {
    case 3:
        return method == QByteArrayView("GET")   ? MethodClass::Get
               : method == QByteArrayView("PUT") ? MethodClass::Put
                                                 : MethodClass::Other;
    case 4:
        return method == QByteArrayView("HEAD")   ? MethodClass::Head
               : method == QByteArrayView("POST") ? MethodClass::Post
                                                  : MethodClass::Other;
    case 5:
        return method == QByteArrayView("PATCH") ? MethodClass::Patch : MethodClass::Other;
    case 6:
        return method == QByteArrayView("DELETE") ? MethodClass::Delete : MethodClass::Other;
    case 7:
        return method == QByteArrayView("OPTIONS") ? MethodClass::Options : MethodClass::Other;
    default:
        return MethodClass::Other;
    }
}

StatusClass statusClassOf(int status) noexcept
{
    if (status < 200) {
        return StatusClass::Informational;
    }
    if (status < 300) {
        return StatusClass::Success;
    }
    if (status < 400) {
        return StatusClass::Redirection;
    }
    return status < 500 ? StatusClass::ClientError : StatusClass::ServerError;
}

QByteArrayView methodClassName(MethodClass method) noexcept
{
    static constexpr std::array<QByteArrayView, kMethodClasses> names{"GET",    "HEAD",  "POST",    "PUT",
                                                                      "DELETE", "PATCH", "OPTIONS", "OTHER"};
    return names[static_cast<std::size_t>(method)];
}

QByteArrayView statusClassName(StatusClass status) noexcept
{
    static constexpr std::array<QByteArrayView, kStatusClasses> names{"1xx", "2xx", "3xx", "4xx", "5xx"};
    return names[static_cast<std::size_t>(status)];
}

const char *errorKindName(ProxyErrorKind kind) noexcept
{
    // In ProxyErrorKind's order; the size check catches a kind added without a name.
    static constexpr std::array kNames{"bad_request",
                                       "no_route",
                                       "misdirected",
                                       "no_token",
                                       "upstream_connect",
                                       "upstream_tls",
                                       "upstream_reset",
                                       "upstream_timeout",
                                       "upstream_body_aborted",
                                       "client_header_timeout",
                                       "client_aborted",
                                       "shutting_down",
                                       "inbound_rejected",
                                       "client_body_timeout",
                                       "upstream_pool_exhausted"};
    static_assert(kNames.size() == kErrorKinds);
    return kNames[static_cast<std::size_t>(kind)];
}

void WorkerCounters::recordExchange(std::ptrdiff_t routeIndex, MethodClass method, int status,
                                    std::chrono::microseconds duration, std::uint64_t bytesIn,
                                    std::uint64_t bytesOut) noexcept
{
    const auto index = routeIndex < 0 ? routes.size() - 1 : static_cast<std::size_t>(routeIndex);
    RouteCounters &route = routes[index];
    route
        .requests[static_cast<std::size_t>(method) * kStatusClasses +
                  static_cast<std::size_t>(statusClassOf(status))]
        .add();
    const double ms = static_cast<double>(duration.count()) / 1000.0;
    const auto bucket =
        static_cast<std::size_t>(std::lower_bound(kDurationBucketsMs.begin(), kDurationBucketsMs.end(), ms) -
                                 kDurationBucketsMs.begin());
    route.durationBuckets[bucket].add();
    route.durationMicros.add(static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0)));
    route.bytesIn.add(bytesIn);
    route.bytesOut.add(bytesOut);
}

std::uint64_t RouteCountersSnapshot::requestTotal() const
{
    std::uint64_t total = 0;
    for (const auto count : requests) {
        total += count;
    }
    return total;
}

std::uint64_t CountersSnapshot::errorTotal() const
{
    std::uint64_t total = 0;
    for (const auto count : errors) {
        total += count;
    }
    return total;
}

std::uint64_t CountersSnapshot::bytesIn() const
{
    std::uint64_t total = 0;
    for (const auto &route : routes) {
        total += route.bytesIn;
    }
    return total;
}

std::uint64_t CountersSnapshot::bytesOut() const
{
    std::uint64_t total = 0;
    for (const auto &route : routes) {
        total += route.bytesOut;
    }
    return total;
}

WorkerCounters &ProxyCounters::addWorker()
{
    const std::lock_guard lock(m_mutex);
    m_workers.push_back(std::make_unique<WorkerCounters>(m_routeCount));
    return *m_workers.back();
}

CountersSnapshot ProxyCounters::snapshot() const
{
    CountersSnapshot s;
    s.routes.resize(m_routeCount + 1);
    s.descriptorExhaustions = descriptorExhaustions.load(std::memory_order_relaxed);
    s.connectionsRejected = connectionsRejected.load(std::memory_order_relaxed);
    const std::lock_guard lock(m_mutex);
    for (const auto &w : m_workers) {
        s.requests += w->requests.get();
        s.forwarded += w->forwarded.get();
        s.localReplies += w->localReplies.get();
        s.upstreamConnectionsOpened += w->upstreamConnectionsOpened.get();
        s.upstreamConnectionsReused += w->upstreamConnectionsReused.get();
        s.upstreamRetries += w->upstreamRetries.get();
        s.upstreamPoolExhausted += w->upstreamPoolExhausted.get();
        s.unauthorizedFromTarget += w->unauthorizedFromTarget.get();
        s.idleConnectionsShed += w->idleConnectionsShed.get();
        s.memoryTrims += w->memoryTrims.get();
        s.activeConnections += w->activeConnections.get();
        s.upstreamConnections += w->upstreamConnections.get();
        s.maxPendingWriteBytes = std::max(s.maxPendingWriteBytes, w->maxPendingWriteBytes.get());
        for (std::size_t k = 0; k < kErrorKinds; ++k) {
            s.errors[k] += w->errors[k].get();
        }
        for (std::size_t r = 0; r < s.routes.size(); ++r) {
            const RouteCounters &from = w->routes[r];
            RouteCountersSnapshot &to = s.routes[r];
            for (std::size_t i = 0; i < to.requests.size(); ++i) {
                to.requests[i] += from.requests[i].get();
            }
            for (std::size_t i = 0; i < kDurationBuckets; ++i) {
                to.durationBuckets[i] += from.durationBuckets[i].get();
            }
            to.durationSumMs += static_cast<double>(from.durationMicros.get()) / 1000.0;
            to.bytesIn += from.bytesIn.get();
            to.bytesOut += from.bytesOut.get();
        }
    }
    return s;
}

} // namespace aap::proxy
