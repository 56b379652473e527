#pragma once

#include "proxy/ConnectionAdmission.h"
#include "proxy/DeadlineExpiry.h"
#include "proxy/ImmediateWriter.h"
#include "proxy/RequestState.h"
#include "proxy/SocketInput.h"

#include <QByteArray>
#include <QObject>

#include <chrono>
#include <memory>

#include <gsl/assert>

class QTcpSocket;

namespace aap::proxy {

class ProxyWorker;

// One client connection as a state machine: reads request heads (one at a time, so pipelined
// requests are answered in order), lets ConnectionAdmission decide on each and hands it to its
// RequestState, which answers it locally or forwards it and reports where it went. Owns the socket,
// the connection's one deadline (what expiry means is DeadlineExpiry's) and its ends: drain, reload
// hand-over, half-close and close. Lives on its worker's thread.
class ClientConnection : public QObject, private RequestState::Connection {
    Q_OBJECT

public:
    using SteadyTime = std::chrono::steady_clock::time_point;

    // `fixedRoute`: every request uses this route (the client came in on the route's own port); -1:
    // route by path.
    ClientConnection(ProxyWorker &worker, QTcpSocket *socket, qsizetype fixedRoute = -1);
    ~ClientConnection() override;

    // Called by the worker's sweep.
    void checkDeadline(SteadyTime now);
    // The store of this connection's route published or cleared a token.
    void tokenChanged(qsizetype routeIndex);
    // Drain: close now when idle, otherwise after the current response.
    // For a connection adopted while its worker drains: answer one request, then close.
    void closeAfterFirstResponse();
    void startDrain();
    // A reload moves idle kept-alive connections to the new configuration instead of closing them
    // (a request the client sends at that moment would otherwise meet a closed connection). When
    // idle with nothing buffered, returns a duplicate of the socket's descriptor and closes this
    // connection without a byte on the wire; otherwise -1 (and the connection is left as it was).
    // Never for a TLS client.
    qintptr detachIdleSocket();
    // The route that owns the port the client connected to, or -1 (route by path).
    [[nodiscard]] qsizetype fixedRoute() const { return m_admission.fixedRoute(); }
    // Closes at once (drain time-out or shutdown); a request not yet forwarded gets a 503 first.
    void abortNow();
    // Closes when no request is in progress (descriptor shortage); true when it closed.
    bool closeIfIdle();

private:
    enum class State {
        Idle,          // keep-alive: waiting for the first byte of the next request
        ReadingHead,   // part of a head has arrived
        BufferingBody, // the request body is read ahead before a token or an upstream is taken
        WaitingToken,  // route has no usable token yet
        Exchanging,    // the request's exchange has it (connecting to the target or forwarding)
        Closing,       // final bytes are being flushed, then the socket closes
        Closed,
    };

    // RequestState::Connection
    void enterBufferingBody() override;
    bool enterWaitingToken() override;
    void enterExchanging() override { setState(State::Exchanging); }
    void setDeadline(Deadline kind, std::chrono::milliseconds after) override;
    void responseQueued(bool close) override;
    void closeNow() override;

    // Direct reads (SocketInput): the socket's read notifier fired; Qt does not see it.
    bool eventFilter(QObject *watched, QEvent *event) override;
    void onReadable();
    void onReadyRead();
    void onBytesWritten();
    void onDisconnected();
    // A response is still owed to the client, so the end of its input must not close the connection.
    [[nodiscard]] bool responseOwed() const;
    void clientHalfClosed();

    void processInput();
    void handleHead();
    void startNextRequest();
    // Leaving Exchanging ends the exchange's part.
    void setState(State state);
    void closeAfterFlush();
    // The states in which a request is in progress, and so m_requestState exists.
    [[nodiscard]] bool inRequest() const;
    [[nodiscard]] RequestState &request() const
    {
        Expects(m_requestState != nullptr);
        return *m_requestState;
    }

    ProxyWorker &m_worker;
    QTcpSocket *m_socket;
    SocketInput m_input;
    QByteArray m_peerAddress;
    State m_state = State::Idle;
    Deadline m_deadlineKind = Deadline::None;
    SteadyTime m_deadline{};

    // Client side.
    QByteArray m_in; // request head being parsed, then body bytes / pipelined requests not yet used
    bool m_drainRequested = false;
    bool m_tlsClient = false;        // the listener speaks TLS
    ImmediateWriter m_clientOut;     // every write to the client
    bool m_clientHalfClosed = false; // the client sent all it will send
    ConnectionAdmission m_admission;
    std::unique_ptr<RequestState> m_requestState; // while requests come (RequestState)
};

} // namespace aap::proxy
