#pragma once

#include "core/Clock.h"
#include "core/Expected.h"
#include "proxy/ProxyCounters.h"
#include "proxy/ProxyOptions.h"

#include <QObject>
#include <QSslConfiguration>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

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
    ProxyServer(ProxyOptions options, Clock &clock, QObject *parent = nullptr);
    ~ProxyServer() override;

    // Validates the options, loads the CA bundles, starts the workers and listens.
    Expected<void, QString> start();
    // Stops accepting, lets in-flight exchanges finish up to limits.drainTimeout, then closes what is
    // left; `done` runs on this object's thread.
    void drain(std::function<void()> done);
    // Stops the workers at once (destructor does the same).
    void stop();

    [[nodiscard]] quint16 port() const;
    [[nodiscard]] const ProxyCounters &counters() const { return m_counters; }
    [[nodiscard]] const health::ReadinessProbe &readiness() const { return *m_probe; }
    [[nodiscard]] int workerCount() const { return static_cast<int>(m_workers.size()); }

private:
    void handOff(qintptr descriptor);
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
    int m_pendingDrains = 0;
    std::function<void()> m_drained;
    bool m_draining = false;
};

} // namespace aap::proxy
