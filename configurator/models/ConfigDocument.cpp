#include "models/ConfigDocument.h"

#include "config/ConfigLoader.h"
#include "config/ConfigValidator.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTemporaryDir>

namespace aap::configurator {

using namespace Qt::StringLiterals;

namespace {

const QString kDefaultScope = u"default"_s;

} // namespace

ConfigDocument::ConfigDocument(QObject *parent) : QObject(parent) {}

Expected<void, QString> ConfigDocument::open(const QString &path)
{
    QString text;
    QFile file(path);
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly))
            return Unexpected(u"cannot read '"_s + path + u"': "_s + file.errorString());
        text = QString::fromUtf8(file.readAll());
    }
    m_path = path;
    m_file = config::ConfigFile::parse(text);
    m_modified = false;
    reload();
    return {};
}

Expected<void, QString> ConfigDocument::save()
{
    Expects(!m_path.isEmpty());
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly))
        return Unexpected(u"cannot write '"_s + m_path + u"': "_s + file.errorString());
    const QByteArray bytes = m_file.toText().toUtf8();
    if (file.write(bytes) != bytes.size() || !file.commit())
        return Unexpected(u"cannot write '"_s + m_path + u"': "_s + file.errorString());
    m_modified = false;
    reload();
    return {};
}

Expected<void, QString> ConfigDocument::saveAs(const QString &path)
{
    m_path = path;
    return save();
}

QString ConfigDocument::fileSectionName(const config::SettingDescriptor &setting,
                                        const QString &scopeName) const
{
    if (setting.scope == config::SettingScope::Global)
        return {};
    // The implicit route/identity is written as a section without a name ([route]) unless the file
    // already names it explicitly.
    if (scopeName == kDefaultScope) {
        const auto &entries = m_file.entries();
        const bool named =
            std::any_of(entries.cbegin(), entries.cend(), [&](const config::ConfigFile::Entry &e) {
                return e.section == setting.section && e.name == kDefaultScope;
            });
        return named ? kDefaultScope : QString();
    }
    return scopeName;
}

void ConfigDocument::setValue(const config::SettingDescriptor &setting, const QString &scopeName,
                              const QString &value)
{
    const QString name = fileSectionName(setting, scopeName);
    if (value.isEmpty())
        m_file.removeValue(setting.section, name, setting.key);
    else
        m_file.setValue(setting.section, name, setting.key, value);
    m_modified = true;
    reload();
}

void ConfigDocument::reload()
{
    // The loader reads files only; hand it the in-memory text through a private temporary copy so
    // unsaved edits are validated exactly as the service would read them.
    QTemporaryDir dir;
    const QString copy = dir.filePath(u"edited.conf"_s);
    {
        QFile file(copy);
        if (file.open(QIODevice::WriteOnly))
            file.write(m_file.toText().toUtf8());
        // Same permissions as the real file, so the loose-permission warning speaks of it.
        const QFileInfo original(m_path);
        file.setPermissions(original.exists() ? original.permissions()
                                              : QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
    config::ConfigSources sources;
    sources.configFlag = copy;
    sources.environment = QProcessEnvironment();
    m_loaded = config::ConfigLoader::load(sources);
    m_loaded.issues += config::ConfigValidator::validate(m_loaded);
    // Messages should name the user's file, not the temporary copy.
    m_loaded.filePath = m_path;
    for (auto &origin : m_loaded.origins) {
        if (origin.kind == config::SettingOrigin::Kind::File)
            origin.name = m_path;
    }
    for (auto &issue : m_loaded.issues) {
        if (issue.origin.kind == config::SettingOrigin::Kind::File)
            issue.origin.name = m_path;
        issue.message.replace(copy, m_path);
    }
    Q_EMIT changed();
}

} // namespace aap::configurator
