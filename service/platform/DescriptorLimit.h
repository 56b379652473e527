#pragma once

#include <cstdint>

namespace aap::platform {

// The process's open-descriptor limit (RLIMIT_NOFILE). Every client and upstream connection holds
// one, and the default soft limit (1024) is far below what a busy proxy needs, while the hard limit
// the service manager grants (LimitNOFILE) is usually much higher.
class DescriptorLimit {
public:
    struct Limits {
        std::uint64_t soft = 0;
        std::uint64_t hard = 0; // 0 with soft = 0: unknown (not Unix, or getrlimit failed)
    };

    // Below this, a few hundred clients with their upstream connections can fill the table.
    static constexpr std::uint64_t kLowLimit = 4096;

    [[nodiscard]] static Limits current();
    // Raises the soft limit to the hard limit; returns the limits in force afterwards and logs them,
    // with a warning when they stay low.
    static Limits raiseToHard();
};

} // namespace aap::platform
