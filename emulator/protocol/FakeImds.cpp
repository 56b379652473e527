#include "protocol/FakeImds.h"

namespace aap::test {

FakeImds::FakeImds(QObject *parent)
    : FakeTokenServer(parent), m_systemClientId(QString::fromLatin1(randomString(12)))
{}

QString FakeImds::systemResourceId()
{
    return QStringLiteral("/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/emulator/"
                          "providers/Microsoft.Compute/virtualMachines/emulator-vm");
}

FakeTokenServer::Reply FakeImds::handle(const RecordedRequest &request)
{
    const QStringList allowed{QStringLiteral("api-version"), QStringLiteral("resource"),
                              QStringLiteral("client_id"), QStringLiteral("object_id"),
                              QStringLiteral("msi_res_id")};
    if (auto rejected = checkMetadataRequest(request, allowed)) {
        return std::move(*rejected);
    }
    const QString apiVersion = request.queryValue(QStringLiteral("api-version"));
    if (apiVersion.isEmpty()) {
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("Required query variable 'api-version' is missing"));
    }
    const QStringList versions{QStringLiteral("2018-02-01"), QStringLiteral("2019-08-01"),
                               QStringLiteral("2021-02-01")};
    if (!versions.contains(apiVersion)) {
        return error(400, QStringLiteral("invalid_request"), QStringLiteral("unsupported api-version"));
    }
    const QString resource = request.queryValue(QStringLiteral("resource"));
    if (resource.isEmpty()) {
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("Required query variable 'resource' is missing"));
    }
    if (resource.contains(QLatin1String("/.default"))) {
        return error(400, QStringLiteral("invalid_resource"),
                     QStringLiteral("AADSTS500011: resource principal not found"));
    }
    const int selectors = request.queryCount(QStringLiteral("client_id")) +
                          request.queryCount(QStringLiteral("object_id")) +
                          request.queryCount(QStringLiteral("msi_res_id"));
    if (selectors > 1) {
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("more than one identity selector"));
    }
    QString clientId;
    AccessTokenSubject subject{resource, {}, {}, systemResourceId()};
    if (selectors == 0) {
        clientId = m_systemClientId;
    } else {
        for (const Identity &identity : std::as_const(m_userAssigned)) {
            const bool match = (request.queryCount(QStringLiteral("client_id")) == 1 &&
                                request.queryValue(QStringLiteral("client_id")) == identity.clientId) ||
                               (request.queryCount(QStringLiteral("object_id")) == 1 &&
                                request.queryValue(QStringLiteral("object_id")) == identity.objectId) ||
                               (request.queryCount(QStringLiteral("msi_res_id")) == 1 &&
                                request.queryValue(QStringLiteral("msi_res_id")) == identity.resourceId);
            if (match) {
                clientId = identity.clientId;
                subject.objectId = identity.objectId;
                subject.managedIdentityResourceId = identity.resourceId;
                break;
            }
        }
    }
    if (clientId.isEmpty()) {
        return error(400, QStringLiteral("invalid_request"), QStringLiteral("Identity not found"));
    }
    subject.clientId = clientId;
    const qint64 now = nowSeconds();
    Reply reply;
    reply.body = issueToken({{QStringLiteral("client_id"), clientId},
                             {QStringLiteral("expires_in"), QString::number(m_expiresIn)},
                             {QStringLiteral("expires_on"), QString::number(now + m_expiresIn)},
                             {QStringLiteral("ext_expires_in"), QString::number(m_expiresIn)},
                             {QStringLiteral("not_before"), QString::number(now)},
                             {QStringLiteral("refresh_token"), QString()},
                             {QStringLiteral("resource"), resource}},
                            subject, now + m_expiresIn);
    return reply;
}

} // namespace aap::test
