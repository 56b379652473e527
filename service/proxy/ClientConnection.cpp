#include "proxy/ClientConnection.h"

#include "auth/TokenStore.h"
#include "health/ReadinessProbe.h"
#include "inbound/ListenerTls.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/HalfCloseWatch.h"
#include "proxy/LocalReply.h"
#include "proxy/ProxyWorker.h"
#include "proxy/UpstreamConnection.h"
#include "proxy/UpstreamPool.h"

#include <QSslSocket>
#include <QTcpSocket>

#include <utility>

#include <gsl/assert>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#endif

namespace aap::proxy {

using log::LogField;

namespace {

// What Qt may read ahead from a client; beyond it TCP flow control holds the client back.
constexpr qint64 kClientReadBufferBytes = qint64{64} * 1024;
// A request body is read ahead up to this size before an upstream connection is taken.
constexpr qsizetype kBodyBufferBytes = qsizetype{64} * 1024;
// Room above the head limit, so the parser (not the buffer) decides when a head is too large.
constexpr qsizetype kHeadSlackBytes = 1024;

http::Limits limitsFrom(const config::LimitsConfig &limits)
{
    http::Limits result;
    result.maxHeadBytes = limits.maxHeaderBytes;
    result.maxTargetBytes = limits.maxRequestTargetBytes;
    return result;
}

} // namespace

ClientConnection::ClientConnection(ProxyWorker &worker, QTcpSocket *socket, qsizetype fixedRoute)
    : m_worker(worker), m_socket(socket), m_requestParser(limitsFrom(worker.options().limits)),
      m_requestBody(m_in, worker.scratch(), limitsFrom(worker.options().limits)),
      m_bodyScan(limitsFrom(worker.options().limits)),
      m_bodyClock(worker.options().limits.requestBodyTimeout, worker.options().limits.requestBodyMinRate),
      m_fixedRoute(fixedRoute), m_tlsClient(qobject_cast<QSslSocket *>(socket) != nullptr),
      m_responseParser(limitsFrom(worker.options().limits)),
      m_responseBody(m_upIn, worker.scratch(), limitsFrom(worker.options().limits))
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(kClientReadBufferBytes);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_peerAddress = m_socket->peerAddress().toString().toLatin1();
    m_in.reserve(4096);
    m_admission.options = &worker.options();
    m_admission.routes = &worker.routeTable();
    m_admission.guard = &worker.inboundGuard();
    m_admission.fixedRoute = fixedRoute;
    connect(m_socket, &QTcpSocket::readyRead, this, &ClientConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &ClientConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &ClientConnection::onDisconnected);
    m_worker.counters().activeConnections.add(1);
    setDeadline(Deadline::ClientIdle, m_worker.options().limits.clientIdleTimeout);
    // A TLS client ends its input with close_notify, which QSslSocket handles itself.
    if (!m_tlsClient) {
        new HalfCloseWatch(
            *m_socket, [this] { return responseOwed(); }, [this] { clientHalfClosed(); }, this);
    }
}

ClientConnection::~ClientConnection()
{
    m_worker.counters().activeConnections.add(-1);
}

void ClientConnection::setDeadline(Deadline kind, std::chrono::milliseconds after)
{
    m_deadlineKind = kind;
    m_deadline = m_worker.clock().steadyNow() + after;
}

// ---- client side -------------------------------------------------------------------------------

void ClientConnection::onReadyRead()
{
    switch (m_state) {
    case State::Idle:
    case State::ReadingHead:
        processInput();
        break;
    case State::BufferingBody:
        bufferRequestBody();
        break;
    case State::Forwarding:
        pumpRequestBody();
        break;
    case State::Closing:
        // The answer is final; what the client still sends is not read.
        m_socket->skip(m_socket->bytesAvailable());
        break;
    default:
        // Waiting for a token or a connection: the bytes stay buffered (bounded), TCP holds the rest.
        break;
    }
}

void ClientConnection::onBytesWritten()
{
    if (m_state == State::Forwarding && m_responseHeadRelayed) {
        pumpResponseBody();
    } else if (m_state == State::Idle || m_state == State::ReadingHead) {
        // Pipelined requests paused while local replies waited for the client to read them.
        processInput();
    }
}

