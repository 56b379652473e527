#pragma once

#include "auth/credentials/ClientCertificate.h"
#include "auth/credentials/CredentialError.h"
#include "config/Secret.h"
#include "core/Expected.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <optional>

namespace aap::auth {

// A client certificate that follows its file(s): a certificate replaced on disk (renewal, a
// Kubernetes secret update) is used for the next assertion without a restart. When the new file
// cannot be loaded, the previous good certificate stays in use and the failure is reported once per
// file version, for the caller to log.
class ReloadingClientCertificate {
public:
    explicit ReloadingClientCertificate(QString certificatePath, QString keyPath = {},
                                        config::Secret password = {});

    struct Check {
        bool reloaded = false;                // a new certificate was loaded by this call
        std::optional<CredentialError> error; // the file(s) changed and could not be loaded
    };

    // Cheap when nothing changed: a stat of each file. The contents are read and hashed only when
    // the stat signature (size, mtime, inode) changed, or when the file was modified so shortly
    // before the last read that a rewrite could hide behind an equal timestamp.
    Check refresh();

    // refresh(), then the certificate to use: the newest good one, or the load error when none
    // has ever loaded. A reload failure with an older good certificate goes to `reloadError`.
    Expected<ClientCertificate, CredentialError>
    current(std::optional<CredentialError> *reloadError = nullptr);

    [[nodiscard]] const std::optional<ClientCertificate> &certificate() const { return m_certificate; }
    // The failure of the latest load attempt, until a load succeeds.
    [[nodiscard]] const std::optional<CredentialError> &lastError() const { return m_lastError; }

private:
    struct FileState {
        explicit FileState(QString filePath) : path(std::move(filePath)) {}
        QString path;
        bool exists = false;
        qint64 size = -1;
        qint64 modifiedMs = 0;
        quint64 inode = 0;
        QDateTime readAt;  // wall time of the last content read
        QByteArray digest; // SHA-256 of the contents last read (empty: unreadable)
        QByteArray contents;
    };

    // Updates `state` from disk; returns true when the contents differ from the last read.
    static bool contentsChanged(FileState &state);

    FileState m_certificateFile;
    std::optional<FileState> m_keyFile;
    config::Secret m_password;
    std::optional<ClientCertificate> m_certificate;
    std::optional<CredentialError> m_lastError;
    bool m_attempted = false;
};

} // namespace aap::auth
