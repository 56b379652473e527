#include "auth/providers/ClientCertificateCredential.h"

#include "auth/credentials/ClientAssertion.h"
#include "log/LogField.h"
#include "log/Logging.h"

namespace aap::auth {

namespace {

TokenError certificateError(const CredentialError &error)
{
    TokenError result;
    result.kind = TokenError::Kind::LocalFile;
    result.code = QStringLiteral("client_certificate");
    result.description = error.file.isEmpty() || error.message.contains(error.file)
                             ? error.message
                             : QStringLiteral("%1: %2").arg(error.file, error.message);
    return result;
}

QString algorithmName(config::AssertionAlgorithm algorithm)
{
    return algorithm == config::AssertionAlgorithm::PS256 ? QStringLiteral("PS256 x5t#S256")
                                                          : QStringLiteral("RS256 x5t");
}

} // namespace

ClientCertificateCredential::ClientCertificateCredential(const config::IdentityConfig &identity, Clock &clock)
    : m_certificate(identity.certificatePath, identity.certificateKeyPath, identity.certificatePassword),
      m_path(identity.certificatePath), m_algorithm(identity.assertionAlgorithm),
      m_sendChain(identity.sendCertificateChain), m_clock(clock)
{}

Expected<void, TokenError> ClientCertificateCredential::load()
{
    auto certificate = current();
    if (!certificate)
        return Unexpected(std::move(certificate).error());
    return {};
}

Expected<ClientCertificate, TokenError> ClientCertificateCredential::current()
{
    const auto check = m_certificate.refresh();
    if (check.error && m_certificate.certificate()) {
        // The previous good certificate stays in use; say (once per file version) that the new one
        // is broken. Without a previous one the error goes to the caller instead.
        qCWarning(lcAuth).noquote() << "client certificate reload failed, previous certificate still in use"
                                    << log::LogField::kv("file", check.error->file)
                                    << log::LogField::kv("error", check.error->message);
    }
    auto certificate = m_certificate.current();
    if (!certificate)
        return Unexpected(certificateError(certificate.error()));
    if (check.reloaded) {
        qCInfo(lcAuth).noquote() << "client certificate loaded" << log::LogField::kv("file", m_path)
                                 << log::LogField::kv("subject", certificate->subject())
                                 << log::LogField::kv("sha1", certificate->sha1Thumbprint().toHex().toUpper())
                                 << log::LogField::kv("not_after",
                                                      std::chrono::duration_cast<std::chrono::seconds>(
                                                          certificate->notAfter().time_since_epoch())
                                                          .count());
    }
    return std::move(certificate).value();
}

Expected<void, TokenError> ClientCertificateCredential::addTo(TokenRequestForm &form, const QUrl &tokenUrl,
                                                              const QString &clientId)
{
    auto certificate = current();
    if (!certificate)
        return Unexpected(std::move(certificate).error());
    const ClientAssertion::Parameters parameters{clientId, tokenUrl.toString(), m_algorithm, m_sendChain};
    auto assertion = ClientAssertion::build(*certificate, parameters, m_clock.now());
    if (!assertion)
        return Unexpected(certificateError(assertion.error()));
    form.add(QStringLiteral("client_assertion_type"),
             QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
    form.add(QStringLiteral("client_assertion"), QString::fromLatin1(*assertion));
    return {};
}

QString ClientCertificateCredential::describe() const
{
    QString text =
        QStringLiteral("client certificate %1 (%2%3)")
            .arg(m_path, algorithmName(m_algorithm), m_sendChain ? QStringLiteral(", x5c") : QString());
    if (const auto &certificate = m_certificate.certificate())
        text +=
            QStringLiteral(" sha1=") + QString::fromLatin1(certificate->sha1Thumbprint().toHex().toUpper());
    return text;
}

} // namespace aap::auth
