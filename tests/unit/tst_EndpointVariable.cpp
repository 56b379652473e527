#include "auth/providers/EndpointVariable.h"

#include <QTest>

using aap::auth::EndpointVariable;

class tst_EndpointVariable : public QObject {
    Q_OBJECT

private slots:
    void read_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("url"); // empty: an error is expected
        QTest::newRow("unset") << QString() << QString();
        QTest::newRow("url") << QStringLiteral("http://169.254.169.254")
                             << QStringLiteral("http://169.254.169.254");
        QTest::newRow("arc endpoint")
            << QStringLiteral("http://localhost:40342/metadata/identity/oauth2/token")
            << QStringLiteral("http://localhost:40342/metadata/identity/oauth2/token");
        QTest::newRow("bare host:port")
            << QStringLiteral(" 10.0.0.5:8080 ") << QStringLiteral("http://10.0.0.5:8080");
        QTest::newRow("https") << QStringLiteral("https://mi.example/token")
                               << QStringLiteral("https://mi.example/token");
    }

    void read()
    {
        QFETCH(QString, value);
        QFETCH(QString, url);
        QProcessEnvironment environment;
        if (!value.isNull()) {
            environment.insert(QStringLiteral("IDENTITY_ENDPOINT"), value);
        }
        const auto endpoint = EndpointVariable::read(environment, "IDENTITY_ENDPOINT");
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error()));
        QCOMPARE(endpoint->toString(), url);
    }

    void rejects_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("ftp") << QStringLiteral("ftp://169.254.169.254");
        QTest::newRow("no host") << QStringLiteral("http://");
        QTest::newRow("space in host") << QStringLiteral("http://a b:80");
        QTest::newRow("user info") << QStringLiteral("http://u:p@169.254.169.254");
    }

    void rejects()
    {
        QFETCH(QString, value);
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("AZURE_POD_IDENTITY_AUTHORITY_HOST"), value);
        const auto endpoint = EndpointVariable::read(environment, "AZURE_POD_IDENTITY_AUTHORITY_HOST");
        QVERIFY(!endpoint);
        QVERIFY2(endpoint.error().startsWith(QStringLiteral("AZURE_POD_IDENTITY_AUTHORITY_HOST='")),
                 qPrintable(endpoint.error()));
    }
};

QTEST_GUILESS_MAIN(tst_EndpointVariable)
#include "tst_EndpointVariable.moc"
