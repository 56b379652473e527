#include "http/RequestHead.h"
#include "http/RequestHeadParser.h"
#include "inbound/InboundGuard.h"

#include <QTest>

using aap::config::InboundAuthConfig;
using aap::config::Secret;
using aap::inbound::InboundGuard;

namespace {

const QString keyA = QStringLiteral("key-a-0123456789abcdef");
const QString keyB = QStringLiteral("key-b-fedcba9876543210");

aap::http::RequestHead parsed(const QByteArray &head)
{
    aap::http::RequestHeadParser parser{aap::http::Limits{}};
    aap::http::RequestHead request;
    const auto result = parser.parse(head, request);
    Q_ASSERT(result.status == aap::http::ParseStatus::Complete);
    return request;
}

InboundGuard::Peer peer(const char *address)
{
    return InboundGuard::Peer{QHostAddress(QString::fromLatin1(address))};
}

} // namespace

class tst_InboundGuard : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void nothingConfiguredAdmitsEveryone()
    {
        const InboundGuard guard(InboundAuthConfig{}, {});
        QVERIFY(!guard.requiresKey());
        QVERIFY(!guard.checkPeer(peer("203.0.113.9")));
        QVERIFY(!guard.checkRequest(parsed("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
    }

    void allowedRanges_data()
    {
        QTest::addColumn<QStringList>("ranges");
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("admitted");
        const QStringList mixed{QStringLiteral("10.0.0.0/8"), QStringLiteral("192.168.1.7"),
                                QStringLiteral("fd00::/8")};
        QTest::newRow("v4 inside") << mixed << QStringLiteral("10.20.30.40") << true;
        QTest::newRow("v4 outside") << mixed << QStringLiteral("11.0.0.1") << false;
        QTest::newRow("single address") << mixed << QStringLiteral("192.168.1.7") << true;
        QTest::newRow("next to single") << mixed << QStringLiteral("192.168.1.8") << false;
        QTest::newRow("v6 inside") << mixed << QStringLiteral("fd12:3456::1") << true;
        QTest::newRow("v6 outside") << mixed << QStringLiteral("2001:db8::1") << false;
        QTest::newRow("v4-mapped v6 of an allowed v4") << mixed << QStringLiteral("::ffff:10.1.2.3") << true;
        QTest::newRow("v4-mapped v6 outside") << mixed << QStringLiteral("::ffff:11.1.2.3") << false;
        QTest::newRow("loopback not listed") << mixed << QStringLiteral("127.0.0.1") << false;
        QTest::newRow("v6 loopback") << QStringList{QStringLiteral("::1/128")} << QStringLiteral("::1")
                                     << true;
    }
    void allowedRanges()
    {
        QFETCH(QStringList, ranges);
        QFETCH(QString, address);
        QFETCH(bool, admitted);
        InboundAuthConfig config;
        config.allowedCidrs = ranges;
        const InboundGuard guard(config, {});
        const auto rejection = guard.checkPeer(InboundGuard::Peer{QHostAddress(address)});
        QCOMPARE(!rejection.has_value(), admitted);
        if (rejection) {
            QCOMPARE(rejection->status, 403);
            QCOMPARE(rejection->code, QByteArray("forbidden"));
        }
    }

    void clientCertificates()
    {
        InboundAuthConfig config;
        config.clientCaPath = QStringLiteral("/ca.pem");
        const InboundGuard guard(config, {});
        InboundGuard::Peer none = peer("127.0.0.1");
        QCOMPARE(guard.checkPeer(none)->status, 401);
        InboundGuard::Peer untrusted = none;
        untrusted.certificatePresented = true;
        QCOMPARE(guard.checkPeer(untrusted)->status, 403);
        InboundGuard::Peer trusted = untrusted;
        trusted.certificateTrusted = true;
        QVERIFY(!guard.checkPeer(trusted));
    }

    void apiKeys_data()
    {
        QTest::addColumn<QByteArray>("fields");
        QTest::addColumn<int>("status"); // 0: admitted
        QTest::newRow("authorization apikey") << QByteArray("Authorization: ApiKey ") + keyA.toLatin1() << 0;
        QTest::newRow("scheme any case") << QByteArray("authorization: apikey ") + keyB.toLatin1() << 0;
        QTest::newRow("x-api-key") << QByteArray("X-Api-Key: ") + keyB.toLatin1() << 0;
        QTest::newRow("x-api-key lower case name") << QByteArray("x-api-key: ") + keyA.toLatin1() << 0;
        QTest::newRow("no key") << QByteArray("Accept: */*") << 401;
        QTest::newRow("wrong key") << QByteArray("X-Api-Key: key-c-0000000000000000") << 401;
        QTest::newRow("prefix of a key") << QByteArray("X-Api-Key: key-a-0123456789abcde") << 401;
        QTest::newRow("bearer is not a key") << QByteArray("Authorization: Bearer ") + keyA.toLatin1() << 401;
        QTest::newRow("wrong then right")
            << QByteArray("X-Api-Key: nope\r\nAuthorization: ApiKey ") + keyA.toLatin1() << 0;
    }
    void apiKeys()
    {
        QFETCH(QByteArray, fields);
        QFETCH(int, status);
        InboundAuthConfig config;
        // Two keys: the old one and its replacement both work during a rotation.
        const InboundGuard guard(config, {Secret(keyA), Secret(keyB)});
        QVERIFY(guard.requiresKey());
        const auto rejection =
            guard.checkRequest(parsed("GET / HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n\r\n"));
        QCOMPARE(rejection ? rejection->status : 0, status);
        if (rejection) {
            QVERIFY(!rejection->message.contains(QStringLiteral("key-")));
        }
    }

    void configurableHeader()
    {
        InboundAuthConfig config;
        config.apiKeyHeader = QByteArrayLiteral("X-Proxy-Token");
        const InboundGuard guard(config, {Secret(keyA)});
        QCOMPARE(guard.keyHeader(), QByteArray("X-Proxy-Token"));
        QVERIFY(!guard.checkRequest(
            parsed("GET / HTTP/1.1\r\nHost: x\r\nX-Proxy-Token: " + keyA.toLatin1() + "\r\n\r\n")));
        QVERIFY(guard.checkRequest(
            parsed("GET / HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + keyA.toLatin1() + "\r\n\r\n")));
        QVERIFY(!guard.checkRequest(
            parsed("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: ApiKey " + keyA.toLatin1() + "\r\n\r\n")));
    }
};

QTEST_GUILESS_MAIN(tst_InboundGuard)
#include "tst_InboundGuard.moc"
