#pragma once

#include <optional>
#include <string>

namespace aap::platform::windows {

// Where the service keeps its configuration: %ProgramData%\aad-auth-proxy (the Qt program's
// ConfigLoader reads aad-auth-proxy.conf there).
class WindowsPaths {
public:
    static std::optional<std::wstring> configDirectory();
    static std::optional<std::wstring> configFile();
    static std::optional<std::wstring> currentExecutable();
};

} // namespace aap::platform::windows
