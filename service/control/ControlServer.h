#pragma once

#include "core/Expected.h"

#include <QList>
#include <QLocalServer>
#include <QObject>
#include <QTimer>

namespace aap::control {

class ControlHandler;
class ControlSession;

// The service's control socket (docs/control-protocol.md): a QLocalServer at the configured place,
// one ControlSession per client, and at most one status push per second to subscribers, sent
// only when the handler reports a change.
class ControlServer : public QObject {
    Q_OBJECT

public:
    static constexpr int kMaxClients = 64;

    ControlServer(ControlHandler &handler, QObject *parent = nullptr);
    ~ControlServer() override;

    // Linux: creates the socket's directory if needed, replaces a stale socket file, listens, and
    // sets mode 0660 and the admin group (or the service's group). Fails with a message.
    Expected<void, QString> listen(const QString &name);
    void close();
    [[nodiscard]] QString fullName() const { return m_server.fullServerName(); }
    [[nodiscard]] int clientCount() const { return static_cast<int>(m_sessions.size()); }

private:
    void onNewConnection();
    void pushStatus();

    ControlHandler &m_handler;
    QLocalServer m_server;
    QList<ControlSession *> m_sessions;
    QTimer m_pushTimer;
    QString m_adminGroup;
    QString m_socketPath;
};

} // namespace aap::control
