#pragma once

#include "core/Clock.h"

#include <atomic>
#include <map>
#include <utility>

namespace aap::test {

// A clock tests move by hand. advance() fires every timer that falls due, in time order, with now()
// set to each timer's due time while its callback runs. now() is also read on the proxy's worker
// threads (ReadinessProbe) while the test thread advances the clock; timers are the test thread's.
class FakeClock final : public Clock {
public:
    explicit FakeClock(TimePoint start = TimePoint{std::chrono::seconds{1'800'000'000}});

    [[nodiscard]] TimePoint now() const override;
    // Moves with now(): advance() moves both.
    [[nodiscard]] SteadyTimePoint steadyNow() const override;
    TimerId startTimer(Duration delay, std::function<void()> callback) override;
    void cancel(TimerId id) override;

    void advance(Duration by);
    // Advances to the next pending timer and fires it; returns false when none is pending.
    bool fireNext();
    [[nodiscard]] std::size_t pendingTimers() const;
    // Due time of the earliest pending timer, or TimePoint::max() when none is pending.
    [[nodiscard]] TimePoint nextDue() const;

private:
    struct Timer {
        TimePoint due;
        std::function<void()> callback;
    };
    TimePoint m_start;
    std::atomic<TimePoint> m_now;
    TimerId m_nextId = 1;
    std::map<TimerId, Timer> m_timers;
};

} // namespace aap::test
