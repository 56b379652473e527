#include "auth/TokenLifetimePolicy.h"

#include <gsl/assert>

#include <algorithm>

namespace aap::auth {

TokenLifetimePolicy::TokenLifetimePolicy(int refreshPercent) : m_percent(effectivePercent(refreshPercent)) {}

TokenLifetimePolicy::Duration TokenLifetimePolicy::safetyMargin(Duration lifetime)
{
    Expects(lifetime > Duration::zero());
    const Duration scaled = std::clamp(lifetime * kMarginPercent / 100, kMinMargin, kMaxMargin);
    return std::min(scaled, lifetime / 2);
}

TokenLifetimePolicy::Times TokenLifetimePolicy::evaluate(TimePoint arrival, TimePoint expiresOn,
                                                         std::optional<TimePoint> refreshOn) const
{
    Expects(expiresOn > arrival);
    const auto lifetime = std::chrono::ceil<Duration>(expiresOn - arrival);
    const TimePoint usableUntil = expiresOn - safetyMargin(lifetime);
    const auto usable = std::chrono::duration_cast<Duration>(usableUntil - arrival);

    TimePoint refreshAt = std::min(arrival + lifetime * (100 - m_percent) / 100,
                                   arrival + usable * (100 - kRetryWindowPercent) / 100);
    if (refreshOn && *refreshOn < refreshAt) {
        refreshAt = *refreshOn;
    }
    refreshAt = std::max(refreshAt, arrival + kMinRefreshDelay);
    return Times{usableUntil, refreshAt};
}

} // namespace aap::auth
