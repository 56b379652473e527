#include "auth/credentials/TlsIdentity.h"

#include "auth/credentials/ClientCertificate.h"

#include <openssl/evp.h>

namespace aap::auth {

Expected<TlsIdentity, QString> TlsIdentity::load(const QString &certificatePath, const QString &keyPath,
                                                 const config::Secret &password)
{
    auto loaded = ClientCertificate::load(certificatePath, keyPath, password, ClientCertificate::KeyUse::Tls);
    if (!loaded)
        return Unexpected(loaded.error().file + QStringLiteral(": ") + loaded.error().message);
    TlsIdentity identity;
    for (const QByteArray &der : loaded->chainDer())
        identity.chain.append(QSslCertificate(der, QSsl::Der));
    // QSslKey takes over one reference of the native key.
    EVP_PKEY *key = loaded->nativeKey();
    EVP_PKEY_up_ref(key);
    identity.key = QSslKey(static_cast<Qt::HANDLE>(key), QSsl::PrivateKey);
    if (identity.key.isNull() || identity.chain.isEmpty() || identity.chain.first().isNull())
        return Unexpected(certificatePath +
                          QStringLiteral(": the TLS stack cannot use this certificate and key"));
    return identity;
}

void TlsIdentity::applyTo(QSslConfiguration &configuration) const
{
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
}

} // namespace aap::auth