void ClientConnection::onDisconnected()
{
    if (m_state == State::Closed) {
        return;
    }
    if (m_state == State::Forwarding || m_state == State::WaitingUpstream || m_state == State::WaitingToken ||
        m_state == State::BufferingBody) {
        m_worker.counters().count(ProxyErrorKind::ClientAborted);
        qCWarning(lcProxy).noquote() << "client disconnected during an exchange"
                                     << LogField::kv("route", m_worker.route(m_routeIndex).name)
                                     << LogField::kv("request_body_complete",
                                                     m_requestBodyDone ? "yes" : "no")
                                     << LogField::kv("response_started",
                                                     m_responseHeadRelayed ? "yes" : "no");
    } else if (m_state == State::ReadingHead) {
        qCInfo(lcProxy).noquote() << "client disconnected inside a request head"
                                  << LogField::kv("peer", m_peerAddress);
    }
    closeNow();
}

bool ClientConnection::responseOwed() const
{
    switch (m_state) {
    case State::WaitingToken:
    case State::WaitingUpstream:
        return true;
    case State::Forwarding:
        return m_requestBodyDone;
    case State::ReadingHead:
    case State::BufferingBody:
    case State::Closed:
        // The end of input inside a request: the client gave up on it.
        return false;
    default:
        // Idle or closing with a reply still unsent.
        return m_clientHalfClosed || m_socket->bytesToWrite() > 0;
    }
}

void ClientConnection::clientHalfClosed()
{
    m_clientHalfClosed = true;
    qCDebug(lcProxy).noquote() << "client half-closed; answering what it sent"
                               << LogField::kv("peer", m_peerAddress);
    if (m_state == State::Idle && m_in.isEmpty()) {
        closeAfterFlush();
    }
}

void ClientConnection::processInput()
{
    const qint64 limit = m_worker.options().limits.maxHeaderBytes + kHeadSlackBytes;
    // A loop, not recursion: many pipelined requests answered locally must not deepen the stack.
    while (m_state == State::Idle || m_state == State::ReadingHead) {
        if (m_socket->bytesToWrite() >= BodyRelay::kHighWaterBytes) {
            // Local replies to pipelined requests pile up unread: stop reading until onBytesWritten().
            return;
        }
        BodyRelay::readAvailable(*m_socket, m_in, limit);
        if (m_in.isEmpty()) {
            return;
        }
        if (m_state == State::Idle) {
            m_state = State::ReadingHead;
            setDeadline(Deadline::ClientHeader, m_worker.options().limits.headerTimeout);
        }
        const http::ParseResult result = m_requestParser.parse(m_in, m_request);
        if (result.status == http::ParseStatus::Incomplete) {
            return;
        }
        if (result.status == http::ParseStatus::Error) {
            qCWarning(lcHttp).noquote() << "bad request head" << LogField::kv("peer", m_peerAddress)
                                        << LogField::kv("detail", result.detail);
            // The bad bytes stay unparsed: nothing after them can be trusted to start a request.
            m_closeAfterResponse = true;
            failRequest(FailureTable::of(result.error),
                        QStringLiteral("the request was rejected: %1").arg(QString::fromUtf8(result.detail)));
            return;
        }
        m_in.remove(0, result.consumed);
        handleHead();
    }
}

void ClientConnection::handleHead()
{
    m_responseHeadRelayed = false;
    m_retried = false;
    m_sent100 = false;
    m_upstreamEof = false;
    m_closeAfterResponse = !m_request.keepAlive() || m_drainRequested || m_worker.isDraining();
    m_bodyBytesRelayed = 0;
    m_bodyClock.stop();
    const auto framing = m_request.framing();
    m_requestBody.start(framing, m_request.contentLength(), BodyRelay::Output::RawNoTrailers);
    m_requestBodyDone = framing != http::BodyFraming::Chunked &&
                        (framing != http::BodyFraming::ContentLength || m_request.contentLength() == 0);

    checkPeerOnce();
    const auto decision = Admission::decide(m_request, m_admission);
    if (const auto *local = std::get_if<Admission::Local>(&decision)) {
        answerLocally(local->endpoint);
        return;
    }
    if (const auto *rejected = std::get_if<Admission::Rejected>(&decision)) {
        rejectInbound(rejected->rejection);
        return;
    }
    m_worker.counters().requests.add();
    m_worker.recorder().begin(m_exchange, m_request);
    if (const auto *refused = std::get_if<Admission::Refused>(&decision)) {
        failRequest(refused->failure, refused->message);
        return;
    }
    const auto *forward = std::get_if<Admission::Forward>(&decision);
    Expects(forward != nullptr);
    m_routeIndex = forward->route;
    if (m_requestBodyDone) {
        acquireToken();
        return;
    }
    // A client that asked for 100 Continue sends its body only after it: the clock starts then.
    if (!m_request.expectContinue()) {
        m_bodyClock.start(m_worker.clock().steadyNow(), bodyBytesReceived());
    }
    if (framing == http::BodyFraming::Chunked) {
        m_bodyScan.reset();
        m_bodyScanned = 0;
    }
    m_state = State::BufferingBody;
    m_deadlineKind = Deadline::None;
    bufferRequestBody();
}

