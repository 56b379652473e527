#pragma once

#include "core/Expected.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace aap::status {

// The last failed token acquisition, as the operator needs to see it. Never carries a secret.
struct TokenErrorInfo {
    QString kind;        // "transport", "timeout", "http", "malformed", "local_file", "config", "identity"
    int httpStatus = 0;  // 0 when no HTTP answer was received
    QString code;        // the token service's error code ("invalid_client", "unknown", ...)
    QString description; // the token service's description, operator-facing
    QDateTime at;        // UTC

    // "http 500 unknown: <description>"; used in logs and /ready.
    [[nodiscard]] QString summary() const;

    friend bool operator==(const TokenErrorInfo &, const TokenErrorInfo &) = default;
};

// The state of one token cache (identity + audience) as plain values: written by the refresh
// scheduler, read by /ready, the control socket and the configurator. Never contains the token.
struct TokenStatus {
    enum class State {
        Stopped,    // not started (or stopped for shutdown)
        Acquiring,  // no token yet, first attempt in progress
        Valid,      // a usable token is held and no refresh is under way
        Refreshing, // a usable token is held and a refresh (or its retry) is under way
        Failing,    // no token was ever obtained and attempts fail
        Expired,    // a token was held, reached its usable-until time, and no new one came
    };

    // Identity and audience
    QString identityName; // the config name routes refer to ("default")
    QString identityKind; // "systemassigned", "userassigned", "aadapplication", ...
    QString clientId;     // empty for system-assigned / default
    QString source;       // the provider's own description ("imds (system-assigned)")
    QString audience;     // resource, without "/.default"
    QStringList routes;   // routes served by this token cache

    State state = State::Stopped;

    // Times (UTC; invalid when not applicable)
    QDateTime obtainedAt;  // when the current token arrived
    QDateTime expiresOn;   // the token's own expiry
    QDateTime usableUntil; // expiry minus the safety margin: the proxy stops sending it then
    QDateTime nextAttempt; // next scheduled refresh or retry

    // Counters
    int consecutiveFailures = 0;
    qint64 totalSuccesses = 0;
    qint64 totalFailures = 0;
    qint64 expiries = 0;            // times the token ran out with no replacement
    qint64 unauthorizedReports = 0; // 401s from the target reported by the data path
    qint64 earlyRefreshes = 0;      // early refreshes they started; the rest were rate-limited
    std::optional<TokenErrorInfo> lastError;

    [[nodiscard]] bool hasToken() const { return state == State::Valid || state == State::Refreshing; }
    // Empty when a token is held; otherwise why not, for /ready ("no token yet: imds ...: http 500 ...").
    [[nodiscard]] QString readinessReason() const;

    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static Expected<TokenStatus, QString> fromJson(const QJsonObject &json);

    [[nodiscard]] static QString stateName(State state);
    [[nodiscard]] static std::optional<State> stateFromName(const QString &name);

    friend bool operator==(const TokenStatus &, const TokenStatus &) = default;
};

} // namespace aap::status
