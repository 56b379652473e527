#include "proxy/ProxyServer.h"

#include "auth/credentials/TlsIdentity.h"
#include "config/ConfigValidator.h"
#include "config/SecretFile.h"
#include "eventloop/SanitizerHandOver.h"
#include "eventloop/WorkerEventDispatcher.h"
#include "health/ReadinessProbe.h"
#include "inbound/ExposureWarning.h"
#include "inbound/InboundGuard.h"
#include "inbound/ListenerTls.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/Acceptor.h"
#include "proxy/MemoryReturn.h"
#include "proxy/OutboundProxy.h"
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
    if (auto routes = prepareRoutes(); !routes) {
        return routes;
    }
    if (auto inbound = prepareInbound(); !inbound) {
        return inbound;
    }

    MemoryReturn::retainWhileBusy();
    const int count =
        m_options.workerThreads > 0 ? m_options.workerThreads : std::max(1, QThread::idealThreadCount());
    for (int i = 0; i < count; ++i) {
        auto *thread = new QThread;
        thread->setObjectName(QStringLiteral("proxy-worker-%1").arg(i));
        auto &clock = *m_passClocks.emplace_back(std::make_unique<eventloop::PassClock>(m_clock));
        if (auto dispatcher = eventloop::createWorkerEventDispatcher(&clock)) {
            thread->setEventDispatcher(dispatcher.release()); // the thread owns it
        }
        auto *worker = new ProxyWorker(m_options, m_transports, *m_guard, m_listenerTls.get(),
                                       m_counters.addWorker(), *m_probe, clock, i);
        worker->moveToThread(thread);
        // The worker (its sockets and timers) is destroyed on its own thread as the loop ends.
        connect(thread, &QThread::finished, worker, &QObject::deleteLater);
        m_threads.push_back(thread);
        m_workers.push_back(worker);
        thread->start();
    }

    if (auto listening = openListeners(listenerDonor); !listening) {
        stop();
        return listening;
    }
    m_probe->setListening(true);
    qCInfo(lcProxy).noquote() << "listening"
                              << log::LogField::kv("address", m_options.listener.address.toString())
                              << log::LogField::kv("port", m_acceptor->serverPort())
                              << log::LogField::kv("tls", m_listenerTls != nullptr ? "yes" : "no")
                              << log::LogField::kv("workers", count)
                              << log::LogField::kv("routes", m_options.routes.size());
    if (auto exposure = config::ConfigValidator::unprotectedExposure(m_options.listener)) {
        m_exposureWarning = std::make_unique<inbound::ExposureWarning>(m_clock, *exposure);
        m_exposureWarning->start();
    }
    scheduleCertificateCheck();
    return {};
}

Expected<void, QString> ProxyServer::prepareRoutes()
{
    m_transports.clear();
    for (const auto &route : m_options.routes) {
        const config::RouteConfig &config = route.config;
        if (route.store == nullptr || !config.target.isValid()) {
            return Unexpected(QStringLiteral("route %1 has no valid target or token store").arg(config.name));
        }
        RouteTransport transport;
        transport.proxy =
            OutboundProxy::forRoute(config, m_options.outboundProxy, m_options.loopbackBypassesProxy);
        if (config.target.isTls()) {
            auto tls = UpstreamTls::build(m_options.upstream);
            if (!tls) {
                return Unexpected(tls.error());
            }
            transport.tls = *tls;
            if (!config.clientCertificatePath.isEmpty()) {
                auto password = config::SecretFile::resolve(config.clientCertificatePassword,
                                                            config.clientCertificatePasswordFile);
                if (!password) {
                    return Unexpected(QStringLiteral("route %1: %2").arg(config.name, password.error()));
                }
                auto identity =
                    auth::TlsIdentity::load(config.clientCertificatePath, config.clientKeyPath, *password);
                if (!identity) {
                    return Unexpected(QStringLiteral("route %1: client certificate: %2")
                                          .arg(config.name, identity.error()));
                }
                identity->applyTo(transport.tls);
            }
        }
        m_transports.push_back(std::move(transport));
    }
    return {};
}

