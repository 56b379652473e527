#include "jwt/JwtClaims.h"

#include <QJsonDocument>
#include <QTest>

using aap::jwt::JwtClaims;
using aap::jwt::JwtDecodeError;
using Kind = JwtDecodeError::Kind;
using namespace Qt::StringLiterals;

// moc cannot parse raw string literals, so the JSON below is written with escaped quotes.

Q_DECLARE_METATYPE(JwtDecodeError::Kind)

namespace {

QByteArray part(const QByteArray &json)
{
    return json.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray token(const QByteArray &headerJson, const QByteArray &payloadJson,
                 const QByteArray &signature = QByteArrayLiteral("c2lnbmF0dXJl"))
{
    return part(headerJson) + '.' + part(payloadJson) + '.' + signature;
}

const QByteArray rsHeader = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"key-1\",\"x5t\":\"key-1\"}";

} // namespace

class tst_JwtClaims : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void managedIdentityToken()
    {
        const QByteArray payload =
            "{\"aud\":\"https://monitor.azure.com\",\"iss\":\"https://sts.windows.net/tenant-1/"
            "\",\"iat\":1700000000,"
            "\"nbf\":1700000000,\"exp\":1700086399,\"appid\":\"client-1\",\"oid\":\"object-1\",\"tid\":"
            "\"tenant-1\","
            "\"sub\":\"object-1\",\"xms_mirid\":\"/subscriptions/s/resourcegroups/g/providers/"
            "Microsoft.ManagedIdentity/userAssignedIdentities/id-1\"}";
        const auto claims = JwtClaims::decode(token(rsHeader, payload));
        QVERIFY(claims.has_value());
        QCOMPARE(claims->algorithm, u"RS256"_s);
        QCOMPARE(claims->type, u"JWT"_s);
        QCOMPARE(claims->keyId, u"key-1"_s);
        QCOMPARE(claims->x5t, u"key-1"_s);
        QCOMPARE(claims->audiences, QStringList{u"https://monitor.azure.com"_s});
        QCOMPARE(claims->issuer, u"https://sts.windows.net/tenant-1/"_s);
        QCOMPARE(claims->tenantId, u"tenant-1"_s);
        QCOMPARE(claims->objectId, u"object-1"_s);
        QCOMPARE(claims->subject, u"object-1"_s);
        QCOMPARE(claims->appId, u"client-1"_s);
        QCOMPARE(claims->clientAppId(), u"client-1"_s);
        QVERIFY(claims->managedIdentityResourceId.endsWith(u"/userAssignedIdentities/id-1"_s));
        QCOMPARE(claims->issuedAt, std::optional<qint64>(1700000000));
        QCOMPARE(claims->notBefore, std::optional<qint64>(1700000000));
        QCOMPARE(claims->expiresAt, std::optional<qint64>(1700086399));
        QVERIFY(claims->hasSignature);
        QCOMPARE(claims->payload.value(u"oid"_s).toString(), u"object-1"_s);
    }

    void applicationTokenV2()
    {
        const QByteArray payload =
            "{\"aud\":[\"api://a\",\"https://prometheus.monitor.azure.com\"],\"azp\":\"app-2\","
            "\"exp\":1700000000.75,\"ver\":\"2.0\"}";
        const auto claims = JwtClaims::decode(token(rsHeader, payload));
        QVERIFY(claims.has_value());
        QCOMPARE(claims->audiences, (QStringList{u"api://a"_s, u"https://prometheus.monitor.azure.com"_s}));
        QCOMPARE(claims->authorizedParty, u"app-2"_s);
        QCOMPARE(claims->clientAppId(), u"app-2"_s);
        QVERIFY(claims->appId.isEmpty());
        QVERIFY(claims->managedIdentityResourceId.isEmpty());
        // A fractional NumericDate is allowed by RFC 7519; the fraction is dropped.
        QCOMPARE(claims->expiresAt, std::optional<qint64>(1700000000));
        QVERIFY(!claims->notBefore.has_value());
        QVERIFY(!claims->issuedAt.has_value());
    }

