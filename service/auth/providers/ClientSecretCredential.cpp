#include "auth/providers/ClientSecretCredential.h"

#include <QFile>

#include <memory>

namespace aap::auth {

namespace {

// A secret file is a few hundred bytes at most; a bigger one is the wrong file.
constexpr qint64 maxSecretFileBytes = qint64{64} * 1024;

TokenError fileError(const QString &path, const QString &why)
{
    TokenError error;
    error.kind = TokenError::Kind::LocalFile;
    error.code = QStringLiteral("client_secret_file");
    error.description = QStringLiteral("client secret file %1: %2").arg(path, why);
    return error;
}

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
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly))
        return Unexpected(fileError(m_path, file.errorString()));
    const QByteArray bytes = file.read(maxSecretFileBytes + 1);
    if (bytes.size() > maxSecretFileBytes)
        return Unexpected(fileError(m_path, QStringLiteral("larger than %1 bytes").arg(maxSecretFileBytes)));
    // Files written by editors and Kubernetes secrets often end in a newline that is not part of it.
    const QString value = QString::fromUtf8(bytes).trimmed();
    if (value.isEmpty())
        return Unexpected(fileError(m_path, QStringLiteral("empty")));
    return config::Secret(value);
}

QString ClientSecretCredential::describe() const
{
    return m_path.isEmpty() ? QStringLiteral("client secret")
                            : QStringLiteral("client secret file ") + m_path;
}

} // namespace aap::auth
