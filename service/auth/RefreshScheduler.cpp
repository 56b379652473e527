#include "auth/RefreshScheduler.h"

#include "auth/TokenErrorStatus.h"
#include "auth/TokenStore.h"
#include "log/LogField.h"
#include "log/Logging.h"

#include <QPointer>
#include <QRandomGenerator>

#include <algorithm>

#include <gsl/narrow>

namespace aap::auth {

namespace {

using State = status::TokenStatus::State;

QString secondsText(std::chrono::milliseconds duration)
{
    return QString::number(static_cast<double>(duration.count()) / 1000.0, 'f', 1) + QLatin1Char('s');
}

QDateTime toDateTime(Clock::TimePoint time)
{
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

std::chrono::milliseconds until(Clock::TimePoint from, Clock::TimePoint to)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from);
}

} // namespace

RefreshScheduler::RefreshScheduler(Clock &clock, TokenProvider &provider, TokenStore &store,
                                   Settings settings, QObject *parent)
    : QObject(parent), m_clock(clock), m_provider(provider), m_store(store), m_settings(std::move(settings)),
      m_lifetime(m_settings.refreshPercent), m_retry(m_settings.retry)
{
    if (!m_settings.random) {
        m_settings.random = [] { return QRandomGenerator::global()->generateDouble(); };
    }
    m_status.identityName = m_settings.identityName;
    m_status.identityKind = m_settings.identityKind;
    m_status.clientId = m_settings.clientId;
    m_status.source = m_provider.describe();
    m_status.audience = m_settings.resource;
    m_status.routes = m_settings.routes;
    connect(&m_store, &TokenStore::unauthorizedReported, this, &RefreshScheduler::onUnauthorized);
    publishStatus();
}

RefreshScheduler::~RefreshScheduler()
{
    // Timer callbacks capture this.
    cancelAttempt();
    if (m_expiryTimer) {
        m_clock.cancel(*m_expiryTimer);
    }
}

void RefreshScheduler::start()
{
    if (m_running) {
        return;
    }
    m_running = true;
    if (!TokenLifetimePolicy::isValidPercent(m_settings.refreshPercent)) {
        qCWarning(lcAuth).noquote() << "refresh percent out of range" << logPrefix()
                                    << log::LogField::kv("configured", m_settings.refreshPercent)
                                    << log::LogField::kv("used", m_lifetime.refreshPercent());
    }
    qCInfo(lcAuth).noquote() << "token refresh started" << logPrefix()
                             << log::LogField::kv("source", m_status.source)
                             << log::LogField::kv("refresh_percent", m_lifetime.refreshPercent());
    startAttempt(false);
}

void RefreshScheduler::stop()
{
    if (!m_running) {
        return;
    }
    m_running = false;
    cancelAttempt();
    m_inFlight = false;
    ++m_attempt;
    m_status.state = State::Stopped;
    publishStatus();
    qCInfo(lcAuth).noquote() << "token refresh stopped" << logPrefix();
}

void RefreshScheduler::refreshNow()
{
    if (!m_running || m_inFlight) {
        return;
    }
    const bool holding = holdsToken(m_clock.now());
    qCInfo(lcAuth).noquote() << "token refresh requested" << logPrefix()
                             << log::LogField::kv("token_held", holding ? "yes" : "no");
    // Like a 401-triggered refresh: if it fails, a held token keeps its schedule.
    startAttempt(holding);
}

void RefreshScheduler::startAttempt(bool early)
{
    cancelAttempt();
    m_inFlight = true;
    m_earlyAttempt = early;
    const quint64 attempt = ++m_attempt;
    const TimePoint now = m_clock.now();
    m_attemptStarted = now;
    if (holdsToken(now)) {
        setState(State::Refreshing);
    } else if (m_everHadToken) {
        setState(State::Expired);
    } else {
        setState(m_status.consecutiveFailures > 0 ? State::Failing : State::Acquiring);
    }
    // The provider may complete before fetch() returns: nothing may follow this call.
    m_provider.fetch(m_settings.resource,
                     [self = QPointer<RefreshScheduler>(this), attempt](TokenProvider::Result r) {
                         if (self) {
                             self->onFetched(attempt, std::move(r));
                         }
                     });
}

