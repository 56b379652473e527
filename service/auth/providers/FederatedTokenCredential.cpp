#include "auth/providers/FederatedTokenCredential.h"

#include <QFile>

namespace aap::auth {

namespace {

// Service account tokens are a few kilobytes; anything much larger is not one.
constexpr qint64 maxTokenFileBytes = qint64{1024} * 1024;

TokenError fileError(const QString &path, const QString &why)
{
    TokenError error;
    error.kind = TokenError::Kind::LocalFile;
    error.code = QStringLiteral("federated_token_file");
    error.description = QStringLiteral("federated token file %1: %2").arg(path, why);
    return error;
}

} // namespace

FederatedTokenCredential::FederatedTokenCredential(QString path) : m_path(std::move(path)) {}

Expected<void, TokenError> FederatedTokenCredential::addTo(TokenRequestForm &form, const QUrl & /*tokenUrl*/,
                                                           const QString & /*clientId*/)
{
    auto contents = read(); // a secret: never logged
    if (!contents) {
        return Unexpected(std::move(contents).error());
    }
    form.add(QStringLiteral("client_assertion_type"),
             QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
    form.add(QStringLiteral("client_assertion"), QString::fromUtf8(*contents));
    return {};
}

Expected<QByteArray, TokenError> FederatedTokenCredential::read()
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly))
        return Unexpected(fileError(m_path, file.errorString()));
    QByteArray bytes = file.read(maxTokenFileBytes + 1);
    if (bytes.size() > maxTokenFileBytes)
        return Unexpected(fileError(m_path, QStringLiteral("larger than %1 bytes").arg(maxTokenFileBytes)));
    while (bytes.endsWith('\n') || bytes.endsWith('\r'))
        bytes.chop(1);
    if (bytes.trimmed().isEmpty())
        return Unexpected(fileError(m_path, QStringLiteral("empty")));
    return bytes;
}

QString FederatedTokenCredential::describe() const
{
    return QStringLiteral("federated token file ") + m_path;
}

} // namespace aap::auth
