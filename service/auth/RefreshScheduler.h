#pragma once

#include "auth/RetryPolicy.h"
#include "auth/TokenLifetimePolicy.h"
#include "auth/TokenProvider.h"
#include "core/Clock.h"
#include "status/TokenStatus.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>
#include <optional>

namespace aap::auth {

class TokenStore;

// Keeps one identity+audience supplied with a token: drives a TokenProvider and publishes into a
// TokenStore. Owns neither. Lives on the token thread with both of them; every decision is a pure
// policy (TokenLifetimePolicy, RetryPolicy) and every wait a Clock timer, so tests run it on a
// FakeClock.
//
// - start() fetches at once. A token is published as "Bearer <token>" until its usable-until time
//   and refreshed at TokenLifetimePolicy's refresh time.
// - A failed fetch keeps the held token and retries per RetryPolicy (before usable-until while a
//   token is held). At usable-until with no replacement the store is cleared (503 until a token
//   comes back).
// - TokenStore::unauthorizedReported (a 401 from the target) starts one early refresh, at most once
//   per earlyRefreshInterval; if that refresh fails, the held token and its schedule stay as they
//   were.
// - Every change is written to the store's TokenStatus.
class RefreshScheduler : public QObject {
    Q_OBJECT

public:
    using Duration = std::chrono::milliseconds;
    using RandomSource = std::function<double()>; // uniform in [0, 1)

    // One finished fetch, for traces (never the token).
    struct Attempt {
        Clock::TimePoint started;
        Clock::TimePoint finished;
        bool success = false;
        QString source;    // the provider's description ("imds (system-assigned)")
        QString errorKind; // TokenStatus' kinds: "transport", "http", ...
        QString errorCode; // the token service's code, or ours ("empty_token")
    };

    struct Settings {
        QString resource; // the audience without "/.default"
        QString identityName;
        QString identityKind;
        QString clientId;
        QStringList routes;
        int refreshPercent = TokenLifetimePolicy::kDefaultRefreshPercent; // outside 1..99: 10
        RetryPolicy::Settings retry;
        Duration earlyRefreshInterval = std::chrono::seconds{30};
        RandomSource random; // empty: QRandomGenerator::global()
        std::function<void(const Settings &, const Attempt &)> attemptFinished; // may be empty
    };

    RefreshScheduler(Clock &clock, TokenProvider &provider, TokenStore &store, Settings settings,
                     QObject *parent = nullptr);
    ~RefreshScheduler() override;

    void start();
    // Stops fetching; an answer still in flight is ignored. The held token stays published (draining
    // requests still need it) and the store is still cleared at its usable-until time.
    void stop();

    // Fetches now unless a fetch is under way (operator's "refresh now"); not rate-limited. If it
    // fails while a token is held, the token and its schedule stay as they were.
    void refreshNow();

    [[nodiscard]] bool isRunning() const { return m_running; }
    [[nodiscard]] const status::TokenStatus &status() const { return m_status; }

private:
    using TimePoint = Clock::TimePoint;

    // Timers are armed in hops of at most a day: QTimer takes an int of milliseconds (24.8 days),
    // and a token with an absurd expiry must neither overflow it nor make the scheduler spin.
    static constexpr Duration kMaxTimerHop = std::chrono::hours{24};

    void startAttempt(bool early);
    void onFetched(quint64 attempt, TokenProvider::Result result);
    void onSuccess(const AccessToken &token);
    void onFailure(const TokenError &error);
    void onUsableTimeOver();
    void onUnauthorized();
    void scheduleAttempt(TimePoint at);
    void onAttemptDue();
    void armTimer(std::optional<Clock::TimerId> &slot, TimePoint at, void (RefreshScheduler::*fire)());
    void cancelAttempt();
    [[nodiscard]] bool holdsToken(TimePoint now) const;
    [[nodiscard]] QString logPrefix() const;
    void setState(status::TokenStatus::State state);
    void publishStatus();
    void reportAttempt(TimePoint now, const TokenError *error) const;

    Clock &m_clock;
    TokenProvider &m_provider;
    TokenStore &m_store;
    Settings m_settings;
    TokenLifetimePolicy m_lifetime;
    RetryPolicy m_retry;

    bool m_running = false;
    bool m_inFlight = false;
    bool m_earlyAttempt = false;
    bool m_everHadToken = false;
    quint64 m_attempt = 0; // answers to older attempts are ignored
    TimePoint m_attemptStarted;
    std::optional<Clock::TimerId> m_attemptTimer;
    std::optional<TimePoint> m_attemptAt;
    std::optional<Clock::TimerId> m_expiryTimer;
    std::optional<TimePoint> m_usableUntil; // of the published token
    std::optional<TimePoint> m_plannedRefresh;
    std::optional<TimePoint> m_lastEarlyRefresh;
    bool m_rateLimitLogged = false;
    status::TokenStatus m_status;
};

} // namespace aap::auth
