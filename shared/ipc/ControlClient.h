#pragma once

#include "core/Expected.h"
#include "ipc/ControlError.h"
#include "ipc/FrameReader.h"
#include "ipc/ProtocolVersion.h"

#include <QHash>
#include <QJsonObject>
#include <QLocalSocket>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <functional>

namespace aap::ipc {

// The configurator's side of the control protocol: connects to the service's socket, says hello,
// sends requests and hands each answer to its callback by id, keeps a status subscription across
// reconnects, and reconnects by itself (with backoff) whenever the service goes away.
class ControlClient : public QObject {
    Q_OBJECT

public:
    enum class State {
        Stopped,      // start() not called, or stop()
        Connecting,   // waiting for the socket or the hello answer
        Connected,    // hello accepted: requests can be sent
        Disconnected, // lost or refused; a reconnect is scheduled
    };
    Q_ENUM(State)

    // Why the last connection attempt failed, so a UI can say what to do.
    enum class Problem {
        None,
        NotRunning,       // no socket at the path, or nobody listening
        PermissionDenied, // the socket exists but this user may not open it
        VersionMismatch,  // the service refused our major version
        ProtocolError,    // garbage or an oversize frame from the peer
        Other,
    };
    Q_ENUM(Problem)

    struct ServiceInfo {
        ProtocolVersion version;
        QString serviceVersion;
        qint64 pid = 0;
        bool canWrite = false; // this user may apply configurations and refresh tokens
    };

    using Result = Expected<QJsonObject, ControlError>;
    using Callback = std::function<void(const Result &)>;

    explicit ControlClient(QObject *parent = nullptr);
    ~ControlClient() override;

    // A socket path (Linux) or pipe name (Windows); see ControlEndpoint.
    void setServerName(const QString &name) { m_serverName = name; }
    [[nodiscard]] QString serverName() const { return m_serverName; }
    void setClientName(const QString &name) { m_clientName = name; }
    // The first retry comes after `first`; each next one waits twice as long, up to `max`.
    void setReconnectDelays(std::chrono::milliseconds first, std::chrono::milliseconds max);
    void setRequestTimeout(std::chrono::milliseconds timeout) { m_requestTimeout = timeout; }

    void start();
    void stop();

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] Problem problem() const { return m_problem; }
    // Plain words for the last failure ("permission denied on ...: join the group ...").
    [[nodiscard]] QString problemText() const { return m_problemText; }
    [[nodiscard]] ServiceInfo serviceInfo() const { return m_serviceInfo; }

    // Sends a request and returns its id. The callback runs once: with the answer, with an error
    // answer, or with `disconnected`/`timeout`. It is dropped if `context` is destroyed first.
    // Not connected: the callback runs at once (queued) with `disconnected`.
    qint64 request(const QString &type, const QJsonObject &payload, QObject *context, Callback callback,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());
    // Asks for status pushes (statusPushed); renewed after every reconnect until set false.
    void setSubscribed(bool subscribed);

Q_SIGNALS:
    void stateChanged(aap::ipc::ControlClient::State state);
    // Hello accepted.
    void connected();
    // The connection went away or could not be made; problemText() says why.
    void disconnected();
    void statusPushed(const QJsonObject &status);

private:
    struct Pending {
        QPointer<QObject> context;
        Callback callback;
    };

    void connectNow();
    void onSocketConnected();
    void onReadyRead();
    void onSocketError(QLocalSocket::LocalSocketError error);
    void onSocketDisconnected();
    void handleMessage(const QByteArray &json);
    void sendFrame(qint64 id, const QString &type, const QJsonObject &payload);
    void fail(Problem problem, const QString &text);
    void setState(State state);
    void finishAll(const ControlError &error);
    void finish(qint64 id, const Result &result);
    void scheduleReconnect();

    QString m_serverName;
    QString m_clientName;
    std::chrono::milliseconds m_firstDelay{250};
    std::chrono::milliseconds m_maxDelay{5000};
    std::chrono::milliseconds m_nextDelay{250};
    std::chrono::milliseconds m_requestTimeout{30000};
    QLocalSocket *m_socket = nullptr;
    QTimer m_reconnectTimer;
    FrameReader m_reader;
    State m_state = State::Stopped;
    Problem m_problem = Problem::None;
    QString m_problemText;
    ServiceInfo m_serviceInfo;
    qint64 m_nextId = 1;
    qint64 m_helloId = 0;
    bool m_subscribed = false;
    QHash<qint64, Pending> m_pending;
};

} // namespace aap::ipc
