#pragma once

#include "config/ConfigIssue.h"
#include "config/ServiceConfig.h"
#include "config/SettingOrigin.h"

#include <QHash>
#include <QString>

namespace aap::config {

// The result of loading: the effective configuration, where each value came from, and every
// problem found so far (loading and, after ConfigValidator, validation).
struct LoadedConfig {
    ServiceConfig config;
    QHash<QString, SettingOrigin> origins; // by SettingDescriptor::id(); missing = default
    ConfigIssues issues;
    QString filePath; // the file that was read; empty when none

    [[nodiscard]] SettingOrigin origin(const QString &settingId) const
    {
        return origins.value(settingId, SettingOrigin::fromDefault());
    }
    [[nodiscard]] bool hasErrors() const { return config::hasErrors(issues); }
};

} // namespace aap::config
