#include "proxy/BodyRateClock.h"

#include <algorithm>

#include <gsl/assert>

namespace aap::proxy {

namespace {

// Keeps the earned time far from overflowing the clock's arithmetic (about 136 years).
constexpr quint64 kMaxEarnedSeconds = quint64{1} << 32;

} // namespace

BodyRateClock::BodyRateClock(std::chrono::milliseconds timeout, int minRate)
    : m_timeout(timeout), m_minRate(static_cast<quint64>(std::max(minRate, 0)))
{
    Expects(timeout.count() >= 0);
}

void BodyRateClock::start(Time now, quint64 received)
{
    m_running = true;
    m_start = now;
    m_startBytes = received;
}

bool BodyRateClock::expired(Time now, quint64 received) const
{
    if (!m_running) {
        return false;
    }
    auto allowed = m_timeout;
    if (m_minRate > 0) {
        const quint64 bytes = receivedSinceStart(received);
        const quint64 earnedMs =
            std::min(bytes / m_minRate, kMaxEarnedSeconds) * 1000 + (bytes % m_minRate) * 1000 / m_minRate;
        allowed += std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(earnedMs));
    }
    return now >= m_start + allowed;
}

std::chrono::milliseconds BodyRateClock::elapsed(Time now) const
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - m_start);
}

} // namespace aap::proxy
