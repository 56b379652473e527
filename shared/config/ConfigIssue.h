#pragma once

#include "config/SettingOrigin.h"

#include <QList>
#include <QString>

#include <algorithm>

namespace aap::config {

// One problem found while loading or validating the configuration. Messages never contain the
// value of a secret setting.
struct ConfigIssue {
    enum class Severity { Warning, Error };

    Severity severity = Severity::Error;
    QString setting; // "listener.port", "route.default.target_host", or "" for the file as a whole
    SettingOrigin origin;
    QString message;

    static ConfigIssue error(QString settingName, SettingOrigin from, QString text)
    {
        return {Severity::Error, std::move(settingName), std::move(from), std::move(text)};
    }
    static ConfigIssue warning(QString settingName, SettingOrigin from, QString text)
    {
        return {Severity::Warning, std::move(settingName), std::move(from), std::move(text)};
    }

    [[nodiscard]] bool isError() const { return severity == Severity::Error; }

    // "error: listener.port (env LISTENING_PORT): ..." – one line, for stderr and logs. A problem of
    // the file itself (no setting) reads like a compiler's: "error: /etc/x.conf:12: ...".
    [[nodiscard]] QString toString() const
    {
        const QString text = isError() ? QStringLiteral("error: ") : QStringLiteral("warning: ");
        if (setting.isEmpty())
            return text + origin.toString() + QStringLiteral(": ") + message;
        return text + setting + QStringLiteral(" (") + origin.toString() + QStringLiteral("): ") + message;
    }
};

using ConfigIssues = QList<ConfigIssue>;

[[nodiscard]] inline bool hasErrors(const ConfigIssues &issues)
{
    return std::any_of(issues.cbegin(), issues.cend(), [](const ConfigIssue &i) { return i.isError(); });
}

} // namespace aap::config
