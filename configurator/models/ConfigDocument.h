#pragma once

#include "config/ConfigFile.h"
#include "config/LoadedConfig.h"
#include "config/SettingCatalog.h"
#include "core/Expected.h"
#include "models/EnvironmentFile.h"

#include <QObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <optional>

namespace aap::configurator {

// One configuration file open in the configurator: the file kept line by line (so saving keeps
// comments, unknown keys and order), and the configuration it yields with the service's own loader
// and validator, together with the environment the service will get: the unit's EnvironmentFile
// over the process environment. Both are sources the configurator shows; it edits only the file.
class ConfigDocument : public QObject {
    Q_OBJECT

public:
    explicit ConfigDocument(QObject *parent = nullptr);

    // Reads path; a missing file opens as an empty document that save() creates.
    Expected<void, QString> open(const QString &path);
    // Writes atomically (temporary file + rename), so a crash never leaves half a file.
    Expected<void, QString> save();
    Expected<void, QString> saveAs(const QString &path);

    // The environment the service gets: an EnvironmentFile (empty path = none) over base.
    // Problems reading the file are kept in environmentProblem().
    void setEnvironment(const QString &environmentFilePath, const QProcessEnvironment &base);
    [[nodiscard]] const EnvironmentFile &environmentFile() const { return m_environmentFile; }
    [[nodiscard]] const QString &environmentProblem() const { return m_environmentProblem; }
    // How many settings the process environment (not the file) sets.
    [[nodiscard]] int settingsFromProcessEnvironment() const;
    [[nodiscard]] int settingsFromEnvironmentFile() const;

    // Sets a value as typed by the user; scopeName is the route or identity name for scoped
    // settings ("default" for the implicit one). An empty value removes the key.
    void setValue(const config::SettingDescriptor &setting, const QString &scopeName, const QString &value);
    // The value as written in the file (unquoted), even when it does not parse; nullopt when the
    // file does not set it.
    [[nodiscard]] std::optional<QString> fileValue(const config::SettingDescriptor &setting,
                                                   const QString &scopeName) const;
    // The effective value as the service prints it (secrets redacted).
    [[nodiscard]] QString effectiveValue(const config::SettingDescriptor &setting,
                                         const QString &scopeName) const;
    // Where the effective value comes from, in words: "default", "this file, line 3",
    // "TARGET_HOST in the environment file /etc/aad-auth-proxy/environment, line 2",
    // "TARGET_HOST in this session's environment".
    [[nodiscard]] QString sourceText(const QString &settingId) const;
    [[nodiscard]] QString originText(const config::SettingOrigin &origin) const;
    [[nodiscard]] config::SettingOrigin origin(const QString &settingId) const
    {
        return m_loaded.origin(settingId);
    }
    [[nodiscard]] config::ConfigIssues issuesFor(const QString &settingId) const;

    // Routes and identities: the implicit "default" plus the named sections of the file.
    [[nodiscard]] QStringList scopeNames(config::SettingScope scope) const;
    // Adds [route "name"] / [identity "name"] with a first key so the section exists; false when
    // the name is taken or not a valid name.
    bool addScope(config::SettingScope scope, const QString &name);
    bool removeScope(config::SettingScope scope, const QString &name);

    [[nodiscard]] const QString &path() const { return m_path; }
    [[nodiscard]] bool isModified() const { return m_modified; }
    [[nodiscard]] const config::LoadedConfig &loaded() const { return m_loaded; }
    [[nodiscard]] QString text() const { return m_file.toText(); }
    // The text with every secret value replaced by <redacted>, which the service reads as "keep
    // the current one": what Apply sends, since no secret crosses the control socket.
    [[nodiscard]] QString textWithoutSecrets() const;
    // A secret was typed since the file was opened or saved: Apply cannot carry it.
    [[nodiscard]] bool secretsEdited() const;

Q_SIGNALS:
    // The effective configuration or its issues changed (after open, an edit, or a save).
    void changed();
    // Routes or identities were added or removed.
    void scopesChanged();

private:
    void reload();
    [[nodiscard]] QString fileSectionName(const config::SettingDescriptor &setting,
                                          const QString &scopeName) const;
    [[nodiscard]] QString fileSectionName(const QString &section, const QString &scopeName) const;

    QString m_path;
    config::ConfigFile m_file;
    config::ConfigFile m_savedFile; // as on disk, to tell which secrets were edited
    config::LoadedConfig m_loaded;
    EnvironmentFile m_environmentFile;
    QString m_environmentProblem;
    QProcessEnvironment m_baseEnvironment;
    bool m_modified = false;
};

} // namespace aap::configurator
