#include "proxy/UpstreamTls.h"

#include "log/Logging.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslSocket>

namespace aap::proxy {

namespace {

Expected<QList<QSslCertificate>, QString> loadBundle(const QString &path, const char *origin)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return Unexpected(QStringLiteral("cannot read CA bundle %1 (%2): %3")
                              .arg(path, QLatin1String(origin), file.errorString()));
    }
    auto certificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (certificates.isEmpty()) {
        return Unexpected(
            QStringLiteral("CA bundle %1 (%2) holds no PEM certificate").arg(path, QLatin1String(origin)));
    }
    return certificates;
}

} // namespace

Expected<QSslConfiguration, QString> UpstreamTls::build(const config::UpstreamConfig &upstream)
{
    if (!QSslSocket::supportsSsl()) {
        return Unexpected(QStringLiteral("TLS is not available (OpenSSL backend missing)"));
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    auto cas = configuration.caCertificates();
    if (!upstream.caBundlePath.isEmpty()) {
        auto extra = loadBundle(upstream.caBundlePath, "upstream.caBundlePath");
        if (!extra) {
            return Unexpected(extra.error());
        }
        cas.append(*extra);
        qCInfo(lcUpstream).noquote() << "extra CA bundle loaded"
                                     << "path=" << upstream.caBundlePath << "certificates=" << extra->size();
    }
    const QString envBundle = qEnvironmentVariable("SSL_CERT_FILE");
    if (!envBundle.isEmpty()) {
        auto extra = loadBundle(envBundle, "SSL_CERT_FILE");
        if (extra) {
            cas.append(*extra);
        } else {
            // The variable is shared with other programs: a bad value must not stop the service.
            qCWarning(lcUpstream).noquote() << "SSL_CERT_FILE ignored"
                                            << "reason=" << extra.error();
        }
    }
    configuration.setCaCertificates(cas);
    return configuration;
}

} // namespace aap::proxy
