#include "log/LogLimiter.h"

#include <gsl/assert>

#include <utility>

namespace aap::log {

LogLimiter::LogLimiter(const Clock &clock, std::chrono::milliseconds window, int burst)
    : m_clock(clock), m_window(window), m_burst(burst)
{
    Expects(window > std::chrono::milliseconds::zero() && burst > 0);
}

std::optional<std::uint64_t> LogLimiter::admit()
{
    const Clock::TimePoint now = m_clock.now();
    // A clock set backwards starts a new window too.
    if (m_inWindow == 0 || now - m_windowStart >= m_window || now < m_windowStart) {
        m_windowStart = now;
        m_inWindow = 0;
    }
    if (m_inWindow >= m_burst) {
        ++m_suppressed;
        return std::nullopt;
    }
    ++m_inWindow;
    return std::exchange(m_suppressed, 0);
}

} // namespace aap::log