void RefreshScheduler::onFetched(quint64 attempt, TokenProvider::Result result)
{
    if (!m_running || !m_inFlight || attempt != m_attempt) {
        return;
    }
    m_inFlight = false;
    if (!result) {
        onFailure(result.error());
        return;
    }
    const AccessToken &token = result.value();
    if (token.value.isEmpty()) {
        onFailure(TokenError{TokenError::Kind::Malformed, 0, QStringLiteral("empty_token"),
                             QStringLiteral("the token service returned an empty access token"), std::nullopt,
                             true});
        return;
    }
    if (token.expiresOn <= m_clock.now()) {
        onFailure(TokenError{TokenError::Kind::Malformed, 0, QStringLiteral("expired_token"),
                             QStringLiteral("the token service returned a token that has already expired"),
                             std::nullopt, true});
        return;
    }
    onSuccess(token);
}

void RefreshScheduler::reportAttempt(TimePoint now, const TokenError *error) const
{
    if (!m_settings.attemptFinished) {
        return;
    }
    Attempt attempt{m_attemptStarted, now, error == nullptr, m_status.source, {}, {}};
    if (error != nullptr) {
        attempt.errorKind = TokenErrorStatus::kindName(error->kind);
        attempt.errorCode = error->code;
    }
    m_settings.attemptFinished(m_settings, attempt);
}

void RefreshScheduler::onSuccess(const AccessToken &token)
{
    const TimePoint now = m_clock.now();
    reportAttempt(now, nullptr);
    const auto times = m_lifetime.evaluate(now, token.expiresOn, token.refreshOn);

    m_store.publish(TokenSnapshot{QByteArrayLiteral("Bearer ") + token.value, times.usableUntil});
    m_everHadToken = true;
    m_usableUntil = times.usableUntil;
    m_plannedRefresh = times.refreshAt;
    if (m_expiryTimer) {
        m_clock.cancel(*m_expiryTimer);
    }
    armTimer(m_expiryTimer, times.usableUntil, &RefreshScheduler::onUsableTimeOver);

    const int failuresBefore = m_status.consecutiveFailures;
    m_status.consecutiveFailures = 0;
    ++m_status.totalSuccesses;
    m_status.obtainedAt = toDateTime(now);
    m_status.expiresOn = toDateTime(token.expiresOn);
    m_status.usableUntil = toDateTime(times.usableUntil);
    m_status.state = State::Valid;
    m_rateLimitLogged = false;
    scheduleAttempt(times.refreshAt); // publishes the status

    qCInfo(lcAuth).noquote() << "token acquired" << logPrefix()
                             << log::LogField::kv("expires_in", secondsText(until(now, token.expiresOn)))
                             << log::LogField::kv("usable_for", secondsText(until(now, times.usableUntil)))
                             << log::LogField::kv("next_refresh_in", secondsText(until(now, times.refreshAt)))
                             << log::LogField::kv("refresh_in_hint", token.refreshOn ? "yes" : "no")
                             << log::LogField::kv("failures_before", failuresBefore);
}

void RefreshScheduler::onFailure(const TokenError &error)
{
    const TimePoint now = m_clock.now();
    reportAttempt(now, &error);
    ++m_status.consecutiveFailures;
    ++m_status.totalFailures;
    m_status.lastError = TokenErrorStatus::info(error, toDateTime(now));
    const bool holding = holdsToken(now);

    TimePoint next;
    const bool keepSchedule = m_earlyAttempt && holding && m_plannedRefresh && *m_plannedRefresh > now;
    if (keepSchedule) {
        // A failed early refresh changes nothing: the held token keeps its regular schedule.
        next = *m_plannedRefresh;
    } else {
        RetryPolicy::Failure failure{m_status.consecutiveFailures, error.retryable, error.retryAfter,
                                     std::nullopt};
        if (holding) {
            failure.usableLeft = until(now, *m_usableUntil);
        }
        next = now + m_retry.nextDelay(failure, m_settings.random());
    }

    if (holding) {
        m_status.state = keepSchedule ? State::Valid : State::Refreshing;
    } else {
        m_status.state = m_everHadToken ? State::Expired : State::Failing;
    }
    scheduleAttempt(next);

    const QString retryAfter = error.retryAfter ? secondsText(*error.retryAfter) : QStringLiteral("none");
    const QString validFor = holding ? secondsText(until(now, *m_usableUntil)) : QStringLiteral("none");
    qCWarning(lcAuth).noquote() << (m_earlyAttempt ? "early token refresh failed" : "token refresh failed")
                                << logPrefix() << log::LogField::kv("error", m_status.lastError->summary())
                                << log::LogField::kv("retryable", error.retryable ? "yes" : "no")
                                << log::LogField::kv("retry_after", retryAfter)
                                << log::LogField::kv("attempt", m_status.consecutiveFailures)
                                << log::LogField::kv("next_retry_in", secondsText(until(now, next)))
                                << log::LogField::kv("token_valid_for", validFor);
}

