#include "protocol/FakeTokenServer.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTcpSocket>

#include <algorithm>

namespace aap::test {

namespace {

constexpr qsizetype kMaxHead = qsizetype{64} * 1024;
constexpr qint64 kHugeChunk = qint64{64} * 1024;
// Far beyond any client cap, yet bounded so a broken client cannot make the test run forever.
constexpr qint64 kHugeLimit = 256LL * 1024 * 1024;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 410:
        return "Gone";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

bool isToken(QByteArrayView name)
{
    static const QByteArray allowed = QByteArrayLiteral("!#$%&'*+-.^_`|~");
    return !name.isEmpty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               allowed.contains(c);
    });
}

} // namespace

QByteArray RecordedRequest::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0) {
            return value;
        }
    }
    return {};
}

int RecordedRequest::headerCount(QByteArrayView name) const
{
    return static_cast<int>(std::count_if(headers.cbegin(), headers.cend(), [&](const auto &pair) {
        return pair.first.compare(name, Qt::CaseInsensitive) == 0;
    }));
}

QString RecordedRequest::queryValue(const QString &name) const
{
    for (const auto &[key, value] : query) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

int RecordedRequest::queryCount(const QString &name) const
{
    return static_cast<int>(
        std::count_if(query.cbegin(), query.cend(), [&](const auto &pair) { return pair.first == name; }));
}

FakeTokenServer::Fault FakeTokenServer::Fault::withStatus(int status, const QByteArray &body,
                                                          RecordedRequest::Headers headers)
{
    Fault fault;
    fault.kind = Kind::Status;
    fault.status = status;
    fault.body =
        body.isEmpty() ? errorJson(QStringLiteral("injected"), QStringLiteral("injected fault")) : body;
    fault.headers = std::move(headers);
    return fault;
}

FakeTokenServer::Fault FakeTokenServer::Fault::of(Kind kind)
{
    Fault fault;
    fault.kind = kind;
    return fault;
}

FakeTokenServer::FakeTokenServer(QObject *parent) : QTcpServer(parent)
{
    const bool listening = listen(QHostAddress::LocalHost, 0);
    Q_ASSERT(listening);
}

FakeTokenServer::~FakeTokenServer()
{
    // Sockets must not outlive our members (their signals reach lambdas using them).
    const auto sockets = m_buffers.keys();
    for (QTcpSocket *socket : sockets) {
        QObject::disconnect(socket, nullptr, this, nullptr);
        delete socket;
    }
}

QUrl FakeTokenServer::baseUrl() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(serverPort()));
}

void FakeTokenServer::injectFault(const Fault &fault, int times)
{
    m_faults.append({fault, times});
}

void FakeTokenServer::clearFaults()
{
    m_faults.clear();
}

RecordedRequest FakeTokenServer::lastRequest() const
{
    return m_requests.isEmpty() ? RecordedRequest{} : m_requests.constLast();
}

qint64 FakeTokenServer::nowSeconds() const
{
    const auto now = m_clock != nullptr ? m_clock->now() : std::chrono::system_clock::now();
    return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

QString FakeTokenServer::repeatedParameter(const RecordedRequest &request)
{
    for (const auto &[key, value] : request.query) {
        if (request.queryCount(key) > 1) {
            return key;
        }
    }
    return {};
}

QString FakeTokenServer::unknownParameter(const RecordedRequest &request, const QStringList &allowed)
{
    for (const auto &[key, value] : request.query) {
        if (!allowed.contains(key)) {
            return key.isEmpty() ? QStringLiteral("(empty)") : key;
        }
    }
    return {};
}

QByteArray FakeTokenServer::randomString(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    for (char &c : raw) {
        c = static_cast<char>(QRandomGenerator::global()->bounded(256));
    }
    return raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray FakeTokenServer::errorJson(const QString &code, const QString &description)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), code},
                                     {QStringLiteral("error_description"), description}})
        .toJson(QJsonDocument::Compact);
}

FakeTokenServer::Reply FakeTokenServer::error(int status, const QString &code, const QString &description)
{
    Reply reply;
    reply.status = status;
    reply.body = errorJson(code, description);
    return reply;
}

