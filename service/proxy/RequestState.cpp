#include "proxy/RequestState.h"

#include "auth/TokenStore.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/ImmediateWriter.h"
#include "proxy/ProxyOptions.h"
#include "proxy/ProxyWorker.h"
#include "proxy/UpstreamPool.h"

#include <QAbstractSocket>

#include <gsl/assert>

namespace aap::proxy {

using log::LogField;

RequestState::RequestState(ProxyWorker &worker, Connection &connection, ImmediateWriter &clientOut,
                           SocketInput &input, QByteArray &in, const QByteArray &peerAddress)
    : m_worker(worker), m_connection(connection), m_clientOut(clientOut), m_input(input), m_in(in),
      m_peerAddress(peerAddress), m_local(worker, peerAddress), m_parser(httpLimits(worker.options().limits)),
      m_body(in, worker.scratch(), worker.options()),
      m_upstream(worker, *this, clientOut, m_request, m_exchange, m_out, peerAddress)
{}

RequestState::~RequestState()
{
    m_upstream.release(false);
}

void RequestState::answerLocally(Admission::LocalEndpoint endpoint)
{
    // A body sent to a local endpoint is not read: close afterwards instead.
    const bool close = m_closeAfterResponse || !m_body.done();
    m_local.endpoint(m_out, endpoint, m_request, close);
    sendReply(close);
}

void RequestState::reject(const inbound::InboundRejection &rejection)
{
    m_closeAfterResponse = true;
    m_local.rejection(m_out, rejection, m_request);
    sendReply(true);
}

// ---- forwarding: the body read ahead, the token ---------------------------------------------

void RequestState::admit(const Admission::Decision &decision)
{
    m_worker.counters().requests.add();
    m_worker.recorder().begin(m_exchange, m_request);
    if (const auto *refused = std::get_if<Admission::Refused>(&decision)) {
        fail(refused->failure, refused->message);
        return;
    }
    const auto *forward = std::get_if<Admission::Forward>(&decision);
    Expects(forward != nullptr);
    m_routeIndex = forward->route;
    if (m_body.done()) {
        acquireToken();
        return;
    }
    // A client that asked for 100 Continue sends its body only after it: the clock starts then.
    if (!m_request.expectContinue()) {
        m_body.startClock(m_worker.clock().steadyNow());
    }
    m_connection.enterBufferingBody();
    bufferBody();
}

void RequestState::bufferBody()
{
    m_body.readAhead(m_input);
    if (m_request.expectContinue() || m_body.buffered()) {
        acquireToken();
    }
}

bool RequestState::failIfBodyTooSlow(SteadyTime now, bool bufferingBody)
{
    const bool forwarding = !bufferingBody && m_upstream.forwarding();
    if (m_upstream.responseHeadRelayed() || (!bufferingBody && !forwarding)) {
        return false;
    }
    const auto message = m_body.tooSlow(now, forwarding && m_upstream.socket() != nullptr &&
                                                 m_upstream.socket()->bytesToWrite() > 0);
    if (!message) {
        return false;
    }
    fail(Failure::ClientBodyTooSlow, *message);
    return true;
}

void RequestState::acquireToken()
{
    auto &route = m_worker.route(m_routeIndex);
    if (route.reader.current(m_worker.clock().now()) != nullptr) {
        m_connection.enterExchanging();
        m_upstream.start(m_routeIndex);
        return;
    }
    if (route.store->hasEverPublished()) {
        // Waiting is for start-up only; an expired or withdrawn token is not about to appear.
        fail(Failure::NoToken,
             QStringLiteral("no valid access token for route %1 (it expired or was withdrawn "
                            "and no refresh succeeded yet)")
                 .arg(QString::fromUtf8(route.name)));
        return;
    }
    if (m_connection.enterWaitingToken()) {
        qCInfo(lcProxy).noquote() << "request waits for a token" << LogField::kv("route", route.name);
    }
}

void RequestState::tokenChanged(qsizetype route)
{
    if (route == m_routeIndex) {
        acquireToken();
    }
}

// ---- the exchange with the target -------------------------------------------------------------

void RequestState::pumpRequestBody(QByteArrayView head)
{
    // Forwarding only while the connection is in Exchanging: leaving it leaves the exchange.
    ImmediateWriter *sink = m_upstream.writer();
    if (!m_upstream.forwarding() || m_body.done() || sink == nullptr) {
        Expects(head.isEmpty());
        return;
    }
    const auto moved = m_body.relay(m_input, *sink, head);
    if (!moved) {
        fail(Failure::BadChunkedRequestBody, QStringLiteral("the chunked request body is malformed"));
        return;
    }
    m_worker.counters().notePendingWrite(sink->device().bytesToWrite());
    if (moved->bytes > 0) {
        m_exchange.bytesIn += static_cast<std::uint64_t>(moved->bytes);
        m_upstream.noteBodyBytesSent();
        if (!m_upstream.responseHeadRelayed()) {
            m_connection.setDeadline(Deadline::BodyIdle, m_worker.options().upstream.idleBodyTimeout);
        }
    }
    if (moved->done) {
        requestBodyFinished();
    }
}

void RequestState::requestBodyFinished()
{
    m_upstream.endBodyStream();
    if (!m_upstream.responseHeadRelayed()) {
        m_connection.setDeadline(Deadline::ResponseHead, m_worker.options().upstream.responseHeadersTimeout);
    }
}

void RequestState::exchangeFailed(Failure failure, const QString &message)
{
    fail(failure, message);
}

void RequestState::exchangeFinished(bool upstreamReusable)
{
    record(m_upstream.status(), {});
    m_upstream.release(upstreamReusable && m_upstream.reusableAfterResponse() && m_body.done());
    m_connection.responseQueued(m_closeAfterResponse || m_upstream.closesClient() || !m_body.done());
}

void RequestState::exchangeCut()
{
    m_connection.closeNow();
}

void RequestState::exchangeDeadline(Deadline deadline, std::chrono::milliseconds after)
{
    m_connection.setDeadline(deadline, after);
}

void RequestState::continueSent()
{
    m_body.startClock(m_worker.clock().steadyNow());
}

bool RequestState::closesAfterResponse() const
{
    return m_closeAfterResponse || !m_body.done() || m_worker.isDraining();
}

// ---- the end of a request ---------------------------------------------------------------------

void RequestState::fail(Failure failure, const QString &message)
{
    fail(FailureTable::of(failure), message);
}

void RequestState::fail(const FailureSpec &failure, const QString &message)
{
    m_worker.counters().count(failure.kind);
    record(m_upstream.responseHeadRelayed() ? 0 : failure.status, failure.code);
    if (const auto suppressed = m_worker.requestFailedLog().admit()) {
        qCWarning(lcProxy).noquote() << "request failed" << LogField::kv("status", failure.status)
                                     << LogField::kv("code", failure.code.toByteArray())
                                     << LogField::kv("route", routeName()) << LogField::kv("message", message)
                                     << LogField::kv("suppressed", *suppressed);
    }
    m_upstream.release(false);
    if (m_upstream.responseHeadRelayed()) {
        m_connection.closeNow();
        return;
    }
    const bool close = closesAfterResponse();
    m_local.error(m_out, m_request, close, failure.status, failure.code, message, failure.extraFields);
    sendReply(close);
}

void RequestState::sendReply(bool close)
{
    m_clientOut.write(m_out);
    m_worker.counters().notePendingWrite(m_clientOut.device().bytesToWrite());
    m_connection.responseQueued(close);
}

void RequestState::clientAborted()
{
    m_worker.counters().count(ProxyErrorKind::ClientAborted);
    qCWarning(lcProxy).noquote() << "client disconnected during an exchange"
                                 << LogField::kv("route", routeName())
                                 << LogField::kv("request_body_complete", m_body.done() ? "yes" : "no")
                                 << LogField::kv("response_started",
                                                 m_upstream.responseHeadRelayed() ? "yes" : "no");
}

void RequestState::abandon()
{
    record(0, "connection_closed");
    m_upstream.release(false);
}

void RequestState::record(int status, QByteArrayView errorType)
{
    m_worker.recorder().finish(m_exchange, m_request, m_routeIndex, status, m_peerAddress, errorType);
}

DeadlineFacts RequestState::deadlineFacts() const
{
    DeadlineFacts facts;
    if (m_routeIndex >= 0) {
        facts.routeName = QString::fromUtf8(m_worker.route(m_routeIndex).name);
        facts.targetHost = m_worker.route(m_routeIndex).pool->host();
    }
    facts.upstreamAssigned = m_upstream.socket() != nullptr;
    facts.responseHeadRelayed = m_upstream.responseHeadRelayed();
    facts.requestBodyDone = m_body.done();
    facts.targetHoldsBody = facts.upstreamAssigned && m_upstream.socket()->bytesToWrite() > 0;
    return facts;
}

QByteArray RequestState::routeName() const
{
    return m_routeIndex >= 0 ? m_worker.route(m_routeIndex).name : QByteArray("-");
}

} // namespace aap::proxy
