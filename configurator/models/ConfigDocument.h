#pragma once

#include "config/ConfigFile.h"
#include "config/LoadedConfig.h"
#include "config/SettingCatalog.h"
#include "core/Expected.h"

#include <QObject>
#include <QString>

namespace aap::configurator {

// One configuration file open in the configurator: the file kept line by line (so saving keeps
// comments, unknown keys and order), and the configuration it yields with the service's own loader
// and validator. The environment is left out on purpose: the configurator edits the file, and the
// service adds environment variables and flags on top when it starts.
class ConfigDocument : public QObject {
    Q_OBJECT

public:
    explicit ConfigDocument(QObject *parent = nullptr);

    // Reads path; a missing file opens as an empty document that save() creates.
    Expected<void, QString> open(const QString &path);
    // Writes atomically (temporary file + rename), so a crash never leaves half a file.
    Expected<void, QString> save();
    Expected<void, QString> saveAs(const QString &path);

    // Sets a value as typed by the user; scopeName is the route or identity name for scoped
    // settings ("default" for the implicit one). An empty value removes the key.
    void setValue(const config::SettingDescriptor &setting, const QString &scopeName, const QString &value);

    [[nodiscard]] const QString &path() const { return m_path; }
    [[nodiscard]] bool isModified() const { return m_modified; }
    [[nodiscard]] const config::LoadedConfig &loaded() const { return m_loaded; }
    [[nodiscard]] QString text() const { return m_file.toText(); }

Q_SIGNALS:
    // The effective configuration or its issues changed (after open, an edit, or a save).
    void changed();

private:
    void reload();
    [[nodiscard]] QString fileSectionName(const config::SettingDescriptor &setting,
                                          const QString &scopeName) const;

    QString m_path;
    config::ConfigFile m_file;
    config::LoadedConfig m_loaded;
    bool m_modified = false;
};

} // namespace aap::configurator
