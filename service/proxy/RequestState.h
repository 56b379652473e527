#pragma once

#include "http/RequestHead.h"
#include "http/RequestHeadParser.h"
#include "proxy/Admission.h"
#include "proxy/DeadlineExpiry.h"
#include "proxy/ExchangeRecorder.h"
#include "proxy/FailureTable.h"
#include "proxy/LocalResponder.h"
#include "proxy/RequestBody.h"
#include "proxy/UpstreamExchange.h"

#include <QByteArray>

#include <chrono>

namespace aap::proxy {

class ImmediateWriter;
class ProxyWorker;
class SocketInput;

// A client connection's requests, one at a time: parses the head, answers locally or fails with a
// local reply, reads the body ahead, waits for the route's token, hands the request to its
// UpstreamExchange, streams the body to it and records the exchange when it ends. The connection
// (Connection) keeps the socket, the state machine and the deadline, and is told where the request
// went. Made when a request's first byte arrives and freed once the connection sat idle for a
// sweep (1.2 KB), so a kept-alive client that sends nothing costs little, and one that keeps
// sending allocates nothing per request.
class RequestState final : private UpstreamExchange::Client {
public:
    using SteadyTime = std::chrono::steady_clock::time_point;

    // What the request needs of the client connection it arrived on.
    class Connection {
    public:
        // The body is read ahead before a token or an upstream is taken.
        virtual void enterBufferingBody() = 0;
        // The route has no usable token yet; false when the request was waiting already.
        virtual bool enterWaitingToken() = 0;
        // The exchange takes the request (and may call back at once).
        virtual void enterExchanging() = 0;
        virtual void setDeadline(Deadline deadline, std::chrono::milliseconds after) = 0;
        // The response is queued for the client: close after it, or go on to the next request.
        virtual void responseQueued(bool close) = 0;
        // The response broke off after its head: only closing the connection is left.
        virtual void closeNow() = 0;

    protected:
        ~Connection() = default;
    };

    // The references are the connection's and outlive this state.
    RequestState(ProxyWorker &worker, Connection &connection, ImmediateWriter &clientOut, SocketInput &input,
                 QByteArray &in, const QByteArray &peerAddress);
    // Gives a connection the exchange still holds (or waits for) back to the pool. Virtual only
    // because the class has virtual functions (UpstreamExchange::Client's).
    virtual ~RequestState();
    RequestState(const RequestState &) = delete;
    RequestState &operator=(const RequestState &) = delete;
    RequestState(RequestState &&) = delete;
    RequestState &operator=(RequestState &&) = delete;

    // Parses what `in` holds of the next request head.
    [[nodiscard]] http::ParseResult parseHead() { return m_parser.parse(m_in, m_request); }
    [[nodiscard]] const http::RequestHead &head() const { return m_request; }
    // A new request head: forget the previous request's progress. `draining`: the connection closes
    // after this response.
    void begin(bool draining)
    {
        m_upstream.begin();
        m_closeAfterResponse = !m_request.keepAlive() || draining;
        m_body.begin(m_request);
    }
    // Nothing after this request can be trusted, or the connection drains: it closes after the
    // response.
    void closeAfterResponse() { m_closeAfterResponse = true; }
    [[nodiscard]] bool closingAfterResponse() const { return m_closeAfterResponse; }
    void answerLocally(Admission::LocalEndpoint endpoint);
    // A client that fails the inbound check gets no second try on this connection.
    void reject(const inbound::InboundRejection &rejection);
    // A request for the target (Admission::Refused or Forward): counted, its exchange recorded, then
    // refused with a reply or forwarded along its route: the body is read ahead if there is one,
    // then the route's token is taken.
    void admit(const Admission::Decision &decision);
    // More body bytes arrived while they are read ahead.
    void bufferBody();
    // The store of `route` published or cleared a token while the request waited for one.
    void tokenChanged(qsizetype route);
    // 408 when the body arrives slower than the limits allow; true when the request failed.
    bool failIfBodyTooSlow(SteadyTime now, bool bufferingBody);
    // Error reply before any response byte was relayed (closes when the request body was not
    // consumed); after the response head was relayed only the connection can be cut.
    void fail(Failure failure, const QString &message);
    void fail(const FailureSpec &failure, const QString &message);
    // The client can take response bytes.
    void pumpResponseBody() { m_upstream.pumpResponseBody(); }
    // The upstream can take, or the client sent, request body bytes.
    void pumpRequestBody(QByteArrayView head) override;
    // The client went away before the response was complete.
    void clientAborted();
    // The response was relayed: nothing of it may linger for the next request.
    void clear()
    {
        m_routeIndex = -1;
        m_upstream.clear();
    }
    // The connection closes now: records the exchange as cut and gives the upstream back (before
    // the exchange is left, so a wait queued in the pool is cancelled).
    void abandon();
    [[nodiscard]] DeadlineFacts deadlineFacts() const;

    [[nodiscard]] bool bodyDone() const { return m_body.done(); }
    // The request head went to the target; the body streams.
    [[nodiscard]] bool forwarding() const { return m_upstream.forwarding(); }
    // The exchange ends its part when the connection leaves Exchanging.
    void leaveExchange() { m_upstream.leave(); }

private:
    // UpstreamExchange::Client
    void exchangeFailed(Failure failure, const QString &message) override;
    void exchangeFinished(bool upstreamReusable) override;
    void exchangeCut() override;
    void exchangeDeadline(Deadline deadline, std::chrono::milliseconds after) override;
    void continueSent() override;
    [[nodiscard]] bool requestBodyDone() const override { return m_body.done(); }
    [[nodiscard]] bool closesAfterResponse() const override;

    void acquireToken();
    void requestBodyFinished();
    // Sends the reply built in m_out; the connection then closes or waits for the next request.
    void sendReply(bool close);
    // Metrics and spans of the exchange that ends now; status 0: the connection was cut.
    void record(int status, QByteArrayView errorType);
    [[nodiscard]] QByteArray routeName() const;

    ProxyWorker &m_worker;
    Connection &m_connection;
    ImmediateWriter &m_clientOut;
    SocketInput &m_input;
    QByteArray &m_in;
    const QByteArray &m_peerAddress;
    LocalResponder m_local;
    QByteArray m_out; // heads and local replies are built here
    qsizetype m_routeIndex = -1;
    bool m_closeAfterResponse = false;
    http::RequestHeadParser m_parser;
    http::RequestHead m_request;
    RequestBody m_body;
    ExchangeState m_exchange;
    UpstreamExchange m_upstream;
};

} // namespace aap::proxy
