#include "health/ReadinessProbe.h"
#include "platform/SignalHandler.h"
#include "protocol/TestPki.h"
#include "support/ProxyTestClient.h"
#include "support/ProxyTestHarness.h"

#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <csignal>

using namespace std::chrono_literals;
using aap::proxy::ProxyErrorKind;
using aap::test::FakeUpstream;
using aap::test::ProxyTestClient;
using aap::test::ProxyTestHarness;

// Health endpoints, draining on shutdown (including SIGTERM), the listener address and TLS
// upstreams with certificate and host name verification.
class tst_ProxyLifecycle : public QObject {
    Q_OBJECT

    static std::optional<ProxyTestClient::Response> get(ProxyTestClient &client, const QByteArray &path)
    {
        client.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
        return client.readResponse();
    }

private Q_SLOTS:
    void healthAndReadiness()
    {
        ProxyTestHarness h;
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());

        auto health = get(client, "/health");
        QVERIFY(health);
        QCOMPARE(health->status, 200);
        QCOMPARE(health->header("Content-Type").value_or(""), QByteArray("application/json"));

        auto ready = get(client, "/ready");
        QVERIFY(ready);
        QCOMPARE(ready->status, 503);
        QCOMPARE(ready->body,
                 QByteArray("{\"reason\":\"no token yet for route default\",\"status\":\"not_ready\"}"));

        h.publishToken();
        ready = get(client, "/ready?verbose=1");
        QVERIFY(ready);
        QCOMPARE(ready->status, 200);
        QCOMPARE(ready->body, QByteArray("{\"status\":\"ready\"}"));

        // The token's usable time passes.
        h.clock.advance(2h);
        ready = get(client, "/ready");
        QVERIFY(ready);
        QCOMPARE(ready->status, 503);
        QVERIFY(ready->body.contains("token expired for route default"));

        client.send("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n");
        health = client.readResponse(20000, true);
        QVERIFY(health);
        QCOMPARE(health->status, 200);
        QCOMPARE(health->bodySize, 0);

