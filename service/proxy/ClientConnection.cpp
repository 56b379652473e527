#include "proxy/ClientConnection.h"

#include "auth/TokenStore.h"
#include "health/ReadinessProbe.h"
#include "http/DotSegments.h"
#include "http/HttpStatus.h"
#include "http/HttpSyntax.h"
#include "http/RequestAuthority.h"
#include "inbound/ListenerTls.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/HalfCloseWatch.h"
#include "proxy/LocalReply.h"
#include "proxy/ProxyWorker.h"
#include "proxy/UpstreamConnection.h"
#include "proxy/UpstreamPool.h"

#include <QHostAddress>
#include <QSslSocket>
#include <QTcpSocket>

#include <algorithm>
#include <utility>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#endif

namespace aap::proxy {

using log::LogField;

namespace {

// Data accepted into one socket's write buffer before reading from the other side pauses.
constexpr qint64 kHighWaterBytes = qint64{256} * 1024;
// What Qt may read ahead from a client; beyond it TCP flow control holds the client back.
constexpr qint64 kClientReadBufferBytes = qint64{64} * 1024;
// A request body is read ahead up to this size before an upstream connection is taken.
constexpr qsizetype kBodyBufferBytes = qsizetype{64} * 1024;
// Room above the head limit, so the parser (not the buffer) decides when a head is too large.
constexpr qsizetype kHeadSlackBytes = 1024;
// Sent with every 405: the methods this proxy forwards (it also forwards other extension methods).
constexpr QByteArrayView kAllowField = "Allow: GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS\r\n";

http::Limits limitsFrom(const config::LimitsConfig &limits)
{
    http::Limits result;
    result.maxHeadBytes = limits.maxHeaderBytes;
    result.maxTargetBytes = limits.maxRequestTargetBytes;
    return result;
}

QByteArrayView errorCode(http::HttpError error)
{
    switch (error) {
    case http::HttpError::UriTooLong:
        return "uri_too_long";
    case http::HttpError::HeaderFieldsTooLarge:
        return "header_fields_too_large";
    case http::HttpError::LengthRequired:
        return "length_required";
    case http::HttpError::NotImplemented:
        return "not_implemented";
    case http::HttpError::MethodNotAllowed:
        return "method_not_allowed";
    case http::HttpError::VersionNotSupported:
        return "http_version_not_supported";
    case http::HttpError::BadChunk:
        return "bad_chunked_body";
    case http::HttpError::BodyTooLarge:
        return "body_too_large";
    case http::HttpError::ExpectationFailed:
        return "expectation_failed";
    default:
        return "bad_request";
    }
}

// Whether the chunked body bytes that arrived together with a response head decode cleanly.
bool chunkedPrefixIsValid(QByteArrayView bytes, const http::Limits &limits)
{
    http::ChunkedDecoder decoder(limits);
    while (!bytes.isEmpty()) {
        QByteArrayView payload;
        const http::ParseResult result = decoder.decode(bytes, payload);
        if (result.status == http::ParseStatus::Error) {
            return false;
        }
        if (result.status == http::ParseStatus::Complete || result.consumed == 0) {
            return true;
        }
        bytes = bytes.sliced(result.consumed);
    }
    return true;
}

qint64 ms(std::chrono::milliseconds duration)
{
    return duration.count();
}

quint16 defaultPort(QByteArrayView scheme)
{
    return http::syntax::equalsIgnoreCase(scheme, "https") ? 443 : 80;
}

} // namespace

ClientConnection::ClientConnection(ProxyWorker &worker, QTcpSocket *socket, qsizetype fixedRoute)
    : m_worker(worker), m_socket(socket), m_requestParser(limitsFrom(worker.options().limits)),
      m_requestChunks(limitsFrom(worker.options().limits)), m_bodyScan(limitsFrom(worker.options().limits)),
      m_bodyClock(worker.options().limits.requestBodyTimeout, worker.options().limits.requestBodyMinRate),
      m_fixedRoute(fixedRoute), m_tlsClient(qobject_cast<QSslSocket *>(socket) != nullptr),
      m_responseParser(limitsFrom(worker.options().limits)),
      m_responseChunks(limitsFrom(worker.options().limits))
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(kClientReadBufferBytes);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_peerAddress = m_socket->peerAddress().toString().toLatin1();
    m_in.reserve(4096);
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

bool ClientConnection::readAvailableInto(QByteArray &buffer, qint64 limit)
{
    QAbstractSocket *source = m_socket;
    if (&buffer == &m_upIn) {
        if (m_upstream == nullptr) {
            return false;
        }
        source = m_upstream->socket();
    }
    const qint64 room = limit - buffer.size();
    const qint64 wanted = std::min(source->bytesAvailable(), room);
    if (wanted <= 0) {
        return false;
    }
    if (buffer.isEmpty() && wanted == source->bytesAvailable()) {
        // All that is buffered, taken without a copy (see moveBodyBytes): a head and the body bytes
        // that came with it then go on to the other socket uncopied too.
        buffer = source->read(wanted);
        return !buffer.isEmpty();
    }
    const qsizetype old = buffer.size();
    buffer.resize(old + wanted);
    const qint64 got = source->read(buffer.data() + old, wanted);
    buffer.resize(old + std::max<qint64>(got, 0));
    return got > 0;
}

void ClientConnection::processInput()
{
    const qint64 limit = m_worker.options().limits.maxHeaderBytes + kHeadSlackBytes;
    // A loop, not recursion: many pipelined requests answered locally must not deepen the stack.
    while (m_state == State::Idle || m_state == State::ReadingHead) {
        if (m_socket->bytesToWrite() >= kHighWaterBytes) {
            // Local replies to pipelined requests pile up unread: stop reading until onBytesWritten().
            return;
        }
        readAvailableInto(m_in, limit);
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
            const int status = http::statusCodeFor(result.error);
            // The bad bytes stay unparsed: nothing after them can be trusted to start a request.
            m_closeAfterResponse = true;
            failRequest(status, errorCode(result.error),
                        QStringLiteral("the request was rejected: %1").arg(QString::fromUtf8(result.detail)),
                        ProxyErrorKind::BadRequest,
                        result.error == http::HttpError::MethodNotAllowed ? kAllowField : QByteArrayView());
            return;
        }
        m_in.remove(0, result.consumed);
        handleHead();
    }
}

