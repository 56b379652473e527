#pragma once

#include "config/ConfigLoader.h"
#include "config/LoadedConfig.h"

namespace aap::app {

// Reads the service's configuration from its sources (file, environment, flags) and validates it,
// the same way at start and at every reload.
class ConfigReader {
public:
    explicit ConfigReader(config::ConfigSources sources);

    // The effective configuration with every issue found: loading, validation, and the platform
    // variables the configured identities would read.
    [[nodiscard]] config::LoadedConfig read() const;
    [[nodiscard]] const config::ConfigSources &sources() const { return m_sources; }

private:
    config::ConfigSources m_sources;
};

} // namespace aap::app
