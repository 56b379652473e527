#pragma once

#include "core/Expected.h"

#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>

namespace aap::tls {

// The certificate authorities every outgoing TLS connection trusts (data path and token requests):
// the system store, plus the bundle named in the configuration, plus SSL_CERT_FILE.
//
// Qt loads the system store lazily on Linux and stops doing so once a CA is added by hand, so an
// extra bundle must be merged with the system CAs explicitly or the public roots are lost.
class TrustStore {
public:
    // configuredBundle: an unreadable file or one without a PEM certificate is an error (the operator
    // asked for it). environmentBundle (SSL_CERT_FILE): shared with other programs, so a bad value is
    // logged and ignored. With neither, base is returned unchanged.
    [[nodiscard]] static Expected<QSslConfiguration, QString>
    apply(QSslConfiguration base, const QString &configuredBundle, const QString &environmentBundle);

    // The PEM certificates of one file, or why there are none.
    [[nodiscard]] static Expected<QList<QSslCertificate>, QString> loadBundle(const QString &path);
};

} // namespace aap::tls
