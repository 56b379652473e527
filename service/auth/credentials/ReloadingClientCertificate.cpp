#include "auth/credentials/ReloadingClientCertificate.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

namespace aap::auth {

namespace {

// Coarsest common mtime granularity (FAT); ext4/XFS/NTFS are far finer.
constexpr qint64 timestampGranularityMs = 2'000;
constexpr qint64 maxFileBytes = qint64{1024} * 1024;

quint64 inodeOf(const QString &path)
{
#ifdef Q_OS_UNIX
    struct stat status {};
    if (::stat(QFile::encodeName(path).constData(), &status) == 0)
        return static_cast<quint64>(status.st_ino);
#else
    Q_UNUSED(path)
#endif
    return 0;
}

} // namespace

ReloadingClientCertificate::ReloadingClientCertificate(QString certificatePath, QString keyPath,
                                                       config::Secret password)
    : m_certificateFile(std::move(certificatePath)), m_password(std::move(password))
{
    if (!keyPath.isEmpty())
        m_keyFile.emplace(std::move(keyPath));
}

bool ReloadingClientCertificate::contentsChanged(FileState &state)
{
    const QFileInfo info(state.path);
    const bool exists = info.exists();
    const qint64 size = exists ? info.size() : -1;
    const qint64 modifiedMs = exists ? info.lastModified().toMSecsSinceEpoch() : 0;
    const quint64 inode = exists ? inodeOf(state.path) : 0;
    const bool sameSignature = state.readAt.isValid() && exists == state.exists && size == state.size &&
                               modifiedMs == state.modifiedMs && inode == state.inode;
    const bool settled =
        state.readAt.isValid() && modifiedMs + timestampGranularityMs <= state.readAt.toMSecsSinceEpoch();
    if (sameSignature && settled)
        return false;

    state.exists = exists;
    state.size = size;
    state.modifiedMs = modifiedMs;
    state.inode = inode;
    state.readAt = QDateTime::currentDateTimeUtc();
    QByteArray contents;
    QFile file(state.path);
    if (exists && file.open(QIODevice::ReadOnly))
        contents = file.read(maxFileBytes + 1);
    const QByteArray digest =
        contents.isEmpty() ? QByteArray() : QCryptographicHash::hash(contents, QCryptographicHash::Sha256);
    const bool changed = digest != state.digest || digest.isEmpty();
    state.digest = digest;
    state.contents = contents;
    return changed;
}

ReloadingClientCertificate::Check ReloadingClientCertificate::refresh()
{
    // Both files are always looked at, so a key and certificate replaced together are seen together.
    const bool certificateChanged = contentsChanged(m_certificateFile);
    const bool keyChanged = m_keyFile && contentsChanged(*m_keyFile);
    const bool unreadable = m_certificateFile.digest.isEmpty() || (m_keyFile && m_keyFile->digest.isEmpty());
    if (m_attempted && !certificateChanged && !keyChanged)
        return {};
    m_attempted = true;

    // Unreadable files go through load() for its precise message (missing, permissions, empty).
    Expected<ClientCertificate, CredentialError> loaded =
        unreadable ? ClientCertificate::load(m_certificateFile.path, m_keyFile ? m_keyFile->path : QString(),
                                             m_password)
                   : ClientCertificate::fromData(m_certificateFile.contents, m_certificateFile.path,
                                                 m_keyFile ? m_keyFile->contents : QByteArray(),
                                                 m_keyFile ? m_keyFile->path : QString(), m_password);
    // The bytes may hold a private key: keep only their digest.
    m_certificateFile.contents.clear();
    if (m_keyFile)
        m_keyFile->contents.clear();

    Check check;
    if (loaded) {
        m_certificate = std::move(loaded).value();
        m_lastError.reset();
        check.reloaded = true;
        return check;
    }
    // An unreadable file looks changed on every check; report the same failure only once.
    const bool repeated = unreadable && m_lastError && m_lastError->message == loaded.error().message;
    m_lastError = loaded.error();
    if (!repeated)
        check.error = std::move(loaded).error();
    return check;
}

Expected<ClientCertificate, CredentialError>
ReloadingClientCertificate::current(std::optional<CredentialError> *reloadError)
{
    Check check = refresh();
    if (reloadError != nullptr)
        *reloadError = std::move(check.error);
    if (m_certificate)
        return *m_certificate;
    if (m_lastError)
        return Unexpected(*m_lastError);
    return Unexpected(CredentialError{m_certificateFile.path,
                                      m_certificateFile.path + QStringLiteral(": no certificate loaded")});
}

} // namespace aap::auth
