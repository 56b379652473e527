#include "auth/providers/Authority.h"
#include "auth/providers/TokenRequestForm.h"

#include <QTest>
#include <QUrlQuery>

using aap::auth::Authority;
using aap::auth::TokenRequestForm;
using aap::config::Cloud;
using aap::config::IdentityConfig;

class tst_Authority : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cloudHosts_data()
    {
        QTest::addColumn<Cloud>("cloud");
        QTest::addColumn<QString>("tokenUrl");
        QTest::newRow("public") << Cloud::Public
                                << QStringLiteral("https://login.microsoftonline.com/t1/oauth2/v2.0/token");
        QTest::newRow("usgov") << Cloud::UsGovernment
                               << QStringLiteral("https://login.microsoftonline.us/t1/oauth2/v2.0/token");
        QTest::newRow("china") << Cloud::China
                               << QStringLiteral(
                                      "https://login.partner.microsoftonline.cn/t1/oauth2/v2.0/token");
    }
    void cloudHosts()
    {
        QFETCH(Cloud, cloud);
        QFETCH(QString, tokenUrl);
        IdentityConfig identity;
        identity.cloud = cloud;
        const auto authority = Authority::resolve(identity, QProcessEnvironment());
        QVERIFY(authority);
        const auto url = authority->tokenUrl(QStringLiteral("t1"));
        QVERIFY(url);
        QCOMPARE(url->toString(), tokenUrl);
    }

    void environmentOverridesCloud()
    {
        IdentityConfig identity;
        identity.cloud = Cloud::China;
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("AZURE_AUTHORITY_HOST"),
                           QStringLiteral("https://login.microsoftonline.us/"));
        const auto authority = Authority::resolve(identity, environment);
        QVERIFY(authority);
        QCOMPARE(
            authority->tokenUrl(QStringLiteral("contoso.onmicrosoft.com"))->toString(),
            QStringLiteral("https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"));
    }

    void configOverridesEnvironment()
    {
        IdentityConfig identity;
        identity.authorityHost = QUrl(QStringLiteral("https://127.0.0.1:8443"));
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("AZURE_AUTHORITY_HOST"),
                           QStringLiteral("https://login.microsoftonline.us"));
        const auto authority = Authority::resolve(identity, environment);
        QVERIFY(authority);
        QCOMPARE(authority->tokenUrl(QStringLiteral("t"))->toString(),
                 QStringLiteral("https://127.0.0.1:8443/t/oauth2/v2.0/token"));
    }

    void hostForms_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("tokenUrl");
        QTest::newRow("bare host") << QStringLiteral("login.microsoftonline.us")
                                   << QStringLiteral("https://login.microsoftonline.us/t/oauth2/v2.0/token");
        QTest::newRow("with port") << QStringLiteral("https://127.0.0.1:4443/")
                                   << QStringLiteral("https://127.0.0.1:4443/t/oauth2/v2.0/token");
        QTest::newRow("default port dropped")
            << QStringLiteral("https://login.microsoftonline.com:443")
            << QStringLiteral("https://login.microsoftonline.com/t/oauth2/v2.0/token");
        QTest::newRow("base path") << QStringLiteral("https://adfs.example/prefix/")
                                   << QStringLiteral("https://adfs.example/prefix/t/oauth2/v2.0/token");
        QTest::newRow("upper scheme")
            << QStringLiteral("HTTPS://login.microsoftonline.com")
            << QStringLiteral("https://login.microsoftonline.com/t/oauth2/v2.0/token");
    }
    void hostForms()
    {
        QFETCH(QString, host);
        QFETCH(QString, tokenUrl);
        const auto authority = Authority::fromHost(host);
        QVERIFY2(authority, qPrintable(authority ? QString() : authority.error()));
        QCOMPARE(authority->tokenUrl(QStringLiteral("t"))->toString(), tokenUrl);
    }

    void refusedHosts_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("mention");
        QTest::newRow("http") << QStringLiteral("http://login.microsoftonline.com")
                              << QStringLiteral("https");
        QTest::newRow("ftp") << QStringLiteral("ftp://login.microsoftonline.com") << QStringLiteral("https");
        QTest::newRow("empty") << QStringLiteral("  ") << QStringLiteral("empty");
        QTest::newRow("query") << QStringLiteral("https://login.microsoftonline.com/?x=1")
                               << QStringLiteral("query");
        QTest::newRow("userinfo") << QStringLiteral("https://u:p@login.microsoftonline.com")
                                  << QStringLiteral("user info");
    }
    void refusedHosts()
    {
        QFETCH(QString, host);
        QFETCH(QString, mention);
        const auto authority = Authority::fromHost(host);
        QVERIFY(!authority);
        QVERIFY2(authority.error().contains(mention), qPrintable(authority.error()));
    }

    void httpFromEnvironmentNamesTheVariable()
    {
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("AZURE_AUTHORITY_HOST"), QStringLiteral("http://127.0.0.1:1"));
        const auto authority = Authority::resolve(IdentityConfig{}, environment);
        QVERIFY(!authority);
        QVERIFY(authority.error().startsWith(QStringLiteral("AZURE_AUTHORITY_HOST")));
        QVERIFY(authority.error().contains(QStringLiteral("must use https")));
    }

    void tenantIsChecked_data()
    {
        QTest::addColumn<QString>("tenant");
        QTest::addColumn<bool>("valid");
        QTest::newRow("guid") << QStringLiteral("72f988bf-86f1-41af-91ab-2d7cd011db47") << true;
        QTest::newRow("domain") << QStringLiteral("contoso.onmicrosoft.com") << true;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("slash") << QStringLiteral("t/../x") << false;
        QTest::newRow("query") << QStringLiteral("t?x") << false;
        QTest::newRow("space") << QStringLiteral("t x") << false;
    }
    void tenantIsChecked()
    {
        QFETCH(QString, tenant);
        QFETCH(bool, valid);
        QCOMPARE(bool(Authority::forCloud(Cloud::Public).tokenUrl(tenant)), valid);
    }

    void scope_data()
    {
        QTest::addColumn<QString>("resource");
        QTest::addColumn<QString>("scope");
        QTest::newRow("plain") << QStringLiteral("https://monitor.azure.com")
                               << QStringLiteral("https://monitor.azure.com/.default");
        QTest::newRow("trailing slash") << QStringLiteral("https://monitor.azure.com/")
                                        << QStringLiteral("https://monitor.azure.com/.default");
        QTest::newRow("already scoped") << QStringLiteral("https://monitor.azure.com/.default")
                                        << QStringLiteral("https://monitor.azure.com/.default");
        QTest::newRow("guid") << QStringLiteral("api://1b2c") << QStringLiteral("api://1b2c/.default");
    }
    void scope()
    {
        QFETCH(QString, resource);
        QFETCH(QString, scope);
        QCOMPARE(Authority::scopeFor(resource), scope);
    }

    void formEncodesEveryReservedCharacter()
    {
        TokenRequestForm form;
        form.add(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
        form.add(QStringLiteral("client_secret"), QStringLiteral("a+b&c=d%e f/~é"));
        form.add(QStringLiteral("scope"), QStringLiteral("https://monitor.azure.com/.default"));
        const QByteArray body = form.encoded();
        QCOMPARE(body, QByteArrayLiteral(
                           "grant_type=client_credentials&client_secret=a%2Bb%26c%3Dd%25e%20f%2F~%C3%A9"
                           "&scope=https%3A%2F%2Fmonitor.azure.com%2F.default"));
        // A standard form decoder gets the values back exactly.
        const QUrlQuery decoded(QString::fromUtf8(body));
        QCOMPARE(decoded.queryItemValue(QStringLiteral("client_secret"), QUrl::FullyDecoded),
                 QStringLiteral("a+b&c=d%e f/~é"));
    }
};

QTEST_GUILESS_MAIN(tst_Authority)
#include "tst_Authority.moc"
