#include "proxy/ProxyWorker.h"

#include "auth/TokenStore.h"
#include "eventloop/SanitizerHandOver.h"
#include "inbound/InboundGuard.h"
#include "inbound/ListenerTls.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/ClientConnection.h"
#include "proxy/MemoryReturn.h"
#include "proxy/PendingDescriptor.h"
#include "proxy/ProxyCounters.h"
#include "proxy/UpstreamPool.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <algorithm>

#include <gsl/assert>
#include <gsl/narrow>

namespace aap::proxy {

namespace {

constexpr qsizetype kScratchBytes = qsizetype{64} * 1024;

// A route with a port of its own is not reached through the main port: no prefix there.
QList<QByteArray> prefixesOf(const QList<ProxyRoute> &routes)
{
    QList<QByteArray> prefixes;
    for (const auto &route : routes) {
        prefixes.append(route.config.listenPort == 0 ? route.config.pathPrefix.toUtf8() : QByteArray());
    }
    return prefixes;
}

http::RequestEdits editsOf(const config::RouteConfig &route, const inbound::InboundGuard &guard)
{
    http::RequestEdits edits;
    if (route.stripPrefix) {
        edits.stripPrefix = route.pathPrefix.toUtf8();
    }
    edits.removedHeaders = route.removeRequestHeaders;
    // The client's key authenticates it to this proxy, never to the target.
    if (guard.requiresKey()) {
        edits.removedHeaders.append(guard.keyHeader());
    }
    edits.overrideHeaders = route.overrideRequestHeaders;
    return edits;
}

http::UpstreamTarget upstreamTargetOf(const config::TargetUrl &target)
{
    http::UpstreamTarget result;
    result.scheme = target.scheme.toLatin1();
    result.host = target.host.toUtf8();
    result.port = target.port;
    result.basePath = target.basePath.toUtf8();
    return result;
}

// The sweep runs often enough to honour the shortest time-out within about an eighth of it.
std::chrono::milliseconds sweepInterval(const ProxyOptions &options)
{
    const auto &u = options.upstream;
    const auto &l = options.limits;
    const auto shortest =
        std::min({u.connectTimeout, u.tlsHandshakeTimeout, u.responseHeadersTimeout, u.idleBodyTimeout,
                  l.headerTimeout, l.clientIdleTimeout, l.tokenWaitTimeout, l.requestBodyTimeout});
    return std::clamp(shortest / 8, std::chrono::milliseconds{5}, std::chrono::milliseconds{250});
}

} // namespace

ProxyWorker::ProxyWorker(const ProxyOptions &options, const std::vector<RouteTransport> &transports,
                         const inbound::InboundGuard &guard, const inbound::ListenerTls *listenerTls,
                         WorkerCounters &counters, const health::ReadinessProbe &probe, const Clock &clock,
                         int index)
    : m_options(options), m_counters(counters), m_probe(probe), m_clock(clock), m_guard(guard),
      m_listenerTls(listenerTls), m_routeTable(prefixesOf(options.routes)),
      m_recorder(options, counters, clock), m_scratch(kScratchBytes, Qt::Uninitialized), m_notReadyLog(clock),
      m_requestFailedLog(clock), m_rejectedLog(clock), m_index(index)
{
    for (qsizetype i = 0; i < options.routes.size(); ++i) {
        const auto &route = options.routes[i];
        Expects(route.store != nullptr); // ProxyServer::start() refuses a route without one
        auto state = std::make_unique<Route>(
            Route{route.config.name.toUtf8(), route.store, auth::TokenReader(*route.store),
                  http::HeadRewriter(upstreamTargetOf(route.config.target), editsOf(route.config, guard)),
                  std::make_unique<UpstreamPool>(route.config.target, options.upstream, clock,
                                                 transports[gsl::narrow<std::size_t>(i)], counters, this)});
        m_routes.push_back(std::move(state));
        // Queued onto this worker's thread: requests waiting for a first token resume at once.
        connect(route.store, &auth::TokenStore::changed, this, [this, i] { tokenChanged(i); });
    }
    m_sweepTimer = new QTimer(this);
    m_sweepTimer->setInterval(sweepInterval(options));
    connect(m_sweepTimer, &QTimer::timeout, this, &ProxyWorker::sweep);
}

ProxyWorker::~ProxyWorker()
{
    // Connections (including those waiting for deleteLater) use this worker in their destructors.
    m_connections.clear();
    qDeleteAll(findChildren<ClientConnection *>(Qt::FindDirectChildrenOnly));
    m_routes.clear();
}

void ProxyWorker::adoptSocketLater(qintptr descriptor, qsizetype fixedRoute)
{
    auto pending = std::make_shared<PendingDescriptor>(descriptor);
    // The worker may be inside sendPostedEvents() and run this without passing its dispatcher's
    // hand-over point (SanitizerHandOver.h): mark this one.
    eventloop::handOverRelease(pending.get());
    QMetaObject::invokeMethod(
        this,
        [this, pending, fixedRoute] {
            eventloop::handOverAcquire(pending.get());
            adoptSocket(pending->take(), fixedRoute);
        },
        Qt::QueuedConnection);
}

void ProxyWorker::drainLater(std::function<void()> done, HandOver handOver)
{
    QMetaObject::invokeMethod(
        this,
        [this, cb = std::move(done), pass = std::move(handOver)]() mutable {
            startDrain(std::move(cb), pass);
        },
        Qt::QueuedConnection);
}

void ProxyWorker::closeAllLater()
{
    QMetaObject::invokeMethod(
        this,
        [this] {
            for (ClientConnection *connection : std::vector<ClientConnection *>(m_connections)) {
                connection->abortNow();
            }
            for (auto &route : m_routes) {
                route->pool->closeIdle();
            }
        },
        Qt::QueuedConnection);
}

void ProxyWorker::heartbeatLater(quint64 sequence)
{
    QMetaObject::invokeMethod(
        this, [this, sequence] { m_heartbeat.store(sequence, std::memory_order_release); },
        Qt::QueuedConnection);
}

#ifdef AAP_TEST_HOOKS
void ProxyWorker::stallLater(std::chrono::milliseconds duration)
{
    QMetaObject::invokeMethod(
        this,
        [this, duration] {
            qCWarning(lcProxy).noquote()
                << "test hook: worker stalled" << log::LogField::kv("worker", m_index)
                << log::LogField::kv("ms", duration.count());
            QThread::msleep(static_cast<unsigned long>(duration.count()));
        },
        Qt::QueuedConnection);
}
#endif

void ProxyWorker::shedIdleLater(int count)
{
    QMetaObject::invokeMethod(
        this,
        [this, count] {
            int shed = 0;
            for (ClientConnection *connection : std::vector<ClientConnection *>(m_connections)) {
                if (shed == count) {
                    break;
                }
                if (connection->closeIfIdle()) {
                    ++shed;
                }
            }
            m_counters.idleConnectionsShed.add(gsl::narrow<std::uint64_t>(shed));
        },
        Qt::QueuedConnection);
}

void ProxyWorker::adoptSocket(qintptr descriptor, qsizetype fixedRoute)
{
    // Accepted before the drain began but queued behind it: on a reload the successor serves it
    // (the client may already have sent its request, which must not be dropped).
    if (m_draining && m_handOver) {
        m_handOver(descriptor, fixedRoute);
        return;
    }
    if (!m_sweepTimer->isActive()) {
        m_sweepTimer->start();
    }
    QSslSocket *tlsSocket = m_listenerTls != nullptr ? new QSslSocket : nullptr;
    QTcpSocket *socket = tlsSocket != nullptr ? tlsSocket : new QTcpSocket;
    if (tlsSocket != nullptr) {
        // The current certificate: a reload between two connections applies to the second.
        tlsSocket->setSslConfiguration(m_listenerTls->configuration());
    }
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcProxy).noquote() << "accepted socket unusable"
                                     << log::LogField::kv("error", socket->errorString());
        delete socket;
        return;
    }
    if (tlsSocket != nullptr) {
        // Request bytes appear (readyRead) only after the handshake; a client that never completes it
        // is closed by the idle time-out.
        tlsSocket->startServerEncryption();
    }
    auto *connection = new ClientConnection(*this, socket, fixedRoute);
    connection->setParent(this);
    m_connections.push_back(connection);
    m_connectionPeak = std::max(m_connectionPeak, m_connections.size());
    if (m_draining) {
        // Shutting down: its first request is still answered (with Connection: close), within the
        // drain time-out, rather than cut before it was read.
        connection->closeAfterFirstResponse();
    }
}

