#pragma once

#include "app/ServiceRunner.h"

namespace aap::app {

// Entry point of the aad-auth-proxy program: parses the command line, loads and validates the
// configuration, then starts the service. Returns the process exit status.
class ServiceMain {
public:
    static int run(int argc, char *argv[], ServiceRunner::TransportFactory exportTransport);
};

} // namespace aap::app
