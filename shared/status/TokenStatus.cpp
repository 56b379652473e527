#include "status/TokenStatus.h"

#include <QJsonArray>
#include <QJsonValue>

#include <array>
#include <utility>

namespace aap::status {

namespace {

using State = TokenStatus::State;

constexpr std::array kStateNames{
    std::pair{State::Stopped, QLatin1String("stopped")},
    std::pair{State::Acquiring, QLatin1String("acquiring")},
    std::pair{State::Valid, QLatin1String("valid")},
    std::pair{State::Refreshing, QLatin1String("refreshing")},
    std::pair{State::Failing, QLatin1String("failing")},
    std::pair{State::Expired, QLatin1String("expired")},
};

QJsonValue timeToJson(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(time.toUTC().toString(Qt::ISODateWithMs))
                          : QJsonValue(QJsonValue::Null);
}

// Reads the fields of one JSON object, remembering the first type error. Missing keys keep the
// default, so a newer peer may add fields and an older one may omit them.
class Reader {
public:
    explicit Reader(const QJsonObject &object) : m_object(object) {}

    void string(QLatin1String key, QString &out)
    {
        const QJsonValue value = m_object.value(key);
        if (value.isUndefined() || value.isNull()) {
            return;
        }
        if (!value.isString()) {
            fail(key, "a string");
            return;
        }
        out = value.toString();
    }

    void stringList(QLatin1String key, QStringList &out)
    {
        const QJsonValue value = m_object.value(key);
        if (value.isUndefined() || value.isNull()) {
            return;
        }
        if (!value.isArray()) {
            fail(key, "an array of strings");
            return;
        }
        QStringList list;
        const QJsonArray array = value.toArray();
        for (const auto &item : array) {
            if (!item.isString()) {
                fail(key, "an array of strings");
                return;
            }
            list << item.toString();
        }
        out = list;
    }

    template <typename Int> void integer(QLatin1String key, Int &out)
    {
        const QJsonValue value = m_object.value(key);
        if (value.isUndefined() || value.isNull()) {
            return;
        }
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number < 0 || number != static_cast<double>(static_cast<qint64>(number))) {
            fail(key, "a non-negative integer");
            return;
        }
        out = static_cast<Int>(number);
    }

    void time(QLatin1String key, QDateTime &out)
    {
        QString text;
        string(key, text);
        if (text.isEmpty()) {
            return;
        }
        QDateTime parsed = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (!parsed.isValid()) {
            fail(key, "an ISO 8601 time");
            return;
        }
        out = parsed.toUTC();
    }

    void fail(QLatin1String key, const char *expected)
    {
        if (m_error.isEmpty()) {
            m_error = QLatin1String("token status: \"") % key % QLatin1String("\" must be ") %
                      QLatin1String(expected);
        }
    }

    [[nodiscard]] const QString &error() const { return m_error; }

private:
    const QJsonObject &m_object;
    QString m_error;
};

} // namespace

QString TokenErrorInfo::summary() const
{
    QString text = kind;
    if (httpStatus != 0) {
        text += QLatin1Char(' ') + QString::number(httpStatus);
    }
    if (!code.isEmpty()) {
        text += QLatin1Char(' ') + code;
    }
    if (!description.isEmpty()) {
        text += QLatin1String(": ") + description;
    }
    return text;
}

QString TokenStatus::readinessReason() const
{
    const QString error = lastError ? lastError->summary() : QString();
    const QString from = source.isEmpty() ? QString() : QString(QLatin1String(" from ") + source);
    switch (state) {
    case State::Valid:
    case State::Refreshing:
        return {};
    case State::Stopped:
        return QStringLiteral("token refresh is stopped");
    case State::Acquiring:
        return QLatin1String("no token yet: acquiring") + from;
    case State::Failing:
        return QLatin1String("no token yet") + from + QLatin1String(": ") + error;
    case State::Expired:
        return QLatin1String("token expired, refresh failing") + from + QLatin1String(": ") + error;
    }
    return {};
}

QString TokenStatus::stateName(State state)
{
    for (const auto &[value, name] : kStateNames) {
        if (value == state) {
            return name;
        }
    }
    return {};
}

std::optional<TokenStatus::State> TokenStatus::stateFromName(const QString &name)
{
    for (const auto &[value, text] : kStateNames) {
        if (name == text) {
            return value;
        }
    }
    return std::nullopt;
}

