#pragma once

#include "core/Expected.h"

#include <QByteArrayView>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace aap::jwt {

// Why a compact JWT could not be decoded. Never carries the token or a part of it.
struct JwtDecodeError {
    enum class Kind {
        TooLarge,     // longer than JwtClaims::maxTokenSize
        NotCompact,   // not exactly header.payload.signature (a JWE has five parts)
        BadBase64Url, // a part is not unpadded base64url
        BadJson,      // header or payload is not a JSON object
        BadClaimType, // a registered claim has the wrong JSON type (e.g. "exp": "soon")
    };
    Kind kind = Kind::NotCompact;
    QString where; // "header", "payload", "signature" or the claim's name

    // "bad_claim_type exp"; safe for logs.
    [[nodiscard]] QString summary() const;

    friend bool operator==(const JwtDecodeError &, const JwtDecodeError &) = default;
};

// Header and claims of a compact JWT (an Entra access token, a client assertion), decoded WITHOUT
// verifying the signature: for diagnostics and fakes that show what a token says. Whoever trusts
// a claim must verify the signature first.
struct JwtClaims {
    static constexpr qsizetype maxTokenSize = qsizetype{64} * 1024;

    QJsonObject header;
    QJsonObject payload;

    // Header
    QString algorithm; // alg
    QString type;      // typ
    QString keyId;     // kid
    QString x5t;       // x5t (base64url SHA-1 of the signing certificate)

    // Claims; strings are empty and times unset when the token does not carry them.
    QStringList audiences;             // aud: one string or an array of strings
    QString issuer;                    // iss
    QString subject;                   // sub
    QString tenantId;                  // tid
    QString objectId;                  // oid
    QString appId;                     // appid (v1 tokens)
    QString authorizedParty;           // azp (v2 tokens)
    QString managedIdentityResourceId; // xms_mirid (managed identities only)
    std::optional<qint64> expiresAt;   // exp, Unix seconds
    std::optional<qint64> notBefore;   // nbf
    std::optional<qint64> issuedAt;    // iat
    bool hasSignature = false;         // the third part is non-empty

    // appid for v1 tokens, azp for v2 tokens: the client the token was issued to.
    [[nodiscard]] QString clientAppId() const { return appId.isEmpty() ? authorizedParty : appId; }

    [[nodiscard]] static Expected<JwtClaims, JwtDecodeError> decode(QByteArrayView token);
};

} // namespace aap::jwt
