#include "auth/providers/TokenResponseParser.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace aap::auth {

namespace {

using std::chrono::seconds;

// Bounds keep the time arithmetic far from overflow (system_clock counts nanoseconds in 64 bits).
constexpr qint64 kMaxLifetimeSeconds = 10LL * 365 * 24 * 3600;
constexpr qint64 kMaxUnixSeconds = 7'258'118'400; // 2200-01-01
constexpr qsizetype kMaxDescriptionChars = 512;

TokenError malformed(const QString &description)
{
    TokenError error;
    error.kind = TokenError::Kind::Malformed;
    error.description = description;
    return error;
}

// The token goes into an Authorization header verbatim: anything but visible ASCII would allow
// header injection or break the request.
bool isHeaderSafeToken(const QString &value)
{
    return std::all_of(value.cbegin(), value.cend(),
                       [](QChar c) { return c.unicode() > 0x20 && c.unicode() < 0x7f; });
}

// Error descriptions end up in logs and /ready: one bounded line.
QString sanitizedDescription(const QString &text)
{
    QString result;
    result.reserve(std::min(text.size(), kMaxDescriptionChars));
    for (const QChar c : text) {
        if (result.size() >= kMaxDescriptionChars) {
            break;
        }
        result.append(c.isPrint() ? c : QLatin1Char(' '));
    }
    return result.trimmed();
}

QString stringField(const QJsonObject &object, QLatin1String key)
{
    const QJsonValue value = object.value(key);
    return value.isString() ? value.toString() : QString();
}

} // namespace

std::optional<qint64> TokenResponseParser::seconds(const QJsonValue &value)
{
    if (value.isDouble()) {
        const double number = value.toDouble();
        if (!std::isfinite(number) || number < 0 || number > static_cast<double>(kMaxUnixSeconds)) {
            return std::nullopt;
        }
        return static_cast<qint64>(std::floor(number));
    }
    if (value.isString()) {
        bool ok = false;
        const qint64 number = value.toString().trimmed().toLongLong(&ok);
        if (ok && number >= 0 && number <= kMaxUnixSeconds) {
            return number;
        }
    }
    return std::nullopt;
}

std::optional<TokenResponseParser::TimePoint> TokenResponseParser::parseDate(const QString &text)
{
    // Legacy App Service / Cloud Shell: month/day/year, 24-hour clock (or 12-hour with AM/PM),
    // numeric UTC offset.
    static const QRegularExpression legacy(QStringLiteral(
        R"(^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?: ?([AaPp][Mm]))? ([+-])(\d{2}):?(\d{2})$)"));
    const QString trimmed = text.trimmed();
    if (const auto match = legacy.match(trimmed); match.hasMatch()) {
        const QDate date(match.captured(3).toInt(), match.captured(1).toInt(), match.captured(2).toInt());
        int hour = match.captured(4).toInt();
        const QString meridiem = match.captured(7).toUpper();
        if (!meridiem.isEmpty()) {
            if (hour < 1 || hour > 12) {
                return std::nullopt;
            }
            hour = (hour % 12) + (meridiem == QLatin1String("PM") ? 12 : 0);
        }
        const QTime time(hour, match.captured(5).toInt(), match.captured(6).toInt());
        const int offsetMinutes = match.captured(9).toInt() * 60 + match.captured(10).toInt();
        if (!date.isValid() || !time.isValid() || offsetMinutes > 18 * 60) {
            return std::nullopt;
        }
        const int sign = match.captured(8) == QLatin1String("-") ? -1 : 1;
        const qint64 unix = QDateTime(date, time, Qt::UTC).toSecsSinceEpoch() -
                            sign * static_cast<qint64>(offsetMinutes) * 60;
        return TimePoint{std::chrono::seconds{unix}};
    }
    // RFC 3339 always carries "Z" or an offset; a zone-less ISO time would silently be local time.
    static const QRegularExpression rfc3339(
        QStringLiteral(R"(^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$)"));
    if (!rfc3339.match(trimmed).hasMatch()) {
        return std::nullopt;
    }
    QString iso = trimmed;
    iso[10] = QLatin1Char('T');
    if (iso.endsWith(QLatin1Char('z'))) {
        iso[iso.size() - 1] = QLatin1Char('Z');
    }
    // Qt parses at most millisecond precision; Go and .NET send up to nanoseconds.
    static const QRegularExpression fraction(QStringLiteral(R"(\.(\d{1,3})\d*)"));
    iso.replace(fraction, QStringLiteral(".\\1"));
    const QDateTime parsed = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!parsed.isValid()) {
        return std::nullopt;
    }
    return TimePoint{std::chrono::milliseconds{parsed.toMSecsSinceEpoch()}};
}

std::optional<TokenResponseParser::TimePoint> TokenResponseParser::expiresOn(const QJsonValue &value)
{
    if (const auto unix = seconds(value)) {
        return TimePoint{std::chrono::seconds{*unix}};
    }
    if (value.isString()) {
        return parseDate(value.toString());
    }
    return std::nullopt;
}

