#pragma once

#include "config/LoadedConfig.h"

#include <QString>

namespace aap::config {

// The effective configuration for --check-config: one line per setting with its value (secrets
// as <redacted>) and its origin, then the issues.
class ConfigPrinter {
public:
    [[nodiscard]] static QString print(const LoadedConfig &loaded);
};

} // namespace aap::config
