#include "http/RequestAuthority.h"

#include <QTest>

using aap::http::RequestAuthority;

class tst_HttpRequestAuthority : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parses_data()
    {
        QTest::addColumn<QByteArray>("authority");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<int>("port"); // -1: none
        QTest::newRow("name") << QByteArray("example.com") << true << QByteArray("example.com") << -1;
        QTest::newRow("name and port")
            << QByteArray("localhost:8081") << true << QByteArray("localhost") << 8081;
        QTest::newRow("empty port") << QByteArray("localhost:") << true << QByteArray("localhost") << -1;
        QTest::newRow("ipv4") << QByteArray("127.0.0.1:80") << true << QByteArray("127.0.0.1") << 80;
        QTest::newRow("ipv6") << QByteArray("[::1]:443") << true << QByteArray("::1") << 443;
        QTest::newRow("ipv6 no port") << QByteArray("[::1]") << true << QByteArray("::1") << -1;
        QTest::newRow("max port") << QByteArray("h:65535") << true << QByteArray("h") << 65535;
        QTest::newRow("port too big") << QByteArray("h:65536") << false << QByteArray() << -1;
        QTest::newRow("port not a number") << QByteArray("h:8o") << false << QByteArray() << -1;
        QTest::newRow("two colons") << QByteArray("h:1:2") << false << QByteArray() << -1;
        QTest::newRow("bare ipv6") << QByteArray("::1") << false << QByteArray() << -1;
        QTest::newRow("unclosed bracket") << QByteArray("[::1") << false << QByteArray() << -1;
        QTest::newRow("after bracket") << QByteArray("[::1]x") << false << QByteArray() << -1;
        QTest::newRow("empty host") << QByteArray(":80") << false << QByteArray() << -1;
        QTest::newRow("empty") << QByteArray() << false << QByteArray() << -1;
    }
    void parses()
    {
        QFETCH(QByteArray, authority);
        QFETCH(bool, valid);
        const auto parsed = RequestAuthority::parse(authority);
        QCOMPARE(parsed.has_value(), valid);
        if (valid) {
            QTEST(parsed->host.toByteArray(), "host");
            QTEST(parsed->port ? int(*parsed->port) : -1, "port");
        }
    }
};

QTEST_GUILESS_MAIN(tst_HttpRequestAuthority)
#include "tst_HttpRequestAuthority.moc"
