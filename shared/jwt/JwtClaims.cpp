#include "jwt/JwtClaims.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

#include <cmath>
#include <limits>

namespace aap::jwt {

namespace {

using Kind = JwtDecodeError::Kind;

Unexpected<JwtDecodeError> failure(Kind kind, const QString &where)
{
    return Unexpected(JwtDecodeError{kind, where});
}

bool isBase64UrlChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Strict unpadded base64url (RFC 7515 section 2): Qt's decoder alone would accept padding and
// a trailing length that no encoder produces.
Expected<QByteArray, JwtDecodeError> decodePart(QByteArrayView part, const QString &where)
{
    for (const char c : part) {
        if (!isBase64UrlChar(c)) {
            return failure(Kind::BadBase64Url, where);
        }
    }
    if (part.size() % 4 == 1) {
        return failure(Kind::BadBase64Url, where);
    }
    auto decoded = QByteArray::fromBase64Encoding(
        part.toByteArray(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        return failure(Kind::BadBase64Url, where);
    }
    return std::move(decoded.decoded);
}

Expected<QJsonObject, JwtDecodeError> decodeObject(QByteArrayView part, const QString &where)
{
    auto bytes = decodePart(part, where);
    if (!bytes) {
        return Unexpected(bytes.error());
    }
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(*bytes, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        return failure(Kind::BadJson, where);
    }
    return document.object();
}

// A string claim: absent or a JSON string.
Expected<QString, JwtDecodeError> stringClaim(const QJsonObject &object, const QString &name)
{
    const QJsonValue value = object.value(name);
    if (value.isUndefined()) {
        return QString();
    }
    if (!value.isString()) {
        return failure(Kind::BadClaimType, name);
    }
    return value.toString();
}

// A NumericDate (RFC 7519): a JSON number of seconds, possibly fractional; fractions are dropped.
Expected<std::optional<qint64>, JwtDecodeError> dateClaim(const QJsonObject &object, const QString &name)
{
    const QJsonValue value = object.value(name);
    if (value.isUndefined()) {
        return std::optional<qint64>();
    }
    // Well inside qint64 and any date a token can carry; also rejects NaN and infinities.
    constexpr double limit = 1e15;
    const double seconds = value.toDouble(std::numeric_limits<double>::quiet_NaN());
    if (!value.isDouble() || !(std::fabs(seconds) < limit)) {
        return failure(Kind::BadClaimType, name);
    }
    return std::optional<qint64>(static_cast<qint64>(std::floor(seconds)));
}

Expected<QStringList, JwtDecodeError> audienceClaim(const QJsonObject &object)
{
    const QString name = QStringLiteral("aud");
    const QJsonValue value = object.value(name);
    if (value.isUndefined()) {
        return QStringList();
    }
    if (value.isString()) {
        return QStringList{value.toString()};
    }
    if (!value.isArray()) {
        return failure(Kind::BadClaimType, name);
    }
    QStringList audiences;
    const QJsonArray entries = value.toArray();
    for (const auto &entry : entries) {
        if (!entry.isString()) {
            return failure(Kind::BadClaimType, name);
        }
        audiences.append(entry.toString());
    }
    return audiences;
}

} // namespace

QString JwtDecodeError::summary() const
{
    QString name;
    switch (kind) {
    case Kind::TooLarge:
        name = QStringLiteral("too_large");
        break;
    case Kind::NotCompact:
        name = QStringLiteral("not_compact");
        break;
    case Kind::BadBase64Url:
        name = QStringLiteral("bad_base64url");
        break;
    case Kind::BadJson:
        name = QStringLiteral("bad_json");
        break;
    case Kind::BadClaimType:
        name = QStringLiteral("bad_claim_type");
        break;
    }
    return where.isEmpty() ? name : name + QLatin1Char(' ') + where;
}

Expected<JwtClaims, JwtDecodeError> JwtClaims::decode(QByteArrayView token)
{
    if (token.size() > maxTokenSize) {
        return failure(Kind::TooLarge, QString());
    }
    const qsizetype firstDot = token.indexOf('.');
    const qsizetype secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) {
        return failure(Kind::NotCompact, QString());
    }
    const QByteArrayView headerPart = token.first(firstDot);
    const QByteArrayView payloadPart = token.sliced(firstDot + 1, secondDot - firstDot - 1);
    const QByteArrayView signaturePart = token.sliced(secondDot + 1);

    auto header = decodeObject(headerPart, QStringLiteral("header"));
    if (!header) {
        return Unexpected(header.error());
    }
    auto payload = decodeObject(payloadPart, QStringLiteral("payload"));
    if (!payload) {
        return Unexpected(payload.error());
    }
    if (auto signature = decodePart(signaturePart, QStringLiteral("signature")); !signature) {
        return Unexpected(signature.error());
    }

    JwtClaims claims;
    claims.header = std::move(*header);
    claims.payload = std::move(*payload);
    claims.hasSignature = !signaturePart.isEmpty();

    const struct {
        const QJsonObject &object;
        const char *name;
        QString *target;
    } strings[] = {
        {claims.header, "alg", &claims.algorithm},
        {claims.header, "typ", &claims.type},
        {claims.header, "kid", &claims.keyId},
        {claims.header, "x5t", &claims.x5t},
        {claims.payload, "iss", &claims.issuer},
        {claims.payload, "sub", &claims.subject},
        {claims.payload, "tid", &claims.tenantId},
        {claims.payload, "oid", &claims.objectId},
        {claims.payload, "appid", &claims.appId},
        {claims.payload, "azp", &claims.authorizedParty},
        {claims.payload, "xms_mirid", &claims.managedIdentityResourceId},
    };
    for (const auto &entry : strings) {
        auto value = stringClaim(entry.object, QString::fromLatin1(entry.name));
        if (!value) {
            return Unexpected(value.error());
        }
        *entry.target = std::move(*value);
    }

    const struct {
        const char *name;
        std::optional<qint64> *target;
    } dates[] = {
        {"exp", &claims.expiresAt},
        {"nbf", &claims.notBefore},
        {"iat", &claims.issuedAt},
    };
    for (const auto &entry : dates) {
        auto value = dateClaim(claims.payload, QString::fromLatin1(entry.name));
        if (!value) {
            return Unexpected(value.error());
        }
        *entry.target = *value;
    }

    auto audiences = audienceClaim(claims.payload);
    if (!audiences) {
        return Unexpected(audiences.error());
    }
    claims.audiences = std::move(*audiences);
    return claims;
}

} // namespace aap::jwt
