#include "proxy/ClientConnection.h"

#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/BodyRelay.h"
#include "proxy/ProxyWorker.h"
#include "proxy/SocketHandOver.h"

#include <QEvent>
#include <QSocketNotifier>
#include <QSslSocket>
#include <QTcpSocket>

#include <utility>

#include <gsl/assert>

namespace aap::proxy {

using log::LogField;

namespace {

// What Qt may read ahead from a client; beyond it TCP flow control holds the client back.
constexpr qint64 kClientReadBufferBytes = qint64{64} * 1024;

} // namespace

ClientConnection::ClientConnection(ProxyWorker &worker, QTcpSocket *socket, qsizetype fixedRoute)
    : m_worker(worker), m_socket(socket), m_input(*socket),
      m_tlsClient(qobject_cast<QSslSocket *>(socket) != nullptr), m_clientOut(*socket, !m_tlsClient),
      m_admission(worker, fixedRoute)
{
    m_socket->setParent(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_peerAddress = m_socket->peerAddress().toString().toLatin1();
    // A TLS client's bytes must go through QSslSocket; it also handles the client's close_notify.
    // On a plain-text socket the end of input is read here, not by Qt, which would take it for a
    // disconnect and close the sending side with it: a client that half-closes after its request
    // (shutdown(SHUT_WR), `nc -N`) still gets the response.
    QSocketNotifier *notifier =
        m_tlsClient ? nullptr : m_input.readDirectly(*m_socket, kClientReadBufferBytes);
    if (notifier != nullptr) {
        notifier->installEventFilter(this);
    } else {
        m_socket->setReadBufferSize(kClientReadBufferBytes);
        connect(m_socket, &QTcpSocket::readyRead, this, &ClientConnection::onReadyRead);
    }
    connect(m_socket, &QTcpSocket::bytesWritten, this, &ClientConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &ClientConnection::onDisconnected);
    m_worker.counters().activeConnections.add(1);
    setDeadline(Deadline::ClientIdle, m_worker.options().limits.clientIdleTimeout);
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

bool ClientConnection::inRequest() const
{
    return m_state == State::ReadingHead || m_state == State::BufferingBody ||
           m_state == State::WaitingToken || m_state == State::Exchanging;
}

// ---- client side -------------------------------------------------------------------------------

bool ClientConnection::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::SockAct) {
        return QObject::eventFilter(watched, event);
    }
    onReadable();
    return true;
}

void ClientConnection::onReadable()
{
    switch (m_input.fill()) {
    case SocketInput::Fill::Data:
        onReadyRead();
        break;
    case SocketInput::Fill::Nothing:
        break;
    case SocketInput::Fill::End:
        // An end of input inside a request means the client gave up on it.
        if (responseOwed()) {
            clientHalfClosed();
        } else {
            onDisconnected();
        }
        break;
    case SocketInput::Fill::Failed:
        onDisconnected();
        break;
    }
}

void ClientConnection::onReadyRead()
{
    switch (m_state) {
    case State::Idle:
    case State::ReadingHead:
        processInput();
        break;
    case State::BufferingBody:
        request().bufferBody();
        break;
    case State::Exchanging:
        request().pumpRequestBody({});
        break;
    case State::Closing:
        // The answer is final; what the client still sends is not read.
        m_input.discardAll();
        break;
    default:
        // Waiting for a token or a connection: the bytes stay buffered (bounded), TCP holds the rest.
        break;
    }
}

void ClientConnection::onBytesWritten()
{
    if (m_state == State::Exchanging) {
        request().pumpResponseBody();
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
    if (m_state == State::Exchanging || m_state == State::WaitingToken || m_state == State::BufferingBody) {
        request().clientAborted();
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
        return true;
    case State::Exchanging:
        return !request().forwarding() || request().bodyDone();
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
    const qint64 limit = headBufferBytes(m_worker.options().limits);
    // A loop, not recursion: many pipelined requests answered locally must not deepen the stack.
    while (m_state == State::Idle || m_state == State::ReadingHead) {
        if (m_socket->bytesToWrite() >= BodyRelay::kHighWaterBytes) {
            // Local replies to pipelined requests pile up unread: stop reading until onBytesWritten().
            return;
        }
        BodyRelay::readAvailable(m_input, m_in, limit);
        if (m_in.isEmpty()) {
            return;
        }
        if (!m_requestState) {
            // The request calls back through the private Connection base, which only this class can name.
            auto &connection = static_cast<RequestState::Connection &>(*this);
            m_requestState = std::make_unique<RequestState>(m_worker, connection, m_clientOut, m_input, m_in,
                                                            m_peerAddress);
        }
        RequestState &current = *m_requestState;
        if (m_state == State::Idle) {
            setState(State::ReadingHead);
            setDeadline(Deadline::ClientHeader, m_worker.options().limits.headerTimeout);
        }
        const http::ParseResult result = current.parseHead();
        if (result.status == http::ParseStatus::Incomplete) {
            return;
        }
        if (result.status == http::ParseStatus::Error) {
            qCWarning(lcHttp).noquote() << "bad request head" << LogField::kv("peer", m_peerAddress)
                                        << LogField::kv("detail", result.detail);
            // The bad bytes stay unparsed: nothing after them can be trusted to start a request.
            current.closeAfterResponse();
            current.fail(
                FailureTable::of(result.error),
                QStringLiteral("the request was rejected: %1").arg(QString::fromUtf8(result.detail)));
            return;
        }
        m_in.remove(0, result.consumed);
        handleHead();
    }
}

void ClientConnection::handleHead()
{
    RequestState &current = request();
    current.begin(m_drainRequested || m_worker.isDraining());
    const auto decision = m_admission.decide(current.head(), *m_socket, m_worker);
    if (const auto *local = std::get_if<Admission::Local>(&decision)) {
        current.answerLocally(local->endpoint);
        return;
    }
    if (const auto *rejected = std::get_if<Admission::Rejected>(&decision)) {
        current.reject(rejected->rejection);
        return;
    }
    current.admit(decision);
}

void ClientConnection::enterBufferingBody()
{
    setState(State::BufferingBody);
    m_deadlineKind = Deadline::None;
}

bool ClientConnection::enterWaitingToken()
{
    if (m_state == State::WaitingToken) {
        return false;
    }
    setState(State::WaitingToken);
    setDeadline(Deadline::TokenWait, m_worker.options().limits.tokenWaitTimeout);
    return true;
}

void ClientConnection::tokenChanged(qsizetype routeIndex)
{
    if (m_state == State::WaitingToken) {
        request().tokenChanged(routeIndex);
    }
}

// ---- end of an exchange ------------------------------------------------------------------------

void ClientConnection::responseQueued(bool close)
{
    if (close) {
        closeAfterFlush();
    } else {
        startNextRequest();
    }
}

void ClientConnection::startNextRequest()
{
    RequestState &current = request();
    current.clear();
    // Freed, not kept: the next read hands over what arrived without a copy (readAvailable), and
    // 10,000 idle keep-alive clients must not hold a buffer each.
    if (m_in.isEmpty()) {
        m_in = QByteArray();
    }
    const bool draining = m_drainRequested || m_worker.isDraining();
    // Busy when a reload began and the response did not announce a close: the connection goes to
    // the new configuration now that it is idle, as the idle ones did at the start of the drain.
    // Closing it would race the request the client may already be sending on it.
    if (draining && !current.closingAfterResponse() && !m_clientHalfClosed) {
        setState(State::Idle);
        if (m_worker.handOverIdle(*this)) {
            return;
        }
    }
    // A client that half-closed sends no further request once what it sent is answered.
    if (draining || (m_clientHalfClosed && m_in.isEmpty() && m_input.available() == 0)) {
        closeAfterFlush();
        return;
    }
    const bool wasInHead = m_state == State::ReadingHead;
    setState(State::Idle);
    setDeadline(Deadline::ClientIdle, m_worker.options().limits.clientIdleTimeout);
    // Within processInput() its loop picks up pipelined bytes; otherwise look at them now.
    if (!wasInHead && (!m_in.isEmpty() || m_input.available() > 0)) {
        processInput();
    }
}

void ClientConnection::setState(State state)
{
    if (m_state == State::Exchanging && state != State::Exchanging) {
        request().leaveExchange();
    }
    m_state = state;
}

void ClientConnection::closeAfterFlush()
{
    if (m_state == State::Closed || m_state == State::Closing) {
        return;
    }
    setState(State::Closing);
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
    if (inRequest()) {
        request().abandon();
    }
    // The request state itself goes with the connection (deleted later): closing can happen inside
    // one of its exchange's own calls.
    setState(State::Closed);
    m_deadlineKind = Deadline::None;
    m_input.stopReading();
    m_socket->abort();
    m_worker.connectionClosed(this);
}

void ClientConnection::closeAfterFirstResponse()
{
    m_drainRequested = true;
    // Outside a request the next head is answered knowing of the drain (RequestState::begin).
    if (inRequest()) {
        request().closeAfterResponse();
    }
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
    // A TLS session lives in this process's QSslSocket, not in the descriptor: such a connection is
    // closed when idle instead, and the client reconnects.
    if (m_tlsClient || m_state != State::Idle || !m_in.isEmpty() || m_input.available() > 0 ||
        m_socket->bytesToWrite() > 0) {
        return -1;
    }
    const qintptr duplicate = SocketHandOver::duplicate(*m_socket);
    if (duplicate >= 0) {
        closeNow();
    }
    return duplicate;
}

void ClientConnection::abortNow()
{
    if (m_state == State::WaitingToken || m_state == State::BufferingBody ||
        (m_state == State::Exchanging && !request().forwarding())) {
        // Nothing reached the target yet, so the client may safely send it again elsewhere.
        request().closeAfterResponse();
        request().fail(Failure::ShuttingDown,
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
    if (m_state == State::Idle) {
        // Kept while requests follow each other (no allocation per request), given back once the
        // connection sat idle for a sweep.
        m_requestState.reset();
    }
    const bool bodyRead = m_state == State::BufferingBody || m_state == State::Exchanging;
    if ((bodyRead && request().failIfBodyTooSlow(now, m_state == State::BufferingBody)) ||
        m_deadlineKind == Deadline::None || now < m_deadline) {
        return;
    }
    const Deadline kind = std::exchange(m_deadlineKind, Deadline::None);
    // Outside a request only the idle time-out runs, which needs no facts.
    const DeadlineFacts facts = inRequest() ? request().deadlineFacts() : DeadlineFacts{};
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
        if (verdict.closeConnection) {
            request().closeAfterResponse();
        }
        request().fail(verdict.failure, verdict.message);
        break;
    }
}

} // namespace aap::proxy
