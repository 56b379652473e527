#include "FakeControlService.h"

#include "ipc/ControlError.h"
#include "ipc/ControlMessage.h"
#include "ipc/FrameCodec.h"
#include "ipc/MessageTypes.h"

#include <QLocalSocket>

namespace aap::test {

using namespace Qt::StringLiterals;
namespace types = ipc::types;
namespace errors = ipc::errors;

FakeControlService::FakeControlService(QObject *parent) : QObject(parent)
{
    connect(&m_server, &QLocalServer::newConnection, this, &FakeControlService::onNewConnection);
}

FakeControlService::~FakeControlService()
{
    close();
}

bool FakeControlService::listen(const QString &path)
{
    QLocalServer::removeServer(path);
    return m_server.listen(path);
}

void FakeControlService::close()
{
    m_server.close();
    const auto sockets = m_clients.keys();
    m_clients.clear();
    for (QLocalSocket *socket : sockets) {
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
}

int FakeControlService::subscriberCount() const
{
    int count = 0;
    for (const Client &client : m_clients)
        count += client.subscribed ? 1 : 0;
    return count;
}

void FakeControlService::onNewConnection()
{
    while (QLocalSocket *socket = m_server.nextPendingConnection()) {
        m_clients.insert(socket, Client{});
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QLocalSocket::disconnected, this, [this, socket] {
            m_clients.remove(socket);
            socket->deleteLater();
        });
    }
}

void FakeControlService::onReadyRead(QLocalSocket *socket)
{
    if (!m_clients.contains(socket))
        return;
    m_clients[socket].buffer.append(socket->readAll());
    for (;;) {
        QByteArray &buffer = m_clients[socket].buffer;
        const auto decoded = ipc::FrameCodec::decode(buffer);
        if (decoded.kind == ipc::FrameCodec::Decoded::Kind::Incomplete)
            return;
        if (decoded.kind == ipc::FrameCodec::Decoded::Kind::Error) {
            socket->abort();
            return;
        }
        const QByteArray json = decoded.payload.toByteArray();
        buffer.remove(0, decoded.consumed);
        handle(socket, json);
        if (!m_clients.contains(socket))
            return;
    }
}

void FakeControlService::send(QLocalSocket *socket, const QByteArray &json)
{
    const auto frame = ipc::FrameCodec::encode(json);
    Q_ASSERT(frame);
    socket->write(*frame);
}

void FakeControlService::handle(QLocalSocket *socket, const QByteArray &json)
{
    auto parsed = ipc::ControlMessage::fromJson(json);
    if (!parsed) {
        send(socket,
             ipc::ControlMessage::failure(ipc::ControlMessage{}, parsed.error().code, parsed.error().message)
                 .toJson());
        return;
    }
    const ipc::ControlMessage &message = *parsed;
    Client &client = m_clients[socket];
    auto fail = [&](const QString &code, const QString &text) {
        send(socket, ipc::ControlMessage::failure(message, code, text).toJson());
    };
    if (message.type == types::kHello) {
        const QString version = message.payload.value(u"version"_s).toString();
        if (!version.startsWith(u"1."_s)) {
            fail(errors::kUnsupportedVersion, u"this service speaks 1.0, the client "_s + version);
            socket->disconnectFromServer();
            return;
        }
        client.helloDone = true;
        send(socket, ipc::ControlMessage::reply(message, {{u"version"_s, u"1.0"_s},
                                                          {u"service"_s, u"aad-auth-proxy"_s},
                                                          {u"service_version"_s, u"0.1.0"_s},
                                                          {u"pid"_s, 4242},
                                                          {u"can_write"_s, m_canWrite}})
                         .toJson());
        return;
    }
    if (!client.helloDone) {
        fail(errors::kHelloRequired, u"say hello first"_s);
        return;
    }
    const bool write = message.type == types::kRefresh || message.type == types::kConfigApply;
    if (write && !m_canWrite) {
        fail(errors::kPermissionDenied, u"join the group aad-auth-proxy-admin"_s);
        return;
    }
    if (message.type == types::kStatus) {
        send(socket, ipc::ControlMessage::reply(message, m_status).toJson());
    } else if (message.type == types::kSubscribe || message.type == types::kUnsubscribe) {
        client.subscribed = message.type == types::kSubscribe;
        send(socket, ipc::ControlMessage::reply(message).toJson());
    } else if (message.type == types::kRefresh) {
        ++m_refreshes;
        send(socket, ipc::ControlMessage::reply(message).toJson());
    } else if (message.type == types::kDiagnose) {
        send(socket, ipc::ControlMessage::reply(message, m_diagnosis).toJson());
    } else if (message.type == types::kConfigApply) {
        m_applied.append(message.payload.value(u"text"_s).toString());
        send(socket, ipc::ControlMessage::reply(message, m_applyAnswer).toJson());
    } else {
        fail(errors::kUnknownType, u"unknown request type "_s + message.type);
    }
}

void FakeControlService::pushStatus()
{
    const QByteArray json = ipc::ControlMessage::push(types::kStatusPush, m_status).toJson();
    for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it) {
        if (it->subscribed)
            send(it.key(), json);
    }
}

} // namespace aap::test
