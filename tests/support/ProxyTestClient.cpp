#include "support/ProxyTestClient.h"

#include "support/FakeUpstream.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QSslSocket>
#include <QTimer>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace aap::test {

std::optional<QByteArray> ProxyTestClient::Response::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0) {
            return value;
        }
    }
    return std::nullopt;
}

ProxyTestClient::ProxyTestClient(QObject *parent) : QObject(parent), m_socket(new QSslSocket(this))
{
    connect(m_socket, &QTcpSocket::readyRead, this, [this] { m_buffer.append(m_socket->readAll()); });
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        m_buffer.append(m_socket->readAll());
        m_closed = true;
    });
}

ProxyTestClient::~ProxyTestClient() = default;

bool ProxyTestClient::connectTo(quint16 port, int timeoutMs)
{
    m_socket->connectToHost(QHostAddress::LocalHost, port);
    return spinUntil([this] { return m_socket->state() == QAbstractSocket::ConnectedState; }, timeoutMs);
}

bool ProxyTestClient::connectEncrypted(quint16 port, const QSslConfiguration &tls, int timeoutMs)
{
    m_socket->setSslConfiguration(tls);
    m_socket->connectToHostEncrypted(QStringLiteral("127.0.0.1"), port, QStringLiteral("localhost"));
    return spinUntil([this] { return m_socket->isEncrypted() || m_closed; }, timeoutMs) &&
           m_socket->isEncrypted();
}

QSslCertificate ProxyTestClient::serverCertificate() const
{
    return m_socket->peerCertificate();
}

void ProxyTestClient::send(const QByteArray &bytes)
{
    m_socket->write(bytes);
}

bool ProxyTestClient::shutdownSending(int timeoutMs)
{
    if (!spinUntil([this] { return m_socket->bytesToWrite() == 0; }, timeoutMs)) {
        return false;
    }
#ifdef Q_OS_UNIX
    return ::shutdown(static_cast<int>(m_socket->socketDescriptor()), SHUT_WR) == 0;
#else
    return false;
#endif
}

bool ProxyTestClient::sendPattern(qint64 size, int timeoutMs)
{
    constexpr qint64 slice = 64LL * 1024;
    constexpr qint64 highWater = 1024LL * 1024;
    qint64 sent = 0;
    const QDeadlineTimer deadline(timeoutMs);
    while (sent < size) {
        if (m_closed || deadline.hasExpired()) {
            return false;
        }
        if (m_socket->bytesToWrite() > highWater) {
            spinUntil([this] { return m_socket->bytesToWrite() <= highWater || m_closed; },
                      static_cast<int>(deadline.remainingTime()));
            continue;
        }
        const qint64 n = std::min(slice, size - sent);
        const QByteArrayView bytes = FakeUpstream::patternSlice(sent, n);
        m_socket->write(bytes.data(), bytes.size());
        sent += n;
    }
    return spinUntil([this] { return m_socket->bytesToWrite() == 0 || m_closed; },
                     static_cast<int>(deadline.remainingTime())) &&
           !m_closed;
}

bool ProxyTestClient::isConnected() const
{
    return !m_closed && m_socket->state() == QAbstractSocket::ConnectedState;
}

void ProxyTestClient::abort()
{
    m_socket->abort();
    m_closed = true;
}

bool ProxyTestClient::waitForDisconnected(int timeoutMs)
{
    return spinUntil([this] { return m_closed; }, timeoutMs);
}

std::optional<ProxyTestClient::Response> ProxyTestClient::readResponse(int timeoutMs, bool toHead)
{
    std::optional<Response> result;
    // Done when a response is complete, or when the peer closed and nothing more can arrive.
    const bool finished = spinUntil([&] { return tryParse(toHead, result) || m_closed; }, timeoutMs);
    if (finished && !result) {
        tryParse(toHead, result);
    }
    if (!result && m_closed && m_current && m_mode == BodyMode::UntilClose) {
        m_current->bodySha256 = m_hash->result().toHex();
        result = std::move(m_current);
        m_current.reset();
    }
    return result;
}

