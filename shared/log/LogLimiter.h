#pragma once

#include "core/Clock.h"

#include <chrono>
#include <cstdint>
#include <optional>

namespace aap::log {

// Bounds how often one kind of warning is logged: at most `burst` lines per `window`, the rest
// suppressed and counted, so the next line that gets through can say how many were dropped. A
// token outage makes every request fail and every readiness probe answer 503; without this each of
// them would write a line. The failures are still counted by the callers' own counters.
// Not thread-safe: one per thread (each proxy worker has its own).
class LogLimiter {
public:
    explicit LogLimiter(const Clock &clock, std::chrono::milliseconds window = std::chrono::seconds{10},
                        int burst = 5);

    // nullopt: do not log this event. Otherwise log it, with the number suppressed since the last
    // logged one (0 when none).
    [[nodiscard]] std::optional<std::uint64_t> admit();

private:
    const Clock &m_clock;
    std::chrono::milliseconds m_window;
    int m_burst;
    Clock::TimePoint m_windowStart{};
    int m_inWindow = 0;
    std::uint64_t m_suppressed = 0;
};

} // namespace aap::log
