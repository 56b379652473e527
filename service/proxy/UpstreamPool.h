#pragma once

#include "config/ServiceConfig.h"
#include "core/Clock.h"
#include "proxy/RouteTransport.h"
#include "proxy/UpstreamHandler.h"

#include <QSslConfiguration>

#include <gsl/narrow>
#include <gsl/pointers>

#include <chrono>
#include <deque>
#include <vector>

class QObject;

namespace aap::proxy {

struct WorkerCounters;

// Keep-alive connections of one worker to one target. Not thread-safe: one pool per worker and
// target. At most maxConnectionsPerWorker connections exist; exchanges beyond that wait in order.
class UpstreamPool {
public:
    UpstreamPool(config::TargetUrl target, const config::UpstreamConfig &upstream, const Clock &clock,
                 RouteTransport transport, WorkerCounters &counters, QObject *connectionParent);
    UpstreamPool(const UpstreamPool &) = delete;
    UpstreamPool &operator=(const UpstreamPool &) = delete;
    UpstreamPool(UpstreamPool &&) = delete;
    UpstreamPool &operator=(UpstreamPool &&) = delete;
    ~UpstreamPool();

    struct Acquired {
        UpstreamConnection *connection = nullptr; // nullptr: queued, upstreamReady() follows
        bool ready = false;                       // false: connecting, upstreamReady() follows
    };
    // An idle connection (ready at once) or a new one; `fresh` skips idle ones (the retry case).
    Acquired acquire(gsl::not_null<UpstreamHandler *> handler, bool fresh = false);
    // The handler no longer wants a connection (client gone while queued or connecting).
    void cancel(gsl::not_null<UpstreamHandler *> handler, UpstreamConnection *connection);
    // The exchange is over: back to the idle list when `reusable`, otherwise closed.
    void release(gsl::not_null<UpstreamConnection *> connection, bool reusable);

    // Called by connections.
    void connectionFailed(gsl::not_null<UpstreamConnection *> connection, UpstreamFailure failure);
    void dropIdle(gsl::not_null<UpstreamConnection *> connection);

    // Closes idle connections unused since `now - idleConnectionExpiry`.
    void expireIdle(std::chrono::steady_clock::time_point now);
    void closeIdle();

    // Exchanges whose request body streams through a connection (it did not fit the read-ahead)
    // may hold at most half the connections. False: the limit is reached.
    [[nodiscard]] bool beginBodyStream();
    void endBodyStream();
    [[nodiscard]] int streamingBodies() const { return m_streamingBodies; }

    [[nodiscard]] const QString &host() const { return m_host; }
    [[nodiscard]] int openConnections() const { return m_open; }
    [[nodiscard]] int idleConnections() const { return gsl::narrow<int>(m_idle.size()); }

private:
    gsl::not_null<UpstreamConnection *> open(gsl::not_null<UpstreamHandler *> handler);
    void remove(gsl::not_null<UpstreamConnection *> connection);
    void serveWaiter();

    config::TargetUrl m_target;
    QString m_host;
    const config::UpstreamConfig &m_upstream;
    const Clock &m_clock; // idle connections' age
    RouteTransport m_transport;
    WorkerCounters &m_counters;
    QObject *m_connectionParent;
    int m_open = 0;
    int m_streamingBodies = 0;
    std::vector<UpstreamConnection *> m_idle; // most recently used last
    std::deque<gsl::not_null<UpstreamHandler *>> m_waiters;
};

} // namespace aap::proxy
