#include "models/ConfigDocument.h"

#include "config/ConfigLoader.h"
#include "config/ConfigValidator.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QTemporaryDir>

#include <algorithm>

namespace aap::configurator {

using namespace Qt::StringLiterals;

namespace {

const QString kDefaultScope = u"default"_s;

QString sectionOf(config::SettingScope scope)
{
    return scope == config::SettingScope::Route ? u"route"_s : u"identity"_s;
}

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
    m_savedFile = m_file;
    m_modified = false;
    reload();
    Q_EMIT scopesChanged();
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
    m_savedFile = m_file;
    m_modified = false;
    reload();
    return {};
}

Expected<void, QString> ConfigDocument::saveAs(const QString &path)
{
    m_path = path;
    return save();
}

QString ConfigDocument::textWithoutSecrets() const
{
    config::ConfigFile copy = m_file;
    for (const auto &entry : m_file.entries()) {
        const auto *setting = config::SettingCatalog::find(entry.section, entry.key);
        if (setting && setting->secret && !entry.value.isEmpty())
            copy.setValue(entry.section, entry.name, entry.key, u"<redacted>"_s);
    }
    return copy.toText();
}

bool ConfigDocument::secretsEdited() const
{
    return std::ranges::any_of(m_file.entries(), [this](const auto &entry) {
        const auto *setting = config::SettingCatalog::find(entry.section, entry.key);
        if (!setting || !setting->secret)
            return false;
        const auto saved = m_savedFile.find(entry.section, entry.name, entry.key);
        return !saved || saved->value != entry.value;
    });
}

void ConfigDocument::setEnvironment(const QString &environmentFilePath, const QProcessEnvironment &base)
{
    m_baseEnvironment = base;
    m_environmentProblem.clear();
    m_environmentFile = EnvironmentFile();
    if (!environmentFilePath.isEmpty()) {
        auto read = EnvironmentFile::read(environmentFilePath);
        if (read)
            m_environmentFile = std::move(read).value();
        else
            m_environmentProblem = read.error();
    }
    reload();
}

int ConfigDocument::settingsFromEnvironmentFile() const
{
    int count = 0;
    for (const auto &origin : m_loaded.origins)
        count += origin.kind == config::SettingOrigin::Kind::Environment &&
                 m_environmentFile.contains(origin.name);
    return count;
}

int ConfigDocument::settingsFromProcessEnvironment() const
{
    int count = 0;
    for (const auto &origin : m_loaded.origins)
        count += origin.kind == config::SettingOrigin::Kind::Environment &&
                 !m_environmentFile.contains(origin.name);
    return count;
}

QString ConfigDocument::fileSectionName(const QString &section, const QString &scopeName) const
{
    // The implicit route/identity is written as a section without a name ([route]) unless the file
    // already names it explicitly.
    if (scopeName == kDefaultScope) {
        const auto &entries = m_file.entries();
        const bool named =
            std::any_of(entries.cbegin(), entries.cend(), [&](const config::ConfigFile::Entry &e) {
                return e.section == section && e.name == kDefaultScope;
            });
        return named ? kDefaultScope : QString();
    }
    return scopeName;
}

QString ConfigDocument::fileSectionName(const config::SettingDescriptor &setting,
                                        const QString &scopeName) const
{
    if (setting.scope == config::SettingScope::Global)
        return {};
    return fileSectionName(setting.section, scopeName);
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

std::optional<QString> ConfigDocument::fileValue(const config::SettingDescriptor &setting,
                                                 const QString &scopeName) const
{
    const auto entry = m_file.find(setting.section, fileSectionName(setting, scopeName), setting.key);
    if (!entry)
        return std::nullopt;
    return entry->value;
}

QString ConfigDocument::effectiveValue(const config::SettingDescriptor &setting,
                                       const QString &scopeName) const
{
    const auto &config = m_loaded.config;
    config::ConstSettingTarget target{&config, nullptr, nullptr};
    for (const auto &route : config.routes) {
        if (route.name == scopeName)
            target.route = &route;
    }
    for (const auto &identity : config.identities) {
        if (identity.name == scopeName)
            target.identity = &identity;
    }
    if ((setting.scope == config::SettingScope::Route && target.route == nullptr) ||
        (setting.scope == config::SettingScope::Identity && target.identity == nullptr))
        return {};
    return setting.format(target);
}

QString ConfigDocument::sourceText(const QString &settingId) const
{
    return originText(m_loaded.origin(settingId));
}

QString ConfigDocument::originText(const config::SettingOrigin &origin) const
{
    switch (origin.kind) {
    case config::SettingOrigin::Kind::Default:
        return tr("default");
    case config::SettingOrigin::Kind::File:
        return origin.line > 0 ? tr("this file, line %1").arg(origin.line) : tr("this file");
    case config::SettingOrigin::Kind::Environment:
        if (m_environmentFile.contains(origin.name))
            return tr("%1 in the environment file %2, line %3")
                .arg(origin.name, m_environmentFile.path())
                .arg(m_environmentFile.variable(origin.name).line);
        return tr("%1 in this session's environment").arg(origin.name);
    case config::SettingOrigin::Kind::CommandLine:
        return tr("command line %1").arg(origin.name);
    }
    return {};
}

config::ConfigIssues ConfigDocument::issuesFor(const QString &settingId) const
{
    config::ConfigIssues issues;
    for (const auto &issue : m_loaded.issues) {
        if (issue.setting == settingId)
            issues.append(issue);
    }
    return issues;
}

QStringList ConfigDocument::scopeNames(config::SettingScope scope) const
{
    QStringList names;
    if (scope == config::SettingScope::Route) {
        for (const auto &route : m_loaded.config.routes)
            names.append(route.name);
    } else if (scope == config::SettingScope::Identity) {
        for (const auto &identity : m_loaded.config.identities)
            names.append(identity.name);
    }
    return names;
}

bool ConfigDocument::addScope(config::SettingScope scope, const QString &name)
{
    static const QRegularExpression namePattern(u"^[A-Za-z0-9._-]+$"_s);
    Expects(scope != config::SettingScope::Global);
    if (!namePattern.match(name).hasMatch() || scopeNames(scope).contains(name))
        return false;
    // A new route starts with its own path prefix and the default identity; a new identity as a
    // system-assigned managed identity, the simplest kind. The validator then names what is missing.
    if (scope == config::SettingScope::Route) {
        m_file.setValue(u"route"_s, name, u"path_prefix"_s, u"/"_s + name + u"/"_s);
        m_file.setValue(u"route"_s, name, u"identity"_s, kDefaultScope);
    } else {
        m_file.setValue(u"identity"_s, name, u"type"_s, u"systemAssigned"_s);
    }
    m_modified = true;
    reload();
    Q_EMIT scopesChanged();
    return true;
}

bool ConfigDocument::removeScope(config::SettingScope scope, const QString &name)
{
    Expects(scope != config::SettingScope::Global);
    if (!m_file.removeSection(sectionOf(scope), fileSectionName(sectionOf(scope), name)))
        return false;
    m_modified = true;
    reload();
    Q_EMIT scopesChanged();
    return true;
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
    sources.environment = m_environmentFile.appliedTo(m_baseEnvironment);
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
