#pragma once

#include "core/Clock.h"
#include "core/Expected.h"
#include "proxy/ProxyCounters.h"
#include "proxy/ProxyOptions.h"

#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

#include <gsl/narrow>

class QThread;

namespace aap::health {
class ReadinessProbe;
}

namespace aap::proxy {

class Acceptor;
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
    // reload whose listener settings are unchanged), takes over the donor's listening socket instead
    // of binding a new one; the donor then only drains what it already accepted.
    Expected<void, QString> start(ProxyServer *listenerDonor = nullptr);
    // Stops accepting, lets in-flight exchanges finish up to limits.drainTimeout, then closes what is
    // left; `done` runs on this object's thread. With a successor (a reload), idle connections move
    // to the successor's workers instead of being closed; busy ones finish their exchange here.
    void drain(std::function<void()> done, ProxyServer *successor = nullptr);
    // Stops the workers at once (destructor does the same).
    void stop();

    [[nodiscard]] quint16 port() const;
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
    void handOff(qintptr descriptor);
    void passToSuccessor(qintptr descriptor);
    void workerDrained();
    void finishDrain();

    ProxyOptions m_options;
    Clock &m_clock;
    Clock::TimerId m_drainTimer = 0;
    ProxyCounters m_counters; // after m_options: sized by its routes
    std::unique_ptr<health::ReadinessProbe> m_probe;
    QSslConfiguration m_tls;
    Acceptor *m_acceptor = nullptr;
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
