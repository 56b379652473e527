#pragma once

#include <chrono>
#include <optional>

namespace aap::auth {

// How long to wait after a failed token fetch. Pure: the random draw is an argument.
//
// Back-off is exponential, (2^n - 2) s after the n-th consecutive failure: 0, 2, 6, 14, 30, 62...
// which is the shape Microsoft recommends for IMDS (0, 2, 6, 14, 30 s, at most 60 s). It is capped
// at 60 s while a usable token is held (nothing is urgent) and at 10 s while none is (requests get
// 503, so a recovered token source must be noticed quickly). Jitter takes up to 20 % off every
// delay so proxies that failed together do not retry together; caps stay hard upper bounds.
// Errors the provider marks non-retryable (bad config, missing role) are still retried, at the cap:
// an operator may fix the config or a role assignment may propagate.
// Retry-After is honoured when it asks for more than the back-off, up to the cap of the moment: the
// caps are the promises (a recovered source is noticed within about 10 s while requests get
// 503; a held token is never left unrefreshed for over a minute), and one early 429 costs less than
// breaking them.
// While a token is held, the retry is never later than halfway to its usable-until time (but at
// least 1 s away), so a token is never lost for lack of a last attempt.
class RetryPolicy {
public:
    using Duration = std::chrono::milliseconds;

    struct Settings {
        Duration capWithToken = std::chrono::seconds{60};
        Duration capWithoutToken = std::chrono::seconds{10};
        Duration minDelayBeforeExpiry = std::chrono::seconds{1};
        int jitterPercent = 20;
    };

    struct Failure {
        int consecutiveFailures = 1; // including this one
        bool retryable = true;
        std::optional<std::chrono::seconds> retryAfter;
        std::optional<Duration> usableLeft; // time until the held token's usable-until; none if no token
    };

    RetryPolicy() = default;
    explicit RetryPolicy(Settings settings) : m_settings(settings) {}

    [[nodiscard]] const Settings &settings() const { return m_settings; }

    // (2^n - 2) s, uncapped, saturating for large n; 0 for n <= 1.
    [[nodiscard]] static Duration backoff(int consecutiveFailures);

    // random is uniform in [0, 1).
    [[nodiscard]] Duration nextDelay(const Failure &failure, double random) const;

private:
    Settings m_settings;
};

} // namespace aap::auth
