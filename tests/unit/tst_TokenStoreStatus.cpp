#include "status/TokenStatus.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using aap::status::TokenErrorInfo;
using aap::status::TokenStatus;
using State = TokenStatus::State;

namespace {

TokenStatus sample()
{
    TokenStatus status;
    status.identityName = QStringLiteral("ingest-mi");
    status.identityKind = QStringLiteral("userassigned");
    status.clientId = QStringLiteral("00000000-1111-2222-3333-444444444444");
    status.source = QStringLiteral("imds (user-assigned, client_id=00000000-1111-2222-3333-444444444444)");
    status.audience = QStringLiteral("https://monitor.azure.com");
    status.routes = QStringList{QStringLiteral("ingest"), QStringLiteral("query")};
    status.state = State::Refreshing;
    const QDateTime t0 = QDateTime::fromMSecsSinceEpoch(1'800'000'000'123, Qt::UTC);
    status.obtainedAt = t0;
    status.expiresOn = t0.addSecs(3600);
    status.usableUntil = t0.addSecs(3300);
    status.nextAttempt = t0.addSecs(2972);
    status.consecutiveFailures = 2;
    status.totalSuccesses = 17;
    status.totalFailures = 5;
    status.expiries = 1;
    status.unauthorizedReports = 12;
    status.earlyRefreshes = 3;
    status.lastError = TokenErrorInfo{QStringLiteral("http"), 500, QStringLiteral("unknown"),
                                      QStringLiteral("Failed to get token"), t0.addSecs(2970)};
    return status;
}

} // namespace

class tst_TokenStoreStatus : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void jsonRoundTrip()
    {
        const TokenStatus status = sample();
        const QJsonObject json = status.toJson();
        QCOMPARE(json.value(QLatin1String("state")).toString(), QStringLiteral("refreshing"));
        QCOMPARE(json.value(QLatin1String("obtainedAt")).toString(),
                 QStringLiteral("2027-01-15T08:00:00.123Z"));
        const auto back = TokenStatus::fromJson(json);
        QVERIFY(back.has_value());
        QVERIFY(*back == status);

        // Through text, too.
        const auto parsed =
            TokenStatus::fromJson(QJsonDocument::fromJson(QJsonDocument(json).toJson()).object());
        QVERIFY(parsed.has_value() && *parsed == status);
    }

    void emptyValuesRoundTrip()
    {
        TokenStatus status;
        status.state = State::Acquiring;
        const QJsonObject json = status.toJson();
        QVERIFY(json.value(QLatin1String("usableUntil")).isNull());
        QVERIFY(json.value(QLatin1String("lastError")).isNull());
        const auto back = TokenStatus::fromJson(json);
        QVERIFY(back.has_value() && *back == status);
    }

    void allStatesHaveNames()
    {
        for (const State state : {State::Stopped, State::Acquiring, State::Valid, State::Refreshing,
                                  State::Failing, State::Expired}) {
            QCOMPARE(TokenStatus::stateFromName(TokenStatus::stateName(state)), std::optional<State>(state));
        }
        QVERIFY(!TokenStatus::stateFromName(QStringLiteral("bogus")));
    }

    void rejectsWrongTypes_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<QString>("message");
        QTest::newRow("state unknown") << QStringLiteral("state") << QJsonValue(QStringLiteral("sleeping"))
                                       << QStringLiteral("\"state\" must be one of");
        QTest::newRow("state missing") << QStringLiteral("state") << QJsonValue(QJsonValue::Undefined)
                                       << QStringLiteral("\"state\" must be one of");
        QTest::newRow("audience number")
            << QStringLiteral("audience") << QJsonValue(3) << QStringLiteral("\"audience\" must be a string");
        QTest::newRow("routes not strings") << QStringLiteral("routes") << QJsonValue(QJsonArray{1, 2})
                                            << QStringLiteral("\"routes\" must be an array of strings");
        QTest::newRow("negative counter")
            << QStringLiteral("totalFailures") << QJsonValue(-1)
            << QStringLiteral("\"totalFailures\" must be a non-negative integer");
        QTest::newRow("fractional counter") << QStringLiteral("expiries") << QJsonValue(1.5)
                                            << QStringLiteral("\"expiries\" must be a non-negative integer");
        QTest::newRow("bad time") << QStringLiteral("expiresOn") << QJsonValue(QStringLiteral("tomorrow"))
                                  << QStringLiteral("\"expiresOn\" must be an ISO 8601 time");
        QTest::newRow("lastError string") << QStringLiteral("lastError") << QJsonValue(QStringLiteral("boom"))
                                          << QStringLiteral("\"lastError\" must be an object or null");
        QTest::newRow("identity array") << QStringLiteral("identity") << QJsonValue(QJsonArray{})
                                        << QStringLiteral("\"identity\" must be an object");
    }

    void rejectsWrongTypes()
    {
        QFETCH(QString, key);
        QFETCH(QJsonValue, value);
        QFETCH(QString, message);
        QJsonObject json = sample().toJson();
        if (value.isUndefined()) {
            json.remove(key);
        } else {
            json.insert(key, value);
        }
        const auto result = TokenStatus::fromJson(json);
        QVERIFY(!result.has_value());
        QVERIFY2(result.error().contains(message), qPrintable(result.error()));
    }

    void ignoresUnknownKeys()
    {
        QJsonObject json = sample().toJson();
        json.insert(QStringLiteral("addedInVersion2"), 42);
        const auto result = TokenStatus::fromJson(json);
        QVERIFY(result.has_value() && *result == sample());
    }

    void readinessReasons_data()
    {
        QTest::addColumn<State>("state");
        QTest::addColumn<bool>("withError");
        QTest::addColumn<QString>("reason");
        const QString source =
            QStringLiteral(" from imds (user-assigned, client_id=00000000-1111-2222-3333-444444444444)");
        QTest::newRow("valid") << State::Valid << true << QString();
        QTest::newRow("refreshing") << State::Refreshing << true << QString();
        QTest::newRow("stopped") << State::Stopped << false << QStringLiteral("token refresh is stopped");
        QTest::newRow("acquiring") << State::Acquiring << false
                                   << QString(QStringLiteral("no token yet: acquiring") + source);
        QTest::newRow("failing") << State::Failing << true
                                 << QString(QStringLiteral("no token yet") + source +
                                            QStringLiteral(": http 500 unknown: Failed to get token"));
        QTest::newRow("expired") << State::Expired << true
                                 << QString(QStringLiteral("token expired, refresh failing") + source +
                                            QStringLiteral(": http 500 unknown: Failed to get token"));
    }

    void readinessReasons()
    {
        QFETCH(State, state);
        QFETCH(bool, withError);
        QFETCH(QString, reason);
        TokenStatus status = sample();
        status.state = state;
        if (!withError) {
            status.lastError.reset();
        }
        QCOMPARE(status.readinessReason(), reason);
        QCOMPARE(status.hasToken(), reason.isEmpty());
    }

    void errorSummaries()
    {
        QCOMPARE(
            (TokenErrorInfo{QStringLiteral("transport"), 0, {}, QStringLiteral("connection refused"), {}})
                .summary(),
            QStringLiteral("transport: connection refused"));
        QCOMPARE(
            (TokenErrorInfo{QStringLiteral("http"), 401, QStringLiteral("invalid_client"), {}, {}}).summary(),
            QStringLiteral("http 401 invalid_client"));
    }
};

QTEST_GUILESS_MAIN(tst_TokenStoreStatus)
#include "tst_TokenStoreStatus.moc"