Expected<void, QString> ProxyServer::prepareInbound()
{
    const config::ListenerConfig &listener = m_options.listener;
    QList<config::Secret> keys = listener.inboundAuth.apiKeys;
    if (!listener.inboundAuth.apiKeysFile.isEmpty()) {
        auto fromFile = config::SecretFile::readLines(listener.inboundAuth.apiKeysFile);
        if (!fromFile) {
            return Unexpected(QStringLiteral("listener.api_keys_file: ") + fromFile.error());
        }
        keys.append(*fromFile);
    }
    m_guard = std::make_unique<inbound::InboundGuard>(listener.inboundAuth, keys);
    if (!listener.tlsCertificatePath.isEmpty()) {
        auto tls = inbound::ListenerTls::create(listener);
        if (!tls) {
            return Unexpected(tls.error());
        }
        m_listenerTls = std::move(*tls);
    }
    return {};
}

Acceptor::Hooks ProxyServer::acceptorHooks(qsizetype fixedRoute)
{
    Acceptor::Hooks hooks;
    hooks.handOff = [this, fixedRoute](qintptr descriptor) { handOff(descriptor, fixedRoute); };
    hooks.shedIdle = [this] {
        for (ProxyWorker *worker : m_workers) {
            worker->shedIdleLater(kShedPerWorker);
        }
    };
    hooks.shedTotal = [this] { return m_counters.snapshot().idleConnectionsShed; };
    hooks.exhausted = [this] { m_counters.descriptorExhaustions.fetch_add(1, std::memory_order_relaxed); };
    hooks.rejected = [this] { m_counters.connectionsRejected.fetch_add(1, std::memory_order_relaxed); };
    return hooks;
}

Expected<void, QString> ProxyServer::openListeners(ProxyServer *donor)
{
    struct Listener {
        quint16 port;
        qsizetype route; // -1: the main listener
        Acceptor *acceptor = nullptr;
    };
    std::vector<Listener> listeners{{m_options.listener.port, -1}};
    for (qsizetype i = 0; i < m_options.routes.size(); ++i) {
        if (const quint16 port = m_options.routes[i].config.listenPort; port != 0) {
            listeners.push_back({port, i});
        }
    }
    const QHostAddress &address = m_options.listener.address;
    // New sockets first: a port that cannot be bound fails the start while the donor still has all
    // of its own, so the running generation keeps serving.
    for (Listener &listener : listeners) {
        if (donor != nullptr && donor->acceptorFor(address, listener.port, listener.route < 0) != nullptr) {
            continue;
        }
        listener.acceptor = new Acceptor(acceptorHooks(listener.route), m_clock, this);
        if (!listener.acceptor->start(address, listener.port)) {
            const QString error = QStringLiteral("cannot listen on %1:%2: %3")
                                      .arg(address.toString())
                                      .arg(listener.port)
                                      .arg(listener.acceptor->errorString());
            for (const Listener &opened : listeners) {
                delete opened.acceptor;
            }
            return Unexpected(error);
        }
    }
    // Taking the donor's socket keeps it open across a reload, so connections queued in its backlog
    // meanwhile are accepted here.
    for (Listener &listener : listeners) {
        if (listener.acceptor == nullptr) {
            listener.acceptor = donor->acceptorFor(address, listener.port, listener.route < 0);
            donor->releaseAcceptor(listener.acceptor);
            listener.acceptor->setParent(this);
            listener.acceptor->setHooks(acceptorHooks(listener.route));
        }
        if (listener.route < 0) {
            m_acceptor = listener.acceptor;
        } else {
            m_routeAcceptors.append({listener.route, listener.acceptor});
        }
    }
    return {};
}

Acceptor *ProxyServer::acceptorFor(const QHostAddress &address, quint16 port, bool mainListener) const
{
    if (address != m_options.listener.address) {
        return nullptr;
    }
    // Matched on the configured port: a listener on an OS-chosen port (0) keeps the port it got.
    if (mainListener) {
        const bool same =
            port == m_options.listener.port && m_acceptor != nullptr && m_acceptor->isListening();
        return same ? m_acceptor : nullptr;
    }
    for (const auto &[route, acceptor] : m_routeAcceptors) {
        if (m_options.routes[route].config.listenPort == port && acceptor->isListening()) {
            return acceptor;
        }
    }
    return nullptr;
}

