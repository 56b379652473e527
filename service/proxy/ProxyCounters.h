#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace aap::proxy {

// Why a request did not get a relayed answer. One counter each, for /metrics and tests.
enum class ProxyErrorKind : std::uint8_t {
    BadRequest,          // the http layer rejected the client's input (4xx)
    NoRoute,             // 404
    MisdirectedRequest,  // absolute-form target naming another host (421)
    NoToken,             // 503 after waiting for a token
    UpstreamConnect,     // 502 connect failed
    UpstreamTls,         // 502 TLS handshake / certificate failed
    UpstreamReset,       // 502 upstream closed or sent garbage before a complete response head
    UpstreamTimeout,     // 504
    UpstreamBodyAborted, // upstream failed after the response head: client connection closed
    ClientHeaderTimeout, // slow or missing request head
    ClientAborted,       // client disappeared mid-request or mid-response
    ShuttingDown,        // 503: the drain deadline passed before the request was forwarded
    InboundRejected,     // 401/403 from the listener's inbound protection (address, key, certificate)
    Count
};

// Plain atomics, written by every worker with relaxed order; read by /metrics and tests.
struct ProxyCounters {
    std::atomic<std::uint64_t> requests{0};         // request heads accepted for routing (not /health)
    std::atomic<std::uint64_t> forwarded{0};        // requests whose response head was relayed
    std::atomic<std::uint64_t> localReplies{0};     // /health, /ready
    std::atomic<std::int64_t> activeConnections{0}; // open client connections
    std::atomic<std::uint64_t> upstreamConnectionsOpened{0};
    std::atomic<std::uint64_t> upstreamConnectionsReused{0};
    std::atomic<std::uint64_t> upstreamRetries{0};
    std::atomic<std::uint64_t> unauthorizedFromTarget{0};
    // The descriptor table was full when a client connected; idle connections closed to make room;
    // waiting clients closed unanswered because nothing could be freed.
    std::atomic<std::uint64_t> descriptorExhaustions{0};
    std::atomic<std::uint64_t> idleConnectionsShed{0};
    std::atomic<std::uint64_t> connectionsRejected{0};
    // The largest amount of data any socket held unsent, a test hook for back-pressure.
    std::atomic<std::int64_t> maxPendingWriteBytes{0};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(ProxyErrorKind::Count)> errors{};

    void count(ProxyErrorKind kind) noexcept
    {
        errors[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t errorCount(ProxyErrorKind kind) const noexcept
    {
        return errors[static_cast<std::size_t>(kind)].load(std::memory_order_relaxed);
    }
    void notePendingWrite(std::int64_t bytes) noexcept
    {
        auto seen = maxPendingWriteBytes.load(std::memory_order_relaxed);
        while (bytes > seen &&
               !maxPendingWriteBytes.compare_exchange_weak(seen, bytes, std::memory_order_relaxed)) {
        }
    }
};

} // namespace aap::proxy
