#include "auth/providers/TokenHttpClient.h"
#include "protocol/FakeTokenServer.h"
#include "support/FakeClock.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using aap::auth::TokenError;
using aap::auth::TokenHttpClient;
using aap::test::FakeTokenServer;
using namespace std::chrono_literals;

namespace {

// Answers every request with a reply the test sets.
class ScriptedServer final : public FakeTokenServer {
public:
    Reply next{200, {}, QByteArrayLiteral(R"({"ok":true})")};

protected:
    Reply handle(const aap::test::RecordedRequest & /*request*/) override { return next; }
};

// A listener that records whether anything connected (an HTTPS_PROXY that must stay unused, or
// one that must see a CONNECT).
class RecordingListener final : public QObject {
public:
    RecordingListener()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                ++connections;
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
                    received += socket->readAll();
                    if (received.contains("\r\n\r\n")) {
                        socket->close();
                    }
                });
            }
        });
    }
    [[nodiscard]] QUrl url() const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
    }
    int connections = 0;
    QByteArray received;

private:
    QTcpServer m_server;
};

struct Outcome {
    bool done = false;
    std::optional<TokenHttpClient::Result> result;
};

TokenHttpClient::Callback capture(const std::shared_ptr<Outcome> &outcome)
{
    return [outcome](TokenHttpClient::Result result) {
        outcome->done = true;
        outcome->result.emplace(std::move(result));
    };
}

TokenHttpClient::Request requestTo(const QUrl &url)
{
    TokenHttpClient::Request request;
    request.url = url;
    return request;
}

} // namespace