void ClientConnection::bufferRequestBody()
{
    BodyRelay::readAvailable(*m_socket, m_in, kBodyBufferBytes);
    if (m_request.expectContinue() || requestBodyBuffered()) {
        acquireToken();
    }
}

bool ClientConnection::requestBodyBuffered()
{
    if (m_in.size() >= kBodyBufferBytes) {
        return true;
    }
    if (m_request.framing() == http::BodyFraming::ContentLength) {
        return static_cast<quint64>(m_in.size()) >= m_requestBody.remaining();
    }
    while (m_bodyScanned < m_in.size()) {
        QByteArrayView payload;
        const http::ParseResult result =
            m_bodyScan.decode(QByteArrayView(m_in).sliced(m_bodyScanned), payload);
        // A malformed body goes on too: the relay answers it with 400.
        if (result.status != http::ParseStatus::Incomplete) {
            return true;
        }
        if (result.consumed == 0) {
            break;
        }
        m_bodyScanned += result.consumed;
    }
    return false;
}

quint64 ClientConnection::bodyBytesReceived() const
{
    return m_bodyBytesRelayed + static_cast<quint64>(m_in.size());
}

bool ClientConnection::checkBodyRate(SteadyTime now)
{
    if (m_requestBodyDone || m_responseHeadRelayed ||
        (m_state != State::BufferingBody && m_state != State::Forwarding) ||
        !m_bodyClock.expired(now, bodyBytesReceived())) {
        return false;
    }
    if (m_state == State::Forwarding && m_upstream != nullptr && m_upstream->socket()->bytesToWrite() > 0) {
        // The target, not the client, holds the body back (the body idle time-out watches it): the
        // client's time starts again.
        m_bodyClock.start(now, bodyBytesReceived());
        return false;
    }
    failRequest(Failure::ClientBodyTooSlow,
                DeadlineExpiry::bodyTooSlow(m_bodyClock.receivedSinceStart(bodyBytesReceived()),
                                            m_bodyClock.elapsed(now), m_worker.options()));
    return true;
}

void ClientConnection::checkPeerOnce()
{
    if (m_peerChecked) {
        return;
    }
    m_peerChecked = true;
    m_admission.localPort = m_socket->localPort();
    m_admission.localAddress = m_socket->localAddress();
    inbound::InboundGuard::Peer peer{m_socket->peerAddress()};
    const auto *tls = qobject_cast<const QSslSocket *>(m_socket);
    if (tls != nullptr && m_worker.listenerTls() != nullptr) {
        peer.certificatePresented = !tls->peerCertificate().isNull();
        peer.certificateTrusted =
            peer.certificatePresented && m_worker.listenerTls()->trustsClient(tls->peerCertificateChain());
    }
    m_admission.peerRejection = m_worker.inboundGuard().checkPeer(peer);
}

void ClientConnection::rejectInbound(const inbound::InboundRejection &rejection)
{
    m_worker.counters().count(ProxyErrorKind::InboundRejected);
    if (const auto suppressed = m_worker.rejectedLog().admit()) {
        qCWarning(lcProxy).noquote() << "request rejected" << LogField::kv("peer", m_peerAddress)
                                     << LogField::kv("status", rejection.status)
                                     << LogField::kv("code", rejection.code)
                                     << LogField::kv("reason", rejection.message)
                                     << LogField::kv("suppressed", *suppressed);
    }
    // A client that fails the check gets no second try on this connection.
    m_closeAfterResponse = true;
    replyError(rejection.status, rejection.code, rejection.message);
}

void ClientConnection::answerLocally(Admission::LocalEndpoint endpoint)
{
    m_worker.counters().localReplies.add();
    // A body sent to a local endpoint is not read: close afterwards instead.
    const bool close = m_closeAfterResponse || !m_requestBodyDone;
    m_out.resize(0);
    if (endpoint == Admission::LocalEndpoint::Health) {
        LocalReply::appendJson(m_out, 200, R"({"status":"ok"})", replyConnection(close));
    } else if (endpoint == Admission::LocalEndpoint::Metrics) {
        LocalReply::appendBody(m_out, 200, "text/plain; version=0.0.4; charset=utf-8",
                               m_worker.options().telemetry.metricsText(), replyConnection(close));
    } else {
        const auto answer = m_worker.probe().answer();
        if (const auto suppressed = answer.ready ? std::nullopt : m_worker.notReadyLog().admit()) {
            qCWarning(lcHealth).noquote() << "not ready" << LogField::kv("reason", answer.body)
                                          << LogField::kv("suppressed", *suppressed);
        }
        LocalReply::appendJson(m_out, answer.ready ? 200 : 503, answer.body, replyConnection(close));
    }
    if (m_request.isHead()) {
        m_out.truncate(m_out.indexOf("\r\n\r\n") + 4);
    }
    sendReply(close);
}

