#pragma once

#include "config/ServiceConfig.h"

#include <QString>

namespace aap::ipc {

// Where the service's control socket lives. On Linux a path under the service's runtime directory,
// on Windows the name of a named pipe (QLocalServer/QLocalSocket add the \\.\pipe\ prefix).
class ControlEndpoint {
public:
    // "/run/aad-auth-proxy/control.sock" on Linux, "aad-auth-proxy-control" on Windows.
    [[nodiscard]] static QString defaultName();
    // control.socket when set, else defaultName().
    [[nodiscard]] static QString resolve(const config::ControlConfig &control);
    // The group whose members may use the socket and its write operations (Linux).
    [[nodiscard]] static QString adminGroup();
};

} // namespace aap::ipc
