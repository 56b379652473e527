#pragma once

#include <QtGlobal>

#include <chrono>

namespace aap::proxy {

// The time a request body may take: `timeout`, plus one second per `minRate` bytes received (0: the
// time-out alone), counted from start(). Callers pass the time in, so tests need no real waiting.
class BodyRateClock {
public:
    using Time = std::chrono::steady_clock::time_point;

    BodyRateClock(std::chrono::milliseconds timeout, int minRate);

    // Starts (or starts again) at `now`; `received` is the count of body bytes so far, which later
    // calls pass on, growing.
    void start(Time now, quint64 received);
    void stop() { m_running = false; }
    [[nodiscard]] bool running() const { return m_running; }

    // Running and past the time `received` bytes allow.
    [[nodiscard]] bool expired(Time now, quint64 received) const;
    [[nodiscard]] quint64 receivedSinceStart(quint64 received) const { return received - m_startBytes; }
    [[nodiscard]] std::chrono::milliseconds elapsed(Time now) const;

private:
    std::chrono::milliseconds m_timeout;
    quint64 m_minRate;
    bool m_running = false;
    Time m_start{};
    quint64 m_startBytes = 0;
};

} // namespace aap::proxy
