#include "auth/providers/TokenResponseParser.h"

#include <QJsonValue>
#include <QTest>

using aap::auth::TokenError;
using aap::auth::TokenResponseParser;
using namespace std::chrono_literals;

namespace {

const TokenResponseParser::TimePoint kNow{1800000000s};

// Rows live outside the class: moc 6.4 mis-parses some raw string literals inside a Q_OBJECT body.
void addSuccessRows()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("expectedExpiresOn");
    QTest::addColumn<qint64>("expectedRefreshOn"); // 0 = none
    QTest::addColumn<QString>("expectedClientId");

    const qint64 now = 1800000000;
    QTest::newRow("imds all strings")
        << QByteArrayLiteral(
               R"({"access_token":"tok.en-1","expires_in":"3599","expires_on":"1800009999","not_before":"1799999999",)"
               R"("resource":"https://monitor.azure.com","token_type":"Bearer","client_id":"cid-1","refresh_token":""})")
        << now + 3599 << qint64{0} << QStringLiteral("cid-1");
    QTest::newRow("entra v2 numbers")
        << QByteArrayLiteral(
               R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"abc"})")
        << now + 3599 << qint64{0} << QString();
    QTest::newRow("entra refresh_in number")
        << QByteArrayLiteral(
               R"({"token_type":"Bearer","expires_in":86399,"refresh_in":43199,"access_token":"a"})")
        << now + 86399 << now + 43199 << QString();
    QTest::newRow("refresh_in string")
        << QByteArrayLiteral(R"({"expires_in":"7200","refresh_in":"3600","access_token":"a"})") << now + 7200
        << now + 3600 << QString();
    QTest::newRow("refresh_in beyond expiry ignored")
        << QByteArrayLiteral(R"({"expires_in":100,"refresh_in":200,"access_token":"a"})") << now + 100
        << qint64{0} << QString();
    QTest::newRow("expires_in wins over expires_on")
        << QByteArrayLiteral(R"({"access_token":"a","expires_in":60,"expires_on":"1800005000"})") << now + 60
        << qint64{0} << QString();
    QTest::newRow("app service expires_on string")
        << QByteArrayLiteral(
               R"({"access_token":"a","expires_on":"1800003600","resource":"r","token_type":"Bearer","client_id":"c2"})")
        << now + 3600 << qint64{0} << QStringLiteral("c2");
    QTest::newRow("expires_on number") << QByteArrayLiteral(R"({"access_token":"a","expires_on":1800003600})")
                                       << now + 3600 << qint64{0} << QString();
    // 1800003600 is 2027-01-15 09:00:00 UTC.
    QTest::newRow("legacy date +00:00")
        << QByteArrayLiteral(R"({"access_token":"a","expires_on":"01/15/2027 09:00:00 +00:00"})")
        << qint64{1800003600} << qint64{0} << QString();
    QTest::newRow("legacy date single digits +01:00")
        << QByteArrayLiteral(R"({"access_token":"a","expires_on":"1/15/2027 10:00:00 +01:00"})")
        << qint64{1800003600} << qint64{0} << QString();
    QTest::newRow("legacy date AM/PM")
        << QByteArrayLiteral(R"({"access_token":"a","expires_on":"01/15/2027 09:00:00 AM +00:00"})")
        << qint64{1800003600} << qint64{0} << QString();
    QTest::newRow("rfc3339 Z") << QByteArrayLiteral(
                                      R"({"access_token":"a","expires_on":"2027-01-15T09:00:00Z"})")
                               << qint64{1800003600} << qint64{0} << QString();
    QTest::newRow("rfc3339 offset and nanoseconds")
        << QByteArrayLiteral(R"({"access_token":"a","expires_on":"2027-01-15T04:00:00.123456789-05:00"})")
        << qint64{1800003600} << qint64{0} << QString();
    QTest::newRow("bearer lower case")
        << QByteArrayLiteral(R"({"access_token":"a","expires_in":10,"token_type":"bearer"})") << now + 10
        << qint64{0} << QString();
}

