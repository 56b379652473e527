#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace aap {

// Wall time plus one-shot timers. Everything time-dependent takes a Clock so tests drive time with
// FakeClock (tests/support) instead of sleeping.
class Clock {
public:
    using TimePoint = std::chrono::system_clock::time_point;
    using SteadyTimePoint = std::chrono::steady_clock::time_point;
    using Duration = std::chrono::milliseconds;
    using TimerId = std::uint64_t;

    Clock() = default;
    Clock(const Clock &) = delete;
    Clock &operator=(const Clock &) = delete;
    Clock(Clock &&) = delete;
    Clock &operator=(Clock &&) = delete;
    virtual ~Clock() = default;

    [[nodiscard]] virtual TimePoint now() const = 0;
    // Monotonic time, for deadlines: it never jumps when the wall clock is set.
    [[nodiscard]] virtual SteadyTimePoint steadyNow() const = 0;

    // Calls callback once, on the calling thread's event loop, after delay. Returns an id for cancel().
    virtual TimerId startTimer(Duration delay, std::function<void()> callback) = 0;
    // Cancelling a timer that already fired or was cancelled is a no-op.
    virtual void cancel(TimerId id) = 0;
};

} // namespace aap
