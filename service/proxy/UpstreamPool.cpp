#include "proxy/UpstreamPool.h"

#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/ProxyCounters.h"
#include "proxy/UpstreamConnection.h"

#include <QAbstractSocket>

#include <algorithm>

#include <gsl/assert>

namespace aap::proxy {

UpstreamPool::UpstreamPool(config::TargetUrl target, const config::UpstreamConfig &upstream,
                           const Clock &clock, RouteTransport transport, WorkerCounters &counters,
                           QObject *connectionParent)
    : m_target(std::move(target)), m_host(m_target.host), m_upstream(upstream), m_clock(clock),
      m_transport(std::move(transport)), m_counters(counters), m_connectionParent(connectionParent)
{}

UpstreamPool::~UpstreamPool()
{
    m_waiters.clear();
    closeIdle();
}

UpstreamPool::Acquired UpstreamPool::acquire(gsl::not_null<UpstreamHandler *> handler, bool fresh)
{
    if (!fresh) {
        while (!m_idle.empty()) {
            UpstreamConnection *connection = m_idle.back();
            m_idle.pop_back();
            if (connection->isReusable()) {
                connection->setHandler(handler);
                m_counters.upstreamConnectionsReused.add();
                return {connection, true};
            }
            remove(connection);
        }
    }
    if (m_open >= m_upstream.maxConnectionsPerWorker) {
        if (fresh) {
            // A retry must not wait behind others for a slot its own failure just freed.
            closeIdle();
        }
        if (m_open >= m_upstream.maxConnectionsPerWorker) {
            m_waiters.push_back(handler);
            m_counters.upstreamPoolExhausted.add();
            return {};
        }
    }
    return {open(handler), false};
}

bool UpstreamPool::beginBodyStream()
{
    if (m_streamingBodies >= std::max(1, m_upstream.maxConnectionsPerWorker / 2)) {
        m_counters.upstreamPoolExhausted.add();
        return false;
    }
    ++m_streamingBodies;
    return true;
}

void UpstreamPool::endBodyStream()
{
    Expects(m_streamingBodies > 0);
    --m_streamingBodies;
}

gsl::not_null<UpstreamConnection *> UpstreamPool::open(gsl::not_null<UpstreamHandler *> handler)
{
    auto *connection = new UpstreamConnection(*this, m_target.isTls(), m_connectionParent);
    ++m_open;
    m_counters.upstreamConnections.add(1);
    m_counters.upstreamConnectionsOpened.add();
    connection->setHandler(handler);
    handler->upstreamAssigned(connection);
    connection->connectTo(m_target.host, m_target.port, m_transport.tls, m_transport.proxy);
    return connection;
}

void UpstreamPool::cancel(gsl::not_null<UpstreamHandler *> handler, UpstreamConnection *connection)
{
    if (connection == nullptr) {
        std::erase(m_waiters, handler);
        return;
    }
    remove(connection);
}

void UpstreamPool::release(gsl::not_null<UpstreamConnection *> connection, bool reusable)
{
    connection->setHandler(nullptr);
    connection->reused = true;
    if (!reusable || !connection->isReusable()) {
        remove(connection);
        return;
    }
    if (!m_waiters.empty()) {
        const gsl::not_null<UpstreamHandler *> next = m_waiters.front();
        m_waiters.pop_front();
        connection->setHandler(next);
        m_counters.upstreamConnectionsReused.add();
        next->upstreamReady(connection);
        return;
    }
    if (std::cmp_greater_equal(m_idle.size(), m_upstream.maxIdleConnectionsPerWorker)) {
        remove(connection);
        return;
    }
    connection->idleSince = m_clock.steadyNow();
    m_idle.push_back(connection);
}

void UpstreamPool::connectionFailed(gsl::not_null<UpstreamConnection *> connection, UpstreamFailure failure)
{
    UpstreamHandler *handler = connection->handler();
    if (handler == nullptr) {
        dropIdle(connection);
        return;
    }
    connection->setHandler(nullptr);
    // The handler may still read what arrived before the close (a close-delimited body's end).
    handler->upstreamFailed(failure);
    remove(connection);
}

void UpstreamPool::dropIdle(gsl::not_null<UpstreamConnection *> connection)
{
    if (std::erase(m_idle, connection.get()) > 0) {
        qCInfo(lcUpstream).noquote() << "idle upstream connection closed by peer"
                                     << log::LogField::kv("host", m_host);
    }
    remove(connection);
}

void UpstreamPool::remove(gsl::not_null<UpstreamConnection *> connection)
{
    if (connection->isDiscarded()) {
        return;
    }
    std::erase(m_idle, connection.get());
    connection->discard();
    Expects(m_open > 0);
    --m_open;
    m_counters.upstreamConnections.add(-1);
    serveWaiter();
}

void UpstreamPool::serveWaiter()
{
    if (m_waiters.empty() || m_open >= m_upstream.maxConnectionsPerWorker) {
        return;
    }
    const gsl::not_null<UpstreamHandler *> handler = m_waiters.front();
    m_waiters.pop_front();
    open(handler);
}

void UpstreamPool::expireIdle(std::chrono::steady_clock::time_point now)
{
    const auto limit = now - m_upstream.idleConnectionExpiry;
    // Oldest first: m_idle is ordered by release time.
    while (!m_idle.empty() && m_idle.front()->idleSince <= limit) {
        remove(m_idle.front());
    }
}

void UpstreamPool::closeIdle()
{
    while (!m_idle.empty()) {
        remove(m_idle.back());
    }
}

} // namespace aap::proxy