void ClientConnection::handleHead()
{
    m_requestBodyDone = false;
    m_responseHeadRelayed = false;
    m_retried = false;
    m_sent100 = false;
    m_upstreamEof = false;
    m_closeAfterResponse = !m_request.keepAlive() || m_drainRequested || m_worker.isDraining();
    m_bodyBytesRelayed = 0;
    m_bodyClock.stop();

    switch (m_request.framing()) {
    case http::BodyFraming::ContentLength:
        m_requestRemaining = m_request.contentLength();
        m_requestBodyDone = m_requestRemaining == 0;
        break;
    case http::BodyFraming::Chunked:
        m_requestChunks.reset();
        break;
    default:
        m_requestBodyDone = true;
        break;
    }

    QByteArrayView path = m_request.pathAndQuery();
    if (const auto query = path.indexOf('?'); query >= 0) {
        path = path.first(query);
    }
    if (rejectedInbound(path) || answerLocally(path)) {
        return;
    }
    m_worker.counters().requests.add();
    m_worker.recorder().begin(m_exchange, m_request);

    const auto route =
        m_fixedRoute >= 0 ? std::optional<qsizetype>(m_fixedRoute) : m_worker.routeTable().match(path);
    if (m_request.targetForm() == http::TargetForm::Absolute && !authorityIsOurs(route.value_or(-1))) {
        failRequest(421, "misdirected_request",
                    QStringLiteral("the absolute request-target names another host; this is a reverse proxy, "
                                   "never an open proxy"),
                    ProxyErrorKind::MisdirectedRequest);
        return;
    }
    if (!route) {
        failRequest(404, "no_route", QStringLiteral("no route matches the request path"),
                    ProxyErrorKind::NoRoute);
        return;
    }
    if (http::DotSegments::climbAbovePrefix(path, m_worker.routeTable().prefixLength(*route))) {
        failRequest(400, "path_escapes_route",
                    QStringLiteral("the path's dot-segments climb above the route's prefix"),
                    ProxyErrorKind::BadRequest);
        return;
    }
    m_routeIndex = *route;
    if (m_requestBodyDone) {
        acquireToken();
        return;
    }
    // A client that asked for 100 Continue sends its body only after it: the clock starts then.
    if (!m_request.expectContinue()) {
        m_bodyClock.start(m_worker.clock().steadyNow(), bodyBytesReceived());
    }
    if (m_request.framing() == http::BodyFraming::Chunked) {
        m_bodyScan.reset();
        m_bodyScanned = 0;
    }
    m_state = State::BufferingBody;
    m_deadlineKind = Deadline::None;
    bufferRequestBody();
}

