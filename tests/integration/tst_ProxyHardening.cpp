// Findings of the hostile-load review (issue 9) that the proxy suites did not cover: dot-segments
// that would leave a route's base path, an invalid chunked body arriving with the response head,
// requests still queued when the drain deadline passes, and slow request bodies that held every
// upstream connection (read-ahead, minimum body rate, a full pool answered as such).
#include "proxy/MemoryReturn.h"
#include "support/ProxyTestClient.h"
#include "support/ProxyTestHarness.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <vector>

using namespace std::chrono_literals;
using aap::proxy::ProxyErrorKind;
using aap::test::FakeUpstream;
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
    // A client trickling a small body holds no upstream connection: with a pool of one, another
    // client's request still goes through, and the trickled request completes when its body does.
    void trickledBodyHoldsNoUpstreamConnection()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.workerThreads = 1;
        h.options.upstream.maxConnectionsPerWorker = 1;
        h.options.limits.requestBodyTimeout = 60s;
        QVERIFY(h.start());
        ProxyTestClient slow;
        QVERIFY(slow.connectTo(h.port()));
        slow.send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx");
        QTest::qWait(200); // the head is parsed and the first body byte is buffered
        ProxyTestClient other;
        QVERIFY(other.connectTo(h.port()));
        other.send("GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto answered = other.readResponse(5000);
        QVERIFY(answered);
        QCOMPARE(answered->status, 200);
        QCOMPARE(h.upstream.requests().size(), 1);
        QCOMPARE(h.upstream.requests().constFirst().target, QByteArray("/other"));

        slow.send(QByteArray(999, 'y'));
        const auto completed = slow.readResponse(5000);
        QVERIFY(completed);
        QCOMPARE(completed->status, 200);
        QCOMPARE(h.upstream.requests().size(), 2);
        QCOMPARE(h.upstream.requests().at(1).bodySize, 1000);
    }

    // A body that stops short gets 408 once the body time-out (plus what its bytes earned) passes,
    // both while it is read ahead and while it streams to the target.
    void stalledBodyGets408_data()
    {
        QTest::addColumn<int>("sent");
        QTest::addColumn<int>("reachingTarget");
        QTest::newRow("read ahead") << 10 << 0;
        QTest::newRow("streaming") << 100'000 << 1;
    }
    void stalledBodyGets408()
    {
        QFETCH(int, sent);
        QFETCH(int, reachingTarget);
        ProxyTestHarness h;
        h.publishToken();
        h.options.limits.requestBodyTimeout = 300ms;
        h.options.limits.requestBodyMinRate = 1'000'000; // 100,000 bytes earn 100 ms
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + QByteArray(sent, 'b'));
        QVERIFY(h.advanceUntilAnswered(client, 300ms));
        const auto response = client.readResponse(10'000);
        ProxyTestHarness::verifyError(response, 408, "request_timeout");
        QCOMPARE(response->header("Connection").value_or(""), QByteArray("close"));
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::ClientBodyTimeout), 1u);
        QCOMPARE(h.upstream.connectionCount(), reachingTarget);
        QCOMPARE(h.upstream.requests().size(), 0); // a started one never completed
    }

    // A body slower than the time-out alone, but faster than the minimum rate, is accepted.
    void bodyAtTheMinimumRateIsAccepted()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.limits.requestBodyTimeout = 1000ms;
        h.options.limits.requestBodyMinRate = 1000; // each 1,000 bytes earn a second
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n");
        // 2 s on the proxy's clock in all: twice the time-out alone.
        for (int piece = 0; piece < 4; ++piece) {
            client.send(QByteArray(1000, 'r'));
            QTest::qWait(100);
            h.clock.advance(500ms);
        }
        const auto response = client.readResponse(5000);
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(h.upstream.requests().constFirst().bodySize, 4000);
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::ClientBodyTimeout), 0u);
    }

    // Every connection busy for the connect time-out: 503 upstream_pool_exhausted, not a 504 that
    // blames the target.
    void fullPoolIs503()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.workerThreads = 1;
        h.options.upstream.maxConnectionsPerWorker = 1;
        h.options.upstream.connectTimeout = 300ms;
        h.upstream.setHandler([](const FakeUpstream::Request &request) {
            return FakeUpstream::Response{.delayMs = request.target == "/busy" ? 3000 : 0};
        });
        QVERIFY(h.start());
        ProxyTestClient busy;
        QVERIFY(busy.connectTo(h.port()));
        busy.send("GET /busy HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(h.upstream.connectionCount(), 1, 5000);
        ProxyTestClient queued;
        QVERIFY(queued.connectTo(h.port()));
        queued.send("GET /queued HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(h.advanceUntilAnswered(queued, 300ms));
        ProxyTestHarness::verifyError(queued.readResponse(5000), 503, "upstream_pool_exhausted");
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamPoolExhausted), 1u);
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamTimeout), 0u);
        const auto first = busy.readResponse(10'000);
        QVERIFY(first);
        QCOMPARE(first->status, 200);
    }

    // Bodies too large for the read-ahead stream through a connection each, and may take only half
    // the pool: a second such upload is refused at once while ordinary requests still pass.
    void streamingBodiesTakeAtMostHalfThePool()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.workerThreads = 1;
        h.options.upstream.maxConnectionsPerWorker = 2;
        h.options.limits.requestBodyTimeout = 60s;
        QVERIFY(h.start());
        const QByteArray head = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n";
        ProxyTestClient first;
        QVERIFY(first.connectTo(h.port()));
        first.send(head + QByteArray(70'000, 'u'));
        QTRY_COMPARE_WITH_TIMEOUT(h.upstream.connectionCount(), 1, 5000);
        ProxyTestClient second;
        QVERIFY(second.connectTo(h.port()));
        second.send(head + QByteArray(70'000, 'u'));
        ProxyTestHarness::verifyError(second.readResponse(5000), 503, "upstream_pool_exhausted");
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamPoolExhausted), 1u);

        ProxyTestClient ordinary;
        QVERIFY(ordinary.connectTo(h.port()));
        ordinary.send("GET /ordinary HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto answered = ordinary.readResponse(5000);
        QVERIFY(answered);
        QCOMPARE(answered->status, 200);

        first.send(QByteArray(30'000, 'u'));
        const auto uploaded = first.readResponse(5000);
        QVERIFY(uploaded);
        QCOMPARE(uploaded->status, 200);
        // The stream's slot is free again.
        ProxyTestClient third;
        QVERIFY(third.connectTo(h.port()));
        third.send(head + QByteArray(100'000, 'u'));
        const auto again = third.readResponse(5000);
        QVERIFY(again);
        QCOMPARE(again->status, 200);
    }
    // Once a worker has lost many connections it hands the freed heap back (glibc kept it, and RSS
    // stayed at the peak; bench/connections.sh measures the RSS itself).
    void memoryIsReturnedAfterManyConnectionsClose()
    {
        ProxyTestHarness h;
        h.options.workerThreads = 1;
        QVERIFY(h.start());
        const int count = static_cast<int>(aap::proxy::MemoryReturn::kClosedConnectionsPerTrim) + 44;
        std::vector<std::unique_ptr<ProxyTestClient>> clients;
        for (int i = 0; i < count; ++i) {
            auto &client = clients.emplace_back(std::make_unique<ProxyTestClient>());
            QVERIFY(client->connectTo(h.port()));
            client->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            const auto response = client->readResponse();
            QVERIFY(response);
            QCOMPARE(response->status, 200);
        }
        QCOMPARE(h.counters().snapshot().activeConnections, count);
        QCOMPARE(h.counters().snapshot().memoryTrims, 0u);
        clients.clear();
        QTRY_COMPARE_WITH_TIMEOUT(h.counters().snapshot().activeConnections, 0, 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(h.counters().snapshot().memoryTrims >= 1u, 5000);
    }
    // A worker that served requests and then went quiet trims once (it lets its arena keep freed
    // heap while busy); it does not trim again while it stays quiet, and does after the next ones.
    void aQuietWorkerTrimsOnce()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.workerThreads = 1;
        QVERIFY(h.start());
        ProxyTestClient client;
        QVERIFY(client.connectTo(h.port()));
        const auto served = [&client] {
            client.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
            const auto response = client.readResponse(5000);
            return response && response->status == 200;
        };
        const auto trims = [&h] { return h.counters().snapshot().memoryTrims; };
        QVERIFY(served());
        QCOMPARE(trims(), 0u);
        QVERIFY(h.advanceUntil([&] { return trims() == 1u; }, 250ms));
        h.clock.advance(5s);
        QTest::qWait(600); // two sweeps or more
        QCOMPARE(trims(), 1u);
        QVERIFY(served());
        QVERIFY(h.advanceUntil([&] { return trims() == 2u; }, 250ms));
    }
    // A client that half-closes after its requests (`nc -N`) gets every response, then the close.
    void halfClosedClientGetsItsResponses_data()
    {
        QTest::addColumn<QByteArray>("requests");
        QTest::addColumn<QList<int>>("statuses");
        QTest::addColumn<int>("forwarded");
        const QByteArray get = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
        QTest::newRow("forwarded GET") << get << QList<int>{200} << 1;
        QTest::newRow("POST with its body")
            << QByteArray("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello") << QList<int>{200}
            << 1;
        QTest::newRow("HTTP/1.0") << QByteArray("GET /x HTTP/1.0\r\n\r\n") << QList<int>{200} << 1;
        QTest::newRow("local /health")
            << QByteArray("GET /health HTTP/1.1\r\nHost: x\r\n\r\n") << QList<int>{200} << 0;
        QTest::newRow("two pipelined") << get + get << QList<int>{200, 200} << 2;
    }
    void halfClosedClientGetsItsResponses()
    {
#ifndef Q_OS_UNIX
        QSKIP("half-closing is shown on Unix");
#endif
        QFETCH(QByteArray, requests);
        QFETCH(QList<int>, statuses);
        QFETCH(int, forwarded);
        ProxyTestHarness h;
        h.publishToken();
        // The end of input reaches the proxy while it waits for the target.
        h.upstream.answerEveryRequest({.body = "answer", .delayMs = 300});
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send(requests);
        QVERIFY(client.shutdownSending());
        for (const int status : statuses) {
            const auto response = client.readResponse(10'000);
            QVERIFY(response);
            QCOMPARE(response->status, status);
        }
        QVERIFY(client.waitForDisconnected(10'000));
        QCOMPARE(h.upstream.requests().size(), forwarded);
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::ClientAborted), 0u);
    }
};

QTEST_GUILESS_MAIN(tst_ProxyHardening)
#include "tst_ProxyHardening.moc"
