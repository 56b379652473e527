#pragma once

#include "core/Expected.h"

#include <QHash>
#include <QProcessEnvironment>
#include <QString>

namespace aap::configurator {

// The systemd unit's EnvironmentFile (/etc/aad-auth-proxy/environment): NAME=value lines that
// systemd hands to the service. The configurator validates with it so that what it shows is what
// the service will get. Follows systemd's rules: '#' and ';' start a comment line, leading spaces
// are ignored, a value may be wrapped in single or double quotes.
class EnvironmentFile {
public:
    struct Variable {
        QString value;
        int line = 0; // 1-based
    };

    // The file the packaged unit names.
    static constexpr const char *kDefaultPath = "/etc/aad-auth-proxy/environment";

    // A missing file is an empty one (the unit marks it optional with '-'); an unreadable one is
    // an error the caller shows.
    [[nodiscard]] static Expected<EnvironmentFile, QString> read(const QString &path);
    [[nodiscard]] static EnvironmentFile parse(const QString &path, const QString &text);

    [[nodiscard]] const QString &path() const { return m_path; }
    [[nodiscard]] bool exists() const { return m_exists; }
    [[nodiscard]] bool contains(const QString &name) const { return m_variables.contains(name); }
    [[nodiscard]] Variable variable(const QString &name) const { return m_variables.value(name); }
    [[nodiscard]] qsizetype size() const { return m_variables.size(); }

    // base with this file's variables set over it, as systemd starts the service.
    [[nodiscard]] QProcessEnvironment appliedTo(const QProcessEnvironment &base) const;

private:
    QString m_path;
    bool m_exists = false;
    QHash<QString, Variable> m_variables;
};

} // namespace aap::configurator
