#pragma once

#include "config/LoadedConfig.h"

#include <QList>
#include <QPair>
#include <QProcessEnvironment>
#include <QString>

#include <optional>

namespace aap::config {

// What the loader reads. Nothing is taken from the process itself, so tests inject everything.
struct ConfigSources {
    std::optional<QString> configFlag;    // --config PATH: must exist
    QString defaultConfigPath;            // may be missing
    QProcessEnvironment environment;      // empty unless the caller passes the real one
    QList<QPair<QString, QString>> flags; // flag name without "--" -> value, in command-line order
};

// Builds the effective configuration: built-in defaults < config file < environment < flags.
// The environment and flags set the route and the identity named "default"; further routes and
// identities come from [route "name"] / [identity "name"] sections of the file.
class ConfigLoader {
public:
    // Names the config file instead of --config (systemd EnvironmentFile, containers).
    static constexpr const char *kConfigPathVariable = "AAD_AUTH_PROXY_CONFIG";

    [[nodiscard]] static LoadedConfig load(const ConfigSources &sources);
    // /etc/aad-auth-proxy/aad-auth-proxy.conf, or %ProgramData%\aad-auth-proxy\aad-auth-proxy.conf.
    [[nodiscard]] static QString defaultConfigPath(const QProcessEnvironment &environment);
};

} // namespace aap::config
