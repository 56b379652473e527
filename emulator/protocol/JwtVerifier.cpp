#include "protocol/JwtVerifier.h"

#include "auth/credentials/OpenSslPtr.h"
#include "protocol/JwsSignature.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUuid>

namespace aap::test {

namespace ossl = aap::auth::ossl;

namespace {

using Result = Expected<JwtVerifier::Claims, QString>;

Unexpected<QString> reject(const QString &reason)
{
    return Unexpected(reason);
}

// Strict base64url: only the URL alphabet, no padding, no whitespace.
std::optional<QByteArray> decodeBase64Url(const QByteArray &text)
{
    static const QRegularExpression alphabet(QStringLiteral("^[A-Za-z0-9_-]*$"));
    if (!alphabet.match(QString::fromLatin1(text)).hasMatch() || text.size() % 4 == 1)
        return std::nullopt;
    const auto decoded =
        QByteArray::fromBase64Encoding(text, QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals |
                                                 QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return *decoded;
}

std::optional<QJsonObject> decodeJsonObject(const QByteArray &part)
{
    const auto bytes = decodeBase64Url(part);
    if (!bytes)
        return std::nullopt;
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(*bytes, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

bool verifySignature(const QString &algorithm, const QByteArray &certificateDer,
                     const QByteArray &signingInput, const QByteArray &signature)
{
    const ossl::X509Ptr certificate = ossl::certificateFromDer(certificateDer);
    return certificate &&
           JwsSignature::verify(algorithm, X509_get0_pubkey(certificate.get()), signingInput, signature);
}

QString thumbprint(const QByteArray &der, QCryptographicHash::Algorithm algorithm)
{
    return QString::fromLatin1(QCryptographicHash::hash(der, algorithm)
                                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<qint64> integerClaim(const QJsonObject &payload, const QString &name)
{
    const QJsonValue value = payload.value(name);
    if (!value.isDouble())
        return std::nullopt;
    const double number = value.toDouble();
    const auto integer = static_cast<qint64>(number);
    if (static_cast<double>(integer) != number)
        return std::nullopt;
    return integer;
}

} // namespace

Result JwtVerifier::verify(const QByteArray &jwt, const QSslCertificate &certificate,
                           const Expectations &expected)
{
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3 || parts.at(0).isEmpty() || parts.at(1).isEmpty() || parts.at(2).isEmpty())
        return reject(QStringLiteral("not a compact JWS with three non-empty parts"));
    const auto header = decodeJsonObject(parts.at(0));
    if (!header)
        return reject(QStringLiteral("header is not base64url JSON object"));
    const auto payload = decodeJsonObject(parts.at(1));
    if (!payload)
        return reject(QStringLiteral("payload is not base64url JSON object"));
    const auto signature = decodeBase64Url(parts.at(2));
    if (!signature || signature->isEmpty())
        return reject(QStringLiteral("signature is not base64url"));

    Claims claims;
    claims.header = *header;
    claims.payload = *payload;
    claims.algorithm = header->value(QStringLiteral("alg")).toString();
    if (claims.algorithm != QStringLiteral("RS256") && claims.algorithm != QStringLiteral("PS256"))
        return reject(QStringLiteral("alg is not RS256 or PS256"));
    if (expected.algorithm && claims.algorithm != *expected.algorithm)
        return reject(QStringLiteral("alg is ") + claims.algorithm + QStringLiteral(", expected ") +
                      *expected.algorithm);
    if (header->value(QStringLiteral("typ")).toString() != QStringLiteral("JWT"))
        return reject(QStringLiteral("typ is not JWT"));
    // RFC 7515 4.1.11: extensions a recipient does not understand make the token invalid.
    if (header->contains(QStringLiteral("crit")))
        return reject(QStringLiteral("crit header present"));

    const QByteArray certificateDer = certificate.toDer();
    if (certificateDer.isEmpty())
        return reject(QStringLiteral("no certificate to verify against"));
    const bool hasX5t = header->contains(QStringLiteral("x5t"));
    const bool hasX5tS256 = header->contains(QStringLiteral("x5t#S256"));
    if (!hasX5t && !hasX5tS256)
        return reject(QStringLiteral("neither x5t nor x5t#S256 in the header"));
    if (hasX5t && header->value(QStringLiteral("x5t")).toString() !=
                      thumbprint(certificateDer, QCryptographicHash::Sha1))
        return reject(QStringLiteral("x5t does not match the certificate"));
    if (hasX5tS256 && header->value(QStringLiteral("x5t#S256")).toString() !=
                          thumbprint(certificateDer, QCryptographicHash::Sha256))
        return reject(QStringLiteral("x5t#S256 does not match the certificate"));

    if (header->contains(QStringLiteral("x5c"))) {
        const QJsonValue x5c = header->value(QStringLiteral("x5c"));
        if (!x5c.isArray() || x5c.toArray().isEmpty())
            return reject(QStringLiteral("x5c is not a non-empty array"));
        const QJsonArray entries = x5c.toArray();
        for (const auto &entry : entries) {
            // Standard base64 (RFC 7515 4.1.6), not base64url.
            const auto der = QByteArray::fromBase64Encoding(entry.toString().toLatin1(),
                                                            QByteArray::AbortOnBase64DecodingErrors);
            if (!entry.isString() || !der || der.decoded.isEmpty() || !ossl::certificateFromDer(*der))
                return reject(QStringLiteral("x5c entry is not a base64 DER certificate"));
            claims.x5cDer.append(*der);
        }
        if (claims.x5cDer.first() != certificateDer)
            return reject(QStringLiteral("x5c[0] is not the signing certificate"));
        if (!expected.chainDer.isEmpty() && claims.x5cDer != expected.chainDer)
            return reject(QStringLiteral("x5c is not the expected chain"));
    } else if (expected.requireX5c) {
        return reject(QStringLiteral("x5c missing"));
    }

    if (!verifySignature(claims.algorithm, certificateDer, parts.at(0) + '.' + parts.at(1), *signature))
        return reject(QStringLiteral("signature does not verify with the certificate's public key"));

    claims.audience = payload->value(QStringLiteral("aud")).toString();
    claims.issuer = payload->value(QStringLiteral("iss")).toString();
    claims.subject = payload->value(QStringLiteral("sub")).toString();
    claims.jwtId = payload->value(QStringLiteral("jti")).toString();
    if (claims.audience != expected.audience)
        return reject(QStringLiteral("aud is not the token URL"));
    if (claims.issuer != expected.clientId)
        return reject(QStringLiteral("iss is not the client id"));
    if (claims.subject != expected.clientId)
        return reject(QStringLiteral("sub is not the client id"));
    if (claims.jwtId.isEmpty())
        return reject(QStringLiteral("jti missing"));
    if (QUuid::fromString(claims.jwtId).isNull())
        return reject(QStringLiteral("jti is not a GUID"));

    const auto notBefore = integerClaim(*payload, QStringLiteral("nbf"));
    const auto expires = integerClaim(*payload, QStringLiteral("exp"));
    if (!notBefore || !expires)
        return reject(QStringLiteral("nbf or exp missing or not an integer"));
    claims.notBefore = *notBefore;
    claims.expires = *expires;
    if (payload->contains(QStringLiteral("iat"))) {
        claims.issuedAt = integerClaim(*payload, QStringLiteral("iat"));
        if (!claims.issuedAt)
            return reject(QStringLiteral("iat is not an integer"));
    }
    const qint64 lifetime = claims.expires - claims.notBefore;
    if (lifetime < qint64{5} * 60 || lifetime > qint64{10} * 60)
        return reject(QStringLiteral("exp - nbf is %1 s, not within 5 to 10 minutes").arg(lifetime));
    const qint64 now =
        std::chrono::duration_cast<std::chrono::seconds>(expected.now.time_since_epoch()).count();
    if (claims.notBefore > now)
        return reject(QStringLiteral("nbf is in the future"));
    if (now >= claims.expires)
        return reject(QStringLiteral("expired"));
    if (claims.issuedAt && *claims.issuedAt > now)
        return reject(QStringLiteral("iat is in the future"));
    return claims;
}

} // namespace aap::test
