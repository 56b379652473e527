#include "config/ConfigValues.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <gsl/narrow>

namespace aap::config::values {

namespace {

QString quoted(const QString &value)
{
    return QLatin1Char('\'') + displayValue(value) + QLatin1Char('\'');
}

bool isDigits(const QString &text)
{
    return !text.isEmpty() &&
           std::all_of(text.cbegin(), text.cend(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

// RFC 9110 token characters: what a header name may consist of.
bool isToken(const QByteArray &name)
{
    static const QByteArray extra = QByteArrayLiteral("!#$%&'*+-.^_`|~");
    return !name.isEmpty() && std::all_of(name.cbegin(), name.cend(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               extra.contains(c);
    });
}

} // namespace

QString displayValue(const QString &value)
{
    static const QRegularExpression userInfo(QStringLiteral("://[^/?#@]*@"));
    QString shown = value;
    shown.replace(userInfo, QStringLiteral("://<redacted>@"));
    return shown;
}

Expected<bool, QString> parseBool(const QString &text)
{
    const QString value = text.trimmed().toLower();
    if (value == u"true" || value == u"yes" || value == u"on" || value == u"1")
        return true;
    if (value == u"false" || value == u"no" || value == u"off" || value == u"0")
        return false;
    return Unexpected(quoted(text) + QStringLiteral(" is not a boolean (use true or false)"));
}

QString formatBool(bool value)
{
    return value ? QStringLiteral("true") : QStringLiteral("false");
}

Expected<qint64, QString> parseInteger(const QString &text, qint64 minimum, qint64 maximum)
{
    const QString value = text.trimmed();
    if (!isDigits(value))
        return Unexpected(quoted(text) + QStringLiteral(" is not a whole non-negative number"));
    bool ok = false;
    const qint64 number = value.toLongLong(&ok);
    if (!ok || number < minimum || number > maximum)
        return Unexpected(quoted(text) + QStringLiteral(" is out of range (") + QString::number(minimum) +
                          QStringLiteral("..") + QString::number(maximum) + QLatin1Char(')'));
    return number;
}

Expected<int, QString> parseInt(const QString &text, int minimum, int maximum)
{
    auto number = parseInteger(text, minimum, maximum);
    if (!number)
        return Unexpected(number.error());
    return gsl::narrow<int>(*number);
}

Expected<quint16, QString> parsePort(const QString &text)
{
    const QString value = text.trimmed();
    if (!isDigits(value))
        return Unexpected(quoted(text) + QStringLiteral(" is not a port number (1..65535)"));
    bool ok = false;
    const qint64 number = value.toLongLong(&ok);
    if (ok && number == 0)
        return Unexpected(QStringLiteral("port 0 is not allowed (1..65535)"));
    if (!ok || number > 65535)
        return Unexpected(quoted(text) + QStringLiteral(" is greater than 65535, the largest port number"));
    return gsl::narrow<quint16>(number);
}

Expected<std::chrono::milliseconds, QString> parseDuration(const QString &text,
                                                           std::chrono::milliseconds minimum)
{
    QString value = text.trimmed();
    if (value.endsWith(QStringLiteral("ms")))
        value.chop(2);
    if (!isDigits(value))
        return Unexpected(quoted(text) + QStringLiteral(" is not a duration in whole milliseconds"));
    bool ok = false;
    const qint64 number = value.toLongLong(&ok);
    if (!ok || number < minimum.count() || number > kMaxDuration.count())
        return Unexpected(quoted(text) + QStringLiteral(" is out of range (") +
                          QString::number(minimum.count()) + QStringLiteral("..") +
                          QString::number(kMaxDuration.count()) + QStringLiteral(" ms)"));
    return std::chrono::milliseconds{number};
}

QString formatDuration(std::chrono::milliseconds value)
{
    return QString::number(value.count());
}

Expected<QStringList, QString> parseList(const QString &text)
{
    QStringList entries;
    if (text.trimmed().isEmpty())
        return entries;
    const QStringList parts = text.split(QLatin1Char(','));
    for (const QString &part : parts) {
        const QString entry = part.trimmed();
        if (entry.isEmpty())
            return Unexpected(QStringLiteral("the list has an empty entry (entries are separated by ',')"));
        entries.append(entry);
    }
    return entries;
}

Expected<IdentityKind, QString> parseIdentityKind(const QString &text)
{
    const QString value = text.trimmed().toLower();
    if (value.isEmpty() || value == u"default")
        return IdentityKind::Default;
    if (value == u"systemassigned")
        return IdentityKind::SystemAssigned;
    if (value == u"userassigned")
        return IdentityKind::UserAssigned;
    if (value == u"aadapplication")
        return IdentityKind::AadApplication;
    if (value == u"workloadidentity")
        return IdentityKind::WorkloadIdentity;
    return Unexpected(
        QStringLiteral("unknown identity type ") + quoted(text) +
        QStringLiteral(" (use systemAssigned, userAssigned, aadApplication, workloadIdentity or "
                       "default)"));
}

QString identityKindName(IdentityKind kind)
{
    switch (kind) {
    case IdentityKind::Default:
        return QStringLiteral("default");
    case IdentityKind::SystemAssigned:
        return QStringLiteral("systemAssigned");
    case IdentityKind::UserAssigned:
        return QStringLiteral("userAssigned");
    case IdentityKind::AadApplication:
        return QStringLiteral("aadApplication");
    case IdentityKind::WorkloadIdentity:
        return QStringLiteral("workloadIdentity");
    }
    return {};
}

Expected<TracesSampler, QString> parseTracesSampler(const QString &text)
{
    const QString value = text.trimmed().toLower();
    for (const auto sampler : {TracesSampler::AlwaysOn, TracesSampler::AlwaysOff, TracesSampler::TraceIdRatio,
                               TracesSampler::ParentBasedAlwaysOn, TracesSampler::ParentBasedAlwaysOff,
                               TracesSampler::ParentBasedTraceIdRatio}) {
        if (value == tracesSamplerName(sampler))
            return sampler;
    }
    return Unexpected(QStringLiteral("unknown sampler ") + quoted(text) +
                      QStringLiteral(" (use always_on, always_off, traceidratio, parentbased_always_on, "
                                     "parentbased_always_off or parentbased_traceidratio)"));
}

QString tracesSamplerName(TracesSampler sampler)
{
    switch (sampler) {
    case TracesSampler::AlwaysOn:
        return QStringLiteral("always_on");
    case TracesSampler::AlwaysOff:
        return QStringLiteral("always_off");
    case TracesSampler::TraceIdRatio:
        return QStringLiteral("traceidratio");
    case TracesSampler::ParentBasedAlwaysOn:
        return QStringLiteral("parentbased_always_on");
    case TracesSampler::ParentBasedAlwaysOff:
        return QStringLiteral("parentbased_always_off");
    case TracesSampler::ParentBasedTraceIdRatio:
        return QStringLiteral("parentbased_traceidratio");
    }
    return {};
}

Expected<OtlpProtocol, QString> parseOtlpProtocol(const QString &text)
{
    const QString value = text.trimmed().toLower();
    if (value == u"grpc")
        return OtlpProtocol::Grpc;
    if (value == u"http/protobuf")
        return OtlpProtocol::HttpProtobuf;
    return Unexpected(QStringLiteral("unknown OTLP protocol ") + quoted(text) +
                      QStringLiteral(" (use grpc or http/protobuf)"));
}

QString otlpProtocolName(OtlpProtocol protocol)
{
    return protocol == OtlpProtocol::Grpc ? QStringLiteral("grpc") : QStringLiteral("http/protobuf");
}

Expected<double, QString> parseRatio(const QString &text)
{
    bool ok = false;
    const double value = text.trimmed().toDouble(&ok);
    if (!ok || !(value >= 0.0 && value <= 1.0)) // written so that NaN fails too
        return Unexpected(quoted(text) + QStringLiteral(" is not a probability between 0 and 1"));
    return value;
}

Expected<QList<QPair<QString, QString>>, QString> parseKeyValueList(const QString &text)
{
    QList<QPair<QString, QString>> result;
    if (text.trimmed().isEmpty())
        return result;
    const QStringList entries = text.split(QLatin1Char(','));
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const qsizetype equals = entries[i].indexOf(QLatin1Char('='));
        const QString key = entries[i].left(equals).trimmed();
        if (equals < 0 || key.isEmpty())
            return Unexpected(QStringLiteral("entry %1 is not key=value").arg(i + 1));
        const QByteArray raw = entries[i].mid(equals + 1).trimmed().toUtf8();
        result.append({key, QString::fromUtf8(QByteArray::fromPercentEncoding(raw))});
    }
    return result;
}

Expected<LogLevel, QString> parseLogLevel(const QString &text)
{
    const QString value = text.trimmed().toLower();
    if (value == u"debug" || value == u"trace")
        return LogLevel::Debug;
    if (value == u"info" || value == u"information")
        return LogLevel::Info;
    if (value == u"warning" || value == u"warn")
        return LogLevel::Warning;
    if (value == u"error")
        return LogLevel::Error;
    return Unexpected(QStringLiteral("unknown log level ") + quoted(text) +
                      QStringLiteral(" (use debug, info, warning or error)"));
}

QString logLevelName(LogLevel level)
{
    switch (level) {
    case LogLevel::Debug:
        return QStringLiteral("debug");
    case LogLevel::Info:
        return QStringLiteral("info");
    case LogLevel::Warning:
        return QStringLiteral("warning");
    case LogLevel::Error:
        return QStringLiteral("error");
    }
    return {};
}

Expected<Cloud, QString> parseCloud(const QString &text)
{
    const QString value = text.trimmed().toLower();
    if (value == u"public" || value == u"azurepubliccloud")
        return Cloud::Public;
    if (value == u"usgovernment" || value == u"azureusgovernment")
        return Cloud::UsGovernment;
    if (value == u"china" || value == u"azurechinacloud")
        return Cloud::China;
    return Unexpected(QStringLiteral("unknown cloud ") + quoted(text) +
                      QStringLiteral(" (use public, usGovernment or china)"));
}

QString cloudName(Cloud cloud)
{
    switch (cloud) {
    case Cloud::Public:
        return QStringLiteral("public");
    case Cloud::UsGovernment:
        return QStringLiteral("usGovernment");
    case Cloud::China:
        return QStringLiteral("china");
    }
    return {};
}

Expected<AssertionAlgorithm, QString> parseAssertionAlgorithm(const QString &text)
{
    const QString value = text.trimmed().toUpper();
    if (value == u"RS256")
        return AssertionAlgorithm::RS256;
    if (value == u"PS256")
        return AssertionAlgorithm::PS256;
    return Unexpected(QStringLiteral("unknown assertion algorithm ") + quoted(text) +
                      QStringLiteral(" (use RS256 or PS256)"));
}

QString assertionAlgorithmName(AssertionAlgorithm algorithm)
{
    return algorithm == AssertionAlgorithm::PS256 ? QStringLiteral("PS256") : QStringLiteral("RS256");
}

Expected<QString, QString> parseAudience(const QString &text)
{
    QString value = text.trimmed();
    if (value.endsWith(QStringLiteral("/.default")))
        value.chop(QStringLiteral("/.default").size());
    while (value.endsWith(QLatin1Char('/')))
        value.chop(1);
    if (value.isEmpty())
        return Unexpected(QStringLiteral("the audience is empty"));
    if (std::any_of(value.cbegin(), value.cend(), [](QChar c) { return c.isSpace(); }))
        return Unexpected(quoted(text) + QStringLiteral(" contains white space"));
    if (value.contains(QStringLiteral("://"))) {
        const QUrl url(value, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty())
            return Unexpected(quoted(text) + QStringLiteral(" is not a valid URL"));
        if (url.hasQuery() || url.hasFragment() || !url.userInfo().isEmpty())
            return Unexpected(quoted(text) +
                              QStringLiteral(" must not have user info, a query or a fragment"));
    }
    return value;
}

Expected<QHostAddress, QString> parseHostAddress(const QString &text)
{
    const QString value = text.trimmed();
    if (value.compare(QStringLiteral("localhost"), Qt::CaseInsensitive) == 0)
        return QHostAddress(QHostAddress::LocalHost);
    if (value == u"*")
        return QHostAddress(QHostAddress::Any);
    QString literal = value;
    if (literal.startsWith(QLatin1Char('[')) && literal.endsWith(QLatin1Char(']')))
        literal = literal.mid(1, literal.size() - 2);
    QHostAddress address;
    if (literal.isEmpty() || !address.setAddress(literal))
        return Unexpected(
            quoted(text) +
            QStringLiteral(" is not an IP address (use e.g. 127.0.0.1, ::1, 0.0.0.0, * or localhost)"));
    return address;
}

QString formatHostAddress(const QHostAddress &address)
{
    if (address == QHostAddress(QHostAddress::Any))
        return QStringLiteral("*");
    return address.toString();
}

Expected<QUrl, QString> parseHttpUrl(const QString &text, const QString &defaultScheme, bool httpsOnly)
{
    QString value = text.trimmed();
    if (value.isEmpty())
        return QUrl();
    if (!value.contains(QStringLiteral("://")))
        value = defaultScheme + QStringLiteral("://") + value;
    const QUrl url(value, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return Unexpected(quoted(text) + QStringLiteral(" is not a valid URL"));
    const QString scheme = url.scheme().toLower();
    if (httpsOnly && scheme != u"https")
        return Unexpected(quoted(text) + QStringLiteral(" must be an https URL"));
    if (scheme != u"https" && scheme != u"http")
        return Unexpected(quoted(text) + QStringLiteral(" must be an http or https URL"));
    return url;
}

QString formatUrl(const QUrl &url)
{
    return url.isEmpty() ? QString() : displayValue(url.toString());
}

namespace {

// Header values may be credentials for the target: messages name the header, never its value.
Expected<QPair<QByteArray, QByteArray>, QString> checkedHeader(const QString &rawName, const QString &value)
{
    const QByteArray name = rawName.trimmed().toLatin1();
    if (!isToken(name))
        return Unexpected(QStringLiteral("header name ") + quoted(rawName.trimmed()) +
                          QStringLiteral(" is not a valid HTTP header name"));
    if (const QString reason = reservedHeaderReason(name); !reason.isEmpty())
        return Unexpected(QStringLiteral("the ") + QString::fromLatin1(name) +
                          QStringLiteral(" header cannot be overridden: ") + reason);
    if (std::any_of(value.cbegin(), value.cend(),
                    [](QChar c) { return c == u'\r' || c == u'\n' || c == u'\0'; }))
        return Unexpected(QStringLiteral("the value of header ") + QString::fromLatin1(name) +
                          QStringLiteral(" contains a line break"));
    return QPair<QByteArray, QByteArray>{name, value.toUtf8()};
}

// The original's form: a JSON object of header names to string values.
Expected<HeaderList, QString> parseJsonHeaderOverrides(const QString &text)
{
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return Unexpected(QStringLiteral("not a JSON object of header names to values (use "
                                         "{\"Name\": \"value\"} or \"Name: value; Name2: value\")"));
    HeaderList headers;
    const QJsonObject object = document.object();
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!it.value().isString())
            return Unexpected(QStringLiteral("the value of header ") + it.key() +
                              QStringLiteral(" is not a JSON string"));
        auto header = checkedHeader(it.key(), it.value().toString().trimmed());
        if (!header)
            return Unexpected(header.error());
        headers.append(*header);
    }
    return headers;
}

} // namespace

Expected<HeaderList, QString> parseHeaderOverrides(const QString &text)
{
    if (text.trimmed().startsWith(QLatin1Char('{')))
        return parseJsonHeaderOverrides(text);
    HeaderList headers;
    const QStringList entries = text.split(QLatin1Char(';'));
    int position = 0;
    for (const QString &entry : entries) {
        ++position;
        if (entry.trimmed().isEmpty())
            continue;
        const qsizetype colon = entry.indexOf(QLatin1Char(':'));
        if (colon < 0)
            return Unexpected(QStringLiteral("header entry ") + QString::number(position) +
                              QStringLiteral(" has no ':' (use \"Name: value; Name2: value\")"));
        auto header = checkedHeader(entry.left(colon), entry.mid(colon + 1).trimmed());
        if (!header)
            return Unexpected(header.error());
        headers.append(*header);
    }
    return headers;
}

QString formatHeaderOverrides(const HeaderList &headers)
{
    QStringList parts;
    // Values may be credentials for the target (an API key header): only names are shown.
    for (const auto &[name, value] : headers)
        parts.append(QString::fromLatin1(name) + QStringLiteral(": ") +
                     (value.isEmpty() ? QString() : QStringLiteral("<redacted>")));
    return parts.join(QStringLiteral("; "));
}

QString reservedHeaderReason(QByteArrayView name)
{
    const auto is = [name](QByteArrayView reserved) {
        return name.compare(reserved, Qt::CaseInsensitive) == 0;
    };
    if (is("authorization"))
        return QStringLiteral("the proxy always sets Authorization to its own token");
    if (is("host"))
        return QStringLiteral("the proxy sets Host to the target");
    if (is("content-length"))
        return QStringLiteral("the proxy frames the body itself");
    for (const QByteArrayView hopByHop :
         {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer",
          "transfer-encoding", "upgrade"}) {
        if (is(hopByHop))
            return QStringLiteral("it is a hop-by-hop header, which is never forwarded");
    }
    return {};
}

Expected<QByteArray, QString> parseHeaderName(const QString &text)
{
    const QByteArray name = text.trimmed().toLatin1();
    if (!isToken(name))
        return Unexpected(QStringLiteral("header name ") + quoted(text.trimmed()) +
                          QStringLiteral(" is not a valid HTTP header name"));
    return name;
}

Expected<QList<QByteArray>, QString> parseHeaderNames(const QString &text)
{
    auto entries = parseList(text);
    if (!entries)
        return Unexpected(entries.error());
    QList<QByteArray> names;
    for (const QString &entry : std::as_const(*entries)) {
        auto name = parseHeaderName(entry);
        if (!name)
            return Unexpected(name.error());
        if (const QString reason = reservedHeaderReason(*name); !reason.isEmpty())
            return Unexpected(QStringLiteral("the ") + QString::fromLatin1(*name) +
                              QStringLiteral(" header cannot be removed by a route: ") + reason);
        names.append(*name);
    }
    return names;
}

QString formatHeaderNames(const QList<QByteArray> &names)
{
    QStringList parts;
    for (const QByteArray &name : names)
        parts.append(QString::fromLatin1(name));
    return parts.join(QStringLiteral(", "));
}

QString formatTarget(const TargetUrl &target)
{
    if (target.host.isEmpty())
        return {};
    const bool defaultPort = (target.isTls() && target.port == 443) || (!target.isTls() && target.port == 80);
    const QString host = target.host.contains(QLatin1Char(':'))
                             ? QLatin1Char('[') + target.host + QLatin1Char(']')
                             : target.host;
    QString text = target.scheme + QStringLiteral("://") + host;
    if (!defaultPort)
        text += QLatin1Char(':') + QString::number(target.port);
    return text + target.basePath;
}

} // namespace aap::config::values
