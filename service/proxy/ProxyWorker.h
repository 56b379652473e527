#pragma once

#include "auth/TokenReader.h"
#include "core/Clock.h"
#include "http/HeadRewriter.h"
#include "log/LogLimiter.h"
#include "proxy/ExchangeRecorder.h"
#include "proxy/ProxyOptions.h"
#include "proxy/RouteTable.h"
#include "proxy/RouteTransport.h"

#include <QByteArray>
#include <QObject>
#include <QSslConfiguration>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <gsl/narrow>

class QTimer;

namespace aap::health {
class ReadinessProbe;
}
namespace aap::inbound {
class InboundGuard;
class ListenerTls;
} // namespace aap::inbound

namespace aap::proxy {

class ClientConnection;
class UpstreamPool;
struct WorkerCounters;

// One event loop's share of the proxy: the client connections handed to it, one TokenReader and
// one upstream pool per route, a periodic sweep for time-outs and idle expiry. Everything here
// runs on the worker's thread and counts into its own WorkerCounters; nothing is shared with other
// workers except the token stores (read through TokenReader) and the readiness probe.
class ProxyWorker : public QObject {
    Q_OBJECT

public:
    struct Route {
        QByteArray name;
        auth::TokenStore *store = nullptr;
        auth::TokenReader reader;
        http::HeadRewriter rewriter;
        std::unique_ptr<UpstreamPool> pool;
    };

    // `transports`: one per route. `listenerTls`: null for a plain-text listener.
    ProxyWorker(const ProxyOptions &options, const std::vector<RouteTransport> &transports,
                const inbound::InboundGuard &guard, const inbound::ListenerTls *listenerTls,
                WorkerCounters &counters, const health::ReadinessProbe &probe, const Clock &clock, int index);
    ~ProxyWorker() override;

    // Receives an idle connection's descriptor during a reload, with the route that owns the port the
    // client connected to (-1: the main port).
    using HandOver = std::function<void(qintptr descriptor, qsizetype fixedRoute)>;

    // Thread-safe entry points (queued onto the worker's thread).
    // `fixedRoute`: the route that owns the port the client connected to, or -1 (route by path).
    void adoptSocketLater(qintptr descriptor, qsizetype fixedRoute = -1);
    // Stops taking new requests, closes idle connections, calls done (on this worker's thread) when
    // the last connection is gone.
    // With handOver (a reload), idle plain-text connections are detached and their descriptors passed
    // to it (on this worker's thread) instead of being closed.
    void drainLater(std::function<void()> done, HandOver handOver = {});
    // Closes every connection now (after the drain time-out).
    void closeAllLater();
    // Closes up to `count` client connections that wait for a request, the oldest first, to free
    // descriptors; counted in ProxyCounters::idleConnectionsShed.
    void shedIdleLater(int count);
    // Records `sequence` once this worker's event loop gets to it (the watchdog's liveness check).
    void heartbeatLater(quint64 sequence);
    [[nodiscard]] quint64 lastHeartbeat() const { return m_heartbeat.load(std::memory_order_acquire); }

    // Worker-thread API for ClientConnection.
    [[nodiscard]] const ProxyOptions &options() const { return m_options; }
    [[nodiscard]] WorkerCounters &counters() const { return m_counters; }
    [[nodiscard]] const health::ReadinessProbe &probe() const { return m_probe; }
    [[nodiscard]] const Clock &clock() const { return m_clock; }
    [[nodiscard]] const RouteTable &routeTable() const { return m_routeTable; }
    [[nodiscard]] const inbound::InboundGuard &inboundGuard() const { return m_guard; }
    // Null for a plain-text listener.
    [[nodiscard]] const inbound::ListenerTls *listenerTls() const { return m_listenerTls; }
    // Rejected clients are logged with their address, at most a few lines per window.
    [[nodiscard]] log::LogLimiter &rejectedLog() { return m_rejectedLog; }
    [[nodiscard]] ExchangeRecorder &recorder() { return m_recorder; }
    [[nodiscard]] Route &route(qsizetype index) { return *m_routes[gsl::narrow<std::size_t>(index)]; }
    [[nodiscard]] bool isDraining() const { return m_draining; }
    // During a reload's drain: moves an idle connection to the new configuration (its descriptor
    // duplicated, this connection closed without a byte on the wire). False when there is no new
    // configuration to move to or the connection cannot move (TLS, bytes buffered).
    bool handOverIdle(ClientConnection &connection);
    // Rate limits for warnings every request of an outage would repeat (not-ready probes, failed
    // requests); the counters still count each one.
    [[nodiscard]] log::LogLimiter &notReadyLog() { return m_notReadyLog; }
    [[nodiscard]] log::LogLimiter &requestFailedLog() { return m_requestFailedLog; }
    // A reusable buffer for moving body bytes; valid until the next event loop iteration.
    [[nodiscard]] QByteArray &scratch() { return m_scratch; }
    void connectionClosed(ClientConnection *connection);
#ifdef AAP_TEST_HOOKS
    // Test hook: blocks this worker's event loop, as a stuck worker would.
    void stallLater(std::chrono::milliseconds duration);
#endif

private:
    void adoptSocket(qintptr descriptor, qsizetype fixedRoute);
    void startDrain(std::function<void()> done, const HandOver &handOver);
    void sweep();
    void tokenChanged(qsizetype routeIndex);
    void checkDrained();

    const ProxyOptions &m_options;
    WorkerCounters &m_counters;
    const health::ReadinessProbe &m_probe;
    const Clock &m_clock;
    const inbound::InboundGuard &m_guard;
    const inbound::ListenerTls *m_listenerTls;
    RouteTable m_routeTable;
    ExchangeRecorder m_recorder;
    std::vector<std::unique_ptr<Route>> m_routes;
    std::vector<ClientConnection *> m_connections;
    std::size_t m_connectionPeak = 0; // since the last MemoryReturn::trim()
    std::size_t m_openAtLastSweep = 0;
    std::uint64_t m_requestsAtLastSweep = 0;
    std::uint64_t m_requestsAtLastTrim = 0;
    Clock::SteadyTimePoint m_lastRequestSeen{}; // the sweep that first saw the latest requests
    QTimer *m_sweepTimer = nullptr;
    QByteArray m_scratch;
    log::LogLimiter m_notReadyLog;
    log::LogLimiter m_requestFailedLog;
    log::LogLimiter m_rejectedLog;
    bool m_draining = false;
    HandOver m_handOver; // set by a drain with a successor (reload)
    std::function<void()> m_drained;
    int m_index = 0;
    std::atomic<quint64> m_heartbeat{0};
};

} // namespace aap::proxy
