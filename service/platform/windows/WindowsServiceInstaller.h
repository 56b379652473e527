#pragma once

#include <optional>
#include <string>

namespace aap::platform::windows {

struct InstallResult {
    bool ok = false;
    std::wstring message;
};

// `aad-auth-proxy install` / `configure` / `uninstall`: the service (own process, virtual account,
// manual start until configured), its recovery actions, the Event Log source and the configuration
// folder (readable by the service, SYSTEM and Administrators only). The MSI installs the service and
// the event source through its own tables, then runs `configure`, which MSI tables cannot express.
class WindowsServiceInstaller {
public:
    // The exit code when argv[1] is `install`, `configure` or `uninstall`; nullopt for any other
    // command line (the program then runs as a service or in the foreground).
    static std::optional<int> runSubcommand(int argc, wchar_t **argv);

    static InstallResult install(const std::wstring &executable);
    // Recovery actions and the configuration folder of an installed service.
    static InstallResult configure();
    // Stops the service first (waits up to stopTimeoutMs). The configuration folder stays.
    static InstallResult uninstall(unsigned long stopTimeoutMs);

    // Restart after 5 s, again after 30 s, then stay stopped; the count resets after a day. Also a
    // stop with a non-zero exit code (SERVICE_STOPPED with a service-specific error) counts as a failure.
    static constexpr unsigned long kFirstRestartDelayMs = 5000;
    static constexpr unsigned long kSecondRestartDelayMs = 30000;
    static constexpr unsigned long kFailureResetSeconds = 86400;
};

} // namespace aap::platform::windows
