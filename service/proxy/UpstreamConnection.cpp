#include "proxy/UpstreamConnection.h"

#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/UpstreamPool.h"

#include <QEvent>
#include <QNetworkProxy>
#include <QSocketNotifier>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>

namespace aap::proxy {

namespace {
// Bounds what Qt reads ahead from the upstream: the rest stays in the kernel, so a fast upstream
// and a slow client apply TCP back-pressure instead of filling memory.
constexpr qint64 kReadBufferBytes = qint64{64} * 1024;
} // namespace

UpstreamConnection::UpstreamConnection(UpstreamPool &pool, bool tls, QObject *parent)
    : QObject(parent), m_pool(pool), m_tls(tls)
{
    if (tls) {
        auto *ssl = new QSslSocket(this);
        m_socket = ssl;
        m_ssl = ssl;
        connect(ssl, &QSslSocket::encrypted, this, &UpstreamConnection::onReady);
        connect(ssl, &QSslSocket::sslErrors, this, &UpstreamConnection::onTlsErrors);
        connect(ssl, &QAbstractSocket::connected, this, &UpstreamConnection::onTcpConnected);
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QAbstractSocket::connected, this, &UpstreamConnection::onReady);
    }
    m_socket->setReadBufferSize(kReadBufferBytes);
    connect(m_socket, &QAbstractSocket::readyRead, this, &UpstreamConnection::onReadyRead);
    connect(m_socket, &QAbstractSocket::bytesWritten, this, &UpstreamConnection::onBytesWritten);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &UpstreamConnection::onError);
    connect(m_socket, &QAbstractSocket::disconnected, this, &UpstreamConnection::onDisconnected);
}

bool UpstreamConnection::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::SockAct) {
        return QObject::eventFilter(watched, event);
    }
    switch (m_in->fill()) {
    case SocketInput::Fill::Data:
        onReadyRead();
        break;
    case SocketInput::Fill::Nothing:
        break;
    case SocketInput::Fill::End:
    case SocketInput::Fill::Failed:
        // What arrived before stays in input() for the exchange (a close-delimited body).
        onDisconnected();
        break;
    }
    return true;
}

void UpstreamConnection::onTlsErrors(const QList<QSslError> &errors)
{
    m_tlsFailed = true;
    QStringList texts;
    for (const auto &error : errors) {
        texts << error.errorString();
    }
    qCWarning(lcUpstream).noquote() << "TLS verification failed" << log::LogField::kv("host", m_pool.host())
                                    << log::LogField::kv("errors", texts.join(QStringLiteral("; ")));
}

void UpstreamConnection::onTcpConnected()
{
    if (m_handler != nullptr && !m_discarded) {
        m_handler->upstreamTcpConnected();
    }
}

void UpstreamConnection::onReadyRead()
{
    if (m_discarded) {
        return;
    }
    if (m_handler != nullptr) {
        m_handler->upstreamReadyRead();
        return;
    }
    // Idle connections must stay silent: data means the upstream is out of step.
    qCWarning(lcUpstream).noquote() << "unexpected data on idle upstream connection, dropped"
                                    << log::LogField::kv("host", m_pool.host());
    m_pool.dropIdle(this);
}

void UpstreamConnection::onBytesWritten()
{
    if (!m_discarded && m_handler != nullptr) {
        m_handler->upstreamBytesWritten();
    }
}

void UpstreamConnection::onError(QAbstractSocket::SocketError error)
{
    if (m_discarded) {
        return;
    }
    if (m_tlsFailed || error == QAbstractSocket::SslHandshakeFailedError ||
        error == QAbstractSocket::SslInternalError || error == QAbstractSocket::SslInvalidUserDataError) {
        onFailed(UpstreamFailure::Tls);
    } else {
        onFailed(m_ready ? UpstreamFailure::Closed : UpstreamFailure::Connect);
    }
}

void UpstreamConnection::onDisconnected()
{
    if (!m_discarded) {
        onFailed(m_ready ? UpstreamFailure::Closed : UpstreamFailure::Connect);
    }
}

void UpstreamConnection::connectTo(const QString &host, quint16 port,
                                   const QSslConfiguration &tlsConfiguration, const QNetworkProxy &proxy)
{
    m_socket->setProxy(proxy);
    // Through an HTTP proxy Qt's socket engine tunnels the bytes itself: no direct writes there.
    m_plainText = !m_tls && proxy.type() == QNetworkProxy::NoProxy;
    m_out.emplace(*m_socket, m_plainText);
    m_in.emplace(*m_socket);
    if (m_tls) {
        m_ssl->setSslConfiguration(tlsConfiguration);
        // The host name is both the SNI value and the name the certificate must carry.
        m_ssl->connectToHostEncrypted(host, port);
    } else {
        m_socket->connectToHost(host, port);
    }
}

bool UpstreamConnection::isReusable() const
{
    return m_ready && !m_discarded && m_socket->state() == QAbstractSocket::ConnectedState &&
           m_in->available() == 0;
}

void UpstreamConnection::discard()
{
    if (m_discarded) {
        return;
    }
    m_discarded = true;
    m_handler = nullptr;
    m_in->stopReading();
    m_socket->abort();
    deleteLater();
}

void UpstreamConnection::onReady()
{
    if (m_discarded) {
        return;
    }
    m_ready = true;
    // Small heads and bodies go out at once; the proxy batches writes itself.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_plainText) {
        if (QSocketNotifier *notifier =
                m_in->readDirectly(*qobject_cast<QTcpSocket *>(m_socket), kReadBufferBytes)) {
            notifier->installEventFilter(this);
        }
    }
    if (m_handler != nullptr) {
        m_handler->upstreamReady(this);
    }
}

void UpstreamConnection::onFailed(UpstreamFailure failure)
{
    m_pool.connectionFailed(this, failure);
}

} // namespace aap::proxy
