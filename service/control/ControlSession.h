#pragma once

#include "control/ControlHandler.h"
#include "ipc/ControlMessage.h"
#include "ipc/FrameReader.h"

#include <QLocalSocket>
#include <QObject>

namespace aap::control {

// One client connection: reads frames, answers hello itself and hands the other requests to the
// handler. Whatever the client sends (garbage, oversize lengths, half frames, nothing at all) only
// this connection suffers: bad framing closes it, and a client that does not read what it is sent
// is closed once its unsent data passes kMaxQueuedBytes.
class ControlSession : public QObject {
    Q_OBJECT

public:
    static constexpr qint64 kMaxQueuedBytes = qint64{4} * 1024 * 1024;

    // Takes ownership of socket.
    ControlSession(QLocalSocket *socket, ControlHandler &handler, const QString &adminGroup,
                   QObject *parent = nullptr);

    [[nodiscard]] bool subscribed() const { return m_subscribed; }
    [[nodiscard]] bool mayWrite() const { return m_mayWrite; }
    void send(const ipc::ControlMessage &message);
    // Sends an error and closes (for the connection limit).
    void refuse(const QString &code, const QString &message);

Q_SIGNALS:
    void closed(aap::control::ControlSession *session);

private:
    void onReadyRead();
    void handleFrame(const QByteArray &json);
    void handleHello(const ipc::ControlMessage &request);
    void closeAfterSending();
    void closeNow(const QString &reason);

    QLocalSocket *m_socket;
    ControlHandler &m_handler;
    ipc::FrameReader m_reader;
    bool m_helloDone = false;
    bool m_subscribed = false;
    bool m_mayWrite = false;
    bool m_closing = false;
    bool m_closed = false;
    qint64 m_peerPid = 0;
    quint32 m_peerUid = 0;
};

} // namespace aap::control
