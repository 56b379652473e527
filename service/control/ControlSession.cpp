#include "control/ControlSession.h"

#include "control/PeerCredentials.h"
#ifdef Q_OS_WIN
#include "platform/windows/PipeClientAccess.h"
#endif
#include "ipc/MessageTypes.h"
#include "ipc/ProtocolVersion.h"
#include "log/LogField.h"
#include "log/Logging.h"

#include <QCoreApplication>
#include <QPointer>
#include <QTimer>

namespace aap::control {

using namespace Qt::StringLiterals;
namespace errors = ipc::errors;
namespace types = ipc::types;

namespace {

// A client told to go away gets this long to read the last answer before the connection is cut.
constexpr int kCloseGraceMs = 1000;

} // namespace

ControlSession::ControlSession(QLocalSocket *socket, ControlHandler &handler, const QString &adminGroup,
                               QObject *parent)
    : QObject(parent), m_socket(socket), m_handler(handler)
{
    m_socket->setParent(this);
    // Windows decides at hello (handleHello): a pipe server can read its client's token only after
    // the client has written.
    if (const auto peer = PeerCredentials::ofSocket(m_socket->socketDescriptor())) {
        m_mayWrite = peer->mayWrite(adminGroup);
        m_peerPid = peer->pid;
        m_peerUid = peer->uid;
    }
    connect(m_socket, &QLocalSocket::readyRead, this, &ControlSession::onReadyRead);
    connect(m_socket, &QLocalSocket::disconnected, this, [this] { closeNow({}); });
    qCDebug(lcIpc).noquote() << "control client connected" << log::LogField::kv("pid", m_peerPid)
                             << log::LogField::kv("uid", m_peerUid)
                             << log::LogField::kv("may_write", m_mayWrite ? "yes" : "no");
}

void ControlSession::onReadyRead()
{
    if (m_closing) {
        m_socket->readAll();
        return;
    }
    m_reader.append(m_socket->readAll());
    while (!m_closing) {
        auto frame = m_reader.next();
        if (!frame) {
            qCWarning(lcIpc).noquote()
                << "control client sent an unusable frame; closing" << log::LogField::kv("pid", m_peerPid)
                << log::LogField::kv("error", frame.error());
            send(ipc::ControlMessage{0, u"error"_s, {}, ipc::ControlError{errors::kBadFrame, frame.error()}});
            closeAfterSending();
            return;
        }
        if (!frame->has_value())
            return;
        handleFrame(**frame);
    }
}

void ControlSession::handleFrame(const QByteArray &json)
{
    auto message = ipc::ControlMessage::fromJson(json);
    if (!message) {
        send(ipc::ControlMessage{0, u"error"_s, {}, message.error()});
        return;
    }
    if (message->error || message->isPush())
        return; // clients send requests only; anything else is ignored
    if (message->type == types::kHello) {
        handleHello(*message);
        return;
    }
    if (!m_helloDone) {
        send(ipc::ControlMessage::failure(*message, errors::kHelloRequired, u"say hello first"_s));
        return;
    }
    if (message->type == types::kSubscribe || message->type == types::kUnsubscribe) {
        m_subscribed = message->type == types::kSubscribe;
        send(ipc::ControlMessage::reply(*message));
        return;
    }
    const QPointer<ControlSession> self(this);
    const ipc::ControlMessage request = *message;
    m_handler.handle(message->type, message->payload, m_mayWrite,
                     [self, request](ControlHandler::Result result) {
                         if (self.isNull())
                             return; // the client left before the answer was ready
                         if (result)
                             self->send(ipc::ControlMessage::reply(request, std::move(*result)));
                         else
                             self->send(ipc::ControlMessage::failure(request, result.error().code,
                                                                     result.error().message));
                     });
}

void ControlSession::handleHello(const ipc::ControlMessage &request)
{
    const QString offered = request.payload.value(u"version"_s).toString();
    const auto version = ipc::ProtocolVersion::parse(offered);
    const ipc::ProtocolVersion ours = ipc::ProtocolVersion::current();
    if (!version || version->major != ours.major) {
        send(ipc::ControlMessage::failure(
            request, errors::kUnsupportedVersion,
            u"this service speaks control protocol %1 and cannot talk to a client speaking \"%2\": install a matching configurator"_s
                .arg(ours.toString(), offered)));
        closeAfterSending();
        return;
    }
#ifdef Q_OS_WIN
    using platform::windows::PipeClientAccess;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): on Windows the descriptor is the pipe's HANDLE.
    const auto client = PipeClientAccess::classify(reinterpret_cast<void *>(m_socket->socketDescriptor()));
    if (!PipeClientAccess::mayUse(client)) {
        qCWarning(lcIpc).noquote() << "control client refused: neither an elevated administrator nor the "
                                      "service account";
        send(ipc::ControlMessage::failure(
            request, errors::kPermissionDenied,
            u"the control pipe admits Administrators and the service account only: run the configurator as administrator"_s));
        closeAfterSending();
        return;
    }
    m_mayWrite = true;
#endif
    m_helloDone = true;
    send(ipc::ControlMessage::reply(
        request, QJsonObject{{u"version"_s, ours.toString()},
                             {u"service"_s, u"aad-auth-proxy"_s},
                             {u"service_version"_s, QCoreApplication::applicationVersion()},
                             {u"pid"_s, QCoreApplication::applicationPid()},
                             {u"can_write"_s, m_mayWrite}}));
}

void ControlSession::send(const ipc::ControlMessage &message)
{
    if (m_closed || (m_closing && !message.error))
        return;
    auto frame = message.toFrame();
    if (!frame) {
        // Only a status or config larger than the frame maximum gets here; say so instead.
        send(ipc::ControlMessage{
            message.id, message.type, {}, ipc::ControlError{errors::kFailed, frame.error()}});
        return;
    }
    if (m_socket->bytesToWrite() + frame->size() > kMaxQueuedBytes) {
        closeNow(u"the client does not read what it is sent"_s);
        return;
    }
    m_socket->write(*frame);
}

void ControlSession::refuse(const QString &code, const QString &message)
{
    send(ipc::ControlMessage{0, u"error"_s, {}, ipc::ControlError{code, message}});
    closeAfterSending();
}

void ControlSession::closeAfterSending()
{
    m_closing = true;
    m_subscribed = false;
    QTimer::singleShot(kCloseGraceMs, this, [this] { closeNow({}); });
    m_socket->disconnectFromServer();
}

void ControlSession::closeNow(const QString &reason)
{
    if (m_closed)
        return;
    m_closed = true;
    if (!reason.isEmpty()) {
        qCWarning(lcIpc).noquote() << "control client disconnected" << log::LogField::kv("pid", m_peerPid)
                                   << log::LogField::kv("reason", reason);
    }
    m_closing = true;
    m_subscribed = false;
    m_socket->disconnect(this);
    m_socket->abort();
    Q_EMIT closed(this);
}

} // namespace aap::control
