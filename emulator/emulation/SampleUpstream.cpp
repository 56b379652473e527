#include "emulation/SampleUpstream.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QPointer>
#include <QTcpSocket>

namespace aap::emulator {

namespace {

// Hop-by-hop headers and those the forwarder sets itself never travel to the backend.
bool forwardable(QByteArrayView name)
{
    static const QList<QByteArray> dropped{
        "authorization",     "host", "content-length", "connection",       "keep-alive",
        "transfer-encoding", "te",   "upgrade",        "proxy-connection", "trailer"};
    return !dropped.contains(name.toByteArray().toLower());
}

} // namespace

SampleUpstream::SampleUpstream(test::AccessTokenSigner &signer, QString audience, QObject *parent)
    : FakeTokenServer(parent), m_signer(signer), m_audience(std::move(audience))
{
    // Remote-write batches are far larger than token requests.
    setMaxBodySize(qint64{32} * 1024 * 1024);
    setRecordLimit(0);
    m_network.setAutoDeleteReplies(true);
}

test::FakeTokenServer::Reply SampleUpstream::refuse(int status, const QString &error,
                                                    const QString &description)
{
    ++(status == 403 ? m_forbidden : m_unauthorized);
    Reply reply;
    reply.status = status;
    reply.body = QJsonDocument(QJsonObject{{QStringLiteral("error"),
                                            QJsonObject{{QStringLiteral("code"), error},
                                                        {QStringLiteral("message"), description}}}})
                     .toJson(QJsonDocument::Compact);
    if (status == 401) {
        QByteArray challenge = "Bearer authorization_uri=\"https://login.microsoftonline.com/" +
                               m_signer.tenantId().toUtf8() + "/oauth2/authorize\"";
        if (error == QStringLiteral("invalid_token"))
            challenge += R"(, error="invalid_token", error_description=")" + description.toUtf8() + '"';
        reply.headers.append({"WWW-Authenticate", challenge});
    }
    return reply;
}

void SampleUpstream::dispatch(QTcpSocket *socket, const test::RecordedRequest &request)
{
    const Reply checked = handle(request);
    if (checked.status != 200 || m_backend.isEmpty()) {
        writeReply(socket, checked);
        return;
    }
    forward(socket, request);
}

test::FakeTokenServer::Reply SampleUpstream::handle(const test::RecordedRequest &request)
{
    const QByteArray authorization = request.header("Authorization");
    static const QByteArray scheme = QByteArrayLiteral("bearer ");
    if (request.headerCount("Authorization") != 1 || !authorization.toLower().startsWith(scheme))
        return refuse(401, QStringLiteral("unauthorized"), QStringLiteral("a bearer token is required"));
    const auto claims = m_signer.check(QByteArrayView(authorization).sliced(scheme.size()).trimmed(),
                                       m_audience, nowSeconds());
    if (!claims)
        return refuse(claims.error().status, claims.error().error, claims.error().description);
    if (!m_allowedClients.isEmpty() && !m_allowedClients.contains(claims->clientAppId()))
        return refuse(403, QStringLiteral("forbidden"),
                      QStringLiteral("the client has no role on this resource"));
    ++m_accepted;

    QJsonArray headers;
    for (const auto &[name, value] : request.headers) {
        const bool secret = name.compare("Authorization", Qt::CaseInsensitive) == 0;
        headers.append(QString(QString::fromLatin1(name) + QStringLiteral(": ") +
                               (secret ? QStringLiteral("Bearer <redacted>") : QString::fromLatin1(value))));
    }
    const qint64 expiresAt = claims->expiresAt.value_or(0);
    const QJsonObject token{{QStringLiteral("aud"), claims->audiences.join(QLatin1Char(' '))},
                            {QStringLiteral("iss"), claims->issuer},
                            {QStringLiteral("tid"), claims->tenantId},
                            {QStringLiteral("appid"), claims->clientAppId()},
                            {QStringLiteral("oid"), claims->objectId},
                            {QStringLiteral("xms_mirid"), claims->managedIdentityResourceId},
                            {QStringLiteral("exp"), expiresAt},
                            {QStringLiteral("expires_in_seconds"), expiresAt - nowSeconds()}};
    const QJsonObject echo{
        {QStringLiteral("method"), QString::fromLatin1(request.method)},
        {QStringLiteral("target"), QString::fromLatin1(request.target)},
        {QStringLiteral("headers"), headers},
        {QStringLiteral("body_bytes"), request.body.size()},
        {QStringLiteral("body_sha256"),
         QString::fromLatin1(QCryptographicHash::hash(request.body, QCryptographicHash::Sha256).toHex())},
        {QStringLiteral("token"), token}};
    Reply reply;
    reply.body = QJsonDocument(echo).toJson(QJsonDocument::Indented);
    return reply;
}

void SampleUpstream::forward(QTcpSocket *socket, const test::RecordedRequest &request)
{
    QNetworkRequest outgoing(m_backend.resolved(QUrl::fromEncoded(request.target)));
    for (const auto &[name, value] : request.headers) {
        if (forwardable(name))
            outgoing.setRawHeader(name, value);
    }
    QNetworkReply *reply = m_network.sendCustomRequest(outgoing, request.method, request.body);
    connect(reply, &QNetworkReply::finished, this, [this, reply, client = QPointer<QTcpSocket>(socket)] {
        if (client.isNull())
            return;
        Reply answer;
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        answer.body = reply->readAll();
        answer.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        if (answer.status == 0) {
            answer.status = 502;
            answer.body = errorJson(QStringLiteral("bad_gateway"), QStringLiteral("backend unreachable"));
            answer.contentType = QByteArrayLiteral("application/json");
        }
        if (reply->hasRawHeader("Content-Encoding"))
            answer.headers.append({"Content-Encoding", reply->rawHeader("Content-Encoding")});
        writeReply(client.data(), answer);
    });
}

} // namespace aap::emulator
