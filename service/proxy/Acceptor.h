#pragma once

#include "core/Clock.h"
#include "log/LogLimiter.h"

#include <QHostAddress>
#include <QTcpServer>

#include <cstdint>
#include <functional>

class QSocketNotifier;

namespace aap::proxy {

// The listening socket. Accepted descriptors go straight to a callback (round-robin to the
// workers), never becoming QTcpSockets on the accepting thread.
//
// On Unix the accept loop is our own: Qt's keeps its read notifier armed when accept() fails with
// EMFILE, so a full descriptor table made the process spin at 100 % CPU. Here exhaustion pauses
// accepting, asks the workers to close idle client connections (the oldest first), and retries
// after a short pause; when a pause freed nothing, one pending connection is accepted on a reserve
// descriptor and closed so that waiting clients get an answer instead of hanging in the backlog.
class Acceptor : public QTcpServer {
    Q_OBJECT

public:
    struct Hooks {
        std::function<void(qintptr)> handOff;
        // Asks every worker to close some idle client connections (asynchronous).
        std::function<void()> shedIdle;
        // Total idle connections closed so far by shedIdle (any thread).
        std::function<std::uint64_t()> shedTotal;
        // A full descriptor table was met (counted by the caller).
        std::function<void()> exhausted;
        // A pending connection was accepted and closed at once for lack of descriptors.
        std::function<void()> rejected;
    };

    Acceptor(Hooks hooks, Clock &clock, QObject *parent = nullptr);
    ~Acceptor() override;

    // listen(), then accept with the loop above. False with errorString() on failure.
    bool start(const QHostAddress &address, quint16 port);
    void stop();

    // How long accepting pauses after the descriptor table was found full.
    static constexpr Clock::Duration kExhaustedPause{100};

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void acceptPending();
    void onExhausted();
    void resume();
    void rejectOnePending();

    Hooks m_hooks;
    Clock &m_clock;
    log::LogLimiter m_exhaustedLog;
    QSocketNotifier *m_notifier = nullptr;
    Clock::TimerId m_resumeTimer = 0;
    int m_reserve = -1;
    std::uint64_t m_shedAtPause = 0;
    bool m_pausedBefore = false;
};

} // namespace aap::proxy
