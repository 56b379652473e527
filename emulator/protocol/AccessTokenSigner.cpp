#include "protocol/AccessTokenSigner.h"

#include "protocol/JwsSignature.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

namespace aap::test {

namespace {

constexpr qint64 kExpiredBy = 3600;

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QString withoutTrailingSlash(QString resource)
{
    while (resource.endsWith(QLatin1Char('/')))
        resource.chop(1);
    return resource;
}

Unexpected<AccessTokenRejection> invalid(const QString &description)
{
    return Unexpected(AccessTokenRejection{401, QStringLiteral("invalid_token"), description});
}

} // namespace

AccessTokenSigner::AccessTokenSigner(QString tenantId)
    : m_key(EVP_RSA_gen(2048)), m_tenantId(std::move(tenantId))
{
    // Entra's kid is the key's thumbprint; any stable value that names this key will do.
    const auto random = QUuid::createUuid().toRfc4122();
    m_keyId = QString::fromLatin1(base64Url(QCryptographicHash::hash(random, QCryptographicHash::Sha1)));
}

QString AccessTokenSigner::issuer() const
{
    return QStringLiteral("https://sts.windows.net/") + m_tenantId + QLatin1Char('/');
}

QString AccessTokenSigner::objectIdFor(const QString &clientId)
{
    static const QUuid ns(QStringLiteral("{6ba7b811-9dad-11d1-80b4-00c04fd430c8}"));
    return QUuid::createUuidV5(ns, clientId).toString(QUuid::WithoutBraces);
}

QByteArray AccessTokenSigner::sign(const AccessTokenSubject &subject, qint64 issuedAt, qint64 expiresAt)
{
    if (m_expiredToMint > 0) {
        --m_expiredToMint;
        const qint64 lifetime = expiresAt - issuedAt;
        expiresAt = issuedAt - kExpiredBy;
        issuedAt = expiresAt - lifetime;
    }
    const QString objectId = subject.objectId.isEmpty() ? objectIdFor(subject.clientId) : subject.objectId;
    const QJsonObject header{{QStringLiteral("alg"), QStringLiteral("RS256")},
                             {QStringLiteral("typ"), QStringLiteral("JWT")},
                             {QStringLiteral("kid"), m_keyId},
                             {QStringLiteral("x5t"), m_keyId}};
    QJsonObject payload{{QStringLiteral("aud"), subject.audience},
                        {QStringLiteral("iss"), issuer()},
                        {QStringLiteral("iat"), issuedAt},
                        {QStringLiteral("nbf"), issuedAt},
                        {QStringLiteral("exp"), expiresAt},
                        {QStringLiteral("appid"), subject.clientId},
                        {QStringLiteral("appidacr"), QStringLiteral("2")},
                        {QStringLiteral("idtyp"), QStringLiteral("app")},
                        {QStringLiteral("oid"), objectId},
                        {QStringLiteral("sub"), objectId},
                        {QStringLiteral("tid"), m_tenantId},
                        {QStringLiteral("uti"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
                        {QStringLiteral("ver"), QStringLiteral("1.0")}};
    if (!subject.managedIdentityResourceId.isEmpty())
        payload.insert(QStringLiteral("xms_mirid"), subject.managedIdentityResourceId);
    const QByteArray signingInput = base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.' +
                                    base64Url(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    const QByteArray signature = JwsSignature::signRs256(m_key.get(), signingInput);
    if (signature.isEmpty())
        return {};
    ++m_signed;
    return signingInput + '.' + base64Url(signature);
}

Expected<jwt::JwtClaims, AccessTokenRejection>
AccessTokenSigner::check(QByteArrayView token, const QString &audience, qint64 now) const
{
    auto claims = jwt::JwtClaims::decode(token);
    if (!claims)
        return invalid(QStringLiteral("malformed token: ") + claims.error().summary());
    const qsizetype lastDot = token.lastIndexOf('.');
    const auto signature = QByteArray::fromBase64Encoding(token.sliced(lastDot + 1).toByteArray(),
                                                          QByteArray::Base64UrlEncoding);
    if (claims->keyId != m_keyId || !signature ||
        !JwsSignature::verify(claims->algorithm, m_key.get(), token.first(lastDot), *signature))
        return invalid(QStringLiteral("signature verification failed"));
    if (claims->issuer != issuer())
        return invalid(QStringLiteral("issuer is not this tenant"));
    if (!claims->expiresAt || now >= *claims->expiresAt)
        return invalid(QStringLiteral("token is expired"));
    if (claims->notBefore && now < *claims->notBefore)
        return invalid(QStringLiteral("token is not yet valid"));
    const QString wanted = withoutTrailingSlash(audience);
    const bool audienceMatches =
        std::any_of(claims->audiences.cbegin(), claims->audiences.cend(),
                    [&](const QString &aud) { return withoutTrailingSlash(aud) == wanted; });
    if (!audienceMatches)
        return invalid(QStringLiteral("audience is not ") + wanted);
    return std::move(*claims);
}

} // namespace aap::test