void ClientConnection::acquireToken()
{
    auto &route = m_worker.route(m_routeIndex);
    if (route.reader.current(m_worker.clock().now()) != nullptr) {
        acquireUpstream(false);
        return;
    }
    if (route.store->hasEverPublished()) {
        // Waiting is for start-up only; an expired or withdrawn token is not about to appear.
        failRequest(Failure::NoToken,
                    QStringLiteral("no valid access token for route %1 (it expired or was withdrawn and no "
                                   "refresh succeeded yet)")
                        .arg(QString::fromUtf8(route.name)));
        return;
    }
    if (m_state != State::WaitingToken) {
        m_state = State::WaitingToken;
        setDeadline(Deadline::TokenWait, m_worker.options().limits.tokenWaitTimeout);
        qCInfo(lcProxy).noquote() << "request waits for a token" << LogField::kv("route", route.name);
    }
}

void ClientConnection::tokenChanged(qsizetype routeIndex)
{
    if (m_state == State::WaitingToken && routeIndex == m_routeIndex) {
        acquireToken();
    }
}

// ---- upstream side -----------------------------------------------------------------------------

void ClientConnection::acquireUpstream(bool fresh)
{
    m_state = State::WaitingUpstream;
    m_worker.recorder().upstreamStarting(m_exchange);
    m_pool = m_worker.route(m_routeIndex).pool.get();
    m_upstream = nullptr;
    if (!m_requestBodyDone && !m_holdsBodyStream) {
        // The body did not fit the read-ahead buffer: it streams through an upstream connection, and
        // such streams may take only part of the pool, so slow uploads cannot starve other requests.
        if (!m_pool->beginBodyStream()) {
            failRequest(Failure::PoolExhausted,
                        QStringLiteral("too many request bodies are streaming to the target %1 (%2 "
                                       "connections); try again later")
                            .arg(m_pool->host())
                            .arg(m_pool->streamingBodies()));
            return;
        }
        m_holdsBodyStream = true;
    }
    setDeadline(Deadline::Connect, m_worker.options().upstream.connectTimeout);
    const auto acquired = m_pool->acquire(this, fresh);
    if (acquired.connection != nullptr && acquired.ready) {
        upstreamReady(acquired.connection);
    }
}

void ClientConnection::upstreamAssigned(gsl::not_null<UpstreamConnection *> connection)
{
    m_upstream = connection;
    setDeadline(Deadline::Connect, m_worker.options().upstream.connectTimeout);
}

void ClientConnection::upstreamTcpConnected()
{
    setDeadline(Deadline::TlsHandshake, m_worker.options().upstream.tlsHandshakeTimeout);
}

void ClientConnection::upstreamReady(gsl::not_null<UpstreamConnection *> connection)
{
    m_upstream = connection;
    m_upstreamWasReused = connection->reused;
    m_state = State::Forwarding;
    sendRequestHead();
}

void ClientConnection::sendRequestHead()
{
    auto &route = m_worker.route(m_routeIndex);
    const auth::TokenSnapshot *token = route.reader.current(m_worker.clock().now());
    if (token == nullptr) {
        failRequest(Failure::NoToken,
                    QStringLiteral("the access token expired before the request could be sent"));
        return;
    }
    m_upstreamHead.resize(0);
    route.rewriter.appendUpstreamRequest(m_request, token->authorization, m_peerAddress,
                                         m_tlsClient ? QByteArrayView("https") : QByteArrayView("http"),
                                         m_upstreamHead, m_worker.recorder().traceparent(m_exchange));
    m_upIn.resize(0);
    m_responseParser.reset();
    m_responseStarted = false;
    m_bodyBytesSent = false;
    m_upstream->socket()->write(m_upstreamHead);
    if (m_request.expectContinue() && !m_requestBodyDone && !m_sent100) {
        // Only now is it certain the request is forwarded: the client may send its body.
        m_socket->write(LocalReply::continueResponse().data(), LocalReply::continueResponse().size());
        m_sent100 = true;
        m_bodyClock.start(m_worker.clock().steadyNow(), bodyBytesReceived());
    }
    if (m_requestBodyDone) {
        setDeadline(Deadline::ResponseHead, m_worker.options().upstream.responseHeadersTimeout);
    } else {
        setDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
        pumpRequestBody();
    }
}

