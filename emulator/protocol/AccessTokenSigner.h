#pragma once

#include "auth/credentials/OpenSslPtr.h"
#include "core/Expected.h"
#include "jwt/JwtClaims.h"

#include <QByteArray>
#include <QString>

namespace aap::test {

// Who and what an access token is for.
struct AccessTokenSubject {
    QString audience;                  // resource as requested ("/.default" removed)
    QString clientId;                  // appid
    QString objectId;                  // oid and sub; derived from clientId when empty
    QString managedIdentityResourceId; // xms_mirid; empty for applications
};

// Why the emulator's resource refuses a token, with the status Azure Monitor answers.
struct AccessTokenRejection {
    int status = 401;
    QString error;       // "invalid_token", "insufficient_scope"
    QString description; // never contains the token
};

// Mints access tokens as Entra ID does (compact JWS, RS256, a "kid", the v1 claims aud, iss,
// iat, nbf, exp, appid, oid, sub, tid, ver, and xms_mirid for managed identities) with a key it
// generates, and checks them for a resource. Tokens can be minted already expired on request,
// which is how a broken clock or a replayed token looks to a resource.
class AccessTokenSigner {
public:
    explicit AccessTokenSigner(QString tenantId);

    [[nodiscard]] bool isValid() const { return m_key != nullptr; }
    [[nodiscard]] const QString &tenantId() const { return m_tenantId; }
    [[nodiscard]] QString issuer() const;
    [[nodiscard]] const QString &keyId() const { return m_keyId; }

    // A signed token valid from issuedAt to expiresAt (Unix seconds); empty when signing fails.
    [[nodiscard]] QByteArray sign(const AccessTokenSubject &subject, qint64 issuedAt, qint64 expiresAt);
    // The next `count` tokens are minted with exp an hour in the past (the response still states
    // the normal lifetime).
    void injectExpired(int count) { m_expiredToMint = count; }
    [[nodiscard]] qint64 tokensSigned() const { return m_signed; }

    // Checks signature, issuer, audience (a trailing '/' does not matter), nbf and exp against
    // now, with no clock skew allowance. Returns the decoded claims or the rejection.
    [[nodiscard]] Expected<jwt::JwtClaims, AccessTokenRejection>
    check(QByteArrayView token, const QString &audience, qint64 now) const;

    // A stable object id for a client id (a version-5 UUID), so the same identity keeps its oid.
    [[nodiscard]] static QString objectIdFor(const QString &clientId);

private:
    auth::ossl::Pkey m_key;
    QString m_tenantId;
    QString m_keyId;
    int m_expiredToMint = 0;
    qint64 m_signed = 0;
};

} // namespace aap::test
