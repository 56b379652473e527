#pragma once

#include <chrono>
#include <optional>

namespace aap::auth {

// When a freshly obtained token stops being used, and when its replacement is fetched. Pure.
//
// Usable-until: expiresOn minus a margin of min(5 min, max(1 s, 5 % of the lifetime)), and never
// more than half the lifetime. 5 min is MSAL's expiry margin and the clock skew Entra tolerates; it
// matters only for tokens of 100 min and more. 5 % keeps a short token useful (60 s -> used for
// 57 s) and 1 s covers the time a request spends in flight to the target; the half-lifetime bound
// keeps a token of a second or two usable at all.
//
// Refresh: when refreshPercent % of the lifetime is left, exactly as the original's
// AAD_TOKEN_REFRESH_INTERVAL_IN_PERCENTAGE (a 60 s token with 10 % is refreshed after 54 s), but
// never later than the point where 5 % of the usable lifetime is left, so that small percents still
// leave time for retries before usableUntil. The service's refresh_in hint moves the refresh
// earlier, never later.
//
// Managed-identity tokens living over 2 h are refreshed at half-life by MSAL/azcore when no
// refresh_in is given. That rule is deliberately not added: with the default 10 % a 24 h IMDS token
// is refreshed with 2.4 h to spare (a 2 h one with 12 min), the operator's percent stays the only
// knob (50 gives half-life), and IMDS caches tokens itself, so asking early mostly returns the same
// token.
class TokenLifetimePolicy {
public:
    using TimePoint = std::chrono::system_clock::time_point;
    using Duration = std::chrono::milliseconds;

    static constexpr int kDefaultRefreshPercent = 10;
    static constexpr Duration kMaxMargin = std::chrono::minutes{5};
    static constexpr Duration kMinMargin = std::chrono::seconds{1};
    static constexpr int kMarginPercent = 5;
    // The share of the usable lifetime always left for retries after the scheduled refresh.
    static constexpr int kRetryWindowPercent = 5;
    // A refresh is never scheduled sooner than this after a token arrived, so a service that hands
    // out near-expired tokens or refresh_in=0 cannot make the scheduler spin.
    static constexpr Duration kMinRefreshDelay = std::chrono::seconds{1};

    struct Times {
        TimePoint usableUntil;
        TimePoint refreshAt;
    };

    // refreshPercent outside 1..99 falls back to 10, as the original did (see effectivePercent).
    explicit TokenLifetimePolicy(int refreshPercent = kDefaultRefreshPercent);

    [[nodiscard]] static bool isValidPercent(int percent) { return percent >= 1 && percent <= 99; }
    [[nodiscard]] static int effectivePercent(int percent)
    {
        return isValidPercent(percent) ? percent : kDefaultRefreshPercent;
    }

    [[nodiscard]] int refreshPercent() const { return m_percent; }

    // The margin for a token with lifetime left at arrival (lifetime > 0).
    [[nodiscard]] static Duration safetyMargin(Duration lifetime);

    // arrival < expiresOn is required (an expired token is the caller's error to report).
    [[nodiscard]] Times evaluate(TimePoint arrival, TimePoint expiresOn,
                                 std::optional<TimePoint> refreshOn = std::nullopt) const;

private:
    int m_percent;
};

} // namespace aap::auth
