#pragma once

#include "config/ConfigIssue.h"
#include "config/LoadedConfig.h"

#include <QString>

#include <optional>

namespace aap::config {

// Checks a loaded configuration as a whole: required settings, combinations, referenced files
// and certificates. Returns every problem at once; each names the setting and where its value
// came from. Messages never contain a secret.
class ConfigValidator {
public:
    [[nodiscard]] static ConfigIssues validate(const LoadedConfig &loaded);
    // The warning for a listener on a non-loopback address with no inbound protection (shown by
    // --check-config and the configurator, repeated hourly by the running service); nullopt when
    // the listener is loopback-only or protected.
    [[nodiscard]] static std::optional<QString> unprotectedExposure(const ListenerConfig &listener);
};

} // namespace aap::config
