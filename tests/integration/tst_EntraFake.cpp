#include "protocol/FakeEntra.h"
#include "protocol/TestPki.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using aap::test::FakeEntra;
using aap::test::TestPki;

// The fake must be as strict as Entra, or the client tests prove nothing: every malformed request
// below is refused with Entra's status and error code.
class tst_EntraFake : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<TestPki> m_pki;
    std::unique_ptr<FakeEntra> m_entra;
    QNetworkAccessManager m_manager;

    struct Reply {
        int status = 0;
        QJsonObject body;
    };

    Reply send(const QByteArray &verb, const QString &path, const QByteArray &contentType,
               const QByteArray &body)
    {
        QUrl url = m_entra->authorityHost();
        url.setPath(path);
        QNetworkRequest request(url);
        if (!contentType.isEmpty())
            request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates({m_pki->caCertificate()});
        request.setSslConfiguration(tls);
        std::unique_ptr<QNetworkReply> reply(m_manager.sendCustomRequest(request, verb, body));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        if (!finished.wait(10'000))
            return {};
        return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                QJsonDocument::fromJson(reply->readAll()).object()};
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_pki = std::make_unique<TestPki>();
        QVERIFY(m_pki->isValid());
        m_entra = std::make_unique<FakeEntra>(m_pki->serverConfiguration());
        QVERIFY(m_entra->start());
        m_entra->addSecretClient(QStringLiteral("t1"), QStringLiteral("c1"), QByteArrayLiteral("a+b c"));
    }

    void strictness_data()
    {
        QTest::addColumn<QByteArray>("verb");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("error");

        const QString path = QStringLiteral("/t1/oauth2/v2.0/token");
        const QByteArray form = QByteArrayLiteral("application/x-www-form-urlencoded");
        const QByteArray good =
            QByteArrayLiteral("grant_type=client_credentials&client_id=c1&scope=https%3A%2F%2F"
                              "monitor.azure.com%2F.default&client_secret=a%2Bb+c");
        QTest::newRow("accepted") << QByteArrayLiteral("POST") << path << form << good << 200 << QString();
        QTest::newRow("GET") << QByteArrayLiteral("GET") << path << QByteArray() << QByteArray() << 405
                             << QStringLiteral("invalid_request");
        QTest::newRow("v1 path") << QByteArrayLiteral("POST") << QStringLiteral("/t1/oauth2/token") << form
                                 << good << 404 << QStringLiteral("invalid_request");
        QTest::newRow("json body") << QByteArrayLiteral("POST") << path
                                   << QByteArrayLiteral("application/json") << good << 400
                                   << QStringLiteral("invalid_request");
        QTest::newRow("bad percent escape")
            << QByteArrayLiteral("POST") << path << form << QByteArray(good + "%2") << 400
            << QStringLiteral("invalid_request");
        QTest::newRow("repeated field")
            << QByteArrayLiteral("POST") << path << form << QByteArray(good + "&client_id=c1") << 400
            << QStringLiteral("invalid_request");
        QTest::newRow("v1 resource field")
            << QByteArrayLiteral("POST") << path << form << QByteArray(good + "&resource=https%3A%2F%2Fx")
            << 400 << QStringLiteral("invalid_request");
        QTest::newRow("grant type") << QByteArrayLiteral("POST") << path << form
                                    << QByteArray(good).replace("client_credentials", "password") << 400
                                    << QStringLiteral("unsupported_grant_type");
        QTest::newRow("missing client_id")
            << QByteArrayLiteral("POST") << path << form << QByteArray(good).replace("&client_id=c1", "")
            << 400 << QStringLiteral("invalid_request");
        QTest::newRow("scope without .default")
            << QByteArrayLiteral("POST") << path << form << QByteArray(good).replace("%2F.default", "") << 400
            << QStringLiteral("invalid_scope");
        QTest::newRow("double .default") << QByteArrayLiteral("POST") << path << form
                                         << QByteArray(good).replace("%2F.default", "%2F.default%2F.default")
                                         << 400 << QStringLiteral("invalid_scope");
        QTest::newRow("double slash") << QByteArrayLiteral("POST") << path << form
                                      << QByteArray(good).replace("%2F.default", "%2F%2F.default") << 400
                                      << QStringLiteral("invalid_scope");
        QTest::newRow("'+' sent raw is a space")
            << QByteArrayLiteral("POST") << path << form << QByteArray(good).replace("a%2Bb", "a+b") << 401
            << QStringLiteral("invalid_client");
        QTest::newRow("unknown client") << QByteArrayLiteral("POST") << path << form
                                        << QByteArray(good).replace("client_id=c1", "client_id=c2") << 400
                                        << QStringLiteral("unauthorized_client");
        QTest::newRow("secret and assertion")
            << QByteArrayLiteral("POST") << path << form << QByteArray(good + "&client_assertion=x") << 401
            << QStringLiteral("invalid_client");
    }
    void strictness()
    {
        QFETCH(QByteArray, verb);
        QFETCH(QString, path);
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, error);
        const Reply reply = send(verb, path, contentType, body);
        QCOMPARE(reply.status, status);
        if (status == 200) {
            QVERIFY(reply.body.value(QStringLiteral("expires_in")).isDouble());
            QVERIFY(reply.body.value(QStringLiteral("ext_expires_in")).isDouble());
            QCOMPARE(reply.body.value(QStringLiteral("token_type")).toString(), QStringLiteral("Bearer"));
            QVERIFY(reply.body.value(QStringLiteral("access_token")).toString().toLatin1() ==
                    m_entra->lastAccessToken());
            return;
        }
        QCOMPARE(reply.body.value(QStringLiteral("error")).toString(), error);
        QVERIFY(reply.body.value(QStringLiteral("error_description"))
                    .toString()
                    .startsWith(QStringLiteral("AADSTS")));
        QVERIFY(reply.body.value(QStringLiteral("error_codes")).isArray());
        QVERIFY(reply.body.contains(QStringLiteral("trace_id")));
        QVERIFY(reply.body.contains(QStringLiteral("correlation_id")));
    }

    void numbersAsStrings()
    {
        m_entra->setNumbersAsStrings(true);
        m_entra->setRefreshIn(1800);
        const Reply reply =
            send(QByteArrayLiteral("POST"), QStringLiteral("/t1/oauth2/v2.0/token"),
                 QByteArrayLiteral("application/x-www-form-urlencoded"),
                 QByteArrayLiteral("grant_type=client_credentials&client_id=c1&scope=api%3A%2F%2Fx%2F."
                                   "default&client_secret=a%2Bb%20c"));
        m_entra->setNumbersAsStrings(false);
        m_entra->setRefreshIn(std::nullopt);
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.body.value(QStringLiteral("expires_in")).toString(), QStringLiteral("3599"));
        QCOMPARE(reply.body.value(QStringLiteral("refresh_in")).toString(), QStringLiteral("1800"));
    }

    void countsRequests()
    {
        const int before = m_entra->requestCount();
        send(QByteArrayLiteral("POST"), QStringLiteral("/t1/oauth2/v2.0/token"), QByteArray(), QByteArray());
        QCOMPARE(m_entra->requestCount(), before + 1);
    }
};

QTEST_GUILESS_MAIN(tst_EntraFake)
#include "tst_EntraFake.moc"