void ClientConnection::pumpRequestBody()
{
    if (m_state != State::Forwarding || m_requestBodyDone || m_upstream == nullptr) {
        return;
    }
    // Trailers could carry fields the proxy must control (Authorization) or that the removed Trailer
    // field no longer declares: the upstream never sees them (BodyRelay::Output::RawNoTrailers).
    QAbstractSocket *sink = m_upstream->socket();
    const auto moved = m_requestBody.move(m_socket, *sink);
    if (!moved) {
        failRequest(Failure::BadChunkedRequestBody, QStringLiteral("the chunked request body is malformed"));
        return;
    }
    m_worker.counters().notePendingWrite(sink->bytesToWrite());
    if (moved->bytes > 0) {
        m_bodyBytesRelayed += static_cast<quint64>(moved->bytes);
        m_exchange.bytesIn += static_cast<std::uint64_t>(moved->bytes);
        m_bodyBytesSent = true;
        if (!m_responseHeadRelayed) {
            setDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
        }
    }
    if (moved->done) {
        requestBodyFinished();
    }
}

void ClientConnection::requestBodyFinished()
{
    m_requestBodyDone = true;
    if (std::exchange(m_holdsBodyStream, false)) {
        m_pool->endBodyStream();
    }
    if (!m_responseHeadRelayed) {
        setDeadline(Deadline::ResponseHead, m_worker.options().upstream.responseHeadersTimeout);
    }
}

void ClientConnection::upstreamBytesWritten()
{
    pumpRequestBody();
}

void ClientConnection::upstreamReadyRead()
{
    if (m_state != State::Forwarding) {
        return;
    }
    m_responseStarted = true;
    if (m_responseHeadRelayed) {
        pumpResponseBody();
    } else {
        handleResponseHead();
    }
}

void ClientConnection::handleResponseHead()
{
    const qint64 limit = m_worker.options().limits.maxHeaderBytes + kHeadSlackBytes;
    while (m_state == State::Forwarding && !m_responseHeadRelayed) {
        if (m_upstream != nullptr) {
            BodyRelay::readAvailable(*m_upstream->socket(), m_upIn, limit);
        }
        if (m_upIn.isEmpty()) {
            return;
        }
        const http::ParseResult result = m_responseParser.parse(m_upIn, m_request.method(), m_response);
        if (result.status == http::ParseStatus::Incomplete) {
            if (m_upstreamEof) {
                failRequest(Failure::UpstreamReset,
                            QStringLiteral("the target closed the connection inside the response head"));
            }
            return;
        }
        if (result.status == http::ParseStatus::Error) {
            qCWarning(lcUpstream).noquote() << "bad response head" << LogField::kv("host", m_pool->host())
                                            << LogField::kv("detail", result.detail);
            failRequest(Failure::UpstreamBadResponse,
                        QStringLiteral("the target sent an invalid response head"));
            return;
        }
        m_upIn.remove(0, result.consumed);
        if (!m_response.isInterim()) {
            handleFinalResponseHead();
        } else if (!relayInterimResponse()) {
            return;
        }
    }
}

bool ClientConnection::relayInterimResponse()
{
    if (m_response.status() == 101) {
        failRequest(Failure::UpstreamBadResponse,
                    QStringLiteral("the target switched protocols, which this proxy does not relay"));
        return false;
    }
    // 100 Continue is the proxy's own business with the client; other 1xx are relayed.
    if (m_response.status() != 100) {
        const auto plan = http::HeadRewriter::planResponse(m_response, m_request, false);
        if (plan.forwardHead) {
            m_out.resize(0);
            http::HeadRewriter::appendDownstreamResponse(m_response, m_request, plan, m_out);
            m_socket->write(m_out);
        }
    }
    return true;
}