QJsonObject TokenStatus::toJson() const
{
    QJsonObject json{
        {QStringLiteral("identity"), QJsonObject{{QStringLiteral("name"), identityName},
                                                 {QStringLiteral("kind"), identityKind},
                                                 {QStringLiteral("clientId"), clientId},
                                                 {QStringLiteral("source"), source}}},
        {QStringLiteral("audience"), audience},
        {QStringLiteral("routes"), QJsonArray::fromStringList(routes)},
        {QStringLiteral("state"), stateName(state)},
        {QStringLiteral("obtainedAt"), timeToJson(obtainedAt)},
        {QStringLiteral("expiresOn"), timeToJson(expiresOn)},
        {QStringLiteral("usableUntil"), timeToJson(usableUntil)},
        {QStringLiteral("nextAttempt"), timeToJson(nextAttempt)},
        {QStringLiteral("consecutiveFailures"), consecutiveFailures},
        {QStringLiteral("totalSuccesses"), totalSuccesses},
        {QStringLiteral("totalFailures"), totalFailures},
        {QStringLiteral("expiries"), expiries},
        {QStringLiteral("earlyRefreshes"), earlyRefreshes},
        {QStringLiteral("unauthorizedReports"), unauthorizedReports},
    };
    if (lastError) {
        json.insert(QStringLiteral("lastError"),
                    QJsonObject{{QStringLiteral("kind"), lastError->kind},
                                {QStringLiteral("httpStatus"), lastError->httpStatus},
                                {QStringLiteral("code"), lastError->code},
                                {QStringLiteral("description"), lastError->description},
                                {QStringLiteral("at"), timeToJson(lastError->at)}});
    } else {
        json.insert(QStringLiteral("lastError"), QJsonValue::Null);
    }
    return json;
}

Expected<TokenStatus, QString> TokenStatus::fromJson(const QJsonObject &json)
{
    TokenStatus status;
    Reader reader(json);

    const QJsonValue identity = json.value(QLatin1String("identity"));
    if (identity.isObject()) {
        const QJsonObject identityObject = identity.toObject();
        Reader identityReader(identityObject);
        identityReader.string(QLatin1String("name"), status.identityName);
        identityReader.string(QLatin1String("kind"), status.identityKind);
        identityReader.string(QLatin1String("clientId"), status.clientId);
        identityReader.string(QLatin1String("source"), status.source);
        if (!identityReader.error().isEmpty()) {
            return Unexpected(identityReader.error());
        }
    } else if (!identity.isUndefined() && !identity.isNull()) {
        reader.fail(QLatin1String("identity"), "an object");
    }

    reader.string(QLatin1String("audience"), status.audience);
    reader.stringList(QLatin1String("routes"), status.routes);

    QString stateText;
    reader.string(QLatin1String("state"), stateText);
    if (const auto state = stateFromName(stateText)) {
        status.state = *state;
    } else {
        reader.fail(QLatin1String("state"), "one of stopped, acquiring, valid, refreshing, failing, expired");
    }

    reader.time(QLatin1String("obtainedAt"), status.obtainedAt);
    reader.time(QLatin1String("expiresOn"), status.expiresOn);
    reader.time(QLatin1String("usableUntil"), status.usableUntil);
    reader.time(QLatin1String("nextAttempt"), status.nextAttempt);
    reader.integer(QLatin1String("consecutiveFailures"), status.consecutiveFailures);
    reader.integer(QLatin1String("totalSuccesses"), status.totalSuccesses);
    reader.integer(QLatin1String("totalFailures"), status.totalFailures);
    reader.integer(QLatin1String("expiries"), status.expiries);
    reader.integer(QLatin1String("earlyRefreshes"), status.earlyRefreshes);
    reader.integer(QLatin1String("unauthorizedReports"), status.unauthorizedReports);

    const QJsonValue lastError = json.value(QLatin1String("lastError"));
    if (lastError.isObject()) {
        const QJsonObject errorObject = lastError.toObject();
        Reader errorReader(errorObject);
        TokenErrorInfo info;
        errorReader.string(QLatin1String("kind"), info.kind);
        errorReader.integer(QLatin1String("httpStatus"), info.httpStatus);
        errorReader.string(QLatin1String("code"), info.code);
        errorReader.string(QLatin1String("description"), info.description);
        errorReader.time(QLatin1String("at"), info.at);
        if (!errorReader.error().isEmpty()) {
            return Unexpected(errorReader.error());
        }
        status.lastError = info;
    } else if (!lastError.isUndefined() && !lastError.isNull()) {
        reader.fail(QLatin1String("lastError"), "an object or null");
    }

    if (!reader.error().isEmpty()) {
        return Unexpected(reader.error());
    }
    return status;
}

} // namespace aap::status