void ProxyServer::releaseAcceptor(const Acceptor *acceptor)
{
    if (m_acceptor == acceptor) {
        m_acceptor = nullptr;
    }
    m_routeAcceptors.removeIf([acceptor](const auto &entry) { return entry.second == acceptor; });
}

std::optional<qsizetype> ProxyServer::routeOwningPort(quint16 port) const
{
    if (port == 0) {
        return -1;
    }
    for (qsizetype i = 0; i < m_options.routes.size(); ++i) {
        if (m_options.routes[i].config.listenPort == port) {
            return i;
        }
    }
    return std::nullopt;
}

void ProxyServer::scheduleCertificateCheck()
{
    if (m_listenerTls == nullptr) {
        return;
    }
    m_certificateTimer = m_clock.startTimer(m_options.certificateCheckInterval, [this] {
        m_certificateTimer = 0;
        reloadListenerCertificate();
        scheduleCertificateCheck();
    });
}

bool ProxyServer::reloadListenerCertificate()
{
    return m_listenerTls != nullptr && m_listenerTls->reloadIfChanged();
}

quint16 ProxyServer::port() const
{
    return m_acceptor != nullptr ? m_acceptor->serverPort() : 0;
}

quint16 ProxyServer::routePort(qsizetype routeIndex) const
{
    for (const auto &[index, acceptor] : m_routeAcceptors) {
        if (index == routeIndex) {
            return acceptor->serverPort();
        }
    }
    return 0;
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

void ProxyServer::handOff(qintptr descriptor, qsizetype fixedRoute)
{
    // Round-robin spreads connections evenly; the hand-off costs one queued event per connection,
    // not per request, because clients keep their connections alive.
    Expects(!m_workers.empty()); // only listening after start() created the workers
    ProxyWorker *worker = m_workers[m_nextWorker];
    m_nextWorker = (m_nextWorker + 1) % m_workers.size();
    worker->adoptSocketLater(descriptor, fixedRoute);
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
    closeAcceptors();
    qCInfo(lcProxy).noquote() << "draining"
                              << log::LogField::kv("active_connections",
                                                   m_counters.snapshot().activeConnections)
                              << log::LogField::kv("timeout_ms", m_options.limits.drainTimeout.count());
    m_pendingDrains = gsl::narrow<int>(m_workers.size());
    m_successor = successor;
    // Runs on a worker thread; the queued call reaches this thread before that worker's "drained".
    ProxyWorker::HandOver handOver;
    if (successor != nullptr) {
        handOver = [this](qintptr descriptor, qsizetype fixedRoute) {
            QMetaObject::invokeMethod(
                this, [this, descriptor, fixedRoute] { passToSuccessor(descriptor, fixedRoute); },
                Qt::QueuedConnection);
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

void ProxyServer::passToSuccessor(qintptr descriptor, qsizetype fixedRoute)
{
    if (m_successor != nullptr && !m_successor->m_workers.empty()) {
        const quint16 port = fixedRoute >= 0 ? m_options.routes[fixedRoute].config.listenPort : quint16{0};
        if (const auto route = m_successor->routeOwningPort(port)) {
            m_successor->handOff(descriptor, *route);
            return;
        }
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

void ProxyServer::closeAcceptors()
{
    if (m_acceptor != nullptr) {
        m_acceptor->stop();
    }
    for (const auto &[index, acceptor] : m_routeAcceptors) {
        acceptor->stop();
    }
}

void ProxyServer::stop()
{
    if (m_drainTimer != 0) {
        m_clock.cancel(m_drainTimer);
        m_drainTimer = 0;
    }
    if (m_certificateTimer != 0) {
        m_clock.cancel(m_certificateTimer);
        m_certificateTimer = 0;
    }
    m_exposureWarning.reset();
    closeAcceptors();
    m_probe->setListening(false);
    for (QThread *thread : m_threads) {
        thread->quit();
    }
    for (QThread *thread : m_threads) {
        thread->wait();
        eventloop::handOverAcquire(thread);
        delete thread;
    }
    m_threads.clear();
    m_workers.clear();
    m_passClocks.clear(); // after the threads, which took their dispatchers with them
}

} // namespace aap::proxy
