#include "proxy/UpstreamExchange.h"

#include "auth/TokenStore.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/ExchangeRecorder.h"
#include "proxy/LocalReply.h"
#include "proxy/ProxyWorker.h"
#include "proxy/SocketInput.h"
#include "proxy/UpstreamConnection.h"
#include "proxy/UpstreamPool.h"

#include <QSslSocket>
#include <QTcpSocket>

#include <gsl/assert>

#include <utility>

namespace aap::proxy {

using log::LogField;

UpstreamExchange::UpstreamExchange(ProxyWorker &worker, Client &client, ImmediateWriter &downstream,
                                   const http::RequestHead &request, ExchangeState &exchange, QByteArray &out,
                                   const QByteArray &peerAddress)
    : m_worker(worker), m_client(client), m_downstream(downstream), m_request(request), m_exchange(exchange),
      m_out(out), m_peerAddress(peerAddress),
      m_tlsClient(qobject_cast<QSslSocket *>(&downstream.device()) != nullptr),
      m_responseParser(httpLimits(worker.options().limits)),
      m_responseBody(m_upIn, worker.scratch(), httpLimits(worker.options().limits))
{}

void UpstreamExchange::begin()
{
    m_responseHeadRelayed = false;
    m_retried = false;
    m_sent100 = false;
    m_upstreamEof = false;
}

void UpstreamExchange::clear()
{
    // An error before the next head is parsed must be answered, not taken for a cut mid-response.
    m_responseHeadRelayed = false;
    m_upstreamHead.resize(0);
    // Freed, not kept: the next read hands over the socket's own chunk (BodyRelay::readAvailable).
    m_upIn = QByteArray();
}

void UpstreamExchange::start(qsizetype route)
{
    m_routeIndex = route;
    acquire(false);
}

QAbstractSocket *UpstreamExchange::socket() const
{
    return m_upstream != nullptr ? m_upstream->socket() : nullptr;
}

ImmediateWriter *UpstreamExchange::writer() const
{
    return m_upstream != nullptr ? &m_upstream->out() : nullptr;
}

SocketInput *UpstreamExchange::input() const
{
    return m_upstream != nullptr ? &m_upstream->input() : nullptr;
}

bool UpstreamExchange::reusableAfterResponse() const
{
    return m_response.keepAlive() && m_upIn.isEmpty() && !m_upstreamEof;
}

const QByteArray &UpstreamExchange::routeName() const
{
    return m_worker.route(m_routeIndex).name;
}

void UpstreamExchange::acquire(bool fresh)
{
    m_phase = Phase::Connecting;
    m_worker.recorder().upstreamStarting(m_exchange);
    m_pool = m_worker.route(m_routeIndex).pool.get();
    m_upstream = nullptr;
    if (!m_client.requestBodyDone() && !m_holdsBodyStream) {
        // The body did not fit the read-ahead buffer: it streams through an upstream connection, and
        // such streams may take only part of the pool, so slow uploads cannot starve other requests.
        if (!m_pool->beginBodyStream()) {
            m_client.exchangeFailed(
                Failure::PoolExhausted,
                QStringLiteral("too many request bodies are streaming to the target %1 (%2 "
                               "connections); try again later")
                    .arg(m_pool->host())
                    .arg(m_pool->streamingBodies()));
            return;
        }
        m_holdsBodyStream = true;
    }
    m_client.exchangeDeadline(Deadline::Connect, m_worker.options().upstream.connectTimeout);
    const auto acquired = m_pool->acquire(this, fresh);
    if (acquired.connection != nullptr && acquired.ready) {
        upstreamReady(acquired.connection);
    }
}

void UpstreamExchange::upstreamAssigned(gsl::not_null<UpstreamConnection *> connection)
{
    m_upstream = connection;
    m_client.exchangeDeadline(Deadline::Connect, m_worker.options().upstream.connectTimeout);
}

void UpstreamExchange::upstreamTcpConnected()
{
    m_client.exchangeDeadline(Deadline::TlsHandshake, m_worker.options().upstream.tlsHandshakeTimeout);
}

void UpstreamExchange::upstreamReady(gsl::not_null<UpstreamConnection *> connection)
{
    m_upstream = connection;
    m_upstreamWasReused = connection->reused;
    m_phase = Phase::Forwarding;
    sendRequestHead();
}

void UpstreamExchange::sendRequestHead()
{
    auto &route = m_worker.route(m_routeIndex);
    const auth::TokenSnapshot *token = route.reader.current(m_worker.clock().now());
    if (token == nullptr) {
        m_client.exchangeFailed(Failure::NoToken,
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
    const bool bodyDone = m_client.requestBodyDone();
    if (bodyDone) {
        m_upstream->out().write(m_upstreamHead);
    }
    if (m_request.expectContinue() && !bodyDone && !m_sent100) {
        // Only now is it certain the request is forwarded: the client may send its body.
        m_downstream.write(LocalReply::continueResponse());
        m_sent100 = true;
        m_client.continueSent();
    }
    if (bodyDone) {
        m_client.exchangeDeadline(Deadline::ResponseHead, m_worker.options().upstream.responseHeadersTimeout);
    } else {
        m_client.exchangeDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
        m_client.pumpRequestBody(m_upstreamHead);
    }
}

void UpstreamExchange::endBodyStream()
{
    if (std::exchange(m_holdsBodyStream, false)) {
        m_pool->endBodyStream();
    }
}

void UpstreamExchange::upstreamBytesWritten()
{
    m_client.pumpRequestBody({});
}

void UpstreamExchange::upstreamReadyRead()
{
    if (m_phase != Phase::Forwarding) {
        return;
    }
    m_responseStarted = true;
    if (m_responseHeadRelayed) {
        pumpResponseBody();
    } else {
        handleResponseHead();
    }
}

void UpstreamExchange::handleResponseHead()
{
    const qint64 limit = headBufferBytes(m_worker.options().limits);
    while (m_phase == Phase::Forwarding && !m_responseHeadRelayed) {
        if (m_upstream != nullptr) {
            BodyRelay::readAvailable(m_upstream->input(), m_upIn, limit);
        }
        if (m_upIn.isEmpty()) {
            return;
        }
        const http::ParseResult result = m_responseParser.parse(m_upIn, m_request.method(), m_response);
        if (result.status == http::ParseStatus::Incomplete) {
            if (m_upstreamEof) {
                m_client.exchangeFailed(
                    Failure::UpstreamReset,
                    QStringLiteral("the target closed the connection inside the response head"));
            }
            return;
        }
        if (result.status == http::ParseStatus::Error) {
            qCWarning(lcUpstream).noquote() << "bad response head" << LogField::kv("host", m_pool->host())
                                            << LogField::kv("detail", result.detail);
            m_client.exchangeFailed(Failure::UpstreamBadResponse,
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

bool UpstreamExchange::relayInterimResponse()
{
    if (m_response.status() == 101) {
        m_client.exchangeFailed(
            Failure::UpstreamBadResponse,
            QStringLiteral("the target switched protocols, which this proxy does not relay"));
        return false;
    }
    // 100 Continue is the proxy's own business with the client; other 1xx are relayed.
    if (m_response.status() != 100) {
        const auto plan = http::HeadRewriter::planResponse(m_response, m_request, false);
        if (plan.forwardHead) {
            m_out.resize(0);
            http::HeadRewriter::appendDownstreamResponse(m_response, m_request, plan, m_out);
            m_downstream.write(m_out);
        }
    }
    return true;
}

void UpstreamExchange::handleFinalResponseHead()
{
    auto &route = m_worker.route(m_routeIndex);
    if (m_response.status() == 401) {
        m_worker.counters().unauthorizedFromTarget.add();
        qCWarning(lcUpstream).noquote()
            << "target answered 401, asking for a token refresh" << LogField::kv("route", route.name);
        route.store->reportUnauthorized();
    }
    m_plan = http::HeadRewriter::planResponse(m_response, m_request, m_client.closesAfterResponse());
    if (m_plan.body != http::DownstreamBody::None && m_response.framing() == http::BodyFraming::Chunked &&
        !BodyRelay::chunkedPrefixIsValid(m_upIn, httpLimits(m_worker.options().limits))) {
        // Nothing is relayed yet, so the client can still get an error instead of a cut connection.
        m_client.exchangeFailed(Failure::UpstreamBadResponse,
                                QStringLiteral("the target sent an invalid chunked body"));
        return;
    }
    m_out.resize(0);
    http::HeadRewriter::appendDownstreamResponse(m_response, m_request, m_plan, m_out);
    m_exchange.upstreamStatus = m_response.status();
    m_exchange.bytesOut += static_cast<std::uint64_t>(m_out.size());
    m_responseHeadRelayed = true;
    m_upstreamHead.resize(0);
    m_worker.counters().forwarded.add();
    if (m_plan.body == http::DownstreamBody::None) {
        m_downstream.write(m_out);
        m_client.exchangeFinished(true);
        return;
    }
    m_responseBody.start(m_response.framing(), m_response.contentLength(),
                         m_plan.body == http::DownstreamBody::Dechunk ? BodyRelay::Output::Payload
                                                                      : BodyRelay::Output::Raw);
    m_client.exchangeDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
    // The head leaves with the body bytes that came with it: one system call, one segment.
    pumpResponseBody(m_out);
}

void UpstreamExchange::pumpResponseBody(QByteArrayView head)
{
    if (m_phase != Phase::Forwarding || !m_responseHeadRelayed) {
        Expects(head.isEmpty());
        return;
    }
    const auto moved = m_responseBody.move(input(), m_downstream, head);
    if (!moved) {
        m_worker.counters().count(ProxyErrorKind::UpstreamBodyAborted);
        qCWarning(lcUpstream).noquote()
            << "malformed chunked response body, client connection cut" << LogField::kv("route", routeName());
        m_client.exchangeCut();
        return;
    }
    m_worker.counters().notePendingWrite(m_downstream.device().bytesToWrite());
    if (moved->bytes > 0) {
        m_exchange.bytesOut += static_cast<std::uint64_t>(moved->bytes);
        m_client.exchangeDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
    }
    if (moved->done) {
        m_client.exchangeFinished(true);
        return;
    }
    if (m_upstreamEof && m_upIn.isEmpty()) {
        if (m_response.framing() == http::BodyFraming::UntilClose) {
            m_client.exchangeFinished(false);
            return;
        }
        m_worker.counters().count(ProxyErrorKind::UpstreamBodyAborted);
        qCWarning(lcUpstream).noquote()
            << "target closed the connection inside the response body" << LogField::kv("route", routeName());
        m_client.exchangeCut();
    }
}

void UpstreamExchange::upstreamFailed(UpstreamFailure failure)
{
    if (m_phase == Phase::Connecting) {
        m_upstream = nullptr;
        const auto &target = m_pool->host();
        if (failure == UpstreamFailure::Tls) {
            m_client.exchangeFailed(
                Failure::UpstreamTls,
                QStringLiteral("TLS with the target %1 failed (certificate not trusted or name mismatch)")
                    .arg(target));
        } else {
            m_client.exchangeFailed(Failure::UpstreamConnect,
                                    QStringLiteral("cannot connect to the target %1").arg(target));
        }
        return;
    }
    if (m_phase != Phase::Forwarding || m_upstream == nullptr) {
        return;
    }
    // What arrived before the close is still valid (a close-delimited body, a last chunk).
    SocketInput &upstream = m_upstream->input();
    if (upstream.available() > 0) {
        m_responseStarted = true;
        m_upIn.append(upstream.take(upstream.available()));
    }
    m_upstreamEof = true;
    release(false);
    if (m_responseHeadRelayed) {
        pumpResponseBody();
    } else if (!m_upIn.isEmpty()) {
        handleResponseHead();
    } else if (mayRetry()) {
        m_retried = true;
        m_worker.counters().upstreamRetries.add();
        qCWarning(lcUpstream).noquote()
            << "reused upstream connection was closed, retrying once" << LogField::kv("route", routeName());
        m_upstreamEof = false;
        acquire(true);
    } else {
        m_client.exchangeFailed(Failure::UpstreamReset,
                                QStringLiteral("the target closed the connection before answering"));
    }
}

bool UpstreamExchange::mayRetry() const
{
    const auto method = m_request.method();
    const bool idempotent = method == QByteArrayView("GET") || method == QByteArrayView("HEAD") ||
                            method == QByteArrayView("OPTIONS") || method == QByteArrayView("TRACE") ||
                            method == QByteArrayView("PUT") || method == QByteArrayView("DELETE");
    const auto framing = m_request.framing();
    const bool noBody = framing == http::BodyFraming::None ||
                        (framing == http::BodyFraming::ContentLength && m_request.contentLength() == 0);
    return !m_responseStarted && m_upstreamWasReused && !m_retried && idempotent && noBody &&
           !m_bodyBytesSent;
}

void UpstreamExchange::release(bool reusable)
{
    if (m_pool == nullptr) {
        return;
    }
    endBodyStream();
    if (m_upstream == nullptr) {
        if (m_phase == Phase::Connecting) {
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

} // namespace aap::proxy
