#pragma once

#include "config/CertificateInfo.h"
#include "config/Secret.h"
#include "core/Expected.h"

#include <QString>

namespace aap::config {

// Cheap start-up checks of certificate files, so that a wrong path or file is reported by
// --check-config instead of at the first token request. Messages name files, never passwords.
class CertificateCheck {
public:
    // A certificate with its private key: PEM (certificate and key in certificatePath, or the key in
    // keyPath) or PFX/PKCS#12 (with password). The key must belong to the certificate.
    [[nodiscard]] static Expected<void, QString>
    checkCertificateWithKey(const QString &certificatePath, const QString &keyPath, const Secret &password);
    // Reads what checkCertificateWithKey checks, and reports it: format, subject, issuer,
    // thumbprint, validity, whether the key is there and matches, and whether a password is needed.
    // problem carries the same message checkCertificateWithKey would return.
    [[nodiscard]] static CertificateInfo inspect(const QString &certificatePath, const QString &keyPath,
                                                 const Secret &password);
    // A PEM file with at least one certificate (CA bundles).
    [[nodiscard]] static Expected<void, QString> checkCaBundle(const QString &path);
    // An existing, readable regular file.
    [[nodiscard]] static Expected<void, QString> checkReadableFile(const QString &path);
};

} // namespace aap::config