void ClientConnection::handleFinalResponseHead()
{
    auto &route = m_worker.route(m_routeIndex);
    if (m_response.status() == 401) {
        m_worker.counters().unauthorizedFromTarget.add();
        qCWarning(lcUpstream).noquote()
            << "target answered 401, asking for a token refresh" << LogField::kv("route", route.name);
        route.store->reportUnauthorized();
    }
    const bool willClose = m_closeAfterResponse || !m_requestBodyDone || m_worker.isDraining();
    m_plan = http::HeadRewriter::planResponse(m_response, m_request, willClose);
    if (m_plan.body != http::DownstreamBody::None && m_response.framing() == http::BodyFraming::Chunked &&
        !BodyRelay::chunkedPrefixIsValid(m_upIn, limitsFrom(m_worker.options().limits))) {
        // Nothing is relayed yet, so the client can still get an error instead of a cut connection.
        failRequest(Failure::UpstreamBadResponse, QStringLiteral("the target sent an invalid chunked body"));
        return;
    }
    m_closeAfterResponse = m_closeAfterResponse || m_plan.closeDownstream;
    m_out.resize(0);
    http::HeadRewriter::appendDownstreamResponse(m_response, m_request, m_plan, m_out);
    m_socket->write(m_out);
    m_exchange.upstreamStatus = m_response.status();
    m_exchange.bytesOut += static_cast<std::uint64_t>(m_out.size());
    m_responseHeadRelayed = true;
    m_upstreamHead.resize(0);
    m_worker.counters().forwarded.add();
    if (m_plan.body == http::DownstreamBody::None) {
        finishExchange(true);
        return;
    }
    m_responseBody.start(m_response.framing(), m_response.contentLength(),
                         m_plan.body == http::DownstreamBody::Dechunk ? BodyRelay::Output::Payload
                                                                      : BodyRelay::Output::Raw);
    setDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
    pumpResponseBody();
}

void ClientConnection::pumpResponseBody()
{
    if (m_state != State::Forwarding || !m_responseHeadRelayed) {
        return;
    }
    const auto moved = m_responseBody.move(m_upstream != nullptr ? m_upstream->socket() : nullptr, *m_socket);
    if (!moved) {
        m_worker.counters().count(ProxyErrorKind::UpstreamBodyAborted);
        qCWarning(lcUpstream).noquote() << "malformed chunked response body, client connection cut"
                                        << LogField::kv("route", m_worker.route(m_routeIndex).name);
        closeNow();
        return;
    }
    m_worker.counters().notePendingWrite(m_socket->bytesToWrite());
    if (moved->bytes > 0) {
        m_exchange.bytesOut += static_cast<std::uint64_t>(moved->bytes);
        setDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
    }
    if (moved->done) {
        finishExchange(true);
        return;
    }
    if (m_upstreamEof && m_upIn.isEmpty()) {
        if (m_response.framing() == http::BodyFraming::UntilClose) {
            finishExchange(false);
            return;
        }
        m_worker.counters().count(ProxyErrorKind::UpstreamBodyAborted);
        qCWarning(lcUpstream).noquote() << "target closed the connection inside the response body"
                                        << LogField::kv("route", m_worker.route(m_routeIndex).name);
        closeNow();
    }
}

void ClientConnection::upstreamFailed(UpstreamFailure failure)
{
    if (m_state == State::WaitingUpstream) {
        m_upstream = nullptr;
        const auto &target = m_worker.route(m_routeIndex).pool->host();
        if (failure == UpstreamFailure::Tls) {
            failRequest(
                Failure::UpstreamTls,
                QStringLiteral("TLS with the target %1 failed (certificate not trusted or name mismatch)")
                    .arg(target));
        } else {
            failRequest(Failure::UpstreamConnect,
                        QStringLiteral("cannot connect to the target %1").arg(target));
        }
        return;
    }
    if (m_state != State::Forwarding || m_upstream == nullptr) {
        return;
    }
    // What arrived before the close is still valid (a close-delimited body, a last chunk).
    QAbstractSocket *socket = m_upstream->socket();
    if (socket->bytesAvailable() > 0) {
        m_responseStarted = true;
        m_upIn.append(socket->readAll());
    }
    m_upstreamEof = true;
    releaseUpstream(false);
    if (m_responseHeadRelayed) {
        pumpResponseBody();
        return;
    }
    if (!m_upIn.isEmpty()) {
        handleResponseHead();
        return;
    }
    const bool noBody =
        m_request.framing() == http::BodyFraming::None ||
        (m_request.framing() == http::BodyFraming::ContentLength && m_request.contentLength() == 0);
    if (!m_responseStarted && m_upstreamWasReused && !m_retried && isIdempotent() && noBody &&
        !m_bodyBytesSent) {
        // A kept-alive connection the target had already closed: one fresh attempt is safe.
        m_retried = true;
        m_worker.counters().upstreamRetries.add();
        qCWarning(lcUpstream).noquote() << "reused upstream connection was closed, retrying once"
                                        << LogField::kv("route", m_worker.route(m_routeIndex).name);
        m_upstreamEof = false;
        acquireUpstream(true);
        return;
    }
    failRequest(Failure::UpstreamReset, QStringLiteral("the target closed the connection before answering"));
}