    void unsignedTokenDecodes()
    {
        const auto claims = JwtClaims::decode(token("{\"alg\":\"none\"}", "{\"aud\":\"x\"}", {}));
        QVERIFY(claims.has_value());
        QVERIFY(!claims->hasSignature);
        QCOMPARE(claims->algorithm, u"none"_s);
    }

    void rejects_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<QString>("where");

        const QByteArray good = part("{\"exp\":1}");
        const QByteArray header = part(rsHeader);
        QTest::newRow("empty") << QByteArray() << Kind::NotCompact << QString();
        QTest::newRow("opaque token") << QByteArrayLiteral("abcdef") << Kind::NotCompact << QString();
        QTest::newRow("two parts") << QByteArray(header + '.' + good) << Kind::NotCompact << QString();
        QTest::newRow("five parts (JWE)")
            << QByteArray(header + '.' + good + ".a.b.c") << Kind::NotCompact << QString();
        QTest::newRow("padding") << QByteArray(part("{}") + "=." + good + ".c2ln") << Kind::BadBase64Url
                                 << u"header"_s;
        QTest::newRow("standard alphabet")
            << QByteArray(header + '.' + good + ".ab+/") << Kind::BadBase64Url << u"signature"_s;
        QTest::newRow("impossible length")
            << QByteArray(header + ".abcde." + good) << Kind::BadBase64Url << u"payload"_s;
        QTest::newRow("payload not json")
            << QByteArray(header + '.' + part("not json") + ".c2ln") << Kind::BadJson << u"payload"_s;
        QTest::newRow("header is an array")
            << QByteArray(part("[1]") + '.' + good + ".c2ln") << Kind::BadJson << u"header"_s;
        QTest::newRow("exp as string")
            << token(rsHeader, "{\"exp\":\"1700000000\"}") << Kind::BadClaimType << u"exp"_s;
        QTest::newRow("nbf as bool") << token(rsHeader, "{\"nbf\":true}") << Kind::BadClaimType << u"nbf"_s;
        QTest::newRow("huge iat") << token(rsHeader, "{\"iat\":1e300}") << Kind::BadClaimType << u"iat"_s;
        QTest::newRow("aud as number") << token(rsHeader, "{\"aud\":5}") << Kind::BadClaimType << u"aud"_s;
        QTest::newRow("aud array with number")
            << token(rsHeader, "{\"aud\":[\"a\",5]}") << Kind::BadClaimType << u"aud"_s;
        QTest::newRow("oid as object") << token(rsHeader, "{\"oid\":{}}") << Kind::BadClaimType << u"oid"_s;
        QTest::newRow("alg as number") << token("{\"alg\":256}", "{}") << Kind::BadClaimType << u"alg"_s;
        QTest::newRow("too large") << QByteArray(JwtClaims::maxTokenSize + 1, 'a') << Kind::TooLarge
                                   << QString();
    }

    void rejects()
    {
        QFETCH(QByteArray, input);
        QFETCH(Kind, kind);
        QFETCH(QString, where);
        const auto claims = JwtClaims::decode(input);
        QVERIFY(!claims.has_value());
        QCOMPARE(claims.error().kind, kind);
        QCOMPARE(claims.error().where, where);
    }

    void summaryNamesTheProblemNotTheToken()
    {
        const QByteArray secretPayload = "{\"exp\":\"secret-looking-value\"}";
        const auto claims = JwtClaims::decode(token(rsHeader, secretPayload));
        QVERIFY(!claims.has_value());
        QCOMPARE(claims.error().summary(), u"bad_claim_type exp"_s);
        QCOMPARE((JwtDecodeError{Kind::NotCompact, {}}.summary()), u"not_compact"_s);
    }
};

QTEST_GUILESS_MAIN(tst_JwtClaims)
#include "tst_JwtClaims.moc"
