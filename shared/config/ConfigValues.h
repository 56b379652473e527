#pragma once

#include "config/ServiceConfig.h"
#include "core/Expected.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <chrono>

// Pure, strict parsers (and their inverse formatters) for the value types of the configuration.
// Error messages may quote the value, always through displayValue(), never for secret settings.
namespace aap::config::values {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// The value as it may appear in a message: the user-info part of a URL is replaced, so a proxy
// password never reaches an error message.
[[nodiscard]] QString displayValue(const QString &value);

// true/false, yes/no, on/off, 1/0 (case-insensitive).
[[nodiscard]] Expected<bool, QString> parseBool(const QString &text);
[[nodiscard]] QString formatBool(bool value);

// Decimal digits only, within [minimum, maximum].
[[nodiscard]] Expected<qint64, QString> parseInteger(const QString &text, qint64 minimum, qint64 maximum);
[[nodiscard]] Expected<int, QString> parseInt(const QString &text, int minimum, int maximum);
[[nodiscard]] Expected<quint16, QString> parsePort(const QString &text);

// The longest duration any setting accepts.
inline constexpr std::chrono::milliseconds kMaxDuration{24LL * 60 * 60 * 1000};

// Whole milliseconds, digits only (an optional "ms" suffix is accepted), within [minimum, 24 h].
[[nodiscard]] Expected<std::chrono::milliseconds, QString> parseDuration(const QString &text,
                                                                         std::chrono::milliseconds minimum);
[[nodiscard]] QString formatDuration(std::chrono::milliseconds value);

// Comma-separated, entries trimmed; an empty text is an empty list, an empty entry is an error.
[[nodiscard]] Expected<QStringList, QString> parseList(const QString &text);

[[nodiscard]] Expected<IdentityKind, QString> parseIdentityKind(const QString &text);
[[nodiscard]] QString identityKindName(IdentityKind kind);

[[nodiscard]] Expected<LogLevel, QString> parseLogLevel(const QString &text);
[[nodiscard]] QString logLevelName(LogLevel level);

[[nodiscard]] Expected<Cloud, QString> parseCloud(const QString &text);
[[nodiscard]] QString cloudName(Cloud cloud);

[[nodiscard]] Expected<AssertionAlgorithm, QString> parseAssertionAlgorithm(const QString &text);
[[nodiscard]] QString assertionAlgorithmName(AssertionAlgorithm algorithm);

[[nodiscard]] Expected<TracesSampler, QString> parseTracesSampler(const QString &text);
[[nodiscard]] QString tracesSamplerName(TracesSampler sampler);

[[nodiscard]] Expected<OtlpProtocol, QString> parseOtlpProtocol(const QString &text);
[[nodiscard]] QString otlpProtocolName(OtlpProtocol protocol);

// OTEL_TRACES_SAMPLER_ARG: a probability in [0, 1].
[[nodiscard]] Expected<double, QString> parseRatio(const QString &text);

// OTEL_EXPORTER_OTLP_HEADERS / OTEL_RESOURCE_ATTRIBUTES: "key=value,key2=value2", values
// percent-decoded, entries trimmed. Messages name a bad entry's position, never its value.
[[nodiscard]] Expected<QList<QPair<QString, QString>>, QString> parseKeyValueList(const QString &text);

// "https://monitor.azure.com", ".../", ".../.default" -> "https://monitor.azure.com".
[[nodiscard]] Expected<QString, QString> parseAudience(const QString &text);

// An IP literal, "localhost", "*" (every IPv4 and IPv6 interface).
[[nodiscard]] Expected<QHostAddress, QString> parseHostAddress(const QString &text);
[[nodiscard]] QString formatHostAddress(const QHostAddress &address);

// An absolute http(s) URL; a value without "://" gets defaultScheme. httpsOnly rejects http.
[[nodiscard]] Expected<QUrl, QString> parseHttpUrl(const QString &text, const QString &defaultScheme,
                                                   bool httpsOnly);
// For printing: user info (a proxy's user and password) shown as <redacted>.
[[nodiscard]] QString formatUrl(const QUrl &url);

// "Name: value; Other: value" – request headers a route sets (replacing any the client sent).
// Authorization can never be named.
[[nodiscard]] Expected<HeaderList, QString> parseHeaderOverrides(const QString &text);
// For printing: names only, every value shown as <redacted>.
[[nodiscard]] QString formatHeaderOverrides(const HeaderList &headers);

// One header name (an HTTP token).
[[nodiscard]] Expected<QByteArray, QString> parseHeaderName(const QString &text);
// Comma-separated header names a route removes; the names the proxy itself controls are refused.
[[nodiscard]] Expected<QList<QByteArray>, QString> parseHeaderNames(const QString &text);
[[nodiscard]] QString formatHeaderNames(const QList<QByteArray> &names);
// Why the proxy keeps control of a header (Authorization, Host, framing and hop-by-hop fields), or
// an empty string when a route may set or remove it.
[[nodiscard]] QString reservedHeaderReason(QByteArrayView name);

// TARGET_HOST as a string again ("https://host:port/base").
[[nodiscard]] QString formatTarget(const TargetUrl &target);

} // namespace aap::config::values
