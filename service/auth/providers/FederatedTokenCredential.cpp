#include "auth/providers/FederatedTokenCredential.h"

#include "auth/providers/CredentialFile.h"

namespace aap::auth {

namespace {

// Service account tokens are a few kilobytes; anything much larger is not one.
constexpr qint64 maxTokenFileBytes = qint64{1024} * 1024;

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
    const CredentialFile file(m_path, maxTokenFileBytes, QStringLiteral("federated_token_file"),
                              QStringLiteral("federated token file"));
    auto bytes = file.read();
    if (!bytes)
        return bytes;
    while (bytes->endsWith('\n') || bytes->endsWith('\r'))
        bytes->chop(1);
    if (bytes->trimmed().isEmpty())
        return Unexpected(file.error(QStringLiteral("empty")));
    return bytes;
}

QString FederatedTokenCredential::describe() const
{
    return QStringLiteral("federated token file ") + m_path;
}

} // namespace aap::auth
