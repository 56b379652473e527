// The upstream connection pool and the upstream time-outs the other suites do not reach: the
// per-worker connection limit (requests queue, none is refused), the idle limit and idle expiry,
// and a target that accepts TCP but never completes the TLS handshake.
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

class tst_ProxyPool : public QObject {
    Q_OBJECT

    // Sends GET /n on `count` client connections at once and reads every response.
    static QList<int> concurrentGets(quint16 port, int count)
    {
        std::vector<std::unique_ptr<ProxyTestClient>> clients;
        for (int i = 0; i < count; ++i) {
            auto client = std::make_unique<ProxyTestClient>();
            if (!client->connectTo(port)) {
                return {};
            }
            client->send("GET /" + QByteArray::number(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            clients.push_back(std::move(client));
        }
        QList<int> statuses;
        for (auto &client : clients) {
            const auto response = client->readResponse();
            statuses.append(response ? response->status : 0);
        }
        return statuses;
    }

private Q_SLOTS:
    // More concurrent requests than the limit: the surplus waits for a free connection.
    void connectionLimitQueuesRequests()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.workerThreads = 1;
        h.options.upstream.maxConnectionsPerWorker = 2;
        h.upstream.answerEveryRequest({.delayMs = 200});
        QVERIFY(h.start());
        const QList<int> statuses = concurrentGets(h.port(), 6);
        QCOMPARE(statuses, QList<int>(6, 200));
        QCOMPARE(h.upstream.requests().size(), 6);
        QVERIFY2(h.upstream.connectionCount() <= 2,
                 qPrintable(QString::number(h.upstream.connectionCount())));
    }

    // After a burst, at most maxIdleConnectionsPerWorker connections stay open for reuse.
    void idleLimitClosesSurplusConnections()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.workerThreads = 1;
        h.options.upstream.maxIdleConnectionsPerWorker = 1;
        // Long enough that all three requests are in flight together, even on a loaded machine.
        h.upstream.answerEveryRequest({.delayMs = 1500});
        QVERIFY(h.start());
        QCOMPARE(concurrentGets(h.port(), 3), QList<int>(3, 200));
        QCOMPARE(h.upstream.connectionCount(), 3);
        QTRY_COMPARE_WITH_TIMEOUT(h.upstream.openConnections(), 1, 10'000);
    }

    // By default a worker keeps every connection a burst opened: a lower idle cap under steady load
    // closes connections only to open new ones for the next requests (at 256 clients on one worker
    // that halved the throughput).
    void defaultsKeepEveryConnectionOfABurst()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.workerThreads = 1;
        constexpr int kBurst = 100;
        QVERIFY(h.options.upstream.maxConnectionsPerWorker >= kBurst);
        h.upstream.answerEveryRequest({.delayMs = 1500});
        QVERIFY(h.start());
        QCOMPARE(concurrentGets(h.port(), kBurst), QList<int>(kBurst, 200));
        QCOMPARE(h.upstream.connectionCount(), kBurst);
        QCOMPARE(concurrentGets(h.port(), kBurst), QList<int>(kBurst, 200));
        QCOMPARE(h.upstream.connectionCount(), kBurst);
        QCOMPARE(h.upstream.openConnections(), kBurst);
    }

    // An idle pooled connection is closed after idleConnectionExpiry.
    void idleConnectionsExpire()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.workerThreads = 1;
        h.options.upstream.idleConnectionExpiry = 10min; // only the injected clock gets there in time
        QVERIFY(h.start());
        QCOMPARE(concurrentGets(h.port(), 1), QList<int>{200});
        QCOMPARE(h.upstream.connectionCount(), 1);
        QVERIFY(h.advanceUntil([&h] { return h.upstream.openConnections() == 0; }, 10min));
        // The next request opens a fresh connection (the old one was not kept) and works.
        QCOMPARE(concurrentGets(h.port(), 1), QList<int>{200});
        QCOMPARE(h.upstream.connectionCount(), 2);
    }

    // The target accepts TCP but never answers the TLS ClientHello: 504 after the handshake time-out.
    void tlsHandshakeTimeoutIs504()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.upstream.tlsHandshakeTimeout = 300ms;
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        std::vector<QTcpSocket *> accepted;
        connect(&silent, &QTcpServer::newConnection, this, [&silent, &accepted] {
            while (QTcpSocket *socket = silent.nextPendingConnection()) {
                accepted.push_back(socket);
            }
        });
        h.routeTo(silent.serverPort(), true);
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(h.advanceUntilAnswered(client, 300ms));
        const auto response = client.readResponse(10'000);
        QVERIFY(response);
        QCOMPARE(response->status, 504);
        QVERIFY2(response->body.contains("TLS handshake"), response->body.constData());
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamTimeout), 1u);
        QVERIFY(!accepted.empty());
    }

    // 204 and 304 carry no body; the connection stays usable for the next request.
    void bodylessStatusesKeepTheConnection()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.setHandler([](const FakeUpstream::Request &request) {
            FakeUpstream::Response response;
            response.status = request.target == "/none" ? 204 : 304;
            response.body.clear();
            response.headers = {{"ETag", "\"v1\""}};
            return response;
        });
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        for (const QByteArray &path : {QByteArray("/none"), QByteArray("/cached")}) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            const auto response = client.readResponse();
            QVERIFY(response);
            QCOMPARE(response->status, path == "/none" ? 204 : 304);
            QCOMPARE(response->bodySize, 0);
            QCOMPARE(response->header("ETag").value_or(""), QByteArray("\"v1\""));
        }
        QVERIFY(client.isConnected());
        QCOMPARE(h.upstream.requests().size(), 2);
    }
};

QTEST_GUILESS_MAIN(tst_ProxyPool)
#include "tst_ProxyPool.moc"