QByteArray FakeTokenServer::issueToken(const QList<QPair<QString, QString>> &fields,
                                       const AccessTokenSubject &subject, qint64 expiresOn)
{
    if (!m_issuedToken.isEmpty()) {
        m_lastIssuedToken = m_issuedToken;
    } else {
        m_lastIssuedToken =
            m_signer != nullptr ? m_signer->sign(subject, nowSeconds(), expiresOn) : randomString(48);
    }
    QJsonObject object{{QStringLiteral("access_token"), QString::fromLatin1(m_lastIssuedToken)},
                       {QStringLiteral("token_type"), QStringLiteral("Bearer")}};
    for (const auto &[key, value] : fields) {
        object.insert(key, value);
    }
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

bool FakeTokenServer::faultApplies(const RecordedRequest & /*request*/) const
{
    return true;
}

void FakeTokenServer::incomingConnection(qintptr handle)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(handle)) {
        delete socket;
        return;
    }
    m_buffers.insert(socket, {});
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
    connect(socket, &QTcpSocket::bytesWritten, this, [this, socket] {
        if (m_streaming.contains(socket)) {
            pumpHugeBody(socket);
        }
    });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
        m_buffers.remove(socket);
        m_streaming.remove(socket);
        socket->deleteLater();
    });
}

void FakeTokenServer::reject(QTcpSocket *socket, const QByteArray &why)
{
    ++m_rejected;
    Reply reply;
    reply.status = 400;
    reply.body = errorJson(QStringLiteral("bad_request"), QString::fromLatin1(why));
    writeReply(socket, reply);
    m_buffers.remove(socket);
    socket->disconnectFromHost();
}

void FakeTokenServer::onReadyRead(QTcpSocket *socket)
{
    if (!m_buffers.contains(socket) || m_streaming.contains(socket)) {
        return;
    }
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    while (m_buffers.contains(socket)) {
        QByteArray &pending = m_buffers[socket];
        const qsizetype headEnd = pending.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            if (pending.size() > kMaxHead) {
                reject(socket, "request head too large");
            }
            return;
        }
        // Each line keeps its CR; the split leaves an empty element after the last LF.
        QList<QByteArray> lines = pending.left(headEnd + 2).split('\n');
        lines.removeLast();
        RecordedRequest request;
        const QByteArray requestLine = lines.value(0);
        if (!requestLine.endsWith('\r')) {
            reject(socket, "bare LF in request line");
            return;
        }
        const QList<QByteArray> parts = requestLine.chopped(1).split(' ');
        if (parts.size() != 3 || parts[2] != "HTTP/1.1" || !isToken(parts[0]) || !parts[1].startsWith('/')) {
            reject(socket, "malformed request line");
            return;
        }
        request.method = parts[0];
        request.target = parts[1];
        const qsizetype questionMark = request.target.indexOf('?');
        request.path = questionMark < 0 ? request.target : request.target.left(questionMark);
        request.rawQuery = questionMark < 0 ? QByteArray() : request.target.mid(questionMark + 1);
        if (!request.rawQuery.isEmpty()) {
            for (const QByteArray &item : request.rawQuery.split('&')) {
                const qsizetype eq = item.indexOf('=');
                const QByteArray key = eq < 0 ? item : item.left(eq);
                const QByteArray value = eq < 0 ? QByteArray() : item.mid(eq + 1);
                request.query.append({QUrl::fromPercentEncoding(key), QUrl::fromPercentEncoding(value)});
            }
        }
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray &line = lines[i];
            if (!line.endsWith('\r')) {
                reject(socket, "bare LF in header");
                return;
            }
            const QByteArray content = line.chopped(1);
            if (content.startsWith(' ') || content.startsWith('\t')) {
                reject(socket, "obsolete line folding");
                return;
            }
            const qsizetype colon = content.indexOf(':');
            if (colon <= 0 || !isToken(content.left(colon))) {
                reject(socket, "malformed header line");
                return;
            }
            request.headers.append({content.left(colon), content.mid(colon + 1).trimmed()});
        }
        if (request.headerCount("Host") != 1) {
            reject(socket, "exactly one Host header required");
            return;
        }
        if (request.headerCount("Transfer-Encoding") != 0) {
            reject(socket, "chunked requests not supported");
            return;
        }
        qint64 contentLength = 0;
        if (request.headerCount("Content-Length") > 0) {
            bool ok = false;
            contentLength = request.header("Content-Length").toLongLong(&ok);
            if (!ok || contentLength < 0 || contentLength > m_maxBody ||
                request.headerCount("Content-Length") > 1) {
                reject(socket, "bad Content-Length");
                return;
            }
        }
        if (pending.size() < headEnd + 4 + contentLength) {
            return;
        }
        request.body = pending.mid(headEnd + 4, contentLength);
        pending.remove(0, headEnd + 4 + contentLength);
        process(socket, request);
        if (m_streaming.contains(socket)) {
            return;
        }
    }
}