void ClientConnection::bufferRequestBody()
{
    readAvailableInto(m_in, kBodyBufferBytes);
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
        return static_cast<quint64>(m_in.size()) >= m_requestRemaining;
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
    const auto &limits = m_worker.options().limits;
    failRequest(408, "request_timeout",
                QStringLiteral("the request body arrived too slowly (%1 bytes in %2 ms; the limit is %3 ms "
                               "plus a second per %4 bytes)")
                    .arg(m_bodyClock.receivedSinceStart(bodyBytesReceived()))
                    .arg(ms(m_bodyClock.elapsed(now)))
                    .arg(ms(limits.requestBodyTimeout))
                    .arg(limits.requestBodyMinRate),
                ProxyErrorKind::ClientBodyTimeout);
    return true;
}

bool ClientConnection::authorityIsOurs(qsizetype routeIndex) const
{
    const QByteArrayView target = m_request.target();
    const auto authority = http::RequestAuthority::parse(m_request.authority());
    if (!authority) {
        return false;
    }
    const QByteArrayView scheme = target.first(target.indexOf(':'));
    // This proxy, by a name or address that reaches its listener.
    if (authority->port.value_or(defaultPort(scheme)) == m_socket->localPort()) {
        if (http::syntax::equalsIgnoreCase(authority->host, "localhost")) {
            return true;
        }
        const QHostAddress address(QString::fromLatin1(authority->host));
        if (!address.isNull() &&
            (address.isLoopback() || address.isEqual(m_worker.options().listener.address) ||
             address.isEqual(m_socket->localAddress()))) {
            return true;
        }
    }
    // The target itself, as a client configured to use this proxy as an HTTP proxy names it.
    if (routeIndex < 0) {
        return false;
    }
    const auto &targetUrl = m_worker.options().routes[routeIndex].config.target;
    return http::syntax::equalsIgnoreCase(authority->host, targetUrl.host.toLatin1()) &&
           authority->port.value_or(defaultPort(targetUrl.scheme.toLatin1())) == targetUrl.port;
}

bool ClientConnection::rejectedInbound(QByteArrayView path)
{
    const inbound::InboundGuard &guard = m_worker.inboundGuard();
    if (!m_peerChecked) {
        m_peerChecked = true;
        inbound::InboundGuard::Peer peer{m_socket->peerAddress()};
        const auto *tls = qobject_cast<const QSslSocket *>(m_socket);
        if (tls != nullptr && m_worker.listenerTls() != nullptr) {
            peer.certificatePresented = !tls->peerCertificate().isNull();
            peer.certificateTrusted = peer.certificatePresented &&
                                      m_worker.listenerTls()->trustsClient(tls->peerCertificateChain());
        }
        m_peerRejection = guard.checkPeer(peer);
    }
    auto rejection = m_peerRejection;
    // /health and /ready reveal nothing and must work for probes that carry no key.
    const bool local = path == QByteArrayView("/health") || path == QByteArrayView("/ready");
    if (!rejection && !local) {
        rejection = guard.checkRequest(m_request);
    }
    if (!rejection) {
        return false;
    }
    m_worker.counters().count(ProxyErrorKind::InboundRejected);
    if (const auto suppressed = m_worker.rejectedLog().admit()) {
        qCWarning(lcProxy).noquote() << "request rejected" << LogField::kv("peer", m_peerAddress)
                                     << LogField::kv("status", rejection->status)
                                     << LogField::kv("code", rejection->code)
                                     << LogField::kv("reason", rejection->message)
                                     << LogField::kv("suppressed", *suppressed);
    }
    // A client that fails the check gets no second try on this connection.
    m_closeAfterResponse = true;
    replyError(rejection->status, rejection->code, rejection->message);
    return true;
}