QByteArray longDescriptionBody()
{
    return R"({"error":"x","error_description":")" + QByteArray(5000, 'a') + R"(\nline2"})";
}

} // namespace

class tst_TokenResponseParser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesSuccessShapes_data() { addSuccessRows(); }

    void parsesSuccessShapes()
    {
        QFETCH(QByteArray, body);
        QFETCH(qint64, expectedExpiresOn);
        QFETCH(qint64, expectedRefreshOn);
        QFETCH(QString, expectedClientId);

        const auto result = TokenResponseParser::parseToken(body, kNow);
        QVERIFY2(result.has_value(), result.has_value() ? "" : qPrintable(result.error().description));
        const auto &token = result->token;
        QVERIFY(!token.value.isEmpty());
        QCOMPARE(std::chrono::duration_cast<std::chrono::seconds>(token.expiresOn.time_since_epoch()).count(),
                 expectedExpiresOn);
        QCOMPARE(token.refreshOn.has_value(), expectedRefreshOn != 0);
        if (token.refreshOn) {
            QCOMPARE(
                std::chrono::duration_cast<std::chrono::seconds>(token.refreshOn->time_since_epoch()).count(),
                expectedRefreshOn);
        }
        QCOMPARE(token.obtainedAt, kNow);
        QCOMPARE(result->clientId, expectedClientId);
    }

    void tokenValueIsTakenVerbatim()
    {
        const auto result = TokenResponseParser::parseToken(
            QByteArrayLiteral(R"({"access_token":"eyJ0eXAi.eyJhdWQi.sig-_","expires_in":"10"})"), kNow);
        QVERIFY(result.has_value());
        QVERIFY(result->token.value == QByteArrayLiteral("eyJ0eXAi.eyJhdWQi.sig-_"));
    }

    void rejectsMalformed_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("html 200") << QByteArrayLiteral("<html><body>Gateway</body></html>");
        QTest::newRow("bad json") << QByteArrayLiteral(R"({"access_token":"a",)");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("array") << QByteArrayLiteral(R"(["access_token"])");
        QTest::newRow("missing access_token") << QByteArrayLiteral(R"({"expires_in":"3599"})");
        QTest::newRow("empty access_token")
            << QByteArrayLiteral(R"({"access_token":"","expires_in":"3599"})");
        QTest::newRow("numeric access_token")
            << QByteArrayLiteral(R"({"access_token":5,"expires_in":"3599"})");
        QTest::newRow("header injection")
            << QByteArrayLiteral(R"({"access_token":"a\r\nX-Evil: 1","expires_in":9})");
        QTest::newRow("space in token") << QByteArrayLiteral(R"({"access_token":"a b","expires_in":9})");
        QTest::newRow("no expiry") << QByteArrayLiteral(R"({"access_token":"a"})");
        QTest::newRow("expires_in garbage")
            << QByteArrayLiteral(R"({"access_token":"a","expires_in":"soon"})");
        QTest::newRow("expires_in zero") << QByteArrayLiteral(R"({"access_token":"a","expires_in":0})");
        QTest::newRow("expires_in negative")
            << QByteArrayLiteral(R"({"access_token":"a","expires_in":"-5"})");
        QTest::newRow("expires_in huge") << QByteArrayLiteral(R"({"access_token":"a","expires_in":1e300})");
        QTest::newRow("expires_on past")
            << QByteArrayLiteral(R"({"access_token":"a","expires_on":"1700000000"})");
        QTest::newRow("expires_on garbage")
            << QByteArrayLiteral(R"({"access_token":"a","expires_on":"tomorrow"})");
        QTest::newRow("expires_on local time")
            << QByteArrayLiteral(R"({"access_token":"a","expires_on":"2027-01-15T09:00:00"})");
        QTest::newRow("expires_on bad date")
            << QByteArrayLiteral(R"({"access_token":"a","expires_on":"13/45/2027 09:00:00 +00:00"})");
        QTest::newRow("token_type pop")
            << QByteArrayLiteral(R"({"access_token":"a","expires_in":9,"token_type":"pop"})");
    }

    void rejectsMalformed()
    {
        QFETCH(QByteArray, body);
        const auto result = TokenResponseParser::parseToken(body, kNow);
        QVERIFY(!result.has_value());
        QCOMPARE(result.error().kind, TokenError::Kind::Malformed);
        QVERIFY(!result.error().description.isEmpty());
        QVERIFY(!result.error().description.contains(QLatin1String("X-Evil")));
    }

    void parsesErrors_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("code");
        QTest::addColumn<bool>("retryable");

        QTest::newRow("imds invalid_resource")
            << 400
            << QByteArrayLiteral(
                   R"({"error":"invalid_resource","error_description":"AADSTS500011: not found"})")
            << QStringLiteral("invalid_resource") << false;
        QTest::newRow("imds bad_request_102")
            << 400
            << QByteArrayLiteral(
                   R"({"error":"bad_request_102","error_description":"Required metadata header not specified"})")
            << QStringLiteral("bad_request_102") << false;
        QTest::newRow("entra invalid_client")
            << 401
            << QByteArrayLiteral(
                   R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret.",)"
                   R"("error_codes":[7000215],"timestamp":"2026-01-01 00:00:00Z","trace_id":"t","correlation_id":"c"})")
            << QStringLiteral("invalid_client") << false;
        QTest::newRow("imds unknown 500")
            << 500 << QByteArrayLiteral(R"({"error":"unknown","error_description":"x"})")
            << QStringLiteral("unknown") << true;
        QTest::newRow("429 no body") << 429 << QByteArray() << QString() << true;
        QTest::newRow("502 html") << 502 << QByteArrayLiteral("<html>bad gateway</html>") << QString()
                                  << true;
        QTest::newRow("arm nested error")
            << 400 << QByteArrayLiteral(R"({"error":{"code":"BadRequest","message":"bad"}})")
            << QStringLiteral("BadRequest") << false;
    }

    void parsesErrors()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, code);
        QFETCH(bool, retryable);

        const TokenError error = TokenResponseParser::parseError(status, body, 7s);
        QCOMPARE(error.kind, TokenError::Kind::Http);
        QCOMPARE(error.httpStatus, status);
        QCOMPARE(error.code, code);
        QCOMPARE(error.retryable, retryable);
        QCOMPARE(error.retryAfter, std::optional<std::chrono::seconds>(7s));
        QVERIFY(!error.description.isEmpty());
        QVERIFY(!error.description.contains(QLatin1Char('\n')));
    }

    void entraErrorCodeIsKept()
    {
        const TokenError bare = TokenResponseParser::parseError(
            401,
            QByteArrayLiteral(R"({"error":"invalid_client","error_description":"Invalid client secret.",)"
                              R"("error_codes":[7000215]})"));
        QCOMPARE(bare.description, QStringLiteral("AADSTS7000215: Invalid client secret."));
        const TokenError already = TokenResponseParser::parseError(
            401,
            QByteArrayLiteral(R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid.",)"
                              R"("error_codes":[7000215]})"));
        QCOMPARE(already.description, QStringLiteral("AADSTS7000215: Invalid."));
    }

    void errorDescriptionIsBounded()
    {
        const TokenError error = TokenResponseParser::parseError(400, longDescriptionBody());
        QVERIFY(error.description.size() <= 512);
        QVERIFY(!error.description.contains(QLatin1Char('\n')));
    }

    void secondsAcceptsNumbersAndStrings()
    {
        QCOMPARE(TokenResponseParser::seconds(QJsonValue(42)), std::optional<qint64>(42));
        QCOMPARE(TokenResponseParser::seconds(QJsonValue(QStringLiteral(" 42 "))), std::optional<qint64>(42));
        QCOMPARE(TokenResponseParser::seconds(QJsonValue(QStringLiteral("4x2"))), std::nullopt);
        QCOMPARE(TokenResponseParser::seconds(QJsonValue(true)), std::nullopt);
        QCOMPARE(TokenResponseParser::seconds(QJsonValue()), std::nullopt);
    }
};

QTEST_GUILESS_MAIN(tst_TokenResponseParser)
#include "tst_TokenResponseParser.moc"
