#include "proxy/ProxyServer.h"

#include "health/ReadinessProbe.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/Acceptor.h"
#include "proxy/ProxyWorker.h"
#include "proxy/UpstreamTls.h"

#include <QThread>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif
#include <gsl/assert>
#include <gsl/narrow>

namespace aap::proxy {

namespace {

// Idle client connections each worker closes per pause when the descriptor table is full: enough
// to admit a burst of new clients (a probe, a scrape), few enough to leave most keep-alives alone.
constexpr int kShedPerWorker = 4;

QList<health::ReadinessProbe::Route> probeRoutes(const QList<ProxyRoute> &routes)
{
    QList<health::ReadinessProbe::Route> result;
    for (const auto &route : routes) {
        result.append({route.config.name.toUtf8(), route.store});
    }
    return result;
}

} // namespace

ProxyServer::ProxyServer(ProxyOptions options, Clock &clock, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_clock(clock),
      m_counters(static_cast<std::size_t>(m_options.routes.size())),
      m_probe(std::make_unique<health::ReadinessProbe>(clock, probeRoutes(m_options.routes)))
{}

ProxyServer::~ProxyServer()
{
    stop();
}

Expected<void, QString> ProxyServer::start(ProxyServer *listenerDonor)
{
    if (!m_workers.empty()) {
        return Unexpected(QStringLiteral("the proxy is already started"));
    }
    if (m_options.routes.isEmpty()) {
        return Unexpected(QStringLiteral("no route is configured"));
    }
    bool anyTls = false;
    for (const auto &route : m_options.routes) {
        if (route.store == nullptr || !route.config.target.isValid()) {
            return Unexpected(
                QStringLiteral("route %1 has no valid target or token store").arg(route.config.name));
        }
        anyTls = anyTls || route.config.target.isTls();
    }
    if (anyTls) {
        auto tls = UpstreamTls::build(m_options.upstream);
        if (!tls) {
            return Unexpected(tls.error());
        }
        m_tls = *tls;
    }

    const int count =
        m_options.workerThreads > 0 ? m_options.workerThreads : std::max(1, QThread::idealThreadCount());
    for (int i = 0; i < count; ++i) {
        auto *thread = new QThread;
        thread->setObjectName(QStringLiteral("proxy-worker-%1").arg(i));
        auto *worker = new ProxyWorker(m_options, m_tls, m_counters.addWorker(), *m_probe, m_clock, i);
        worker->moveToThread(thread);
        // The worker (its sockets and timers) is destroyed on its own thread as the loop ends.
        connect(thread, &QThread::finished, worker, &QObject::deleteLater);
        m_threads.push_back(thread);
        m_workers.push_back(worker);
        thread->start();
    }

    Acceptor::Hooks hooks;
    hooks.handOff = [this](qintptr descriptor) { handOff(descriptor); };
    hooks.shedIdle = [this] {
        for (ProxyWorker *worker : m_workers) {
            worker->shedIdleLater(kShedPerWorker);
        }
    };
    hooks.shedTotal = [this] { return m_counters.snapshot().idleConnectionsShed; };
    hooks.exhausted = [this] { m_counters.descriptorExhaustions.fetch_add(1, std::memory_order_relaxed); };
    hooks.rejected = [this] { m_counters.connectionsRejected.fetch_add(1, std::memory_order_relaxed); };
    if (listenerDonor != nullptr && listenerDonor->m_acceptor != nullptr) {
        m_acceptor = std::exchange(listenerDonor->m_acceptor, nullptr);
        m_acceptor->setParent(this);
        m_acceptor->setHooks(std::move(hooks));
    } else {
        m_acceptor = new Acceptor(std::move(hooks), m_clock, this);
    }
    if (!m_acceptor->isListening() &&
        !m_acceptor->start(m_options.listener.address, m_options.listener.port)) {
        const QString error = QStringLiteral("cannot listen on %1:%2: %3")
                                  .arg(m_options.listener.address.toString())
                                  .arg(m_options.listener.port)
                                  .arg(m_acceptor->errorString());
        stop();
        return Unexpected(error);
    }
    m_probe->setListening(true);
    qCInfo(lcProxy).noquote() << "listening"
                              << log::LogField::kv("address", m_options.listener.address.toString())
                              << log::LogField::kv("port", m_acceptor->serverPort())
                              << log::LogField::kv("workers", count)
                              << log::LogField::kv("routes", m_options.routes.size());
    return {};
}

quint16 ProxyServer::port() const
{
    return m_acceptor != nullptr ? m_acceptor->serverPort() : 0;
}

void ProxyServer::pingWorkers()
{
    ++m_heartbeat;
    for (ProxyWorker *worker : m_workers) {
        worker->heartbeatLater(m_heartbeat);
    }
}

bool ProxyServer::workersResponsive() const
{
    return std::all_of(m_workers.begin(), m_workers.end(),
                       [this](const ProxyWorker *worker) { return worker->lastHeartbeat() == m_heartbeat; });
}

#ifdef AAP_TEST_HOOKS
void ProxyServer::stallWorker(int index, std::chrono::milliseconds duration)
{
    if (index >= 0 && static_cast<std::size_t>(index) < m_workers.size()) {
        m_workers[static_cast<std::size_t>(index)]->stallLater(duration);
    }
}
#endif

void ProxyServer::handOff(qintptr descriptor)
{
    // Round-robin spreads connections evenly; the hand-off costs one queued event per connection,
    // not per request, because clients keep their connections alive.
    Expects(!m_workers.empty()); // only listening after start() created the workers
    ProxyWorker *worker = m_workers[m_nextWorker];
    m_nextWorker = (m_nextWorker + 1) % m_workers.size();
    worker->adoptSocketLater(descriptor);
}

void ProxyServer::drain(std::function<void()> done, ProxyServer *successor)
{
    if (m_draining || m_workers.empty()) {
        if (done) {
            done();
        }
        return;
    }
    m_draining = true;
    m_drained = std::move(done);
    m_probe->setDraining(true);
    if (m_acceptor != nullptr) {
        m_acceptor->stop();
    }
    qCInfo(lcProxy).noquote() << "draining"
                              << log::LogField::kv("active_connections",
                                                   m_counters.snapshot().activeConnections)
                              << log::LogField::kv("timeout_ms", m_options.limits.drainTimeout.count());
    m_pendingDrains = gsl::narrow<int>(m_workers.size());
    m_successor = successor;
    // Runs on a worker thread; the queued call reaches this thread before that worker's "drained".
    std::function<void(qintptr)> handOver;
    if (successor != nullptr) {
        handOver = [this](qintptr descriptor) {
            QMetaObject::invokeMethod(
                this, [this, descriptor] { passToSuccessor(descriptor); }, Qt::QueuedConnection);
        };
    }
    for (ProxyWorker *worker : m_workers) {
        worker->drainLater(
            [this] {
                QMetaObject::invokeMethod(
                    this, [this] { workerDrained(); }, Qt::QueuedConnection);
            },
            handOver);
    }
    m_drainTimer = m_clock.startTimer(m_options.limits.drainTimeout, [this] {
        m_drainTimer = 0;
        if (m_pendingDrains > 0) {
            qCWarning(lcProxy).noquote()
                << "drain time-out, closing remaining connections"
                << log::LogField::kv("active_connections", m_counters.snapshot().activeConnections);
            for (ProxyWorker *worker : m_workers) {
                worker->closeAllLater();
            }
            m_pendingDrains = 0;
            finishDrain();
        }
    });
}

void ProxyServer::passToSuccessor(qintptr descriptor)
{
    if (m_successor != nullptr && !m_successor->m_workers.empty()) {
        m_successor->handOff(descriptor);
        return;
    }
#ifdef Q_OS_UNIX
    ::close(static_cast<int>(descriptor));
#endif
}

void ProxyServer::workerDrained()
{
    if (m_pendingDrains > 0 && --m_pendingDrains == 0) {
        finishDrain();
    }
}

void ProxyServer::finishDrain()
{
    if (m_drainTimer != 0) {
        m_clock.cancel(m_drainTimer);
        m_drainTimer = 0;
    }
    qCInfo(lcProxy).noquote() << "drained";
    if (m_drained) {
        std::exchange(m_drained, {})();
    }
}

void ProxyServer::stop()
{
    if (m_drainTimer != 0) {
        m_clock.cancel(m_drainTimer);
        m_drainTimer = 0;
    }
    if (m_acceptor != nullptr) {
        m_acceptor->stop();
    }
    m_probe->setListening(false);
    for (QThread *thread : m_threads) {
        thread->quit();
    }
    for (QThread *thread : m_threads) {
        thread->wait();
        delete thread;
    }
    m_threads.clear();
    m_workers.clear();
}

} // namespace aap::proxy