void RefreshScheduler::onUsableTimeOver()
{
    const TimePoint now = m_clock.now();
    m_usableUntil.reset();
    m_plannedRefresh.reset();
    m_store.clear();
    ++m_status.expiries;
    m_status.state = m_running ? State::Expired : State::Stopped;
    // Without a token the retry cadence is the tighter no-token cap.
    if (m_running && !m_inFlight && m_attemptAt && *m_attemptAt > now + m_retry.settings().capWithoutToken) {
        scheduleAttempt(now + m_retry.settings().capWithoutToken);
    } else {
        publishStatus();
    }
    if (!m_running) {
        qCInfo(lcAuth).noquote() << "token expired while refresh is stopped" << logPrefix();
        return;
    }
    qCWarning(lcAuth).noquote() << "token expired without replacement" << logPrefix()
                                << log::LogField::kv("consecutive_failures", m_status.consecutiveFailures)
                                << log::LogField::kv("last_error", m_status.lastError
                                                                       ? m_status.lastError->summary()
                                                                       : QStringLiteral("none"));
}

void RefreshScheduler::onUnauthorized()
{
    m_status.unauthorizedReports = gsl::narrow<qint64>(m_store.unauthorizedReports());
    const TimePoint now = m_clock.now();
    if (!m_running || m_inFlight || !holdsToken(now)) {
        // A fetch is under way or due anyway; one more cannot help.
        publishStatus();
        return;
    }
    if (m_lastEarlyRefresh && now - *m_lastEarlyRefresh < m_settings.earlyRefreshInterval) {
        if (!m_rateLimitLogged) {
            m_rateLimitLogged = true;
            qCWarning(lcAuth).noquote()
                << "early token refresh rate-limited" << logPrefix()
                << log::LogField::kv(
                       "next_allowed_in",
                       secondsText(until(now, *m_lastEarlyRefresh + m_settings.earlyRefreshInterval)));
        }
        publishStatus();
        return;
    }
    m_lastEarlyRefresh = now;
    m_rateLimitLogged = false;
    ++m_status.earlyRefreshes;
    qCWarning(lcAuth).noquote() << "target rejected the token (401): early refresh requested" << logPrefix()
                                << log::LogField::kv("token_valid_for",
                                                     secondsText(until(now, *m_usableUntil)));
    startAttempt(true);
}

void RefreshScheduler::scheduleAttempt(TimePoint at)
{
    cancelAttempt();
    m_attemptAt = at;
    armTimer(m_attemptTimer, at, &RefreshScheduler::onAttemptDue);
    m_status.nextAttempt = toDateTime(at);
    publishStatus();
}

void RefreshScheduler::onAttemptDue()
{
    m_attemptAt.reset();
    startAttempt(false);
}

void RefreshScheduler::armTimer(std::optional<Clock::TimerId> &slot, TimePoint at,
                                void (RefreshScheduler::*fire)())
{
    const Duration delay = std::clamp(until(m_clock.now(), at), Duration::zero(), kMaxTimerHop);
    slot = m_clock.startTimer(delay, [this, &slot, at, fire] {
        slot.reset();
        if (m_clock.now() < at) {
            armTimer(slot, at, fire);
            return;
        }
        (this->*fire)();
    });
}

void RefreshScheduler::cancelAttempt()
{
    if (m_attemptTimer) {
        m_clock.cancel(*m_attemptTimer);
        m_attemptTimer.reset();
    }
    m_attemptAt.reset();
    m_status.nextAttempt = QDateTime();
}

bool RefreshScheduler::holdsToken(TimePoint now) const
{
    return m_usableUntil && now < *m_usableUntil;
}

QString RefreshScheduler::logPrefix() const
{
    return log::LogField::kv("identity", m_settings.identityName) + QLatin1Char(' ') +
           log::LogField::kv("audience", m_settings.resource);
}

void RefreshScheduler::setState(State state)
{
    m_status.state = state;
    publishStatus();
}

void RefreshScheduler::publishStatus()
{
    m_store.setStatus(m_status);
}

} // namespace aap::auth
