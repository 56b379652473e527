#include "app/ConfigReader.h"

#include "auth/ProviderFactory.h"
#include "config/ConfigValidator.h"

namespace aap::app {

ConfigReader::ConfigReader(config::ConfigSources sources) : m_sources(std::move(sources)) {}

config::LoadedConfig ConfigReader::read() const
{
    config::LoadedConfig loaded = config::ConfigLoader::load(m_sources);
    loaded.issues.append(config::ConfigValidator::validate(loaded));
    loaded.issues.append(auth::ProviderFactory::checkEnvironment(loaded.config, m_sources.environment));
    return loaded;
}

} // namespace aap::app