class tst_TokenHttpClient : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void getReturnsStatusHeadersAndBody()
    {
        aap::test::FakeClock clock;
        ScriptedServer server;
        server.next.headers = {{"X-Ms-Request-Id", "r1"}};
        TokenHttpClient client(clock, {});
        auto request = requestTo(server.baseUrl().resolved(QUrl(QStringLiteral("/token?a=1&b=%2F"))));
        request.headers = {{"Metadata", "true"}};
        auto outcome = std::make_shared<Outcome>();
        client.get(request, capture(outcome));
        QVERIFY(!outcome->done); // never synchronous
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QVERIFY(outcome->result->has_value());
        const auto &response = outcome->result->value();
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArrayLiteral(R"({"ok":true})"));
        QCOMPARE(response.header("x-ms-request-id"), QByteArrayLiteral("r1"));
        QVERIFY(!response.retryAfter.has_value());

        const auto recorded = server.lastRequest();
        QCOMPARE(recorded.method, QByteArrayLiteral("GET"));
        QCOMPARE(recorded.target, QByteArrayLiteral("/token?a=1&b=%2F"));
        QCOMPARE(recorded.header("Metadata"), QByteArrayLiteral("true"));
        QCOMPARE(recorded.headerCount("X-Forwarded-For"), 0);
        QCOMPARE(recorded.header("Accept-Encoding"), QByteArrayLiteral("identity"));
        QVERIFY(recorded.header("User-Agent").startsWith("aad-auth-proxy/"));
        QCOMPARE(client.pendingCount(), 0);
    }

    void postSendsBody()
    {
        aap::test::FakeClock clock;
        ScriptedServer server;
        TokenHttpClient client(clock, {});
        auto request =
            requestTo(server.baseUrl().resolved(QUrl(QStringLiteral("/tenant/oauth2/v2.0/token"))));
        request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
        auto outcome = std::make_shared<Outcome>();
        client.post(request, QByteArrayLiteral("grant_type=client_credentials"), capture(outcome));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QVERIFY(outcome->result->has_value());
        QCOMPARE(server.lastRequest().method, QByteArrayLiteral("POST"));
        QCOMPARE(server.lastRequest().body, QByteArrayLiteral("grant_type=client_credentials"));
        QCOMPARE(server.lastRequest().header("Content-Type"),
                 QByteArrayLiteral("application/x-www-form-urlencoded"));
    }

    void errorStatusIsAResponseWithRetryAfter()
    {
        aap::test::FakeClock clock;
        ScriptedServer server;
        server.injectFault(FakeTokenServer::Fault::withStatus(429, {}, {{"Retry-After", "7"}}));
        TokenHttpClient client(clock, {});
        auto outcome = std::make_shared<Outcome>();
        client.get(requestTo(server.baseUrl()), capture(outcome));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QVERIFY(outcome->result->has_value());
        QCOMPARE(outcome->result->value().status, 429);
        QCOMPARE(outcome->result->value().retryAfter, std::optional<std::chrono::seconds>(7s));
    }

    void redirectsAreNotFollowed()
    {
        aap::test::FakeClock clock;
        ScriptedServer server;
        server.next = {302, {{"Location", "http://127.0.0.1:1/elsewhere"}}, {}};
        TokenHttpClient client(clock, {});
        auto outcome = std::make_shared<Outcome>();
        client.get(requestTo(server.baseUrl()), capture(outcome));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QVERIFY(outcome->result->has_value());
        QCOMPARE(outcome->result->value().status, 302);
        QCOMPARE(server.requestCount(), 1);
    }

    void deadlineAbortsWithTimeout()
    {
        aap::test::FakeClock clock;
        ScriptedServer server;
        server.injectFault(FakeTokenServer::Fault::of(FakeTokenServer::Fault::Kind::Hang));
        TokenHttpClient::Options options;
        options.requestTimeout = 2s;
        TokenHttpClient client(clock, options);
        auto outcome = std::make_shared<Outcome>();
        client.get(requestTo(server.baseUrl()), capture(outcome));
        QTRY_COMPARE_WITH_TIMEOUT(server.requestCount(), 1, 5000);
        clock.advance(1999ms);
        QVERIFY(!outcome->done);
        clock.advance(1ms);
        QVERIFY(outcome->done);
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Timeout);
        QVERIFY(outcome->result->error().retryable);
        QCOMPARE(client.pendingCount(), 0);
    }

    void oversizedBodyIsAbortedEarly_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("streamed without length") << static_cast<int>(FakeTokenServer::Fault::Kind::HugeBody);
        QTest::newRow("announced 4 GiB") << static_cast<int>(FakeTokenServer::Fault::Kind::HugeContentLength);
    }

    void oversizedBodyIsAbortedEarly()
    {
        QFETCH(int, kind);
        aap::test::FakeClock clock;
        ScriptedServer server;
        server.injectFault(FakeTokenServer::Fault::of(static_cast<FakeTokenServer::Fault::Kind>(kind)));
        TokenHttpClient::Options options;
        options.maxResponseBytes = qint64{256} * 1024;
        TokenHttpClient client(clock, options);
        auto outcome = std::make_shared<Outcome>();
        client.get(requestTo(server.baseUrl()), capture(outcome));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 10000);
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Malformed);
        QVERIFY(outcome->result->error().description.contains(QLatin1String("too large")));
        qInfo("fake produced %lld body bytes before the client gave up (cap %lld)", server.hugeBytesSent(),
              options.maxResponseBytes);
        // The client stopped reading: the fake produced at most the cap plus socket buffers.
        QVERIFY2(server.hugeBytesSent() < qint64{32} * 1024 * 1024,
                 qPrintable(QString::number(server.hugeBytesSent())));
    }

    void connectionRefusedIsTransport()
    {
        aap::test::FakeClock clock;
        quint16 port = 0;
        {
            QTcpServer closed;
            QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
            port = closed.serverPort();
        }
        TokenHttpClient client(clock, {});
        auto outcome = std::make_shared<Outcome>();
        client.get(requestTo(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port))), capture(outcome));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Transport);
        QVERIFY(outcome->result->error().retryable);
    }

    void directRequestsIgnoreTheProxy()
    {
        aap::test::FakeClock clock;
        ScriptedServer server;
        RecordingListener proxy;
        TokenHttpClient::Options options;
        options.proxy.httpsProxy = proxy.url();
        TokenHttpClient client(clock, options);
        auto outcome = std::make_shared<Outcome>();
        client.get(requestTo(server.baseUrl()), capture(outcome));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QVERIFY(outcome->result->has_value());
        QCOMPARE(proxy.connections, 0);
    }

    void proxiedRequestsUseConnect()
    {
        aap::test::FakeClock clock;
        RecordingListener proxy;
        TokenHttpClient::Options options;
        options.proxy.httpsProxy = proxy.url();
        options.requestTimeout = 5s;
        TokenHttpClient client(clock, options);
        auto request = requestTo(QUrl(QStringLiteral("https://login.invalid.test/tenant/oauth2/v2.0/token")));
        request.useProxy = true;
        auto outcome = std::make_shared<Outcome>();
        client.get(request, capture(outcome));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QVERIFY(proxy.received.startsWith("CONNECT login.invalid.test:443 HTTP/1.1\r\n"));
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Transport);
    }

    void noProxyMatching_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QStringList>("noProxy");
        QTest::addColumn<bool>("bypass");
        const QString login = QStringLiteral("https://login.microsoftonline.com/t");
        QTest::newRow("empty") << login << QStringList{} << false;
        QTest::newRow("star") << login << QStringList{QStringLiteral("*")} << true;
        QTest::newRow("domain matches itself")
            << login << QStringList{QStringLiteral("login.microsoftonline.com")} << true;
        QTest::newRow("domain matches subdomain")
            << login << QStringList{QStringLiteral("microsoftonline.com")} << true;
        QTest::newRow("no partial label")
            << login << QStringList{QStringLiteral("onlinemicrosoftonline.com"), QStringLiteral("line.com")}
            << false;
        QTest::newRow("leading dot subdomains only")
            << QStringLiteral("https://microsoftonline.com/")
            << QStringList{QStringLiteral(".microsoftonline.com")} << false;
        QTest::newRow("leading dot subdomain")
            << login << QStringList{QStringLiteral(".microsoftonline.com")} << true;
        QTest::newRow("star dot") << login << QStringList{QStringLiteral("*.microsoftonline.com")} << true;
        QTest::newRow("port match") << login << QStringList{QStringLiteral("login.microsoftonline.com:443")}
                                    << true;
        QTest::newRow("port mismatch")
            << login << QStringList{QStringLiteral("login.microsoftonline.com:8443")} << false;
        QTest::newRow("case") << login << QStringList{QStringLiteral(" LOGIN.MicrosoftOnline.com ")} << true;
        QTest::newRow("ip") << QStringLiteral("https://10.1.2.3/") << QStringList{QStringLiteral("10.1.2.3")}
                            << true;
        QTest::newRow("cidr") << QStringLiteral("https://10.1.2.3/")
                              << QStringList{QStringLiteral("10.0.0.0/8")} << true;
        QTest::newRow("cidr miss") << QStringLiteral("https://11.1.2.3/")
                                   << QStringList{QStringLiteral("10.0.0.0/8")} << false;
        QTest::newRow("loopback always")
            << QStringLiteral("https://127.0.0.1:8443/") << QStringList{} << true;
        QTest::newRow("localhost always") << QStringLiteral("https://localhost/") << QStringList{} << true;
    }

    void noProxyMatching()
    {
        QFETCH(QString, url);
        QFETCH(QStringList, noProxy);
        QFETCH(bool, bypass);
        QCOMPARE(TokenHttpClient::bypassesProxy(QUrl(url), noProxy), bypass);
    }

    void retryAfterParsing_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<int>("expected"); // -1 = nullopt
        QTest::newRow("seconds") << QByteArrayLiteral("120") << 120;
        QTest::newRow("zero") << QByteArrayLiteral("0") << 0;
        QTest::newRow("spaces") << QByteArrayLiteral(" 5 ") << 5;
        QTest::newRow("capped") << QByteArrayLiteral("99999999999") << 86400;
        // FakeClock starts at 1800000000 = Fri, 15 Jan 2027 08:00:00 GMT.
        QTest::newRow("http date") << QByteArrayLiteral("Fri, 15 Jan 2027 08:01:30 GMT") << 90;
        QTest::newRow("http date past") << QByteArrayLiteral("Fri, 15 Jan 2027 07:00:00 GMT") << 0;
        QTest::newRow("negative") << QByteArrayLiteral("-5") << -1;
        QTest::newRow("garbage") << QByteArrayLiteral("soon") << -1;
        QTest::newRow("empty") << QByteArray() << -1;
    }

    void retryAfterParsing()
    {
        QFETCH(QByteArray, value);
        QFETCH(int, expected);
        aap::test::FakeClock clock;
        const auto parsed = TokenHttpClient::parseRetryAfter(value, clock.now());
        if (expected < 0) {
            QVERIFY(!parsed.has_value());
        } else {
            QCOMPARE(parsed, std::optional<std::chrono::seconds>(std::chrono::seconds{expected}));
        }
    }

    void unreadableCaBundleFailsEveryCall()
    {
        aap::test::FakeClock clock;
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("missing.pem"));
        TokenHttpClient::Options options;
        options.caBundle = path;
        TokenHttpClient client(clock, options);
        auto outcome = std::make_shared<Outcome>();
        client.get(requestTo(QUrl(QStringLiteral("https://127.0.0.1:1/"))), capture(outcome));
        QVERIFY(!outcome->done);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::LocalFile);
        QVERIFY(outcome->result->error().description.contains(path));
    }

    void garbageCaBundleIsRejected()
    {
        aap::test::FakeClock clock;
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("garbage.pem"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not a certificate\n");
        file.close();
        TokenHttpClient::Options options;
        options.caBundle = path;
        TokenHttpClient client(clock, options);
        auto outcome = std::make_shared<Outcome>();
        client.get(requestTo(QUrl(QStringLiteral("https://127.0.0.1:1/"))), capture(outcome));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::LocalFile);
    }

    // SSL_CERT_FILE belongs to every program on the host: a bad one must not stop token requests.
    void unusableSslCertFileIsIgnored()
    {
        aap::test::FakeClock clock;
        QTemporaryDir dir;
        ScriptedServer server;
        TokenHttpClient::Options options;
        options.environmentCaBundle = dir.filePath(QStringLiteral("missing.pem"));
        TokenHttpClient client(clock, options);
        auto outcome = std::make_shared<Outcome>();
        client.get(requestTo(server.baseUrl()), capture(outcome));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QVERIFY(outcome->result->has_value());
        QCOMPARE(server.requestCount(), 1);
    }

    void invalidUrlIsConfigError()
    {
        aap::test::FakeClock clock;
        TokenHttpClient client(clock, {});
        auto outcome = std::make_shared<Outcome>();
        client.get(requestTo(QUrl(QStringLiteral("ftp://127.0.0.1/"))), capture(outcome));
        QVERIFY(!outcome->done);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 5000);
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Config);
    }

    void destroyingTheClientDropsPendingCallbacks()
    {
        aap::test::FakeClock clock;
        ScriptedServer server;
        server.injectFault(FakeTokenServer::Fault::of(FakeTokenServer::Fault::Kind::Hang));
        auto outcome = std::make_shared<Outcome>();
        {
            TokenHttpClient client(clock, {});
            client.get(requestTo(server.baseUrl()), capture(outcome));
            QTRY_COMPARE_WITH_TIMEOUT(server.requestCount(), 1, 5000);
            QCOMPARE(client.pendingCount(), 1);
        }
        QCOMPARE(clock.pendingTimers(), std::size_t{0});
        QCoreApplication::processEvents();
        QVERIFY(!outcome->done);
    }

    void optionsFromConfig()
    {
        aap::config::ServiceConfig config;
        config.token.requestTimeout = 1234ms;
        config.upstream.caBundlePath = QStringLiteral("/etc/ca.pem");
        config.outboundProxy.httpsProxy = QUrl(QStringLiteral("http://proxy:3128"));
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("SSL_CERT_FILE"), QStringLiteral("/etc/ssl/extra.pem"));
        const auto options = TokenHttpClient::Options::fromConfig(config, environment);
        QCOMPARE(options.requestTimeout, 1234ms);
        QCOMPARE(options.caBundle, QStringLiteral("/etc/ca.pem"));
        QCOMPARE(options.environmentCaBundle, QStringLiteral("/etc/ssl/extra.pem"));
        QCOMPARE(options.proxy.httpsProxy, config.outboundProxy.httpsProxy);
    }
};

QTEST_GUILESS_MAIN(tst_TokenHttpClient)
#include "tst_TokenHttpClient.moc"
