#pragma once

namespace aap::platform::windows {

// Names the installer (WiX), the install subcommand and the running service must agree on.
inline constexpr const wchar_t *kServiceName = L"aad-auth-proxy";
inline constexpr const wchar_t *kDisplayName = L"aad-auth-proxy (Entra ID token proxy)";
inline constexpr const wchar_t *kDescription =
    L"Forwards local HTTP requests and adds a Microsoft Entra ID bearer token.";
// The virtual account gives the service its own SID, which the configuration folder's ACL names.
inline constexpr const wchar_t *kServiceAccount = L"NT SERVICE\\aad-auth-proxy";
inline constexpr const wchar_t *kEventLogKey =
    L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\aad-auth-proxy";

} // namespace aap::platform::windows