void FakeTokenServer::process(QTcpSocket *socket, const RecordedRequest &request)
{
    m_requests.append(request);
    if (m_recordLimit >= 0 && m_requests.size() > m_recordLimit) {
        m_requests.remove(0, m_requests.size() - m_recordLimit);
    }
    if (!m_faults.isEmpty() && faultApplies(request)) {
        auto &[fault, times] = m_faults.first();
        const Fault current = fault;
        if (times > 0 && --times == 0) {
            m_faults.removeFirst();
        }
        switch (current.kind) {
        case Fault::Kind::Status: {
            Reply reply;
            reply.status = current.status;
            reply.body = current.body;
            reply.headers = current.headers;
            writeReply(socket, reply);
            return;
        }
        case Fault::Kind::Hang:
            // Keep the connection open and never answer; stop reading further requests on it.
            m_buffers.remove(socket);
            return;
        case Fault::Kind::BadJson:
            writeReply(socket, Reply{200, {}, QByteArrayLiteral(R"({"access_token":"abc","expires_in":)")});
            return;
        case Fault::Kind::Html200: {
            Reply reply{200, {}, QByteArrayLiteral("<html><body><h1>Welcome</h1></body></html>")};
            reply.contentType = QByteArrayLiteral("text/html");
            writeReply(socket, reply);
            return;
        }
        case Fault::Kind::MissingAccessToken:
            writeReply(socket,
                       Reply{200, {}, QByteArrayLiteral(R"({"expires_in":"3599","token_type":"Bearer"})")});
            return;
        case Fault::Kind::HugeBody:
            startHugeBody(socket, false);
            return;
        case Fault::Kind::HugeContentLength:
            startHugeBody(socket, true);
            return;
        }
    }
    dispatch(socket, request);
}

void FakeTokenServer::dispatch(QTcpSocket *socket, const RecordedRequest &request)
{
    writeReply(socket, handle(request));
}

void FakeTokenServer::writeReply(QTcpSocket *socket, const Reply &reply)
{
    QByteArray out =
        "HTTP/1.1 " + QByteArray::number(reply.status) + ' ' + reasonPhrase(reply.status) + "\r\n";
    if (!reply.contentType.isEmpty()) {
        out += "Content-Type: " + reply.contentType + "\r\n";
    }
    // RFC 9110 8.6: no Content-Length in a 204.
    if (reply.status != 204) {
        out += "Content-Length: " + QByteArray::number(reply.body.size()) + "\r\n";
    }
    for (const auto &[name, value] : reply.headers) {
        out += name + ": " + value + "\r\n";
    }
    out += "\r\n" + reply.body;
    socket->write(out);
}

void FakeTokenServer::startHugeBody(QTcpSocket *socket, bool announceLength)
{
    QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    head += announceLength ? QByteArrayLiteral("Content-Length: 4294967296\r\n")
                           : QByteArrayLiteral("Connection: close\r\n");
    head += "\r\n{\"access_token\":\"";
    socket->write(head);
    m_streaming.insert(socket);
    pumpHugeBody(socket);
}

void FakeTokenServer::pumpHugeBody(QTcpSocket *socket)
{
    // Keep at most two chunks queued: the body is produced as the client reads it.
    static const QByteArray chunk(kHugeChunk, 'A');
    while (socket->bytesToWrite() < 2 * kHugeChunk && m_hugeBytesSent < kHugeLimit &&
           socket->state() == QAbstractSocket::ConnectedState) {
        socket->write(chunk);
        m_hugeBytesSent += kHugeChunk;
    }
}

std::optional<FakeTokenServer::Reply>
FakeTokenServer::checkMetadataRequest(const RecordedRequest &request, const QStringList &allowedParameters)
{
    if (request.path != "/metadata/identity/oauth2/token") {
        return error(404, QStringLiteral("not_found"), QStringLiteral("no such endpoint"));
    }
    if (request.method != "GET") {
        return error(405, QStringLiteral("method_not_allowed"), QStringLiteral("only GET"));
    }
    if (request.headerCount("X-Forwarded-For") > 0) {
        return error(400, QStringLiteral("bad_request"), QStringLiteral("X-Forwarded-For is not allowed"));
    }
    if (request.headerCount("Metadata") != 1 || request.header("Metadata") != "true") {
        return error(400, QStringLiteral("bad_request_102"),
                     QStringLiteral("Required metadata header not specified"));
    }
    if (const QString repeated = repeatedParameter(request); !repeated.isEmpty()) {
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("repeated query parameter ") + repeated);
    }
    if (const QString unknown = unknownParameter(request, allowedParameters); !unknown.isEmpty()) {
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("unknown query parameter ") + unknown);
    }
    return std::nullopt;
}

} // namespace aap::test