        // Never forwarded, not counted as proxied requests.
        QCOMPARE(h.upstream.requests().size(), 0);
        QCOMPARE(h.counters().snapshot().requests, 0u);
        QCOMPARE(h.counters().snapshot().localReplies, 5u);
    }

    void listensOnLoopbackByDefault()
    {
        const aap::config::ListenerConfig defaults;
        QCOMPARE(defaults.address, QHostAddress(QHostAddress::LocalHost));
        ProxyTestHarness h;
        QVERIFY(h.start());
        QVERIFY(h.port() != 0);
        QCOMPARE(h.proxy->workerCount(), 2);
    }

    void listenFailureIsReported()
    {
        ProxyTestHarness first;
        QVERIFY(first.start());
        ProxyTestHarness second;
        second.options.listener.port = first.port();
        QVERIFY(second.listenUpstream());
        aap::proxy::ProxyRoute route;
        route.config.target = second.upstreamTarget();
        route.store = &second.store;
        second.options.routes = {route};
        second.proxy = std::make_unique<aap::proxy::ProxyServer>(second.options, second.clock);
        const auto started = second.proxy->start();
        QVERIFY(!started);
        QVERIFY(started.error().contains(QStringLiteral("cannot listen")));
        QVERIFY(!second.proxy->readiness().notReadyReason().isEmpty());
    }

    void drainLetsInFlightRequestsFinish()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.answerEveryRequest({.body = "late but complete", .delayMs = 300});
        QVERIFY(h.start());
        ProxyTestClient busy;
        QVERIFY(busy.connectTo(h.port()));
        ProxyTestClient idle;
        QVERIFY(idle.connectTo(h.port()));
        QVERIFY(get(idle, "/health"));
        busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(h.upstream.requests().size(), 1, 10000);

        bool drained = false;
        h.proxy->drain([&drained] { drained = true; });
        QVERIFY(h.proxy->readiness().notReadyReason().contains("shutting down"));
        // Idle keep-alive connections are closed; no new connections are accepted.
        QVERIFY(idle.waitForDisconnected());
        QTcpSocket late;
        late.connectToHost(QHostAddress::LocalHost, h.port());
        QVERIFY(!late.waitForConnected(2000) || late.waitForDisconnected(5000));

        const auto response = busy.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("late but complete"));
        QCOMPARE(response->header("Connection").value_or(""), QByteArray("close"));
        QVERIFY(busy.waitForDisconnected());
        QTRY_VERIFY_WITH_TIMEOUT(drained, 10000);
        QCOMPARE(h.counters().snapshot().activeConnections, 0);
    }

    void drainTimeoutClosesWhatIsLeft()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.answerEveryRequest({.action = FakeUpstream::Action::Hang});
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(h.upstream.requests().size(), 1, 10000);
        bool drained = false;
        h.proxy->drain([&drained] { drained = true; });
        QTest::qWait(100); // the in-flight request is still pending: draining waits for it
        QVERIFY(!drained);
        h.clock.advance(h.options.limits.drainTimeout);
        QVERIFY(drained);
        QVERIFY(client.waitForDisconnected());
    }

    void sigtermStartsDrain()
    {
        ProxyTestHarness h;
        QVERIFY(h.start());
        aap::platform::SignalHandler handler;
        QVERIFY(handler.install());
        bool drained = false;
        connect(&handler, &aap::platform::SignalHandler::terminationRequested, this,
                [&h, &drained] { h.proxy->drain([&drained] { drained = true; }); });
        QSignalSpy spy(&handler, &aap::platform::SignalHandler::terminationRequested);
        QCOMPARE(std::raise(SIGTERM), 0);
        QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 1, 10000);
        QCOMPARE(spy.first().first().toInt(), SIGTERM);
        QTRY_VERIFY_WITH_TIMEOUT(drained, 10000);
    }

    void tlsUpstreamIsVerified_data()
    {
        QTest::addColumn<bool>("wrongName");
        QTest::addColumn<bool>("trustCa");
        QTest::addColumn<int>("status");
        QTest::newRow("trusted") << false << true << 200;
        QTest::newRow("wrong host name") << true << true << 502;
        QTest::newRow("unknown CA") << false << false << 502;
    }
    void tlsUpstreamIsVerified()
    {
        QFETCH(bool, wrongName);
        QFETCH(bool, trustCa);
        QFETCH(int, status);
        aap::test::TestPki pki;
        QVERIFY(pki.isValid());
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.upstream.listen(pki.serverConfiguration(wrongName)));
        aap::proxy::ProxyRoute route;
        route.config.target = h.upstreamTarget(true);
        route.store = &h.store;
        h.options.routes = {route};
        // Set either way: in TLS mode the harness trusts its own test CA.
        h.options.upstream.caBundlePath = trustCa ? pki.caCertificatePath() : QString();
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        for (int i = 0; i < 2; ++i) {
            const auto response = get(client, "/secure?x=" + QByteArray::number(i));
            QVERIFY(response);
            QCOMPARE(response->status, status);
            if (status == 502) {
                QVERIFY(response->body.contains("upstream_tls_failed"));
            }
        }
        if (status == 200) {
            QCOMPARE(h.upstream.requests().size(), 2);
            QCOMPARE(h.upstream.connectionCount(), 1);
            QCOMPARE(h.upstream.requests().first().header("Host").value_or(""),
                     "localhost:" + QByteArray::number(h.upstream.port()));
        } else {
            QCOMPARE(h.upstream.requests().size(), 0);
            QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamTls), 2u);
        }
    }

    void missingCaBundleFailsStart()
    {
        ProxyTestHarness h;
        QVERIFY(h.upstream.listen());
        aap::proxy::ProxyRoute route;
        route.config.target = h.upstreamTarget(true);
        route.store = &h.store;
        h.options.routes = {route};
        h.options.upstream.caBundlePath = QStringLiteral("/nonexistent/ca.pem");
        h.proxy = std::make_unique<aap::proxy::ProxyServer>(h.options, h.clock);
        const auto started = h.proxy->start();
        QVERIFY(!started);
        QVERIFY(started.error().contains(QStringLiteral("/nonexistent/ca.pem")));
    }
};

QTEST_GUILESS_MAIN(tst_ProxyLifecycle)
#include "tst_ProxyLifecycle.moc"
