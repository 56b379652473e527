#include "inbound/ListenerTls.h"

#include "auth/credentials/TlsIdentity.h"
#include "config/SecretFile.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "tls/TrustStore.h"

#include <QFileInfo>
#include <QSslSocket>

namespace aap::inbound {

Expected<std::unique_ptr<ListenerTls>, QString> ListenerTls::create(const config::ListenerConfig &listener)
{
    if (!QSslSocket::supportsSsl())
        return Unexpected(QStringLiteral("TLS is not available (OpenSSL backend missing)"));
    std::unique_ptr<ListenerTls> tls(new ListenerTls(listener));
    tls->m_stamps = tls->stamps();
    auto loaded = tls->load();
    if (!loaded)
        return Unexpected(loaded.error());
    tls->m_configuration = loaded->configuration;
    tls->m_verifier = loaded->verifier;
    return tls;
}

QSslConfiguration ListenerTls::configuration() const
{
    const QMutexLocker lock(&m_mutex);
    return m_configuration;
}

bool ListenerTls::trustsClient(const QList<QSslCertificate> &chain) const
{
    std::shared_ptr<const ClientCertificateVerifier> verifier;
    {
        const QMutexLocker lock(&m_mutex);
        verifier = m_verifier;
    }
    return verifier != nullptr && verifier->trusts(chain);
}

bool ListenerTls::reloadIfChanged()
{
    const QList<Stamp> now = stamps();
    {
        const QMutexLocker lock(&m_mutex);
        if (now == m_stamps)
            return false;
    }
    auto loaded = load();
    const QMutexLocker lock(&m_mutex);
    // Tried once per change: a broken file is not reloaded again until it changes once more.
    m_stamps = now;
    if (!loaded) {
        qCWarning(lcProxy).noquote() << "listener certificate changed but cannot be loaded; the previous one "
                                        "stays in use"
                                     << log::LogField::kv("error", loaded.error());
        return false;
    }
    m_configuration = loaded->configuration;
    m_verifier = loaded->verifier;
    qCInfo(lcProxy).noquote() << "listener certificate reloaded"
                              << log::LogField::kv("file", m_listener.tlsCertificatePath);
    return true;
}

Expected<ListenerTls::Loaded, QString> ListenerTls::load() const
{
    auto password = config::SecretFile::resolve(m_listener.tlsKeyPassword, m_listener.tlsKeyPasswordFile);
    if (!password)
        return Unexpected(QStringLiteral("listener.tls_key_password_file: ") + password.error());
    auto identity = auth::TlsIdentity::load(m_listener.tlsCertificatePath, m_listener.tlsKeyPath, *password);
    if (!identity)
        return Unexpected(QStringLiteral("listener.tls_certificate: ") + identity.error());
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    identity->applyTo(configuration);
    const QString &clientCa = m_listener.inboundAuth.clientCaPath;
    if (clientCa.isEmpty()) {
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
        return Loaded{configuration, nullptr};
    }
    auto authorities = tls::TrustStore::loadBundle(clientCa);
    if (!authorities)
        return Unexpected(QStringLiteral("listener.client_ca: ") + authorities.error());
    // QueryPeer asks for a certificate without failing the handshake, so a missing or untrusted one
    // gets a JSON 401/403 answer (InboundGuard) instead of a bare TLS alert the client cannot explain;
    // the verifier judges the chain against the client CAs only.
    configuration.setCaCertificates(*authorities);
    configuration.setPeerVerifyMode(QSslSocket::QueryPeer);
    return Loaded{configuration, std::make_shared<const ClientCertificateVerifier>(*authorities)};
}

QList<ListenerTls::Stamp> ListenerTls::stamps() const
{
    QList<Stamp> result;
    for (const QString &path : {m_listener.tlsCertificatePath, m_listener.tlsKeyPath,
                                m_listener.tlsKeyPasswordFile, m_listener.inboundAuth.clientCaPath}) {
        if (path.isEmpty())
            continue;
        const QFileInfo info(path);
        result.append({info.lastModified(), info.exists() ? info.size() : -1});
    }
    return result;
}

} // namespace aap::inbound
