#pragma once

#include <QByteArrayView>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace aap::proxy {

// Why a request did not get a relayed answer. One counter each, for /metrics and tests.
enum class ProxyErrorKind : std::uint8_t {
    BadRequest,            // the http layer rejected the client's input (4xx)
    NoRoute,               // 404
    MisdirectedRequest,    // absolute-form target naming another host (421)
    NoToken,               // 503 after waiting for a token
    UpstreamConnect,       // 502 connect failed
    UpstreamTls,           // 502 TLS handshake / certificate failed
    UpstreamReset,         // 502 upstream closed or sent garbage before a complete response head
    UpstreamTimeout,       // 504
    UpstreamBodyAborted,   // upstream failed after the response head: client connection closed
    ClientHeaderTimeout,   // slow or missing request head
    ClientAborted,         // client disappeared mid-request or mid-response
    ShuttingDown,          // 503: the drain deadline passed before the request was forwarded
    InboundRejected,       // 401/403 from the listener's inbound protection (address, key, certificate)
    ClientBodyTimeout,     // 408: the request body arrived slower than the limits allow
    UpstreamPoolExhausted, // 503: every connection to the target was busy for the connect time-out
    Count
};

// Label values with a fixed, small set of members, so per-request counting never allocates and a
// metric's series count is bounded.
enum class MethodClass : std::uint8_t { Get, Head, Post, Put, Delete, Patch, Options, Other, Count };
enum class StatusClass : std::uint8_t {
    Informational,
    Success,
    Redirection,
    ClientError,
    ServerError,
    Count
};

[[nodiscard]] MethodClass methodClassOf(QByteArrayView method) noexcept;
[[nodiscard]] StatusClass statusClassOf(int status) noexcept;
[[nodiscard]] QByteArrayView methodClassName(MethodClass method) noexcept;
[[nodiscard]] QByteArrayView statusClassName(StatusClass status) noexcept;
// The kind's name in /metrics, OTLP and the control socket's status.
[[nodiscard]] const char *errorKindName(ProxyErrorKind kind) noexcept;

// Upper bounds (milliseconds) of the request duration histogram; the +Inf bucket follows.
inline constexpr std::array<double, 14> kDurationBucketsMs{1,   2,   5,    10,   25,   50,    100,
                                                           250, 500, 1000, 2500, 5000, 10000, 30000};

