#pragma once

#include "auth/AccessToken.h"
#include "auth/TokenError.h"
#include "core/Expected.h"

#include <QByteArray>
#include <QString>

#include <chrono>
#include <optional>

class QJsonValue;

namespace aap::auth {

// Parses the JSON answers of every token service we talk to (IMDS, Arc HIMDS, App Service /
// Container Apps, Entra v1 and v2). Pure: bytes and "now" in, a token or a TokenError out.
//
// Accepted forms (see handbook/protocols.md):
// - access_token: required, a non-empty string.
// - expires_in / refresh_in: JSON number or numeric string of seconds (IMDS and Entra v1 send
//   strings, Entra v2 numbers).
// - expires_on: Unix seconds as number or string, or a date string in the legacy App Service form
//   "01/02/2006 15:04:05 +00:00" (optionally with AM/PM) or RFC 3339.
// Expiry: like the Azure SDKs and MSAL, expires_in (relative to the local "now") wins when present,
// because it is immune to clock skew between us and the token service; expires_on is used only
// when expires_in is absent (App Service never sends expires_in).
class TokenResponseParser {
public:
    using TimePoint = AccessToken::TimePoint;

    struct Token {
        AccessToken token;
        QString clientId; // echoed "client_id", empty when absent (Arc user-assigned check)
        QString resource; // echoed "resource", empty when absent
    };

    // A 2xx body. Anything that is not a usable token is TokenError::Malformed (not retryable is
    // not assumed: a garbled answer from a proxy or an updating endpoint may go away).
    [[nodiscard]] static Expected<Token, TokenError> parseToken(const QByteArray &body, TimePoint now);

    // A non-2xx answer: kind Http with the status, "error" as code and "error_description" as
    // description when the body is the usual error JSON. retryable is set for 408, 429 and 5xx;
    // callers with a wider rule (IMDS: 404, 410) adjust it.
    [[nodiscard]] static TokenError parseError(int httpStatus, const QByteArray &body,
                                               std::optional<std::chrono::seconds> retryAfter = {});

    // Seconds as a JSON number or numeric string; nullopt for anything else.
    [[nodiscard]] static std::optional<qint64> seconds(const QJsonValue &value);
    // expires_on in any accepted form; nullopt when unparseable.
    [[nodiscard]] static std::optional<TimePoint> expiresOn(const QJsonValue &value);
    // The date-string forms alone: "01/02/2006 15:04:05 +00:00" and RFC 3339.
    [[nodiscard]] static std::optional<TimePoint> parseDate(const QString &text);
};

} // namespace aap::auth
