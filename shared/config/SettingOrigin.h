#pragma once

#include <QString>

namespace aap::config {

// Where the effective value of one setting came from, so that every message and the
// --check-config listing can name it: "env TARGET_HOST", "/etc/x.conf:12", "--target-host", "default".
struct SettingOrigin {
    enum class Kind { Default, File, Environment, CommandLine };

    Kind kind = Kind::Default;
    QString name; // file path, environment variable name or flag (with leading "--")
    int line = 0; // file line, 1-based; 0 when not from a file

    static SettingOrigin fromDefault() { return {}; }
    static SettingOrigin fromFile(QString path, int lineNumber)
    {
        return {Kind::File, std::move(path), lineNumber};
    }
    static SettingOrigin fromEnvironment(QString variable)
    {
        return {Kind::Environment, std::move(variable), 0};
    }
    static SettingOrigin fromFlag(QString flag) { return {Kind::CommandLine, std::move(flag), 0}; }

    [[nodiscard]] QString toString() const
    {
        switch (kind) {
        case Kind::Default:
            return QStringLiteral("default");
        case Kind::File:
            return line > 0 ? name + QLatin1Char(':') + QString::number(line) : name;
        case Kind::Environment:
            return QStringLiteral("env ") + name;
        case Kind::CommandLine:
            return name;
        }
        return {};
    }

    friend bool operator==(const SettingOrigin &, const SettingOrigin &) = default;
};

} // namespace aap::config