bool ClientConnection::answerLocally(QByteArrayView path)
{
    const bool health = path == QByteArrayView("/health");
    const bool ready = !health && path == QByteArrayView("/ready");
    const bool metrics =
        !health && !ready && path == QByteArrayView("/metrics") && m_worker.options().telemetry.metricsText;
    if (!health && !ready && !metrics) {
        return false;
    }
    m_worker.counters().localReplies.add();
    // A body sent to a local endpoint is not read: close afterwards instead.
    const bool close = m_closeAfterResponse || !m_requestBodyDone;
    m_out.resize(0);
    if (health) {
        LocalReply::appendJson(m_out, 200, R"({"status":"ok"})", replyConnection(close));
    } else if (metrics) {
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
    m_socket->write(m_out);
    m_worker.counters().notePendingWrite(m_socket->bytesToWrite());
    if (close) {
        closeAfterFlush();
    } else {
        startNextRequest();
    }
    return true;
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
        failRequest(503, "no_token",
                    QStringLiteral("no valid access token for route %1 (it expired or was withdrawn and no "
                                   "refresh succeeded yet)")
                        .arg(QString::fromUtf8(route.name)),
                    ProxyErrorKind::NoToken);
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
            failRequest(503, "upstream_pool_exhausted",
                        QStringLiteral("too many request bodies are streaming to the target %1 (%2 "
                                       "connections); try again later")
                            .arg(m_pool->host())
                            .arg(m_pool->streamingBodies()),
                        ProxyErrorKind::UpstreamPoolExhausted);
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
        failRequest(503, "no_token",
                    QStringLiteral("the access token expired before the request could be sent"),
                    ProxyErrorKind::NoToken);
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

qint64 ClientConnection::moveBodyBytes(QByteArray &pending, QAbstractSocket *source, QAbstractSocket *sink,
                                       http::ChunkedDecoder &decoder, http::BodyFraming framing,
                                       quint64 &remaining, ChunkOutput output, bool &done)
{
    QByteArray &scratch = m_worker.scratch();
    qint64 total = 0;
    while (!done && sink->bytesToWrite() < kHighWaterBytes) {
        const bool fromPending = !pending.isEmpty();
        // A chunk taken whole from the source's buffer, written on without a copy.
        QByteArray block;
        QByteArrayView input;
        if (fromPending) {
            input = pending;
        } else {
            if (source == nullptr) {
                break;
            }
            const qint64 available = source->bytesAvailable();
            qint64 wanted = available;
            if (framing == http::BodyFraming::ContentLength) {
                wanted = static_cast<qint64>(std::min<quint64>(static_cast<quint64>(wanted), remaining));
            }
            if (wanted <= 0) {
                break;
            }
            if (wanted == available) {
                // Qt hands its read buffer's first chunk over without copying it when asked for
                // exactly that chunk's size, which is all that is buffered after one socket read.
                block = source->read(wanted);
                input = block;
            } else {
                const qint64 got = source->read(scratch.data(), std::min<qint64>(wanted, scratch.size()));
                input = QByteArrayView(scratch.constData(), std::max<qint64>(got, 0));
            }
            if (input.isEmpty()) {
                break;
            }
        }
        // Qt's write buffer keeps a whole QByteArray of 4 KiB or more by reference; a part is copied.
        const auto forward = [&](qsizetype count) {
            const QByteArray &whole = fromPending ? pending : block;
            if (count == whole.size()) {
                sink->write(whole);
            } else {
                sink->write(input.data(), count);
            }
        };
        qsizetype used = 0;
        if (framing == http::BodyFraming::ContentLength) {
            used = static_cast<qsizetype>(std::min<quint64>(static_cast<quint64>(input.size()), remaining));
            forward(used);
            remaining -= static_cast<quint64>(used);
            done = remaining == 0;
        } else if (framing == http::BodyFraming::Chunked) {
            QByteArrayView rest = input;
            while (!rest.isEmpty()) {
                QByteArrayView payload;
                const bool trailerBytes = decoder.inTrailers();
                const http::ParseResult result = decoder.decode(rest, payload);
                if (result.status == http::ParseStatus::Error) {
                    qCWarning(lcHttp).noquote()
                        << "bad chunked body" << LogField::kv("detail", result.detail);
                    return -1;
                }
                if (output == ChunkOutput::Payload) {
                    if (!payload.isEmpty()) {
                        sink->write(payload.data(), payload.size());
                    }
                } else if (result.consumed > 0 && !(trailerBytes && output == ChunkOutput::RawNoTrailers)) {
                    sink->write(rest.data(), result.consumed);
                }
                rest = rest.sliced(result.consumed);
                if (result.status == http::ParseStatus::Complete) {
                    if (output == ChunkOutput::RawNoTrailers) {
                        // The empty line after the last chunk, without the trailer fields before it.
                        sink->write("\r\n", 2);
                    }
                    done = true;
                    break;
                }
                if (result.consumed == 0) {
                    break;
                }
            }
            used = input.size() - rest.size();
        } else {
            forward(input.size());
            used = input.size();
        }
        total += used;
        if (fromPending && used == pending.size()) {
            pending.clear(); // it may be shared with the sink's write buffer now: drop it, do not detach
        } else if (fromPending) {
            pending.remove(0, used);
        } else if (used < input.size()) {
            // The next message (or trailing garbage) follows the body: keep it for later.
            pending.append(input.sliced(used));
        }
        if (used == 0) {
            break;
        }
    }
    m_worker.counters().notePendingWrite(sink->bytesToWrite());
    return total;
}

void ClientConnection::pumpRequestBody()
{
    if (m_state != State::Forwarding || m_requestBodyDone || m_upstream == nullptr) {
        return;
    }
    bool done = false;
    // Trailers could carry fields the proxy must control (Authorization) or that the removed Trailer
    // field no longer declares: the upstream never sees them.
    const qint64 moved =
        moveBodyBytes(m_in, m_socket, m_upstream->socket(), m_requestChunks, m_request.framing(),
                      m_requestRemaining, ChunkOutput::RawNoTrailers, done);
    if (moved < 0) {
        failRequest(400, "bad_chunked_body", QStringLiteral("the chunked request body is malformed"),
                    ProxyErrorKind::BadRequest);
        return;
    }
    if (moved > 0) {
        m_bodyBytesRelayed += static_cast<quint64>(moved);
        m_exchange.bytesIn += static_cast<std::uint64_t>(moved);
        m_bodyBytesSent = true;
        if (!m_responseHeadRelayed) {
            setDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
        }
    }
    if (done) {
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
        readAvailableInto(m_upIn, limit);
        if (m_upIn.isEmpty()) {
            return;
        }
        const http::ParseResult result = m_responseParser.parse(m_upIn, m_request.method(), m_response);
        if (result.status == http::ParseStatus::Incomplete) {
            if (m_upstreamEof) {
                failRequest(502, "upstream_reset",
                            QStringLiteral("the target closed the connection inside the response head"),
                            ProxyErrorKind::UpstreamReset);
            }
            return;
        }
        if (result.status == http::ParseStatus::Error) {
            qCWarning(lcUpstream).noquote() << "bad response head" << LogField::kv("host", m_pool->host())
                                            << LogField::kv("detail", result.detail);
            failRequest(502, "upstream_bad_response",
                        QStringLiteral("the target sent an invalid response head"),
                        ProxyErrorKind::UpstreamReset);
            return;
        }
        m_upIn.remove(0, result.consumed);
        if (m_response.isInterim()) {
            if (m_response.status() == 101) {
                failRequest(502, "upstream_bad_response",
                            QStringLiteral("the target switched protocols, which this proxy does not relay"),
                            ProxyErrorKind::UpstreamReset);
                return;
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
            continue;
        }
        handleFinalResponseHead();
    }
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
        !chunkedPrefixIsValid(m_upIn, limitsFrom(m_worker.options().limits))) {
        // Nothing is relayed yet, so the client can still get an error instead of a cut connection.
        failRequest(502, "upstream_bad_response", QStringLiteral("the target sent an invalid chunked body"),
                    ProxyErrorKind::UpstreamReset);
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
    m_responseRemaining = m_response.contentLength();
    m_responseChunks.reset();
    setDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
    pumpResponseBody();
}

void ClientConnection::pumpResponseBody()
{
    if (m_state != State::Forwarding || !m_responseHeadRelayed) {
        return;
    }
    bool done = false;
    const auto framing = m_response.framing();
    const qint64 moved = moveBodyBytes(
        m_upIn, m_upstream != nullptr ? m_upstream->socket() : nullptr, m_socket, m_responseChunks, framing,
        m_responseRemaining,
        m_plan.body == http::DownstreamBody::Dechunk ? ChunkOutput::Payload : ChunkOutput::Raw, done);
    if (moved < 0) {
        m_worker.counters().count(ProxyErrorKind::UpstreamBodyAborted);
        qCWarning(lcUpstream).noquote() << "malformed chunked response body, client connection cut"
                                        << LogField::kv("route", m_worker.route(m_routeIndex).name);
        closeNow();
        return;
    }
    if (moved > 0) {
        m_exchange.bytesOut += static_cast<std::uint64_t>(moved);
        setDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
    }
    if (done) {
        finishExchange(true);
        return;
    }
    if (m_upstreamEof && m_upIn.isEmpty()) {
        if (framing == http::BodyFraming::UntilClose) {
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
                502, "upstream_tls_failed",
                QStringLiteral("TLS with the target %1 failed (certificate not trusted or name mismatch)")
                    .arg(target),
                ProxyErrorKind::UpstreamTls);
        } else {
            failRequest(502, "upstream_connect_failed",
                        QStringLiteral("cannot connect to the target %1").arg(target),
                        ProxyErrorKind::UpstreamConnect);
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
    failRequest(502, "upstream_reset", QStringLiteral("the target closed the connection before answering"),
                ProxyErrorKind::UpstreamReset);
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

void ClientConnection::failRequest(int status, QByteArrayView code, const QString &message,
                                   ProxyErrorKind kind, QByteArrayView extraFields)
{
    m_worker.counters().count(kind);
    recordExchange(m_responseHeadRelayed ? 0 : status, code);
    if (const auto suppressed = m_worker.requestFailedLog().admit()) {
        qCWarning(lcProxy).noquote()
            << "request failed" << LogField::kv("status", status) << LogField::kv("code", code.toByteArray())
            << LogField::kv("route", m_routeIndex >= 0 ? m_worker.route(m_routeIndex).name : QByteArray("-"))
            << LogField::kv("message", message) << LogField::kv("suppressed", *suppressed);
    }
    releaseUpstream(false);
    if (m_responseHeadRelayed) {
        closeNow();
        return;
    }
    replyError(status, code, message, extraFields);
}

void ClientConnection::replyError(int status, QByteArrayView code, const QString &message,
                                  QByteArrayView extraFields)
{
    const bool close =
        !m_requestBodyDone || m_closeAfterResponse || m_drainRequested || m_worker.isDraining();
    m_out.resize(0);
    LocalReply::appendError(m_out, status, code, message.toUtf8(), replyConnection(close), extraFields);
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
        failRequest(503, "shutting_down",
                    QStringLiteral("the proxy is shutting down; the request was not forwarded"),
                    ProxyErrorKind::ShuttingDown);
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
    if (checkBodyRate(now)) {
        return;
    }
    if (m_deadlineKind == Deadline::None || now < m_deadline) {
        return;
    }
    const Deadline kind = m_deadlineKind;
    m_deadlineKind = Deadline::None;
    const auto &limits = m_worker.options().limits;
    const auto &upstream = m_worker.options().upstream;
    switch (kind) {
    case Deadline::ClientIdle:
        qCDebug(lcProxy).noquote() << "idle client connection closed" << LogField::kv("peer", m_peerAddress);
        closeNow();
        break;
    case Deadline::ClientHeader:
        // The partial head cannot be completed into a request any more.
        m_closeAfterResponse = true;
        failRequest(
            408, "request_timeout",
            QStringLiteral("the request head did not arrive within %1 ms").arg(ms(limits.headerTimeout)),
            ProxyErrorKind::ClientHeaderTimeout);
        break;
    case Deadline::TokenWait:
        failRequest(503, "no_token",
                    QStringLiteral("no access token for route %1 is available yet (waited %2 ms)")
                        .arg(QString::fromUtf8(m_worker.route(m_routeIndex).name))
                        .arg(ms(limits.tokenWaitTimeout)),
                    ProxyErrorKind::NoToken);
        break;
    case Deadline::Connect:
        if (m_upstream == nullptr) {
            // Queued behind busy connections: the target is not at fault, this proxy's pool is full.
            failRequest(503, "upstream_pool_exhausted",
                        QStringLiteral("all %1 connections to the target %2 stayed busy for %3 ms")
                            .arg(upstream.maxConnectionsPerWorker)
                            .arg(m_worker.route(m_routeIndex).pool->host())
                            .arg(ms(upstream.connectTimeout)),
                        ProxyErrorKind::UpstreamPoolExhausted);
            break;
        }
        failRequest(504, "upstream_timeout",
                    QStringLiteral("connecting to the target %1 timed out after %2 ms")
                        .arg(m_worker.route(m_routeIndex).pool->host())
                        .arg(ms(upstream.connectTimeout)),
                    ProxyErrorKind::UpstreamTimeout);
        break;
    case Deadline::TlsHandshake:
        failRequest(504, "upstream_timeout",
                    QStringLiteral("the TLS handshake with the target %1 timed out after %2 ms")
                        .arg(m_worker.route(m_routeIndex).pool->host())
                        .arg(ms(upstream.tlsHandshakeTimeout)),
                    ProxyErrorKind::UpstreamTimeout);
        break;
    case Deadline::ResponseHead:
        failRequest(504, "upstream_timeout",
                    QStringLiteral("the target sent no response head within %1 ms")
                        .arg(ms(upstream.responseHeadersTimeout)),
                    ProxyErrorKind::UpstreamTimeout);
        break;
    case Deadline::BodyIdle:
        if (m_responseHeadRelayed) {
            m_worker.counters().count(ProxyErrorKind::UpstreamTimeout);
            qCWarning(lcUpstream).noquote() << "response body stalled, connection cut"
                                            << LogField::kv("route", m_worker.route(m_routeIndex).name)
                                            << LogField::kv("idle_ms", ms(upstream.idleBodyTimeout));
            closeNow();
        } else if (!m_requestBodyDone &&
                   (m_upstream == nullptr || m_upstream->socket()->bytesToWrite() == 0)) {
            failRequest(
                408, "request_timeout",
                QStringLiteral("the request body stalled for %1 ms").arg(ms(upstream.idleBodyTimeout)),
                ProxyErrorKind::ClientAborted);
        } else {
            failRequest(504, "upstream_timeout",
                        QStringLiteral("the target stopped reading the request body for %1 ms")
                            .arg(ms(upstream.idleBodyTimeout)),
                        ProxyErrorKind::UpstreamTimeout);
        }
        break;
    case Deadline::None:
        break;
    }
}

} // namespace aap::proxy
