#pragma once

#include <QTcpServer>

#include <functional>

namespace aap::proxy {

// The listening socket. Accepted descriptors go straight to a callback (round-robin to the
// workers), never becoming QTcpSockets on the accepting thread.
class Acceptor : public QTcpServer {
    Q_OBJECT

public:
    explicit Acceptor(std::function<void(qintptr)> handOff, QObject *parent = nullptr);

    // A reload hands the listening socket to the new proxy generation: the socket stays open, so
    // connections queued in its backlog meanwhile are accepted by the new one.
    void setHandOff(std::function<void(qintptr)> handOff) { m_handOff = std::move(handOff); }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    std::function<void(qintptr)> m_handOff;
};

} // namespace aap::proxy
