#include "support/FakeClock.h"

#include <algorithm>

namespace aap::test {

FakeClock::FakeClock(TimePoint start) : m_start(start), m_now(start) {}

Clock::TimePoint FakeClock::now() const
{
    return m_now.load();
}

Clock::SteadyTimePoint FakeClock::steadyNow() const
{
    return SteadyTimePoint{std::chrono::hours{1}} +
           std::chrono::duration_cast<SteadyTimePoint::duration>(m_now.load() - m_start);
}

Clock::TimerId FakeClock::startTimer(Duration delay, std::function<void()> callback)
{
    const TimerId id = m_nextId++;
    m_timers.emplace(id, Timer{m_now.load() + std::max(delay, Duration::zero()), std::move(callback)});
    return id;
}

void FakeClock::cancel(TimerId id)
{
    m_timers.erase(id);
}

Clock::TimePoint FakeClock::nextDue() const
{
    auto earliest = TimePoint::max();
    for (const auto &[id, timer] : m_timers) {
        earliest = std::min(earliest, timer.due);
    }
    return earliest;
}

bool FakeClock::fireNext()
{
    if (m_timers.empty()) {
        return false;
    }
    // Earliest due first; ties in start order (ids grow).
    auto next = std::min_element(m_timers.begin(), m_timers.end(),
                                 [](const auto &a, const auto &b) { return a.second.due < b.second.due; });
    m_now = std::max(m_now.load(), next->second.due);
    auto callback = std::move(next->second.callback);
    m_timers.erase(next);
    callback();
    return true;
}

void FakeClock::advance(Duration by)
{
    const TimePoint target = m_now.load() + by;
    while (!m_timers.empty() && nextDue() <= target) {
        fireNext();
    }
    m_now = target;
}

std::size_t FakeClock::pendingTimers() const
{
    return m_timers.size();
}

} // namespace aap::test
