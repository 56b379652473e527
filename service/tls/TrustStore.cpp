#include "tls/TrustStore.h"

#include "log/LogField.h"
#include "log/Logging.h"

#include <QFile>

namespace aap::tls {

Expected<QList<QSslCertificate>, QString> TrustStore::loadBundle(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return Unexpected(QStringLiteral("cannot read CA bundle %1: %2").arg(path, file.errorString()));
    }
    auto certificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (certificates.isEmpty()) {
        return Unexpected(QStringLiteral("CA bundle %1 holds no PEM certificate").arg(path));
    }
    return certificates;
}

Expected<QSslConfiguration, QString>
TrustStore::apply(QSslConfiguration base, const QString &configuredBundle, const QString &environmentBundle)
{
    QList<QSslCertificate> extra;
    if (!configuredBundle.isEmpty()) {
        auto loaded = loadBundle(configuredBundle);
        if (!loaded) {
            return Unexpected(loaded.error());
        }
        qCInfo(lcUpstream).noquote() << "extra CA bundle loaded"
                                     << log::LogField::kv("path", configuredBundle)
                                     << log::LogField::kv("certificates", loaded->size());
        extra.append(*loaded);
    }
    if (!environmentBundle.isEmpty()) {
        if (auto loaded = loadBundle(environmentBundle)) {
            qCInfo(lcUpstream).noquote()
                << "SSL_CERT_FILE loaded" << log::LogField::kv("path", environmentBundle)
                << log::LogField::kv("certificates", loaded->size());
            extra.append(*loaded);
        } else {
            qCWarning(lcUpstream).noquote()
                << "SSL_CERT_FILE ignored" << log::LogField::kv("reason", loaded.error());
        }
    }
    if (extra.isEmpty()) {
        return base;
    }
    QList<QSslCertificate> cas = base.caCertificates();
    cas.append(QSslConfiguration::systemCaCertificates());
    cas.append(extra);
    base.setCaCertificates(cas);
    return base;
}

} // namespace aap::tls
