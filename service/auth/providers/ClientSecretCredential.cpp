#include "auth/providers/ClientSecretCredential.h"

#include "auth/providers/CredentialFile.h"

#include <memory>

namespace aap::auth {

namespace {

// A secret file is a few hundred bytes at most; a bigger one is the wrong file.
constexpr qint64 maxSecretFileBytes = qint64{64} * 1024;

} // namespace

std::unique_ptr<ClientSecretCredential> ClientSecretCredential::fromValue(config::Secret secret)
{
    return std::unique_ptr<ClientSecretCredential>(new ClientSecretCredential(std::move(secret), QString()));
}

std::unique_ptr<ClientSecretCredential> ClientSecretCredential::fromFile(QString path)
{
    return std::unique_ptr<ClientSecretCredential>(
        new ClientSecretCredential(config::Secret(), std::move(path)));
}

ClientSecretCredential::ClientSecretCredential(config::Secret secret, QString path)
    : m_secret(std::move(secret)), m_path(std::move(path))
{}

Expected<void, TokenError> ClientSecretCredential::addTo(TokenRequestForm &form, const QUrl & /*tokenUrl*/,
                                                         const QString & /*clientId*/)
{
    auto secret = current();
    if (!secret)
        return Unexpected(std::move(secret).error());
    form.add(QStringLiteral("client_secret"), secret->reveal());
    return {};
}

Expected<config::Secret, TokenError> ClientSecretCredential::current() const
{
    if (m_path.isEmpty())
        return m_secret;
    const CredentialFile file(m_path, maxSecretFileBytes, QStringLiteral("client_secret_file"),
                              QStringLiteral("client secret file"));
    const auto bytes = file.read();
    if (!bytes)
        return Unexpected(bytes.error());
    // Files written by editors and Kubernetes secrets often end in a newline that is not part of it.
    const QString value = QString::fromUtf8(*bytes).trimmed();
    if (value.isEmpty())
        return Unexpected(file.error(QStringLiteral("empty")));
    return config::Secret(value);
}

QString ClientSecretCredential::describe() const
{
    return m_path.isEmpty() ? QStringLiteral("client secret")
                            : QStringLiteral("client secret file ") + m_path;
}

} // namespace aap::auth
