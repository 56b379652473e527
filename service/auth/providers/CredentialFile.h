#pragma once

#include "auth/TokenError.h"
#include "core/Expected.h"

#include <QByteArray>
#include <QString>

namespace aap::auth {

// A small file a credential reads afresh for every token request (a client secret, a federated
// token). The read is bounded, so a wrong path (a log, a device) fails at once instead of filling
// memory, and every error names the file but never its contents.
class CredentialFile {
public:
    // `code` is the TokenError code; `label` starts each description ("<label> <path>: <why>").
    CredentialFile(QString path, qint64 maxBytes, QString code, QString label);

    // The whole file, or a LocalFile error when it cannot be opened or is larger than maxBytes.
    [[nodiscard]] Expected<QByteArray, TokenError> read() const;
    // A LocalFile error about this file, for what a caller finds wrong with the contents.
    [[nodiscard]] TokenError error(const QString &why) const;

private:
    QString m_path;
    qint64 m_maxBytes;
    QString m_code;
    QString m_label;
};

} // namespace aap::auth
