#include "ipc/ControlClient.h"

#include "ipc/ControlEndpoint.h"
#include "ipc/ControlMessage.h"
#include "ipc/MessageTypes.h"

#include <QCoreApplication>
#include <QJsonValue>

#include <gsl/assert>

#include <algorithm>

namespace aap::ipc {

using namespace Qt::StringLiterals;

ControlClient::ControlClient(QObject *parent) : QObject(parent), m_serverName(ControlEndpoint::defaultName())
{
    m_clientName = QCoreApplication::applicationName();
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &ControlClient::connectNow);
}

ControlClient::~ControlClient()
{
    // No callbacks from a destructor: their contexts may be half torn down already.
    m_pending.clear();
    if (m_socket != nullptr) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void ControlClient::setReconnectDelays(std::chrono::milliseconds first, std::chrono::milliseconds max)
{
    m_firstDelay = first;
    m_maxDelay = std::max(first, max);
    m_nextDelay = first;
}

void ControlClient::start()
{
    if (m_state != State::Stopped)
        return;
    m_nextDelay = m_firstDelay;
    connectNow();
}

void ControlClient::stop()
{
    m_reconnectTimer.stop();
    if (m_socket != nullptr) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    finishAll(ControlError{errors::kDisconnected, u"the client was stopped"_s});
    setState(State::Stopped);
}

void ControlClient::connectNow()
{
    if (m_socket != nullptr) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_reader = FrameReader();
    m_helloId = 0;
    m_socket = new QLocalSocket(this);
    connect(m_socket, &QLocalSocket::connected, this, &ControlClient::onSocketConnected);
    connect(m_socket, &QLocalSocket::readyRead, this, &ControlClient::onReadyRead);
    connect(m_socket, &QLocalSocket::errorOccurred, this, &ControlClient::onSocketError);
    connect(m_socket, &QLocalSocket::disconnected, this, &ControlClient::onSocketDisconnected);
    setState(State::Connecting);
    m_socket->connectToServer(m_serverName);
}

void ControlClient::onSocketConnected()
{
    m_helloId = m_nextId++;
    sendFrame(
        m_helloId, types::kHello,
        QJsonObject{{u"version"_s, ProtocolVersion::current().toString()}, {u"client"_s, m_clientName}});
}

void ControlClient::onReadyRead()
{
    // The socket can be replaced while a message is handled (a refused hello closes it).
    const QLocalSocket *socket = m_socket;
    m_reader.append(m_socket->readAll());
    while (socket == m_socket) {
        auto frame = m_reader.next();
        if (!frame) {
            fail(Problem::ProtocolError, u"the service sent an unusable frame: %1"_s.arg(frame.error()));
            return;
        }
        if (!frame->has_value())
            return;
        handleMessage(**frame);
    }
}

void ControlClient::handleMessage(const QByteArray &json)
{
    auto message = ControlMessage::fromJson(json);
    if (!message) {
        fail(Problem::ProtocolError,
             u"the service sent an unusable message: %1"_s.arg(message.error().message));
        return;
    }
    if (message->isPush()) {
        // Push types this version does not know are ignored (a newer minor may add some).
        if (message->type == types::kStatusPush)
            Q_EMIT statusPushed(message->payload);
        return;
    }
    if (message->id == m_helloId) {
        m_helloId = 0;
        if (message->error) {
            const Problem problem = message->error->code == errors::kUnsupportedVersion
                                        ? Problem::VersionMismatch
                                        : Problem::Other;
            fail(problem, message->error->message);
            return;
        }
        const auto version = ProtocolVersion::parse(message->payload.value(u"version"_s).toString());
        if (!version || version->major != ProtocolVersion::current().major) {
            fail(Problem::VersionMismatch,
                 u"the service speaks control protocol %1, this program %2: install matching versions"_s.arg(
                     message->payload.value(u"version"_s).toString(), ProtocolVersion::current().toString()));
            return;
        }
        m_serviceInfo = ServiceInfo{*version, message->payload.value(u"service_version"_s).toString(),
                                    static_cast<qint64>(message->payload.value(u"pid"_s).toDouble()),
                                    message->payload.value(u"can_write"_s).toBool()};
        m_problem = Problem::None;
        m_problemText.clear();
        m_nextDelay = m_firstDelay;
        setState(State::Connected);
        if (m_subscribed)
            sendFrame(m_nextId++, types::kSubscribe, {});
        Q_EMIT connected();
        return;
    }
    if (message->error)
        finish(message->id, Unexpected(*message->error));
    else
        finish(message->id, message->payload);
}

void ControlClient::onSocketError(QLocalSocket::LocalSocketError error)
{
    switch (error) {
    case QLocalSocket::ServerNotFoundError:
        fail(Problem::NotRunning,
             u"the service is not running (no control socket at %1)"_s.arg(m_serverName));
        break;
    case QLocalSocket::ConnectionRefusedError:
        fail(Problem::NotRunning, u"the service is not answering at %1"_s.arg(m_serverName));
        break;
    case QLocalSocket::SocketAccessError:
        fail(Problem::PermissionDenied,
             u"permission denied on %1: join the group %2 (then log in again) or run as administrator"_s.arg(
                 m_serverName, ControlEndpoint::adminGroup()));
        break;
    case QLocalSocket::PeerClosedError:
        onSocketDisconnected();
        break;
    default:
        fail(Problem::Other, u"control socket %1: %2"_s.arg(m_serverName, m_socket->errorString()));
        break;
    }
}

void ControlClient::onSocketDisconnected()
{
    if (m_state == State::Connected)
        fail(Problem::NotRunning, u"the service closed the connection"_s);
    else if (m_problem == Problem::None)
        fail(Problem::NotRunning, u"the service closed the connection before saying hello"_s);
    else
        fail(m_problem, m_problemText);
}

void ControlClient::fail(Problem problem, const QString &text)
{
    if (m_socket != nullptr) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_problem = problem;
    m_problemText = text;
    finishAll(ControlError{errors::kDisconnected, text});
    setState(State::Disconnected);
    Q_EMIT disconnected();
    scheduleReconnect();
}

void ControlClient::scheduleReconnect()
{
    if (m_state == State::Stopped)
        return;
    m_reconnectTimer.start(m_nextDelay);
    m_nextDelay = std::min(m_nextDelay * 2, m_maxDelay);
}

void ControlClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

qint64 ControlClient::request(const QString &type, const QJsonObject &payload, QObject *context,
                              Callback callback, std::chrono::milliseconds timeout)
{
    Expects(context != nullptr);
    const qint64 id = m_nextId++;
    m_pending.insert(id, Pending{context, std::move(callback)});
    if (m_state != State::Connected) {
        const QString why = m_problemText.isEmpty() ? u"not connected to the service"_s : m_problemText;
        QMetaObject::invokeMethod(
            this,
            [this, id, why] {
                finish(id, Unexpected(ControlError{errors::kDisconnected, why}));
            },
            Qt::QueuedConnection);
        return id;
    }
    sendFrame(id, type, payload);
    const auto wait = timeout > std::chrono::milliseconds::zero() ? timeout : m_requestTimeout;
    QTimer::singleShot(wait, this, [this, id, type] {
        finish(id, Unexpected(ControlError{errors::kTimeout,
                                           u"the service did not answer \"%1\" in time"_s.arg(type)}));
    });
    return id;
}

void ControlClient::setSubscribed(bool subscribed)
{
    if (m_subscribed == subscribed)
        return;
    m_subscribed = subscribed;
    if (m_state == State::Connected)
        sendFrame(m_nextId++, subscribed ? types::kSubscribe : types::kUnsubscribe, {});
}

void ControlClient::sendFrame(qint64 id, const QString &type, const QJsonObject &payload)
{
    auto frame = ControlMessage::request(id, type, payload).toFrame();
    if (!frame) {
        finish(id, Unexpected(ControlError{errors::kBadMessage, frame.error()}));
        return;
    }
    m_socket->write(*frame);
}

void ControlClient::finish(qint64 id, const Result &result)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
        return; // answered, timed out, or a subscribe whose answer nobody waits for
    const Pending pending = it.value();
    m_pending.erase(it);
    if (!pending.context.isNull() && pending.callback)
        pending.callback(result);
}

void ControlClient::finishAll(const ControlError &error)
{
    const QList<qint64> ids = m_pending.keys();
    for (const qint64 id : ids)
        finish(id, Unexpected(error));
}

} // namespace aap::ipc