void ProxyWorker::connectionClosed(ClientConnection *connection)
{
    std::erase(m_connections, connection);
    connection->deleteLater();
    checkDrained();
}

void ProxyWorker::startDrain(std::function<void()> done, const HandOver &handOver)
{
    m_draining = true;
    m_drained = std::move(done);
    m_handOver = handOver;
    for (ClientConnection *connection : std::vector<ClientConnection *>(m_connections)) {
        if (!handOverIdle(*connection)) {
            connection->startDrain();
        }
    }
    for (auto &route : m_routes) {
        route->pool->closeIdle();
    }
    checkDrained();
}

bool ProxyWorker::handOverIdle(ClientConnection &connection)
{
    if (!m_draining || !m_handOver) {
        return false;
    }
    const qsizetype fixedRoute = connection.fixedRoute();
    const qintptr descriptor = connection.detachIdleSocket();
    if (descriptor < 0) {
        return false;
    }
    m_handOver(descriptor, fixedRoute);
    return true;
}

void ProxyWorker::checkDrained()
{
    if (m_draining && m_connections.empty() && m_drained) {
        qCInfo(lcProxy).noquote() << "worker drained" << log::LogField::kv("worker", m_index);
        std::exchange(m_drained, {})();
    }
}

void ProxyWorker::sweep()
{
    const auto now = m_clock.steadyNow();
    for (ClientConnection *connection : std::vector<ClientConnection *>(m_connections)) {
        connection->checkDeadline(now);
    }
    for (auto &route : m_routes) {
        route->pool->expireIdle(now);
    }
    // During a wave of closes every kClosedConnectionsPerTrim, once more when it has ended, and
    // once when the worker has served no request for kQuietBeforeTrim.
    const std::size_t open = m_connections.size();
    const std::size_t closed = m_connectionPeak - open;
    const std::uint64_t requests = m_counters.requests.get();
    if (requests != m_requestsAtLastSweep) {
        m_requestsAtLastSweep = requests;
        m_lastRequestSeen = now;
    }
    const bool quiet =
        requests != m_requestsAtLastTrim && now - m_lastRequestSeen >= MemoryReturn::kQuietBeforeTrim;
    if (closed >= MemoryReturn::kClosedConnectionsPerTrim ||
        (closed >= MemoryReturn::kClosedConnectionsPerFinalTrim && open == m_openAtLastSweep) || quiet) {
        MemoryReturn::trim();
        m_connectionPeak = open;
        m_requestsAtLastTrim = requests;
        m_counters.memoryTrims.add();
    }
    m_openAtLastSweep = open;
}

void ProxyWorker::tokenChanged(qsizetype routeIndex)
{
    for (ClientConnection *connection : std::vector<ClientConnection *>(m_connections)) {
        connection->tokenChanged(routeIndex);
    }
}

} // namespace aap::proxy