Expected<TokenResponseParser::Token, TokenError> TokenResponseParser::parseToken(const QByteArray &body,
                                                                                 TimePoint now)
{
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        return Unexpected(malformed(QStringLiteral("token response is not a JSON object")));
    }
    const QJsonObject object = document.object();

    const QJsonValue accessToken = object.value(QLatin1String("access_token"));
    if (!accessToken.isString() || accessToken.toString().isEmpty()) {
        return Unexpected(malformed(QStringLiteral("token response has no access_token")));
    }
    if (!isHeaderSafeToken(accessToken.toString())) {
        return Unexpected(
            malformed(QStringLiteral("access_token contains characters not allowed in a header")));
    }
    if (const QJsonValue type = object.value(QLatin1String("token_type")); !type.isUndefined()) {
        if (!type.isString() || type.toString().compare(QLatin1String("Bearer"), Qt::CaseInsensitive) != 0) {
            return Unexpected(malformed(QStringLiteral("token_type is not Bearer")));
        }
    }

    Token result;
    result.token.value = accessToken.toString().toLatin1();
    result.token.obtainedAt = now;

    const QJsonValue expiresIn = object.value(QLatin1String("expires_in"));
    const QJsonValue expiresOnValue = object.value(QLatin1String("expires_on"));
    if (!expiresIn.isUndefined() && !expiresIn.isNull()) {
        const auto lifetime = seconds(expiresIn);
        if (!lifetime || *lifetime <= 0 || *lifetime > kMaxLifetimeSeconds) {
            return Unexpected(malformed(QStringLiteral("expires_in is not a positive number of seconds")));
        }
        result.token.expiresOn = now + std::chrono::seconds{*lifetime};
    } else if (!expiresOnValue.isUndefined() && !expiresOnValue.isNull()) {
        const auto expiry = expiresOn(expiresOnValue);
        if (!expiry) {
            return Unexpected(malformed(QStringLiteral("expires_on is neither Unix seconds nor a date")));
        }
        if (*expiry <= now) {
            return Unexpected(malformed(QStringLiteral("token is already expired (expires_on in the past)")));
        }
        if (*expiry > now + std::chrono::seconds{kMaxLifetimeSeconds}) {
            return Unexpected(malformed(QStringLiteral("expires_on is implausibly far in the future")));
        }
        result.token.expiresOn = *expiry;
    } else {
        return Unexpected(malformed(QStringLiteral("token response has neither expires_in nor expires_on")));
    }

    // refresh_in is advice; an unusable value is ignored rather than failing a good token.
    if (const auto refreshIn = seconds(object.value(QLatin1String("refresh_in")));
        refreshIn && *refreshIn > 0) {
        const TimePoint refreshOn = now + std::chrono::seconds{*refreshIn};
        if (refreshOn < result.token.expiresOn) {
            result.token.refreshOn = refreshOn;
        }
    }

    result.clientId = stringField(object, QLatin1String("client_id"));
    result.resource = stringField(object, QLatin1String("resource"));
    return result;
}

TokenError TokenResponseParser::parseError(int httpStatus, const QByteArray &body,
                                           std::optional<std::chrono::seconds> retryAfter)
{
    TokenError error;
    error.kind = TokenError::Kind::Http;
    error.httpStatus = httpStatus;
    error.retryAfter = retryAfter;
    error.retryable = httpStatus == 408 || httpStatus == 429 || httpStatus >= 500;

    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (document.isObject()) {
        const QJsonObject object = document.object();
        const QJsonValue errorValue = object.value(QLatin1String("error"));
        if (errorValue.isString()) {
            error.code = errorValue.toString();
            error.description = stringField(object, QLatin1String("error_description"));
            // Entra's numeric code (AADSTS...) is what its troubleshooting pages are indexed by;
            // descriptions usually start with it, but not every front end keeps it there.
            const QJsonArray codes = object.value(QLatin1String("error_codes")).toArray();
            if (!codes.isEmpty() && codes.first().isDouble()) {
                const QString aadsts =
                    QStringLiteral("AADSTS%1").arg(static_cast<qint64>(codes.first().toDouble()));
                if (!error.description.contains(aadsts)) {
                    error.description = aadsts % QStringLiteral(": ") % error.description;
                }
            }
        } else if (errorValue.isObject()) {
            // ARM-style {"error":{"code","message"}}, sent by some App Service front ends.
            const QJsonObject nested = errorValue.toObject();
            error.code = stringField(nested, QLatin1String("code"));
            error.description = stringField(nested, QLatin1String("message"));
        }
    }
    error.code = sanitizedDescription(error.code).left(64);
    error.description = sanitizedDescription(error.description);
    if (error.description.isEmpty()) {
        error.description = QStringLiteral("token service answered HTTP %1").arg(httpStatus);
    }
    return error;
}

} // namespace aap::auth
