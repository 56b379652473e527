#include "protocol/FakeArc.h"

#include <QDir>
#include <QFile>

namespace aap::test {

FakeArc::FakeArc(QObject *parent)
    : FakeTokenServer(parent), m_systemClientId(QString::fromLatin1(randomString(12)))
{}

QUrl FakeArc::identityEndpoint() const
{
    return baseUrl().resolved(QUrl(QStringLiteral("/metadata/identity/oauth2/token")));
}

void FakeArc::setChallenge(Challenge challenge, const QString &realmOverride)
{
    m_challenge = challenge;
    m_realmOverride = realmOverride;
}

bool FakeArc::faultApplies(const RecordedRequest &request) const
{
    return request.headerCount("Authorization") > 0;
}

QString FakeArc::tokenDirectory() const
{
    return m_tokenDirectory.isEmpty() ? m_directory.path() : m_tokenDirectory;
}

QString FakeArc::rotateKey()
{
    if (!m_keyPaths.isEmpty()) {
        QFile::remove(m_keyPaths.constLast());
    }
    m_currentKey = randomString(32);
    QString path =
        QDir(tokenDirectory()).filePath(QString::fromLatin1(randomString(9)) + QStringLiteral(".key"));
    QFile file(path);
    // Like HIMDS: only the owner (and the himds group) may read the key.
    if (file.open(QIODevice::WriteOnly)) {
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup);
        file.write(m_currentKey);
    }
    m_keyPaths << path;
    return path;
}

FakeTokenServer::Reply FakeArc::handle(const RecordedRequest &request)
{
    const QStringList allowed{QStringLiteral("api-version"), QStringLiteral("resource"),
                              QStringLiteral("client_id")};
    if (auto rejected = checkMetadataRequest(request, allowed)) {
        return std::move(*rejected);
    }
    const QString apiVersion = request.queryValue(QStringLiteral("api-version"));
    if (apiVersion != QLatin1String("2019-11-01") && apiVersion != QLatin1String("2020-06-01")) {
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("missing or unsupported api-version"));
    }
    const QString resource = request.queryValue(QStringLiteral("resource"));
    if (resource.isEmpty() || resource.contains(QLatin1String("/.default"))) {
        return error(400, QStringLiteral("invalid_resource"), QStringLiteral("bad resource"));
    }

    if (request.headerCount("Authorization") == 0) {
        ++m_challenges;
        Reply challenge = error(401, QStringLiteral("unauthorized"), QStringLiteral("key required"));
        switch (m_challenge) {
        case Challenge::Normal:
            challenge.headers = {{"WWW-Authenticate", "Basic realm=" + rotateKey().toUtf8()}};
            return challenge;
        case Challenge::NoHeader:
            return challenge;
        case Challenge::NoRealm:
            challenge.headers = {{"WWW-Authenticate", "Basic"}};
            return challenge;
        case Challenge::NotBasic:
            challenge.headers = {{"WWW-Authenticate", "Bearer realm=" + rotateKey().toUtf8()}};
            return challenge;
        case Challenge::RealmOverride:
            challenge.headers = {{"WWW-Authenticate", "Basic realm=" + m_realmOverride.toUtf8()}};
            return challenge;
        case Challenge::Answer200:
            break;
        }
    } else if (request.headerCount("Authorization") != 1 || m_currentKey.isEmpty() ||
               request.header("Authorization") != "Basic " + m_currentKey) {
        ++m_rejectedKeys;
        return error(401, QStringLiteral("unauthorized"), QStringLiteral("invalid key"));
    } else {
        ++m_authorized;
    }

    const QString requested = request.queryValue(QStringLiteral("client_id"));
    const QString clientId = (m_legacy || requested.isEmpty()) ? m_systemClientId : requested;
    const qint64 now = nowSeconds();
    const AccessTokenSubject subject{
        resource,
        clientId,
        {},
        QStringLiteral("/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/emulator/"
                       "providers/Microsoft.HybridCompute/machines/emulator-machine")};
    Reply reply;
    reply.body = issueToken({{QStringLiteral("client_id"), clientId},
                             {QStringLiteral("expires_in"), QString::number(m_expiresIn)},
                             {QStringLiteral("expires_on"), QString::number(now + m_expiresIn)},
                             {QStringLiteral("ext_expires_in"), QString::number(m_expiresIn)},
                             {QStringLiteral("not_before"), QString::number(now)},
                             {QStringLiteral("resource"), resource}},
                            subject, now + m_expiresIn);
    return reply;
}

} // namespace aap::test
