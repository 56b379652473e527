#include "auth/ProviderFactory.h"
#include "auth/providers/ImdsProvider.h"
#include "auth/providers/TokenHttpClient.h"
#include "core/SystemClock.h"
#include "protocol/FakeEntra.h"
#include "protocol/FakeImds.h"
#include "protocol/TestPki.h"
#include "support/ProviderTestKit.h"
#include "support/ProxyTestClient.h"
#include "support/ProxyTestHarness.h"
#include "support/TinyproxyProcess.h"

#include <QTest>

using namespace std::chrono_literals;
using aap::auth::ImdsProvider;
using aap::auth::ProviderFactory;
using aap::auth::TokenHttpClient;
using aap::config::IdentityConfig;
using aap::config::IdentityKind;
using aap::config::Secret;
using aap::proxy::ProxyErrorKind;
using aap::proxy::ProxyRoute;
using aap::test::FakeEntra;
using aap::test::FakeImds;
using aap::test::ProxyTestClient;
using aap::test::ProxyTestHarness;
using aap::test::TestPki;
using aap::test::TinyproxyProcess;
using Kit = aap::test::ProviderTestKit;

namespace {

const QString proxyUser = QStringLiteral("proxy-user");
const QString proxyPassword = QStringLiteral("proxy-password-4711");

} // namespace

// A real CONNECT proxy (Debian's tinyproxy, started here) between this service and Entra, and
// between the data path and an https target; IMDS never goes through it.
class tst_OutboundProxy : public QObject {
    Q_OBJECT

private:
    TestPki m_pki;

    // The TLS harness target (https://localhost:port) behind the proxy.
    bool startTlsHarness(ProxyTestHarness &h, const std::optional<QSslConfiguration> &tls = std::nullopt)
    {
        h.options.upstream.caBundlePath = m_pki.caCertificatePath();
        if (!h.upstream.listen(tls.value_or(m_pki.serverConfiguration())))
            return false;
        h.publishToken();
        return true;
    }

    ProxyRoute tlsRoute(ProxyTestHarness &h)
    {
        ProxyRoute route;
        route.config.target = h.upstreamTarget(true);
        route.store = &h.store;
        return route;
    }

