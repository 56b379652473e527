#pragma once

namespace aap::configurator {

class ConfiguratorMain {
public:
    static int run(int argc, char *argv[]);
};

} // namespace aap::configurator