// A counter written by one thread only. A relaxed load plus store compiles to plain moves (no locked
// read-modify-write, no cache line bouncing between workers); readers on other threads see a value
// that may be a moment old but is never torn.
class CounterCell {
public:
    void add(std::uint64_t n = 1) noexcept
    {
        m_value.store(m_value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t get() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> m_value{0};
};

// A level (open connections) written by one thread only; same reasoning as CounterCell.
class GaugeCell {
public:
    void add(std::int64_t delta) noexcept
    {
        m_value.store(m_value.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
    }
    void raiseTo(std::int64_t value) noexcept
    {
        if (value > m_value.load(std::memory_order_relaxed)) {
            m_value.store(value, std::memory_order_relaxed);
        }
    }
    [[nodiscard]] std::int64_t get() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> m_value{0};
};

inline constexpr std::size_t kMethodClasses = static_cast<std::size_t>(MethodClass::Count);
inline constexpr std::size_t kStatusClasses = static_cast<std::size_t>(StatusClass::Count);
inline constexpr std::size_t kErrorKinds = static_cast<std::size_t>(ProxyErrorKind::Count);
inline constexpr std::size_t kDurationBuckets = kDurationBucketsMs.size() + 1;

// One worker's counts for one route (or for requests that matched no route). Its own cache lines.
struct alignas(64) RouteCounters {
    std::array<CounterCell, kMethodClasses * kStatusClasses> requests{};
    std::array<CounterCell, kDurationBuckets> durationBuckets{}; // per bucket, not cumulative
    CounterCell durationMicros;
    CounterCell bytesIn;  // request head and body bytes read from clients
    CounterCell bytesOut; // response head and body bytes written to clients
};

// Everything one worker thread counts, written by that thread only, on cache lines of its own.
struct alignas(64) WorkerCounters {
    explicit WorkerCounters(std::size_t routeCount) : routes(routeCount + 1) {}

    CounterCell requests;     // request heads accepted for routing (not /health, /ready, /metrics)
    CounterCell forwarded;    // requests whose response head was relayed
    CounterCell localReplies; // /health, /ready, /metrics
    CounterCell upstreamConnectionsOpened;
    CounterCell upstreamConnectionsReused;
    CounterCell upstreamRetries;
    CounterCell upstreamPoolExhausted; // requests that found the pool at its limit and queued
    CounterCell unauthorizedFromTarget;
    CounterCell idleConnectionsShed; // idle clients closed to free descriptors for new ones
    CounterCell memoryTrims;         // freed heap handed back after many connections closed
    GaugeCell activeConnections;     // open client connections
    GaugeCell upstreamConnections;   // open upstream connections
    // The largest amount of data any socket held unsent, a test hook for back-pressure.
    GaugeCell maxPendingWriteBytes;
    std::array<CounterCell, kErrorKinds> errors{};
    std::vector<RouteCounters> routes; // one per route, then one for requests without a route

    void count(ProxyErrorKind kind) noexcept { errors[static_cast<std::size_t>(kind)].add(); }
    void notePendingWrite(std::int64_t bytes) noexcept { maxPendingWriteBytes.raiseTo(bytes); }
    // One finished exchange; routeIndex -1 for a request that matched no route.
    void recordExchange(std::ptrdiff_t routeIndex, MethodClass method, int status,
                        std::chrono::microseconds duration, std::uint64_t bytesIn,
                        std::uint64_t bytesOut) noexcept;
};

// The counts of one route summed over the workers.
struct RouteCountersSnapshot {
    std::array<std::uint64_t, kMethodClasses * kStatusClasses> requests{};
    std::array<std::uint64_t, kDurationBuckets> durationBuckets{}; // per bucket, not cumulative
    double durationSumMs = 0;
    std::uint64_t bytesIn = 0;
    std::uint64_t bytesOut = 0;

    [[nodiscard]] std::uint64_t requestCount(MethodClass method, StatusClass status) const
    {
        return requests[static_cast<std::size_t>(method) * kStatusClasses + static_cast<std::size_t>(status)];
    }
    [[nodiscard]] std::uint64_t requestTotal() const;
};

// A consistent-enough copy of every counter, summed over the workers: what /metrics, the OTLP
// exporter and the control socket's status read. Counters only grow, so two snapshots give rates.
struct CountersSnapshot {
    std::uint64_t requests = 0;
    std::uint64_t forwarded = 0;
    std::uint64_t localReplies = 0;
    std::uint64_t upstreamConnectionsOpened = 0;
    std::uint64_t upstreamConnectionsReused = 0;
    std::uint64_t upstreamRetries = 0;
    std::uint64_t upstreamPoolExhausted = 0;
    std::uint64_t unauthorizedFromTarget = 0;
    std::int64_t activeConnections = 0;
    std::int64_t upstreamConnections = 0;
    std::int64_t maxPendingWriteBytes = 0;
    std::uint64_t descriptorExhaustions = 0;
    std::uint64_t idleConnectionsShed = 0;
    std::uint64_t memoryTrims = 0;
    std::uint64_t connectionsRejected = 0;
    std::array<std::uint64_t, kErrorKinds> errors{};
    std::vector<RouteCountersSnapshot> routes; // route order, then the "no route" entry

    [[nodiscard]] std::uint64_t errorCount(ProxyErrorKind kind) const
    {
        return errors[static_cast<std::size_t>(kind)];
    }
    [[nodiscard]] std::uint64_t errorTotal() const;
    [[nodiscard]] std::uint64_t bytesIn() const;
    [[nodiscard]] std::uint64_t bytesOut() const;
};

// The counters of the whole proxy: one WorkerCounters block per worker thread, summed when read.
// Blocks are added before their worker starts and never removed, so counts survive a restart.
class ProxyCounters {
public:
    explicit ProxyCounters(std::size_t routeCount) : m_routeCount(routeCount) {}

    // The block a new worker writes; stable for the lifetime of this object.
    [[nodiscard]] WorkerCounters &addWorker();
    // Thread-safe.
    [[nodiscard]] CountersSnapshot snapshot() const;
    [[nodiscard]] std::size_t routeCount() const { return m_routeCount; }

    // Counted by the acceptor, not by a worker, and rare: the descriptor table was full when a
    // client connected; waiting clients closed unanswered because nothing could be freed.
    std::atomic<std::uint64_t> descriptorExhaustions{0};
    std::atomic<std::uint64_t> connectionsRejected{0};

private:
    std::size_t m_routeCount;
    mutable std::mutex m_mutex; // guards the list, never a count
    std::vector<std::unique_ptr<WorkerCounters>> m_workers;
};

} // namespace aap::proxy