    static std::optional<ProxyTestClient::Response> get(quint16 port)
    {
        ProxyTestClient client;
        if (!client.connectTo(port))
            return std::nullopt;
        client.send("GET /api/v1/query HTTP/1.1\r\nHost: proxy\r\n\r\n");
        return client.readResponse();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_pki.isValid()); }

    void entraThroughTinyproxy()
    {
        TinyproxyProcess tinyproxy;
        QVERIFY(tinyproxy.start(proxyUser, proxyPassword));
        FakeEntra entra(m_pki.serverConfiguration());
        QVERIFY(entra.start());
        entra.addSecretClient(QStringLiteral("contoso"), QStringLiteral("app"),
                              QByteArrayLiteral("app-secret"));
        aap::SystemClock clock;
        TokenHttpClient::Options options;
        options.requestTimeout = 10s;
        options.caBundle = m_pki.caCertificatePath();
        options.proxy.httpsProxy = QUrl(tinyproxy.url());
        options.loopbackBypassesProxy = false;
        TokenHttpClient http(clock, options);
        IdentityConfig identity;
        identity.kind = IdentityKind::AadApplication;
        identity.tenantId = QStringLiteral("contoso");
        identity.clientId = QStringLiteral("app");
        identity.clientSecret = Secret(QStringLiteral("app-secret"));
        identity.authorityHost = entra.authorityHost();
        auto provider = ProviderFactory(QProcessEnvironment(), clock, http).create(identity);
        QVERIFY(provider);
        const auto result = Kit::fetchAndWait(**provider);
        QVERIFY2(result, qPrintable(Kit::errorText(result)));
        QVERIFY(result->value == entra.lastAccessToken());
        // Qt answers the proxy's 407 challenge with the credentials: every line is that CONNECT.
        const QByteArrayList lines = tinyproxy.requestLines();
        QVERIFY(!lines.isEmpty());
        for (const QByteArray &line : lines)
            QCOMPARE(line, "CONNECT 127.0.0.1:" + QByteArray::number(entra.serverPort()) + " HTTP/1.1");
    }

    void imdsBypassesTinyproxy()
    {
        TinyproxyProcess tinyproxy;
        QVERIFY(tinyproxy.start());
        FakeImds imds;
        aap::SystemClock clock;
        TokenHttpClient::Options options;
        options.proxy.httpsProxy = QUrl(tinyproxy.url());
        options.proxy.httpProxy = QUrl(tinyproxy.url());
        // Even with loopback no longer exempt, IMDS is reached directly.
        options.loopbackBypassesProxy = false;
        TokenHttpClient http(clock, options);
        ImdsProvider::Options imdsOptions;
        imdsOptions.authorityHost = imds.authorityHost();
        ImdsProvider provider(http, clock, imdsOptions);
        const auto result = Kit::fetchAndWait(provider);
        QVERIFY2(result, qPrintable(Kit::errorText(result)));
        QCOMPARE(imds.requestCount(), 1);
        QCOMPARE(imds.lastRequest().headerCount("Via"), 0);
        QVERIFY(tinyproxy.requestLines().isEmpty());
    }

    void httpsTargetThroughTinyproxy_data()
    {
        QTest::addColumn<bool>("perRoute");
        QTest::newRow("route proxy with credentials") << true;
        QTest::newRow("HTTPS_PROXY") << false;
    }
    void httpsTargetThroughTinyproxy()
    {
        QFETCH(bool, perRoute);
        TinyproxyProcess tinyproxy;
        QVERIFY(tinyproxy.start(proxyUser, proxyPassword));
        ProxyTestHarness h;
        QVERIFY(startTlsHarness(h));
        ProxyRoute route = tlsRoute(h);
        if (perRoute) {
            route.config.proxy = QUrl(tinyproxy.url());
        } else {
            h.options.outboundProxy.httpsProxy = QUrl(tinyproxy.url());
            h.options.loopbackBypassesProxy = false;
        }
        h.options.routes = {route};
        QVERIFY(h.start());
        for (int i = 0; i < 2; ++i) {
            const auto response = get(h.port());
            QVERIFY(response);
            QCOMPARE(response->status, 200);
        }
        QCOMPARE(h.upstream.requests().size(), 2);
        QVERIFY(h.upstream.speaksTls());
        QCOMPARE(h.upstream.requests().first().header("Authorization").value_or(""),
                 ProxyTestHarness::tokenHeaderValue());
        // Only tunnels to the target (one per connection, each after the 407 challenge); TLS runs
        // end to end through them.
        const QByteArrayList lines = tinyproxy.requestLines();
        qInfo() << lines;
        QVERIFY(!lines.isEmpty());
        for (const QByteArray &line : lines)
            QCOMPARE(line, "CONNECT localhost:" + QByteArray::number(h.upstream.port()) + " HTTP/1.1");
    }

    void loopbackTargetBypassesEnvironmentProxy()
    {
        TinyproxyProcess tinyproxy;
        QVERIFY(tinyproxy.start());
        ProxyTestHarness h;
        QVERIFY(startTlsHarness(h));
        h.options.routes = {tlsRoute(h)};
        h.options.outboundProxy.httpsProxy = QUrl(tinyproxy.url());
        QVERIFY(h.start());
        const auto response = get(h.port());
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QVERIFY(tinyproxy.requestLines().isEmpty());
    }

    void wrongProxyCredentialsAre502()
    {
        TinyproxyProcess tinyproxy;
        QVERIFY(tinyproxy.start(proxyUser, proxyPassword));
        ProxyTestHarness h;
        QVERIFY(startTlsHarness(h));
        ProxyRoute route = tlsRoute(h);
        QUrl wrong(tinyproxy.url());
        wrong.setPassword(QStringLiteral("not-the-password"));
        route.config.proxy = wrong;
        h.options.routes = {route};
        QVERIFY(h.start());
        const auto response = get(h.port());
        QVERIFY(response);
        QCOMPARE(response->status, 502);
        QVERIFY(!response->body.contains("not-the-password"));
        QCOMPARE(h.upstream.requests().size(), 0);
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamConnect), 1u);
    }

    // A target that demands a client certificate (mutual TLS upstream), per route.
    void clientCertificateTowardTheTarget_data()
    {
        QTest::addColumn<bool>("withCertificate");
        QTest::addColumn<TestPki::KeyType>("keyType");
        QTest::newRow("route presents its certificate") << true << TestPki::KeyType::Rsa;
        QTest::newRow("route presents its certificate, EC P-256 key") << true << TestPki::KeyType::EcP256;
        QTest::newRow("no certificate: the target refuses") << false << TestPki::KeyType::Rsa;
    }
    void clientCertificateTowardTheTarget()
    {
        QFETCH(bool, withCertificate);
        QFETCH(TestPki::KeyType, keyType);
        ProxyTestHarness h;
        QSslConfiguration demanding = m_pki.serverConfiguration();
        demanding.setCaCertificates({m_pki.caCertificate()});
        demanding.setPeerVerifyMode(QSslSocket::VerifyPeer);
        QVERIFY(startTlsHarness(h, demanding));
        ProxyRoute route = tlsRoute(h);
        if (withCertificate) {
            const QString path = m_pki.filePath(QStringLiteral("route-client.pfx"));
            QVERIFY(m_pki.issueClient(QStringLiteral("CN=proxy"), TestPki::Validity::Valid, keyType)
                        .writePfx(path, QStringLiteral("pfx-pass")));
            route.config.clientCertificatePath = path;
            route.config.clientCertificatePassword = Secret(QStringLiteral("pfx-pass"));
        }
        h.options.routes = {route};
        QVERIFY(h.start());
        const auto response = get(h.port());
        QVERIFY(response);
        QCOMPARE(response->status, withCertificate ? 200 : 502);
        QCOMPARE(h.upstream.requests().size(), withCertificate ? 1 : 0);
    }
};

QTEST_GUILESS_MAIN(tst_OutboundProxy)
#include "tst_OutboundProxy.moc"
