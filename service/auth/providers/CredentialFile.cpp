#include "auth/providers/CredentialFile.h"

#include <QFile>

namespace aap::auth {

CredentialFile::CredentialFile(QString path, qint64 maxBytes, QString code, QString label)
    : m_path(std::move(path)), m_maxBytes(maxBytes), m_code(std::move(code)), m_label(std::move(label))
{}

Expected<QByteArray, TokenError> CredentialFile::read() const
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly))
        return Unexpected(error(file.errorString()));
    QByteArray bytes = file.read(m_maxBytes + 1);
    if (bytes.size() > m_maxBytes)
        return Unexpected(error(QStringLiteral("larger than %1 bytes").arg(m_maxBytes)));
    return bytes;
}

TokenError CredentialFile::error(const QString &why) const
{
    TokenError result;
    result.kind = TokenError::Kind::LocalFile;
    result.code = m_code;
    result.description = QStringLiteral("%1 %2: %3").arg(m_label, m_path, why);
    return result;
}

} // namespace aap::auth
