#pragma once

#include "core/Clock.h"
#include "core/Expected.h"
#include "eventloop/PassClock.h"
#include "proxy/Acceptor.h"
#include "proxy/ProxyCounters.h"
#include "proxy/ProxyOptions.h"
#include "proxy/RouteTransport.h"

#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QSslConfiguration>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <gsl/narrow>

class QHostAddress;
class QThread;

namespace aap::health {
class ReadinessProbe;
}
namespace aap::inbound {
class ExposureWarning;
class InboundGuard;
class ListenerTls;
} // namespace aap::inbound

namespace aap::proxy {

class ProxyWorker;

// The proxy data path: one listening socket on the calling thread hands accepted connections
// round-robin to N worker threads, each with its own event loop, token readers and upstream pools.
// Counters are plain atomics for /metrics.
class ProxyServer : public QObject {
    Q_OBJECT

public:
    // clock: timers on the calling thread (drain deadline, accept pause after descriptor exhaustion).
    ProxyServer(ProxyOptions options, Clock &clock, QObject *parent = nullptr);
    ~ProxyServer() override;

    // Validates the options, loads the CA bundles, starts the workers and listens. With a donor (a
    // reload), takes over each of the donor's listening sockets whose address and port are unchanged
    // (the main one, and a route's own port) instead of binding a new one; the donor then only drains
    // what it already accepted.
    Expected<void, QString> start(ProxyServer *listenerDonor = nullptr);
    // Stops accepting, lets in-flight exchanges finish up to limits.drainTimeout, then closes what is
    // left; `done` runs on this object's thread. With a successor (a reload), idle connections move
    // to the successor's workers instead of being closed; busy ones finish their exchange here.
    void drain(std::function<void()> done, ProxyServer *successor = nullptr);
    // Stops the workers at once (destructor does the same).
    void stop();

    // The main listener's port; routePort(): the port a route owns (0 when it has none).
    [[nodiscard]] quint16 port() const;
    [[nodiscard]] quint16 routePort(qsizetype routeIndex) const;
    // Checks the listener certificate files now instead of at the next periodic check.
    bool reloadListenerCertificate();
    [[nodiscard]] const ProxyCounters &counters() const { return m_counters; }
    [[nodiscard]] const health::ReadinessProbe &readiness() const { return *m_probe; }
    [[nodiscard]] int workerCount() const { return gsl::narrow<int>(m_workers.size()); }

    // Worker liveness for the service manager's watchdog: pingWorkers() posts a heartbeat to every
    // worker's event loop; workersResponsive() is true when each has run the last one posted.
    void pingWorkers();
    [[nodiscard]] bool workersResponsive() const;
#ifdef AAP_TEST_HOOKS
    // Test hook: blocks a worker's event loop for `duration`, as a stuck worker would.
    void stallWorker(int index, std::chrono::milliseconds duration);
#endif

private:
    Expected<void, QString> prepareRoutes();
    Expected<void, QString> prepareInbound();
    Acceptor::Hooks acceptorHooks(qsizetype fixedRoute);
    // The main listener and one per route with a port of its own: taken from the donor when it
    // listens there already, bound anew otherwise.
    Expected<void, QString> openListeners(ProxyServer *donor);
    // The acceptor configured for `port` on `address` (the main listener, or a route's own port), or
    // null; releaseAcceptor() gives it up to a successor.
    [[nodiscard]] Acceptor *acceptorFor(const QHostAddress &address, quint16 port, bool mainListener) const;
    void releaseAcceptor(const Acceptor *acceptor);
    // The route of this generation that owns `port`: -1 for 0 (the main port), nullopt when none.
    [[nodiscard]] std::optional<qsizetype> routeOwningPort(quint16 port) const;
    void scheduleCertificateCheck();
    void closeAcceptors();
    void handOff(qintptr descriptor, qsizetype fixedRoute);
    // A connection idle at a reload, from `fixedRoute` of this generation: the successor takes it on
    // the same port, or it is closed when the successor no longer listens there for a route.
    void passToSuccessor(qintptr descriptor, qsizetype fixedRoute);
    void workerDrained();
    void finishDrain();

    ProxyOptions m_options;
    Clock &m_clock;
    Clock::TimerId m_drainTimer = 0;
    ProxyCounters m_counters; // after m_options: sized by its routes
    std::unique_ptr<health::ReadinessProbe> m_probe;
    std::vector<RouteTransport> m_transports;
    std::unique_ptr<inbound::InboundGuard> m_guard;
    std::unique_ptr<inbound::ListenerTls> m_listenerTls;
    std::unique_ptr<inbound::ExposureWarning> m_exposureWarning;
    Clock::TimerId m_certificateTimer = 0;
    Acceptor *m_acceptor = nullptr;
    QList<QPair<qsizetype, Acceptor *>> m_routeAcceptors;            // routes with a port of their own
    std::vector<std::unique_ptr<eventloop::PassClock>> m_passClocks; // one per worker thread
    std::vector<QThread *> m_threads;
    std::vector<ProxyWorker *> m_workers;
    std::size_t m_nextWorker = 0;
    quint64 m_heartbeat = 0;
    int m_pendingDrains = 0;
    std::function<void()> m_drained;
    QPointer<ProxyServer> m_successor;
    bool m_draining = false;
};

} // namespace aap::proxy
