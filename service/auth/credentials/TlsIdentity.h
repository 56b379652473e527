#pragma once

#include "config/Secret.h"
#include "core/Expected.h"

#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QString>

namespace aap::auth {

// A certificate with its private key as Qt's TLS stack takes it: the listener's server certificate
// and a route's client certificate toward its target. Loaded by the same code as the Entra client
// certificate (PEM with the key, PEM plus key file, PFX with or without password; RSA keys).
struct TlsIdentity {
    QList<QSslCertificate> chain; // leaf first
    QSslKey key;

    [[nodiscard]] static Expected<TlsIdentity, QString>
    load(const QString &certificatePath, const QString &keyPath, const config::Secret &password);
    // Presents this identity on `configuration`.
    void applyTo(QSslConfiguration &configuration) const;
};

} // namespace aap::auth
