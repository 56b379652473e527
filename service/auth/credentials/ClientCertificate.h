#pragma once

#include "auth/credentials/CredentialError.h"
#include "config/Secret.h"
#include "config/ServiceConfig.h"
#include "core/Clock.h"
#include "core/Expected.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>

using EVP_PKEY = struct evp_pkey_st;

namespace aap::auth {

// A certificate with its private key: an Entra client certificate (RSA, for RS256/PS256 assertions)
// or a TLS identity (listener, mutual TLS upstream: RSA or EC).
// The leaf is the certificate whose public key matches the private key, wherever it sits in the
// file or PKCS#12 bag; every other certificate is the chain, in file order. Immutable and cheap to
// copy (the key is shared).
class ClientCertificate {
public:
    // What the key will sign: an assertion needs RSA; a TLS handshake also takes EC (P-256/384/521).
    enum class KeyUse { Assertion, Tls };

    // Loads from:
    //  - one PEM file with certificate(s) and the private key (keyPath empty),
    //  - a certificate file (PEM or DER) plus a separate PEM key file (keyPath set),
    //  - a PFX/PKCS#12 file, with or without password.
    // The format is detected from the contents. `password` opens a PFX or an encrypted PEM key.
    static Expected<ClientCertificate, CredentialError> load(const QString &certificatePath,
                                                             const QString &keyPath = {},
                                                             const config::Secret &password = {},
                                                             KeyUse use = KeyUse::Assertion);
    // The same from bytes already read; the paths only name the sources in errors.
    static Expected<ClientCertificate, CredentialError>
    fromData(const QByteArray &certificateData, const QString &certificatePath,
             const QByteArray &keyData = {}, const QString &keyPath = {}, const config::Secret &password = {},
             KeyUse use = KeyUse::Assertion);

    // Base64url (no padding) SHA-1 / SHA-256 of the leaf's DER: the JWT header's x5t / x5t#S256.
    [[nodiscard]] QByteArray x5t() const;
    [[nodiscard]] QByteArray x5tS256() const;
    [[nodiscard]] const QByteArray &sha1Thumbprint() const { return m_sha1; }     // raw 20 bytes
    [[nodiscard]] const QByteArray &sha256Thumbprint() const { return m_sha256; } // raw 32 bytes
    // DER of the leaf then the chain: x5c carries each in standard base64.
    [[nodiscard]] const QList<QByteArray> &chainDer() const { return m_chainDer; }
    [[nodiscard]] QStringList x5c() const;
    [[nodiscard]] Clock::TimePoint notBefore() const { return m_notBefore; }
    [[nodiscard]] Clock::TimePoint notAfter() const { return m_notAfter; }
    [[nodiscard]] const QString &subject() const { return m_subject; } // RFC 2253, e.g. "CN=app,O=Org"
    [[nodiscard]] const QString &path() const { return m_path; }
    // The private key for a TLS stack that signs with it (listener, mutual TLS upstream); never
    // serialised by the callers.
    [[nodiscard]] EVP_PKEY *nativeKey() const { return m_key.get(); }

    // RS256: RSASSA-PKCS1-v1_5 with SHA-256. PS256: RSASSA-PSS with SHA-256, MGF1-SHA-256 and a
    // 32-byte salt (RFC 7518 3.5).
    [[nodiscard]] Expected<QByteArray, CredentialError> sign(config::AssertionAlgorithm algorithm,
                                                             const QByteArray &data) const;

private:
    ClientCertificate() = default;

    std::shared_ptr<EVP_PKEY> m_key;
    QList<QByteArray> m_chainDer;
    QByteArray m_sha1;
    QByteArray m_sha256;
    Clock::TimePoint m_notBefore;
    Clock::TimePoint m_notAfter;
    QString m_subject;
    QString m_path;
};

} // namespace aap::auth
