#include "auth/ProviderFactory.h"
#include "auth/providers/TokenHttpClient.h"
#include "core/SystemClock.h"
#include "protocol/FakeEntra.h"
#include "protocol/TestPki.h"
#include "support/FakeClock.h"
#include "support/ProviderTestKit.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace std::chrono_literals;
using aap::auth::ProviderFactory;
using aap::auth::TokenError;
using aap::auth::TokenHttpClient;
using aap::auth::TokenProvider;
using aap::config::AssertionAlgorithm;
using aap::config::IdentityConfig;
using aap::config::IdentityKind;
using aap::config::Secret;
using aap::test::FakeEntra;
using aap::test::TestPki;
using Kit = aap::test::ProviderTestKit;

Q_DECLARE_METATYPE(AssertionAlgorithm)

namespace {

const QString tenant = QStringLiteral("72f988bf-86f1-41af-91ab-2d7cd011db47");
const QString clientId = QStringLiteral("b3a5c1d2-0000-4000-8000-000000000001");

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray sha256(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
}

QString describeError(const TokenProvider::Result &result)
{
    if (result)
        return QStringLiteral("success");
    return QStringLiteral("%1 %2 %3")
        .arg(QString::number(result.error().httpStatus), result.error().code, result.error().description);
}

} // namespace

