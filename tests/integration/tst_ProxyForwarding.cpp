#include "support/ProxyTestClient.h"
#include "support/ProxyTestHarness.h"

#include <QTest>

using namespace std::chrono_literals;
using aap::test::FakeUpstream;
using aap::test::ProxyTestClient;
using aap::test::ProxyTestHarness;

// Forwarding end to end: the real ProxyServer in-process, a fake upstream, a raw TCP client.
class tst_ProxyForwarding : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void forwardsGetWithTokenAndExactTarget()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.answerEveryRequest({.status = 200,
                                       .headers = {{"X-Upstream", "yes"}, {"Content-Type", "text/plain"}},
                                       .body = "hello"});
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send(
            "GET /api/v1/query?query=up%7Bjob%3D%22a%22%7D&x=1&x=2 HTTP/1.1\r\n"
            "Host: proxy.local:8081\r\nAuthorization: Bearer client-secret\r\nX-Custom: keep me\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("hello"));
        QCOMPARE(response->header("X-Upstream").value_or(""), QByteArray("yes"));
        // Nothing is added to relayed responses.
        QVERIFY(!response->hasHeader("Status-Code"));
        QCOMPARE(response->headers.size(), 3);

        QCOMPARE(h.upstream.requests().size(), 1);
        const auto &request = h.upstream.requests().first();
        QCOMPARE(request.method, QByteArray("GET"));
        QCOMPARE(request.target, QByteArray("/api/v1/query?query=up%7Bjob%3D%22a%22%7D&x=1&x=2"));
        QCOMPARE(request.headerCount("Authorization"), 1);
        QVERIFY(request.header("Authorization").value_or("") == ProxyTestHarness::tokenHeaderValue());
        QCOMPARE(request.header("Host").value_or(""), "127.0.0.1:" + QByteArray::number(h.upstream.port()));
        QCOMPARE(request.header("X-Custom").value_or(""), QByteArray("keep me"));
        QCOMPARE(request.header("X-Forwarded-For").value_or(""), QByteArray("127.0.0.1"));
        QCOMPARE(request.header("X-Forwarded-Proto").value_or(""), QByteArray("http"));
        QCOMPARE(request.header("X-Forwarded-Host").value_or(""), QByteArray("proxy.local:8081"));
        QCOMPARE(h.counters().snapshot().requests, 1u);
        QCOMPARE(h.counters().snapshot().forwarded, 1u);
    }

    void forwardsEveryMethod_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("GET") << QByteArray("GET") << QByteArray();
        QTest::newRow("HEAD") << QByteArray("HEAD") << QByteArray();
        QTest::newRow("POST empty") << QByteArray("POST") << QByteArray("");
        QTest::newRow("POST") << QByteArray("POST") << QByteArray("a=1&b=2");
        QTest::newRow("PUT") << QByteArray("PUT") << QByteArray(100000, 'p');
        QTest::newRow("PATCH") << QByteArray("PATCH") << QByteArray("{\"x\":1}");
        QTest::newRow("DELETE") << QByteArray("DELETE") << QByteArray();
        QTest::newRow("OPTIONS") << QByteArray("OPTIONS") << QByteArray();
        QTest::newRow("custom") << QByteArray("PROPFIND") << QByteArray("<x/>");
    }
    void forwardsEveryMethod()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, body);
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.setHandler([](const FakeUpstream::Request &request) {
            FakeUpstream::Response response;
            response.body = request.method + ":" + QByteArray::number(request.bodySize);
            return response;
        });
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        QByteArray request = method + " /m HTTP/1.1\r\nHost: x\r\n";
        if (!body.isNull()) {
            request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        }
        client.send(request + "\r\n" + body);
        const auto response = client.readResponse(20000, method == "HEAD");
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(h.upstream.requests().size(), 1);
        QCOMPARE(h.upstream.requests().first().method, method);
        QCOMPARE(h.upstream.requests().first().bodySize, qint64(body.size()));
        QCOMPARE(h.upstream.requests().first().body, body.left(FakeUpstream::kMaxKeptBody));
        if (method != "HEAD") {
            QCOMPARE(response->body, method + ":" + QByteArray::number(body.size()));
        } else {
            QCOMPARE(response->body, QByteArray());
        }
        // The connection stays usable.
        client.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(client.readResponse());
    }

    void keepAliveReusesOneUpstreamConnection()
    {
        ProxyTestHarness h;
        h.options.workerThreads = 1;
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        for (int i = 0; i < 5; ++i) {
            client.send("GET /k/" + QByteArray::number(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            const auto response = client.readResponse();
            QVERIFY(response);
            QCOMPARE(response->status, 200);
        }
        QCOMPARE(h.upstream.requests().size(), 5);
        QCOMPARE(h.upstream.connectionCount(), 1);
        QCOMPARE(h.counters().snapshot().upstreamConnectionsOpened, 1u);
        QVERIFY(client.isConnected());
    }

    void pipelinedRequestsAnsweredInOrder()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.setHandler([](const FakeUpstream::Request &request) {
            FakeUpstream::Response response;
            response.body = request.target;
            // The first answer is the slowest: order must still hold.
            response.delayMs = request.target == "/p/0" ? 200 : 0;
            return response;
        });
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        QByteArray all;
        for (int i = 0; i < 4; ++i) {
            all += "GET /p/" + QByteArray::number(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        }
        all += "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
        all += "POST /p/5 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
        client.send(all);
        for (int i = 0; i < 6; ++i) {
            const auto response = client.readResponse();
            QVERIFY2(response, qPrintable(QString::number(i)));
            QCOMPARE(response->status, 200);
            if (i == 4) {
                QCOMPARE(response->body, QByteArray(R"({"status":"ok"})"));
            } else {
                QCOMPARE(response->body, "/p/" + QByteArray::number(i));
            }
        }
        QCOMPARE(h.upstream.requests().last().body, QByteArray("abc"));
    }

    void chunkedBodiesBothWays()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.setHandler([](const FakeUpstream::Request &request) {
            FakeUpstream::Response response;
            response.chunked = true;
            response.chunkSize = 7;
            response.body = "echo:" + request.body;
            return response;
        });
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("echo:hello world"));
        QCOMPARE(response->header("Transfer-Encoding").value_or(""), QByteArray("chunked"));
        QVERIFY(h.upstream.requests().first().chunked);
        QCOMPARE(h.upstream.requests().first().body, QByteArray("hello world"));
        // And again on the same connection, with an empty chunked body.
        client.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        const auto second = client.readResponse();
        QVERIFY(second);
        QCOMPARE(second->body, QByteArray("echo:"));
    }

    void http10ClientGetsDechunkedBodyAndClose()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.answerEveryRequest({.body = "0123456789", .chunked = true, .chunkSize = 3});
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET /old HTTP/1.0\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("0123456789"));
        QVERIFY(!response->hasHeader("Transfer-Encoding"));
        QVERIFY(client.waitForDisconnected());
        QCOMPARE(h.upstream.requests().first().version, QByteArray("HTTP/1.1"));
    }

    void expectContinueAfterChecks()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.setHandler([](const FakeUpstream::Request &request) {
            FakeUpstream::Response response;
            response.status = 201;
            response.body = request.body;
            return response;
        });
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        const auto interim = client.readResponse();
        QVERIFY(interim);
        QCOMPARE(interim->status, 100);
        client.send("data");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 201);
        QCOMPARE(response->body, QByteArray("data"));
        // Exactly one 100 reached the client although the upstream sent its own.
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto next = client.readResponse();
        QVERIFY(next);
        QCOMPARE(next->status, 201);
    }

    void expectContinueWithoutTokenGetsNo100()
    {
        ProxyTestHarness h;
        h.options.limits.tokenWaitTimeout = 300ms;
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        QVERIFY(h.advanceUntilAnswered(client, 300ms));
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 503);
        QVERIFY(response->body.contains("\"no_token\""));
        QVERIFY(client.waitForDisconnected());
        QCOMPARE(h.upstream.requests().size(), 0);
    }

    void hopByHopFieldsDroppedBothWays()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.answerEveryRequest({.headers = {{"Connection", "X-Secret-Hop"},
                                                   {"X-Secret-Hop", "1"},
                                                   {"Keep-Alive", "timeout=5"},
                                                   {"X-End", "2"}}});
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send(
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\n"
            "TE: trailers\r\nProxy-Authorization: Basic abc\r\nUpgrade: websocket\r\nX-End: 1\r\n"
            "X-Forwarded-For: 10.0.0.1\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QVERIFY(!response->hasHeader("X-Secret-Hop"));
        QVERIFY(!response->hasHeader("Keep-Alive"));
        QCOMPARE(response->header("X-End").value_or(""), QByteArray("2"));
        const auto &request = h.upstream.requests().first();
        for (const char *name : {"X-Hop", "Keep-Alive", "TE", "Proxy-Authorization", "Upgrade"}) {
            QVERIFY2(!request.header(name), name);
        }
        QCOMPARE(request.header("X-End").value_or(""), QByteArray("1"));
        QCOMPARE(request.header("X-Forwarded-For").value_or(""), QByteArray("10.0.0.1, 127.0.0.1"));
    }

    // ctest runs this suite twice (integration.tst_ProxyForwarding and ...tls): make sure the TLS run
    // really forwards over TLS.
    void upstreamModeFollowsEnvironment()
    {
        const bool tls = qEnvironmentVariable("AAP_TEST_UPSTREAM_TLS") == QLatin1String("1");
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.start());
        QCOMPARE(h.upstream.speaksTls(), tls);
        QCOMPARE(h.options.routes.constFirst().config.target.scheme,
                 tls ? QStringLiteral("https") : QStringLiteral("http"));
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET /mode HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(h.upstream.requests().size(), 1);
    }

    void longestPrefixRouteWins()
    {
        ProxyTestHarness h;
        h.publishToken();
        FakeUpstream other;
        QVERIFY(other.listen());
        QVERIFY(h.listenUpstream());
        aap::proxy::ProxyRoute root;
        root.config.target = h.upstreamTarget();
        root.store = &h.store;
        aap::proxy::ProxyRoute api;
        api.config.name = QStringLiteral("api");
        api.config.pathPrefix = QStringLiteral("/api");
        api.config.target = h.upstreamTarget(false); // `other` speaks plain http
        api.config.target.port = other.port();
        api.config.target.basePath = QStringLiteral("/base");
        api.store = &h.store;
        h.options.routes = {root, api};
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        for (const char *path : {"/api/x?y=1", "/apix", "/", "/api"}) {
            client.send(QByteArray("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            QVERIFY(client.readResponse());
        }
        QCOMPARE(other.requests().size(), 2);
        QCOMPARE(other.requests()[0].target, QByteArray("/base/api/x?y=1"));
        QCOMPARE(other.requests()[1].target, QByteArray("/base/api"));
        QCOMPARE(h.upstream.requests().size(), 2);
        QCOMPARE(h.upstream.requests()[0].target, QByteArray("/apix"));
    }

    void noMatchingRouteIs404()
    {
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.listenUpstream());
        aap::proxy::ProxyRoute api;
        api.config.pathPrefix = QStringLiteral("/api");
        api.config.target = h.upstreamTarget();
        api.store = &h.store;
        h.options.routes = {api};
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 404);
        QCOMPARE(response->header("Content-Type").value_or(""), QByteArray("application/json"));
        QVERIFY(response->body.contains(R"("code":"no_route")"));
        QCOMPARE(h.counters().snapshot().errorCount(aap::proxy::ProxyErrorKind::NoRoute), 1u);
        QCOMPARE(h.upstream.requests().size(), 0);
        QVERIFY(client.isConnected());
    }

    void absoluteFormForAnotherHostIsRefused_data()
    {
        QTest::addColumn<QByteArray>("authority");
        QTest::addColumn<QByteArray>("host");
        // A matching Host field does not make another host acceptable: this is never an open proxy.
        QTest::newRow("other host, same Host") << QByteArray("example.com") << QByteArray("example.com");
        QTest::newRow("other host") << QByteArray("evil.example") << QByteArray("localhost");
        QTest::newRow("localhost, port 80") << QByteArray("localhost") << QByteArray("localhost");
        QTest::newRow("loopback, other port") << QByteArray("127.0.0.1:1") << QByteArray("127.0.0.1:1");
        QTest::newRow("target host, other port") << QByteArray("127.0.0.1:2") << QByteArray("x");
    }
    void absoluteFormForAnotherHostIsRefused()
    {
        QFETCH(QByteArray, authority);
        QFETCH(QByteArray, host);
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET http://" + authority + "/x HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 421);
        QCOMPARE(response->header("Content-Type").value_or(""), QByteArray("application/json"));
        QVERIFY(response->body.contains("misdirected_request"));
        QCOMPARE(h.upstream.requests().size(), 0);
        QCOMPARE(h.counters().snapshot().errorCount(aap::proxy::ProxyErrorKind::MisdirectedRequest), 1u);
    }

    void absoluteFormNamingThisProxyOrTargetIsForwarded()
    {
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.start());
        const QByteArray port = QByteArray::number(h.port());
        const QList<QByteArray> authorities{"127.0.0.1:" + port, "LocalHost:" + port, "[::1]:" + port,
                                            "127.0.0.1:" + QByteArray::number(h.upstream.port())};
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        for (const auto &authority : authorities) {
            client.send("GET http://" + authority + "/ok?q HTTP/1.1\r\nHost: other\r\n\r\n");
            const auto accepted = client.readResponse();
            QVERIFY2(accepted, authority.constData());
            QCOMPARE(accepted->status, 200);
            QCOMPARE(h.upstream.requests().last().target, QByteArray("/ok?q"));
        }
        QCOMPARE(h.upstream.requests().size(), authorities.size());
    }

    void requestTrailersNeverReachTheTarget()
    {
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        // The trailer section arrives separately too, so the boundary is found across reads.
        client.send(
            "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: Authorization\r\n\r\n"
            "5\r\nhello\r\n6\r\n world\r\n0\r\nAuthorization: Basic eDp5\r\n");
        client.send("X-Undeclared: 1\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        client.send("POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n0;ext=1\r\nAuthorization: Basic eDp5\r\n\r\n");
        const auto second = client.readResponse();
        QVERIFY(second);
        QCOMPARE(second->status, 200);
        QCOMPARE(h.upstream.requests().size(), 2);
        QCOMPARE(h.upstream.requests().at(0).body, QByteArray("hello world"));
        QCOMPARE(h.upstream.requests().at(1).body, QByteArray("abc"));
        for (const auto &request : h.upstream.requests()) {
            QVERIFY(request.chunked);
            QCOMPARE(request.trailerLines, QList<QByteArray>());
            QCOMPARE(request.headerCount("Authorization"), 1);
            QCOMPARE(request.header("Authorization").value_or(""), ProxyTestHarness::tokenHeaderValue());
        }
    }

    void http10KeepAliveLocalRepliesSayKeepAlive()
    {
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        const auto health = client.readResponse();
        QVERIFY(health);
        QCOMPARE(health->status, 200);
        QCOMPARE(health->header("Connection").value_or(""), QByteArray("keep-alive"));
        client.send("GET http://evil.example/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        const auto refused = client.readResponse();
        QVERIFY(refused);
        QCOMPARE(refused->status, 421);
        QCOMPARE(refused->header("Connection").value_or(""), QByteArray("keep-alive"));
        // Proxied replies say the same, and the connection really stayed open throughout.
        client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        const auto forwarded = client.readResponse();
        QVERIFY(forwarded);
        QCOMPARE(forwarded->status, 200);
        QCOMPARE(forwarded->header("Connection").value_or(""), QByteArray("keep-alive"));
        QVERIFY(client.isConnected());
        // HTTP/1.1 keeps its default: no Connection field.
        client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto health11 = client.readResponse();
        QVERIFY(health11);
        QVERIFY(!health11->hasHeader("Connection"));
    }
};

QTEST_GUILESS_MAIN(tst_ProxyForwarding)
#include "tst_ProxyForwarding.moc"
