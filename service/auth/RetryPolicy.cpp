#include "auth/RetryPolicy.h"

#include <gsl/assert>

#include <algorithm>
#include <cstdint>

namespace aap::auth {

RetryPolicy::Duration RetryPolicy::backoff(int consecutiveFailures)
{
    // 2^20 s is far beyond any cap; stopping there avoids overflow.
    const int exponent = std::clamp(consecutiveFailures, 1, 20);
    return std::chrono::seconds{(std::int64_t{1} << exponent) - 2};
}

RetryPolicy::Duration RetryPolicy::nextDelay(const Failure &failure, double random) const
{
    Expects(random >= 0.0 && random <= 1.0);
    const bool holding = failure.usableLeft.has_value();
    const Duration cap = holding ? m_settings.capWithToken : m_settings.capWithoutToken;
    const Duration base = failure.retryable ? std::min(backoff(failure.consecutiveFailures), cap) : cap;

    const auto jitter = std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(
        static_cast<double>(base.count()) * m_settings.jitterPercent / 100.0 * random));
    Duration delay = base - jitter;

    if (failure.retryAfter) {
        delay = std::max(delay, std::min<Duration>(*failure.retryAfter, cap));
    }
    if (holding) {
        delay = std::min(delay, std::max(m_settings.minDelayBeforeExpiry, *failure.usableLeft / 2));
    }
    Ensures(delay >= Duration::zero());
    return delay;
}

} // namespace aap::auth
