#include "support/FakeUpstream.h"

#include <QSslServer>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

namespace aap::test {

namespace {
constexpr qint64 kGeneratedSlice = 64LL * 1024;
constexpr qint64 kGeneratedHighWater = 1024LL * 1024;
} // namespace

struct FakeUpstream::Connection {
    enum class Phase { Head, LengthBody, ChunkSize, ChunkData, ChunkDataEnd, Trailers, Responding, Closed };
    QTcpSocket *socket = nullptr;
    int id = 0;
    QByteArray buffer;
    Phase phase = Phase::Head;
    Request request;
    qint64 remaining = 0;
    std::unique_ptr<QCryptographicHash> hash;
    // Generated body in progress.
    qint64 generatedLeft = 0;
    qint64 generatedSent = 0;
    bool generatedChunked = false;
    bool closeAfter = false;
};

std::optional<QByteArray> FakeUpstream::Request::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0) {
            return value;
        }
    }
    return std::nullopt;
}

int FakeUpstream::Request::headerCount(QByteArrayView name) const
{
    int count = 0;
    for (const auto &header : headers) {
        count += QByteArrayView(header.first).compare(name, Qt::CaseInsensitive) == 0 ? 1 : 0;
    }
    return count;
}

FakeUpstream::FakeUpstream(QObject *parent) : QObject(parent)
{
    m_handler = [](const Request &) { return Response{}; };
}

FakeUpstream::~FakeUpstream()
{
    close();
}

bool FakeUpstream::listen(std::optional<QSslConfiguration> tls)
{
    m_speaksTls = tls.has_value();
    if (tls) {
        auto *server = new QSslServer(this);
        server->setSslConfiguration(*tls);
        m_server = server;
    } else {
        m_server = new QTcpServer(this);
    }
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &FakeUpstream::onNewConnection);
    return m_server->listen(QHostAddress::LocalHost, 0);
}

void FakeUpstream::close()
{
    if (m_server != nullptr) {
        m_server->close();
    }
    closeAllConnections();
}

quint16 FakeUpstream::port() const
{
    return m_server != nullptr ? m_server->serverPort() : 0;
}

int FakeUpstream::openConnections() const
{
    int open = 0;
    for (const auto *connection : m_connections) {
        open += connection->phase != Connection::Phase::Closed ? 1 : 0;
    }
    return open;
}

void FakeUpstream::closeAllConnections()
{
    for (Connection *connection : std::exchange(m_connections, {})) {
        connection->phase = Connection::Phase::Closed;
        connection->socket->disconnect(this);
        connection->socket->close();
        connection->socket->deleteLater();
        delete connection;
    }
}

QByteArrayView FakeUpstream::patternSlice(qint64 offset, qint64 length)
{
    static const QByteArray pattern = [] {
        QByteArray bytes(kGeneratedSlice + 26, Qt::Uninitialized);
        for (qint64 i = 0; i < bytes.size(); ++i) {
            bytes[i] = patternByte(i);
        }
        return bytes;
    }();
    Q_ASSERT(length <= kGeneratedSlice);
    return QByteArrayView(pattern).sliced(offset % 26, length);
}

QByteArray FakeUpstream::patternSha256(qint64 size)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (qint64 offset = 0; offset < size; offset += kGeneratedSlice) {
        hash.addData(patternSlice(offset, std::min(kGeneratedSlice, size - offset)));
    }
    return hash.result().toHex();
}

void FakeUpstream::onNewConnection()
{
    while (m_server->hasPendingConnections()) {
        auto *connection = new Connection;
        connection->socket = m_server->nextPendingConnection();
        connection->socket->setParent(this);
        connection->id = ++m_connectionCount;
        m_connections.append(connection);
        connect(connection->socket, &QTcpSocket::readyRead, this,
                [this, connection] { process(connection); });
        connect(connection->socket, &QTcpSocket::bytesWritten, this, [this, connection] {
            if (connection->generatedLeft > 0) {
                pumpGenerated(connection);
            }
        });
        connect(connection->socket, &QTcpSocket::disconnected, this,
                [connection] { connection->phase = Connection::Phase::Closed; });
        if (connection->socket->bytesAvailable() > 0) {
            process(connection);
        }
    }
}

