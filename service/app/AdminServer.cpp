#include "app/AdminServer.h"

#include "health/ReadinessProbe.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/LocalReply.h"

#include <QTcpSocket>

namespace aap::app {

namespace {

constexpr qint64 kMaxHeadBytes = qint64{8} * 1024;

} // namespace

AdminServer::AdminServer(ProbeSource probe, std::function<QByteArray()> metricsText, QObject *parent)
    : QObject(parent), m_probe(std::move(probe)), m_metricsText(std::move(metricsText))
{
    connect(&m_server, &QTcpServer::newConnection, this, &AdminServer::accept);
}

AdminServer::~AdminServer()
{
    m_server.close();
    qDeleteAll(findChildren<QTcpSocket *>());
}

Expected<void, QString> AdminServer::listen(const QHostAddress &address, quint16 port)
{
    if (!m_server.listen(address, port)) {
        return Unexpected(QStringLiteral("cannot listen on admin port %1:%2: %3")
                              .arg(address.toString())
                              .arg(port)
                              .arg(m_server.errorString()));
    }
    qCInfo(lcApp).noquote() << "admin port listening" << log::LogField::kv("address", address.toString())
                            << log::LogField::kv("port", m_server.serverPort());
    return {};
}

void AdminServer::accept()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        socket->setParent(this);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { answer(socket); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
}

void AdminServer::answer(QTcpSocket *socket)
{
    const QByteArray &seen = socket->peek(kMaxHeadBytes);
    const bool complete = seen.contains("\r\n\r\n");
    if (!complete && seen.size() < kMaxHeadBytes) {
        return;
    }
    socket->disconnect(this);
    const QByteArray requestLine = seen.left(seen.indexOf("\r\n"));
    const QList<QByteArray> parts = requestLine.split(' ');
    QByteArray path = parts.size() == 3 ? parts[1] : QByteArray();
    if (const auto query = path.indexOf('?'); query >= 0) {
        path.truncate(query);
    }
    const bool get = !parts.isEmpty() && (parts[0] == "GET" || parts[0] == "HEAD");
    QByteArray out;
    const auto close = proxy::LocalReply::Connection::Close;
    if (!complete || parts.size() != 3) {
        proxy::LocalReply::appendError(out, 400, "bad_request", "the request head is malformed", close);
    } else if (!get) {
        proxy::LocalReply::appendError(out, 405, "method_not_allowed", "the admin port answers GET only",
                                       close, "Allow: GET, HEAD\r\n");
    } else if (path == "/metrics" && m_metricsText) {
        proxy::LocalReply::appendBody(out, 200, "text/plain; version=0.0.4; charset=utf-8", m_metricsText(),
                                      close);
    } else if (path == "/health") {
        proxy::LocalReply::appendJson(out, 200, R"({"status":"ok"})", close);
    } else if (path == "/ready") {
        const auto ready = m_probe().answer();
        proxy::LocalReply::appendJson(out, ready.ready ? 200 : 503, ready.body, close);
    } else {
        proxy::LocalReply::appendError(out, 404, "not_found",
                                       "the admin port serves /metrics, /health and /ready", close);
    }
    if (parts.value(0) == "HEAD") {
        out.truncate(out.indexOf("\r\n\r\n") + 4);
    }
    socket->write(out);
    socket->disconnectFromHost();
}

} // namespace aap::app
