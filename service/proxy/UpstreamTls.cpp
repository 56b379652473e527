#include "proxy/UpstreamTls.h"

#include "tls/TrustStore.h"

#include <QSslSocket>

namespace aap::proxy {

Expected<QSslConfiguration, QString> UpstreamTls::build(const config::UpstreamConfig &upstream)
{
    if (!QSslSocket::supportsSsl()) {
        return Unexpected(QStringLiteral("TLS is not available (OpenSSL backend missing)"));
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    auto trusted =
        tls::TrustStore::apply(configuration, upstream.caBundlePath, qEnvironmentVariable("SSL_CERT_FILE"));
    if (!trusted) {
        return Unexpected(QStringLiteral("upstream.ca_bundle: %1").arg(trusted.error()));
    }
    return *trusted;
}

} // namespace aap::proxy
