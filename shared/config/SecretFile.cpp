#include "config/SecretFile.h"

#include <QFile>
#include <QFileInfo>

namespace aap::config {

namespace {

// Secret files are small; a larger one is a wrong path, not a secret.
constexpr qint64 kMaxSecretFileBytes = qint64{64} * 1024;

Expected<QByteArray, QString> readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Unexpected(QStringLiteral("cannot read ") + path + QStringLiteral(": ") + file.errorString());
    const QByteArray contents = file.read(kMaxSecretFileBytes + 1);
    if (contents.size() > kMaxSecretFileBytes)
        return Unexpected(path +
                          QStringLiteral(" is larger than 64 KiB; it does not look like a secret file"));
    return contents;
}

} // namespace

Expected<Secret, QString> SecretFile::read(const QString &path)
{
    auto contents = readAll(path);
    if (!contents)
        return Unexpected(contents.error());
    QByteArray value = std::move(*contents);
    while (value.endsWith('\n') || value.endsWith('\r'))
        value.chop(1);
    if (value.isEmpty())
        return Unexpected(path + QStringLiteral(" is empty"));
    return Secret(QString::fromUtf8(value));
}

Expected<Secret, QString> SecretFile::resolve(const Secret &value, const QString &path)
{
    if (path.isEmpty())
        return value;
    return read(path);
}

Expected<QList<Secret>, QString> SecretFile::readLines(const QString &path)
{
    auto contents = readAll(path);
    if (!contents)
        return Unexpected(contents.error());
    QList<Secret> keys;
    for (const QByteArray &line : contents->split('\n')) {
        const QByteArray key = line.trimmed();
        if (!key.isEmpty() && !key.startsWith('#'))
            keys.append(Secret(QString::fromUtf8(key)));
    }
    if (keys.isEmpty())
        return Unexpected(path + QStringLiteral(" holds no key"));
    return keys;
}

SecretFile::Exposure SecretFile::exposure(const QString &path)
{
#ifdef Q_OS_WIN
    Q_UNUSED(path);
    return Exposure::Private;
#else
    const QFileInfo info(path);
    const QFile::Permissions permissions = info.permissions();
    if (permissions.testFlag(QFile::WriteOther))
        return Exposure::WritableByOthers;
    if (permissions.testFlag(QFile::ReadOther))
        return Exposure::ReadableByOthers;
    return Exposure::Private;
#endif
}

} // namespace aap::config
