// Findings of the hostile-load review (issue 9) that the proxy suites did not cover: dot-segments
// that would leave a route's base path, an invalid chunked body arriving with the response head, and
// requests still queued when the drain deadline passes.
#include "support/ProxyTestClient.h"
#include "support/ProxyTestHarness.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace std::chrono_literals;
using aap::proxy::ProxyErrorKind;
using aap::test::ProxyTestClient;
using aap::test::ProxyTestHarness;

class tst_ProxyHardening : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void dotSegmentsAboveTheRouteAreRefused_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::newRow("raw") << QByteArray("/../../admin") << 400;
        QTest::newRow("encoded") << QByteArray("/%2e%2e/%2E%2E/admin") << 400;
        QTest::newRow("other route") << QByteArray("/dcr-1/../dcr-2/x") << 400;
        QTest::newRow("inside the route") << QByteArray("/dcr-1/a/../b") << 200;
    }

    void dotSegmentsAboveTheRouteAreRefused()
    {
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.listenUpstream());
        aap::proxy::ProxyRoute route;
        route.config.name = QStringLiteral("dcr");
        route.config.pathPrefix = QStringLiteral("/dcr-1");
        route.config.target = h.upstreamTarget();
        route.config.target.basePath = QStringLiteral("/base");
        route.store = &h.store;
        aap::proxy::ProxyRoute fallback = route;
        fallback.config.name = QStringLiteral("default");
        fallback.config.pathPrefix = QStringLiteral("/");
        h.options.routes = {route, fallback};
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, status);
        if (status == 400) {
            ProxyTestHarness::verifyError(response, 400, "path_escapes_route");
            QCOMPARE(h.upstream.requests().size(), 0);
            QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::BadRequest), 1u);
        } else {
            QCOMPARE(h.upstream.requests().size(), 1);
            QCOMPARE(h.upstream.requests().constFirst().target, QByteArray("/base") + target);
        }
    }

    void invalidChunkedBodyWithTheHeadIs502()
    {
        ProxyTestHarness h;
        h.publishToken();
        QTcpServer raw;
        QVERIFY(raw.listen(QHostAddress::LocalHost, 0));
        connect(&raw, &QTcpServer::newConnection, this, [&raw] {
            QTcpSocket *socket = raw.nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                socket->readAll();
                socket->write(
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nnot hex\r\n0\r\n\r\n");
            });
        });
        h.routeTo(raw.serverPort()); // `raw` speaks plain http
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        ProxyTestHarness::verifyError(client.readResponse(), 502, "upstream_bad_response");
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamReset), 1u);
    }

    void queuedRequestsGet503WhenTheDrainDeadlinePasses()
    {
        ProxyTestHarness h;
        h.options.limits.tokenWaitTimeout = 60s; // no token comes: the request stays queued
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET /queued HTTP/1.1\r\nHost: x\r\n\r\n");
        QTest::qWait(200); // the request reaches its worker and waits for the token
        bool drained = false;
        h.proxy->drain([&drained] { drained = true; });
        h.clock.advance(h.options.limits.drainTimeout);
        QVERIFY(drained);
        const auto response = client.readResponse();
        ProxyTestHarness::verifyError(response, 503, "shutting_down");
        QCOMPARE(response->header("Connection").value_or(""), QByteArray("close"));
        QVERIFY(client.waitForDisconnected());
        QTRY_COMPARE_WITH_TIMEOUT(h.counters().snapshot().errorCount(ProxyErrorKind::ShuttingDown), 1u, 5000);
        QCOMPARE(h.upstream.requests().size(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_ProxyHardening)
#include "tst_ProxyHardening.moc"
