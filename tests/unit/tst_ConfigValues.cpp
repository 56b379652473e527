#include "config/ConfigValues.h"

#include <QTest>

using namespace aap::config;
using namespace Qt::StringLiterals;

class tst_ConfigValues : public QObject {
    Q_OBJECT

private slots:
    void port_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("expected"); // -1 = error
        QTest::addColumn<QString>("message");
        QTest::newRow("plain") << u"8081"_s << 8081 << QString();
        QTest::newRow("spaces") << u" 443 "_s << 443 << QString();
        QTest::newRow("max") << u"65535"_s << 65535 << QString();
        QTest::newRow("min") << u"1"_s << 1 << QString();
        QTest::newRow("zero") << u"0"_s << -1 << u"port 0 is not allowed"_s;
        QTest::newRow("too large") << u"65536"_s << -1 << u"greater than 65535"_s;
        QTest::newRow("huge") << u"99999999999999999999999"_s << -1 << u"greater than 65535"_s;
        QTest::newRow("letters") << u"http"_s << -1 << u"not a port number"_s;
        QTest::newRow("negative") << u"-1"_s << -1 << u"not a port number"_s;
        QTest::newRow("sign") << u"+80"_s << -1 << u"not a port number"_s;
        QTest::newRow("trailing") << u"80x"_s << -1 << u"not a port number"_s;
        QTest::newRow("decimal") << u"80.0"_s << -1 << u"not a port number"_s;
        QTest::newRow("empty") << QString() << -1 << u"not a port number"_s;
    }
    void port()
    {
        QFETCH(QString, text);
        QFETCH(int, expected);
        QFETCH(QString, message);
        const auto parsed = values::parsePort(text);
        QCOMPARE(parsed.has_value(), expected >= 0);
        if (expected >= 0)
            QCOMPARE(int(*parsed), expected);
        else
            QVERIFY2(parsed.error().contains(message), qPrintable(parsed.error()));
    }

    void boolean_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("expected"); // -1 = error
        for (const auto *t : {"true", "TRUE", "yes", "On", "1"})
            QTest::newRow(t) << QString::fromLatin1(t) << 1;
        for (const auto *f : {"false", "No", "off", "0"})
            QTest::newRow(f) << QString::fromLatin1(f) << 0;
        for (const auto *bad : {"", "2", "truthy", "y", "enabled"})
            QTest::newRow(qPrintable(u"bad "_s + QString::fromLatin1(bad))) << QString::fromLatin1(bad) << -1;
    }
    void boolean()
    {
        QFETCH(QString, text);
        QFETCH(int, expected);
        const auto parsed = values::parseBool(text);
        QCOMPARE(parsed.has_value(), expected >= 0);
        if (parsed)
            QCOMPARE(*parsed, expected == 1);
    }

    void duration_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("minimum");
        QTest::addColumn<qint64>("expected"); // -1 = error
        QTest::newRow("ms") << u"5000"_s << qint64(1) << qint64(5000);
        QTest::newRow("ms suffix") << u"250ms"_s << qint64(1) << qint64(250);
        QTest::newRow("zero allowed") << u"0"_s << qint64(0) << qint64(0);
        QTest::newRow("zero refused") << u"0"_s << qint64(1) << qint64(-1);
        QTest::newRow("seconds unit") << u"5s"_s << qint64(1) << qint64(-1);
        QTest::newRow("fraction") << u"1.5"_s << qint64(1) << qint64(-1);
        QTest::newRow("negative") << u"-5"_s << qint64(0) << qint64(-1);
        QTest::newRow("above a day") << u"86400001"_s << qint64(1) << qint64(-1);
        QTest::newRow("a day") << u"86400000"_s << qint64(1) << qint64(86400000);
    }
    void duration()
    {
        QFETCH(QString, text);
        QFETCH(qint64, minimum);
        QFETCH(qint64, expected);
        const auto parsed = values::parseDuration(text, std::chrono::milliseconds{minimum});
        QCOMPARE(parsed.has_value(), expected >= 0);
        if (parsed)
            QCOMPARE(parsed->count(), expected);
    }

    void list_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<bool>("ok");
        QTest::newRow("empty") << QString() << QStringList() << true;
        QTest::newRow("one") << u"a"_s << QStringList{u"a"_s} << true;
        QTest::newRow("trimmed") << u" a , b,c "_s << QStringList{u"a"_s, u"b"_s, u"c"_s} << true;
        QTest::newRow("empty entry") << u"a,,b"_s << QStringList() << false;
        QTest::newRow("trailing comma") << u"a,"_s << QStringList() << false;
    }
    void list()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, expected);
        QFETCH(bool, ok);
        const auto parsed = values::parseList(text);
        QCOMPARE(parsed.has_value(), ok);
        if (ok)
            QCOMPARE(*parsed, expected);
    }

    void identityKind_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("expected"); // -1 = error
        QTest::newRow("systemAssigned") << u"systemAssigned"_s << int(IdentityKind::SystemAssigned);
        QTest::newRow("SYSTEMASSIGNED") << u"SYSTEMASSIGNED"_s << int(IdentityKind::SystemAssigned);
        QTest::newRow("userassigned") << u"userassigned"_s << int(IdentityKind::UserAssigned);
        QTest::newRow("UserAssigned") << u"UserAssigned"_s << int(IdentityKind::UserAssigned);
        QTest::newRow("aadApplication") << u"aadApplication"_s << int(IdentityKind::AadApplication);
        QTest::newRow("AADAPPLICATION") << u" AADAPPLICATION "_s << int(IdentityKind::AadApplication);
        QTest::newRow("workloadIdentity") << u"WorkloadIdentity"_s << int(IdentityKind::WorkloadIdentity);
        QTest::newRow("default") << u"Default"_s << int(IdentityKind::Default);
        QTest::newRow("empty") << QString() << int(IdentityKind::Default);
        QTest::newRow("managed") << u"managed"_s << -1;
        QTest::newRow("system-assigned") << u"system-assigned"_s << -1;
    }
    void identityKind()
    {
        QFETCH(QString, text);
        QFETCH(int, expected);
        const auto parsed = values::parseIdentityKind(text);
        QCOMPARE(parsed.has_value(), expected >= 0);
        if (parsed)
            QCOMPARE(int(*parsed), expected);
        else
            QVERIFY(parsed.error().contains(u"unknown identity type"_s));
    }

    void audience_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected"); // empty = error
        const QString resource = u"https://monitor.azure.com"_s;
        QTest::newRow("resource") << resource << resource;
        QTest::newRow("trailing slash") << u"https://monitor.azure.com/"_s << resource;
        QTest::newRow(".default") << u"https://monitor.azure.com/.default"_s << resource;
        QTest::newRow("spaces") << u"  https://monitor.azure.com/.default "_s << resource;
        QTest::newRow("query audience") << u"https://prometheus.monitor.azure.com/.default"_s
                                        << u"https://prometheus.monitor.azure.com"_s;
        QTest::newRow("app id uri") << u"api://3f2a-11/.default"_s << u"api://3f2a-11"_s;
        QTest::newRow("guid") << u"00000000-0000-0000-0000-000000000001"_s
                              << u"00000000-0000-0000-0000-000000000001"_s;
        QTest::newRow("only .default") << u"/.default"_s << QString();
        QTest::newRow("empty") << u" "_s << QString();
        QTest::newRow("space inside") << u"https://monitor azure.com"_s << QString();
        QTest::newRow("query") << u"https://monitor.azure.com/?x=1"_s << QString();
    }
    void audience()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const auto parsed = values::parseAudience(text);
        QCOMPARE(parsed.has_value(), !expected.isEmpty());
        if (parsed)
            QCOMPARE(*parsed, expected);
    }

    void logLevel_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("expected");
        QTest::newRow("debug") << u"DEBUG"_s << int(LogLevel::Debug);
        QTest::newRow("info") << u"info"_s << int(LogLevel::Info);
        QTest::newRow("warn") << u"Warn"_s << int(LogLevel::Warning);
        QTest::newRow("error") << u"error"_s << int(LogLevel::Error);
        QTest::newRow("verbose") << u"verbose"_s << -1;
    }
    void logLevel()
    {
        QFETCH(QString, text);
        QFETCH(int, expected);
        const auto parsed = values::parseLogLevel(text);
        QCOMPARE(parsed.has_value(), expected >= 0);
        if (parsed)
            QCOMPARE(int(*parsed), expected);
    }

    void httpUrl_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("httpsOnly");
        QTest::addColumn<QString>("expected"); // empty = error
        QTest::newRow("https") << u"https://login.microsoftonline.us"_s << true
                               << u"https://login.microsoftonline.us"_s;
        QTest::newRow("no scheme") << u"login.microsoftonline.com"_s << true
                                   << u"https://login.microsoftonline.com"_s;
        QTest::newRow("http refused") << u"http://login.example"_s << true << QString();
        QTest::newRow("http allowed") << u"http://localhost:4317"_s << false << u"http://localhost:4317"_s;
        QTest::newRow("ftp") << u"ftp://x.example"_s << false << QString();
        QTest::newRow("no host") << u"https://"_s << false << QString();
        QTest::newRow("garbage") << u"http://a b"_s << false << QString();
    }
    void httpUrl()
    {
        QFETCH(QString, text);
        QFETCH(bool, httpsOnly);
        QFETCH(QString, expected);
        const auto parsed = values::parseHttpUrl(text, u"https"_s, httpsOnly);
        QCOMPARE(parsed.has_value(), !expected.isEmpty());
        if (parsed)
            QCOMPARE(parsed->toString(), expected);
    }

    void headerOverrides_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("count"); // -1 = error
        QTest::addColumn<QString>("message");
        QTest::newRow("one") << u"X-Scope: tenant-a"_s << 1 << QString();
        QTest::newRow("two") << u"X-A: 1; X-B: two words"_s << 2 << QString();
        QTest::newRow("empty entries") << u"; X-A: 1;"_s << 1 << QString();
        QTest::newRow("authorization") << u"Authorization: Bearer x"_s << -1 << u"Authorization"_s;
        QTest::newRow("authorization any case") << u"X-A: 1; aUtHoRiZaTiOn: x"_s << -1 << u"Authorization"_s;
        QTest::newRow("no colon") << u"X-A 1"_s << -1 << u"has no ':'"_s;
        QTest::newRow("bad name") << u"X A: 1"_s << -1 << u"not a valid HTTP header name"_s;
        // The original's JSON form.
        QTest::newRow("json") << u"{\"X-A\": \"1\", \"X-B\": \"two words\"}"_s << 2 << QString();
        QTest::newRow("json empty") << u" {} "_s << 0 << QString();
        QTest::newRow("json authorization") << u"{\"Authorization\": \"x\"}"_s << -1 << u"Authorization"_s;
        QTest::newRow("host") << u"Host: other.example"_s << -1 << u"the proxy sets Host"_s;
        QTest::newRow("json host") << u"{\"host\": \"x\"}"_s << -1 << u"the proxy sets Host"_s;
        QTest::newRow("hop-by-hop") << u"X-A: 1; Transfer-Encoding: chunked"_s << -1 << u"hop-by-hop"_s;
        QTest::newRow("json hop-by-hop") << u"{\"Connection\": \"close\"}"_s << -1 << u"hop-by-hop"_s;
        QTest::newRow("proxy-authorization") << u"Proxy-Authorization: Basic x"_s << -1 << u"hop-by-hop"_s;
        QTest::newRow("content-length") << u"Content-Length: 5"_s << -1 << u"frames the body"_s;
        QTest::newRow("json number") << u"{\"X-A\": 1}"_s << -1 << u"is not a JSON string"_s;
        QTest::newRow("json broken") << u"{\"X-A\": "_s << -1 << u"not a JSON object"_s;
    }
    void headerOverrides()
    {
        QFETCH(QString, text);
        QFETCH(int, count);
        QFETCH(QString, message);
        const auto parsed = values::parseHeaderOverrides(text);
        QCOMPARE(parsed.has_value(), count >= 0);
        if (parsed)
            QCOMPARE(parsed->size(), count);
        else
            QVERIFY2(parsed.error().contains(message), qPrintable(parsed.error()));
    }

    void headerValuesNeverPrinted()
    {
        const auto parsed = values::parseHeaderOverrides(u"X-Api-Key: hidden-value-42"_s);
        QVERIFY(parsed.has_value());
        QVERIFY(!values::formatHeaderOverrides(*parsed).contains(u"hidden-value-42"_s));
        const auto bad = values::parseHeaderOverrides(u"X-Api-Key hidden-value-42"_s);
        QVERIFY(!bad.has_value());
        QVERIFY(!bad.error().contains(u"hidden-value-42"_s));
    }

    void displayValueHidesUserInfo()
    {
        const QString shown = values::displayValue(u"http://user:pa55word@proxy:3128"_s);
        QVERIFY(!shown.contains(u"pa55word"_s));
        QVERIFY(!shown.contains(u"user"_s));
        QCOMPARE(shown, u"http://<redacted>@proxy:3128"_s);
        const auto url = values::parseHttpUrl(u"http://user:pa55word@proxy:3128"_s, u"http"_s, false);
        QVERIFY(url.has_value());
        QVERIFY(!values::formatUrl(*url).contains(u"pa55word"_s));
    }

    void hostAddress_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected"); // empty = error
        QTest::newRow("ipv4") << u"0.0.0.0"_s << u"0.0.0.0"_s;
        QTest::newRow("localhost") << u"localhost"_s << u"127.0.0.1"_s;
        QTest::newRow("ipv6") << u"::1"_s << u"::1"_s;
        QTest::newRow("bracketed ipv6") << u"[::1]"_s << u"::1"_s;
        QTest::newRow("any") << u"*"_s << u"*"_s;
        QTest::newRow("name") << u"example.com"_s << QString();
        QTest::newRow("bad ipv4") << u"300.1.1.1"_s << QString();
    }
    void hostAddress()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const auto parsed = values::parseHostAddress(text);
        QCOMPARE(parsed.has_value(), !expected.isEmpty());
        if (parsed)
            QCOMPARE(values::formatHostAddress(*parsed), expected);
    }
};

QTEST_GUILESS_MAIN(tst_ConfigValues)
#include "tst_ConfigValues.moc"
