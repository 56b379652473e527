#include "config/ConfigValues.h"
#include "config/TargetHostParser.h"

#include <QTest>

using namespace aap::config;
using namespace Qt::StringLiterals;

class tst_ConfigTargetHost : public QObject {
    Q_OBJECT

private slots:
    void validForms_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("scheme");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("basePath");
        QTest::newRow("https://host")
            << u"https://example.com"_s << u"https"_s << u"example.com"_s << 443 << QString();
        QTest::newRow("host") << u"example.com"_s << u"https"_s << u"example.com"_s << 443 << QString();
        QTest::newRow("host upper case")
            << u"Example.COM"_s << u"https"_s << u"example.com"_s << 443 << QString();
        QTest::newRow("host:port") << u"example.com:8443"_s << u"https"_s << u"example.com"_s << 8443
                                   << QString();
        QTest::newRow("ip:port") << u"10.1.2.3:9090"_s << u"https"_s << u"10.1.2.3"_s << 9090 << QString();
        QTest::newRow("ip") << u"10.1.2.3"_s << u"https"_s << u"10.1.2.3"_s << 443 << QString();
        QTest::newRow("[ipv6]:port") << u"[2001:db8::1]:8443"_s << u"https"_s << u"2001:db8::1"_s << 8443
                                     << QString();
        QTest::newRow("[ipv6]") << u"[::1]"_s << u"https"_s << u"::1"_s << 443 << QString();
        QTest::newRow("https://[ipv6]:port")
            << u"https://[::1]:9443"_s << u"https"_s << u"::1"_s << 9443 << QString();
        QTest::newRow("http://host:port")
            << u"http://localhost:9090"_s << u"http"_s << u"localhost"_s << 9090 << QString();
        QTest::newRow("http://host") << u"http://example.com"_s << u"http"_s << u"example.com"_s << 80
                                     << QString();
        QTest::newRow("HTTPS upper scheme")
            << u"HTTPS://example.com"_s << u"https"_s << u"example.com"_s << 443 << QString();
        QTest::newRow("trailing slash")
            << u"https://example.com/"_s << u"https"_s << u"example.com"_s << 443 << QString();
        QTest::newRow("base path")
            << u"https://dce.westeurope-1.metrics.ingest.monitor.azure.com/dataCollectionRules/dcr-1/streams/"
               u"Microsoft-PrometheusMetrics/"_s
            << u"https"_s << u"dce.westeurope-1.metrics.ingest.monitor.azure.com"_s << 443
            << u"/dataCollectionRules/dcr-1/streams/Microsoft-PrometheusMetrics"_s;
        QTest::newRow("host:port/path")
            << u"example.com:8080/api"_s << u"https"_s << u"example.com"_s << 8080 << u"/api"_s;
        QTest::newRow("percent escape")
            << u"example.com/a%20b"_s << u"https"_s << u"example.com"_s << 443 << u"/a%20b"_s;
        QTest::newRow("surrounding spaces")
            << u"  example.com  "_s << u"https"_s << u"example.com"_s << 443 << QString();
    }
    void validForms()
    {
        QFETCH(QString, text);
        const auto parsed = TargetHostParser::parse(text);
        QVERIFY2(parsed.has_value(), parsed.has_value() ? "" : qPrintable(parsed.error()));
        QTEST(parsed->scheme, "scheme");
        QTEST(parsed->host, "host");
        QTEST(int(parsed->port), "port");
        QTEST(parsed->basePath, "basePath");
        QVERIFY(parsed->isValid());
        // Printing and parsing again gives the same target.
        const auto again = TargetHostParser::parse(values::formatTarget(*parsed));
        QVERIFY(again.has_value());
        QCOMPARE(again->host, parsed->host);
        QCOMPARE(again->port, parsed->port);
        QCOMPARE(again->scheme, parsed->scheme);
        QCOMPARE(again->basePath, parsed->basePath);
    }

    void invalidForms_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << QString() << u"empty"_s;
        QTest::newRow("ftp") << u"ftp://example.com"_s << u"only https:// and http://"_s;
        QTest::newRow("port zero") << u"example.com:0"_s << u"port 0"_s;
        QTest::newRow("port too large") << u"example.com:70000"_s << u"65535"_s;
        QTest::newRow("port letters") << u"example.com:https"_s << u"not a port number"_s;
        QTest::newRow("empty port") << u"example.com:"_s << u"not a port number"_s;
        QTest::newRow("bare ipv6") << u"2001:db8::1"_s << u"brackets"_s;
        QTest::newRow("bad ipv6") << u"[2001:zz::1]:443"_s << u"invalid IPv6"_s;
        QTest::newRow("unterminated bracket") << u"[::1:443"_s << u"unterminated"_s;
        QTest::newRow("junk after bracket") << u"[::1]x"_s << u"not a port"_s;
        QTest::newRow("user info") << u"https://user:pw@example.com"_s << u"user info"_s;
        QTest::newRow("query") << u"https://example.com/?a=1"_s << u"query"_s;
        QTest::newRow("fragment") << u"https://example.com/#x"_s << u"fragment"_s;
        QTest::newRow("no host") << u"https:///path"_s << u"no host"_s;
        QTest::newRow("bad host") << u"exa mple.com"_s << u"valid host name"_s;
        QTest::newRow("underscore host") << u"a_b.example.com"_s << u"valid host name"_s;
        QTest::newRow("dot segment") << u"example.com/a/../b"_s << u"base path"_s;
        QTest::newRow("space in path") << u"example.com/a b"_s << u"base path"_s;
        QTest::newRow("broken escape") << u"example.com/a%zz"_s << u"base path"_s;
    }
    void invalidForms()
    {
        QFETCH(QString, text);
        QFETCH(QString, message);
        const auto parsed = TargetHostParser::parse(text);
        QVERIFY(!parsed.has_value());
        QVERIFY2(parsed.error().contains(message), qPrintable(parsed.error()));
    }

    void userInfoNeverQuoted()
    {
        const auto parsed = TargetHostParser::parse(u"https://user:topsecret@example.com"_s);
        QVERIFY(!parsed.has_value());
        QVERIFY(!parsed.error().contains(u"topsecret"_s));
    }
};

QTEST_GUILESS_MAIN(tst_ConfigTargetHost)
#include "tst_ConfigTargetHost.moc"
