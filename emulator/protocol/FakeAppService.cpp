#include "protocol/FakeAppService.h"

#include <QDateTime>

namespace aap::test {

FakeAppService::FakeAppService(QObject *parent)
    : FakeTokenServer(parent), m_identityHeader(randomString(24)),
      m_systemClientId(QString::fromLatin1(randomString(12)))
{}

QUrl FakeAppService::identityEndpoint() const
{
    return baseUrl().resolved(QUrl(QStringLiteral("/msi/token")));
}

FakeTokenServer::Reply FakeAppService::handle(const RecordedRequest &request)
{
    if (request.path != "/msi/token") {
        return error(404, QStringLiteral("not_found"), QStringLiteral("no such endpoint"));
    }
    if (request.method != "GET") {
        return error(405, QStringLiteral("method_not_allowed"), QStringLiteral("only GET"));
    }
    if (request.headerCount("X-IDENTITY-HEADER") == 0) {
        return error(400, QStringLiteral("bad_request"), QStringLiteral("X-IDENTITY-HEADER is missing"));
    }
    if (request.headerCount("X-IDENTITY-HEADER") != 1 ||
        request.header("X-IDENTITY-HEADER") != m_identityHeader) {
        return error(401, QStringLiteral("unauthorized"), QStringLiteral("X-IDENTITY-HEADER is wrong"));
    }
    if (const QString repeated = repeatedParameter(request); !repeated.isEmpty()) {
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("repeated query parameter ") + repeated);
    }
    const QStringList allowed{QStringLiteral("api-version"), QStringLiteral("resource"),
                              QStringLiteral("client_id"),   QStringLiteral("principal_id"),
                              QStringLiteral("object_id"),   QStringLiteral("mi_res_id")};
    if (const QString unknown = unknownParameter(request, allowed); !unknown.isEmpty()) {
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("unknown query parameter ") + unknown);
    }
    if (request.queryValue(QStringLiteral("api-version")) != QLatin1String("2019-08-01")) {
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("missing or unsupported api-version"));
    }
    const QString resource = request.queryValue(QStringLiteral("resource"));
    if (resource.isEmpty() || resource.contains(QLatin1String("/.default"))) {
        return error(400, QStringLiteral("invalid_resource"), QStringLiteral("bad resource"));
    }
    const QString clientIdParam = request.queryValue(QStringLiteral("client_id"));
    const QString principalId =
        request.queryValue(QStringLiteral("principal_id")) + request.queryValue(QStringLiteral("object_id"));
    const QString resourceId = request.queryValue(QStringLiteral("mi_res_id"));
    const int selectors =
        static_cast<int>(!clientIdParam.isEmpty()) + request.queryCount(QStringLiteral("principal_id")) +
        request.queryCount(QStringLiteral("object_id")) + static_cast<int>(!resourceId.isEmpty());
    if (selectors > 1) {
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("more than one identity selector"));
    }
    QString clientId = selectors == 0 ? m_systemClientId : QString();
    AccessTokenSubject subject{
        resource,
        {},
        {},
        QStringLiteral("/subscriptions/00000000-0000-0000-0000-000000000000/"
                       "resourcegroups/emulator/providers/Microsoft.Web/sites/emulator")};
    for (const Identity &identity : std::as_const(m_userAssigned)) {
        if ((!clientIdParam.isEmpty() && clientIdParam == identity.clientId) ||
            (!principalId.isEmpty() && principalId == identity.objectId) ||
            (!resourceId.isEmpty() && resourceId == identity.resourceId)) {
            clientId = identity.clientId;
            subject.objectId = identity.objectId;
            subject.managedIdentityResourceId = identity.resourceId;
        }
    }
    subject.clientId = clientId;
    if (clientId.isEmpty()) {
        return error(400, QStringLiteral("invalid_request"), QStringLiteral("Identity not found"));
    }
    const qint64 expiresOn = nowSeconds() + m_lifetime;
    const QDateTime expiry = QDateTime::fromSecsSinceEpoch(expiresOn, Qt::UTC);
    QString expiresOnText;
    switch (m_expiryFormat) {
    case ExpiryFormat::UnixSeconds:
        expiresOnText = QString::number(expiresOn);
        break;
    case ExpiryFormat::LegacyDate:
        expiresOnText = expiry.toString(QStringLiteral("MM/dd/yyyy HH:mm:ss")) + QStringLiteral(" +00:00");
        break;
    case ExpiryFormat::Rfc3339:
        expiresOnText = expiry.toString(Qt::ISODate);
        break;
    }
    Reply reply;
    reply.body = issueToken({{QStringLiteral("client_id"), clientId},
                             {QStringLiteral("expires_on"), expiresOnText},
                             {QStringLiteral("resource"), resource}},
                            subject, expiresOn);
    return reply;
}

} // namespace aap::test