bool ClientConnection::isIdempotent() const
{
    const auto method = m_request.method();
    return method == QByteArrayView("GET") || method == QByteArrayView("HEAD") ||
           method == QByteArrayView("OPTIONS") || method == QByteArrayView("TRACE") ||
           method == QByteArrayView("PUT") || method == QByteArrayView("DELETE");
}

// ---- end of an exchange ------------------------------------------------------------------------

void ClientConnection::finishExchange(bool upstreamReusable)
{
    recordExchange(m_response.status(), {});
    releaseUpstream(upstreamReusable && m_response.keepAlive() && m_requestBodyDone && m_upIn.isEmpty() &&
                    !m_upstreamEof);
    if (m_closeAfterResponse || !m_requestBodyDone) {
        closeAfterFlush();
        return;
    }
    startNextRequest();
}

void ClientConnection::startNextRequest()
{
    m_routeIndex = -1;
    // An error before the next head is parsed must be answered, not taken for a cut mid-response.
    m_responseHeadRelayed = false;
    m_upstreamHead.resize(0);
    m_upIn.resize(0);
    // A client that half-closed sends no further request once what it sent is answered.
    if (m_drainRequested || m_worker.isDraining() ||
        (m_clientHalfClosed && m_in.isEmpty() && m_socket->bytesAvailable() == 0)) {
        closeAfterFlush();
        return;
    }
    const bool wasInHead = m_state == State::ReadingHead;
    m_state = State::Idle;
    setDeadline(Deadline::ClientIdle, m_worker.options().limits.clientIdleTimeout);
    // Within processInput() its loop picks up pipelined bytes; otherwise look at them now.
    if (!wasInHead && (!m_in.isEmpty() || m_socket->bytesAvailable() > 0)) {
        processInput();
    }
}

void ClientConnection::failRequest(Failure failure, const QString &message)
{
    failRequest(FailureTable::of(failure), message);
}

void ClientConnection::failRequest(const FailureSpec &failure, const QString &message)
{
    m_worker.counters().count(failure.kind);
    recordExchange(m_responseHeadRelayed ? 0 : failure.status, failure.code);
    if (const auto suppressed = m_worker.requestFailedLog().admit()) {
        qCWarning(lcProxy).noquote() << "request failed" << LogField::kv("status", failure.status)
                                     << LogField::kv("code", failure.code.toByteArray())
                                     << LogField::kv("route", m_routeIndex >= 0
                                                                  ? m_worker.route(m_routeIndex).name
                                                                  : QByteArray("-"))
                                     << LogField::kv("message", message)
                                     << LogField::kv("suppressed", *suppressed);
    }
    releaseUpstream(false);
    if (m_responseHeadRelayed) {
        closeNow();
        return;
    }
    replyError(failure.status, failure.code, message, failure.extraFields);
}

void ClientConnection::replyError(int status, QByteArrayView code, const QString &message,
                                  QByteArrayView extraFields)
{
    const bool close =
        !m_requestBodyDone || m_closeAfterResponse || m_drainRequested || m_worker.isDraining();
    m_out.resize(0);
    LocalReply::appendError(m_out, status, code, message.toUtf8(), replyConnection(close), extraFields);
    sendReply(close);
}

void ClientConnection::sendReply(bool close)
{
    m_socket->write(m_out);
    m_worker.counters().notePendingWrite(m_socket->bytesToWrite());
    if (close) {
        closeAfterFlush();
    } else {
        startNextRequest();
    }
}

void ClientConnection::recordExchange(int status, QByteArrayView errorType)
{
    m_worker.recorder().finish(m_exchange, m_request, m_routeIndex, status, m_peerAddress, errorType);
}

LocalReply::Connection ClientConnection::replyConnection(bool close) const
{
    if (close) {
        return LocalReply::Connection::Close;
    }
    // The connection stays open only after a parsed request, so m_request is the one answered.
    return m_request.minorVersion() == 0 ? LocalReply::Connection::PersistentAnnounce
                                         : LocalReply::Connection::Persistent;
}

void ClientConnection::releaseUpstream(bool reusable)
{
    if (m_pool == nullptr) {
        return;
    }
    if (std::exchange(m_holdsBodyStream, false)) {
        m_pool->endBodyStream();
    }
    if (m_upstream == nullptr) {
        if (m_state == State::WaitingUpstream) {
            m_pool->cancel(this, nullptr);
        }
        return;
    }
    UpstreamConnection *connection = m_upstream;
    m_upstream = nullptr;
    if (connection->handler() == this) {
        m_pool->release(connection, reusable);
    }
}