bool ProxyTestClient::spinUntil(const std::function<bool()> &done, int timeoutMs)
{
    if (done()) {
        return true;
    }
    QEventLoop loop;
    const QDeadlineTimer deadline(timeoutMs);
    bool result = false;
    auto check = [&] {
        if (done()) {
            result = true;
            loop.quit();
        } else if (deadline.hasExpired()) {
            loop.quit();
        }
    };
    QTimer poll;
    poll.setInterval(1);
    connect(&poll, &QTimer::timeout, &loop, check);
    connect(m_socket, &QTcpSocket::readyRead, &loop, check, Qt::QueuedConnection);
    connect(m_socket, &QTcpSocket::bytesWritten, &loop, check, Qt::QueuedConnection);
    connect(m_socket, &QTcpSocket::disconnected, &loop, check, Qt::QueuedConnection);
    poll.start();
    loop.exec();
    return result;
}

bool ProxyTestClient::tryParse(bool toHead, std::optional<Response> &out)
{
    if (out) {
        return true;
    }
    if (!m_current) {
        const auto end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        const QByteArray head = m_buffer.left(end);
        m_buffer.remove(0, end + 4);
        const auto lines = head.split('\n');
        Response response;
        response.statusLine = lines.first().trimmed();
        response.status = response.statusLine.split(' ').value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const auto colon = line.indexOf(':');
            response.headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
        }
        m_hash = std::make_unique<QCryptographicHash>(QCryptographicHash::Sha256);
        m_inChunkData = false;
        const bool noBody =
            toHead || response.status < 200 || response.status == 204 || response.status == 304;
        if (noBody) {
            m_mode = BodyMode::None;
        } else if (response.header("Transfer-Encoding")
                       .value_or(QByteArray())
                       .toLower()
                       .contains("chunked")) {
            m_mode = BodyMode::Chunked;
            m_remaining = -1;
        } else if (const auto length = response.header("Content-Length")) {
            m_mode = BodyMode::Length;
            m_remaining = length->toLongLong();
        } else {
            m_mode = BodyMode::UntilClose;
        }
        m_current = std::move(response);
    }
    auto take = [this](qint64 n) {
        const QByteArrayView data(m_buffer.constData(), n);
        m_hash->addData(data);
        if (m_current->body.size() < kMaxKeptBody) {
            m_current->body.append(data.first(std::min<qint64>(n, kMaxKeptBody - m_current->body.size())));
        }
        m_current->bodySize += n;
        m_buffer.remove(0, n);
    };
    switch (m_mode) {
    case BodyMode::None:
        break;
    case BodyMode::Length: {
        const qint64 n = std::min<qint64>(m_remaining, m_buffer.size());
        take(n);
        m_remaining -= n;
        if (m_remaining > 0) {
            return false;
        }
        break;
    }
    case BodyMode::Chunked:
        for (;;) {
            if (m_inChunkData) {
                const qint64 n = std::min<qint64>(m_remaining, m_buffer.size());
                take(n);
                m_remaining -= n;
                if (m_remaining > 0 || m_buffer.size() < 2) {
                    return false;
                }
                m_buffer.remove(0, 2);
                m_inChunkData = false;
                continue;
            }
            const auto end = m_buffer.indexOf("\r\n");
            if (end < 0) {
                return false;
            }
            const qint64 size = m_buffer.left(end).split(';').first().toLongLong(nullptr, 16);
            if (size == 0) {
                // Last chunk: wait for the (empty) trailer section.
                const auto trailerEnd = m_buffer.indexOf("\r\n\r\n", end);
                if (trailerEnd < 0) {
                    return false;
                }
                m_buffer.remove(0, trailerEnd + 4);
                break;
            }
            m_buffer.remove(0, end + 2);
            m_remaining = size;
            m_inChunkData = true;
        }
        break;
    case BodyMode::UntilClose:
        take(m_buffer.size());
        return false;
    }
    m_current->bodySha256 = m_hash->result().toHex();
    out = std::move(m_current);
    m_current.reset();
    return true;
}

} // namespace aap::test
