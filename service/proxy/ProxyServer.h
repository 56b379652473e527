#pragma once

#include "core/Clock.h"
#include "core/Expected.h"
#include "proxy/Acceptor.h"
#include "proxy/ProxyCounters.h"
#include "proxy/ProxyOptions.h"
#include "proxy/RouteTransport.h"

#include <QList>
#include <QObject>
#include <QPair>
#include <QSslConfiguration>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

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

    // Validates the options, loads the CA bundles, starts the workers and listens.
    Expected<void, QString> start();
    // Stops accepting, lets in-flight exchanges finish up to limits.drainTimeout, then closes what is
    // left; `done` runs on this object's thread.
    void drain(std::function<void()> done);
    // Stops the workers at once (destructor does the same).
    void stop();

    // The main listener's port; routePort(): the port a route owns (0 when it has none).
    [[nodiscard]] quint16 port() const;
    [[nodiscard]] quint16 routePort(qsizetype routeIndex) const;
    // Checks the listener certificate files now instead of at the next periodic check.
    bool reloadListenerCertificate();
    [[nodiscard]] const ProxyCounters &counters() const { return m_counters; }
    [[nodiscard]] const health::ReadinessProbe &readiness() const { return *m_probe; }
    [[nodiscard]] int workerCount() const { return static_cast<int>(m_workers.size()); }

private:
    Expected<void, QString> prepareRoutes();
    Expected<void, QString> prepareInbound();
    Acceptor::Hooks acceptorHooks(qsizetype fixedRoute);
    Expected<void, QString> listen(Acceptor *acceptor, quint16 port);
    void scheduleCertificateCheck();
    void closeAcceptors();
    void handOff(qintptr descriptor, qsizetype fixedRoute);
    void workerDrained();
    void finishDrain();

    ProxyOptions m_options;
    Clock &m_clock;
    Clock::TimerId m_drainTimer = 0;
    ProxyCounters m_counters;
    std::unique_ptr<health::ReadinessProbe> m_probe;
    std::vector<RouteTransport> m_transports;
    std::unique_ptr<inbound::InboundGuard> m_guard;
    std::unique_ptr<inbound::ListenerTls> m_listenerTls;
    std::unique_ptr<inbound::ExposureWarning> m_exposureWarning;
    Clock::TimerId m_certificateTimer = 0;
    Acceptor *m_acceptor = nullptr;
    QList<QPair<qsizetype, Acceptor *>> m_routeAcceptors; // routes with a port of their own
    std::vector<QThread *> m_threads;
    std::vector<ProxyWorker *> m_workers;
    std::size_t m_nextWorker = 0;
    int m_pendingDrains = 0;
    std::function<void()> m_drained;
    bool m_draining = false;
};

} // namespace aap::proxy
