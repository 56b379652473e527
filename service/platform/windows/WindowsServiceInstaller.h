#pragma once

#include <optional>
#include <string>

namespace aap::platform::windows {

struct InstallResult {
    bool ok = false;
    std::wstring message;
};

// `aad-auth-proxy install` / `uninstall`: the service (own process, virtual account, manual start
// until configured), its recovery actions, the Event Log source and the configuration folder.
// The MSI does the same through its ServiceInstall and Registry tables.
class WindowsServiceInstaller {
public:
    // The exit code when argv[1] is `install` or `uninstall`; nullopt for any other command line.
    static std::optional<int> runSubcommand(int argc, wchar_t **argv);

    static InstallResult install(const std::wstring &executable);
    // Stops the service first (waits up to stopTimeoutMs). The configuration folder stays.
    static InstallResult uninstall(unsigned long stopTimeoutMs);

    // Restart after 5 s, again after 30 s, then stay stopped; the count resets after a day. Also a
    // stop with a non-zero exit code (SERVICE_STOPPED with a service-specific error) counts as a failure.
    static constexpr unsigned long kFirstRestartDelayMs = 5000;
    static constexpr unsigned long kSecondRestartDelayMs = 30000;
    static constexpr unsigned long kFailureResetSeconds = 86400;
};

} // namespace aap::platform::windows