class tst_EntraClientCredentials : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<TestPki> m_pki;
    std::unique_ptr<FakeEntra> m_entra;
    std::unique_ptr<aap::SystemClock> m_clock;
    std::unique_ptr<TokenHttpClient> m_http;

    IdentityConfig application() const
    {
        IdentityConfig identity;
        identity.name = QStringLiteral("app");
        identity.kind = IdentityKind::AadApplication;
        identity.tenantId = tenant;
        identity.clientId = clientId;
        identity.authorityHost = m_entra->authorityHost();
        return identity;
    }

    std::unique_ptr<TokenProvider> make(const IdentityConfig &identity, aap::Clock *clock = nullptr)
    {
        ProviderFactory factory(QProcessEnvironment(), clock != nullptr ? *clock : *m_clock, *m_http);
        auto provider = factory.create(identity);
        if (!provider) {
            qWarning().noquote() << "factory:" << provider.error();
            return nullptr;
        }
        return std::move(provider).value();
    }

    void verifySuccess(const TokenProvider::Result &result)
    {
        QVERIFY2(result, qPrintable(describeError(result)));
        QVERIFY(result->value == m_entra->lastAccessToken());
        QVERIFY(!result->value.isEmpty());
    }

    void makeHttp(std::chrono::seconds requestTimeout)
    {
        TokenHttpClient::Options options;
        options.requestTimeout = requestTimeout;
        options.caBundle = m_pki->caCertificatePath();
        m_http = std::make_unique<TokenHttpClient>(*m_clock, options);
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<AssertionAlgorithm>();
        m_pki = std::make_unique<TestPki>();
        QVERIFY(m_pki->isValid());
    }

    void init()
    {
        m_entra = std::make_unique<FakeEntra>(m_pki->serverConfiguration());
        QVERIFY(m_entra->start());
        m_clock = std::make_unique<aap::SystemClock>();
        makeHttp(3s);
    }

    void cleanup()
    {
        m_http.reset();
        m_entra.reset();
        m_clock.reset();
    }

    void clientSecret()
    {
        // Reserved form characters prove every value is percent-encoded.
        const QByteArray secret = QByteArrayLiteral("s3+cr/et&x=y%z ~\xc3\xa9");
        m_entra->addSecretClient(tenant, clientId, secret);
        IdentityConfig identity = application();
        identity.clientSecret = Secret(QString::fromUtf8(secret));
        auto provider = make(identity);
        QVERIFY(provider);
        QVERIFY(provider->describe().contains(QStringLiteral("secret")));
        QVERIFY(!provider->describe().contains(QString::fromUtf8(secret)));

        const auto before = std::chrono::system_clock::now();
        const auto result = Kit::fetchAndWait(*provider, QStringLiteral("https://monitor.azure.com/"));
        verifySuccess(result);
        QCOMPARE(m_entra->requestCount(), 1);
        QCOMPARE(m_entra->lastPath(), QByteArray("/" + tenant.toLatin1() + "/oauth2/v2.0/token"));
        QCOMPARE(m_entra->lastContentType(), QByteArrayLiteral("application/x-www-form-urlencoded"));
        QCOMPARE(m_entra->lastForm().value(QStringLiteral("grant_type")),
                 QStringLiteral("client_credentials"));
        QCOMPARE(m_entra->lastForm().value(QStringLiteral("client_id")), clientId);
        QCOMPARE(m_entra->lastForm().value(QStringLiteral("scope")),
                 QStringLiteral("https://monitor.azure.com/.default"));
        QVERIFY(!m_entra->lastForm().contains(QStringLiteral("client_assertion")));
        QVERIFY(result->expiresOn >= before + 3599s &&
                result->expiresOn <= std::chrono::system_clock::now() + 3599s);
        QVERIFY(!result->refreshOn);
    }

    void numbersAsStringsAndRefreshIn()
    {
        m_entra->addSecretClient(tenant, clientId, QByteArrayLiteral("secret"));
        m_entra->setNumbersAsStrings(true);
        m_entra->setExpiresIn(7200);
        m_entra->setRefreshIn(3600);
        IdentityConfig identity = application();
        identity.clientSecret = Secret(QStringLiteral("secret"));
        auto provider = make(identity);
        QVERIFY(provider);
        const auto result = Kit::fetchAndWait(*provider);
        verifySuccess(result);
        QVERIFY(result->refreshOn);
        QCOMPARE(std::chrono::duration_cast<std::chrono::seconds>(result->expiresOn - *result->refreshOn),
                 3600s);
    }

    void secretFileIsReadForEveryFetch()
    {
        const QString path = m_pki->filePath(QStringLiteral("client-secret"));
        QVERIFY(TestPki::writeFile(path, QByteArrayLiteral("first-secret\n")));
        m_entra->addSecretClient(tenant, clientId, QByteArrayLiteral("first-secret"));
        IdentityConfig identity = application();
        identity.clientSecretFile = path;
        auto provider = make(identity);
        QVERIFY(provider);
        verifySuccess(Kit::fetchAndWait(*provider));

        QVERIFY(TestPki::writeFile(path, QByteArrayLiteral("second-secret")));
        m_entra->addSecretClient(tenant, clientId, QByteArrayLiteral("second-secret"));
        verifySuccess(Kit::fetchAndWait(*provider));
        QVERIFY(m_entra->lastForm().value(QStringLiteral("client_secret")) ==
                QStringLiteral("second-secret"));

        QVERIFY(QFile::remove(path));
        const auto missing = Kit::fetchAndWait(*provider);
        QVERIFY(!missing);
        QCOMPARE(missing.error().kind, TokenError::Kind::LocalFile);
        QVERIFY(missing.error().description.contains(path));
        QCOMPARE(m_entra->requestCount(), 2);
    }

    void wrongSecretIsInvalidClient()
    {
        m_entra->addSecretClient(tenant, clientId, QByteArrayLiteral("right"));
        IdentityConfig identity = application();
        identity.clientSecret = Secret(QStringLiteral("wrong"));
        auto provider = make(identity);
        QVERIFY(provider);
        const auto result = Kit::fetchAndWait(*provider);
        QVERIFY(!result);
        QCOMPARE(result.error().kind, TokenError::Kind::Http);
        QCOMPARE(result.error().httpStatus, 401);
        QCOMPARE(result.error().code, QStringLiteral("invalid_client"));
        QVERIFY2(result.error().description.startsWith(QStringLiteral("AADSTS7000215")),
                 qPrintable(result.error().description));
        QVERIFY(!result.error().retryable);
    }

    void unknownClientIsUnauthorizedClient()
    {
        IdentityConfig identity = application();
        identity.clientSecret = Secret(QStringLiteral("any"));
        auto provider = make(identity);
        QVERIFY(provider);
        const auto result = Kit::fetchAndWait(*provider);
        QVERIFY(!result);
        QCOMPARE(result.error().code, QStringLiteral("unauthorized_client"));
        QCOMPARE(result.error().httpStatus, 400);
        QVERIFY(!result.error().retryable);
    }

    void certificate_data()
    {
        QTest::addColumn<AssertionAlgorithm>("algorithm");
        QTest::addColumn<bool>("sendChain");
        QTest::newRow("RS256 x5t") << AssertionAlgorithm::RS256 << false;
        QTest::newRow("PS256 x5t#S256") << AssertionAlgorithm::PS256 << false;
        QTest::newRow("RS256 with x5c chain") << AssertionAlgorithm::RS256 << true;
    }
    void certificate()
    {
        QFETCH(AssertionAlgorithm, algorithm);
        QFETCH(bool, sendChain);
        const auto app = m_pki->issueClient(QStringLiteral("CN=app"));
        // Certificate and CA in one file, the key in another: the chain for x5c comes from the file.
        const QString path = m_pki->filePath(QStringLiteral("app-chain.pem"));
        const QString keyPath = m_pki->filePath(QStringLiteral("app.key"));
        QVERIFY(app.writeCertificatePem(path, true));
        QVERIFY(app.writeKeyPem(keyPath));
        m_entra->addCertificateClient(tenant, clientId, app.certificateDer());
        IdentityConfig identity = application();
        identity.certificatePath = path;
        identity.certificateKeyPath = keyPath;
        identity.assertionAlgorithm = algorithm;
        identity.sendCertificateChain = sendChain;
        auto provider = make(identity);
        QVERIFY(provider);

        verifySuccess(Kit::fetchAndWait(*provider));
        const QJsonObject header = m_entra->lastAssertionHeader();
        QCOMPARE(m_entra->lastForm().value(QStringLiteral("client_assertion_type")),
                 QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
        QVERIFY(!m_entra->lastForm().contains(QStringLiteral("client_secret")));
        if (algorithm == AssertionAlgorithm::PS256) {
            QCOMPARE(header.value(QStringLiteral("alg")).toString(), QStringLiteral("PS256"));
            QCOMPARE(header.value(QStringLiteral("x5t#S256")).toString().toLatin1(),
                     base64Url(sha256(app.certificateDer())));
        } else {
            QCOMPARE(header.value(QStringLiteral("alg")).toString(), QStringLiteral("RS256"));
            QCOMPARE(header.value(QStringLiteral("x5t")).toString().toLatin1(),
                     base64Url(QCryptographicHash::hash(app.certificateDer(), QCryptographicHash::Sha1)));
        }
        QCOMPARE(header.contains(QStringLiteral("x5c")), sendChain);
        if (sendChain) {
            QStringList expected;
            for (const QByteArray &der : app.chainDer())
                expected << QString::fromLatin1(der.toBase64());
            QCOMPARE(header.value(QStringLiteral("x5c")).toArray().toVariantList(),
                     QVariant(expected).toList());
        }
    }

    void pfxWithPassword()
    {
        const auto app = m_pki->issueClient(QStringLiteral("CN=pfx-app"));
        const QString path = m_pki->filePath(QStringLiteral("app.pfx"));
        QVERIFY(app.writePfx(path, QStringLiteral("pfx-pass"), TestPki::PfxLayout::LeafInMiddle));
        m_entra->addCertificateClient(tenant, clientId, app.certificateDer());
        IdentityConfig identity = application();
        identity.certificatePath = path;
        identity.certificatePassword = Secret(QStringLiteral("pfx-pass"));
        auto provider = make(identity);
        QVERIFY(provider);
        verifySuccess(Kit::fetchAndWait(*provider));

        identity.certificatePassword = Secret(QStringLiteral("not-the-password"));
        ProviderFactory factory(QProcessEnvironment(), *m_clock, *m_http);
        const auto refused = factory.create(identity);
        QVERIFY(!refused);
        QVERIFY2(refused.error().contains(path), qPrintable(refused.error()));
        QVERIFY(!refused.error().contains(QStringLiteral("not-the-password")));
    }

    void everyAssertionIsFresh()
    {
        const auto app = m_pki->issueClient(QStringLiteral("CN=app"));
        const QString path = m_pki->filePath(QStringLiteral("fresh.pem"));
        QVERIFY(app.writePem(path));
        m_entra->addCertificateClient(tenant, clientId, app.certificateDer());
        IdentityConfig identity = application();
        identity.certificatePath = path;
        auto provider = make(identity);
        QVERIFY(provider);
        verifySuccess(Kit::fetchAndWait(*provider));
        const QString firstAssertion = m_entra->lastForm().value(QStringLiteral("client_assertion"));
        verifySuccess(Kit::fetchAndWait(*provider));
        QVERIFY(m_entra->lastForm().value(QStringLiteral("client_assertion")) != firstAssertion);

        // The fake does reject a replayed assertion, so the two successes above prove a new jti.
        QNetworkAccessManager manager;
        QNetworkRequest request(QUrl(m_entra->tokenUrl(tenant)));
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/x-www-form-urlencoded"));
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates({m_pki->caCertificate()});
        request.setSslConfiguration(tls);
        const QByteArray replay =
            QByteArrayLiteral("grant_type=client_credentials&client_id=") +
            QUrl::toPercentEncoding(clientId) +
            QByteArrayLiteral("&scope=https%3A%2F%2Fmonitor.azure.com%2F.default&client_assertion_type=") +
            QUrl::toPercentEncoding(
                QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")) +
            QByteArrayLiteral("&client_assertion=") + QUrl::toPercentEncoding(firstAssertion);
        std::unique_ptr<QNetworkReply> reply(manager.post(request, replay));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QVERIFY(finished.wait(10'000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
        QVERIFY2(m_entra->lastRejection().contains(QStringLiteral("replay")),
                 qPrintable(m_entra->lastRejection()));
    }

    void certificateRotationWithoutRestart()
    {
        const auto first = m_pki->issueClient(QStringLiteral("CN=app-2025"));
        const auto second = m_pki->issueClient(QStringLiteral("CN=app-2026"));
        const QString path = m_pki->filePath(QStringLiteral("rotating.pem"));
        QVERIFY(first.writePem(path));
        m_entra->addCertificateClient(tenant, clientId, first.certificateDer());
        m_entra->addCertificateClient(tenant, clientId, second.certificateDer());
        IdentityConfig identity = application();
        identity.certificatePath = path;
        identity.assertionAlgorithm = AssertionAlgorithm::PS256;
        auto provider = make(identity);
        QVERIFY(provider);
        verifySuccess(Kit::fetchAndWait(*provider));
        QCOMPARE(m_entra->lastAssertionHeader().value(QStringLiteral("x5t#S256")).toString().toLatin1(),
                 base64Url(sha256(first.certificateDer())));

        QVERIFY(second.writePem(path));
        verifySuccess(Kit::fetchAndWait(*provider));
        QCOMPARE(m_entra->lastAssertionHeader().value(QStringLiteral("x5t#S256")).toString().toLatin1(),
                 base64Url(sha256(second.certificateDer())));

        // A broken replacement keeps the last good certificate in use.
        QVERIFY(m_pki->writeGarbage(path));
        verifySuccess(Kit::fetchAndWait(*provider));
        QCOMPARE(m_entra->lastAssertionHeader().value(QStringLiteral("x5t#S256")).toString().toLatin1(),
                 base64Url(sha256(second.certificateDer())));
    }

    void workloadIdentityFileRotation()
    {
        aap::test::FakeClock fakeClock{aap::Clock::TimePoint(std::chrono::system_clock::now())};
        const QString path = m_pki->filePath(QStringLiteral("azure-identity-token"));
        QVERIFY(TestPki::writeFile(path, QByteArrayLiteral("federated-token-1\n")));
        m_entra->addFederatedClient(tenant, clientId, QByteArrayLiteral("federated-token-1"));
        IdentityConfig identity = application();
        identity.kind = IdentityKind::WorkloadIdentity;
        identity.federatedTokenFile = path;
        auto provider = make(identity, &fakeClock);
        QVERIFY(provider);
        QVERIFY(provider->describe().contains(path));
        verifySuccess(Kit::fetchAndWait(*provider));
        QCOMPARE(m_entra->lastForm().value(QStringLiteral("client_assertion_type")),
                 QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));

        // Kubernetes rotates the file; the very next request uses the new token (the issue asks for
        // at most 10 minutes).
        QVERIFY(TestPki::writeFile(path, QByteArrayLiteral("federated-token-2\n")));
        m_entra->addFederatedClient(tenant, clientId, QByteArrayLiteral("federated-token-2"));
        fakeClock.advance(1s);
        verifySuccess(Kit::fetchAndWait(*provider));
        QVERIFY(m_entra->lastForm().value(QStringLiteral("client_assertion")) ==
                QStringLiteral("federated-token-2"));
    }

    void workloadIdentityBadFile_data()
    {
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<bool>("create");
        QTest::newRow("missing") << QByteArray() << false;
        QTest::newRow("empty") << QByteArray() << true;
        QTest::newRow("only newline") << QByteArrayLiteral("\n") << true;
    }
    void workloadIdentityBadFile()
    {
        QFETCH(QByteArray, contents);
        QFETCH(bool, create);
        const QString path =
            m_pki->filePath(QStringLiteral("bad-token-%1").arg(QString::fromUtf8(QTest::currentDataTag())));
        if (create)
            QVERIFY(TestPki::writeFile(path, contents));
        IdentityConfig identity = application();
        identity.kind = IdentityKind::WorkloadIdentity;
        identity.federatedTokenFile = path;
        auto provider = make(identity);
        QVERIFY(provider);
        const auto result = Kit::fetchAndWait(*provider);
        QVERIFY(!result);
        QCOMPARE(result.error().kind, TokenError::Kind::LocalFile);
        QVERIFY2(result.error().description.contains(path), qPrintable(result.error().description));
        QCOMPARE(m_entra->requestCount(), 0);
    }

    void faults_data()
    {
        QTest::addColumn<FakeEntra::Fault>("fault");
        QTest::addColumn<TokenError::Kind>("kind");
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("retryable");
        QTest::newRow("500") << FakeEntra::Fault::ServerError << TokenError::Kind::Http << 500 << true;
        QTest::newRow("429") << FakeEntra::Fault::Throttle << TokenError::Kind::Http << 429 << true;
        QTest::newRow("hang") << FakeEntra::Fault::Hang << TokenError::Kind::Timeout << 0 << true;
        QTest::newRow("malformed json")
            << FakeEntra::Fault::MalformedJson << TokenError::Kind::Malformed << 0 << true;
        QTest::newRow("html 200") << FakeEntra::Fault::Html200 << TokenError::Kind::Malformed << 0 << true;
        QTest::newRow("no access_token")
            << FakeEntra::Fault::MissingAccessToken << TokenError::Kind::Malformed << 0 << true;
        QTest::newRow("huge body") << FakeEntra::Fault::HugeBody << TokenError::Kind::Malformed << 0 << true;
    }
    void faults()
    {
        QFETCH(FakeEntra::Fault, fault);
        QFETCH(TokenError::Kind, kind);
        QFETCH(int, status);
        QFETCH(bool, retryable);
        m_entra->addSecretClient(tenant, clientId, QByteArrayLiteral("secret"));
        m_entra->setFault(fault);
        m_entra->setRetryAfter(17);
        if (fault != FakeEntra::Fault::Hang)
            makeHttp(30s); // only the hang may meet the time-out, even in a slow sanitizer run
        IdentityConfig identity = application();
        identity.clientSecret = Secret(QStringLiteral("secret"));
        auto provider = make(identity);
        QVERIFY(provider);
        const auto failed = Kit::fetchAndWait(*provider);
        QVERIFY(!failed);
        QCOMPARE(failed.error().kind, kind);
        if (status != 0)
            QCOMPARE(failed.error().httpStatus, status);
        QCOMPARE(failed.error().retryable, retryable);
        if (fault == FakeEntra::Fault::Throttle) {
            QVERIFY(failed.error().retryAfter);
            QCOMPARE(*failed.error().retryAfter, 17s);
        }
        // The fault was for one request: the next fetch succeeds.
        verifySuccess(Kit::fetchAndWait(*provider));
    }

    void factoryRefusesPlainHttpAuthority()
    {
        IdentityConfig identity = application();
        identity.clientSecret = Secret(QStringLiteral("secret"));
        identity.authorityHost = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_entra->serverPort()));
        ProviderFactory factory(QProcessEnvironment(), *m_clock, *m_http);
        const auto refused = factory.create(identity);
        QVERIFY(!refused);
        QVERIFY2(refused.error().contains(QStringLiteral("must use https")), qPrintable(refused.error()));
        QCOMPARE(m_entra->requestCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_EntraClientCredentials)
#include "tst_EntraClientCredentials.moc"
