// JWT claim decoder: any input decodes or fails with a value; a decoded token re-encoded from its
// header and payload JSON decodes to the same claims.
#include "jwt/JwtClaims.h"

#include <QJsonDocument>

#include <cstdint>
#include <cstdlib>

using aap::jwt::JwtClaims;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

QByteArray encode(const QJsonObject &object)
{
    return QJsonDocument(object)
        .toJson(QJsonDocument::Compact)
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const auto claims = JwtClaims::decode(input);
    if (!claims) {
        check(!claims.error().summary().isEmpty());
        return 0;
    }
    const QByteArray reencoded = encode(claims->header) + '.' + encode(claims->payload) + ".c2ln";
    const auto again = JwtClaims::decode(reencoded);
    check(again.has_value());
    check(again->audiences == claims->audiences && again->issuer == claims->issuer &&
          again->tenantId == claims->tenantId && again->objectId == claims->objectId &&
          again->clientAppId() == claims->clientAppId() &&
          again->managedIdentityResourceId == claims->managedIdentityResourceId &&
          again->expiresAt == claims->expiresAt && again->notBefore == claims->notBefore &&
          again->issuedAt == claims->issuedAt && again->algorithm == claims->algorithm);
    return 0;
}
