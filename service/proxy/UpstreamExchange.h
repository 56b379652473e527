#pragma once

#include "http/HeadRewriter.h"
#include "http/RequestHead.h"
#include "http/ResponseHead.h"
#include "http/ResponseHeadParser.h"
#include "proxy/BodyRelay.h"
#include "proxy/DeadlineExpiry.h"
#include "proxy/FailureTable.h"
#include "proxy/ImmediateWriter.h"
#include "proxy/UpstreamHandler.h"

#include <QByteArray>

#include <chrono>

class QAbstractSocket;
class QTcpSocket;

namespace aap::proxy {

class ProxyWorker;
class SocketInput;
class UpstreamPool;
struct ExchangeState;

// The target's side of one forwarded request: takes an upstream connection from the worker's pool,
// sends the rewritten head, retries once on a stale kept-alive connection, parses the response head
// and relays the response body to the client. The client connection's RequestState owns it, feeds it the
// request body (RequestState::pumpRequestBody) and decides what happens after it reports.
class UpstreamExchange final : private UpstreamHandler {
public:
    // What the exchange needs of the client connection it serves.
    class Client {
    public:
        Client() = default;
        Client(const Client &) = delete;
        Client &operator=(const Client &) = delete;
        Client(Client &&) = delete;
        Client &operator=(Client &&) = delete;

        // The request failed before a response byte was relayed (or, after, must be cut).
        virtual void exchangeFailed(Failure failure, const QString &message) = 0;
        // The whole response was relayed.
        virtual void exchangeFinished(bool upstreamReusable) = 0;
        // The response broke off after its head: only closing the client connection is left.
        virtual void exchangeCut() = 0;
        virtual void exchangeDeadline(Deadline deadline, std::chrono::milliseconds after) = 0;
        // The upstream can take request body bytes. `head`, the request head when the body starts,
        // goes out first (with the first body bytes in one system call).
        virtual void pumpRequestBody(QByteArrayView head) = 0;
        // 100 Continue went to the client: its body comes now.
        virtual void continueSent() = 0;
        [[nodiscard]] virtual bool requestBodyDone() const = 0;
        // The client connection closes after this response whatever the target says.
        [[nodiscard]] virtual bool closesAfterResponse() const = 0;

    protected:
        ~Client() = default;
    };

    // Every reference outlives the exchange (members of the same client connection).
    UpstreamExchange(ProxyWorker &worker, Client &client, ImmediateWriter &downstream,
                     const http::RequestHead &request, ExchangeState &exchange, QByteArray &out,
                     const QByteArray &peerAddress);
    // Virtual only because the class has virtual functions (UpstreamHandler's).
    virtual ~UpstreamExchange() = default;

    // A new request head: forget the previous exchange's progress.
    void begin();
    // Takes (or waits for) an upstream connection and forwards the request along `route`.
    void start(qsizetype route);
    // The client connection left the exchange (answered, failed or closed).
    void leave() { m_phase = Phase::None; }
    // Between exchanges nothing of the last response may linger.
    void clear();
    // Gives the upstream connection back to the pool (or cancels the wait for one).
    void release(bool reusable);
    // The request body no longer holds one of the pool's body streams.
    void endBodyStream();
    void noteBodyBytesSent() { m_bodyBytesSent = true; }
    // Relays what has arrived of the response body; `head`, the response head when the body starts,
    // goes out first (with the first body bytes in one system call).
    void pumpResponseBody(QByteArrayView head = {});

    [[nodiscard]] bool forwarding() const { return m_phase == Phase::Forwarding; }
    [[nodiscard]] bool responseHeadRelayed() const { return m_responseHeadRelayed; }
    // The upstream socket while a connection is held, else null.
    [[nodiscard]] QAbstractSocket *socket() const;
    // Writes to the target; null without a connection.
    [[nodiscard]] ImmediateWriter *writer() const;
    // What the target sent; null without a connection.
    [[nodiscard]] SocketInput *input() const;
    [[nodiscard]] int status() const { return m_response.status(); }
    // The connection may serve another request once this response is relayed.
    [[nodiscard]] bool reusableAfterResponse() const;
    // The relayed response requires the client connection to close after it.
    [[nodiscard]] bool closesClient() const { return m_responseHeadRelayed && m_plan.closeDownstream; }

private:
    enum class Phase {
        None,
        Connecting, // queued for or opening an upstream connection
        Forwarding, // request head sent; bodies stream; response pending or in progress
    };

    // UpstreamHandler
    void upstreamAssigned(gsl::not_null<UpstreamConnection *> connection) override;
    void upstreamReady(gsl::not_null<UpstreamConnection *> connection) override;
    void upstreamTcpConnected() override;
    void upstreamReadyRead() override;
    void upstreamBytesWritten() override;
    void upstreamFailed(UpstreamFailure failure) override;

    void acquire(bool fresh);
    void sendRequestHead();
    void handleResponseHead();
    // A 1xx response; false when it failed the request.
    bool relayInterimResponse();
    void handleFinalResponseHead();
    // A kept-alive connection the target had closed before answering: one fresh attempt is safe.
    [[nodiscard]] bool mayRetry() const;
    [[nodiscard]] const QByteArray &routeName() const;

    ProxyWorker &m_worker;
    Client &m_client;
    ImmediateWriter &m_downstream;
    const http::RequestHead &m_request;
    ExchangeState &m_exchange;
    QByteArray &m_out; // heads for the client are built here
    const QByteArray &m_peerAddress;
    bool m_tlsClient = false;
    Phase m_phase = Phase::None;
    qsizetype m_routeIndex = -1;

    UpstreamPool *m_pool = nullptr;
    UpstreamConnection *m_upstream = nullptr;
    QByteArray m_upstreamHead; // kept until the first response byte, for the one retry
    QByteArray m_upIn;         // response head being parsed, then body bytes not yet relayed
    http::ResponseHeadParser m_responseParser;
    http::ResponseHead m_response;
    http::ResponsePlan m_plan;
    BodyRelay m_responseBody;       // relays m_upIn and the upstream socket to the client
    bool m_holdsBodyStream = false; // counted in the pool's streamingBodies()
    bool m_responseHeadRelayed = false;
    bool m_responseStarted = false; // any response byte arrived on this upstream connection
    bool m_retried = false;
    bool m_upstreamWasReused = false;
    bool m_upstreamEof = false; // the target closed; m_upIn holds the last bytes
    bool m_bodyBytesSent = false;
    bool m_sent100 = false;
};

} // namespace aap::proxy