void FakeUpstream::process(Connection *c)
{
    c->buffer.append(c->socket->readAll());
    for (;;) {
        switch (c->phase) {
        case Connection::Phase::Head: {
            const auto end = c->buffer.indexOf("\r\n\r\n");
            if (end < 0) {
                return;
            }
            const QByteArray head = c->buffer.left(end);
            c->buffer.remove(0, end + 4);
            const auto lines = head.split('\n');
            const auto requestLine = lines.first().trimmed().split(' ');
            c->request = Request{};
            c->request.connectionId = c->id;
            c->request.method = requestLine.value(0);
            c->request.target = requestLine.value(1);
            c->request.version = requestLine.value(2);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                const auto colon = line.indexOf(':');
                c->request.headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
            }
            c->hash = std::make_unique<QCryptographicHash>(QCryptographicHash::Sha256);
            if (c->request.header("Expect").value_or(QByteArray()).toLower() == "100-continue") {
                c->socket->write("HTTP/1.1 100 Continue\r\n\r\n");
            }
            if (c->request.header("Transfer-Encoding").value_or(QByteArray()).toLower().contains("chunked")) {
                c->request.chunked = true;
                c->phase = Connection::Phase::ChunkSize;
            } else {
                c->remaining =
                    c->request.header("Content-Length").value_or(QByteArrayLiteral("0")).toLongLong();
                c->phase = Connection::Phase::LengthBody;
            }
            break;
        }
        case Connection::Phase::LengthBody:
        case Connection::Phase::ChunkData: {
            const qint64 n = std::min<qint64>(c->remaining, c->buffer.size());
            const QByteArrayView data(c->buffer.constData(), n);
            c->hash->addData(data);
            if (c->request.body.size() < kMaxKeptBody) {
                c->request.body.append(
                    data.first(std::min<qint64>(n, kMaxKeptBody - c->request.body.size())));
            }
            c->request.bodySize += n;
            c->remaining -= n;
            c->buffer.remove(0, n);
            if (c->remaining > 0) {
                return;
            }
            if (c->phase == Connection::Phase::ChunkData) {
                c->phase = Connection::Phase::ChunkDataEnd;
                break;
            }
            c->request.bodySha256 = c->hash->result().toHex();
            m_requests.append(c->request);
            c->phase = Connection::Phase::Responding;
            Q_EMIT requestReceived();
            respond(c, m_handler(c->request));
            if (c->phase != Connection::Phase::Head) {
                return;
            }
            break;
        }
        case Connection::Phase::ChunkSize: {
            const auto end = c->buffer.indexOf("\r\n");
            if (end < 0) {
                return;
            }
            bool ok = false;
            c->remaining = c->buffer.left(end).split(';').first().toLongLong(&ok, 16);
            c->buffer.remove(0, end + 2);
            c->phase = c->remaining == 0 ? Connection::Phase::Trailers : Connection::Phase::ChunkData;
            break;
        }
        case Connection::Phase::ChunkDataEnd:
            if (c->buffer.size() < 2) {
                return;
            }
            c->buffer.remove(0, 2);
            c->phase = Connection::Phase::ChunkSize;
            break;
        case Connection::Phase::Trailers: {
            const auto end = c->buffer.indexOf("\r\n");
            if (end < 0) {
                return;
            }
            if (end > 0) {
                c->request.trailerLines.append(c->buffer.left(end));
            }
            c->buffer.remove(0, end + 2);
            if (end == 0) {
                c->remaining = 0;
                c->phase = Connection::Phase::LengthBody;
            }
            break;
        }
        case Connection::Phase::Responding:
        case Connection::Phase::Closed:
            return;
        }
    }
}

void FakeUpstream::respond(Connection *c, const Response &response)
{
    if (response.delayMs > 0) {
        Response now = response;
        now.delayMs = 0;
        QTimer::singleShot(response.delayMs, c->socket, [this, c, now] { respond(c, now); });
        return;
    }
    switch (response.action) {
    case Action::Hang:
        return;
    case Action::Reset:
        c->phase = Connection::Phase::Closed;
        c->socket->abort();
        return;
    case Action::Close:
        c->phase = Connection::Phase::Closed;
        c->socket->disconnectFromHost();
        return;
    default:
        break;
    }
    const qint64 bodySize =
        response.generatedBodyBytes >= 0 ? response.generatedBodyBytes : response.body.size();
    QByteArray out = "HTTP/1.1 " + QByteArray::number(response.status) + " Status\r\n";
    for (const auto &[name, value] : response.headers) {
        out += name + ": " + value + "\r\n";
    }
    if (response.chunked) {
        out += "Transfer-Encoding: chunked\r\n";
    } else if (!response.closeDelimited) {
        const qint64 announced = response.action == Action::HeadThenHang ? bodySize * 2 : bodySize;
        out += "Content-Length: " + QByteArray::number(announced) + "\r\n";
    }
    if (response.closeAfter || response.closeDelimited) {
        out += "Connection: close\r\n";
    }
    out += "\r\n";
    c->closeAfter = response.closeAfter || response.closeDelimited;
    if (response.generatedBodyBytes >= 0) {
        c->socket->write(out);
        c->generatedLeft = bodySize;
        c->generatedSent = 0;
        c->generatedChunked = response.chunked;
        pumpGenerated(c);
        return;
    }
    if (response.chunked) {
        for (qsizetype offset = 0; offset < response.body.size(); offset += response.chunkSize) {
            const QByteArray piece = response.body.mid(offset, response.chunkSize);
            out += QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n";
        }
        out += "0\r\n\r\n";
    } else {
        out += response.body;
    }
    c->socket->write(out);
    if (response.action == Action::HeadThenHang) {
        return;
    }
    finishResponse(c);
}

void FakeUpstream::pumpGenerated(Connection *c)
{
    while (c->generatedLeft > 0 && c->socket->bytesToWrite() < kGeneratedHighWater) {
        const qint64 n = std::min(kGeneratedSlice, c->generatedLeft);
        if (c->generatedChunked) {
            c->socket->write(QByteArray::number(n, 16) + "\r\n");
        }
        const QByteArrayView slice = patternSlice(c->generatedSent, n);
        c->socket->write(slice.data(), slice.size());
        if (c->generatedChunked) {
            c->socket->write("\r\n");
        }
        c->generatedSent += n;
        c->generatedLeft -= n;
    }
    if (c->generatedLeft == 0) {
        if (c->generatedChunked) {
            c->socket->write("0\r\n\r\n");
        }
        finishResponse(c);
    }
}

void FakeUpstream::finishResponse(Connection *c)
{
    if (c->closeAfter) {
        c->phase = Connection::Phase::Closed;
        c->socket->disconnectFromHost();
        return;
    }
    c->phase = Connection::Phase::Head;
    if (!c->buffer.isEmpty()) {
        QTimer::singleShot(0, c->socket, [this, c] { process(c); });
    }
}

} // namespace aap::test
