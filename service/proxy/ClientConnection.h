#pragma once

#include "inbound/InboundGuard.h"
#include "proxy/ConnectionAdmission.h"
#include "proxy/DeadlineExpiry.h"
#include "proxy/ExchangeRecorder.h"
#include "proxy/FailureTable.h"
#include "proxy/ImmediateWriter.h"
#include "proxy/ProxyCounters.h"
#include "proxy/RequestState.h"
#include "proxy/SocketInput.h"
#include "proxy/UpstreamExchange.h"

#include <QByteArray>
#include <QObject>

#include <chrono>
#include <memory>
#include <optional>

class QAbstractSocket;
class QTcpSocket;

namespace aap::proxy {

class ProxyWorker;

// One client connection as a state machine: reads request heads (one at a time, so pipelined
// requests are answered in order), lets Admission decide on each, answers local endpoints and
// errors, reads a request body ahead, waits for a token, then hands the request to its
// UpstreamExchange and streams the request body to it with back-pressure. Deadlines and failures
// go through DeadlineExpiry and FailureTable. Lives on its worker's thread.
class ClientConnection : public QObject, private UpstreamExchange::Client {
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
        Exchanging,    // m_upstream has the request (connecting to the target or forwarding)
        Closing,       // final bytes are being flushed, then the socket closes
        Closed,
    };

    // UpstreamExchange::Client
    void exchangeFailed(Failure failure, const QString &message) override;
    void exchangeFinished(bool upstreamReusable) override;
    void exchangeCut() override;
    void exchangeDeadline(Deadline deadline, std::chrono::milliseconds after) override;
    void pumpRequestBody() override;
    void continueSent() override;
    [[nodiscard]] bool requestBodyDone() const override { return body().done(); }
    [[nodiscard]] bool closesAfterResponse() const override;

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
    void answerLocally(Admission::LocalEndpoint endpoint);
    // The listener's inbound protection (inbound::InboundGuard) turned the request away: answered
    // with 401/403 and closed, never forwarded, never waiting for a token.
    void rejectInbound(const inbound::InboundRejection &rejection);
    // Reads the request body ahead (up to a buffer's worth) so a client that trickles it holds no
    // upstream connection; then goes on to the token.
    void bufferRequestBody();
    // 408 when the body arrives slower than the limits allow; true when the request failed.
    bool checkBodyRate(SteadyTime now);
    void acquireToken();
    void requestBodyFinished();
    void finishExchange(bool upstreamReusable);
    void startNextRequest();
    // Metrics and spans of the exchange that ends now; status 0: the connection was cut.
    void recordExchange(int status, QByteArrayView errorType);

    // Error reply before any response byte was relayed; closes when the request body was not
    // consumed. After the response head was relayed only the connection can be cut.
    void failRequest(Failure failure, const QString &message);
    void failRequest(const FailureSpec &failure, const QString &message);
    // Sends the reply built in m_out, then closes or waits for the next request.
    void sendReply(bool close);
    // Leaving Exchanging ends the exchange's part.
    void setState(State state);
    void closeAfterFlush();
    void closeNow();
    void releaseIdleBuffers();
    void setDeadline(Deadline kind, std::chrono::milliseconds after);
    // The current request's parts; only while m_requestState exists (from a request's first byte).
    [[nodiscard]] http::RequestHead &request() const { return m_requestState->request; }
    [[nodiscard]] RequestBody &body() const { return m_requestState->body; }
    [[nodiscard]] UpstreamExchange &upstream() const { return m_requestState->upstream; }

    ProxyWorker &m_worker;
    QTcpSocket *m_socket;
    SocketInput m_input;
    QByteArray m_peerAddress;
    State m_state = State::Idle;
    Deadline m_deadlineKind = Deadline::None;
    SteadyTime m_deadline{};

    // Client side.
    QByteArray m_in; // request head being parsed, then body bytes / pipelined requests not yet used
    bool m_closeAfterResponse = false;
    bool m_drainRequested = false;
    qsizetype m_routeIndex = -1;
    bool m_tlsClient = false;        // the listener speaks TLS
    ImmediateWriter m_clientOut;     // every write to the client
    bool m_clientHalfClosed = false; // the client sent all it will send
    ConnectionAdmission m_admission;

    QByteArray m_out;                             // heads and local replies are built here
    std::unique_ptr<RequestState> m_requestState; // while requests come (RequestState)
};

} // namespace aap::proxy
