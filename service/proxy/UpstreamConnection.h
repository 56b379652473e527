#pragma once

#include "proxy/ImmediateWriter.h"
#include "proxy/SocketInput.h"
#include "proxy/UpstreamHandler.h"

#include <QAbstractSocket>
#include <QList>
#include <QObject>

#include <chrono>
#include <optional>

class QNetworkProxy;
class QSslConfiguration;
class QSslError;
class QSslSocket;

namespace aap::proxy {

class UpstreamPool;

// One connection to the target, owned by the worker's UpstreamPool. While an exchange uses it,
// socket events go to that exchange's handler; while idle in the pool, any event means the upstream
// closed it (or misbehaved), and the pool drops it.
class UpstreamConnection : public QObject {
    Q_OBJECT

public:
    UpstreamConnection(UpstreamPool &pool, bool tls, QObject *parent = nullptr);

    // `proxy`: NoProxy, or an HTTP proxy that tunnels the connection with CONNECT.
    void connectTo(const QString &host, quint16 port, const QSslConfiguration &tlsConfiguration,
                   const QNetworkProxy &proxy);

    [[nodiscard]] QAbstractSocket *socket() const { return m_socket; }
    // Every write to the target; valid once connectTo() was called.
    [[nodiscard]] ImmediateWriter &out() { return *m_out; }
    // What the target sent; valid once connectTo() was called.
    [[nodiscard]] SocketInput &input() { return *m_in; }
    [[nodiscard]] bool isReady() const { return m_ready; }
    // Usable for another request: connected, nothing unread, not failed.
    [[nodiscard]] bool isReusable() const;

    void setHandler(UpstreamHandler *handler) { m_handler = handler; }
    [[nodiscard]] UpstreamHandler *handler() const { return m_handler; }

    // Closes the socket and deletes this object later; no handler is called afterwards.
    void discard();
    [[nodiscard]] bool isDiscarded() const { return m_discarded; }

    std::chrono::steady_clock::time_point idleSince;
    bool reused = false; // served an earlier exchange

private:
    // Direct reads (SocketInput): the socket's read notifier fired; Qt does not see it.
    bool eventFilter(QObject *watched, QEvent *event) override;
    void onReady();
    void onTlsErrors(const QList<QSslError> &errors);
    void onTcpConnected();
    void onReadyRead();
    void onBytesWritten();
    void onError(QAbstractSocket::SocketError error);
    void onDisconnected();
    void onFailed(UpstreamFailure failure);

    UpstreamPool &m_pool;
    QAbstractSocket *m_socket = nullptr;
    QSslSocket *m_ssl = nullptr; // the same socket when the target is https
    std::optional<ImmediateWriter> m_out;
    std::optional<SocketInput> m_in;
    UpstreamHandler *m_handler = nullptr;
    bool m_tls = false;
    bool m_plainText = false; // neither TLS nor an HTTP proxy: the descriptor may be used directly
    bool m_ready = false;
    bool m_discarded = false;
    bool m_tlsFailed = false;
};

} // namespace aap::proxy
