#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

using EVP_PKEY = struct evp_pkey_st;

namespace aap::test {

// JWS signatures with an RSA key (RFC 7518 3.3 RS256, 3.5 PS256), shared by the fakes that check
// client assertions and the emulator that signs and checks access tokens.
class JwsSignature {
public:
    // False for any other algorithm, a non-RSA key or a bad signature.
    [[nodiscard]] static bool verify(const QString &algorithm, EVP_PKEY *publicKey,
                                     QByteArrayView signingInput, QByteArrayView signature);
    // The raw RS256 signature of signingInput; empty when signing fails.
    [[nodiscard]] static QByteArray signRs256(EVP_PKEY *privateKey, QByteArrayView signingInput);
};

} // namespace aap::test
