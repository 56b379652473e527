#pragma once

#include "config/ConfigIssue.h"
#include "config/LoadedConfig.h"

namespace aap::config {

// Checks a loaded configuration as a whole: required settings, combinations, referenced files
// and certificates. Returns every problem at once; each names the setting and where its value
// came from. Messages never contain a secret.
class ConfigValidator {
public:
    [[nodiscard]] static ConfigIssues validate(const LoadedConfig &loaded);
};

} // namespace aap::config
