#include "proxy/ProxyServer.h"

#include "health/ReadinessProbe.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/Acceptor.h"
#include "proxy/ProxyWorker.h"
#include "proxy/UpstreamTls.h"

#include <QThread>

#include <algorithm>

namespace aap::proxy {

namespace {

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

Expected<void, QString> ProxyServer::start()
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

    m_acceptor = new Acceptor([this](qintptr descriptor) { handOff(descriptor); }, this);
    if (!m_acceptor->listen(m_options.listener.address, m_options.listener.port)) {
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

void ProxyServer::handOff(qintptr descriptor)
{
    // Round-robin spreads connections evenly; the hand-off costs one queued event per connection,
    // not per request, because clients keep their connections alive.
    ProxyWorker *worker = m_workers[m_nextWorker];
    m_nextWorker = (m_nextWorker + 1) % m_workers.size();
    worker->adoptSocketLater(descriptor);
}

void ProxyServer::drain(std::function<void()> done)
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
        m_acceptor->close();
    }
    qCInfo(lcProxy).noquote() << "draining"
                              << log::LogField::kv("active_connections",
                                                   m_counters.snapshot().activeConnections)
                              << log::LogField::kv("timeout_ms", m_options.limits.drainTimeout.count());
    m_pendingDrains = static_cast<int>(m_workers.size());
    for (ProxyWorker *worker : m_workers) {
        worker->drainLater([this] {
            QMetaObject::invokeMethod(
                this, [this] { workerDrained(); }, Qt::QueuedConnection);
        });
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
        m_acceptor->close();
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
