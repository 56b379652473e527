#include "proxy/ProxyWorker.h"

#include "auth/TokenStore.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/ClientConnection.h"
#include "proxy/ProxyCounters.h"
#include "proxy/UpstreamPool.h"

#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <algorithm>

#include <gsl/assert>
#include <gsl/narrow>

namespace aap::proxy {

namespace {

constexpr qsizetype kScratchBytes = qsizetype{64} * 1024;

QList<QByteArray> prefixesOf(const QList<ProxyRoute> &routes)
{
    QList<QByteArray> prefixes;
    for (const auto &route : routes) {
        prefixes.append(route.config.pathPrefix.toUtf8());
    }
    return prefixes;
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
                  l.headerTimeout, l.clientIdleTimeout, l.tokenWaitTimeout});
    return std::clamp(shortest / 8, std::chrono::milliseconds{5}, std::chrono::milliseconds{250});
}

} // namespace

ProxyWorker::ProxyWorker(const ProxyOptions &options, const QSslConfiguration &tls, WorkerCounters &counters,
                         const health::ReadinessProbe &probe, const Clock &clock, int index)
    : m_options(options), m_counters(counters), m_probe(probe), m_clock(clock),
      m_routeTable(prefixesOf(options.routes)), m_recorder(options, counters, clock),
      m_scratch(kScratchBytes, Qt::Uninitialized), m_notReadyLog(clock), m_requestFailedLog(clock),
      m_index(index)
{
    for (qsizetype i = 0; i < options.routes.size(); ++i) {
        const auto &route = options.routes[i];
        Expects(route.store != nullptr); // ProxyServer::start() refuses a route without one
        auto state = std::make_unique<Route>(Route{
            route.config.name.toUtf8(), route.store, auth::TokenReader(*route.store),
            http::HeadRewriter(upstreamTargetOf(route.config.target)),
            std::make_unique<UpstreamPool>(route.config.target, options.upstream, tls, counters, this)});
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

void ProxyWorker::adoptSocketLater(qintptr descriptor)
{
    QMetaObject::invokeMethod(
        this, [this, descriptor] { adoptSocket(descriptor); }, Qt::QueuedConnection);
}

void ProxyWorker::drainLater(std::function<void()> done, std::function<void(qintptr)> handOver)
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

void ProxyWorker::adoptSocket(qintptr descriptor)
{
    if (!m_sweepTimer->isActive()) {
        m_sweepTimer->start();
    }
    auto *socket = new QTcpSocket;
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcProxy).noquote() << "accepted socket unusable"
                                     << log::LogField::kv("error", socket->errorString());
        delete socket;
        return;
    }
    auto *connection = new ClientConnection(*this, socket);
    connection->setParent(this);
    m_connections.push_back(connection);
    if (m_draining) {
        connection->startDrain();
    }
}

void ProxyWorker::connectionClosed(ClientConnection *connection)
{
    std::erase(m_connections, connection);
    connection->deleteLater();
    checkDrained();
}

void ProxyWorker::startDrain(std::function<void()> done, const std::function<void(qintptr)> &handOver)
{
    m_draining = true;
    m_drained = std::move(done);
    for (ClientConnection *connection : std::vector<ClientConnection *>(m_connections)) {
        if (handOver) {
            if (const qintptr descriptor = connection->detachIdleSocket(); descriptor >= 0) {
                handOver(descriptor);
                continue;
            }
        }
        connection->startDrain();
    }
    for (auto &route : m_routes) {
        route->pool->closeIdle();
    }
    checkDrained();
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
    const auto now = std::chrono::steady_clock::now();
    for (ClientConnection *connection : std::vector<ClientConnection *>(m_connections)) {
        connection->checkDeadline(now);
    }
    for (auto &route : m_routes) {
        route->pool->expireIdle(now);
    }
}

void ProxyWorker::tokenChanged(qsizetype routeIndex)
{
    for (ClientConnection *connection : std::vector<ClientConnection *>(m_connections)) {
        connection->tokenChanged(routeIndex);
    }
}

} // namespace aap::proxy
