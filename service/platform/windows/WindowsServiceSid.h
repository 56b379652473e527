#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aap::platform::windows {

// The SID of a service's virtual account (NT SERVICE\<name>): S-1-5-80- followed by the SHA-1 of
// the upper-cased UTF-16 name as five little-endian numbers (what `sc.exe showsid` prints). Computed,
// not looked up, so the configuration folder's ACL can be set whatever the account database knows.
class WindowsServiceSid {
public:
    static std::optional<std::wstring> forService(std::wstring_view serviceName);
};

} // namespace aap::platform::windows
