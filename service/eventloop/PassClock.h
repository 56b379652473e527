#pragma once

#include "core/Clock.h"

#include <optional>

namespace aap::eventloop {

// A worker loop's clock. Within one pass of the loop, from the end of its wait for events until it
// has handled them and its due timers, every reading is the first one taken in that pass: a proxied request
// reads the time about sixteen times (deadlines, token expiry, its duration, the upstream pool), and each
// reading costs tens of nanoseconds on a virtual machine. Readings are late by at most the rest of the pass,
// which the deadlines (seconds) and the recorded durations can spare. Outside a pass, and on a loop that
// never marks one, every reading goes to the base clock. Passes are marked, and readings taken, on the loop's
// thread only.
class PassClock final : public Clock {
public:
    explicit PassClock(Clock &base);

    [[nodiscard]] TimePoint now() const override;
    [[nodiscard]] SteadyTimePoint steadyNow() const override;
    TimerId startTimer(Duration delay, std::function<void()> callback) override;
    void cancel(TimerId id) override;

    // The loop's wait for events has ended: readings from now on may be shared.
    void beginPass();
    // The loop is about to run posted events or wait again: readings go to the base clock.
    void endPass();

private:
    Clock &m_base;
    bool m_inPass = false;
    mutable std::optional<TimePoint> m_passNow;
    mutable std::optional<SteadyTimePoint> m_passSteadyNow;
};

} // namespace aap::eventloop