void ClientConnection::closeAfterFlush()
{
    if (m_state == State::Closed || m_state == State::Closing) {
        return;
    }
    m_state = State::Closing;
    setDeadline(Deadline::ClientIdle, m_worker.options().limits.clientIdleTimeout);
    // Flushes what is queued, then closes; disconnected() finishes the clean-up.
    m_socket->disconnectFromHost();
    if (m_socket->state() == QAbstractSocket::UnconnectedState) {
        closeNow();
    }
}

void ClientConnection::closeNow()
{
    if (m_state == State::Closed) {
        return;
    }
    recordExchange(0, "connection_closed");
    releaseUpstream(false);
    m_state = State::Closed;
    m_deadlineKind = Deadline::None;
    m_socket->abort();
    m_worker.connectionClosed(this);
}

void ClientConnection::closeAfterFirstResponse()
{
    m_drainRequested = true;
    m_closeAfterResponse = true;
}

void ClientConnection::startDrain()
{
    closeAfterFirstResponse();
    if (m_state == State::Idle) {
        closeNow();
    }
}

qintptr ClientConnection::detachIdleSocket()
{
#ifdef Q_OS_UNIX
    // A TLS session lives in this process's QSslSocket, not in the descriptor: such a connection is
    // closed when idle instead, and the client reconnects.
    if (m_tlsClient || m_state != State::Idle || !m_in.isEmpty() || m_socket->bytesAvailable() > 0 ||
        m_socket->bytesToWrite() > 0) {
        return -1;
    }
    // The duplicate keeps the connection open while this socket's own descriptor closes; bytes the
    // client sends meanwhile wait in the kernel for the new owner.
    const int duplicate = ::fcntl(static_cast<int>(m_socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (duplicate < 0) {
        return -1;
    }
    closeNow();
    return duplicate;
#else
    return -1;
#endif
}

void ClientConnection::abortNow()
{
    if (m_state == State::WaitingToken || m_state == State::WaitingUpstream ||
        m_state == State::BufferingBody) {
        // Nothing reached the target yet, so the client may safely send it again elsewhere.
        m_closeAfterResponse = true;
        failRequest(Failure::ShuttingDown,
                    QStringLiteral("the proxy is shutting down; the request was not forwarded"));
        // The reply goes to the kernel now: the worker's loop ends right after this.
        m_socket->flush();
    }
    closeNow();
}

bool ClientConnection::closeIfIdle()
{
    if (m_state != State::Idle) {
        return false;
    }
    closeNow();
    return true;
}

void ClientConnection::checkDeadline(SteadyTime now)
{
    if (checkBodyRate(now) || m_deadlineKind == Deadline::None || now < m_deadline) {
        return;
    }
    const Deadline kind = std::exchange(m_deadlineKind, Deadline::None);
    DeadlineFacts facts;
    if (m_routeIndex >= 0) {
        facts.routeName = QString::fromUtf8(m_worker.route(m_routeIndex).name);
        facts.targetHost = m_worker.route(m_routeIndex).pool->host();
    }
    facts.upstreamAssigned = m_upstream != nullptr;
    facts.responseHeadRelayed = m_responseHeadRelayed;
    facts.requestBodyDone = m_requestBodyDone;
    facts.targetHoldsBody = m_upstream != nullptr && m_upstream->socket()->bytesToWrite() > 0;
    const auto verdict = DeadlineExpiry::of(kind, facts, m_worker.options());
    switch (verdict.action) {
    case DeadlineExpiry::Action::CloseIdle:
        qCDebug(lcProxy).noquote() << "idle client connection closed" << LogField::kv("peer", m_peerAddress);
        closeNow();
        break;
    case DeadlineExpiry::Action::CutResponse:
        m_worker.counters().count(FailureTable::of(verdict.failure).kind);
        qCWarning(lcUpstream).noquote()
            << "response body stalled, connection cut" << LogField::kv("route", facts.routeName)
            << LogField::kv("idle_ms", m_worker.options().upstream.idleBodyTimeout.count());
        closeNow();
        break;
    case DeadlineExpiry::Action::Fail:
        m_closeAfterResponse = m_closeAfterResponse || verdict.closeConnection;
        failRequest(verdict.failure, verdict.message);
        break;
    }
}

} // namespace aap::proxy
